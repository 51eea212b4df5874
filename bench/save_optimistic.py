"""Benchmark: CPU per save with SQLite's optimistic save (reads before the write lock) on and
off, alternating in one process (issue 13).

Two checkouts in two processes differ by more than the change on the shared machine; here the
same app saves ``--n`` times with ``api.put_my_annotation`` in ``guard.OPTIMISTIC_VIEWS`` and
then without, for ``--rounds`` rounds. Printed: CPU ms per save of each round, the medians, and
how many versioned UPDATEs ran (a save that ran twice would show as more than the saves that
changed something):

    .venv/bin/python bench/save_optimistic.py [--rounds 6] [--n 150]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import tempfile
import time
from typing import Any

from sqlalchemy import event

from textlabel.app import create_app
from textlabel.auth.service import create_user
from textlabel.extensions import db
from textlabel.migrate import upgrade
from textlabel.web import guard

PASSWORD = "bench password 123"
VIEW = "api.put_my_annotation"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--n", type=int, default=150, help="saves per side and round")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp()
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/b.db", "INSTANCE": tmp,
                      "SECRET_KEY": "bench"})  # fmt: skip
    upgrade(app.extensions["textlabel.db"])
    with app.app_context():
        create_user(db.session, "admin", PASSWORD, is_admin=True)
        db.session.commit()
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "admin", "password": PASSWORD})
    auth = {"Authorization": f"Bearer {token.json['token']}"}  # type: ignore[index]
    pid = client.post("/api/v1/projects", json={"name": "b", "labels": [{"name": "PER"}]},
                      headers=auth).json["id"]  # type: ignore[index]  # fmt: skip
    rows = "\n".join(f"Ada Lovelace met Charles Babbage in London on day {i}." for i in range(20))
    client.post(f"/api/v1/projects/{pid}/documents", headers=auth,
                data={"preannotate": "false", "file": (io.BytesIO(b"text\n" + rows.encode()),
                                                       "d.csv")})  # fmt: skip
    listed = client.get(f"/api/v1/projects/{pid}/documents?per_page=1", headers=auth)
    did = listed.json["items"][0]["id"]  # type: ignore[index]
    state = {"version": 0, "n": 0, "updates": 0}

    def note(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        state["updates"] += statement.startswith("UPDATE annotation")

    event.listen(db.engine, "before_cursor_execute", note)

    def save() -> None:  # as bench/server.py's: end 3..7 snaps to a token, so some change nothing
        state["n"] += 1
        span = {"start": 0, "end": 3 + state["n"] % 5, "label": "PER"}
        answer = client.put(f"/api/v1/documents/{did}/annotations/me", headers=auth,
                            json={"version": state["version"], "spans": [span]})  # fmt: skip
        assert answer.status_code == 200, answer.json
        state["version"] = answer.json["version"]  # type: ignore[index]

    for _ in range(30):
        save()
    cpu: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(args.rounds):
        for optimistic in (True, False):
            if optimistic:
                guard.OPTIMISTIC_VIEWS.add(VIEW)
            else:
                guard.OPTIMISTIC_VIEWS.discard(VIEW)
            state["updates"], start = 0, time.process_time()
            for _ in range(args.n):
                save()
            cpu[optimistic].append((time.process_time() - start) * 1000 / args.n)
            print(f"  {'optimistic' if optimistic else 'declared  '} {cpu[optimistic][-1]:6.2f} "
                  f"ms per save, {state['updates']} UPDATEs for {args.n} saves")  # fmt: skip
    on, off = statistics.median(cpu[True]), statistics.median(cpu[False])
    print(f"median CPU ms per save: optimistic {on:.2f}, declared {off:.2f} ({on / off:.2f}x; "
          f"load average {os.getloadavg()[0]:.1f})")  # fmt: skip


if __name__ == "__main__":
    main()
