"""Rules the browser files keep, checked on their source: no HTML built from strings in our
scripts (issue 14's stored XSS came from one), and every form's CSRF field from one macro."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Property writes and calls that parse a string as HTML (htmx's hx-swap="outerHTML", a swap
# style of server-rendered fragments, is not one of them).
HTML_SINKS = re.compile(
    r"""(\.|\[\s*["'])(innerHTML|outerHTML|insertAdjacentHTML|setHTMLUnsafe)\b"""
    r"|\bdocument\.write(ln)?\b|createContextualFragment"
)


def _hits(paths: list[Path], pattern: re.Pattern[str]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in paths
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]


def test_no_script_writes_html() -> None:
    scripts = [p for p in sorted((ROOT / "static").glob("*.js")) if p.name != "htmx.min.js"]
    assert {"app.js", "textview.js", "annotate.js", "review.js"} <= {p.name for p in scripts}
    templates = sorted((ROOT / "templates").rglob("*.html"))  # their inline scripts
    assert _hits(scripts + templates, HTML_SINKS) == []


def test_the_sink_pattern_catches_what_it_must() -> None:
    for line in ["box.innerHTML = x;", "el.outerHTML=y", "a.insertAdjacentHTML('beforeend', s)",
                 "document.write(s)", 'el["innerHTML"] = s']:  # fmt: skip
        assert HTML_SINKS.search(line), line
    for line in ["box.textContent = message;", '<div hx-swap="outerHTML">']:
        assert not HTML_SINKS.search(line), line


def test_csrf_fields_come_from_the_macro_and_every_post_form_has_one() -> None:
    templates = sorted((ROOT / "templates").rglob("*.html"))
    written = _hits(templates, re.compile(r"""name=["']csrf_token["']"""))
    assert written == ["templates/_macros.html:5: " + written[0].split(": ", 1)[1]]
    forms = [
        (path.name, form)
        for path in templates
        for form in re.findall(r'<form[^>]*method="post".*?</form>', path.read_text(), re.S)
    ]
    assert len(forms) >= 15
    assert [name for name, form in forms if "ui.csrf_field()" not in form] == []
