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
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .errors import StoreError, one_line, shown
from .heap import give_back

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
    with StoreWriter(out) as writer:
        if isinstance(nquads, Path):
            writer.add_file(nquads)
        else:
            writer.add(nquads)
        return writer.commit(info, files)


class StoreWriter:
    """A store being written beside `out` (``<out>.building-<pid>``) and swapped in by `commit`.

    It starts empty, or with `update` as a copy of the store at `out` (hard links to its immutable
    files: cheap) in which a rebuild replaces only the graphs that changed.  N-Quads added are
    bulk-loaded in chunks of about `CHUNK` bytes, so memory does not grow with the data.  Used as a
    context manager: leaving it without `commit` (an exception) removes the new store and leaves the
    previous one as it was; a failure of the store itself is a StoreError."""

    CHUNK = 4 << 20

    def __init__(self, out: str | Path, update: bool = False) -> None:
        self.out = Path(out)
        self.tmp = self.out.with_name(f"{self.out.name}.building-{os.getpid()}")
        self._buffer: list[bytes] = []
        self._size = 0
        self.updating = False   # True: started from a copy of the previous store
        with self._failing():
            self.out.parent.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp.mkdir()
        if update and (self.out / MARKER).is_file():
            try:
                ox.Store.read_only(str(self.out / _DATA)).backup(str(self.tmp / _DATA))
                self.updating = True
            except (OSError, ValueError):
                shutil.rmtree(self.tmp / _DATA, ignore_errors=True)   # a fresh store instead
        with self._failing():
            self.store: ox.Store | None = ox.Store(str(self.tmp / _DATA))

    def __enter__(self) -> StoreWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.store is not None or self.tmp.exists():
            self.store = None
            shutil.rmtree(self.tmp, ignore_errors=True)

    @contextmanager
    def _failing(self) -> Iterator[None]:
        """A failure of the store (disk full, no permission, data it refuses) as one StoreError."""
        try:
            yield
        except (OSError, ValueError, SyntaxError) as e:
            raise StoreError(f"{shown(self.out)}: could not write the store ({type(e).__name__}: {one_line(e)}); "
                             "the previous store is unchanged") from e

    def _store(self) -> ox.Store:
        if self.store is None:
            raise StoreError(f"{shown(self.out)}: the store being written was closed")
        return self.store

    def add(self, nquads: bytes) -> None:
        """N-Quads to load (buffered; loaded a chunk at a time)."""
        if nquads:
            self._buffer.append(nquads)
            self._size += len(nquads)
            if self._size >= self.CHUNK:
                self._load()

    def add_file(self, path: Path) -> None:
        """The N-Quads of a file, a chunk at a time (cut at line ends)."""
        with self._failing(), path.open("rb") as fh:
            while chunk := fh.read(self.CHUNK):
                self.add(chunk + fh.readline())

    def _load(self) -> None:
        data, self._buffer, self._size = b"".join(self._buffer), [], 0
        if data:
            with self._failing():
                self._store().bulk_load(data, format=ox.RdfFormat.N_QUADS)
            del data
            give_back()   # the chunk's and the loader's memory, so a long build stays flat (kg.heap)

    def opened(self, info: dict) -> KGStore:
        """The store being written, open for queries (with all that was added so far)."""
        self._load()
        return KGStore(self.tmp, self._store(), dict(info))

    def named_graphs(self) -> list[str]:
        """The IRIs of the named graphs the store holds (of the copy, when updating)."""
        with self._failing():
            return [g.value for g in self._store().named_graphs() if isinstance(g, ox.NamedNode)]

    def remove_graphs(self, iris: Iterable[str]) -> None:
        """Remove named graphs and all they hold (before any N-Quads are added to them again), and
        empty the default graph (a build writes nothing there)."""
        self._load()
        with self._failing():
            store = self._store()
            for iri in iris:
                store.remove_graph(ox.NamedNode(iri))
            store.clear_graph(ox.DefaultGraph())

    def replace_graph(self, iri: str, nquads: bytes) -> None:
        """Make the named graph `iri` hold exactly `nquads` (N-Quads, all in that graph): only the
        quads that differ are removed and added (all of them when there are blank nodes, which
        have no name to compare, or when most differ)."""
        self._load()
        graph = ox.NamedNode(iri)
        suffix = f" <{iri}> .\n".encode()
        lines = nquads.splitlines(keepends=True)
        with self._failing():
            store = self._store()
            dumped = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph) or b""
            old = set(dumped.splitlines(keepends=True))
            new = {line[:-len(suffix)] + b" .\n" for line in lines if line.endswith(suffix)}
            gone = old - new
            if len(new) < len(set(lines)) or b"_:" in nquads or any(b"_:" in line for line in gone) \
                    or len(gone) * 2 > len(old):
                store.remove_graph(graph)
                self.add(nquads)
                return
            for t in ox.parse(b"".join(gone), format=ox.RdfFormat.N_TRIPLES):
                store.remove(ox.Quad(t.subject, t.predicate, t.object, graph))
        self.add(b"".join(line for line in lines if line[:-len(suffix)] + b" .\n" not in old))

    def commit(self, info: dict, files: dict[str, bytes] | None = None) -> Path:
        """Load what is left, write `info` (with the triple count and the time) and `files`
        (relative path -> bytes) inside the new store, and swap it in place of `out`."""
        self._load()
        old = self.out.with_name(f"{self.out.name}.old-{os.getpid()}")
        tmp, out = self.tmp, self.out
        try:
            with self._failing():
                store = self._store()
                store.flush()
                triples = len(store)
                self.store = None
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
        except BaseException:
            if old.exists() and not out.exists():
                old.rename(out)
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
