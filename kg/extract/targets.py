"""Targets: one per number (value, range, unit, comparator, deadline, baseline, scope).

A number is a target when it is forward-looking: inside a targets section ("Mục
tiêu", "Chỉ tiêu"), or in a sentence with a forward cue ("phấn đấu", "đến năm
2025", "mục tiêu", "yêu cầu") and no past cue ("đã", "đạt được", "đến nay").  Achieved
results ("đạt 56,4%" in a results section) are not targets.  A dated clause with no
number in a targets section is a qualitative (level) target.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import Span, Target
from ..structure import Node
from ..text import fold_aligned, sentence_spans
from .areas import keyword_area
from .duties import table_cells
from .context import ANNUAL, CONTINUATION, FORWARD, PAST, NodeContext, clause_spans, deadline_years

_NUM = r"(\d{1,3}(?:[.,]\d{1,2})?)"
_PCT = r"(?:%|\s?phan tram\b)"
_PERCENT = re.compile(rf"(?<![\d.,/]){_NUM}\s*{_PCT}(?:\s*[-–]\s*{_NUM}\s*{_PCT})?")
_FROM_TO = re.compile(rf"\btu\s+{_NUM}\s*{_PCT}?\s+(?:den|toi)\s+{_NUM}\s*{_PCT}")
_RANGE_FIRST = re.compile(rf"(?<![\d.,/]){_NUM}\s*[-–]\s*{_NUM}\s*%")
_RANK = re.compile(
    r"(?:thu hang|xep hang|xep thu|dung thu|vi tri)\s+(?:(?:tu|trong|thuoc|vao)\s+)?(?:(?:nhom|top)\s+)?(?:cac\s+)?(\d{1,2})\b(?!\s*%)"
    r"|(?:trong|thuoc|vao)\s+(?:nhom|top)\s+(\d{1,2})\s+(?:cac\s+)?(?:tinh|dia phuong|don vi)"
)
_POINTS = re.compile(rf"(?<![\d.,/]){_NUM}\s*diem\b")
_LEVEL_GROUP = re.compile(r"\bnam trong nhom\b|\bduy tri trong nhom\b|\bthuoc nhom\b(?!\s+\d)")
_SKIP_LEVEL = re.compile(r"^(?:trong do|nhu|tao|gop phan|nham|dam bao|bao dam|de |voi |theo |can cu|chu trong|uu tien)")
_LEVEL_VERB = re.compile(r"\b(?:hoan thanh|hoan thien|duoc|xay dung duoc|nam trong|duy tri|hinh thanh|trien khai|"
                         r"phan dinh|sap xep|giam|ket noi|dat|co ban|tiep tuc|ra soat)\b")
_BASELINE = re.compile(r"so voi (?:nam\s+(20\d\d)|giai doan\s+(20\d\d)\s*[-–]\s*(20\d\d))|tinh den (?:het )?ngay \d{1,2}/\d{1,2}/(20\d\d)")
_SCOPE = re.compile(r"\bcap (tinh|huyen|xa|so|phong)\b|\btai (tinh)\b|\b(xa), phuong, thi tran\b")


@dataclass
class _Number:
    start: int
    end: int
    value: float
    value_max: float | None
    unit: str


def read_targets(text: str, folded: str, node: Node, ctx: NodeContext, doc_id: str, counter: list[int],
                 carry: dict) -> list[Target]:
    """Targets stated in one paragraph (its own text, not its children's).

    `folded` is `fold_aligned(text)`; `carry` passes the paragraph context on to a
    following "Cùng với đó, ..." paragraph.
    """
    if ctx.section in ("results", "views", "recipients"):
        return []
    cells = table_cells(text, node.start, node.end)
    if len(cells) >= 3:
        return _table_targets(text, folded, cells, ctx, doc_id, counter, carry)
    carry.pop("table", None)
    start, end = node.body_start, node.end
    if end <= start:
        return []
    in_targets = ctx.section == "targets"
    par_fold = folded[start:end]
    ctx.text_area = keyword_area(text[start:end]) if ctx.area is None else None
    if CONTINUATION.match(par_fold) and carry.get("prev_forward") is not None:
        par_forward, par_year = carry["prev_forward"], carry.get("prev_year")
    else:
        par_forward, par_year = bool(FORWARD.search(par_fold)), None
    clauses = clause_spans(text, folded, start, end)
    if not clauses:
        return []
    first_clause = folded[clauses[0][0]:clauses[0][1]]
    first_years = deadline_years(first_clause)
    lead_year = first_years[0][1] if first_years else par_year
    # A period ("giai đoạn 2021 - 2030") dates numbers, but does not make a qualitative target.
    level_year = next((y for p, y in first_years if not first_clause.startswith("giai doan", p)), None) \
        if first_years else par_year
    carry["prev_forward"], carry["prev_year"] = par_forward, lead_year
    out: list[Target] = []
    sentences = sentence_spans(text, start, end)
    past_sentences = [] if in_targets else [(s, e) for s, e in sentences if PAST.search(folded[s:e])]
    # "Trong đó, chú trọng ..." elaborates what came before: it states no target of its own.
    elaborations = [(s, e) for s, e in sentences if folded.startswith(("trong do, chu trong", "trong do chu trong"), s)]
    found = {(cs, ce): _numbers(folded[cs:ce], cs) for cs, ce in clauses}
    numeric = [span for span, numbers in found.items() if numbers]
    for cs, ce in clauses:
        cf = folded[cs:ce]
        numbers = found[(cs, ce)]
        past = any(s <= cs < e for s, e in past_sentences)
        forward = in_targets or par_forward
        if numbers:
            if past or not forward:
                continue
            out.extend(_numeric_targets(text, cf, cs, ce, numbers, ctx, lead_year, doc_id, counter))
        elif (in_targets or (forward and level_year)) and not past:
            if any(s <= cs < e for s, e in elaborations) or _sets_up_a_dated_number(folded, cs, ce, numeric, sentences):
                continue
            t = _level_target(text, cf, cs, ce, ctx, level_year, in_targets, doc_id, counter)
            if t is not None:
                out.append(t)
    return out


def _sets_up_a_dated_number(folded: str, cs: int, ce: int, numeric, sentences) -> bool:
    """'Triển khai X ...; đến cuối năm 2025, phấn đấu 100% ...': the dated number is the target."""
    sent = next(((s, e) for s, e in sentences if s <= cs < e), None)
    if sent is None:
        return False
    return any(sent[0] <= ns < sent[1] and ns > cs and deadline_years(folded[ns:ne]) for ns, ne in numeric)


def _table_targets(text, folded, cells, ctx, doc_id, counter, carry) -> list[Target]:
    """Rows of a targets table: "Chỉ tiêu | Đơn vị tính | Năm 2025 | Năm 2030"."""
    keys = [folded[s:e].strip() for s, e in cells]
    years = {i: int(m.group(1)) for i, k in enumerate(keys) if (m := re.search(r"\b(20\d\d)\b", k)) and len(k) < 30}
    if years and any(re.search(r"chi tieu|noi dung|muc tieu", k) for k in keys):
        metric_col = next(i for i, k in enumerate(keys) if re.search(r"chi tieu|noi dung|muc tieu", k))
        unit_col = next((i for i, k in enumerate(keys) if re.search(r"\bdon vi\b|\bdvt\b", k)), None)
        carry["table"] = (metric_col, unit_col, years)
        return []
    if "table" not in carry:
        return []
    metric_col, unit_col, years = carry["table"]
    if metric_col >= len(cells) or re.fullmatch(r"[\s:|-]*", "".join(keys)):
        return []
    ms, me = cells[metric_col]
    metric = re.sub(r"\s+", " ", text[ms:me]).strip()
    unit_text = keys[unit_col] if unit_col is not None and unit_col < len(cells) else ""
    area = ctx.area or keyword_area(metric) or ctx.text_area or "khac"
    out = []
    for col, year in years.items():
        if col >= len(cells):
            continue
        cs, ce = cells[col]
        m = re.search(rf"{_NUM}\s*(%?)", keys[col])
        if not m or len(metric) < 5:
            continue
        unit = "%" if m.group(2) or "%" in unit_text else ("rank" if "hang" in unit_text else "count")
        cmp = _comparator(keys[col][:m.start()], keys[col][m.end():], unit) or ("<=" if unit == "rank" else "=")
        counter[0] += 1
        qs, qe = cells[0][0], cells[-1][1]
        out.append(Target(id=f"{doc_id}-t{counter[0]}", area=area, year=year, value=_value(m.group(1)), value_max=None,
                          unit=unit, comparator=cmp, baseline=None, scope=None, metric=metric[:200],
                          span=Span(qs, qe, text[qs:qe])))
    return out


def _numbers(cf: str, cs: int) -> list[_Number]:
    found: list[_Number] = []
    for m in _PERCENT.finditer(cf):
        lo = _value(m.group(1))
        hi = _value(m.group(2)) if m.group(2) else None
        found.append(_Number(cs + m.start(), cs + m.end(), lo, hi, "%"))
    for m in _FROM_TO.finditer(cf):  # "từ 25% đến 35%": one target, a range
        lo, hi = cs + m.start(1), cs + m.end()
        found = [n for n in found if not (lo <= n.start < hi)]
        found.append(_Number(lo, hi, _value(m.group(1)), _value(m.group(2)), "%"))
    for m in _RANGE_FIRST.finditer(cf):
        if any(n.start <= cs + m.start() < n.end for n in found):
            continue
        found = [n for n in found if not (cs + m.start() <= n.start < cs + m.end())]
        found.append(_Number(cs + m.start(), cs + m.end(), _value(m.group(1)), _value(m.group(2)), "%"))
    for m in _POINTS.finditer(cf):
        found.append(_Number(cs + m.start(1), cs + m.end(), _value(m.group(1)), None, "count"))
    for m in _RANK.finditer(cf):
        g = 1 if m.group(1) else 2
        found.append(_Number(cs + m.start(g), cs + m.end(g), float(m.group(g)), None, "rank"))
    found.sort(key=lambda n: n.start)
    return found


def _value(raw: str) -> float:
    return float(raw.replace(",", "."))


def _numeric_targets(text, cf, cs, ce, numbers, ctx, lead_year, doc_id, counter) -> list[Target]:
    out = []
    years = deadline_years(cf)
    baseline = _baseline(cf)
    respective = "tuong ung" in cf
    levels = [m for m in _SCOPE.finditer(cf)]
    prev_cmp: str | None = None
    prev_end = cs
    area = ctx.area or keyword_area(text[cs:ce]) or ctx.text_area or "khac"
    for i, n in enumerate(numbers):
        window = cf[prev_end - cs:n.start - cs]
        after = cf[n.end - cs:(numbers[i + 1].start if i + 1 < len(numbers) else ce) - cs]
        cmp = _comparator(window, after, n.unit)
        if cmp is None:
            gap = window.strip(" ,;")
            if prev_cmp and (not gap or (re.fullmatch(r"(?:va\s+)?[^%]{0,80}", gap) and " va " in f" {gap} "
                                          and prev_cmp in ("reduce_by", "increase_by"))):
                cmp = prev_cmp
            elif prev_cmp and respective and not gap.replace("va", "").strip():
                cmp = prev_cmp
            else:
                cmp = "<=" if n.unit == "rank" else "="
        if n.value_max is not None:
            cmp = "="
        prev_cmp = cmp
        year = _year_for(n.start - cs, cf, years, lead_year, ctx)
        scope = _scope(cf, cs, n, numbers, i, ce, levels, respective)
        q_start = prev_end if i else cs
        q_end = numbers[i + 1].start if i + 1 < len(numbers) else ce
        q_start, q_end = _trim(text, q_start, q_end)
        metric = _metric(text, cs, ce, n, numbers, i)
        counter[0] += 1
        out.append(Target(id=f"{doc_id}-t{counter[0]}", area=area, year=year, value=n.value,
                          value_max=n.value_max, unit=n.unit, comparator=cmp,
                          baseline=baseline if cmp in ("reduce_by", "increase_by", ">=", "=") else None,
                          scope=scope, metric=metric, span=Span(q_start, q_end, text[q_start:q_end])))
        prev_end = n.end
    return out


_SYMBOLS = {"≥": ">=", ">=": ">=", "≤": "<=", "<=": "<=", ">": ">", "<": "<"}


def _comparator(window: str, after: str, unit: str) -> str | None:
    w = window[-60:]
    a = after[:25]
    sym = re.search(r"(≥|≤|>=|<=|>|<)\s*$", w)
    if sym:
        return _SYMBOLS[sym.group(1)]
    if unit == "rank":
        if re.search(r"tro xuong", a):
            return ">="
        return "<="
    m = re.search(r"\b(?:cat )?giam\b([^,;]*)$", w)
    if m and not re.search(r"\bgiam (?:sat|doc|thieu)", w[m.start():]):
        return "reduce_by"
    m = re.search(r"\btang\b(?! cuong)([^,;]*)$", w)
    if m:
        return "increase_by"
    if re.search(r"\b(?:toi thieu|it nhat|khong duoi|khong thap hon)\b[^,;]{0,40}$", w) or re.search(r"^\s*tro len", a):
        return ">="
    if re.search(r"\b(?:tren|hon)\s*$", w):
        return ">"
    if re.search(r"\b(?:toi da|khong qua|khong vuot qua)\b[^,;]{0,30}$", w) or re.search(r"^\s*tro xuong", a):
        return "<="
    if re.search(r"\bduoi\s*$", w):
        return "<"
    return None


def _year_for(pos: int, cf: str, years, lead_year, ctx: NodeContext) -> int | None:
    before = [y for p, y in years if p < pos]
    if before:
        return before[-1]
    if years:
        return years[0][1]
    if ANNUAL.search(cf[:pos]):
        return None
    if lead_year:
        return lead_year
    return ctx.block_year


def _baseline(cf: str) -> str | None:
    m = _BASELINE.search(cf)
    if not m:
        return None
    if m.group(1):
        return m.group(1)
    if m.group(2):
        return f"{m.group(2)}-{m.group(3)}"
    return m.group(4)


def _scope(cf, cs, n, numbers, i, ce, levels, respective) -> str | None:
    names = {"tinh": "cấp tỉnh", "huyen": "cấp huyện", "xa": "cấp xã"}
    if respective:
        before = [m for m in levels if cs + m.start() < numbers[0].start]
        if len(before) == len(numbers):
            key = next(g for g in before[i].groups() if g)
            return names.get(key)
    seg_end = numbers[i + 1].start if i + 1 < len(numbers) else ce
    found = {next(g for g in m.groups() if g) for m in levels if n.end <= cs + m.start() < seg_end}
    if not found:  # "tỷ lệ hồ sơ ... của UBND cấp huyện đạt 100%": the level is named before the number
        seg_start = numbers[i - 1].end if i else cs
        found = {next(g for g in m.groups() if g) for m in levels if seg_start <= cs + m.start() < n.start}
    if len(found) == 1:
        return names.get(found.pop())
    return None


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s] in " \t\n\r,;:.-+*(":
        s += 1
    folded = fold_aligned(text[s:s + 4])
    if folded.startswith("va "):
        s += 3
    while e > s and text[e - 1] in " \t\n\r,;:(":
        e -= 1
    return s, e


def _metric(text: str, cs: int, ce: int, n: _Number, numbers, i) -> str:
    before = text[(numbers[i - 1].end if i else cs):n.start]
    after = text[n.end:(numbers[i + 1].start if i + 1 < len(numbers) else ce)]
    fb = fold_aligned(before)
    m = re.search(r"\s(?:dat|vuon len|len|la|xep hang|dung|xep)(?:\s+(?:ty le|muc|toi thieu|it nhat|tu|tren|khoang|"
                  r"thu hang|thu|trong|nhom|top|vi tri))*\s*$", fb)
    if m and len(before[:m.start()].strip()) > 12:
        phrase = before[:m.start()]
    else:
        phrase = after
    phrase = re.sub(r"^\W+|\W+$", "", phrase.replace("\n", " "))
    phrase = re.sub(r"^(?:trở lên|trở xuống)\s*", "", phrase)
    phrase = re.sub(r"\s+", " ", phrase)
    return phrase[:200]


def _level_target(text, cf, cs, ce, ctx, lead_year, in_targets, doc_id, counter) -> Target | None:
    words = cf.split()
    if len(words) < 4 or _SKIP_LEVEL.match(cf.strip()):
        return None
    years = [(p, y) for p, y in deadline_years(cf) if not cf.startswith("giai doan", p)]
    if not years and re.search(r"\bgiai doan\s+20\d\d", cf):
        return None
    year = years[-1][1] if years else (None if ANNUAL.search(cf) else (lead_year or ctx.block_year))
    if year is None:
        return None
    body = re.sub(r"^\s*(?:[-+*]\s*)?(?:trong do,\s*)?(?:(?:den|toi)\s+(?:het\s+|cuoi\s+)?nam\s+20\d\d\s*[,:]?\s*)", "", cf)
    if len(body.split()) < 4 or not _LEVEL_VERB.search(body):
        return None
    if re.match(r"\s*(?:phan dau|ty le|muc do)\b", body) and not in_targets:
        return None
    s, e = _trim(text, cs, ce)
    cmp = "reduce_by" if re.match(r"\s*(?:tiep tuc\s+)?giam\b", body) else "="
    metric_start = cs + (len(cf) - len(body))
    metric = re.sub(r"\s+", " ", text[metric_start:ce]).strip(" ,.;:")[:200]
    counter[0] += 1
    area = ctx.area or keyword_area(text[cs:ce]) or ctx.text_area or "khac"
    return Target(id=f"{doc_id}-t{counter[0]}", area=area, year=year, value=None, value_max=None, unit="level",
                  comparator=cmp, baseline=None, scope=None, metric=metric, span=Span(s, e, text[s:e]))
