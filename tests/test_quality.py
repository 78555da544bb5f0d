"""Extraction measured against the hand-made gold with ../shared/eval/score.py.

The marks are the bar of the extraction issue; a later change that slips below them fails here.
"""
from __future__ import annotations

import importlib.util
import json

import pytest

from conftest import CORPUS, SHARED_EVAL

MARKS = {"targets": 0.92, "assignments": 0.88, "owners": 0.85}
ATTRIBUTES = ("area", "comparator", "unit", "role")


@pytest.fixture(scope="module")
def report(corpus_store, tmp_path_factory):
    scorer = SHARED_EVAL / "score.py"
    if not scorer.is_file():
        pytest.skip(f"gold scorer not found at {scorer}")
    spec = importlib.util.spec_from_file_location("gold_score", scorer)
    score = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(score)
    from kg.export import obligations

    out = tmp_path_factory.mktemp("score") / "out.json"
    out.write_text(json.dumps(obligations(corpus_store), ensure_ascii=False), encoding="utf-8")
    return score.score(json.loads(out.read_text(encoding="utf-8")), SHARED_EVAL / "gold", CORPUS)


@pytest.mark.parametrize("kind", sorted(MARKS))
def test_f1_at_or_above_the_mark(report, kind):
    assert report["overall"][kind]["f1"] >= MARKS[kind], report["overall"][kind]


@pytest.mark.parametrize("attribute", ATTRIBUTES)
def test_attribute_accuracy(report, attribute):
    assert report["attribute_accuracy"][attribute] >= 0.90


def test_metadata_accuracy_and_no_unfaithful_quote(report):
    assert report["metadata_accuracy"] >= 0.90
    assert report["unfaithful_quotes"] == 0
