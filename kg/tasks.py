"""Tasks and accountability gaps: what is to be done, by whom, by when, and what nobody owns.

A task (cchc:Task) is one nhiệm vụ; its duties are its assignments (lead, coordinate, implement,
monitor).  `tasks` lists them with their deadlines as stated and the day each falls due; `gaps`
lists what an inspector looks for: targets no agency owns, tasks with no lead (only bodies that
coordinate are named), and tasks without a deadline.
"""
from __future__ import annotations

import datetime as dt

from .lookups import ROLES, _natural, resolve_agency, resolve_province, targets, task_assignments
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
          agency: str | None = None, as_of: dt.date | None = None) -> list[dict]:
    """Tasks with deadline, due day and assignments, filtered by due day (on or before; tasks without
    a dated deadline are left out then), province and agency (any role); unknown names: NotFound."""
    fprov = resolve_province(kg, province)
    kinds = set(resolve_agency(kg, agency, as_of)) if agency else None
    assigned = task_assignments(kg)
    out = []
    for r in select(kg, "tasks"):
        if fprov and r["province"] != fprov:
            continue
        if due_before is not None and (not r["due"] or dt.date.fromisoformat(str(r["due"])) > due_before):
            continue
        if kinds is not None and not any(a["kind"] in kinds for a in assigned.get(r["task"], [])):
            continue
        out.append(_row(r, assigned.get(r["task"], [])))
    if due_before is not None:
        out.sort(key=lambda t: (str(t["due"]), fold(t["province"] or ""), t["file"]))
    else:
        out.sort(key=lambda t: (fold(t["province"] or ""), t["file"], _natural(t["id"])))
    return annotate(out, as_of)


def gaps(kg: KGStore, province: str | None = None, as_of: dt.date | None = None) -> list[dict]:
    """Targets with no owner, tasks with no lead (only coordinating bodies named) and tasks with
    no deadline, each with its document and quote; an unknown province raises NotFound."""
    out = []
    for t in targets(kg, province=province, unowned=True):
        out.append({"gap": "target-without-owner", "province": t["province"], "what": t["metric"],
                    "deadline": t["year"], "owners": [], "document": t["document"], "number": t["number"],
                    "file": t["file"], "quote": t["quote"], "id": t["target"]})
    for t in tasks(kg, province=province):
        who = [x for role in ROLES for x in t[role]]
        if not any(t[role] for role in CARRIES):
            out.append({"gap": "task-without-lead", "province": t["province"], "what": t["task"],
                        "deadline": t["deadline"], "owners": who, "document": t["document"], "number": t["number"],
                        "file": t["file"], "quote": t["quote"], "id": t["id"]})
        if not t["deadline"]:
            out.append({"gap": "task-without-deadline", "province": t["province"], "what": t["task"],
                        "deadline": None, "owners": who, "document": t["document"], "number": t["number"],
                        "file": t["file"], "quote": t["quote"], "id": t["id"]})
    order = list(GAPS)
    out.sort(key=lambda g: (order.index(g["gap"]), fold(g["province"] or ""), g["file"], _natural(g["id"])))
    return annotate(out, as_of)
