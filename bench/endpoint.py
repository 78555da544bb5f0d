#!/usr/bin/env python3
"""Drive `kg serve` with concurrent clients and print p50/p95 latency and throughput.

    python bench/endpoint.py --store data/build --clients 4 --seconds 10
    python bench/endpoint.py --store /tmp/kg-1m --clients 4 --seconds 10

Starts the endpoint on a free localhost port, runs a mix of analysts' lookups (an agency's
duties by label, targets of a year in one area, owners of targets) for a bounded time from
several threads, and stops the server.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

QUERIES = [
    'SELECT ?duty ?task WHERE { ?a skos:prefLabel "Sở Tư pháp"@vi . ?duty cchc:agency ?a ; cchc:task ?task }',
    'SELECT ?t ?v WHERE { ?t cchc:deadline "2025"^^xsd:gYear ; cchc:area cchc:area-chi_so ; cchc:value ?v } LIMIT 100',
    'SELECT ?t ?o WHERE { ?t cchc:ownedBy ?o ; cchc:area cchc:area-the_che } LIMIT 100',
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", required=True)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    kg = str(Path(sys.executable).with_name("kg"))
    server = subprocess.Popen([kg, "serve", "--store", args.store, "--port", "0", "--workers", str(args.workers)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None  # stdout=PIPE
        url = server.stdout.readline().split()[1]
        latencies: list[float] = []
        errors = [0]
        lock = threading.Lock()
        stop = time.perf_counter() + args.seconds

        def client(i: int) -> None:
            n = i
            while time.perf_counter() < stop:
                q = QUERIES[n % len(QUERIES)]
                n += 1
                t = time.perf_counter()
                try:
                    with urllib.request.urlopen(url + "?" + urllib.parse.urlencode({"query": q}), timeout=30) as r:
                        r.read()
                    ok = True
                except OSError:
                    ok = False
                dt = time.perf_counter() - t
                with lock:
                    if ok:
                        latencies.append(dt)
                    else:
                        errors[0] += 1

        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
        t0 = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        elapsed = time.perf_counter() - t0
        lat = sorted(latencies)
        p = lambda x: lat[min(len(lat) - 1, int(x * len(lat)))] * 1000  # noqa: E731
        print(f"store {args.store}: {len(lat)} requests from {args.clients} clients in {elapsed:.1f} s, "
              f"{errors[0]} errors")
        print(f"  p50 {p(0.50):.1f} ms   p95 {p(0.95):.1f} ms   mean {statistics.mean(lat) * 1000:.1f} ms   "
              f"throughput {len(lat) / elapsed:.0f} req/s")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
