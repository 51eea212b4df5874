"""Per-project annotation guidelines: Markdown a manager writes, shown to annotators.

Stored in ``Project.settings["guidelines"]`` (no column: a text a project has or not).
Rendered with markdown-it-py's ``js-default`` preset: raw HTML in the text is escaped,
never passed through, and links with ``javascript:``/``data:`` URLs are not made, so a
guideline cannot inject script into the annotate page. Pure: text in, HTML text out.
"""

from __future__ import annotations

from markdown_it import MarkdownIt

from textlabel.errors import InvalidInput

MAX_CHARS = 50_000
_MD = MarkdownIt("js-default")  # html=False: tags in the text come out as text


def check_guidelines(text: str) -> str:
    """The guidelines to store (surrounding blank lines dropped); InvalidInput when too long."""
    text = text.strip()
    if len(text) > MAX_CHARS:
        raise InvalidInput(
            f"guidelines: {len(text):,} characters, at most {MAX_CHARS:,}",
            details={"field": "guidelines", "length": len(text)},
        )
    return text


def render_guidelines(text: str) -> str:
    """Safe HTML of the Markdown ``text`` (escaped raw HTML, no script URLs)."""
    return _MD.render(text) if text else ""
