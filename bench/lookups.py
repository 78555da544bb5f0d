#!/usr/bin/env python3
"""CLI lookup latency: a fresh `kg` process per lookup, and the same query on rdflib's memory store.

    python bench/lookups.py --store data/build --store /tmp/kg-1m --runs 7

For each store it prints the median wall time of fresh processes running `kg who-owns`,
`kg agency` and `kg targets` (interpreter start included) with their median CPU time (user + system;
steadier than wall time on a shared machine), then one label lookup run (a) on
the persisted pyoxigraph store and (b) on rdflib's default in-memory store after parsing
the store's Turtle, with the ratio from the same run.
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox

LABEL_LOOKUP = """
PREFIX cchc: <https://w3id.org/cchc-kg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX org: <http://www.w3.org/ns/org#>
SELECT ?duty ?task WHERE {
  ?agency skos:prefLabel "Sở Tư pháp"@vi .
  ?duty cchc:agency ?agency ; cchc:task ?task .
}"""
COMMANDS = [["who-owns", "trực tuyến mức độ 4", "--limit", "5"], ["agency", "Sở Tư pháp", "--limit", "5"],
            ["targets", "--year", "2025", "--limit", "5"]]


def kg_bin() -> str:
    return str(Path(sys.executable).with_name("kg"))


def wall(cmd: list[str], runs: int) -> tuple[float, float]:
    """Median wall and CPU (user + system) seconds of `runs` fresh processes running `cmd`."""
    times, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(times), statistics.median(cpu)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", action="append", required=True)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--rdflib-max-triples", type=int, default=200_000,
                    help="skip the rdflib comparison above this size (it takes minutes)")
    args = ap.parse_args()
    for store in args.store:
        info = json.loads((Path(store) / "cchc-kg.json").read_text())
        print(f"\nstore {store}: {info['triples']} triples")
        for cmd in COMMANDS:
            t, cpu = wall([kg_bin(), *cmd, "--store", store], args.runs)
            print(f"  fresh process  kg {' '.join(cmd[:2])!s:<32} median {t * 1000:7.1f} ms"
                  f"  (cpu {cpu * 1000:6.1f} ms)")
        t0 = time.perf_counter()
        oxs = ox.Store.read_only(str(Path(store) / "oxigraph"))
        solutions = oxs.query(LABEL_LOOKUP, use_default_graph_as_union=True)
        assert isinstance(solutions, ox.QuerySolutions)
        n_ox = len(list(solutions))
        t_ox = time.perf_counter() - t0
        print(f"  label lookup   pyoxigraph on disk (open + query)  {t_ox * 1000:8.1f} ms  ({n_ox} rows)")
        if info["triples"] > args.rdflib_max_triples:
            print(f"  label lookup   rdflib in memory                    skipped (> {args.rdflib_max_triples} triples)")
            continue
        from rdflib import Dataset
        data = oxs.dump(format=ox.RdfFormat.N_QUADS)
        t0 = time.perf_counter()
        ds = Dataset(default_union=True)
        ds.parse(data=data, format="nquads")
        t_parse = time.perf_counter() - t0
        t0 = time.perf_counter()
        n_rdf = len(list(ds.query(LABEL_LOOKUP)))
        t_q = time.perf_counter() - t0
        print(f"  label lookup   rdflib in memory: parse {t_parse * 1000:8.1f} ms + query {t_q * 1000:7.1f} ms"
              f"  ({n_rdf} rows)")
        print(f"  ratio          rdflib (parse + query) / pyoxigraph = {(t_parse + t_q) / t_ox:6.1f}x")


if __name__ == "__main__":
    main()
