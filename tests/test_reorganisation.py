"""The 2025 reorganisation: change events with their instruments, bodies and provinces in force on a date."""
from __future__ import annotations

import datetime as dt

from kg.agencies import gazetteer
from kg.lexicon import load_toml
from kg.reorganisation import annotate, changes, in_force, province_note, related_kinds

AFTER = dt.date(2026, 1, 1)
BEFORE = dt.date(2024, 12, 31)


def test_every_change_cites_its_instrument_and_date():
    raw = load_toml("reorganisation.toml")
    provinces = raw["province_change"]
    assert len(provinces) == 34 and sum(1 for p in provinces if p.get("unchanged")) == 11
    assert sum(len(p["from"]) for p in provinces) == 63
    for c in changes():
        assert c.basis and c.date.year == 2025, c
    assert {c.short() for c in changes() if c.kind == "province"} == {"Nghị quyết số 202/2025/QH15"}
    assert {c.short() for c in changes() if c.kind == "department"} == {"Nghị định số 45/2025/NĐ-CP"}
    for c in changes():
        if c.kind == "department":
            assert c.new in gazetteer()


def test_the_bundled_provinces():
    merged = {c.new: set(c.old) for c in changes() if c.kind == "province"}
    assert "Tiền Giang" in merged["Đồng Tháp"] and {"Đắk Nông", "Bình Thuận"} <= merged["Lâm Đồng"]
    assert not any("Cao Bằng" in old or "Lạng Sơn" in old for old in merged.values())


def test_a_body_in_force_on_a_date_with_its_chain():
    now = in_force("Sở Thông tin và Truyền thông", "Tiền Giang", AFTER)
    assert (now.agency, now.province) == ("Sở Khoa học và Công nghệ", "Đồng Tháp")
    assert now.chain == (
        "Sở Thông tin và Truyền thông → Sở Khoa học và Công nghệ, 1/3/2025 (Nghị định số 45/2025/NĐ-CP)",
        "Tiền Giang → Đồng Tháp, 1/7/2025 (Nghị quyết số 202/2025/QH15)")
    between = in_force("Sở Thông tin và Truyền thông", "Tiền Giang", dt.date(2025, 4, 1))
    assert (between.agency, between.province) == ("Sở Khoa học và Công nghệ", "Tiền Giang")
    before = in_force("Sở Thông tin và Truyền thông", "Tiền Giang", BEFORE)
    assert not before.changed and before.agency == "Sở Thông tin và Truyền thông"
    assert not in_force("Sở Nội vụ", "Cao Bằng", AFTER).changed


def test_old_and_new_names_find_each_other_from_the_change_on():
    assert related_kinds("so-tttt", AFTER) == ["so-khcn"] and "so-tttt" in related_kinds("so-khcn", AFTER)
    assert related_kinds("so-tttt", BEFORE) == []


def test_province_notes():
    assert "part of Đồng Tháp since 1/7/2025" in province_note("Tiền Giang", AFTER)
    assert "also includes Đắk Nông" in province_note("Lâm Đồng", AFTER)
    assert province_note("Tiền Giang", BEFORE) is None and province_note("Cao Bằng", AFTER) is None


def test_rows_get_the_bodies_in_force():
    rows = annotate([{"province": "Tiền Giang", "owners": ["Sở Kế hoạch và Đầu tư"]},
                     {"province": "Cao Bằng", "owners": []}], AFTER)
    assert rows[0]["owners_in_force"] == ["Sở Tài chính Đồng Tháp"] and len(rows[0]["changes"]) == 2
    assert rows[1]["owners_in_force"] == [] and rows[1]["changes"] == []


def test_change_events_in_the_graph(corpus_store):
    found = corpus_store.query(
        "PREFIX org: <http://www.w3.org/ns/org#> PREFIX dcterms: <http://purl.org/dc/terms/> "
        "PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX cchc: <https://w3id.org/cchc-kg/ontology#> "
        "SELECT ?d ?b WHERE { ?e a org:ChangeEvent ; dcterms:date ?d ; cchc:legalBasis ?b ; "
        "prov:used <https://w3id.org/cchc-kg/id/province/tien-giang> }")
    rows = list(found)
    assert len(rows) == 1 and rows[0]["d"].value == "2025-07-01" and "202/2025/QH15" in rows[0]["b"].value
