"""Targets: one per number (value, range, unit, comparator, deadline, baseline, scope).

A number is a target when it is forward-looking: inside a targets section ("Mục
tiêu", "Chỉ tiêu"), or in a sentence with a forward cue ("phấn đấu", "đến năm
2025", "mục tiêu", "yêu cầu") and no past cue ("đã", "đạt được", "đến nay").  Achieved
results ("đạt 56,4%" in a results section) are not targets.  A dated clause with no
number in a targets section is a qualitative (level) target.  Counts ("61 thủ tục hành
chính", "ít nhất 20 tập dữ liệu") are targets in a goal's own words only.
"""
from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from ..lexicon import lexicon
from ..model import Target
from ..structure import Node
from .areas import keyword_area, strong_area
from .context import NO_TARGET_SECTIONS, NodeContext, deadline_years, grammar
from .numbers import Quantity, comparator
from .page import DocState, Page
from .roles import is_non_duty, starts_with_verb

_DIGIT = re.compile(r"\d")


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern[str]]:
    lex = lexicon()
    return {
        "skip_level": re.compile(rf"^(?:{lex.alternation('not_level')})\b"),
        # "Chỉ thị số 07/CT-TTg ngày 14/3/2025 của Thủ tướng Chính phủ về ... đến năm 2030": a cited document's title
        # ("Thực hiện Chỉ thị số 07/CT-TTg ...": carrying it out is a task, not a goal of this document's)
        "citation": re.compile(r"^(?:(?:tiep tuc\s+)?(?:trien khai\s+)?(?:thuc hien|trien khai|theo|tai)\s+)?"
                               rf"(?:{lex.alternation('doc_kind')})\s+(?:so\s+)?\d"),
        "level_verb": re.compile(rf"\b{lex.alternation('level_verb')}\b"),
        "elaboration": re.compile(rf"^{lex.alternation('elaboration')}"),
        "scope": re.compile(r"\bcap (tinh|huyen|xa|so|phong)\b|\btai (tinh)\b|\b(xa), phuong, thi tran\b"),
        "baseline": re.compile(rf"{lex.alternation('baseline')} (?:nam\s+(20\d\d)|giai doan\s+(20\d\d)\s*[-–]\s*(20\d\d))"
                               r"|tinh den (?:het )?ngay \d{1,2}/\d{1,2}/(20\d\d)"),
        "metric_verb": re.compile(rf"\s(?:{lex.alternation('metric_verb')})(?:\s+(?:ty le|muc|toi thieu|it nhat|tu|tren|"
                                  r"khoang|thu hang|thu|trong|nhom|top|vi tri))*\s*$"),
        "not_target": re.compile(rf"(?<![a-z0-9]){lex.alternation('not_target')}(?![a-z0-9])"),
        "sub_target": re.compile(rf"[,;]\s*(?:{lex.alternation('sub_target')})\s*,"),
    }


def read_targets(page: Page, node: Node, ctx: NodeContext, state: DocState) -> list[Target]:
    """Targets stated in one paragraph (its own text, not its children's)."""
    g = grammar()
    if ctx.section in NO_TARGET_SECTIONS or node.kind in ("root", "implicit", "row"):
        return []
    start, end = node.body_start, node.end
    if end <= start:
        return []
    folded = page.folded
    in_targets = ctx.section == "targets"
    par_fold = folded[start:end]
    par_forward: bool | str   # the paragraph's forward cue; its folded text while the cue is not read (`_forward`)
    if g.continuation.match(par_fold) and state.prev_forward is not None:
        par_forward, par_year = state.prev_forward, state.prev_year
    else:
        par_forward, par_year = par_fold, None
    spans = page.clauses(start, end)
    if not spans:
        return []
    first_clause = folded[spans[0][0]:spans[0][1]]
    first_years = deadline_years(first_clause)
    lead_year = first_years[0][1] if first_years else par_year
    # A period ("giai đoạn 2021 - 2030") dates numbers, but does not make a qualitative target.
    level_year = next((y for p, y in first_years if not first_clause.startswith("giai doan", p)), None) \
        if first_years else par_year
    state.prev_forward, state.prev_year = par_forward, lead_year
    out: list[Target] = []
    forward: bool | None = True if in_targets else None   # read when a clause asks
    # every number pattern needs a digit: a paragraph without one has no number in any clause
    digits = _DIGIT.search(par_fold) is not None
    found = {(cs, ce): _numbers(page, cs, ce, in_targets) if digits else [] for cs, ce in spans}
    numeric = [span for span, numbers in found.items() if numbers]
    past: list[tuple[int, int]] | None = None   # the sentences about the past, read when a clause asks
    for cs, ce in spans:
        numbers = found[(cs, ce)]
        if not (numbers or in_targets or level_year):
            continue   # words that are no dated goal, whatever the cue
        if forward is None:
            forward = state.prev_forward = _forward(par_forward)
        goal = (forward or _after_issue(folded, cs, ce, state.year)) if numbers else in_targets or (forward and level_year)
        if not goal:
            continue   # a number not stated as a goal; words that are no dated goal
        if past is None:
            past = [] if in_targets else _past_sentences(page, start, end, state)
        if any(s <= cs < e for s, e in past):
            continue
        if numbers:
            out.extend(_numeric_targets(page, node, cs, ce, numbers, ctx, lead_year, state))
        elif not _governs(node):
            sents = page.sentences(start, end)
            if _elaborates(folded, cs, sents) or _sets_up_a_dated_number(folded, cs, numeric, sents):
                continue
            t = _level_target(page, folded[cs:ce], cs, ce, ctx, level_year, in_targets, state)
            if t is not None:
                out.append(t)
    return with_subjects(node, out)


_YEAR_FRAME = re.compile(r"[\s*_\-+]*(?:vao |trong )?nam ((?:19|20)\d\d)\s*,")
_ANY_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


def _past_sentences(page: Page, start: int, end: int, state: DocState) -> list[tuple[int, int]]:
    """The paragraph's sentences about the past: those that report ("đã", "so với cùng kỳ", see `_reports`),
    and those framed by a year before the document's time ("Năm 2017, kinh tế Brasil tăng trưởng ở mức 1,9%",
    "Vào năm 2011, tỉ lệ ... đạt 90,4%") with no forward cue of their own, as are the sentences after such a
    first one that name no year of their own.  The document's time is its issue year, or for a page that
    states none, the latest year it names in a sentence about the past (`_undated_now`)."""
    folded = page.folded
    sents = page.sentences(start, end)
    out = [(s, e) for s, e in sents if _reports(folded[s:e])]
    now = state.year if state.year is not None else _undated_now(page)
    if now is None:
        return out
    g = grammar()
    framed_first = False
    for i, (s, e) in enumerate(sents):
        sentence = folded[s:e]
        m = _YEAR_FRAME.match(sentence)
        framed = bool(m and int(m.group(1)) < now)
        if i == 0:
            framed_first = framed
        if (s, e) in out or g.forward.search(sentence):
            continue
        if framed or (framed_first and i > 0 and not _ANY_YEAR.search(sentence)):
            out.append((s, e))
    return out


def _undated_now(page: Page) -> int | None:
    """For a page that states no issue date (an encyclopedia's, an article's): the latest year it names in a
    sentence about the past ("đã ..."), a time the page has lived through; once per page."""
    if "undated_now" not in page.memo:
        past = grammar().past
        folded = page.folded
        years = [int(y) for s, e in page.sentences(0, len(folded)) if past.search(folded, s, e)
                 for y in _ANY_YEAR.findall(folded, s, e)]
        page.memo["undated_now"] = max(years) if years else None
    return page.memo["undated_now"]


def _reports(sentence: str) -> bool:
    """A sentence about the past: a past cue ("đã", "09 tháng đầu năm"), or one that compares with the same
    period before ("tăng 26,94% so với cùng kỳ") and has no forward cue of its own."""
    g = grammar()
    return bool(g.past.search(sentence)) or (bool(g.past_unless_forward.search(sentence))
                                             and not g.forward.search(sentence))


def _after_issue(folded: str, cs: int, ce: int, issued: int | None) -> bool:
    """A clause dated in a year after the document's own ("Năm 2026, cắt giảm 100% ..." in a decision of 2025)
    speaks of what is to come."""
    if issued is None:
        return False
    clause = folded[cs:ce]   # read on its own: "Năm 2026, ..." opens it, though not its line
    return any(year > issued for pos, year in deadline_years(clause) if not clause.startswith("giai doan", pos))


def _forward(cue: bool | str) -> bool:
    """A paragraph's forward cue ("phấn đấu", "đến năm 2025"): as read, or read now from its folded text."""
    return cue if isinstance(cue, bool) else bool(grammar().forward.search(cue))


def _governs(node: Node) -> bool:
    """A heading over items ("1. Phát triển kinh tế số đến năm 2030") states no qualitative target itself."""
    return node.kind == "caps" or (bool(node.children) and (node.is_heading or node.bold))


def _elaborates(folded: str, cs: int, sents: list[tuple[int, int]]) -> bool:
    """The clause stands in a sentence that elaborates on the one before ("Cụ thể: ...")."""
    return any(s <= cs < e and _patterns()["elaboration"].match(folded[s:e]) for s, e in sents)


def _numbers(page: Page, cs: int, ce: int, in_targets: bool) -> list[Quantity]:
    """Target-like numbers of a clause; a count ("61 thủ tục", "ít nhất 20 tập dữ liệu") only in a goal's
    own words (a targets section or a clause with its own forward cue) or right after a comparator
    ("không quá 1 lần", "ít nhất 3 tổ chức")."""
    folded = page.folded
    found = page.quantities(cs, ce, counts=True)
    blocked = _patterns()["not_target"]
    out = []
    forward: bool | None = None   # the clause's own forward cue, read when a count asks
    for q in found:
        if q.counted and forward is None:
            forward = in_targets or bool(grammar().forward.search(folded, cs, ce))
        if q.counted and not forward and comparator(folded[max(cs, q.start - 30):q.start], "", "count") \
                not in (">=", "<=", ">", "<"):
            continue
        before = folded[max(cs, q.start - 40):q.end + 12]
        if blocked.search(before):
            continue
        out.append(q)
    return out


def _sets_up_a_dated_number(folded: str, cs: int, numeric, sents) -> bool:
    """'Triển khai X ...; đến cuối năm 2025, phấn đấu 100% ...': the dated number is the target."""
    sent = next(((s, e) for s, e in sents if s <= cs < e), None)
    if sent is None:
        return False
    return any(sent[0] <= ns < sent[1] and ns > cs and deadline_years(folded[ns:ne]) for ns, ne in numeric)


def _numeric_targets(page: Page, node: Node, cs: int, ce: int, numbers: list[Quantity], ctx: NodeContext,
                     lead_year: int | None, state: DocState) -> list[Target]:
    out = []
    folded = page.folded
    cf = folded[cs:ce]
    years = deadline_years(cf)
    baseline = _baseline(cf)
    respective = "tuong ung" in cf
    levels = list(_patterns()["scope"].finditer(cf))
    prev_cmp: str | None = None
    prev_end = cs
    area = ctx.area or keyword_area(page.view[cs:ce]) or _sentence_area(page, cs, node) or "khac"
    for i, n in enumerate(numbers):
        window = cf[prev_end - cs:n.start - cs]
        after = cf[n.end - cs:(numbers[i + 1].start if i + 1 < len(numbers) else ce) - cs]
        cmp = comparator(window, after, n.unit)
        if cmp is None:
            gap = window.strip(" ,;")
            if (prev_cmp and (not gap or (re.fullmatch(r"(?:va\s+)?[^%]{0,80}", gap) and " va " in f" {gap} "
                                          and prev_cmp in ("reduce_by", "increase_by")))) or (prev_cmp and respective and not gap.replace("va", "").strip()):
                cmp = prev_cmp
            else:
                cmp = "<=" if n.unit == "rank" else "="
        if n.value_max is not None and cmp not in ("increase_by", "reduce_by"):
            cmp = "="
        prev_cmp = cmp
        year = _year_for(n.start - cs, cf, years, lead_year, ctx)
        scope = _scope(cf, cs, n, numbers, i, ce, levels, respective)
        q_start = prev_end if i else cs
        q_end = numbers[i + 1].start if i + 1 < len(numbers) else ce
        span = page.span(q_start, q_end)
        if folded.startswith("va ", span.start):
            span = page.span(span.start + 3, span.end)
        out.append(Target(id=state.target_id(), area=area, year=year, value=n.value, value_max=n.value_max,
                          unit=n.unit, comparator=cmp,
                          baseline=baseline if cmp in ("reduce_by", "increase_by", ">=", "=") else None,
                          scope=scope, metric=_metric(page, node, cs, ce, n, numbers, i), span=span))
        prev_end = n.end
    return out


def _sentence_area(page: Page, cs: int, node: Node) -> str | None:
    """The area the sentence's opening clause ("rà soát thủ tục hành chính ...; phấn đấu giảm 30%") or, failing
    that, the nearest heading above ("1. Tên thủ tục hành chính: ...") names outright."""
    start = max(page.view.rfind(". ", 0, cs), page.view.rfind("\n", 0, cs)) + 1
    first = page.view.find(";", start, cs)
    if first >= 0 and (area := strong_area(page.view[start:first])):
        return area
    for n in node.ancestors():
        if n.kind == "implicit":
            continue
        if n.kind == "root":
            break
        if (n.is_heading or n.is_intro or n.children) and (area := strong_area(n.body[:200])):
            return area
    return None


def _year_for(pos: int, cf: str, years, lead_year, ctx: NodeContext) -> int | None:
    before = [y for p, y in years if p < pos]
    if before:
        return before[-1]
    if years:
        return years[0][1]
    if grammar().annual.search(cf[:pos]):
        return None
    if lead_year:
        return lead_year
    return ctx.block_year


def _baseline(cf: str) -> str | None:
    m = _patterns()["baseline"].search(cf)
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
        after = [m for m in levels if cs + m.start() > numbers[-1].end]
        for listed in (before, after):   # "... tương ứng là 30%, 20%, 15% ở cấp tỉnh, cấp huyện, cấp xã"
            if len(listed) == len(numbers):
                key = next(g for g in listed[i].groups() if g)
                return names.get(key)
    seg_end = numbers[i + 1].start if i + 1 < len(numbers) else ce
    found = {next(g for g in m.groups() if g) for m in levels if n.end <= cs + m.start() < seg_end}
    if not found:  # "tỷ lệ hồ sơ ... của UBND cấp huyện đạt 100%": the level is named before the number
        seg_start = numbers[i - 1].end if i else cs
        found = {next(g for g in m.groups() if g) for m in levels if seg_start <= cs + m.start() < n.start}
    if len(found) == 1:
        return names.get(found.pop())
    return None


def _metric(page: Page, node: Node, cs: int, ce: int, n: Quantity, numbers, i) -> str:
    """What the number measures: the words before its verb ("Tỷ lệ hồ sơ ... đạt 80%"), else after it;
    when those say nothing of their own ("so với quy định"), the heading above names the subject."""
    view, folded = page.view, page.folded
    b0 = numbers[i - 1].end if i else cs
    a1 = numbers[i + 1].start if i + 1 < len(numbers) else ce
    # ", trong số đó, tỷ lệ giao dịch ... đạt 30%": a narrower target starts; the number's metric is on its side
    subs = list(_patterns()["sub_target"].finditer(folded, b0, n.start))
    if subs:
        b0 = subs[-1].end()
    sub = _patterns()["sub_target"].search(folded, n.end, a1)
    if sub:
        a1 = sub.start()
    before = view[b0:n.start]
    after = view[n.end:a1]
    m = _patterns()["metric_verb"].search(folded[b0:n.start])
    candidates = [_clean_metric(before[:m.start()])] if m else []
    candidates.append(_clean_metric(after))
    return next((c for c in candidates if not weak_metric(c)), next((c for c in candidates if c), ""))[:200]


def _clean_metric(phrase: str) -> str:
    phrase = re.sub(r"^\W+|[^\w)]+$", "", phrase.replace("\n", " "))
    if phrase.endswith(")") and "(" not in phrase:
        phrase = phrase[:-1]
    phrase = re.sub(r"^(?:trở lên|trở xuống)\s*", "", phrase)
    phrase = _LEAD_WORDS.sub("", re.sub(r"\s+", " ", phrase))
    return re.sub(r"^\W+", "", phrase).strip(" ,")


# what opens a metric without being part of it: "Đến năm 2025, phấn đấu Chỉ số ...", "Trong đó, ..."
_LEAD_WORDS = re.compile(r"^(?:(?:và|hoặc|còn|trong đó|theo đó|đồng thời|cùng với đó|bên cạnh đó|song song đó)\s*,?\s*"
                         r"|(?:đến|tới|trong|trước)?\s*(?:hết|cuối)?\s*năm \d{4}\s*,?\s*(?:sẽ\s*)?"
                         r"|[^,;:]{0,40}?\b(?:phấn đấu|phân đấu)\s*|tiếp tục\s*)+", re.IGNORECASE)


def weak_metric(metric: str) -> bool:
    """A metric that does not say what is measured ("chỉ số này", "cấp huyện", "so với quy định")."""
    return len(metric.split()) < 3 or bool(re.search(r"\b(?:này|đó|trên)$|^(?:so với|cấp|tỷ lệ này|chỉ số này)\b",
                                                       metric, re.IGNORECASE))


def with_subjects(node: Node, targets: list[Target]) -> list[Target]:
    """Metrics that name no subject take the one the clause before stated ("... đạt trên 85%; đến năm 2025 chỉ
    số này đạt 86%"), else the heading above ("1. Tên thủ tục hành chính: ..." over "Giảm 02 ngày ...")."""
    out, last = [], None
    for t in targets:
        if t.unit != "level" and weak_metric(t.metric):
            subject = last or _heading_subject(node)
            if subject:
                t = replace(t, metric=f"{subject} ({t.metric})" if t.metric else subject)
        elif t.unit != "level":
            last = t.metric
        out.append(t)
    return out


def _heading_subject(node: Node) -> str | None:
    for n in node.ancestors():
        if n.kind in ("root",):
            return None
        body = re.sub(r"\s+", " ", n.body).strip(" :.*")
        if n.kind == "implicit" or not body or _LEAD_WORDS.fullmatch(body + " "):
            continue   # a year block ("Đến năm 2025:") names no subject
        return re.sub(r"^Tên thủ tục hành chính\s*:\s*", "", body)[:160]
    return None


def _level_target(page: Page, cf: str, cs: int, ce: int, ctx: NodeContext, lead_year: int | None, in_targets: bool,
                  state: DocState) -> Target | None:
    g = grammar()
    p = _patterns()
    words = cf.split()
    if len(words) < 4 or p["skip_level"].match(cf.strip()) or p["citation"].match(cf.strip(" -+*")):
        return None
    years = [(pos, y) for pos, y in deadline_years(cf) if not cf.startswith("giai doan", pos)]
    if not years and re.search(r"\bgiai doan\s+20\d\d", cf):
        return None
    year = years[-1][1] if years else (None if g.annual.search(cf) else (lead_year or ctx.block_year))
    if year is None:
        return None
    body = re.sub(r"^\s*(?:[-+*]\s*)?(?:trong do,\s*)?(?:(?:den|toi)\s+(?:het\s+|cuoi\s+)?nam\s+20\d\d\s*[,:]?\s*)", "", cf)
    if len(body.split()) < 4 or not p["level_verb"].search(body):
        return None
    lead = cs + len(cf) - len(cf.lstrip(" -+*"))
    subject = next((m for m in page.mentions(cs, ce) if m.start == lead), None)
    if subject is not None and starts_with_verb(page.folded, subject.end, ce) \
            and not is_non_duty(page.folded, subject.end, ce):
        return None   # "Văn phòng Chính phủ xây dựng Nghị định ..., trình Chính phủ trong năm 2025": a body's task
    if re.match(r"\s*(?:phan dau|ty le|muc do)\b", body) and not in_targets:
        return None
    cmp = "reduce_by" if re.match(r"\s*(?:tiep tuc\s+)?giam\b", body) else "="
    metric_start = cs + (len(cf) - len(body))
    area = ctx.area or keyword_area(page.view[cs:ce]) or "khac"
    return Target(id=state.target_id(), area=area, year=year, value=None, value_max=None, unit="level",
                  comparator=cmp, baseline=None, scope=None, metric=page.clean(metric_start, ce, 200),
                  span=page.span(cs, ce))
