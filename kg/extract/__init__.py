"""Read one document into typed facts: metadata, citations, targets, duties, owners."""
from __future__ import annotations

import re
from dataclasses import replace

from ..ingest import SourceText
from ..model import Document
from ..structure import parse
from ..infer import infer_ownership
from ..text import fold_aligned
from .citations import read_citations
from .context import contexts
from .duties import DutyReader
from .metadata import read_metadata
from .targets import read_targets


MAX_FACTS = 5000  # a real plan states a few hundred; this bounds the work on hostile input


def extract_document(source: SourceText, doc_id: str) -> Document:
    text = source.text
    folded = fold_aligned(text)
    root = parse(text)
    ctxs = contexts(root)
    doc = Document(id=doc_id, source=source.name, text=text, encoding=source.encoding,
                   warnings=list(source.warnings))
    read_metadata(doc)
    doc.citations = read_citations(text, exclude={n for n in (doc.number,) if n})
    counter = [0]
    carry: dict = {}
    duties = DutyReader(text, folded, doc_id, provincial=doc.province is not None)
    for node in root.walk():
        if node.kind in ("root", "implicit"):
            continue
        if len(doc.targets) + len(doc.duties) >= MAX_FACTS:
            doc.warnings.append(f"more than {MAX_FACTS} facts: the rest of the document was not read")
            doc.targets = doc.targets[:MAX_FACTS]
            doc.duties = doc.duties[:max(0, MAX_FACTS - len(doc.targets))]
            break
        ctx = ctxs[id(node)]
        doc.targets.extend(read_targets(text, folded, node, ctx, doc_id, counter, carry))
        doc.duties.extend(duties.read(node, ctx))
    _annual_plan_year(doc)
    doc.ownerships = infer_ownership(doc)
    return doc


def _annual_plan_year(doc: Document) -> None:
    """An annual plan ("Kế hoạch cải cách hành chính năm 2025") sets the deadline its targets leave out."""
    title = fold_aligned(doc.title or "")
    m = re.search(r"\bnam (20\d\d)\b", title)
    planned = doc.kind == "ke_hoach" or re.search(r"\bke hoach\b", title)
    if not m or not planned or re.search(r"\b(?:den|toi|giai doan)\b", title):
        return
    year = int(m.group(1))
    doc.targets = [replace(t, year=year) if t.year is None and not _annual(doc.text, t) else t for t in doc.targets]


def _annual(text: str, target) -> bool:
    return "hang nam" in fold_aligned(text[max(0, target.span.start - 80):target.span.end])
