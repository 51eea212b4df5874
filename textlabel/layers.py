"""The annotation layers a project can have, in display order: the one list of their names.

A module of its own (not ``models.project``) so the CLI's help, the agreement registry and the
schemas can name the layers without importing the ORM.
"""

from __future__ import annotations

LAYERS: tuple[str, ...] = ("entities", "pos", "coref")
TITLES: dict[str, str] = {"entities": "Entities", "pos": "Part of speech", "coref": "Coreference"}
# Each layer's key in an annotation's JSON (API payloads, ``Payload.to_json``).
PAYLOAD_KEYS: dict[str, str] = {"entities": "spans", "pos": "pos", "coref": "coref"}
