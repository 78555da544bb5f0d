"""Model → RDF: one named graph per document, plus the gazetteer's agency kinds.

IRIs are stable and readable: ``id/doc/<file stem>``, ``id/target/<doc>-t3``,
``id/agency/<province>/<gazetteer id>`` (an agency in one province, classified by the
province-independent kind ``id/agency-kind/<gazetteer id>``).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import overload

from rdflib import BNode, Graph, Literal, URIRef, namespace
from rdflib.term import Node

from .abbreviations import search_key
from .agencies import gazetteer
from .indicators import catalogue
from .model import SCOPE_SUFFIX, Agency, Document, Span
from .text import fold
from .vocab import (
    CCHC,
    ELI,
    ID,
    OA,
    QB,
    Terms,
    agency_type_iri,
    area_iri,
    comparator_iri,
    deadline_kind_iri,
    kind_iri,
    role_iri,
    rule_iri,
    scope_iri,
    unit_iri,
)

# rdflib's namespaces, each term looked up once (a graph names them on every triple)
DCTERMS, ORG, PROV, RDF, RDFS, SKOS, XSD = (Terms(n) for n in (namespace.DCTERMS, namespace.ORG, namespace.PROV,
                                                              namespace.RDF, namespace.RDFS, namespace.SKOS,
                                                              namespace.XSD))

ONTOLOGY_GRAPH = ID["graph/ontology"]
GAZETTEER_GRAPH = ID["graph/gazetteer"]
INDICATOR_GRAPH = ID["graph/indicators"]
REORGANISATION_GRAPH = ID["graph/reorganisation"]
SHARED_GRAPH = ID["graph/shared"]   # nodes several documents share: instruments, provinces, agencies


Triple = tuple[Node, Node, Node]


class Triples:
    """A graph as the build writes it: each triple once, in the order first added (filling an rdflib
    Graph costs more than the document's whole reading is worth when the triples only go to N-Quads)."""

    def __init__(self) -> None:
        self._all: dict[Triple, None] = {}

    def add(self, triple: Triple) -> None:
        self._all[triple] = None

    def __iter__(self) -> Iterator[Triple]:
        return iter(self._all)

    def __len__(self) -> int:
        return len(self._all)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-") or "x"


def doc_iri(doc_id: str) -> URIRef:
    return ID[f"doc/{doc_id}"]


def doc_graph_iri(doc_id: str) -> URIRef:
    return ID[f"graph/doc/{doc_id}"]


def agency_iri(agency: Agency, province: str | None) -> URIRef:
    return ID[f"agency/{slug(province) if province else 'unknown'}/{agency.id}"]


def agency_kind_iri(agency_id: str) -> URIRef:
    return ID[f"agency-kind/{agency_id}"]


def indicator_iri(indicator_id: str) -> URIRef:
    return ID[f"indicator/{indicator_id}"]


def result_iri(result_id: str) -> URIRef:
    return ID[f"result/{result_id}"]


def instrument_iri(number: str) -> URIRef:
    return ID[f"instrument/{slug(number)}"]


def gazetteer_graph() -> Triples:
    """Agency kinds (one SKOS concept per gazetteer body) with labels, abbreviations, renamings."""
    g = Triples()
    for entry in gazetteer().values():
        k = agency_kind_iri(entry.id)
        g.add((k, RDF.type, SKOS.Concept))
        g.add((k, SKOS.inScheme, CCHC.AgencyKinds))
        g.add((k, SKOS.broader, agency_type_iri(entry.type)))
        g.add((k, SKOS.prefLabel, Literal(entry.vi, lang="vi")))
        g.add((k, SKOS.prefLabel, Literal(entry.en, lang="en")))
        g.add((k, SKOS.notation, Literal(entry.id)))
        for alias in entry.aliases:
            g.add((k, SKOS.altLabel, Literal(alias, lang="vi")))
        if entry.renamed_to:
            g.add((k, CCHC.renamedTo, agency_kind_iri(entry.renamed_to)))
            event = ID[f"change/{entry.id}"]
            g.add((event, RDF.type, ORG.ChangeEvent))
            g.add((event, RDFS.label, Literal(f"{entry.vi} → {gazetteer()[entry.renamed_to].vi} (2025)", lang="vi")))
            g.add((event, PROV.used, k))
            g.add((event, PROV.generated, agency_kind_iri(entry.renamed_to)))
    return g


def reorganisation_graph() -> Triples:
    """The 2025 reorganisation as org:ChangeEvent nodes: what changed into what, on which day, under
    which instrument (cchc:legalBasis, rdfs:seeAlso the page where it was confirmed).  A department
    merger shares its IRI with the gazetteer's renaming event of the same body."""
    from .reorganisation import changes
    g = Triples()
    for c in changes():
        events: list[tuple[URIRef, str | None]]
        if c.kind == "department":
            events = [(ID[f"change/{old}"] if old in gazetteer() else ID[f"change/{slug(old)}"], old) for old in c.old]
        else:
            events = [(ID[f"change/{c.kind}/{slug(c.new if c.kind == 'province' else c.old[0])}"], None)]
        for event, old in events:
            g.add((event, RDF.type, ORG.ChangeEvent))
            g.add((event, DCTERMS.date, Literal(c.date.isoformat(), datatype=XSD.date)))
            g.add((event, CCHC.legalBasis, Literal(c.basis, lang="vi")))
            if c.source_url:
                g.add((event, RDFS.seeAlso, URIRef(c.source_url)))
            if c.note:
                g.add((event, RDFS.comment, Literal(c.note, lang="vi")))
            if c.kind == "province":
                g.add((event, RDFS.label, Literal(f"{', '.join(c.old)} → {c.new} ({c.date.isoformat()})", lang="vi")))
                g.add((event, PROV.generated, ID[f"province/{slug(c.new)}"]))
                for p in c.old:
                    g.add((event, PROV.used, ID[f"province/{slug(p)}"]))
            elif c.kind == "department":
                new = agency_kind_iri(c.new) if c.new in gazetteer() else Literal(c.new, lang="vi")
                g.add((event, PROV.generated, new))
                if old in gazetteer():
                    g.add((event, PROV.used, agency_kind_iri(old)))
                else:
                    g.add((event, RDFS.label, Literal(f"{old} → {c.new}", lang="vi")))
            else:
                g.add((event, RDFS.label, Literal(f"{c.old[0]}: {c.new}", lang="vi")))
    return g


def indicator_graph() -> Triples:
    """The indicator catalogue as a SKOS scheme: labels, aliases, unit, area, defining instrument,
    components (skos:broader) and national values by year."""
    g = Triples()
    for ind in catalogue().values():
        node = indicator_iri(ind.id)
        g.add((node, RDF.type, CCHC.Indicator))
        g.add((node, RDF.type, SKOS.Concept))
        g.add((node, SKOS.inScheme, CCHC.Indicators))
        g.add((node, SKOS.notation, Literal(ind.id)))
        g.add((node, SKOS.prefLabel, Literal(ind.vi, lang="vi")))
        g.add((node, SKOS.prefLabel, Literal(ind.en, lang="en")))
        for alias in ind.aliases:
            g.add((node, SKOS.altLabel, Literal(alias, lang="vi")))
        g.add((node, SKOS.example, Literal(ind.example, lang="vi")))
        g.add((node, CCHC.unit, unit_iri(ind.unit)))
        g.add((node, CCHC.area, area_iri(ind.area)))
        g.add((node, CCHC.family, Literal(ind.scheme)))
        g.add((node, CCHC.definedBy, Literal(ind.source, lang="vi")))
        if ind.source_url:
            g.add((node, RDFS.seeAlso, URIRef(ind.source_url)))
        if ind.broader:
            g.add((node, SKOS.broader, indicator_iri(ind.broader)))
        else:
            g.add((node, SKOS.topConceptOf, CCHC.Indicators))
        for n in ind.national:
            value = ID[f"indicator/{ind.id}/national/{n.year}" + (f"-{SCOPE_SUFFIX[n.scope]}" if n.scope else "")]
            g.add((node, CCHC.nationalValue, value))
            if n.scope:
                g.add((value, CCHC.scope, scope_iri(n.scope)))
            g.add((value, RDF.type, CCHC.NationalValue))
            g.add((value, CCHC.year, Literal(str(n.year), datatype=XSD.gYear)))
            g.add((value, CCHC.value, Literal(_decimal(n.value), datatype=XSD.decimal)))
            g.add((value, CCHC.comparator, comparator_iri(n.comparator)))
    return g


def nquads(triples: Iterable[Triple], graph: URIRef | None) -> str:
    """The triples as N-Quads lines in `graph` (None: N-Triples), written as rdflib's N-Triples
    serialiser writes them."""
    g = f" <{graph}> .\n" if graph is not None else " .\n"
    written: dict[Node, str] = {}   # IRIs and blank nodes (named again and again) as written the first time
    known = written.get
    lines = []
    for s, p, o in triples:
        a = known(s) or written.setdefault(s, _nt(s))
        b = known(p) or written.setdefault(p, _nt(p))
        c = _nt(o) if isinstance(o, Literal) else known(o) or written.setdefault(o, _nt(o))
        lines.append(f"{a} {b} {c}{g}")
    return "".join(lines)


_NOT_IN_IRI = re.compile(r'[<>" {}|\\^`]')


def _nt(term: Node) -> str:
    if isinstance(term, Literal):
        text = '"' + term.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"').replace("\r", "\\r") + '"'
        if term.language:
            return f"{text}@{term.language}"
        return f"{text}^^<{term.datatype}>" if term.datatype else text
    if isinstance(term, URIRef):
        if _NOT_IN_IRI.search(term):
            raise ValueError(f'"{term}" does not look like a valid URI, I cannot serialize this as N-Triples')
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    raise TypeError(f"not an RDF term: {term!r}")


@overload
def document_graph(doc: Document, shared: Graph | None = None) -> Graph: ...


@overload
def document_graph(doc: Document, shared: Triples, into: Triples) -> Triples: ...


def document_graph(doc: Document, shared: Graph | Triples | None = None,
                   into: Graph | Triples | None = None) -> Graph | Triples:
    """The document's facts (in `into`, default a new Graph); nodes other documents share go to
    `shared` (default: the same graph).

    Keeping shared nodes in one graph matters: queried as the union of all graphs, a triple
    repeated in every document's graph would multiply every join through it.
    """
    g = Graph() if into is None else into
    sh = g if shared is None else shared
    spans: set[URIRef] = set()
    d = doc_iri(doc.id)
    g.add((d, RDF.type, CCHC.Document))
    if doc.kind == "bai_viet":
        g.add((d, RDF.type, CCHC.Article))
        if doc.number:
            described = instrument_iri(doc.number)
            g.add((d, CCHC.describes, described))
            sh.add((described, RDF.type, ELI.LegalResource))
            sh.add((described, ELI.id_local, Literal(doc.number)))
            if doc.date:
                sh.add((described, ELI.date_document, Literal(doc.date, datatype=XSD.date)))
            if doc.describes:
                sh.add((described, CCHC.documentKind, kind_iri(doc.describes)))
    else:
        g.add((d, RDF.type, ELI.LegalResource))
        if doc.number:
            g.add((d, ELI.id_local, Literal(doc.number)))
            sh.add((instrument_iri(doc.number), RDFS.seeAlso, d))
        if doc.date:
            g.add((d, ELI.date_document, Literal(doc.date, datatype=XSD.date)))
    g.add((d, CCHC.fileName, Literal(doc.source)))
    g.add((d, CCHC.documentKind, kind_iri(doc.kind)))
    if doc.title:
        g.add((d, DCTERMS.title, Literal(doc.title, lang="vi")))
    if doc.issuer:
        g.add((d, DCTERMS.creator, Literal(doc.issuer, lang="vi")))
    if doc.signer:
        g.add((d, CCHC.signer, Literal(doc.signer)))
    if doc.period:
        g.add((d, CCHC.period, Literal(doc.period)))
    if doc.province:
        p = ID[f"province/{slug(doc.province)}"]
        g.add((d, CCHC.province, p))
        sh.add((p, RDF.type, CCHC.Province))
        sh.add((p, SKOS.prefLabel, Literal(doc.province, lang="vi")))
    for c in doc.citations:
        cited = instrument_iri(c.number)
        g.add((d, ELI.cites, cited))
        sh.add((cited, RDF.type, ELI.LegalResource))
        sh.add((cited, ELI.id_local, Literal(c.number)))
        if c.kind:
            sh.add((cited, ELI.type_document, Literal(c.kind)))

    agencies: dict[str, URIRef] = {}

    def agency(a: Agency) -> URIRef:
        if a.id in agencies:
            return agencies[a.id]
        node = agency_iri(a, doc.province)
        agencies[a.id] = node
        sh.add((node, RDF.type, ORG.Organization))
        label = f"{a.name} ({doc.province})" if doc.province else a.name
        sh.add((node, SKOS.prefLabel, Literal(a.name, lang="vi")))
        sh.add((node, RDFS.label, Literal(label, lang="vi")))
        if a.name_en:
            sh.add((node, SKOS.prefLabel, Literal(a.name_en, lang="en")))
        kind = agency_kind_iri(a.id)
        sh.add((node, ORG.classification, kind))
        sh.add((node, CCHC.inGazetteer, Literal(a.known)))
        if not a.known or a.kind_of:
            sh.add((kind, RDF.type, SKOS.Concept))
            sh.add((kind, SKOS.prefLabel, Literal(a.name, lang="vi")))
            sh.add((kind, SKOS.broader, agency_kind_iri(a.kind_of) if a.kind_of else agency_type_iri(a.type)))
            sh.add((kind, SKOS.inScheme, CCHC.AgencyKinds))
        if doc.province:
            sh.add((node, CCHC.province, ID[f"province/{slug(doc.province)}"]))
        return node

    for t in doc.targets:
        node = ID[f"target/{t.id}"]
        g.add((node, RDF.type, CCHC.Target))
        g.add((node, CCHC.statedIn, d))
        g.add((d, CCHC.states, node))
        g.add((node, CCHC.area, area_iri(t.area)))
        g.add((node, CCHC.unit, unit_iri(t.unit)))
        g.add((node, CCHC.comparator, comparator_iri(t.comparator)))
        if t.value is not None:
            g.add((node, CCHC.value, Literal(_decimal(t.value), datatype=XSD.decimal)))
        if t.value_max is not None:
            g.add((node, CCHC.valueMax, Literal(_decimal(t.value_max), datatype=XSD.decimal)))
        if t.year is not None:
            g.add((node, CCHC.deadline, Literal(str(t.year), datatype=XSD.gYear)))
        else:
            g.add((node, CCHC.noDeadline, Literal(True)))
        if t.baseline:
            g.add((node, CCHC.baseline, Literal(t.baseline)))
        if t.scope:
            g.add((node, CCHC.scope, scope_iri(t.scope)))
        g.add((node, CCHC.metric, Literal(t.metric, lang="vi")))
        g.add((node, CCHC.searchKey, Literal(search_key(t.metric + " " + t.span.quote))))
        g.add((node, RDFS.label, Literal(_target_label(t), lang="vi")))
        g.add((node, CCHC.source, _span(g, spans, doc, t.span)))

    for r in doc.results:
        node = result_iri(r.id)
        g.add((node, RDF.type, CCHC.Result))
        g.add((node, RDF.type, QB.Observation))
        g.add((node, QB.dataSet, CCHC.DocumentResults))
        g.add((node, CCHC.statedIn, d))
        if doc.province:
            g.add((node, CCHC.refArea, ID[f"province/{slug(doc.province)}"]))
        g.add((node, CCHC.refYear, Literal(str(r.year), datatype=XSD.gYear)))
        g.add((node, CCHC.yearStated, Literal(r.year_stated)))
        g.add((node, CCHC.value, Literal(_decimal(r.value), datatype=XSD.decimal)))
        if r.value_max is not None:
            g.add((node, CCHC.valueMax, Literal(_decimal(r.value_max), datatype=XSD.decimal)))
        g.add((node, CCHC.unit, unit_iri(r.unit)))
        g.add((node, CCHC.comparator, comparator_iri(r.comparator)))
        g.add((node, CCHC.area, area_iri(r.area)))
        g.add((node, CCHC.metric, Literal(r.metric, lang="vi")))
        g.add((node, CCHC.source, _span(g, spans, doc, r.span)))

    results = {r.id for r in doc.results}
    for m in doc.measures:
        if m.target_id in results:   # a result's indicator is a dimension of its observation
            node = result_iri(m.target_id)
            g.add((node, CCHC.indicator, indicator_iri(m.indicator)))
        else:
            node = ID[f"target/{m.target_id}"]
            g.add((node, CCHC.measures, indicator_iri(m.indicator)))
        g.add((node, CCHC.measureRule, rule_iri(m.rule)))
        g.add((node, CCHC.matchedPhrase, Literal(m.phrase)))

    for task in doc.tasks:
        node = ID[f"task/{task.id}"]
        g.add((node, RDF.type, CCHC.Task))
        g.add((node, RDFS.label, Literal(task.text, lang="vi")))
        if task.area:
            g.add((node, CCHC.area, area_iri(task.area)))
        if task.deadline:
            g.add((node, CCHC.deadlineText, Literal(task.deadline.text, lang="vi")))
            g.add((node, CCHC.deadlineKind, deadline_kind_iri(task.deadline.kind)))
            if task.deadline.due:
                g.add((node, CCHC.due, Literal(task.deadline.due, datatype=XSD.date)))
            if task.deadline.recurrence:
                g.add((node, CCHC.recurrence, Literal(task.deadline.recurrence, lang="vi")))
        g.add((node, CCHC.statedIn, d))
        g.add((node, CCHC.source, _span(g, spans, doc, task.span)))

    for duty in doc.duties:
        node = ID[f"duty/{duty.id}"]
        if duty.task_id:
            g.add((node, CCHC.forTask, ID[f"task/{duty.task_id}"]))
        g.add((node, RDF.type, CCHC.Duty))
        g.add((node, CCHC.agency, agency(duty.agency)))
        g.add((node, CCHC.role, role_iri(duty.role)))
        if duty.area:
            g.add((node, CCHC.area, area_iri(duty.area)))
        g.add((node, CCHC.task, Literal(duty.task, lang="vi")))
        g.add((node, CCHC.statedIn, d))
        g.add((node, CCHC.source, _span(g, spans, doc, duty.span)))

    g.add((d, CCHC.cueClauses, Literal(doc.cue_clauses, datatype=XSD.integer)))
    for i, item in enumerate(doc.review, 1):
        node = ID[f"review/{doc.id}-r{i}"]
        g.add((node, RDF.type, CCHC.ReviewItem))
        g.add((node, CCHC.reviewKind, Literal(item.kind)))
        g.add((node, CCHC.reason, Literal(item.reason)))
        g.add((node, CCHC.statedIn, d))
        g.add((node, CCHC.source, _span(g, spans, doc, item.span)))

    for o in doc.ownerships:
        target = ID[f"target/{o.target_id}"]
        owner = agency(o.agency)
        node = ID[f"ownership/{o.target_id}-{o.agency.id}"]
        g.add((node, RDF.type, CCHC.Ownership))
        g.add((node, CCHC.target, target))
        g.add((node, CCHC.owner, owner))
        g.add((node, CCHC.rule, rule_iri(o.rule)))
        if o.duty_id:
            g.add((node, PROV.wasDerivedFrom, ID[f"duty/{o.duty_id}"]))
        g.add((target, CCHC.ownedBy, owner))
    return g


def _decimal(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def _target_label(t) -> str:
    if t.value is None:
        return t.metric[:120]
    value = _decimal(t.value) + (f"–{_decimal(t.value_max)}" if t.value_max is not None else "")
    unit = "%" if t.unit == "%" else f" ({t.unit})"
    return f"{t.comparator} {value}{unit} {t.metric[:100]}".strip()


def _span(g: Graph | Triples, written: set[URIRef], doc: Document, span: Span) -> URIRef:
    node = ID[f"span/{doc.id}/{span.start}-{span.end}"]
    if node in written:
        return node
    written.add(node)
    g.add((node, RDF.type, OA.SpecificResource))
    g.add((node, OA.hasSource, doc_iri(doc.id)))
    quote = ID[f"span/{doc.id}/{span.start}-{span.end}#quote"]
    pos = ID[f"span/{doc.id}/{span.start}-{span.end}#position"]
    g.add((node, OA.hasSelector, quote))
    g.add((quote, RDF.type, OA.TextQuoteSelector))
    g.add((quote, OA.exact, Literal(span.quote)))
    g.add((node, OA.hasSelector, pos))
    g.add((pos, RDF.type, OA.TextPositionSelector))
    g.add((pos, OA.start, Literal(span.start, datatype=XSD.integer)))
    g.add((pos, OA.end, Literal(span.end, datatype=XSD.integer)))
    return node
