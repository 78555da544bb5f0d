"""`kg serve`: a read-only SPARQL 1.1 Protocol endpoint over the store, safe to expose.

Queries run in worker processes (which share one in-memory copy of the store, see
`kg.workers`), so a query that runs past the time limit or over the memory limit is stopped
for real (its worker is killed and replaced) and the others go on.  Connections are kept
open between requests (HTTP/1.1), and results are written by the engine's own serializers.
GET and POST (application/sparql-query and form-encoded) are accepted; results come as
SPARQL JSON, XML, CSV or TSV, and CONSTRUCT/DESCRIBE graphs as Turtle, JSON-LD or N-Triples,
by Accept header (or ?format=).  Updates are refused with 403.  GET / shows a small query
page that needs no internet.

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
import io
import queue
import re
import selectors
import socket
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from .results import GRAPH_TYPES, SELECT_TYPES
from .workers import EndpointError, Settings, WorkerPool, _text

__all__ = ["EndpointError", "Settings", "serve"]

MAX_BODY = 1_000_000    # bytes of a POST body
MAX_HEAD = 65_536       # bytes of the request line and headers together
WRITE_TIMEOUT = 30.0    # seconds to hand a response to a client that reads slowly


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
    server_version = "cchc-kg-sparql/0.3"
    protocol_version = "HTTP/1.1"     # connections kept open between requests (each within read_timeout)
    disable_nagle_algorithm = True    # an answer leaves at once, not after a delayed ACK
    wbufsize = 1 << 16                # the head and a small body leave in one write (flushed per request)
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
    kg = open_store(settings.store)  # a clear error before any worker starts
    pool = WorkerPool(settings, len(kg))
    del kg
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
