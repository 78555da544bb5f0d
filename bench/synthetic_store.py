#!/usr/bin/env python3
"""Make a synthetic store of about N triples by replicating the bundled corpus's graph.

    python bench/synthetic_store.py --triples 1000000 --out /tmp/kg-1m

Every copy gets its own document, target, duty, task, status, result, review, span and agency
IRIs and a different province label, so lookups by province and agency behave as on a real
multi-province store.  The catalogues every province shares (ontology, gazetteer, indicators,
reorganisation, the status rules, the cited instruments) are written once; the number of copies
is worked out from the quads a copy really adds, so the store ends up within one copy of --triples.
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
ID = "https://w3id.org/cchc-kg/id/"
SHARED_GRAPHS = ("graph/ontology", "graph/gazetteer", "graph/indicators", "graph/reorganisation")
PER_COPY = "doc|target|duty|ownership|span|task|status|result|review|graph/doc|agency|province"
_RENAME = re.compile(rf"({re.escape(ID)}(?:{PER_COPY})/)")


def _nquads(quads: list[ox.Quad]) -> bytes:
    data = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
    assert data is not None  # no output given: the bytes are returned
    return data


def _per_copy(q: ox.Quad) -> bool:
    """A quad that belongs to one document's (one province's) part of the graph."""
    if q.graph_name.value.endswith(SHARED_GRAPHS):
        return False
    if q.graph_name.value.endswith("graph/status"):   # the status nodes; the rules are shared
        return q.subject.value.startswith(ID + "status/")
    return True


def _copy(text: str, i: int, province: str, originals: list[str]) -> str:
    chunk = _RENAME.sub(rf"\1c{i}-", text)
    for p in originals:
        chunk = chunk.replace(f'"{p}"@vi', f'"{province}"@vi')
    return chunk


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--triples", type=int, default=1_000_000)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    t0 = time.perf_counter()
    seed = Path(args.out).with_name(Path(args.out).name + ".seed")
    report = build([ROOT / "data" / "corpus"], seed)
    store = ox.Store.read_only(str(seed / "oxigraph"))
    quads = list(store)
    common = _nquads([q for q in quads if not _per_copy(q)])
    text = _nquads([q for q in quads if _per_copy(q)]).decode("utf-8")
    names = [p for p in provinces() if p != "Thành phố Hồ Chí Minh"]
    originals = sorted({d.province for d in report.documents if d.province})

    def province(i: int) -> str:
        return names[i % len(names)] + ("" if i < len(names) else f" {i // len(names) + 1}")

    # what one more copy adds: quads not renamed (a cited instrument, say) are there only once
    seen = set(common.splitlines()) | set(_copy(text, 0, province(0), originals).encode("utf-8").splitlines())
    first = len(seen)
    added = len(set(_copy(text, 1, province(1), originals).encode("utf-8").splitlines()) - seen)
    copies = max(1, 1 + round((args.triples - first) / added))
    parts = [common] + [_copy(text, i, province(i), originals).encode("utf-8") for i in range(copies)]
    info = {"documents": [f"copy {i}" for i in range(copies)], "synthetic": True, "format": 1}
    write_store(args.out, b"".join(parts), info)
    del store
    shutil.rmtree(seed, ignore_errors=True)
    n = len(ox.Store.read_only(str(Path(args.out) / "oxigraph")))
    print(json.dumps({"store": args.out, "copies": copies, "triples": n,
                      "seconds": round(time.perf_counter() - t0, 1)}))


if __name__ == "__main__":
    main()
