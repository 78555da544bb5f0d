"""The cue lexicon (``kg/data/cues.toml``): typed word lists the readers look for.

Each entry has a category ("role", "section", "comparator" ...), an optional value (what
the cue means: a role, a section kind, a comparator), the words as documents write them
and an example sentence that a test checks.  `Lexicon.alternation` turns a category into
a regular-expression alternation over folded text (for the few readers that need words
in a fixed grammar, such as a comparator right before a number); `kg.annotate` finds all
cues of a document in one sweep.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from .text import fold

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


@dataclass(frozen=True)
class CueEntry:
    id: str                  # "role:lead#3": category, value and place in the file
    category: str
    value: str | None
    words: tuple[str, ...]   # as written in the file
    example: str
    edge: bool = False       # section words that count only at the start of a heading or end a list ending it
    alone: bool = False      # section words that count only as the whole heading or a list of them

    @property
    def folded(self) -> tuple[str, ...]:
        return tuple(fold(w) for w in self.words)


def load_toml(name: str) -> dict:
    """A TOML file of kg/data, parsed."""
    return tomllib.loads(files("kg").joinpath("data").joinpath(name).read_text(encoding="utf-8"))


class Lexicon:
    def __init__(self, entries: list[CueEntry]):
        self.entries = entries
        self._by_category: dict[str, list[CueEntry]] = {}
        for e in entries:
            self._by_category.setdefault(e.category, []).append(e)
        self._alternations: dict[tuple[str, str | None], str] = {}
        self._pieces: dict[tuple[str, str | None], tuple[tuple[str, ...], ...]] = {}

    def of(self, category: str, value: str | None = None) -> list[CueEntry]:
        found = self._by_category.get(category, [])
        if value is not None:
            found = [e for e in found if e.value == value]
        return found

    def words(self, category: str, value: str | None = None) -> list[str]:
        """Folded words of a category (and value), longest first."""
        out = {w for e in self.of(category, value) for w in e.folded}
        return sorted(out, key=lambda w: (-len(w), w))

    def value_of(self, category: str, folded_phrase: str) -> str | None:
        """The value of the entry of `category` whose words include the folded phrase."""
        key = _squash(folded_phrase)
        for e in self.of(category):
            if key in (_squash(w) for w in e.folded):
                return e.value
        return None

    def alternation(self, category: str, value: str | None = None) -> str:
        """A regex alternation (non-capturing) matching any word of the category in folded text."""
        k = (category, value)
        if k not in self._alternations:
            self._alternations[k] = one_of(self.phrases(category, value))
        return self._alternations[k]

    def phrases(self, category: str, value: str | None = None) -> list[str]:
        """The words of a category (and value) as regexes (`phrase_regex`), longest first: the
        alternatives of `alternation`, for patterns that add to each."""
        words = self.words(category, value)
        if not words:
            raise KeyError(f"no cue words for {category}/{value}")
        return [phrase_regex(w) for w in words]

    def could_occur(self, category: str, text: str) -> bool:
        """Whether `alternation(category)` can match in `text` at all: every word and punctuation mark
        of some phrase occurs in it (a test that costs less than the regex search it lets one skip)."""
        return occurs_any(self.pieces(category), text)

    def pieces(self, category: str, value: str | None = None) -> tuple[tuple[str, ...], ...]:
        """The words and punctuation marks of each phrase of the category (and value): what
        `could_occur` tests."""
        k = (category, value)
        pieces = self._pieces.get(k)
        if pieces is None:
            pieces = self._pieces[k] = tuple(tuple(t for t in _tokens(w) if not t.isspace())
                                             for w in self.words(category, value))
        return pieces

    def categories(self) -> list[str]:
        return list(self._by_category)


def one_of(alternatives: list[str]) -> str:
    """A non-capturing alternation of regexes (tried in the order given), grouped by first character:
    ``(?:p(?:hai\\s+dat|han\\s+dau)|m(?:uc\\s+tieu))``.

    An alternative can only match where its first character stands, so the grouped alternation
    matches what the plain one matches, preferring the same alternative (the order within a group
    is kept); but the regex engine tests one branch per first character instead of every alternative
    at every position, and skips ahead to the characters that can start a pattern the alternation
    opens.  Grouping needs each alternative to open with a letter or digit that no quantifier follows,
    and none to hold a top-level ``|``; otherwise, or when two first characters differ only in case
    (a pattern may ignore case), it is the plain alternation."""
    plain = "(?:" + "|".join(alternatives) + ")"
    firsts = [a[:1] for a in alternatives]
    if not all(f.isalnum() and a[1:2] not in ("*", "+", "?", "{") and not _top_level_bar(a)
               for f, a in zip(firsts, alternatives, strict=True)) \
            or len({f.casefold() for f in firsts}) != len(set(firsts)):
        return plain
    groups: dict[str, list[str]] = {}
    for a in alternatives:
        groups.setdefault(a[0], []).append(a[1:])
    out = []
    for first, rests in groups.items():
        guard = _GUARD.match(rests[0])   # the same lookbehind after the first character (`not_after`): once
        if guard and len(rests) > 1 and all(r.startswith(guard.group()) for r in rests):
            first, rests = first + guard.group(), [r[guard.end():] for r in rests]
        out.append(first + (rests[0] if len(rests) == 1 else "(?:" + "|".join(rests) + ")"))
    return "(?:" + "|".join(out) + ")"


_GUARD = re.compile(r"\(\?<!(?:[^()\\]|\\.)*\)")   # a lookbehind holding no group


def _top_level_bar(regex: str) -> bool:
    """Whether the regex has a ``|`` outside every group (and outside character classes)."""
    depth, i, n = 0, 0, len(regex)
    while i < n:
        c = regex[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":   # a class: up to its closing bracket (one right after "[" or "[^" is a member)
            i += 2 if regex.startswith("[^", i) else 1
            i += 1 if regex[i:i + 1] == "]" else 0
            while i < n and regex[i] != "]":
                i += 2 if regex[i] == "\\" else 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            return True
        i += 1
    return False


def not_after(alternatives: list[str], chars: str) -> list[str]:
    """Each alternative asking that no character of the class `chars` stand right before it (what
    ``(?<!chars)`` before the alternation asks), written after its first character so that `one_of`
    can still group the alternatives; ``not_after(alts, r"\\w")`` is ``\\b`` before alternatives that
    open with a letter or digit (one that does not keeps ``(?<!chars)`` in front)."""
    return [f"{a[0]}(?<!{chars}.){a[1:]}" if a[:1].isalnum() else f"(?<!{chars}){a}" for a in alternatives]


def word_start(alternatives: list[str]) -> list[str]:
    """The alternatives with ``\\b`` before each, written as `not_after` writes it where they open with a
    letter or digit (before one that does not, ``\\b`` asks for a word character instead).  For patterns
    compiled without re.ASCII, where a letter or digit is a word character."""
    return [f"{a[0]}(?<!\\w.){a[1:]}" if a[:1].isalnum() else rf"\b{a}" for a in alternatives]


def occurs_any(phrases: tuple[tuple[str, ...], ...], text: str) -> bool:
    """Whether every piece of one of the phrases occurs in `text` (plain loops: this runs per clause)."""
    for phrase in phrases:
        for piece in phrase:
            if piece not in text:
                break
        else:
            return True
    return False


def _tokens(folded: str) -> list[str]:
    """A folded phrase cut into words, runs of spaces and the punctuation `phrase_regex` loosens."""
    return [t for t in re.split(r"(\s+|[,;:&/-])", folded) if t]


def phrase_regex(folded: str) -> str:
    """A folded phrase as a regex: spaces match any whitespace, punctuation tolerates spaces around it."""
    out = []
    for token in _tokens(folded):
        if token.isspace():
            out.append(r"\s+")
        elif token in ",;:&/-":
            out.append(r"\s*" + re.escape(token) + r"\s*")
        else:
            out.append(re.escape(token))
    return "".join(out)


def _squash(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    raw = load_toml("cues.toml")
    entries = []
    counts: dict[str, int] = {}
    for item in raw["cue"]:
        cat, value = item["category"], item.get("value")
        n = counts.get(cat, 0) + 1
        counts[cat] = n
        entries.append(CueEntry(id=f"{cat}:{value or ''}#{n}", category=cat, value=value,
                                words=tuple(item["words"]), example=item["example"], edge=item.get("edge", False),
                                alone=item.get("alone", False)))
    return Lexicon(entries)
