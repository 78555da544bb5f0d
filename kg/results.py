"""SPARQL 1.1 query results (JSON, XML, CSV, TSV) written from solution rows, with a row cap."""
from __future__ import annotations

import csv
import io
import json
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from .output import csv_safe

SELECT_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_TYPES = {"turtle": "text/turtle", "jsonld": "application/ld+json", "ntriples": "application/n-triples",
               "rdfxml": "application/rdf+xml"}


def _json_term(t) -> dict:
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Literal):
        out = {"type": "literal", "value": t.value}
        if t.language:
            out["xml:lang"] = t.language
        elif t.datatype and t.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = t.datatype.value
        return out
    return {"type": "triple", "value": {"subject": _json_term(t.subject), "predicate": _json_term(t.predicate),
                                        "object": _json_term(t.object)}}


def _xml_term(t) -> str:
    if isinstance(t, ox.NamedNode):
        return f"<uri>{escape(t.value)}</uri>"
    if isinstance(t, ox.BlankNode):
        return f"<bnode>{escape(t.value)}</bnode>"
    if isinstance(t, ox.Literal):
        if t.language:
            return f"<literal xml:lang={quoteattr(t.language)}>{escape(t.value)}</literal>"
        if t.datatype and t.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            return f"<literal datatype={quoteattr(t.datatype.value)}>{escape(t.value)}</literal>"
        return f"<literal>{escape(t.value)}</literal>"
    return f"<literal>{escape(str(t))}</literal>"


def _tsv_term(t) -> str:
    if t is None:
        return ""
    return str(t)


def select_results(variables: list[str], rows: list[list], fmt: str) -> bytes:
    if fmt == "json":
        bindings = [{v: _json_term(t) for v, t in zip(variables, row, strict=True) if t is not None} for row in rows]
        return json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}},
                          ensure_ascii=False).encode("utf-8")
    if fmt == "xml":
        parts = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>']
        parts += [f"<variable name={quoteattr(v)}/>" for v in variables]
        parts.append("</head><results>")
        for row in rows:
            parts.append("<result>")
            parts += [f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                      for v, t in zip(variables, row, strict=True) if t is not None]
            parts.append("</result>")
        parts.append("</results></sparql>\n")
        return "".join(parts).encode("utf-8")
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(variables)
        for row in rows:
            # cells a spreadsheet would run get an apostrophe (kg.output.csv_safe), as everywhere CSV is written
            w.writerow([csv_safe("" if t is None else (t.value if hasattr(t, "value") else str(t))) for t in row])
        return buf.getvalue().encode("utf-8")
    if fmt == "tsv":
        lines = ["\t".join("?" + v for v in variables)]
        lines += ["\t".join(_tsv_term(t) for t in row) for row in rows]
        return ("\n".join(lines) + "\n").encode("utf-8")
    raise ValueError(fmt)


def ask_result(value: bool, fmt: str) -> bytes:
    if fmt == "xml":
        return (f'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/>'
                f"<boolean>{'true' if value else 'false'}</boolean></sparql>\n").encode()
    return json.dumps({"head": {}, "boolean": bool(value)}).encode("utf-8")


def graph_results(triples: list, fmt: str) -> bytes:
    formats = {"turtle": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD, "ntriples": ox.RdfFormat.N_TRIPLES,
               "rdfxml": ox.RdfFormat.RDF_XML}
    prefixes = {"cchc": "https://w3id.org/cchc-kg/ontology#", "id": "https://w3id.org/cchc-kg/id/"} \
        if fmt == "turtle" else None
    data = ox.serialize(triples, format=formats[fmt], prefixes=prefixes)
    assert data is not None  # no output given: the bytes are returned
    return data


class _Bounded(io.BytesIO):
    """A binary sink for pyoxigraph's serializers that refuses to grow past `limit` bytes."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def write(self, data, /) -> int:
        if self.tell() + len(data) > self.limit:
            raise _Overflow
        return super().write(data)


class _Overflow(Exception):
    pass


NATIVE = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML, "tsv": ox.QueryResultsFormat.TSV}
NATIVE_FORMATS = frozenset(NATIVE)


def native_select(solutions: ox.QuerySolutions, fmt: str, max_rows: int, max_bytes: int,
                  small: bool = False) -> tuple[bytes, bool] | None:
    """Solutions written by pyoxigraph's own serializer (JSON, XML, TSV), cut to `max_rows` rows:
    (body, whether rows were cut); None when the whole result passes `max_bytes` (the caller then
    writes the first rows itself, or refuses).  CSV is not written here: its cells are neutralised.
    `small`: the query's own LIMIT keeps it within `max_rows` rows, so it is written whole, at once,
    and not counted; otherwise the writing stops as soon as it passes `max_bytes` (a sink that
    counts, slower)."""
    if small:
        body = solutions.serialize(format=NATIVE[fmt]) or b""
        return (body, False) if len(body) <= max_bytes else None
    sink = _Bounded(max_bytes)
    try:
        solutions.serialize(sink, format=NATIVE[fmt])
    except _Overflow:
        return None
    return _cut_rows(sink.getvalue(), fmt, max_rows)


def _cut_rows(body: bytes, fmt: str, max_rows: int) -> tuple[bytes, bool]:
    """The body with at most `max_rows` rows.  Counting is exact: in XML and TSV a row's marker
    cannot occur inside a value (values are escaped); in JSON the braces bound the rows from above
    (a value may hold braces, a row holds at least one) and the body is read only past that bound."""
    if fmt == "json":
        if len(body) <= 3 * max_rows or body.count(b"{") - 3 <= max_rows:   # a row and its comma: 3 bytes or more
            return body, False
        data = json.loads(body)
        bindings = data["results"]["bindings"]
        if len(bindings) <= max_rows:
            return body, False
        data["results"]["bindings"] = bindings[:max_rows]
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), True
    if fmt == "xml":
        marker = b"<result>"
        if body.count(marker) <= max_rows:
            return body, False
        at = -1
        for _ in range(max_rows + 1):
            at = body.index(marker, at + 1)
        return body[:at] + b"</results></sparql>", True
    lines = body.split(b"\n")   # TSV: the header, one line per row, and the final newline
    if len(lines) - 2 <= max_rows:
        return body, False
    return b"\n".join(lines[:max_rows + 1]) + b"\n", True
