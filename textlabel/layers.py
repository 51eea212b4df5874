"""The annotation layers a project can have, in display order: the one list of their names.

A module of its own (not ``models.project``) so the CLI's help, the agreement registry and the
schemas can name the layers without importing the ORM.
"""

from __future__ import annotations

LAYERS: tuple[str, ...] = ("entities", "pos", "coref", "relations", "cats", "spans")
TITLES: dict[str, str] = {
    "entities": "Entities",
    "pos": "Part of speech",
    "coref": "Coreference",
    "relations": "Relations",
    "cats": "Document labels",
    "spans": "Span categories",
}
# Layers whose labels a project keeps in ``LayerLabel`` rows (entities keep theirs in ``Label``)
LABELLED_LAYERS: tuple[str, ...] = ("relations", "cats", "spans")
CATS_MODES: tuple[str, ...] = ("single", "multi")
# INCEpTION's per-layer overlap policy, for the span-category layer: "any" allows spans to
# overlap and nest (stacked spans with different labels too), "none" keeps them apart
SPAN_OVERLAPS: tuple[str, ...] = ("any", "none")
SPANS_KEY = "sc"  # the spaCy span group of the span-category layer (spancat's default)
# Each layer's key in an annotation's JSON (API payloads, ``Payload.to_json``), for the layers
# the browser's text view edits.
PAYLOAD_KEYS: dict[str, str] = {
    "entities": "spans", "pos": "pos", "coref": "coref", "relations": "relations", "cats": "cats",
    "spans": "span_cats",
}  # fmt: skip
