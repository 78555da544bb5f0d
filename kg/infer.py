"""Ownership: which body owns each target, by explicit rules that keep their basis.

Rules, each recorded on the link with the duty it rests on:
- ``table-lead``: a table row names the body that leads (or monitors) the row's target
  ("Chỉ tiêu | ... | Cơ quan chủ trì theo dõi, đánh giá"); read with the row, kept as is;
- ``actor``: the target's own sentence names the body that must reach it
  ("đến hết năm 2022, ngành Tổ chức xây dựng Đảng triển khai phần mềm ...");
- ``topic``: the target is on a subject in a body's portfolio (gazetteer) and the
  document gives that body a duty on the same subject (health-service satisfaction
  → Sở Y tế, ISO quality systems → Sở Khoa học và Công nghệ);
- ``area-lead``: the body the document makes lead of the target's reform area
  ("Sở Nội vụ chủ trì ... cải cách tổ chức bộ máy, cải cách chế độ công vụ");
  failing a lead, the body that monitors that area;
- ``document-lead``: for targets no rule above reaches, the body charged with reaching
  the document's targets as a whole ("... triển khai thực hiện Nghị quyết ... đạt các
  mục tiêu đề ra"), or else its standing lead ("là cơ quan thường trực").
"""
from __future__ import annotations

import re
from bisect import bisect_left

from .agencies import by_id
from .extract.areas import areas_named
from .model import Document, Duty, Ownership, Target
from .text import fold

_SPECIFIC_TYPES = {"Department", "Office", "ServiceCentre", "Media", "CentralBranch", "PartyBoard", "PartyGroup",
                   "PartyCommittee", "Front", "MassOrganisation", "PeoplesCommittee", "PeoplesCouncil", "Ministry",
                   "Government", "Legislature"}
_DOC_WORDS = r"(?:nghi quyet|chuong trinh|ke hoach|chi thi|quyet dinh|de an|phuong an)"


def infer_ownership(doc: Document) -> list[Ownership]:
    """The owners of every target: those read with it (table rows) first, then by the rules above."""
    given = [o for o in doc.ownerships if o.rule == "table-lead"]
    owned = {o.target_id for o in given}
    duties = sorted((d for d in doc.duties if d.role != "coordinate"), key=lambda d: d.span.start)
    starts = [d.span.start for d in duties]
    area_leads = _area_leads(duties)
    topical = _portfolio_duties([d for d in doc.duties if d.agency.type != "Generic"])
    doc_leads = _document_leads(duties)
    out: list[Ownership] = list(given)
    for t in doc.targets:
        if t.id in owned:
            continue
        links = _actors(doc, t, duties, starts)
        if not links:
            links = [Ownership(t.id, duty.agency, "area-lead", duty.id) for duty in area_leads.get(t.area, [])]
            links += _topic(t, topical, area_leads)
            if not links:
                links = [Ownership(t.id, d.agency, "document-lead", d.id) for d in doc_leads]
        seen: set[str] = set()
        for link in links:
            if link.agency.id not in seen:
                seen.add(link.agency.id)
                out.append(link)
    return out


def _sentence_bounds(text: str, pos: int, reach: int = 3000) -> tuple[int, int]:
    lo, hi = max(0, pos - reach), min(len(text), pos + reach)
    start = max(text.rfind(". ", lo, pos), text.rfind("\n", lo, pos), lo - 1) + 1
    ends = [i for i in (text.find(". ", pos, hi), text.find("\n", pos, hi)) if i >= 0]
    return start, (min(ends) if ends else hi)


def _actors(doc: Document, t: Target, duties: list[Duty], starts: list[int]) -> list[Ownership]:
    """Bodies whose duty is stated in the target's own sentence."""
    s, e = _sentence_bounds(doc.text, t.span.start)
    lo, hi = bisect_left(starts, s - 3000), bisect_left(starts, e)
    return [Ownership(t.id, d.agency, "actor", d.id) for d in duties[lo:hi]
            if d.span.end > s and d.span.start < e and d.agency.type != "Generic"
            and (d.role in ("lead", "implement") or (d.role == "monitor" and d.span.start <= t.span.start
                                                     and t.span.end <= d.span.end))]


def _topic(t: Target, duties: list[tuple[Duty, list[list[str]]]],
           area_leads: dict[str, list[Duty]]) -> list[Ownership]:
    """Bodies whose portfolio the target is on and whom the document tasks with that subject.

    The lead of another area only joins through a digital-government target: documents
    give the digital side of every area to one body and the subject side to its lead.
    """
    target_words = re.findall(r"\w+", fold(t.span.quote + " " + t.metric))
    leading = {d.agency.id: area for area, ds in area_leads.items() for d in ds}
    out = []
    for d, phrases in duties:
        if d.agency.id in leading and leading[d.agency.id] != t.area and t.area != "chinh_quyen_so":
            continue
        if any(_near(key, target_words) for key in phrases):
            out.append(Ownership(t.id, d.agency, "topic", d.id))
    return out


def _portfolio_duties(duties: list[Duty]) -> list[tuple[Duty, list[list[str]]]]:
    """Each duty with the portfolio phrases of its body that its own text mentions."""
    out = []
    for d in duties:
        entry = by_id(d.agency.id)
        if entry is None or not entry.portfolio:
            continue
        duty_words = re.findall(r"\w+", fold(d.task + " " + d.span.quote))
        phrases = [key for key in (re.findall(r"\w+", fold(p)) for p in entry.portfolio) if _near(key, duty_words)]
        if phrases:
            out.append((d, phrases))
    return out


def _near(phrase: list[str], words: list[str]) -> bool:
    """All words of the phrase, in order, within a window of len(phrase) + 2 words."""
    n = len(phrase)
    for i, w in enumerate(words):
        if w != phrase[0]:
            continue
        j, k = 1, i + 1
        while j < n and k < min(len(words), i + n + 2):
            if words[k] == phrase[j]:
                j += 1
            k += 1
        if j == n:
            return True
    return False


def _area_leads(duties: list[Duty]) -> dict[str, list[Duty]]:
    leads: dict[str, list[Duty]] = {}
    monitors: dict[str, list[Duty]] = {}
    for d in duties:
        if d.agency.type not in _SPECIFIC_TYPES:
            continue
        head = d.task[:160]
        for area in areas_named(head):
            if d.role == "lead":
                leads.setdefault(area, []).append(d)
            elif d.role == "monitor":
                monitors.setdefault(area, []).append(d)
    for area, ds in monitors.items():
        leads.setdefault(area, ds)
    return leads


def _document_leads(duties: list[Duty]) -> list[Duty]:
    charged = [d for d in duties if d.role == "lead" and d.agency.type != "Generic"
               and re.search(_DOC_WORDS, fold(d.task)) and re.search(r"\b(?:muc tieu|chi tieu)\b", fold(d.task))]
    if charged:
        return charged[:1]
    standing = [d for d in duties if d.role == "lead" and "thuong truc" in fold(d.task[:60])]
    if standing:
        return standing[:1]
    carries_out = r"(?:thuc hien|trien khai|thuc thi)[^.;]{0,30}?\s(?:cac noi dung (?:cua )?)?" + _DOC_WORDS + r"\b"
    whole = [d for d in duties if d.role in ("lead", "implement") and d.agency.type != "Generic"
             and re.search(carries_out, fold(d.task))]
    if whole:
        return whole[:1]
    overseeing = [d for d in duties if d.role == "monitor" and d.agency.type != "Generic"
                  and re.search(r"(?:thuc hien|trien khai)\s+" + _DOC_WORDS + r"\s+(?:nay|tren)\b", fold(d.task))]
    return overseeing[:1]
