"""kg publish: the store's named graphs to a SPARQL 1.1 Graph Store HTTP Protocol server.

Two real servers, started by the tests (skipped, with the reason, when not installed): Oxigraph's
(`pip install oxigraph`, endpoint /store) and Virtuoso 7 (`apt-get install virtuoso-opensource`,
endpoint /sparql-graph-crud-auth with Digest auth).  Each gets the bundled corpus, answers the same
lookups as the local store, then one document is edited (only the graphs that really changed are
sent) and one removed (its graph is deleted there).  Errors, authentication, the manifest and the
dry run are tested against a small in-process server that records what it is sent.
"""
from __future__ import annotations

import base64
import hashlib
import json
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from conftest import CORPUS
from kg.errors import KGError
from kg.pipeline import build
from kg.publish import PublishError, graph_body, manifest_path, publish
from kg.query import PREFIXES
from kg.store import open_store

ID = "https://w3id.org/cchc-kg/id/"
EDITED = "003_64ca35695e08aea5"     # Lâm Đồng: "đến năm 2030 đạt 88%" becomes 89%
REMOVED = "004_15bd0a48cde5010e"    # Lạng Sơn
SERVER_START = 60.0                 # seconds a server may take to answer after it is started


# ---------------------------------------------------------------- the same lookups, here and there

_PRE = "".join(f"PREFIX {k}: <{v}>\n" for k, v in PREFIXES.items())
COUNT_TARGETS = _PRE + "SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE { ?t a cchc:Target }"
# the targets of one province with their owners: document (its graph) → province and owner (shared graph)
OWNERS = _PRE + """SELECT ?t ?value ?year ?owner ?label WHERE {
  ?p skos:prefLabel "Tiền Giang"@vi . ?d cchc:province ?p ; cchc:states ?t .
  ?t cchc:ownedBy ?owner . ?owner skos:prefLabel ?label FILTER(lang(?label) = "vi")
  OPTIONAL { ?t cchc:value ?value } OPTIONAL { ?t cchc:deadline ?year } }"""
PER_GRAPH = """SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o }
  FILTER(STRSTARTS(STR(?g), "https://w3id.org/cchc-kg/")) } GROUP BY ?g"""


def values_of(graph: str) -> str:
    return _PRE + f"SELECT ?t ?value WHERE {{ GRAPH <{graph}> {{ ?t a cchc:Target ; cchc:value ?value }} }}"


Row = tuple[tuple[str, str | None] | None, ...]


def local_rows(store_dir: Path, sparql: str) -> set[Row]:
    """(lexical value, language or datatype) per column, as a SPARQL JSON client would see them."""
    kg = open_store(store_dir)
    result = kg.query(sparql)
    names = [v.value for v in result.variables]
    rows: set[Row] = set()
    for sol in result:
        row: list[tuple[str, str | None] | None] = []
        for n in names:
            term = sol[n]
            if term is None:
                row.append(None)
            elif isinstance(term, ox.Literal):
                row.append((term.value, term.language or term.datatype.value))
            else:
                row.append((term.value, None))
        rows.add(tuple(row))
    return rows


def remote_rows(endpoint: str, sparql: str) -> set[Row]:
    req = urllib.request.Request(endpoint, data=urllib.parse.urlencode({"query": sparql}).encode(),
                                 headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        data = json.load(resp)
    rows: set[Row] = set()
    for b in data["results"]["bindings"]:
        row: list[tuple[str, str | None] | None] = []
        for n in data["head"]["vars"]:
            term = b.get(n)
            if term is None:
                row.append(None)
            elif term["type"] in ("literal", "typed-literal"):
                dt = term.get("datatype", "http://www.w3.org/2001/XMLSchema#string")
                row.append((term["value"], term.get("xml:lang") or dt))
            else:
                row.append((term["value"], None))
        rows.add(tuple(row))
    return rows


def counts(rows: set[Row]) -> dict[str, int]:
    return {r[0][0]: int(r[1][0]) for r in rows if r[0] and r[1]}


def graphs_of(store_dir: Path) -> dict[str, Graph]:
    """Each named graph as an rdflib Graph: compared with rdflib's isomorphism, independently of the
    hash kg.publish uses."""
    kg = open_store(store_dir)
    out = {}
    for name in kg.store.named_graphs():
        data = ox.serialize([q.triple for q in kg.store.quads_for_pattern(None, None, None, name)],
                            format=ox.RdfFormat.N_TRIPLES) or b""
        out[name.value] = Graph().parse(data=data.decode("utf-8"), format="nt")
    return out


def changed(before: dict[str, Graph], after: dict[str, Graph]) -> set[str]:
    return {g for g in after if g not in before or not isomorphic(before[g], after[g])}


# ---------------------------------------------------------------- real servers

@dataclass
class Server:
    name: str
    gsp: str            # Graph Store Protocol endpoint
    query: str          # SPARQL query endpoint
    user: str | None = None
    password: str | None = None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(proc: subprocess.Popen, url: str, log: Path, what: str) -> None:
    deadline = time.monotonic() + SERVER_START
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-800:]
            pytest.fail(f"{what} exited with {proc.returncode} while starting: {tail}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return   # it answers
        except OSError:
            time.sleep(0.25)
    pytest.fail(f"{what} did not answer {url} within {SERVER_START:g} s: {log.read_text(errors='replace')[-800:]}")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def oxigraph_bin() -> str | None:
    here = Path(sys.executable).parent / "oxigraph"
    return str(here) if here.exists() else shutil.which("oxigraph")


@pytest.fixture
def oxigraph(tmp_path) -> Iterator[Server]:
    exe = oxigraph_bin()
    if not exe:
        pytest.skip("Oxigraph's server is not installed (pip install oxigraph==0.5.13 gives the `oxigraph` command)")
    port = free_port()
    log = tmp_path / "oxigraph.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([exe, "serve", "--location", str(tmp_path / "oxigraph-db"),
                                 "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(proc, base + "/query?query=" + urllib.parse.quote("ASK {}"), log, "oxigraph serve")
        yield Server("oxigraph", base + "/store", base + "/query")
    finally:
        stop(proc)


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx

[Parameters]
ServerPort = {sql}
DisableUnixSocket = 1
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = ., {d}

[HTTPServer]
ServerPort = {http}
ServerRoot = {d}
ServerThreads = 4
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = 100000
"""


@pytest.fixture
def virtuoso(tmp_path) -> Iterator[Server]:
    exe = shutil.which("virtuoso-t")
    if not exe:
        pytest.skip("Virtuoso is not installed (Debian: apt-get install virtuoso-opensource gives virtuoso-t)")
    d = tmp_path / "virtuoso"
    d.mkdir()
    http_port = free_port()
    ini = d / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(d=d, sql=free_port(), http=http_port), encoding="utf-8")
    log = d / "stdout.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([exe, "+foreground", "+configfile", str(ini)], cwd=d,
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{http_port}"
        wait_until_up(proc, base + "/sparql?query=" + urllib.parse.quote("ASK {}"), log, "virtuoso-t")
        # a fresh database: the administrator is dba/dba; the -auth endpoint takes Digest
        yield Server("virtuoso", base + "/sparql-graph-crud-auth", base + "/sparql", "dba", "dba")
    finally:
        stop(proc)


def check_round_trip(server: Server, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    store = tmp_path / "store"
    build([corpus], store)

    def run():
        return publish(store, server.gsp, server.user, server.password)

    # 1. everything is sent; the server answers as the local store does
    names = {g.value for g in open_store(store).store.named_graphs()}
    assert {ID + "graph/shared", ID + "graph/status", ID + f"graph/doc/{EDITED}"} <= names
    first = run()
    assert set(first.sent) == names and not first.skipped and not first.deleted
    assert first.triples_sent == len(open_store(store))
    assert counts(remote_rows(server.query, PER_GRAPH)) == counts(local_rows(store, PER_GRAPH))
    assert remote_rows(server.query, COUNT_TARGETS) == local_rows(store, COUNT_TARGETS)
    owners = local_rows(store, OWNERS)
    assert len(owners) > 50 and remote_rows(server.query, OWNERS) == owners

    # 2. nothing changed: nothing is sent, also after a rebuild (new blank node ids in the ontology)
    before = graphs_of(store)
    build([corpus], store)
    again = run()
    assert again.sent == () and set(again.skipped) == names and again.deleted == ()

    # 3. one document edited: its graph is sent, and only the graphs that really changed with it
    doc = corpus / f"{EDITED}.txt"
    text = doc.read_text(encoding="utf-8")
    assert text.count("đến năm 2030 đạt 88%") == 1
    doc.write_text(text.replace("đến năm 2030 đạt 88%", "đến năm 2030 đạt 89%"), encoding="utf-8")
    build([corpus], store)
    after = graphs_of(store)
    expected = changed(before, after)
    assert ID + f"graph/doc/{EDITED}" in expected
    second = run()
    assert set(second.sent) == expected and second.deleted == ()
    assert set(second.skipped) == names - expected
    assert {ID + f"graph/doc/{d.stem}" for d in corpus.iterdir() if d.stem != EDITED} <= set(second.skipped)
    edited = values_of(ID + f"graph/doc/{EDITED}")
    local = local_rows(store, edited)
    assert remote_rows(server.query, edited) == local
    values = {r[1][0] for r in local if r[1]}
    assert "89" in values and "88" not in values

    # 4. one document removed: its graph is deleted on the server
    gone = ID + f"graph/doc/{REMOVED}"
    assert triples_in(server.query, gone) == counts(local_rows(store, PER_GRAPH))[gone] > 0
    (corpus / f"{REMOVED}.txt").unlink()
    before = after
    build([corpus], store)
    third = run()
    assert third.deleted == (gone,)
    assert set(third.sent) == changed(before, graphs_of(store))
    assert triples_in(server.query, gone) == 0
    assert counts(remote_rows(server.query, PER_GRAPH)) == counts(local_rows(store, PER_GRAPH))
    assert remote_rows(server.query, COUNT_TARGETS) == local_rows(store, COUNT_TARGETS)
    assert remote_rows(server.query, OWNERS) == local_rows(store, OWNERS)

    # the manifest (beside the store, keyed by URL) holds exactly what the server now has
    recorded = json.loads(manifest_path(store).read_text(encoding="utf-8"))[server.gsp]["graphs"]
    assert set(recorded) == names - {gone}


def triples_in(endpoint: str, graph: str) -> int:
    """How many triples the server holds in `graph` (a SELECT: Virtuoso's JSON for ASK is not the standard's)."""
    rows = remote_rows(endpoint, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return int(next(iter(rows))[0][0]) if rows else 0


@pytest.mark.slow
def test_oxigraph_server_round_trip(oxigraph, tmp_path):
    check_round_trip(oxigraph, tmp_path)


@pytest.mark.slow
def test_virtuoso_round_trip(virtuoso, tmp_path):
    check_round_trip(virtuoso, tmp_path)


@pytest.mark.slow
def test_virtuoso_wrong_password_is_one_line(virtuoso, corpus_build, tmp_path):
    with pytest.raises(PublishError) as e:
        publish(corpus_build.store, virtuoso.gsp, "dba", "wrong", manifest=tmp_path / "m.json")
    message = str(e.value)
    assert "\n" not in message and virtuoso.gsp in message and "HTTP 401" in message and "<https://" in message
    assert not (tmp_path / "m.json").exists()


# ---------------------------------------------------------------- a recording server, for the errors

@dataclass
class Fake:
    """What the in-process server does and what it was sent."""

    fail_put: int | None = None          # answer the n-th PUT (1-based) with 500
    basic: tuple[str, str] | None = None   # demand these credentials, by Basic authentication
    digest: tuple[str, str] | None = None  # ... by Digest authentication (MD5, qop=auth)
    head: bool = True                      # answers HEAD (else 501, as http.server does)
    refuse: set[str] = field(default_factory=set)  # content types answered with 415
    delay: float = 0.0
    requests: list[tuple[str, str, str, int]] = field(default_factory=list)  # method, graph, type, bytes
    puts: int = 0
    bodies_refused: int = 0                # uploads that arrived without valid credentials


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def digest_ok(header: str, method: str, path: str, user: str, password: str, nonces: set[str]) -> bool:
    if not header.startswith("Digest "):
        return False
    f = urllib.request.parse_keqv_list([x for x in urllib.request.parse_http_list(header[7:]) if x])
    if f.get("nonce") not in nonces or f.get("uri") != path or f.get("username") != user:
        return False
    ha1, ha2 = _md5(f"{user}:gsp:{password}"), _md5(f"{method}:{path}")
    return f.get("response") == _md5(f"{ha1}:{f['nonce']}:{f['nc']}:{f['cnonce']}:{f['qop']}:{ha2}")


@pytest.fixture
def fake() -> Iterator[tuple[Fake, str]]:
    state = Fake()
    nonces: set[str] = set()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _answer(self, code: int, body: bytes = b"", headers: dict | None = None) -> None:
            self.send_response(code)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _handle(self, method: str) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if state.delay:
                time.sleep(state.delay)
            given = self.headers.get("Authorization") or ""
            refusal = b"<html><body><h1>Unauthorized</h1></body></html>"
            if state.basic and given != "Basic " + base64.b64encode(":".join(state.basic).encode()).decode():
                state.bodies_refused += bool(body)
                return self._answer(401, refusal, {"WWW-Authenticate": 'Basic realm="gsp"'})
            if state.digest and not digest_ok(given, method, self.path, *state.digest, nonces):
                state.bodies_refused += bool(body)
                nonce = secrets.token_hex(8)
                nonces.add(nonce)
                return self._answer(401, refusal, {"WWW-Authenticate": f'Digest realm="gsp", nonce="{nonce}", '
                                                                       'qop="auth", algorithm=MD5'})
            if method == "HEAD":
                return self._answer(404)
            graph = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query).get("graph", [""])[0]
            ctype = (self.headers.get("Content-Type") or "").split(";")[0]
            if method == "PUT":
                if ctype in state.refuse:
                    return self._answer(415, b"unsupported")
                state.puts += 1
                if state.puts == state.fail_put:
                    return self._answer(500, b"<html><title>x</title><body><p>disk\nfull</p></body></html>")
            state.requests.append((method, graph, ctype, len(body)))
            self._answer(204)

        def do_PUT(self):
            self._handle("PUT")

        def do_DELETE(self):
            self._handle("DELETE")

        def do_HEAD(self):
            if not state.head:
                return self._answer(501)
            self._handle("HEAD")

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{httpd.server_address[1]}/store"
    finally:
        httpd.shutdown()
        httpd.server_close()


def graph_names(store_dir: Path) -> list[str]:
    return sorted(g.value for g in open_store(store_dir).store.named_graphs())


def test_sends_every_graph_as_ntriples_then_only_changes(fake, corpus_build, tmp_path):
    state, url = fake
    m = tmp_path / "published.json"
    report = publish(corpus_build.store, url, manifest=m)
    names = graph_names(corpus_build.store)
    assert list(report.sent) == names and [r[1] for r in state.requests] == names
    assert {r[0] for r in state.requests} == {"PUT"} and {r[2] for r in state.requests} == {"application/n-triples"}
    assert report.bytes_sent == sum(r[3] for r in state.requests)
    assert set(json.loads(m.read_text(encoding="utf-8"))[url]["graphs"]) == set(names)
    state.requests.clear()
    assert publish(corpus_build.store, url, manifest=m).sent == () and state.requests == []
    forced = publish(corpus_build.store, url, manifest=m, force=True)
    assert list(forced.sent) == names


def test_graph_hash_ignores_blank_node_ids_and_triple_order(corpus_build, tmp_path):
    other = build([CORPUS], tmp_path / "again").store
    a, b = open_store(corpus_build.store).store, open_store(other).store
    onto = ox.NamedNode(ID + "graph/ontology")
    assert any(isinstance(q.object, ox.BlankNode) for q in a.quads_for_pattern(None, None, None, onto))
    ga, gb = graph_body(a, onto), graph_body(b, onto)
    assert ga.sha256 == gb.sha256 and ga.body == gb.body and ga.triples == len(list(a.quads_for_pattern(
        None, None, None, onto)))
    lines = ga.body.decode("utf-8").splitlines()
    assert lines == sorted(lines)


def test_http_error_is_one_line_and_manifest_keeps_only_what_was_written(fake, corpus_build, tmp_path):
    state, url = fake
    state.fail_put = 3
    m = tmp_path / "published.json"
    names = graph_names(corpus_build.store)
    with pytest.raises(PublishError) as e:
        publish(corpus_build.store, url, manifest=m)
    message = str(e.value)
    assert message == (f"publish to {url}: PUT graph <{names[2]}> failed: HTTP 500 Internal Server Error "
                       "(server said: disk full)")
    assert set(json.loads(m.read_text(encoding="utf-8"))[url]["graphs"]) == set(names[:2])
    # the next run sends the rest only
    state.fail_put = None
    state.requests.clear()
    assert list(publish(corpus_build.store, url, manifest=m).sent) == names[2:]


def test_server_down_is_one_line(corpus_build, tmp_path):
    url = f"http://127.0.0.1:{free_port()}/store"
    m = tmp_path / "published.json"
    with pytest.raises(KGError) as e:
        publish(corpus_build.store, url, manifest=m, timeout=5)
    message = str(e.value)
    assert "\n" not in message and message.startswith(f"publish to {url}: PUT graph <{ID}graph/")
    assert "cannot connect" in message and "is the server running?" in message
    assert not m.exists()


def test_slow_server_is_bounded_by_the_timeout(fake, corpus_build, tmp_path):
    state, url = fake
    state.delay = 3
    t0 = time.monotonic()
    with pytest.raises(PublishError, match=r"failed: no answer within 0\.5 s$"):
        publish(corpus_build.store, url, manifest=tmp_path / "m.json", timeout=0.5)
    assert time.monotonic() - t0 < 2.5


def test_credentials_basic_auth(fake, corpus_build, tmp_path):
    state, url = fake
    state.basic = ("analyst", "s3cret")
    m = tmp_path / "m.json"
    with pytest.raises(PublishError, match=r"PUT graph <.*HTTP 401 Unauthorized \(server said: Unauthorized\); the "
                                           r"server wants credentials: give --user and --password$"):
        publish(corpus_build.store, url, manifest=m)
    state.bodies_refused = 0
    # wrong credentials are found out on a body-less request
    with pytest.raises(PublishError, match=r"HEAD graph <.*HTTP 401.*check --user/--password"):
        publish(corpus_build.store, url, "analyst", "wrong", manifest=m)
    assert not m.exists() and state.bodies_refused == 0
    report = publish(corpus_build.store, url, "analyst", "s3cret", manifest=m)
    assert len(report.sent) == len(graph_names(corpus_build.store)) and state.bodies_refused == 0
    assert "s3cret" not in m.read_text(encoding="utf-8")


def test_credentials_basic_auth_on_a_server_without_head(fake, corpus_build, tmp_path):
    state, url = fake
    state.basic, state.head = ("analyst", "s3cret"), False
    report = publish(corpus_build.store, url, "analyst", "s3cret", manifest=tmp_path / "m.json")
    assert len(report.sent) == len(graph_names(corpus_build.store))
    assert state.bodies_refused == 1   # the first upload, then Basic is sent with each request
    with pytest.raises(PublishError, match=r"PUT graph <.*HTTP 401.*check --user/--password"):
        publish(corpus_build.store, url, "analyst", "wrong", manifest=tmp_path / "m2.json")


def test_credentials_digest_auth_never_sends_a_body_twice(fake, corpus_build, tmp_path):
    state, url = fake
    state.digest = ("dba", "dba")
    with pytest.raises(PublishError, match=r"HEAD graph <.*HTTP 401.*check --user/--password"):
        publish(corpus_build.store, url, "dba", "wrong", manifest=tmp_path / "m.json")
    report = publish(corpus_build.store, url, "dba", "dba", manifest=tmp_path / "m.json")
    names = graph_names(corpus_build.store)
    assert list(report.sent) == names and [r[1] for r in state.requests if r[0] == "PUT"] == names
    assert state.bodies_refused == 0


def test_falls_back_to_turtle_when_ntriples_is_refused(fake, corpus_build, tmp_path):
    state, url = fake
    state.refuse = {"application/n-triples"}
    report = publish(corpus_build.store, url, manifest=tmp_path / "m.json")
    assert len(report.sent) == len(state.requests) and {r[2] for r in state.requests} == {"text/turtle"}


def test_removed_graphs_are_deleted_and_dry_run_sends_nothing(fake, corpus_build, tmp_path):
    state, url = fake
    m = tmp_path / "m.json"
    publish(corpus_build.store, url, manifest=m)
    gone = ID + "graph/doc/gone"
    data = json.loads(m.read_text(encoding="utf-8"))
    data[url]["graphs"][gone] = {"sha256": "0" * 64, "triples": 1}
    data[url]["graphs"][ID + "graph/shared"]["sha256"] = "stale"
    m.write_text(json.dumps(data), encoding="utf-8")
    state.requests.clear()
    dry = publish(corpus_build.store, url, manifest=m, dry_run=True)
    assert dry.dry_run and dry.sent == (ID + "graph/shared",) and dry.deleted == (gone,) and state.requests == []
    assert json.loads(m.read_text(encoding="utf-8")) == data
    real = publish(corpus_build.store, url, manifest=m)
    assert (real.sent, real.deleted) == (dry.sent, dry.deleted)
    assert state.requests[-1][:2] == ("DELETE", gone)
    assert gone not in json.loads(m.read_text(encoding="utf-8"))[url]["graphs"]


def test_deleting_a_graph_the_server_no_longer_has_is_fine(corpus_build, tmp_path):
    """A DELETE answered 404 means the graph is already gone: recorded as deleted."""
    class Gone(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_DELETE(self):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Gone)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/store"
        m = tmp_path / "m.json"
        names = graph_names(corpus_build.store)
        graphs = {n: {"sha256": graph_body(open_store(corpus_build.store).store, ox.NamedNode(n)).sha256}
                  for n in names}
        m.write_text(json.dumps({url: {"graphs": dict(graphs, **{ID + "graph/doc/x": {"sha256": "0"}})}}))
        report = publish(corpus_build.store, url, manifest=m)
        assert report.deleted == (ID + "graph/doc/x",) and report.sent == ()
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.parametrize("url, message", [
    ("ftp://example.org/store", "only http:// and https://"),
    ("file:///tmp/store", "only http:// and https://"),
    ("localhost:7878/store", "only http:// and https://"),
    ("http:///store", "no host"),
    ("http://dba:dba@example.org/store", "give credentials with --user/--password"),
    ("http://example.org:port/store", "not a usable URL"),
])
def test_only_http_urls_are_accepted(corpus_build, tmp_path, url, message):
    with pytest.raises(PublishError, match=message) as e:
        publish(corpus_build.store, url, manifest=tmp_path / "m.json")
    assert "dba:dba" not in str(e.value)


def test_manifest_lives_beside_the_store_so_a_rebuild_keeps_it(fake, tmp_path):
    _, url = fake
    store = tmp_path / "build"
    build([CORPUS], store)
    first = publish(store, url)
    assert first.manifest == tmp_path / "build.published.json" and first.manifest.is_file()
    build([CORPUS], store)   # replaces the store directory
    assert publish(store, url).sent == ()


def test_cli_publish(fake, corpus_build, tmp_path):
    from click.testing import CliRunner

    from kg.cli import cli
    if "publish" not in cli.commands:
        pytest.skip("`kg publish` is not in kg/cli.py yet")
    state, url = fake
    assert "kg publish --to" in CliRunner().invoke(cli, ["publish", "--help"]).output
    store = tmp_path / "store"
    shutil.copytree(corpus_build.store, store)
    result = CliRunner().invoke(cli, ["publish", "--to", url, "--store", str(store), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would send" in result.output and state.requests == []
    result = CliRunner().invoke(cli, ["publish", "--to", url, "--store", str(store)])
    assert result.exit_code == 0 and len(state.requests) == len(graph_names(store))
    assert "up to date" in CliRunner().invoke(cli, ["publish", "--to", url, "--store", str(store)]).output
    state.fail_put = state.puts + 1
    state.requests.clear()
    result = CliRunner().invoke(cli, ["publish", "--to", url, "--store", str(store), "--all"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().splitlines()[-1].startswith(f"Error: publish to {url}: PUT graph <")
    result = CliRunner().invoke(cli, ["publish", "--to", "ftp://x/store", "--store", str(store)])
    assert result.exit_code == 1 and "only http:// and https://" in result.output
