"""Per-annotator statistics for managers: how much each annotator did, how fast, how well
they agree with the others and how close they come to gold, and their pace day by day.

Everything is read from what the app already keeps: manual annotation rows (status,
``created_at`` when the document was handed out or first saved, ``submitted_at``), the
agreement report's annotator pairs (``agreement.service``, cached per document) and the
annotators-against-gold scores (``review.feedback``).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from textlabel.agreement import stored
from textlabel.agreement.registry import get_measure, layer_measures
from textlabel.agreement.service import layer_of, project_agreement
from textlabel.models import Annotation, Document, Membership, Project, User
from textlabel.review.feedback import project_feedback

MAX_DAYS = 60  # the pace series covers at most the last 60 days with a submission


@dataclass(slots=True)
class Partner:
    """Agreement of one annotator with one other, over the documents both submitted."""

    annotator: str
    score: float | None
    n_documents: int


@dataclass(slots=True)
class AnnotatorStats:
    annotator: str
    done: int = 0  # submitted
    in_progress: int = 0  # drafts (handed out or started, not submitted)
    skipped: int = 0
    median_seconds: float | None = None  # from hand-out (draft created) to submission
    agreement: float | None = None  # mean of ``partners``' scores (those defined)
    partners: list[Partner] = field(default_factory=list)
    gold_documents: int = 0  # submitted documents that have gold
    gold_precision: float | None = None
    gold_recall: float | None = None
    gold_f1: float | None = None
    per_day: list[int] = field(default_factory=list)  # submissions per day of ``days``


@dataclass(slots=True)
class TeamStats:
    layer: str
    measure: str  # the pair measure of ``agreement`` (span_f1, cohen_kappa, ...)
    days: list[date]
    annotators: list[AnnotatorStats]


def team_stats(session: Session, project: Project, *, layer: str | None = None) -> TeamStats:
    """One row per annotator of ``project`` (members with the annotator role, and anyone
    with manual work in it), sorted by name.

    Each of its three parts (the counts and pace below, the agreement report, the feedback
    against gold) is one stored row while its own inputs are unchanged (``agreement.stored``).
    """
    layer = layer_of(project, layer)
    summary = stored.inputs(session, project.id)
    members = sorted(
        session.scalars(
            select(User.username)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.project_id == project.id, Membership.role == "annotator")
        )
    )
    digest = summary.digest(_manual, "team", members)
    team = stored.read(session, project.id, "team", digest, TeamStats, _CLASSES)
    if team is None:
        team = _counts(session, project, members)
        stored.write(session, project.id, "team", digest, team)
        session.commit()
    people = {row.annotator: row for row in team.annotators}
    view = layer_measures(layer)
    # The document score's measure when pairs have it (span F1 for entities, the number the
    # review queue and the agreement filter use), else the layer's first pair measure.
    measure = view.document_score if view.document_score in view.pairs else view.pairs[0]
    _add_agreement(session, project, layer, measure, people, summary)
    for score in project_feedback(session, project, summary=summary):
        if score.annotator in people:
            row = people[score.annotator]
            row.gold_documents = score.n_documents
            overall = score.overall
            row.gold_precision, row.gold_recall, row.gold_f1 = (
                overall.precision, overall.recall, overall.f1,
            )  # fmt: skip
    return TeamStats(layer, measure, team.days, team.annotators)


_CLASSES = (TeamStats, AnnotatorStats, Partner, date)


def _manual(group: stored.Group) -> bool:
    """The counts and pace read every manual annotation (drafts, skips, archived too)."""
    return group.kind == "manual"


def _counts(session: Session, project: Project, members: list[str]) -> TeamStats:
    """Each annotator's counts, median time and pace (no layer, agreement or gold yet)."""
    rows = session.execute(
        select(User.username, Annotation.status, Annotation.created_at, Annotation.submitted_at)
        .join(Document, Document.id == Annotation.document_id)
        .join(User, User.id == Annotation.user_id)
        .where(Document.project_id == project.id, Annotation.kind == "manual")
    ).all()
    people = {name: AnnotatorStats(name) for name in sorted({*members, *(r[0] for r in rows)})}
    seconds: dict[str, list[float]] = {name: [] for name in people}
    submitted_days: dict[str, list[date]] = {name: [] for name in people}
    for name, status, created_at, submitted_at in rows:
        row = people[name]
        if status == "submitted":
            row.done += 1
            if submitted_at is not None:
                submitted_days[name].append(submitted_at.date())
                if created_at is not None:
                    seconds[name].append(_seconds(created_at, submitted_at))
        elif status == "skipped":
            row.skipped += 1
        else:
            row.in_progress += 1
    days = _days([day for found in submitted_days.values() for day in found])
    for name, row in people.items():
        row.median_seconds = statistics.median(seconds[name]) if seconds[name] else None
        per_day = dict.fromkeys(days, 0)
        for day in submitted_days[name]:
            if day in per_day:
                per_day[day] += 1
        row.per_day = list(per_day.values())
    return TeamStats("", "", days, list(people.values()))


def _seconds(start: datetime, end: datetime) -> float:
    return max(0.0, (end - start).total_seconds())


def _days(found: list[date]) -> list[date]:
    """Every day from the first submission to the last (at most ``MAX_DAYS``, the latest)."""
    if not found:
        return []
    last = max(found)
    first = max(min(found), last - timedelta(days=MAX_DAYS - 1))
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _add_agreement(
    session: Session,
    project: Project,
    layer: str,
    measure: str,
    people: dict[str, AnnotatorStats],
    summary: stored.Inputs,
) -> None:
    """Each annotator's pairs from the agreement report, and their mean."""
    report = project_agreement(session, project, layer=layer, summary=summary, scores=False).report
    pair_measure = get_measure(measure)
    for pair in report.pairwise:
        score = pair_measure.value_in(pair)
        for me, other in ((pair.a, pair.b), (pair.b, pair.a)):
            if me in people:
                people[me].partners.append(Partner(other, score, pair.n_documents))
    for row in people.values():
        row.partners.sort(key=lambda partner: partner.annotator)
        defined = [p.score for p in row.partners if p.score is not None]
        row.agreement = statistics.fmean(defined) if defined else None
