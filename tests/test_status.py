"""Results (reported and imported), statuses as of a date, and their rules."""
from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest
from click.testing import CliRunner

from conftest import CORPUS, FIXTURES, ROOT
from kg.cli import cli
from kg.status import meets, rules, target_status

ACTUALS = ROOT / "data" / "actuals" / "par_sipas_2021_2024.csv"


def run(*args):
    return CliRunner().invoke(cli, list(map(str, args)), env={"COLUMNS": "100"})


def rows(*args):
    r = run(*args, "--format", "json")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """The bundled corpus with the shipped actuals imported."""
    from kg.pipeline import build
    out = tmp_path_factory.mktemp("status") / "store"
    build([CORPUS], out)
    r = run("actuals", "import", ACTUALS, "--store", out)
    assert r.exit_code == 0 and "Imported 19 results" in r.stdout, r.output
    return str(out)


def test_shipped_actuals_name_their_sources():
    lines = ACTUALS.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "indicator,province,year,value,unit,source,note"
    assert all("http" in line or "QĐ-BNV" in line for line in lines[1:])


def test_results_reported_in_documents_are_observations():
    from kg.extract import extract_document
    from kg.ingest import read_source
    doc = extract_document(read_source(next(CORPUS.glob("004_*"))), "d")
    online = next(r for r in doc.results if r.value == 56.4)
    assert online.unit == "%" and online.year == 2021 and "56,4%" in online.span.quote
    assert {m.indicator for m in doc.measures if m.target_id == online.id} == {"tthc-truc-tuyen-toan-trinh"}
    assert not any(r.value == 90 for r in doc.results)   # targets ("đạt 90% trở lên" in goals) are not results


def test_statuses_on_the_bundled_corpus_with_the_shipped_actuals(store):
    found = rows("status", "--province", "Lâm Đồng", "--as-of", "2026-11-29", "--store", store)
    by = {(r["indicator"], r["year"], r["unit"], r["value"]): r for r in found if r["kind"] == "target"}
    assert by[("par-index", None, "%", 85)]["status"] == "achieved"          # 86.75% (2021) > 85%
    assert by[("par-index", 2030, "rank", 20)]["status"] == "at risk"        # rank 29, 9 places short
    assert by[("par-index", 2030, "%", 88)]["status"] == "on track"          # 86.75%, within 5 points
    assert by[("par-index", 2025, "%", 86)]["status"] == "overdue"           # no result for 2025 known
    achieved = by[("par-index", None, "%", 85)]
    assert achieved["rule"] == "achieved" and achieved["result_source"].startswith("http")
    assert achieved["evidence"] == "86.75% (2021)"


def test_as_of_a_date_only_what_was_known_then_counts(store):
    before = rows("status", "--province", "Tiền Giang", "--as-of", "31/12/2022", "--store", store)
    sipas = next(r for r in before if r["indicator"] == "sipas" and r["year"] == 2030)
    assert sipas["status"] == "no data" and sipas["rule"] == "no-result"    # 2022 results published in 2023
    later = rows("status", "--province", "Tiền Giang", "--as-of", "2024-06-30", "--store", store)
    sipas = next(r for r in later if r["indicator"] == "sipas" and r["year"] == 2030)
    assert sipas["status"] == "at risk" and sipas["result_value"] == 80.25


def test_statuses_are_recorded_in_the_graph_with_their_rules(store):
    count = rows("sparql", "--store", store,
                 "SELECT (COUNT(?s) AS ?n) WHERE { ?s a cchc:Status ; cchc:rule ?r . ?r skos:definition ?d }")
    assert count[0]["n"] > 100
    based = rows("sparql", "--store", store, "SELECT ?src WHERE { ?s a cchc:Status ; cchc:basedOn ?r . "
                 "?r dcterms:source ?src }")
    assert based and all(r["src"].startswith("http") for r in based)
    assert run("validate", "--store", store).exit_code == 0


def test_a_bad_row_stops_the_import_and_nothing_is_written(store, tmp_path):
    before = rows("sparql", "--store", store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"]
    bad = tmp_path / "bad.csv"
    bad.write_text("indicator,province,year,value,unit,source\npar-index,Tiền Giang,2024,80,%,x\n"
                   "par-index,Tiền Giang,2024,abc,%,x\n", encoding="utf-8")
    r = run("actuals", "import", bad, "--store", store)
    assert r.exit_code == 1 and r.stderr.startswith("Error: ") and "bad.csv:3: value 'abc'" in r.stderr
    assert len(r.stderr.splitlines()) == 1 and "Traceback" not in r.output
    header = "indicator,province,year,value,unit,source\n"
    for content, problem in (("indicator,province\n", "missing column"),
                             (header + "xyz,Tiền Giang,2024,1,%,x\n", "not in the catalogue"),
                             (header + "sipas,Atlantis,2024,1,%,x\n", "unknown province"),
                             (header + "sipas,Lạng Sơn,2024,1,%,\n", "no source")):
        bad.write_text(content, encoding="utf-8")
        r = run("actuals", "import", bad, "--store", store)
        assert r.exit_code == 1 and problem in r.stderr, (content, r.output)
    assert rows("sparql", "--store", store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"] == before


def test_a_rebuild_keeps_the_imported_actuals(tmp_path):
    from kg.pipeline import build
    out = tmp_path / "store"
    build([CORPUS], out)
    assert run("actuals", "import", ACTUALS, "--store", out).exit_code == 0
    build([CORPUS], out)
    assert (out / "actuals" / ACTUALS.name).is_file()
    found = rows("status", "--province", "Lâm Đồng", "--store", out)
    assert any(r["status"] == "achieved" for r in found)
    shutil.rmtree(out)


def test_task_statuses_due_overdue_done(tmp_path):
    from kg.pipeline import build
    out = tmp_path / "store"
    build([FIXTURES / "plan_indicators.txt"], out)
    found = rows("status", "--as-of", "2025-05-01", "--store", out)
    tasks = {r["due"]: r for r in found if r["kind"] == "task"}
    assert tasks["2025-06-30"]["status"] == "due" and tasks["2025-12-15"]["status"] == "due"
    later = {r["due"]: r for r in rows("status", "--as-of", "2025-07-15", "--store", out) if r["kind"] == "task"}
    assert later["2025-06-30"]["status"] == "overdue" and later["2025-06-30"]["rule"] == "task-overdue"
    assert later["2025-12-15"]["status"] == "due"


def test_the_rules():
    assert meets(29, "<=", 30, "rank") and not meets(31, "<=", 30, "rank")
    assert meets(86.75, ">", 85, "%") and meets(100, "=", 100, "%") and not meets(79, ">=", 80, "%")
    assert rules().margin == {"%": 5, "points": 5, "rank": 5}
    target = {"value": 80, "comparator": ">=", "unit": "%", "indicator": "i", "province": "P", "year": 2025}
    result = {"indicator": "i", "unit": "%", "province": "P", "file": None, "docDate": None, "value": 82,
              "year": 2025, "result": "r"}
    assert target_status(target, [result], dt.date(2026, 1, 2))[0] == "achieved"
    assert target_status(target, [dict(result, value=70)], dt.date(2026, 1, 2))[0] == "missed"
    assert target_status(target, [dict(result, year=2023)], dt.date(2026, 1, 2))[0] == "overdue"
    assert target_status(target, [dict(result, year=2023, value=77)], dt.date(2025, 3, 1))[0] == "on-track"
    assert target_status(target, [dict(result, year=2023, value=70)], dt.date(2025, 3, 1))[0] == "at-risk"
    assert target_status(dict(target, comparator="reduce_by"), [result], dt.date(2026, 1, 2))[0] == "not-checkable"
