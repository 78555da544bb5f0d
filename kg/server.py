"""`kg serve`: a read-only SPARQL 1.1 Protocol endpoint over the store.

Queries run in worker processes that hold the graph in memory, so a query that runs past
the time limit is stopped for real (its worker is killed and replaced) and the others go
on.  GET and POST (application/sparql-query and form-encoded) are accepted; results come
as SPARQL JSON, XML, CSV or TSV, and CONSTRUCT/DESCRIBE graphs as Turtle, JSON-LD or
N-Triples, by Accept header (or ?format=).  Updates are refused with 403.  GET / shows a
small query page that needs no internet.
"""
from __future__ import annotations

import multiprocessing as mp
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from .query import PREFIXES, is_update
from .results import GRAPH_TYPES, SELECT_TYPES

MAX_BODY = 1_000_000


@dataclass
class Settings:
    store: Path
    timeout: float = 10.0
    max_rows: int = 10000
    workers: int = 2
    in_memory: bool = True


# ------------------------------------------------------------------ worker processes
def _worker(conn, store_path: str, in_memory: bool, max_rows: int) -> None:
    import pyoxigraph as ox

    from .results import ask_result, graph_results, select_results

    disk = ox.Store.read_only(str(Path(store_path) / "oxigraph"))
    if in_memory:
        store = ox.Store()
        store.bulk_extend(disk.quads_for_pattern(None, None, None, None))
    else:
        store = disk
    conn.send(("ready",))
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        sparql, select_fmt, graph_fmt = job
        try:
            result = store.query(sparql, use_default_graph_as_union=True, prefixes=PREFIXES)
            if isinstance(result, ox.QueryBoolean):
                conn.send((200, SELECT_TYPES.get(select_fmt if select_fmt in ("json", "xml") else "json"),
                           ask_result(bool(result), select_fmt)))
            elif isinstance(result, ox.QuerySolutions):
                names = [v.value for v in result.variables]
                rows: list[list[ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None]] = []
                for sol in result:
                    if len(rows) >= max_rows:
                        break
                    rows.append([sol[n] for n in names])
                conn.send((200, SELECT_TYPES[select_fmt], select_results(names, rows, select_fmt)))
            else:
                triples: list[ox.Triple] = []
                for t in result:
                    if len(triples) >= max_rows:
                        break
                    triples.append(t)
                conn.send((200, GRAPH_TYPES[graph_fmt], graph_results(triples, graph_fmt)))
        except SyntaxError as e:
            conn.send((400, "text/plain", f"SPARQL syntax error: {e}".encode()))
        except Exception as e:  # noqa: BLE001 - reported to the client, the worker lives on
            conn.send((500, "text/plain", f"query failed: {e}".encode()))


class WorkerPool:
    def __init__(self, settings: Settings):
        self.settings = settings
        self._ctx = mp.get_context("spawn")
        self._idle: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._all: list = []
        for _ in range(settings.workers):
            self._idle.put(self._spawn())

    def _spawn(self):
        parent, child = self._ctx.Pipe()
        proc = self._ctx.Process(target=_worker, args=(child, str(self.settings.store), self.settings.in_memory,
                                                       self.settings.max_rows), daemon=True)
        proc.start()
        if not parent.poll(300) or parent.recv() != ("ready",):
            proc.kill()
            raise RuntimeError("SPARQL worker did not start")
        with self._lock:
            self._all.append(proc)
        return proc, parent

    def run(self, sparql: str, select_fmt: str, graph_fmt: str) -> tuple[int, str, bytes]:
        try:
            proc, conn = self._idle.get(timeout=self.settings.timeout)
        except queue.Empty:
            return 503, "text/plain", b"all query workers are busy; try again"
        conn.send((sparql, select_fmt, graph_fmt))
        if conn.poll(self.settings.timeout):
            answer = conn.recv()
            self._idle.put((proc, conn))
            return answer
        proc.kill()
        threading.Thread(target=lambda: self._idle.put(self._spawn()), daemon=True).start()
        return (503, "text/plain",
                f"query stopped: it ran past the time limit of {self.settings.timeout:g} s".encode())

    def close(self) -> None:
        for p in self._all:
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


class Handler(BaseHTTPRequestHandler):
    server_version = "cchc-kg-sparql/0.1"
    pool: WorkerPool
    quiet = True

    def log_message(self, fmt, *args):
        if not self.quiet:
            super().log_message(fmt, *args)

    def _send(self, status: int, ctype: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype + ("; charset=utf-8" if ctype.startswith(("text/", "application/sparql"))
                                                  or "json" in ctype else ""))
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status: int, message: str) -> None:
        self._send(status, "text/plain", (message + "\n").encode("utf-8"))

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
        self._query(params.get("query", [""])[0], params.get("format", [None])[0])

    def do_HEAD(self):
        self.do_GET()

    def do_POST(self):
        url = urlsplit(self.path)
        if url.path != "/sparql":
            self._error(404, "not found: the endpoint is /sparql")
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._error(413, f"request body too large (at most {MAX_BODY} bytes)")
            return
        body = self.rfile.read(length).decode("utf-8", errors="replace")
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        fmt = parse_qs(url.query).get("format", [None])[0]
        if ctype == "application/sparql-update":
            self._error(403, "updates are not allowed: this endpoint is read-only")
            return
        if ctype == "application/sparql-query":
            self._query(body, fmt)
            return
        if ctype in ("application/x-www-form-urlencoded", ""):
            form = parse_qs(body)
            if "update" in form:
                self._error(403, "updates are not allowed: this endpoint is read-only")
                return
            self._query(form.get("query", [""])[0], form.get("format", [fmt])[0])
            return
        self._error(415, f"unsupported Content-Type {ctype!r}: use application/sparql-query or a form")

    def _query(self, sparql: str, fmt: str | None) -> None:
        if not sparql.strip():
            self._error(400, "missing query")
            return
        if is_update(sparql):
            self._error(403, "updates are not allowed: this endpoint is read-only")
            return
        select_fmt, graph_fmt = _negotiate(self.headers.get("Accept", ""), fmt)
        status, ctype, body = self.pool.run(sparql, select_fmt, graph_fmt)
        self._send(status, ctype, body)


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000,
          ready: Callable[[str], object] | None = None) -> None:
    from .store import open_store
    open_store(settings.store)  # a clear error before any worker starts
    pool = WorkerPool(settings)
    handler = type("BoundHandler", (Handler,), {"pool": pool})
    httpd = ThreadingHTTPServer((host, port), handler)
    httpd.daemon_threads = True
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
