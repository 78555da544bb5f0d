#!/usr/bin/env python3
"""`kg serve` side by side with Oxigraph's own server, on the same store and the same queries.

    python bench/endpoint.py --store data/build
    python bench/endpoint.py --store /tmp/kg-1m --mode disk --mode memory --clients 1 --clients 4

For each storage mode asked (memory: `kg serve` sharing one in-memory copy between its workers,
against `oxigraph serve` in memory loaded with the same quads; disk: `kg serve --on-disk` against
`oxigraph serve-read-only` on the store's own files), it starts both servers, checks that they
give the same number of rows, then drives each with keep-alive clients for a short time per query
kind and client count, the two servers taking turns over many rounds (kg first in one round,
oxigraph first in the next).  Each ratio kg/oxigraph is the median over the rounds of the ratio
of two runs made one right after the other, printed with its quartiles: on a shared machine whose
speed drifts by up to 2× over seconds, a ratio of medians taken minutes apart measures the drift,
not the servers.  It also prints the floor (pyoxigraph answering each query in the bench's own
process, no HTTP, no worker, as a multiple of Oxigraph's whole request) and how long `kg serve`
took to answer its first query and, in memory mode, to have its in-memory copy ready.
Load comes from `wrk` when it is installed (Debian's package), else from Python threads with
http.client (slower: it narrows the gaps).
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from kg.allocator import uses_mimalloc
from test_endpoint_abuse import _descendants, tree_cpu

PREFIXES = ("PREFIX cchc: <https://w3id.org/cchc-kg/ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
            "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> ")
QUERIES = {   # the three kinds of the analysts' lookups: a label lookup, a year's targets, owners of targets
    "agency duties by label": 'SELECT ?duty ?task WHERE { ?a skos:prefLabel "Sở Tư pháp"@vi . '
                              "?duty cchc:agency ?a ; cchc:task ?task }",
    "targets of a year in an area": 'SELECT ?t ?v WHERE { ?t cchc:deadline "2025"^^xsd:gYear ; '
                                    "cchc:area cchc:area-chi_so ; cchc:value ?v } LIMIT 100",
    "owners of targets": "SELECT ?t ?o WHERE { ?t cchc:ownedBy ?o ; cchc:area cchc:area-the_che } LIMIT 100",
}
ACCEPT = "application/sparql-results+json"
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %.4f %.4f %d\\n", summary.requests, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    e.connect + e.read + e.write + e.timeout + e.status))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(url: str, seconds: float = 120) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            rows(url, "ASK { ?s ?p ?o }")
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"{url} did not come up in {seconds:.0f} s")


def rows(url: str, query: str) -> int:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        conn.request("GET", f"{parts.path}?{urllib.parse.urlencode({'query': PREFIXES + query})}",
                     headers={"Accept": ACCEPT})
        r = conn.getresponse()
        body = r.read()
        if r.status != 200:
            raise OSError(f"{url}: HTTP {r.status}: {body[:200]!r}")
        data = json.loads(body)
        return len(data["results"]["bindings"]) if "results" in data else 1
    finally:
        conn.close()


def drive(url: str, query: str, clients: int, seconds: float) -> tuple[float, float, float, int]:
    """(p50 ms, p95 ms, requests/s, errors) of `clients` keep-alive clients for `seconds`."""
    target = f"{url}?{urllib.parse.urlencode({'query': PREFIXES + query})}"
    wrk = shutil.which("wrk")
    if wrk:
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
            f.write(WRK_SCRIPT)
        try:
            out = subprocess.run([wrk, f"-t{clients}", f"-c{clients}", f"-d{seconds:g}s", "-s", f.name,
                                  "-H", f"Accept: {ACCEPT}", target], capture_output=True, text=True, check=True)
        finally:
            os.unlink(f.name)
        m = re.search(r"RESULT (\d+) (\d+) ([\d.]+) ([\d.]+) (\d+)", out.stdout)
        if not m:
            raise SystemExit("wrk said: " + out.stdout + out.stderr)
        n, micros = int(m.group(1)), int(m.group(2))
        return float(m.group(3)), float(m.group(4)), n / (micros / 1e6), int(m.group(5))
    return _drive_python(target, clients, seconds)


def _drive_python(target: str, clients: int, seconds: float) -> tuple[float, float, float, int]:
    parts = urllib.parse.urlsplit(target)
    path = f"{parts.path}?{parts.query}"
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        mine: list[float] = []
        while time.perf_counter() < stop:
            t = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Accept": ACCEPT})
                r = conn.getresponse()
                r.read()
                ok = r.status == 200
            except OSError:
                conn.close()
                ok = False
            if ok:
                mine.append(time.perf_counter() - t)
            else:
                with lock:
                    errors[0] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    took = time.perf_counter() - t0
    lat = sorted(latencies) or [0.0]
    return (statistics.median(lat) * 1000, lat[min(len(lat) - 1, int(0.95 * len(lat)))] * 1000,
            len(latencies) / took, errors[0])


Run = tuple[float, float, float, int, float]   # p50 ms, p95 ms, requests/s, errors, CPU ms per request


def turns(servers: Servers, query: str, clients: int, seconds: float, rounds: int) -> tuple[list[Run], list[Run]]:
    """kg serve's and oxigraph's runs, one each per round, the order swapped every round.  Besides
    latency, the CPU time the server's processes used per request."""
    runs: dict[str, list[Run]] = {"kg": [], "ox": []}
    for r in range(max(1, rounds)):
        for who in (("kg", "ox") if r % 2 == 0 else ("ox", "kg")):
            pid = servers.procs[0 if who == "kg" else 1].pid
            cpu = tree_cpu(pid)
            p50, p95, rate, errors = drive(servers.kg if who == "kg" else servers.ox, query, clients, seconds)
            used = tree_cpu(pid) - cpu
            runs[who].append((p50, p95, rate, errors, used * 1000 / max(rate * seconds, 1)))
    return runs["kg"], runs["ox"]


def median_run(runs: list[Run]) -> Run:
    return (statistics.median(x[0] for x in runs), statistics.median(x[1] for x in runs),
            statistics.median(x[2] for x in runs), sum(x[3] for x in runs), statistics.median(x[4] for x in runs))


def paired(ratios: list[float]) -> tuple[float, float, float]:
    """The median of the rounds' ratios and their quartiles: each ratio compares two runs made one
    right after the other, so a machine whose speed drifts over seconds (a shared VM) moves both
    sides of it; the median ignores the rounds a burst of another tenant's load fell on one side."""
    if len(ratios) < 4:
        return statistics.median(ratios), min(ratios), max(ratios)
    q1, q2, q3 = statistics.quantiles(ratios, n=4)
    return q2, q1, q3


class Servers:
    """`kg serve` and Oxigraph's server on the same store, in one storage mode."""

    def __init__(self, store: Path, mode: str, workers: int, max_memory: int, allocator: str) -> None:
        self.procs: list[subprocess.Popen] = []
        self.tmp = tempfile.TemporaryDirectory()
        bindir = Path(sys.executable).parent
        kg_port, ox_port = free_port(), free_port()
        self.kg = f"http://127.0.0.1:{kg_port}/sparql"
        self.ox = f"http://127.0.0.1:{ox_port}/query"
        cmd = [str(bindir / "kg"), "serve", "--store", str(store), "--port", str(kg_port),
               "--workers", str(workers), "--max-memory", str(max_memory), "--allocator", allocator] + \
            (["--on-disk"] if mode == "disk" else [])
        log = Path(self.tmp.name) / "kg.log"
        started = time.monotonic()
        with open(log, "w") as err:
            self.procs.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err))
        wait_until_up(self.kg)
        self.kg_ready = time.monotonic() - started
        self.kg_memory = 0.0
        if mode == "memory":
            end = time.monotonic() + 600
            while "queried in memory now" not in log.read_text() and time.monotonic() < end:
                if self.procs[0].poll() is not None:
                    raise SystemExit("kg serve stopped: " + log.read_text())
                time.sleep(0.1)
            if "queried in memory now" not in log.read_text():
                raise SystemExit("kg serve did not copy the store into memory: " + log.read_text())
            self.kg_memory = time.monotonic() - started
        under = _descendants(self.procs[0].pid)
        self.allocator = "mimalloc" if under and all(uses_mimalloc(p) for p in under) else "system"
        oxigraph = str(bindir / "oxigraph")
        bind = f"127.0.0.1:{ox_port}"
        if mode == "disk":
            self.procs.append(subprocess.Popen([oxigraph, "serve-read-only", "--location", str(store / "oxigraph"),
                                                "--union-default-graph", "--bind", bind],
                                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            wait_until_up(self.ox)
        else:
            self.procs.append(subprocess.Popen([oxigraph, "serve", "--union-default-graph", "--bind", bind],
                                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            wait_until_up(self.ox)
            dump = Path(self.tmp.name) / "store.nq"
            ox.Store.read_only(str(store / "oxigraph")).dump(str(dump), format=ox.RdfFormat.N_QUADS)
            conn = http.client.HTTPConnection("127.0.0.1", ox_port, timeout=600)
            with dump.open("rb") as body:
                conn.request("POST", "/store", body=body, headers={"Content-Type": "application/n-quads"})
                r = conn.getresponse()
                r.read()
            conn.close()
            dump.unlink()
            if r.status >= 300:
                raise SystemExit(f"oxigraph serve refused the quads: HTTP {r.status}")

    def close(self) -> None:
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        self.tmp.cleanup()


def floor(store: Path, mode: str, runs: int) -> dict[str, float]:
    """Per query kind, the median ms of pyoxigraph answering it in this process, no HTTP and no
    worker (query + JSON results, on an in-memory copy made as kg serve makes it, or on the store on
    disk, as `mode` says): what any endpoint written over pyoxigraph pays before it handles a request."""
    from kg.shared_store import copy_into_memory
    path = str(store / "oxigraph")
    disk = copy_into_memory(path) if mode == "memory" else ox.Store.read_only(path)
    out = {}
    for name, query in QUERIES.items():
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            result = disk.query(PREFIXES + query, use_default_graph_as_union=True)
            result.serialize(format=ox.QueryResultsFormat.JSON)
            times.append(time.perf_counter() - t)
        out[name] = statistics.median(times) * 1000
    return out


def _ratio(r: tuple[float, float, float]) -> str:
    return f"{r[0]:>5.2f} ({r[1]:.2f}-{r[2]:.2f})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", required=True, type=Path)
    ap.add_argument("--mode", action="append", choices=["memory", "disk"],
                    help="storage mode(s) to compare (default: both)")
    ap.add_argument("--clients", action="append", type=int, help="concurrent clients (default: 1 and 4)")
    ap.add_argument("--seconds", type=float, default=2.0, help="per query kind, client count and server")
    ap.add_argument("--rounds", type=int, default=8,
                    help="turns of each server per query kind and client count (medians are printed)")
    ap.add_argument("--workers", type=int, default=2, help="kg serve's query workers")
    ap.add_argument("--allocator", choices=["mimalloc", "system"], default="mimalloc",
                    help="kg serve's --allocator (its on-disk workers' memory allocator)")
    ap.add_argument("--max-memory", type=int, default=1500, help="kg serve's MB per worker (the copy must fit)")
    ap.add_argument("--floor-runs", type=int, default=200,
                    help="runs of each query in this process for the floor (0: not measured)")
    args = ap.parse_args()
    triples = json.loads((args.store / "cchc-kg.json").read_text(encoding="utf-8")).get("triples", 0)
    print(f"store {args.store}: {triples:,} triples; load from {'wrk' if shutil.which('wrk') else 'Python threads'}; "
          f"{args.rounds} rounds of {args.seconds:g} s per server; kg serve with {args.workers} workers")
    for mode in args.mode or ["memory", "disk"]:
        servers = Servers(args.store, mode, args.workers, args.max_memory, args.allocator)
        try:
            other = "oxigraph serve (in memory)" if mode == "memory" else "oxigraph serve-read-only (on disk)"
            ready = f"kg serve answered its first query {servers.kg_ready:.1f} s after start"
            if mode == "memory":
                ready += f"; its shared in-memory copy was ready after {servers.kg_memory:.1f} s"
            print(f"\n{mode}: kg serve vs {other}; {ready}; kg's query workers use the {servers.allocator} "
                  "allocator")
            print(f"  {'query':30} {'clients':>7} {'kg p50/p95 ms':>15} {'ox p50/p95 ms':>15} "
                  f"{'kg req/s':>9} {'ox req/s':>9} {'p50 ×':>17} {'req/s ×':>17} {'CPU ms kg/ox':>13} {'×':>17}")
            at_one: dict[str, float] = {}
            for name, query in QUERIES.items():
                n_kg, n_ox = rows(servers.kg, query), rows(servers.ox, query)
                if n_kg != n_ox:
                    raise SystemExit(f"{name}: kg serve gave {n_kg} rows, oxigraph {n_ox}")
                for clients in args.clients or [1, 4]:
                    kg_runs, ox_runs = turns(servers, query, clients, args.seconds, args.rounds)
                    k, o = median_run(kg_runs), median_run(ox_runs)
                    pairs = list(zip(kg_runs, ox_runs, strict=True))
                    p50 = paired([a[0] / b[0] for a, b in pairs])
                    rate = paired([b[2] / a[2] for a, b in pairs])
                    cpu = paired([a[4] / b[4] for a, b in pairs])
                    errors = f"  errors kg {k[3]} ox {o[3]}" if k[3] or o[3] else ""
                    print(f"  {name:30} {clients:>7} {k[0]:>7.2f}/{k[1]:<7.2f} {o[0]:>7.2f}/{o[1]:<7.2f} "
                          f"{k[2]:>9.0f} {o[2]:>9.0f} {_ratio(p50)} {_ratio(rate)} "
                          f"{k[4]:>6.2f}/{o[4]:<6.2f} {_ratio(cpu)}{errors}")
                    if clients == 1:
                        at_one[name] = o[0]
        finally:
            servers.close()
        if args.floor_runs and at_one:
            print(f"  floor: pyoxigraph answering in this process, no HTTP, no worker ({mode}; median of "
                  f"{args.floor_runs}) vs oxigraph's whole request at 1 client:")
            for name, ms in floor(args.store, mode, args.floor_runs).items():
                if name in at_one:
                    print(f"    {name:30} {ms:7.2f} ms  ({ms / at_one[name]:.2f}× oxigraph's p50)")
    print("\n× columns: kg p50 / oxigraph p50, oxigraph req/s / kg req/s, and kg's CPU per request / oxigraph's "
          "(1.0 = on par; above = kg slower), each the median over the rounds of the ratio of two runs made one "
          "after the other, and (in brackets) its quartiles; the other columns are medians over the rounds")


if __name__ == "__main__":
    main()
