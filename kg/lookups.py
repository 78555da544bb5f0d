"""Analysts' lookups: who owns a target, what an agency must do, targets due, comparisons, citations.

Every lookup is a named query in kg/queries run with engine-bound parameters.  Word matching
ignores case, diacritics and old/new tone placement and expands common abbreviations
(TTHC, CCHC, UBND, ...); agency names go through the gazetteer (UBND, VP UBND, Sở TT&TT, HĐND).
When nothing matches, the error names the nearest names.
"""
from __future__ import annotations

import difflib
import re
from collections import defaultdict
from functools import lru_cache

import pyoxigraph as ox

from .agencies import find_mentions
from .errors import KGError
from .model import AREAS, CMP_SUFFIX, SCOPE_SUFFIX, UNIT_SUFFIX
from .query import select
from .store import KGStore
from .text import fold

FN = "https://w3id.org/cchc-kg/fn#"
_XSD_DEC = ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")
ABBREVIATIONS = {
    "tthc": "thu tuc hanh chinh", "cchc": "cai cach hanh chinh", "dvc": "dich vu cong",
    "dvctt": "dich vu cong truc tuyen", "cntt": "cong nghe thong tin", "vbqppl": "van ban quy pham phap luat",
    "cbccvc": "can bo cong chuc vien chuc", "ubnd": "uy ban nhan dan", "hdnd": "hoi dong nhan dan",
    "dvsncl": "don vi su nghiep cong lap", "par": "chi so cai cach hanh chinh", "csdl": "co so du lieu",
}
MAX_QUERY = 500
AREA_ABBREVIATIONS = {"tthc": "thu_tuc_hanh_chinh", "cqs": "chinh_quyen_so", "cqdt": "chinh_quyen_so",
                      "cdcv": "che_do_cong_vu", "tcbm": "to_chuc_bo_may", "tcc": "tai_chinh_cong",
                      "tc": "the_che", "index": "chi_so", "par_index": "chi_so"}


_UNITS = {v: k for k, v in UNIT_SUFFIX.items()}
_CMPS = {v: k for k, v in CMP_SUFFIX.items()}
_SCOPES = {v: k for k, v in SCOPE_SUFFIX.items()}


def _notation(iri: str | None, prefix: str, table: dict | None = None) -> str | None:
    if not iri:
        return None
    tail = iri.rsplit("#" + prefix + "-", 1)[-1]
    return table.get(tail, tail) if table else tail


def _provinces(kg: KGStore) -> dict[str, str]:
    return {r["prov"]: r["label"] for r in select(kg, "provinces")}


def _detail(kg: KGStore, target: str, provinces: dict[str, str]) -> dict:
    rows = select(kg, "target_detail", target=ox.NamedNode(target))
    r = rows[0]
    for other in rows[1:]:
        r["number"] = r["number"] or other["number"]
    return {"target": target, "file": r["file"], "number": r["number"], "province": provinces.get(r["prov"]),
            "area": _notation(r["areaIri"], "area"), "year": r["deadline"], "value": r["value"],
            "valueMax": r["valueMax"], "unit": _notation(r["unitIri"], "unit", _UNITS),
            "comparator": _notation(r["cmpIri"], "cmp", _CMPS), "scope": _notation(r["scopeIri"], "scope", _SCOPES),
            "metric": r["metric"], "quote": r["quote"]}


class NotFound(KGError):
    """Nothing matched; the message suggests the nearest names."""


def query_words(words: str) -> list[str]:
    if len(words) > MAX_QUERY:
        raise KGError(f"query too long ({len(words)} characters; at most {MAX_QUERY})")
    tokens = re.findall(r"[a-z0-9&%]+", fold(words))
    out: list[str] = []
    for t in tokens:
        out.extend(ABBREVIATIONS.get(t, t).split())
    stop = {"va", "cua", "cac", "nhung", "la", "o", "cho", "voi", "tren", "trong"}
    return [t for t in out if t not in stop] or out


@lru_cache(maxsize=4096)
def _folded_words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z0-9&%]+", fold(text)))


def _score(text, q):
    """fn:score(text, words): the share of the query words found in the text (0 to 1)."""
    words = q.value.split()
    if not words:
        return ox.Literal("0", datatype=_XSD_DEC)
    have = _folded_words(text.value)
    hits = sum(1 for w in words if w in have or (len(w) > 3 and any(h.startswith(w) for h in have)))
    return ox.Literal(f"{hits / len(words):.4f}", datatype=_XSD_DEC)


FUNCTIONS = {ox.NamedNode(FN + "score"): _score}


def resolve_province(kg: KGStore, province: str | None) -> str | None:
    if not province:
        return None
    names = {r["province"] for r in select(kg, "documents") if r["province"]}
    key = fold(province).replace("tinh ", "").replace("thanh pho ", "").strip()
    for name in names:
        if fold(name) == key:
            return name
    close = difflib.get_close_matches(key, [fold(n) for n in names], n=3, cutoff=0.5)
    hint = ", ".join(n for n in sorted(names) if fold(n) in close) or ", ".join(sorted(names))
    raise NotFound(f"no province {province!r} in the store; nearest: {hint}")


def _owners(kg: KGStore, target: str) -> list[dict]:
    rows = select(kg, "target_owners", target=ox.NamedNode(target))
    return [{"ownerName": r["ownerName"], "rule": _notation(r["ruleIri"], "rule"), "duty": r["duty"]} for r in rows]


def who_owns(kg: KGStore, words: str, province: str | None = None, year: int | None = None,
             limit: int | None = None) -> list[dict]:
    """Targets matching the words, each with owners, ownership basis, value, deadline and quote.

    Best matches first: the share of the query words a target uses, then how closely its
    wording fits the query; ties are shown by province and year.
    """
    words_ = query_words(words)
    q = " ".join(words_)
    if not q:
        raise KGError("give some words of the target, e.g. kg who-owns \"trực tuyến mức độ 4\"")
    fprov = resolve_province(kg, province)
    longest = max(words_, key=len)
    hits = select(kg, "who_owns", custom_functions=FUNCTIONS, q=q, w=f" {longest}")
    if not hits:
        hits = select(kg, "who_owns_any", custom_functions=FUNCTIONS, q=q)
    if not hits:
        raise NotFound(f"no target matches {words!r}" + _target_hint(kg, q))
    best = max(h["score"] for h in hits)
    hits = sorted((h for h in hits if h["score"] >= best), key=lambda h: (h["size"], h["target"]))
    provinces = _provinces(kg)
    out = []
    for h in hits:
        r = _detail(kg, h["target"], provinces)
        if (fprov and r["province"] != fprov) or (year and r["year"] != year):
            continue
        owners = _owners(kg, h["target"])
        out.append({
            "province": r["province"], "year": r["year"], "comparator": r["comparator"],
            "value": _value(r), "unit": r["unit"], "area": r["area"], "scope": r["scope"],
            "metric": r["metric"], "owners": [o["ownerName"] for o in owners],
            "basis": sorted({o["rule"] for o in owners}), "document": r["number"] or r["file"], "file": r["file"],
            "quote": r["quote"], "target": r["target"], "match": h["score"],
        })
        if limit and len(out) >= limit:
            break
    out.sort(key=lambda r: (fold(r["province"] or ""), r["year"] or 0, r["file"]))
    return out


def _value(r: dict):
    if r.get("value") is None:
        return None
    return r["value"] if r.get("valueMax") is None else f"{r['value']}-{r['valueMax']}"


def suggest_words(kg: KGStore, words: str) -> str:
    """'; nearest words in the targets: ...' for query words no target uses (or '')."""
    return _target_hint(kg, " ".join(query_words(words)))


def _target_hint(kg: KGStore, q: str) -> str:
    vocab: set[str] = set()
    for r in select(kg, "metrics"):
        vocab |= _folded_words(r["metric"])
    near = []
    for w in q.split():
        if w in vocab:
            continue
        near.extend(difflib.get_close_matches(w, sorted(vocab), n=2, cutoff=0.7))
    return f"; nearest words in the targets: {', '.join(dict.fromkeys(near))}" if near else ""


def resolve_agency(kg: KGStore, name: str) -> list[str]:
    """Agency-kind IRIs a user's name refers to (gazetteer first, then the store's own labels)."""
    if len(name) > MAX_QUERY:
        raise KGError(f"agency name too long ({len(name)} characters; at most {MAX_QUERY})")
    mentions = [m for m in find_mentions(name) if m.end - m.start >= len(name.strip()) * 0.6]
    found = [f"https://w3id.org/cchc-kg/id/agency-kind/{m.agency.id}" for m in mentions]
    found = [k for k in dict.fromkeys(found) if select(kg, "agency_exists", kind=ox.NamedNode(k))]
    if found:
        return found
    names = select(kg, "agency_names")
    key = fold(name)
    exact = [r["kind"] for r in names if fold(r["agencyName"]) == key]
    if exact:
        return list(dict.fromkeys(exact))
    partial = [r["kind"] for r in names if key and key in fold(r["agencyName"])]
    if partial:
        return list(dict.fromkeys(partial))
    labels = sorted({r["agencyName"] for r in names})
    near = difflib.get_close_matches(key, [fold(x) for x in labels], n=3, cutoff=0.4)
    hint = "; ".join(x for x in labels if fold(x) in near)
    raise NotFound(f"no agency named {name!r} in the store" + (f"; nearest: {hint}" if hint else ""))


def agency(kg: KGStore, name: str, province: str | None = None) -> dict[str, list[dict]]:
    """One agency's duties by role and the targets it owns, per province."""
    fprov = resolve_province(kg, province)
    provinces = _provinces(kg)
    duties, owned = [], []
    for kind in resolve_agency(kg, name):
        k = ox.NamedNode(kind)
        duties += [dict(r, province=provinces.get(r["prov"])) for r in select(kg, "agency_duties", kind=k)]
        owned += [dict(r, province=provinces.get(r["prov"])) for r in select(kg, "agency_targets", kind=k)]
    if fprov:
        duties = [r for r in duties if r["province"] == fprov]
        owned = [r for r in owned if r["province"] == fprov]
    role_order = {"lead": 0, "coordinate": 1, "implement": 2, "monitor": 3}
    duties.sort(key=lambda r: (fold(r["province"] or ""), role_order.get(r["role"], 9), r["file"]))
    owned.sort(key=lambda r: (fold(r["province"] or ""), r["deadline"] or 0, r["areaIri"], r["file"]))
    return {
        "duties": [{"agency": r["agencyName"], "province": r["province"], "role": r["role"],
                    "area": _notation(r["areaIri"], "area"), "task": r["task"], "file": r["file"],
                    "quote": r["quote"]} for r in duties],
        "owns": [{"province": r["province"], "year": r["deadline"], "comparator": _notation(r["cmpIri"], "cmp", _CMPS),
                  "value": r["value"], "unit": _notation(r["unitIri"], "unit", _UNITS),
                  "area": _notation(r["areaIri"], "area"), "metric": r["metric"],
                  "basis": _notation(r["ruleIri"], "rule"), "file": r["file"], "target": r["target"]} for r in owned],
    }


def targets(kg: KGStore, year: int | None = None, area: str | None = None, province: str | None = None,
            unowned: bool = False, limit: int | None = None) -> list[dict]:
    """The target list an inspector works through, with owners."""
    if area:
        key = fold(area).replace(" ", "_")
        key = AREA_ABBREVIATIONS.get(key, key)
        match = [a for a in AREAS if a == key or a.startswith(key)]
        if not match:
            raise NotFound(f"no reform area {area!r}; areas: {', '.join(AREAS)}")
        area = match[0]
    fprov = resolve_province(kg, province)
    provinces = _provinces(kg)
    if year is not None:
        gyear = ox.Literal(str(year), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear"))
        ids = select(kg, "target_ids", deadline=gyear)
    else:
        ids = select(kg, "target_ids_undated")
    found: dict[str, dict] = {}
    for r in ids:
        row = found.setdefault(r["target"], {"target": r["target"], "year": r["deadline"],
                                             "area": _notation(r["areaIri"], "area"),
                                             "province": provinces.get(r["prov"]), "owned": False})
        row["owned"] = row["owned"] or r["owner"] is not None
    rows = [r for r in found.values() if (not area or r["area"] == area) and (not fprov or r["province"] == fprov)
            and not (unowned and r["owned"])]
    rows.sort(key=lambda r: (fold(r["province"] or ""), r["year"] or 0, r["area"], r["target"]))
    rows = rows[:limit] if limit else rows
    out = []
    for row in rows:
        r = _detail(kg, row["target"], provinces)
        owners = _owners(kg, row["target"]) if row["owned"] else []
        out.append({"province": r["province"], "year": r["year"], "area": r["area"], "comparator": r["comparator"],
                    "value": _value(r), "unit": r["unit"], "scope": r["scope"], "metric": r["metric"],
                    "owners": [o["ownerName"] for o in owners], "file": r["file"], "quote": r["quote"],
                    "target": r["target"]})
    return out


def compare(kg: KGStore, words: str) -> list[dict]:
    """The same kind of target side by side across provinces (best match per province and year)."""
    rows = who_owns(kg, words)
    seen: dict[tuple, dict] = {}
    for r in rows:
        key = (r["province"], r["year"], r["unit"])
        if key not in seen:
            seen[key] = r
    out = [{"province": r["province"], "year": r["year"], "comparator": r["comparator"], "value": r["value"],
            "unit": r["unit"], "owners": r["owners"], "metric": r["metric"], "document": r["document"],
            "quote": r["quote"], "match": r["match"]} for r in seen.values()]
    out.sort(key=lambda r: (r["year"] or 0, r["province"] or ""))
    return out


def cites(kg: KGStore, doc: str | None = None) -> list[dict]:
    """Which documents cite which instruments (optionally one document, by file name or number)."""
    rows = select(kg, "cites", fDoc=doc)
    if doc and not rows:
        files = sorted({r["file"] for r in select(kg, "cites")})
        raise NotFound(f"no document {doc!r} with citations; documents: {', '.join(files)}")
    grouped: dict[str, dict] = defaultdict(lambda: {"cites": []})
    for r in rows:
        g = grouped[r["file"]]
        g.update(file=r["file"], province=r["province"], number=r["docNumber"])
        g["cites"].append(r["number"])
    return [{"file": g["file"], "number": g["number"], "province": g["province"], "cites": g["cites"]}
            for g in grouped.values()]


def review(kg: KGStore, doc: str | None = None) -> list[dict]:
    """Clauses that carry a duty or target cue but yielded no fact (optionally of one document)."""
    rows = select(kg, "review", fDoc=doc)
    if doc and not rows:
        files = {r["file"]: r for r in select(kg, "coverage")}
        if doc not in files and not any(r["file"] == doc for r in select(kg, "documents")):
            raise NotFound(f"no document {doc!r} in the store; documents: {', '.join(sorted(files))}")
    return [{"file": r["file"], "number": r["docNumber"] or None, "kind": r["kind"], "offset": r["start"],
             "reason": r["reason"], "quote": r["quote"]} for r in rows]


def coverage(kg: KGStore) -> list[dict]:
    """Per document: cue clauses, and how many were read (yielded a fact) or left for review."""
    out = []
    for r in select(kg, "coverage"):
        total, unread = int(r["cueClauses"] or 0), int(r["unread"] or 0)
        out.append({"file": r["file"], "cue_clauses": total, "read": total - unread, "unread": unread,
                    "share_read": round((total - unread) / total, 3) if total else None})
    return out
