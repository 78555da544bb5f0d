from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "data" / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED_EVAL = ROOT.parent / "shared" / "eval"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"


@contextmanager
def offline_page(width: int = 1400, height: int = 900):
    """A page of Debian's headless Chromium that may load file: URLs only: yields (page, requests,
    errors) — every URL the page asked for, and every script error it raised."""
    from playwright.sync_api import sync_playwright
    requests: list[str] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--disable-sync"])
        page = browser.new_page(viewport={"width": width, "height": height})
        page.on("pageerror", lambda e: errors.append(str(e)))

        def block(route):
            requests.append(route.request.url)
            if route.request.url.startswith("file:"):
                route.continue_()
            else:
                route.abort()
        page.route("**/*", block)
        try:
            yield page, requests, errors
        finally:
            browser.close()


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
