"""Benchmark: rendering the annotation page and autosaving through the real HTTP server.

A 5,000-token document whose annotation holds 500 entity spans (plus 500 model suggestions
from a prediction). Prints p50 / p95 of:

- server time to render the annotation page (Flask test client, no network): the full page
  (first window of sentences, all spans in the client state), one window as the htmx
  partial, and, for comparison, the whole document as a single window;
- the round trip of one autosave (PUT /api/v1/documents/{id}/annotations/me with the full
  state: 500 spans, one of them changed) through waitress on loopback (8 threads, as
  ``textlabel serve``), from one client and from 20 concurrent annotators, with errors.

Targets (issue 4): render p50 < 50 ms; save p50 < 15 ms single client, p95 < 100 ms at 20
concurrent, no errors. Run:

    .venv/bin/python bench/annotate.py [--database URL] [--saves 200] [--clients 20]
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import statistics
import tempfile
import threading
import time
from typing import Any

import requests
from waitress.server import create_server

from textlabel import create_app, migrate
from textlabel.annotate import queue, service, store, view
from textlabel.annotate.payload import Payload
from textlabel.auth import service as auth
from textlabel.db import make_engine
from textlabel.extensions import db
from textlabel.models import Annotation, Document, User
from textlabel.nlp.pipeline import tokenize_text
from textlabel.projects.service import LabelSpec, create_project, set_member
from textlabel.records import SpanRecord
from textlabel.tokens import Tokens

LABELS = ["PER", "ORG", "LOC", "MISC"]
WORDS = [
    "the", "committee", "met", "again", "in", "old", "library", "on", "Tuesday", "morning",
    "while", "Ada", "and", "Charles", "discussed", "engines", "notes", "numbers",
]  # fmt: skip
PASSWORD = "bench password 123"


def make_text(rng: random.Random, n_tokens: int) -> str:
    words, sentence = [], []
    while len(words) + len(sentence) < n_tokens - 1:
        sentence.append(rng.choice(WORDS))
        if len(sentence) >= rng.randint(8, 25):
            words += [*sentence[:-1], sentence[-1] + "."]
            sentence = []
    return " ".join(words + sentence) + "."


def spans_for(tokens: Tokens, rng: random.Random, n: int) -> list[dict[str, Any]]:
    """``n`` non-overlapping spans of 1-3 tokens spread over the document."""
    step = len(tokens) // n
    out = []
    for k in range(n):
        first = k * step + rng.randint(0, max(0, step - 4))
        last = min(first + rng.randint(1, 3), (k + 1) * step) - 1
        out.append({"start": tokens.starts[first], "end": tokens.ends[last],
                    "label": rng.choice(LABELS)})  # fmt: skip
    return out


def percentiles(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return f"p50 {statistics.median(ms):7.2f} ms   p95 {p95:7.2f} ms   (n={len(ms)})"


def setup(
    app: Any, prefix: str, clients: int, n_tokens: int, n_spans: int, rng: random.Random
) -> list[tuple[str, int, int]]:
    """``clients`` annotators, each given their own document of ``n_tokens`` tokens whose
    annotation holds ``n_spans`` spans (and a prediction with as many suggestions)."""
    with app.app_context():
        session = db.session
        admin = auth.create_user(session, f"{prefix}admin", PASSWORD, is_admin=True)
        project = create_project(session, name=prefix, created_by=admin,
                                 labels=[LabelSpec(x) for x in LABELS], overlap=1)  # fmt: skip
        users = []
        for i in range(clients):
            user = auth.create_user(session, f"{prefix}{i}", PASSWORD)
            set_member(session, project, user.username, "annotator", admin)
            users.append(user)
        for _ in range(clients):
            text = make_text(rng, n_tokens)
            document = Document(project_id=project.id, text=text, content_hash=str(rng.random()),
                                tokens=tokenize_text(text).to_stored())  # fmt: skip
            session.add(document)
        session.commit()
        out = []
        for user in users:
            annotation = queue.next_annotation(session, project, user)
            document = session.get_one(Document, annotation.document_id)
            tokens = store.tokens_of(document)
            payload = service.AnnotationInput.from_json(
                {"version": 1, "spans": spans_for(tokens, rng, n_spans)}
            )
            service.save_annotation(session, annotation, payload, user=user)
            prediction = Annotation(document_id=document.id, kind="prediction")
            session.add(prediction)
            session.flush()
            suggested = Payload(spans=tuple(
                SpanRecord(s["start"], s["end"], s["label"], rng.random())
                for s in spans_for(tokens, rng, n_spans)
            ))  # fmt: skip
            store.insert_many(session, [(prediction.id, tokens, suggested)], source="model")
            session.commit()
            token = auth.issue_token(session, user, name="bench")
            out.append((token, document.id, user.id))
    return out


def bench_render(app: Any, did: int, user_id: int, repeat: int) -> None:
    client = app.test_client()
    with app.app_context():
        account = db.session.get_one(User, user_id)
        with client.session_transaction() as signed_in:  # as the login page would
            signed_in["user_id"] = account.id
            signed_in["pw"] = account.password_hash[-16:]  # older commits
            signed_in["epoch"] = getattr(account, "session_epoch", None)
    cases = [
        ("full page (first window)", {}, f"/documents/{did}/annotate", None),
        ("window partial (htmx)", {"HX-Request": "true"}, f"/documents/{did}/annotate?w=1", None),
        ("whole 5,000 tokens in one window", {}, f"/documents/{did}/annotate", 10**9),
    ]
    for name, headers, url, window in cases:
        app.config["ANNOTATE_WINDOW_TOKENS"] = window or view.WINDOW_TOKENS
        samples = []
        cpu = time.process_time()
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(url, headers=headers)
            samples.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise SystemExit(f"render failed: {response.status_code}")
        cpu_ms = (time.process_time() - cpu) / repeat * 1000
        print(f"  render {name:40s} {percentiles(samples)}   CPU {cpu_ms:5.1f} ms   "
              f"{len(response.data) // 1024} KiB")  # fmt: skip
    app.config.pop("ANNOTATE_WINDOW_TOKENS")


def saver(
    base: str, token: str, did: int, n: int, rng: random.Random, *, pause: float = 0.0
) -> tuple[list[float], int]:
    """``n`` autosaves of one annotator, each relabelling one span of the full state, with a
    random pause of up to ``2 * pause`` seconds between them (0: back to back)."""
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"
    url = f"{base}/api/v1/documents/{did}/annotations/me"
    current = http.get(url, timeout=30).json()
    spans = [{k: s[k] for k in ("start", "end", "label")} for s in current["spans"]]
    version, samples, errors = current["version"], [], 0
    for _ in range(n):
        if pause:
            time.sleep(rng.uniform(0, 2 * pause))
        spans[rng.randrange(len(spans))]["label"] = rng.choice(LABELS)
        started = time.perf_counter()
        response = http.put(url, json={"version": version, "spans": spans}, timeout=30)
        samples.append(time.perf_counter() - started)
        if response.status_code != 200:
            errors += 1
            version = http.get(url, timeout=30).json()["version"]
        else:
            version = response.json()["version"]
    return samples, errors


def bench_saves(base: str, annotators: list[tuple[str, int, int]], saves: int) -> None:
    cpu = time.process_time()
    samples, errors = saver(base, *annotators[0][:2], saves, random.Random(1))
    cpu_ms = (time.process_time() - cpu) / saves * 1000
    label = "1 client, back to back"
    print(f"  save   {label:40s} {percentiles(samples)}   CPU {cpu_ms:5.1f} ms   errors {errors}")
    per_client = max(10, saves // 4)
    for pause, what in ((0.0, "back to back"), (0.5, "one save per ~0.5 s each")):
        results: list[tuple[list[float], int]] = []

        def run(i: int, pause: float = pause, out: list[Any] = results) -> None:
            out.append(saver(base, *annotators[i][:2], per_client, random.Random(i), pause=pause))

        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(annotators))]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
        all_samples = [s for samples, _ in results for s in samples]
        errors = sum(e for _, e in results)
        label = f"{len(annotators)} concurrent, {what}"
        print(f"  save   {label:40s} {percentiles(all_samples)}   "
              f"errors {errors}   {len(all_samples) / wall:.0f} saves/s")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--saves", type=int, default=200)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--renders", type=int, default=100)
    args = parser.parse_args()
    rng = random.Random(7)
    url = args.database or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE": tempfile.mkdtemp()})
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "Task queue depth" at load
    server = create_server(app, host="127.0.0.1", port=0, threads=8)
    threading.Thread(target=server.run, daemon=True).start()
    base = f"http://127.0.0.1:{server.effective_port}"
    run = f"b{int(time.time())}"
    print(
        f"database {url.split(':')[0]}; waitress 8 threads on loopback; {os.cpu_count()} CPUs; "
        f"load average {os.getloadavg()[0]:.1f}; CPU = this process's CPU time per request "
        "(server and, for saves, the HTTP client too)"
    )

    long_docs = setup(app, f"{run}long", args.clients, 5000, 500, rng)
    print("5,000-token document, 500 spans + 500 model suggestions:")
    bench_render(app, long_docs[0][1], long_docs[0][2], args.renders)
    bench_saves(base, long_docs, args.saves)
    short_docs = setup(app, f"{run}short", args.clients, 300, 30, rng)
    print("300-token document (a news story), 30 spans + 30 suggestions:")
    bench_saves(base, short_docs, args.saves)
    server.close()


if __name__ == "__main__":
    main()
