"""SPARQL results written by pyoxigraph's serializers, cut to the endpoint's row cap exactly."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pyoxigraph as ox
import pytest

from kg.results import native_select

EX = "http://example.org/"
# values that hold what a naive row counter would take for a row: braces, result tags, newlines, tabs
TRICKY = ['{"a":{}},{', "<result></result>", "line\nbreak\tand tab", "}},{\"", "plain"]


@pytest.fixture(scope="module")
def store() -> ox.Store:
    s = ox.Store()
    for i in range(40):
        s.add(ox.Quad(ox.NamedNode(f"{EX}s{i:02d}"), ox.NamedNode(EX + "p"),
                      ox.Literal(TRICKY[i % len(TRICKY)] * (1 + i % 3), language="vi")))
        s.add(ox.Quad(ox.NamedNode(f"{EX}s{i:02d}"), ox.NamedNode(EX + "n"), ox.Literal(i)))
    return s


QUERY = f"SELECT ?s ?o ?n WHERE {{ ?s <{EX}p> ?o OPTIONAL {{ ?s <{EX}n> ?n }} }} ORDER BY ?s"


def rows(body: bytes, fmt: str) -> list[str]:
    if fmt == "json":
        return [b["s"]["value"] for b in json.loads(body)["results"]["bindings"]]
    if fmt == "xml":
        ns = "{http://www.w3.org/2005/sparql-results#}"
        return [r.find(f"{ns}binding[@name='s']/{ns}uri").text for r in ET.fromstring(body).iter(f"{ns}result")]
    return [line.split("\t")[0].strip("<>") for line in body.decode("utf-8").split("\n")[1:] if line]


@pytest.mark.parametrize("fmt", ["json", "xml", "tsv"])
@pytest.mark.parametrize("cap", [1, 7, 39, 40, 41, 1000])
def test_rows_are_cut_exactly_at_the_cap(store, fmt, cap):
    got = native_select(store.query(QUERY), fmt, cap, 10_000_000)
    assert got is not None
    body, cut = got
    expected = [f"{EX}s{i:02d}" for i in range(min(cap, 40))]
    assert rows(body, fmt) == expected
    assert cut == (cap < 40)


@pytest.mark.parametrize("fmt", ["json", "xml", "tsv"])
def test_a_whole_result_over_the_byte_cap_is_left_to_the_caller(store, fmt):
    assert native_select(store.query(QUERY), fmt, 1000, 500) is None
    whole = native_select(store.query(QUERY), fmt, 1000, 10_000_000)
    assert whole is not None and not whole[1]
    assert whole[0] == store.query(QUERY).serialize(format={"json": ox.QueryResultsFormat.JSON,
                                                            "xml": ox.QueryResultsFormat.XML,
                                                            "tsv": ox.QueryResultsFormat.TSV}[fmt])


@pytest.mark.parametrize("fmt", ["json", "xml", "tsv"])
def test_a_result_small_by_its_own_limit_is_written_whole_and_still_bounded(store, fmt):
    limited = QUERY + " LIMIT 7"
    got = native_select(store.query(limited), fmt, 1000, 10_000_000, small=True)
    assert got is not None and not got[1]
    assert rows(got[0], fmt) == [f"{EX}s{i:02d}" for i in range(7)]
    assert native_select(store.query(limited), fmt, 1000, 100, small=True) is None


@pytest.mark.parametrize(("query", "limit"), [
    ("SELECT * WHERE { ?s ?p ?o } LIMIT 100", 100),
    ("select * {?s ?p ?o} offset 5 limit 7", 7),
    ("SELECT * {?s ?p ?o} LIMIT 10 OFFSET 3\n", 10),
    ("SELECT * { { SELECT * { ?s ?p ?o } LIMIT 5 } }", None),           # a subquery's limit
    ("SELECT * {?s ?p ?o} # LIMIT 5", None),                            # a comment
    ('SELECT * {?s ?p "x"} ORDER BY ?s #\n# LIMIT 5\n', None),
    ('SELECT * {?s ?p "LIMIT 5"}', None),                               # a string
    ("SELECT * {?s ?p ?o} LIMIT 5 VALUES ?s { <x:a> }", None),          # not the last clause
    ("SELECT * {?s ?p ?o} LIMIT 12345678901", None),                    # past any row cap
])
def test_final_limit_is_the_query_own_last_limit(query, limit):
    from kg.query import final_limit
    assert final_limit(query) == limit
