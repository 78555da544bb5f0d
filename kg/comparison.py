"""Provinces compared by indicator, against the national programme; the indicator catalogue with its use.

`compare` runs the named query compare_indicator.rq (the analysts' query: the verdict — stricter,
equal, looser, later, milestone — is computed there, once) for the indicators a user names,
filters by province and year first, and adds each target's owners ("no owner named" when none).
"""
from __future__ import annotations

import datetime as dt
import difflib

import pyoxigraph as ox

from .abbreviations import search_words
from .errors import KGError
from .graph import indicator_iri
from .indicators import Indicator, catalogue, resolve
from .lookups import MAX_QUERY, NotFound, resolve_province, target_owners
from .model import SCOPE_SUFFIX
from .output import target_cell
from .query import select
from .reorganisation import annotate
from .store import KGStore
from .text import fold

COMPARE_FIELDS = ["indicator", "province", "year", "comparator", "value", "unit", "scope", "national", "verdict",
                  "owners", "owned", "indicator_label", "document", "number", "file", "quote", "target",
                  "owners_in_force", "changes"]
INDICATOR_FIELDS = ["id", "family", "unit", "area", "label", "label_en", "broader", "national", "provinces",
                    "targets", "source", "source_url"]
_LEVELS = list(SCOPE_SUFFIX)   # cấp tỉnh, cấp huyện, cấp xã
VERDICTS = ("stricter", "equal", "looser", "later", "milestone", "not comparable", "no national value")


def resolve_indicators(words: str) -> list[Indicator]:
    """The catalogue indicators `words` name (an id, or words of a name, alias or phrase), or NotFound
    with the nearest names."""
    if len(words) > MAX_QUERY:
        raise KGError(f"indicator name too long ({len(words)} characters; at most {MAX_QUERY})")
    if not search_words(words):
        raise KGError("name an indicator (an id or words), e.g. kg compare sipas; kg indicators lists them")
    found = resolve(words)
    if found:
        return found
    names = {ind.id: fold(ind.vi) for ind in catalogue().values()}
    near = difflib.get_close_matches(fold(words), list(names.values()) + list(names), n=3, cutoff=0.4)
    shown = [i for i, n in names.items() if n in near or i in near]
    hint = f"; nearest: {', '.join(shown)}" if shown else ""
    raise NotFound(f"no indicator named {words!r} in the catalogue{hint} (kg indicators lists them)")


def national_text(comparator: str | None, value: float | int | None, unit: str | None, year: int | None) -> str | None:
    """'≥80% (2025)': a national value written as the tables write a target (`kg.output.target_cell`)."""
    if value is None or year is None:
        return None
    return f"{target_cell({'comparator': comparator, 'value': value, 'unit': unit})} ({year})"


def national_values(ind: Indicator) -> str | None:
    """'≥80% (2025); ≥90% (2030)' — the catalogue's national values of an indicator, by year and level."""
    parts = [f"{national_text(n.comparator, n.value, ind.unit, n.year)}" + (f" {n.scope}" if n.scope else "")
             for n in sorted(ind.national, key=lambda n: (n.year, _LEVELS.index(n.scope) if n.scope else -1))]
    return "; ".join(parts) or None


def heading(indicator_id: str) -> str:
    """One line naming an indicator for a table: id, Vietnamese name, family and national values."""
    ind = catalogue()[indicator_id]
    national = national_values(ind)
    return f"{ind.id}: {ind.vi} [{ind.scheme}" + (f"; national {national}" if national else "; no national value") + "]"


def compare(kg: KGStore, words: str, province: str | None = None, year: int | None = None,
            as_of: dt.date | None = None) -> list[dict]:
    """Every province's target for the indicators `words` name, beside the national value of the same
    year and level, with a verdict; filtered by province and year first.  Unknown indicator or
    province: NotFound; an indicator no target measures gives no rows."""
    indicators = resolve_indicators(words)
    fprov = resolve_province(kg, province)
    out = []
    for ind in indicators:
        for r in select(kg, "compare_indicator", indicator=ox.NamedNode(str(indicator_iri(ind.id)))):
            if (fprov and r["province"] != fprov) or (year is not None and r["year"] != year):
                continue
            owners = target_owners(kg, r["target"])
            value = r["value"] if r["valueMax"] is None else f"{r['value']}-{r['valueMax']}"
            out.append({
                "indicator": ind.id, "province": r["province"], "year": r["year"], "comparator": r["comparator"],
                "value": value, "unit": r["unit"], "scope": r["scope"],
                "national": national_text(r["nationalComparator"], r["nationalValue"], ind.unit, r["nationalYear"]),
                "verdict": r["verdict"], "owners": sorted({o["ownerName"] for o in owners}), "owned": bool(owners),
                "indicator_label": ind.vi, "document": r["number"] or r["file"], "number": r["number"],
                "file": r["file"], "quote": r["quote"], "target": r["target"]})
    return annotate(out, as_of)


def indicators(kg: KGStore, family: str | None = None) -> list[dict]:
    """The catalogue: per indicator its family, unit, defining instrument, national values, and how
    many provinces (and targets) in the store set a target for it."""
    rows = select(kg, "indicators")
    if family:
        key = fold(family).replace(" ", "")
        families = sorted({r["family"] for r in rows})
        chosen = [f for f in families if key in fold(f).replace(" ", "")]
        if not chosen:
            raise NotFound(f"no indicator family {family!r}; families: {', '.join(families)}")
        rows = [r for r in rows if r["family"] in chosen]
    order = {ind_id: i for i, ind_id in enumerate(catalogue())}
    rows.sort(key=lambda r: order.get(r["id"], len(order)))
    cat = catalogue()
    return [{"id": r["id"], "family": r["family"], "unit": r["unit"], "area": r["area"], "label": r["label"],
             "label_en": r["labelEn"], "broader": r["broader"],
             "national": national_values(cat[r["id"]]) if r["id"] in cat else r["national"],
             "provinces": r["provinces"], "targets": r["targets"], "source": r["definedBy"],
             "source_url": r["seeAlso"]} for r in rows]
