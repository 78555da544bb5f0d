"""The indicator catalogue, the target → indicator links, and the comparison with the national programme."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import CORPUS, FIXTURES
from kg.abbreviations import abbreviations, search_words
from kg.cli import cli
from kg.indicators import UNITS, catalogue, find_indicator, resolve
from kg.lexicon import load_toml
from kg.model import AREAS, COMPARATORS

BENCH = Path(__file__).resolve().parent.parent / "bench"


def run(*args, columns=100):
    return CliRunner().invoke(cli, list(map(str, args)), env={"COLUMNS": str(columns)})


def rows(*args):
    r = run(*args, "--format", "json")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


@pytest.fixture(scope="module")
def store(corpus_build):
    return str(corpus_build.store)


@pytest.fixture(scope="module")
def fixture_store(tmp_path_factory):
    """A small plan written for these tests: one target per verdict."""
    from kg.pipeline import build
    out = tmp_path_factory.mktemp("ind") / "store"
    build([FIXTURES / "plan_indicators.txt"], out)
    return str(out)


# --- the catalogue ------------------------------------------------------------------------------------------


def test_every_indicator_cites_its_instrument_and_is_well_formed():
    cat = catalogue()
    assert len(cat) >= 60
    families = {ind.scheme for ind in cat.values()}
    assert {"76/NQ-CP", "PAR INDEX", "SIPAS", "PAPI", "PCI", "DTI", "766/QĐ-TTg", "Đề án 06"} <= families
    for ind in cat.values():
        assert ind.source and ind.vi and ind.en and ind.match, ind.id
        assert ind.unit in UNITS and ind.area in AREAS, ind.id
        assert all(n.comparator in COMPARATORS and 2020 <= n.year <= 2045 for n in ind.national), ind.id
        assert ind.broader is None or ind.broader in cat


def test_every_example_links_to_its_own_indicator():
    for ind in catalogue().values():
        found = find_indicator(ind.example)
        assert found and found[0].id == ind.id, (ind.id, found and found[0].id)


def test_national_values_of_the_programme():
    online = catalogue()["tthc-truc-tuyen-muc-do-3-4"]
    assert {(n.year, n.value, n.comparator) for n in online.national} == {(2025, 80, ">="), (2030, 90, ">=")}
    levels = {n.scope: n.value for n in catalogue()["ho-so-cong-viec-moi-truong-mang"].national}
    assert levels == {"cấp tỉnh": 90, "cấp huyện": 80, "cấp xã": 60}


def test_abbreviations_expand_on_both_sides_and_only_once():
    for entry in load_toml("abbreviations.toml")["abbreviation"]:
        expanded = search_words(entry["example"])
        assert " ".join(search_words(entry["long"])) in " ".join(expanded), entry["short"]
        assert search_words(" ".join(expanded)) == expanded   # expanding twice changes nothing
    assert not any(word in abbreviations() for full in abbreviations().values() for word in full.split())


@pytest.mark.parametrize("text, indicator", [
    ("Phấn đấu Chỉ số CCHC của tỉnh đạt 85%", "par-index"),              # abbreviation in the text
    ("chi so cai cach hanh chinh xep thu 20", "par-index"),              # no diacritics
    ("Chỉ số thành phần cải cách thể chế của Chỉ số cải cách hành chính", "par-cai-cach-the-che"),  # component wins
    ("mức độ hài lòng của người dân, tổ chức, doanh nghiệp về giải quyết thủ tục hành chính",
     "hai-long-giai-quyet-tthc"),
    ("Chỉ số hài lòng của người dân về sự phục vụ hành chính", "sipas"),
    ("100% hồ sơ thủ tục hành chính đã giải quyết thành công được số hóa", "so-hoa-ho-so-tthc"),   # words between
    ("Tỷ lệ người dân trưởng thành có chữ ký số", None),                 # not the documents' digital signature
    ("95% người dân đánh giá hài lòng khi sử dụng dịch vụ công trực tuyến", None),   # satisfaction, not usage
])


def test_find_indicator(text, indicator):
    found = find_indicator(text)
    assert (found[0].id if found else None) == indicator


def test_a_value_in_days_measures_the_time_to_settle_a_procedure():
    from kg.indicators import measured_by
    from kg.model import Span, Target
    quote = "Nội dung cắt giảm, đơn giản hóa: Giảm 1,5 ngày so với quy định"
    target = Target("d-t1", "thu_tuc_hanh_chinh", None, 1.5, None, "count", "reduce_by", None, None,
                    "Nội dung cắt giảm, đơn giản hóa", Span(0, len(quote), quote))
    m = measured_by(target)
    assert m and (m.indicator, m.rule) == ("thoi-gian-giai-quyet-tthc", "indicator-duration")


def test_resolve_names_indicators_by_id_or_words():
    assert [i.id for i in resolve("sipas")] == ["sipas"]
    assert "hai-long-giai-quyet-tthc" in [i.id for i in resolve("hài lòng")]
    assert [i.id for i in resolve("tthc-truc-tuyen-muc-do-3-4")] == ["tthc-truc-tuyen-muc-do-3-4"]
    assert resolve("xyzzy") == []


# --- links in the graph -------------------------------------------------------------------------------------


def test_targets_are_linked_with_their_rule_and_hand_checked_links_hold(corpus_build):
    from kg.extract import extract_document
    from kg.ingest import read_source
    checked = {}
    for line in (BENCH / "indicator_links_checked.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            doc, ind, quote, verdict, *_ = line.split("\t")
            checked[(doc, ind, quote)] = verdict
    made, total, linked = set(), 0, 0
    for path in sorted(CORPUS.iterdir()):
        doc = extract_document(read_source(path), path.stem)
        quotes = {t.id: t.span.quote for t in doc.targets}
        total += len(doc.targets)
        linked += sum(1 for m in doc.measures if m.target_id in quotes)
        for m in (m for m in doc.measures if m.target_id in quotes):   # targets' links (not results')
            assert m.rule in ("indicator-duration", "indicator-metric", "indicator-clause")
            assert m.indicator in catalogue()
            made.add((path.stem, m.indicator, " ".join(quotes[m.target_id].split())[:60]))
    assert linked / total >= 0.55
    bundled_ok = {k for k, v in checked.items() if v == "ok" and (CORPUS / f"{k[0]}.txt").exists()}
    assert bundled_ok and bundled_ok <= made   # every link checked right by hand is still made


def test_the_graph_publishes_the_catalogue_as_skos(corpus_store):
    from kg.query import select
    found = select(corpus_store, "indicators")
    assert len(found) == len(catalogue())
    online = next(r for r in found if r["id"] == "tthc-truc-tuyen-muc-do-3-4")
    assert online["provinces"] == 2 and online["family"] == "76/NQ-CP" and "76/NQ-CP" in online["definedBy"]


# --- the comparison (a named SPARQL query) ------------------------------------------------------------------


def test_compare_indicator_query_gives_every_verdict(fixture_store):
    from kg.query import select
    from kg.store import open_store
    found = {(r["indicatorId"], r["year"]): r for r in select(open_store(fixture_store), "compare_indicator")}
    assert found[("tthc-truc-tuyen-muc-do-3-4", 2025)]["verdict"] == "stricter"     # 85% vs 80%
    assert found[("tthc-tich-hop-cong-dvcqg", 2025)]["verdict"] == "looser"         # 70% vs 80%
    assert found[("tthc-tich-hop-cong-dvcqg", 2024)]["verdict"] == "milestone"      # 60% a year before
    assert found[("tthc-thanh-toan-truc-tuyen", 2027)]["verdict"] == "later"        # 80% two years late
    assert found[("hai-long-giai-quyet-tthc", 2025)]["verdict"] == "no national value"
    district = found[("ho-so-cong-viec-moi-truong-mang", 2025)]                      # held against cấp huyện
    assert district["scope"] == "cấp huyện" and district["nationalValue"] == 80 and district["verdict"] == "equal"
    late = found[("tthc-thanh-toan-truc-tuyen", 2027)]
    assert (late["nationalYear"], late["nationalComparator"], late["nationalValue"]) == (2025, ">=", 80)


def test_compare_on_the_bundled_corpus(store):
    found = rows("compare", "tthc-truc-tuyen-muc-do-3-4", "--store", store)
    by = {(r["province"], r["year"]): r for r in found}
    assert by[("Tiền Giang", 2025)]["verdict"] == "equal" and by[("Đắk Nông", 2030)]["national"] == "≥90% (2030)"
    assert all(r["quote"] and r["owners"] for r in found)
    text = {p.name: p.read_text(encoding="utf-8") for p in CORPUS.iterdir()}
    assert all(r["quote"] in text[r["file"]] for r in found)
    one = rows("compare", "truc tuyen muc do 3 va 4", "--province", "dak nong", "--year", "2030", "--store", store)
    assert [(r["province"], r["value"]) for r in one] == [("Đắk Nông", 90)]


def test_compare_lists_unowned_targets_as_no_owner_named(store):
    found = rows("compare", "chỉ số cải cách hành chính", "--province", "Lâm Đồng", "--store", store)
    assert {r["value"] for r in found} >= {85, 86, 88, 30, 20} and not any(r["owned"] for r in found)
    table = run("compare", "par-index", "--province", "Lâm Đồng", "--store", store)
    assert table.exit_code == 0 and "no owner named" in table.stdout and table.stdout.startswith("par-index: ")


def test_compare_errors_and_empty_results(store):
    r = run("compare", "xyzzy", "--store", store)
    assert r.exit_code == 1 and r.stderr.startswith("Error: no indicator named") and r.stdout == ""
    r = run("compare", "dti", "--store", store)          # in the catalogue, no target in the store
    assert r.exit_code == 0 and r.stderr.startswith("no results")
    r = run("compare", "sipas", "--province", "Hà Nội", "--store", store)
    assert r.exit_code == 1 and "no province" in r.stderr


def test_indicators_lists_the_catalogue_with_provinces(store):
    found = rows("indicators", "--store", store)
    assert len(found) == len(catalogue())
    by = {r["id"]: r for r in found}
    assert by["sipas"]["provinces"] == 3 and by["dti"]["provinces"] == 0
    assert by["tthc-truc-tuyen-muc-do-3-4"]["national"] == "≥80% (2025); ≥90% (2030)"
    assert all(r["source"] for r in found)
    par = rows("indicators", "--family", "par index", "--store", store)
    assert par and {r["family"] for r in par} == {"PAR INDEX"}
    r = run("indicators", "--family", "xyzzy", "--store", store)
    assert r.exit_code == 1 and "families:" in r.stderr
