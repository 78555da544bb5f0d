"""Duty verbs and the role each implies (lead, coordinate, monitor, implement).

Roles follow the gold schema: chủ trì / lãnh đạo / chỉ đạo / là cơ quan thường trực →
lead; phối hợp → coordinate (unless the body coordinates *in* monitoring: "phối hợp
với ... theo dõi, kiểm tra" → monitor); theo dõi / đôn đốc / kiểm tra / giám sát /
tổng hợp / thẩm định in the leading verbs → monitor; any other duty verb → implement.
The verbs, the modifiers that may stand between a subject and its verb ("có trách nhiệm",
"chủ động") and the words after which there is no duty ("đã", "được", "yêu cầu") are cues
of the lexicon (`role`, `light_verb`, `duty_modifier`, `non_duty`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..lexicon import lexicon


@dataclass(frozen=True)
class Verbs:
    verb: re.Pattern[str]
    modifier: re.Pattern[str]
    lead_head: re.Pattern[str]
    role: dict[str, str]                 # folded verb → role
    light: frozenset[str]
    non_duty: tuple[str, ...]
    monitor_or_implement_after_coordinate: re.Pattern[str]
    lead_phrase: re.Pattern[str]


@lru_cache(maxsize=1)
def verbs() -> Verbs:
    lex = lexicon()
    role: dict[str, str] = {}
    for value in ("implement", "monitor", "coordinate", "lead"):   # later roles win a shared word
        for w in lex.words("role", value):
            role[w] = value
    verb = re.compile(lex.alternation("role") + r"\b")
    modifier = re.compile(lex.alternation("duty_modifier") + r"\b[\s,]*")
    lead_head = re.compile(r"(?:" + lex.alternation("role", "lead") + r")\b")
    monitor = lex.alternation("role", "monitor")
    implement = "|".join(re.escape(w) for w in lex.words("role", "implement") if len(w) > 4)
    after = re.compile(rf"phoi hop(?: voi)?(.{{0,160}}?)\b({monitor}|{implement})\b")
    return Verbs(verb, modifier, lead_head, role, frozenset(lex.words("light_verb")),
                 tuple(w if " " in w else w + " " for w in lex.words("non_duty")), after,
                 re.compile(lex.alternation("lead_phrase")))


_WHEN = re.compile(r"(?:trong |den |truoc |tu )?(?:het |cuoi )?(?:nam|quy [ivx1-4]+(?:/| nam )?)\s*20\d\d\s*,\s*")
_BASED_ON = re.compile(r"can cu [^,;.]{0,80}?(?=\b(?:xay dung|trien khai|thuc hien|to chuc|ban hanh|lap|de xuat)\b)")


def skip_modifiers(folded: str, pos: int, end: int) -> int:
    """Skip what stands between a subject and its verb ("có trách nhiệm chủ động", "năm 2025, ")."""
    v = verbs()
    while pos < end:
        while pos < end and folded[pos] in " ,":
            pos += 1
        m = _BASED_ON.match(folded, pos, end) or _WHEN.match(folded, pos, end) or v.modifier.match(folded, pos, end)
        if not m:
            break
        word = folded[pos:m.end()].strip(" ,")
        if word in v.role and not v.verb.match(folded, m.end(), end) and not v.modifier.match(folded, m.end(), end):
            break   # "tăng cường", "tiếp tục" are verbs themselves when nothing verb-like follows
        pos = m.end()
    return pos


def verb_cluster(folded: str, pos: int, end: int) -> list[str]:
    """Leading verbs from pos: 'hướng dẫn, theo dõi, đôn đốc, kiểm tra' → four verbs."""
    pos = skip_modifiers(folded, pos, end)
    found = []
    v = verbs()
    while pos < end:
        m = v.verb.match(folded, pos, end)
        if not m:
            break
        found.append(m.group())
        pos = m.end()
        nxt = re.match(r"\s*(?:,|\bva\b|\bhoac\b)\s*", folded[pos:end])
        if not nxt:
            break
        pos += nxt.end()
    return found


def starts_with_verb(folded: str, pos: int, end: int) -> bool:
    return bool(verb_cluster(folded, pos, end)) or bool(verbs().lead_head.match(folded, _skip_space(folded, pos), end))


def is_non_duty(folded: str, pos: int, end: int) -> bool:
    pos = skip_modifiers(folded, pos, end) if not folded.startswith("da ", pos) else pos
    return any(folded.startswith(w, pos) for w in verbs().non_duty) and not folded.startswith(
        ("la co quan", "co trach nhiem", "la dau moi", "la luc luong"), pos)


def role_of(folded: str, pos: int, end: int) -> str:
    """Role implied by the duty text folded[pos:end] (which starts after the agency)."""
    v = verbs()
    head = folded[_skip_space(folded, pos):min(end, pos + 60)]
    if v.lead_head.match(head) or v.lead_phrase.search(folded, pos, min(end, pos + 80)):
        return "lead"
    start = skip_modifiers(folded, pos, end)
    if v.lead_head.match(folded, start, end):
        return "lead"
    found = verb_cluster(folded, start, end)
    if not found:
        return "implement"
    if found[0] in v.light:
        light = re.match(r"(?:to chuc|tien hanh)\s+", folded[start:end])
        nxt = verb_cluster(folded, start + light.end(), end) if light else []
        if nxt:
            found = nxt
    roles = [v.role.get(x, "implement") for x in found]
    if roles[0] == "lead" or "chu tri" in found:
        return "lead"
    if roles[0] == "coordinate":
        # "A phối hợp với B <verb> ...": A does the verb (B coordinates, read as an object)
        after = folded[start:end]
        m = v.monitor_or_implement_after_coordinate.match(after)
        if m and " voi " in f" {after[:22]} " and not re.search(r"\b(?:trong|de|viec|nham|khi)\s*$", m.group(1)):
            return v.role.get(m.group(2), "implement") if v.role.get(m.group(2)) != "coordinate" else "coordinate"
        return "coordinate"
    if "monitor" in roles:
        return "monitor"
    if found[0] in ("phat huy", "tang cuong") and re.match(r"(?:phat huy|tang cuong)(?: tot)? vai tro (?:giam sat|kiem tra)",
                                                          folded[start:end]):
        return "monitor"
    return "implement"


def _skip_space(folded: str, pos: int) -> int:
    while pos < len(folded) and folded[pos] in " ,":
        pos += 1
    return pos
