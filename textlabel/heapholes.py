"""Fill the free chunks of glibc's main heap before a fork, so children do not copy its pages.

A forked process shares its parent's pages until it writes one. Its ``malloc`` first reuses
the free chunks the parent's start-up left in glibc's main heap (import-time temporaries:
about 1.1-1.6 MiB in ~1,800 chunks, scattered over its 26 MiB), and writing a small block
into one copies the whole 4 KiB page around it, in every child. ``fill()`` allocates every
free chunk of the main heap below its top chunk (and never frees them), so a child's
allocations come from the top: new pages it needs anyway, none of the parent's.
``bench/worker_pages.py``: a gunicorn worker copied 21.8 instead of 25.3 MiB of the master's
pages, the job process 14.4 instead of 19.5 MiB; ``bench/memory.py`` with ``-w 4``: 314-315
against 330 MiB PSS in all. The filled chunks were resident already; whole free pages inside
them are handed back first (``malloc_trim``) and stay untouched (taken whole, headers only).
``before_fork`` (collect, freeze, fill) runs where a loaded process forks: ``serving.settle``,
the import launcher's ``_load`` and the job process's fork; gunicorn.conf.py's ``pre_fork``
fills again before each worker (the master froze in ``settle``).

A no-op where libc is not glibc 2.33+ (``mallinfo2``) or its main heap is not one ``brk``
range.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import platform
from typing import Any


class _Mallinfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
                     "uordblks", "fordblks", "keepcost")
    ]  # fmt: skip


_SIZES = [*(1 << k for k in range(16, 10, -1)), *range(1024, 16, -16)]
"""Chunk sizes tried, large first (a large free chunk taken whole or in 64 KiB pieces writes
only their headers), then every small size class (glibc's per-size caches and bins)."""

_libc: Any = None


def _glibc() -> Any:
    global _libc
    if _libc is None:
        _libc = False
        if platform.libc_ver()[0] == "glibc":
            try:
                libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
                libc.mallinfo2.restype = _Mallinfo2
            except (OSError, AttributeError):
                return False
            libc.malloc.restype = ctypes.c_void_p
            libc.malloc.argtypes = [ctypes.c_size_t]
            libc.free.argtypes = [ctypes.c_void_p]
            libc.sbrk.restype = ctypes.c_void_p
            libc.sbrk.argtypes = [ctypes.c_ssize_t]
            _libc = libc
    return _libc


def free_below_top() -> int | None:
    """Bytes free in malloc's heaps outside the main heap's top chunk; None without glibc.
    ``mallinfo2`` sums every arena: in a process about to fork, single-threaded, that is the
    main heap, the one ``fill`` takes from (another thread's arena is out of its reach)."""
    libc = _glibc()
    if not libc:
        return None
    info = libc.mallinfo2()
    return int(info.fordblks - info.keepcost)


def fill() -> int:
    """Allocate, for good, every free chunk of this process's main heap below its top chunk,
    just before it forks; the bytes taken (0 without glibc). Call it from the thread that
    forks, after the last collection (``gc.collect``) that could free more."""
    libc = _glibc()
    if not libc:
        return 0
    libc.malloc_trim(0)  # merges the fast bins; whole free pages go back (untouched below)
    budget = 2 * (free_below_top() or 0) + (1 << 20)  # a bound; chunks freed meanwhile too
    brk, info = libc.sbrk(0), libc.mallinfo2()
    start, top = brk - info.arena, brk - info.keepcost  # the heap [start, brk), its top chunk
    taken = 0
    for _ in range(4):  # a chunk split by a small size leaves a remainder a larger size takes
        before = taken
        for size in _SIZES:
            while taken < budget:
                block = libc.malloc(size - 8)  # a chunk of ``size`` bytes (8 of header)
                if not block or not start <= block < top:  # from the top, or an mmap: new
                    libc.free(block)
                    break
                taken += size
        if taken == before:
            break
    return taken


def before_fork() -> None:
    """Ready a loaded process to fork children that share the most of its pages: collect,
    then freeze what is left (a child's collector never writes, so never copies, the
    parent's objects), then ``fill`` (nor do its allocations write into the parent's free
    chunks). In that order: the collection frees chunks the fill then takes."""
    gc.collect()
    gc.freeze()
    fill()
