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
])
def test_deadlines_as_stated(text, stated, kind, due):
    d = deadline_of(text, stated=stated)
    assert d is not None and (d.kind, d.due) == (kind, due)
    assert d.text in text


def test_a_year_in_a_task_name_is_not_its_deadline():
    assert deadline_of("Xây dựng kế hoạch cải cách hành chính năm 2025") is None


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
