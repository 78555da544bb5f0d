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
from functools import lru_cache
from itertools import accumulate, repeat
from operator import add
from typing import NamedTuple

import ahocorasick

from .lexicon import lexicon
from .text import fold, fold_aligned

# The lexicon categories the readers ask the annotation for (besides agencies and provinces); the
# others are read by patterns built from the lexicon (`Lexicon.alternation`).  Sweeping only these
# keeps the automaton's matches to what is used (tests/test_lexicon.py checks the list).
SWEPT = frozenset({"agency_head", "label", "requester", "role", "short_form"})
_TOKEN = re.compile(r"&|[^\s,.;:!?()\[\]{}\"“”'‘’*|…/\\&=<>≥≤_#\-–—−]+")
# Punctuation no phrase runs across: "Giám đốc các Sở: Khoa học ..." is not "Sở Khoa học ...".
_STOP = re.compile(r"[:;!?()\[\]]|\.(?!\d)")
_ABBREVIATION = re.compile(r"\(\s*[A-ZĐ][A-Za-zĐđ&.\-]{1,12}\s*\)")


_WORD_OR_STOP = re.compile(_STOP.pattern + "|" + _TOKEN.pattern)


class Cue(NamedTuple):
    category: str      # a lexicon category, "agency" or "province"
    value: str | None  # the entry's value, the agency id or the province name
    start: int         # span in the document's text (view and text share offsets)
    end: int
    entry: str         # lexicon entry id, agency id or province name


def match_key(text: str) -> str:
    """The key a phrase is matched by: folded tokens joined by single spaces."""
    return folded_key(fold(text))


def folded_key(folded: str) -> str:
    """`match_key` of NFC text already folded with `fold_aligned` (a slice of a page's folded view)."""
    return " ".join(_TOKEN.findall(folded))


@lru_cache(maxsize=1)
def _automaton() -> ahocorasick.Automaton:
    payloads: dict[str, list[tuple[str, str | None, str]]] = {}

    def add(phrase: str, payload: tuple[str, str | None, str]) -> None:
        key = match_key(phrase)
        if key:
            payloads.setdefault(f" {key} ", []).append(payload)

    for e in lexicon().entries:
        if e.category not in SWEPT:
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
    """The cues of one document, queried by category and span.

    Cues are gathered per category as plain tuples (start, -end, order, value, entry), sorted,
    and made `Cue`s the first time a reader asks for the category: a document has a million cue
    matches, and many categories are never asked about.
    """

    def __init__(self, raw: dict[str, list[tuple[int, int, int, str | None, str]]]):
        self._raw = raw
        self._cues: dict[str, list[Cue]] = {}
        self._starts: dict[str, list[int]] = {}
        self._merged: dict[tuple[str, ...], list[int]] = {}   # starts of several categories, sorted

    def _of(self, category: str) -> tuple[list[Cue], list[int]]:
        cues = self._cues.get(category)
        if cues is None:
            cues = self._cues[category] = [Cue(category, t[3], t[0], -t[1], t[4])
                                           for t in sorted(self._raw.get(category, ()))]
            self._starts[category] = [c.start for c in cues]
        return cues, self._starts[category]

    def all(self, category: str) -> list[Cue]:
        return self._of(category)[0]

    def within(self, category: str, start: int, end: int, value: str | None = None) -> list[Cue]:
        """Cues of the category lying inside [start, end)."""
        starts = self._starts.get(category)
        if starts is None:
            starts = self._of(category)[1]
        lo = bisect_left(starts, start)
        hi = bisect_left(starts, end, lo)
        if lo == hi:   # most spans asked about hold no cue of the category
            return []
        return [c for c in self._cues[category][lo:hi] if c.end <= end and (value is None or c.value == value)]

    def starts_in(self, categories: tuple[str, ...], start: int, end: int) -> bool:
        """Whether a cue of any of the categories starts inside [start, end) (one that does not start
        there is not `within` the span either)."""
        starts = self._merged.get(categories)
        if starts is None:
            starts = self._merged[categories] = sorted(s for c in categories for s in self._of(c)[1])
        i = bisect_left(starts, start)
        return i < len(starts) and starts[i] < end

    def first(self, category: str, start: int, end: int, value: str | None = None) -> Cue | None:
        found = self.within(category, start, end, value)
        return found[0] if found else None

    def starting_at(self, category: str, pos: int) -> list[Cue]:
        """Cues of the category that start exactly at pos, longest first."""
        cues, starts = self._of(category)
        return sorted(cues[bisect_left(starts, pos):bisect_right(starts, pos)], key=lambda c: -c.end)

    def has(self, category: str, start: int, end: int) -> bool:
        return self.first(category, start, end) is not None


_STOPS = ":;!?()[]."   # in the key, these chars are only ever stops (written "¦")
_TOKENS = re.compile(f"({_WORD_OR_STOP.pattern})")   # split on it: gaps and tokens, alternating


def annotate(view: str, folded: str | None = None) -> Annotation:
    """Every cue of the lexicon, agency name and province in the reading view of a document
    (`folded`: the view already folded with `fold_aligned`, when the caller has it)."""
    folded = fold_aligned(view) if folded is None else folded
    parts = _TOKENS.split(folded)   # gap, token, gap, token, ..., gap: no match object per token
    offsets = list(accumulate(map(len, parts), initial=0))
    words, starts, ends = parts[1::2], offsets[1::2], offsets[2::2]
    for s0, e0 in reversed([m.span() for m in _ABBREVIATION.finditer(view)]):   # tokens starting inside
        lo, hi = bisect_left(starts, s0), bisect_left(starts, e0)
        del words[lo:hi], starts[lo:hi], ends[lo:hi]
    # the key: " w1 w2 ... " (stop tokens as "¦"), and where each token starts in it
    key = " " + " ".join(words) + " "
    for stop in _STOPS:
        key = key.replace(stop, "¦")
    key_starts = list(accumulate(map(add, map(len, words), repeat(1)), initial=1))[:-1]
    raw: dict[str, list[tuple[int, int, int, str | None, str]]] = {}
    n = len(words)
    order = 0
    for end_at, (length, items) in _automaton().iter(key):
        first = bisect_left(key_starts, end_at - length + 2)
        last = bisect_right(key_starts, end_at - 1) - 1
        if first > last or first >= n:
            continue
        s, e = starts[first], ends[last]
        for category, value, entry in items:
            order += 1
            found = raw.get(category)
            if found is None:
                found = raw[category] = []
            found.append((s, -e, order, value, entry))
    return Annotation(raw)
