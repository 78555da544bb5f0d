#!/usr/bin/env python3
"""Attack `kg serve` as a hostile client would and report, per probe: the HTTP status, the time
to the answer, the peak resident memory of the endpoint's whole process tree, and whether the
store still holds the same triples.

    python bench/endpoint_abuse.py --store data/build
    python bench/endpoint_abuse.py --store data/build --timeout 10 --read-timeout 10 --clients 500

The endpoint runs with its default settings (2 workers, --max-memory, --max-bytes, ...) unless
told otherwise, on a free 127.0.0.1 port; a listener on another 127.0.0.1 port stands for the
host a SERVICE clause would call, and counts every connection it receives.
"""
from __future__ import annotations

import argparse
import json
import os
import select
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from test_endpoint_abuse import tree_rss

MAX_BODY = 1_000_000
SERVER = """
import json, sys
from pathlib import Path
from kg.server import Settings, serve
serve(Settings(Path(sys.argv[1]), **json.loads(sys.argv[2])), port=0,
      ready=lambda url: print("Serving", url, flush=True))
"""


class Peak:
    """Samples the tree's RSS every 50 ms in the background; `take()` gives the peak since the last take."""

    def __init__(self, pid: int):
        self.pid, self.peak, self._stop = pid, 0, False
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while not self._stop:
            self.peak = max(self.peak, tree_rss(self.pid))
            time.sleep(0.05)

    def take(self) -> int:
        time.sleep(0.1)
        peak, self.peak = self.peak, tree_rss(self.pid)
        return peak

    def stop(self) -> None:
        self._stop = True


class Listener:
    """A TCP listener on 127.0.0.1 that counts the connections it receives."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = False
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop = True
        self.sock.close()


def http(url: str, query: str | None = None, timeout: float = 120) -> tuple[int, bytes]:
    data = urllib.parse.urlencode({"query": query}).encode() if query is not None else None
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except OSError as e:
        return 0, str(e).encode()


def raw(host: str, port: int, head: bytes, body: bytes = b"", trickle: float = 0.0,
        timeout: float = 60) -> tuple[str, float]:
    """Send a hand-made request (optionally the body a byte per `trickle` seconds); return the status
    line (or how the connection ended) and the seconds until then."""
    t = time.perf_counter()
    with socket.create_connection((host, port), timeout=timeout) as s:
        try:
            s.sendall(head)
            if trickle:
                for i in range(len(body)):
                    if select.select([s], [], [], trickle)[0]:
                        break   # the server answered (or closed) before the body was in
                    s.sendall(body[i:i + 1])
            else:
                s.sendall(body)
            got = s.recv(4096)
        except OSError as e:
            return f"closed ({type(e).__name__})", time.perf_counter() - t
    line = got.split(b"\r\n", 1)[0].decode("latin-1") if got else "closed by server"
    return line, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", default="data/build")
    ap.add_argument("--timeout", type=float, default=None, help="the endpoint's per-query time limit")
    ap.add_argument("--read-timeout", type=float, default=None, help="the endpoint's request-read deadline")
    ap.add_argument("--clients", type=int, default=500, help="concurrent runaway queries in the overload probe")
    args = ap.parse_args()
    settings = {k: v for k, v in (("timeout", args.timeout), ("read_timeout", args.read_timeout)) if v is not None}
    server = subprocess.Popen([sys.executable, "-c", SERVER, args.store, json.dumps(settings)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert server.stdout is not None and server.stderr is not None   # both are pipes
    url = server.stdout.readline().split()[1]
    host, port = urllib.parse.urlsplit(url).hostname or "127.0.0.1", urllib.parse.urlsplit(url).port or 80
    stderr: list[str] = []
    threading.Thread(target=lambda: stderr.extend(server.stderr or []), daemon=True).start()
    listener = Listener()
    peak = Peak(server.pid)

    def count() -> int:
        status, body = http(url, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        return int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) if status == 200 else -1

    first = count()
    print(f"endpoint {url} (pid {server.pid}), store {args.store}: {first} triples, "
          f"process tree {tree_rss(server.pid) / 2**20:.0f} MB at rest")
    print(f"{'probe':<36} {'status':<44} {'time':>6} {'peak tree':>9} {'triples':>16} {'calls out':>9}")

    def probe(name: str, run: Callable[[], str]) -> None:
        before, calls = count(), listener.connections
        peak.take()
        t = time.perf_counter()
        status = run()
        dt = time.perf_counter() - t
        top = peak.take()
        after = count()
        same = "same" if after == before else "CHANGED"
        print(f"{name:<36} {status[:44]:<44} {dt:5.1f}s {top / 2**20:7.0f}MB "
              f"{before:>6}->{after:<6} {same:<4} {listener.connections - calls:>9}", flush=True)

    svc = f"http://127.0.0.1:{listener.port}/sparql"

    def status_of(query: str) -> Callable[[], str]:
        def run() -> str:
            status, body = http(url, query)
            return f"{status} {body.decode('utf-8', 'replace').strip()[:60]}" if status != 200 else "200"
        return run

    probe("SERVICE <127.0.0.1>", status_of(f"SELECT * WHERE {{ SERVICE <{svc}> {{ ?s ?p ?o }} }}"))
    probe("SERVICE SILENT, lowercase", status_of(f"select * where {{ service silent <{svc}> {{ ?s ?p ?o }} }}"))
    probe("LATERAL + SERVICE ?var", status_of(f"SELECT * WHERE {{ VALUES ?x {{ <{svc}> }} "
                                               "LATERAL { SERVICE ?x { ?a ?b ?c } } }"))
    probe("SERVICE after ex:a\\# name", status_of("PREFIX ex: <http://e/> SELECT * WHERE { ?s ?p ?o "
                                                  f"OPTIONAL {{ ?s ex:a\\# ?x }} SERVICE <{svc}> {{ ?a ?b ?c }} }}"))
    probe("FROM / FROM NAMED remote IRI", status_of(f"SELECT (COUNT(*) AS ?n) FROM <{svc}> FROM NAMED <{svc}> "
                                                     "WHERE { ?s ?p ?o }"))
    probe("memory bomb (cross product+ORDER)", status_of("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f"))
    probe("memory bomb, 3-way", status_of("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i"))
    probe("normal query after the bombs", status_of("SELECT ?s WHERE { ?s a cchc:Document }"))
    values = " ".join(str(i) for i in range(90))
    probe("18 MB GROUP_CONCAT row", status_of("SELECT (GROUP_CONCAT(?v) AS ?all) WHERE { ?s ?p ?o "
                                              f"FILTER(isLiteral(?o)) VALUES ?k {{ {values} }} BIND(STR(?o) AS ?v) }}"))
    probe("runaway query (time limit)", status_of("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"))
    probe("nested 5000 deep", status_of("SELECT * WHERE " + "{" * 5000 + " ?s ?p ?o " + "}" * 5000))
    head = b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
    probe("Content-Length: -1", lambda: raw(host, port, head + b"Content-Length: -1\r\n\r\n", b"ASK {}")[0])
    probe("Content-Length: abc", lambda: raw(host, port, head + b"Content-Length: abc\r\n\r\n", b"ASK {}")[0])

    def huge() -> str:
        """Declare 50 MB, read the answer, then push the body: how much does the server take?"""
        with socket.create_connection((host, port), timeout=5) as s:
            s.sendall(head + b"Content-Length: 50000000\r\n\r\n")
            line = s.recv(4096).split(b"\r\n", 1)[0].decode("latin-1")
            sent, chunk = 0, b"#" * 65536
            try:
                while sent < 50_000_000:
                    sent += s.send(chunk)
            except OSError:
                pass
        return f"{line[9:12]}, took {sent / 2**20:.1f} of 50 MB"

    probe("Content-Length: 50 MB", huge)
    two = head + b"Content-Length: 6\r\nContent-Length: 60\r\n\r\n"
    probe("two Content-Length headers", lambda: raw(host, port, two, b"ASK {}")[0])

    def timed(run: Callable[[], tuple[str, float]]) -> Callable[[], str]:
        return lambda: "{} after {:.1f}s".format(*run())

    probe("half-sent head", timed(lambda: raw(host, port, b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n")))
    probe("idle connection", timed(lambda: raw(host, port, b"")))
    probe("body at 1 byte/s", timed(lambda: raw(host, port, head + b"Content-Length: 100\r\n\r\n", b"A" * 100, 1.0)))

    def overload() -> str:
        q = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"

        def one(_: int) -> tuple[int, float]:
            t = time.perf_counter()
            return http(url, q, timeout=120)[0], time.perf_counter() - t

        with ThreadPoolExecutor(args.clients) as ex:
            got = list(ex.map(one, range(args.clients)))
        codes: dict[int, int] = {}
        for c, _ in got:
            codes[c] = codes.get(c, 0) + 1
        times = sorted(t for _, t in got)
        return (" ".join(f"{c}x{n}" for c, n in sorted(codes.items()))
                + f" p50 {times[len(times) // 2]:.1f}s max {times[-1]:.1f}s")

    probe(f"{args.clients} concurrent runaway queries", overload)

    def worst() -> str:
        """Both workers blowing up at once while 30 clients post 1 MB forms: the parent's worst case."""
        bomb = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f"
        form = urllib.parse.urlencode({"query": "ASK {} #" + "\U0001F600" + "x" * 999_000}).encode()[:MAX_BODY]

        def post(_: int) -> int:
            req = urllib.request.Request(url, data=form)
            try:
                with urllib.request.urlopen(req, timeout=120) as r:
                    return r.status
            except urllib.error.HTTPError as e:
                return e.code
            except OSError:
                return 0

        with ThreadPoolExecutor(32) as ex:
            bombs = [ex.submit(http, url, bomb) for _ in range(2)]
            posts = list(ex.map(post, range(30)))
        codes = [b.result()[0] for b in bombs] + posts
        return " ".join(f"{c}x{codes.count(c)}" for c in sorted(set(codes)))

    probe("2 memory bombs + 30 x 1 MB forms", worst)
    probe("normal query at the end", status_of("SELECT ?s WHERE { ?s a cchc:Document }"))
    peak.stop()
    listener.close()
    server.terminate()
    server.wait(10)
    import pyoxigraph as ox
    on_disk = len(ox.Store.read_only(os.path.join(args.store, "oxigraph")))
    tracebacks = sum("Traceback" in line for line in stderr)
    print(f"store on disk after the run: {on_disk} triples (before: {first}); "
          f"calls out in total: {listener.connections}; tracebacks in the server log: {tracebacks}")


if __name__ == "__main__":
    main()
