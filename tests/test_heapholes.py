"""``heapholes.fill`` takes the free chunks of glibc's main heap before a fork, so a child's
allocations come from new memory instead of writing into (copying) its parent's pages."""

from __future__ import annotations

import os
import platform

import pytest

from tests.helpers import fresh_python
from textlabel import heapholes

pytestmark = pytest.mark.skipif(
    platform.libc_ver()[0] != "glibc", reason="glibc's heap (CI's Debian); a no-op elsewhere"
)


def _holes() -> list[bytes]:
    """Free chunks of many sizes in the main heap: blocks past pymalloc's 512 bytes, every
    other one freed."""
    blocks = [bytes(600 + 37 * (i % 400)) for i in range(6000)]
    del blocks[::2]
    return blocks


def test_every_free_chunk_below_the_top_is_taken() -> None:
    fresh_python(
        "from textlabel import heapholes\n"
        "blocks = [bytes(600 + 37 * (i % 400)) for i in range(6000)]\n"
        "del blocks[::2]\n"
        "holes = heapholes.free_below_top() or 0\n"
        "assert holes > 10_000_000, holes\n"
        "taken = heapholes.fill()\n"
        "assert taken >= holes, (taken, holes)\n"
        "assert (heapholes.free_below_top() or 0) < holes // 50, heapholes.free_below_top()\n"
    )


def test_a_forked_child_allocates_above_its_parents_heap() -> None:
    """After fill, a child's new blocks lie past the parent's top chunk start, not in holes
    between the parent's blocks (which it would have to copy)."""
    kept = _holes()
    libc = heapholes._glibc()
    heapholes.fill()
    info = libc.mallinfo2()
    top = libc.sbrk(0) - info.keepcost
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        below = 0
        for size in (700, 3000, 20_000):
            for _ in range(50):
                below += libc.malloc(size) < top
        os.write(write, bytes([min(below, 255)]))
        os._exit(0)
    os.close(write)
    below = os.read(read, 1)[0]
    os.waitpid(pid, 0)
    os.close(read)
    assert below <= 10  # of 150: a chunk a thread cache held, what another thread freed
    del kept


def test_without_filling_a_child_reuses_the_holes() -> None:
    """The condition the fill removes: the same child allocations land in the holes."""
    kept = _holes()
    libc = heapholes._glibc()
    info = libc.mallinfo2()
    top = libc.sbrk(0) - info.keepcost
    below = sum(libc.malloc(size) < top for size in (700, 3000) for _ in range(50))
    assert below > 50
    del kept
