"""The endpoint's worker processes: each accepts connections on the shared listening socket, reads
the requests and answers the queries itself, from one store shared by all of them (`kg.pool` starts,
watches and replaces them).

A worker cannot open an internet socket (a seccomp filter on Linux, unless SERVICE is allowed) and
runs under a data-segment limit.  It says what each of its connections is doing in a table in shared
memory (`Table`): idle between requests, reading one, running a query (since when), or writing the
answer; the pool reads it to stop a query that runs past the time limit (it kills the worker, answers
503 on that connection and gives the idle ones to the replacement, so no request is lost).  Each
accepted connection is also handed to the pool (its descriptor, over the worker's control socket),
which is how the pool can answer on it when the worker is gone.
"""
from __future__ import annotations

import contextlib
import ctypes
import email.utils
import os
import platform
import select
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .errors import KGError
from .query import PREFIXES, QueryError, check_query, final_limit, is_update
from .results import (
    GRAPH_TYPES,
    NATIVE_FORMATS,
    SELECT_TYPES,
    ask_result,
    graph_results,
    native_select,
    select_results,
)

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
    allocator: str = "mimalloc"      # on-disk workers' memory allocator: mimalloc when installed, or "system"


def _text(status: int, message: str, headers: dict[str, str] | None = None) -> Answer:
    return status, "text/plain", (message + "\n").encode("utf-8"), headers or {}


SERVER = "cchc-kg-sparql/0.5"
_PHRASES = {s.value: s.phrase for s in HTTPStatus}
_DATE = [0, ""]


def _date() -> str:
    """The Date header's value, made once a second."""
    now = int(time.time())
    if _DATE[0] != now:
        _DATE[:] = [now, email.utils.formatdate(now, usegmt=True)]
    return str(_DATE[1])


def response_head(status: int, ctype: str, length: int, headers: dict[str, str], close: bool,
                  dated: bool = True) -> bytes:
    """An HTTP/1.1 response's head (`dated`: with a Date header, left out of answers made once and kept)."""
    charset = "; charset=utf-8" if ctype.startswith(("text/", "application/sparql")) or "json" in ctype else ""
    head = [f"HTTP/1.1 {status} {_PHRASES.get(status, '')}\r\nServer: {SERVER}\r\n",
            f"Date: {_date()}\r\n" if dated else "",
            f"Content-Type: {ctype}{charset}\r\nContent-Length: {length}\r\nAccess-Control-Allow-Origin: *\r\n"]
    head += [f"{name}: {value}\r\n" for name, value in headers.items()]
    head.append("Connection: close\r\n\r\n" if close else "\r\n")
    return "".join(head).encode("latin-1")


def cached(cache: dict, key, make: Callable, keep: bool = True):
    """`make(key)`, remembered for the same key when `keep` (the same queries come again and again:
    dashboards, scripts); the cache is emptied when it holds 1,024 entries."""
    value = cache.get(key)
    if value is None:
        value = make(key)
        if keep:
            if len(cache) >= 1024:
                cache.clear()
            cache[key] = value
    return value


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


# ------------------------------------------------------------------ the table the workers and the pool share
FREE, IDLE, READING, QUERY, WRITING = -1.0, 0.0, 1.0, 2.0, 3.0   # what a connection is doing
HEAD = 2     # per worker: connections open, queries running
SLOT = 3     # per connection: its id, its state, when its query started (time.monotonic)
STACK = 4 << 20   # bytes of stack for each connection's thread (the engine's parser recurses)


class Table:
    """Shared memory where each worker says what its connections are doing (a region per worker)."""

    def __init__(self, cells, regions: int, slots: int):
        self.cells = cells          # a multiprocessing RawArray of doubles
        self.regions = regions
        self.slots = slots          # connections per worker
        self.size = HEAD + slots * SLOT

    @classmethod
    def create(cls, ctx, regions: int, slots: int) -> Table:
        table = cls(ctx.RawArray("d", regions * (HEAD + slots * SLOT)), regions, slots)
        for region in range(regions):
            table.clear(region)
        return table

    def clear(self, region: int) -> None:
        base = region * self.size
        self.cells[base] = self.cells[base + 1] = 0.0
        for i in range(self.slots):
            self.cells[self.slot(region, i) + 1] = FREE

    def slot(self, region: int, i: int) -> int:
        """The index of connection slot `i` of a region."""
        return region * self.size + HEAD + i * SLOT

    def connections(self, region: int) -> Iterator[tuple[int, float, float]]:
        """(id, state, query start) of each connection a worker holds."""
        for i in range(self.slots):
            at = self.slot(region, i)
            if self.cells[at + 1] != FREE:
                yield int(self.cells[at]), self.cells[at + 1], self.cells[at + 2]

    def total(self, field: int) -> int:
        """Connections open (field 0) or queries running (field 1) in all workers."""
        return int(sum(self.cells[region * self.size + field] for region in range(self.regions)))


class Connection:
    """A client connection as its worker holds it."""

    __slots__ = ("at", "handed_over", "id", "sock")

    def __init__(self, sock: socket.socket, ident: int, at: int):
        self.sock, self.id, self.at = sock, ident, at
        self.handed_over = False    # left open for the pool to give to another worker


class Retired(Exception):
    """The worker is stopping: an idle connection is left to the pool."""


# ------------------------------------------------------------------ a worker process
def _worker(listen: socket.socket, ctl: socket.socket, table: Table, region: int, settings: Settings,
            memory: bool, serial: int) -> None:
    """A worker process's life (quietly over when the pool is gone: kg serve is stopping)."""
    sys.unraisablehook = _one_line
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        _work(listen, ctl, table, region, settings, memory, serial)


def _one_line(u: Any) -> None:
    """An error Python can only report (a thread that could not start for want of memory, say), in one line."""
    print(f"kg serve: {u.err_msg or 'ignored error'}: {u.exc_type.__name__}: {u.exc_value}", file=sys.stderr)


def _work(listen: socket.socket, ctl: socket.socket, table: Table, region: int, settings: Settings,
          memory: bool, serial: int) -> None:
    """Serve connections from the shared in-memory copy (a worker forked from the fork server that
    holds it) or from the store on disk, until the pool says to stop or closes the control socket."""
    import resource

    limit = settings.max_memory << 20
    if memory:
        from . import shared_store
        if shared_store.STORE is None:
            ctl.send(b"e " + (shared_store.ERROR or "the in-memory copy of the store is missing").encode())
            return
        store = shared_store.STORE
    else:
        store = ox.Store.read_only(str(Path(settings.store) / "oxigraph"))
    used = _data_bytes()
    if used > limit * 0.8:
        ctl.send(b"e " + (f"a query worker needs {used >> 20} MB to hold the store, too close to the memory "
                          f"limit of {settings.max_memory} MB per worker: raise it (--max-memory) or query "
                          "the store on disk (--on-disk)").encode())
        return
    threading.stack_size(STACK)
    stacks = (table.slots + 4) * STACK   # the connections' threads reserve their stacks as data
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_DATA, (limit + stacks, limit + stacks))
    sandboxed = settings.allow_service or forbid_network()
    Worker(listen, ctl, table, region, settings, store, serial).run(sandboxed)


class Worker:
    """One worker process: an accepting loop, a thread per connection, the control socket."""

    def __init__(self, listen: socket.socket, ctl: socket.socket, table: Table, region: int,
                 settings: Settings, store, serial: int):
        from .server import Handler
        self.listen, self.ctl, self.table, self.region = listen, ctl, table, region
        self.settings, self.store, self.serial = settings, store, serial
        self.handler = Handler
        self.lock = threading.Lock()
        self.room = threading.Condition(self.lock)
        self.free = list(range(table.slots - 1, -1, -1))
        self.go = threading.Event()
        self.retiring = False
        self.wake, self._wake_w = os.pipe()   # readable once the worker retires: idle connections stop waiting
        self._count = 0
        self._base = region * table.size

    def run(self, sandboxed: bool) -> None:
        self.ctl.send(b"ready %d" % sandboxed)
        threading.Thread(target=self._control, daemon=True, name="kg-worker-control").start()
        self.go.wait()
        while not self.retiring:
            with self.room:
                while not self.free and not self.retiring:
                    self.room.wait()
            if self.retiring:
                break
            select.select([self.listen.fileno(), self.wake], [], [])
            if self.retiring:
                break
            try:
                sock, _ = self.listen.accept()
            except (BlockingIOError, InterruptedError):
                continue     # another worker took it
            except OSError:
                time.sleep(0.05)   # out of descriptors for a moment
                continue
            self._count += 1
            ident = (self.serial << 32) | self._count
            try:
                socket.send_fds(self.ctl, [b"o %d" % ident], [sock.fileno()])
            except OSError:
                sock.close()
                return      # the pool is gone
            self._open(sock, ident, READING)
        with self.room:
            while len(self.free) < self.table.slots:
                self.room.wait()
        with contextlib.suppress(OSError):
            self.ctl.send(b"r")

    def _control(self) -> None:
        """Messages from the pool: a connection to adopt, go (accept), quit (retire)."""
        while True:
            try:
                message, fds, _, _ = socket.recv_fds(self.ctl, 64, 1)
            except OSError:
                message, fds = b"", []
            if not message:
                os._exit(0)      # the pool is gone
            kind = message[:1]
            if kind == b"a" and fds:
                self._open(socket.socket(fileno=fds[0]), int(message[2:]), IDLE)
            elif kind == b"g":
                self.go.set()
            elif kind == b"q":
                with self.room:
                    self.retiring = True
                    self.room.notify_all()
                os.write(self._wake_w, b"q")
                self.go.set()

    def _open(self, sock: socket.socket, ident: int, state: float) -> None:
        with self.lock:
            if not self.free:
                sock.close()
                return
            i = self.free.pop()
            at = self.table.slot(self.region, i)
            cells = self.table.cells
            cells[at], cells[at + 1], cells[at + 2] = float(ident), state, 0.0
            cells[self._base] += 1
        try:
            threading.Thread(target=self._serve, args=(Connection(sock, ident, at), i), daemon=True).start()
        except RuntimeError:      # no thread to be had: the connection is closed
            self._closed(Connection(sock, ident, at), i)

    def _serve(self, conn: Connection, i: int) -> None:
        try:
            self.handler(conn, self)
        except Exception as e:  # noqa: BLE001 - one connection's failure is logged in one line, the worker goes on
            if not isinstance(e, (OSError, TimeoutError)):
                print(f"kg serve: a connection failed: {type(e).__name__}: {e}", file=sys.stderr)
        finally:
            self._closed(conn, i)

    def _closed(self, conn: Connection, i: int) -> None:
        if conn.handed_over:
            conn.sock.close()        # the pool holds it open for the next worker
        else:
            with contextlib.suppress(OSError):
                conn.sock.shutdown(socket.SHUT_RDWR)
            conn.sock.close()
            with contextlib.suppress(OSError):
                self.ctl.send(b"c %d" % conn.id)
        with self.room:
            cells = self.table.cells
            cells[conn.at], cells[conn.at + 1] = 0.0, FREE
            cells[self._base] -= 1
            self.free.append(i)
            self.room.notify_all()

    def state(self, conn: Connection, state: float) -> None:
        self.table.cells[conn.at + 1] = state

    def answer(self, conn: Connection, sparql: bytes | bytearray, select_fmt: str, graph_fmt: str) -> Answer:
        """Answer one query on a connection (503 at once when too many are running)."""
        s = self.settings
        cells = self.table.cells
        with self.lock:
            if self.table.total(1) >= s.workers + s.max_queue:
                return _text(503, "all query workers are busy; try again", {"Retry-After": "1"})
            cells[self._base + 1] += 1       # this worker's queries running
        cells[conn.at + 2] = time.monotonic()
        cells[conn.at + 1] = QUERY
        try:
            return _answer(self.store, (sparql, select_fmt, graph_fmt), s)
        except MemoryError:
            return _memory_answer(s)
        finally:
            cells[conn.at + 1] = WRITING
            with self.lock:
                cells[self._base + 1] -= 1


def _memory_answer(settings: Settings) -> Answer:
    return _text(503, f"query stopped: its worker needed more memory than the limit of {settings.max_memory} MB "
                      "(for this query or one running beside it); narrow it (fewer joins, a LIMIT) and try again, "
                      "or ask the operator for --max-memory")


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


_CHECKED: dict[str, tuple[Answer | None, int | None]] = {}   # a query's text -> what _check said


def _check(sparql: str, settings: Settings) -> tuple[Answer | None, int | None]:
    """(the answer refusing the query, or None; the LIMIT it ends with, or None)."""
    if is_update(sparql):
        return _text(403, "updates are not allowed: this endpoint is read-only"), None
    try:
        check_query(sparql, settings.allow_service)
    except QueryError as e:
        return _text(400, str(e)), None
    return None, final_limit(sparql)


def _answer(store, job: tuple[bytes | bytearray, str, str], settings: Settings) -> Answer:
    raw, select_fmt, graph_fmt = job
    sparql = raw.decode("utf-8", errors="replace")
    refused, limit = cached(_CHECKED, sparql, lambda text: _check(text, settings), keep=len(sparql) <= 4096)
    if refused is not None:
        return refused
    headers: dict[str, str] = {}
    try:
        result = store.query(sparql, use_default_graph_as_union=True, prefixes=PREFIXES)
        if isinstance(result, ox.QueryBoolean):
            return (200, SELECT_TYPES[select_fmt if select_fmt in ("json", "xml") else "json"],
                    ask_result(bool(result), select_fmt), headers)
        if isinstance(result, ox.QuerySolutions) and select_fmt in NATIVE_FORMATS:
            small = limit is not None and limit <= settings.max_rows
            native = native_select(result, select_fmt, settings.max_rows, settings.max_bytes, small=small)
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
        return _text(503, f"query stopped: its result is larger than the limit of {settings.max_bytes} bytes; "
                          "ask for fewer rows (LIMIT) or shorter values")
    except SyntaxError as e:
        return _text(400, f"SPARQL syntax error: {e}")
    except MemoryError:
        return _memory_answer(settings)
    except Exception as e:  # noqa: BLE001 - reported to the client, the worker lives on
        return _text(500, f"query failed: {e}")


