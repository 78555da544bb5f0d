"""The build streams documents through worker processes and reuses a cache of each document's extraction."""
from __future__ import annotations

import shutil

import pyoxigraph as ox

from conftest import CORPUS
from kg import pipeline
from kg.pipeline import build


def _quads(store) -> set[str]:
    st = ox.Store.read_only(str(store / "oxigraph"))
    return {str(q) for q in st if not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode)}


def test_parallel_streaming_and_in_process_builds_give_the_same_graph(tmp_path):
    one = build([CORPUS], tmp_path / "one", workers=1, incremental=False)
    many = build([CORPUS], tmp_path / "many", workers=2, keep_documents=False, incremental=False)
    assert _quads(one.store) == _quads(many.store)
    assert [d.source for d in many.summaries] == [d.source for d in one.documents]
    assert many.documents == [] and sum(d.targets for d in many.summaries) == sum(len(d.targets) for d in one.documents)


def test_a_rebuild_extracts_only_new_and_changed_documents(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    out = tmp_path / "store"
    first = build([corpus], out, keep_documents=False)
    calls: list[str] = []
    real = pipeline._extract

    def counting(job):
        calls.append(job[0].name)
        return real(job)

    monkeypatch.setattr(pipeline, "_extract", counting)
    again = build([corpus], out, keep_documents=False, workers=1)
    assert calls == [] and _quads(again.store) == _quads(first.store)
    changed = next(corpus.glob("003_*"))
    changed.write_text(changed.read_text(encoding="utf-8").replace("đạt trên 85%", "đạt trên 87%"), encoding="utf-8")
    next(corpus.glob("002_*")).unlink()
    third = build([corpus], out, keep_documents=False, workers=1)
    assert calls == [changed.name]
    assert len(third.summaries) == 4 and not any(d.source.startswith("002_") for d in third.summaries)
    values = {str(q.object) for q in ox.Store.read_only(str(out / "oxigraph"))
              if q.predicate.value.endswith("#value") and "003_" in q.subject.value}
    assert '"87"^^<http://www.w3.org/2001/XMLSchema#decimal>' in values
    assert len(list((tmp_path / "store.cache").glob("*.pickle"))) == 4   # the removed document is forgotten


def test_a_changed_reader_version_does_not_reuse_the_cache(tmp_path, monkeypatch):
    out = tmp_path / "store"
    build([CORPUS], out, keep_documents=False)
    pipeline.reader_version.cache_clear()
    monkeypatch.setattr(pipeline, "reader_version", lambda: "another-version")
    calls: list[str] = []
    real = pipeline._extract
    monkeypatch.setattr(pipeline, "_extract", lambda job: (calls.append(job[0].name), real(job))[1])
    build([CORPUS], out, keep_documents=False, workers=1)
    assert len(calls) == 5
