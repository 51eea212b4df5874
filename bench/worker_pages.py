"""Which of its master's pages a forked web worker copies, and which objects live on them.

gunicorn's workers share the master's memory copy-on-write; bench/memory.py shows each one
growing by 25-40 MiB of private pages while tracemalloc finds ~2 MiB of its own objects. This
builds the app as ``gunicorn.conf.py``'s master does (job runner chosen, ``start_up``,
``warm_up``, the import launcher's ``_load``), records the physical page behind every page of
its anonymous and heap mappings (``/proc/self/pagemap``: needs root, else every page reads 0),
forks, and in the child serves the benchmark's requests through the test client: tokens for
21 users, then ``--rounds`` of static, list and fetch, and 20 annotators' saves. It prints
the MiB the child copied (its physical page differs from the master's) and the MiB it added,
then each copied page by the most common type of object whose header lies on it
(``gc.get_objects`` and what they refer to; a page with none is a freed block reused, a dict's
keys or a list's items) and by the package most of its objects come from (code, functions,
classes and modules by their file, what they refer to by theirs; "?" unknown).

    sudo .venv/bin/python bench/worker_pages.py [--rounds 50] [--empty-master]

The database is bench/server.py's: 2,000 documents imported and 20 annotators, made by a real
``textlabel serve`` in a temporary folder first (``TEXTLABEL_SHARED_DATA`` for the texts).
"""

from __future__ import annotations

import argparse
import collections
import gc
import os
import shutil
import subprocess
import sys
import tempfile
import types
from array import array
from pathlib import Path
from typing import Any

import server as bench  # bench/server.py, next to this file

PAGE = os.sysconf("SC_PAGE_SIZE")


def pages() -> list[tuple[int, str, array[int]]]:
    """This process's writable anonymous and heap mappings: (first page number, mapping, the
    physical frame of each page, 0 when not present). Arrays, so that reading them in the
    child adds little of its own."""
    found = []
    with open("/proc/self/maps") as maps, open("/proc/self/pagemap", "rb") as pagemap:
        for line in maps.read().splitlines():
            fields = line.split(None, 5)
            name = fields[5].strip() if len(fields) > 5 else ""
            if name not in ("", "[heap]") or "w" not in fields[1]:
                continue
            start, end = (int(x, 16) for x in fields[0].split("-"))
            pagemap.seek(start // PAGE * 8)
            frames = array("Q", pagemap.read((end - start) // PAGE * 8))
            for i, entry in enumerate(frames):
                frames[i] = entry & ((1 << 55) - 1) if entry >> 63 else 0  # present: its frame
            found.append((start // PAGE, name or "anon", frames))
    return found


def prepare(folder: Path, docs: int) -> dict[str, Any]:
    """bench/server.py's database, by a real server, and the ids measure() uses."""
    server = bench.Server("sqlite", "waitress", folder)
    try:
        ns = argparse.Namespace(docs=docs, clients=20, server="waitress", database="sqlite")
        _, _, pid, dids = bench.prepare(server, ns)
    finally:
        server.stop()
    for name in ("DATABASE_URL", "INSTANCE", "SECRET_KEY"):
        os.environ[f"TEXTLABEL_{name}"] = server.env[f"TEXTLABEL_{name}"]
    return {"pid": pid, "dids": dids}


def master() -> Any:
    """The app as gunicorn.conf.py's master has it when it forks the workers."""
    from textlabel import create_app
    from textlabel.ingest import forked_imports
    from textlabel.serving import start_jobs, start_up, warm_up

    app = create_app()
    start_jobs(app, start=False)
    start_up(app)
    warm_up(app)
    forked_imports._load()
    return app


def master_on_empty(folder: Path, docs: int) -> tuple[Any, dict[str, Any]]:
    """The master built on a database holding only the administrator, as bench/memory.py's
    servers start (its warm-up finds no project or document), then the prepared database
    copied over that one before the fork (the master's connections are closed by then)."""
    empty, prepared = folder / "empty", folder / "prepared"
    empty.mkdir()
    prepared.mkdir()
    env = {
        **os.environ,
        "TEXTLABEL_DATABASE_URL": f"sqlite:///{empty / 'bench.db'}",
        "TEXTLABEL_INSTANCE": str(empty / "instance"),
        "TEXTLABEL_SECRET_KEY": "bench",
    }
    cli = [sys.executable, "-m", "textlabel.cli"]
    subprocess.run([*cli, "init"], env=env, check=True, capture_output=True)
    subprocess.run([*cli, "user", "create", "admin", "--password", bench.PASSWORD, "--admin"],
                   env=env, check=True, capture_output=True)  # fmt: skip
    os.environ.update({k: v for k, v in env.items() if k.startswith("TEXTLABEL_")})
    app = master()
    ids = prepare(prepared, docs)
    for leftover in ("bench.db-wal", "bench.db-shm"):
        (empty / leftover).unlink(missing_ok=True)
    shutil.copy(prepared / "bench.db", empty / "bench.db")
    return app, ids


def serve(app: Any, ids: dict[str, Any], rounds: int) -> None:
    """bench/server.py's requests, through the test client."""
    from textlabel.serving import after_fork

    after_fork()
    client = app.test_client()

    def login(name: str) -> dict[str, str]:
        body = {"username": name, "password": bench.PASSWORD}
        token = client.post("/api/v1/auth/token", json=body).get_json()["token"]
        return {"Authorization": f"Bearer {token}"}

    annotators = [login(f"ann{i}") for i in range(20)]
    login("admin")
    for _ in range(rounds):
        client.get("/static/app.css")
        client.get(f"/api/v1/projects/{ids['pid']}/documents?per_page=10", headers=annotators[0])
        client.get(f"/api/v1/documents/{ids['dids'][1]}", headers=annotators[0])
    versions: dict[int, int] = {}
    for n in range(max(10, rounds // 4)):
        for i, headers in enumerate(annotators):
            did = ids["dids"][2 + i]
            spans = [{"start": 0, "end": 3 + n % 5, "label": "PER"}]
            response = client.put(
                f"/api/v1/documents/{did}/annotations/me", headers=headers,
                json={"version": versions.get(did, 0), "spans": spans},
            )  # fmt: skip
            body = response.get_json()
            ok = response.status_code == 200
            versions[did] = body["version"] if ok else body["error"]["details"]["version"]


def package(obj: object) -> str | None:
    """The package a code object, function, class or module comes from (textlabel by
    subpackage), else None."""
    if isinstance(obj, types.FunctionType):
        obj = obj.__code__
    if isinstance(obj, types.CodeType):
        path = obj.co_filename
        if "/site-packages/" in path:
            return path.split("/site-packages/")[1].split("/")[0].removesuffix(".py")
        if "/textlabel/" in path:
            return "textlabel." + path.rsplit("/textlabel/", 1)[1].split("/")[0].removesuffix(".py")
        return "stdlib"
    name = obj.__name__ if isinstance(obj, types.ModuleType) else None
    if isinstance(obj, type):
        name = obj.__dict__.get("__module__")
    if not isinstance(name, str):
        return None
    parts = name.split(".")
    return ".".join(parts[:2]) if parts[0] == "textlabel" else parts[0]


def attribute(copied: set[int]) -> tuple[collections.Counter[str], collections.Counter[str]]:
    """Each copied page by the most common type of object whose header lies on it, and by
    the package most of them belong to (code, functions, classes and modules by their file;
    what those refer to, one step, by theirs)."""
    gc.unfreeze()  # frozen objects are not in gc.get_objects()
    objects = gc.get_objects()
    owner: dict[int, str] = {}
    for obj in objects:
        if (found := package(obj)) is not None:
            owner[id(obj)] = found
    for obj in objects:
        if (found := owner.get(id(obj))) is not None:
            for referent in gc.get_referents(obj):
                owner.setdefault(id(referent), found)
    seen: set[int] = set()
    kinds_on: dict[int, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    owners_on: dict[int, collections.Counter[str]] = collections.defaultdict(collections.Counter)

    def note(obj: object) -> None:
        address = id(obj)
        if address not in seen:
            seen.add(address)
            if address // PAGE in copied:
                kinds_on[address // PAGE][type(obj).__name__] += 1
                owners_on[address // PAGE][owner.get(address, "?")] += 1

    for obj in objects:
        note(obj)
        for referent in gc.get_referents(obj):
            note(referent)
    kinds: collections.Counter[str] = collections.Counter()
    owners: collections.Counter[str] = collections.Counter()
    for page in copied:
        kinds[kinds_on[page].most_common(1)[0][0] if page in kinds_on else "(no header)"] += 1
        owners[owners_on[page].most_common(1)[0][0] if page in owners_on else "(no header)"] += 1
    return kinds, owners


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=50, help="static, list and fetch rounds")
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument(
        "--empty-master",
        action="store_true",
        help="the master warms up on a database with only the administrator (as bench/memory.py)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.empty_master:
            app, ids = master_on_empty(Path(tmp), args.docs)
        else:
            ids = prepare(Path(tmp), args.docs)
            app = master()
        before = {first + i: frame for first, _, frames in pages()
                  for i, frame in enumerate(frames) if frame}  # fmt: skip
        read, write = os.pipe()
        child = os.fork()
        if child:
            os.close(write)
            with os.fdopen(read) as lines:
                print(lines.read(), end="")
            os.waitpid(child, 0)
            return
        os.close(read)
        try:
            serve(app, ids, args.rounds)
            copied: set[int] = set()
            added = 0
            by_mapping: collections.Counter[str] = collections.Counter()
            for first, name, frames in pages():
                for i, frame in enumerate(frames):
                    if frame and first + i not in before:
                        added += 1
                    elif frame and before[first + i] != frame:
                        copied.add(first + i)
                        by_mapping[name] += 1
            kinds, owners = attribute(copied)
            mib = PAGE / 2**20
            out = [
                f"load average {os.getloadavg()[0]:.1f}; the master: {len(before) * mib:.0f} MiB "
                "of anonymous and heap pages",
                f"the worker copied {len(copied) * mib:.1f} MiB of them "
                f"({', '.join(f'{k} {n * mib:.1f}' for k, n in by_mapping.most_common())}) "
                f"and added {added * mib:.1f} MiB",
                "copied pages by the most common object on them (MiB): "
                + ", ".join(f"{kind} {n * mib:.1f}" for kind, n in kinds.most_common(16)),
                "copied pages by the package most of their objects belong to (MiB): "
                + ", ".join(f"{name} {n * mib:.1f}" for name, n in owners.most_common(16)),
            ]
            os.write(write, ("\n".join(out) + "\n").encode())
        finally:
            os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
