"""What an import read, stored and could not store, per kind: nothing is dropped without a word.

Readers carry what they understood in a ``DocumentRecord`` and list what they could not
carry as ``Loss`` entries; the service tells the ``Tally`` which records it read, which it
stored, which were duplicates and which rows were rejected. The answer has a count per kind
(``read = stored + not_stored``) and one line per thing not imported, naming it.
Pure: no database.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from textlabel.records import DocumentRecord, Loss

KINDS = (
    "documents",
    "spans",
    "mentions",
    "chains",
    "pos_tags",
    "relations",
    "attributes",
    "document_labels",
    "span_categories",
)
"""The kinds every answer lists first (when any was seen), in this order; readers may name
others (events, notes, normalizations...), which follow alphabetically."""


def carried(record: DocumentRecord) -> Counter[str]:
    """What ``record`` carries, per kind."""
    counts: Counter[str] = Counter(documents=1)
    if record.spans:
        counts["spans"] = len(record.spans)
    if record.coref:
        counts["chains"] = len(record.coref)
        counts["mentions"] = sum(len(chain) for chain in record.coref)
    if record.relations:
        counts["relations"] = len(record.relations)
    if record.cats:
        counts["document_labels"] = len(record.cats)
    if record.span_cats:
        counts["span_categories"] = len(record.span_cats)
    pos = record.layers.pos or record.layers.tags
    if pos:
        counts["pos_tags"] = sum(tag is not None for tag in pos)
    return counts


def _plain(record: DocumentRecord) -> bool:
    """Whether ``record`` carries nothing but its document (``carried`` counts only that)."""
    return not (
        record.spans or record.coref or record.relations or record.cats or record.span_cats
        or record.layers.pos or record.layers.tags
    )  # fmt: skip


# what each kind is shown in: a kind stored in a layer the project lacks is noted
_LAYER_OF = {"spans": "entities", "chains": "coref", "pos_tags": "pos", "relations": "relations",
             "document_labels": "cats", "span_categories": "spans"}  # fmt: skip


@dataclass(slots=True)
class Tally:
    """Counts for one import; ``as_dict`` is the ``counts`` / ``not_imported`` of the answer."""

    read: Counter[str] = field(default_factory=Counter)
    stored: Counter[str] = field(default_factory=Counter)
    losses: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    notes: Counter[tuple[str, str, str]] = field(default_factory=Counter)

    def add_read(self, record: DocumentRecord) -> None:
        """A record the reader produced (stored or not)."""
        if _plain(record):  # most imported rows: one count, not a Counter built and merged
            self.read["documents"] += 1
        else:
            self.read.update(carried(record))
        for loss in record.losses:
            if loss.kept:
                self.notes[(loss.kind, loss.name, loss.reason)] += loss.count
                continue
            self.read[loss.kind] += loss.count
            self.losses[(loss.kind, loss.name, loss.reason)] += loss.count

    def add_stored(self, record: DocumentRecord) -> None:
        if _plain(record):
            self.stored["documents"] += 1
        else:
            self.stored.update(carried(record))

    def add_unstored(self, record: DocumentRecord, name: str, reason: str) -> None:
        """A record read but not stored (a duplicate, an empty text): its content is lost."""
        for kind, count in carried(record).items():
            self.losses[(kind, name, reason)] += count

    def add_rejected(self, name: str, reason: str) -> None:
        """A row / line / page the reader could not turn into a document."""
        self.read["documents"] += 1
        self.losses[("documents", name, reason)] += 1

    def note_hidden_layers(self, layers: list[str]) -> None:
        """Stored items of a layer the project does not show: say so, or they seem lost."""
        for kind, layer in _LAYER_OF.items():
            if self.stored[kind] and layer not in layers:
                reason = f"stored, but the project has no {layer} layer: add it to see them"
                self.notes[(kind, f"{kind.replace('_', ' ')} of a hidden layer", reason)] += (
                    self.stored[kind]
                )

    def counts(self) -> dict[str, dict[str, int]]:
        kinds = [kind for kind in KINDS if kind in self.read]
        kinds += sorted(set(self.read) - set(KINDS))
        return {
            kind: {
                "read": self.read[kind],
                "stored": self.stored[kind],
                "not_stored": self.read[kind] - self.stored[kind],
            }
            for kind in kinds
        }

    def not_imported(self) -> list[dict[str, Any]]:
        """One entry per (kind, name, reason), most items first."""
        return _rows(self.losses)

    def as_dict(self) -> dict[str, Any]:
        return {
            "counts": self.counts(),
            "not_imported": self.not_imported(),
            "notes": _rows(self.notes),
        }


def _rows(losses: Counter[tuple[str, str, str]]) -> list[dict[str, Any]]:
    rows = sorted(losses.items(), key=lambda item: (-item[1], item[0]))
    return [
        {
            "kind": kind,
            "name": name,
            "count": count,
            "reason": reason,
            "message": describe(Loss(kind, name, count, reason)),
        }
        for (kind, name, reason), count in rows
    ]


def describe(loss: Loss) -> str:
    """``"relations" (12 relations) not imported: textlabel has no relation layer``."""
    unit = loss.kind.replace("_", " ")
    if loss.count == 1 and unit.endswith("s"):
        unit = unit[:-1]
    return f"{loss.name} ({loss.count} {unit}): {loss.reason}"
