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
    edge: bool = False       # section words that count only at the start or end of a heading

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
        self._pieces: dict[str, tuple[tuple[str, ...], ...]] = {}

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
            words = self.words(category, value)
            if not words:
                raise KeyError(f"no cue words for {category}/{value}")
            self._alternations[k] = "(?:" + "|".join(phrase_regex(w) for w in words) + ")"
        return self._alternations[k]

    def could_occur(self, category: str, text: str) -> bool:
        """Whether `alternation(category)` can match in `text` at all: every word and punctuation mark
        of some phrase occurs in it (a test that costs less than the regex search it lets one skip)."""
        pieces = self._pieces.get(category)
        if pieces is None:
            pieces = self._pieces[category] = tuple(tuple(t for t in _tokens(w) if not t.isspace())
                                                    for w in self.words(category))
        return any(all(p in text for p in phrase) for phrase in pieces)

    def categories(self) -> list[str]:
        return list(self._by_category)


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
                                words=tuple(item["words"]), example=item["example"], edge=item.get("edge", False)))
    return Lexicon(entries)
