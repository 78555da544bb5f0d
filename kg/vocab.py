"""The project's own vocabulary (mint only where W3C ORG, ELI, SKOS, PROV, OA, DCTERMS lack a term)."""
from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

from .model import CMP_SUFFIX, SCOPE_SUFFIX, UNIT_SUFFIX

ELI = Namespace("http://data.europa.eu/eli/ontology#")
OA = Namespace("http://www.w3.org/ns/oa#")
ID = Namespace("https://w3id.org/cchc-kg/id/")
QB = Namespace("http://purl.org/linked-data/cube#")


class CCHC(DefinedNamespace):
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


def area_iri(area: str) -> URIRef:
    return _CONCEPTS[f"area-{area}"]


def role_iri(role: str) -> URIRef:
    return _CONCEPTS[f"role-{role}"]


def deadline_kind_iri(kind: str) -> URIRef:
    return _CONCEPTS[f"deadline-{kind}"]


def unit_iri(unit: str) -> URIRef:
    return _CONCEPTS[f"unit-{UNIT_SUFFIX[unit]}"]


def comparator_iri(cmp: str) -> URIRef:
    return _CONCEPTS[f"cmp-{CMP_SUFFIX[cmp]}"]


def scope_iri(scope: str) -> URIRef:
    return _CONCEPTS[f"scope-{SCOPE_SUFFIX[scope]}"]


def kind_iri(kind: str) -> URIRef:
    return _CONCEPTS[f"kind-{kind}"]


def status_iri(status: str) -> URIRef:
    return _CONCEPTS[f"status-{status.replace(' ', '-')}"]


def status_rule_iri(rule: str) -> URIRef:
    return _CONCEPTS[f"status-rule-{rule}"]


def rule_iri(rule: str) -> URIRef:
    return _CONCEPTS[f"rule-{rule}"]


def agency_type_iri(type_: str) -> URIRef:
    return _CONCEPTS[f"type-{type_}"]
