"""What was not read: clauses with a duty or target cue that yielded no fact.

A clause carries a duty cue when it has a role verb of a named duty (chủ trì, phối hợp,
theo dõi, ...; `role` cues other than plain implementing verbs), "có/chịu trách nhiệm"
or a label ("Cơ quan chủ trì:"); it carries a target cue when it has a percentage, rank
or comparator-led number and is forward-looking (a targets section, a forward cue or a
deadline) and not about the past.  A cue clause yields when a fact's source span overlaps
it; the others become review items, listed by `kg review`.
"""
from __future__ import annotations

import re

from ..model import Document, ReviewItem
from ..segment import clauses
from ..structure import Node
from .context import NodeContext, deadline_years, grammar
from .numbers import quantities
from .page import Page

_SKIP = ("results", "views", "recipients", "procedure")
_DUTY_ROLES = ("lead", "coordinate", "monitor")
_RESPONSIBLE = re.compile(r"\b(?:co|chiu) trach nhiem\b")


def review(page: Page, ctxs: dict[int, NodeContext], doc: Document) -> list[ReviewItem]:
    """Review items of a document; sets `doc.cue_clauses` to the number of cue clauses."""
    facts = sorted([(t.span.start, t.span.end, "target") for t in doc.targets]
                   + [(d.span.start, d.span.end, "duty") for d in doc.duties])
    items: list[ReviewItem] = []
    total = 0
    for node in page.root.walk():
        if node.kind in ("root", "implicit", "caps"):
            continue
        ctx = ctxs[id(node)]
        if ctx.section in _SKIP:
            continue
        for cs, ce in _clauses(page, node):
            kind, reason = _cue(page, cs, ce, ctx)
            if kind is None:
                continue
            total += 1
            if not any(s < ce and cs < e and k == kind for s, e, k in facts):
                items.append(ReviewItem(kind, reason, page.span(cs, ce, " \t\r\n,;:-+*•|#")))
    doc.cue_clauses = total
    return items


def _clauses(page: Page, node: Node) -> list[tuple[int, int]]:
    if node.kind == "row":
        return [(node.start, node.end)]
    return clauses(page.view, node.body_start, node.end, page.folded)


def _cue(page: Page, cs: int, ce: int, ctx: NodeContext) -> tuple[str | None, str]:
    f = page.folded
    roles = [c for c in page.ann.within("role", cs, ce) if c.value in _DUTY_ROLES]
    if roles or page.ann.has("label", cs, ce) or _RESPONSIBLE.search(f, cs, ce):
        cue = roles[0] if roles else None
        word = page.view[cue.start:cue.end] if cue else "trách nhiệm"
        if not page.ann.has("agency", cs, ce) and not page.ann.has("agency_head", cs, ce):
            return "duty", f"duty cue '{word}' but no body named"
        return "duty", f"duty cue '{word}' with a body, but no duty read"
    numbers = quantities(f, cs, ce)
    if numbers:
        g = grammar()
        cf = f[cs:ce]
        forward = ctx.section == "targets" or g.forward.search(cf) or deadline_years(cf)
        if forward and not g.past.search(cf):
            n = numbers[0]
            return "target", f"goal cue with '{page.view[n.start:n.end]}' but no target read"
    return None, ""
