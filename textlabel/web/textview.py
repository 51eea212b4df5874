"""The one HTML renderer of a document's tokens, for the annotation and the adjudication
screens; ``static/textview.js`` paints on what it renders.

Every token has one shape on both screens::

    <span class="t[ ent[ ent-b][ ent-e]]" data-i="N"[ data-label="L" (first shown)]
          [ title="L" style="--c:COLOR"]>
      <span class="tx">text</span><span class="ws"> </span>
    </span>

(the ``ws`` span only where whitespace follows inside the sentence), entity marks exactly as
textview.js's ``spanPainter`` paints them. The HTML is built as strings, not in a Jinja loop: a
window of 1,500 tokens takes a Jinja loop about ten times longer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape  # plain str in and out: faster than markupsafe for thousands of tokens
from typing import Any

from markupsafe import Markup

from textlabel.annotate.payload import Payload
from textlabel.annotate.view import MarkAt, TokenView, WindowView
from textlabel.layers import PAYLOAD_KEYS

NO_MARK: MarkAt = (None, False, False)


def _inner(t: TokenView) -> str:
    """A token's text, the whitespace after it and the token's closing tag."""
    text = escape(t.text)
    if t.ws:
        return f'<span class="tx">{text}</span><span class="ws">{escape(t.ws)}</span></span>'
    return f'<span class="tx">{text}</span></span>'


def _open(i: int, mark: MarkAt, colors: Mapping[str, str]) -> str:
    label, begin, end = mark
    if label is None:
        return f'<span class="t" data-i="{i}">'
    name = escape(label)
    classes = "t ent" + (" ent-b" if begin else "") + (" ent-e" if end else "")
    data = f' data-label="{name}"' if begin else ""
    color = escape(colors.get(label, "#ddd"))
    return f'<span class="{classes}" data-i="{i}"{data} title="{name}" style="--c:{color}">'


def window_html(window: WindowView, colors: Mapping[str, str]) -> Markup:
    """The annotation screen's window: a line per sentence (``<span class="s">``), PDF page
    markers before the token a page starts with, entities from the window's own marks."""
    out: list[str] = []
    for sentence in window.sentences:
        out.append('<span class="s">')
        for t in sentence:
            if t.page:
                out.append(f'<span class="pg" aria-label="page {t.page}">page {t.page}</span>')
            out.append(_open(t.i, (t.label, t.begin, t.end), colors))
            out.append(_inner(t))
        out.append("</span>")
    return Markup("".join(out))


def rows_html(
    window: WindowView,
    rows: Sequence[tuple[str, Mapping[int, MarkAt]]],
    colors: Mapping[str, str],
) -> Markup:
    """The adjudication screen's window: per sentence a block with one row per ``(who,
    marks)`` (the first is gold, marked ``rv-gold``), the same tokens in every row so they
    line up. Each token's text is escaped once for all rows."""
    inner = {t.i: _inner(t) for sentence in window.sentences for t in sentence}
    heads = []
    for k, (who, marks) in enumerate(rows):
        name = escape(who)
        css = "rv-row" if k else "rv-row rv-gold"
        heads.append((f'<div class="{css}" data-who="{name}"><span class="rv-who" title="{name}">'
                      f'{name}</span><span class="rv-line">', marks))  # fmt: skip
    out: list[str] = []
    for sentence in window.sentences:
        out.append('<div class="rv-sent">')
        for head, marks in heads:
            out.append(head)
            for t in sentence:
                out.append(_open(t.i, marks.get(t.i, NO_MARK), colors))
                out.append(inner[t.i])
            out.append("</span></div>")
        out.append("</div>")
    return Markup("".join(out))


def layers_json(payload: Payload) -> dict[str, Any]:
    """An annotation's layers in the API's JSON, keyed by layer name, for a page's state
    (static/textview.js's ``LAYERS`` read them with the document's tokens)."""
    data = payload.to_json(scores=any(s.score is not None for s in payload.spans or ()))
    return {name: data[key] for name, key in PAYLOAD_KEYS.items()}
