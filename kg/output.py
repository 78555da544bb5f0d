"""Render result rows as an 80-column table, JSON or CSV (the CLI's only printer)."""
from __future__ import annotations

import csv
import io
import json
import shutil
import unicodedata

Row = dict[str, object]


def _cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, (list, tuple)):
        return "; ".join(_cell(x) for x in v)
    return " ".join(str(v).split())


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1 for c in s)


def _fit(s: str, w: int) -> str:
    if _width(s) <= w:
        return s + " " * (w - _width(s))
    out = ""
    for c in s:
        if _width(out + c) > w - 1:
            break
        out += c
    return out + "…" + " " * (w - _width(out) - 1)


def table(rows: list[Row], columns: list[str] | None = None, width: int | None = None) -> str:
    if not rows:
        return ""
    columns = columns or list(rows[0])
    width = width or min(shutil.get_terminal_size((80, 24)).columns, 160)
    cells = [[_cell(r.get(c)) for c in columns] for r in rows]
    natural = [max(_width(c), *(_width(row[i]) for row in cells)) for i, c in enumerate(columns)]
    budget = width - 2 * (len(columns) - 1)
    widths = natural[:]
    while sum(widths) > budget and max(widths) > 6:
        i = widths.index(max(widths))
        widths[i] -= 1
    lines = ["  ".join(_fit(c, w) for c, w in zip(columns, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    for row in cells:
        lines.append("  ".join(_fit(c, w) for c, w in zip(row, widths)).rstrip())
    return "\n".join(lines)


def as_json(rows: object) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=2, default=str)


def as_csv(rows: list[Row], columns: list[str] | None = None) -> str:
    if not rows:
        return ""
    columns = columns or list(rows[0])
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(columns)
    for r in rows:
        w.writerow([_cell(r.get(c)) for c in columns])
    return buf.getvalue()


def render(rows: list[Row], fmt: str, columns: list[str] | None = None) -> str:
    if fmt == "json":
        return as_json(rows)
    if fmt == "csv":
        return as_csv(rows, columns)
    return table(rows, columns)
