"""Give memory a process freed back to the system (glibc's ``malloc_trim``).

A pre-annotation in the job process, or an import or a burst of saves in a web worker, leaves
megabytes of freed blocks in glibc's heaps (and a thread's own arena); glibc keeps them
mapped, so the process's resident memory only grows. ``malloc_trim(0)`` returns the free
pages of every arena. A no-op where libc has no ``malloc_trim`` (musl, macOS).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from collections.abc import Callable

_trim: Callable[[int], int] | None = None
_loaded = False


def _malloc_trim() -> Callable[[int], int] | None:
    global _trim, _loaded
    if not _loaded:
        _loaded = True
        try:
            _trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _trim = None
    return _trim


_M_ARENA_MAX = -8  # mallopt's parameter (malloc.h)


def limit_arenas(count: int) -> bool:
    """At most ``count`` glibc malloc arenas in this process (each thread may otherwise get
    one of its own, up to 8 per core, each keeping its freed pages); whether libc could."""
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(_M_ARENA_MAX, count))


def release() -> bool:
    """Collect cycles, then hand free heap pages back; whether libc could."""
    gc.collect()
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


class Every:
    """``release()`` once every ``n`` calls (a gunicorn worker's requests)."""

    def __init__(self, n: int) -> None:
        self.n, self.count = n, 0

    def __call__(self) -> None:
        self.count += 1
        if self.count >= self.n:
            self.count = 0
            release()
