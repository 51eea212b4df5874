"""A small annotated project shared by the document agreement filter and the per-annotator
statistics tests: random entity spans by three annotators over 18 short documents, some skips,
a draft, and gold on a few, made through the API as the browser would."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from tests.factories import add_documents, make_project, make_users
from tests.helpers import api_as

ANNOTATORS = ("ann1", "ann2", "ann3")
WORDS = ["Ada", "met", "Bob", "and", "Cyd", "in", "Rome"]
TEXTS = [" ".join([*WORDS, f"n{i}."]) for i in range(18)]
LABELS = ("PER", "LOC")


@dataclass
class Team:
    project: object
    ids: list[int]
    spans: dict[tuple[int, str], set[tuple[int, int, str]]] = field(default_factory=dict)
    skipped: dict[str, list[int]] = field(default_factory=dict)
    drafts: dict[str, list[int]] = field(default_factory=dict)
    gold: dict[int, set[tuple[int, int, str]]] = field(default_factory=dict)


def _random_spans(rng: random.Random, text: str) -> set[tuple[int, int, str]]:
    spans, start = set(), 0
    for word in WORDS:
        start = text.index(word, start)
        if rng.random() < 0.45:
            spans.add((start, start + len(word), rng.choice(LABELS)))
        start += len(word)
    return spans


def build_team(app, session) -> Team:
    """Documents 0-11: ann1 and ann2 submit; 12-13 also ann3; 14: ann1 alone (its own overlap
    of 1, so it is consolidated with one annotator); 15: ann1 skips, ann2 submits; 16: ann3
    has a draft; 17: untouched. Gold on documents 0-5."""
    rng = random.Random(15)
    boss, *_ = make_users(session, "boss", *ANNOTATORS)
    members = dict.fromkeys(ANNOTATORS, "annotator")
    project = make_project(session, boss, members=members, labels=LABELS, overlap=2)
    documents = add_documents(session, project, TEXTS)
    documents[14].overlap = 1
    session.commit()
    team = Team(project, [d.id for d in documents])
    clients = {name: api_as(app, name) for name in (*ANNOTATORS, "boss")}
    # No gold written by consolidation: gold is only what the reviewer saves below.
    got = clients["boss"].put(
        f"/projects/{project.id}/review-settings", json={"auto_accept": "off"}
    )
    assert got.status_code == 200, got.get_data(as_text=True)
    plan: list[tuple[int, str, str]] = [
        (i, n, "submitted") for i in range(12) for n in ("ann1", "ann2")
    ]
    plan += [(i, "ann3", "submitted") for i in (12, 13)] + [
        (i, "ann1", "submitted") for i in (12, 13)
    ]
    plan += [(14, "ann1", "submitted"), (15, "ann1", "skipped"), (15, "ann2", "submitted"),
             (16, "ann3", "draft")]  # fmt: skip
    for i, name, status in plan:
        did = team.ids[i]
        spans = _random_spans(rng, TEXTS[i]) if status != "skipped" else set()
        body = {"version": 0, "status": status, "spans": _json(spans)}
        got = clients[name].put(f"/documents/{did}/annotations/me", json=body)
        assert got.status_code == 200, got.get_data(as_text=True)
        if status == "submitted":
            team.spans[(did, name)] = spans
        else:
            (team.skipped if status == "skipped" else team.drafts).setdefault(name, []).append(did)
    for i in range(6):
        did = team.ids[i]
        spans = _random_spans(rng, TEXTS[i])
        current = clients["boss"].get(f"/documents/{did}/gold")
        version = current.json["version"] if current.status_code == 200 else 0
        body = {"version": version, "status": "submitted", "spans": _json(spans)}
        got = clients["boss"].put(f"/documents/{did}/gold", json=body)
        assert got.status_code == 200, got.get_data(as_text=True)
        team.gold[did] = spans
    return team


def _json(spans: set[tuple[int, int, str]]) -> list[dict]:
    return [{"start": s, "end": e, "label": label} for s, e, label in sorted(spans)]
