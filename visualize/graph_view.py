"""The map's data: nodes (documents, reform areas, targets, agencies) and edges, with a layout.

Built from the store's named queries, filtered by province, agency, area and year, laid out
in Python (areas on a circle, their targets clustered around them, agencies on an outer ring
near the areas they work in, documents inside), so the browser draws it at once with
physics off.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import networkx as nx

from kg.lookups import resolve_agency, resolve_area, resolve_province
from kg.model import AREAS
from kg.query import select
from kg.store import KGStore
from kg.text import fold

AREA_COLORS = {"the_che": "#1f77b4", "thu_tuc_hanh_chinh": "#ff7f0e", "to_chuc_bo_may": "#2ca02c",
               "che_do_cong_vu": "#d62728", "tai_chinh_cong": "#9467bd", "chinh_quyen_so": "#17becf",
               "chi_so": "#bcbd22", "khac": "#7f7f7f"}
AREA_LABELS = {"the_che": "Cải cách thể chế", "thu_tuc_hanh_chinh": "Cải cách thủ tục hành chính",
               "to_chuc_bo_may": "Cải cách tổ chức bộ máy", "che_do_cong_vu": "Cải cách chế độ công vụ",
               "tai_chinh_cong": "Cải cách tài chính công", "chinh_quyen_so": "Chính quyền điện tử, số",
               "chi_so": "Các chỉ số (PAR, SIPAS, PCI, PAPI)", "khac": "Khác"}
ROLE_COLORS = {"lead": "#d62728", "coordinate": "#1f77b4", "implement": "#2ca02c", "monitor": "#ff7f0e"}
UNOWNED_COLOR = "#d62728"
CMP = {">=": "≥", "<=": "≤", "=": "", ">": ">", "<": "<", "reduce_by": "giảm ", "increase_by": "tăng "}


@dataclass
class View:
    nodes: list[dict] = field(default_factory=list)
    edges: list[dict] = field(default_factory=list)
    provinces: list[str] = field(default_factory=list)


def _target_text(t: dict, owners: list[dict]) -> str:
    value = "" if t["value"] is None else f"{CMP.get(t['comparator'], t['comparator'])}{t['value']}" + (
        f"–{t['valueMax']}" if t.get("valueMax") is not None else "") + ("%" if t["unit"] == "%" else f" {t['unit']}")
    lines = [t["metric"], "",
             f"Chỉ tiêu: {value or 'định tính (level)'}   Thời hạn: {t['year'] or 'không nêu'}",
             f"Lĩnh vực: {AREA_LABELS.get(t['area'], t['area'])}   Tỉnh: {t['province'] or '?'}"]
    if owners:
        lines.append("Cơ quan chịu trách nhiệm: " + "; ".join(f"{o['ownerName']} ({o['rule']})" for o in owners))
    else:
        lines.append("Cơ quan chịu trách nhiệm: chưa xác định")
    lines += ["", f"Trích dẫn ({t['file']}):", f"“{t['quote']}”"]
    return "\n".join(lines)


def build_view(kg: KGStore, province: str | None = None, agency: str | None = None, area: str | None = None,
               year: int | None = None) -> View:
    """The map's nodes and edges, filtered by province, agency, area and year.

    The filters are resolved as the lookups resolve them (diacritics optional, agency abbreviations,
    area abbreviations); one naming nothing in the store raises kg.lookups.NotFound.
    """
    fprov = resolve_province(kg, province)
    farea = resolve_area(area)
    kinds = set(resolve_agency(kg, agency)) if agency else set()
    targets = select(kg, "targets")
    owners = defaultdict(list)
    for o in select(kg, "owners"):
        owners[o["target"]].append(o)
    duties = select(kg, "duties")
    docs = {d["doc"]: d for d in select(kg, "documents")}

    def keep_province(p):
        return fprov is None or p == fprov

    targets = [t for t in targets if keep_province(t["province"]) and (farea is None or t["area"] == farea)
               and (year is None or t["year"] == year)]
    duties = [d for d in duties if keep_province(d["province"]) and (farea is None or d["area"] == farea)]
    if agency:
        of_kind = {r["agency"] for r in select(kg, "agency_names") if r["kind"] in kinds}
        duties = [d for d in duties if d["agency"] in of_kind]
        owned = {o["target"] for os in owners.values() for o in os if o["owner"] in of_kind}
        targets = [t for t in targets if t["target"] in owned]

    g: nx.Graph[str] = nx.Graph()
    view = View()
    used_docs = {t["doc"] for t in targets} | {d["doc"] for d in duties}
    for doc_iri in sorted(used_docs):
        d = docs[doc_iri]
        label = d["number"] or d["file"]
        view.nodes.append({"id": doc_iri, "kind": "document", "label": label, "shape": "box", "color": "#f2f2f2",
                           "province": d["province"] or "", "area": "",
                           "title": f"{d['title'] or d['file']}\n{d['kind']} · {d['province'] or ''} · {d['file']}"})
        g.add_node(doc_iri)
    areas_used = sorted({t["area"] for t in targets} | {d["area"] for d in duties if d["area"]},
                        key=AREAS.index)
    for a in areas_used:
        view.nodes.append({"id": f"area:{a}", "kind": "area", "label": AREA_LABELS.get(a, a), "shape": "diamond",
                           "color": AREA_COLORS.get(a, "#999"), "size": 28, "area": a, "province": "",
                           "title": f"Lĩnh vực: {AREA_LABELS.get(a, a)}"})
        g.add_node(f"area:{a}")
    load: Counter = Counter()
    roles: dict[str, Counter] = defaultdict(Counter)
    agency_info: dict[str, dict] = {}
    agency_area: dict[str, Counter] = defaultdict(Counter)
    for t in targets:
        for o in owners[t["target"]]:
            load[o["owner"]] += 1
            agency_area[o["owner"]][t["area"]] += 1
            agency_info.setdefault(o["owner"], {"name": o["ownerName"], "province": t["province"] or ""})
    for d in duties:
        roles[d["agency"]][d["role"]] += 1
        if d["area"]:
            agency_area[d["agency"]][d["area"]] += 1
        agency_info.setdefault(d["agency"], {"name": d["agencyName"], "province": d["province"] or ""})
    for t in targets:
        tid = t["target"]
        tos = owners[tid]
        node = {"id": tid, "kind": "target", "label": _short_target(t), "shape": "dot", "size": 9,
                "color": AREA_COLORS.get(t["area"], "#999"), "area": t["area"], "owned": bool(tos),
                "province": t["province"] or "", "title": _target_text(t, tos)}
        if not tos:   # no agency owns it: what an inspector looks for, drawn with a thick red ring
            node.update(color={"background": node["color"], "border": UNOWNED_COLOR,
                               "highlight": {"background": node["color"], "border": UNOWNED_COLOR}},
                        borderWidth=4, size=11, label="⚠ " + node["label"])
        view.nodes.append(node)
        view.edges.append({"from": t["doc"], "to": tid, "kind": "states", "color": "#cccccc"})
        view.edges.append({"from": tid, "to": f"area:{t['area']}", "kind": "in-area",
                           "color": AREA_COLORS.get(t["area"], "#999")})
        g.add_edge(t["doc"], tid)
        for o in tos:
            if o["owner"] in agency_info:
                view.edges.append({"from": tid, "to": o["owner"], "kind": "owns", "label": "",
                                   "title": f"owns ({o['rule']})", "basis": o["rule"], "color": "#555555",
                                   "dashes": o["rule"] != "area-lead" and o["rule"] != "actor"})
                g.add_edge(tid, o["owner"])
    seen_duty_edges = set()
    for d in duties:
        target = f"area:{d['area']}" if d["area"] and f"area:{d['area']}" in g else d["doc"]
        edge = (d["agency"], target, d["role"])
        if edge in seen_duty_edges:
            continue
        seen_duty_edges.add(edge)
        view.edges.append({"from": d["agency"], "to": target, "kind": d["role"], "role": d["role"],
                           "title": d["role"], "color": ROLE_COLORS[d["role"]]})
        g.add_edge(d["agency"], target)
    by_agency: dict[str, list[dict]] = defaultdict(list)
    by_sentence: dict[tuple, set] = defaultdict(set)
    for d in duties:
        by_agency[d["agency"]].append(d)
        by_sentence[(d["doc"], d["quote"])].add(d["agency"])
    ties: dict[str, Counter] = defaultdict(Counter)
    for group in by_sentence.values():
        for a in group:
            for b in group - {a}:
                ties[a][b] += 1
    for iri, info in agency_info.items():
        r = roles[iri]
        size = 12 + 3 * math.sqrt(load[iri] + sum(r.values()))
        lines = [info["name"] + (f" ({info['province']})" if info["province"] else ""),
                 f"Sở hữu {load[iri]} chỉ tiêu; nhiệm vụ: " + ", ".join(f"{k} {v}" for k, v in sorted(r.items()))]
        if ties[iri]:
            lines.append("Cùng được giao với: " + "; ".join(
                f"{agency_info[o]['name']} ×{n}" for o, n in ties[iri].most_common(5) if o in agency_info))
        for role in ("lead", "coordinate", "implement", "monitor"):
            tasks = [x["task"] for x in by_agency[iri] if x["role"] == role]
            if tasks:
                lines.append(f"\n{role.upper()}:")
                lines += [f"• {x[:160]}" for x in tasks[:8]] + ([f"… và {len(tasks) - 8} nhiệm vụ khác"]
                                                               if len(tasks) > 8 else [])
        view.nodes.append({"id": iri, "kind": "agency", "label": info["name"], "shape": "star" if load[iri] else
                           "triangle", "size": round(size, 1), "color": "#444444", "province": info["province"],
                           "area": "", "roles": sorted(r), "title": "\n".join(lines)})
        g.add_node(iri)
    _layout(view, agency_area)
    for n in view.nodes:
        n["search"] = fold(n["label"] + " " + n.get("province", ""))
    view.provinces = sorted({n["province"] for n in view.nodes if n["province"]}, key=fold)
    return view


def _short_target(t: dict) -> str:
    if t["value"] is None:
        return "mức"
    return f"{CMP.get(t['comparator'], '')}{t['value']}{'%' if t['unit'] == '%' else ''}"


def _layout(view: View, agency_area: dict[str, Counter]) -> None:
    """Areas on a circle, targets around their area, agencies outside, documents in the middle."""
    areas = [n for n in view.nodes if n["kind"] == "area"]
    n_targets = sum(1 for n in view.nodes if n["kind"] == "target")
    radius = 400 + 14 * math.sqrt(n_targets) * 6
    angle = {}
    for i, n in enumerate(areas):
        a = 2 * math.pi * i / max(1, len(areas)) - math.pi / 2
        angle[n["area"]] = a
        n["x"], n["y"] = radius * math.cos(a), radius * math.sin(a)
    per_area: dict[str, int] = Counter()
    golden = math.pi * (3 - math.sqrt(5))
    for n in view.nodes:
        if n["kind"] != "target":
            continue
        a = angle.get(n["area"], 0.0)
        k = per_area[n["area"]]
        per_area[n["area"]] += 1
        r = 22 * math.sqrt(k + 1)
        cx, cy = radius * 0.72 * math.cos(a), radius * 0.72 * math.sin(a)
        n["x"], n["y"] = cx + r * math.cos(k * golden), cy + r * math.sin(k * golden)
    agencies = [n for n in view.nodes if n["kind"] == "agency"]
    def home(n):
        counts = agency_area.get(n["id"])
        if not counts:
            return 0.0
        x = sum(c * math.cos(angle.get(a, 0.0)) for a, c in counts.items())
        y = sum(c * math.sin(angle.get(a, 0.0)) for a, c in counts.items())
        return math.atan2(y, x)
    agencies.sort(key=home)
    outer = radius * 1.45 + 4 * len(agencies)
    for i, n in enumerate(agencies):
        a = home(n) * 0.5 + (2 * math.pi * i / max(1, len(agencies)) - math.pi) * 0.5
        n["x"], n["y"] = outer * math.cos(a), outer * math.sin(a)
    docs = [n for n in view.nodes if n["kind"] == "document"]
    for i, n in enumerate(docs):
        a = 2 * math.pi * i / max(1, len(docs))
        r = radius * 0.25
        n["x"], n["y"] = r * math.cos(a), r * math.sin(a)
