"""Statuses recorded by a rebuild or an import are those a full recompute gives, though only the
statuses a change can reach are judged again."""
from __future__ import annotations

import datetime as dt
import shutil

import pyoxigraph as ox
import pytest

from conftest import CORPUS, FIXTURES, ROOT
from kg import pipeline
from kg.actuals import import_actuals
from kg.pipeline import build
from kg.status import STATUS_GRAPH_NAME, record_status, status, task_status
from kg.store import open_store
from kg.vocab import ID

ACTUALS = ROOT / "data" / "actuals" / "par_sipas_2021_2024.csv"
# A report of the results of a year: its PAR INDEX result is a report on the task of plan_indicators.txt
# that names the index, and on the index targets of the same province.
REPORT = """ỦY BAN NHÂN DÂN TỈNH HÀ TĨNH
Số: 50/BC-UBND
Hà Tĩnh, ngày 20 tháng 1 năm 2026

BÁO CÁO
Kết quả cải cách hành chính năm 2025

I. KẾT QUẢ ĐẠT ĐƯỢC
1. Năm 2025, tỉnh đã tổ chức tập huấn cho cán bộ, công chức.
"""
RESULT = "2. Chỉ số cải cách hành chính (PAR INDEX) năm 2025 của tỉnh đã đạt 88,5%.\n"
# Results reported in an article of Lâm Đồng, for indicators two targets of 003 (the same province) measure.
LAM_DONG_RESULTS = ("\n\nKết quả đạt được\n\nNăm 2026, tỉnh đã đạt 100% văn bản điện tử gửi, nhận giữa các cơ quan, "
                    "đơn vị được thực hiện trên môi trường mạng (trừ văn bản mật).\n\nChỉ số cải cách hành chính "
                    "(PAR INDEX) năm 2026 của tỉnh đã đạt 87,5%.\n")


def statuses(store) -> set[str]:
    """The quads of the status graph."""
    st = ox.Store.read_only(str(store / "oxigraph"))
    return {str(q) for q in st.quads_for_pattern(None, None, None, ox.NamedNode(ID[STATUS_GRAPH_NAME]))}


def based_on(store) -> dict[str, str]:
    """Fact IRI -> the result its status rests on."""
    st = ox.Store.read_only(str(store / "oxigraph"))
    cchc = "https://w3id.org/cchc-kg/ontology#"
    of = {q.subject: q.object.value for q in st.quads_for_pattern(None, ox.NamedNode(cchc + "statusOf"), None)}
    return {of[q.subject]: q.object.value for q in st.quads_for_pattern(None, ox.NamedNode(cchc + "basedOn"), None)}


@pytest.fixture
def corpus(tmp_path):
    """The bundled corpus, a variant of each of its documents, the plan of Hà Tĩnh and a report of
    Hà Tĩnh: enough documents that a rebuild after a change or two updates the previous store."""
    folder = tmp_path / "corpus"
    shutil.copytree(CORPUS, folder)
    for f in sorted(folder.glob("*.txt")):
        (folder / f"v{f.name}").write_text(f.read_text(encoding="utf-8").replace("2025", "2026"), encoding="utf-8")
    shutil.copy(FIXTURES / "plan_indicators.txt", folder)
    (folder / "report_ha_tinh.txt").write_text(REPORT, encoding="utf-8")
    return folder


@pytest.fixture
def spied(monkeypatch):
    """The documents each build judged statuses again for (None: all of them)."""
    calls: list[list[str] | None] = []
    real = pipeline.record_statuses

    def spy(kg, as_of, written=None, *rest):
        calls.append(None if written is None else sorted(written))
        return real(kg, as_of, written, *rest)

    monkeypatch.setattr(pipeline, "record_statuses", spy)
    return calls


def rebuilt_and_full(corpus, tmp_path) -> tuple:
    """The store rebuilt in place (after a change) and one built from scratch from the same corpus."""
    again = build([corpus], tmp_path / "store", keep_documents=False)
    full = build([corpus], tmp_path / "full", keep_documents=False, incremental=False)
    shutil.rmtree(tmp_path / "full.cache", ignore_errors=True)
    return again.store, full.store


def test_after_one_changed_document_only_its_statuses_are_judged_again(corpus, tmp_path, spied):
    build([corpus], tmp_path / "store", keep_documents=False)
    changed = next(corpus.glob("001_*"))
    changed.write_text(changed.read_text(encoding="utf-8").replace("100%", "99%", 1), encoding="utf-8")
    store, full = rebuilt_and_full(corpus, tmp_path)
    assert spied[1] == [f"{ID}doc/{changed.stem}"]          # the rebuild: that document only
    assert spied[2] is None                                  # from scratch: all
    assert statuses(store) == statuses(full) and len(statuses(full)) > 1000
    shutil.rmtree(full)
    next(corpus.glob("v001_*")).unlink()                     # a document removed: its statuses go
    (corpus / "v003_copy.txt").write_text(next(corpus.glob("v003_*")).read_text(encoding="utf-8") + "\nThêm.\n",
                                          encoding="utf-8")
    store, full = rebuilt_and_full(corpus, tmp_path)
    assert spied[3] == [f"{ID}doc/v003_copy"]
    assert statuses(store) == statuses(full)


def test_a_result_in_a_changed_document_changes_the_statuses_of_its_province(corpus, tmp_path, spied):
    build([corpus], tmp_path / "store", keep_documents=False)
    before = based_on(tmp_path / "store")
    article = next(corpus.glob("v003_*"))
    text = article.read_text(encoding="utf-8")
    article.write_text(text + LAM_DONG_RESULTS, encoding="utf-8")
    store, full = rebuilt_and_full(corpus, tmp_path)
    assert statuses(store) == statuses(full)
    gained = {fact: r for fact, r in based_on(store).items() if fact not in before}
    # targets of the other article of Lâm Đồng (not changed) now rest on the new results
    assert any("/target/003_" in fact and "/result/v003_" in r for fact, r in gained.items()), gained
    shutil.rmtree(full)
    article.write_text(text, encoding="utf-8")               # the results withdrawn: back as they were
    store, full = rebuilt_and_full(corpus, tmp_path)
    assert statuses(store) == statuses(full) and based_on(store) == before
    assert all(isinstance(c, list) and len(c) == 1 for c in spied[1::2])


def test_a_later_report_of_the_province_marks_a_task_done(corpus, tmp_path, spied):
    build([corpus], tmp_path / "store", keep_documents=False)
    report = corpus / "report_ha_tinh.txt"
    report.write_text(REPORT + RESULT, encoding="utf-8")
    store, full = rebuilt_and_full(corpus, tmp_path)
    assert spied[1] == [f"{ID}doc/report_ha_tinh"]
    assert statuses(store) == statuses(full)
    rows = status(open_store(store), "Hà Tĩnh", dt.date(2026, 2, 1))
    done = [r for r in rows if r["kind"] == "task" and r["status"] == "done"]
    assert len(done) == 1 and "Chỉ số cải cách hành chính" in done[0]["what"]
    assert done[0]["evidence"] == "88.5% (2025)" and done[0]["result_source"].startswith("report_ha_tinh.txt: ")
    assert done[0]["id"] in based_on(store)


def test_a_task_is_done_by_a_later_report_of_the_indicator_it_names_in_another_document():
    task = {"deadline_kind": "date", "due": "2025-06-30", "doc": "d1", "province": "P",
            "task": "Sở Nội vụ theo dõi, đánh giá Chỉ số cải cách hành chính; hoàn thành trước ngày 30/6/2025"}
    report = {"doc": "d2", "file": "d2.txt", "province": "P", "indicator": f"{ID}indicator/par-index",
              "docDate": "2025-07-01", "year": 2025, "result": "r", "unit": "%", "value": 88}
    on = dt.date(2025, 8, 1)
    assert task_status(task, [report], "2025-03-10", on) == ("task-done", report)
    assert task_status(task, [dict(report, doc="d1")], "2025-03-10", on)[0] == "task-overdue"       # its own
    assert task_status(task, [dict(report, docDate="2025-01-01")], "2025-03-10", on)[0] == "task-overdue"
    assert task_status(task, [dict(report, indicator=f"{ID}indicator/sipas")], None, on)[0] == "task-overdue"
    assert task_status(task, [dict(report, province="Q")], None, on)[0] == "task-overdue"


def test_an_import_judges_again_only_what_its_results_reach_and_gives_what_a_full_recompute_gives(corpus, tmp_path):
    out = tmp_path / "store"
    build([corpus], out, keep_documents=False)
    csv = tmp_path / ACTUALS.name
    shutil.copy(ACTUALS, csv)
    import_actuals(out, csv)
    kept = statuses(out)
    record_status(out)                                       # all of them again
    assert statuses(out) == kept and any("/actual/" in q for q in kept)
    lines = csv.read_text(encoding="utf-8").splitlines(keepends=True)
    csv.write_text("".join(lines[:2] + [line.replace(",86.75,", ",80,") for line in lines[2:-3]]), encoding="utf-8")
    import_actuals(out, csv)                                 # rows changed and removed
    kept = statuses(out)
    record_status(out)
    assert statuses(out) == kept


def test_statuses_of_another_day_are_all_judged_again(corpus, tmp_path, spied):
    out = tmp_path / "store"
    build([corpus], out, keep_documents=False)
    kg = open_store(out, read_only=False)
    from kg.store import record_change
    record_change(kg, status_as_of="2000-01-01")
    del kg
    (corpus / "report_ha_tinh.txt").write_text(REPORT + RESULT, encoding="utf-8")
    build([corpus], out, keep_documents=False)
    assert spied[-1] is None


def test_many_documents_are_read_at_once_with_the_same_statuses(corpus, tmp_path, spied, monkeypatch):
    from kg import status as module
    out = tmp_path / "store"
    build([corpus], out, keep_documents=False)
    kg = open_store(out)
    one_by_one = status(kg, "Lâm Đồng", dt.date(2026, 2, 1))
    monkeypatch.setattr(module, "PER_DOCUMENT", 0)       # every scope read with one query over the store
    assert status(kg, "Lâm Đồng", dt.date(2026, 2, 1)) == one_by_one and len(one_by_one) > 10
    del kg
    (corpus / "report_ha_tinh.txt").write_text(REPORT + RESULT, encoding="utf-8")
    store, full = rebuilt_and_full(corpus, tmp_path)    # too many to judge again one by one: all of them
    assert statuses(store) == statuses(full)
