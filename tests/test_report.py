"""`kg report`: one province's offline HTML page for inspectors (visualize/report.py), and the page in Chromium."""
from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
from html import escape

import pytest
from click.testing import CliRunner

from conftest import ARTIFACTS, CHROMIUM, CORPUS, ROOT, offline_page
from kg.cli import cli

ACTUALS = ROOT / "data" / "actuals" / "par_sipas_2021_2024.csv"
AS_OF = dt.date(2026, 11, 29)
HOSTILE = ("KẾ HOẠCH\nCải cách hành chính tỉnh Hà Tĩnh năm 2025\n\n"
           "UBND tỉnh Hà Tĩnh ban hành Kế hoạch cải cách hành chính như sau:\n\nI. MỤC TIÊU\n\n"
           "1. Đến năm 2025, tối thiểu 80% thủ tục hành chính <script>window.__xss=1</script> được cung cấp "
           "trực tuyến mức độ 3 và 4.\n\n"
           "2. Đến năm 2030, 100% hồ sơ <img src=x onerror=window.__xss=2> {{GAPS}} được số hóa.\n\n"
           "II. TỔ CHỨC THỰC HIỆN\n\n"
           "1. Sở Nội vụ chủ trì, phối hợp với các sở, ngành rà soát thủ tục hành chính <b>in đậm</b>, "
           "hoàn thành trước ngày 30/6/2025.\n")


def run(*args):
    return CliRunner().invoke(cli, list(map(str, args)), env={"COLUMNS": "100"})


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """The bundled corpus with the shipped actuals imported."""
    from kg.pipeline import build
    out = tmp_path_factory.mktemp("report") / "store"
    build([CORPUS], out)
    r = run("actuals", "import", ACTUALS, "--store", out)
    assert r.exit_code == 0, r.output
    return out


@pytest.fixture(scope="module")
def lam_dong(store, tmp_path_factory):
    out = tmp_path_factory.mktemp("page") / "lam-dong.html"
    r = run("report", "--province", "Lâm Đồng", "--as-of", AS_OF, "--store", store, "-o", out)
    assert r.exit_code == 0 and r.stdout.startswith(f"wrote {out}"), r.output
    return out


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    from kg.pipeline import build
    from kg.store import open_store
    from visualize.report import write_report
    base = tmp_path_factory.mktemp("hostile")
    (base / "corpus").mkdir()
    (base / "corpus" / "xss.txt").write_text(HOSTILE, encoding="utf-8")
    report = build([base / "corpus"], base / "store")
    path, data = write_report(open_store(report.store), "ha tinh", AS_OF, base / "hostile.html")
    assert data["province"] == "Hà Tĩnh" and data["targets"]
    return path


def test_lam_dong_report_has_counts_evidence_owners_quotes_and_rules(store, lam_dong):
    from kg.status import TARGET_STATUSES, rules, status
    from kg.store import open_store
    page = lam_dong.read_text(encoding="utf-8")
    rows = status(open_store(store), "Lâm Đồng", AS_OF)
    for s in TARGET_STATUSES:
        n = sum(r["kind"] == "target" and r["status"] == s for r in rows)
        assert f'data-status="{s}" data-count="{n}"' in page, s
    assert 'data-status="achieved" data-count="1"' in page and 'data-status="overdue" data-count="3"' in page
    assert "86.75% (2021)" in page                                           # the achieved PAR INDEX result
    assert "dichvulamdong.com" in page and 'href="http://dichvulamdong.com/' in page   # its source, a link
    assert "chưa có cơ quan chịu trách nhiệm (no owner named)" in page
    assert "Các chỉ số (PAR, SIPAS, PCI, PAPI)" in page and "Chính quyền điện tử, số" in page
    for text in rules().text.values():
        assert escape(text) in page, text
    achieved = next(r for r in rows if r["status"] == "achieved")
    assert f"<blockquote>{escape(achieved['quote'])}</blockquote>" in page   # verbatim, shown on demand
    assert "Lâm Đồng cũng phấn đấu Chỉ số CCHC của tỉnh hằng năm đạt trên 85%" in page
    assert "Mốc thời hạn" in page and 'class="tl"' in page and "ngày đánh giá 29/11/2026" in page
    assert "Khoảng trống trách nhiệm" in page and "triển khai phần mềm hệ thống quản lý hồ sơ CBCCVC" in page


def test_report_page_is_offline_and_nfc(lam_dong):
    page = lam_dong.read_text(encoding="utf-8")
    assert not re.search(r"""\bsrc\s*=\s*["']?\s*(https?:)?//""", page, re.IGNORECASE)
    assert "<link" not in page and "<script" not in page.lower() and "<iframe" not in page
    assert not re.search(r"url\(|@import", page)
    assert unicodedata.is_normalized("NFC", page)
    assert "{{" not in page


def test_report_data_is_the_library_view(store):
    from kg.store import open_store
    from visualize.report import default_output, report_data
    data = report_data(open_store(store), "lam dong", AS_OF)
    assert data["province"] == "Lâm Đồng" and data["as_of"] == "2026-11-29"
    assert sum(data["counts"]["target"].values()) == len(data["targets"]) == 15
    index = next(a for a in data["areas"] if a["area"] == "chi_so")
    achieved = next(t for t in index["targets"] if t["status"] == "achieved")
    assert achieved["cell"] == ">85%" and achieved["source"]["url"].startswith("http://dichvulamdong.com/")
    assert len(data["gaps"]["target-without-owner"]) == 13 and len(data["gaps"]["target-overdue"]) == 3
    assert default_output("Lâm Đồng") == "report-lam-dong.html"


def test_unknown_province_is_one_line_exit_1_and_no_file(store, tmp_path):
    out = tmp_path / "r.html"
    r = run("report", "--province", "Hà Nội", "--store", store, "-o", out)
    assert r.exit_code == 1 and r.stdout == ""
    assert len(r.stderr.splitlines()) == 1 and r.stderr.startswith("Error: no province 'Hà Nội'")
    assert "Lâm Đồng" in r.stderr
    assert not out.exists() and not list(tmp_path.iterdir())


def test_hostile_document_text_is_escaped(hostile):
    page = hostile.read_text(encoding="utf-8")
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in page
    assert "<script" not in page.lower() and "<img" not in page and "<b>in" not in page
    assert "&lt;img src=x onerror=window.__xss=2&gt;" in page
    assert "{{GAPS}}" in page                      # a placeholder in a document is text, not expanded
    assert "30/06/2025" in page                    # the dated task is on the timeline


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed")
def test_report_in_headless_chromium(lam_dong, hostile):
    with offline_page(1400, 1000) as (page, requests, errors):
        page.goto(lam_dong.as_uri())
        assert page.is_visible("#legend") and "achieved" in page.inner_text("#legend")
        first = page.locator("tr.target").first
        assert first.is_visible() and page.locator("tr.target").count() == 15
        quote = first.locator("details blockquote")
        assert not quote.is_visible()
        first.locator("summary").first.click()
        assert quote.is_visible()
        ARTIFACTS.mkdir(exist_ok=True)
        first.locator("summary").first.click()
        page.screenshot(path=str(ARTIFACTS / "report-lam-dong.png"))
        page.screenshot(path=str(ARTIFACTS / "report-lam-dong-full.png"), full_page=True)

        page.goto(hostile.as_uri())
        for summary in page.locator("summary").all():
            summary.click()
        text = page.inner_text("body")
        assert "<script>window.__xss=1</script>" in text and "<img src=x onerror=window.__xss=2>" in text
        assert page.evaluate("window.__xss") is None and page.locator("img").count() == 0
        page.screenshot(path=str(ARTIFACTS / "report-hostile.png"), full_page=True)
        assert not errors, errors
        assert [u for u in requests if not u.startswith("file:")] == []
        assert len(requests) == 2
