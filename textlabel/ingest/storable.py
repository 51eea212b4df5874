"""What every imported record must satisfy before it is stored, whatever reader made it.

Readers check their format; this checks what the database and the pages need: text and
metadata a database can hold (no NUL, no lone surrogate, finite numbers, bounded nesting:
``textlabel.safejson``), file names that fit their column, and part-of-speech tags from the
Universal POS set, because the annotation page shows them and a tag is a word, never markup.
Fine-grained tags (XPOS), lemmas and features stay free text: they are data, escaped wherever
they are shown.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from textlabel.annotate.checks import UNIVERSAL_POS
from textlabel.errors import InvalidInput
from textlabel.records import DocumentRecord, TokenLayers
from textlabel.safejson import problem_in, text_problem

MAX_FILENAME = 255
"""Longest file name accepted (what common file systems allow; the column holds 500)."""
MAX_LABEL = 100
"""Longest span label (the label column's width)."""

_UPOS = frozenset(UNIVERSAL_POS)
# the layers walked for unstorable values: named once, not by ``fields()`` per record (with
# a walk of each absent layer, 5 us of the importing process's time per plain document)
_WALKED_LAYERS = tuple(field.name for field in fields(TokenLayers) if field.name != "pos")


def check_filename(filename: str) -> None:
    """Refuse a file name no column can hold.

    Raises:
        InvalidInput: naming the problem (length, NUL, surrogate).
    """
    reason = text_problem(filename)
    if reason:
        raise InvalidInput(f"the file name: {reason}", details={"field": "filename"})
    if len(filename) > MAX_FILENAME:
        raise InvalidInput(
            f"the file name has {len(filename):,} characters; at most {MAX_FILENAME} are accepted",
            details={"field": "filename"},
        )


def record_problem(record: DocumentRecord) -> str | None:
    """Why ``record`` cannot be stored as it is (naming the field and token), or None."""
    reason = text_problem(record.text)
    if reason:
        return f"the text: {reason}"
    found = None if _ascii_strings(record.meta) else problem_in(record.meta, path="meta")
    if found:
        return f"{found[0]}: {found[1]}"
    for span in record.spans:
        reason = text_problem(span.label)
        if reason:
            return f"span [{span.start}, {span.end}) label: {reason}"
        if len(span.label) > MAX_LABEL:
            return f"span [{span.start}, {span.end}) has a label longer than {MAX_LABEL} characters"
    if record.annotator is not None:
        reason = text_problem(record.annotator)
        if reason:
            return f"the annotator name: {reason}"
    return _layers_problem(record)


def _ascii_strings(meta: Any) -> bool:
    """Whether ``meta`` is a flat dict of ASCII strings without NUL (a CSV row's other
    columns): nothing ``problem_in`` could find, in two joins and two C scans instead of a
    walk (2-3 us of the storing process per document)."""
    if type(meta) is not dict:
        return False
    try:
        joined = "".join(meta) + "".join(meta.values())
    except TypeError:  # a value (or key) that is not a string: walked
        return False
    return joined.isascii() and "\x00" not in joined


def _layers_problem(record: DocumentRecord) -> str | None:
    layers = record.layers
    for index, tag in enumerate(layers.pos or ()):
        if tag is not None and tag not in _UPOS:
            return (
                f"token {index}{_token_text(record, index)}: POS tag {tag[:40]!r} is not a "
                f"Universal POS tag ({' '.join(UNIVERSAL_POS)}); fine-grained tags belong in "
                "XPOS"
            )
    for name in _WALKED_LAYERS:
        value = getattr(layers, name)
        if value is not None:
            found = problem_in(value, path=name)
            if found:
                return f"{found[0]}: {found[1]}"
    return None


def _token_text(record: DocumentRecord, index: int) -> str:
    if record.tokens is None or index >= len(record.tokens):
        return ""
    token = record.tokens[index]
    return f" ({record.text[token.start : token.end][:40]!r})"
