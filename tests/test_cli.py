"""The CLI in-process: build, validate's exit codes, export, sparql, stats, bad input."""
from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from rdflib import Graph

from conftest import CORPUS
from kg.cli import cli


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "store"
    result = CliRunner().invoke(cli, ["build", str(CORPUS), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "5 documents" in result.output
    return out


def run(*args):
    return CliRunner().invoke(cli, list(map(str, args)))


def test_validate_conforms_on_the_bundled_corpus(built):
    result = run("validate", "--store", built)
    assert result.exit_code == 0 and "conforms" in result.output


def test_validate_exit_1_on_violations_and_2_when_it_cannot_run(built, tmp_path):
    import pyoxigraph as ox

    broken = tmp_path / "broken"
    shutil.copytree(built, broken)
    store = ox.Store(str(broken / "oxigraph"))
    t = ox.NamedNode("https://w3id.org/cchc-kg/id/target/orphan")
    store.add(ox.Quad(t, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                      ox.NamedNode("https://w3id.org/cchc-kg/ontology#Target")))
    store.flush()
    del store
    result = run("validate", "--store", broken)
    assert result.exit_code == 1
    assert "orphan" in result.output
    missing = run("validate", "--store", tmp_path / "nowhere")
    assert missing.exit_code == 2 and "no store here" in missing.output


def test_turtle_export_parses_and_holds_thousands_of_triples(built, tmp_path):
    out = tmp_path / "graph.ttl"
    assert run("export", "--store", built, "--format", "turtle", "-o", out).exit_code == 0
    g = Graph().parse(out, format="turtle")
    assert len(g) > 5000


@pytest.mark.parametrize("fmt", ["nquads", "jsonld", "csv"])
def test_other_exports(built, tmp_path, fmt):
    out = tmp_path / f"out.{fmt}"
    assert run("export", "--store", built, "--format", fmt, "-o", out).exit_code == 0
    data = out.read_text(encoding="utf-8")
    assert "Sở Nội vụ" in data or "so-noi-vu" in data


def test_obligations_json_has_the_shape_the_scorer_reads(built, tmp_path):
    out = tmp_path / "obligations.json"
    assert run("export", "--store", built, "--format", "obligations-json", "-o", out).exit_code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    docs = {d["source"]: d for d in data["documents"]}
    assert len(docs) == 5
    tg = docs["001_97a7edcad466b9d1.txt"]
    assert tg["number"] == "2703/QĐ-UBND" and tg["date"] == "2021-10-18" and tg["province"] == "Tiền Giang"
    assert "76/NQ-CP" in tg["cites"]
    target = next(t for t in tg["targets"] if t["value"] == 80 and "mức độ 3 và 4" in t["quote"])
    assert target["comparator"] == ">=" and target["year"] == 2025 and target["unit"] == "%"
    assert "Văn phòng Ủy ban nhân dân tỉnh" in target["owners"]
    assert target["ownership"][0]["rule"] in ("area-lead", "topic")
    assert any(a["agency"] == "Sở Tư pháp" and a["role"] == "monitor" for a in tg["assignments"])


def test_sparql_select_ask_construct_and_updates_refused(built):
    r = run("sparql", "--store", built, "--format", "json",
            "SELECT (COUNT(?t) AS ?n) WHERE { ?t a cchc:Target }")
    assert r.exit_code == 0 and json.loads(r.output)[0]["n"] > 100
    assert run("sparql", "--store", built, "ASK { ?d a cchc:Document }").output.strip() == "true"
    c = run("sparql", "--store", built, "--limit", "3", "CONSTRUCT { ?s a cchc:Duty } WHERE { ?s a cchc:Duty }")
    assert c.exit_code == 0 and "subject" in c.output
    upd = run("sparql", "--store", built, "DELETE WHERE { ?s ?p ?o }")
    assert upd.exit_code == 1 and "read-only" in upd.output
    bad = run("sparql", "--store", built, "SELEKT nothing")
    assert bad.exit_code == 1 and "syntax" in bad.output.lower()


def test_stats_counts_by_document_area_and_agency(built):
    r = run("stats", "--store", built)
    assert r.exit_code == 0
    for heading in ("TOTALS", "DOCUMENTS", "AREAS", "AGENCIES"):
        assert heading in r.output
    assert max(len(line) for line in r.output.splitlines()) <= 80


def test_a_failed_build_keeps_the_last_good_store(built, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(built, store)
    before = json.loads((store / "cchc-kg.json").read_text())["triples"]
    bad_corpus = tmp_path / "bad"
    bad_corpus.mkdir()
    shutil.copy(next(CORPUS.glob("002*")), bad_corpus)
    (bad_corpus / "scan.txt").write_bytes(b"\x00\x01\x02\xff" * 100)
    result = run("build", bad_corpus, "--out", store)
    assert result.exit_code == 1
    assert "scan.txt" in result.output and "binary" in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert json.loads((store / "cchc-kg.json").read_text())["triples"] == before
    assert run("validate", "--store", store).exit_code == 0
    assert not list(tmp_path.glob("store.building-*"))


def test_skip_invalid_builds_the_rest_and_lists_what_it_skipped(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    shutil.copy(next(CORPUS.glob("002*")), corpus)
    (corpus / "empty.txt").write_bytes(b"")
    result = run("build", corpus, "--out", tmp_path / "s", "--skip-invalid")
    assert result.exit_code == 0
    assert "1 documents" in result.output and "skipped:" in result.output and "empty.txt" in result.output


def test_commands_have_help_with_an_example():
    for command in ("build", "validate", "export", "sparql", "stats"):
        r = run(command, "--help")
        assert r.exit_code == 0 and "kg " in r.output


def test_ownership_basis_is_queryable_in_sparql(built):
    q = """SELECT ?metric ?owner ?rule ?dutyQuote WHERE {
      ?o a cchc:Ownership ; cchc:target ?t ; cchc:owner/skos:prefLabel ?owner ; cchc:rule/skos:notation ?rule ;
         prov:wasDerivedFrom/cchc:source/oa:hasSelector/oa:exact ?dutyQuote .
      ?t cchc:metric ?metric . FILTER(LANG(?owner) = "vi") FILTER(CONTAINS(?metric, "y tế")) }"""
    found = json.loads(run("sparql", "--store", built, "--format", "json", q).output)
    assert {r["owner"] for r in found} >= {"Sở Y tế", "Sở Giáo dục và Đào tạo"}
    assert {r["rule"] for r in found} >= {"topic"}
    assert any("dịch vụ y tế công" in r["dutyQuote"] for r in found)


def test_review_lists_unread_cue_clauses_with_their_quotes(built, tmp_path):
    result = CliRunner().invoke(cli, ["build", str(CORPUS), "--out", str(tmp_path / "s")])
    assert "clauses with a duty or target cue" in result.output and "kg review" in result.output
    rows = json.loads(run("review", "--store", built, "--format", "json").output)
    assert rows and {r["kind"] for r in rows} <= {"duty", "target"}
    text = {p.name: p.read_text(encoding="utf-8") for p in CORPUS.iterdir()}
    assert all(r["quote"] in text[r["file"]] and r["reason"] for r in rows)
    one = json.loads(run("review", "2703/QĐ-UBND", "--store", built, "--format", "json").output)
    assert one and all(r["file"].startswith("001") for r in one)
    missing = run("review", "no-such-doc.txt", "--store", built)
    assert missing.exit_code == 1 and "no-such-doc.txt" in missing.output and "Traceback" not in missing.output
