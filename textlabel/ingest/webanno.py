"""WebAnno TSV 3 (WebAnno, INCEpTION): one document per file.

Header lines declare the layers and their feature columns: ``#T_SP=`` span layers,
``#T_CH=`` chain layers (``referenceRelation|referenceType``), ``#T_RL=`` relation layers.
``#Text=`` lines hold each sentence; token lines ``1-2<TAB>4-8<TAB>Haag<TAB>...`` give the
token's character offsets in the document. Carried: the text (each sentence at its first
token's offset), tokens, sentences, POS (``PosValue`` as tags, ``coarseValue`` as UPOS),
lemmas, entities (the ``NamedEntity`` layer and custom span layers: ``PER[2]`` marks the
tokens of one multi-token span, ``|`` stacks annotations) and coreference chains
(``*->1-2`` = chain 1, link 2). Relation layers, extra features and sub-token annotations
are counted and reported as not imported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from textlabel.errors import BadFormat
from textlabel.formats.lines import read_lines
from textlabel.ingest.base import ReadOptions, Rejected
from textlabel.records import (
    DocumentRecord,
    Loss,
    MentionRecord,
    SourceRef,
    SpanRecord,
    TokenLayers,
    TokenRecord,
)

_TOKEN = re.compile(r"^(\d+)-(\d+)(\.\d+)?\t(\d+)-(\d+)\t")
_LABEL = re.compile(r"^(.*?)(?:\[(\d+)\])?$")
_LINK = re.compile(r"^(.*)->(\d+)-(\d+)$")
_EMPTY = frozenset({"_", ""})
_SKIP_TYPES = ("Token", "Sentence", "Stem", "MorphologicalFeatures")


@dataclass
class _Layer:
    kind: str  # "SP" | "CH" | "RL"
    name: str
    features: list[str]
    first: int = 0  # index of its first column in a token line (after id, offsets, word)

    @property
    def width(self) -> int:
        return len(self.features)


@dataclass
class _Doc:
    layers: list[_Layer] = field(default_factory=list)
    sentences: list[tuple[int, str]] = field(default_factory=list)  # (line, text)
    tokens: list[tuple[int, int, str, list[str], int]] = field(default_factory=list)
    sent_starts: list[int] = field(default_factory=list)
    subtokens: int = 0


def read(
    stream: BinaryIO, filename: str, options: ReadOptions
) -> Iterator[DocumentRecord | Rejected]:
    """The one document of a WebAnno TSV 3 file."""
    doc = _Doc()
    first = True
    for number, line in read_lines(stream, filename, encoding=options.encoding):
        if first:
            if not line.startswith("#FORMAT=WebAnno TSV 3"):
                raise BadFormat(f"{filename}: line 1 is not '#FORMAT=WebAnno TSV 3...'")
            first = False
            continue
        if line.startswith("#T_"):
            kind, _, spec = line[3:].partition("=")
            name, *features = spec.split("|")
            doc.layers.append(_Layer(kind, name, features))
        elif line.startswith("#Text="):
            if doc.sentences and doc.sentences[-1][0] == number - 1 and not _in_tokens(doc):
                previous = doc.sentences.pop()  # a sentence with line breaks spans lines
                doc.sentences.append((number, previous[1] + "\n" + _unescape_text(line[6:])))
            else:
                doc.sentences.append((number, _unescape_text(line[6:])))
                doc.sent_starts.append(len(doc.tokens))
        elif line.strip() and not line.startswith("#"):
            _token_line(doc, line, number, filename)
    if first:
        raise BadFormat(f"{filename} is empty")
    yield _build(doc, filename)


def _in_tokens(doc: _Doc) -> bool:
    return bool(doc.sent_starts) and doc.sent_starts[-1] < len(doc.tokens)


def _token_line(doc: _Doc, line: str, number: int, filename: str) -> None:
    match = _TOKEN.match(line)
    if not match:
        raise BadFormat(f"{filename}: line {number} is not a token line ('1-1<TAB>0-3<TAB>...')")
    if match.group(3):
        doc.subtokens += 1
        return
    cells = line.split("\t")
    if cells and cells[-1] == "":
        cells.pop()
    doc.tokens.append((int(match.group(4)), int(match.group(5)), cells[2], cells[3:], number))


def _build(doc: _Doc, filename: str) -> DocumentRecord | Rejected:
    if not doc.tokens:
        return Rejected(SourceRef(filename, "document", 1), "the file holds no token")
    text = _text(doc)
    tokens = []
    for index, (start, end, word, _, line) in enumerate(doc.tokens):
        if text[start:end] != _unescape_text(word):
            where = SourceRef(filename, "line", line)
            return Rejected(where, f"token {word!r} at [{start}, {end}) does not match #Text")
        after = doc.tokens[index + 1][0] if index + 1 < len(doc.tokens) else len(text)
        tokens.append(TokenRecord(start, end, end < after))
    position = 0
    for layer in doc.layers:
        layer.first, position = position, position + layer.width
    losses: list[Loss] = []
    layers = TokenLayers()
    spans: list[SpanRecord] = []
    coref: list[list[MentionRecord]] = []
    for layer in doc.layers:
        short = layer.name.rsplit(".", 1)[-1]
        if layer.kind == "RL":
            # One relation per value of its first feature; the last column points at the
            # governor token.
            _count(doc, layer, [0], losses, "relations", "relation layer")
        elif layer.kind == "CH":
            coref += _chains(doc, layer, tokens)
            _count(doc, layer, [1], losses, "attributes", "chain types", skip_star=True)
        elif short == "POS":
            for feature, attr in (("PosValue", "tags"), ("coarseValue", "pos")):
                if feature in layer.features:
                    setattr(layers, attr, _tags(doc, layer, layer.features.index(feature)))
        elif short == "Lemma":
            layers.lemmas = _tags(doc, layer, 0)
        elif short not in _SKIP_TYPES:
            label_at = next((layer.features.index(n) for n in ("value", "label")
                             if n in layer.features), 0)  # fmt: skip
            spans += _spans(doc, layer, label_at, short, tokens)
            others = [i for i in range(layer.width) if i != label_at]
            _count(doc, layer, others, losses, "attributes", f"{short} features", skip_star=True)
        else:
            _count(doc, layer, range(layer.width), losses, "annotations", f"{short} layer")
    if doc.subtokens:
        losses.append(Loss("annotations", "sub-token lines", doc.subtokens,
                           "not imported: textlabel annotates whole tokens"))  # fmt: skip
    return DocumentRecord(
        text=text,
        meta={"webanno_file": filename},
        source=SourceRef(filename, "document", 1),
        tokens=tokens,
        sent_starts=doc.sent_starts,
        spans=spans,
        coref=coref,
        layers=layers,
        annotated=True,
        losses=losses,
    )


def _text(doc: _Doc) -> str:
    """Each sentence's text at its first token's offset, gaps as line breaks."""
    parts: list[str] = []
    length = 0
    bounds = [*doc.sent_starts[1:], len(doc.tokens)]
    for (_, sentence), first, last in zip(doc.sentences, doc.sent_starts, bounds, strict=False):
        if first >= last:
            continue
        start = doc.tokens[first][0]
        if start > length:
            parts.append("\n" * (start - length))
            length = start
        parts.append(sentence)
        length += len(sentence)
    return "".join(parts)


def _cells(doc: _Doc, column: int) -> list[list[str]]:
    """Per token, the stacked values of one column (``|``-separated), [] when empty."""
    out = []
    for _, _, _, cells, _ in doc.tokens:
        value = cells[column] if column < len(cells) else "_"
        out.append([] if value in _EMPTY else _split(value))
    return out


def _spans(
    doc: _Doc, layer: _Layer, label_at: int, short: str, tokens: list[TokenRecord]
) -> list[SpanRecord]:
    groups: dict[tuple[str, str], list[int]] = {}
    singles: list[SpanRecord] = []
    for index, values in enumerate(_cells(doc, layer.first + label_at)):
        for value in values:
            label, ident = _LABEL.match(value).groups()  # type: ignore[union-attr]
            label = short if label in ("*", "") else _unescape(label)
            if ident is None:
                singles.append(SpanRecord(tokens[index].start, tokens[index].end, label))
            else:
                groups.setdefault((ident, label), []).append(index)
    joined = [
        SpanRecord(tokens[min(members)].start, tokens[max(members)].end, label)
        for (_, label), members in groups.items()
    ]
    return sorted(singles + joined, key=lambda span: (span.start, span.end, span.label))


def _chains(doc: _Doc, layer: _Layer, tokens: list[TokenRecord]) -> list[list[MentionRecord]]:
    links: dict[int, dict[int, list[int]]] = {}
    for index, values in enumerate(_cells(doc, layer.first)):
        for value in values:
            match = _LINK.match(value)
            if match:
                chain, link = int(match.group(2)), int(match.group(3))
                links.setdefault(chain, {}).setdefault(link, []).append(index)
    return [
        [MentionRecord(tokens[min(m)].start, tokens[max(m)].end) for _, m in sorted(chain.items())]
        for _, chain in sorted(links.items())
    ]


def _tags(doc: _Doc, layer: _Layer, feature: int) -> list[str | None] | None:
    values = [_LABEL.match(v[0]).group(1) if v else None  # type: ignore[union-attr]
              for v in _cells(doc, layer.first + feature)]  # fmt: skip
    return values if any(v not in (None, "*") for v in values) else None


def _count(
    doc: _Doc, layer: _Layer, features: range | list[int], losses: list[Loss], kind: str,
    name: str, *, skip_star: bool = False,
) -> None:  # fmt: skip
    seen: set[tuple[int, str, int, int]] = set()
    for feature in features:
        for token, values in enumerate(_cells(doc, layer.first + feature)):
            for position, value in enumerate(values):
                label = _LABEL.match(value).group(1)  # type: ignore[union-attr]
                if skip_star and label in ("*", ""):
                    continue
                # A multi-token annotation ("PER[2]") repeats on each of its tokens: once.
                seen.add((feature, value, -1, -1) if "[" in value else
                         (feature, value, token, position))  # fmt: skip
    if seen:
        reason = f"not imported: no {kind[:-1] if kind.endswith('s') else kind} layer"
        losses.append(Loss(kind, f"{name} ({layer.name.rsplit('.', 1)[-1]})", len(seen), reason))


def _split(value: str) -> list[str]:
    return [part for part in re.split(r"(?<!\\)\|", value) if part]


def _unescape(value: str) -> str:
    return re.sub(r"\\([\\\[\]|_>;*tnr-])", lambda m: {"t": "\t", "n": "\n", "r": "\r"}.get(
        m.group(1), m.group(1)), value)  # fmt: skip


def _unescape_text(value: str) -> str:
    """#Text lines and token words escape only backslashes and control characters."""
    return re.sub(r"\\([\\tnr])", lambda m: {"t": "\t", "n": "\n", "r": "\r"}.get(
        m.group(1), m.group(1)), value)  # fmt: skip
