"""Build: documents in, a validated-shape RDF store out.

What a build reads: the files named, and under each folder named every .txt, .md, .html, .htm
and .docx file, sub-folders included, in sorted order.  It does not follow symbolic links out of
the folder (nor into sub-folders), skips hidden files and folders, Word's ``~$`` lock files and
store folders, and lists the files of other kinds it did not read.  A document whose text is the
same as one read before it (a copy under another name) is built once.  A document that cannot be
read — a decoding problem or a bug in a reader — stops the build with one line naming the file,
or with ``skip_invalid`` is listed and left out; ``KG_DEBUG=1`` re-raises a reader's bug with its
traceback.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing as mp
import os
import pickle
import re
import stat
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from pathlib import Path

from rdflib import Graph, Literal, Node, URIRef
from rdflib.namespace import SKOS

from .actuals import FOLDER as ACTUALS_FOLDER, carried_actuals, graph_iri as actuals_graph_iri
from .errors import KGError, one_line, shown
from .extract import extract_document
from .graph import (
    GAZETTEER_GRAPH,
    INDICATOR_GRAPH,
    ONTOLOGY_GRAPH,
    REORGANISATION_GRAPH,
    SHARED_GRAPH,
    Triples,
    doc_graph_iri,
    doc_iri,
    document_graph,
    gazetteer_graph,
    indicator_graph,
    nquads,
    reorganisation_graph,
    slug,
)
from .heap import give_back
from .ingest import SUPPORTED_SUFFIXES, read_source
from .model import Document
from .resources import ontology_text
from .status import STATUS_GRAPH_NAME, record_statuses
from .store import MARKER, StoreWriter, clean_stale, open_store
from .vocab import ID

DEBUG = "KG_DEBUG"   # set: a reader's bug is raised with its traceback instead of named on one line
BUILT = "built.json"   # in a store: the id and cache key of each document it holds, for the next rebuild


@dataclass
class BuildReport:
    store: Path
    documents: list[Document] = field(default_factory=list)   # only when the caller kept them
    summaries: list[DocSummary] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)    # one line per file left out: name and reason
    warnings: list[str] = field(default_factory=list)
    triples: int = 0
    not_read: list[Path] = field(default_factory=list)   # files of kinds a build does not read
    duplicates: list[tuple[Path, Path]] = field(default_factory=list)   # (a copy, the file built instead)
    cleaned: list[str] = field(default_factory=list)     # what killed builds had left, handled


class CorpusFiles(list[Path]):
    """The documents a build reads, in order, and what the walk of the folders left out."""

    def __init__(self, files: Iterable[Path] = ()) -> None:
        super().__init__(files)
        self.skipped: list[str] = []     # links not followed, special files, unreadable folders
        self.not_read: list[Path] = []   # files of other kinds, hidden and temporary files


def corpus_files(paths: Iterable[str | Path]) -> CorpusFiles:
    """The files under the given files or directories (recursively), in a stable order."""
    out = CorpusFiles()
    for p in map(Path, paths):
        try:
            if p.is_dir():
                _walk(p, out)
            elif p.is_file():   # named on purpose: read, even through a link
                out.append(p)
            elif p.exists():
                raise KGError(f"{shown(p)}: not a file or folder (a device, pipe or socket)")
            else:
                raise KGError(f"{shown(p)}: no such file or directory")
        except OSError as e:
            raise KGError(f"{shown(p)}: cannot read ({e.strerror or one_line(e)})") from e
    out[:] = dict.fromkeys(out)   # a file named twice (or under two folders named) is read once
    if not out:
        also = f" ({not_read_line(out.not_read)})" if out.not_read else ""
        raise KGError(f"no documents to build: give a directory with .txt, .md, .html or .docx files{also}")
    return out


_LEFTOVER = re.compile(r"\.(?:building|old)-\d+$")


def _walk(root: Path, out: CorpusFiles) -> None:
    top = root.resolve()
    found: list[Path] = []

    def unreadable(e: OSError) -> None:
        out.skipped.append(f"{shown(e.filename or root)}: folder not read ({e.strerror or one_line(e)})")

    for folder, dirs, names in os.walk(root, onerror=unreadable):
        here = Path(folder)
        keep = []
        for d in sorted(dirs):
            sub = here / d
            if sub.is_symlink():
                out.skipped.append(f"{shown(sub)}: symbolic link to a folder, not followed")
            elif not (d.startswith(".") or _LEFTOVER.search(d) or (sub / MARKER).is_file()):
                keep.append(d)   # hidden folders (.git) and stores (a build's output) are not documents
        dirs[:] = keep
        for name in names:
            f = here / name
            reason = _not_a_document(f, top)
            if reason:
                out.skipped.append(f"{shown(f)}: {reason}")
            elif name.startswith((".", "~$")) or f.suffix.lower() not in SUPPORTED_SUFFIXES:
                out.not_read.append(f)
            else:
                found.append(f)
    out.extend(sorted(found))


def _not_a_document(f: Path, top: Path) -> str | None:
    """Why `f`, found in the folder `top`, is not read at all (None: it is a regular file)."""
    try:
        if f.is_symlink():
            try:
                target = f.resolve(strict=True)
            except (OSError, RuntimeError):
                return "broken symbolic link, not followed"
            if not target.is_relative_to(top):
                return "symbolic link leading outside the corpus folder, not followed"
        mode = f.stat().st_mode
    except OSError as e:
        return f"cannot read ({e.strerror or one_line(e)})"
    return None if stat.S_ISREG(mode) else "not a regular file (a device, pipe or socket), not read"


def not_read_line(files: list[Path]) -> str:
    """'not read: 3 files (.pdf 2, .xlsx 1)'."""
    kinds = Counter("hidden or temporary" if f.name.startswith((".", "~$")) else f.suffix.lower() or "no extension"
                    for f in files)
    counts = ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])))
    return f"not read: {len(files)} {_files(len(files))} ({counts})"


def _files(n: int) -> str:
    return "file" if n == 1 else "files"


@dataclass(frozen=True)
class DocSummary:
    """What a build keeps of a document once its graph is written (the document itself is let go)."""

    id: str
    source: str
    province: str | None
    title: str | None
    targets: int
    duties: int
    ownerships: int
    cue_clauses: int
    review: int
    warnings: tuple[str, ...]


@dataclass
class Extracted:
    """One file read and extracted (in a worker process or from the cache): its graph as N-Quads,
    the nodes it shares with other documents, and its summary."""

    doc_id: str
    text_key: bytes                      # hash of its NFC text: a copy of a text read before is built once
    nquads: bytes                        # its own named graph
    shared: list[tuple[Node, Node, Node]]
    summary: DocSummary
    document: Document | None = None     # kept only when the caller asked for the documents


@dataclass
class Failed:
    """A file that could not be read or extracted, with what went wrong."""

    error: Exception


def _summary(doc: Document) -> DocSummary:
    warnings = [*doc.warnings]
    if not doc.targets:
        warnings.append("no targets found")
    if not doc.duties:
        warnings.append("no agencies with duties found")
    unknown = sorted({x.agency.name for x in doc.duties if not x.agency.known})
    if unknown:
        warnings.append(f"bodies not in the gazetteer (kept, flagged): {', '.join(unknown)}")
    return DocSummary(doc.id, doc.source, doc.province, doc.title, len(doc.targets), len(doc.duties),
                      len(doc.ownerships), doc.cue_clauses, len(doc.review), tuple(warnings))


def _extract(job: tuple[Path, str, bool]) -> Extracted | Failed:
    """Read, extract and map one file to RDF (run in a worker process; nothing escapes but a Failed)."""
    f, doc_id, keep = job
    try:
        source = read_source(f)
        key = hashlib.sha256(source.text.encode("utf-8", "surrogatepass")).digest()
        doc = extract_document(source, doc_id)
        own, shared = _graphs(doc)
        quads = nquads(own, doc_graph_iri(doc.id)).encode("utf-8")
        return Extracted(doc_id, key, quads, list(shared), _summary(doc), doc if keep else None)
    except Exception as e:
        if os.environ.get(DEBUG) and not isinstance(e, KGError):
            raise
        return Failed(e if _picklable(e) else RuntimeError(f"{type(e).__name__}: {one_line(e)}"))


def _in_order(pool, jobs: list[tuple[Path, str, bool]], window: int) -> Iterator[Extracted | Failed]:
    """The jobs' extractions by the pool's workers, in order, with at most `window` of them asked
    for and not yet taken: when writing the store is slower than extracting, the extractions
    waiting stay a few, not a corpus's worth."""
    asked: deque = deque()
    rest = iter(jobs)
    for job in islice(rest, window):
        asked.append(pool.apply_async(_extract_next, (job,)))
    while asked:
        got = asked.popleft().get()
        for job in islice(rest, 1):
            asked.append(pool.apply_async(_extract_next, (job,)))
        yield got


def _extract_next(job: tuple[Path, str, bool]) -> Extracted | Failed:
    """`_extract` in a build's worker process, which first gives back to the system the memory the
    previous document freed (kg.heap): over thousands of documents its resident size stays flat."""
    give_back()
    return _extract(job)


def _picklable(e: Exception) -> bool:
    import pickle
    try:
        pickle.loads(pickle.dumps(e))
        return True
    except Exception:  # noqa: BLE001 - an exception that cannot cross a process boundary is described instead
        return False


@lru_cache(maxsize=1)
def reader_version() -> str:
    """A hash of the code and data that turn a document into facts: a cached extraction made by
    another version of the readers is not used."""
    h = hashlib.sha256()
    root = Path(__file__).resolve().parent
    for path in sorted([*root.rglob("*.py"), *root.rglob("*.toml"), *root.rglob("*.txt"), *root.rglob("*.rq")]):
        h.update(path.relative_to(root).as_posix().encode())
        h.update(path.read_bytes())
    h.update(ontology_text().encode("utf-8"))
    return h.hexdigest()[:16]


@dataclass
class Item:
    """What a build keeps of one document between its extraction and the store: its shared nodes
    as N-Quads of the shared graph, its summary, and its own graph's N-Quads (None: still in the
    cache, read only if they must be loaded)."""

    doc_id: str
    text_key: bytes
    shared: bytes
    summary: DocSummary
    nquads: bytes | None
    key: str | None                      # its cache key (None: not cached)
    document: Document | None = None


def _item(e: Extracted, key: str | None) -> Item:
    shared = nquads(e.shared, SHARED_GRAPH).encode("utf-8", "replace")
    return Item(e.doc_id, e.text_key, shared, e.summary, e.nquads, key, e.document)


class ExtractionCache:
    """Each document's extraction, kept beside the store (``<store>.cache/<key>.pickle``) under a
    hash of its bytes, its id and the readers' version: a rebuild reads again only new or changed
    documents.  A file holds the small part pickled (id, text key, shared nodes, summary) and then
    the document's own N-Quads, which are read only when they have to be loaded."""

    def __init__(self, out: Path) -> None:
        self.folder = out.with_name(out.name + ".cache")
        self.used: set[str] = set()

    def key(self, f: Path, doc_id: str) -> str | None:
        try:
            data = f.read_bytes()
        except OSError:
            return None
        return hashlib.sha256(data + b"\0" + doc_id.encode() + b"\0" + reader_version().encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.pickle"

    def holds(self, key: str | None) -> bool:
        return key is not None and self._path(key).is_file()

    def get(self, key: str | None) -> Item | None:
        if key is None:
            return None
        try:
            with self._path(key).open("rb") as fh:
                found = pickle.load(fh)
            doc_id, text_key, shared, summary = found
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ValueError, TypeError, IndexError):
            return None
        if not (isinstance(doc_id, str) and isinstance(text_key, bytes) and isinstance(shared, bytes)
                and isinstance(summary, DocSummary)):
            return None
        self.used.add(key)
        return Item(doc_id, text_key, shared, summary, None, key)

    def nquads(self, key: str) -> bytes | None:
        """The document's own N-Quads (None: the entry is gone or broken)."""
        try:
            with self._path(key).open("rb") as fh:
                pickle.load(fh)
                return fh.read()
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ValueError, TypeError):
            return None

    def put(self, key: str | None, item: Item) -> None:
        if key is None or item.nquads is None:
            return
        self.used.add(key)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.folder / f".{key}.{os.getpid()}.tmp"
            with tmp.open("wb") as fh:
                pickle.dump((item.doc_id, item.text_key, item.shared, item.summary), fh)
                fh.write(item.nquads)
            os.replace(tmp, self._path(key))
        except OSError:
            pass   # a cache that cannot be written only makes the next build slower

    def prune(self) -> None:
        """Forget the extractions of documents this build did not have (removed or changed)."""
        if not self.folder.is_dir():
            return
        for path in self.folder.glob("*.pickle"):
            if path.stem not in self.used:
                path.unlink(missing_ok=True)


def _doc_ids(files: list[Path]) -> list[str]:
    used: set[str] = set()
    out = []
    for f in files:
        doc_id = base = slug(f.stem).replace("-", "_") if f.stem else "doc"
        n = 2
        while doc_id in used:
            doc_id, n = f"{base}_{n}", n + 1
        used.add(doc_id)
        out.append(doc_id)
    return out


def extracted(files: list[Path], ids: list[str], keys: list[str | None], workers: int | None = None,
              keep: bool = False, cache: ExtractionCache | None = None,
              progress: Callable[[Path], None] | None = None) -> Iterator[tuple[Path, Item | Failed]]:
    """Each file (with its id and cache key) read and extracted, in order: from the cache, else by
    `workers` processes (all cores by default; in this process when there is little to do or
    KG_DEBUG is set).  A cached document comes without its own N-Quads (`ExtractionCache.nquads`)."""
    cached = [cache is not None and cache.holds(k) for k in keys]
    todo = [(f, i, keep) for f, i, hit in zip(files, ids, cached, strict=True) if not hit]
    n = workers or os.cpu_count() or 1
    fresh: Iterator[Extracted | Failed]
    if n > 1 and len(todo) > 2 and not os.environ.get(DEBUG) and "fork" in mp.get_all_start_methods():
        pool = mp.get_context("fork").Pool(min(n, len(todo)))
        fresh = _in_order(pool, todo, 4 * n)
    else:
        pool = None
        fresh = map(_extract, todo)
    try:
        for f, doc_id, key, hit in zip(files, ids, keys, cached, strict=True):
            item: Item | Failed | None = cache.get(key) if cache is not None and hit else None
            if item is None:
                # not cached (or the entry went bad since it was seen): extracted now
                got = next(fresh) if not hit else _extract((f, doc_id, keep))
                item = got if isinstance(got, Failed) else _item(got, key)
                if cache is not None and isinstance(item, Item):
                    cache.put(key, item)
            if progress:
                progress(f)
            yield f, item
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()


class SharedNodes:
    """The nodes documents share (instruments, provinces, agencies), as N-Quads lines of the shared
    graph, each kept once as the documents stream in: memory grows with the distinct nodes, not
    with the documents.  As in `_nquads_of_shared`, a subject keeps one skos:prefLabel per language,
    the first seen; a later, different one becomes a skos:altLabel."""

    _PREF = b"<" + str(SKOS.prefLabel).encode() + b">"
    _ALT = b"<" + str(SKOS.altLabel).encode() + b">"
    _GRAPH = b" <" + str(SHARED_GRAPH).encode() + b"> .\n"

    def __init__(self) -> None:
        self._lines: dict[bytes, bytes] = {}                    # line read -> line written
        self._preferred: dict[tuple[bytes, bytes], bytes] = {}  # (subject, language) -> its prefLabel

    def add(self, nquads: bytes) -> None:
        lines = self._lines
        for line in nquads.splitlines(keepends=True):
            if line not in lines:
                lines[line] = self._written(line)

    def _written(self, line: bytes) -> bytes:
        s, p, rest = line.split(b" ", 2)
        if p != self._PREF or not rest.startswith(b'"') or not rest.endswith(self._GRAPH):
            return line
        label = rest[:-len(self._GRAPH)]
        after = label[label.rfind(b'"') + 1:]
        language = after[1:] if after.startswith(b"@") else b""
        if self._preferred.setdefault((s, language), label) == label:
            return line
        return b" ".join((s, self._ALT, rest))

    def nquads(self) -> bytes:
        return b"".join(dict.fromkeys(self._lines.values()))


def _built_before(out: Path) -> tuple[dict[str, str], dict, str | None]:
    """The documents (id -> cache key) of the store at `out`, its build record and the readers'
    version that built it; empty when there is no store there or it was not built with them recorded."""
    try:
        info = json.loads((out / MARKER).read_text(encoding="utf-8"))
        recorded = json.loads((out / BUILT).read_text(encoding="utf-8"))
        built, reader = recorded["documents"], recorded.get("reader")
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}, {}, None
    if not (isinstance(info, dict) and isinstance(built, dict)):
        return {}, {}, None
    return {str(k): str(v) for k, v in built.items()}, info, reader if isinstance(reader, str) else None


def _failed(f: Path, e: Exception, skip_invalid: bool, skipped: list[str]) -> None:
    """One document failed: re-raise (KG_DEBUG), stop the build with one line naming it, or list it."""
    if isinstance(e, KGError):
        if str(e).startswith(shown(f)):
            if not skip_invalid:
                raise e
            skipped.append(str(e))
            return
        problem = f"{shown(f)}: {one_line(e)}"
    elif os.environ.get(DEBUG):
        raise e
    else:
        what = f"{type(e).__name__}: {one_line(e)}" if str(e).strip() else type(e).__name__
        problem = f"{shown(f)}: could not be read ({what}); set KG_DEBUG=1 for the details"
    if not skip_invalid:
        raise KGError(problem) from e
    skipped.append(problem)


def to_nquads(docs: list[Document], extra: dict[URIRef, Graph] | None = None) -> bytes:
    """The N-Quads of documents held in memory (the build streams instead; tests and tools use this)."""
    own, shared = [], []
    for doc in docs:
        g, sh = _graphs(doc)
        own.append(nquads(g, doc_graph_iri(doc.id)).encode("utf-8", "replace"))
        shared.append(list(sh))
    return b"".join(own) + _nquads_of_shared(shared, extra)


def _graphs(doc: Document) -> tuple[Triples, Triples]:
    """The document's own graph and the nodes it shares with others (kept apart until it succeeded)."""
    shared = Triples()
    return document_graph(doc, shared, Triples()), shared


def _nquads_of_shared(parts: list[list[tuple[Node, Node, Node]]], extra: dict[URIRef, Graph] | None = None) -> bytes:
    """The graphs every document shares: ontology, gazetteer, indicators, reorganisation, the shared
    nodes (instruments, provinces, agencies) and `extra` (imported results)."""
    onto = Graph()
    onto.parse(data=ontology_text(), format="turtle")
    graphs: list[tuple[URIRef, Iterable[tuple[Node, Node, Node]]]] = [
        (ONTOLOGY_GRAPH, onto), (GAZETTEER_GRAPH, gazetteer_graph()), (INDICATOR_GRAPH, indicator_graph()),
        (REORGANISATION_GRAPH, reorganisation_graph())]
    shared = Triples()
    preferred: dict[tuple[Node, str | None], Node] = {}
    for its_shared in parts:
        for s, p, o in its_shared:
            # one skos:prefLabel per language (SKOS S14): a body two documents spell differently
            # ("Trung tâm Điều hành", "Trung Tâm Điều Hành") keeps the first and has the other as altLabel,
            # or every query joining its label would count its facts twice
            if p == SKOS.prefLabel and isinstance(o, Literal) and preferred.setdefault((s, o.language), o) != o:
                p = SKOS.altLabel
            shared.add((s, p, o))
    graphs += [(SHARED_GRAPH, shared), *(extra or {}).items()]
    return "".join(nquads(triples, name) for name, triples in graphs).encode("utf-8", "replace")


def build(corpus: Iterable[str | Path], out: str | Path, skip_invalid: bool = False,
          progress: Callable[[Path], None] | None = None, workers: int | None = None,
          keep_documents: bool = True, incremental: bool = True) -> BuildReport:
    """Read every document, extract facts, write the store atomically; return what happened.

    Documents stream through: each is extracted (by `workers` processes, all cores by default),
    its graph loaded into the new store beside the old one, and let go, so memory does not grow
    with the corpus (unless `keep_documents`, for callers that want the documents back in the
    report).  With `incremental`, each document's extraction is cached beside the store
    (``<out>.cache``) and a rebuild extracts again only the new and changed documents; when most
    documents are unchanged, the new store starts as a copy of the old one (hard links) in which
    only the graphs of changed, new and removed documents and the shared graphs are replaced.
    """
    out = Path(out)
    files = corpus if isinstance(corpus, CorpusFiles) else corpus_files(corpus)
    cleaned = clean_stale(out)
    cache = ExtractionCache(out) if incremental else None
    ids = _doc_ids(files)
    keys = [cache.key(f, i) if cache and not keep_documents else None for f, i in zip(files, ids, strict=True)]
    before, before_info, before_reader = _built_before(out) if cache and not keep_documents else ({}, {}, None)
    # the documents whose graph the previous store already holds as this build would write it
    same = {str(doc_graph_iri(i)) for i, k in zip(ids, keys, strict=True) if k is not None and before.get(i) == k}
    skipped = [*files.skipped]
    summaries: list[DocSummary] = []
    documents: list[Document] = []
    duplicates: list[tuple[Path, Path]] = []
    seen: dict[bytes, Path] = {}
    shared = SharedNodes()
    built: dict[str, str] = {}    # id -> cache key of each document built: what the next rebuild can keep
    statuses, docs = str(ID[STATUS_GRAPH_NAME]), str(doc_graph_iri(""))
    with StoreWriter(out, update=len(same) * 2 > len(files)) as store:
        if store.updating:   # the graphs of documents changed or removed go (the others: at the end)
            store.remove_graphs(g for g in store.named_graphs() if g.startswith(docs) and g not in same)
        else:
            same = set()
        for f, item in extracted(files, ids, keys, workers, keep_documents, cache, progress):
            if isinstance(item, Failed):
                _failed(f, item.error, skip_invalid, skipped)
                continue
            if item.text_key in seen:
                duplicates.append((f, seen[item.text_key]))
                skipped.append(f"{shown(f)}: same text as {shown(seen[item.text_key])}; built once, as that file")
                continue
            seen[item.text_key] = f
            if str(doc_graph_iri(item.doc_id)) not in same:
                data = item.nquads if item.nquads is not None or item.key is None or cache is None \
                    else cache.nquads(item.key)
                if data is None:   # its cache entry went bad since it was read: extracted again
                    again = _extract((f, item.doc_id, False))
                    data = again.nquads if isinstance(again, Extracted) else b""
                store.add(data)
            shared.add(item.shared)
            summaries.append(item.summary)
            if item.key is not None:
                built[item.doc_id] = item.key
            if item.document is not None:
                documents.append(item.document)
        if not summaries:
            raise KGError("no readable documents: nothing was built; the previous store is unchanged")
        # published results imported into the store before (kg actuals import) are carried over
        carried = carried_actuals(out)
        # nothing changed (same documents, same readers, same imported results): the statuses the
        # previous store recorded today are the ones recording them again would give
        today = dt.date.today().isoformat()
        statuses_kept = store.updating and built == before and len(built) == len(summaries) \
            and before_info.get("status_as_of") == today
        # else, with the same readers: the statuses recorded today are kept and only those the changed
        # documents can reach are judged again (kg.status.record_statuses)
        statuses_refreshed = False
        extra = {actuals_graph_iri(Path(n).stem): g for n, _, g in carried}
        if store.updating:
            # ontology, gazetteer, indicators, reorganisation and imported results: as they were,
            # unless the readers changed; the shared nodes: only those that changed
            present = store.named_graphs()
            fixed = {str(g) for g in (ONTOLOGY_GRAPH, GAZETTEER_GRAPH, INDICATOR_GRAPH, REORGANISATION_GRAPH, *extra)}
            fixed_kept = before_reader == reader_version() and fixed <= set(present)
            built_graphs = {str(doc_graph_iri(i)) for i in built}
            statuses_refreshed = not statuses_kept and fixed_kept and statuses in present \
                and before_info.get("status_as_of") == today
            store.remove_graphs([*(same - built_graphs), *(
                g for g in present if not g.startswith(docs) and g != str(SHARED_GRAPH)
                and not (fixed_kept and g in fixed) and not ((statuses_kept or statuses_refreshed) and g == statuses))])
            store.replace_graph(str(SHARED_GRAPH), shared.nquads())
            if not fixed_kept:
                store.add(_nquads_of_shared([], extra))
        else:
            store.add(shared.nquads())
            store.add(_nquads_of_shared([], extra))
        warnings = [f"{d.source}: {w}" for d in summaries for w in d.warnings]
        if files.not_read:
            warnings.append(f"{not_read_line(files.not_read)}; only {', '.join(SUPPORTED_SUFFIXES)} files are read")
        warnings.extend(cleaned)
        info: dict = {"documents": [d.source for d in summaries], "skipped": skipped, "format": 1,
                      "actuals": [name for name, _, _ in carried]}
        if statuses_kept:
            info["status_as_of"] = today
        else:
            # the statuses as of today (what `kg status` records), in the store before it is swapped in
            try:
                as_of = dt.date.fromisoformat(today)
                written = [str(doc_iri(i)) for i in built if str(doc_graph_iri(i)) not in same] \
                    if statuses_refreshed else None
                previous = open_store(out) if statuses_refreshed else None
                for chunk in record_statuses(store.opened(info), as_of, written, previous):
                    store.add(chunk)
                del previous
                info["status_as_of"] = today
            except KGError:
                raise
            except Exception as e:   # the store is built; its statuses can be recorded again (kg status)
                if os.environ.get(DEBUG):
                    raise
                store.remove_graphs([statuses])   # none rather than some
                warnings.append(f"statuses were not recorded ({type(e).__name__}: {one_line(e)}); run kg status "
                                "to see them, KG_DEBUG=1 for the details")
        kept = {f"{ACTUALS_FOLDER}/{name}": data for name, data, _ in carried}
        if built:
            kept[BUILT] = json.dumps({"reader": reader_version(), "documents": built}, indent=0).encode("utf-8")
        path = store.commit(info, kept)
    if cache is not None:
        cache.prune()
    report = BuildReport(store=path, documents=documents, summaries=summaries, skipped=skipped, warnings=warnings,
                         not_read=files.not_read, duplicates=duplicates, cleaned=cleaned)
    report.triples = len(open_store(path))
    return report
