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
import queue
import re
import select
import selectors
import socket
import sys
import threading
import time
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from .results import GRAPH_TYPES, SELECT_TYPES
from .workers import (
    IDLE,
    READING,
    WRITING,
    Answer,
    Connection,
    EndpointError,
    Retired,
    Settings,
    Worker,
    _text,
    cached,
    response_head,
)

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


# At most four large requests (a body past 64 KB) decoded, checked and answered at once in a worker, so
# that their copies (a 1 MB form makes about 20 MB of them) stay well within the worker's memory limit.
_BIG_REQUEST = threading.BoundedSemaphore(4)
_METHODS = frozenset({"GET", "HEAD", "POST"})


class _Close(Exception):
    """The client went away, or its request was answered and the connection must close."""


def _split_target(target: str) -> tuple[str, dict[str, list[str]]]:
    url = urlsplit(target)
    return url.path, parse_qs(url.query)


_TARGETS: dict[str, tuple[str, dict[str, list[str]]]] = {}   # request target -> (path, query parameters)
_FORMATS: dict[tuple[str, str | None], tuple[str, str]] = {}   # (Accept, ?format=) -> formats


class Handler:
    """The requests of one connection, in its worker's thread: runs them all when made.

    The socket stays non-blocking: each request's head (and body) is read with recv straight into a
    buffer, within one deadline for the whole request and a cap on its size, and each answer leaves
    in one send of head and body.  Between requests the connection waits for the next one or for its
    worker to retire (then the connection, with nothing of the next request read, is left for the
    pool to hand to another worker)."""

    def __init__(self, conn: Connection, worker: Worker):
        self.conn, self.worker, self.sock = conn, worker, conn.sock
        self.read_timeout = worker.settings.read_timeout
        self.buf = bytearray()             # bytes received and not yet used (a pipelined request)
        self.close_connection = False
        self._unread = False               # answered without reading the whole request: drain before closing
        self._deadline = 0.0
        self.command = self.request_version = ""
        self.headers = _Headers()
        self._poll = select.poll()
        self._poll.register(self.sock, select.POLLIN)
        self._poll.register(worker.wake, select.POLLIN)
        with contextlib.suppress(OSError):
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)   # an answer leaves at once
        self.sock.setblocking(False)
        try:
            while not self.close_connection:
                self._one()
        except Retired:
            conn.handed_over = True
            return
        except (_Close, TimeoutError, ConnectionError):
            pass
        self._finish()

    # ---------------------------------------------------------------- reading
    def _wait(self, event: int) -> None:
        """Until the socket is readable (or writable), within the request's deadline."""
        left = self._deadline - time.monotonic()
        if left > 0:
            poll = select.poll()
            poll.register(self.sock, event)
            if poll.poll(left * 1000):
                return
        raise TimeoutError

    def _receive(self, most: int) -> None:
        """Some more bytes of the request into the buffer (at most `most`); _Close when the client closed."""
        while True:
            try:
                data = self.sock.recv(most)
            except BlockingIOError:
                self._wait(select.POLLIN)
                continue
            if not data:
                raise _Close
            self.buf += data
            return

    def _next(self) -> None:
        """Wait for the next request (or for the worker to retire, when nothing of one is here)."""
        if self.buf.strip(b"\r\n"):
            self.worker.state(self.conn, READING)
            return
        self.buf.clear()
        self.worker.state(self.conn, IDLE)
        ready = {fd for fd, _ in self._poll.poll(self.read_timeout * 1000)}
        if not ready:
            raise _Close          # idle past the deadline
        if self.sock.fileno() not in ready:
            raise Retired
        self.worker.state(self.conn, READING)

    def _head(self) -> str | None:
        """The request line and headers as text (the buffer keeps what follows), or None once refused."""
        searched = 0
        while True:
            while self.buf[:1] in (b"\r", b"\n"):     # blank lines before a request are ignored
                del self.buf[:1]
            end = self.buf.find(b"\n\r\n", max(searched - 2, 0))
            size = 3
            bare = self.buf.find(b"\n\n", max(searched - 1, 0), end if end >= 0 else len(self.buf))
            if bare >= 0:
                end, size = bare, 2
            if 0 <= end <= MAX_HEAD:
                head = self.buf[:end].decode("iso-8859-1")
                del self.buf[:end + size]
                return head
            searched = len(self.buf)
            if searched > MAX_HEAD or end > MAX_HEAD:
                self._unread = True
                line = self.buf.find(b"\n")
                if line < 0 or line > MAX_HEAD:
                    self._error(414, f"request line too long (at most {MAX_HEAD} bytes)")
                else:
                    self._error(431, f"request head too large (at most {MAX_HEAD} bytes)")
                return None
            self._receive(MAX_HEAD + 8192 - searched)

    def _body(self, length: int) -> bytearray | None:
        """The request's body of `length` bytes, or None once refused (408, or 400 when cut short)."""
        body = bytearray(length)
        have = min(len(self.buf), length)
        body[:have] = self.buf[:have]
        del self.buf[:have]
        view = memoryview(body)
        try:
            while have < length:
                try:
                    n = self.sock.recv_into(view[have:])
                except BlockingIOError:
                    self._wait(select.POLLIN)
                    continue
                if not n:
                    raise _Close
                have += n
        except TimeoutError:
            self._unread = True
            self._error(408, f"request body not received within {self.read_timeout:g} s")
            return None
        except _Close:
            self.close_connection = True
            self._error(400, "request body shorter than its Content-Length")
            return None
        finally:
            view.release()
        return body

    def _one(self) -> None:
        """Read one request and answer it."""
        self._next()
        self._deadline = time.monotonic() + self.read_timeout
        self._unread = False
        self.command = ""
        try:
            head = self._head()
        except TimeoutError:
            raise _Close from None     # a request not received in time: the connection closes, as if idle
        if head is None or not self._parse(head):
            self.close_connection = True
            return
        if self.command == "GET" or self.command == "HEAD":
            self.do_GET()
        elif self.command == "POST":
            self.do_POST()
        else:
            self._unread = True
            self._error(501, f"unsupported method ({self.command!r}): use GET or POST")

    def _parse(self, head: str) -> bool:
        """The request line and headers (as http.server reads them); False once refused."""
        lines = head.split("\n")
        requestline = lines[0].rstrip("\r")
        words = requestline.split()
        self.close_connection = True
        self.request_version = "HTTP/0.9"
        if len(words) >= 3:
            version = words[-1]
            number = version[5:].split(".") if version.startswith("HTTP/") else []
            if len(number) != 2 or not all(n.isdigit() and len(n) <= 10 for n in number):
                self._error(400, f"bad request version ({version!r})")
                return False
            major_minor = int(number[0]), int(number[1])
            if major_minor >= (2, 0):
                self._error(505, f"HTTP version not supported ({version[5:]})")
                return False
            self.close_connection = major_minor < (1, 1)
            self.request_version = version
        if not 2 <= len(words) <= 3:
            self._error(400, f"bad request syntax ({requestline[:200]!r})")
            return False
        self.command, self.path = words[0], words[1]
        if len(words) == 2 and self.command != "GET":
            self._error(400, f"bad HTTP/0.9 request type ({self.command[:20]!r})")
            return False
        if self.path.startswith("//"):
            self.path = "/" + self.path.lstrip("/")
        headers = self.headers = _Headers()
        for line in lines[1:]:
            if len(headers) >= 100:
                self._unread = True
                self._error(431, "too many headers (at most 100)")
                return False
            name, colon, value = line.partition(":")
            if colon:
                headers.add(name.strip(), value.strip())
        connection = (headers.get("Connection") or "").lower()
        if connection == "close":
            self.close_connection = True
        elif connection == "keep-alive":
            self.close_connection = False
        if self.command not in _METHODS:
            return True
        if (headers.get("Expect") or "").lower() == "100-continue" and self.request_version >= "HTTP/1.1":
            self._write(b"HTTP/1.1 100 Continue\r\n\r\n")
        return True

    # ---------------------------------------------------------------- writing
    def _write(self, data: bytes, body: bytes = b"") -> None:
        """`data` then `body`, in one system call when the client reads fast enough."""
        self._deadline = time.monotonic() + max(WRITE_TIMEOUT, self.read_timeout)
        views = [memoryview(part) for part in (data, body) if part]
        while views:
            try:
                sent = self.sock.sendmsg(views)
            except BlockingIOError:
                sent = 0
            while sent:
                if sent >= len(views[0]):
                    sent -= len(views.pop(0))
                else:
                    views[0], sent = views[0][sent:], 0
            if views:
                self._wait(select.POLLOUT)

    def _send(self, status: int, ctype: str, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.worker.state(self.conn, WRITING)
        if self._unread:
            self.close_connection = True
        data = response_head(status, ctype, len(body), headers or {}, self.close_connection)
        if self.command == "HEAD":
            self._write(data)
        elif len(body) <= 16384:
            self._write(data + body)
        else:
            self._write(data, body)

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        self._send(*_text(status, message, headers))

    def _finish(self) -> None:
        """Before closing: a client whose request was answered unread gets time to read the answer."""
        if not self._unread:
            return
        with contextlib.suppress(OSError, TimeoutError, _Close):
            self.sock.shutdown(socket.SHUT_WR)
            self._deadline = time.monotonic() + 1.0
            drained = 0
            while drained < 256 * 1024:
                self.buf.clear()
                self._receive(65536)
                drained += len(self.buf)

    # ---------------------------------------------------------------- requests
    def do_GET(self) -> None:
        path, params = cached(_TARGETS, self.path, _split_target, keep=len(self.path) <= 8192)
        if path in ("/", "/sparql") and "query" not in params and "update" not in params:
            from .resources import query_page
            self._send(200, "text/html", query_page())
            return
        if path != "/sparql":
            self._error(404, "not found: the endpoint is /sparql")
            return
        if "update" in params:
            self._error(403, "updates are not allowed: this endpoint is read-only")
            return
        self._query(params.get("query", [""])[0].encode("utf-8"), params.get("format", [None])[0])

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

    def do_POST(self) -> None:
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
        body = self._body(length)
        if body is None:
            return
        fmt = parse_qs(url.query).get("format", [None])[0]
        with _BIG_REQUEST if length > 65536 else contextlib.nullcontext():
            answer = self._posted(body, ctype == "application/sparql-query", fmt)
            del body
        self._send(*answer)

    def _posted(self, body: bytearray, sparql_query: bool, fmt: str | None) -> Answer:
        """The answer to a posted query (the body's own bytes, or a form's `query` field)."""
        if sparql_query:
            return self._answer(body, fmt)
        form = parse_qs(body.decode("utf-8", errors="replace"))
        if "update" in form:
            return _text(403, "updates are not allowed: this endpoint is read-only")
        return self._answer(form.get("query", [""])[0].encode("utf-8"), form.get("format", [fmt])[0])

    def _query(self, sparql: bytes, fmt: str | None) -> None:
        self._send(*self._answer(sparql, fmt))

    def _answer(self, sparql: bytes | bytearray, fmt: str | None) -> Answer:
        if not sparql.strip():
            return _text(400, "missing query")
        select_fmt, graph_fmt = cached(_FORMATS, (self.headers.get("Accept") or "", fmt), lambda k: _negotiate(*k))
        return self.worker.answer(self.conn, sparql, select_fmt, graph_fmt)


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
