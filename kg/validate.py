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
    """Every triple of the store (all named graphs merged) as one rdflib Graph."""
    triples = ox.serialize((q.triple for q in kg.store), format=ox.RdfFormat.N_TRIPLES)
    assert triples is not None  # no output given: the bytes are returned
    return Graph().parse(data=triples.decode("utf-8"), format="nt")


def validate(kg: KGStore) -> ValidationReport:
    from pyshacl import validate as shacl

    shapes = Graph().parse(data=shapes_text(), format="turtle")
    conforms, results_graph, text = shacl(store_graph(kg), shacl_graph=shapes, inference="none",
                                          advanced=True, allow_warnings=True)
    violations = len(list(results_graph.subjects(RDF.type, SH.ValidationResult)))
    return ValidationReport(bool(conforms), violations, text)
