"""Agency gazetteer and mention finder.

The gazetteer (`data/agencies.toml`) is data: canonical names, English labels, types,
abbreviations and 2025 renamings.  `find_mentions` finds every gazetteer body in a
text span (longest alias first, case, diacritics and tone placement ignored,
parenthesised abbreviations such as "(UBND)" skipped), and also bodies the gazetteer
lacks but the naming patterns recognise ("Sở ...", "Báo ...", "Bộ ...") — those are
kept and flagged `known=False`, never dropped.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from .text import fold, fold_aligned


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


@dataclass(frozen=True)
class Mention:
    agency: AgencyEntry
    start: int
    end: int
    surface: str


@lru_cache(maxsize=1)
def gazetteer() -> dict[str, AgencyEntry]:
    raw = tomllib.loads(files("kg").joinpath("data/agencies.toml").read_text(encoding="utf-8"))
    out = {}
    for a in raw["agency"]:
        out[a["id"]] = AgencyEntry(a["id"], a["vi"], a["en"], a["type"], tuple(a.get("aliases", ())),
                                   a.get("renamed_to"), True, tuple(a.get("portfolio", ())))
    return out


def _alias_regex(alias: str) -> str:
    key = fold(alias)
    out = []
    for token in re.split(r"(\s+|,|-|&)", key):
        if not token:
            continue
        if token.isspace():
            out.append(r"\s+(?:\([^)\n]{1,15}\)\s+)?")
        elif token == ",":
            out.append(r"\s*,\s*")
        elif token == "-":
            out.append(r"\s*[-–]\s*")
        elif token == "&":
            out.append(r"\s*&\s*")
        else:
            out.append(re.escape(token))
    return "".join(out)


@lru_cache(maxsize=1)
def _matcher() -> tuple[re.Pattern[str], list[AgencyEntry], re.Pattern[str]]:
    pairs: list[tuple[str, AgencyEntry]] = []
    for entry in gazetteer().values():
        for name in (entry.vi, *entry.aliases):
            pairs.append((name, entry))
    pairs.sort(key=lambda p: len(fold(p[0])), reverse=True)
    groups = []
    for i, (name, _) in enumerate(pairs):
        groups.append(f"(?P<a{i}>{_alias_regex(name)})")
    pattern = re.compile(r"(?<![a-z0-9&])(?:" + "|".join(groups) + r")(?![a-z0-9&])")
    firsts = sorted({re.split(r"[\s,&-]+", fold(name))[0] for name, _ in pairs}, key=len, reverse=True)
    first = re.compile(r"(?<![a-z0-9&])(?:" + "|".join(re.escape(w) for w in firsts) + r")(?![a-z0-9])")
    return pattern, [e for _, e in pairs], first


_UNKNOWN = re.compile(
    r"\b(?P<head>Sở|Báo|Bộ|Đài)\s+(?P<name>[^\W\d_]+(?:(?:\s+(?:và|-|–)\s+|,\s+|\s+)[^\W\d_]+){0,5})"
)
_HEAD = re.compile(r"\b(?:Sở|Báo|Bộ|Đài)\s")
_STOP_AFTER_NAME = {
    "chủ", "phối", "theo", "tham", "triển", "thực", "xây", "tổ", "hướng", "lập", "có", "chịu", "tỉnh", "là",
    "và", "các", "để", "trong", "về", "tại", "với", "cho", "thẩm", "đôn", "kiểm", "giám", "tổng", "nghiên",
    "rà", "ban", "trình", "đề", "thường", "định", "đẩy", "tăng", "bố", "phát", "quản", "gửi", "báo", "chỉ",
    "đã", "đang", "sẽ", "được", "phải", "cần", "thành", "huyện", "xã", "của", "từ", "nhằm", "khi", "đối",
}


def find_mentions(text: str, start: int = 0, end: int | None = None) -> list[Mention]:
    """Every agency named in text[start:end], in order, without overlaps."""
    end = len(text) if end is None else end
    folded = fold_aligned(text[start:end])
    pattern, entries, first = _matcher()
    found: list[Mention] = []
    pos = 0
    for cand in first.finditer(folded):
        if cand.start() < pos:
            continue
        m = pattern.match(folded, cand.start())
        if m is None:
            continue
        entry = entries[int(m.lastgroup[1:])]
        s, e = start + m.start(), start + m.end()
        found.append(Mention(entry, s, e, text[s:e]))
        pos = m.end()
    taken = [(m.start, m.end) for m in found]
    for head in _HEAD.finditer(text, start, end):
        m = _UNKNOWN.match(text, head.start(), end)
        if m is None:
            continue
        s = m.start()
        if any(a <= s < b for a, b in taken):
            continue
        words = re.findall(r"[^\W\d_]+|[-–,&]", m.group("name"))
        name_words: list[str] = []
        for w in words:
            if w.lower() in _STOP_AFTER_NAME and name_words and w.lower() != "và":
                break
            if w.lower() == "và" and name_words and not _next_capital(words, len(name_words)):
                break
            name_words.append(w)
        while name_words and name_words[-1] in ("-", "–", ",", "và"):
            name_words.pop()
        if not name_words or not name_words[0][0].isupper():
            continue
        surface_end = _locate_end(text, m.start("name"), name_words)
        for a, b in taken:
            if s < a < surface_end:
                surface_end = a
        while surface_end > s and text[surface_end - 1] in " ,-–":
            surface_end -= 1
        if " " not in text[s:surface_end].strip():
            continue
        name = text[s:surface_end]
        entry = AgencyEntry(id="x-" + re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-"), vi=_clean(name), en="",
                            type=_UNKNOWN_TYPES[m.group("head")], known=False)
        found.append(Mention(entry, s, surface_end, name))
    found.sort(key=lambda m: m.start)
    return found


_UNKNOWN_TYPES = {"Sở": "Department", "Báo": "Media", "Đài": "Media", "Bộ": "Ministry"}


def _next_capital(words: list[str], i: int) -> bool:
    return i + 1 < len(words) and words[i + 1][:1].isupper()


def _locate_end(text: str, pos: int, words: list[str]) -> int:
    for w in words:
        pos = text.find(w, pos) + len(w)
    return pos


def _clean(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip(" ,")


def by_id(agency_id: str) -> AgencyEntry | None:
    return gazetteer().get(agency_id)
