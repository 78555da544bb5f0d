"""Read one document into typed facts: metadata, citations, targets, duties, owners.

One pass over the heading tree: each paragraph is read by the target and duty readers,
each table row by the table reader, all sharing the document's `Page` (text, reading
view, one-sweep cue annotation, tree) and its explicit `DocState`.  Ownership is
inferred last; the clauses that carry a cue but gave no fact are listed for review.
"""
from __future__ import annotations

import re
from dataclasses import replace

from ..indicators import link_targets
from ..infer import infer_ownership
from ..ingest import SourceText
from ..model import Document, Target
from ..text import fold_aligned
from .citations import read_citations
from .context import contexts
from .coverage import review
from .duties import DutyReader
from .metadata import read_metadata
from .page import DocState, Page
from .results import document_year, read_results
from .tables import TableReader
from .targets import read_targets
from .tasks import tasks_of

MAX_FACTS = 5000  # a real plan states a few hundred; this bounds the work on hostile input


def extract_document(source: SourceText, doc_id: str) -> Document:
    page = Page.of(source, doc_id)
    doc = Document(id=doc_id, source=source.name, text=source.text, encoding=source.encoding,
                   warnings=list(source.warnings))
    read_metadata(doc, page.view, page.ann, page.folded)
    doc.citations = read_citations(page.view, page.text, exclude={n for n in (doc.number,) if n})
    doc_year = document_year(doc.date)
    state = DocState(doc_id, provincial=doc.province is not None, year=doc_year)
    duties = DutyReader(page, state)
    tables = TableReader(page, state, duties)
    ctxs = contexts(page.root)
    for node in page.root.walk():
        if node.kind in ("root", "implicit"):
            continue
        if len(doc.targets) + len(doc.duties) >= MAX_FACTS:
            doc.warnings.append(f"more than {MAX_FACTS} facts: the rest of the document was not read")
            doc.targets = doc.targets[:MAX_FACTS]
            doc.duties = doc.duties[:max(0, MAX_FACTS - len(doc.targets))]
            break
        ctx = ctxs[id(node)]
        if node.kind == "row":
            targets, row_duties, owners = tables.read(node, ctx, doc.targets)
            doc.targets.extend(targets)
            doc.duties.extend(row_duties)
            doc.ownerships.extend(owners)
            continue
        if state.table is not None and tables.year_line(node):
            continue   # "**Đến năm 2030**" on a line of its own between a table's rows dates the rows after it
        state.table = None
        doc.targets.extend(read_targets(page, node, ctx, state))
        doc.results.extend(read_results(page, node, ctx, state, doc_year))
        doc.duties.extend(duties.read(node, ctx))
    # a question (an article's subtitle, an image's caption) states no target and no duty
    doc.targets = [t for t in doc.targets if not page.asks(t.span.start)]
    doc.duties = [d for d in doc.duties if not page.asks(d.span.start)]
    kept = {t.id for t in doc.targets}
    doc.ownerships = [o for o in doc.ownerships if o.target_id in kept]
    doc.tasks, doc.duties = tasks_of(page, doc.duties, state, state.deadlines)
    doc.targets = _annual_plan_year(doc)
    doc.review = review(page, ctxs, doc)   # before restatements are merged: a restated target was read
    doc.targets, same = _once(doc.targets)
    doc.ownerships = [replace(o, target_id=same.get(o.target_id, o.target_id)) for o in doc.ownerships]
    doc.ownerships = infer_ownership(doc)
    doc.measures = link_targets([*doc.targets, *doc.results])
    linked = {m.target_id for m in doc.measures}
    doc.results = [r for r in doc.results if r.id in linked or r.area != "khac"]
    return doc


def _once(targets: list[Target]) -> tuple[list[Target], dict[str, str]]:
    """A target restated word for word (an annex, a repeated recommendation) is one target: the first.
    Returns the targets and, for each one dropped, the id of the one it restates."""
    first: dict[tuple[str, float | None, int | None], str] = {}
    out, same = [], {}
    for t in targets:
        key = (" ".join(t.span.quote.split()), t.value, t.year)
        if key in first:
            same[t.id] = first[key]
            continue
        first[key] = t.id
        out.append(t)
    return out, same


def _annual_plan_year(doc: Document) -> list[Target]:
    """An annual plan ("Kế hoạch cải cách hành chính năm 2025") sets the deadline its targets leave out."""
    title = fold_aligned(doc.title or "")
    m = re.search(r"\bnam (20\d\d)\b", title)
    planned = doc.kind == "ke_hoach" or re.search(r"\bke hoach\b", title)
    if not m or not planned or re.search(r"\b(?:den|toi|giai doan)\b", title):
        return doc.targets
    year = int(m.group(1))
    return [replace(t, year=year) if t.year is None and not _annual(doc.text, t) else t for t in doc.targets]


def _annual(text: str, target: Target) -> bool:
    return "hang nam" in fold_aligned(text[max(0, target.span.start - 80):target.span.end])
