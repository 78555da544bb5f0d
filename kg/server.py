"""`kg serve`: a read-only SPARQL 1.1 Protocol endpoint over the store, safe to expose.

The listening socket is shared by worker processes (`kg.workers`), which read the requests and answer
the queries themselves from one store they share (in memory, or on disk), so a request costs no
hand-over between processes; the pool (`kg.pool`) watches them, and a query that runs past the time
limit or over the memory limit is stopped for real (its worker is killed and replaced, the client
gets 503 with the reason) while the others go on.  Connections are kept open between requests
(HTTP/1.1), and results are written by the engine's own serializers.  GET and POST
(application/sparql-query and form-encoded) are accepted; results come as SPARQL JSON, XML, CSV or
TSV, and CONSTRUCT/DESCRIBE graphs as Turtle, JSON-LD or N-Triples, by Accept header (or ?format=).
Updates are refused with 403.  GET / shows a small query page that needs no internet.

What an attacker can make it do is bounded:
  - no outbound connection: SERVICE is refused with 400 (unless `allow_service`), and on
    Linux the workers cannot open an internet socket at all;
  - per query: `timeout` seconds, `max_rows` rows and `max_bytes` bytes of result (503 with the
    reason); per worker: `max_memory` MB (RLIMIT_DATA, and its resident size watched by the pool);
  - per request: a body of at most MAX_BODY bytes whatever Content-Length says, a head of at
    most MAX_HEAD bytes, all of it within `read_timeout` seconds;
  - under load: at most `max_connections` connections and `workers` + `max_queue` queries at
    once; beyond that the answer is an immediate 503.
"""
from __future__ import annotations

import contextlib
import email.utils
import io
import queue
import re
import select
import selectors
import socket
import sys
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from .results import GRAPH_TYPES, SELECT_TYPES
from .workers import IDLE, READING, WRITING, Connection, EndpointError, Retired, Settings, Worker, _text

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


class _Headers:
    """A request's headers: names without regard to case, each with its values in order."""

    def __init__(self) -> None:
        self._values: dict[str, list[str]] = {}
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, name: str, value: str) -> None:
        self._values.setdefault(name.lower(), []).append(value)
        self._count += 1

    def get(self, name: str, default: str | None = None) -> str | None:
        values = self._values.get(name.lower())
        return values[0] if values else default

    def get_all(self, name: str) -> list[str] | None:
        return self._values.get(name.lower())


_PHRASES = {s.value: s.phrase for s in HTTPStatus}
_DATE = [0, ""]


def _date() -> str:
    """The Date header's value, made once a second."""
    now = int(time.time())
    if _DATE[0] != now:
        _DATE[:] = [now, email.utils.formatdate(now, usegmt=True)]
    return str(_DATE[1])


class _RequestTooLarge(Exception):
    pass


class _RequestReader(io.RawIOBase):
    """The connection's input, read within a deadline and a byte budget for each request.

    A socket timeout alone lets a client hold a connection forever by sending a byte now and
    then; here every read checks the time left for the whole request.  Between requests it waits
    for the next one or for its worker to retire (then the connection, with nothing of the next
    request read, is left for the pool to hand to another worker)."""

    def __init__(self, conn: Connection, worker: Worker):
        self._sock = conn.sock
        self._conn = conn
        self._worker = worker
        self._deadline = 0.0
        self._budget = 0
        self._between = False
        self._poll = select.poll()
        self._poll.register(conn.sock, select.POLLIN)
        self._poll.register(worker.wake, select.POLLIN)
        self.limit = 0.0

    def begin(self, seconds: float, budget: int, between: bool = True) -> None:
        self.limit = seconds
        self._deadline = time.monotonic() + seconds
        self._budget = budget
        self._between = between

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
        if self._between:
            self._between = False
            self._worker.state(self._conn, IDLE)
            ready = {fd for fd, _ in self._poll.poll(left * 1000)}
            if not ready:
                raise TimeoutError(f"request not received within {self.limit:g} s")
            if self._sock.fileno() not in ready:
                raise Retired
            self._worker.state(self._conn, READING)
        view = memoryview(b)[:self._budget]
        self._sock.settimeout(max(self._deadline - time.monotonic(), 0.001))
        n = self._sock.recv_into(view)
        self._budget -= n
        return n


_BIG_BODY = threading.Lock()   # one large form body decoded at a time, so their copies do not add up


class Handler(BaseHTTPRequestHandler):
    """The requests of one connection, in its worker's thread: runs them all when made."""

    server_version = "cchc-kg-sparql/0.4"
    protocol_version = "HTTP/1.1"     # connections kept open between requests (each within read_timeout)
    disable_nagle_algorithm = True    # an answer leaves at once, not after a delayed ACK
    wbufsize = 1 << 16                # the head and a small body leave in one write (flushed per request)
    read_timeout = 10.0
    quiet = True

    def __init__(self, conn: Connection, worker: Worker):
        self.conn = conn
        self.worker = worker
        self.read_timeout = worker.settings.read_timeout
        super().__init__(conn.sock, ("client", 0), worker)   # type: ignore[arg-type]

    def parse_request(self) -> bool:
        """The request line and headers (as BaseHTTPRequestHandler reads them, without the email parser)."""
        self.command = None   # type: ignore[assignment]
        self.request_version = version = self.default_request_version
        self.close_connection = True
        raw: bytes = getattr(self, "raw_requestline", b"")
        self.requestline = requestline = str(raw, "iso-8859-1").rstrip("\r\n")
        words = requestline.split()
        if not words:
            return False
        if len(words) >= 3:
            version = words[-1]
            number = version[5:].split(".") if version.startswith("HTTP/") else []
            if len(number) != 2 or not all(n.isdigit() and len(n) <= 10 for n in number):
                self.send_error(HTTPStatus.BAD_REQUEST, f"Bad request version ({version!r})")
                return False
            major_minor = int(number[0]), int(number[1])
            if major_minor >= (2, 0):
                self.send_error(HTTPStatus.HTTP_VERSION_NOT_SUPPORTED, f"Invalid HTTP version ({version[5:]})")
                return False
            self.close_connection = major_minor < (1, 1)
            self.request_version = version
        if not 2 <= len(words) <= 3:
            self.send_error(HTTPStatus.BAD_REQUEST, f"Bad request syntax ({requestline!r})")
            return False
        self.command, self.path = words[:2]
        if len(words) == 2:
            self.close_connection = True
            if self.command != "GET":
                self.send_error(HTTPStatus.BAD_REQUEST, f"Bad HTTP/0.9 request type ({self.command!r})")
                return False
        if self.path.startswith("//"):
            self.path = "/" + self.path.lstrip("/")
        headers = _Headers()
        while True:
            line = self.rfile.readline(65537)
            if len(line) > 65536:
                self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Line too long")
                return False
            if line in (b"\r\n", b"\n", b""):
                break
            if len(headers) >= 100:
                self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Too many headers")
                return False
            name, colon, value = line.decode("iso-8859-1").partition(":")
            if colon:
                headers.add(name.strip(), value.strip())
        self.headers = headers   # type: ignore[assignment]
        connection = (headers.get("Connection") or "").lower()
        if connection == "close":
            self.close_connection = True
        elif connection == "keep-alive":
            self.close_connection = False
        if (headers.get("Expect") or "").lower() == "100-continue" and self.request_version >= "HTTP/1.1":
            return self.handle_expect_100()
        return True

    def log_message(self, fmt, *args):
        if not self.quiet:
            super().log_message(fmt, *args)

    def setup(self) -> None:
        super().setup()
        self.rfile.close()
        self._reader = _RequestReader(self.conn, self.worker)
        self.rfile = io.BufferedReader(self._reader, 8192)
        self._unread = False

    def handle_one_request(self) -> None:
        self._reader.begin(self.read_timeout, MAX_HEAD + 8192)
        try:
            super().handle_one_request()
        except Retired:
            self.close_connection = self.conn.handed_over = True
        except _RequestTooLarge:
            self.close_connection = self._unread = True
            with contextlib.suppress(OSError):
                self._error(431, f"request head too large (at most {MAX_HEAD} bytes)")

    def finish(self) -> None:
        if self.conn.handed_over:
            return
        if self._unread:   # answered without reading the body: let the client read the answer before closing
            with contextlib.suppress(OSError, _RequestTooLarge):
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_WR)
                self._reader.begin(1.0, 256 * 1024, between=False)
                while self._reader.readinto(bytearray(65536)):
                    pass
        with contextlib.suppress(OSError, _RequestTooLarge):
            super().finish()

    def _send(self, status: int, ctype: str, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.worker.state(self.conn, WRITING)
        self.connection.settimeout(max(WRITE_TIMEOUT, self.read_timeout))
        charset = "; charset=utf-8" if ctype.startswith(("text/", "application/sparql")) or "json" in ctype else ""
        head = [f"HTTP/1.1 {status} {_PHRASES.get(status, '')}\r\nServer: {self.server_version}\r\n"
                f"Date: {_date()}\r\nContent-Type: {ctype}{charset}\r\nContent-Length: {len(body)}\r\n"
                "Access-Control-Allow-Origin: *\r\n"]
        head += [f"{name}: {value}\r\n" for name, value in (headers or {}).items()]
        if self._unread or self.close_connection:
            head.append("Connection: close\r\n")
            self.close_connection = True
        head.append("\r\n")
        self.log_request(status, len(body))
        data = "".join(head).encode("latin-1")
        if self.command != "HEAD":
            data += body
        self.wfile.flush()
        self.connection.sendall(data)

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
        select_fmt, graph_fmt = _negotiate(self.headers.get("Accept") or "", fmt)
        self._send(*self.worker.answer(self.conn, sparql, select_fmt, graph_fmt))


class _Rejector(threading.Thread):
    """Sends a last answer (503) on connections and closes each from one thread once the client has
    read it and closed (or after two seconds): closing at once could reset the connection before the
    client reads.  At most `most` are held; beyond that they are closed."""

    def __init__(self, most: int = 1024):
        super().__init__(daemon=True, name="kg-serve-rejector")
        self._new: queue.SimpleQueue = queue.SimpleQueue()
        self._held = threading.BoundedSemaphore(most)

    def send_and_close(self, sock: socket.socket, data: bytes) -> None:
        held = self._held.acquire(blocking=False)
        try:
            sock.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                sock.recv(65536)
            sock.setblocking(True)
            sock.settimeout(1.0)
            sock.sendall(data)
            sock.setblocking(False)
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


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000,
          ready: Callable[[str], object] | None = None) -> None:
    from .pool import WorkerPool
    from .store import open_store
    kg = open_store(settings.store)  # a clear error before any worker starts
    triples = len(kg)
    del kg
    listen = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listen.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listen.bind((host, port))
        listen.listen(128)
        listen.setblocking(False)   # the workers wait in select and race to accept
    except OSError as e:
        listen.close()
        raise EndpointError(f"cannot listen on {host}:{port}: {e.strerror or e}") from e
    except BaseException:
        listen.close()
        raise
    rejector = _Rejector()
    rejector.start()
    try:
        pool = WorkerPool(settings, listen, triples, send_and_close=rejector.send_and_close)
    except BaseException:
        listen.close()
        raise
    if pool.note:
        print(f"kg serve: {pool.note}", file=sys.stderr)
    if ready:
        bound_host, bound_port = listen.getsockname()[:2]
        ready(f"http://{bound_host}:{bound_port}/sparql")
    try:
        pool.wait()
    except KeyboardInterrupt:
        pass
    finally:
        pool.close()
        listen.close()
