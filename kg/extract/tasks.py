"""Tasks: each nhiệm vụ once, with the duties that assign it and its deadline as the text states it.

A task is the words of a duty ("Rà soát, đơn giản hóa thủ tục hành chính nội bộ"); the lead and
the coordinating bodies named for the same words (one clause, one table row, one labelled item)
are assignments of one task.  Its deadline comes from the row's deadline column or a
"Thời gian hoàn thành:" label when there is one, else from the task's own words — a date
("trước ngày 15/12/2025"), a month ("Tháng 12/2025"), a quarter ("Quý II/2025"), a year after a
deadline phrase ("hoàn thành trong năm 2026") or a recurrence ("hằng năm", "thường xuyên").
"""
from __future__ import annotations

import calendar
import re
from dataclasses import replace
from functools import lru_cache

from ..lexicon import lexicon
from ..model import Deadline, Duty, Task
from ..text import fold
from .areas import keyword_area
from .page import DocState, Page

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


@lru_cache(maxsize=1)
def _grammar() -> dict[str, re.Pattern[str]]:
    lex = lexicon()
    return {
        "date": re.compile(r"(?:ngay\s+)?(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(20\d\d)"
                           r"|ngay\s+(\d{1,2})\s+thang\s+(\d{1,2})\s+nam\s+(20\d\d)"),
        "month": re.compile(r"thang\s+(\d{1,2})\s*(?:/|nam\s+|-)\s*(20\d\d)"),
        "quarter": re.compile(r"quy\s+([ivx]+|[1-4])\s*(?:/|nam\s+|-)\s*(20\d\d)"),
        "year": re.compile(r"(?:nam\s+)?(20\d\d)"),
        "phrase_year": re.compile(rf"{lex.alternation('deadline_phrase')}\s+(?:nam\s+)?(20\d\d)\b"),
        "phrase_date": re.compile(r"(?:truoc|cham nhat|den|trong|vao)\s+ngay\s+(\d{1,2})\s*[/.-]\s*(\d{1,2})"
                                  r"\s*[/.-]\s*(20\d\d)"
                                  r"|(?:truoc|cham nhat|den|trong|vao)\s+ngay\s+(\d{1,2})\s+thang\s+(\d{1,2})\s+nam\s+(20\d\d)"),
        # the day of a full date ("ngày 15 tháng 7 năm 2021"): its month is a date's, not a deadline
        "day_before": re.compile(r"ngay\s+\d{1,2}\s*$"),
        "recurring": re.compile(rf"\b{lex.alternation('recurring')}\b"),
    }


def deadline_of(text: str, stated: bool = False) -> Deadline | None:
    """The deadline in `text`; `stated`: the text is a deadline cell or label (a bare year counts)."""
    f = fold(text)
    g = _grammar()
    recurring = g["recurring"].search(f)
    if stated:
        m = g["date"].search(f)
        if m:
            return _date(text, m, recurring)
    else:
        m = g["phrase_date"].search(f)
        if m:
            return _date(text, m, recurring)
    m = next((x for x in g["month"].finditer(f) if not g["day_before"].search(f, 0, x.start())), None)
    if m and 1 <= int(m.group(1)) <= 12:
        y, mo = int(m.group(2)), int(m.group(1))
        return Deadline("month", _stated(text, m), f"{y:04d}-{mo:02d}-{calendar.monthrange(y, mo)[1]:02d}")
    m = next((x for x in g["quarter"].finditer(f) if not g["day_before"].search(f, 0, x.start())), None)
    if m:
        q = _ROMAN.get(m.group(1), int(m.group(1)) if m.group(1).isdigit() else 0)
        if 1 <= q <= 4:
            y, mo = int(m.group(2)), q * 3
            return Deadline("quarter", _stated(text, m), f"{y:04d}-{mo:02d}-{calendar.monthrange(y, mo)[1]:02d}")
    m = (g["year"] if stated else g["phrase_year"]).search(f)
    if m and (stated or m):
        y = int(m.group(m.lastindex or 1))
        return Deadline("year", _stated(text, m), f"{y:04d}-12-31")
    if recurring:
        value = lexicon().value_of("recurring", recurring.group())
        day = re.search(r"(?:truoc|vao)\s+ngay\s+\d{1,2}\s*/\s*\d{1,2}\s+$", f[:recurring.start()])
        start = day.start() if day else recurring.start()   # "trước ngày 15/11 hằng năm"
        return Deadline("recurring", re.sub(r"\s+", " ", text[start:recurring.end()]).strip(), None, value)
    return None


def _date(text: str, m: re.Match[str], recurring: re.Match[str] | None) -> Deadline:
    d, mo, y = (int(x) for x in (m.group(1), m.group(2), m.group(3))) if m.group(1) else \
        (int(x) for x in (m.group(4), m.group(5), m.group(6)))
    if not (1 <= mo <= 12 and 1 <= d <= calendar.monthrange(y, mo)[1]):
        return Deadline("year", _stated(text, m), f"{y:04d}-12-31")
    return Deadline("date", _stated(text, m), f"{y:04d}-{mo:02d}-{d:02d}")


def _stated(text: str, m: re.Match[str]) -> str:
    """The deadline's words as written (fold keeps length for NFC text, so offsets carry over)."""
    return re.sub(r"\s+", " ", text[m.start():m.end()]).strip()


def tasks_of(page: Page, duties: list[Duty], state: DocState, deadlines: dict[str, Deadline]) -> tuple[
        list[Task], list[Duty]]:
    """Group the duties into tasks; return the tasks and the duties pointing at theirs.

    `deadlines`: deadlines read with a duty (a row's deadline cell, a label), by duty id.
    """
    parent: dict[int, int] = {}

    def find(i: int) -> int:
        while parent.get(i, i) != i:
            i = parent[i]
        return i

    by_quote: dict[tuple[int, int], int] = {}
    by_task: dict[tuple[int, int], int] = {}
    for i, d in enumerate(duties):
        parent[i] = i
        for key, seen in (((d.span.start, d.span.end), by_quote),
                          ((d.task_span.start, d.task_span.end) if d.task_span else None, by_task)):
            if key is None:
                continue
            if key in seen:
                parent[find(i)] = find(seen[key])
            else:
                seen[key] = i
    groups: dict[int, list[int]] = {}
    for i in range(len(duties)):
        groups.setdefault(find(i), []).append(i)
    tasks: list[Task] = []
    out = list(duties)
    for members in sorted(groups.values()):
        ds = [duties[i] for i in members]
        lead = next((d for d in ds if d.role == "lead"), ds[0])
        span = lead.task_span or lead.span
        deadline = next((deadlines[d.id] for d in ds if d.id in deadlines), None) or deadline_of(
            page.text[span.start:span.end])
        task = Task(id=state.task_id(), text=lead.task, area=lead.area or keyword_area(lead.task), deadline=deadline,
                    span=span)
        tasks.append(task)
        for i in members:
            out[i] = replace(duties[i], task_id=task.id)
    return tasks, out
