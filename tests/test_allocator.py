"""The query workers' allocator (kg.allocator): what is preloaded, and that nothing else gets it."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from kg.allocator import mimalloc_library, started_with, uses_mimalloc, worker_environment


def test_the_system_allocator_needs_no_variable():
    assert worker_environment("system") == {}


def test_an_unknown_allocator_is_refused():
    with pytest.raises(ValueError, match="unknown allocator 'tcmalloc'"):
        worker_environment("tcmalloc")


def test_mimalloc_is_preloaded_before_what_was_preloaded_already_and_commits_lazily():
    library = mimalloc_library()
    if library is None:
        pytest.skip("mimalloc is not installed here")
    assert Path(library).is_file() and "libmimalloc.so" in Path(library).name
    env = worker_environment("mimalloc", {"LD_PRELOAD": f"/opt/other.so {library}:/opt/third.so"})
    assert env["LD_PRELOAD"] == f"{library} /opt/other.so /opt/third.so"   # ours first, once
    assert env["MIMALLOC_ARENA_EAGER_COMMIT"] == "0"
    assert worker_environment("mimalloc", {})["LD_PRELOAD"] == library


def test_started_with_puts_the_environment_back(monkeypatch):
    monkeypatch.setenv("LD_PRELOAD", "/opt/mine.so")
    monkeypatch.delenv("MIMALLOC_ARENA_EAGER_COMMIT", raising=False)
    with started_with({"LD_PRELOAD": "/opt/x.so /opt/mine.so", "MIMALLOC_ARENA_EAGER_COMMIT": "0"}):
        assert os.environ["LD_PRELOAD"] == "/opt/x.so /opt/mine.so"
        assert os.environ["MIMALLOC_ARENA_EAGER_COMMIT"] == "0"
    assert os.environ["LD_PRELOAD"] == "/opt/mine.so"
    assert "MIMALLOC_ARENA_EAGER_COMMIT" not in os.environ


def test_this_process_was_not_given_mimalloc():
    assert uses_mimalloc() is ("libmimalloc" in os.environ.get("LD_PRELOAD", ""))
    assert uses_mimalloc(2**22 + 12345) is False      # no such process
