"""spaCy side of textlabel: pipeline loading, Doc <-> record conversion, coreference.

``from textlabel.nlp import load_pipeline`` is the contract of DESIGN.md. It is resolved on
first use, so importing this package loads nothing heavy (no spaCy until a pipeline is asked
for).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textlabel.nlp.pipeline import load_pipeline

__all__ = ["load_pipeline"]


def __getattr__(name: str) -> Any:
    if name == "load_pipeline":
        from textlabel.nlp.pipeline import load_pipeline

        return load_pipeline
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
