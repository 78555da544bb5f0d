"""The indicator catalogue (kg/data/indicators.toml) and the rule that links a target to what it measures.

An indicator is something a target can be measured by: a target of the national CCHC programme
(Nghị quyết 76/NQ-CP), the PAR INDEX and its fields, SIPAS, PAPI, PCI, DTI, the Bộ chỉ số of
Quyết định 766/QĐ-TTg, the essential services of Đề án 06.  Each entry names the instrument that
defines it and, where confirmed, the national value for a year.

Linking (`measured_by`): a value stated in days or hours measures the catalogue's duration indicator
(rule ``indicator-duration``); otherwise it looks for the entry's phrases (its match phrases, aliases and name) in the
target's metric first (rule ``indicator-metric``) and, failing that, in the clause the target was
read from (rule ``indicator-clause``).  Both sides are compared as `search_words`: no case, no
diacritics, either tone placement, abbreviations expanded.  The longest phrase found wins, so a
component ("lĩnh vực cải cách thể chế") is preferred to its index ("chỉ số cải cách hành chính").
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import ahocorasick

from .abbreviations import search_key, search_words
from .lexicon import lexicon, load_toml
from .model import AREAS, COMPARATORS, SCOPE_SUFFIX, Measure, Result, Target
from .text import fold

UNITS = ("%", "rank", "points", "count", "level")
RULES = ("indicator-duration", "indicator-metric", "indicator-clause")


@dataclass(frozen=True)
class NationalValue:
    """A value the national instrument sets for a year ("tối thiểu 80% đến năm 2025")."""

    year: int
    value: float
    comparator: str
    scope: str | None = None     # "cấp huyện": set for one level of government; None: the province as a whole


@dataclass(frozen=True)
class Indicator:
    id: str
    vi: str
    en: str
    aliases: tuple[str, ...]
    unit: str
    area: str
    scheme: str
    broader: str | None
    source: str
    source_url: str | None
    national: tuple[NationalValue, ...]
    match: tuple[str, ...]
    example: str
    duration: bool = False       # measures a length of time: a target stated in days or hours measures it


class CatalogueError(ValueError):
    """indicators.toml is malformed: the message names the entry and the field."""


@lru_cache(maxsize=1)
def catalogue() -> dict[str, Indicator]:
    """All indicators by id, in file order."""
    out: dict[str, Indicator] = {}
    for raw in load_toml("indicators.toml").get("indicator", []):
        where = f"indicators.toml: entry {raw.get('id', '?')!r}"
        for key in ("id", "vi", "en", "unit", "area", "scheme", "source", "match", "example"):
            if not raw.get(key):
                raise CatalogueError(f"{where}: missing {key!r}")
        if raw["unit"] not in UNITS:
            raise CatalogueError(f"{where}: unit {raw['unit']!r} is not one of {', '.join(UNITS)}")
        if raw["area"] not in AREAS:
            raise CatalogueError(f"{where}: area {raw['area']!r} is not a reform area")
        if raw["id"] in out:
            raise CatalogueError(f"{where}: id used twice")
        national = []
        for n in raw.get("national", []):
            if n.get("comparator") not in COMPARATORS:
                raise CatalogueError(f"{where}: national comparator {n.get('comparator')!r} is unknown")
            if n.get("scope") is not None and n["scope"] not in SCOPE_SUFFIX:
                raise CatalogueError(f"{where}: national scope {n['scope']!r} is not one of {', '.join(SCOPE_SUFFIX)}")
            national.append(NationalValue(int(n["year"]), float(n["value"]), n["comparator"], n.get("scope")))
        out[raw["id"]] = Indicator(
            id=raw["id"], vi=raw["vi"], en=raw["en"], aliases=tuple(raw.get("aliases", ())), unit=raw["unit"],
            area=raw["area"], scheme=raw["scheme"], broader=raw.get("broader"), source=raw["source"],
            source_url=raw.get("source_url"), national=tuple(national), match=tuple(raw["match"]),
            example=raw["example"], duration=bool(raw.get("duration", False)))
    for ind in out.values():
        if ind.broader and ind.broader not in out:
            raise CatalogueError(f"indicators.toml: entry {ind.id!r}: broader {ind.broader!r} is not an entry")
    return out


GAP = "…"   # in a match phrase: any words between ("hài lòng … giải quyết thủ tục hành chính")


@lru_cache(maxsize=1)
def _phrases() -> tuple[tuple[tuple[str, ...], str], ...]:
    """(parts of a phrase, each folded with a space each side; indicator id), longest first."""
    pairs = set()
    for ind in catalogue().values():
        for phrase in (*ind.match, *ind.aliases, ind.vi):
            parts = tuple(search_key(p) for p in phrase.replace("...", GAP).split(GAP))
            if all(p.strip() for p in parts):
                pairs.add((parts, ind.id))
    return tuple(sorted(pairs, key=lambda p: (-_length(p[0]), p[1])))


@lru_cache(maxsize=1)
def _first_parts() -> ahocorasick.Automaton:
    """The first part of every phrase, found in one pass (a key holds few of them)."""
    automaton = ahocorasick.Automaton()
    for parts, _ in _phrases():
        automaton.add_word(parts[0], parts[0])
    automaton.make_automaton()
    return automaton


def _length(parts: tuple[str, ...]) -> int:
    return sum(len(p.strip()) for p in parts)


def _occurs(parts: tuple[str, ...], key: str) -> bool:
    """Every part occurs in `key`, in order, without overlapping."""
    at = 0
    for part in parts:
        found = key.find(part, at)
        if found < 0:
            return False
        at = found + len(part) - 1   # the next part may start at this part's closing space
    return True


def find_indicator(text: str) -> tuple[Indicator, str] | None:
    """The indicator `text` names, with the phrase found (folded, parts joined by "…").

    Among the entries whose phrases occur, an index gives way to its own component (a sentence on
    "nhóm chỉ số số hóa hồ sơ" of the Bộ chỉ số names the Bộ chỉ số too); then the longest phrase wins.
    """
    key = search_key(text)
    present = {part for _, part in _first_parts().iter(key)}   # the phrases' first parts found in the key
    found: dict[str, tuple[str, ...]] = {}
    for parts, ind in _phrases():
        if parts[0] in present and ind not in found and _occurs(parts, key):
            found[ind] = parts
    if not found:
        return None
    covered = {a for ind in found for a in _ancestors(ind)}
    best = max((ind for ind in found if ind not in covered), key=lambda ind: _length(found[ind]))
    return catalogue()[best], f" {GAP} ".join(p.strip() for p in found[best])


def _ancestors(ind: str) -> list[str]:
    out, cat = [], catalogue()
    broader = cat[ind].broader
    while broader and broader not in out:
        out.append(broader)
        broader = cat[broader].broader
    return out


@lru_cache(maxsize=1)
def _duration() -> re.Pattern[str]:
    """A value followed by a unit of time ("giảm 02 ngày", "rút ngắn 1,5 ngày làm việc")."""
    return re.compile(rf"(\d{{1,4}}(?:[.,]\d{{1,2}})?)\s+(?:{lexicon().alternation('duration_noun')})\b")


def _in_duration(target: Target | Result) -> bool:
    if target.value is None:
        return False
    return any(float(m.group(1).replace(",", ".")) == target.value
               for m in _duration().finditer(fold(target.span.quote)))


def measured_by(target: Target | Result) -> Measure | None:
    """What a target (or a reported result) measures, by the rule that linked it; None when nothing
    in the catalogue fits.

    A value stated in days or hours measures the catalogue's duration indicator (rule
    indicator-duration), whatever the words around it; otherwise the phrases decide."""
    if _in_duration(target):
        timed = [ind for ind in catalogue().values() if ind.duration]
        if timed:
            return Measure(target_id=target.id, indicator=timed[0].id, rule="indicator-duration",
                           phrase="(value in days)")
    for rule, text in (("indicator-metric", target.metric), ("indicator-clause", target.span.quote)):
        found = find_indicator(text)
        if found:
            return Measure(target_id=target.id, indicator=found[0].id, rule=rule, phrase=found[1])
    return None


def link_targets(targets: list[Target | Result]) -> list[Measure]:
    return [m for m in map(measured_by, targets) if m is not None]


def resolve(words: str) -> list[Indicator]:
    """Indicators named by `words`: an id, or words found in a name, alias or match phrase
    (best first: an exact id, then entries whose phrases contain every word, then any phrase the
    words contain)."""
    cat = catalogue()
    w = words.strip()
    if w in cat:
        return [cat[w]]
    wanted = search_words(w)
    if not wanted:
        return []
    key = search_key(w)
    scored: list[tuple[int, int, Indicator]] = []
    for order, ind in enumerate(cat.values()):
        names = [search_key(p) for p in (ind.vi, ind.en, *ind.aliases, *ind.match, ind.id.replace("-", " "))
                 if GAP not in p]
        if any(key == n for n in names):
            scored.append((0, order, ind))
        elif any(all(f" {x} " in n for x in wanted) for n in names):
            scored.append((1, order, ind))
        elif any(n in key for n in names if len(n.split()) >= 2):
            scored.append((2, order, ind))
    best = min((s[0] for s in scored), default=None)
    return [ind for rank, _, ind in scored if rank == best]
