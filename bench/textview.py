"""Benchmark: keypress to layout on the two screens of the shared text view, in Chromium,
against the code of another commit (by default main before the shared text view landed).

The annotation page of a 5,000-token document with 500 entities and 500 suggestions (a
window of about 1,500 tokens): moving the cursor (ArrowRight) and extending the selection
(Shift+ArrowRight). The adjudication page of a 21,600-token document three annotators
labelled (1,800 candidates; a window of about 600 tokens x 4 rows): the next candidate
(ArrowDown). The coreference screen of a 20,000-token document whose annotator accepted
671 chains (ArrowRight). Each side (this checkout, and ``git archive BEFORE`` in a temporary
folder) is served by its own subprocess on the same data; one Chromium measures both,
alternating, and each figure is the median of 5 runs of 20 keys dispatched to the focused
element, each followed by a forced layout; then to the next painted frame
(requestAnimationFrame, then a task: style, layout and paint, frame-aligned, so ~16.7 ms at
best), median of 3 runs of 10. Needs Chromium (/usr/bin/chromium) and Playwright (the test
extra). Run:

    .venv/bin/python bench/textview.py [--before REV] [--screens annotate,review,coref]

(about 8 minutes on 2 busy cores, most of it the old adjudication screen.)
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import os
import random
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
BEFORE = "77ac733"  # main just before the shared text view (issue 11, part 4)

KEYS = """([key, shift, n]) => {
  const started = performance.now();
  for (let k = 0; k < n; k++) {
    const target = document.activeElement || document.body;
    target.dispatchEvent(new KeyboardEvent("keydown", {key, shiftKey: shift, bubbles: true}));
    document.body.offsetHeight;
  }
  return (performance.now() - started) / n;
}"""

PAINT = """async ([key, shift, n]) => {
  const frame = () => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
  await frame();
  const started = performance.now();
  for (let k = 0; k < n; k++) {
    const target = document.activeElement || document.body;
    target.dispatchEvent(new KeyboardEvent("keydown", {key, shiftKey: shift, bubbles: true}));
    await frame();
  }
  return (performance.now() - started) / n;
}"""

CASES = [  # screen, what, key, shift
    ("annotate", "ArrowRight (cursor)", "ArrowRight", False),
    ("annotate", "Shift+ArrowRight (select)", "ArrowRight", True),
    ("review", "ArrowDown (candidate)", "ArrowDown", False),
    ("coref", "ArrowRight (cursor)", "ArrowRight", False),
]
SCREENS = ("annotate", "review", "coref")


def coref_setup(app: Any, rng: random.Random) -> tuple[int, str, str]:
    """A 20,000-token document whose annotator accepted the model's 671 chains (2 to 5
    one-token mentions each, spread over the whole text): the chain panel's worst case."""
    import annotate

    from textlabel.annotate import queue, service, store
    from textlabel.annotate.payload import Payload
    from textlabel.auth import service as auth
    from textlabel.extensions import db
    from textlabel.models import Annotation, Document
    from textlabel.nlp.pipeline import tokenize_text
    from textlabel.projects.service import create_project, set_member
    from textlabel.records import MentionRecord

    with app.app_context():
        session = db.session
        admin = auth.create_user(session, "cadmin", annotate.PASSWORD, is_admin=True)
        project = create_project(session, name="coref", created_by=admin,
                                 layers=["entities", "coref"], overlap=1)  # fmt: skip
        user = auth.create_user(session, "coref0", annotate.PASSWORD)
        set_member(session, project, user.username, "annotator", admin)
        text = annotate.make_text(rng, 20_000)
        document = Document(project_id=project.id, text=text, content_hash="coref",
                            tokens=tokenize_text(text).to_stored())  # fmt: skip
        session.add(document)
        session.commit()
        annotation = queue.next_annotation(session, project, user)
        tokens = store.tokens_of(document)
        words = [i for i in range(len(tokens)) if text[tokens.starts[i] : tokens.ends[i]].isalpha()]
        picked = iter(rng.sample(words, 671 * 5))
        chains = []
        for _ in range(671):
            mentions = sorted(next(picked) for _ in range(rng.randint(2, 5)))
            chains.append([{"start": tokens.starts[i], "end": tokens.ends[i]} for i in mentions])
        payload = service.AnnotationInput.from_json({"version": 1, "coref": chains})
        service.save_annotation(session, annotation, payload, user=user)
        prediction = Annotation(document_id=document.id, kind="prediction")
        session.add(prediction)
        session.flush()
        model = Payload(coref=tuple(tuple(MentionRecord(m["start"], m["end"]) for m in c)
                                    for c in chains))  # fmt: skip
        store.insert_many(session, [(prediction.id, tokens, model)], source="model")
        session.commit()
        return document.id, user.username, annotate.PASSWORD


def serve() -> None:
    """In a subprocess: the data and a waitress server of the textlabel on sys.path; prints
    where they are as one JSON line, serves until stdin closes."""
    sys.path.insert(0, str(BENCH))
    import annotate
    import review
    from waitress.server import create_server

    from textlabel import create_app, migrate
    from textlabel.db import make_engine

    url = f"sqlite:///{tempfile.mkdtemp()}/textview.db"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE": tempfile.mkdtemp()})
    ((_, annotated, _),) = annotate.setup(app, "tv", 1, 5000, 500, random.Random(7))
    with contextlib.redirect_stdout(io.StringIO()):
        review.bench_page(url, 1, 5)  # document 2, reviewer "page-reviewer"
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    base = f"http://127.0.0.1:{server.effective_port}"
    coref_did, coref_user, coref_password = coref_setup(app, random.Random(11))
    pages = {"annotate": (f"/documents/{annotated}/annotate", "tv0", annotate.PASSWORD),
             "review": ("/documents/2/review", "page-reviewer", "bench-password-1"),
             "coref": (f"/documents/{coref_did}/annotate", coref_user, coref_password)}  # fmt: skip
    print(json.dumps({"base": base, "pages": pages}), flush=True)
    sys.stdin.read()
    server.close()


def start(source: Path) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    """A server subprocess running the textlabel of ``source``."""
    env = {**os.environ, "PYTHONPATH": str(source)}
    process = subprocess.Popen(  # noqa: S603 (our own script)
        [sys.executable, __file__, "--serve"], cwd=source, env=env, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        raise SystemExit(f"the server of {source} did not start")
    return process, json.loads(line)


def open_page(browser: Any, where: dict[str, Any], screen: str) -> Any:
    path, username, password = where["pages"][screen]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{where['base']}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button.primary")
    page.wait_for_url("**/projects")
    page.goto(f"{where['base']}{path}")
    # the old review screen set no ready flag: its current candidate shows it has started
    ready = "#annotate[data-ready=true]" if screen != "review" else '.cand[aria-current="true"]'
    page.wait_for_selector(ready)
    return page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", default=BEFORE, help="the commit to compare with")
    parser.add_argument("--screens", default=",".join(SCREENS),
                        help="which screens, comma-separated: annotate, review, coref")  # fmt: skip
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve:
        return serve()
    old = Path(tempfile.mkdtemp())
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", options.before],  # noqa: S607
                             check=True, capture_output=True).stdout  # fmt: skip
    subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)  # noqa: S607
    sides = {"after": start(ROOT), "before": start(old)}
    print(f"Chromium, keypress to forced layout, median ms a key (5 runs of 20 keys); "
          f"this checkout against {options.before}; {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
            )
            for screen in options.screens.split(","):
                pages = {
                    name: open_page(browser, where, screen) for name, (_, where) in sides.items()
                }
                count = pages["after"].locator(".t").count()
                print(f"{screen} ({count:,} token elements in the window):")
                for _, what, key, shift in [c for c in CASES if c[0] == screen]:
                    runs: dict[str, list[float]] = {"after": [], "before": []}
                    for page in pages.values():  # warm up
                        page.evaluate(KEYS, [key, shift, 5])
                    for _ in range(5):  # alternating, so load drifts hit both sides
                        for name, page in pages.items():
                            runs[name].append(page.evaluate(KEYS, [key, shift, 20]))
                    after, before = (sorted(runs[n])[2] for n in ("after", "before"))
                    print(f"  {what:26s} after {after:6.2f} ms   before {before:6.2f} ms   "
                          f"ratio {after / before:4.2f}")  # fmt: skip
                    # To the next frame painted (style, layout, paint; a frame is ~16.7 ms).
                    painted = {n: sorted(p.evaluate(PAINT, [key, shift, 10]) for _ in range(3))[1]
                               for n, p in pages.items()}  # fmt: skip
                    print(f"  {what + ', to paint':26s} after {painted['after']:6.2f} ms   "
                          f"before {painted['before']:6.2f} ms")  # fmt: skip
                for page in pages.values():
                    page.close()
            browser.close()
    finally:
        for process, _ in sides.values():
            assert process.stdin is not None
            process.stdin.close()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
