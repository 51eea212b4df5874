"""A project's review settings, read from ``Project.settings`` with defaults and checks.

- ``review_min_share``: the share of annotators a span, tag or link needs to be accepted
  into the consolidated draft; 0.5 means a strict majority, 1.0 unanimity.
- ``review_auto_accept``: ``"unanimous"`` (documents all annotators agree on completely
  become gold without a reviewer), ``"threshold"`` (also those whose agreement score reaches
  ``review_threshold``) or ``"off"`` (every document goes to the queue).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from textlabel.errors import InvalidInput
from textlabel.review.consolidation import MAJORITY

AUTO_ACCEPT = ("unanimous", "threshold", "off")


@dataclass(frozen=True, slots=True)
class ReviewSettings:
    min_share: float = MAJORITY
    auto_accept: str = "unanimous"
    threshold: float = 0.9

    def as_settings(self) -> dict[str, Any]:
        """The ``Project.settings`` keys these values are stored under."""
        return {f"review_{key}": value for key, value in asdict(self).items()}


def check_settings(
    *,
    min_share: float | None = None,
    auto_accept: str | None = None,
    threshold: float | None = None,
    base: ReviewSettings | None = None,
) -> ReviewSettings:
    """New settings from ``base`` with the given changes, refusing values out of range."""
    current = base or ReviewSettings()
    min_share = current.min_share if min_share is None else float(min_share)
    auto_accept = current.auto_accept if auto_accept is None else auto_accept
    threshold = current.threshold if threshold is None else float(threshold)
    if not 0 < min_share <= 1:
        raise InvalidInput(
            f"review_min_share must lie in (0, 1], not {min_share}",
            details={"review_min_share": min_share},
        )
    if auto_accept not in AUTO_ACCEPT:
        raise InvalidInput(
            f"review_auto_accept must be one of {', '.join(AUTO_ACCEPT)}, not {auto_accept!r}",
            details={"review_auto_accept": auto_accept},
        )
    if not 0 <= threshold <= 1:
        raise InvalidInput(
            f"review_threshold must lie in [0, 1], not {threshold}",
            details={"review_threshold": threshold},
        )
    return ReviewSettings(min_share, auto_accept, threshold)


def review_settings(settings: dict[str, Any] | None) -> ReviewSettings:
    """The stored settings; a value someone stored out of range falls back to the default
    rather than breaking every submission of the project."""
    stored = settings or {}
    defaults = ReviewSettings()
    values = {}
    for key in ("min_share", "auto_accept", "threshold"):
        value = stored.get(f"review_{key}")
        try:
            values[key] = getattr(check_settings(**{key: value}), key)
        except (InvalidInput, TypeError, ValueError):
            values[key] = getattr(defaults, key)
    return ReviewSettings(**values)
