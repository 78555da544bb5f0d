"""The endpoint's worker processes: connections kept open survive a worker being swapped or killed
(they go to the next worker with nothing lost), and the queries at once are bounded."""
from __future__ import annotations

import http.client
import json
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

SERVER = """
import json, sys
from pathlib import Path
from kg.server import Settings, serve
serve(Settings(Path(sys.argv[1]), **json.loads(sys.argv[2])), port=0,
      ready=lambda url: print("Serving", url, flush=True))
"""
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
DOCUMENTS = "SELECT ?s WHERE { ?s a cchc:Document }"


@pytest.fixture(scope="module")
def one_worker(corpus_build, tmp_path_factory):
    """One worker, one query at a time, a 2 s time limit; connections may stay idle 8 s."""
    log = tmp_path_factory.mktemp("serve-one") / "stderr.log"
    settings = {"workers": 1, "max_queue": 0, "timeout": 2.0, "read_timeout": 8.0}
    with open(log, "w") as err:
        proc = subprocess.Popen([sys.executable, "-c", SERVER, str(corpus_build.store), json.dumps(settings)],
                                stdout=subprocess.PIPE, stderr=err, text=True)
    assert proc.stdout is not None  # a pipe
    line = proc.stdout.readline()
    if not line.startswith("Serving "):
        proc.kill()
        pytest.fail("server did not start: " + line + log.read_text())
    parts = urllib.parse.urlsplit(line.split()[1])
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


def test_the_workers_use_the_faster_allocator_when_installed(one_worker):
    """mimalloc (Debian libmimalloc2.0) is loaded in the workers when the machine has it."""
    import ctypes.util
    if not ctypes.util.find_library("mimalloc"):
        pytest.skip("libmimalloc is not installed")
    host, port, _, pid = one_worker
    conn = http.client.HTTPConnection(host, port, timeout=30)
    assert ask(conn, DOCUMENTS)[0] == 200
    conn.close()
    workers = _descendants(pid)
    assert workers and all(b"mimalloc" in _read(Path(f"/proc/{w}/maps")) for w in workers), workers
    assert b"mimalloc" not in _read(Path(f"/proc/{pid}/maps"))   # kg serve's own process keeps the C library's


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def _descendants(pid: int) -> list[int]:
    parent: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _read(entry / "stat")
            if stat:
                parent[int(entry.name)] = int(stat.rsplit(b")", 1)[1].split()[1])
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        children = [c for c, its in parent.items() if its == p]
        found += children
        todo += children
    return found


def test_a_port_in_use_is_one_clear_error(corpus_build):
    import socket

    from kg.server import EndpointError, Settings, serve
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(EndpointError, match=f"cannot listen on 127.0.0.1:{port}: Address already in use"):
            serve(Settings(corpus_build.store), port=port)
