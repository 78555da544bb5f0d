"""Golden graph tests: the RDF of small documents compared as graphs (isomorphism), not as text.

Run ``pytest --update-golden`` to rewrite tests/golden/*.ttl after an intended change.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import graph_diff, to_isomorphic

from conftest import FIXTURES
from kg.extract import extract_document
from kg.graph import document_graph
from kg.ingest import read_source

GOLDEN = Path(__file__).resolve().parent / "golden"
# Bound before writing so that a regenerated golden file diffs line by line against the old one.
PREFIXES = {
    "cchc": "https://w3id.org/cchc-kg/ontology#",
    "oa": "http://www.w3.org/ns/oa#",
    "eli": "http://data.europa.eu/eli/ontology#",
}
CASES = ["directive_2025.txt", "plan_table.md", "article_2024.txt"]


@pytest.mark.parametrize("name", CASES)
def test_document_graph_matches_golden(name, request):
    doc = extract_document(read_source(FIXTURES / name), Path(name).stem)
    # Round-trip through Turtle so that both sides carry the same lexical forms (100 vs 100.0).
    actual = Graph().parse(data=document_graph(doc).serialize(format="turtle"), format="turtle")
    golden = GOLDEN / f"{Path(name).stem}.ttl"
    if request.config.getoption("--update-golden") or not golden.exists():
        for prefix, namespace in PREFIXES.items():
            actual.bind(prefix, namespace, override=True)
        actual.serialize(golden, format="turtle")
        if not request.config.getoption("--update-golden"):
            pytest.fail(f"wrote missing golden file {golden.name}; review it and commit it")
    expected = Graph().parse(golden, format="turtle")
    iso_a, iso_e = to_isomorphic(actual), to_isomorphic(expected)
    if iso_a != iso_e:
        _, only_actual, only_expected = graph_diff(iso_a, iso_e)
        lines = [f"+ {t}" for t in sorted(only_actual)[:15]] + [f"- {t}" for t in sorted(only_expected)[:15]]
        pytest.fail(f"{name}: graph differs from golden (+ actual, - golden):\n" + "\n".join(lines))
