"""Counts by document, reform area and agency."""
from __future__ import annotations

from collections import Counter, defaultdict

from .query import select
from .store import KGStore


def stats(kg: KGStore) -> dict[str, list[dict]]:
    targets = select(kg, "targets")
    duties = select(kg, "duties")
    owners = select(kg, "owners")
    docs = select(kg, "documents")
    by_doc = []
    t_count = Counter(t["file"] for t in targets)
    d_count = Counter(d["file"] for d in duties)
    owned = {o["target"] for o in owners}
    unowned = Counter(t["file"] for t in targets if t["target"] not in owned)
    for d in docs:
        by_doc.append({"document": d["file"], "kind": d["kind"], "province": d["province"],
                       "targets": t_count[d["file"]], "duties": d_count[d["file"]], "unowned": unowned[d["file"]]})
    by_area = []
    areas = Counter(t["area"] for t in targets)
    d_areas = Counter(d["area"] or "-" for d in duties)
    for area in sorted(set(areas) | set(d_areas)):
        by_area.append({"area": area, "targets": areas[area], "duties": d_areas[area]})
    roles: dict[str, Counter] = defaultdict(Counter)
    owned_by = Counter(o["ownerName"] for o in owners)
    for d in duties:
        roles[d["agencyName"]][d["role"]] += 1
    by_agency = []
    for name in sorted(set(roles) | set(owned_by), key=lambda n: (-(sum(roles[n].values()) + owned_by[n]), n)):
        r = roles[name]
        by_agency.append({"agency": name, "owns": owned_by[name], "lead": r["lead"], "coordinate": r["coordinate"],
                          "implement": r["implement"], "monitor": r["monitor"]})
    return {"documents": by_doc, "areas": by_area, "agencies": by_agency,
            "totals": [{"documents": len(docs), "targets": len(targets), "duties": len(duties),
                        "ownership links": len(owners), "triples": len(kg)}]}
