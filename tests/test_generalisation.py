"""Documents in styles the bundled corpus lacks, written for these tests.

Cases covered (each a fixture in tests/fixtures/):
- plan_table.md: a 2024 plan (Kế hoạch) with a markdown table "Nhiệm vụ | Đơn vị chủ trì | Đơn vị
  phối hợp | Thời gian", an annex table of targets "Chỉ tiêu | Đơn vị tính | Năm 2024 | Năm 2025", a
  hard-wrapped target list, a rank target, post-2025 "UBND các xã, phường";
- directive_2025.txt: a 2025 directive (Chỉ thị) with numbered duties per agency (agency headings and
  agency subjects), post-2025 bodies (Đảng ủy UBND tỉnh, Sở Khoa học và Công nghệ after absorbing Sở
  TT&TT, Sở Nông nghiệp và Môi trường, Ban Tuyên giáo và Dân vận), targets inside duty items, a
  "báo cáo về Sở Nội vụ để tổng hợp" monitor, hard-wrapped lines;
- plan_labels.txt: an annual 2025 plan whose tasks carry "Cơ quan chủ trì: ... / Cơ quan phối hợp: ..."
  labels (as child bullets and inline), a PAR INDEX target in points, targets dated by the plan's year;
- decision_2025.txt: a 2025 decision (Quyết định) whose "Điều 2. Tổ chức thực hiện" gives duties to a
  standing body, to heads of bodies by title ("Giám đốc các sở", "Chủ tịch UBND các xã, phường"), a
  "căn cứ Kế hoạch xây dựng ..." duty and a target stated inside a duty ("chịu trách nhiệm bảo đảm 100% ...");
- report_2024.txt: a report (Báo cáo) of 2024 results and 2025 tasks: achieved results (and a past
  "đã chủ trì") are neither targets nor duties, the section heading "... NĂM 2025" dates its targets,
  "phấn đấu năm 2025", a recipients list ("Nơi nhận") that gives no duty;
- article_2024.txt: a newspaper article quoting a plan's targets, with achieved past results that must
  not become targets, a "Cùng với đó" continuation and a "được giao chủ trì" duty.
"""
from __future__ import annotations

import pytest

from conftest import FIXTURES
from kg.extract import extract_document
from kg.ingest import read_source


def doc(name):
    return extract_document(read_source(FIXTURES / name), name.split(".")[0])


def duties(d):
    return {(x.agency.name, x.role) for x in d.duties}


def test_table_plan():
    d = doc("plan_table.md")
    assert (d.kind, d.number, d.date, d.province) == ("ke_hoach", "45/KH-UBND", "2024-03-12", "Hà Giang")
    assert {("Văn phòng Ủy ban nhân dân tỉnh", "lead"), ("Các sở, ban, ngành tỉnh", "coordinate"),
            ("Sở Khoa học và Công nghệ", "lead"), ("Sở Tài chính", "coordinate"),
            ("Ủy ban nhân dân cấp xã", "coordinate"), ("Sở Nội vụ", "lead"), ("Sở Tư pháp", "coordinate"),
            ("Sở Nội vụ", "monitor")} == duties(d)
    values = {(t.value, t.year, t.comparator, t.unit) for t in d.targets}
    assert {(85, 2024, ">=", "%"), (90, 2024, ">=", "%"), (30, 2024, "<=", "rank"),   # annual plan year
            (60, 2024, "=", "%"), (80, 2025, ">=", "%"), (25, 2024, "<=", "rank"), (20, 2025, "<=", "rank")} == values
    # the hard-wrapped second line keeps the deadline of its item
    assert all(t.span.quote in d.text for t in d.targets)


def test_directive_with_duties_per_agency_and_2025_names():
    d = doc("directive_2025.txt")
    assert (d.kind, d.number, d.date, d.province, d.signer) == (
        "chi_thi", "15-CT/TU", "2025-08-20", "Thái Nguyên", "Nguyễn Văn Minh")
    assert {"57-NQ/TW", "76/NQ-CP"} <= {c.number for c in d.citations}
    got = duties(d)
    for expected in [("Đảng ủy Ủy ban nhân dân tỉnh", "lead"), ("Sở Khoa học và Công nghệ", "lead"),
                     ("Sở Khoa học và Công nghệ", "monitor"), ("Văn phòng Ủy ban nhân dân tỉnh", "coordinate"),
                     ("Sở Nông nghiệp và Môi trường", "lead"), ("Ủy ban nhân dân cấp xã", "implement"),
                     ("Sở Nội vụ", "monitor"), ("Ban Tuyên giáo và Dân vận Tỉnh ủy", "lead"),
                     ("Sở Văn hóa, Thể thao và Du lịch", "coordinate")]:
        assert expected in got
    assert not any(name == "Ban Thường vụ Tỉnh ủy" for name, _ in got)  # "yêu cầu" is not a duty
    t100 = next(t for t in d.targets if t.value == 100)
    assert (t100.year, t100.area) == (2025, "thu_tuc_hanh_chinh")
    t30 = next(t for t in d.targets if t.value == 30)
    assert (t30.year, t30.comparator, t30.area) == (2026, "reduce_by", "thu_tuc_hanh_chinh")
    owners = {(o.target_id, o.agency.name, o.rule) for o in d.ownerships}
    assert (t100.id, "Đảng ủy Ủy ban nhân dân tỉnh", "actor") in owners
    assert (t30.id, "Sở Nông nghiệp và Môi trường", "actor") in owners


def test_article_quoting_targets():
    d = doc("article_2024.txt")
    assert (d.kind, d.describes, d.number, d.date, d.province) == (
        "bai_viet", "ke_hoach", "123/KH-UBND", "2024-01-10", "Đắk Lắk")
    values = sorted((t.value, t.comparator) for t in d.targets)
    assert values == [(80, ">="), (85, ">"), (100, "=")]          # 56,4% and rank 40 of 2023 are results
    assert all(t.year == 2024 for t in d.targets)
    assert ("Sở Nội vụ", "lead") in duties(d)
    assert {o.agency.name for o in d.ownerships} == {"Sở Nội vụ"}


@pytest.mark.parametrize("name", ["plan_table.md", "directive_2025.txt", "article_2024.txt", "plan_labels.txt",
                                  "decision_2025.txt", "report_2024.txt"])
def test_every_quote_is_verbatim(name):
    d = doc(name)
    for fact in [*d.targets, *d.duties]:
        assert d.text[fact.span.start:fact.span.end] == fact.span.quote


def test_annual_plan_with_labelled_lead_and_coordinating_bodies():
    d = doc("plan_labels.txt")
    assert (d.kind, d.number, d.date, d.province) == ("ke_hoach", "210/KH-UBND", "2025-01-05", "Nghệ An")
    assert {("Văn phòng Ủy ban nhân dân tỉnh", "lead"), ("Các sở, ban, ngành tỉnh", "coordinate"),
            ("Ủy ban nhân dân cấp xã", "coordinate"), ("Sở Nội vụ", "lead")} == duties(d)
    lead = next(x for x in d.duties if x.role == "lead" and x.agency.name.startswith("Văn phòng"))
    assert lead.task.startswith("Rà soát, đơn giản hóa thủ tục hành chính nội bộ")
    values = {(t.value, t.unit, t.comparator, t.year) for t in d.targets}
    assert values == {(88, "count", ">=", 2025), (100, "%", "=", 2025)}


def test_decision_with_duties_by_title_and_a_target_inside_a_duty():
    d = doc("decision_2025.txt")
    assert (d.kind, d.number, d.date, d.province) == ("quyet_dinh", "1234/QĐ-UBND", "2025-04-02", "Quảng Ninh")
    got = duties(d)
    for expected in [("Sở Nội vụ", "lead"), ("Sở Nội vụ", "monitor"), ("Văn phòng Ủy ban nhân dân tỉnh", "coordinate"),
                     ("Sở Khoa học và Công nghệ", "implement"), ("Các sở, ban, ngành tỉnh", "implement"),
                     ("Ủy ban nhân dân cấp xã", "implement"), ("Văn phòng Ủy ban nhân dân tỉnh", "implement")]:
        assert expected in got
    (t,) = d.targets
    assert (t.value, t.year, t.scope, t.area) == (100, 2025, "cấp tỉnh", "chinh_quyen_so")
    assert {(o.agency.name, o.rule) for o in d.ownerships} == {("Sở Khoa học và Công nghệ", "actor")}


def test_report_results_are_not_targets_and_headings_date_the_tasks():
    d = doc("report_2024.txt")
    assert d.kind == "bao_cao" and d.signer == "Trần Văn Bình"
    assert {(t.value, t.year, t.comparator) for t in d.targets} == {(70, 2025, ">"), (85, 2025, ">="),
                                                                   (20, 2025, "reduce_by")}
    got = duties(d)
    assert ("Văn phòng Ủy ban nhân dân tỉnh", "lead") in got
    # "A phối hợp với B <verb>": A takes the verb's role, B coordinates (gold conventions of 2026-11-29)
    assert ("Sở Tài chính", "implement") in got and ("Sở Nội vụ", "coordinate") in got
    assert not any(x.span.quote.startswith("Sở Nội vụ đã") for x in d.duties)
    assert not any(x.agency.name == "Bộ Nội vụ" for x in d.duties)


def test_symbols_ranges_and_words_for_percent(tmp_path):
    path = tmp_path / "plan.txt"
    path.write_text("KẾ HOẠCH\n\nI. MỤC TIÊU\n\n- Đến năm 2026, tỷ lệ hồ sơ trực tuyến ≥ 85%; từ 25% đến 35% lãnh đạo "
                    "cấp phòng được đào tạo; 95 phần trăm hồ sơ được số hóa.\n", encoding="utf-8")
    d = extract_document(read_source(path), "p")
    assert {(t.value, t.value_max, t.comparator, t.year) for t in d.targets} == {
        (85, None, ">=", 2026), (25, 35, "=", 2026), (95, None, "=", 2026)}
