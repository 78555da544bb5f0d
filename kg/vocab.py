"""The project's own vocabulary (mint only where W3C ORG, ELI, SKOS, PROV, OA, DCTERMS lack a term)."""
from __future__ import annotations

from functools import cache

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace, DefinedNamespaceMeta

from .model import CMP_SUFFIX, SCOPE_SUFFIX, UNIT_SUFFIX


class _Namespace(Namespace):
    """A Namespace whose named terms (``OA.exact``) are made once, and then kept on it: a graph names
    them on every triple."""

    def __getattr__(self, name: str) -> URIRef:
        if name.startswith("__"):
            raise AttributeError(name)
        term = _term(self, name)
        object.__setattr__(self, name, term)
        return term


@cache
def _term(namespace: str, name: str) -> URIRef:
    return URIRef(namespace + name)


ELI = _Namespace("http://data.europa.eu/eli/ontology#")
OA = _Namespace("http://www.w3.org/ns/oa#")
ID = _Namespace("https://w3id.org/cchc-kg/id/")
QB = _Namespace("http://purl.org/linked-data/cube#")


class _TermsKept(DefinedNamespaceMeta):
    """A closed namespace whose terms, once looked up (and checked), are kept on the class: the graph
    of a document names them on every triple, and a DefinedNamespace checks every lookup."""

    def __getattr__(cls, name: str):
        term = super().__getattr__(name)
        if not name.startswith("_") and isinstance(term, URIRef):
            type.__setattr__(cls, name, term)
        return term


class Terms:
    """The terms of one of rdflib's namespaces (``Terms(RDF).type``), each looked up once."""

    def __init__(self, namespace: type[DefinedNamespace]) -> None:
        self._namespace = namespace

    def __getattr__(self, name: str) -> URIRef:
        if name.startswith("__"):
            raise AttributeError(name)
        term: URIRef = getattr(self._namespace, name)
        setattr(self, name, term)
        return term


class CCHC(DefinedNamespace, metaclass=_TermsKept):
    """cchc-kg terms; a typo raises instead of minting a wrong IRI."""

    _fail = True
    _NS = Namespace("https://w3id.org/cchc-kg/ontology#")

    Document: URIRef
    Article: URIRef
    Target: URIRef
    Duty: URIRef
    Ownership: URIRef
    Province: URIRef
    ReviewItem: URIRef
    Task: URIRef
    Indicator: URIRef
    Result: URIRef
    Status: URIRef
    legalBasis: URIRef
    StatusRules: URIRef
    StatusValues: URIRef
    statusOf: URIRef
    statusValue: URIRef
    basedOn: URIRef
    asOf: URIRef
    DocumentResults: URIRef
    ResultStructure: URIRef
    refArea: URIRef
    refAreaName: URIRef
    refYear: URIRef
    indicator: URIRef
    yearStated: URIRef
    Indicators: URIRef
    NationalValue: URIRef
    measures: URIRef
    measureRule: URIRef
    matchedPhrase: URIRef
    nationalValue: URIRef
    year: URIRef
    definedBy: URIRef
    family: URIRef
    forTask: URIRef
    due: URIRef
    deadlineText: URIRef
    deadlineKind: URIRef
    recurrence: URIRef
    reviewKind: URIRef
    reason: URIRef
    cueClauses: URIRef
    statedIn: URIRef
    states: URIRef
    source: URIRef
    area: URIRef
    unit: URIRef
    comparator: URIRef
    scope: URIRef
    role: URIRef
    rule: URIRef
    agency: URIRef
    target: URIRef
    owner: URIRef
    ownedBy: URIRef
    value: URIRef
    valueMax: URIRef
    deadline: URIRef
    noDeadline: URIRef
    baseline: URIRef
    metric: URIRef
    searchKey: URIRef
    task: URIRef
    documentKind: URIRef
    describes: URIRef
    province: URIRef
    period: URIRef
    signer: URIRef
    fileName: URIRef
    inGazetteer: URIRef
    renamedTo: URIRef
    AgencyKinds: URIRef


_CONCEPTS = Namespace("https://w3id.org/cchc-kg/ontology#")
# Concepts come from small fixed sets (areas, roles, units ...): each term is made once (@cache).


@cache
def area_iri(area: str) -> URIRef:
    return _CONCEPTS[f"area-{area}"]


@cache
def role_iri(role: str) -> URIRef:
    return _CONCEPTS[f"role-{role}"]


@cache
def deadline_kind_iri(kind: str) -> URIRef:
    return _CONCEPTS[f"deadline-{kind}"]


@cache
def unit_iri(unit: str) -> URIRef:
    return _CONCEPTS[f"unit-{UNIT_SUFFIX[unit]}"]


@cache
def comparator_iri(cmp: str) -> URIRef:
    return _CONCEPTS[f"cmp-{CMP_SUFFIX[cmp]}"]


@cache
def scope_iri(scope: str) -> URIRef:
    return _CONCEPTS[f"scope-{SCOPE_SUFFIX[scope]}"]


@cache
def kind_iri(kind: str) -> URIRef:
    return _CONCEPTS[f"kind-{kind}"]


@cache
def status_iri(status: str) -> URIRef:
    return _CONCEPTS[f"status-{status.replace(' ', '-')}"]


@cache
def status_rule_iri(rule: str) -> URIRef:
    return _CONCEPTS[f"status-rule-{rule}"]


@cache
def rule_iri(rule: str) -> URIRef:
    return _CONCEPTS[f"rule-{rule}"]


@cache
def agency_type_iri(type_: str) -> URIRef:
    return _CONCEPTS[f"type-{type_}"]
