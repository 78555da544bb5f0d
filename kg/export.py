"""Exports of a store: Turtle, N-Quads, JSON-LD, CSV of targets, obligations JSON.

The obligations JSON is the shape `../shared/eval/README.md` specifies (what the gold
scorer reads and what analysts load into spreadsheets): one entry per document with
its metadata, citations, targets (with owners) and assignments (duties).
"""
from __future__ import annotations

import io
import json
from collections import defaultdict

import pyoxigraph as ox

from .errors import KGError
from .output import csv_writer
from .query import select
from .store import KGStore

FORMATS = ("turtle", "nquads", "jsonld", "csv", "obligations-json")


def obligations(kg: KGStore) -> dict:
    docs = select(kg, "documents")
    cites = defaultdict(list)
    for row in select(kg, "cites"):
        cites[row["doc"]].append(row["number"])
    owners = defaultdict(list)
    for row in select(kg, "owners"):
        owners[row["target"]].append({"agency": row["ownerName"], "rule": row["rule"], "duty": row["duty"]})
    targets = defaultdict(list)
    for t in select(kg, "targets"):
        targets[t["doc"]].append({
            "id": t["target"].rsplit("/", 1)[-1], "area": t["area"], "year": t["year"], "value": t["value"],
            "value_max": t["valueMax"], "unit": t["unit"], "comparator": t["comparator"],
            "baseline": t["baseline"], "scope": t["scope"], "metric": t["metric"], "quote": t["quote"],
            "start": t["start"], "end": t["end"],
            "owners": [o["agency"] for o in owners[t["target"]]],
            "ownership": owners[t["target"]],
        })
    duties = defaultdict(list)
    for d in select(kg, "duties"):
        duties[d["doc"]].append({"id": d["duty"].rsplit("/", 1)[-1], "agency": d["agencyName"], "role": d["role"],
                                 "area": d["area"], "task": d["task"], "quote": d["quote"], "start": d["start"]})
    out = []
    for d in docs:
        out.append({"source": d["file"], "kind": d["kind"], "describes": d["describes"] or d["kind"],
                    "number": d["number"], "date": d["date"], "issuer": d["issuer"], "province": d["province"],
                    "period": d["period"], "signer": d["signer"], "title": d["title"],
                    "cites": sorted(cites[d["doc"]]), "targets": targets[d["doc"]],
                    "assignments": duties[d["doc"]]})
    return {"documents": out}


def targets_csv(kg: KGStore) -> str:
    buf = io.StringIO()
    w = csv_writer(buf)
    cols = ["file", "province", "area", "year", "comparator", "value", "valueMax", "unit", "scope", "baseline",
            "metric", "owners", "quote"]
    w.writerow(cols)
    owners = defaultdict(list)
    for row in select(kg, "owners"):
        owners[row["target"]].append(row["ownerName"])
    for t in select(kg, "targets"):
        t = dict(t, owners="; ".join(owners[t["target"]]))
        w.writerow(["" if t.get(c) is None else t[c] for c in cols])
    return buf.getvalue()


def export(kg: KGStore, fmt: str) -> bytes:
    """The whole store (or its obligations) serialised in `fmt`."""
    if fmt == "turtle":
        return _rdflib_graph(kg).serialize(format="turtle", encoding="utf-8")
    if fmt == "nquads":
        data = kg.store.dump(format=ox.RdfFormat.N_QUADS)
        assert data is not None  # no output given: the bytes are returned
        return data
    if fmt == "jsonld":
        return _rdflib_graph(kg).serialize(format="json-ld", encoding="utf-8", auto_compact=True)
    if fmt == "csv":
        return targets_csv(kg).encode("utf-8")
    if fmt == "obligations-json":
        return json.dumps(obligations(kg), ensure_ascii=False, indent=2).encode("utf-8")
    raise KGError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")


def _rdflib_graph(kg: KGStore):
    from rdflib import Graph

    from .validate import store_graph
    g: Graph = store_graph(kg)
    for prefix, ns in (("cchc", "https://w3id.org/cchc-kg/ontology#"), ("id", "https://w3id.org/cchc-kg/id/"),
                       ("eli", "http://data.europa.eu/eli/ontology#"), ("oa", "http://www.w3.org/ns/oa#"),
                       ("org", "http://www.w3.org/ns/org#"), ("prov", "http://www.w3.org/ns/prov#")):
        g.bind(prefix, ns)
    return g
