"""``DocumentStats`` to bytes and back, for the agreement cache table.

The statistics are stored as a pickle of plain tuples, strings, numbers and numpy arrays,
never of our classes: reading a row back then needs only numpy's array constructors, so a
tampered row cannot run code (the unpickler refuses every other global), and rebuilding the
frozen dataclasses through their constructors is several times faster than unpickling them.
A row that cannot be read back (older layout, damage) reads as None and is recomputed.
"""

from __future__ import annotations

import io
import pickle
from dataclasses import fields
from typing import Any

from textlabel.agreement.coref import Counts
from textlabel.agreement.stats import CorefPairCounts, DocumentStats, PairStats

# Everything a pickle of numpy arrays (and numpy scalars) may refer to, on numpy 1 and 2.
NUMPY_GLOBALS = {
    ("numpy", "dtype"),
    ("numpy", "ndarray"),
    ("numpy._core.numeric", "_frombuffer"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy.core.multiarray", "scalar"),
}


class _ArraysOnly(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in NUMPY_GLOBALS:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of agreement statistics")
        return super().find_class(module, name)


def _values(item: Any) -> tuple[Any, ...]:
    return tuple(getattr(item, field.name) for field in fields(item))


def _coref(counts: CorefPairCounts | None) -> tuple[Any, ...] | None:
    if counts is None:
        return None
    return (_values(counts.muc), _values(counts.b_cubed), _values(counts.ceaf_e), counts.mentions)


def encode_stats(stats: DocumentStats) -> bytes:
    """The statistics as bytes: constructor arguments in field order, nested the same way."""
    pairs = tuple((p.a, p.b, p.confusion, p.spans, _coref(p.coref)) for p in stats.pairs)
    values = tuple(pairs if f.name == "pairs" else getattr(stats, f.name) for f in fields(stats))
    return pickle.dumps(values, protocol=pickle.HIGHEST_PROTOCOL)


def decode_stats(blob: bytes) -> DocumentStats | None:
    """The statistics ``encode_stats`` wrote, or None when ``blob`` is not such a row."""
    try:
        values = _ArraysOnly(io.BytesIO(blob)).load()
        names = [f.name for f in fields(DocumentStats)]
        arguments = dict(zip(names, values, strict=True))
        arguments["pairs"] = tuple(
            PairStats(
                a, b, confusion, spans,
                None if coref is None else CorefPairCounts(
                    Counts(*coref[0]), Counts(*coref[1]), Counts(*coref[2]), coref[3]
                ),
            )
            for a, b, confusion, spans, coref in arguments["pairs"]
        )  # fmt: skip
        return DocumentStats(**arguments)
    except (pickle.UnpicklingError, EOFError, TypeError, ValueError, KeyError, IndexError):
        return None
