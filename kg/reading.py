"""The reading view of a document: scraped markup neutralised, hard wraps joined — same length.

Documents arrive as scraped markdown or plain text: ``**`` around headings and numbers,
backslash escapes (``1\\.``, ``\\-``), italics stars, tables written one cell per line between
lone ``|`` lines, and hard line breaks inside names and sentences ("Sở Nội\\nvụ").  The
reading view replaces each such character by a space (or a newline by a space), never
adding or removing one, so an offset in the view is the same offset in the text: readers
read the view, and every quote is cut from the text and stays a verbatim substring of it.

What it does:
- markup: ``**`` and italics stars become spaces, ``\\X`` escapes become ``X`` and a space,
  heading ``#`` and blockquote ``>`` at a line start become spaces, rule lines (``-----``) blank;
- tables written one cell per line (``|``, cell, ``|``, cell, ``|``...) become one line per row,
  the form of a markdown table (``| cell | cell |``), so one table reader reads both;
- hard wraps: a line break inside a paragraph becomes a space.  In a document whose
  paragraphs are separated by blank lines, every single line break is a wrap unless the next
  line opens an item (``-``, ``a)``, ``2.``) or the line ends in a markdown break (two spaces);
  elsewhere a break is a wrap when the next line starts in lower case or with ``,;)``, when
  the line ends in ``,``/``;`` or a binding word ("của", "và", "Sở" ...), or when a full-width
  line ends without punctuation.
"""
from __future__ import annotations

import re
from functools import lru_cache
from itertools import chain, pairwise

from .lexicon import lexicon
from .markers import NUMBER_ON_NEXT_LINE, marker_of
from .text import fold_aligned

_BOLD = re.compile(r"\*\*")
_ESCAPE = re.compile(r"\\([-.*_&#+()\[\]!|<>`~=])")
# a star after a non-space, or before a word; not the star of a "(*)" bullet
_ITALIC = re.compile(r"(?!(?<=\()\*\))(?:\*(?<=\S\*)|\*(?=[^\s*]))")
_LINE_DECOR = re.compile(r"^[ \t]*(?:#{1,6}|>)(?=[ \t]|$)", re.MULTILINE)
_RULE = re.compile(r"[ \t]*(?:[-=_~*]{3,}|(?:\*[ \t]*)+)[ \t]*")


# Spaces of other kinds and line-feed companions, each read as one space (a regex: faster than translate
# on long texts where they are rare).
_SPACES = re.compile("[\r\t\u00a0\u2002\u2003\u2009\u200a\u200b\u202f\u3000\ufeff\x0b\x0c]")


def reading_view(text: str) -> str:
    """The reading view of `text` (same length, same offsets)."""
    view = _SPACES.sub(" ", text)
    view = _BOLD.sub(lambda m: " " * len(m.group()), view)
    view = _ESCAPE.sub(lambda m: m.group(1) + " ", view)
    view = _ITALIC.sub(" ", view)
    view = _LINE_DECOR.sub(lambda m: " " * len(m.group()), view)
    lines = view.split("\n")
    raw = text.split("\n")
    rules = [bool(_RULE.fullmatch(line)) for line in lines]
    joins = [False] * max(0, len(lines) - 1)   # joins[i]: the break after line i becomes a space
    in_table = _cell_tables(raw, lines, joins)
    _hard_wraps(raw, lines, joins, in_table, rules)
    shown = [" " * len(line) if rule else line for line, rule in zip(lines, rules, strict=True)]
    breaks = [" " if join else "\n" for join in joins] + [""]
    return "".join(chain.from_iterable(zip(shown, breaks, strict=True)))


def _is_row(line: str) -> bool:
    """A markdown table row ("| a | b |"): never joined to the lines around it."""
    if "|" not in line:
        return False
    s = line.strip()
    return s.startswith("|") or s.count("|") >= 2


def _is_pipe(line: str) -> bool:
    return line.strip() == "|"


def _cell_tables(raw: list[str], lines: list[str], joins: list[bool]) -> list[bool]:
    """Find tables written one cell per line and join each row onto one line; mark table lines.

    A block of such a table runs from a lone pipe line to the last lone pipe before a blank
    line or before a long run of lines without a pipe (body text between two tables).
    """
    in_table = [False] * len(lines)
    pipes = [k for k, line in enumerate(raw) if "|" in line and _is_pipe(line)]
    blocks: list[list[int]] = []
    for k in pipes:
        if blocks:
            prev = blocks[-1][-1]
            gap = raw[prev + 1:k]
            # a new table starts at its header ("| STT | ...") even right after another table
            header = k + 1 < len(lines) and _HEADER_CELL.fullmatch(lines[k + 1]) and not _is_pipe(raw[k - 1])
            if len(gap) <= _MAX_CELL_LINES and all(line.strip() for line in gap) and not header:
                blocks[-1].append(k)
                continue
        blocks.append([k])
    for block in blocks:
        for k in block:
            in_table[k] = True
        if len(block) < 3:
            continue
        cells = [(a + 1, b) for a, b in pairwise(block)]   # the lines between two pipes: [a+1, b)
        rows = _rows(cells, lines)
        if rows is None:
            continue   # not a grid: the lines between pipes are read as ordinary text
        for first_pipe, last_pipe in rows:
            for k in range(first_pipe, last_pipe + 1):
                in_table[k] = True
            for k in range(first_pipe, last_pipe):
                joins[k] = True
    return in_table


_MAX_CELL_LINES = 20
_HEADER_CELL = re.compile(r"\s*(?:STT|TT|Số TT|Số thứ tự)\s*", re.IGNORECASE)


def _rows(cells: list[tuple[int, int]], lines: list[str]) -> list[tuple[int, int]] | None:
    """Group cells into rows: R rows of N cells are R*N cells with an empty one between rows.

    Returns (opening pipe line, closing pipe line) per row, or None when no column count fits.
    """
    empty = [all(not lines[k].strip() for k in range(a, b)) for a, b in cells]
    total = len(cells)
    header = next((k for k, e in enumerate(empty) if e), total)
    candidates = [header] + [c for c in range(2, 16) if c != header]
    for n in candidates:
        if n < 2 or (total + 1) % (n + 1) or total < n:
            continue
        if all(empty[k] for k in range(n, total, n + 1)):
            rows = []
            for r in range(0, total, n + 1):
                a = cells[r][0] - 1               # the pipe line before the row's first cell
                b = cells[min(r + n, total) - 1][1]  # the pipe line after its last cell
                rows.append((a, b))
            return rows
    return _resynced_rows(cells, empty, header, lines) if header >= 2 else None


_ROW_START = re.compile(r"\s*(?:\*\*)?\s*(?:\d{1,3}(?:\.\d{1,2})*\.?|[IVXL]{1,5}\.?|[a-zđ]\))\s*(?:\*\*)?\s*$")


def _resynced_rows(cells: list[tuple[int, int]], empty: list[bool], n: int,
                   lines: list[str]) -> list[tuple[int, int]] | None:
    """Rows of a grid some of whose rows merge or drop cells: N cells at a time, and where the cell after
    them is not the empty one between rows, the row ends at the next empty cell before a numbered one."""
    rows = []
    i, total = 0, len(cells)
    while i < total:
        j = i + n
        if j < total and not empty[j]:
            j = next((k for k in range(i + 1, total)
                      if empty[k] and (k + 1 >= total or _starts_row(lines, cells[k + 1]))), total)
        j = min(j, total)
        rows.append((cells[i][0] - 1, cells[j - 1][1]))
        i = j + 1
    return rows if len(rows) >= 2 else None


def _starts_row(lines: list[str], cell: tuple[int, int]) -> bool:
    """A cell that numbers a row ("14.", "II", "b)") or is empty (a row whose number cell is blank)."""
    text = " ".join(lines[k] for k in range(*cell))
    return not text.strip() or bool(_ROW_START.fullmatch(text))


@lru_cache(maxsize=1)
def _binding_tail() -> re.Pattern[str]:
    return re.compile(r"(?:^|\s)" + lexicon().alternation("wrap_binding") + r"$")


def _hard_wraps(raw: list[str], lines: list[str], joins: list[bool], in_table: list[bool], rules: list[bool]) -> None:
    n = len(lines)
    stripped = [line.strip() for line in lines]
    breaks = blank = 0
    lengths = []
    for (line, after), tabled in zip(pairwise(stripped), in_table[:-1], strict=True):
        if line and not tabled:
            lengths.append(len(line))
            if after:
                breaks += 1
            else:
                blank += 1
    lengths.sort()
    width = lengths[int(len(lengths) * 0.9)] if lengths else 0
    wrapped = width <= 120
    blank_style = blank >= 0.2 * (breaks + blank) and blank >= 3 and wrapped
    for i, (prev, nxt) in enumerate(pairwise(stripped)):
        if not prev or not nxt or joins[i] or in_table[i] or in_table[i + 1] or rules[i] or rules[i + 1]:
            continue
        if _is_row(prev) or _is_row(nxt):
            continue
        if raw[i].endswith("  ") and not raw[i].rstrip().endswith(("**", "__")):
            continue   # a markdown line break
        if _line_wraps(prev, nxt, blank_style, wrapped and len(prev) >= 0.7 * width):
            joins[i] = True
    # A wrap across blank lines: "... tổ chức đối\n\nvới sự phục vụ ..." (the next line starts in lower case).
    for i in range(n - 2):
        prev = stripped[i]
        if not prev or stripped[i + 1] or in_table[i] or rules[i] or _is_row(prev) or prev[-1] in ".:!?;" \
                or prev.isupper():
            continue   # (a line followed by another, not by a blank one: no wrap across blank lines there)
        j = i + 1
        while j < n and j <= i + 3 and not stripped[j]:
            j += 1
        if j == i + 1 or j >= n or j > i + 3 or in_table[j] or rules[j]:
            continue
        nxt = stripped[j]
        if nxt[:1].islower() and marker_of(nxt) is None and not _is_row(nxt):
            for k in range(i, j):
                joins[k] = True


_HEADER_LINE = re.compile(r"^(?:Số\s*:?\s*\d|[^,\n]{2,40},\s*ngày\s+\d)")


def _line_wraps(prev: str, nxt: str, blank_style: bool, full: bool) -> bool:
    first = nxt[0]
    if first in ",;)" or (first == "." and not nxt.startswith("..")):
        return True
    if first.isdigit() and NUMBER_ON_NEXT_LINE.fullmatch(prev):
        return True   # "**Điều\n17. Trách nhiệm của Sở Tài chính**": the article's number wrapped to the next line
    if marker_of(nxt) is not None or _HEADER_LINE.match(nxt) or _HEADER_LINE.match(prev):
        return False
    if prev.isupper() and any(c.islower() for c in nxt):
        return False   # a title line ("CHỈ THỊ") and the line under it
    if blank_style:
        return True
    last = prev[-1]
    if last in ",;":
        return True
    if last in ".:!?":
        return False
    if first.islower() or first.isdigit() or first in "(“\"":
        return True
    if _binding_tail().search(fold_aligned(prev[-30:]).rstrip(" *_")):
        return True
    return full and last.isalnum()
