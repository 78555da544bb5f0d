"""The memory allocator of the endpoint's query workers that read the store on disk: mimalloc when it
can be had, else the system's.

On disk, the query engine (Oxigraph's RocksDB) allocates and frees small blocks at a high rate while it
answers; with mimalloc preloaded it does so in about 13 % fewer instructions than with glibc's malloc
(counted with valgrind on the three lookups of bench/endpoint.py at 1M triples), and the endpoint
answers 4-11 % sooner (23 % for a year's targets at 4 clients; paired wrk runs at 1M triples).  With
the in-memory copy it gained nothing (0.90-1.02 in the same runs), so the fork server that holds the
copy, and the workers forked from it, keep the system allocator.  The workers are started as new
processes, so the library is put in their LD_PRELOAD; the process that starts them keeps the
allocator it has.

mimalloc comes from the `cmeel-mimalloc` wheel (a dependency on Linux x86-64), else from the system
(Debian's libmimalloc2.0).  It is told to commit memory only as it is used
(MIMALLOC_ARENA_EAGER_COMMIT=0): the address space it reserves ahead then stays out of the data
segment that a worker's memory limit (RLIMIT_DATA) counts.
"""
from __future__ import annotations

import contextlib
import ctypes.util
import os
import sys
import threading
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

__all__ = ["ALLOCATORS", "mimalloc_library", "started_with", "uses_mimalloc", "worker_environment"]

ALLOCATORS = ("mimalloc", "system")
OPTIONS = {"MIMALLOC_ARENA_EAGER_COMMIT": "0"}
_SYSTEM_DIRS = ("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib")


def mimalloc_library() -> str | None:
    """The path of a mimalloc shared library to preload, or None (not installed, or not Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        files = metadata.files("cmeel-mimalloc") or []
    except metadata.PackageNotFoundError:
        files = []
    for f in files:
        if f.name.startswith("libmimalloc.so."):
            path = Path(str(f.locate()))
            if path.is_file():
                return str(path.resolve())
    name = ctypes.util.find_library("mimalloc")     # e.g. 'libmimalloc.so.2'
    if name:
        for folder in _SYSTEM_DIRS:
            path = Path(folder) / name
            if path.is_file():
                return str(path)
    return None


def worker_environment(allocator: str, environ: dict[str, str] | None = None) -> dict[str, str]:
    """The variables to set for the query workers to run with `allocator` (nothing for 'system', or
    when mimalloc is not installed); `environ` (default os.environ) gives any LD_PRELOAD already set."""
    if allocator not in ALLOCATORS:
        raise ValueError(f"unknown allocator {allocator!r}: one of {', '.join(ALLOCATORS)}")
    library = mimalloc_library() if allocator == "mimalloc" else None
    if library is None:
        return {}
    current = (os.environ if environ is None else environ).get("LD_PRELOAD", "")
    preload = [p for p in current.replace(":", " ").split() if p and p != library]
    return {"LD_PRELOAD": " ".join([library, *preload]), **OPTIONS}


_ENVIRON = threading.Lock()


@contextlib.contextmanager
def started_with(variables: dict[str, str]) -> Iterator[None]:
    """Set `variables` in this process's environment while the block starts processes (they inherit
    it), and put the environment back as it was after: nothing else this process starts later (a
    browser, another server) gets them."""
    if not variables:
        yield
        return
    with _ENVIRON:
        before = {name: os.environ.get(name) for name in variables}
        os.environ.update(variables)
        try:
            yield
        finally:
            for name, value in before.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def uses_mimalloc(pid: int | str = "self") -> bool:
    """Whether the process has mimalloc loaded (read from its memory map; False where unknown)."""
    try:
        with open(f"/proc/{pid}/maps", encoding="utf-8", errors="replace") as maps:
            return any("libmimalloc" in line for line in maps)
    except OSError:
        return False
