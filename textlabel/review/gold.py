"""Adjudication: what a reviewer sees of a document, and saving their decision as gold.

Gold goes through the annotation service's ``save_annotation`` (same snapping, labels,
overlap, version and audit rules as any annotation). Afterwards the decisions are derived
from the gold itself, candidate by candidate (accepted, rejected, added, tag chosen), and
merged into ``gold.info["decisions"]``: an unchanged decision keeps the reviewer who made
it, so re-opening a document shows who decided what.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from textlabel import audit
from textlabel.annotate import store
from textlabel.annotate.layer_checks import chosen
from textlabel.annotate.payload import EMPTY, Payload
from textlabel.annotate.reading import tokens_json
from textlabel.annotate.service import AnnotationInput, save_annotation
from textlabel.errors import Conflict
from textlabel.models import Annotation, Document, Project, ReviewItem, User
from textlabel.models.base import utcnow
from textlabel.review.draft import DocumentDraft
from textlabel.review.links import chain_links
from textlabel.review.service import document_draft, gold_of, lock_document, submitted_annotations
from textlabel.review.settings import review_settings
from textlabel.review.undecided import UNDECIDED, check_undecided, counts, undecided_counts


def _span_key(start: int, end: int, label: str) -> str:
    return f"span:{start}:{end}:{label}"


def _link_key(a: tuple[int, int], b: tuple[int, int]) -> str:
    return f"link:{a[0]}:{a[1]}:{b[0]}:{b[1]}"


def decisions_of(draft: DocumentDraft, gold: Payload) -> dict[str, str]:
    """Each candidate's fate in ``gold``, and what gold adds that no annotator made."""
    spans = {_span_key(s.start, s.end, s.label) for s in gold.spans or ()}
    out: dict[str, str] = {}
    for c in draft.spans:
        key = _span_key(c.start, c.end, c.label)
        out[key] = "accepted" if key in spans else "rejected"
    out.update({key: "added" for key in spans if key not in out})
    pos = gold.pos or ()
    for t in draft.tags:
        out[f"pos:{t.index}"] = f"tag {pos[t.index]}" if t.index < len(pos) else "tag None"
    links = {
        _link_key(a, b)
        for a, b in chain_links([[(m.start, m.end) for m in c] for c in gold.coref or ()])
    }
    for link in draft.links:
        key = _link_key(link.a, link.b)
        out[key] = "accepted" if key in links else "rejected"
    out.update({key: "added" for key in links if key not in out})
    made = gold_items(gold)
    for item in draft.items:
        out[item.key] = "accepted" if item.key in made else "rejected"
    out.update({key: "added" for key in made if key not in out})
    return out


def gold_items(gold: Payload) -> set[str]:
    """The decision keys (``ItemCandidate.key``) of gold's relations, document labels and
    span categories."""
    keys = {"relation:" + ":".join(map(str, (*r.head, *r.child, r.label)))
            for r in gold.relations or ()}  # fmt: skip
    keys |= {f"cat:{label}" for label in chosen(gold.cats or ())}
    keys |= {f"spancat:{s.start}:{s.end}:{s.label}" for s in gold.span_cats or ()}
    return keys


def _merge(
    previous: dict[str, Any], decided: dict[str, str], *, user: User
) -> dict[str, dict[str, Any]]:
    now = utcnow().isoformat()
    merged: dict[str, dict[str, Any]] = {}
    for key, decision in decided.items():
        old = previous.get(key)
        if isinstance(old, dict) and old.get("decision") == decision:
            merged[key] = old
        else:
            merged[key] = {"decision": decision, "by": user.username, "at": now}
    return merged


def save_gold(
    session: Session, document: Document, project: Project, payload: AnnotationInput, *,
    user: User, undecided: Sequence[str] | None = None,
) -> Annotation:  # fmt: skip
    """Save the reviewer's gold for ``document`` (version 0 creates it) and mark the document
    reviewed; commits. Conflict (409) on a stale version, InvalidInput (422) on bad spans.

    ``undecided``: the open candidates the reviewer leaves undecided (recorded as such);
    None refuses a gold that would settle open candidates silently (review/undecided.py)."""
    lock_document(session, document.id)
    gold = gold_of(session, document.id)
    version = payload.version
    if gold is None and version != 0:
        raise Conflict(f"document {document.id} has no gold yet; send version 0",
                       details={"version": 0})  # fmt: skip
    if gold is not None and version == 0:
        raise Conflict(
            f"document {document.id} already has gold at version {gold.version}; reload it",
            details={"version": gold.version},
        )
    submitted = submitted_annotations(session, document)
    draft = document_draft(session, document, project, submitted) if submitted else None
    previous = dict(((gold.info if gold else None) or {}).get("decisions") or {})
    left_open: list[str] = []
    if draft is not None:
        stored = store.read(session, gold) if gold is not None else EMPTY
        left_open = check_undecided(draft, _effective(payload.payload, stored), previous, undecided)
    if gold is None:
        gold = Annotation(document_id=document.id, kind="gold", status="submitted")
        session.add(gold)
        session.flush()
        version = gold.version = 1
    gold = save_annotation(
        session, gold, replace(payload, version=version, status="submitted"), user=user
    )
    stored = store.read(session, gold)
    decided = decisions_of(draft, stored) if draft is not None else {}
    decided.update(dict.fromkeys(left_open, UNDECIDED))
    decisions = _merge(previous, decided, user=user)
    reviewers = list(dict.fromkeys([*(gold.info or {}).get("reviewers", []), user.username]))
    gold.info = {"auto_accepted": False, "decisions": decisions, "reviewers": reviewers,
                 "decided_by": user.username, "decided_at": utcnow().isoformat()}  # fmt: skip
    gold.updated_by_id = user.id
    item = session.get(ReviewItem, document.id)
    if item is None:
        item = ReviewItem(document_id=document.id, project_id=project.id)
        session.add(item)
        if draft is not None:
            item.score, item.annotators = draft.score, list(draft.annotators)
    before_state = item.state
    item.state, item.decided_by_id, item.decided_at = "reviewed", user.id, utcnow()
    item.reviewer_id, item.claimed_at = None, None
    changed = {k: v["decision"] for k, v in decisions.items() if previous.get(k) != v}
    audit.record(session, "review.decide", user=user, project_id=project.id,
                 document_id=document.id, subject=f"annotation {gold.id} (gold)",
                 before={"state": before_state,
                         "decisions": {k: previous[k]["decision"] for k in changed
                                       if isinstance(previous.get(k), dict)}},
                 after={"state": "reviewed", "decisions": changed})  # fmt: skip
    session.commit()
    return gold


def _effective(sent: Payload, stored: Payload) -> Payload:
    """The POS and chains the gold will hold: a layer left None keeps the stored one."""
    return Payload(pos=sent.pos if sent.pos is not None else stored.pos,
                   coref=sent.coref if sent.coref is not None else stored.coref)  # fmt: skip


def gold_out(session: Session, document: Document) -> dict[str, Any]:
    """The gold annotation in the API's shape; version 0 and empty before it exists."""
    gold = gold_of(session, document.id)
    if gold is None:
        return {"id": None, "document_id": document.id, "kind": "gold", "version": 0,
                "status": "new", **EMPTY.to_json(), "info": {}, "undecided": counts(()),
                "updated_at": None, "updated_by": None}  # fmt: skip
    by = session.get(User, gold.updated_by_id) if gold.updated_by_id else None
    return {
        "id": gold.id,
        "document_id": document.id,
        "kind": "gold",
        "version": gold.version,
        "status": gold.status,
        **store.read(session, gold).to_json(),
        "info": gold.info or {},
        "undecided": undecided_counts((gold.info or {}).get("decisions") or {}),
        "updated_at": gold.updated_at.isoformat() if gold.updated_at else None,
        "updated_by": by.username if by else None,
    }


def review_out(session: Session, document: Document, project: Project) -> dict[str, Any]:
    """Everything the adjudication view shows: each submitted annotation (with its author,
    blind or not), the candidates with votes, the consolidated draft, gold and its decisions,
    and who holds or decided the document."""
    submitted = submitted_annotations(session, document)
    draft = document_draft(session, document, project, submitted)
    tokens, sent_starts = tokens_json(document)
    item = session.get(ReviewItem, document.id)
    names = _usernames(session, item)
    return {
        "document": {"id": document.id, "project_id": project.id, "text": document.text,
                     "tokens": tokens, "sent_starts": sent_starts},  # fmt: skip
        "min_share": review_settings(project.settings).min_share,
        "annotators": [
            {"user": s.username, "annotation_id": s.annotation.id,
             "version": s.annotation.version, **s.payload.to_json()}  # fmt: skip
            for s in submitted
        ],
        "candidates": {
            "spans": [asdict(c) for c in draft.spans],
            "pos": [asdict(t) for t in draft.tags],
            "links": [
                {"a": {"start": c.a[0], "end": c.a[1]}, "b": {"start": c.b[0], "end": c.b[1]},
                 "votes": c.votes, "voters": list(c.voters), "accepted": c.accepted}
                for c in draft.links
            ],  # fmt: skip
            **{kind: [c.as_json() for c in draft.items if c.kind == name]
               for kind, name in (("relations", "relation"), ("cats", "cat"),
                                  ("span_cats", "spancat"))},
        },
        "draft": draft.gold_payload().to_json(scores=False),
        "unanimous": draft.unanimous,
        "score": draft.score,
        "gold": gold_out(session, document),
        "review": None if item is None else {
            "state": item.state, "score": item.score,
            "reviewer": names.get(item.reviewer_id or 0),
            "claimed_at": item.claimed_at.isoformat() if item.claimed_at else None,
            "decided_by": names.get(item.decided_by_id or 0),
            "decided_at": item.decided_at.isoformat() if item.decided_at else None,
        },
    }  # fmt: skip


def _usernames(session: Session, item: ReviewItem | None) -> dict[int, str]:
    if item is None:
        return {}
    ids = [i for i in (item.reviewer_id, item.decided_by_id) if i]
    return dict(session.execute(select(User.id, User.username).where(User.id.in_(ids))).all())
