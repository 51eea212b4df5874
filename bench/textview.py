"""Benchmark: keypress to layout on the two screens of the shared text view, in Chromium.

The annotation page of a 5,000-token document with 500 entities and 500 suggestions (a
window of about 1,500 tokens): moving the cursor (ArrowRight) and extending the selection
(Shift+ArrowRight). The adjudication page of a 21,600-token document three annotators
labelled (1,800 candidates; a window of about 600 tokens x 4 rows): the next candidate
(ArrowDown). Each figure is the median of 5 runs of 20 keys dispatched to the focused
element, each followed by a forced layout; the baseline is the least a key can cost on the same
page, in the same run: one token's class toggled, then the forced layout. Needs Chromium
(/usr/bin/chromium) and Playwright (the test extra). Run:

    .venv/bin/python bench/textview.py
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import random
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright
from waitress.server import create_server

sys.path.insert(0, str(Path(__file__).resolve().parent))

import annotate  # noqa: E402
import review  # noqa: E402

from textlabel import create_app, migrate  # noqa: E402
from textlabel.db import make_engine  # noqa: E402

KEYS = """([key, shift, n]) => {
  const started = performance.now();
  for (let k = 0; k < n; k++) {
    const target = document.activeElement || document.body;
    target.dispatchEvent(new KeyboardEvent("keydown", {key, shiftKey: shift, bubbles: true}));
    document.body.offsetHeight;
  }
  return (performance.now() - started) / n;
}"""


FLOOR = """(n) => {
  const token = document.querySelector(".t");
  const started = performance.now();
  for (let k = 0; k < n; k++) {
    token.classList.toggle("bench");
    document.body.offsetHeight;
  }
  return (performance.now() - started) / n;
}"""


def floor(page: Any) -> float:
    page.evaluate(FLOOR, 5)
    return sorted(page.evaluate(FLOOR, 20) for _ in range(5))[2]


def per_key(page: Any, key: str, *, shift: bool = False) -> float:
    page.evaluate(KEYS, [key, shift, 5])
    return sorted(page.evaluate(KEYS, [key, shift, 20]) for _ in range(5))[2]


def sign_in(page: Any, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button.primary")
    page.wait_for_url("**/projects")


def main() -> None:
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
    print(f"Chromium, keypress to forced layout, median ms a key; {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        sign_in(page, base, "tv0", annotate.PASSWORD)
        page.goto(f"{base}/documents/{annotated}/annotate")
        page.wait_for_selector("#annotate[data-ready=true]")
        baseline = floor(page)
        print(f"annotate, 5,000 tokens (window of {page.locator('#text .t').count():,}):")
        print(f"  baseline (one class)      {baseline:7.2f} ms")
        for name, key, shift in (("ArrowRight (cursor)", "ArrowRight", False),
                                 ("Shift+ArrowRight (select)", "ArrowRight", True)):  # fmt: skip
            ms = per_key(page, key, shift=shift)
            print(f"  {name:26s}{ms:7.2f} ms   x{ms / baseline:5.1f} baseline")
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        sign_in(page, base, "page-reviewer", "bench-password-1")
        page.goto(f"{base}/documents/2/review")
        page.wait_for_selector("#review[data-ready=true]")
        baseline = floor(page)
        rows = page.locator("#rv-rows .t").count()
        print(f"review, 21,600 tokens x 3 annotators ({rows:,} token elements in the window):")
        print(f"  baseline (one class)      {baseline:7.2f} ms")
        ms = per_key(page, "ArrowDown")
        print(f"  {'ArrowDown (candidate)':26s}{ms:7.2f} ms   x{ms / baseline:5.1f} baseline")
        browser.close()
    server.close()


if __name__ == "__main__":
    main()
