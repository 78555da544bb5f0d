"""Rule rows as data (tests/rules/*.toml): snippet → expected facts."""
from __future__ import annotations

from pathlib import Path

import pytest

from kg.extract import extract_document
from kg.ingest import text_source
from kg.lexicon import tomllib

RULES = Path(__file__).resolve().parent / "rules"


def _cases(kind: str) -> list[dict]:
    return tomllib.loads((RULES / f"{kind}.toml").read_text(encoding="utf-8"))["case"]


def _doc(case: dict):
    return extract_document(text_source(case["text"]), "rule")


@pytest.mark.parametrize("case", _cases("targets"), ids=lambda c: c["name"])
def test_target_rule(case):
    d = _doc(case)
    keys = ("value", "unit", "comparator", "year", "value_max", "scope", "area")
    got = [{k: getattr(t, k) for k in keys} for t in d.targets]
    for want in case["targets"]:
        assert any(all(g[k] == v for k, v in want.items()) for g in got), (want, got)
    if case.get("exact"):
        assert len(got) == len(case["targets"]), got
    for want in case.get("owners", []):
        ids = {t.id for t in d.targets if t.value == want["value"]}
        owners = {o.agency.name for o in d.ownerships if o.target_id in ids}
        assert want["agency"] in owners, (want, owners)
    for t in d.targets:
        assert d.text[t.span.start:t.span.end] == t.span.quote


@pytest.mark.parametrize("case", _cases("duties"), ids=lambda c: c["name"])
def test_duty_rule(case):
    d = _doc(case)
    got = [(x.agency.name, x.role) for x in d.duties]
    want = [(w["agency"], w["role"]) for w in case["duties"]]
    for w in want:
        assert w in got, (w, got)
    if case.get("exact"):
        assert sorted(got) == sorted(want), got
    for no in case.get("absent", []):   # {agency, task}: no duty of that body whose quote holds the words
        assert not [x for x in d.duties if x.agency.name == no["agency"] and no["task"] in x.span.quote], no
    for x in d.duties:
        assert d.text[x.span.start:x.span.end] == x.span.quote


@pytest.mark.parametrize("case", _cases("metadata"), ids=lambda c: c["name"])
def test_metadata_rule(case):
    d = _doc(case)
    for key, want in case["meta"].items():
        assert getattr(d, key) == want, (key, getattr(d, key))
    for key in case.get("none", []):
        assert getattr(d, key) is None, (key, getattr(d, key))


def test_review_passes_over_labels_that_name_no_body():
    text = ("III. TỔ CHỨC THỰC HIỆN\n\n1. Rà soát quy trình nội bộ.\n\nCơ quan phối hợp: **Không**\n\n"
            "Tổ chức đăng ký chủ trì: ……………\n\nCơ quan chủ trì: đơn vị được giao.\n")
    reasons = [r.reason for r in extract_document(text_source(text), "rule").review]
    assert reasons == ["label 'Cơ quan chủ trì:' but no body read after it"], reasons
