"""Numbers that can be targets: percentages, ranges, ranks, points and counts, with comparators.

The grammar of how number cues combine lives here; the words come from the lexicon
(`percent_word`, `points_word`, `rank_phrase`, `rank_group`, `rank_group_noun`,
`count_noun`, `not_count`, `comparator*`, `not_comparator`).  Everything works on
folded text (`fold_aligned`), so offsets are offsets in the document.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..lexicon import lexicon, occurs_any

NUM = r"(\d{1,3}(?:[.,]\d{1,2})?)"
# NUM not right after a digit, ".", "," or "/" (a number of its own, not the tail of one): the check sits
# after the first digit, so the regex engine skips ahead to digits instead of testing every position
ALONE = r"\d(?<![\d.,/]\d)"
NUM_ALONE = rf"({ALONE}\d{{0,2}}(?:[.,]\d{{1,2}})?)"


@dataclass
class Quantity:
    start: int
    end: int
    value: float
    value_max: float | None
    unit: str           # "%", "rank", "count"
    counted: bool = False   # a count of things ("61 thủ tục"), not a score in points or a cut in days


@dataclass(frozen=True)
class NumberGrammar:
    percent: re.Pattern[str]
    from_to: re.Pattern[str]
    range_first: re.Pattern[str]
    rank: re.Pattern[str]
    points: re.Pattern[str]
    count: re.Pattern[str]
    duration_cut: re.Pattern[str]
    symbol: re.Pattern[str]
    after_ge: re.Pattern[str]
    after_le: re.Pattern[str]
    words: tuple[tuple[str, re.Pattern[str]], ...]
    not_comparator: re.Pattern[str]
    # what a pattern cannot match without: all the pieces of one of these phrases (strings, or the words
    # of cue phrases: `Lexicon.pieces`), and then, if given, a match of the phrases themselves (only
    # where testing for them costs much less than the search)
    needs: dict[str, tuple[tuple[tuple[str, ...], ...], re.Pattern[str] | None]]

    def may(self, name: str, text: str) -> bool:
        """Whether the pattern `name` can match in `text` at all (a cheap test before its search)."""
        pieces, phrases = self.needs[name]
        return occurs_any(pieces, text) and (phrases is None or phrases.search(text) is not None)


@lru_cache(maxsize=1)
def grammar() -> NumberGrammar:
    lex = lexicon()
    pct = rf"(?:%|\s?{lex.alternation('percent_word')}\b)"
    group_noun = lex.alternation("rank_group_noun")
    rank = re.compile(
        rf"{lex.alternation('rank_phrase')}\s+(?:(?:tu|trong|thuoc|vao)\s+)?(?:{lex.alternation('rank_group')}\s+)?"
        r"(?:cac\s+)?(\d{1,2})\b(?!\s*%)"
        rf"|(?:trong|thuoc|vao|dung trong)\s+(?:{lex.alternation('rank_group')})\s+(\d{{1,3}})\s+(?:cac\s+)?{group_noun}"
        rf"|(?:,|;|^)\s*(?:{lex.alternation('rank_group')})\s+(\d{{1,3}})\s+(?:cac\s+)?{group_noun}"
        r"|(≤|<=)\s*(\d{1,3})\s+(?=[a-z]*\s*(?:dong nam a|the gioi|asean|chau a|khu vuc))"
    )
    symbols = "|".join(re.escape(w) for w in sorted((w for e in lex.of("comparator_symbol") for w in e.words),
                                                    key=len, reverse=True))
    words = []
    for value in (">=", ">", "<=", "<", "reduce_by", "increase_by"):
        if lex.of("comparator", value):
            words.append((value, re.compile(rf"\b{lex.alternation('comparator', value)}\b")))
    count = re.compile(
        rf"({ALONE}\d{{0,2}}(?:\.\d{{3}})?)(?:/\d{{1,3}})?(?:\s*[-–]\s*(\d{{1,3}}))?\s+"
        rf"(?:{lex.alternation('count_noun')})\b"
    )
    cut = lex.alternation("comparator", "reduce_by")
    duration_cut = re.compile(rf"\b{cut}(?:\s+(?:thoi gian|toi thieu|it nhat|duoc|con|xuong|tu))*\s+"
                              rf"(\d{{1,3}}(?:[.,]\d{{1,2}})?)\s+(?:{lex.alternation('duration_noun')})\b")
    return NumberGrammar(
        percent=re.compile(rf"{NUM_ALONE}\s*{pct}(?:\s*[-–]\s*{NUM}\s*{pct})?"),
        from_to=re.compile(rf"\btu\s+{NUM}\s*{pct}?\s+(?:den|toi)\s+{NUM}\s*{pct}"),
        range_first=re.compile(rf"{NUM_ALONE}\s*[-–]\s*{NUM}\s*%"),
        rank=rank,
        points=re.compile(rf"{NUM_ALONE}\s*{lex.alternation('points_word')}\b"),
        count=count,
        duration_cut=duration_cut,
        symbol=re.compile(rf"({symbols})\s*$"),
        after_ge=re.compile(rf"^\s*{lex.alternation('comparator_after', '>=')}"),
        after_le=re.compile(rf"^\s*{lex.alternation('comparator_after', '<=')}"),
        words=tuple(words),
        not_comparator=re.compile(rf"\b{lex.alternation('not_comparator')}\b"),
        needs={"percent": ((("%",), *lex.pieces("percent_word")), None),
               "from_to": ((("%",), *lex.pieces("percent_word")), None),
               "range_first": ((("%",),), None), "points": (lex.pieces("points_word"), None),
               # a rank phrase, a rank group ("nhóm", "top") or "≤"/"<=" before the number (their words are
               # common apart: "sử dụng", "thủ tục")
               "rank": ((*lex.pieces("rank_phrase"), *lex.pieces("rank_group"), ("≤",), ("<=",)),
                        re.compile("|".join([*lex.phrases("rank_phrase"), *lex.phrases("rank_group"), "≤", "<="]))),
               "duration_cut": (lex.pieces("comparator", "reduce_by"), None)},
    )


def value(raw: str) -> float:
    raw = raw.strip()
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", raw):
        return float(raw.replace(".", ""))
    return float(raw.replace(",", "."))


def quantities(folded: str, start: int, end: int, counts: bool = False) -> list[Quantity]:
    """Target-like numbers in folded[start:end] (absolute offsets), in order; counts only when asked."""
    cf = folded[start:end]
    if not _DIGIT.search(cf):
        return []   # every number pattern needs a digit: most clauses have none
    g = grammar()
    found: list[Quantity] = []
    percent = g.may("percent", cf)
    for m in g.percent.finditer(cf) if percent else ():
        hi = value(m.group(2)) if m.group(2) else None
        found.append(Quantity(start + m.start(), start + m.end(), value(m.group(1)), hi, "%"))
    for m in g.from_to.finditer(cf) if percent else ():   # "từ 25% đến 35%": one target, a range
        lo, hi = start + m.start(1), start + m.end()
        found = [n for n in found if not (lo <= n.start < hi)]
        found.append(Quantity(lo, hi, value(m.group(1)), value(m.group(2)), "%"))
    for m in g.range_first.finditer(cf) if g.may("range_first", cf) else ():
        if any(n.start <= start + m.start() < n.end for n in found):
            continue
        found = [n for n in found if not (start + m.start() <= n.start < start + m.end())]
        found.append(Quantity(start + m.start(), start + m.end(), value(m.group(1)), value(m.group(2)), "%"))
    for m in g.points.finditer(cf) if g.may("points", cf) else ():
        if not _taken(found, start + m.start(1)):
            found.append(Quantity(start + m.start(1), start + m.end(), value(m.group(1)), None, "count"))
    for m in g.rank.finditer(cf) if g.may("rank", cf) else ():
        k = next(i for i in (1, 2, 3, 5) if m.group(i))
        if not _taken(found, start + m.start(k)):
            found.append(Quantity(start + m.start(k), start + m.end(k), float(m.group(k)), None, "rank"))
    for m in g.duration_cut.finditer(cf) if g.may("duration_cut", cf) else ():   # "giảm 02 ngày", "rút ngắn 5 ngày làm việc"
        s = start + m.start(1)
        if not _taken(found, s):
            found.append(Quantity(s, start + m.end(), value(m.group(1)), None, "count"))
    if counts:
        for m in g.count.finditer(cf):
            s = start + m.start(1)
            if _taken(found, s) or _not_count(cf, m.start(1)):
                continue
            hi = value(m.group(2)) if m.group(2) else None
            found.append(Quantity(s, start + m.end(), value(m.group(1)), hi, "count", counted=True))
    found.sort(key=lambda n: n.start)
    return found


_DIGIT = re.compile(r"\d")


def _taken(found: list[Quantity], pos: int) -> bool:
    return any(n.start <= pos < n.end for n in found)


_NOT_COUNT_BEFORE = re.compile(r"(?:\bso|\bngay|\bthang|\bnam|\bdieu|\bkhoan|\bdiem|\bmuc|\bmau|\bphu luc|\bquy|"
                               r"\bbuoc|\bkhoa|\blan thu|\bthu|\bgiai doan|/|-|\bqd|\bnq|\bkh)\s*$")


def _not_count(cf: str, at: int) -> bool:
    """A number that names something (Điều 3, khoản 2, năm 2025, số 10) is not a count."""
    return bool(_NOT_COUNT_BEFORE.search(cf[max(0, at - 14):at]))


def comparator(window: str, after: str, unit: str) -> str | None:
    """The comparator a number carries: from a symbol or words just before it, or "trở lên" after it."""
    g = grammar()
    w = window[-60:]
    a = after[:25]
    sym = g.symbol.search(w)
    if sym:
        return {"≥": ">=", ">=": ">=", "≤": "<=", "<=": "<=", ">": ">", "<": "<"}[sym.group(1)]
    if unit == "rank":
        return ">=" if g.after_le.match(a) else "<="
    cleaned = g.not_comparator.sub(lambda m: " " * len(m.group()), w)
    for value_, pattern in g.words:
        if value_ in ("reduce_by", "increase_by"):
            m = _last(pattern, cleaned)
            if m and not re.search(r"[,;]", cleaned[m.end():]):
                return value_
    if g.after_ge.match(a):
        return ">="
    if g.after_le.match(a):
        return "<="
    for value_, pattern in g.words:
        if value_ in ("reduce_by", "increase_by"):
            continue
        m = _last(pattern, cleaned)
        if m is None:
            continue
        gap = cleaned[m.end():]
        near = 40 if value_ == ">=" else (30 if value_ == "<=" else 0)
        if (near and len(gap) <= near and not re.search(r"[,;]", gap)) or not gap.strip():
            if value_ == ">=" and cleaned[m.start():m.end()].strip() == "tu" and gap.strip():
                continue
            return value_
    return None


def _last(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    last = None
    for m in pattern.finditer(text):
        last = m
    return last
