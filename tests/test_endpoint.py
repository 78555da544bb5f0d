"""The SPARQL endpoint tested with an independent client (SPARQLWrapper) over real HTTP."""
from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def endpoint(corpus_build):
    proc = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve", "--store", str(corpus_build.store),
                             "--port", "0", "--timeout", "2", "--max-rows", "50"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stderr is not None  # both are pipes
    line = proc.stdout.readline()
    if not line.startswith("Serving "):
        proc.kill()
        pytest.fail("server did not start: " + line + proc.stderr.read())
    yield line.split()[1]
    proc.terminate()
    proc.wait(10)


def wrapper(url, fmt):
    from SPARQLWrapper import SPARQLWrapper
    sw = SPARQLWrapper(url)
    sw.setReturnFormat(fmt)
    return sw


def test_select_json_get_and_post(endpoint):
    from SPARQLWrapper import GET, JSON, POST
    for method in (GET, POST):
        sw = wrapper(endpoint, JSON)
        sw.setMethod(method)
        sw.setQuery("SELECT ?m WHERE { ?t a cchc:Target ; cchc:metric ?m } LIMIT 5")
        res = sw.query().convert()
        assert len(res["results"]["bindings"]) == 5


def test_select_xml_csv_tsv(endpoint):
    from SPARQLWrapper import CSV, TSV, XML
    q = 'SELECT ?n WHERE { ?d a cchc:Document ; cchc:fileName ?n } ORDER BY ?n'
    sw = wrapper(endpoint, XML)
    sw.setQuery(q)
    doc = sw.query().convert()
    assert len(doc.getElementsByTagName("result")) == 5
    for fmt in (CSV, TSV):
        sw = wrapper(endpoint, fmt)
        sw.setQuery(q)
        body = sw.query().convert().decode("utf-8")
        assert "000_2eafaafa0deff81f.txt" in body and len(body.strip().splitlines()) == 6


def test_ask_and_construct_as_turtle_and_jsonld(endpoint):
    from SPARQLWrapper import JSON, JSONLD, TURTLE
    sw = wrapper(endpoint, JSON)
    sw.setQuery("ASK { ?d a cchc:Duty ; cchc:role cchc:role-lead }")
    assert sw.query().convert()["boolean"] is True
    q = "CONSTRUCT { ?t cchc:ownedBy ?o } WHERE { ?t cchc:ownedBy ?o } LIMIT 10"
    sw = wrapper(endpoint, TURTLE)
    sw.setQuery(q)
    g = sw.query().convert()
    from rdflib import Graph
    assert len(Graph().parse(data=g, format="turtle")) == 10
    sw = wrapper(endpoint, JSONLD)
    sw.setQuery("DESCRIBE <https://w3id.org/cchc-kg/id/doc/000_2eafaafa0deff81f>")
    assert len(sw.query().convert()) > 3


def test_updates_are_refused_with_4xx(endpoint):
    from SPARQLWrapper import JSON, POST
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException
    sw = wrapper(endpoint, JSON)
    sw.setMethod(POST)
    sw.setQuery("DELETE WHERE { ?s ?p ?o }")
    with pytest.raises((SPARQLWrapperException, urllib.error.HTTPError)) as e:
        sw.query()
    assert "403" in str(e.value) or "Forbidden" in str(e.value) or "read-only" in str(e.value)
    req = urllib.request.Request(endpoint, data=urllib.parse.urlencode({"update": "DROP ALL"}).encode(),
                                 method="POST")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req)
    assert e.value.code == 403
    count = wrapper(endpoint, JSON)
    count.setQuery("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(count.query().convert()["results"]["bindings"][0]["n"]["value"]) > 5000


def test_a_query_past_the_time_limit_is_stopped_and_the_endpoint_lives_on(endpoint):
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    url = endpoint + "?" + urllib.parse.urlencode({"query": q})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(url, timeout=30)
    assert e.value.code == 503 and "time limit" in e.value.read().decode()
    from SPARQLWrapper import JSON
    sw = wrapper(endpoint, JSON)
    sw.setQuery("SELECT ?s WHERE { ?s a cchc:Document }")
    assert len(sw.query().convert()["results"]["bindings"]) == 5


def test_result_cap_and_bad_syntax(endpoint):
    from SPARQLWrapper import JSON
    sw = wrapper(endpoint, JSON)
    sw.setQuery("SELECT * WHERE { ?s ?p ?o }")
    assert len(sw.query().convert()["results"]["bindings"]) == 50
    url = endpoint + "?" + urllib.parse.urlencode({"query": "SELEKT ?x"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(url)
    assert e.value.code == 400


def test_query_page_works_offline(endpoint):
    html = urllib.request.urlopen(endpoint.rsplit("/", 1)[0] + "/").read().decode("utf-8")
    assert "<textarea" in html and "http://" not in html.replace("http://www.w3", "") and "https://" not in html
    assert '"compare_indicator"' in html   # the named queries are offered as examples


def test_indicator_comparison_as_an_analyst_runs_it(endpoint):
    """The named query behind `kg compare`, sent as text by an independent client."""
    from SPARQLWrapper import JSON

    from kg.resources import query_text
    sw = wrapper(endpoint, JSON)
    sw.setQuery(query_text("compare_indicator")
                + "\nVALUES ?indicator { <https://w3id.org/cchc-kg/id/indicator/tthc-truc-tuyen-muc-do-3-4> }")
    got = [{k: v["value"] for k, v in b.items()} for b in sw.query().convert()["results"]["bindings"]]
    by = {(r["province"], r["year"]): r for r in got}
    assert set(by) == {("Tiền Giang", "2025"), ("Đắk Nông", "2025"), ("Tiền Giang", "2030"), ("Đắk Nông", "2030")}
    assert all(r["verdict"] == "equal" for r in got)
    assert by[("Đắk Nông", "2030")]["nationalValue"] == "90" and by[("Đắk Nông", "2030")]["nationalYear"] == "2030"


def test_connections_are_kept_open_between_queries(endpoint):
    import http.client
    import json
    parts = urllib.parse.urlsplit(endpoint)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        socks = []
        for i in range(3):
            if i % 2:
                conn.request("POST", "/sparql", body="SELECT ?t WHERE { ?t a cchc:Target } LIMIT 2",
                             headers={"Content-Type": "application/sparql-query"})
            else:
                conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"}))
            r = conn.getresponse()
            body = r.read()
            assert r.status == 200 and r.version == 11 and not r.will_close, (r.status, r.headers)
            json.loads(body)
            socks.append(conn.sock)
        assert socks[0] is not None and all(s is socks[0] for s in socks)   # one connection for all three
    finally:
        conn.close()
