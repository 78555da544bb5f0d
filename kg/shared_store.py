"""The endpoint's in-memory copy of the store, made once and shared by every query worker.

`kg serve` names the store in KG_SERVE_MEMORY_STORE and has multiprocessing's fork server import
this module before it forks any worker: the copy is made there, once, and each worker forked from
it shares its pages (copy-on-write; queries only read them).  A worker that is killed and replaced
is forked again in milliseconds, with no copy to make.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
import time

ENV = "KG_SERVE_MEMORY_STORE"

STORE = None        # the pyoxigraph Store in memory, once loaded (in the fork server and its workers)
ERROR = ""          # why it could not be loaded
SECONDS = 0.0       # how long the copy took


def _load(path: str) -> None:
    global STORE, ERROR, SECONDS
    started = time.perf_counter()
    try:
        STORE = copy_into_memory(path)
    except Exception as e:  # noqa: BLE001 - reported by the first worker, the endpoint goes on from disk
        ERROR = f"could not copy the store into memory ({type(e).__name__}: {e})"
    SECONDS = time.perf_counter() - started


def copy_into_memory(path: str):
    """The store at `path` copied into memory by dumping it to N-Quads and having the engine load
    that: queries then run faster than on a copy filled from Python (measured at 1M triples, the
    targets-of-a-year query 3.2-4.3 ms instead of 5.6; likely because the engine then allocates its
    index nodes with no Python object made per quad between them).  Blank nodes get new labels in
    the copy (a SPARQL result's labels hold only within it).  The dump goes through a temporary
    file; where none can be written the copy is filled from the disk store's quads."""
    import pyoxigraph as ox
    disk = ox.Store.read_only(path)
    memory = ox.Store()
    try:
        fd, dump = tempfile.mkstemp(prefix="kg-serve-", suffix=".nq")
    except OSError:
        memory.bulk_extend(disk.quads_for_pattern(None, None, None, None))
        return memory
    try:
        os.close(fd)
        try:
            disk.dump(dump, format=ox.RdfFormat.N_QUADS)
        except OSError:   # no room for the dump
            memory.bulk_extend(disk.quads_for_pattern(None, None, None, None))
            return memory
        del disk
        memory.load(path=dump, format=ox.RdfFormat.N_QUADS)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(dump)
    return memory


if os.environ.get(ENV):
    _load(os.environ[ENV])
