"""Counts by document, reform area and agency — the same counts a build reports.

Each fact is counted once, by its node: the lookups' queries join a fact to labels and concepts
(an agency named two ways in two documents has two labels, a document kind outside the ontology
has no notation), and counting their rows would count a fact twice or not at all.  Here every
attribute is optional and sampled once per node; a kind or area the ontology lacks shows as the
end of its IRI.
"""
from __future__ import annotations

from collections import Counter, defaultdict

from .query import Row, py
from .resources import query_text
from .store import KGStore

# The notation of a concept, or the end of its IRI when the ontology does not define it.
_CODE = 'COALESCE(?{v}Code, REPLACE(STR(?{v}Node), "^.*[#/](?:kind-|area-|role-)?", ""))'

_DOCUMENTS = f"""
SELECT ?doc (SAMPLE(?f) AS ?file) (SAMPLE(?k) AS ?kind) (SAMPLE(?p) AS ?province) WHERE {{
  ?doc a cchc:Document .
  OPTIONAL {{ ?doc cchc:fileName ?f }}
  OPTIONAL {{ ?doc cchc:documentKind ?kindNode OPTIONAL {{ ?kindNode skos:notation ?kindCode }}
             BIND({_CODE.format(v="kind")} AS ?k) }}
  OPTIONAL {{ ?doc cchc:province/skos:prefLabel ?p }}
}} GROUP BY ?doc ORDER BY ?file ?doc
"""
_TARGETS = f"""
SELECT ?target (SAMPLE(?d) AS ?doc) (SAMPLE(?a) AS ?area) WHERE {{
  ?target a cchc:Target ; cchc:statedIn ?d .
  OPTIONAL {{ ?target cchc:area ?areaNode OPTIONAL {{ ?areaNode skos:notation ?areaCode }}
             BIND({_CODE.format(v="area")} AS ?a) }}
}} GROUP BY ?target
"""
_DUTIES = f"""
SELECT ?duty (SAMPLE(?d) AS ?doc) (SAMPLE(?ag) AS ?agency) (SAMPLE(?r) AS ?role) (SAMPLE(?a) AS ?area) WHERE {{
  ?duty a cchc:Duty ; cchc:statedIn ?d .
  OPTIONAL {{ ?duty cchc:agency ?ag }}
  OPTIONAL {{ ?duty cchc:role ?roleNode OPTIONAL {{ ?roleNode skos:notation ?roleCode }}
             BIND({_CODE.format(v="role")} AS ?r) }}
  OPTIONAL {{ ?duty cchc:area ?areaNode OPTIONAL {{ ?areaNode skos:notation ?areaCode }}
             BIND({_CODE.format(v="area")} AS ?a) }}
}} GROUP BY ?duty
"""
_OWNERSHIPS = """
SELECT ?o (SAMPLE(?t) AS ?target) (SAMPLE(?ow) AS ?owner) WHERE {
  ?o a cchc:Ownership ; cchc:target ?t ; cchc:owner ?ow .
} GROUP BY ?o
"""
_AGENCY_NAMES = """
SELECT ?agency (MIN(?label) AS ?name) WHERE {
  ?agency skos:prefLabel ?label . FILTER(LANG(?label) = "vi")
  FILTER EXISTS { { ?x cchc:agency ?agency } UNION { ?x cchc:owner ?agency } }
} GROUP BY ?agency
"""


def _rows(kg: KGStore, sparql: str) -> list[Row]:
    result = kg.query(query_text("_prefixes") + sparql)
    names = [v.value for v in result.variables]
    return [{n: py(s[n]) for n in names} for s in result]


def stats(kg: KGStore) -> dict[str, list[dict]]:
    docs = _rows(kg, _DOCUMENTS)
    targets = _rows(kg, _TARGETS)
    duties = _rows(kg, _DUTIES)
    owners = _rows(kg, _OWNERSHIPS)
    names = {r["agency"]: r["name"] for r in _rows(kg, _AGENCY_NAMES)}
    t_count = Counter(t["doc"] for t in targets)
    d_count = Counter(d["doc"] for d in duties)
    owned = {o["target"] for o in owners}
    unowned = Counter(t["doc"] for t in targets if t["target"] not in owned)
    by_doc = [{"document": d["file"], "kind": d["kind"], "province": d["province"], "targets": t_count[d["doc"]],
               "duties": d_count[d["doc"]], "unowned": unowned[d["doc"]]} for d in docs]
    areas = Counter(t["area"] or "-" for t in targets)
    d_areas = Counter(d["area"] or "-" for d in duties)
    by_area = [{"area": area, "targets": areas[area], "duties": d_areas[area]}
               for area in sorted(set(areas) | set(d_areas))]

    def name(agency: str | None) -> str:
        return names.get(agency, agency or "-") if agency else "-"

    roles: dict[str, Counter] = defaultdict(Counter)
    owned_by = Counter(name(o["owner"]) for o in owners)
    for d in duties:
        roles[name(d["agency"])][d["role"]] += 1
    by_agency = []
    for agency in sorted(set(roles) | set(owned_by), key=lambda n: (-(sum(roles[n].values()) + owned_by[n]), n)):
        r = roles[agency]
        by_agency.append({"agency": agency, "owns": owned_by[agency], "lead": r["lead"], "coordinate": r["coordinate"],
                          "implement": r["implement"], "monitor": r["monitor"]})
    return {"documents": by_doc, "areas": by_area, "agencies": by_agency,
            "totals": [{"documents": len(docs), "targets": len(targets), "duties": len(duties),
                        "ownership links": len(owners), "triples": len(kg)}]}
