"""The 2025 reorganisation (kg/data/reorganisation.toml): which body and province is in force on a date.

Provinces merged from 1/7/2025 (Nghị quyết 202/2025/QH15), the district level ended that day, and
provincial departments merged from 1/3/2025 (Nghị định 45/2025/NĐ-CP).  `in_force` gives, for a
body named in a document and its province, the body and province in force on a date with the chain
of changes ("Sở Thông tin và Truyền thông Tiền Giang → Sở Khoa học và Công nghệ Đồng Tháp");
`related_kinds` lets a lookup by an old name find its successor's duties and the other way round.
The changes are published in the graph as org:ChangeEvent nodes with their dates and legal basis.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from .lexicon import load_toml
from .text import fold


@dataclass(frozen=True)
class Change:
    kind: str                  # "province", "department", "level"
    old: tuple[str, ...]       # province names, gazetteer ids (or names), or the level
    new: str
    date: dt.date
    basis: str
    source_url: str | None
    note: str | None = None    # parts moved elsewhere, where it applies, what happened to a level

    def short(self) -> str:
        """'Nghị quyết số 202/2025/QH15' — the instrument without its long title."""
        return self.basis.split(" ngày ")[0].split(" của ")[0]


@lru_cache(maxsize=1)
def changes() -> tuple[Change, ...]:
    raw = load_toml("reorganisation.toml")
    out: list[Change] = []
    for c in raw.get("province_change", []):
        if not c.get("unchanged") and c.get("confirmed", True):
            out.append(Change("province", tuple(p for p in c["from"] if p != c["into"]) or tuple(c["from"]),
                              c["into"], dt.date.fromisoformat(c["date"]), c["basis"], c.get("source_url")))
    for c in raw.get("department_change", []):
        if c.get("confirmed", True):
            parts = "; ".join(f"{p['what']} → {p['into']}" for p in c.get("parts_to", []))
            note = "; ".join(x for x in (parts, c.get("applies", "")) if x) or None
            out.append(Change("department", tuple(c["from"]), c["into"], dt.date.fromisoformat(c["date"]),
                              c["basis"], c.get("source_url"), note))
    for c in raw.get("level_change", []):
        out.append(Change("level", (c["level"],), c["change"], dt.date.fromisoformat(c["date"]), c["basis"],
                          c.get("source_url")))
    return tuple(out)


def _today(as_of: dt.date | None) -> dt.date:
    return as_of or dt.date.today()


@lru_cache(maxsize=8192)
def province_successor(province: str | None, as_of: dt.date | None = None) -> Change | None:
    """The merger that took `province` into another one on or before `as_of`."""
    if not province:
        return None
    key = fold(province)
    return next((c for c in changes() if c.kind == "province" and c.date <= _today(as_of)
                 and any(fold(p) == key for p in c.old)), None)


def province_predecessors(province: str, as_of: dt.date | None = None) -> list[str]:
    """The provinces merged into `province` on or before `as_of` (itself excluded)."""
    key = fold(province)
    return [p for c in changes() if c.kind == "province" and fold(c.new) == key and c.date <= _today(as_of)
            for p in c.old if fold(p) != key]


@lru_cache(maxsize=8192)
def department_successor(kind_id: str, as_of: dt.date | None = None) -> Change | None:
    return next((c for c in changes() if c.kind == "department" and kind_id in c.old
                 and c.date <= _today(as_of)), None)


def related_kinds(kind_id: str, as_of: dt.date | None = None) -> list[str]:
    """Gazetteer ids of the bodies `kind_id` became and the bodies that became it, by `as_of`."""
    out: list[str] = []
    for c in changes():
        if c.kind != "department" or c.date > _today(as_of):
            continue
        if kind_id in c.old:
            out.append(c.new)
        if c.new == kind_id:
            out.extend(c.old)
    return [k for k in dict.fromkeys(out) if k != kind_id]


@dataclass(frozen=True)
class InForce:
    agency: str            # the body in force (its name)
    province: str | None   # the province in force
    chain: tuple[str, ...]   # the changes, oldest first: "Sở TT&TT → Sở KH&CN, 1/3/2025 (Nghị định số 45/2025/NĐ-CP)"

    @property
    def changed(self) -> bool:
        return bool(self.chain)


def _date(d: dt.date) -> str:
    return f"{d.day}/{d.month}/{d.year}"


@lru_cache(maxsize=1)
def _ids_by_name() -> dict[str, str]:
    from .agencies import gazetteer
    return {fold(e.vi): e.id for e in gazetteer().values()}


@lru_cache(maxsize=8192)
def in_force(agency: str, province: str | None, as_of: dt.date | None = None) -> InForce:
    """The body and province in force on `as_of` for a body a document names in `province`."""
    from .agencies import gazetteer
    chain: list[str] = []
    name = agency
    kind = _ids_by_name().get(fold(agency))
    seen: set[str] = set()
    while kind and kind not in seen:
        seen.add(kind)
        c = department_successor(kind, as_of)
        if c is None:
            break
        new = gazetteer()[c.new].vi if c.new in gazetteer() else c.new
        chain.append(f"{name} → {new}, {_date(c.date)} ({c.short()})")
        name, kind = new, c.new
    now = province
    merged = province_successor(province, as_of)
    if merged is not None:
        chain.append(f"{province} → {merged.new}, {_date(merged.date)} ({merged.short()})")
        now = merged.new
    return InForce(name, now, tuple(chain))


def province_note(province: str, as_of: dt.date | None = None) -> str | None:
    """A note for a province asked by name: merged into another one, or formed from others."""
    from .annotate import provinces
    key = fold(province).removeprefix("tinh ").removeprefix("thanh pho ")
    province = next((p for p in provinces() if fold(p) == key), province)
    merged = province_successor(province, as_of)
    if merged is not None:
        return (f"{province} has been part of {merged.new} since {_date(merged.date)} ({merged.short()}); "
                f"showing what the documents of {province} say")
    before = province_predecessors(province, as_of)
    if before:
        c = next(c for c in changes() if c.kind == "province" and fold(c.new) == fold(province))
        return (f"since {_date(c.date)} {province} also includes {', '.join(before)} ({c.short()}); "
                f"ask for {' or '.join(before)} by name for their documents")
    return None


def annotate(rows: list[dict], as_of: dt.date | None = None) -> list[dict]:
    """Add to each row the bodies in force on `as_of` for its `owners`, `agency` or `assigned`
    (`<field>_in_force`) and the chain of changes that leads there (`changes`)."""
    for row in rows:
        chain: list[str] = []
        province = row.get("province")
        for field in ("owners", "agency", "assigned"):
            value = row.get(field)
            if value is None:
                continue
            names = value if isinstance(value, list) else [value]
            now = []
            for name in names:
                bare, role = (*name.rsplit(" (", 1), "")[:2] if field == "assigned" else (name, "")
                f = in_force(bare, province, as_of)
                shown = f.agency + (f" {f.province}" if f.province != province and f.province else "")
                now.append(shown + (f" ({role}" if role else ""))
                chain.extend(x for x in f.chain if x not in chain)
            row[f"{field}_in_force"] = now if isinstance(value, list) else now[0]
        row["changes"] = chain
    return rows
