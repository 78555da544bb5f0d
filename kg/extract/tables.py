"""Tables: a header row says what each column holds; each later row is read by its columns.

Header words are `table_header` cues (task, indicator, lead, coordinate, deadline, unit,
value, product, number); a header cell "Năm 2025" is a year column.  Rows then give:
- targets: from the value cell of an indicator table ("Chỉ tiêu | Đơn vị | Kết quả"), from
  each year column ("Chỉ tiêu | Đơn vị tính | Năm 2024 | Năm 2025"), or from the numbers in
  the indicator cell itself when the table has no value column ("TT | Chỉ tiêu | Chủ trì");
  a row that only says "Đến năm 2030" dates the rows after it;
- duties: the lead column's bodies lead the row (a body the cell gives another verb takes
  that verb's role: "Sở KH&CN chủ trì ...; Các sở, ngành ... thực hiện ..."), the
  coordinate column's bodies coordinate;
- owners: the row's lead owns the row's targets (rule ``table-lead``).  A target restated
  in an annex beside its lead (same words as a target read before) is not read twice: the
  lead owns the earlier one.
"""
from __future__ import annotations

import re
from functools import lru_cache

from ..annotate import folded_key, match_key
from ..lexicon import lexicon
from ..model import Duty, Ownership, Target
from ..segment import split_at
from ..structure import Node
from .areas import keyword_area
from .context import NodeContext, deadline_years
from .duties import DutyReader
from .numbers import comparator
from .page import DocState, Page, TableHeader
from .roles import starts_with_verb
from .targets import read_targets
from .tasks import deadline_of

# a header cell or a line of its own that only names a year: "Năm 2025", "Đến năm 2030", "Mục tiêu đến hết năm 2025"
_YEAR_CELL = re.compile(r"^(?:(?:muc tieu|chi tieu)\s+)?(?:(?:den|toi|trong)\s+)?(?:het\s+)?(?:nam\s+)?(20\d\d)$")


@lru_cache(maxsize=1)
def _headers() -> list[tuple[str, str]]:
    """(match key, column kind) of every header word, longest first."""
    out = []
    for e in lexicon().of("table_header"):
        for w in e.words:
            out.append((match_key(w), e.value or ""))
    return sorted(out, key=lambda kv: -len(kv[0]))


@lru_cache(maxsize=1)
def _header_lookup() -> tuple[dict[str, int], list[tuple[int, str]]]:
    """Where each header word first stands in `_headers()`, and the lead words (found anywhere in a cell)."""
    first: dict[str, int] = {}
    for i, (word, _) in enumerate(_headers()):
        first.setdefault(word, i)
    return first, [(i, word) for i, (word, kind) in enumerate(_headers()) if kind == "lead"]


@lru_cache(maxsize=4096)   # the cells of a table repeat ("", "x", a year, a body)
def _column_kind(key: str) -> str | None:
    """The kind of the first header word (longest first) that is the cell's key (`match_key`), starts it
    (a whole word), or, for a lead column, occurs in it."""
    if not key or len(key) > 60:
        return None
    if _YEAR_CELL.match(key):
        return "year"
    first, leads = _header_lookup()
    starts = [key] + [key[:m.start()] for m in _SPACE.finditer(key)]
    found = [first[p] for p in starts if p in first] + [i for i, word in leads if word in key]
    return _headers()[min(found)][1] if found else None


_SPACE = re.compile(" ")


class TableReader:
    def __init__(self, page: Page, state: DocState, duties: DutyReader):
        self.page, self.state, self.duties = page, state, duties

    def read(self, node: Node, ctx: NodeContext, earlier: list[Target]) -> tuple[list[Target], list[Duty],
                                                                                   list[Ownership]]:
        cells = list(node.cells)
        header = self._header(cells)
        if header is not None:
            self.state.table = header
            return [], [], []
        table = self.state.table
        if table is None or ctx.section in ("recipients", "procedure", "criteria"):
            return [], [], []
        texts = [self.page.folded[s:e].strip() for s, e in cells]
        if not any(texts):
            return [], [], []
        marker = self._section_row(cells, table)
        if marker:
            return [], [], []
        targets, restated = self._targets(cells, table, ctx, earlier, node)
        leads, others = self._duties(cells, table)
        owners = [Ownership(tid, d.agency, "table-lead", d.id) for tid in [t.id for t in targets] + restated
                  for d in leads]
        return targets, leads + others, owners

    # -- header and section rows ----------------------------------------------------
    def _header(self, cells: list[tuple[int, int]]) -> TableHeader | None:
        keys = [folded_key(self.page.folded[s:e]) for s, e in cells]
        kinds = [_column_kind(key) for key in keys]
        named = [k for k in kinds if k]
        if len(named) < 2 or not ({"task", "indicator"} & set(named)):
            return None
        if sum(1 for k in kinds if k is None) > len(kinds) // 2 + 1:
            return None
        columns: dict[str, int] = {}
        years: dict[int, int] = {}
        for i, k in enumerate(kinds):
            if k == "lead" and "chu tri" in keys[i]:
                columns["lead"] = i   # "Cơ quan chủ trì" over "Người đứng đầu chịu trách nhiệm"
            if k == "year":
                m = _YEAR_CELL.match(keys[i])
                if m:
                    years[i] = int(m.group(1))
            elif k and k not in columns:
                columns[k] = i
        return TableHeader(columns, years)

    def year_line(self, node: Node) -> bool:
        """A short line that only names a year ("Đến năm 2030") between an open table's rows: it dates
        the rows after it, as a section row would (True), and the table goes on."""
        table = self.state.table
        m = _YEAR_CELL.match(self.page.folded[node.body_start:node.end].strip(" *:.")) if table is not None else None
        if table is None or m is None:
            return False
        table.row_year = int(m.group(1))
        return True

    def _section_row(self, cells: list[tuple[int, int]], table: TableHeader) -> bool:
        """"| I | Đến năm 2030 | | |": a row that opens a part of the table (its year, its title)."""
        filled = [(s, e) for s, e in cells if e > s]
        value_cols = [table.columns[k] for k in ("value", "lead") if k in table.columns] + list(table.years)
        if any(i < len(cells) and cells[i][1] > cells[i][0] for i in value_cols):
            return False
        if len(filled) > 2:
            return False
        text = " ".join(self.page.folded[s:e] for s, e in filled)
        years = deadline_years(text)
        if years:
            table.row_year = years[-1][1]
            return True
        return len(filled) <= 2 and len(text) < 120

    # -- targets --------------------------------------------------------------------
    def _targets(self, cells, table: TableHeader, ctx: NodeContext, earlier: list[Target],
                 node: Node) -> tuple[list[Target], list[str]]:
        """The row's targets, and the ids of targets read before that the row restates."""
        col = table.columns
        ind = col.get("indicator", col.get("task"))
        if ind is None or ind >= len(cells):
            return [], []
        ms, me = cells[ind]
        metric = self.page.clean(ms, me, 200)
        if len(metric) < 4:
            return [], []
        row_s, row_e = cells[0][0], cells[-1][1]
        area = ctx.area or keyword_area(metric) or "khac"
        year = table.row_year or ctx.block_year
        if table.years:
            return self._year_columns(cells, table, metric, area, row_s, row_e), []
        if "value" in col and "indicator" in col and col["value"] < len(cells):
            return self._value_cell(cells, table, metric, area, year, row_s, row_e), []
        if "indicator" in col:
            return self._indicator_text(ms, me, ctx, year, earlier)
        return [], []

    def _year_columns(self, cells, table, metric, area, row_s, row_e) -> list[Target]:
        unit_col = table.columns.get("unit")
        unit_text = self.page.folded[slice(*cells[unit_col])] if unit_col is not None and unit_col < len(cells) else ""
        out = []
        for c, year in table.years.items():
            if c >= len(cells):
                continue
            cs, ce = cells[c]
            cell = self.page.folded[cs:ce]
            m = re.search(r"(\d{1,3}(?:[.,]\d{1,2})?)\s*(%?)", cell)
            if not m:
                continue
            unit = "%" if m.group(2) or "%" in unit_text else ("rank" if "hang" in unit_text else "count")
            cmp = comparator(cell[:m.start()], cell[m.end():], unit) or ("<=" if unit == "rank" else "=")
            out.append(Target(id=self.state.target_id(), area=area, year=year, value=_num(m.group(1)),
                              value_max=None, unit=unit, comparator=cmp, baseline=None, scope=None, metric=metric,
                              span=self.page.span(row_s, row_e)))
        return out

    def _value_cell(self, cells, table, metric, area, year, row_s, row_e) -> list[Target]:
        vs, ve = cells[table.columns["value"]]
        unit_col = table.columns.get("unit")
        unit_text = self.page.folded[slice(*cells[unit_col])].strip() if unit_col is not None and unit_col < len(
            cells) else ""
        value_text = self.page.folded[vs:ve]
        if not value_text.strip():
            return []
        ind_fold = match_key(metric)
        span = self.page.span(row_s, row_e)
        numbers = list(re.finditer(r"(≥|≤|>=|<=|>|<)?\s*(\d{1,3}(?:[.,]\d{1,3})?)\s*(%?)(?:\s*[-–]\s*(\d{1,3})\s*%?)?",
                                   value_text))
        numbers = [m for m in numbers if not re.match(r"\d{1,3}[.,]\d{3}", m.group(2))]
        rank = bool(re.search(r"thu bac|thu hang|xep hang", unit_text))
        if not numbers or (not re.search(r"\d", value_text[:12]) and not rank and len(value_text) > 25):
            # a qualitative goal written out ("Đạt mức tiên tiến ...")
            return [Target(id=self.state.target_id(), area=area, year=year, value=None, value_max=None, unit="level",
                           comparator="=", baseline=None, scope=None, metric=metric, span=span)]
        out = []
        for m in numbers:
            unit = "rank" if rank else ("%" if ("%" in unit_text or m.group(3)) else (
                "level" if "chi so" in unit_text else "count"))
            cmp = comparator(value_text[:m.start(2)], value_text[m.end():], unit)
            if cmp is None:
                trend = comparator(ind_fold + " ", "", unit) if unit != "rank" else None
                cmp = trend if trend in ("reduce_by", "increase_by") else ("<=" if unit == "rank" else "=")
            hi = _num(m.group(4)) if m.group(4) else None
            if hi is not None and cmp not in ("reduce_by", "increase_by"):
                cmp = "="
            out.append(Target(id=self.state.target_id(), area=area, year=year, value=_num(m.group(2)), value_max=hi,
                              unit=unit, comparator=cmp, baseline=None, scope=None, metric=metric, span=span))
            if not rank:
                break   # one value per row unless the row ranks against several groups
        return out

    def _indicator_text(self, ms, me, ctx: NodeContext, year, earlier: list[Target]) -> tuple[list[Target], list[str]]:
        """A row whose indicator cell is itself a goal sentence: the targets in it, unless stated before."""
        key = match_key(self.page.view[ms:me])
        restated = [t.id for t in earlier if len(t.span.quote) > 12 and match_key(t.span.quote) in key]
        if restated:
            return [], restated
        sub = NodeContext("targets", ctx.area, year)
        proxy = Node("para", "", ms, me, ms, text=self.page.view[ms:me])
        return read_targets(self.page, proxy, sub, self.state), []

    # -- duties ---------------------------------------------------------------------
    def _duties(self, cells, table: TableHeader) -> tuple[list[Duty], list[Duty]]:
        """The row's leads (they own its targets), and its other duties."""
        col = table.columns
        row_s, row_e = cells[0][0], cells[-1][1]
        task_col = col.get("task", col.get("indicator"))
        ts, te = cells[task_col] if task_col is not None and task_col < len(cells) else (row_s, row_e)
        leads: list[Duty] = []
        others: list[Duty] = []
        if "lead" in col and col["lead"] < len(cells):
            cs, ce = cells[col["lead"]]
            mentions = self.page.mentions(cs, ce)
            # "Sở GD&ĐT; Sở Nội vụ; Sở KH&CN theo dõi, báo cáo chỉ tiêu": all lead; "Sở KH&CN chủ trì ...;
            # Các sở, ngành ... thực hiện ...": a later clause with its own subject and verb takes that verb's role
            cut = ce
            for part_s, part_e in split_at(self.page.view, cs, ce, ";"):
                named = [m for m in mentions if part_s <= m.start < part_e]
                if not named:
                    continue
                sub = self.duties.subject_at(part_s, part_e, named)
                if sub and starts_with_verb(self.page.folded, sub[1], part_e):
                    cut = part_e
                    break
            leads = self.duties.make([m for m in mentions if m.start < cut], "lead", row_s, row_e, ts, te)
            rest = [m for m in mentions if m.start >= cut]
            if rest:
                own, objects = self.duties.sentence(cut + 1, ce, rest)
                others.extend(own + objects)
        if "coordinate" in col and col["coordinate"] < len(cells):
            cs, ce = cells[col["coordinate"]]
            others.extend(self.duties.make(self.page.mentions(cs, ce), "coordinate", row_s, row_e, ts, te))
        if "deadline" in col and col["deadline"] < len(cells):
            deadline = deadline_of(self.page.text[slice(*cells[col["deadline"]])], stated=True)
            if deadline is not None:
                for d in leads + others:
                    self.state.deadlines[d.id] = deadline
        return leads, others


def _num(raw: str) -> float:
    return float(raw.replace(",", "."))
