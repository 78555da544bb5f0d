#!/usr/bin/env python3
"""Time the HTML map in headless Chromium: how long until a map of N nodes is drawn and answers.

    python bench/map_render.py --store data/build --nodes 200 --nodes 2000 --nodes 5000

The bundled view is replicated (each copy shifted, ids renamed) up to about N nodes, written
with `kg map`'s renderer, and opened in Debian's Chromium with the network blocked.  Prints
the time from navigation to the first drawing and to a search answered on the drawn map.
"""
from __future__ import annotations

import argparse
import copy
import shutil
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from kg.store import open_store
from visualize.graph_view import build_view
from visualize.render import write_map


def replicate(view, n_nodes: int):
    base = copy.deepcopy(view)
    out = copy.deepcopy(view)
    k = 1
    while len(out.nodes) < n_nodes:
        for n in base.nodes:
            m = dict(n, id=f"{n['id']}#{k}", x=n["x"] + 5000 * (k % 6), y=n["y"] + 5000 * (k // 6))
            out.nodes.append(m)
        for e in base.edges:
            out.edges.append(dict(e, **{"from": f"{e['from']}#{k}", "to": f"{e['to']}#{k}"}))
        k += 1
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", default="data/build")
    ap.add_argument("--nodes", type=int, action="append", default=None)
    args = ap.parse_args()
    sizes = args.nodes or [200, 2000]
    view = build_view(open_store(args.store))
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu",
                                                                     "--disable-background-networking"])
        for n in sizes:
            v = replicate(view, n) if n > len(view.nodes) else view
            path = write_map(v, Path(tmp) / f"map-{n}.html")
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
            t0 = time.perf_counter()
            page.goto(path.as_uri())
            page.wait_for_function("window.cchcMapDrawn !== undefined", timeout=60000)
            drawn = time.perf_counter() - t0
            page.fill("#search", "so noi vu")
            page.press("#search", "Enter")
            page.wait_for_function("window.cchcMap.network.getSelectedNodes().length > 0", timeout=60000)
            answered = time.perf_counter() - t0
            size_kb = path.stat().st_size // 1024
            print(f"{len(v.nodes):6d} nodes {len(v.edges):6d} edges  {size_kb:6d} KB   drawn {drawn:5.2f} s   "
                  f"search answered {answered:5.2f} s")
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
