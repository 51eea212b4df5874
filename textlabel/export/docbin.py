"""spaCy export: train and dev DocBin shards plus a ``config.cfg`` that trains as is.

Layout (a folder from ``write_docbin_dir``, or the same paths in the zip ``write`` streams)::

    train/train-0000.spacy  train/train-0001.spacy ...
    dev/dev-0000.spacy ...
    config.cfg

Memory is bounded by ``shard_size`` documents per split: a DocBin is a whole-file format, so
each split keeps one open DocBin and starts a new ``.spacy`` file every ``shard_size``
documents (``spacy train --paths.train train`` reads every ``.spacy`` file of a folder). The
vocabulary is renewed with every shard, so its strings cannot pile up either.

The split is a hash of (seed, document id): deterministic, independent of the order the
records arrive in, and every record of one document (e.g. one per annotator) lands in the
same split, so no text leaks from train into dev. The dev share is ``options.dev`` up to
hashing noise (exact ratios would need the whole corpus before the first byte is written).
"""

from __future__ import annotations

import hashlib
import zipfile
from bisect import bisect_left
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from operator import sub
from pathlib import Path
from typing import Any

import numpy as np
from spacy.attrs import ENT_IOB, ENT_TYPE, ORTH, SENT_START
from spacy.tokens import Doc, DocBin
from spacy.vocab import Vocab
from srsly.msgpack import Packer

from textlabel.errors import InvalidInput
from textlabel.export.base import WriteOptions
from textlabel.export.spacy_config import make_config, pipeline_for
from textlabel.export.zipsink import ZipSink
from textlabel.nlp.docs import record_to_doc
from textlabel.records import DocumentRecord, token_columns

SHARD_SIZE = 1000
SPLITS = ("train", "dev")
# What training reads and what a treebank holds: XPOS in TAG, UPOS in POS, lemma, morphology
# and the parse (HEAD and DEP; sentence starts follow from them, else from SENT_START).
DOCBIN_ATTRS = (
    "ORTH", "TAG", "POS", "LEMMA", "MORPH", "HEAD", "DEP", "SENT_START", "ENT_IOB", "ENT_TYPE",
)  # fmt: skip
# the token layers a record carries with the "pos" layer
TOKEN_LAYERS = ("tags", "lemmas", "morphs", "parse")
DEFAULT_OPTIONS = WriteOptions()


@dataclass(slots=True)
class DocBinSummary:
    """What an export wrote: documents per split, files, and what the config trains."""

    docs: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SPLITS, 0))
    files: list[str] = field(default_factory=list)
    labels: set[str] = field(default_factory=set)
    held: set[str] = field(default_factory=set)  # "pos", "tags", "parse": what to train
    pipeline: tuple[str, ...] = ()


def split_of(record: DocumentRecord, *, dev: float, seed: int) -> str:
    """ "dev" or "train" for ``record``, from a hash of the seed and its document id.

    Records without ``meta["id"]`` are keyed by their text, so duplicates stay together.
    """
    doc_id = record.meta.get("id")
    key = f"id:{doc_id}" if doc_id is not None else "text:" + record.text
    digest = hashlib.blake2b(f"{seed}\x00{key}".encode(), digest_size=8).digest()
    return "dev" if int.from_bytes(digest, "big") < dev * 2**64 else "train"


def write_docbin_dir(
    records: Iterable[DocumentRecord],
    out_dir: Path,
    options: WriteOptions = DEFAULT_OPTIONS,
    *,
    shard_size: int = SHARD_SIZE,
) -> DocBinSummary:
    """Write the export into ``out_dir`` (created if needed) and say what was written."""
    summary = DocBinSummary()
    for split in SPLITS:
        (out_dir / split).mkdir(parents=True, exist_ok=True)
    for name, payload in _export_files(records, options, shard_size, summary):
        (out_dir / name).write_bytes(payload)
    return summary


def write(
    records: Iterable[DocumentRecord],
    options: WriteOptions = DEFAULT_OPTIONS,
    *,
    shard_size: int = SHARD_SIZE,
) -> Iterator[bytes]:
    """Stream the export as a zip archive, chunk by chunk (nothing seeks, nothing buffers it).

    The shards are already zlib-compressed by spaCy, so they are stored, not deflated.
    """
    sink = ZipSink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, payload in _export_files(records, options, shard_size, DocBinSummary()):
            archive.writestr(name, payload)
            yield from sink.drain()
    yield from sink.drain()


def _export_files(
    records: Iterable[DocumentRecord],
    options: WriteOptions,
    shard_size: int,
    summary: DocBinSummary,
) -> Iterator[tuple[str, bytes]]:
    """(path, bytes) of every shard as it fills, then the config; fills ``summary``."""
    if not 0.0 <= options.dev <= 1.0:
        raise InvalidInput(f"the dev share must be between 0 and 1, not {options.dev}")
    if shard_size < 1:
        raise InvalidInput(f"shard_size must be at least 1, not {shard_size}")
    # Writers ignore layers that do not apply to them (WriteOptions' contract).
    layers = tuple(
        layer for layer in ("entities", "pos", "coref", "cats", "spans") if layer in options.layers
    )
    with_pos = "pos" in layers
    with_entities = "entities" in layers
    doc_layers = layers + (TOKEN_LAYERS if with_pos else ())
    packer = Packer(use_bin_type=True)  # what srsly.msgpack_dumps uses, made once
    bins = {split: _Shard(packer) for split in SPLITS}
    shard_numbers = dict.fromkeys(SPLITS, 0)
    vocab = Vocab()

    def flush(split: str) -> tuple[str, bytes]:
        name = f"{split}/{split}-{shard_numbers[split]:04d}.spacy"
        payload = bins[split].to_bytes()
        bins[split] = _Shard(packer)
        shard_numbers[split] += 1
        summary.files.append(name)
        return name, payload

    for record in records:
        split = split_of(record, dev=options.dev, seed=options.seed)
        if with_pos and record.layers.deps and "root" in record.layers.deps:
            # UD's root is spaCy's ROOT (as ``spacy convert`` writes it)
            record.layers.deps = ["ROOT" if dep == "root" else dep for dep in record.layers.deps]
        cats: dict[str, float] = {}
        if "cats" in layers and (record.cats or options.categories):
            # textcat learns from every label on every Doc: the ones not chosen are 0.0
            cats = {**dict.fromkeys(options.categories, 0.0), **record.cats}
            summary.held.add("cats")
        if not bins[split].add_plain(vocab, record, doc_layers, cats):
            doc = record_to_doc(vocab, record, layers=doc_layers)
            if cats:
                doc.cats = cats
            bins[split].add(doc, record.meta)
        if "spans" in layers and record.span_cats:
            summary.held.add("spans")
        if with_entities:
            summary.labels.update(span.label for span in record.spans)
        if with_pos:
            summary.held.update(_held(record))
        summary.docs[split] += 1
        if len(bins[split]) >= shard_size:
            yield flush(split)
            vocab = Vocab()  # the open bins keep their own strings, so this is safe
    for split in SPLITS:
        # An empty split still gets a file, so that ``--paths.dev dev`` names a real corpus.
        if len(bins[split]) or not shard_numbers[split]:
            yield flush(split)
    trained = summary.held | ({"entities"} if summary.labels else set())
    summary.pipeline = tuple(pipeline_for(trained, cats_mode=options.cats_mode))
    summary.files.append("config.cfg")
    yield (
        "config.cfg",
        make_config(layers=trained, lang=options.lang, cats_mode=options.cats_mode).encode(),
    )


def _held(record: DocumentRecord) -> set[str]:
    """Which trainable token layers ``record`` holds (see ``spacy_config.COMPONENTS``)."""
    layers = record.layers
    held = set()
    if layers.pos is not None and any(layers.pos):
        held.add("pos")
    if layers.tags is not None and any(layers.tags):
        held.add("tags")
    if layers.heads is not None and layers.deps is not None:
        held.add("parse")
    return held


class _Shard:
    """One open DocBin whose documents carry ``doc.user_data["meta"]``.

    ``DocBin.add`` packs user data with ``srsly.msgpack_dumps``, which rescans the installed
    packages' entry points on every call (~0.2 ms, as long as the rest of the work for a
    document); one reused packer writes the same bytes into ``DocBin.user_data`` instead.
    """

    def __init__(self, packer: Packer) -> None:
        self._packer = packer
        self._bin = DocBin(attrs=DOCBIN_ATTRS, store_user_data=False)

    def __len__(self) -> int:
        return len(self._bin)

    def add(self, doc: Doc, meta: dict[str, Any]) -> None:
        self._bin.add(doc)
        self._bin.user_data.append(self._packer.pack({"meta": meta}) if meta else None)

    def add_plain(
        self, vocab: Vocab, record: DocumentRecord, layers: tuple[str, ...], cats: dict[str, float]
    ) -> bool:
        """Add a plain record (see ``plain_arrays``) without building its Doc: what
        ``DocBin.add(record_to_doc(...))`` would store, the same bytes; False (nothing added)
        for any other record."""
        arrays = plain_arrays(vocab, record, layers, self._bin.attrs)
        if arrays is None:
            return False
        tokens, spaces, strings = arrays
        docbin = self._bin
        docbin.tokens.append(tokens)
        docbin.spaces.append(spaces)
        docbin.flags.append({"has_unknown_spaces": False})
        docbin.strings.update(strings)
        docbin.cats.append(cats)
        docbin.span_groups.append(_EMPTY_SPAN_GROUPS)
        meta = record.meta
        docbin.user_data.append(self._packer.pack({"meta": meta}) if meta else None)
        return True

    def to_bytes(self) -> bytes:
        self._bin.store_user_data = True
        payload: bytes = self._bin.to_bytes()
        return payload


_EMPTY_SPAN_GROUPS = b"\x90"  # ``doc.spans.to_bytes()`` of a Doc without span groups
_NO_SENT_START = np.uint64(2**64 - 1)  # -1: "not a sentence start", as spaCy stores it


def plain_arrays(
    vocab: Vocab, record: DocumentRecord, layers: Collection[str], attrs: list[Any]
) -> tuple[np.ndarray, np.ndarray, set[str]] | None:
    """The DocBin token array (columns ``attrs``), spaces column and strings of a plain
    record, or None when ``record`` is not plain.

    Plain, as most exports for NER training are: tokens that start the text and are
    separated by nothing or one space, sentence starts from token 0, entities on token
    boundaries that do not overlap, and nothing else to carry (no token layer, coreference
    or span category among ``layers``). Its Doc would only hold ORTH, sentence starts and
    entity tags, so those columns are written directly (``tests/test_export_docbin_fast.py``
    checks every byte against the Doc-building path).
    """
    tokens = record.tokens
    if tokens is None or not tokens or not attrs or attrs[0] != ORTH:
        return None
    own = record.layers
    if "pos" in layers and any(
        value is not None
        for value in (own.pos, own.tags, own.lemmas, own.morphs, own.heads, own.deps)
    ):
        return None
    if ("coref" in layers and record.coref) or ("spans" in layers and record.span_cats):
        return None
    columns = token_columns(tokens)
    starts, ends = columns.starts, columns.ends
    text = record.text
    n = len(starts)
    sent_starts = record.sent_starts or [0]
    if starts[0] != 0 or sent_starts[0] != 0 or min(sent_starts) < 0 or max(sent_starts) >= n:
        return None
    after = [*starts[1:], len(text)]
    gaps = list(map(sub, after, ends))
    if min(gaps) < 0 or max(gaps) > 1 or min(map(sub, ends, starts)) < 1:
        return None
    if "".join(map(text.__getitem__, map(slice, ends, after))).strip(" "):
        return None  # a gap of one character that is not a space
    spaces = list(map(bool, gaps))
    entities = _entity_tokens(record, starts, ends) if "entities" in layers else []
    if entities is None:
        return None
    words = list(map(text.__getitem__, map(slice, starts, ends)))
    array = np.zeros((n, len(attrs)), dtype=np.uint64)
    add = vocab.strings.add
    array[:, 0] = list(map(add, words))
    if SENT_START in attrs:
        column = array[:, attrs.index(SENT_START)]
        column[:] = _NO_SENT_START
        column[sent_starts] = 1
    strings = set(words)
    strings.add("")
    if "entities" in layers and ENT_IOB in attrs and ENT_TYPE in attrs:
        iob, kind = array[:, attrs.index(ENT_IOB)], array[:, attrs.index(ENT_TYPE)]
        iob[:] = 2  # O: every token is known to be outside an entity unless in one
        for first, last, label in entities:
            iob[first] = 3  # B
            iob[first + 1 : last] = 1  # I
            kind[first:last] = add(label)
            strings.add(label)
    return array, np.asarray(spaces, dtype=bool).reshape((n, 1)), strings


def _entity_tokens(
    record: DocumentRecord, starts: list[int], ends: list[int]
) -> list[tuple[int, int, str]] | None:
    """Token ranges ``[first, last)`` of the entities, in order; None when one is not on
    token boundaries, has no label or overlaps another (the Doc path raises for those)."""
    out = []
    for span in record.spans:
        first, last = bisect_left(starts, span.start), bisect_left(ends, span.end)
        if (
            not span.label
            or first >= len(starts)
            or starts[first] != span.start
            or last >= len(ends)
            or ends[last] != span.end
            or last < first
        ):
            return None
        out.append((first, last + 1, span.label))
    out.sort()
    if any(b[0] < a[1] for a, b in zip(out, out[1:], strict=False)):
        return None
    return out
