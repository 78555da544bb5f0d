"""The endpoint's in-memory copy of the store, made once and shared by every query worker.

`kg serve` names the store in KG_SERVE_MEMORY_STORE and has multiprocessing's fork server import
this module before it forks any worker: the copy is made there, once, and each worker forked from
it shares its pages (copy-on-write; queries only read them).  A worker that is killed and replaced
is forked again in milliseconds, with no copy to make.
"""
from __future__ import annotations

import os
import time

ENV = "KG_SERVE_MEMORY_STORE"

STORE = None        # the pyoxigraph Store in memory, once loaded (in the fork server and its workers)
ERROR = ""          # why it could not be loaded
SECONDS = 0.0       # how long the copy took


def _load(path: str) -> None:
    global STORE, ERROR, SECONDS
    started = time.perf_counter()
    try:
        import pyoxigraph as ox
        disk = ox.Store.read_only(path)
        memory = ox.Store()
        memory.bulk_extend(disk.quads_for_pattern(None, None, None, None))
        del disk
        STORE = memory
    except Exception as e:  # noqa: BLE001 - reported by the first worker, the endpoint goes on from disk
        ERROR = f"could not copy the store into memory ({type(e).__name__}: {e})"
    SECONDS = time.perf_counter() - started


if os.environ.get(ENV):
    _load(os.environ[ENV])
