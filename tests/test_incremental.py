"""The build streams documents through worker processes and reuses a cache of each document's extraction."""
from __future__ import annotations

import datetime as dt
import json
import shutil

import pyoxigraph as ox
import pytest

from conftest import CORPUS, ROOT
from kg import pipeline
from kg.errors import KGError
from kg.pipeline import build

ACTUALS = ROOT / "data" / "actuals" / "par_sipas_2021_2024.csv"


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


def _all_quads(store) -> list[str]:
    """Every quad, blank nodes named alike (the ontology's are relabelled by each parse)."""
    st = ox.Store.read_only(str(store / "oxigraph"))
    return sorted(" ".join("_:b" if isinstance(t, ox.BlankNode) else str(t)
                           for t in (q.subject, q.predicate, q.object, q.graph_name)) for q in st)


def _larger(tmp_path):
    """The bundled corpus and a variant of each of its documents: enough that most are unchanged
    when `_edit` has changed four."""
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    for f in sorted(corpus.glob("*.txt")):
        (corpus / f"v{f.name}").write_text(f.read_text(encoding="utf-8").replace("2025", "2026"), encoding="utf-8")
    return corpus


def _edit(corpus):
    """One document changed, one removed, one copied under an earlier name (the original becomes the
    duplicate) and one new document."""
    changed = next(corpus.glob("003_*"))
    changed.write_text(changed.read_text(encoding="utf-8").replace("đạt trên 85%", "đạt trên 87%"), encoding="utf-8")
    next(corpus.glob("002_*")).unlink()
    copied = next(corpus.glob("004_*"))
    shutil.copy(copied, corpus / "0000_copy.txt")
    (corpus / "005_new.txt").write_text(next(corpus.glob("001_*")).read_text(encoding="utf-8")
                                        .replace("2025", "2027"), encoding="utf-8")


def test_a_rebuild_updates_a_copy_of_the_store_into_the_same_graph_as_a_full_build(tmp_path, monkeypatch):
    corpus = _larger(tmp_path)
    out = tmp_path / "store"
    build([corpus], out, keep_documents=False)
    assert (out / pipeline.BUILT).is_file()
    updating: list[bool] = []
    real = pipeline.StoreWriter

    class Spy(real):   # type: ignore[misc, valid-type]
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            updating.append(self.updating)

    monkeypatch.setattr(pipeline, "StoreWriter", Spy)
    unchanged = build([corpus], out, keep_documents=False)
    full = build([corpus], tmp_path / "full", keep_documents=False, incremental=False)
    assert _all_quads(out) == _all_quads(full.store) and unchanged.triples == full.triples
    _edit(corpus)
    again = build([corpus], out, keep_documents=False)
    full = build([corpus], tmp_path / "full", keep_documents=False, incremental=False)
    assert updating == [True, False, True, False]
    assert _all_quads(out) == _all_quads(full.store) and again.triples == full.triples
    assert again.summaries == full.summaries and again.skipped == full.skipped and again.duplicates == full.duplicates
    assert len(again.duplicates) == 1 and again.duplicates[0][0].name.startswith("004_")
    assert not list(tmp_path.glob("store.building-*")) and not list(tmp_path.glob("store.old-*"))


def test_a_rebuild_with_nothing_changed_keeps_the_statuses_recorded_today(tmp_path, monkeypatch):
    out = tmp_path / "store"
    build([CORPUS], out, keep_documents=False)
    calls: list[object] = []
    real = pipeline.record_statuses
    monkeypatch.setattr(pipeline, "record_statuses", lambda kg, *a: (calls.append(a), real(kg, *a))[1])
    before = _all_quads(out)
    build([CORPUS], out, keep_documents=False)
    assert calls == [] and _all_quads(out) == before
    info = json.loads((out / "cchc-kg.json").read_text(encoding="utf-8"))
    assert info["status_as_of"] == dt.date.today().isoformat()
    info["status_as_of"] = "2000-01-01"   # recorded another day: recorded again
    (out / "cchc-kg.json").write_text(json.dumps(info), encoding="utf-8")
    build([CORPUS], out, keep_documents=False)
    assert len(calls) == 1 and _all_quads(out) == before


def test_a_rebuild_carries_imported_actuals_over_as_a_full_build_does(tmp_path):
    from kg.actuals import import_actuals
    corpus = _larger(tmp_path)
    out = tmp_path / "store"
    build([corpus], out, keep_documents=False)
    import_actuals(out, ACTUALS)
    _edit(corpus)
    again = build([corpus], out, keep_documents=False)
    full = tmp_path / "full"
    build([CORPUS], full, keep_documents=False, incremental=False)   # a store to import into
    import_actuals(full, ACTUALS)
    build([corpus], full, keep_documents=False, incremental=False)
    assert again.warnings == [w for w in again.warnings if "actuals" not in w]
    assert _all_quads(out) == _all_quads(full)
    assert any("actuals" in q for q in _all_quads(out))


def test_a_failed_rebuild_leaves_the_previous_store_and_its_cache_usable(tmp_path):
    corpus = _larger(tmp_path)
    out = tmp_path / "store"
    build([corpus], out, keep_documents=False)
    before = _all_quads(out)
    (corpus / "zz_bad.docx").write_bytes(b"not a zip file")
    with pytest.raises(KGError, match="zz_bad"):
        build([corpus], out, keep_documents=False)
    assert _all_quads(out) == before and not list(tmp_path.glob("store.building-*"))
    (corpus / "zz_bad.docx").unlink()
    build([corpus], out, keep_documents=False)
    assert _all_quads(out) == before


def test_shared_nodes_keep_one_preferred_label_per_language_as_the_full_graph_does():
    shared = pipeline.SharedNodes()
    g, pref, alt = f" <{pipeline.SHARED_GRAPH}> .\n", "<http://www.w3.org/2004/02/skos/core#prefLabel>", \
        "<http://www.w3.org/2004/02/skos/core#altLabel>"
    a = f'<http://x/a> {pref} "Trung tâm Điều hành"@vi{g}'
    b = f'<http://x/a> {pref} "Trung Tâm Điều Hành"@vi{g}'
    en = f'<http://x/a> {pref} "Operations Centre"@en{g}'
    other = f'<http://x/a> <http://x/p> <http://x/b>{g}'
    shared.add((a + other).encode())
    shared.add((b + en + a + other).encode())
    assert shared.nquads().decode().splitlines(keepends=True) == [a, other, b.replace(pref, alt), en]
