"""What was not read: clauses with a duty or target cue that yielded no fact.

A clause carries a duty cue when a named body (or a list of them) is followed by a duty verb,
when a requester ("giao", "đề nghị", "yêu cầu") names a body, when it has a label
("Cơ quan chủ trì:"), or when an item of a task part opens with "chủ trì"/"phối hợp" and
names no body; it carries a target cue when it has a percentage, rank or points number and
is forward-looking (a targets section, a forward cue or a deadline) and not about the past.  A cue clause yields when a fact's source span overlaps
it; the others become review items, listed by `kg review`.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache

from ..lexicon import lexicon
from ..model import Document, ReviewItem
from ..structure import Node
from .context import NO_DUTY_SECTIONS, NO_TARGET_SECTIONS, NodeContext, deadline_years, grammar
from .page import Page
from .roles import is_non_duty, starts_with_verb


@lru_cache(maxsize=1)
def _empty_field() -> re.Pattern[str]:
    """What fills a label that names no body: "Cơ quan phối hợp: Không", a form's blank "…………"."""
    return re.compile(rf"[\s*_]*(?:(?:{lexicon().alternation('empty_field')})\b|[.…_]{{2,}}|…)")


def review(page: Page, ctxs: dict[int, NodeContext], doc: Document) -> list[ReviewItem]:
    """Review items of a document; sets `doc.cue_clauses` to the number of cue clauses."""
    facts = sorted([(t.span.start, t.span.end, "target") for t in doc.targets]
                   + [(d.span.start, d.span.end, "duty") for d in doc.duties])
    starts = [s for s, _, _ in facts]
    ends = _subtree_ends(page.root)
    items: list[ReviewItem] = []
    total = 0
    for node in page.root.walk():
        if node.kind in ("root", "implicit", "caps"):
            continue
        ctx = ctxs[id(node)]
        if ctx.section in NO_DUTY_SECTIONS:
            continue
        if node.children and _read_below(node, starts, ends[id(node)]):
            continue   # a heading ("2. Giao Sở Xây dựng") whose items were read
        for cs, ce in _clauses(page, node):
            if page.asks(cs):
                continue   # a question states nothing to read
            kind, reason = _cue(page, cs, ce, ctx)
            if kind is None or (kind == "target" and ctx.section in NO_TARGET_SECTIONS):
                continue
            total += 1
            if not any(s < ce and cs < e and k == kind for s, e, k in facts):
                items.append(ReviewItem(kind, reason, page.span(cs, ce, " \t\r\n,;:-+*•|#")))
    doc.cue_clauses = total
    return items


def _subtree_ends(root: Node) -> dict[int, int]:
    """Where each node's subtree ends (by node id): the last end of the node and those below it."""
    ends: dict[int, int] = {}
    for node in reversed(list(root.walk())):   # children before their parent
        end = node.end
        for c in node.children:
            end = max(end, ends[id(c)])
        ends[id(node)] = end
    return ends


def _read_below(node: Node, starts: list[int], end: int) -> bool:
    """Whether a fact starts below the node: after its own text, before its subtree's `end`
    (`starts`: the facts' starts, sorted)."""
    i = bisect_left(starts, node.end)
    return i < len(starts) and starts[i] < end


def _clauses(page: Page, node: Node) -> list[tuple[int, int]]:
    if node.kind == "row":
        return [(node.start, node.end)]
    return page.clauses(node.body_start, node.end)


def _cue(page: Page, cs: int, ce: int, ctx: NodeContext) -> tuple[str | None, str]:
    f, ann = page.folded, page.ann
    if _PREAMBLE.match(f, cs):
        return None, ""   # "Căn cứ ...", "Theo đề nghị của ...": the legal basis, not a duty
    mentions = page.mentions(cs, ce)
    for m in mentions:
        if not _subject_place(f, cs, m.start):
            continue
        pos = _after_subject(f, m.end, ce, mentions)
        if starts_with_verb(f, pos, ce) and not is_non_duty(f, pos, ce):
            return "duty", f"'{m.surface}' is followed by a duty verb, but no duty was read"
    for c in ann.within("label", cs, ce):
        if c.value != "other" and page.view[c.end:c.end + 2].strip().startswith(":") \
                and not _empty_field().match(f, f.find(":", c.end) + 1, ce):
            return "duty", f"label '{page.view[c.start:c.end]}:' but no body read after it"
    for r in ann.within("requester", cs, ce):
        if any(0 <= m.start - r.end <= 2 for m in mentions):
            return "duty", f"'{page.view[r.start:r.end]}' names a body, but no duty was read"
    opening = [r for r in ann.within("role", cs, min(ce, cs + 12)) if r.value in ("lead", "coordinate")] \
        if ctx.section in ("tasks", "organize") and not mentions else []
    if opening:
        return "duty", f"'{page.view[opening[0].start:opening[0].end]}' opens a task but no body is named"
    numbers = page.quantities(cs, ce)
    if numbers:
        g = grammar()
        cf = f[cs:ce]
        forward = ctx.section == "targets" or g.forward.search(cf) or deadline_years(cf)
        if forward and not g.past.search(cf):
            n = numbers[0]
            return "target", f"goal cue with '{page.view[n.start:n.end]}' but no target read"
    return None, ""


_PREAMBLE = re.compile(r"\s*(?:can cu|theo de nghi|xet de nghi)\b")
_SUBJECT_PLACE = re.compile(r"(?:^|[,;:]\s*|\b(?:giao|de nghi|yeu cau|chi dao)\s+|(?:chanh van phong|giam doc|chu tich|"
                            r"thu truong|truong ban|bo truong)(?:\s+cac)?\s+)$")


def _subject_place(f: str, cs: int, at: int) -> bool:
    """A body stands where a subject stands: at the clause start, after a comma, a requester or a title."""
    return bool(_SUBJECT_PLACE.search(f[max(cs, at - 30):at].rstrip(" *") if at > cs else ""))


def _after_subject(f: str, pos: int, end: int, mentions) -> int:
    """Past a list of bodies ("Sở A, Sở B và UBND cấp huyện"): where its predicate would start."""
    while pos < end:
        m = re.match(r"\s*(?:,|\bva\b|\bcung\b|;)?\s*", f[pos:end])
        nxt = pos + (m.end() if m else 0)
        follow = next((x for x in mentions if x.start == nxt), None)
        if follow is None:
            return pos
        pos = follow.end
    return pos
