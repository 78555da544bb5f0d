"""The one segmenter: paragraphs (with their item marker or table cells), sentences, clauses.

Every reader cuts text the same way, on the reading view (`kg.reading`): a paragraph is a
line of the view (hard wraps are already joined there); a line with two or more pipes is a
table row with cells; a sentence ends at ``.!?…`` before a capital or a digit (not after
"TP." and similar); a clause ends at a sentence end, a semicolon outside brackets or before
", đồng thời".  All spans are offsets into the document text (the view has the same offsets).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from itertools import pairwise

from .markers import Marker, marker_of
from .text import fold_aligned

_DECOR = " \t|#*>_"
_SEPARATOR_ROW = re.compile(r"[\s|:\-–=+]*")
_PIPE = re.compile(r"\|")
_LONG_LINE = 20000


@dataclass(frozen=True)
class Paragraph:
    start: int                 # span of the paragraph in the text, decorations trimmed
    end: int
    marker: Marker | None      # the item marker it opens with ("2.", "b)", "-") if any
    cells: tuple[tuple[int, int], ...] = ()   # a table row's cells (spans), else ()
    bold: bool = False         # written in bold as a whole ("**2. Sở Tài chính**"): a heading
    atx: int = 0               # its markdown heading level ("## Cơ quan thực hiện": 2), 0 for none

    @property
    def body_start(self) -> int:
        return self.start + self.marker.end if self.marker else self.start

    @property
    def is_row(self) -> bool:
        return len(self.cells) >= 2


def paragraphs(view: str, text: str | None = None) -> list[Paragraph]:
    """The paragraphs of a document's reading view, in order (`text`: the original, for bold)."""
    out: list[Paragraph] = []
    for m in re.finditer(r"[^\n]+", view):
        s, e = m.start(), m.end()
        if view.count("|", s, e) >= 2:
            cells = _cells(view, s, e)
            if cells:
                out.append(Paragraph(cells[0][0], cells[-1][1], None, tuple(cells)))
            continue
        while s < e and view[s] in _DECOR and not _is_star_bullet(view, s, e):
            s += 1
        while e > s and view[e - 1] in _DECOR:
            e -= 1
        if e <= s:
            continue
        bold = text is not None and _bold(text, m.start(), m.end())
        atx = _ATX.match(text, m.start(), m.end()) if text is not None and text[m.start():s].strip() else None
        level = len(atx.group(1)) if atx else 0
        for ps, pe in _split_long(view, s, e):
            out.append(Paragraph(ps, pe, marker_of(view[ps:pe]), bold=bold, atx=level))
    return out


def _cells(view: str, s: int, e: int) -> list[tuple[int, int]]:
    """Cells of a pipe-table row; [] for a separator row ("| --- | --- |")."""
    if _SEPARATOR_ROW.fullmatch(view, s, e):
        return []
    bounds = [s - 1] + [m.start() for m in _PIPE.finditer(view, s, e)] + [e]
    cells = []
    for a, b in pairwise(bounds):
        cs, ce = a + 1, b
        while cs < ce and view[cs] in " \t*":
            cs += 1
        while ce > cs and view[ce - 1] in " \t*":
            ce -= 1
        cells.append((cs, ce))
    # the line's own leading and trailing pipes open and close it: no cells there
    if cells and cells[0][0] == cells[0][1] and view[s:cells[0][1] + 1].strip().startswith("|"):
        cells = cells[1:]
    if cells and cells[-1][0] == cells[-1][1] and view[cells[-1][0] - 1:e].strip().endswith("|"):
        cells = cells[:-1]
    if not any(ce > cs for cs, ce in cells):
        return []
    return cells


_ATX = re.compile(r"[ \t]*(#{1,6})(?=[ \t])")


def _bold(text: str, s: int, e: int) -> bool:
    if text.find("**", s, e) < 0:
        return False   # most lines: no bold at all
    line = text[s:e].strip()
    return len(line) > 4 and line.startswith("**") and line.rstrip(".:").endswith("**") and line.count("**") <= 4


def _is_star_bullet(view: str, s: int, e: int) -> bool:
    return view[s] == "*" and s + 1 < e and view[s + 1] in " \t" and not view[s + 1:e].strip().startswith("*")


def _split_long(view: str, s: int, e: int, limit: int = _LONG_LINE) -> list[tuple[int, int]]:
    """Cut pathological single lines (megabytes without a newline) into bounded pieces."""
    if e - s <= limit:
        return [(s, e)]
    pieces, cur = [], s
    while e - cur > limit:
        cut = view.rfind(". ", cur, cur + limit)
        cut = cut + 1 if cut > cur + limit // 2 else cur + limit
        pieces.append((cur, cut))
        cur = cut
        while cur < e and view[cur] == " ":
            cur += 1
    if cur < e:
        pieces.append((cur, e))
    return pieces


_SENT_END = re.compile(r"[.!?…]+(?=\s+[\"“(]?[A-ZĐÀ-Ỹ0-9])")
_NOT_END = re.compile(r"\b(?:TP|Tp|TS|ThS|PGS|GS|v\.v|St|Nxb|ĐT|TT|P|Q|K)$")


def sentences(view: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans of view[start:end] (absolute offsets), stripped of spaces."""
    spans: list[tuple[int, int]] = []
    cur = start
    for m in _SENT_END.finditer(view, start, end):
        if _NOT_END.search(view, max(cur, m.start() - 6), m.start()):
            continue
        s, e = strip(view, cur, m.end(), " \t\r\n")
        if e > s:
            spans.append((s, e))
        cur = m.end()
    s, e = strip(view, cur, end, " \t\r\n")
    if e > s:
        spans.append((s, e))
    return spans


_THEN = " dong thoi"
# The only characters `clauses` looks at, on the folded view (same offsets, and these characters fold to
# themselves): brackets, sentence ends, semicolons, and a comma before ", đồng thời".
_CLAUSE_MARKS = re.compile(rf"[()\[\];.!?]|,(?={_THEN})")


def clauses(view: str, start: int, end: int, folded: str | None = None) -> list[tuple[int, int]]:
    """Split view[start:end] at sentence ends, semicolons and ", đồng thời" (not inside brackets)."""
    folded = folded if folded is not None else fold_aligned(view)
    spans, cur, depth = [], start, 0
    for m in _CLAUSE_MARKS.finditer(folded, start, end + len(_THEN)):   # a comma's lookahead may pass `end`
        i = m.start()
        if i >= end:
            break
        ch = view[i]
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif depth == 0:
            cut = None
            if ch in ";,":
                cut = i
            elif i + 1 >= end or view[i + 1] in " \n\t":   # . ! ?
                j = i + 1
                while j < end and view[j] in " \n\t":
                    j += 1
                if j >= end or view[j].isupper() or view[j].isdigit():
                    cut = i
            if cut is not None:
                if cut > cur:
                    spans.append((cur, cut))
                cur = cut + 1
    if end > cur:
        spans.append((cur, end))
    return _stripped(view, spans, " \t\n\r,;:.-+*")


@cache
def _brackets_or(sep: str) -> re.Pattern[str]:
    return re.compile(f"[(){re.escape(sep)}]")


def split_at(view: str, s: int, e: int, sep: str) -> list[tuple[int, int]]:
    """Split view[s:e] at `sep` outside round brackets; parts stripped of spaces and bullets."""
    parts, cur, depth = [], s, 0
    for m in _brackets_or(sep).finditer(view, s, e):
        ch, i = m.group(), m.start()
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth == 0:
            parts.append((cur, i))
            cur = i + 1
    parts.append((cur, e))
    return _stripped(view, parts, " \t\n\r*-+•")


def _stripped(view: str, spans: list[tuple[int, int]], chars: str) -> list[tuple[int, int]]:
    out = []
    for a, b in spans:
        a, b = strip(view, a, b, chars)
        if b > a:
            out.append((a, b))
    return out


def strip(view: str, s: int, e: int, chars: str = " \t\r\n,;:.-–+*•|#") -> tuple[int, int]:
    """Narrow [s, e) so it neither starts nor ends with the given characters."""
    while s < e and view[s] in chars:
        s += 1
    while e > s and view[e - 1] in chars:
        e -= 1
    return s, e
