"""Typed results of extraction: documents, targets, duties, citations, ownership.

Every fact carries a `Span` into the clean NFC text of its document: the quote is
always `text[start:end]`, so it is a verbatim substring of the source.
"""
from __future__ import annotations

from dataclasses import dataclass, field

AREAS = ("the_che", "thu_tuc_hanh_chinh", "to_chuc_bo_may", "che_do_cong_vu", "tai_chinh_cong",
         "chinh_quyen_so", "chi_so", "khac")
ROLES = ("lead", "coordinate", "implement", "monitor")
DEADLINE_KINDS = ("year", "quarter", "month", "date", "recurring")
COMPARATORS = (">=", ">", "=", "<=", "<", "reduce_by", "increase_by")
UNITS = ("%", "rank", "count", "level")
KINDS = ("nghi_quyet", "quyet_dinh", "chi_thi", "ke_hoach", "bao_cao", "bai_viet", "thong_bao", "ket_luan",
         "huong_dan", "cong_van", "nghi_dinh", "thong_tu", "luat", "khac")
# How a value is written in a concept IRI of the ontology (cchc:unit-percent, cchc:cmp-ge, cchc:scope-xa).
UNIT_SUFFIX = {"%": "percent", "rank": "rank", "count": "count", "level": "level", "points": "points"}
CMP_SUFFIX = {">=": "ge", ">": "gt", "=": "eq", "<=": "le", "<": "lt", "reduce_by": "reduce_by",
              "increase_by": "increase_by"}
SCOPE_SUFFIX = {"cấp tỉnh": "tinh", "cấp huyện": "huyen", "cấp xã": "xa"}


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    quote: str


@dataclass(frozen=True)
class Agency:
    """A body as named in one document: gazetteer id (or a pattern-made id) and names."""

    id: str
    name: str
    name_en: str
    type: str
    known: bool
    renamed_to: str | None = None
    kind_of: str | None = None   # a regional office of a numbered gazetteer kind ("nhnn-khu-vuc")


@dataclass(frozen=True)
class Citation:
    number: str          # normalised: 76/NQ-CP, 18-NQ/TW, 61/2018/NĐ-CP
    kind: str | None     # nghi_quyet, quyet_dinh, nghi_dinh, ...
    span: Span


@dataclass(frozen=True)
class Target:
    id: str
    area: str
    year: int | None
    value: float | None
    value_max: float | None
    unit: str
    comparator: str
    baseline: str | None
    scope: str | None
    metric: str
    span: Span


@dataclass(frozen=True)
class Result:
    """An achieved value a document reports ("Chỉ số CCHC năm 2023 đạt 85,6%, xếp thứ 20/63")."""

    id: str
    area: str
    year: int            # the year the value is for: stated next to it, else the document's year
    value: float
    value_max: float | None
    unit: str            # "%", "rank", "points"
    comparator: str      # "=" unless stated ("trên 87%")
    metric: str
    span: Span
    year_stated: bool = True   # False: the year is the document's, not written beside the value


@dataclass(frozen=True)
class Duty:
    id: str
    agency: Agency
    role: str
    area: str | None
    task: str
    span: Span
    mention: Span
    task_span: Span | None = None   # where the task's own words are (shared by its lead and coordinators)
    task_id: str | None = None      # the Task this duty is an assignment of


@dataclass(frozen=True)
class Deadline:
    """A task's deadline as the text states it, and the day the stated period ends."""

    kind: str            # year, quarter, month, date, recurring
    text: str            # as stated: "Quý II/2025", "trước ngày 15/12/2025", "hằng năm"
    due: str | None      # ISO date the period ends ("2025-06-30"); None for a recurring deadline
    recurrence: str | None = None   # "hằng năm", "thường xuyên", "hằng quý" ...


@dataclass(frozen=True)
class Task:
    """One nhiệm vụ: its words, area and deadline; its duties are the assignments (lead, coordinate ...)."""

    id: str
    text: str
    area: str | None
    deadline: Deadline | None
    span: Span


@dataclass(frozen=True)
class Ownership:
    target_id: str
    agency: Agency
    rule: str            # table-lead, actor, topic, area-lead, document-lead
    duty_id: str | None  # the duty the link rests on


@dataclass(frozen=True)
class Measure:
    """A target linked to the catalogue indicator it measures (kg/data/indicators.toml)."""

    target_id: str
    indicator: str       # catalogue id
    rule: str            # indicator-duration (a value in days), indicator-metric (a phrase in the metric),
                         # indicator-clause (a phrase in its clause)
    phrase: str          # the catalogue phrase found, folded


@dataclass(frozen=True)
class ReviewItem:
    """A clause that carries a duty or target cue but yielded no fact: for a person to read."""

    kind: str            # "duty" or "target"
    reason: str          # what was found and what was missing
    span: Span


@dataclass
class Document:
    id: str
    source: str
    text: str = field(repr=False)
    kind: str = "khac"
    describes: str | None = None
    number: str | None = None
    date: str | None = None
    issuer: str | None = None
    province: str | None = None
    period: str | None = None
    signer: str | None = None
    title: str | None = None
    encoding: str = "utf-8"
    citations: list[Citation] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    duties: list[Duty] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    ownerships: list[Ownership] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)
    review: list[ReviewItem] = field(default_factory=list)
    cue_clauses: int = 0     # clauses with a duty or target cue (those without a fact are in `review`)
    warnings: list[str] = field(default_factory=list)

    def owners_of(self, target_id: str) -> list[Ownership]:
        return [o for o in self.ownerships if o.target_id == target_id]
