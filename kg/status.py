"""Where each target and task stands as of a date, by explicit rules (kg/data/status.toml).

A target is held against the results (reported in documents or imported from published sources)
for its province, indicator and unit that were known on the date; a task against its due day and
later reports.  Every status names its rule and, for a target, the result it rests on.

A status depends on its own fact, its document and the results of its province only.  So the
statuses recorded in the store (one cchc:Status each, in the status graph) are judged again after a
change only where it can reach (`record_statuses` with the documents written): the facts of those
documents, of the provinces whose results changed, and those whose status rests on a result that
changed or went.  Facts are read document by document, or all at once when many are asked for.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice

import pyoxigraph as ox

from .indicators import Indicator, find_indicator
from .lexicon import load_toml
from .lookups import ROLES, _natural, resolve_province
from .query import Row, select
from .reorganisation import annotate
from .store import KGStore
from .text import fold
from .vocab import CCHC, ID, status_iri, status_rule_iri

STATUS_FIELDS = ["kind", "status", "rule", "province", "year", "due", "comparator", "value", "unit", "indicator",
                 "what", "owners", "evidence", "result_value", "result_year", "result_source", "document", "number",
                 "file", "quote", "id", "result", "owners_in_force", "changes"]
TARGET_STATUSES = ("achieved", "on track", "at risk", "missed", "overdue", "no data")
TASK_STATUSES = ("done", "due", "overdue", "recurring", "no deadline")
STATUS_GRAPH_NAME = "graph/status"
# More documents than this are read with one query over the whole store rather than one each.
PER_DOCUMENT = 300


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


def _in_order(r: dict) -> tuple:
    """Results by year; two of one year in the order they are stated (by IRI), the same every time."""
    return r["year"], _natural(r["result"] or "")


def target_status(t: dict, results: list[dict], as_of: dt.date) -> tuple[str, dict | None]:
    """(rule id, the result it rests on) for one target."""
    if t["value"] is None or t["comparator"] in ("reduce_by", "increase_by"):
        return "not-checkable", None
    if not t["indicator"]:
        return "not-linked", None
    mine = sorted((r for r in results if r["indicator"] == t["indicator"] and r["unit"] == t["unit"]
                   and r["province"] == t["province"] and known_on(r, as_of)), key=_in_order)
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


def task_status(task: dict, results: list[dict], task_date: str | None, as_of: dt.date,
                named: Callable[[str], tuple[Indicator, str] | None] = find_indicator) -> tuple[str, dict | None]:
    """(rule id, the report it rests on) for one task: done when a later document of its province
    reports a result for the indicator the task names."""
    if task["deadline_kind"] == "recurring":
        return "task-recurring", None
    if not task["due"]:
        return "task-no-deadline", None
    later = [r for r in results if r["doc"] and r["doc"] != task["doc"] and r["province"] == task["province"]
             and known_on(r, as_of) and (task_date is None or (r["docDate"] and str(r["docDate"]) > str(task_date)))]
    found = named(task["task"]) if later else None
    if found:
        indicator = f"{ID}indicator/{found[0].id}"
        reports = sorted((r for r in later if r["indicator"] == indicator), key=_in_order)
        if reports:
            return "task-done", reports[-1]
    if dt.date.fromisoformat(str(task["due"])) >= as_of:
        return "task-due", None
    return "task-overdue", None


# ------------------------------------------------------------------ the facts statuses are judged on
def _scoped(kg: KGStore, name: str, docs: Collection[str] | None, one: str | None = None) -> list[Row]:
    """A query's rows for every document (None) or for some: with the query `one` (default the same,
    ?doc bound) for each, or all at once and kept."""
    if docs is None:
        return select(kg, name)
    if len(docs) > PER_DOCUMENT:
        return [r for r in select(kg, name) if r["doc"] in docs]
    return [r for d in docs for r in select(kg, one or name, doc=ox.NamedNode(d))]


def _documents(kg: KGStore, docs: Collection[str] | None = None) -> dict[str, dict]:
    """Document IRI -> its file, province, number and date (its own, else the described instrument's)."""
    seen: dict[str, dict[str, set]] = {}
    for r in _scoped(kg, "status_documents", docs):
        d = seen.setdefault(r["doc"], defaultdict(set))
        for key in ("file", "province", "ownNumber", "describedNumber", "ownDate", "describedDate"):
            if r[key] is not None:
                d[key].add(str(r[key]))

    def first(d: dict[str, set], *keys: str) -> str | None:
        return next((min(d[k]) for k in keys if d[k]), None)

    return {doc: {"file": first(d, "file"), "province": first(d, "province"),
                  "number": first(d, "ownNumber", "describedNumber"), "date": first(d, "ownDate", "describedDate")}
            for doc, d in seen.items()}


def _targets(kg: KGStore, docs: dict[str, dict], scope: Collection[str] | None = None) -> list[dict]:
    out = []
    for r in _scoped(kg, "status_targets", scope):
        d = docs.get(r["doc"])
        if d is None:
            continue
        out.append({"target": r["target"], "doc": r["doc"], "province": d["province"], "file": d["file"],
                    "number": d["number"], "year": None if r["deadline"] is None else int(str(r["deadline"])),
                    "value": r["value"], "unit": r["unit"], "comparator": r["comparator"],
                    "indicator": r["indicator"]})
    out.sort(key=lambda t: (t["file"], _natural(t["target"])))
    return out


def _tasks(kg: KGStore, docs: dict[str, dict], scope: Collection[str] | None = None) -> list[dict]:
    out = []
    for r in _scoped(kg, "status_tasks", scope, "status_tasks_of"):
        d = docs.get(r["doc"])
        if d is None or not r["deadlineText"]:
            continue
        out.append({"id": r["task"], "doc": r["doc"], "province": d["province"], "file": d["file"],
                    "number": d["number"], "date": d["date"], "task": r["text"], "deadline": r["deadlineText"],
                    "deadline_kind": r["deadlineKind"], "due": r["due"]})
    out.sort(key=lambda k: (k["file"], _natural(k["id"])))
    return out


def judged(targets: list[dict], tasks: list[dict], results: list[dict],
           as_of: dt.date) -> Iterator[tuple[str, dict, str, dict | None]]:
    """(kind, fact, rule id, the result it rests on) for each target and task."""
    of_province: dict[str | None, list[dict]] = defaultdict(list)
    for r in results:
        of_province[r["province"]].append(r)
    named = lru_cache(maxsize=None)(find_indicator)   # many tasks are worded alike
    for t in targets:
        rule, based = target_status(t, of_province.get(t["province"], []), as_of)
        yield "target", t, rule, based
    for k in tasks:
        rule, based = task_status(k, of_province.get(k["province"], []), k["date"], as_of, named)
        yield "task", k, rule, based


# ------------------------------------------------------------------ statuses as rows (kg status, kg report)
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


def _owners(kg: KGStore, scope: Collection[str] | None) -> dict[str, list[str]]:
    """Fact IRI -> who answers for it: a target's owners by name, a task's assignments leads first."""
    found: dict[str, dict[tuple, tuple]] = defaultdict(dict)
    for r in _scoped(kg, "status_owners", scope):
        found[r["fact"]][r["agency"], r["role"]] = (r["role"], r["name"], r["agency"])
    out = {}
    for fact, assigned in found.items():
        if all(role is None for role, _, _ in assigned.values()):
            out[fact] = sorted({name for _, name, _ in assigned.values()})
        else:
            ranked = sorted(assigned.values(), key=lambda a: (ROLES.index(a[0]) if a[0] in ROLES else 9, fold(a[1]),
                                                              a[1], a[2]))
            out[fact] = [name for _, name, _ in ranked]
    return out


def status(kg: KGStore, province: str | None = None, as_of: dt.date | None = None) -> list[dict]:
    """Every target's and dated task's status as of `as_of` (default today), with its rule and the
    result it rests on; filtered by province first (an unknown province raises NotFound)."""
    as_of = as_of or dt.date.today()
    fprov = resolve_province(kg, province)
    docs = _documents(kg)
    scope = {d for d, x in docs.items() if x["province"] == fprov} if fprov else None
    details = {r["fact"]: r for r in _scoped(kg, "status_details", scope)}
    owners = _owners(kg, scope)
    out: list[dict] = []
    for kind, fact, rule, r in judged(_targets(kg, docs, scope), _tasks(kg, docs, scope),
                                      select(kg, "status_results"), as_of):
        key = fact["target" if kind == "target" else "id"]
        detail = details.get(key, {})
        fact = dict(fact, quote=detail.get("quote"))
        if kind == "target":
            out.append(_row("target", rule, r, fact, owners=owners.get(key, []), year=fact["year"],
                            comparator=fact["comparator"], value=fact["value"], unit=fact["unit"],
                            indicator=(fact["indicator"] or "").rsplit("/", 1)[-1] or None, what=detail.get("metric"),
                            document=fact["number"] or fact["file"], id=key))
        else:
            out.append(_row("task", rule, r, fact, owners=owners.get(key, []), due=fact["due"], what=fact["task"],
                            document=fact["number"] or fact["file"], id=key))
    order = {"target": TARGET_STATUSES, "task": TASK_STATUSES}
    out.sort(key=lambda s: (fold(s["province"] or ""), s["kind"], order[s["kind"]].index(s["status"]),
                            s["year"] or 0, str(s["due"] or ""), s["file"]))
    return annotate(out, as_of)


# ------------------------------------------------------------------ statuses in the graph
def _iri(term: object) -> ox.NamedNode:
    return ox.NamedNode(str(term))


def _rule_quads(graph: ox.NamedNode) -> list[ox.Quad]:
    """The status rules as concepts of cchc:StatusRules, each with what it says and the status it gives."""
    rdf_type, skos = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), "http://www.w3.org/2004/02/skos/core#"
    rs = rules()
    out = []
    for rule, text in rs.text.items():
        concept = _iri(status_rule_iri(rule))
        out += [ox.Quad(concept, rdf_type, ox.NamedNode(skos + "Concept"), graph),
                ox.Quad(concept, ox.NamedNode(skos + "inScheme"), _iri(CCHC.StatusRules), graph),
                ox.Quad(concept, ox.NamedNode(skos + "notation"), ox.Literal(rule), graph),
                ox.Quad(concept, ox.NamedNode(skos + "definition"), ox.Literal(text, language="en"), graph),
                ox.Quad(concept, _iri(CCHC.statusValue), _iri(status_iri(rs.status[rule])), graph)]
    return out


def _status_quads(verdicts: Iterable[tuple[str, dict, str, dict | None]], as_of: dt.date,
                  graph: ox.NamedNode) -> Iterator[ox.Quad]:
    """One cchc:Status per target or task: its value, the rule that gave it, the date and the result it rests on."""
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    status_class, status_of, value, rule_p, as_of_p, based_on = (
        _iri(t) for t in (CCHC.Status, CCHC.statusOf, CCHC.statusValue, CCHC.rule, CCHC.asOf, CCHC.basedOn))
    day = ox.Literal(as_of.isoformat(), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))
    statuses = {s: _iri(status_iri(s)) for s in rules().status.values()}
    for kind, fact, rule, r in verdicts:
        fact_iri = fact["target" if kind == "target" else "id"]
        node = _status_node(fact_iri)
        yield from (ox.Quad(node, rdf_type, status_class, graph),
                    ox.Quad(node, status_of, ox.NamedNode(fact_iri), graph),
                    ox.Quad(node, value, statuses[rules().status[rule]], graph),
                    ox.Quad(node, rule_p, _iri(status_rule_iri(rule)), graph), ox.Quad(node, as_of_p, day, graph))
        if r and r["result"]:
            yield ox.Quad(node, based_on, ox.NamedNode(r["result"]), graph)


def _status_node(fact: str) -> ox.NamedNode:
    return ox.NamedNode(f"{ID}status/{fact.rsplit('/', 1)[-1]}")


def _nquads(quads: Iterable[ox.Quad]) -> bytes:
    return ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""


def _chunks(quads: Iterable[ox.Quad], size: int = 30_000) -> Iterator[bytes]:
    """N-Quads a few MB at a time."""
    it = iter(quads)
    while batch := list(islice(it, size)):
        yield _nquads(batch)


def status_graph_iri() -> ox.NamedNode:
    return ox.NamedNode(f"{ID}{STATUS_GRAPH_NAME}")


def record_statuses(kg: KGStore, as_of: dt.date, written: Collection[str] | None = None,
                    previous: KGStore | None = None, datasets: Collection[str] = ()) -> Iterator[bytes]:
    """The statuses as of `as_of` for the status graph, as chunks of N-Quads to add to the store.

    With `written` None, all of them and the rules (the status graph must be empty).  Otherwise the
    status graph holds the statuses as of `as_of` from before the documents `written` (IRIs) and
    the results of `datasets` (IRIs) were written, and before the documents `previous` (the store
    as it was) holds and `kg` no longer does were removed: the statuses these changes can reach
    are removed from the store here, and given again."""
    graph = status_graph_iri()
    results = select(kg, "status_results")
    reached = None if written is None else _reached(kg, graph, results, set(written), previous, set(datasets))
    if reached is None:
        yield _nquads(_rule_quads(graph))
        docs = _documents(kg)
        reached = _targets(kg, docs), _tasks(kg, docs)
    yield from _chunks(_status_quads(judged(*reached, results, as_of), as_of, graph))


def _documents_in(kg: KGStore) -> set[str]:
    """The IRIs of the documents a store holds (one named graph each)."""
    graphs = f"{ID}graph/doc/"
    return {f"{ID}doc/{g.value[len(graphs):]}" for g in kg.store.named_graphs()
            if isinstance(g, ox.NamedNode) and g.value.startswith(graphs)}


def _reached(kg: KGStore, graph: ox.NamedNode, results: list[Row], written: set[str], previous: KGStore | None,
             datasets: set[str]) -> tuple[list[dict], list[dict]] | None:
    """The targets and tasks to judge again after a change (see `record_statuses`): those of the
    documents written, those whose status rests on a result changed or gone, and those of a province
    and indicator with a result changed.  Their statuses, and those of the facts of documents changed
    or removed, are removed from `graph`.  None: so many that all are judged again (`graph` is emptied)."""
    store = kg.store
    stated_in, status_of, based_on = (_iri(t) for t in (CCHC.statedIn, CCHC.statusOf, CCHC.basedOn))
    changed = [r for r in results if r["doc"] in written or r["dataset"] in datasets]
    changed_ids, known = {r["result"] for r in changed}, {r["result"] for r in results}
    again = set(written)   # documents all of whose facts are judged again
    for q in store.quads_for_pattern(None, based_on, None, graph):
        result = q.object.value if isinstance(q.object, ox.NamedNode) else None
        if result in changed_ids or result not in known:   # it rests on a result changed or gone
            for fact in store.quads_for_pattern(q.subject, status_of, None, graph):
                if isinstance(fact.object, ox.NamedNode):
                    again.update(d.object.value for d in store.quads_for_pattern(fact.object, stated_in, None)
                                 if isinstance(d.object, ox.NamedNode))
    removed = (_documents_in(previous) - _documents_in(kg)) | written if previous is not None else set()
    if len(again) + len(removed) > PER_DOCUMENT:
        store.remove_graph(graph)
        return None
    docs = _documents(kg, again)
    targets, tasks = _targets(kg, docs, again), _tasks(kg, docs, again)
    stale = {r["status"] for r in _scoped(kg, "status_nodes", again)}
    if previous is not None:   # the statuses of the facts of documents changed or removed
        stale |= {r["status"] for r in _scoped(previous, "status_nodes", removed)}
    if changed:
        more_targets, more_tasks = _measuring(kg, {(r["province"], r["indicator"]) for r in changed}, again)
        targets += more_targets
        tasks += more_tasks
        stale |= {_status_node(t["target"]).value for t in more_targets} | {_status_node(k["id"]).value
                                                                           for k in more_tasks}
    for node in stale:
        for q in list(store.quads_for_pattern(ox.NamedNode(node), None, None, graph)):
            store.remove(q)
    return targets, tasks


def _measuring(kg: KGStore, keys: set[tuple[str | None, str]], but: set[str]) -> tuple[list[dict], list[dict]]:
    """The targets of a (province, indicator) of `keys` that measure that indicator, and the dated
    tasks of the province that name it: those a result of it can change (but those of documents `but`)."""
    found = {r["target"]: r["doc"] for indicator in {i for _, i in keys}
             for r in select(kg, "status_measuring", indicator=ox.NamedNode(indicator)) if r["doc"] not in but}
    scope = set(found.values())
    targets = _targets(kg, _documents(kg, scope), scope)
    reached = {t["target"] for t in targets if t["target"] in found and (t["province"], t["indicator"]) in keys}
    provinces = {p for p, _ in keys}
    docs = {d: x for d, x in _documents(kg).items() if x["province"] in provinces and d not in but}
    tasks = _tasks(kg, docs, set(docs))
    named = lru_cache(maxsize=None)(find_indicator)
    for k in tasks:
        if k["due"] and k["deadline_kind"] != "recurring" and (indicator := named(k["task"])) \
                and (k["province"], f"{ID}indicator/{indicator[0].id}") in keys:
            reached.add(k["id"])
    # every row of a fact reached (a target measuring two indicators has two)
    return [t for t in targets if t["target"] in reached], [k for k in tasks if k["id"] in reached]


def record_status(store_dir, as_of: dt.date | None = None, datasets: Collection[str] | None = None) -> int:
    """Write the statuses as of `as_of` (default today) into the store's status graph.  With
    `datasets` (IRIs of results just written) and a status graph as of that day, only the statuses
    those results can have changed are judged again; otherwise all.  Returns how many it holds."""
    from .store import open_store, record_change
    as_of = as_of or dt.date.today()
    kg = open_store(store_dir, read_only=False)
    graph = status_graph_iri()
    written: list[str] | None = []
    if datasets is None or kg.info.get("status_as_of") != as_of.isoformat() \
            or not kg.store.contains_named_graph(graph):
        written, datasets = None, ()
        record_change(kg, status_as_of=None)   # until the graph is whole again
        kg.store.remove_graph(graph)
    for chunk in record_statuses(kg, as_of, written, datasets=datasets):
        kg.store.load(chunk, format=ox.RdfFormat.N_QUADS)
    kg.store.flush()
    record_change(kg, status_as_of=as_of.isoformat())
    return sum(1 for _ in kg.store.quads_for_pattern(None, _iri(CCHC.statusOf), None, graph))
