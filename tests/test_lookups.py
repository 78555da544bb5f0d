"""Analysts' lookups on the bundled corpus, diacritics and abbreviations, hostile names."""
from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from conftest import CORPUS
from kg.cli import cli


@pytest.fixture(scope="module")
def store(corpus_build):
    return str(corpus_build.store)


def run(*args, columns=80):
    return CliRunner().invoke(cli, list(map(str, args)), env={"COLUMNS": str(columns)})


def rows(*args):
    r = run(*args, "--format", "json")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


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
    data = json.loads(run("agency", name, "--store", store, "--format", "json", "--as-of", "2024-12-31").stdout)
    assert data["duties"] and {d["agency"] for d in data["duties"]} == {expected}


def test_an_old_name_finds_its_successor_and_the_other_way_round(store):
    old = run("agency", "Sở TT&TT", "--store", store, "--format", "json", "--as-of", "2026-01-01")
    assert old.exit_code == 0 and "note: Sở Thông tin và Truyền thông became Sở Khoa học và Công nghệ" in old.stderr
    names = {d["agency"] for d in json.loads(old.stdout)["duties"]}
    assert names == {"Sở Thông tin và Truyền thông", "Sở Khoa học và Công nghệ"}
    new = json.loads(run("agency", "Sở KH&CN", "--store", store, "--format", "json", "--as-of", "2026-01-01").stdout)
    assert {d["agency"] for d in new["duties"]} == names
    row = next(d for d in new["duties"] if d["agency"] == "Sở Thông tin và Truyền thông")
    assert row["agency_in_force"] == "Sở Khoa học và Công nghệ Đồng Tháp"
    assert row["changes"] == ["Sở Thông tin và Truyền thông → Sở Khoa học và Công nghệ, 1/3/2025 "
                              "(Nghị định số 45/2025/NĐ-CP)", "Tiền Giang → Đồng Tháp, 1/7/2025 "
                              "(Nghị quyết số 202/2025/QH15)"]
    table = run("agency", "Sở TT&TT", "--store", store, "--as-of", "2026-01-01")
    assert "Changes since the documents" in table.stdout and "Tiền Giang → Đồng Tháp, 1/7/2025" in table.stdout


def test_owners_as_in_force_and_a_province_asked_by_its_old_name(store):
    r = run("who-owns", "trực tuyến mức độ 3 và 4", "--province", "tien giang", "--store", store, "--format", "json",
            "--as-of", "2026-01-01")
    assert r.exit_code == 0 and "note: Tiền Giang has been part of Đồng Tháp since 1/7/2025" in r.stderr
    found = json.loads(r.stdout)
    assert found and all(o.endswith("Đồng Tháp") for row in found for o in row["owners_in_force"])
    before = json.loads(run("who-owns", "trực tuyến mức độ 3 và 4", "--province", "tien giang", "--store", store,
                            "--format", "json", "--as-of", "2024-06-01").stdout)
    assert all(row["owners_in_force"] == row["owners"] and not row["changes"] for row in before)


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
    by = {(r["province"], r["year"]): r["value"] for r in found if r["indicator"] == "hai-long-giai-quyet-tthc"}
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
    assert r.exit_code == 0 and r.stdout == "" and r.stderr.startswith("no results")
    r = run("targets", "--province", "Tien Giag", "--store", store)
    assert r.exit_code == 1 and "Tiền Giang" in r.output


HOSTILE = ['" } ; DROP ALL ; #', "'; DELETE WHERE { ?s ?p ?o } #", "} UNION { ?s ?p ?o", "DROP ALL",
           "\\\" ) ) FILTER(true) #", "x" * 100_000]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_leave_the_store_unchanged(store, name, tmp_path):
    import json as _json
    from pathlib import Path
    before = _json.loads((Path(store) / "cchc-kg.json").read_text())["triples"]
    out = tmp_path / "map.html"
    for command in (["agency", name], ["who-owns", name], ["cites", name], ["review", name],
                    ["targets", "--province", name], ["targets", "--area", name],
                    ["who-owns", "trực tuyến", "--province", name], ["map", "--province", name, "-o", out],
                    ["map", "--agency", name, "-o", out], ["map", "--area", name, "-o", out]):
        r = run(*command, "--store", store)
        assert r.exit_code in (0, 1), r.output
        assert "Traceback" not in r.output and len(r.output.splitlines()) <= 2
        assert len(r.output) < 2000
    assert not out.exists()
    count = run("sparql", "--store", store, "--format", "json", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert json.loads(count.output)[0]["n"] == before


def test_tables_fit_80_columns(store, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    for command in (["who-owns", "trực tuyến"], ["agency", "Sở Nội vụ"], ["targets", "--year", "2025"],
                    ["compare", "hài lòng"], ["cites"]):
        r = run(*command, "--store", store)
        assert r.exit_code == 0 and max(len(line) for line in r.output.splitlines()) <= 80, command


# --- filters before ranking, abbreviations on both sides, unowned targets, document numbers ---------------------


def test_province_filter_applies_before_the_ranking(store):
    """Lạng Sơn's online-service targets lose to other provinces' on the whole store, not within Lạng Sơn."""
    found = rows("who-owns", "trực tuyến mức độ 3 và 4", "--province", "Lạng Sơn", "--store", store)
    assert found and {r["province"] for r in found} == {"Lạng Sơn"}
    got = {(r["year"], r["comparator"], r["value"]) for r in found}
    assert {(2025, ">=", 50), (2030, ">=", 80)} <= got
    one_year = rows("who-owns", "trực tuyến mức độ 3 và 4", "--province", "lang son", "--year", "2030",
                    "--store", store)
    assert one_year and all(r["year"] == 2030 and r["province"] == "Lạng Sơn" for r in one_year)
    assert any(r["value"] == 80 for r in one_year)


def test_year_filter_applies_before_the_ranking(corpus_store):
    from kg.lookups import who_owns
    every = who_owns(corpus_store, "trực tuyến mức độ 3 và 4")
    assert every and {r["province"] for r in every} >= {"Tiền Giang", "Đắk Nông"}
    for province in ("Lạng Sơn", "Tiền Giang", "Đắk Nông"):
        for year in (2025, 2030):
            found = who_owns(corpus_store, "trực tuyến mức độ 3 và 4", province=province, year=year)
            assert found and all(r["province"] == province and r["year"] == year for r in found), (province, year)


def test_abbreviations_fold_the_same_on_both_sides(corpus_store):
    """One normalisation for the query and the stored key: a key that still says "cchc" (stores built
    before keys were expanded) and one already expanded match the same query words."""
    from kg import lookups
    from kg.abbreviations import search_key, search_words
    assert lookups.search_words is search_words
    assert search_words("Chỉ số CCHC") == search_words("chi so cai cach hanh chinh")
    assert search_words("TTHC; UBND, HĐND.") == search_words("thủ tục hành chính ủy ban nhân dân Hội đồng nhân dân")
    assert search_words("Sở TT&TT") == search_words("sở thông tin và truyền thông")
    assert search_key(search_key("Chỉ số CCHC")) == search_key("Chỉ số CCHC")  # expanding twice changes nothing
    q = ox.Literal(" ".join(lookups.query_words("chi so CCHC")))
    for key in (" chi so cchc cua tinh ", search_key("Chỉ số CCHC của tỉnh")):
        assert lookups._score(ox.Literal(key), q).value == "1.0000"
    assert " cchc " in lookups._needles("chinh") and " tthc " in lookups._needles("chinh")


@pytest.mark.parametrize("words", ["chi so CCHC", "chỉ số cải cách hành chính", "Chi so cai cach hanh chinh"])
def test_cchc_written_in_a_document_matches(store, words):
    """Lâm Đồng's article writes "Chỉ số CCHC": the words and the abbreviation find it alike."""
    found = rows("who-owns", words, "--province", "Lâm Đồng", "--store", store)
    assert found and all(r["province"] == "Lâm Đồng" for r in found)
    assert any("CCHC" in r["quote"] for r in found)
    everywhere = rows("who-owns", words, "--store", store)
    assert any(r["province"] == "Lâm Đồng" and "CCHC" in r["quote"] for r in everywhere)


def test_unowned_matches_are_listed_with_no_owner_named(store):
    found = rows("who-owns", "chi so cai cach hanh chinh", "--province", "Lâm Đồng", "--store", store)
    listed = rows("targets", "--province", "Lâm Đồng", "--area", "chi_so", "--store", store)
    assert found and listed
    assert all(r["owners"] == [] and r["owned"] is False and r["basis"] == [] for r in found)
    assert {r["target"] for r in found} <= {r["target"] for r in listed}
    table = run("who-owns", "chi so cai cach hanh chinh", "--province", "Lâm Đồng", "--store", store)
    assert table.exit_code == 0
    assert all("no owner named" in line for line in table.stdout.splitlines()[2:])
    csv_out = run("who-owns", "chi so cai cach hanh chinh", "--province", "Lâm Đồng", "--store", store,
                  "--format", "csv").stdout.splitlines()
    header = csv_out[0].split(",")
    assert "owners" in header and "owned" in header
    import csv as _csv
    first = dict(zip(header, next(_csv.reader([csv_out[1]])), strict=True))
    assert first["owners"] == "" and first["owned"] == "false"
    owned = rows("who-owns", "trực tuyến mức độ 3 và 4", "--province", "Tiền Giang", "--store", store)
    assert owned and all(r["owned"] is True and r["owners"] for r in owned)


@pytest.mark.parametrize("doc", ["2703/QĐ-UBND", "2703/QD-UBND", "2703/qd-ubnd", "2703/qđ-ubnd",
                                 "001_97a7edcad466b9d1.txt", "001_97a7edcad466b9d1"])
def test_document_numbers_match_without_diacritics(store, doc):
    one = rows("cites", doc, "--store", store)
    assert [r["number"] for r in one] == ["2703/QĐ-UBND"]
    unread = rows("review", doc, "--store", store)
    assert unread and {r["file"] for r in unread} == {"001_97a7edcad466b9d1.txt"}


def test_cites_by_a_cited_number_lists_the_documents_citing_it(store):
    citing = rows("cites", "76/nq-cp", "--store", store)
    assert len(citing) >= 2 and all(r["cites"] == ["76/NQ-CP"] for r in citing)


# --- one exit-code rule for every lookup ------------------------------------------------------------------------

UNKNOWN = [  # a filter naming something the store does not hold: one line on stderr, a suggestion, exit 1
    (["who-owns", "trực tuyến", "--province", "Ha Noi"], "provinces in the store"),
    (["who-owns", "trực tuyến", "--province", "Lang Sonn"], "Lạng Sơn"),
    (["agency", "Sở Ngoại giao"], "nearest:"),
    (["agency", "Sở Nội vụ", "--province", "Tien Giag"], "Tiền Giang"),
    (["targets", "--area", "bogus"], "chinh_quyen_so"),
    (["targets", "--province", "Tien Giag"], "Tiền Giang"),
    (["cites", "2703/QD-UBNX"], "2703/QĐ-UBND"),
    (["compare", "xyzzy"], "kg indicators lists them"),
    (["review", "no-such-doc.txt"], "documents in the store"),
    (["review", "2703/QĐ-UBNX"], "2703/QĐ-UBND"),
]
EMPTY = [  # a valid query that matches nothing: "no results" on stderr, exit 0, [] / header only
    ["who-owns", "xyzzy"],
    ["who-owns", "trực tuyến mức độ 3 và 4", "--year", "2099"],
    ["who-owns", "trực tuyến mức độ 3 và 4", "--province", "Cao Bằng", "--year", "2099"],
    ["agency", "Sở Nội vụ", "--province", "Lâm Đồng"],
    ["targets", "--year", "2099"],
    ["targets", "--province", "Lâm Đồng", "--area", "the_che", "--unowned", "--year", "2099"],
    ["compare", "dti"],   # in the catalogue; no target in the store measures it
    ["cites", "003_64ca35695e08aea5.txt"],
    ["review", "003_64ca35695e08aea5.txt"],
    ["sparql", "SELECT ?t ?m WHERE { ?t a cchc:Nothing ; cchc:metric ?m }"],
]


@pytest.mark.parametrize("command, hint", UNKNOWN)
@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_a_filter_naming_nothing_in_the_store_is_an_error(store, command, hint, fmt):
    r = run(*command, "--store", store, "--format", fmt)
    assert r.exit_code == 1, r.output
    assert r.stdout == "" and len(r.stderr.splitlines()) == 1 and r.stderr.startswith("Error: ")
    assert hint in r.stderr


@pytest.mark.parametrize("command", EMPTY)
def test_a_query_matching_nothing_says_no_results_and_exits_0(store, command):
    table = run(*command, "--store", store)
    assert table.exit_code == 0, table.output
    assert table.stdout == "" and table.stderr.startswith("no results") and len(table.stderr.splitlines()) == 1
    as_json = run(*command, "--store", store, "--format", "json")
    assert as_json.exit_code == 0 and as_json.stderr.startswith("no results")
    assert json.loads(as_json.stdout) in ([], {"duties": [], "owns": []})
    as_csv = run(*command, "--store", store, "--format", "csv")
    assert as_csv.exit_code == 0 and as_csv.stderr.startswith("no results")
    lines = as_csv.stdout.splitlines()
    assert len(lines) == 1 and "," in lines[0]   # the header alone


def test_csv_headers_are_the_same_with_and_without_rows(store):
    for command, empty in ((["who-owns", "trực tuyến"], ["who-owns", "xyzzy"]),
                           (["targets"], ["targets", "--year", "2099"]),
                           (["compare", "hài lòng"], ["compare", "dti"]),
                           (["cites"], ["cites", "003_64ca35695e08aea5"]),
                           (["review"], ["review", "003_64ca35695e08aea5"]),
                           (["agency", "Sở Nội vụ"], ["agency", "Sở Nội vụ", "--province", "Lâm Đồng"])):
        full = run(*command, "--store", store, "--format", "csv").stdout.splitlines()[0]
        assert run(*empty, "--store", store, "--format", "csv").stdout.splitlines() == [full], command
    for command in (["who-owns", "trực tuyến"], ["targets"], ["compare", "hài lòng"], ["cites"], ["review"]):
        data = rows(*command, "--store", store)
        header = run(*command, "--store", store, "--format", "csv").stdout.splitlines()[0].split(",")
        assert list(data[0]) == header, command


# --- agency: every field, tables that tell rows apart -----------------------------------------------------------


def test_agency_json_gives_every_field_of_duties_and_owned_targets(store):
    data = json.loads(run("agency", "VP UBND", "--province", "Tiền Giang", "--store", store, "--format",
                          "json").stdout)
    assert data["duties"] and data["owns"]
    for d in data["duties"]:
        assert d["quote"] and d["file"] == "001_97a7edcad466b9d1.txt" and d["number"] == "2703/QĐ-UBND"
        assert d["document"] == "2703/QĐ-UBND" and d["duty"].startswith("https://")
    for t in data["owns"]:
        assert t["quote"] and t["file"] == "001_97a7edcad466b9d1.txt" and t["number"] == "2703/QĐ-UBND"
        assert {"year", "comparator", "value", "unit", "basis", "metric", "area", "target"} <= set(t)
        assert isinstance(t["basis"], list) and t["basis"]
    online = next(t for t in data["owns"] if t["value"] == 80 and "mức độ 3 và 4" in t["quote"])
    assert online["year"] == 2025 and online["comparator"] == ">=" and online["unit"] == "%"
    assert len({t["target"] for t in data["owns"]}) == len(data["owns"])   # one row per target
    text = {p.name: p.read_text(encoding="utf-8") for p in CORPUS.iterdir()}
    assert all(x["quote"] in text[x["file"]] for x in data["duties"] + data["owns"])


def test_no_table_prints_two_different_rows_alike(store):
    commands = [["targets"], ["targets", "--province", "Tiền Giang"], ["who-owns", "thủ tục hành chính"],
                ["agency", "Sở Nội vụ"], ["agency", "VP UBND"], ["review"], ["compare", "hài lòng"]]
    for command in commands:
        for columns in (80, 120):
            r = run(*command, "--store", store, columns=columns)
            assert r.exit_code == 0, command
            for block in r.stdout.split("\n\n"):
                lines = [x for x in block.splitlines()[1:] if x and not x.startswith(("-", "DUTIES", "OWNS"))]
                assert len(lines) == len(set(lines)), (command, columns)


def test_table_adds_a_distinguishing_column_only_when_needed():
    from kg.output import table
    a = {"province": "X", "metric": "same words", "document": "1/QĐ-UBND", "target": "https://x/id/target/d1-t1"}
    b = dict(a, document="2/QĐ-UBND", target="https://x/id/target/d2-t1")
    c = dict(a, target="https://x/id/target/d1-t2")
    plain = table([a, dict(a, metric="other")], ["province", "metric"], width=80).splitlines()
    assert plain[0].split() == ["province", "metric"]
    by_doc = table([a, b], ["province", "metric"], width=80).splitlines()
    assert by_doc[0].split() == ["province", "metric", "doc"] and "1/QĐ-UBND" in by_doc[2]
    by_id = table([a, c], ["province", "metric"], width=80).splitlines()
    assert by_id[0].split() == ["province", "metric", "id"] and by_id[2].endswith("t1") and by_id[3].endswith("t2")
    numbered = table([{"a": "x", "b": 1}, {"a": "x", "b": 2}], ["a"], width=80).splitlines()
    assert numbered[0].split() == ["a", "#"]
    same = table([a, dict(a)], ["province", "metric"], width=80).splitlines()
    assert same[0].split() == ["province", "metric"]   # truly identical rows stay as they are


@pytest.mark.parametrize("filters", [{}, {"year": 2025}, {"year": 2030, "area": "tthc"}, {"unowned": True},
                                     {"province": "Tiền Giang"}, {"province": "lam dong", "year": 2025}])
@pytest.mark.parametrize("piecewise", [48, 1])
def test_targets_with_a_limit_are_the_first_rows_of_the_whole_list(corpus_store, monkeypatch, filters, piecewise):
    """A limit reads the documents province by province until it has its rows (or, past
    MAX_PIECEWISE queries, the whole list at once): the rows are always the whole list's first ones."""
    from kg import lookups
    whole = lookups.targets(corpus_store, **filters)
    assert whole
    monkeypatch.setattr(lookups, "MAX_PIECEWISE", piecewise)
    for limit in (1, 3, 7, 20, len(whole), len(whole) + 5):
        assert lookups.targets(corpus_store, **filters, limit=limit) == whole[:limit], limit


@pytest.mark.parametrize("name, province", [("Sở Tư pháp", None), ("Sở Nội vụ", None), ("VP UBND", None),
                                            ("Ban Tuyên giáo Tỉnh ủy", None), ("Sở Nội vụ", "Tiền Giang"),
                                            ("Sở TT&TT", None)])
@pytest.mark.parametrize("piecewise", [48, 1])
def test_agency_with_a_limit_gives_the_first_rows_of_each_list(corpus_store, monkeypatch, name, province, piecewise):
    """Duties and owned targets read agency by agency, province by province, up to a limit: the first
    rows of the lists read whole, co-assignees ("with") and bodies in force included."""
    from kg import lookups
    whole = lookups.agency(corpus_store, name, province)
    assert whole["duties"] or whole["owns"]
    monkeypatch.setattr(lookups, "MAX_PIECEWISE", piecewise)
    for limit in (1, 2, 5, 40):
        assert lookups.agency(corpus_store, name, province, limit=limit) == {k: v[:limit] for k, v in whole.items()}


@pytest.mark.parametrize("filters", [{}, {"unowned": True}, {"year": 2025}, {"province": "Lâm Đồng"}])
def test_a_long_list_read_in_one_query_gives_the_same_rows(corpus_store, monkeypatch, filters):
    """Past MANY rows, details and owners come from one query over the store instead of one per
    row: the same rows, owners and order either way."""
    from kg import lookups
    monkeypatch.setattr(lookups, "MANY", 10**9)
    one_by_one = lookups.targets(corpus_store, **filters)
    monkeypatch.setattr(lookups, "MANY", 0)
    assert one_by_one and lookups.targets(corpus_store, **filters) == one_by_one
    assert any(r["owners"] for r in one_by_one) or filters.get("unowned")
