"""Agency analysis with networkx: load (targets owned, duties by role) and coordination ties.

Two agencies are tied when the same duty sentence charges both (one leads, the other
coordinates, or both share the task); the tie's weight counts such sentences.
"""
from __future__ import annotations

from collections import Counter, defaultdict

import networkx as nx

from .query import select
from .store import KGStore


def coordination_graph(kg: KGStore) -> nx.Graph[str]:
    duties = select(kg, "duties")
    owners = select(kg, "owners")
    g: nx.Graph[str] = nx.Graph()
    by_quote: dict[tuple[str, str], set[str]] = defaultdict(set)
    for d in duties:
        node = g.nodes.get(d["agency"])
        if node is None:
            g.add_node(d["agency"], name=d["agencyName"], province=d["province"] or "", roles=Counter(), owns=0)
            node = g.nodes[d["agency"]]
        node["roles"][d["role"]] += 1
        by_quote[(d["doc"], d["quote"])].add(d["agency"])
    for o in owners:
        if o["owner"] not in g:
            g.add_node(o["owner"], name=o["ownerName"], province="", roles=Counter(), owns=0)
        g.nodes[o["owner"]]["owns"] += 1
    for group in by_quote.values():
        agencies = sorted(group)
        for i, a in enumerate(agencies):
            for b in agencies[i + 1:]:
                w = g.edges[a, b]["weight"] + 1 if g.has_edge(a, b) else 1
                g.add_edge(a, b, weight=w)
    return g


def agency_load(kg: KGStore) -> list[dict]:
    """One row per agency: targets owned, duties by role, and the agencies it shares duties with."""
    g = coordination_graph(kg)
    centrality = nx.degree_centrality(g) if len(g) > 1 else {}
    rows = []
    for node, data in g.nodes(data=True):
        ties = sorted(g[node].items(), key=lambda kv: -kv[1]["weight"])
        rows.append({"agency": data["name"], "province": data["province"], "owns": data["owns"],
                     "lead": data["roles"]["lead"], "coordinate": data["roles"]["coordinate"],
                     "implement": data["roles"]["implement"], "monitor": data["roles"]["monitor"],
                     "degree_centrality": round(centrality.get(node, 0.0), 3),
                     "ties": [f"{g.nodes[o]['name']} ×{d['weight']}" for o, d in ties[:5]]})
    rows.sort(key=lambda r: (-(r["owns"] + r["lead"] + r["coordinate"] + r["implement"] + r["monitor"]), r["agency"]))
    return rows
