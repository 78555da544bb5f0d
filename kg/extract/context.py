"""What surrounds a paragraph: its section (targets, tasks, results...), area, deadline.

Targets and duties are read paragraph by paragraph; this module tells each reader
where the paragraph stands: the kind of section it is in (from headings, including
implicit sections whose heading was lost), the reform area of the nearest area
heading, and the deadline year of an enclosing year block ("- Đến năm 2025:").
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..structure import Node, heading_text
from ..text import fold_aligned
from .areas import heading_area

_SECTION_RULES = [
    ("recipients", re.compile(r"^noi nhan")),
    ("results", re.compile(r"(ket qua (dat duoc|thuc hien|dat)|tinh hinh|thuc trang|danh gia (ket qua|tinh hinh)|"
                           r"nhung ket qua|han che|nguyen nhan)")),
    ("views", re.compile(r"quan diem|yeu cau$|^yeu cau")),
    ("targets", re.compile(r"muc tieu|chi tieu")),
    ("organize", re.compile(r"to chuc thuc hien|trach nhiem|phan cong")),
    ("tasks", re.compile(r"nhiem vu|giai phap")),
    ("funding", re.compile(r"kinh phi|nguon luc")),
]

DEADLINE = re.compile(
    r"(?:(?:den|toi|truoc|trong|vao)\s+(?:het\s+|cuoi\s+|nam\s+)?nam\s+(20\d\d)"
    r"|(?<!so voi )giai doan\s+20\d\d\s*[-–]\s*(20\d\d)"
    r"|^\s*(?:[-+*]\s*)?(?:trong do,\s*)?nam\s+(20\d\d)\s*[,:]"
    r"|(?:phan dau|muc tieu|chi tieu)\s+(?:trong\s+|den\s+)?nam\s+(20\d\d)\b)"
)
YEAR_BLOCK = re.compile(r"^\s*[-+*•]?\s*(?:trong do,?\s*)?(?:den|toi)\s+(?:het\s+|cuoi\s+)?nam\s+(20\d\d)\s*[:,]")
ANNUAL = re.compile(r"\b(?:hang|moi)\s+nam\b")  # hằng năm, hàng năm, mỗi năm
FORWARD = re.compile(r"\b(?:phan dau|muc tieu|chi tieu|yeu cau|se dat|dat ra|(?:den|toi|trong|truoc) (?:het |cuoi )?nam 20\d\d"
                     r"|(?:bao dam|dam bao|chiu trach nhiem)[^.;]{0,40}\d+(?:[.,]\d+)?\s*%)")
PAST = re.compile(r"\b(?:da\s|dat duoc|den nay|den thoi diem|hien tai|hien nay|nam qua|ket qua,|qua \d+ nam)")
CONTINUATION = re.compile(r"^\s*(?:cung voi do|cung do|ben canh do|ngoai ra|dong thoi)\b")


@dataclass
class NodeContext:
    section: str | None
    area: str | None
    block_year: int | None
    text_area: str | None = None   # area the paragraph's own words point to (when no heading says)


def section_of(node: Node) -> str | None:
    for n in (node, *node.ancestors()):
        kind = _own_section(n)
        if kind:
            return kind
    return None


def _own_section(n: Node) -> str | None:
    if n.kind == "implicit":
        for child in n.children[:3]:
            kind = _own_section(child)
            if kind:
                return kind
        return None
    if n.kind == "root" or (n.kind == "para" and not (n.is_intro and len(n.body) < 120)):
        return None
    if not (n.is_heading or n.kind in ("roman", "caps")):
        return None
    head = heading_text(n)[:120]
    for kind, pattern in _SECTION_RULES:
        if pattern.search(head):
            return kind
    return None


def area_of(node: Node) -> str | None:
    for n in (node, *node.ancestors()):
        if n.kind in ("root", "implicit"):
            continue
        if n is not node and not n.is_heading and not n.is_intro:
            continue
        head = n.body.split(":")[0] if n.is_heading or n.is_intro else n.body[:120]
        if len(head) > 140:
            continue
        area = heading_area(head)
        if area:
            return area
    return None


def contexts(root: Node) -> dict[int, NodeContext]:
    """Context of every node (keyed by id()), year blocks read in document order."""
    out: dict[int, NodeContext] = {}
    block_year: int | None = None
    for node in root.walk():
        if node.kind == "root":
            continue
        body = fold_aligned(node.body)
        m = YEAR_BLOCK.match(body)
        if m and node.is_intro and len(body.strip()) < 60:
            block_year = int(m.group(1))
        elif node.kind in ("roman", "dieu", "num", "letter", "ordinal", "caps", "implicit") or (
                node.kind == "para" and node.is_heading):
            block_year = None
        out[id(node)] = NodeContext(section_of(node), area_of(node), block_year or _heading_year(node))
    return out


_HEADING_YEAR = re.compile(r"\bnam (20\d\d)\b")


def _heading_year(node: Node) -> int | None:
    """"II. PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM 2025": the year a heading puts over its section."""
    for n in node.ancestors():
        if n.kind in ("root", "implicit") or not (n.is_heading or n.kind in ("roman", "caps")):
            continue
        head = heading_text(n)[:160]
        m = _HEADING_YEAR.search(head)
        if m and not re.search(r"giai doan|den nam|toi nam|\d{4}\s*[-–]\s*\d{4}", head):
            return int(m.group(1))
    return None


def deadline_years(folded: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(position, year) of every deadline phrase in folded[start:end]."""
    end = len(folded) if end is None else end
    found = []
    for m in DEADLINE.finditer(folded, start, end):
        year = next(int(g) for g in m.groups() if g)
        found.append((m.start(), year))
    return found


def clause_spans(text: str, folded: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split text[start:end] at sentence ends, semicolons and ", đồng thời" (not inside brackets)."""
    spans, cur, depth = [], start, 0
    i = start
    while i < end:
        ch = text[i]
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif depth == 0:
            cut = None
            if ch == ";":
                cut = i
            elif ch in ".!?" and (i + 1 >= end or text[i + 1] in " \n\t"):
                nxt = text[i + 1:i + 3].strip()
                if not nxt or nxt[0].isupper() or nxt[0].isdigit():
                    cut = i
            elif ch == "," and folded.startswith(" dong thoi", i + 1):
                cut = i
            if cut is not None:
                if cut > cur:
                    spans.append((cur, cut))
                cur = cut + 1
        i += 1
    if end > cur:
        spans.append((cur, end))
    out = []
    for s, e in spans:
        while s < e and text[s] in " \t\n\r,;:.-+*":
            s += 1
        while e > s and text[e - 1] in " \t\n\r,;:":
            e -= 1
        if e > s:
            out.append((s, e))
    return out
