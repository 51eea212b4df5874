"""What an export asks for, checked up front so a streamed response never fails half-way."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textlabel.errors import InvalidInput
from textlabel.export.registry import SOURCES, ExportFormat, get_format
from textlabel.projects.status import STATUSES

if TYPE_CHECKING:  # an export's worker unpickles requests without the database layer
    from textlabel.models import Project


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportRequest:
    format: str
    source: str = "gold"
    layers: tuple[str, ...] | None = None  # default: the project's layers
    dev: float = 0.2
    seed: int = 0
    labels: tuple[str, ...] = ()  # keep only these entity labels (all when empty)
    statuses: tuple[str, ...] = ()  # keep only documents in these statuses (all when empty)
    min_share: float = 0.5  # for gold_or_majority
    negatives: bool = True  # False: leave out documents without entities (when exporting them)
    ids: tuple[int, ...] = ()  # keep only these documents (a selection; all when empty)


def check(project: Project, request: ExportRequest) -> ExportFormat:
    """Validate the request up front, so a streamed response never fails half-way on it."""
    fmt = get_format(request.format)
    if request.source not in SOURCES:
        raise InvalidInput(f"source must be one of {', '.join(SOURCES)}")
    if not 0.0 <= request.dev <= 1.0:
        raise InvalidInput("dev must be between 0 and 1")
    unknown = sorted(set(request.labels) - {label.name for label in project.labels})
    if unknown:
        raise InvalidInput(f"unknown labels: {', '.join(unknown)}")
    strange = sorted(set(request.statuses) - set(STATUSES))
    if strange:
        raise InvalidInput(f"unknown statuses: {', '.join(strange)}; known: {', '.join(STATUSES)}")
    return fmt


def request_params(request: ExportRequest) -> dict[str, Any]:
    """The request as JSON-ready job parameters (and back with ``ExportRequest(**params)``)."""
    return {
        "format": request.format,
        "source": request.source,
        "layers": list(request.layers) if request.layers else None,
        "dev": request.dev,
        "seed": request.seed,
        "labels": list(request.labels),
        "statuses": list(request.statuses),
        "min_share": request.min_share,
        "negatives": request.negatives,
        "ids": list(request.ids),
    }
