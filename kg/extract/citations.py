"""Citations of other legal instruments, normalised (76/NQ-CP, 18-NQ/TW, 61/2018/NĐ-CP)."""
from __future__ import annotations

import re
from collections.abc import Iterator

from ..model import Citation, Span

# The number must not continue a word, number or path: that check sits after its first digit, so the
# search skips ahead to digits instead of testing every position.
DOC_NUMBER = re.compile(
    r"(\d(?<![\w/.-]\d)\d{0,3})(?:/(\d{4}))?\s?([/-])\s?"
    r"((?:(?<=\d{4}/)[A-ZĐ]{1,4}\d{1,2}\b)|[A-ZĐ][A-ZĐa-z]{0,9}(?:\s?[-/]\s?[A-ZĐ][A-Za-zĐđ]{0,9}){1,3})(?![\w/])"
)
_KIND_CODES = {"NQ": "nghi_quyet", "QĐ": "quyet_dinh", "NĐ": "nghi_dinh", "CT": "chi_thi", "KH": "ke_hoach",
               "TT": "thong_tu", "BC": "bao_cao", "TB": "thong_bao", "KL": "ket_luan", "QĐi": "quy_dinh",
               "HD": "huong_dan", "CV": "cong_van", "L": "luat"}


def normalise(m: re.Match[str]) -> str:
    number, year, sep, code = m.group(1), m.group(2), m.group(3), re.sub(r"\s+", "", m.group(4))
    return f"{number}/{year}/{code}" if year else f"{number}{sep}{code}"


def kind_of(code: str) -> str | None:
    head = re.split(r"[-/]", code)[0]
    if "/" in code and code.split("/")[0] in _KIND_CODES and "-" not in code.split("/")[0]:
        head = code.split("/")[0]
    return _KIND_CODES.get(head)


# What every DOC_NUMBER holds at most 10 characters after its start (1-4 digits, "/2018", a space): the
# separator before its code, and the code's capital.
_CODE = re.compile(r"[/-]\s?[A-ZĐ]")


def numbers_in(view: str) -> Iterator[re.Match[str]]:
    """`DOC_NUMBER.finditer(view)`, searched for only before a code: a text has far more digits than codes."""
    pos = 0
    for code in _CODE.finditer(view):
        at = code.start()
        if at < pos:
            continue   # inside the number just read
        m = DOC_NUMBER.search(view, max(pos, at - 10))   # a number before this code, if any, starts there or later
        if m is None:
            return
        yield m
        pos = m.end()


def read_citations(view: str, text: str, exclude: set[str]) -> list[Citation]:
    """Every instrument cited by number, once, in order (`view` is read, quotes come from `text`)."""
    seen: dict[str, Citation] = {}
    for m in numbers_in(view):
        number = normalise(m)
        if number in exclude or number in seen:
            continue
        seen[number] = Citation(number=number, kind=kind_of(m.group(4)), span=Span(m.start(), m.end(), text[m.start():m.end()]))
    return list(seen.values())
