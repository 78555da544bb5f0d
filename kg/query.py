"""Named SPARQL queries (kg/queries/*.rq) run on the store with engine-bound parameters.

Parameters are passed to the engine as substitutions (SEP-0007), never pasted into
query text, so a hostile value cannot change a query.  `run_sparql` is the analysts'
free-form entry point: read-only (updates are refused before they reach the store), and
local (a federated SERVICE call, which would make the store contact another host, is refused
unless asked for), and never nested deeper than the engine's parser can take.
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


def run_sparql(kg: KGStore, sparql: str, allow_service: bool = False):
    """Run any read query (SELECT, ASK, CONSTRUCT, DESCRIBE); refuse updates, and SERVICE unless
    `allow_service`."""
    if is_update(sparql):
        raise QueryError("updates are not allowed: the store is read-only (use kg build to change it)")
    check_query(sparql, allow_service)
    try:
        return kg.store.query(sparql, use_default_graph_as_union=True, prefixes=PREFIXES)
    except SyntaxError as e:
        raise QueryError(f"SPARQL syntax error: {e}") from e


# ------------------------------------------------------------------ what a query could make the engine do
class RemoteQueryError(QueryError):
    """A query asks the store to contact another host (SERVICE) and that was not allowed."""


class QueryTooDeepError(QueryError):
    """A query nests deeper than the engine's parser can take without overflowing its stack."""


# pyoxigraph's parser recurses per nesting level and overflows an 8 MB stack (SIGSEGV) between
# 2,000 and 4,000 nested groups; no real query comes near this.
MAX_NESTING = 256

# The terminals of SPARQL 1.1 (section 19.8) that can hide a keyword: the engine never reads a
# keyword inside a comment, a string, an IRI, a variable's name or a prefixed name's local part.
_PN_CHARS_BASE = ("A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c\u200d"
                  "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff")
_PN_CHARS = _PN_CHARS_BASE + "_\\-0-9\u00b7\u0300-\u036f\u203f\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_IRIREF = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')


@cache
def _names() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A variable's name and a prefixed name's local part (compiled when first needed: their character
    classes take milliseconds to compile, which every lookup would pay at start-up).  A local name
    stops at its first '.': the engine may end the name there, so what follows is read as code
    (which can only make the check stricter)."""
    return (re.compile(f"[{_PN_CHARS_BASE}_0-9][{_PN_CHARS_BASE}_0-9\u00b7\u0300-\u036f\u203f\u2040]*"),
            re.compile(f"(?:[{_PN_CHARS_BASE}_:0-9]|{_PLX})(?:[{_PN_CHARS}:]|{_PLX})*"))


_SPECIAL = re.compile(r"[#\"'<?$:\\]")
_STRING_STOP = {q: re.compile("[\\\\" + q[0] + ("\r\n]" if len(q) == 1 else "]")) for q in ('"', "'", '"""', "'''")}
_EOL = re.compile(r"[\r\n]")
_LOCAL_ESC = set("_~.-!$&'()*+,;=/?#@%")
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _skip_string(text: str, i: int, quote: str) -> int | None:
    """The end of the string literal opening at `i`, or None when it is not closed as the grammar says."""
    stop = _STRING_STOP[quote]
    j = i + len(quote)
    while True:
        m = stop.search(text, j)
        if m is None:
            return None
        j = m.start()
        if text[j] == "\\":
            j += 2
        elif text.startswith(quote, j):
            return j + len(quote)
        elif len(quote) == 1 and text[j] in "\r\n":
            return None
        else:
            j += 1


def code_text(sparql: str) -> str:
    """The query's text as the engine's parser sees keywords and brackets: lower-cased, with every
    comment, string, IRI, variable name and local name replaced by a space.

    Where the text is not well formed (an unclosed string, a lone '<'), the characters stay as code,
    so the result holds every keyword the engine could read and possibly more."""
    out: list[str] = []
    i, n = 0, len(sparql)
    while i < n:
        m = _SPECIAL.search(sparql, i)
        if m is None:
            out.append(sparql[i:])
            break
        j = m.start()
        out.append(sparql[i:j])
        c = sparql[j]
        end: int | None = None
        if c == "#":
            eol = _EOL.search(sparql, j)
            end = eol.start() if eol else n
        elif c in "\"'":
            long = c * 3
            end = _skip_string(sparql, j, long) if sparql.startswith(long, j) else _skip_string(sparql, j, c)
        elif c == "<":
            iri = _IRIREF.match(sparql, j)
            end = iri.end() if iri else None
        elif c in "?$":
            var = _names()[0].match(sparql, j + 1)
            end = var.end() if var else None
        elif c == ":":
            local = _names()[1].match(sparql, j + 1)
            end = local.end() if local else None
        else:  # a backslash outside a string only escapes a local name's punctuation (PN_LOCAL_ESC)
            end = j + 2 if sparql[j + 1:j + 2] in _LOCAL_ESC else None
        if end is None:
            out.append(c)
            i = j + 1
        else:
            out.append(" ")
            i = end
    return "".join(out).lower()


def _readings(sparql: str) -> list[str]:
    """The query's code text, and again with \\u escapes resolved (SPARQL 1.1 section 19.2 resolves
    them before parsing; pyoxigraph 0.5 does not, another engine might)."""
    texts = [code_text(sparql)]
    if _CODEPOINT.search(sparql):
        texts.append(code_text(_CODEPOINT.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), sparql)))
    return texts


def uses_service(sparql: str) -> bool:
    """Whether the query could make the engine call another endpoint (SERVICE, federated query).

    The check is on the query's tokens, not its parse tree: SERVICE is a keyword, so a query that
    uses it holds it outside any comment, string, IRI or name, whatever else it contains, in
    whatever syntax the engine accepts (rdflib's parser, for one, cannot read pyoxigraph's LATERAL,
    RDF-star or `ex:a\\#b` names, and a query it cannot parse could still call out).  Keywords need
    no space around them (`1SERVICE` is read as `1 SERVICE`), so any "service" left counts; a name
    such as `ex:a.service` is refused too."""
    return _service(_readings(sparql))


def nesting_depth(sparql: str) -> int:
    """How deep the query's groups, brackets and parentheses nest."""
    return _depth(_readings(sparql))


def _service(texts: list[str]) -> bool:
    return any("service" in text for text in texts)


def _depth(texts: list[str]) -> int:
    deepest = 0
    for text in texts:
        depth = 0
        for m in _BRACKET.finditer(text):
            depth = depth + 1 if m.group() in "{([" else max(0, depth - 1)
            deepest = max(deepest, depth)
    return deepest


_BRACKET = re.compile(r"[{(\[\]})]")


_FINAL_LIMIT = re.compile(r"\blimit\s+([0-9]{1,9})(?:\s+offset\s+[0-9]+)?\s*$|"
                          r"\boffset\s+[0-9]+\s+limit\s+([0-9]{1,9})\s*$")


def final_limit(sparql: str) -> int | None:
    """The LIMIT that ends the query (its own, not a subquery's), or None: at most that many rows come."""
    m = _FINAL_LIMIT.search(code_text(sparql))
    return int(m.group(1) or m.group(2)) if m else None


def check_query(sparql: str, allow_service: bool = False) -> None:
    """Refuse a query that would contact another host (unless `allow_service`) or nest too deep."""
    texts = _readings(sparql)
    if not allow_service and _service(texts):
        raise RemoteQueryError("SERVICE is not allowed: this store answers from its own data and never contacts "
                               "another host (federated queries need --allow-service)")
    if _depth(texts) > MAX_NESTING:
        raise QueryTooDeepError(f"query nested too deeply (more than {MAX_NESTING} levels of {{ }}, ( ) or [ ])")
