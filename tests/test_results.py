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
