"""brat standoff: a ``.txt`` document and its ``.ann`` annotations, in a zip or side by side.

Text-bound ``T`` lines (``T1<TAB>Label 0 5<TAB>text``) become spans, checked against the
text they quote; ``R`` lines (``R1<TAB>Label Arg1:T1 Arg2:T2``) become relations from Arg1
(head) to Arg2 (child); everything else is counted by kind and reported as not imported:
``E`` events, ``A`` / ``M`` attributes, ``N`` normalizations, ``*`` equivalences,
``#`` notes, and discontinuous ``T`` lines (``0 5;10 15``: textlabel spans are contiguous).
An ``.ann`` uploaded alone has no text to hold its offsets and is refused.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import BinaryIO

from textlabel.errors import BadFormat
from textlabel.ingest.base import ReadOptions, Rejected
from textlabel.records import DocumentRecord, Loss, RelationRecord, SourceRef, SpanRecord

_KINDS = {
    "E": ("events", "E lines (events)", "textlabel has no event layer"),
    "A": ("attributes", "A lines (attributes)", "textlabel has no attribute layer"),
    "M": ("attributes", "M lines (modifications)", "textlabel has no attribute layer"),
    "N": ("normalizations", "N lines (normalizations)", "textlabel has no normalization layer"),
    "*": ("relations", "* lines (equivalences)", "textlabel has no equivalence layer"),
    "R~": ("relations", "R lines on discontinuous spans", "their ends are not imported"),
    "#": ("notes", "# lines (annotator notes)", "textlabel has no note layer"),
}


def read(
    stream: BinaryIO, filename: str, options: ReadOptions
) -> Iterator[DocumentRecord | Rejected]:
    """A lone ``.ann``: refused with what to do instead."""
    raise BadFormat(
        f"{filename} is brat standoff annotation without its text: upload a zip holding each "
        ".txt with its .ann (or give both files to the CLI)"
    )


def read_pair(
    text_bytes: bytes, ann_bytes: bytes, name: str, *, encoding: str | None = None
) -> DocumentRecord | Rejected:
    """One document from a ``.txt`` and its ``.ann`` (``name`` is the pair's path stem)."""
    codec = encoding or "utf-8-sig"
    source = SourceRef(f"{name}.ann", "document", None)
    try:
        text = text_bytes.decode(codec)
        lines = ann_bytes.decode(codec).splitlines()
    except UnicodeDecodeError as e:
        return Rejected(source, f"not valid {codec}: {e.reason} at byte {e.start}")
    if not text.strip():
        return Rejected(source, f"{name}.txt is empty")
    spans: list[SpanRecord] = []
    by_id: dict[str, SpanRecord] = {}
    links: list[tuple[int, str]] = []
    unread: Counter[str] = Counter()
    discontinuous = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        kind = line[0]
        if kind == "R":
            links.append((number, line))
            continue
        if kind != "T":
            if kind not in _KINDS:
                where = SourceRef(f"{name}.ann", "line", number)
                return Rejected(where, f"{line.split(chr(9))[0]!r} is not a brat annotation id")
            unread[kind] += 1
            continue
        parsed = _text_bound(line, text)
        if isinstance(parsed, str):
            return Rejected(SourceRef(f"{name}.ann", "line", number), parsed)
        if parsed is None:
            discontinuous += 1
            continue
        spans.append(parsed)
        by_id[line.split("\t")[0]] = parsed
    relations: list[RelationRecord] = []
    for number, line in links:
        relation = _relation(line, by_id)
        if isinstance(relation, str):
            return Rejected(SourceRef(f"{name}.ann", "line", number), relation)
        if relation is None:
            unread["R~"] += 1
        else:
            relations.append(relation)
    losses = [
        Loss(_KINDS[key][0], _KINDS[key][1], count, f"not imported: {_KINDS[key][2]}")
        for key, count in sorted(unread.items())
    ]
    if discontinuous:
        reason = "not imported: textlabel spans are contiguous"
        losses.append(Loss("spans", "discontinuous T lines", discontinuous, reason))
    return DocumentRecord(
        text=text,
        meta={"brat_document": name},
        source=SourceRef(f"{name}.txt", "document", None),
        spans=spans,
        relations=list(dict.fromkeys(relations)),
        annotated=True,
        losses=losses,
    )


def _relation(line: str, by_id: dict[str, SpanRecord]) -> RelationRecord | str | None:
    """The relation of an ``R`` line; None when an argument is a discontinuous (unread) span;
    a message naming what is wrong with it."""
    fields = line.split("\t")
    parts = fields[1].split() if len(fields) > 1 else []
    args = dict(part.split(":", 1) for part in parts[1:] if ":" in part)
    if len(parts) != 3 or set(args) != {"Arg1", "Arg2"}:
        return f"R line {line!r} is not 'Rn<TAB>Label Arg1:Tx Arg2:Ty'"
    head, child = by_id.get(args["Arg1"]), by_id.get(args["Arg2"])
    if head is None or child is None:
        return None
    return RelationRecord((head.start, head.end), (child.start, child.end), parts[0])


def _text_bound(line: str, text: str) -> SpanRecord | str | None:
    """The span of a ``T`` line; None when discontinuous; a message when it is broken."""
    fields = line.split("\t")
    if len(fields) < 2:
        return f"T line {line!r} has no tab-separated type and offsets"
    label, _, ranges = fields[1].partition(" ")
    if ";" in ranges:
        return None
    bounds = ranges.split()
    if len(bounds) != 2 or not all(value.isdigit() for value in bounds):
        return f"{fields[0]}: offsets {ranges!r} are not 'start end'"
    start, end = int(bounds[0]), int(bounds[1])
    if not 0 <= start < end <= len(text):
        return f"{fields[0]}: [{start}, {end}) is outside the text (length {len(text)})"
    quoted = fields[2] if len(fields) > 2 else None
    # brat writes line breaks inside a span as spaces.
    if quoted is not None and " ".join(text[start:end].split()) != " ".join(quoted.split()):
        return f"{fields[0]}: [{start}, {end}) holds {text[start:end]!r}, the line says {quoted!r}"
    return SpanRecord(start, end, label)
