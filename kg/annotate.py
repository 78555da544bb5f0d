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
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import accumulate, chain, repeat
from typing import NamedTuple

import ahocorasick

from .lexicon import lexicon
from .text import fold, fold_aligned

# The lexicon categories the readers ask the annotation for (besides agencies and provinces); the
# others are read by patterns built from the lexicon (`Lexicon.alternation`).  Sweeping only these
# keeps the automaton's matches to what is used (tests/test_lexicon.py checks the list).
SWEPT = frozenset({"agency_head", "label", "requester", "role", "short_form"})
# Of those, the ones read only near a few places ("chủ trì" opening a task clause): frequent words, swept
# over the spans asked about when asked (`Annotation.within`), not over the whole document.
ON_DEMAND = frozenset({"role"})
# Cues that count only as written with a capital, the way a body's name is written ("Sở", "Ban", "Văn
# phòng"; not "sở", "ban hành", "bộ"): the sweep keeps only those (`find_mentions` reads no other).
CAPITALISED = frozenset({"agency_head", "short_form"})
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


class _Automata(NamedTuple):
    swept: ahocorasick.Automaton       # the phrases swept over every document
    on_demand: ahocorasick.Automaton   # those of the ON_DEMAND categories
    letters: dict[str, str]            # word -> its character in the keys of both


@lru_cache(maxsize=1)
def _automaton() -> _Automata:
    """The automata over phrases written as one character per word, and the words' characters.

    A document is swept as the same string: one character per token, any word no phrase holds
    (and every stop) written as a space, so a match is always whole words and ends at the index
    of its last token."""
    payloads: dict[tuple[str, ...], list[tuple[str, str | None, str]]] = {}

    def add(phrase: str, payload: tuple[str, str | None, str]) -> None:
        key = match_key(phrase)
        if key:
            payloads.setdefault(tuple(key.split(" ")), []).append(payload)

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
    letters: dict[str, str] = {}
    for words in payloads:
        for w in words:
            if w not in letters:
                letters[w] = chr(0x100 + len(letters))
    swept, on_demand = ahocorasick.Automaton(), ahocorasick.Automaton()
    for words, items in payloads.items():
        key = "".join(letters[w] for w in words)
        for automaton, of in ((swept, False), (on_demand, True)):
            mine = tuple(i for i in dict.fromkeys(items) if (i[0] in ON_DEMAND) == of)
            if mine:
                automaton.add_word(key, (len(words), mine))
    swept.make_automaton()
    on_demand.make_automaton()
    return _Automata(swept, on_demand, letters)


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

    def __init__(self, raw: Raw,
                 key: str = "", starts: list[int] | None = None, ends: list[int] | None = None):
        self._raw = raw
        # the document's tokens (one character each in `key`, and their spans), for the ON_DEMAND categories
        self._key, self._token_starts, self._token_ends = key, starts or [], ends or []
        self._cues: dict[str, list[Cue]] = {}
        self.memo: dict = {}   # what readers worked out from the cues, kept for the document's other spans
        self._starts: dict[str, list[int]] = {}
        self._merged: dict[tuple[str, ...], list[int]] = {}   # starts of several categories, sorted

    def _of(self, category: str) -> tuple[list[Cue], list[int]]:
        cues = self._cues.get(category)
        if cues is None:
            raw = self._raw.get(category, []) if category not in ON_DEMAND else \
                _sweep(_automaton().on_demand, self._key, 0, self._token_starts, self._token_ends).get(category, [])
            cues = self._cues[category] = _cues(category, raw)
            self._starts[category] = [c.start for c in cues]
        return cues, self._starts[category]

    def all(self, category: str) -> list[Cue]:
        return self._of(category)[0]

    def within(self, category: str, start: int, end: int, value: str | None = None) -> list[Cue]:
        """Cues of the category lying inside [start, end)."""
        starts = self._starts.get(category)
        if starts is None:
            if category in ON_DEMAND:
                # the tokens inside the span, swept: the cues lying inside it are the matches of the
                # automaton on them (whole words, as the sweep of the document finds them)
                first = bisect_left(self._token_starts, start)
                last = bisect_right(self._token_ends, end, first)
                raw = _sweep(_automaton().on_demand, self._key[first:last], first, self._token_starts,
                             self._token_ends).get(category, [])
                return [c for c in _cues(category, raw) if value is None or c.value == value]
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
            starts = self._merged[categories] = sorted(chain.from_iterable(self._of(c)[1] for c in categories))
        i = bisect_left(starts, start)
        return i < len(starts) and starts[i] < end

    def first(self, category: str, start: int, end: int, value: str | None = None) -> Cue | None:
        found = self.within(category, start, end, value)
        return found[0] if found else None

    def starting_at(self, category: str, pos: int) -> list[Cue]:
        """Cues of the category that start exactly at pos, longest first."""
        cues, starts = self._of(category)
        return sorted(cues[bisect_left(starts, pos):bisect_right(starts, pos)], key=lambda c: -c.end)

    def ending_by(self, category: str, pos: int, among: list[int] | None = None) -> Iterator[Cue]:
        """Cues of the category that end at or before pos, the last one (by start, then shortest) first;
        `among`: only those at these places (ascending) in `all(category)`."""
        cues, starts = self._of(category)
        before = bisect_left(starts, pos)   # a cue starting at pos or later ends after it
        if among is None:
            places: Iterable[int] = range(before - 1, -1, -1)
        else:
            places = map(among.__getitem__, range(bisect_left(among, before) - 1, -1, -1))
        for i in places:
            if cues[i].end <= pos:
                yield cues[i]

    def has(self, category: str, start: int, end: int) -> bool:
        return self.first(category, start, end) is not None


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
    automata = _automaton()
    key = "".join(map(automata.letters.get, words, repeat(" ")))   # one character per token
    return Annotation(_sweep(automata.swept, key, 0, starts, ends, view), key, starts, ends)


Raw = dict[str, list[tuple[int, int, int, str | None, str]]]


def _sweep(automaton: ahocorasick.Automaton, key: str, offset: int, starts: list[int], ends: list[int],
           view: str | None = None) -> Raw:
    """The matches of the automaton in `key` (the document's tokens from `offset` on) by category, as
    (start, -end, order, value, entry): sorted, they are in order of start, longest first, then as found.
    With the `view`, a cue of the CAPITALISED categories only where its first letter is a capital."""
    raw: Raw = {}
    order = 0
    for last, (length, items) in automaton.iter(key):
        s, e = starts[offset + last - length + 1], ends[offset + last]
        for category, value, entry in items:
            if view is not None and category in CAPITALISED and not view[s].isupper():
                continue
            order += 1
            found = raw.get(category)
            if found is None:
                found = raw[category] = []
            found.append((s, -e, order, value, entry))
    return raw


def _cues(category: str, raw: list[tuple[int, int, int, str | None, str]]) -> list[Cue]:
    new = tuple.__new__   # what Cue(...) calls, without its keyword handling
    return [new(Cue, (category, value, s, -e, entry)) for s, e, _, value, entry in sorted(raw)]
