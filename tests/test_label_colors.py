"""Label colours stay apart for any number of labels: no colour comes back, and none lands
close to one already used (the old twelve-colour palette repeated from the thirteenth label
and came near earlier colours from the sixth)."""

from __future__ import annotations

from itertools import combinations

from flask import Flask

from tests.factories import make_user
from tests.helpers import api_as
from textlabel.projects.colors import distance, next_color

# Redmean distance of two colours an eye tells apart at a glance in a label chip; the old
# palette's 2nd and 6th colours (#ffb703, #f9c74f) were 105 apart, its 8th and 12th 48.
APART = 90


def _closest(colors: list[str]) -> float:
    return min(distance(a, b) for a, b in combinations(colors, 2))


def test_each_new_colour_is_far_from_the_ones_used() -> None:
    used: list[str] = []
    for _ in range(40):
        used.append(next_color(used))
    assert len(set(used)) == 40
    assert _closest(used[:12]) >= APART
    assert _closest(used) > 30
    # After a deletion the freed place is taken again, not a colour still in use.
    kept = used[:4] + used[5:8]
    assert next_color(kept) not in kept and _closest([*kept, next_color(kept)]) >= APART


def test_distance_is_the_redmean_metric() -> None:
    assert distance("#000000", "#000000") == 0
    assert round(distance("#000000", "#ffffff")) == 765  # sqrt((2.5 + 4 + 2.5) * 255**2)


def test_a_project_with_many_labels_gets_distinct_colours(app: Flask, session) -> None:
    make_user(session, "mgr")
    api = api_as(app, "mgr")
    labels = [{"name": f"L{i}"} for i in range(16)]
    created = api.post("/projects", json={"name": "Many", "labels": labels})
    assert created.status_code == 201, created.json
    colors = [label["color"] for label in api.get(f"/projects/{created.json['id']}").json["labels"]]
    assert len(set(colors)) == 16
    assert _closest(colors[:12]) >= APART
