"""Reform areas of Nghị quyết 76/NQ-CP (plus provincial indices and "other").

`heading_area` reads an area heading ("a) Cải cách thể chế", "6. Về xây dựng chính
quyền điện tử, chính quyền số", "f) Các chỉ số của tỉnh"); `keyword_area` classifies
free text by the area vocabulary when no heading says it; `areas_named` lists the areas
a duty names outright.  The words are cues of the lexicon (`area_heading`,
`area_keyword`, `area_name`, `area_named_in_task`).
"""
from __future__ import annotations

import re
from functools import lru_cache

from ..lexicon import lexicon, one_of, word_start
from ..model import AREAS
from ..text import fold

_AREAS = [a for a in AREAS if a != "khac"]


@lru_cache(maxsize=1)
def _heading_patterns() -> list[tuple[str, re.Pattern[str]]]:
    lex = lexicon()
    return [(a, re.compile(r"^(?:ve\s+)?" + lex.alternation("area_heading", a) + r"\b")) for a in _AREAS]


@lru_cache(maxsize=1)
def _heading_pattern() -> re.Pattern[str]:
    """The area heading patterns as one, each area a group: matched at the start, an alternation takes the
    first area whose pattern matches there, as trying them in turn would (one regex call per heading)."""
    return re.compile("|".join(f"(?P<a{i}>{p.pattern})" for i, (_, p) in enumerate(_heading_patterns())))


@lru_cache(maxsize=1)
def _keyword_patterns() -> list[tuple[str, re.Pattern[str], re.Pattern[str]]]:
    lex = lexicon()
    return [(a, re.compile(one_of(word_start([p + r"\b" for p in lex.phrases("area_keyword", a)]))),
             re.compile(lex.alternation("area_name", a))) for a in _AREAS]


_MARKER = re.compile(r"^(?:[a-zđ0-9ivx.]+[.)\-]\s+)")   # "a) ", "6. ", "II. " before the words


def heading_area(heading: str) -> str | None:
    """The area a heading names, or None when it is not an area heading."""
    return folded_heading_area(fold(heading))


@lru_cache(maxsize=2048)
def folded_heading_area(folded: str) -> str | None:
    """`heading_area` of a heading already folded (`kg.text.fold`)."""
    key = folded.strip(" :.*")
    key = _MARKER.sub("", key)
    m = _heading_pattern().match(key)
    return _AREAS[int(m.lastgroup[1:])] if m is not None and m.lastgroup else None


@lru_cache(maxsize=4096)   # duties of one task share its text
def keyword_area(text: str) -> str | None:
    """Area whose vocabulary the text uses most (earliest hit breaks ties); None if none."""
    key = fold(text)
    best: tuple[int, int, str] | None = None
    for area, pattern, strong in _keyword_patterns():
        hits = [m.start() for m in pattern.finditer(key)]
        if not hits:
            continue
        weight = len(hits) + (3 if strong.search(key) else 0)
        cand = (-weight, hits[0], area)
        if best is None or cand < best:
            best = cand
    return best[2] if best else None


@lru_cache(maxsize=1)
def _named_patterns() -> list[tuple[str, re.Pattern[str]]]:
    lex = lexicon()
    out = []
    for a in _AREAS:
        words = lex.alternation("area_named_in_task", a) if a == "chi_so" else lex.alternation("area_heading", a)
        out.append((a, re.compile(words)))
    return out


def strong_area(text: str) -> str | None:
    """The area a phrase in the text names outright ("thủ tục hành chính", "tổ chức bộ máy"), if one."""
    key = fold(text)
    found = [(m.start(), area) for area, _, strong in _keyword_patterns() if (m := strong.search(key))]
    return min(found)[1] if found else None


def areas_named(text: str) -> list[str]:
    """Areas a duty text names outright ("... cải cách tổ chức bộ máy, cải cách chế độ công vụ")."""
    key = fold(text)
    return [area for area, pattern in _named_patterns() if pattern.search(key)]
