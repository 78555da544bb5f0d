"""Item markers that open a paragraph: ``Điều 3.``, ``II.``, ``2.1.``, ``b)``, ``(1)``, ``(ii)``, ``-``, ``+``,
``*``, ``(*)``, ``Một là,``.

The one grammar of list and heading markers, used by the reading view (a line that opens
with a marker is never a hard wrap of the line before) and by the segmenter (which reads
each paragraph's marker to build the heading tree).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_ROMAN = r"(?:I|II|III|IV|V|VI|VII|VIII|IX|X|XI|XII|XIII|XIV|XV)"
MARKERS: list[tuple[str, re.Pattern[str]]] = [
    ("dieu", re.compile(r"Điều\s+(\d+)\s*[.:]\s*")),
    ("part", re.compile(r"(?:PHẦN|Phần|CHƯƠNG|Chương)\s+((?:[IVX]+|\d+|THỨ\s+\w+))\s*[.:\-–]?\s*")),
    ("roman", re.compile(rf"({_ROMAN})\s*[.\-–:/]\s+")),
    ("num", re.compile(r"(\d{1,2}(?:\.\d{1,2}){0,3})\s*[.)]\s+(?!\d)")),
    ("letter", re.compile(r"([a-zđ])\s*\)\s+|([a-zđ])\.\s+(?=[A-ZĐÀ-Ỹ])")),
    ("paren", re.compile(r"\((\d{1,2})\)\s+")),
    ("paren_roman", re.compile(r"\((i|ii|iii|iv|v|vi|vii|viii|ix|x)\)\s+")),
    ("upper", re.compile(r"([A-ZĐ])\.\s+(?=[A-ZĐÀ-Ỹ])")),
    ("ordinal", re.compile(r"(Một|Hai|Ba|Bốn|Năm|Sáu|Bảy|Tám|Chín|Mười)\s+là\s*[,:]\s*")),
    ("dash", re.compile(r"([-–−])\s*")),
    ("plus", re.compile(r"(\+)\s*")),
    ("star", re.compile(r"(\*)(?!\*)\s+|\((\*)\)\s+")),
    ("dot", re.compile(r"([•●▪◦·✓➢❖►])\s*")),
]
BULLETS = ("dash", "plus", "star", "dot")
# a line that is only the word of a numbered heading ("**Điều", its number wrapped to the next line)
NUMBER_ON_NEXT_LINE = re.compile(r"[*_]*(?:Điều|ĐIỀU|Chương|CHƯƠNG|Phần|PHẦN|Mục|MỤC)[*_]*")
# The markers as one pattern, tried in the same order (an alternation takes the first that matches, as the
# loop over MARKERS would): one regex call per line instead of one per kind.  Each kind is a named group,
# the one that closes last, so `lastgroup` names the kind; `_LABEL` holds the groups of its own pattern.
_ANY = re.compile("|".join(f"(?P<{kind}>{pattern.pattern})" for kind, pattern in MARKERS))
_LABEL = {kind: range(_ANY.groupindex[kind] + 1, _ANY.groupindex[kind] + 1 + pattern.groups)
          for kind, pattern in MARKERS}


@dataclass(frozen=True)
class Marker:
    kind: str
    label: str
    end: int    # offset (in the line) where the text after the marker starts


def marker_of(line: str) -> Marker | None:
    """The marker a line opens with (the line starts at its first non-space character)."""
    m = _ANY.match(line)
    if m is None:
        return None
    kind = m.lastgroup or ""
    if kind in BULLETS and m.end() >= len(line.rstrip()):
        return None
    if kind == "num" and _THOUSANDS.match(line):
        return None   # "1.500 hồ sơ": a number, not an item
    if kind == "dash" and _NEGATIVE.match(line):
        return None   # "-5" is a negative number
    return Marker(kind, next(g for g in map(m.group, _LABEL[kind]) if g is not None), m.end())


_THOUSANDS = re.compile(r"\d{1,2}\.\d{3}")
_NEGATIVE = re.compile(r"[-–−]\d")
