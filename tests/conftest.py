from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "data" / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED_EVAL = ROOT.parent / "shared" / "eval"


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", help="rewrite the golden graph files")


@pytest.fixture(scope="session")
def corpus_build(tmp_path_factory):
    """The bundled corpus built once per test session (BuildReport)."""
    from kg.pipeline import build

    out = tmp_path_factory.mktemp("kg") / "store"
    return build([CORPUS], out)


@pytest.fixture(scope="session")
def corpus_store(corpus_build):
    from kg.store import open_store

    return open_store(corpus_build.store)


def seed(name_prefix: str) -> Path:
    return next(CORPUS.glob(f"{name_prefix}*"))
