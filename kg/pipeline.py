"""Build: documents in, a validated-shape RDF store out."""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph, URIRef

from .actuals import FOLDER as ACTUALS_FOLDER, carried_actuals, graph_iri as actuals_graph_iri
from .errors import KGError, SourceDecodeError
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
from .store import open_store, write_store


@dataclass
class BuildReport:
    store: Path
    documents: list[Document] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    triples: int = 0


def corpus_files(paths: Iterable[str | Path]) -> list[Path]:
    """Supported files under the given files or directories, in a stable order."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in SUPPORTED_SUFFIXES))
        elif p.is_file():
            out.append(p)
        else:
            raise KGError(f"{p}: no such file or directory")
    if not out:
        raise KGError("no documents to build: give a directory with .txt, .md, .html or .docx files")
    return out


def read_documents(files: list[Path], skip_invalid: bool = False,
                   progress: Callable[[Path], None] | None = None) -> tuple[list[Document], list[str]]:
    docs: list[Document] = []
    skipped: list[str] = []
    used: set[str] = set()
    for f in files:
        if progress:
            progress(f)
        try:
            source = read_source(f)
        except SourceDecodeError as e:
            if not skip_invalid:
                raise
            skipped.append(str(e))
            continue
        doc_id = slug(f.stem).replace("-", "_") if f.stem else "doc"
        base, n = doc_id, 2
        while doc_id in used:
            doc_id, n = f"{base}_{n}", n + 1
        used.add(doc_id)
        try:
            docs.append(extract_document(source, doc_id))
        except Exception as e:
            if os.environ.get("KG_DEBUG"):
                raise
            problem = f"{f}: could not be read ({type(e).__name__}: {e}); set KG_DEBUG=1 for the details"
            if not skip_invalid:
                raise KGError(problem) from e
            skipped.append(problem)
    return docs, skipped


def to_nquads(docs: list[Document], extra: dict[URIRef, Graph] | None = None) -> bytes:
    ds = Dataset()
    onto = Graph()
    onto.parse(data=ontology_text(), format="turtle")
    _copy(onto, ds.graph(ONTOLOGY_GRAPH))
    _copy(gazetteer_graph(), ds.graph(GAZETTEER_GRAPH))
    _copy(indicator_graph(), ds.graph(INDICATOR_GRAPH))
    _copy(reorganisation_graph(), ds.graph(REORGANISATION_GRAPH))
    shared = ds.graph(SHARED_GRAPH)
    for doc in docs:
        _copy(document_graph(doc, shared), ds.graph(doc_graph_iri(doc.id)))
    for name, graph in (extra or {}).items():
        _copy(graph, ds.graph(name))
    return ds.serialize(format="nquads", encoding="utf-8")


def _copy(src: Graph, dst: Graph) -> None:
    for triple in src:
        dst.add(triple)


def build(corpus: Iterable[str | Path], out: str | Path, skip_invalid: bool = False,
          progress: Callable[[Path], None] | None = None) -> BuildReport:
    """Read every document, extract facts, write the store atomically; return what happened."""
    files = corpus_files(corpus)
    docs, skipped = read_documents(files, skip_invalid, progress)
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
    # published results imported into the store before (kg actuals import) are carried over
    carried = carried_actuals(out)
    info = {"documents": [d.source for d in docs], "skipped": skipped, "format": 1,
            "actuals": [name for name, _, _ in carried]}
    path = write_store(out, to_nquads(docs, {actuals_graph_iri(Path(n).stem): g for n, _, g in carried}), info,
                       {f"{ACTUALS_FOLDER}/{name}": data for name, data, _ in carried})
    record_status(path)
    report = BuildReport(store=path, documents=docs, skipped=skipped, warnings=warnings)
    report.triples = len(open_store(path))
    return report
