"""One sweep per document: every cue, agency name and province, found with one automaton.

The reading view of a document is cut into word tokens (case, diacritics and tone placement
folded; punctuation is a separator; a short abbreviation in brackets such as "(UBND)" is
passed over so "Ủy ban nhân dân (UBND) tỉnh" reads as one name).  One Aho-Corasick
automaton, built once per process from the cue lexicon, the agency gazetteer and the
province list, reports every phrase that starts and ends on token boundaries, overlaps
included.  Readers then ask the `Annotation` for cues by category and position.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import lru_cache

import ahocorasick

from .lexicon import lexicon
from .text import fold, fold_aligned

# Categories the sweep does not need: symbols are read by the number grammar, wrap words at
# ingest, boilerplate lines before any reading.
_NOT_SWEPT = {"comparator_symbol", "wrap_binding", "boilerplate_tail", "boilerplate_line"}
_TOKEN = re.compile(r"&|[^\s,.;:!?()\[\]{}\"“”'‘’*|…/\\&=<>≥≤_#\-–—−]+")
# Punctuation no phrase runs across: "Giám đốc các Sở: Khoa học ..." is not "Sở Khoa học ...".
_STOP = re.compile(r"[:;!?()\[\]]|\.(?!\d)")
_ABBREVIATION = re.compile(r"\(\s*[A-ZĐ][A-Za-zĐđ&.\-]{1,12}\s*\)")


_WORD_OR_STOP = re.compile(_STOP.pattern + "|" + _TOKEN.pattern)


@dataclass(frozen=True)
class Cue:
    category: str      # a lexicon category, "agency" or "province"
    value: str | None  # the entry's value, the agency id or the province name
    start: int         # span in the document's text (view and text share offsets)
    end: int
    entry: str         # lexicon entry id, agency id or province name


def match_key(text: str) -> str:
    """The key a phrase is matched by: folded tokens joined by single spaces."""
    return " ".join(m.group() for m in _TOKEN.finditer(fold(text)))


@lru_cache(maxsize=1)
def _automaton() -> ahocorasick.Automaton:
    payloads: dict[str, list[tuple[str, str | None, str]]] = {}

    def add(phrase: str, payload: tuple[str, str | None, str]) -> None:
        key = match_key(phrase)
        if key:
            payloads.setdefault(f" {key} ", []).append(payload)

    for e in lexicon().entries:
        if e.category in _NOT_SWEPT:
            continue
        for w in e.words:
            add(w, (e.category, e.value, e.id))
    from .agencies import gazetteer  # the gazetteer itself reads no cues: no cycle at import time

    for a in gazetteer().values():
        for name in (a.vi, *a.aliases):
            add(name, ("agency", a.id, a.id))
    for name in provinces():
        add(name, ("province", name, name))
    automaton = ahocorasick.Automaton()
    for key, items in payloads.items():
        automaton.add_word(key, (len(key), tuple(dict.fromkeys(items))))
    automaton.make_automaton()
    return automaton


@lru_cache(maxsize=1)
def provinces() -> tuple[str, ...]:
    from importlib.resources import files

    raw = files("kg").joinpath("data/provinces.txt").read_text(encoding="utf-8")
    return tuple(line.strip() for line in raw.splitlines() if line.strip() and not line.startswith("#"))


class Annotation:
    """The cues of one document, queried by category and span."""

    def __init__(self, cues: list[Cue]):
        self._by_cat: dict[str, list[Cue]] = {}
        for c in sorted(cues, key=lambda c: (c.start, -c.end)):
            self._by_cat.setdefault(c.category, []).append(c)
        self._starts = {cat: [c.start for c in cs] for cat, cs in self._by_cat.items()}

    def all(self, category: str) -> list[Cue]:
        return self._by_cat.get(category, [])

    def within(self, category: str, start: int, end: int, value: str | None = None) -> list[Cue]:
        """Cues of the category lying inside [start, end)."""
        cues = self._by_cat.get(category, [])
        starts = self._starts.get(category, [])
        out = []
        for c in cues[bisect_left(starts, start):bisect_left(starts, end)]:
            if c.end <= end and (value is None or c.value == value):
                out.append(c)
        return out

    def first(self, category: str, start: int, end: int, value: str | None = None) -> Cue | None:
        found = self.within(category, start, end, value)
        return found[0] if found else None

    def starting_at(self, category: str, pos: int) -> list[Cue]:
        """Cues of the category that start exactly at pos, longest first."""
        cues = self._by_cat.get(category, [])
        starts = self._starts.get(category, [])
        found = cues[bisect_left(starts, pos):bisect_right(starts, pos)]
        return sorted(found, key=lambda c: -c.end)

    def has(self, category: str, start: int, end: int) -> bool:
        return self.first(category, start, end) is not None


def annotate(view: str) -> Annotation:
    """Every cue of the lexicon, agency name and province in the reading view of a document."""
    folded = fold_aligned(view)
    skipped = [(m.start(), m.end()) for m in _ABBREVIATION.finditer(view)]
    spans: list[tuple[int, int]] = []
    si = 0
    for m in _WORD_OR_STOP.finditer(folded):
        while si < len(skipped) and skipped[si][1] <= m.start():
            si += 1
        if si < len(skipped) and skipped[si][0] <= m.start() < skipped[si][1]:
            continue
        spans.append((m.start(), m.end()))
    parts = [" "]
    key_starts = []
    at = 1
    for s, e in spans:
        key_starts.append(at)
        word = folded[s:e]
        parts.append("¦" * len(word) if _STOP.fullmatch(word) else word)
        parts.append(" ")
        at += e - s + 1
    key = "".join(parts)
    cues: list[Cue] = []
    for end_at, (length, items) in _automaton().iter(key):
        first = bisect_left(key_starts, end_at - length + 2)
        last = bisect_right(key_starts, end_at - 1) - 1
        if first > last or first >= len(spans):
            continue
        s, e = spans[first][0], spans[last][1]
        for category, value, entry in items:
            cues.append(Cue(category, value, s, e, entry))
    return Annotation(cues)
