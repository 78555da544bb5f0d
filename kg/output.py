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
    lines = ["  ".join(_fit(c, w) for c, w in zip(columns, widths, strict=True)).rstrip(),
             "  ".join("-" * w for w in widths)]
    for row in cells:
        lines.append("  ".join(_fit(c, w) for c, w in zip(row, widths, strict=True)).rstrip())
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


_SHORT = [("Ủy ban nhân dân", "UBND"), ("Hội đồng nhân dân", "HĐND"), ("Ban cán sự đảng", "BCS đảng"),
          ("Thông tin và Truyền thông", "TT&TT"), ("Văn phòng", "VP"), ("Kế hoạch và Đầu tư", "KH&ĐT"),
          ("Khoa học và Công nghệ", "KH&CN"), ("Giáo dục và Đào tạo", "GD&ĐT"), ("Mặt trận Tổ quốc Việt Nam", "MTTQ"),
          ("Lao động - Thương binh và Xã hội", "LĐ-TB&XH"), ("Tài nguyên và Môi trường", "TN&MT"),
          ("tổ chức chính trị - xã hội", "tổ chức CT-XH")]
_CMP = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "=": "", "reduce_by": "−", "increase_by": "+"}


def short_name(name: str) -> str:
    """Agency name as officials abbreviate it (for narrow tables only; JSON and CSV keep full names)."""
    for long, short in _SHORT:
        name = name.replace(long, short)
    return name


def target_cell(row: Row) -> str:
    """'≥ 80%', '≤ rank 40', '− 10%', 'level' — value, comparator and unit in one short cell."""
    unit, value, cmp = row.get("unit"), row.get("value"), _CMP.get(str(row.get("comparator")), "")
    if unit == "level" or value is None:
        return "level" if cmp in ("", "≥") else f"{cmp} level"
    if unit == "rank":
        return f"{cmp} rank {_cell(value)}".strip()
    return f"{cmp}{_cell(value)}{'%' if unit == '%' else ' ' + str(unit)}"


def for_table(rows: list[Row]) -> list[Row]:
    out = []
    for r in rows:
        r = dict(r)
        if "unit" in r:
            r["target"] = target_cell(r)
        for key in ("owners", "agency"):
            value = r.get(key)
            if isinstance(value, list):
                r[key] = [short_name(x) for x in value]
            elif isinstance(value, str):
                r[key] = short_name(value)
        out.append(r)
    return out


def render(rows: list[Row], fmt: str, columns: list[str] | None = None) -> str:
    if fmt == "json":
        return as_json(rows)
    if fmt == "csv":
        return as_csv(rows, columns)
    return table(for_table(rows), columns)
