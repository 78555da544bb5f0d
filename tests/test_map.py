"""The HTML map: data handed to vis-network, and the page itself in a real headless Chromium."""
from __future__ import annotations

import os
import re
import shutil

import pytest

from conftest import ARTIFACTS, CHROMIUM, ROOT, offline_page
from kg.cli import cli


@pytest.fixture(scope="module")
def view(corpus_store):
    from visualize.graph_view import build_view
    return build_view(corpus_store)


def test_view_has_documents_areas_targets_agencies_and_edges(view, corpus_build):
    kinds: dict[str, int] = {}
    for n in view.nodes:
        kinds[n["kind"]] = kinds.get(n["kind"], 0) + 1
    assert kinds["document"] == 5
    assert kinds["target"] == sum(len(d.targets) for d in corpus_build.documents)
    assert kinds["area"] >= 7 and kinds["agency"] > 20
    assert {e["kind"] for e in view.edges} >= {"states", "owns", "lead", "coordinate", "monitor", "implement"}
    owns = [e for e in view.edges if e["kind"] == "owns"]
    assert owns and all(e["basis"] for e in owns)
    assert all("x" in n and "y" in n for n in view.nodes)


def test_page_is_self_contained(tmp_path, corpus_build):
    from click.testing import CliRunner
    out = tmp_path / "map.html"
    r = CliRunner().invoke(cli, ["map", "--store", str(corpus_build.store), "-o", str(out)])
    assert r.exit_code == 0, r.output
    html = out.read_text(encoding="utf-8")
    assert not re.search(r"https?://", html)
    assert "<script src" not in html and "<link" not in html


def _hostile_store(tmp_path):
    from kg.pipeline import build
    corpus = tmp_path / "hostile"
    corpus.mkdir()
    shutil.copy(next((ROOT / "data" / "corpus").glob("000*")), corpus)
    (corpus / "xss.txt").write_text(
        "KẾ HOẠCH\n\nI. MỤC TIÊU\n\n1. Đến năm 2025, tối thiểu 90% hồ sơ <script>window.__xss=1</script> "
        "được giải quyết trực tuyến.\n\nII. TỔ CHỨC THỰC HIỆN\n\nSở Nội vụ chủ trì, theo dõi việc thực hiện "
        "Kế hoạch này <img src=x onerror=window.__xss=2>.\n", encoding="utf-8")
    return build([corpus], tmp_path / "store")


def _view_nodes(report):
    from kg.store import open_store
    from visualize.graph_view import build_view
    return build_view(open_store(report.store)).nodes


def test_unowned_targets_are_marked(view):
    targets = [n for n in view.nodes if n["kind"] == "target"]
    unowned = [n for n in targets if not n["owned"]]
    assert unowned and len(unowned) < len(targets)
    assert all(n["label"].startswith("⚠") and n["color"]["border"] == "#d62728" for n in unowned)
    assert all("chưa xác định" in n["title"] for n in unowned)


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed")
def test_map_in_headless_chromium(tmp_path):
    from kg.store import open_store
    from visualize import build_map
    report = _hostile_store(tmp_path)
    page_path, n_nodes, _ = build_map(open_store(report.store), tmp_path / "map.html")
    with offline_page(1400, 900) as (page, requests, errors):
        page.goto(page_path.as_uri())
        page.wait_for_function("window.cchcMapDrawn !== undefined", timeout=10000)
        assert not errors, errors
        assert [u for u in requests if not u.startswith("file:")] == []
        assert page.evaluate("window.cchcMap.nodes.length") == n_nodes
        assert page.evaluate("window.__xss") is None
        # a target's tooltip shows its source quote: hover the node and read vis-network's tooltip
        target = page.evaluate("""() => { const m = window.cchcMap;
            const t = m.data.nodes.find(n => n.kind === 'target' && n.title.includes('__xss'));
            m.network.focus(t.id, {scale: 1.5}); const p = m.network.getPositions([t.id])[t.id];
            const d = m.network.canvasToDOM(p); const r = document.getElementById('graph').getBoundingClientRect();
            return {id: t.id, x: d.x + r.left, y: d.y + r.top}; }""")
        page.mouse.move(target["x"] - 40, target["y"] - 40)
        page.mouse.move(target["x"], target["y"], steps=4)
        page.wait_for_selector("div.vis-tooltip", state="visible", timeout=5000)
        tip = page.inner_text("div.vis-tooltip")
        assert "<script>window.__xss=1</script>" in tip and "Trích dẫn" in tip
        # search without diacritics
        page.fill("#search", "so noi vu")
        page.press("#search", "Enter")
        selected = page.evaluate(
            "window.cchcMap.network.getSelectedNodes().map(id => window.cchcMap.nodes.get(id).label)")
        assert selected and all("Sở Nội vụ" in s for s in selected)
        # filters actually filter
        page.select_option("#fRole", "monitor")
        visible = page.evaluate("window.cchcMap.nodes.get({filter: n => !n.hidden}).map(n => n.kind)")
        assert "agency" in visible and len(visible) < n_nodes
        page.select_option("#fRole", "")
        # unowned targets are marked and can be shown alone
        unowned = page.evaluate("window.cchcMap.data.nodes.filter(n => n.kind === 'target' && !n.owned).length")
        assert unowned == len([n for n in _view_nodes(report) if n["kind"] == "target" and not n["owned"]])
        page.check("#fUnowned")
        shown = page.evaluate("window.cchcMap.nodes.get({filter: n => !n.hidden && n.kind === 'target'})"
                              ".map(n => window.cchcMap.data.nodes.find(d => d.id === n.id).owned)")
        assert shown == [False] * unowned
        page.uncheck("#fUnowned")
        assert page.evaluate("window.__xss") is None and not errors
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "map-hostile.png"))


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed")
def test_bundled_corpus_map_screenshot(corpus_store, tmp_path):
    from playwright.sync_api import sync_playwright

    from visualize import build_map
    page_path, n_nodes, _ = build_map(corpus_store, tmp_path / "map.html")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu",
                                                                     "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
        page.goto(page_path.as_uri())
        page.wait_for_function("window.cchcMapDrawn !== undefined", timeout=10000)
        assert page.evaluate("window.cchcMap.nodes.length") == n_nodes
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "map.png"))
        browser.close()


@pytest.mark.parametrize("args, hint", [(["--province", "Hà Nội"], "provinces in the store"),
                                        (["--province", "Tien Giag"], "Tiền Giang"),
                                        (["--area", "bogus"], "chinh_quyen_so"),
                                        (["--agency", "Sở Ngoại giao"], "nearest:")])
def test_map_refuses_filters_naming_nothing_like_the_lookups(tmp_path, corpus_build, args, hint):
    from click.testing import CliRunner
    out = tmp_path / "map.html"
    r = CliRunner().invoke(cli, ["map", "--store", str(corpus_build.store), "-o", str(out), *args])
    assert r.exit_code == 1 and r.stdout == ""
    assert len(r.stderr.splitlines()) == 1 and r.stderr.startswith("Error: ") and hint in r.stderr
    assert not out.exists() and not list(tmp_path.iterdir())


def test_map_filters_resolve_like_the_lookups(corpus_store):
    from visualize.graph_view import build_view
    exact = build_view(corpus_store, province="Tiền Giang", agency="Văn phòng Ủy ban nhân dân tỉnh",
                       area="chinh_quyen_so")
    loose = build_view(corpus_store, province="tien giang", agency="VP UBND", area="cqs")
    assert exact.nodes and [n["id"] for n in exact.nodes] == [n["id"] for n in loose.nodes]
    assert {n["province"] for n in loose.nodes if n["province"]} == {"Tiền Giang"}


def test_map_with_nothing_to_draw_says_no_results_and_writes_nothing(tmp_path, corpus_build):
    from click.testing import CliRunner
    out = tmp_path / "map.html"
    r = CliRunner().invoke(cli, ["map", "--store", str(corpus_build.store), "-o", str(out),
                                 "--province", "Lâm Đồng", "--agency", "Sở Nội vụ"])
    assert r.exit_code == 0 and r.stdout == "" and r.stderr.startswith("no results")
    assert not out.exists()
