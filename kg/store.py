"""The embedded SPARQL store (pyoxigraph, persisted in a directory), built atomically.

A build writes the new store beside the old one (``<out>.building-<pid>``) and swaps it in
only when it is complete; a failed build removes its temporary directory and leaves the
last good store untouched.  A build that was killed leaves ``<out>.building-<pid>`` (or, killed
during the swap, ``<out>.old-<pid>``) behind: `clean_stale`, run when the next build starts,
removes those whose process is gone and puts a store moved aside back in place.  A store
directory carries ``cchc-kg.json`` (what was built, when, how many triples) so that a lookup
can tell a store from any other directory.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .errors import StoreError, one_line, shown

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


def write_store(out: str | Path, nquads: bytes | Path, info: dict, files: dict[str, bytes] | None = None) -> Path:
    """Bulk-load N-Quads (bytes, or a file of them) into a new store and swap it in place of `out`;
    `files` (relative path -> bytes) are written inside the new store before the swap.  A failure
    (disk full, no permission, data the store refuses) is a StoreError and leaves the previous store
    as it was."""
    out = Path(out)
    tmp = out.with_name(f"{out.name}.building-{os.getpid()}")
    old = out.with_name(f"{out.name}.old-{os.getpid()}")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        store = ox.Store(str(tmp / _DATA))
        if isinstance(nquads, Path):
            store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
        else:
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
                raise StoreError(f"{shown(out)}: exists and is not a cchc-kg store; refusing to replace it")
            out.rename(old)
        tmp.rename(out)
    except BaseException as e:
        shutil.rmtree(tmp, ignore_errors=True)
        if old.exists() and not out.exists():
            old.rename(out)
        if isinstance(e, (OSError, ValueError, SyntaxError)):
            raise StoreError(f"{shown(out)}: could not write the store ({type(e).__name__}: {one_line(e)}); "
                             "the previous store is unchanged") from e
        raise
    shutil.rmtree(old, ignore_errors=True)
    return out


_LEFTOVER = re.compile(r"\.(building|old)-(\d+)")


def clean_stale(out: str | Path) -> list[str]:
    """Remove what killed builds left beside `out` (``<out>.building-<pid>``, ``<out>.old-<pid>`` whose
    process is no longer alive); a store moved aside while `out` is missing is put back instead.
    Returns one line per folder handled."""
    out = Path(out)
    done: list[str] = []
    try:
        siblings = sorted(out.parent.iterdir()) if out.parent.is_dir() else []
    except OSError:
        return done
    for p in siblings:
        m = _LEFTOVER.fullmatch(p.name[len(out.name):]) if p.name.startswith(out.name) else None
        if not m or p.is_symlink() or not p.is_dir() or _alive(int(m.group(2))):
            continue
        if m.group(1) == "old" and not out.exists() and (p / MARKER).is_file():
            p.rename(out)
            done.append(f"put back {shown(p)} as {shown(out)} (a killed build had moved the store aside)")
        else:
            shutil.rmtree(p, ignore_errors=True)
            done.append(f"removed {shown(p)}, left by a killed build")
    return done


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OverflowError, ValueError):   # no process can have that number
        return False
    except OSError:                       # EPERM: alive, someone else's
        return True
    return True


def record_change(kg: KGStore, **info: object) -> None:
    """After an update of an opened (writable) store: its marker's triple count and `info` refreshed."""
    kg.info = dict(kg.info, triples=len(kg.store), **info)
    (kg.path / MARKER).write_text(json.dumps(kg.info, ensure_ascii=False, indent=2), encoding="utf-8")
