"""The embedded SPARQL store (pyoxigraph, persisted in a directory), built atomically.

A build writes the new store beside the old one (``<out>.building-<pid>``) and swaps it in
only when it is complete; a failed build removes its temporary directory and leaves the
last good store untouched.  A store directory carries ``cchc-kg.json`` (what was built,
when, how many triples) so that a lookup can tell a store from any other directory.
"""
from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .errors import StoreError

MARKER = "cchc-kg.json"
_DATA = "oxigraph"


@dataclass
class KGStore:
    """An opened store: the pyoxigraph Store plus its build record."""

    path: Path
    store: ox.Store
    info: dict

    def query(self, sparql: str, substitutions: dict | None = None):
        return self.store.query(sparql, use_default_graph_as_union=True, substitutions=substitutions)

    def __len__(self) -> int:
        return int(self.info.get("triples", 0))


def open_store(path: str | Path, read_only: bool = True) -> KGStore:
    path = Path(path)
    marker = path / MARKER
    if not marker.is_file():
        if not path.exists():
            raise StoreError(f"{path}: no store here; build one with 'kg build --out {path}'")
        raise StoreError(f"{path}: not a cchc-kg store (no {MARKER}); build one with 'kg build --out {path}'")
    try:
        info = json.loads(marker.read_text(encoding="utf-8"))
        store = ox.Store.read_only(str(path / _DATA)) if read_only else ox.Store(str(path / _DATA))
    except (OSError, ValueError) as e:
        raise StoreError(f"{path}: cannot open store ({e})") from e
    return KGStore(path, store, info)


def write_store(out: str | Path, nquads: bytes, info: dict, files: dict[str, bytes] | None = None) -> Path:
    """Bulk-load N-Quads into a new store and swap it in place of `out`; `files` (relative path ->
    bytes) are written inside the new store before the swap."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f"{out.name}.building-{os.getpid()}")
    old = out.with_name(f"{out.name}.old-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir()
        store = ox.Store(str(tmp / _DATA))
        store.bulk_load(nquads, format=ox.RdfFormat.N_QUADS)
        store.flush()
        triples = len(store)
        del store
        info = dict(info, triples=triples, built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
        for rel, data in (files or {}).items():
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp / rel).write_bytes(data)
        (tmp / MARKER).write_text(json.dumps(info, ensure_ascii=False, indent=2), encoding="utf-8")
        if out.exists():
            if not (out / MARKER).is_file() and any(out.iterdir()):
                raise StoreError(f"{out}: exists and is not a cchc-kg store; refusing to replace it")
            out.rename(old)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old.exists() and not out.exists():
            old.rename(out)
        raise
    shutil.rmtree(old, ignore_errors=True)
    return out


def record_change(kg: KGStore, **info: object) -> None:
    """After an update of an opened (writable) store: its marker's triple count and `info` refreshed."""
    kg.info = dict(kg.info, triples=len(kg.store), **info)
    (kg.path / MARKER).write_text(json.dumps(kg.info, ensure_ascii=False, indent=2), encoding="utf-8")
