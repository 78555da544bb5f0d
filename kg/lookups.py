"""Analysts' lookups: who owns a target, what an agency must do, targets due, comparisons, citations.

Every lookup is a named query in kg/queries run with engine-bound parameters.  Word matching
ignores case, diacritics and old/new tone placement and expands common abbreviations
(TTHC, CCHC, UBND, ...) on both sides, the query and the stored target text, through the one
normalisation `kg.abbreviations.search_words`;
agency names go through the gazetteer (UBND, VP UBND, Sở TT&TT, HĐND); document numbers match
without diacritics.  Filters (province, year, area) apply before any ranking.  A filter naming
something the store does not hold raises NotFound with the nearest names; a valid query that
matches nothing returns no rows.
"""
from __future__ import annotations

import datetime as dt
import difflib
import re
from collections import defaultdict
from collections.abc import Callable
from functools import lru_cache

import pyoxigraph as ox

from .abbreviations import abbreviations, search_words
from .agencies import find_mentions
from .errors import KGError
from .model import AREAS, CMP_SUFFIX, SCOPE_SUFFIX, UNIT_SUFFIX
from .query import Row, select
from .reorganisation import annotate, changes, related_kinds
from .store import KGStore
from .text import fold

FN = "https://w3id.org/cchc-kg/fn#"
KIND = "https://w3id.org/cchc-kg/id/agency-kind/"
_XSD_DEC = ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")
STOP_WORDS = frozenset({"va", "cua", "cac", "nhung", "la", "o", "cho", "voi", "tren", "trong"})
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
    return _detail_of(select(kg, "target_detail", target=ox.NamedNode(target)), target, provinces)


def _rows_by_target(kg: KGStore, query: str, targets: list[str]) -> dict[str, list[Row]]:
    """Target IRI -> the rows of `query` (?target bound): one query each for a few targets, one
    over the store for many."""
    if len(targets) <= MANY:
        return {t: select(kg, query, target=ox.NamedNode(t)) for t in targets}
    rows: dict[str, list[Row]] = {t: [] for t in targets}
    for r in select(kg, query):
        if r["target"] in rows:
            rows[r["target"]].append(r)
    return rows


def _detail_of(rows: list[Row], target: str, provinces: dict[str, str]) -> dict:
    r = rows[0]
    for other in rows[1:]:
        r["number"] = r["number"] or other["number"]
    return {"target": target, "file": r["file"], "number": r["number"], "province": provinces.get(r["prov"]),
            "area": _notation(r["areaIri"], "area"), "year": r["deadline"], "value": r["value"],
            "valueMax": r["valueMax"], "unit": _notation(r["unitIri"], "unit", _UNITS),
            "comparator": _notation(r["cmpIri"], "cmp", _CMPS), "scope": _notation(r["scopeIri"], "scope", _SCOPES),
            "metric": r["metric"], "quote": r["quote"]}


class NotFound(KGError):
    """A filter names something the store does not hold (province, agency, area, document); the
    message suggests the nearest names.  A valid query that matches nothing is not an error: the
    lookup returns no rows."""


# The fields of each lookup's rows, in order (CSV headers, also when there are no rows).
# `<field>_in_force` and `changes`: the bodies in force on the date asked (kg.reorganisation.annotate).
WHO_OWNS_FIELDS = ["province", "year", "comparator", "value", "unit", "area", "scope", "metric", "owners", "owned",
                   "basis", "document", "number", "file", "quote", "target", "match", "owners_in_force", "changes"]
TARGETS_FIELDS = ["province", "year", "area", "comparator", "value", "unit", "scope", "metric", "owners", "owned",
                  "document", "number", "file", "quote", "target", "owners_in_force", "changes"]
DUTY_FIELDS = ["agency", "province", "role", "area", "task", "deadline", "due", "with", "document", "number", "file",
               "quote", "duty", "task_id", "agency_in_force", "changes"]
ROLES = ("lead", "coordinate", "implement", "monitor")
OWNED_FIELDS = ["agency", "province", "year", "comparator", "value", "unit", "area", "metric", "basis", "document",
                "number", "file", "quote", "target", "agency_in_force", "changes"]
CITES_FIELDS = ["file", "number", "province", "cites"]
REVIEW_FIELDS = ["file", "number", "kind", "offset", "reason", "quote"]


def query_words(words: str) -> list[str]:
    """The query's `search_words` without the little words (và, của, các, ...)."""
    if len(words) > MAX_QUERY:
        raise KGError(f"query too long ({len(words)} characters; at most {MAX_QUERY})")
    out = search_words(words)
    return [t for t in out if t not in STOP_WORDS] or out


@lru_cache(maxsize=65536)
def _key_words(key: str) -> frozenset[str]:
    """The words of a stored search key (or any text), normalised like the query's words."""
    return frozenset(search_words(key))


def _has(word: str, have: frozenset[str] | set[str]) -> bool:
    """A query word is in a text when it is one of its words or, from four letters on, starts one."""
    return word in have or (len(word) > 3 and any(h.startswith(word) for h in have))


def _score(text, q):
    """fn:score(key, words): the share of the query words found in the key (0 to 1), both normalised
    by `kg.abbreviations.search_words` (so a key written before abbreviations were expanded at build
    time still matches: expanding twice changes nothing)."""
    words = q.value.split()
    if not words:
        return ox.Literal("0", datatype=_XSD_DEC)
    have = _key_words(text.value)
    hits = sum(1 for w in words if _has(w, have))
    return ox.Literal(f"{hits / len(words):.4f}", datatype=_XSD_DEC)


FUNCTIONS = {ox.NamedNode(FN + "score"): _score}


def _needles(word: str) -> list[str]:
    """What a stored key must contain to possibly hold `word`: the word as a word start, or an
    abbreviation that stands for it (the key may still say "CCHC" where the query says the words)."""
    out = [" " + word]
    out += [f" {abbr} " for abbr, full in abbreviations().items() if _has(word, set(full.split()))]
    return out


def resolve_province(kg: KGStore, province: str | None) -> str | None:
    """The store's label of the province a user names (case, diacritics, "tỉnh" optional), or NotFound."""
    if not province:
        return None
    if len(province) > MAX_QUERY:
        raise KGError(f"province name too long ({len(province)} characters; at most {MAX_QUERY})")
    names = {r["province"] for r in select(kg, "province_names") if r["province"]}
    key = re.sub(r"^(tinh|thanh pho|tp\.?) ", "", fold(province)).strip()
    for name in names:
        if fold(name) == key:
            return name
    close = difflib.get_close_matches(key, [fold(n) for n in names], n=3, cutoff=0.6)
    near = [n for n in sorted(names, key=fold) if fold(n) in close]
    hint = f"nearest: {', '.join(near)}" if near else f"provinces in the store: {', '.join(sorted(names, key=fold))}"
    raise NotFound(f"no province {province!r} in the store; {hint}")


def resolve_area(area: str | None) -> str | None:
    """The reform area a user names (notation, prefix or abbreviation: cqs, tthc, index), or NotFound."""
    if not area:
        return None
    if len(area) > MAX_QUERY:
        raise KGError(f"area name too long ({len(area)} characters; at most {MAX_QUERY})")
    key = fold(area).replace(" ", "_").replace("-", "_")
    key = AREA_ABBREVIATIONS.get(key, key)
    match = [a for a in AREAS if a == key or a.startswith(key)]
    if not match:
        raise NotFound(f"no reform area {area!r}; areas: {', '.join(AREAS)}")
    return match[0]


def _doc_key(text: str) -> str:
    """A document's file name or number as matched: folded, without spaces ("2703/QD-UBND" = "2703/QĐ-UBND")."""
    return re.sub(r"\s+", "", fold(text))


def resolve_document(kg: KGStore, doc: str) -> dict:
    """The store's document a user names by file name (with or without extension) or number, or NotFound."""
    if len(doc) > MAX_QUERY:
        raise KGError(f"document name too long ({len(doc)} characters; at most {MAX_QUERY})")
    key = _doc_key(doc)
    docs = select(kg, "documents")
    for r in docs:
        names = [r["file"], r["file"].rsplit(".", 1)[0], r["number"] or ""]
        if key and key in {_doc_key(n) for n in names if n}:
            return r
    raise NotFound(f"no document {doc!r} in the store" + _doc_hint(key, docs))


def _doc_hint(key: str, docs: list[dict], extra: list[str] | None = None) -> str:
    names = sorted({n for r in docs for n in (r["number"], r["file"]) if n} | set(extra or []))
    near = difflib.get_close_matches(key, [_doc_key(n) for n in names], n=3, cutoff=0.6)
    shown = [n for n in names if _doc_key(n) in near]
    if shown:
        return f"; nearest: {', '.join(shown)}"
    return f"; documents in the store: {', '.join(sorted(r['file'] for r in docs))}" if docs else ""


def target_owners(kg: KGStore, target: str) -> list[dict]:
    """The agencies owning a target, each with the rule and the duty the link rests on."""
    return [_owner(r) for r in select(kg, "target_owners", target=ox.NamedNode(target))]


def _owner(r: Row) -> dict:
    return {"ownerName": r["ownerName"], "rule": _notation(r["ruleIri"], "rule"), "duty": r["duty"]}


def who_owns(kg: KGStore, words: str, province: str | None = None, year: int | None = None,
             limit: int | None = None, as_of: dt.date | None = None) -> list[dict]:
    """Targets matching the words, each with owners, ownership basis, value, deadline and quote.

    The province and year filters apply first; then the best matches among what is left: the share
    of the query words a target uses, then how closely its wording fits the query; ties are shown by
    province and year.  Targets no agency owns are listed too (owners [], owned False).  A query
    that matches nothing gives no rows; an unknown province raises NotFound.
    """
    words_ = query_words(words)
    q = " ".join(words_)
    if not q:
        raise KGError("give some words of the target, e.g. kg who-owns \"trực tuyến mức độ 4\"")
    fprov = resolve_province(kg, province)
    provinces = _provinces(kg)
    allowed = _filtered_targets(kg, provinces, fprov, year)

    def keep(h: dict) -> bool:
        return allowed is None or h["target"] in allowed

    longest = max(words_, key=len)
    hits: dict[str, dict] = {}
    for needle in _needles(longest):
        for h in select(kg, "who_owns", custom_functions=FUNCTIONS, q=q, w=needle):
            if keep(h):
                hits[h["target"]] = h
    if not hits:
        hits = {h["target"]: h for h in select(kg, "who_owns_any", custom_functions=FUNCTIONS, q=q) if keep(h)}
    if not hits:
        return []
    best = max(h["score"] for h in hits.values())
    ranked = sorted((h for h in hits.values() if h["score"] >= best), key=lambda h: (h["size"], h["target"]))
    out = []
    for h in ranked[:limit] if limit else ranked:
        r = _detail(kg, h["target"], provinces)
        owners = target_owners(kg, h["target"])
        out.append({
            "province": r["province"], "year": r["year"], "comparator": r["comparator"],
            "value": _value(r), "unit": r["unit"], "area": r["area"], "scope": r["scope"],
            "metric": r["metric"], "owners": [o["ownerName"] for o in owners], "owned": bool(owners),
            "basis": sorted({o["rule"] for o in owners}), "document": r["number"] or r["file"],
            "number": r["number"], "file": r["file"], "quote": r["quote"], "target": r["target"], "match": h["score"],
        })
    out.sort(key=lambda r: (fold(r["province"] or ""), r["year"] or 0, r["file"]))
    return annotate(out, as_of)


def _gyear(year: int) -> ox.Literal:
    return ox.Literal(str(year), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear"))


def _filtered_targets(kg: KGStore, provinces: dict[str, str], province: str | None,
                      year: int | None) -> set[str] | None:
    """The targets a province (the store's label) and year filter keep; None when there is no filter."""
    allowed: set[str] | None = None
    if province:
        iris = [iri for iri, label in provinces.items() if label == province]
        allowed = {r["target"] for iri in iris for r in select(kg, "province_targets", prov=ox.NamedNode(iri))}
    if year is not None:
        due = {r["target"] for r in select(kg, "year_targets", deadline=_gyear(year))}
        allowed = due if allowed is None else allowed & due
    return allowed


def _natural(iri: str) -> tuple:
    """Sort key of an id in document order ('…-t9' before '…-t13')."""
    return tuple(int(x) if x.isdigit() else x for x in re.split(r"(\d+)", iri))


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
        vocab |= _key_words(r["metric"])
    near = []
    for w in q.split():
        if w in vocab:
            continue
        near.extend(difflib.get_close_matches(w, sorted(vocab), n=2, cutoff=0.7))
    return f"; nearest words in the targets: {', '.join(dict.fromkeys(near))}" if near else ""


def resolve_agency(kg: KGStore, name: str, as_of: dt.date | None = None) -> list[str]:
    """Agency-kind IRIs a user's name refers to (gazetteer first, then the store's own labels), or NotFound.

    With the 2025 mergers in force on `as_of` (default today), a body's successor and predecessors
    count too: "Sở Thông tin và Truyền thông" finds Sở Khoa học và Công nghệ's duties and the other
    way round (`agency_notes` says so)."""
    if len(name) > MAX_QUERY:
        raise KGError(f"agency name too long ({len(name)} characters; at most {MAX_QUERY})")
    mentions = [m for m in find_mentions(name) if m.end - m.start >= len(name.strip()) * 0.6]
    found = [f"{KIND}{m.agency.id}" for m in mentions]
    related = [f"{KIND}{r}" for m in mentions for r in related_kinds(m.agency.id, as_of)]
    found = [k for k in dict.fromkeys(found + related) if select(kg, "agency_exists", kind=ox.NamedNode(k))]
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


def task_assignments(kg: KGStore, tasks: list[str] | None = None) -> dict[str, list[dict]]:
    """Task IRI -> its assignments (agency name, gazetteer kind, role), leads first; with `tasks`, of
    those tasks only (one small query each)."""
    out: dict[str, list[dict]] = defaultdict(list)
    seen = set()
    if tasks is None:
        found = select(kg, "task_assignments")
    else:
        found = [r for t in dict.fromkeys(tasks) for r in select(kg, "task_assignments", task=ox.NamedNode(t))]
    for r in found:
        key = (r["task"], r["agency"], r["role"])
        if key not in seen:
            seen.add(key)
            out[r["task"]].append({"agency": r["agencyName"], "kind": r["kind"], "role": r["role"]})
    for rows in out.values():
        rows.sort(key=lambda a: (ROLES.index(a["role"]) if a["role"] in ROLES else 9, fold(a["agency"])))
    return out


def agency_notes(name: str, as_of: dt.date | None = None) -> list[str]:
    """What the 2025 mergers mean for a lookup by this name ("Sở Thông tin và Truyền thông became ...")."""
    notes = []
    for m in find_mentions(name):
        for c in changes():
            if c.kind == "department" and c.date <= (as_of or dt.date.today()):
                if m.agency.id in c.old:
                    notes.append(f"{m.agency.vi} became {gazetteer_name(c.new)} on {c.date.day}/{c.date.month}/"
                                 f"{c.date.year} ({c.short()}): its duties and its successor's are shown")
                elif c.new == m.agency.id:
                    olds = ", ".join(gazetteer_name(o) for o in c.old)
                    notes.append(f"{m.agency.vi} took over {olds} on {c.date.day}/{c.date.month}/{c.date.year} "
                                 f"({c.short()}): their duties are shown too")
    return list(dict.fromkeys(notes))


def gazetteer_name(kind_id: str) -> str:
    from .agencies import gazetteer
    entry = gazetteer().get(kind_id)
    return entry.vi if entry else kind_id


def agency(kg: KGStore, name: str, province: str | None = None, as_of: dt.date | None = None,
           limit: int | None = None) -> dict[str, list[dict]]:
    """One agency's duties by role and the targets it owns, per province, each with its document
    (file and number) and verbatim quote; at most `limit` of each.  An unknown agency or province
    raises NotFound."""
    fprov = resolve_province(kg, province)
    kinds = resolve_agency(kg, name, as_of)
    provinces = _provinces(kg)
    duties: dict[tuple, dict] = {}
    owned: dict[tuple, dict] = {}

    def add_duties(rows: list[dict]) -> None:
        for r in rows:
            prov = provinces.get(r["prov"])
            if not fprov or prov == fprov:
                duties.setdefault((r["duty"], r["agency"]), dict(r, province=prov))

    def add_owned(rows: list[dict]) -> None:
        for r in rows:
            prov = provinces.get(r["prov"])
            if not fprov or prov == fprov:
                row = owned.setdefault((r["target"], r["agencyName"], prov), dict(r, province=prov, rules=set()))
                row["rules"].add(_notation(r["ruleIri"], "rule"))

    # Both lists are sorted by province first: with a limit (or a province) the agencies are read
    # one at a time, province by province, until each list has its rows; else one query per kind.
    groups: dict[str, list[str]] = defaultdict(list)
    if fprov or limit:
        for kind in kinds:
            for r in select(kg, "kind_agencies", kind=ox.NamedNode(kind)):
                prov = provinces.get(r["prov"])
                if (not fprov or prov == fprov) and r["agency"] not in groups[fold(prov or "")]:
                    groups[fold(prov or "")].append(r["agency"])

    def fill(query: str, found: dict, add: Callable[[list[dict]], None]) -> None:
        if groups and _read_by_province(groups, lambda a: add(select(kg, query, agency=ox.NamedNode(a))),
                                        lambda: len(found), limit, every=bool(fprov)):
            return
        found.clear()
        for kind in kinds:
            add(select(kg, query, kind=ox.NamedNode(kind)))

    fill("agency_duties", duties, add_duties)
    fill("agency_targets", owned, add_owned)
    role_order = {role: i for i, role in enumerate(ROLES)}
    duty_rows = sorted(duties.values(), key=lambda r: (fold(r["province"] or ""), role_order.get(r["role"], 9),
                                                       r["file"], r["start"], r["duty"]))[:limit]
    owned_rows = sorted(owned.values(), key=lambda r: (fold(r["province"] or ""), r["deadline"] or 0, r["areaIri"],
                                                       r["file"], r["start"], r["target"]))[:limit]
    assigned = task_assignments(kg, tasks=[r["taskNode"] for r in duty_rows])
    return {key: annotate(rows, as_of) for key, rows in {
        "duties": [{"agency": r["agencyName"], "province": r["province"], "role": r["role"],
                    "area": _notation(r["areaIri"], "area"), "task": r["task"], "deadline": r["deadlineText"],
                    "due": r["due"], "with": [f"{a['agency']} ({a['role']})" for a in assigned.get(r["taskNode"], [])
                                              if a["agency"] != r["agencyName"]],
                    "document": r["number"] or r["file"], "number": r["number"], "file": r["file"],
                    "quote": r["quote"], "duty": r["duty"], "task_id": r["taskNode"]}
                   for r in duty_rows],
        "owns": [{"agency": r["agencyName"], "province": r["province"], "year": r["deadline"],
                  "comparator": _notation(r["cmpIri"], "cmp", _CMPS), "value": _value(r),
                  "unit": _notation(r["unitIri"], "unit", _UNITS), "area": _notation(r["areaIri"], "area"),
                  "metric": r["metric"], "basis": sorted(r["rules"]), "document": r["number"] or r["file"],
                  "number": r["number"], "file": r["file"], "quote": r["quote"], "target": r["target"]}
                 for r in owned_rows],
    }.items()}


def targets(kg: KGStore, year: int | None = None, area: str | None = None, province: str | None = None,
            unowned: bool = False, limit: int | None = None, as_of: dt.date | None = None,
            whole_provinces: bool = False) -> list[dict]:
    """The target list an inspector works through, with owners (unowned targets: owners [], owned False),
    by province, year, area and id; only the first `limit` rows are read in full (with
    `whole_provinces`, all the rows of the provinces those rows are in: the first `limit` rows of
    any order that sorts by province first are then among them).

    An unknown area or province raises NotFound; filters that leave nothing give no rows."""
    area = resolve_area(area)
    fprov = resolve_province(kg, province)
    provinces = _provinces(kg)
    out = []
    listed = _listed(kg, provinces, year, area, fprov, unowned, limit, whole_provinces)
    details = _rows_by_target(kg, "target_detail", [row["target"] for row in listed])
    owners_of = _rows_by_target(kg, "target_owners", [row["target"] for row in listed if row["owned"]])
    for row in listed:
        r = _detail_of(details[row["target"]], row["target"], provinces)
        owners = [_owner(o) for o in owners_of.get(row["target"], [])]
        out.append({"province": r["province"], "year": r["year"], "area": r["area"], "comparator": r["comparator"],
                    "value": _value(r), "unit": r["unit"], "scope": r["scope"], "metric": r["metric"],
                    "owners": [o["ownerName"] for o in owners], "owned": bool(owners),
                    "document": r["number"] or r["file"], "number": r["number"], "file": r["file"],
                    "quote": r["quote"], "target": r["target"]})
    return annotate(out, as_of)


# A list longer than this has its details read by one query over the store, not one query per row.
MANY = 200

# Reading a list province by province stops after this many queries when the limit is still not
# reached (filters that keep few rows): the list then comes from one query over the whole store.
MAX_PIECEWISE = 48


def _read_by_province(groups: dict[str, list[str]], read: Callable[[str], object], have: Callable[[], int],
                      limit: int | None, every: bool = False) -> bool:
    """Read the members of `groups` (folded province name -> IRIs) one query each, whole groups in
    the order of their names, until `have()` reaches `limit`: a list sorted by province first is then
    complete up to `limit`.  False when that would take more than MAX_PIECEWISE queries (the caller
    reads the whole list at once), unless `every` (a province was asked: only its members are read)."""
    asked = 0
    for name in sorted(groups):
        if limit and have() >= limit:
            return True
        asked += len(groups[name])
        if asked > MAX_PIECEWISE and not every:
            return False
        for iri in groups[name]:
            read(iri)
    return True


def documents_by_province(kg: KGStore, provinces: dict[str, str], fprov: str | None) -> dict[str, list[str]]:
    """The store's documents (of `fprov` only, when given) by folded province name ("" for none): the
    groups the lists read a province at a time (`_read_by_province`)."""
    groups: dict[str, list[str]] = defaultdict(list)
    for d in select(kg, "target_documents"):
        name = provinces.get(d["prov"])
        if not fprov or name == fprov:
            groups[fold(name or "")].append(d["doc"])
    return groups


def _listed(kg: KGStore, provinces: dict[str, str], year: int | None, area: str | None, fprov: str | None,
            unowned: bool, limit: int | None, whole_provinces: bool = False) -> list[dict]:
    """Step 1 of the target list: the targets the filters keep (id, year, area, province, owned), sorted
    by province (folded), year, area and id, at most `limit` (or, with `whole_provinces`, those of
    the provinces the first `limit` are in).

    With a province or a limit the documents are read province by province (one small query each)
    until the limit is reached; else (or when the filters keep too few targets for that to end soon)
    one query lists every target of the year."""
    found: dict[str, dict] = {}

    def kept() -> list[dict]:
        return [r for r in found.values() if (not area or r["area"] == area)
                and (not fprov or r["province"] == fprov) and not (unowned and r["owned"])]

    def read(doc: str) -> None:
        ids = select(kg, "document_targets", doc=ox.NamedNode(doc))
        _add_ids(found, [r for r in ids if year is None or r["deadline"] == year], provinces)

    groups = documents_by_province(kg, provinces, fprov) if fprov or limit else {}
    if not groups or not _read_by_province(groups, read, lambda: len(kept()), limit, every=bool(fprov)):
        found.clear()
        ids = select(kg, "target_ids", deadline=_gyear(year)) if year is not None else select(kg, "target_ids_undated")
        _add_ids(found, ids, provinces)
    rows = sorted(kept(), key=lambda r: (fold(r["province"] or ""), r["year"] or 0, r["area"], _natural(r["target"])))
    if not limit or len(rows) <= limit:
        return rows
    if whole_provinces:
        last = fold(rows[limit - 1]["province"] or "")
        return [r for r in rows if fold(r["province"] or "") <= last]
    return rows[:limit]


def _add_ids(found: dict[str, dict], ids: list[dict], provinces: dict[str, str]) -> None:
    for r in ids:
        row = found.setdefault(r["target"], {"target": r["target"], "year": r["deadline"],
                                             "area": _notation(r["areaIri"], "area"),
                                             "province": provinces.get(r["prov"]), "owned": False})
        row["owned"] = row["owned"] or r["owner"] is not None


def cites(kg: KGStore, doc: str | None = None) -> list[dict]:
    """Which documents cite which instruments.

    DOC picks one document of the store (file name, with or without extension, or number) or one
    cited instrument (its number: which documents cite it); case and diacritics are ignored
    ("2703/QD-UBND" is 2703/QĐ-UBND).  A DOC that is neither raises NotFound.
    """
    rows = select(kg, "cites")
    if doc:
        key = _doc_key(doc)
        try:
            iri = resolve_document(kg, doc)["doc"]
            rows = [r for r in rows if r["doc"] == iri]
        except NotFound:
            cited = [r for r in rows if _doc_key(r["number"]) == key]
            if not cited:
                raise NotFound(f"no document {doc!r} in the store and none cites it"
                               + _doc_hint(key, select(kg, "documents"), [r["number"] for r in rows])) from None
            rows = cited
    grouped: dict[str, dict] = defaultdict(lambda: {"cites": []})
    for r in rows:
        g = grouped[r["file"]]
        g.update(file=r["file"], province=r["province"], number=r["docNumber"])
        g["cites"].append(r["number"])
    return [{"file": g["file"], "number": g["number"], "province": g["province"], "cites": g["cites"]}
            for g in grouped.values()]


def review(kg: KGStore, doc: str | None = None) -> list[dict]:
    """Clauses that carry a duty or target cue but yielded no fact (optionally of one document, named
    like `cites` does; an unknown document raises NotFound)."""
    doc_iri = ox.NamedNode(resolve_document(kg, doc)["doc"]) if doc else None
    rows = select(kg, "review", doc=doc_iri)
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
