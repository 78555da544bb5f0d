"""Output a spreadsheet or a page cannot be made to run: CSV cells neutralised, template slots filled once."""
from __future__ import annotations

import csv
import io

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.output import as_csv, csv_safe

DOC = """ỦY BAN NHÂN DÂN TỈNH HÀ TĨNH
Số: 12/KH-UBND
Hà Tĩnh, ngày 10 tháng 3 năm 2025

KẾ HOẠCH
Cải cách hành chính năm 2025

I. MỤC TIÊU
1. Đến năm 2025, tối thiểu 80% =HYPERLINK("http://evil.example/x","thủ tục hành chính") {{TITLE}} được \
cung cấp trực tuyến mức độ 3 và 4.
2. Đến năm 2025, 90% @SUM(1+1) hồ sơ được giải quyết đúng hạn.

II. NHIỆM VỤ
1. Sở Nội vụ chủ trì theo dõi, đánh giá -2+3 kết quả cải cách hành chính.
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from kg.pipeline import build
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "doc.txt").write_text(DOC, encoding="utf-8")
    return str(build([folder], folder / "store").store)


def _cells(text: str) -> list[str]:
    return [c for row in csv.reader(io.StringIO(text)) for c in row]


def test_csv_safe():
    assert csv_safe("=1+1") == "'=1+1" and csv_safe("@SUM(A1)") == "'@SUM(A1)" and csv_safe("+cmd") == "'+cmd"
    assert csv_safe("-2+3") == "'-2+3" and csv_safe("\tx") == "'\tx" and csv_safe("＝1") == "'＝1"
    assert csv_safe("-5") == "-5" and csv_safe("12.5") == "12.5" and csv_safe("Sở Nội vụ") == "Sở Nội vụ"
    assert csv_safe(-5) == -5
    assert _cells(as_csv([{"a": "=HYPERLINK(1)", "b": 80.0}])) == ["a", "b", "'=HYPERLINK(1)", "80"]


@pytest.mark.parametrize("command", [["targets"], ["who-owns", "hồ sơ"], ["agency", "Sở Nội vụ"],
                                     ["sparql", "SELECT ?q WHERE { ?s oa:exact ?q }"], ["gaps"], ["status"]])
def test_no_csv_cell_starts_a_formula(store, command):
    r = CliRunner().invoke(cli, [*command, "--store", store, "--format", "csv"])
    assert r.exit_code == 0, r.output
    cells = _cells(r.stdout)
    assert cells and not any(c.startswith(("=", "@", "+", "\t")) or (c.startswith("-") and not c[1:].isdigit())
                             for c in cells)
    assert any("=HYPERLINK" in c or "@SUM" in c or "-2+3" in c for c in cells)   # the text is kept, inert


def test_export_csv_is_neutralised(store, tmp_path):
    out = tmp_path / "targets.csv"
    r = CliRunner().invoke(cli, ["export", "--store", store, "--format", "csv", "-o", str(out)])
    assert r.exit_code == 0, r.output
    cells = _cells(out.read_text(encoding="utf-8"))
    assert any("=HYPERLINK" in c for c in cells) and not any(c.startswith(("=", "@")) for c in cells)


def test_a_slot_written_in_a_document_stays_text_in_the_map(store, tmp_path):
    out = tmp_path / "map.html"
    r = CliRunner().invoke(cli, ["map", "--store", store, "-o", str(out)])
    assert r.exit_code == 0, r.output
    page = out.read_text(encoding="utf-8")
    assert "{{TITLE}}" in page   # the quote keeps its text; the page's title slot was filled once
    assert page.count("<title>") == 1 and "{{TITLE}}</title>" not in page


def test_the_endpoints_csv_results_are_neutralised():
    import pyoxigraph as ox

    from kg.results import select_results
    body = select_results(["q"], [[ox.Literal("=HYPERLINK(1)")], [ox.Literal("-5")]], "csv").decode("utf-8")
    assert _cells(body) == ["q", "'=HYPERLINK(1)", "-5"]
