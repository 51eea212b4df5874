"""What each agreement number measures, and how to read its value, in one sentence each.

For the dashboard and the CLI table: the web layer renders these strings; nothing here
knows about HTML. Bands are conventions, not laws: Landis & Koch (1977) for kappa,
Krippendorff (2004, 2011) for alpha, plain thresholds for F1.
"""

from __future__ import annotations

WHAT_IT_MEASURES = {
    "krippendorff_alpha": "Agreement on every token's label beyond chance, all annotators at "
    "once; missing annotations allowed (1 = perfect, 0 = chance).",
    "krippendorff_alpha_labelled": "The same alpha on only the tokens some annotator put in an "
    "entity, so the many agreed O tokens do not inflate it.",
    "fleiss_kappa": "Chance-corrected token agreement when every document has the same number "
    "of annotators.",
    "cohen_kappa": "Chance-corrected token agreement of two annotators, averaged over pairs.",
    "cohen_kappa_labelled": "Cohen's kappa without the tokens every annotator left outside "
    "any entity.",
    "span_f1": "Share of entities two annotators marked identically (same start, end and "
    "label), averaged over pairs.",
    "overlap_span_f1": "Like span F1, but overlapping spans with the same label count as "
    "agreeing, so boundary differences are forgiven.",
    "conll_f1": "Mean of MUC, B-cubed and CEAF-e F1: how similarly two annotators grouped "
    "mentions into entities.",
    "muc_f1": "Coreference links one annotator would have to add or cut to match the other.",
    "b_cubed_f1": "Per mention, how much its entity overlaps the other annotator's.",
    "ceaf_e_f1": "Entities matched one to one between annotators by their shared mentions.",
    "mention_f1": "Share of coreference mentions both annotators marked at the same offsets.",
}

# (lower bound, band) from the top; Landis & Koch 1977
KAPPA_BANDS = [
    (0.81, "almost perfect"),
    (0.61, "substantial"),
    (0.41, "moderate"),
    (0.21, "fair"),
    (0.0, "slight"),
]
# Krippendorff 2004: rely on alpha >= .800, draw tentative conclusions from .667
ALPHA_BANDS = [(0.8, "reliable"), (0.667, "tentative only"), (float("-inf"), "unreliable")]
F1_BANDS = [(0.9, "high"), (0.7, "fair"), (0.5, "low"), (float("-inf"), "very low")]


def interpret(name: str, value: float | None) -> str:
    """A short reading of ``value`` for the measure ``name`` ("undefined" for None)."""
    if value is None:
        return "undefined"
    if "alpha" in name:
        bands = ALPHA_BANDS
    elif "kappa" in name:
        if value < 0:
            return "poor (below chance)"
        bands = KAPPA_BANDS
    else:
        bands = F1_BANDS
    return next(band for bound, band in bands if value >= bound)
