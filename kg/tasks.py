"""Tasks and accountability gaps: what is to be done, by whom, by when, and what nobody owns.

A task (cchc:Task) is one nhiệm vụ; its duties are its assignments (lead, coordinate, implement,
monitor).  `tasks` lists them with their deadlines as stated and the day each falls due; `gaps`
lists what an inspector looks for: targets no agency owns, tasks with no lead (only bodies that
coordinate are named), and tasks without a deadline.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pyoxigraph as ox

from .lookups import (
    MANY,
    MAX_PIECEWISE,
    ROLES,
    _natural,
    _provinces,
    documents_by_province,
    resolve_agency,
    resolve_province,
    targets,
    task_assignments,
)
from .model import AREAS
from .query import select
from .reorganisation import annotate
from .store import KGStore
from .text import fold

TASK_FIELDS = ["province", "deadline", "deadline_kind", "due", "recurrence", "area", "task", "assigned", "lead",
               "coordinate", "implement", "monitor", "document", "number", "file", "quote", "id", "assigned_in_force",
               "changes"]
GAP_FIELDS = ["gap", "province", "what", "deadline", "owners", "document", "number", "file", "quote", "id",
              "owners_in_force", "changes"]
# A task has a lead when some body leads it, carries it out or monitors (theo dõi, đôn đốc) as its own work;
# a task only coordinated ("phối hợp ...") has nobody answerable for it.
CARRIES = ("lead", "implement", "monitor")
GAPS = {"target-without-owner": "targets no agency owns",
        "task-without-lead": "tasks with no lead (only coordinating bodies named)",
        "task-without-deadline": "tasks without a deadline"}


def _area(iri: str | None) -> str | None:
    tail = iri.rsplit("#area-", 1)[-1] if iri else None
    return tail if tail in AREAS else None


def _row(r: dict, assigned: list[dict]) -> dict:
    by_role = {role: [a["agency"] for a in assigned if a["role"] == role] for role in ROLES}
    return {"province": r["province"], "deadline": r["deadlineText"], "deadline_kind": r["deadlineKind"],
            "due": r["due"], "recurrence": r["recurrence"], "area": _area(r["areaIri"]), "task": r["text"],
            "assigned": [f"{a['agency']} ({a['role']})" for a in assigned], **by_role,
            "document": r["number"] or r["file"], "number": r["number"], "file": r["file"],
            "quote": r["quote"], "id": r["task"]}


def tasks(kg: KGStore, due_before: dt.date | None = None, province: str | None = None,
          agency: str | None = None, as_of: dt.date | None = None, limit: int | None = None) -> list[dict]:
    """Tasks with deadline, due day and assignments, filtered by due day (on or before; tasks without
    a dated deadline are left out then), province and agency (any role); unknown names: NotFound.
    Sorted by province, document and task (by due day first with `due_before`); with `limit`, only
    the first `limit` rows are read in full."""
    fprov = resolve_province(kg, province)
    kinds = set(resolve_agency(kg, agency, as_of)) if agency else None

    def keep(r: dict, assigned: list[dict]) -> bool:
        if due_before is not None and (not r["due"] or dt.date.fromisoformat(str(r["due"])) > due_before):
            return False
        return kinds is None or any(a["kind"] in kinds for a in assigned)

    # by due day, the whole list is read and sorted; else it comes in list order, a province at a time
    listed = _listed_tasks(kg, fprov, keep, None if due_before is not None else limit)
    out = [_row(r, assigned) for r, assigned in listed]
    if due_before is not None:
        out.sort(key=lambda t: (str(t["due"]), fold(t["province"] or ""), t["file"]))
    return annotate(out[:limit] if limit else out, as_of)


def _order(r: dict) -> tuple:
    return fold(r["province"] or ""), r["file"], _natural(r["task"]), r["start"] or 0


def _listed_tasks(kg: KGStore, fprov: str | None, keep: Callable[[dict, list[dict]], bool],
                  limit: int | None, enough: Callable[[list], bool] | None = None) -> list[tuple[dict, list[dict]]]:
    """The tasks `keep(row, assignments)` keeps (rows of tasks.rq), with their assignments, in the
    order of the task list (province, document, task): all of them, or the first ones up to where
    `limit` of them (or `enough` of them) are complete.

    With a province or a limit the documents are read a province at a time (one small query each),
    until the limit is reached; else (or when the filters keep too few tasks for that to end soon)
    one query reads every task of the store."""
    def done(kept: list) -> bool:
        return bool(limit and len(kept) >= limit) or bool(enough and enough(kept))

    if fprov or limit or enough:
        groups = documents_by_province(kg, _provinces(kg), fprov)
        kept: list[tuple[dict, list[dict]]] = []
        every: dict[str, list[dict]] | None = None   # all the assignments, read once if a province has many tasks
        asked = 0
        for key in sorted(groups):
            if done(kept):
                break
            asked += len(groups[key])
            if asked > MAX_PIECEWISE and not fprov:
                break
            rows = sorted((r for doc in groups[key] for r in select(kg, "document_tasks", doc=ox.NamedNode(doc))
                           if fold(r["province"] or "") == key), key=_order)
            if len(rows) <= MANY:
                assigned = task_assignments(kg, [r["task"] for r in rows])
            else:
                assigned = every = every if every is not None else task_assignments(kg)
            kept.extend((r, assigned.get(r["task"], [])) for r in rows if keep(r, assigned.get(r["task"], [])))
        else:
            return kept
        if done(kept):
            return kept
    assigned = task_assignments(kg)
    rows = sorted((r for r in select(kg, "tasks") if not fprov or r["province"] == fprov), key=_order)
    return [(r, assigned.get(r["task"], [])) for r in rows if keep(r, assigned.get(r["task"], []))]


def gaps(kg: KGStore, province: str | None = None, as_of: dt.date | None = None,
         limit: int | None = None) -> list[dict]:
    """Targets with no owner, tasks with no lead (only coordinating bodies named) and tasks with
    no deadline, each with its document and quote, sorted by kind of gap, province, document and
    id; with `limit`, the first `limit` of each kind.  An unknown province raises NotFound."""
    fprov = resolve_province(kg, province)
    out = []
    for t in targets(kg, province=fprov, unowned=True, limit=limit, whole_provinces=True):
        out.append({"gap": "target-without-owner", "province": t["province"], "what": t["metric"],
                    "deadline": t["year"], "owners": [], "document": t["document"], "number": t["number"],
                    "file": t["file"], "quote": t["quote"], "id": t["target"]})

    def without_lead(assigned: list[dict]) -> bool:
        return not any(a["role"] in CARRIES for a in assigned)

    def enough(kept: list[tuple[dict, list[dict]]]) -> bool:   # the first `limit` of both kinds are known
        n = limit or 0
        return sum(without_lead(a) for _, a in kept) >= n and sum(not r["deadlineText"] for r, _ in kept) >= n

    listed = _listed_tasks(kg, fprov,
                           lambda r, assigned: without_lead(assigned) or not r["deadlineText"],
                           None, enough if limit else None)
    lead_gaps, deadline_gaps = [], []
    for r, assigned in listed:
        t = _row(r, assigned)
        who = [x for role in ROLES for x in t[role]]
        if without_lead(assigned):
            lead_gaps.append({"gap": "task-without-lead", "province": t["province"], "what": t["task"],
                              "deadline": t["deadline"], "owners": who, "document": t["document"],
                              "number": t["number"], "file": t["file"], "quote": t["quote"], "id": t["id"]})
        if not t["deadline"]:
            deadline_gaps.append({"gap": "task-without-deadline", "province": t["province"], "what": t["task"],
                                  "deadline": None, "owners": who, "document": t["document"], "number": t["number"],
                                  "file": t["file"], "quote": t["quote"], "id": t["id"]})
    order = list(GAPS)
    out.sort(key=lambda g: (fold(g["province"] or ""), g["file"], _natural(g["id"])))
    out = out[:limit] if limit else out
    out += lead_gaps[:limit] if limit else lead_gaps
    out += deadline_gaps[:limit] if limit else deadline_gaps
    out.sort(key=lambda g: (order.index(g["gap"]), fold(g["province"] or ""), g["file"], _natural(g["id"])))
    return annotate(out, as_of)
