"""Results: achieved values a document reports, read where a target would not be.

A value is a result when it stands in a results section ("Kết quả đạt được", "Đánh giá tình hình")
or in a sentence with a past cue ("đã", "đến nay", "năm qua", "xếp thứ"), outside the targets
section and without a forward cue of its own ("phấn đấu", "đến năm 2025").  Only scores and ranks
are kept (percent, rank, points): counts of files received in a results section are activity, not a
measure of a target; "ít nhất", "tối thiểu" mark a goal, not a result.  A result is kept only when it
measures a catalogue indicator or lies in a reform area (`extract_document` drops the rest: the
percentages of an encyclopedia page are not CCHC results).  The year is the one stated in the sentence ("năm 2023", "6 tháng đầu năm 2024"),
else the document's own year.
"""
from __future__ import annotations

import re
from functools import lru_cache

from ..model import Result
from ..structure import Node
from .areas import keyword_area
from .context import NodeContext, grammar
from .numbers import comparator
from .page import DocState, Page
from .targets import _metric

_UNITS = ("%", "rank", "points")
_DIGIT = re.compile(r"\d")


@lru_cache(maxsize=1)
def _year() -> re.Pattern[str]:
    """A year a result is for ("năm 2023", "6 tháng đầu năm 2024", "Chỉ số PAR INDEX 2023")."""
    return re.compile(r"(?<!den )(?<!toi )(?<!truoc )(?<!giai doan )(?:nam|index|sipas)\s+(20[0-4]\d)\b")


def read_results(page: Page, node: Node, ctx: NodeContext, state: DocState, doc_year: int | None) -> list[Result]:
    """Results stated in one paragraph (its own text)."""
    if ctx.section == "targets" or node.kind in ("root", "implicit", "row"):
        return []
    start, end = node.body_start, node.end
    if end <= start:
        return []
    g = grammar()
    folded, view = page.folded, page.view
    in_results = ctx.section == "results"
    out: list[Result] = []
    for ss, se in page.sentences(start, end):
        if not _DIGIT.search(folded, ss, se):
            continue   # no number, no result
        sf = folded[ss:se]
        if not (in_results or g.past.search(sf)) or g.forward.search(sf):
            continue
        numbers = [q for q in page.quantities(ss, se) if q.unit in _UNITS]
        if not numbers:
            continue
        years = [(m.start() + ss, int(m.group(1))) for m in _year().finditer(sf)]
        area = ctx.area or keyword_area(view[ss:se]) or "khac"
        prev_end = ss
        for i, n in enumerate(numbers):
            before = [y for p, y in years if p < n.start]
            year = before[-1] if before else (years[0][1] if years else doc_year)
            if year is None:
                continue
            after_end = numbers[i + 1].start if i + 1 < len(numbers) else se
            cmp = comparator(folded[prev_end:n.start], folded[n.end:after_end], n.unit) or "="
            if cmp in ("reduce_by", "increase_by") or (cmp in (">=", "<=") and n.unit != "rank"):
                prev_end = n.end
                continue   # a change ("tăng 20 bậc") is not a level reached; "ít nhất 80%" is a goal
            out.append(Result(id=state.result_id(), area=area, year=year, value=n.value, value_max=n.value_max,
                              unit=n.unit, comparator=cmp, metric=_metric(page, node, ss, se, n, numbers, i),
                              span=page.span(prev_end if i else ss, after_end), year_stated=bool(years)))
            prev_end = n.end
    return out


def document_year(date: str | None) -> int | None:
    m = re.match(r"(\d{4})-", date or "")
    return int(m.group(1)) if m else None
