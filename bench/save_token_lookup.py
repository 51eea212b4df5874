"""Benchmark: what an API token lookup costs a request, and what a cache could save (issue 13).

Every API request resolves its token (``auth.service.user_for_token``: one query for the
token's user, loaded as an ORM ``User``). A verified-token cache must still see a revoked
token, an expired one and a deactivated user at once, from every process, so it must still
ask the database something per request; this prints, in CPU microseconds per request
(SQLite, in-process, alternating rounds), what each option costs:

- ``orm user``: today's lookup, a session begun and closed around it;
- ``core check``: the lightest check a cache would still run (token id, user active, expiry);
- ``no query``: a session begun and closed, nothing asked: a cache that trusts itself.

    .venv/bin/python bench/save_token_lookup.py [--rounds 3] [--n 2000]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from typing import cast

from sqlalchemy import Table, bindparam, select

from textlabel.app import create_app
from textlabel.auth.secrets import digest
from textlabel.auth.service import create_user, issue_token, user_for_token
from textlabel.extensions import db
from textlabel.migrate import upgrade
from textlabel.models import ApiToken, User

USERS = cast(Table, User.__table__)
TOKENS = cast(Table, ApiToken.__table__)
CHECK = (
    select(TOKENS.c.id, TOKENS.c.expires_at, USERS.c.is_active)
    .select_from(TOKENS.join(USERS, USERS.c.id == TOKENS.c.user_id))
    .where(TOKENS.c.token_hash == bindparam("token_hash"))
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp()
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/b.db", "INSTANCE": tmp,
                      "SECRET_KEY": "bench"})  # fmt: skip
    upgrade(app.extensions["textlabel.db"])
    with app.app_context():
        token = issue_token(db.session, create_user(db.session, "admin", "bench password 1"))
        db.session.remove()

        def orm_user() -> None:
            user_for_token(db.session, token)
            db.session.remove()

        def core_check() -> None:
            db.session.execute(CHECK, {"token_hash": digest(token)}).first()
            db.session.remove()

        def no_query() -> None:
            db.session.connection()
            db.session.remove()

        kinds: dict[str, Callable[[], None]] = {
            "orm user": orm_user,
            "core check": core_check,
            "no query": no_query,
        }
        runs: dict[str, list[float]] = {name: [] for name in kinds}
        for _ in range(args.rounds):
            for name, fn in kinds.items():
                for _ in range(100):
                    fn()
                start = time.process_time()
                for _ in range(args.n):
                    fn()
                runs[name].append((time.process_time() - start) * 1e6 / args.n)
    print(f"CPU us per request, {args.rounds} rounds of {args.n} "
          f"(load average {os.getloadavg()[0]:.1f})")  # fmt: skip
    for name, values in runs.items():
        print(f"  {name:<11} " + "  ".join(f"{v:6.0f}" for v in values))


if __name__ == "__main__":
    main()
