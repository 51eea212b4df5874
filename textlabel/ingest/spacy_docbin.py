"""spaCy ``.spacy`` DocBin files: textlabel's own export, ``prodigy data-to-spacy`` and any
``DocBin.to_disk`` output.

Every Doc becomes a record through ``nlp.docs.doc_to_record`` (tokens with their spacing,
sentences, UPOS, tags, lemmas, morphology, the parse, ``doc.ents``, ``coref_clusters_N``
span groups). Spans in ``doc.spans["sc"]`` (spancat's group, where textlabel's export puts
span categories) become span categories; other span groups are reported by name.
``doc.cats`` become document labels; the
``meta`` textlabel's export puts in ``user_data`` comes back as the record's meta. A Doc is
annotated even with no entity: a training Doc without entities is a negative example.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any, BinaryIO

from textlabel.errors import BadFormat
from textlabel.ingest.base import ReadOptions, Rejected
from textlabel.records import DocumentRecord, Loss, SourceRef, SpanRecord

MAX_BYTES = 1024 * 1024 * 1024
_SPAN_GROUPS = ("sc",)


def read(
    stream: BinaryIO, filename: str, options: ReadOptions
) -> Iterator[DocumentRecord | Rejected]:
    """One record per Doc, in the DocBin's order."""
    from spacy.tokens import DocBin
    from spacy.vocab import Vocab

    from textlabel.nlp.docs import COREF_PREFIX, doc_to_record

    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise BadFormat(f"{filename} is larger than {MAX_BYTES // 2**20} MB; split the DocBin")
    try:
        docbin = DocBin(store_user_data=True).from_bytes(data)
    except (ValueError, KeyError, TypeError, zlib.error) as e:
        raise BadFormat(f"{filename} is not a spaCy DocBin: {e}") from e
    vocab = Vocab()
    for number, doc in enumerate(docbin.get_docs(vocab), start=1):
        source = SourceRef(filename, "document", number)
        if not doc.text.strip():
            yield Rejected(source, "the document is empty")
            continue
        record = doc_to_record(doc).record
        record.source = source
        record.annotated = True
        known: set[SpanRecord] = set()
        for key in doc.spans:
            group = doc.spans[key]
            if key.startswith(COREF_PREFIX) or not len(group):
                continue
            if key in _SPAN_GROUPS:
                for span in group:
                    item = SpanRecord(span.start_char, span.end_char, span.label_)
                    if span.text.strip() and item not in known:
                        known.add(item)
                        record.span_cats.append(item)
                continue
            record.losses.append(Loss("spans", f'span group "{key}"', len(group),
                                      "not imported: only doc.ents, \"sc\" and coreference "
                                      "groups are read"))  # fmt: skip
        record.meta = _meta(doc.user_data)
        record.cats = {str(k): float(v) for k, v in doc.cats.items()}
        yield record


def _meta(user_data: Any) -> dict[str, Any]:
    meta = user_data.get("meta") if isinstance(user_data, dict) else None
    if not isinstance(meta, dict):
        return {}
    out = dict(meta)
    out.pop("id", None)  # the exporting project's document id: not this project's
    return out
