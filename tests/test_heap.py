"""kg.heap: freed memory given back to the system, so long builds stay flat."""
from __future__ import annotations

import os
import sys

import pytest

from kg.heap import give_back


def _rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_free_pages_inside_the_heap_go_back():
    assert give_back()   # glibc: the call is there
    # 60 MB of 2 KB blocks (each from malloc, not Python's small-object arenas), then all but
    # the last freed: the last keeps the heap's top in place, so glibc alone returns nothing
    blocks = [bytes(2048) for _ in range(30_000)]
    last = bytes(2048)
    before = _rss_mb()
    del blocks
    freed = _rss_mb()
    give_back()
    after = _rss_mb()
    assert freed > before - 10          # still held by the process
    assert after < freed - 40           # given back
    assert last                          # alive until here

