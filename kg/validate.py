"""SHACL validation of a store against ontology/shapes.ttl (pySHACL)."""
from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Graph
from rdflib.namespace import RDF, SH

from .resources import shapes_text
from .store import KGStore


@dataclass(frozen=True)
class ValidationReport:
    conforms: bool
    violations: int
    text: str


def store_graph(kg: KGStore) -> Graph:
    """Every triple of the store (all named graphs) as one rdflib Graph."""
    data = kg.store.dump(format=ox.RdfFormat.N_QUADS)
    g = Graph()
    g.parse(data=_triples_only(data), format="nt")
    return g


def _triples_only(nquads: bytes) -> str:
    ds = ox.Store()
    ds.load(nquads, format=ox.RdfFormat.N_QUADS)
    out = []
    for q in ds:
        out.append(f"{q.subject} {q.predicate} {q.object} .")
    return "\n".join(out)


def validate(kg: KGStore) -> ValidationReport:
    from pyshacl import validate as shacl

    shapes = Graph().parse(data=shapes_text(), format="turtle")
    conforms, results_graph, text = shacl(store_graph(kg), shacl_graph=shapes, inference="none",
                                          advanced=True, allow_warnings=True)
    violations = len(list(results_graph.subjects(RDF.type, SH.ValidationResult)))
    return ValidationReport(bool(conforms), violations, text)
