"""The endpoint's worker processes: connections kept open survive a worker being swapped or killed
(they go to the next worker with nothing lost), and the queries at once are bounded."""
from __future__ import annotations

import http.client
import json
import os
import threading
import time
import urllib.parse

import pytest

from kg.allocator import mimalloc_library, uses_mimalloc
from test_endpoint_abuse import PeakRSS, _descendants, start_endpoint

pytestmark = pytest.mark.slow

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
DOCUMENTS = "SELECT ?s WHERE { ?s a cchc:Document }"


@pytest.fixture(scope="module")
def one_worker(corpus_build, tmp_path_factory):
    """One worker, one query at a time, a 2 s time limit; connections may stay idle 8 s."""
    log = tmp_path_factory.mktemp("serve-one") / "stderr.log"
    settings = {"workers": 1, "max_queue": 0, "timeout": 2.0, "read_timeout": 8.0}
    proc, url = start_endpoint(corpus_build.store, settings, log)
    parts = urllib.parse.urlsplit(url)
    yield parts.hostname, parts.port, log, proc.pid
    proc.terminate()
    proc.wait(10)
    assert "Traceback" not in log.read_text(), log.read_text()


def ask(conn: http.client.HTTPConnection, query: str) -> tuple[int, str]:
    conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": query}))
    r = conn.getresponse()
    return r.status, r.read().decode("utf-8")


def test_a_kept_connection_survives_the_swap_to_memory_and_a_killed_worker(one_worker):
    host, port, log, _ = one_worker
    kept = http.client.HTTPConnection(host, port, timeout=30)
    status, body = ask(kept, DOCUMENTS)
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 5
    assert "queried in memory now" not in log.read_text()   # answered by the worker on the store on disk
    sock = kept.sock
    deadline = time.monotonic() + 30
    while "queried in memory now" not in log.read_text():   # the disk worker is swapped for a memory one
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.05)
    status, body = ask(kept, DOCUMENTS)
    assert status == 200 and kept.sock is sock, "the connection was not kept across the swap"

    other = http.client.HTTPConnection(host, port, timeout=30)
    status, body = ask(other, RUNAWAY)          # its worker, the only one, is killed at the time limit
    assert status == 503 and "time limit" in body, (status, body)
    status, body = ask(kept, DOCUMENTS)         # the idle connection went to the replacement
    assert status == 200 and kept.sock is sock, "the idle connection was lost with the killed worker"
    assert len(json.loads(body)["results"]["bindings"]) == 5
    kept.close()
    other.close()


def test_queries_past_workers_plus_queue_get_503_at_once(one_worker):
    host, port, _, _ = one_worker
    got: dict[str, tuple[int, str]] = {}

    def runaway() -> None:
        conn = http.client.HTTPConnection(host, port, timeout=30)
        got["runaway"] = ask(conn, RUNAWAY)
        conn.close()

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.5)                             # the runaway query is running
    conn = http.client.HTTPConnection(host, port, timeout=30)
    started = time.monotonic()
    status, body = ask(conn, DOCUMENTS)
    assert status == 503 and "busy" in body and time.monotonic() - started < 1, (status, body)
    thread.join()
    assert got["runaway"][0] == 503 and "time limit" in got["runaway"][1]
    time.sleep(0.5)                             # the replacement has started
    conn.close()
    conn = http.client.HTTPConnection(host, port, timeout=30)
    assert ask(conn, DOCUMENTS)[0] == 200
    conn.close()


def _exchange(host: str, port: int, data: bytes, answers: int, wait: float = 10.0) -> list[bytes]:
    """Send `data` on one connection and read `answers` whole responses (head and Content-Length body)."""
    import socket
    got: list[bytes] = []
    buf = b""
    with socket.create_connection((host, port), timeout=wait) as s:
        s.sendall(data)
        while len(got) < answers:
            end = buf.find(b"\r\n\r\n")
            if end >= 0:
                head = buf[:end].decode("latin-1")
                length = int(next((line.split(":", 1)[1] for line in head.split("\r\n")
                                   if line.lower().startswith("content-length:")), "0"))
                if head.startswith("HTTP/1.1 100 "):
                    length = 0
                if len(buf) >= end + 4 + length:
                    got.append(buf[:end + 4 + length])
                    buf = buf[end + 4 + length:]
                    continue
            more = s.recv(65536)
            if not more:
                break
            buf += more
    return got


def test_requests_as_clients_really_send_them(one_worker):
    """Pipelined requests, bare line feeds, a blank line before a request, HTTP/1.0 keep-alive, an
    expected 100 Continue, HEAD, an unknown method and an overlong request line."""
    host, port, _, _ = one_worker
    target = ("/sparql?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})).encode()
    get = b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nAccept: application/sparql-results+json\r\n\r\n"
    three = _exchange(host, port, get + b"\r\n" + get + b"GET " + target + b" HTTP/1.1\nHost: x\n\n", 3)
    assert len(three) == 3 and all(r.startswith(b"HTTP/1.1 200 ") and r.endswith(b'"boolean": true}')
                                   for r in three), three
    old = _exchange(host, port, b"GET " + target + b" HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" * 2, 2)
    assert len(old) == 2 and b"Connection: close" not in old[0], old
    body = DOCUMENTS.encode()
    post = (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(body)) + body
    cont, answer = _exchange(host, port, post, 2)
    assert cont.startswith(b"HTTP/1.1 100 Continue") and answer.startswith(b"HTTP/1.1 200 ")
    assert len(json.loads(answer.split(b"\r\n\r\n", 1)[1])["results"]["bindings"]) == 5
    import socket
    with socket.create_connection((host, port), timeout=10) as sock:   # HEAD: the head alone, then the close
        sock.sendall(b"HEAD " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        head = b"".join(iter(lambda: sock.recv(65536), b""))
    assert head.startswith(b"HTTP/1.1 200 ") and head.endswith(b"\r\n\r\n") and b"Content-Length: 29" in head
    (other,) = _exchange(host, port, b"DELETE /sparql HTTP/1.1\r\nHost: x\r\n\r\n", 1)
    assert other.startswith(b"HTTP/1.1 501 ") and b"use GET or POST" in other
    (long,) = _exchange(host, port, b"GET /sparql?query=" + b"A" * 70_000 + b" HTTP/1.1\r\n\r\n", 1)
    assert long.startswith(b"HTTP/1.1 414 ")


def test_a_port_in_use_is_one_clear_error(corpus_build):
    import socket

    from kg.server import EndpointError, Settings, serve
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(EndpointError, match=f"cannot listen on 127.0.0.1:{port}: Address already in use"):
            serve(Settings(corpus_build.store), port=port)


def test_the_in_memory_copy_holds_the_stored_quads(corpus_build, monkeypatch, tmp_path):
    """The same quads, blank nodes aside: those get new labels in the copy, as a SPARQL result may give."""
    import tempfile

    import pyoxigraph as ox

    from kg.shared_store import copy_into_memory

    def split(quads) -> tuple[set, int, int]:
        quads = list(quads)
        blank = [q for q in quads if isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)]
        nodes = {t for q in blank for t in (q.subject, q.object) if isinstance(t, ox.BlankNode)}
        return set(quads) - set(blank), len(blank), len(nodes)

    path = str(corpus_build.store / "oxigraph")
    disk = split(ox.Store.read_only(path).quads_for_pattern(None, None, None, None))
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)
    copy = split(copy_into_memory(path).quads_for_pattern(None, None, None, None))
    assert copy == disk and disk[1] > 0
    assert list(tmp_path.iterdir()) == []      # the dump it went through is gone


def _query_workers(pid: int) -> list[int]:
    """The query workers under a kg serve process (spawned or forked by multiprocessing)."""
    workers = []
    for p in _descendants(pid):
        try:
            with open(f"/proc/{p}/cmdline", "rb") as f:
                command = f.read()
        except OSError:
            continue
        if b"multiprocessing" in command and b"resource_tracker" not in command:
            workers.append(p)
    return workers


@pytest.mark.parametrize("allocator", ["mimalloc", "system"])
def test_the_on_disk_workers_run_with_the_allocator_asked_for_and_the_server_keeps_its_own(
        allocator, corpus_build, tmp_path):
    if allocator == "mimalloc" and mimalloc_library() is None:
        pytest.skip("mimalloc is not installed here")
    log = tmp_path / "stderr.log"
    proc, url = start_endpoint(corpus_build.store, {"workers": 2, "allocator": allocator, "in_memory": False}, log)
    try:
        conn = http.client.HTTPConnection(*urllib.parse.urlsplit(url).netloc.split(":"), timeout=30)
        status, body = ask(conn, DOCUMENTS)
        assert status == 200 and json.loads(body)["results"]["bindings"]
        workers = _query_workers(proc.pid)
        assert len(workers) >= 2
        assert all(uses_mimalloc(p) is (allocator == "mimalloc") for p in workers)
        assert not uses_mimalloc(proc.pid)
        assert "LD_PRELOAD" not in os.environ or "libmimalloc" not in os.environ["LD_PRELOAD"]
        # the memory limit holds with either allocator: a query past it is stopped, the tree stays small
        with PeakRSS(proc.pid) as peak:
            status, body = ask(conn, "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f")
        assert status == 503 and "memory" in body, (status, body)
        assert peak.peak < 2**30, f"process tree peaked at {peak.peak >> 20} MB"
        conn = http.client.HTTPConnection(*urllib.parse.urlsplit(url).netloc.split(":"), timeout=30)
        assert ask(conn, DOCUMENTS)[0] == 200
    finally:
        proc.terminate()
        proc.wait(10)
    assert "Traceback" not in log.read_text() and "ld.so" not in log.read_text(), log.read_text()
