"""Scales for reading agreement values: named bands of (lower bound, reading).

Bands are conventions, not laws. Coefficients (κ, α) and F1 scores have different scales
and deliberately different words: an F1 is a share of matched units, not a chance-corrected
coefficient, so reading it with kappa's Landis & Koch bands would call an F1 of 0.85 "fair".
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Scale:
    """A convention for reading a value: ``bands`` are (lower bound, reading), highest first."""

    name: str
    bands: tuple[tuple[float, str], ...]

    def read(self, value: float | None) -> str:
        """The reading of ``value`` ("undefined" for None or NaN)."""
        if value is None:
            return "undefined"
        return next((reading for bound, reading in self.bands if value >= bound), "undefined")

    @property
    def readings(self) -> tuple[str, ...]:
        return tuple(reading for _bound, reading in self.bands)

    def describe(self) -> str:
        """The bands in words, e.g. "reliable ≥ 0.8, tentative only ≥ 0.667, else unreliable"."""
        *bounded, (_lowest, last) = self.bands
        # non-breaking spaces keep "≥ bound" with its reading when help text is wrapped
        parts = [f"{reading}\u00a0≥\u00a0{bound:g}" for bound, reading in bounded]
        return ", ".join([*parts, f"else {last}"])


LANDIS_KOCH = Scale(
    "Landis & Koch (1977)",
    (
        (0.81, "almost perfect"),
        (0.61, "substantial"),
        (0.41, "moderate"),
        (0.21, "fair"),
        (0.0, "slight"),
        (float("-inf"), "poor (below chance)"),
    ),
)
# Krippendorff 2004: rely on alpha >= .800, draw tentative conclusions from .667
KRIPPENDORFF = Scale(
    "Krippendorff (2004)",
    ((0.8, "reliable"), (0.667, "tentative only"), (float("-inf"), "unreliable")),
)
# There is no published scale for F1 agreement; these words are ours and deliberately none of
# kappa's, so an F1 of 0.85 never reads "fair" (a kappa word for 0.21-0.40).
F1_SCALE = Scale(
    "F1 thresholds (textlabel's; no published convention)",
    ((0.9, "high"), (0.8, "good"), (0.7, "modest"), (0.5, "low"), (float("-inf"), "very low")),
)
