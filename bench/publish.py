#!/usr/bin/env python3
"""Time `kg publish` against a Graph Store server: a first full run, a run with nothing changed
(hashing only), and a run where one document's graph changed.

    python bench/publish.py --store data/build            # starts `oxigraph serve` on a free port
    python bench/publish.py --store /tmp/kg-1m
    python bench/publish.py --store data/build --to http://host:8890/sparql-graph-crud-auth --user dba --password dba

The manifest is kept in a temporary file, so the store's own manifest is left alone.  With no
--to, the `oxigraph` command (pip install oxigraph) serves an empty database in a temporary folder.
"""
from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from kg.publish import PublishReport, publish
from kg.store import open_store


def start_oxigraph(folder: Path) -> tuple[subprocess.Popen, str]:
    exe = Path(sys.executable).with_name("oxigraph")
    exe_name = str(exe) if exe.exists() else shutil.which("oxigraph")
    if not exe_name:
        sys.exit("no --to given and no `oxigraph` command: pip install oxigraph")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([exe_name, "serve", "--location", str(folder / "db"), "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/query?query=ASK%7B%7D", timeout=2):
                return proc, base + "/store"
        except urllib.error.HTTPError:
            return proc, base + "/store"
        except OSError:
            time.sleep(0.2)
    proc.kill()
    sys.exit("oxigraph serve did not start within 30 s")


def line(what: str, r: PublishReport) -> str:
    rate = f", {r.triples_sent / r.seconds:,.0f} triples/s" if r.triples_sent else ""
    return (f"  {what:<28} {r.seconds:7.2f} s   sent {len(r.sent):4d} graphs ({r.triples_sent:,} triples, "
            f"{r.bytes_sent / 1e6:.1f} MB{rate}), skipped {len(r.skipped)}, deleted {len(r.deleted)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", default="data/build")
    ap.add_argument("--to", help="Graph Store endpoint (default: a fresh local `oxigraph serve`)")
    ap.add_argument("--user")
    ap.add_argument("--password")
    args = ap.parse_args()
    kg = open_store(args.store)
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = start_oxigraph(Path(tmp)) if not args.to else (None, args.to)
        try:
            manifest = Path(tmp) / "published.json"

            def run(**kw) -> PublishReport:
                return publish(kg, url, args.user, args.password, manifest=manifest, **kw)

            print(f"store {args.store} ({len(kg):,} triples) -> {url}")
            print(line("first run (everything)", run()))
            print(line("nothing changed", run()))
            print(line("dry run (hashing only)", run(dry_run=True)))
            data = json.loads(manifest.read_text(encoding="utf-8"))
            graphs = data[url]["graphs"]
            doc = max((g for g in graphs if "/graph/doc/" in g), key=lambda g: graphs[g]["triples"])
            graphs[doc]["sha256"] = "changed"
            manifest.write_text(json.dumps(data), encoding="utf-8")
            print(line("one document changed", run()))
        finally:
            if proc:
                proc.terminate()
                proc.wait(20)


if __name__ == "__main__":
    main()
