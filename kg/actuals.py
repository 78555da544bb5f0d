"""Published results ("actuals") imported from a CSV into their own named graph, with provenance.

    indicator,province,year,value,unit,source,note
    par-index,Tiền Giang,2023,86.54,%,https://...,

Every row is checked before anything is written (indicator in the catalogue, a known province, a
year, a number, a unit, a source); the first bad row stops the import with one line naming the file
and the line.  The rows become `cchc:Result` observations (W3C Data Cube) of the data set
``id/dataset/actuals/<file stem>`` in the graph ``id/graph/actuals/<file stem>``, written in one
SPARQL update (all or nothing); importing the same file name again replaces its graph.  The CSV is
kept in the store (``<store>/actuals/``), so a later `kg build` into the same store carries it over.
"""
from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from .annotate import provinces
from .errors import KGError
from .graph import _decimal, indicator_iri, slug
from .indicators import catalogue
from .store import MARKER, open_store, record_change
from .text import fold, nfc
from .vocab import CCHC, ID, QB, comparator_iri, unit_iri

COLUMNS = ("indicator", "province", "year", "value", "unit", "source")
UNITS = ("%", "rank", "points", "count")
FOLDER = "actuals"   # inside a store: the imported CSV files, carried over by `kg build`


class ActualsError(KGError):
    """A CSV of published results that cannot be imported: the message names the file and the line."""


@dataclass(frozen=True)
class Actual:
    indicator: str
    province: str
    year: int
    value: float
    unit: str
    source: str
    note: str
    line: int


def read_actuals(path: str | Path) -> list[Actual]:
    """Every row of the CSV, checked; ActualsError at the first bad one."""
    path = Path(path)
    try:
        text = nfc(path.read_bytes().decode("utf-8-sig"))
    except OSError as e:
        raise ActualsError(f"{path}: cannot read ({e.strerror or e})") from e
    except UnicodeDecodeError as e:
        raise ActualsError(f"{path}: not UTF-8 text (byte {e.start})") from e
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ActualsError(f"{path}:1: missing column(s) {', '.join(missing)}; the header must name "
                           f"{', '.join(COLUMNS)} (and optionally note)")
    known = {fold(p): p for p in provinces()}
    cat = catalogue()
    rows: list[Actual] = []
    for n, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(row.values()):
            continue
        where = f"{path}:{n}"
        if row["indicator"] not in cat:
            raise ActualsError(f"{where}: indicator {row['indicator']!r} is not in the catalogue (kg indicators)")
        province = known.get(fold(row["province"]))
        if province is None:
            raise ActualsError(f"{where}: unknown province {row['province']!r}")
        if not row["year"].isdigit() or not 1990 <= int(row["year"]) <= 2100:
            raise ActualsError(f"{where}: year {row['year']!r} is not a year")
        try:
            value = float(row["value"].replace(",", "."))
        except ValueError:
            raise ActualsError(f"{where}: value {row['value']!r} is not a number") from None
        if row["unit"] not in UNITS:
            raise ActualsError(f"{where}: unit {row['unit']!r} is not one of {', '.join(UNITS)}")
        if not row["source"]:
            raise ActualsError(f"{where}: no source (a URL or the publishing document)")
        rows.append(Actual(row["indicator"], province, int(row["year"]), value, row["unit"], row["source"],
                           row.get("note", ""), n))
    if not rows:
        raise ActualsError(f"{path}: no rows")
    return rows


def dataset_iri(name: str) -> URIRef:
    return ID[f"dataset/actuals/{slug(name)}"]


def graph_iri(name: str) -> URIRef:
    return ID[f"graph/actuals/{slug(name)}"]


def actuals_graph(rows: list[Actual], name: str) -> Graph:
    """The rows as Data Cube observations of one data set, with their sources."""
    g = Graph()
    ds = dataset_iri(name)
    g.add((ds, RDF.type, QB.DataSet))
    g.add((ds, QB.structure, CCHC.ResultStructure))
    g.add((ds, RDFS.label, Literal(f"Published results: {name}", lang="en")))
    g.add((ds, DCTERMS.source, Literal(name)))
    for r in rows:
        node = ID[f"actual/{slug(name)}/{r.line}"]
        province = ID[f"province/{slug(r.province)}"]
        g.add((node, RDF.type, CCHC.Result))
        g.add((node, RDF.type, QB.Observation))
        g.add((node, QB.dataSet, ds))
        g.add((node, CCHC.refArea, province))
        # the province's name on the observation: its label lives in the shared graph only when a
        # document of the store names it (a second copy here would double every join through it)
        g.add((node, CCHC.refAreaName, Literal(r.province, lang="vi")))
        g.add((node, CCHC.refYear, Literal(str(r.year), datatype=XSD.gYear)))
        g.add((node, CCHC.indicator, indicator_iri(r.indicator)))
        g.add((node, CCHC.value, Literal(_decimal(r.value), datatype=XSD.decimal)))
        g.add((node, CCHC.unit, unit_iri(r.unit)))
        g.add((node, CCHC.comparator, comparator_iri("=")))
        source = URIRef(r.source) if r.source.startswith(("http://", "https://")) else Literal(r.source)
        g.add((node, DCTERMS.source, source))
        g.add((node, PROV.wasDerivedFrom, ds))
        if r.note:
            g.add((node, RDFS.comment, Literal(r.note, lang="vi")))
    return g


def import_actuals(store_dir: str | Path, csv_path: str | Path) -> int:
    """Check the CSV, then write its graph into the store in one update (replacing an earlier import
    of the same file name) and keep a copy for later builds.  Returns the number of rows."""
    csv_path = Path(csv_path)
    rows = read_actuals(csv_path)
    name = csv_path.stem
    kg = open_store(store_dir, read_only=False)
    body = actuals_graph(rows, name).serialize(format="nt", encoding="utf-8").decode("utf-8")
    g = graph_iri(name)
    update = f"DROP SILENT GRAPH <{g}> ;\nINSERT DATA {{ GRAPH <{g}> {{\n{body}\n}} }}"
    keep = kg.path / FOLDER
    keep.mkdir(exist_ok=True)
    tmp = keep / f".{name}.csv.tmp"
    tmp.write_bytes(csv_path.read_bytes())
    try:
        kg.store.update(update)
        kg.store.flush()
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, keep / f"{name}.csv")
    record_change(kg, actuals=sorted(set(kg.info.get("actuals", [])) | {f"{name}.csv"}))
    del kg
    from .status import record_status
    record_status(store_dir, datasets=[str(dataset_iri(name))])   # only the statuses its results can change
    return len(rows)


def carried_actuals(store_dir: str | Path) -> list[tuple[str, bytes, Graph]]:
    """The CSVs an existing store holds, as (file name, bytes, graph) for a rebuild to carry over;
    a CSV no longer valid (an indicator left the catalogue) raises ActualsError."""
    folder = Path(store_dir) / FOLDER
    if not (Path(store_dir) / MARKER).is_file() or not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.glob("*.csv")):
        out.append((path.name, path.read_bytes(), actuals_graph(read_actuals(path), path.stem)))
    return out
