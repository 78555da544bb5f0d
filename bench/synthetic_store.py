#!/usr/bin/env python3
"""Make a synthetic store of about N triples by replicating the bundled corpus's graph.

    python bench/synthetic_store.py --triples 1000000 --out /tmp/kg-1m

Every copy gets its own document, target, duty, span and agency IRIs and a different
province label, so lookups by province and agency behave as on a real multi-province store.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import time
from pathlib import Path

import pyoxigraph as ox

from kg.extract.metadata import provinces
from kg.pipeline import build
from kg.store import write_store

ROOT = Path(__file__).resolve().parent.parent


def _nquads(quads: list[ox.Quad]) -> bytes:
    data = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
    assert data is not None  # no output given: the bytes are returned
    return data


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--triples", type=int, default=1_000_000)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    t0 = time.perf_counter()
    seed = Path(args.out).with_name(Path(args.out).name + ".seed")
    report = build([ROOT / "data" / "corpus"], seed)
    store = ox.Store.read_only(str(seed / "oxigraph"))
    shared = ("graph/ontology", "graph/gazetteer", "graph/shared")
    docs = b"".join(_nquads([q for q in store if not any(q.graph_name.value.endswith(s) for s in shared)])
                    .splitlines(keepends=True))
    common = _nquads([q for q in store if any(q.graph_name.value.endswith(s) for s in shared[:2])])
    per_copy = docs.count(b"\n")
    copies = max(1, (args.triples - common.count(b"\n")) // per_copy)
    names = [p for p in provinces() if p != "Thành phố Hồ Chí Minh"]
    text = docs.decode("utf-8") + _nquads(
        [q for q in store if q.graph_name.value.endswith("graph/shared")]).decode("utf-8")
    originals = sorted({d.province for d in report.documents if d.province})
    parts = [common]
    for i in range(copies):
        province = names[i % len(names)] + ("" if i < len(names) else f" {i // len(names) + 1}")
        chunk = re.sub(r"(https://w3id\.org/cchc-kg/id/(?:doc|target|duty|ownership|span|graph/doc|agency|province)/)",
                       rf"\1c{i}-", text)
        for p in originals:
            chunk = chunk.replace(f'"{p}"@vi', f'"{province}"@vi')
        parts.append(chunk.encode("utf-8"))
    info = {"documents": [f"copy {i}" for i in range(copies)], "synthetic": True, "format": 1}
    write_store(args.out, b"".join(parts), info)
    del store
    shutil.rmtree(seed, ignore_errors=True)
    n = len(ox.Store.read_only(str(Path(args.out) / "oxigraph")))
    print(json.dumps({"store": args.out, "copies": copies, "triples": n,
                      "seconds": round(time.perf_counter() - t0, 1)}))


if __name__ == "__main__":
    main()
