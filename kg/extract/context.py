"""What surrounds a paragraph: its section (targets, tasks, results...), area, deadline.

Targets and duties are read paragraph by paragraph; this module tells each reader
where the paragraph stands: the kind of section it is in (from headings, including
implicit sections whose heading was lost, by the `section` cues), the reform area of the
nearest area heading, and the deadline year of an enclosing year block ("- Đến năm 2025:")
or of a heading that names a year ("II. NHIỆM VỤ NĂM 2025").
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..lexicon import lexicon, not_after, one_of, word_start
from ..structure import Node, heading_text
from .areas import folded_heading_area

# sections whose sentences state no duty: achieved results, principles, recipients, the steps of a procedure,
# an organisation's structure (a list of its units: "Ban Thanh tra, kiểm tra" names a unit, it gives no duty),
# a page's references (cited titles and access dates);
# nor any target, and neither do the criteria of a rating ("Tiêu chí xếp loại ...": thresholds, not goals)
NO_DUTY_SECTIONS = ("results", "views", "recipients", "procedure", "structure", "references")
NO_TARGET_SECTIONS = (*NO_DUTY_SECTIONS, "criteria")


@dataclass(frozen=True)
class Grammar:
    """Patterns over folded text, built once from the cue lexicon."""

    deadline: re.Pattern[str]
    year_block: re.Pattern[str]
    annual: re.Pattern[str]
    forward: re.Pattern[str]
    past: re.Pattern[str]
    past_unless_forward: re.Pattern[str]
    continuation: re.Pattern[str]
    sections: tuple[tuple[str, re.Pattern[str]], ...]
    any_section: re.Pattern[str]   # finds what one of `sections` finds, if any (most headings name none)


@lru_cache(maxsize=1)
def grammar() -> Grammar:
    lex = lexicon()
    before, mod, lead = (lex.alternation(c) for c in ("deadline_before", "deadline_modifier", "deadline_lead"))
    deadline = re.compile(
        rf"(?:{before}\s+(?:{mod}\s+|nam\s+)?nam\s+(20\d\d)"
        r"|(?<!so voi )giai doan\s+20\d\d\s*[-–]\s*(20\d\d)"
        r"|^\s*(?:[-+*]\s*)?(?:trong do,\s*)?nam\s+(20\d\d)\s*[,:]"
        rf"|{lead}\s+(?:trong\s+|den\s+)?nam\s+(20\d\d)\b)"
    )
    year_block = re.compile(rf"^\s*[-+*•]?\s*(?:trong do,?\s*)?(?:den|toi)\s+(?:{mod}\s+)?nam\s+(20\d\d)\s*[:,]")
    # the cue words, a deadline year, or a percentage a word of commitment leads to, each after a word break
    # (grouped by first letter, `one_of`: these run over every paragraph, sentence and clause)
    forward = re.compile(one_of(word_start([
        *lex.phrases("forward"),
        *(rf"{w} (?:{mod} )?nam 20\d\d" for w in ("den", "toi", "trong", "truoc")),
        *(rf"{p}[^.;]{{0,40}}\d+(?:[.,]\d+)?\s*%" for p in lex.phrases("forward_with_number"))])))
    past = re.compile(one_of([*not_after([p + "(?![a-z])" for p in lex.phrases("past")], "[a-z]"),
                              *word_start([r"qua \d+ nam\b"])]))
    sections = []
    for e in lex.of("section"):
        words = "|".join(re.escape(w) for w in sorted(e.folded, key=len, reverse=True))
        # at the end only after a list's separator or "các"/"những" ("MỤC ĐÍCH VÀ YÊU CẦU", "CÁC YÊU CẦU"),
        # not after a subject ("Thủ tướng Chính phủ yêu cầu:" opens the duties it asks for)
        if e.alone:   # "YÊU CẦU", "MỤC ĐÍCH, YÊU CẦU", "Mục đích và yêu cầu" (not "Yêu cầu đối với hệ thống ...")
            pattern = rf"^(?:{words})(?:\s*(?:[,;\-–]|\bva\b)\s*(?:{words}))*$"
        elif e.edge:
            pattern = rf"^(?:{words})|(?:[,;]\s*|\b(?:va|cac|nhung)\s+)(?:{words})$"
        else:
            pattern = rf"(?:{words})"
        sections.append((e.value or "", re.compile(pattern)))
    annual = re.compile(one_of(word_start([p + r"\b" for p in lex.phrases("annual")])))
    past_unless_forward = re.compile(one_of(word_start(lex.phrases("past_unless_forward"))))
    return Grammar(deadline, year_block, annual, forward, past, past_unless_forward, re.compile(rf"^\s*{lex.alternation('continuation')}\b"),
                   tuple(sections), re.compile("|".join(p.pattern for _, p in sections)))


@dataclass(frozen=True)
class NodeContext:
    section: str | None
    area: str | None
    block_year: int | None


def _own_section(n: Node) -> str | None:
    if n.kind == "implicit":
        for child in n.children[:3]:
            kind = _own_section(child)
            if kind:
                return kind
        return None
    if n.kind in ("root", "row") or (n.kind == "para" and not (n.is_intro and len(n.body) < 120) and not n.bold
                                     and not n.atx):
        return None
    if not (n.is_heading or n.kind in ("roman", "caps", "part")):
        return None
    head = heading_text(n)[:120]
    g = grammar()
    if not g.any_section.search(head):
        return None
    for kind, pattern in g.sections:
        if pattern.search(head):
            return kind
    return None


def _own_area(n: Node) -> str | None:
    """The area a node's own words name (its heading's, for a heading or an intro)."""
    if n.kind in ("root", "implicit", "row"):
        return None
    # read on the folded body: the text is NFC, so folding a part of it is cutting its folded body
    head = n.folded_body.split(":")[0] if n.is_heading or n.is_intro else n.folded_body[:120]
    return folded_heading_area(" ".join(head.split())) if len(head) <= 140 else None


_HEADING_YEAR = re.compile(r"\bnam (20\d\d)\b")
@lru_cache(maxsize=1)
def _instrument_year() -> re.Pattern[str]:
    """The year an instrument was issued, written after its number ("Nghị quyết 57-NQ/TW năm 2024",
    "Quyết định 126 năm 2025"): no deadline."""
    kinds = lexicon().alternation("doc_kind")
    return re.compile(r"(?:\d{1,4}(?:/20\d\d)?\s?[-/]\s?[a-z][a-z0-9]*(?:\s?[-/]\s?[a-z0-9]+){0,3}"
                      rf"|\b{kinds}\s+(?:so\s+)?\d{{1,4}})\s+nam\s+20\d\d\b")


def _own_heading_year(n: Node) -> int | None:
    """"II. PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM 2025", "1. Đến năm 2030": the year a heading puts over its section."""
    if n.kind in ("root", "implicit") or not (n.is_heading or n.kind in ("roman", "caps")) or "?" in n.body:
        return None   # (a question's year, "Đến năm 2030 ... đạt bao nhiêu %?", is what it asks about)
    head = _instrument_year().sub(" ", heading_text(n)[:160])
    years = set(_HEADING_YEAR.findall(head))
    if len(years) == 1 and not re.search(r"giai doan|dinh huong|\d{4}\s*[-–]\s*\d{4}", head):
        return int(years.pop())
    return None


# numbered items and headings close a year block ("- Đến năm 2025:") opened before them; bullets do not
_CLOSES_YEAR_BLOCK = frozenset({"roman", "dieu", "num", "letter", "paren", "paren_roman", "ordinal", "caps", "implicit",
                                "part", "upper"})


def contexts(root: Node) -> dict[int, NodeContext]:
    """Context of every node (keyed by id()), year blocks read in document order.

    A node's section kind and area are its own heading's, else the nearest ancestor's; its heading
    year the nearest ancestor heading's.  What each node passes down to its descendants is read
    once, when the walk (parents first) reaches it."""
    out: dict[int, NodeContext] = {}
    block_year: int | None = None
    g = grammar()
    down: dict[int, tuple[str | None, str | None, int | None]] = {}   # node id -> (section, area, year)
    for node in root.walk():
        section, area, year = down.get(id(node.parent), (None, None, None))
        if section != "criteria":   # the levels of a rating ("1. Hoàn thành xuất sắc nhiệm vụ") stay its criteria
            section = _own_section(node) or section
        if node.kind == "root":
            down[id(node)] = (section, area, year)
            continue
        body = node.folded_body
        m = g.year_block.match(body)
        if m and node.is_intro and len(body.strip()) < 60:
            block_year = int(m.group(1))
        elif node.kind in _CLOSES_YEAR_BLOCK or (node.kind == "para" and node.is_heading):
            block_year = None
        own_area = _own_area(node)
        out[id(node)] = NodeContext(section, own_area or area, block_year or year)
        # a heading's or intro's area is the same for what it heads; other nodes pass down none of their own
        passed = own_area if node.is_heading or node.is_intro else None
        down[id(node)] = (section, passed or area, _own_heading_year(node) or year)
    return out


def deadline_years(folded: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(position, year) of every deadline phrase in folded[start:end]."""
    end = len(folded) if end is None else end
    found: list[tuple[int, int]] = []
    if folded.find("20", start, end) < 0:
        return found   # every deadline phrase names a year 20xx: most text has none
    for m in grammar().deadline.finditer(folded, start, end):
        year = next(int(g) for g in m.groups() if g)
        found.append((m.start(), year))
    return found
