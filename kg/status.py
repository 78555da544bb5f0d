"""Where each target and task stands as of a date, by explicit rules (kg/data/status.toml).

A target is held against the results (reported in documents or imported from published sources)
for its province, indicator and unit that were known on the date; a task against its due day and
later reports.  Every status names its rule and, for a target, the result it rests on.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from .indicators import find_indicator
from .lexicon import load_toml
from .lookups import resolve_province
from .query import select
from .reorganisation import annotate
from .store import KGStore
from .text import fold

STATUS_FIELDS = ["kind", "status", "rule", "province", "year", "due", "comparator", "value", "unit", "indicator",
                 "what", "owners", "evidence", "result_value", "result_year", "result_source", "document", "number",
                 "file", "quote", "id", "result", "owners_in_force", "changes"]
TARGET_STATUSES = ("achieved", "on track", "at risk", "missed", "overdue", "no data")
TASK_STATUSES = ("done", "due", "overdue", "recurring", "no deadline")


@dataclass(frozen=True)
class Rules:
    margin: dict[str, float]
    text: dict[str, str]       # rule id -> what it says
    status: dict[str, str]     # rule id -> the status it gives


@lru_cache(maxsize=1)
def rules() -> Rules:
    raw = load_toml("status.toml")
    return Rules(margin={k: float(v) for k, v in raw["on_track_margin"].items()},
                 text={r["id"]: r["text"] for r in raw["rule"]},
                 status={r["id"]: r["status"] for r in raw["rule"]})


def known_on(result: dict, as_of: dt.date) -> bool:
    """A document's result from the document's date on; a published result for year N from 1/1/N+1."""
    if result["file"]:
        date = result["docDate"]
        return date is None or dt.date.fromisoformat(str(date)) <= as_of
    return result["year"] < as_of.year


def meets(value: float, comparator: str, target: float, unit: str) -> bool:
    if comparator in ("<=", "<") or unit == "rank":
        return value < target if comparator == "<" else value <= target
    return value > target if comparator == ">" else value >= target


def shortfall(value: float, target: float, unit: str) -> float:
    return value - target if unit == "rank" else target - value


def target_status(t: dict, results: list[dict], as_of: dt.date) -> tuple[str, dict | None]:
    """(rule id, the result it rests on) for one target."""
    if t["value"] is None or t["comparator"] in ("reduce_by", "increase_by"):
        return "not-checkable", None
    if not t["indicator"]:
        return "not-linked", None
    mine = sorted((r for r in results if r["indicator"] == t["indicator"] and r["unit"] == t["unit"]
                   and r["province"] == t["province"] and known_on(r, as_of)), key=lambda r: r["year"])
    year = t["year"]

    def ok(r: dict) -> bool:
        return meets(float(r["value"]), t["comparator"], float(t["value"]), t["unit"])

    if year is not None and as_of.year > year:      # the deadline (31/12 of its year) has passed
        after = [r for r in mine if r["year"] >= year]
        if not after:
            return "overdue", None
        return ("achieved" if ok(after[0]) else "missed"), after[0]
    if not mine:
        return "no-result", None
    latest = mine[-1]
    if ok(latest):
        return "achieved", latest
    gap = shortfall(float(latest["value"]), float(t["value"]), t["unit"])
    return ("on-track" if gap <= rules().margin.get(t["unit"], 0) else "at-risk"), latest


def task_status(task: dict, results: list[dict], task_date: str | None, as_of: dt.date) -> tuple[str, dict | None]:
    if task["deadline_kind"] == "recurring":
        return "task-recurring", None
    if not task["due"]:
        return "task-no-deadline", None
    named = find_indicator(task["task"])
    if named:
        reports = [r for r in results if r["file"] and r["file"] != task["file"] and r["indicator"] == named[0].id
                   and r["province"] == task["province"] and known_on(r, as_of)
                   and (task_date is None or (r["docDate"] and str(r["docDate"]) > str(task_date)))]
        if reports:
            return "task-done", reports[-1]
    if dt.date.fromisoformat(str(task["due"])) >= as_of:
        return "task-due", None
    return "task-overdue", None


def _evidence(r: dict | None) -> str | None:
    """'86.75% (2021)', 'rank 29 (2021)': the result a status rests on, for a table."""
    if r is None:
        return None
    value = f"{float(r['value']):g}"
    shown = f"rank {value}" if r["unit"] == "rank" else f"{value}%" if r["unit"] == "%" else f"{value} {r['unit']}"
    return f"{shown} ({r['year']})"


def _source(r: dict | None) -> str | None:
    if r is None:
        return None
    return r["source"] or (f"{r['file']}: {r['quote']}" if r["file"] else None)


def _row(kind: str, rule: str, r: dict | None, fact: dict, **fields) -> dict:
    """One status row: the fact's own fields, the status its rule gives, and the result it rests on."""
    row = dict.fromkeys(STATUS_FIELDS)
    row.update(kind=kind, status=rules().status[rule], rule=rule, province=fact["province"], number=fact["number"],
               file=fact["file"], quote=fact["quote"], evidence=_evidence(r), result_value=r and r["value"],
               result_year=r and r["year"], result_source=_source(r), result=r and r["result"], **fields)
    return row


def status(kg: KGStore, province: str | None = None, as_of: dt.date | None = None) -> list[dict]:
    """Every target's and dated task's status as of `as_of` (default today), with its rule and the
    result it rests on; filtered by province first (an unknown province raises NotFound)."""
    from .tasks import tasks
    as_of = as_of or dt.date.today()
    fprov = resolve_province(kg, province)
    results = select(kg, "results")
    owners_of: dict[str, set[str]] = {}
    for o in select(kg, "owners"):   # every ownership at once: one query, not one per target
        owners_of.setdefault(o["target"], set()).add(o["ownerName"])
    out: list[dict] = []
    for t in select(kg, "status_targets"):
        if fprov and t["province"] != fprov:
            continue
        rule, r = target_status(t, results, as_of)
        owners = sorted(owners_of.get(t["target"], ()))
        out.append(_row("target", rule, r, t, owners=owners, year=t["year"], comparator=t["comparator"],
                        value=t["value"], unit=t["unit"], indicator=(t["indicator"] or "").rsplit("/", 1)[-1] or None,
                        what=t["metric"], document=t["number"] or t["file"], id=t["target"]))
    dates = {d["file"]: d["date"] for d in select(kg, "documents")}
    for k in tasks(kg, province=province):
        if k["deadline"]:
            rule, r = task_status(k, results, dates.get(k["file"]), as_of)
            owners = [a.rsplit(" (", 1)[0] for a in k["assigned"]]
            out.append(_row("task", rule, r, k, owners=owners, due=k["due"], what=k["task"],
                            document=k["document"], id=k["id"]))
    order = {"target": TARGET_STATUSES, "task": TASK_STATUSES}
    out.sort(key=lambda s: (fold(s["province"] or ""), s["kind"], order[s["kind"]].index(s["status"]),
                            s["year"] or 0, str(s["due"] or ""), s["file"]))
    return annotate(out, as_of)


STATUS_GRAPH_NAME = "graph/status"


def status_graph(rows: list[dict], as_of: dt.date):
    """The statuses as RDF: one cchc:Status per target or task, with its value, the rule that gave it
    (a concept of cchc:StatusRules, defined from kg/data/status.toml) and the result it rests on."""
    from rdflib import Literal, URIRef
    from rdflib.namespace import RDF, SKOS, XSD

    from .graph import Triples
    from .vocab import CCHC, ID, status_iri, status_rule_iri
    g = Triples()
    rs = rules()
    for rule, text in rs.text.items():
        concept = status_rule_iri(rule)
        g.add((concept, RDF.type, SKOS.Concept))
        g.add((concept, SKOS.inScheme, CCHC.StatusRules))
        g.add((concept, SKOS.notation, Literal(rule)))
        g.add((concept, SKOS.definition, Literal(text, lang="en")))
        g.add((concept, CCHC.statusValue, status_iri(rs.status[rule])))
    for r in rows:
        node = ID[f"status/{r['id'].rsplit('/', 1)[-1]}"]
        g.add((node, RDF.type, CCHC.Status))
        g.add((node, CCHC.statusOf, URIRef(r["id"])))
        g.add((node, CCHC.statusValue, status_iri(r["status"])))
        g.add((node, CCHC.rule, status_rule_iri(r["rule"])))
        g.add((node, CCHC.asOf, Literal(as_of.isoformat(), datatype=XSD.date)))
        if r["result"]:
            g.add((node, CCHC.basedOn, URIRef(r["result"])))
    return g


def record_status(store_dir, as_of: dt.date | None = None) -> int:
    """Write the statuses as of `as_of` (default today) into the store's status graph, replacing the
    last ones in one update.  Returns how many were recorded."""
    from .graph import nquads
    from .store import open_store, record_change
    from .vocab import ID
    as_of = as_of or dt.date.today()
    kg = open_store(store_dir, read_only=False)
    rows = status(kg, as_of=as_of)
    body = nquads(status_graph(rows, as_of), None)
    name = ID[STATUS_GRAPH_NAME]
    kg.store.update(f"DROP SILENT GRAPH <{name}> ;\nINSERT DATA {{ GRAPH <{name}> {{\n{body}\n}} }}")
    kg.store.flush()
    record_change(kg, status_as_of=as_of.isoformat())
    return len(rows)
