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

import hashlib
import os
import re
import stat
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph, Literal, Node, URIRef
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
    doc_graph_iri,
    document_graph,
    gazetteer_graph,
    indicator_graph,
    reorganisation_graph,
    slug,
)
from .ingest import SUPPORTED_SUFFIXES, read_source
from .model import Document
from .resources import ontology_text
from .status import record_status
from .store import MARKER, clean_stale, open_store, write_store

DEBUG = "KG_DEBUG"   # set: a reader's bug is raised with its traceback instead of named on one line


@dataclass
class BuildReport:
    store: Path
    documents: list[Document] = field(default_factory=list)
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


@dataclass
class Reading:
    """The documents read from a list of files, and the files left out."""

    documents: list[Document] = field(default_factory=list)
    paths: dict[str, Path] = field(default_factory=dict)   # document id -> its file
    skipped: list[str] = field(default_factory=list)
    duplicates: list[tuple[Path, Path]] = field(default_factory=list)


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


def read_documents(files: list[Path], skip_invalid: bool = False,
                   progress: Callable[[Path], None] | None = None) -> Reading:
    """Read and extract each file; a copy of a text read before is listed, not built again."""
    out = Reading()
    used: set[str] = set()
    seen: dict[bytes, Path] = {}
    for f in files:
        if progress:
            progress(f)
        try:
            source = read_source(f)
            key = hashlib.sha256(source.text.encode("utf-8", "surrogatepass")).digest()
            if key in seen:
                out.duplicates.append((f, seen[key]))
                out.skipped.append(f"{shown(f)}: same text as {shown(seen[key])}; built once, as that file")
                continue
            doc_id = base = slug(f.stem).replace("-", "_") if f.stem else "doc"
            n = 2
            while doc_id in used:
                doc_id, n = f"{base}_{n}", n + 1
            doc = extract_document(source, doc_id)
        except Exception as e:  # noqa: BLE001 - whatever one document raises stays with that document
            _failed(f, e, skip_invalid, out.skipped)
            continue
        seen[key] = f
        used.add(doc_id)
        out.paths[doc_id] = f
        out.documents.append(doc)
    return out


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
    return _nquads([(doc, *_graphs(doc)) for doc in docs], extra)


def _graphs(doc: Document) -> tuple[Graph, Graph]:
    """The document's own graph and the nodes it shares with others (kept apart until it succeeded)."""
    shared = Graph()
    return document_graph(doc, shared), shared


def _nquads(parts: list[tuple[Document, Graph, Graph]], extra: dict[URIRef, Graph] | None = None) -> bytes:
    ds = Dataset()
    onto = Graph()
    onto.parse(data=ontology_text(), format="turtle")
    _copy(onto, ds.graph(ONTOLOGY_GRAPH))
    _copy(gazetteer_graph(), ds.graph(GAZETTEER_GRAPH))
    _copy(indicator_graph(), ds.graph(INDICATOR_GRAPH))
    _copy(reorganisation_graph(), ds.graph(REORGANISATION_GRAPH))
    shared = ds.graph(SHARED_GRAPH)
    preferred: dict[tuple[Node, str | None], Node] = {}
    for doc, own, its_shared in parts:
        _copy(own, ds.graph(doc_graph_iri(doc.id)))
        for s, p, o in its_shared:
            # one skos:prefLabel per language (SKOS S14): a body two documents spell differently
            # ("Trung tâm Điều hành", "Trung Tâm Điều Hành") keeps the first and has the other as altLabel,
            # or every query joining its label would count its facts twice
            if p == SKOS.prefLabel and isinstance(o, Literal) and preferred.setdefault((s, o.language), o) != o:
                p = SKOS.altLabel
            shared.add((s, p, o))
    for name, graph in (extra or {}).items():
        _copy(graph, ds.graph(name))
    return ds.serialize(format="nquads", encoding="utf-8")


def _copy(src: Graph, dst: Graph) -> None:
    for triple in src:
        dst.add(triple)


def build(corpus: Iterable[str | Path], out: str | Path, skip_invalid: bool = False,
          progress: Callable[[Path], None] | None = None) -> BuildReport:
    """Read every document, extract facts, write the store atomically; return what happened."""
    files = corpus if isinstance(corpus, CorpusFiles) else corpus_files(corpus)
    cleaned = clean_stale(out)
    reading = read_documents(files, skip_invalid, progress)
    skipped = [*files.skipped, *reading.skipped]
    parts = []
    for doc in reading.documents:
        try:
            parts.append((doc, *_graphs(doc)))
        except Exception as e:  # noqa: BLE001 - a mapping bug stays with its document too
            _failed(reading.paths[doc.id], e, skip_invalid, skipped)
    docs = [doc for doc, _, _ in parts]
    if not docs:
        raise KGError("no readable documents: nothing was built; the previous store is unchanged")
    warnings: list[str] = []
    for d in docs:
        warnings.extend(f"{d.source}: {w}" for w in d.warnings)
        if not d.targets:
            warnings.append(f"{d.source}: no targets found")
        if not d.duties:
            warnings.append(f"{d.source}: no agencies with duties found")
        unknown = sorted({x.agency.name for x in d.duties if not x.agency.known})
        if unknown:
            warnings.append(f"{d.source}: bodies not in the gazetteer (kept, flagged): {', '.join(unknown)}")
    if files.not_read:
        warnings.append(f"{not_read_line(files.not_read)}; only {', '.join(SUPPORTED_SUFFIXES)} files are read")
    warnings.extend(cleaned)
    # published results imported into the store before (kg actuals import) are carried over
    carried = carried_actuals(out)
    info = {"documents": [d.source for d in docs], "skipped": skipped, "format": 1,
            "actuals": [name for name, _, _ in carried]}
    path = write_store(out, _nquads(parts, {actuals_graph_iri(Path(n).stem): g for n, _, g in carried}), info,
                       {f"{ACTUALS_FOLDER}/{name}": data for name, data, _ in carried})
    try:
        record_status(path)
    except KGError:
        raise
    except Exception as e:   # the store is built; its statuses can be recorded again (kg status)
        if os.environ.get(DEBUG):
            raise
        warnings.append(f"statuses were not recorded ({type(e).__name__}: {one_line(e)}); run kg status "
                        "to see them, KG_DEBUG=1 for the details")
    report = BuildReport(store=path, documents=docs, skipped=skipped, warnings=warnings, not_read=files.not_read,
                         duplicates=reading.duplicates, cleaned=cleaned)
    report.triples = len(open_store(path))
    return report
