"""The labels of a project's relation, document-label and span-category layers.

A layer's labels are set as a whole list (``set_layer_labels``): labels keep their id and
colour when their name stays, new names are added, missing ones removed. Hotkeys are unique
across every label of a project (entities included), because one key press means one thing
on the annotation page: an entity label's key labels the selection, a relation label's key
starts a relation from the selected entity, a category's key toggles a document label.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from textlabel.errors import Conflict, InvalidInput
from textlabel.layers import CATS_MODES, LABELLED_LAYERS, SPAN_OVERLAPS
from textlabel.models import LayerLabel, Project
from textlabel.projects.colors import next_color

NAME = re.compile(r"^\S{1,100}$")  # brat, spaCy and CoNLL need names without spaces
CATEGORY = re.compile(r"^\S(.{0,98}\S)?$")  # a document label may hold spaces
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
HOTKEY = re.compile(r"^[a-z0-9]$")
# the project field that lists each labelled layer's labels (API, CLI, export options)
FIELDS: dict[str, str] = {"relations": "relation_labels", "cats": "categories",
                          "spans": "span_labels"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class LayerLabelSpec:
    """A label as a manager gives it; ``heads``, ``children`` and ``directed`` are for
    relation labels only."""

    name: str
    color: str | None = None
    hotkey: str | None = None
    heads: Sequence[str] | None = None
    children: Sequence[str] | None = None
    directed: bool = True


def check_cats_mode(mode: str) -> str:
    if mode not in CATS_MODES:
        raise InvalidInput(f"cats_mode must be one of {', '.join(CATS_MODES)}, not {mode!r}")
    return mode


def check_span_overlap(policy: str) -> str:
    if policy not in SPAN_OVERLAPS:
        raise InvalidInput(
            f"span_overlap must be one of {', '.join(SPAN_OVERLAPS)}, not {policy!r}"
        )
    return policy


def set_layer_labels(
    session: Session, project: Project, layer: str, specs: Iterable[LayerLabelSpec]
) -> list[LayerLabel]:
    """Make ``layer``'s labels exactly ``specs`` (in that order of addition)."""
    if layer not in LABELLED_LAYERS:
        raise InvalidInput(f"{layer!r} has no labels of its own; expected one of "
                           f"{', '.join(LABELLED_LAYERS)}")  # fmt: skip
    specs = list(specs)
    field = FIELDS[layer]
    names = [_name(spec.name, layer, field) for spec in specs]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise InvalidInput(f"{field}: {', '.join(twice)} given twice", details={field: twice})
    existing = {label.name: label for label in project.labels_of(layer)}
    for label in existing.values():
        if label.name not in names:
            project.layer_labels.remove(label)
    session.flush()
    taken = _taken_hotkeys(project, layer)
    entity_labels = {label.name for label in project.labels}
    out: list[LayerLabel] = []
    for name, spec in zip(names, specs, strict=True):
        found = existing.get(name)
        label = found if found is not None else LayerLabel(layer=layer, name=name)
        if found is None:
            project.layer_labels.append(label)
        color = (
            spec.color
            or label.color
            or next_color(x.color for x in project.layer_labels if x.layer == layer)
        )
        if not COLOR.match(color):
            raise InvalidInput(f"{field}: colour {color!r} of {name} must look like #a1b2c3")
        label.color = color
        label.hotkey = _hotkey(spec.hotkey, name, field, taken)
        if layer == "relations":
            label.heads = _entity_labels(spec.heads, entity_labels, f"{field} {name}: heads")
            label.children = _entity_labels(
                spec.children, entity_labels, f"{field} {name}: children"
            )
            label.directed = bool(spec.directed)
        out.append(label)
    session.flush()
    return out


def hotkeys_of(project: Project) -> dict[str, str]:
    """Every hotkey of the project, with what it belongs to (entity labels included)."""
    keys = {label.hotkey: f"entity label {label.name}" for label in project.labels if label.hotkey}
    for label in project.layer_labels:
        if label.hotkey:
            keys[label.hotkey] = f"{FIELDS[label.layer][:-1].replace('_', ' ')} {label.name}"
    return keys


def _taken_hotkeys(project: Project, layer: str) -> dict[str, str]:
    keys = {label.hotkey: f"entity label {label.name}" for label in project.labels if label.hotkey}
    for label in project.layer_labels:
        if label.hotkey and label.layer != layer:
            keys[label.hotkey] = f"{FIELDS[label.layer][:-1].replace('_', ' ')} {label.name}"
    return keys


def _name(raw: str, layer: str, field: str) -> str:
    name = raw.strip()
    pattern = CATEGORY if layer == "cats" else NAME
    if not pattern.match(name):
        rule = "1-100 characters" if layer == "cats" else "1-100 characters without spaces"
        raise InvalidInput(f"{field}: name {name!r} must be {rule}", details={field: name})
    return name


def _hotkey(raw: str | None, name: str, field: str, taken: dict[str, str]) -> str | None:
    hotkey = (raw or "").lower() or None
    if hotkey is None:
        return None
    if not HOTKEY.match(hotkey):
        raise InvalidInput(f"{field}: hotkey {hotkey!r} of {name} must be one letter or digit")
    if hotkey in taken:
        raise Conflict(f"{field}: hotkey {hotkey!r} of {name} is already used by {taken[hotkey]}")
    taken[hotkey] = f"{field} {name}"
    return hotkey


def _entity_labels(names: Sequence[str] | None, known: set[str], what: str) -> list[str] | None:
    if names is None or not list(names):
        return None
    unknown = sorted(set(names) - known)
    if unknown:
        raise InvalidInput(
            f"{what}: {', '.join(unknown)} not among the project's entity labels",
            details={"unknown": unknown, "known": sorted(known)},
        )
    return list(dict.fromkeys(names))
