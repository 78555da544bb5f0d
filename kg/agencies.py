"""Agency gazetteer and mention finder.

The gazetteer (`data/agencies.toml`) is data: canonical names, English labels, types,
abbreviations and 2025 renamings.  `find_mentions` picks, from the document's one-sweep
annotation (`kg.annotate`), every gazetteer body in a text span (longest name first;
case, diacritics and tone placement ignored; "(UBND)" passed over), and also bodies the
gazetteer lacks but a head word names ("Sở ...", "Chi cục ...", "Ngân hàng Nhà nước ...",
`agency_head` cues) — those are kept and flagged `known=False`, never dropped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache, lru_cache

from .annotate import Annotation, annotate
from .lexicon import load_toml
from .text import fold


@dataclass(frozen=True)
class AgencyEntry:
    id: str
    vi: str
    en: str
    type: str
    aliases: tuple[str, ...] = ()
    renamed_to: str | None = None
    known: bool = True
    portfolio: tuple[str, ...] = ()
    numbered: bool = False     # a regional office: the region number after the name is part of it
    kind_of: str | None = None  # for a numbered office read from a text: the gazetteer entry it is one of
    national: bool = False      # a central body (level = "national")


@dataclass(frozen=True)
class Mention:
    agency: AgencyEntry
    start: int
    end: int
    surface: str


@lru_cache(maxsize=1)
def gazetteer() -> dict[str, AgencyEntry]:
    raw = load_toml("agencies.toml")
    out = {}
    for a in raw["agency"]:
        out[a["id"]] = AgencyEntry(a["id"], a["vi"], a["en"], a["type"], tuple(a.get("aliases", ())),
                                   a.get("renamed_to"), True, tuple(a.get("portfolio", ())), a.get("numbered", False),
                                   national=a.get("level") == "national")
    return out


def find_mentions(text: str, start: int = 0, end: int | None = None, ann: Annotation | None = None) -> list[Mention]:
    """Every agency named in text[start:end], in order, without overlaps (longest name first).

    `ann` is the document's annotation (`kg.annotate`) when the text is a whole document;
    without it the span is annotated on its own.  Bodies the gazetteer lacks are recognised
    by a head word and capitalised name words (`agency_head` cues) and kept, flagged unknown.
    """
    end = len(text) if end is None else end
    if ann is None:
        ann, offset = annotate(text[start:end]), start
        cues = [c for c in ann.all("agency")]
        heads = ann.all("agency_head")
    else:
        offset = 0
        cues = ann.within("agency", start, end)
        heads = ann.within("agency_head", start, end)
    g = gazetteer()
    found: list[Mention] = []
    pos = -1
    for c in cues:   # in order of start, longest first
        if c.start < pos or c.value is None:
            continue
        s, e = c.start + offset, c.end + offset
        if not _capitalised(text, s, e):
            continue   # "tiến bộ khoa học và công nghệ" is not "Bộ Khoa học và Công nghệ"
        entry = g[c.value]
        if entry.numbered and (region := _REGION_NUMBER.match(text, e, end)):
            # "Ngân hàng Nhà nước khu vực XII": the region's own office
            e = region.end()
            number = region.group(1).upper()
            entry = replace(entry, id=f"{entry.id}-{number.lower()}", vi=f"{entry.vi} {number}",
                            en=f"{entry.en} {number}" if entry.en else "", kind_of=entry.id, numbered=False)
        found.append(Mention(entry, s, e, text[s:e]))
        pos = e - offset
    taken = [(m.start, m.end) for m in found]
    for h in heads:
        s = h.start + offset
        surface = text[s:h.end + offset]
        if not surface[:1].isupper() or (surface.isupper() and len(surface) > 1) \
                or _tone_key(surface) not in _head_words() or any(a <= s < b for a, b in taken):
            continue   # a head word as written ("Sở", "Báo"): not "Sổ", "Bảo", nor inside a title ("BÁO CÁO")
        listed = _head_list(text, surface, h.end + offset, end, h.value or "Generic")
        if listed:   # "Giám đốc các Sở: Tư pháp, Nội vụ", "Các Cục: Di sản văn hóa, Bản quyền tác giả"
            found.extend(listed)
            taken.extend((m.start, m.end) for m in listed)
            continue
        surface_end = _unknown_name_end(text, h.end + offset, end, " " in text[s:h.end + offset])
        for a, _ in taken:
            if s < a < surface_end:
                surface_end = a
        while surface_end > s and text[surface_end - 1] in " ,-–":
            surface_end -= 1
        if surface_end < 0:
            continue
        name = text[s:surface_end]
        entry = AgencyEntry(id="x-" + re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-"), vi=_clean(name), en="",
                            type=h.value or "Generic", known=False)
        found.append(Mention(entry, s, surface_end, name))
        taken.append((s, surface_end))
    found.sort(key=lambda m: m.start)
    if ann is not None:
        found = _with_short_forms(text, ann, start, end, found)
    return found


@cache
def _folded_name(agency_id: str) -> str:
    return fold(gazetteer()[agency_id].vi)


_LIST_ITEM = re.compile(r"\s*([A-ZĐÀ-Ỹ][^,;:.()|\n]{1,60}?)\s*(?=,|;|\||\n|\.|$)")


def _named(head: str, name: str) -> AgencyEntry | None:
    """The gazetteer body named exactly "<head> <name>" ("Sở" + "Tư pháp"), if any."""
    full = f"{head} {name}"
    known = [c for c in annotate(full).all("agency") if c.start == 0 and c.end == len(full) and c.value]
    return gazetteer()[known[0].value] if known and known[0].value else None


def _head_list(text: str, head: str, pos: int, end: int, kind: str) -> list[Mention]:
    """Bodies listed after their shared head word and a colon: "các Sở: Tư pháp, Nội vụ" → Sở Tư pháp, Sở Nội vụ."""
    m = re.match(r"\s*:\s*", text[pos:end])
    if not m:
        return []
    at = pos + m.end()
    out: list[Mention] = []
    while at < end:
        item = _LIST_ITEM.match(text, at, end)
        if item is None:
            break
        name = item.group(1).strip()
        parts = [(item.start(1), name)]
        if _named(head, name) is None and " và " in name:   # "Nội vụ và Tài chính": two bodies, if both are known
            left, right = name.split(" và ", 1)
            if _named(head, left) and _named(head, right):
                parts = [(item.start(1), left), (item.start(1) + len(left) + 4, right)]
        for s, part in parts:
            full = f"{head} {part}"
            entry = _named(head, part) or AgencyEntry(id="x-" + re.sub(r"[^a-z0-9]+", "-", fold(full)).strip("-"),
                                                      vi=_clean(full), en="", type=kind, known=False)
            out.append(Mention(entry, s, s + len(part), part))
        at = item.end()
        sep = re.match(r"\s*,\s*", text[at:end])
        if not sep:
            break
        at += sep.end()
    return out


def _with_short_forms(text: str, ann: Annotation, start: int, end: int, found: list[Mention]) -> list[Mention]:
    """'Văn phòng' standing alone (capitalised, not part of a longer name) names the body last
    named in full with that head word ("Văn phòng UBND tỉnh ... thời gian tới Văn phòng sẽ ...")."""
    taken = [(m.start, m.end) for m in found]
    extra = []
    for c in ann.within("short_form", start, end):
        if not text[c.start:c.start + 1].isupper() or any(a <= c.start < b for a, b in taken):
            continue
        after = text[c.end:c.end + 3].lstrip()
        if not after or not after[0].islower():
            continue   # "các Sở: Khoa học ...", "Sở, ban": a list or a title, not a body named again
        if not _predicate_follows(text, c.end, end):
            continue   # "Trung tâm dữ liệu tỉnh": a name in lower case, not a body named again
        if ann.starting_at("agency", c.start) or (ann.starting_at("agency_head", c.start) and \
                _unknown_name_end(text, c.end, end, False) > 0):
            continue
        head = fold(text[c.start:c.end]) + " "
        named = ann.memo.get(("named", head))   # where, among the document's names, those with this head word are
        if named is None:
            named = ann.memo[("named", head)] = [i for i, m in enumerate(ann.all("agency")) if m.value is not None
                                                 and _folded_name(m.value).startswith(head)]
        last = next(ann.ending_by("agency", c.start, named), None)
        if last is not None and last.value is not None:
            extra.append(Mention(gazetteer()[last.value], c.start, c.end, text[c.start:c.end]))
    return sorted(found + extra, key=lambda m: m.start) if extra else found


def _predicate_follows(text: str, pos: int, end: int) -> bool:
    """Whether what follows a head word begins what is said of a body (a verb, "sẽ", "có trách nhiệm")."""
    from .extract.roles import skip_modifiers, starts_with_verb

    after = fold(text[pos:min(end, pos + 60)])
    word = _NAME_WORD.match(text, pos, end)
    if word and word.group(1).lower() in _name_stops():
        return True
    lead = len(after) - len(after.lstrip(" ,"))
    return starts_with_verb(after, 0, len(after)) or skip_modifiers(after, 0, len(after)) > lead


_DETERMINERS = ("cac ", "nhung ", "moi ", "toan ")
_BEFORE_LOWER_NAME = re.compile(r"(?:^|[,;:(\-–]|\b(?:va|voi|cua|cho|giao|de nghi|yeu cau|cung|hoac|tai|ve|gui|den|"
                                r"do|boi|la|thuoc|nhu|gom|trong|cac)\b)\s*$")


def _capitalised(text: str, s: int, e: int) -> bool:
    """A body's name: capitalised, or lower case where a list or a preposition puts a name
    ("..., ban cán sự đảng, đảng đoàn"), never the tail of a compound ("tiến bộ khoa học")."""
    if text[s:s + 1].isupper() or fold(text[s:min(e, s + 8)]).startswith(_DETERMINERS):
        return True
    return bool(_BEFORE_LOWER_NAME.search(fold(text[max(0, s - 14):s])))


_REGION_NUMBER = re.compile(r"\s+([IVXL]{1,6}|\d{1,2})\b")
_NAME_WORD = re.compile(r"\s+(?:(?:và|-|–|,)\s+)?([^\W\d_]+|[IVXL]+\b|\d{1,2}\b)")
_REGION = re.compile(r"\s+(?:khu vực|chi nhánh)\s+(?:[IVXL]+\b|\d{1,2}\b|[A-ZĐ][^\W\d_]*)", re.IGNORECASE)


def _unknown_name_end(text: str, pos: int, end: int, multiword_head: bool) -> int:
    """Where the name after a head word ends: capitalised words (and 'và X', 'khu vực V'), at most seven."""
    stops = _name_stops()
    out, n = pos, 0
    while n < 10:
        region = _REGION.match(text, out, end)
        if region:
            out, n = region.end(), n + 1
            break
        m = _NAME_WORD.match(text, out, end)
        if m is None:
            break
        word = m.group(1)
        joiner = text[out:m.start(1)].strip()
        if n == 0 and not word[:1].isupper():
            break
        if n and word.lower() in stops:
            break
        if joiner and not word[:1].isupper():
            break
        out, n = m.end(), n + 1
    if n == 0 and multiword_head:
        # a head of several words ("Kho bạc", "Ngân hàng Nhà nước") is a name by itself, unless lower-case
        # words that begin no predicate go on after it: a name we cannot bound ("Trung tâm dữ liệu ...")
        m = _NAME_WORD.match(text, pos, end)
        if m and m.group(1)[:1].islower() and m.group(1).lower() not in stops and not text[pos:m.start(1)].strip():
            return -1
        return pos
    return out if n else -1


@lru_cache(maxsize=4096)
def _tone_key(word: str) -> str:
    """Lower case, tone placement unified (Uỷ/Ủy), diacritics kept: "Sở" and "Sổ" differ."""
    import unicodedata

    return unicodedata.normalize("NFC", re.sub(r"\s+", " ", word.lower()))


@lru_cache(maxsize=1)
def _head_words() -> frozenset[str]:
    from .lexicon import lexicon

    return frozenset(_tone_key(w) for e in lexicon().of("agency_head") for w in e.words)


@lru_cache(maxsize=1)
def _name_stops() -> frozenset[str]:
    from .lexicon import lexicon

    return frozenset(w.lower() for e in lexicon().of("name_stop") for w in e.words)


def _clean(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip(" ,")


def by_id(agency_id: str) -> AgencyEntry | None:
    return gazetteer().get(agency_id)
