"""brat standoff: a zip of ``NAME.txt`` and ``NAME.ann`` per document.

Entities become text-bound ``T`` lines (``T1<TAB>LABEL start end<TAB>covered text``, line
breaks inside a span written as spaces, as brat does), relations ``R`` lines (``R1<TAB>LABEL
Arg1:T1 Arg2:T2``, head as Arg1). A document keeps the name it was imported under
(``meta["brat_document"]``), else ``doc-ID`` (``-ANNOTATOR`` added for per-annotator records).
Labels are written with spaces as underscores (brat types have none). Coreference, POS, span
categories and document labels have no brat equivalent here and are not written; brat itself
keeps no configuration in the .ann (``annotation.conf`` is up to the user).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator

from textlabel.export.base import WriteOptions
from textlabel.export.zipsink import ZipSink
from textlabel.records import DocumentRecord


def write(records: Iterable[DocumentRecord], options: WriteOptions) -> Iterator[bytes]:
    """Stream the zip, a document (two members) at a time."""
    layers = set(options.layers)
    sink = ZipSink()
    names: set[str] = set()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for record in records:
            name = _unique(_name(record), names)
            archive.writestr(f"{name}.txt", record.text.encode("utf-8"))
            archive.writestr(f"{name}.ann", ann_text(record, layers=layers).encode("utf-8"))
            yield from sink.drain()
    yield from sink.drain()


def ann_text(record: DocumentRecord, *, layers: Iterable[str]) -> str:
    """The ``.ann`` of one record: T lines for its entities, R lines for its relations."""
    chosen = set(layers)
    if "entities" not in chosen:
        return ""
    lines: list[str] = []
    number: dict[tuple[int, int], int] = {}
    for index, span in enumerate(record.spans, start=1):
        covered = " ".join(record.text[span.start : span.end].splitlines())
        lines.append(f"T{index}\t{_type(span.label)} {span.start} {span.end}\t{covered}")
        number.setdefault((span.start, span.end), index)
    if "relations" in chosen:
        for index, relation in enumerate(record.relations, start=1):
            head, child = number.get(relation.head), number.get(relation.child)
            if head is not None and child is not None:
                lines.append(f"R{index}\t{_type(relation.label)} Arg1:T{head} Arg2:T{child}\t")
    return "".join(line + "\n" for line in lines)


def _type(label: str) -> str:
    return "_".join(label.split()) or "_"


def _name(record: DocumentRecord) -> str:
    given = record.meta.get("brat_document")
    base = str(given) if isinstance(given, str) and given else f"doc-{record.meta.get('id', 0)}"
    if record.annotator:
        base += f"-{record.annotator}"
    return base


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name}-{n}"
    taken.add(candidate)
    return candidate
