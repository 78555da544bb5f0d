"""What every reader of one document shares: the page it reads, and the state it carries.

`Page` is read-only: the text (quotes are cut from it), its reading view (readers read it),
the folded view (for matching words), the one-sweep cue annotation and the heading tree.
`DocState` is the explicit state that carries from one paragraph to the next: fact ids,
the open table's header, the forward context a "Cùng với đó, ..." paragraph continues, and
the body an article keeps talking about.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from ..agencies import Mention, find_mentions
from ..annotate import Annotation, annotate
from ..ingest import SourceText
from ..lexicon import lexicon
from ..model import Deadline, Span
from ..segment import clauses, sentences, strip
from ..structure import Node, parse
from ..text import fold_aligned
from .numbers import Quantity, quantities

# The cue categories `find_mentions` reads a span's bodies from (with the document's annotation).
_NAME_CUES = ("agency", "agency_head", "short_form")
_QUOTE_EDGE = " \t\r\n,;:.-–+*•|#(\u00a0"
_SENTENCE_END = re.compile(r"[.?!\n]")
# Spaces and punctuation that hold no word (no cue starts or ends in them) and that no name reading looks
# past: a span ending in them names what it names without them (a sentence and its clause "...;" or "...").
_NO_WORD = " \t\r\n.,;:"


@lru_cache(maxsize=1)
def _caption() -> re.Pattern[str]:
    """A line that ends as an image's caption does ("(Hình từ Internet)", "Ảnh minh họa")."""
    return re.compile(rf"(?:{lexicon().alternation('caption')})[\W_]*$")


@lru_cache(maxsize=1)
def _false_friends() -> re.Pattern[str] | None:
    """Words whose folded form is a cue's but that mean something else ('chi tiêu', spending, folds as
    'chỉ tiêu', a target does), matched on the text with its diacritics."""
    words = sorted({w for e in lexicon().of("false_friend") for w in e.words}, key=lambda w: (-len(w), w))
    if not words:
        return None
    alternation = "|".join(r"\s+".join(map(re.escape, w.split())) for w in words)
    return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)", re.IGNORECASE)


def folded_view(view: str) -> str:
    """The view folded for matching (`fold_aligned`), with the spaces inside a false friend made '_' (same
    length, offsets kept): 'chi tiêu' then folds to 'chi_tieu', which no cue matches.  A text written
    without diacritics keeps 'chi tieu', read as the cue it may be."""
    folded = fold_aligned(view)
    pattern = _false_friends()
    if pattern is None or pattern.search(view) is None:
        return folded
    chars = list(folded)
    for m in pattern.finditer(view):
        for i in range(m.start(), m.end()):
            if chars[i].isspace():
                chars[i] = "_"
    return "".join(chars)


@dataclass(frozen=True)
class Page:
    doc_id: str
    text: str
    view: str
    folded: str
    ann: Annotation
    root: Node
    memo: dict = field(default_factory=dict, compare=False, repr=False)   # answers kept for this document

    @classmethod
    def of(cls, source: SourceText, doc_id: str) -> Page:
        view = source.view or source.text
        folded = folded_view(view)   # once per document: every reader works on this
        return cls(doc_id, source.text, view, folded, annotate(view, folded),
                   parse(view, source.text, folded))

    def span(self, s: int, e: int, edge: str = _QUOTE_EDGE) -> Span:
        """A fact's source span: trimmed on the view, the quote cut verbatim from the text."""
        s, e = strip(self.view, s, e, edge)
        if e - s > 1 and self.view[e - 1] == ")" and "(" not in self.view[s:e]:
            e -= 1
        return Span(s, e, self.text[s:e])

    def clean(self, s: int, e: int, limit: int = 600) -> str:
        """Readable text of a span (for metrics and task texts): the view, whitespace collapsed."""
        return " ".join(self.view[s:e].split()).strip(" ,.;:-")[:limit]

    def asks(self, pos: int) -> bool:
        """Whether the sentence running on from `pos` is a question ("Mục tiêu đến năm 2030 đạt mức nào?")
        or the line is an image's caption ("... (Hình từ Internet)"): an article's subtitle or a caption
        asks about or shows a target or a duty, it states none."""
        end = _SENTENCE_END.search(self.view, pos)
        if end is not None and end.group() == "?":
            return True
        line_end = self.view.find("\n", pos)
        line_end = len(self.view) if line_end < 0 else line_end
        return _caption().search(self.folded, max(pos, line_end - 60), line_end) is not None

    def mentions(self, s: int, e: int) -> list[Mention]:
        """The bodies named in view[s:e] (the readers and the review ask for the same spans: kept)."""
        if not self.ann.starts_in(_NAME_CUES, s, e):
            return []   # nothing find_mentions could start from: no name, head word or short form
        view = self.view
        while e > s and view[e - 1] in _NO_WORD:
            e -= 1   # the same bodies with or without the sentence's end: one answer for both spans
        key = ("mentions", s, e)
        found = self.memo.get(key)
        if found is None:
            found = self.memo[key] = find_mentions(view, s, e, self.ann)
        return list(found)   # each caller gets its own list (so do the others below)

    def clauses(self, s: int, e: int) -> list[tuple[int, int]]:
        """The clauses of view[s:e] (`kg.segment.clauses`), kept for the next reader that asks."""
        key = ("clauses", s, e)
        found = self.memo.get(key)
        if found is None:
            found = self.memo[key] = clauses(self.view, s, e, self.folded)
        return list(found)

    def sentences(self, s: int, e: int) -> list[tuple[int, int]]:
        """The sentences of view[s:e] (`kg.segment.sentences`), kept for the next reader that asks."""
        key = ("sentences", s, e)
        found = self.memo.get(key)
        if found is None:
            found = self.memo[key] = sentences(self.view, s, e)
        return list(found)

    def quantities(self, s: int, e: int, counts: bool = False) -> list[Quantity]:
        """Target-like numbers of folded[s:e] (`numbers.quantities`), kept: the target reader and the
        review ask about the same clauses.  Without `counts`, the same minus the counts."""
        key = ("quantities", s, e)
        found = self.memo.get(key)
        if found is None:
            found = self.memo[key] = quantities(self.folded, s, e, counts=True)
        return list(found) if counts else [q for q in found if not q.counted]


@dataclass
class TableHeader:
    """The columns of the open table, by what they hold (task, indicator, lead, year ...)."""

    columns: dict[str, int]
    years: dict[int, int] = field(default_factory=dict)   # column → year ("Năm 2025")
    row_year: int | None = None                           # a section row ("I. Đến năm 2030")
    row_area: str | None = None


@dataclass
class DocState:
    doc_id: str
    provincial: bool
    year: int | None = None   # the year the document was issued, when it says
    targets: int = 0
    duties: int = 0
    tasks: int = 0
    results: int = 0
    table: TableHeader | None = None
    # the forward cue of the paragraph before; a str: its folded text, the cue not read yet (most never are)
    prev_forward: bool | str | None = None
    prev_year: int | None = None
    carried_subject: list[Mention] | None = None   # the body sentences without a subject continue
    deadlines: dict[str, Deadline] = field(default_factory=dict)   # stated beside a duty (a row's cell, a label)

    def target_id(self) -> str:
        self.targets += 1
        return f"{self.doc_id}-t{self.targets}"

    def duty_id(self) -> str:
        self.duties += 1
        return f"{self.doc_id}-d{self.duties}"

    def result_id(self) -> str:
        self.results += 1
        return f"{self.doc_id}-r{self.results}"

    def task_id(self) -> str:
        self.tasks += 1
        return f"{self.doc_id}-k{self.tasks}"
