"""`kg serve`: a read-only SPARQL 1.1 Protocol endpoint over the store, safe to expose.

Queries run in worker processes that hold the graph in memory, so a query that runs past
the time limit or over the memory limit is stopped for real (its worker is killed and
replaced) and the others go on.  GET and POST (application/sparql-query and form-encoded)
are accepted; results come as SPARQL JSON, XML, CSV or TSV, and CONSTRUCT/DESCRIBE graphs
as Turtle, JSON-LD or N-Triples, by Accept header (or ?format=).  Updates are refused with
403.  GET / shows a small query page that needs no internet.

What an attacker can make it do is bounded:
  - no outbound connection: SERVICE is refused with 400 (unless `allow_service`), and on
    Linux the workers cannot open an internet socket at all;
  - per query: `timeout` seconds, `max_memory` MB (RLIMIT_DATA in the worker, and its RSS
    watched from here), `max_rows` rows and `max_bytes` bytes of result (503 with the reason);
  - per request: a body of at most MAX_BODY bytes whatever Content-Length says, a head of at
    most MAX_HEAD bytes, all of it within `read_timeout` seconds;
  - under load: at most `max_connections` connections and `workers` + `max_queue` queries at
    once; beyond that the answer is an immediate 503.
"""
from __future__ import annotations

import contextlib
import ctypes
import io
import multiprocessing as mp
import os
import platform
import queue
import re
import selectors
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .errors import KGError
from .results import GRAPH_TYPES, SELECT_TYPES

MAX_BODY = 1_000_000    # bytes of a POST body
MAX_HEAD = 65_536       # bytes of the request line and headers together
WRITE_TIMEOUT = 30.0    # seconds to hand a response to a client that reads slowly

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


def _worker(conn, settings: Settings) -> None:
    import resource

    import pyoxigraph as ox

    disk = ox.Store.read_only(str(Path(settings.store) / "oxigraph"))
    limit = settings.max_memory << 20
    store, note = disk, ""
    if settings.in_memory:
        need = len(disk) * 500   # bytes per triple of pyoxigraph 0.5's in-memory store, measured
        if _data_bytes() + need < limit * 0.6:
            store = ox.Store()
            store.bulk_extend(disk.quads_for_pattern(None, None, None, None))
            del disk
        else:
            note = (f"the store would take about {need >> 20} MB in memory, too much for the memory limit of "
                    f"{settings.max_memory} MB per worker: querying it on disk (raise --max-memory to keep "
                    "a copy in memory)")
    used = _data_bytes()
    if used > limit * 0.8:
        conn.send(("error", f"a query worker needs {used >> 20} MB to hold the store, too close to the memory "
                            f"limit of {settings.max_memory} MB per worker: raise it (--max-memory) or query "
                            "the store on disk (--on-disk)"))
        return
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    sandboxed = settings.allow_service or forbid_network()
    conn.send(("ready", sandboxed, note))
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
    from .results import ask_result, graph_results, select_results

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
    def __init__(self, settings: Settings):
        self.settings = settings
        self._ctx = mp.get_context("spawn")
        self._idle: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._pending = 0
        self._procs: set = set()
        self._closed = False
        self.sandboxed = False   # whether the workers cannot open internet sockets (see forbid_network)
        self.note = ""           # what the operator should know (the store is queried on disk, ...)
        for _ in range(settings.workers):
            self._idle.put(self._spawn())

    def _spawn(self):
        parent, child = self._ctx.Pipe()
        proc = self._ctx.Process(target=_worker, args=(child, self.settings), daemon=True)
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
        self.sandboxed, self.note = bool(message[1]), message[2]
        with self._lock:
            self._procs.add(proc)
        return proc, parent

    def _replace(self, proc, conn) -> None:
        """Kill a worker and, once its memory is given back, start another (in the background)."""
        def run() -> None:
            proc.kill()
            proc.join(10)
            conn.close()
            with self._lock:
                self._procs.discard(proc)
            for attempt in range(5):
                if self._closed:
                    return
                try:
                    self._idle.put(self._spawn())
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


# ------------------------------------------------------------------ HTTP
def _negotiate(accept: str, fmt: str | None) -> tuple[str, str]:
    """(select format, graph format) from ?format= or the Accept header."""
    if fmt:
        f = fmt.lower()
        alias = {"json-ld": "jsonld", "ttl": "turtle", "nt": "ntriples", "srj": "json", "srx": "xml"}
        f = alias.get(f, f)
        return (f if f in SELECT_TYPES else "json"), (f if f in GRAPH_TYPES else "turtle")
    accept = (accept or "").lower()
    select, graph = "json", "turtle"
    ranked = []
    for part in accept.split(","):
        bits = part.strip().split(";")
        q = 1.0
        for b in bits[1:]:
            if b.strip().startswith("q="):
                try:
                    q = float(b.strip()[2:])
                except ValueError:
                    q = 0.0
        ranked.append((q, bits[0].strip()))
    ranked.sort(key=lambda x: -x[0])
    sel_by_type = {v: k for k, v in SELECT_TYPES.items()} | {"application/json": "json", "text/xml": "xml",
                                                             "application/xml": "xml"}
    graph_by_type = {v: k for k, v in GRAPH_TYPES.items()} | {"application/json": "jsonld",
                                                             "application/x-turtle": "turtle"}
    for _, mime in ranked:
        if mime in sel_by_type:
            select = sel_by_type[mime]
            break
    for _, mime in ranked:
        if mime in graph_by_type:
            graph = graph_by_type[mime]
            break
    return select, graph


class _RequestTooLarge(Exception):
    pass


class _RequestReader(io.RawIOBase):
    """The connection's input, read within a deadline and a byte budget for each request.

    A socket timeout alone lets a client hold a connection forever by sending a byte now and
    then; here every read checks the time left for the whole request."""

    def __init__(self, sock: socket.socket):
        self._sock = sock
        self._deadline = 0.0
        self._budget = 0
        self.limit = 0.0

    def begin(self, seconds: float, budget: int) -> None:
        self.limit = seconds
        self._deadline = time.monotonic() + seconds
        self._budget = budget

    def allow(self, more: int) -> None:
        self._budget += more

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"request not received within {self.limit:g} s")
        if self._budget <= 0:
            raise _RequestTooLarge
        view = memoryview(b)[:self._budget]
        self._sock.settimeout(left)
        n = self._sock.recv_into(view)
        self._budget -= n
        return n


_BIG_BODY = threading.Lock()   # one large form body decoded at a time, so their copies do not add up


class Handler(BaseHTTPRequestHandler):
    server_version = "cchc-kg-sparql/0.2"
    pool: WorkerPool
    read_timeout = 10.0
    quiet = True

    def log_message(self, fmt, *args):
        if not self.quiet:
            super().log_message(fmt, *args)

    def setup(self) -> None:
        super().setup()
        self.rfile.close()
        self._reader = _RequestReader(self.connection)
        self.rfile = io.BufferedReader(self._reader, 8192)
        self._unread = False

    def handle_one_request(self) -> None:
        self._reader.begin(self.read_timeout, MAX_HEAD + 8192)
        try:
            super().handle_one_request()
        except _RequestTooLarge:
            self.close_connection = self._unread = True
            with contextlib.suppress(OSError):
                self._error(431, f"request head too large (at most {MAX_HEAD} bytes)")

    def finish(self) -> None:
        if self._unread:   # answered without reading the body: let the client read the answer before closing
            with contextlib.suppress(OSError, _RequestTooLarge):
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_WR)
                self._reader.begin(1.0, 256 * 1024)
                while self._reader.readinto(bytearray(65536)):
                    pass
        with contextlib.suppress(OSError, _RequestTooLarge):
            super().finish()

    def _send(self, status: int, ctype: str, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.connection.settimeout(max(WRITE_TIMEOUT, self.read_timeout))
        self.send_response(status)
        self.send_header("Content-Type", ctype + ("; charset=utf-8" if ctype.startswith(("text/", "application/sparql"))
                                                  or "json" in ctype else ""))
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Access-Control-Allow-Origin", "*")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if self._unread:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        self._send(*_text(status, message, headers))

    def do_GET(self):
        url = urlsplit(self.path)
        params = parse_qs(url.query)
        if url.path in ("/", "/sparql") and "query" not in params and "update" not in params:
            from .resources import query_page
            self._send(200, "text/html", query_page())
            return
        if url.path != "/sparql":
            self._error(404, "not found: the endpoint is /sparql")
            return
        if "update" in params:
            self._error(403, "updates are not allowed: this endpoint is read-only")
            return
        self._query(params.get("query", [""])[0].encode("utf-8"), params.get("format", [None])[0])

    def do_HEAD(self):
        self.do_GET()

    def _body_length(self) -> int | None:
        """The body's length from the headers, or None once the request has been refused."""
        if self.headers.get("Transfer-Encoding"):
            self._unread = True
            self._error(411, "send the body with a Content-Length (chunked bodies are not accepted)")
            return None
        values = {v.strip() for v in self.headers.get_all("Content-Length") or []}
        if not values:
            return 0
        value = values.pop()
        if values or not re.fullmatch(r"[0-9]{1,15}", value):
            self._unread = True
            self._error(400, "bad Content-Length header: one decimal number of bytes is expected")
            return None
        if int(value) > MAX_BODY:
            self._unread = True
            self._error(413, f"request body too large (at most {MAX_BODY} bytes)")
            return None
        return int(value)

    def do_POST(self):
        url = urlsplit(self.path)
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if url.path != "/sparql":
            self._unread = True
            self._error(404, "not found: the endpoint is /sparql")
            return
        if ctype == "application/sparql-update":
            self._unread = True
            self._error(403, "updates are not allowed: this endpoint is read-only")
            return
        if ctype not in ("application/sparql-query", "application/x-www-form-urlencoded", ""):
            self._unread = True
            self._error(415, f"unsupported Content-Type {ctype!r}: use application/sparql-query or a form")
            return
        length = self._body_length()
        if length is None:
            return
        self._reader.allow(length)
        try:
            body = self.rfile.read(length)
        except TimeoutError:
            self._unread = True
            self._error(408, f"request body not received within {self.read_timeout:g} s")
            return
        if len(body) < length:
            self._error(400, "request body shorter than its Content-Length")
            return
        fmt = parse_qs(url.query).get("format", [None])[0]
        if ctype == "application/sparql-query":
            self._query(body, fmt)
            return
        with _BIG_BODY if length > 65536 else contextlib.nullcontext():
            form = parse_qs(body.decode("utf-8", errors="replace"))
            del body
            if "update" in form:
                self._error(403, "updates are not allowed: this endpoint is read-only")
                return
            sparql = form.get("query", [""])[0].encode("utf-8")
            fmt = form.get("format", [fmt])[0]
            del form
        self._query(sparql, fmt)

    def _query(self, sparql: bytes, fmt: str | None) -> None:
        if not sparql.strip():
            self._error(400, "missing query")
            return
        select_fmt, graph_fmt = _negotiate(self.headers.get("Accept", ""), fmt)
        self._send(*self.pool.run(sparql, select_fmt, graph_fmt))


_BUSY_TEXT = b"server busy: too many connections open; try again\n"
_BUSY = (b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
         b"Content-Length: %d\r\nRetry-After: 1\r\nConnection: close\r\n\r\n%s" % (len(_BUSY_TEXT), _BUSY_TEXT))


class _Rejector(threading.Thread):
    """Answers the connections over the limit with 503 from one thread, and closes each once the
    client has read the answer and closed (or after two seconds): closing at once could reset the
    connection before the client reads.  At most `most` are held; beyond that they are closed."""

    def __init__(self, most: int = 1024):
        super().__init__(daemon=True, name="kg-serve-rejector")
        self._new: queue.SimpleQueue = queue.SimpleQueue()
        self._held = threading.BoundedSemaphore(most)

    def reject(self, sock: socket.socket) -> None:
        held = self._held.acquire(blocking=False)
        try:
            sock.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                sock.recv(65536)
            sock.send(_BUSY)
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            if held:
                self._held.release()
            held = False
        if held:
            self._new.put(sock)
        else:
            sock.close()

    def run(self) -> None:
        sel = selectors.DefaultSelector()
        until: dict[socket.socket, float] = {}
        while True:
            if not until:
                sock = self._new.get()
                until[sock] = time.monotonic() + 2.0
                sel.register(sock, selectors.EVENT_READ, sock)
            with contextlib.suppress(queue.Empty):
                while True:
                    sock = self._new.get_nowait()
                    until[sock] = time.monotonic() + 2.0
                    sel.register(sock, selectors.EVENT_READ, sock)
            events = sel.select(0.2)
            now = time.monotonic()
            done = {key.data for key, _ in events if not self._drain(key.data)}
            done |= {s for s, t in until.items() if t <= now}
            for s in done:
                sel.unregister(s)
                del until[s]
                s.close()
                self._held.release()

    @staticmethod
    def _drain(sock: socket.socket) -> bool:
        """Read what the client sent; False once it has closed."""
        try:
            return bool(sock.recv(65536))
        except BlockingIOError:
            return True
        except OSError:
            return False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address, handler, max_connections: int):
        self._slots = threading.BoundedSemaphore(max_connections)
        self._rejector = _Rejector()
        self._rejector.start()
        super().__init__(address, handler)

    def process_request(self, request, client_address):
        if not self._slots.acquire(blocking=False):
            self._rejector.reject(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], (OSError, TimeoutError)):
            return   # a client went away or stalled: nothing to report
        super().handle_error(request, client_address)


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000,
          ready: Callable[[str], object] | None = None) -> None:
    from .store import open_store
    open_store(settings.store)  # a clear error before any worker starts
    pool = WorkerPool(settings)
    if pool.note:
        print(f"kg serve: {pool.note}", file=sys.stderr)
    handler = type("BoundHandler", (Handler,), {"pool": pool, "read_timeout": settings.read_timeout})
    try:
        httpd = _Server((host, port), handler, settings.max_connections)
    except BaseException:
        pool.close()
        raise
    if ready:
        bound_host, bound_port = httpd.server_address[:2]
        if isinstance(bound_host, (bytes, bytearray)):
            bound_host = bound_host.decode()
        ready(f"http://{bound_host}:{bound_port}/sparql")
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
        pool.close()
