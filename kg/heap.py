"""Giving freed memory back to the operating system, so a long run's resident size stays flat.

A process that allocates and frees a document's worth of small objects over and over (a build's
extraction workers, the build writing chunk after chunk into the store) keeps the freed pages of
the C heap unless asked: glibc returns only what lies at the top of the heap.  `give_back` asks it
to return every free page (``malloc_trim``); elsewhere (another C library, another system) it does
nothing and says so.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import lru_cache


@lru_cache(maxsize=1)
def _trim():
    """glibc's malloc_trim, or None where the C library has none."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None)
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def give_back() -> bool:
    """Return the C heap's free pages to the system; False where that cannot be asked."""
    trim = _trim()
    if trim is None:
        return False
    trim(0)
    return True
