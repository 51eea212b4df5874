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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacy.tokens import Doc, DocBin
from spacy.vocab import Vocab
from srsly.msgpack import Packer

from textlabel.errors import InvalidInput
from textlabel.export.base import WriteOptions
from textlabel.export.spacy_config import make_config, pipeline_for
from textlabel.export.zipsink import ZipSink
from textlabel.nlp.docs import record_to_doc
from textlabel.records import DocumentRecord

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
        doc = record_to_doc(vocab, record, layers=doc_layers)
        if "cats" in layers and (record.cats or options.categories):
            # textcat learns from every label on every Doc: the ones not chosen are 0.0
            doc.cats = {**dict.fromkeys(options.categories, 0.0), **record.cats}
            summary.held.add("cats")
        if "spans" in layers and record.span_cats:
            summary.held.add("spans")
        if with_entities:
            summary.labels.update(span.label for span in record.spans)
        if with_pos:
            summary.held.update(_held(record))
        bins[split].add(doc, record.meta)
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

    def to_bytes(self) -> bytes:
        self._bin.store_user_data = True
        payload: bytes = self._bin.to_bytes()
        return payload
