"""Render result rows as an 80-column table, JSON or CSV (the CLI's only printer)."""
from __future__ import annotations

import csv
import io
import json
import re
import shutil
import unicodedata

Row = dict[str, object]


def _cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
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


def _layout(cells: list[list[str]], columns: list[str], width: int) -> list[str]:
    """Header, rule and one line per row, every column cut to fit `width`."""
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
    return lines


def _stem(v: object) -> str:
    """A short form of a distinguishing value: an IRI's last segment, a file name without its extension."""
    s = _cell(v)
    if s.startswith(("http://", "https://")):
        s = s.rstrip("/").rsplit("/", 1)[-1]
    if re.fullmatch(r".+\.(?:txt|md|html?|docx)", s, re.IGNORECASE):
        s = s.rsplit(".", 1)[0]
    return s


def _tail(v: object) -> str:
    """An id's last part ('…/target/001_97a7-t12' -> 't12')."""
    return _stem(v).rsplit("-", 1)[-1]


# Columns that tell apart rows which would print the same, tried in this order: (header, key, short form).
DISTINGUISH = [("doc", "document", _stem), ("doc", "number", _stem), ("doc", "file", _stem),
               ("agency", "agency", _cell), ("id", "target", _tail), ("id", "duty", _tail),
               ("id", "target", _stem), ("id", "duty", _stem), ("at", "offset", _cell)]


def _distinct(lines: list[str], rows: list[Row]) -> bool:
    """No two rows that differ print the same line."""
    seen: dict[str, str] = {}
    for line, row in zip(lines, rows, strict=True):
        data = repr(sorted((k, _cell(v)) for k, v in row.items()))
        if seen.setdefault(line, data) != data:
            return False
    return True


def heading(text: str, width: int | None = None) -> str:
    """A line above a table, wrapped to the table's width."""
    import textwrap
    width = width or min(shutil.get_terminal_size((80, 24)).columns, 160)
    return textwrap.fill(text, width=width, subsequent_indent="  ")


def table(rows: list[Row], columns: list[str] | None = None, width: int | None = None) -> str:
    """An aligned table of the rows (values shortened by `for_table`) that fits `width` columns.

    When two different rows would print the same line, a short column that tells them apart is
    added: the document, the agency, or the target or duty id (`DISTINGUISH`), else a row number.
    """
    if not rows:
        return ""
    columns = list(columns or rows[0])
    width = width or min(shutil.get_terminal_size((80, 24)).columns, 160)
    shown = for_table(rows)
    cells = [[_cell(r.get(c)) for c in columns] for r in shown]
    lines = _layout(cells, columns, width)
    if _distinct(lines[2:], rows):
        return "\n".join(lines)
    replaced = {"target"} if any("unit" in r for r in rows) else set()   # for_table shows the value there
    for header, key, short in DISTINGUISH:
        if (key in columns and key not in replaced) or not any(r.get(key) not in (None, "", []) for r in rows):
            continue
        extra = [short(r.get(key)) if r.get(key) not in (None, "", []) else "" for r in rows]
        trial = _layout([[*row, x] for row, x in zip(cells, extra, strict=True)], [*columns, header], width)
        if _distinct(trial[2:], rows):
            return "\n".join(trial)
    numbered = _layout([[*row, str(i)] for i, row in enumerate(cells, 1)], [*columns, "#"], width)
    return "\n".join(numbered)


def as_json(rows: object) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=2, default=str)


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def csv_safe(value: object) -> object:
    """A CSV cell a spreadsheet will show, not run: text starting with = + - @ (or a tab, a carriage
    return, their full-width forms) gets a leading apostrophe; a plain number ("-5") is left as it is."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_writer(buf: io.StringIO):
    """A csv writer whose every cell goes through `csv_safe`: the one way CSV is written."""
    w = csv.writer(buf)

    class Safe:
        @staticmethod
        def writerow(row: list[object]) -> None:
            w.writerow([csv_safe(v) for v in row])
    return Safe()


def as_csv(rows: list[Row], columns: list[str] | None = None) -> str:
    """CSV with a header row; with no rows, the header alone (when the columns are known)."""
    if not rows and not columns:
        return ""
    columns = columns or list(rows[0])
    buf = io.StringIO()
    w = csv_writer(buf)
    w.writerow(list(columns))
    for r in rows:
        w.writerow([_cell(r.get(c)) for c in columns])
    return buf.getvalue()


_SHORT = [("Ủy ban nhân dân", "UBND"), ("Hội đồng nhân dân", "HĐND"), ("Ban cán sự đảng", "BCS đảng"),
          ("Thông tin và Truyền thông", "TT&TT"), ("Văn phòng", "VP"), ("Kế hoạch và Đầu tư", "KH&ĐT"),
          ("Khoa học và Công nghệ", "KH&CN"), ("Giáo dục và Đào tạo", "GD&ĐT"), ("Mặt trận Tổ quốc Việt Nam", "MTTQ"),
          ("Lao động - Thương binh và Xã hội", "LĐ-TB&XH"), ("Tài nguyên và Môi trường", "TN&MT"),
          ("tổ chức chính trị - xã hội", "tổ chức CT-XH")]
NO_OWNER = "no owner named"   # what a table shows for a target no agency owns (JSON/CSV: owners [], owned false)
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


def _mark(before: str, now: str) -> str:
    return now if now == before else now + "*"


def changes_note(rows: list[Row]) -> str:
    """The footnote of a table whose bodies are shown as in force: every change that leads there."""
    seen: dict[str, None] = {}
    for r in rows:
        found = r.get("changes")
        if isinstance(found, list):
            seen.update(dict.fromkeys(str(c) for c in found))
    if not seen:
        return ""
    return "\n" + "\n".join(heading(line) for line in (
        "Changes since the documents (* = body shown as in force on the date asked; --as-of, default today):",
        *(f"  {c}" for c in seen)))


def for_table(rows: list[Row]) -> list[Row]:
    out = []
    for r in rows:
        r = dict(r)
        if "unit" in r:
            r["target"] = target_cell(r)
        for key in ("owners", "agency", "assigned"):   # the bodies in force on the date asked, marked *
            now, before = r.get(f"{key}_in_force"), r.get(key)
            if isinstance(now, list) and isinstance(before, list):
                r[key] = [_mark(str(a), str(b)) for a, b in zip(before, now, strict=True)]
            elif isinstance(now, str) and isinstance(before, str):
                r[key] = _mark(before, now)
        if r.get("owners") == []:
            r["owners"] = NO_OWNER
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
    return table(rows, columns)
