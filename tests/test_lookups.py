"""Analysts' lookups on the bundled corpus, diacritics and abbreviations, hostile names."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kg.cli import cli


@pytest.fixture(scope="module")
def store(corpus_build):
    return str(corpus_build.store)


def run(*args):
    return CliRunner().invoke(cli, list(map(str, args)))


def rows(*args):
    r = run(*args, "--format", "json")
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


@pytest.mark.parametrize("words", ["trực tuyến mức độ 3 và 4", "truc tuyen muc do 3 va 4", "TRỰC TUYẾN MỨC ĐỘ 3 VÀ 4"])
def test_who_owns_ignores_case_and_diacritics(store, words):
    found = rows("who-owns", words, "--store", store)
    tg = [r for r in found if r["province"] == "Tiền Giang" and r["year"] == 2025 and r["value"] == 80]
    assert tg and tg[0]["owners"] == ["Văn phòng Ủy ban nhân dân tỉnh"] and tg[0]["basis"]
    assert tg[0]["quote"].startswith("Tối thiểu 80%")
    assert {r["province"] for r in found} >= {"Tiền Giang", "Đắk Nông"}


def test_who_owns_filters_by_province_and_year(store):
    found = rows("who-owns", "hai long thu tuc hanh chinh", "--province", "dak nong", "--year", "2030",
                 "--store", store)
    assert found and all(r["province"] == "Đắk Nông" and r["year"] == 2030 for r in found)
    assert {r["value"] for r in found} >= {95}


def test_abbreviations_in_words(store):
    assert rows("who-owns", "TTHC trực tuyến", "--store", store)


@pytest.mark.parametrize("name", ["Sở Tư pháp", "so tu phap", "SỞ TƯ PHÁP"])
def test_agency_duties_by_role_and_owned_targets(store, name):
    r = run("agency", name, "--store", store, "--format", "json")
    data = json.loads(r.output)
    roles = {d["role"] for d in data["duties"]}
    assert roles == {"lead", "monitor"}
    assert data["owns"] and all(t["area"] == "the_che" for t in data["owns"])


@pytest.mark.parametrize("name, expected", [("VP UBND", "Văn phòng Ủy ban nhân dân tỉnh"),
                                            ("Sở TT&TT", "Sở Thông tin và Truyền thông"),
                                            ("HĐND tỉnh", "Hội đồng nhân dân tỉnh"),
                                            ("Uỷ ban MTTQ tỉnh", "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh")])
def test_agency_abbreviations_and_tone_placement(store, name, expected):
    data = json.loads(run("agency", name, "--store", store, "--format", "json").output)
    assert data["duties"] and {d["agency"] for d in data["duties"]} == {expected}


def test_agency_in_every_province_and_in_one(store):
    everywhere = json.loads(run("agency", "Ban Tuyên giáo Tỉnh ủy", "--store", store, "--format", "json").output)
    assert {d["province"] for d in everywhere["duties"]} == {"Đắk Nông", "Cao Bằng"}
    one = json.loads(run("agency", "Ban Tuyen giao Tinh uy", "--province", "Cao Bằng", "--store", store,
                         "--format", "json").output)
    assert {d["province"] for d in one["duties"]} == {"Cao Bằng"}


def test_targets_due_by_year_area_province_and_unowned(store):
    due = rows("targets", "--year", "2025", "--area", "chinh_quyen_so", "--store", store)
    assert due and all(r["year"] == 2025 and r["area"] == "chinh_quyen_so" for r in due)
    unowned = rows("targets", "--unowned", "--province", "Lạng Sơn", "--store", store)
    assert unowned and all(not r["owners"] and r["province"] == "Lạng Sơn" for r in unowned)


def test_compare_across_provinces(store):
    found = rows("compare", "hài lòng giải quyết thủ tục hành chính", "--store", store)
    by = {(r["province"], r["year"]): r["value"] for r in found}
    assert by[("Tiền Giang", 2025)] == 90 and by[("Đắk Nông", 2025)] == 90 and by[("Lạng Sơn", 2030)] == 95


def test_cites(store):
    found = rows("cites", "--store", store)
    assert {"76/NQ-CP", "468/QĐ-TTg"} <= set(next(r for r in found if r["number"] == "2703/QĐ-UBND")["cites"])
    one = rows("cites", "2703/QĐ-UBND", "--store", store)
    assert len(one) == 1


def test_nothing_found_says_so_and_suggests(store):
    r = run("agency", "Sở Ngoại giao", "--store", store)
    assert r.exit_code == 1 and "no agency named" in r.output and "nearest:" in r.output
    r = run("who-owns", "hai lonq", "--store", store)
    assert r.exit_code == 0 and "no target matches all" in r.output and "long" in r.output
    r = run("who-owns", "xyzzy", "--store", store)
    assert r.exit_code == 1 and "no target matches" in r.output
    r = run("targets", "--province", "Tien Giag", "--store", store)
    assert r.exit_code == 1 and "Tiền Giang" in r.output


HOSTILE = ['" } ; DROP ALL ; #', "'; DELETE WHERE { ?s ?p ?o } #", "} UNION { ?s ?p ?o", "DROP ALL",
           "\\\" ) ) FILTER(true) #", "x" * 100_000]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_leave_the_store_unchanged(store, name):
    import json as _json
    from pathlib import Path
    before = _json.loads((Path(store) / "cchc-kg.json").read_text())["triples"]
    for command in (["agency", name], ["who-owns", name], ["cites", name], ["targets", "--province", name]):
        r = run(*command, "--store", store)
        assert r.exit_code in (0, 1), r.output
        assert "Traceback" not in r.output and len(r.output.splitlines()) <= 2
    count = run("sparql", "--store", store, "--format", "json", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert json.loads(count.output)[0]["n"] == before


def test_tables_fit_80_columns(store, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    for command in (["who-owns", "trực tuyến"], ["agency", "Sở Nội vụ"], ["targets", "--year", "2025"],
                    ["compare", "hài lòng"], ["cites"]):
        r = run(*command, "--store", store)
        assert r.exit_code == 0 and max(len(line) for line in r.output.splitlines()) <= 80, command
