"""Tasks: one node per nhiệm vụ with its assignments and its deadline as stated."""
from __future__ import annotations

import pytest

from conftest import FIXTURES
from kg.extract import extract_document
from kg.extract.tasks import deadline_of
from kg.ingest import read_source, text_source


@pytest.mark.parametrize(("text", "stated", "kind", "due"), [
    ("Quý II/2025", True, "quarter", "2025-06-30"),
    ("quý 4 năm 2026", True, "quarter", "2026-12-31"),
    ("Tháng 12/2025", True, "month", "2025-12-31"),
    ("30/06/2025", True, "date", "2025-06-30"),
    ("2026", True, "year", "2026-12-31"),
    ("báo cáo UBND tỉnh trước ngày 15/12/2025", False, "date", "2025-12-15"),
    ("xây dựng quy chế, hoàn thành trong năm 2026", False, "year", "2026-12-31"),
    ("Thường xuyên", True, "recurring", None),
    ("gửi báo cáo trước ngày 15/11 hằng năm", False, "recurring", None),
    ("hoàn thành trước ngày 15 tháng 12 năm 2025", False, "date", "2025-12-15"),
    ("rà soát quy trình, hoàn thành trong Quý II/2025", False, "quarter", "2025-06-30"),
])
def test_deadlines_as_stated(text, stated, kind, due):
    d = deadline_of(text, stated=stated)
    assert d is not None and (d.kind, d.due) == (kind, due)
    assert d.text in text


def test_a_year_in_a_task_name_is_not_its_deadline():
    assert deadline_of("Xây dựng kế hoạch cải cách hành chính năm 2025") is None


def test_the_date_of_a_cited_instrument_is_not_a_deadline():
    assert deadline_of("Quán triệt Nghị quyết số 76/NQ-CP ngày 15 tháng 7 năm 2021 của Chính phủ") is None
    assert deadline_of("theo tinh thần Nghị quyết số 19-NQ/TW ngày 25 tháng 10 năm 2017") is None


def test_a_clause_that_only_says_when_is_the_deadline_of_the_task_before_it():
    d = extract_document(read_source(FIXTURES / "plan_indicators.txt"), "p")
    task = next(t for t in d.tasks if "Chỉ số cải cách hành chính" in t.text)
    assert (task.deadline.kind, task.deadline.due) == ("date", "2025-12-15")
    assigned = {(x.agency.name, x.role) for x in d.duties if x.task_id == task.id}
    assert assigned == {("Sở Nội vụ", "lead"), ("Văn phòng Ủy ban nhân dân tỉnh", "coordinate")}


def test_a_table_row_is_one_task_with_its_lead_coordinators_and_deadline():
    d = extract_document(read_source(FIXTURES / "plan_table.md"), "p")
    task = next(t for t in d.tasks if t.text.startswith("Triển khai nền tảng số"))
    assigned = {(x.agency.name, x.role) for x in d.duties if x.task_id == task.id}
    assert assigned == {("Sở Khoa học và Công nghệ", "lead"), ("Sở Tài chính", "coordinate"),
                        ("Ủy ban nhân dân cấp xã", "coordinate")}
    assert (task.deadline.kind, task.deadline.text, task.deadline.due) == ("month", "Tháng 9/2024", "2024-09-30")


def test_labelled_deadline_and_every_duty_has_a_task():
    d = extract_document(read_source(FIXTURES / "plan_labels.txt"), "p")
    first = d.tasks[0]
    assert first.deadline is not None and first.deadline.text == "Quý II/2025"
    assert all(x.task_id in {t.id for t in d.tasks} for x in d.duties)


def test_a_clause_with_lead_and_coordinator_is_one_task():
    d = extract_document(text_source("III. TỔ CHỨC THỰC HIỆN\n\nSở Nội vụ chủ trì, phối hợp với Sở Tư pháp "
                                     "rà soát quy chế, hoàn thành trước ngày 30/9/2026.\n"), "t")
    (task,) = d.tasks
    assert {(x.agency.name, x.role) for x in d.duties if x.task_id == task.id} == {
        ("Sở Nội vụ", "lead"), ("Sở Tư pháp", "coordinate")}
    assert task.deadline.due == "2026-09-30"


# --- kg tasks, kg gaps, kg agency: tasks with deadlines and co-assignees -------------------------------------


@pytest.fixture(scope="module")
def plan_store(tmp_path_factory):
    from kg.pipeline import build
    out = tmp_path_factory.mktemp("tasks") / "store"
    build([FIXTURES / "plan_indicators.txt", FIXTURES / "plan_table.md"], out)
    return str(out)


def _run(*args):
    from click.testing import CliRunner

    from kg.cli import cli
    return CliRunner().invoke(cli, list(map(str, args)), env={"COLUMNS": "100"})


def _rows(*args):
    import json
    r = _run(*args, "--format", "json")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_kg_tasks_lists_deadlines_and_assignments(plan_store):
    every = _rows("tasks", "--store", plan_store)
    kpi = next(t for t in every if "Chỉ số cải cách hành chính" in t["task"])
    assert kpi["lead"] == ["Sở Nội vụ"] and kpi["coordinate"] == ["Văn phòng Ủy ban nhân dân tỉnh"]
    assert (kpi["deadline"], kpi["due"], kpi["deadline_kind"]) == ("trước ngày 15/12/2025", "2025-12-15", "date")
    assert kpi["assigned"] == ["Sở Nội vụ (lead)", "Văn phòng Ủy ban nhân dân tỉnh (coordinate)"]
    due = _rows("tasks", "--due-before", "30/06/2025", "--store", plan_store)
    assert due and all(t["due"] <= "2025-06-30" for t in due)
    assert [t["due"] for t in due] == sorted(t["due"] for t in due)
    assert "Quý II/2025" in [t["deadline"] for t in due] and kpi["id"] not in [t["id"] for t in due]
    mine = _rows("tasks", "--agency", "so noi vu", "--store", plan_store)
    assert mine and all("Sở Nội vụ" in " ".join(t["assigned"]) for t in mine)
    assert _rows("tasks", "--province", "ha tinh", "--store", plan_store)
    r = _run("tasks", "--agency", "Sở Ngoại giao", "--store", plan_store)
    assert r.exit_code == 1 and "no agency named" in r.stderr
    r = _run("tasks", "--due-before", "2020-01-01", "--store", plan_store)
    assert r.exit_code == 0 and r.stderr.startswith("no results")
    r = _run("tasks", "--due-before", "tomorrow", "--store", plan_store)
    assert r.exit_code == 2 and "Traceback" not in r.output


def test_kg_gaps_lists_unowned_targets_unled_tasks_and_undated_tasks(plan_store):
    found = _rows("gaps", "--store", plan_store)
    kinds = {g["gap"] for g in found}
    assert kinds == {"target-without-owner", "task-without-lead", "task-without-deadline"}
    unled = [g for g in found if g["gap"] == "task-without-lead"]
    assert any("Sở Tư pháp kiểm soát" in g["quote"] for g in unled)
    assert all(g["quote"] and g["file"] for g in found)
    table = _run("gaps", "--province", "Hà Tĩnh", "--store", plan_store)
    assert table.exit_code == 0 and "TASKS WITH NO LEAD" in table.stdout and "TARGETS NO AGENCY OWNS" in table.stdout
    r = _run("gaps", "--province", "Hà Nội", "--store", plan_store)
    assert r.exit_code == 1 and "no province" in r.stderr


def test_kg_agency_shows_each_duty_with_its_deadline_and_co_assignees(plan_store):
    data = _rows("agency", "Sở Nội vụ", "--store", plan_store)
    kpi = next(d for d in data["duties"] if "Chỉ số cải cách hành chính" in d["quote"])
    assert kpi["deadline"] == "trước ngày 15/12/2025" and kpi["due"] == "2025-12-15"
    assert kpi["with"] == ["Văn phòng Ủy ban nhân dân tỉnh (coordinate)"] and kpi["task_id"]


# --- with a limit, the lists are read a province at a time: the same first rows as the whole list ---------


def _prefix_checks(kg):
    from kg.lookups import _natural
    from kg.tasks import GAPS, gaps, tasks
    from kg.text import fold
    for kw in ({}, {"province": "Lâm Đồng"}, {"agency": "Sở Nội vụ"}, {"province": "tien giang", "agency": "UBND"}):
        whole = tasks(kg, **kw)
        assert whole and whole == sorted(whole, key=lambda t: (fold(t["province"] or ""), t["file"], _natural(t["id"])))
        for limit in (1, 2, 3, 7, len(whole), len(whole) + 1):
            assert tasks(kg, **kw, limit=limit) == whole[:limit], (kw, limit)
    for kw in ({}, {"province": "Cao Bằng"}):
        whole = gaps(kg, **kw)
        for limit in (1, 2, 5, 40):
            got = gaps(kg, **kw, limit=limit)
            for kind in GAPS:
                first = [g for g in whole if g["gap"] == kind][:limit]
                assert [g for g in got if g["gap"] == kind] == first, (kw, limit)


def test_a_limited_task_or_gap_list_is_the_first_rows_of_the_whole_list(corpus_store):
    _prefix_checks(corpus_store)


def test_the_same_first_rows_when_reading_by_province_gives_way_to_one_query(corpus_store, monkeypatch):
    import kg.tasks as T
    monkeypatch.setattr(T, "MAX_PIECEWISE", 1)   # reading a province at a time stops at once: one query instead
    monkeypatch.setattr(T, "MANY", 1)            # and a province's assignments come from one query over the store
    _prefix_checks(corpus_store)


def test_kg_gaps_with_a_limit_says_when_a_kind_has_more_than_it_shows(plan_store):
    whole = _rows("gaps", "--store", plan_store)
    counts = {kind: sum(g["gap"] == kind for g in whole) for kind in {g["gap"] for g in whole}}
    assert max(counts.values()) > 1
    table = _run("gaps", "--limit", "1", "--store", plan_store).stdout
    from kg.tasks import GAPS
    for kind, title in GAPS.items():
        n = counts.get(kind, 0)
        assert f"{title.upper()} ({'more than 1' if n > 1 else n})" in table
    assert len(_rows("gaps", "--limit", "2", "--store", plan_store)) == 2
