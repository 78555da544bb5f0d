"""Named SPARQL queries (kg/queries/*.rq) run on the store with engine-bound parameters.

Parameters are passed to the engine as substitutions (SEP-0007), never pasted into
query text, so a hostile value cannot change a query.  `run_sparql` is the analysts'
free-form entry point: read-only (updates are refused before they reach the store).
"""
from __future__ import annotations

import re
from functools import cache
from typing import Any

import pyoxigraph as ox

from .errors import QueryError
from .resources import query_text
from .store import KGStore

# A plain Python value of a result column (see `py`).
Value = str | int | float | bool | None
# One SELECT solution, column name -> value.  Which columns a row has and what each holds is
# fixed by the query's text (kg/queries/*.rq), which the type checker cannot see.
Row = dict[str, Any]
# Prefixes predeclared for analysts' free-form queries (kg sparql and kg serve).
PREFIXES = {"cchc": "https://w3id.org/cchc-kg/ontology#", "eli": "http://data.europa.eu/eli/ontology#",
            "oa": "http://www.w3.org/ns/oa#", "org": "http://www.w3.org/ns/org#", "prov": "http://www.w3.org/ns/prov#",
            "skos": "http://www.w3.org/2004/02/skos/core#", "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
            "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "dcterms": "http://purl.org/dc/terms/",
            "xsd": "http://www.w3.org/2001/XMLSchema#", "id": "https://w3id.org/cchc-kg/id/",
            "qb": "http://purl.org/linked-data/cube#"}


@cache
def named_query(name: str) -> str:
    return query_text("_prefixes") + query_text(name)


def py(term: object) -> Value:
    """A pyoxigraph term as a plain Python value."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        dt = term.datatype.value if term.datatype else ""
        v = term.value
        if dt.endswith(("#integer", "#int", "#long", "#nonNegativeInteger", "#gYear")):
            try:
                return int(v)
            except ValueError:
                return v
        if dt.endswith(("#decimal", "#double", "#float")):
            f = float(v)
            return int(f) if f.is_integer() else f
        if dt.endswith("#boolean"):
            return v == "true"
        return v
    if isinstance(term, ox.NamedNode):
        return term.value
    return str(term)


def to_term(value: object):
    if isinstance(value, (ox.NamedNode, ox.Literal, ox.BlankNode)):
        return value
    if isinstance(value, bool):
        return ox.Literal("true" if value else "false", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    return ox.Literal(str(value))


def select(kg: KGStore, name: str, custom_functions: dict | None = None, **params: object) -> list[Row]:
    """Run a named SELECT query; keyword arguments bind its variables."""
    subs = {ox.Variable(k): to_term(v) for k, v in params.items() if v is not None}
    try:
        result = kg.store.query(named_query(name), use_default_graph_as_union=True, substitutions=subs,
                                custom_functions=custom_functions)
    except SyntaxError as e:
        raise QueryError(f"query {name}: {e}") from e
    if not isinstance(result, ox.QuerySolutions):
        raise QueryError(f"query {name}: not a SELECT query")
    names = [v.value for v in result.variables]
    return [{n: py(sol[n]) for n in names} for sol in result]


_UPDATE = re.compile(r"\b(?:INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD)\b", re.IGNORECASE)


def is_update(sparql: str) -> bool:
    stripped = re.sub(r"#[^\n]*", "", sparql)
    stripped = re.sub(r"\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|<[^>\s]*>", "", stripped)
    return bool(_UPDATE.search(stripped)) and not re.search(r"^\s*(?:PREFIX[^\n]*\n\s*|BASE[^\n]*\n\s*)*"
                                                            r"(?:SELECT|ASK|CONSTRUCT|DESCRIBE)\b", stripped,
                                                            re.IGNORECASE)


def run_sparql(kg: KGStore, sparql: str):
    """Run any read query (SELECT, ASK, CONSTRUCT, DESCRIBE); refuse updates."""
    if is_update(sparql):
        raise QueryError("updates are not allowed: the store is read-only (use kg build to change it)")
    try:
        return kg.store.query(sparql, use_default_graph_as_union=True, prefixes=PREFIXES)
    except SyntaxError as e:
        raise QueryError(f"SPARQL syntax error: {e}") from e
