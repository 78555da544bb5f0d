"""The endpoint's query workers: processes that hold the store and answer one query at a time, bounded.

Workers start on the store on disk; when the store fits the memory limit, one in-memory copy is
then made in a fork server and the workers are swapped for ones forked from it, which share it
(`WorkerPool`).  Each worker cannot open an internet socket (a seccomp filter on Linux, unless
SERVICE is allowed) and runs under a data-segment limit; the pool watches each worker's resident
size and time, kills one that runs past a limit and starts a fresh one, and answers 503 with the
reason.  `kg.server` feeds it.
"""
from __future__ import annotations

import contextlib
import ctypes
import multiprocessing as mp
import os
import platform
import queue
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import KGError
from .results import GRAPH_TYPES, SELECT_TYPES

# (status, content type, body, extra headers)
Answer = tuple[int, str, bytes, dict[str, str]]


class EndpointError(KGError):
    """The endpoint cannot start as configured (a worker failed to load the store, or the store does
    not fit the memory limit)."""


@dataclass
class Settings:
    store: Path
    timeout: float = 10.0            # seconds per query
    max_rows: int = 10000            # rows (or triples) per result; more are cut, and the answer says so
    workers: int = 2                 # query worker processes
    in_memory: bool = True           # workers copy the store into memory
    allow_service: bool = False      # let SERVICE call other endpoints (and the workers open sockets)
    max_memory: int = 320            # MB per worker (its data segment, and its resident size)
    max_bytes: int = 10_000_000      # bytes per result; a larger one is refused with 503
    read_timeout: float = 10.0       # seconds for a request to arrive in full (head and body)
    max_queue: int = 16              # queries waiting for a worker; more are refused with 503
    max_connections: int = 32        # connections handled at once; more are refused with 503


def _text(status: int, message: str, headers: dict[str, str] | None = None) -> Answer:
    return status, "text/plain", (message + "\n").encode("utf-8"), headers or {}


# ------------------------------------------------------------------ worker processes
def forbid_network() -> bool:
    """Make this process (all its threads) unable to open an IPv4 or IPv6 socket, for good.

    A seccomp filter (Linux, x86-64 and arm64) that fails socket(AF_INET/AF_INET6) with EPERM:
    whatever a query makes the engine attempt, it cannot reach another host.  Unix sockets and
    pipes, which the worker talks to the server over, still work.  Returns False where this is
    not available (the SERVICE check in kg.query still holds)."""
    arch = {"x86_64": (0xC000003E, 41, 317), "aarch64": (0xC00000B7, 198, 277)}.get(platform.machine())
    if arch is None or not sys.platform.startswith("linux"):
        return False
    audit_arch, nr_socket, nr_seccomp = arch
    ld, jeq, jge, ret = 0x20, 0x15, 0x35, 0x06                  # BPF_LD|W|ABS, BPF_JMP|JEQ|K, JGE, BPF_RET|K
    allow, deny = 0x7FFF0000, 0x00050000 | 1                      # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO | EPERM
    program = [(ld, 0, 0, 4), (jeq, 0, 6, audit_arch),            # seccomp_data.arch: another ABI -> allow
               (ld, 0, 0, 0), (jge, 5, 0, 0x40000000),            # seccomp_data.nr: x32 calls -> deny
               (jeq, 0, 3, nr_socket),                            # not socket() -> allow
               (ld, 0, 0, 16), (jeq, 2, 0, socket.AF_INET),       # socket(domain, ...)
               (jeq, 1, 0, socket.AF_INET6),
               (ret, 0, 0, allow), (ret, 0, 0, deny)]
    code = ctypes.create_string_buffer(b"".join(struct.pack("HBBI", *op) for op in program))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = SockFprog(len(program), ctypes.addressof(code))
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(38, 1, 0, 0, 0) != 0:                       # PR_SET_NO_NEW_PRIVS
            return False
        # seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &fprog): every thread of the process
        return bool(libc.syscall(nr_seccomp, 1, 1, ctypes.byref(fprog)) == 0)
    except (OSError, AttributeError):
        return False


def _data_bytes() -> int:
    """This process's data segment (what RLIMIT_DATA limits), from /proc; 0 where unknown."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmData:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


class _TooLarge(Exception):
    pass


BYTES_PER_TRIPLE = 500   # of pyoxigraph 0.5's in-memory store, measured


def _worker(conn, settings: Settings, memory: bool) -> None:
    """Answer queries sent over `conn` until it closes: from the shared in-memory copy (a worker
    forked from the fork server that holds it) or from the store on disk."""
    import resource

    import pyoxigraph as ox

    limit = settings.max_memory << 20
    if memory:
        from . import shared_store
        if shared_store.STORE is None:
            conn.send(("error", shared_store.ERROR or "the in-memory copy of the store is missing"))
            return
        store = shared_store.STORE
    else:
        store = ox.Store.read_only(str(Path(settings.store) / "oxigraph"))
    used = _data_bytes()
    if used > limit * 0.8:
        conn.send(("error", f"a query worker needs {used >> 20} MB to hold the store, too close to the memory "
                            f"limit of {settings.max_memory} MB per worker: raise it (--max-memory) or query "
                            "the store on disk (--on-disk)"))
        return
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    sandboxed = settings.allow_service or forbid_network()
    conn.send(("ready", sandboxed))
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        try:
            answer = _answer(store, job, settings)
        except MemoryError:
            answer = _memory_answer(settings)
        conn.send(answer)


def _memory_answer(settings: Settings) -> Answer:
    return _text(503, f"query stopped: it needed more memory than the limit of {settings.max_memory} MB "
                      "per query; narrow it (fewer joins, a LIMIT) or ask the operator for --max-memory")


def _term_size(term) -> int:
    """About how many bytes a term takes in a result (for stopping early; the body is measured after)."""
    if term is None:
        return 0
    value = getattr(term, "value", None)
    if isinstance(value, str):
        return len(value) + 24
    return len(str(term)) + 24


def _take(items: Iterator, settings: Settings, size: Callable[[Any], int]) -> tuple[list, bool]:
    """Up to `max_rows` items, and whether there were more; _TooLarge as soon as they pass `max_bytes`."""
    taken: list = []
    total = 0
    for item in items:
        if len(taken) >= settings.max_rows:
            return taken, True
        total += size(item)
        if total > settings.max_bytes:
            raise _TooLarge
        taken.append(item)
    return taken, False


def _answer(store, job: tuple[bytes, str, str], settings: Settings) -> Answer:
    import pyoxigraph as ox

    from .query import PREFIXES, QueryError, check_query, is_update
    from .results import NATIVE_FORMATS, ask_result, graph_results, native_select, select_results

    raw, select_fmt, graph_fmt = job
    sparql = raw.decode("utf-8", errors="replace")
    if is_update(sparql):
        return _text(403, "updates are not allowed: this endpoint is read-only")
    try:
        check_query(sparql, settings.allow_service)
    except QueryError as e:
        return _text(400, str(e))
    too_large = _text(503, f"query stopped: its result is larger than the limit of {settings.max_bytes} bytes; "
                           "ask for fewer rows (LIMIT) or shorter values")
    headers: dict[str, str] = {}
    try:
        result = store.query(sparql, use_default_graph_as_union=True, prefixes=PREFIXES)
        if isinstance(result, ox.QueryBoolean):
            return (200, SELECT_TYPES[select_fmt if select_fmt in ("json", "xml") else "json"],
                    ask_result(bool(result), select_fmt), headers)
        if isinstance(result, ox.QuerySolutions) and select_fmt in NATIVE_FORMATS:
            native = native_select(result, select_fmt, settings.max_rows, settings.max_bytes)
            if native is None:   # too large whole: its first rows may still fit
                result = store.query(sparql, use_default_graph_as_union=True, prefixes=PREFIXES)
            else:
                body, cut = native
                if cut:
                    headers["X-Truncated"] = f"results cut at {settings.max_rows} rows (the endpoint's --max-rows)"
                return 200, SELECT_TYPES[select_fmt], body, headers
        if isinstance(result, ox.QuerySolutions):
            names = [v.value for v in result.variables]
            rows, cut = _take(([sol[n] for n in names] for sol in result), settings,
                              lambda row: sum(_term_size(t) for t in row))
            ctype, body = SELECT_TYPES[select_fmt], select_results(names, rows, select_fmt)
        else:
            triples, cut = _take(iter(result), settings, _term_size)
            ctype, body = GRAPH_TYPES[graph_fmt], graph_results(triples, graph_fmt)
        if len(body) > settings.max_bytes:
            raise _TooLarge
        if cut:
            headers["X-Truncated"] = f"results cut at {settings.max_rows} rows (the endpoint's --max-rows)"
        return 200, ctype, body, headers
    except _TooLarge:
        return too_large
    except SyntaxError as e:
        return _text(400, f"SPARQL syntax error: {e}")
    except MemoryError:
        return _memory_answer(settings)
    except Exception as e:  # noqa: BLE001 - reported to the client, the worker lives on
        return _text(500, f"query failed: {e}")


class WorkerPool:
    """The query workers.  They start at once on the store on disk (the endpoint is ready in about a
    second at any size); when the store fits the memory limit, it is then copied into memory once,
    in a fork server, and each disk worker is swapped, when idle, for one forked from that copy: all
    workers share one in-memory store, and a replacement starts in milliseconds."""

    def __init__(self, settings: Settings, triples: int = 0):
        self.settings = settings
        self._spawning = mp.get_context("spawn")
        self._idle: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._pending = 0
        self._procs: set = set()
        self._disk: set = set()      # workers reading the store on disk, to swap for in-memory ones
        self._memory = False         # whether new workers are forked from the in-memory copy
        self._closed = False
        self.sandboxed = False   # whether the workers cannot open internet sockets (see forbid_network)
        self.note = ""           # what the operator should know (the store is queried on disk, ...)
        need = triples * BYTES_PER_TRIPLE
        copy = settings.in_memory and "forkserver" in mp.get_all_start_methods()
        if copy and _data_bytes() + need >= (settings.max_memory << 20) * 0.6:
            copy = False
            self.note = (f"the store would take about {need >> 20} MB in memory, too much for the memory limit of "
                         f"{settings.max_memory} MB per worker: querying it on disk (raise --max-memory to keep "
                         "a copy in memory)")
        for _ in range(settings.workers):
            self._idle.put(self._spawn())
        if copy:
            threading.Thread(target=self._copy_into_memory, daemon=True, name="kg-serve-memory").start()

    def _spawn(self, memory: bool = False):
        ctx = self._fork_server() if memory else self._spawning
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_worker, args=(child, self.settings, memory), daemon=True)
        proc.start()
        child.close()
        message: tuple = ("error", "a query worker did not start (see the log above)")
        try:
            if parent.poll(300):
                message = parent.recv()
        except (EOFError, OSError):
            pass
        if message[0] != "ready":
            proc.kill()
            proc.join(5)
            raise EndpointError(message[1])
        self.sandboxed = bool(message[1])
        with self._lock:
            self._procs.add(proc)
            if not memory:
                self._disk.add(proc)
        return proc, parent

    def _fork_server(self):
        from . import shared_store
        os.environ[shared_store.ENV] = str(Path(self.settings.store) / "oxigraph")
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload([shared_store.__name__])
        return ctx

    def _copy_into_memory(self) -> None:
        """Copy the store into memory once (in the fork server), then swap each disk worker, when it
        is idle, for one forked from the copy."""
        started = time.monotonic()
        try:
            fresh = self._spawn(memory=True)
        except EndpointError as e:
            print(f"kg serve: {e}; the store stays queried on disk", file=sys.stderr)
            return
        self._memory = True
        while not self._closed:
            with self._lock:
                left = bool(self._disk)
            if not left:
                break
            try:
                proc, conn = self._idle.get(timeout=0.5)
            except queue.Empty:
                continue
            if proc not in self._disk:
                self._idle.put((proc, conn))
                time.sleep(0.01)
                continue
            self._retire(proc, conn)
            self._idle.put(fresh)
            fresh = None
            with self._lock:
                left = bool(self._disk)
            if left:
                fresh = self._spawn(memory=True)
        if fresh is not None:
            self._retire(*fresh)
        if not self._closed:
            print(f"kg serve: the store is queried in memory now (one copy, made in "
                  f"{time.monotonic() - started:.1f} s, shared by the workers)", file=sys.stderr)

    def _retire(self, proc, conn) -> None:
        proc.kill()
        proc.join(10)
        conn.close()
        with self._lock:
            self._procs.discard(proc)
            self._disk.discard(proc)

    def _replace(self, proc, conn) -> None:
        """Kill a worker and, once its memory is given back, start another (in the background)."""
        def run() -> None:
            self._retire(proc, conn)
            for attempt in range(5):
                if self._closed:
                    return
                try:
                    self._idle.put(self._spawn(memory=self._memory))
                    return
                except EndpointError as e:
                    print(f"kg serve: could not replace a query worker: {e}", file=sys.stderr)
                    time.sleep(1 + attempt)
        threading.Thread(target=run, daemon=True).start()

    def run(self, sparql: bytes, select_fmt: str, graph_fmt: str) -> Answer:
        busy = _text(503, "all query workers are busy; try again", {"Retry-After": "1"})
        with self._lock:
            if self._pending >= self.settings.workers + self.settings.max_queue:
                return busy
            self._pending += 1
        try:
            try:
                proc, conn = self._idle.get(timeout=self.settings.timeout)
            except queue.Empty:
                return busy
            return self._ask(proc, conn, (sparql, select_fmt, graph_fmt))
        finally:
            with self._lock:
                self._pending -= 1

    def _ask(self, proc, conn, job) -> Answer:
        s = self.settings
        limit = s.max_memory << 20
        deadline = time.monotonic() + s.timeout
        rss = 0
        try:
            conn.send(job)
            while not conn.poll(0.05):
                if time.monotonic() >= deadline:
                    self._replace(proc, conn)
                    return _text(503, f"query stopped: it ran past the time limit of {s.timeout:g} s")
                rss = _rss_bytes(proc.pid)
                if rss > limit:
                    self._replace(proc, conn)
                    return _memory_answer(s)
            answer = conn.recv()
        except (EOFError, OSError):
            proc.join(1)
            self._replace(proc, conn)
            if proc.exitcode == -6 or rss > limit // 2:   # the engine aborts when an allocation fails
                return _memory_answer(s)
            return _text(503, f"query stopped: its worker process died (exit code {proc.exitcode}); try again")
        self._idle.put((proc, conn))
        return answer

    def close(self) -> None:
        self._closed = True
        with self._lock:
            procs = list(self._procs)
        for p in procs:
            p.kill()


