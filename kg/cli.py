"""The `kg` command: a thin layer over the library (build, validate, export, query, look up)."""
from __future__ import annotations

import functools
import sys
from datetime import date
from pathlib import Path

import click

from .errors import KGError

DEFAULT_STORE = "data/build"
NO_RESULTS = "no results"


class KGGroup(click.Group):
    """Turns a KGError into a one-line message and exit code 1; real bugs keep their traceback.

    The lookups' rule: a filter naming something the store does not hold (province, agency, area,
    document) is an error (one line with the nearest names, exit 1); a valid query that matches
    nothing prints "no results" on stderr and exits 0, with `[]` for JSON and the header for CSV.
    """

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except KGError as e:
            raise click.ClickException(str(e)) from e


def store_option(f):
    return click.option("--store", "store_dir", default=DEFAULT_STORE, show_default=True,
                        type=click.Path(file_okay=False), help="Store directory built by 'kg build'.")(f)


def output_options(f):
    @click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True,
                  help="Output format.")
    @click.option("--limit", type=click.IntRange(min=1), default=None, help="Show at most this many rows.")
    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        return f(*args, **kwargs)
    return wrapper


def as_of_option(f):
    """--as-of DATE: the date bodies are shown as in force on (and, for status, judged on); default today."""
    return click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d", "%d/%m/%Y"]),
                        help="Show bodies as in force on this date (2025-12-31 or 31/12/2025; default today).")(f)


def _day(as_of) -> date | None:
    return as_of.date() if as_of else None


def notes(province: str | None = None, agency: str | None = None, as_of=None) -> None:
    """What the 2025 reorganisation means for the names asked, on stderr ("note: ..."), with an answer
    (a question that matches nothing says only "no results")."""
    from .lookups import agency_notes
    from .reorganisation import province_note
    found = [province_note(province, _day(as_of))] if province else []
    found += agency_notes(agency, _day(as_of)) if agency else []
    from .output import heading
    for note in found:
        if note:
            click.echo(heading(f"note: {note}"), err=True)


def emit(rows, fmt: str, limit: int | None, columns: list[str] | None = None, fields: list[str] | None = None,
         empty: str = NO_RESULTS, footnote: bool = True) -> None:
    """Print rows as a table (of `columns`), JSON or CSV (of `fields`, also the header when there are no rows).

    No rows: `empty` on stderr, and `[]` for JSON or the header alone for CSV on stdout.
    """
    from .output import render
    rows = rows[:limit] if limit else rows
    if not rows:
        click.echo(empty, err=True)
        if fmt == "json":
            click.echo("[]")
        elif fmt == "csv" and fields:
            click.echo(render([], "csv", fields), nl=False)
        return
    click.echo(render(rows, fmt, columns if fmt == "table" else fields if fmt == "csv" else None))
    if footnote and fmt == "table" and columns and any(c in columns for c in ("owners", "agency", "assigned")):
        from .output import changes_note
        note = changes_note(rows)
        if note:
            click.echo(note)


def open_kg(store_dir: str):
    from .store import open_store
    return open_store(store_dir)


@click.group(cls=KGGroup)
@click.version_option(package_name="cchc-kg")
def cli() -> None:
    """cchc-kg: who owns which administrative-reform target, by when, and how it compares.

    \b
        kg build                      # bundled corpus data/corpus -> store data/build
        kg who-owns "truc tuyen"      # diacritics optional
        kg agency "Sở Tư pháp"
    """


@cli.command()
@click.argument("corpus", nargs=-1, type=click.Path(exists=False))
@click.option("--out", default=DEFAULT_STORE, show_default=True, type=click.Path(file_okay=False),
              help="Store directory to (re)build; replaced only when the build succeeds.")
@click.option("--skip-invalid", is_flag=True, help="Skip unreadable files (listed) instead of stopping.")
def build(corpus: tuple[str, ...], out: str, skip_invalid: bool) -> None:
    """Read documents and build the RDF store.

    \b
        kg build                                  # data/corpus -> data/build
        kg build my/corpus other/docs --out /tmp/kg --skip-invalid
    """
    from .pipeline import build as run_build, corpus_files
    paths = corpus or ("data/corpus",)
    files = corpus_files(paths)
    if sys.stderr.isatty():
        with click.progressbar(length=len(files), label="Reading documents", file=sys.stderr) as bar:
            report = run_build(files, out, skip_invalid, progress=lambda f: bar.update(1), keep_documents=False)
    else:
        report = run_build(files, out, skip_invalid, keep_documents=False)
    docs = report.summaries
    t, du, o = sum(d.targets for d in docs), sum(d.duties for d in docs), sum(d.ownerships for d in docs)
    click.echo(f"Built {report.store}: {len(docs)} documents, {t} targets, {du} duties, "
               f"{o} ownership links, {report.triples} triples.")
    cues = sum(d.cue_clauses for d in docs)
    unread = sum(d.review for d in docs)
    if cues:
        click.echo(f"Read {cues - unread} of {cues} clauses with a duty or target cue ({(cues - unread) / cues:.0%}); "
                   f"{unread} left for review: kg review [DOC]")
    for s in report.skipped:
        click.echo(f"skipped: {s}", err=True)
    for w in report.warnings:
        click.echo(f"warning: {w}", err=True)


@cli.command()
@store_option
def validate(store_dir: str) -> None:
    """Check the store against the SHACL shapes. Exit 0 conforms, 1 violations, 2 could not run.

    \b
        kg validate --store data/build
    """
    try:
        from .validate import validate as run_validate
        report = run_validate(open_kg(store_dir))
    except KGError as e:
        click.echo(f"Error: {e}", err=True)
        sys.exit(2)
    if report.conforms:
        click.echo("conforms: every target and duty has its document, value or level, deadline and source span")
        return
    click.echo(report.text)
    click.echo(f"{report.violations} violation(s)", err=True)
    sys.exit(1)


@cli.command()
@store_option
@click.option("--format", "fmt", type=click.Choice(["turtle", "nquads", "jsonld", "csv", "obligations-json"]),
              default="turtle", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default="-",
              help="File to write (default: standard output).")
def export(store_dir: str, fmt: str, output: str) -> None:
    """Export the store as Turtle, N-Quads, JSON-LD, a CSV of targets or the obligations JSON.

    \b
        kg export --format obligations-json -o out.json
        kg export --format turtle -o graph.ttl
    """
    from .export import export as run_export
    data = run_export(open_kg(store_dir), fmt)
    if output == "-":
        click.echo(data.decode("utf-8"), nl=False)
    else:
        tmp = Path(output).with_name(Path(output).name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(output)
        click.echo(f"wrote {output} ({len(data)} bytes)", err=True)


@cli.command()
@store_option
@click.argument("query")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@click.option("--limit", type=click.IntRange(min=1), default=None)
@click.option("--allow-service", is_flag=True,
              help="Allow SERVICE (federated queries that contact other hosts); refused otherwise.")
def sparql(store_dir: str, query: str, fmt: str, limit: int | None, allow_service: bool) -> None:
    """Run a read-only SPARQL query (text or a .rq file); common prefixes are predeclared.

    \b
        kg sparql "SELECT ?t ?m WHERE { ?t a cchc:Target ; cchc:metric ?m } LIMIT 5"
        kg sparql my-query.rq --format csv
    """
    import pyoxigraph as ox

    from .query import py, run_sparql
    text = Path(query).read_text(encoding="utf-8") if query.endswith(".rq") and Path(query).is_file() else query
    result = run_sparql(open_kg(store_dir), text, allow_service=allow_service)
    if isinstance(result, ox.QueryBoolean):
        click.echo("true" if bool(result) else "false")
        return
    if isinstance(result, ox.QueryTriples):
        names = ["subject", "predicate", "object"]
        rows = [{"subject": py(t.subject), "predicate": py(t.predicate), "object": py(t.object)} for t in result]
    else:
        names = [v.value for v in result.variables]
        rows = [{n: py(s[n]) for n in names} for s in result]
    emit(rows, fmt, limit, fields=names)


@cli.command()
@store_option
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@click.option("--agencies", is_flag=True, help="Agency load (targets owned, duties by role) and coordination ties.")
def stats(store_dir: str, fmt: str, agencies: bool) -> None:
    """Counts by document, reform area and agency.

    \b
        kg stats
        kg stats --agencies
    """
    kg = open_kg(store_dir)
    if agencies:
        from .network import agency_load
        rows = agency_load(kg)
        if fmt == "table":
            rows = [dict(r, coord=r["coordinate"], impl=r["implement"], mon=r["monitor"]) for r in rows]
            emit(rows, fmt, None, ["agency", "province", "owns", "lead", "coord", "impl", "mon", "ties"])
        else:
            emit(rows, fmt, None)
        return
    from .stats import stats as run_stats
    result = run_stats(kg)
    if fmt == "json":
        from .output import as_json
        click.echo(as_json(result))
        return
    for section in ("totals", "documents", "areas", "agencies"):
        click.echo(f"\n{section.upper()}")
        emit(result[section], fmt, None)


@cli.command("who-owns")
@click.argument("words")
@click.option("--province", help="Only this province (diacritics optional).")
@click.option("--year", type=int, help="Only targets due this year.")
@as_of_option
@store_option
@output_options
def who_owns(words: str, province: str | None, year: int | None, as_of, store_dir: str, fmt: str,
             limit: int | None) -> None:
    """Which agencies own the targets that match WORDS (diacritics and abbreviations optional).

    --province and --year choose the targets first, then the best matches among them are shown;
    targets no agency owns are listed as "no owner named".

    \b
        kg who-owns "trực tuyến mức độ 3 và 4"
        kg who-owns "hai long thu tuc hanh chinh" --province "Tien Giang" --year 2025
    """
    from .lookups import WHO_OWNS_FIELDS, suggest_words, who_owns as run
    kg = open_kg(store_dir)
    rows = run(kg, words, province, year, limit, _day(as_of))
    if rows:
        notes(province, None, as_of)
    if rows and rows[0]["match"] < 1:
        click.echo(f"note: no target matches all of {words!r}; showing the closest" + suggest_words(kg, words),
                   err=True)
    emit(rows, fmt, limit, ["province", "year", "target", "metric", "owners", "basis"], WHO_OWNS_FIELDS,
         empty=NO_RESULTS + ("" if rows else suggest_words(kg, words)))


@cli.command()
@click.argument("name")
@click.option("--province", help="Only this province (diacritics optional).")
@as_of_option
@store_option
@output_options
def agency(name: str, province: str | None, as_of, store_dir: str, fmt: str, limit: int | None) -> None:
    """What an agency must do (duties by role) and which targets it owns; abbreviations accepted.

    \b
        kg agency "Sở Tư pháp"
        kg agency "VP UBND" --province "Tiền Giang"
        kg agency "so tt&tt" --format json
    """
    from .lookups import DUTY_FIELDS, OWNED_FIELDS, agency as run
    result = run(open_kg(store_dir), name, province, _day(as_of), limit)
    if result["duties"] or result["owns"]:
        notes(province, name, as_of)
    nothing = not result["duties"] and not result["owns"]
    if fmt == "json":
        from .output import as_json
        if nothing:
            click.echo(NO_RESULTS, err=True)
        click.echo(as_json(result))
        return
    if fmt == "csv":
        fields = ["kind", *DUTY_FIELDS, *(f for f in OWNED_FIELDS if f not in DUTY_FIELDS)]
        emit([dict(kind="duty", **r) for r in result["duties"]] + [dict(kind="owns", **r) for r in result["owns"]],
             "csv", None, fields=fields)
        return
    if nothing:
        click.echo(NO_RESULTS, err=True)
        return
    several = len({r["agency"] for r in result["duties"] + result["owns"]}) > 1   # a body and its successor
    if several:   # the documents' own names tell the bodies apart; the footnote says what they became
        result = {k: [{**r, "agency_in_force": r["agency"]} for r in rows] for k, rows in result.items()}
    click.echo("DUTIES")
    emit(result["duties"], fmt, None, ["agency"] * several + ["province", "role", "deadline", "task", "with"],
         empty="(none)", footnote=False)
    click.echo("\nOWNS")
    emit(result["owns"], fmt, None, ["agency"] * several + ["province", "year", "target", "metric", "basis"],
         empty="(none)", footnote=False)
    from .output import changes_note
    note = changes_note(result["duties"] + result["owns"])
    if note:
        click.echo(note)


@cli.command()
@click.option("--year", type=int, help="Due this year.")
@click.option("--area", help="Reform area: the_che, thu_tuc_hanh_chinh, to_chuc_bo_may, che_do_cong_vu, "
                             "tai_chinh_cong, chinh_quyen_so, chi_so, khac.")
@click.option("--province", help="Only this province (diacritics optional).")
@click.option("--unowned", is_flag=True, help="Only targets no agency owns.")
@as_of_option
@store_option
@output_options
def targets(year: int | None, area: str | None, province: str | None, unowned: bool, as_of, store_dir: str,
            fmt: str, limit: int | None) -> None:
    """The target list an inspector works through.

    \b
        kg targets --year 2025 --area chinh_quyen_so
        kg targets --province "Lạng Sơn" --unowned --format csv
    """
    from .lookups import TARGETS_FIELDS, targets as run
    rows = run(open_kg(store_dir), year, area, province, unowned, limit, _day(as_of))
    if rows:
        notes(province, None, as_of)
    emit(rows, fmt, limit, ["province", "year", "area", "target", "metric", "owners"], TARGETS_FIELDS)


@cli.command()
@click.argument("indicator")
@click.option("--province", help="Only this province (diacritics optional).")
@click.option("--year", type=int, help="Only targets due this year.")
@as_of_option
@store_option
@output_options
def compare(indicator: str, province: str | None, year: int | None, as_of, store_dir: str, fmt: str,
            limit: int | None) -> None:
    """Every province's target for an INDICATOR (id or words) beside the national value.

    The verdict compares each target with the national value of the same year and level (76/NQ-CP,
    or the instrument the catalogue cites): stricter, equal, looser; later (as demanding, due after
    the national year); milestone (a lower value due before it); not comparable; no national value.

    \b
        kg compare tthc-truc-tuyen-muc-do-3-4
        kg compare "chỉ số hài lòng"
        kg compare "ho so cong viec" --province "Tiền Giang" --format csv
    """
    from .comparison import COMPARE_FIELDS, compare as run, heading
    from .output import heading as wrap
    rows = run(open_kg(store_dir), indicator, province, year, _day(as_of))
    if rows:
        notes(province, None, as_of)
    if fmt != "table" or not rows:
        emit(rows, fmt, limit, None, COMPARE_FIELDS)
        return
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(r["indicator"], []).append(r)
    for i, (ind, of_ind) in enumerate(groups.items()):
        click.echo(("\n" if i else "") + wrap(heading(ind)))
        columns = ["year", "province", "target", "scope", "national", "verdict", "owners", "document"]
        if not any(r["scope"] for r in of_ind):
            columns.remove("scope")
        if all(r["verdict"] == "no national value" for r in of_ind):   # the heading says so once
            columns = [c for c in columns if c not in ("national", "verdict")]
        emit(of_ind, fmt, limit, columns)


@cli.command()
@click.option("--family", help="Only one family: 76/NQ-CP, PAR INDEX, SIPAS, PAPI, PCI, DTI, 766/QĐ-TTg, Đề án 06.")
@store_option
@output_options
def indicators(family: str | None, store_dir: str, fmt: str, limit: int | None) -> None:
    """The indicator catalogue: per indicator its national values and how many provinces set a target for it.

    \b
        kg indicators
        kg indicators --family "PAR INDEX" --format json
    """
    from .comparison import INDICATOR_FIELDS, indicators as run
    emit(run(open_kg(store_dir), family), fmt, limit, ["id", "family", "provinces", "targets", "national"],
         INDICATOR_FIELDS)


@cli.command()
@click.option("--due-before", type=click.DateTime(formats=["%Y-%m-%d", "%d/%m/%Y"]),
              help="Only tasks falling due on or before this day (2025-12-31 or 31/12/2025).")
@click.option("--province", help="Only this province (diacritics optional).")
@click.option("--agency", "agency_name",
              help="Only tasks this agency is assigned, in any role (abbreviations accepted).")
@as_of_option
@store_option
@output_options
def tasks(due_before, province: str | None, agency_name: str | None, as_of, store_dir: str, fmt: str,
          limit: int | None) -> None:
    """Tasks (nhiệm vụ) with their deadline as stated, the day it falls due, lead and co-assignees.

    \b
        kg tasks --due-before 2025-12-31
        kg tasks --province "Tiền Giang" --agency "Sở Nội vụ"
    """
    from .tasks import TASK_FIELDS, tasks as run
    rows = run(open_kg(store_dir), due_before.date() if due_before else None, province, agency_name, _day(as_of),
               limit)
    if rows:
        notes(province, agency_name, as_of)
    emit(rows, fmt, limit, ["province", "deadline", "task", "assigned", "document"], TASK_FIELDS)


@cli.command()
@click.option("--province", help="Only this province (diacritics optional).")
@as_of_option
@store_option
@output_options
def gaps(province: str | None, as_of, store_dir: str, fmt: str, limit: int | None) -> None:
    """Accountability gaps: targets no agency owns, tasks with no lead, tasks without a deadline.

    \b
        kg gaps
        kg gaps --province "Lâm Đồng" --format csv
    """
    from .tasks import GAP_FIELDS, GAPS, gaps as run
    # a province's gaps are all read (quick), so each kind is counted; over the whole store with a
    # limit, one more than shown is read of each kind, to tell whether there are more
    rows = run(open_kg(store_dir), province, _day(as_of), None if province or not limit else limit + 1)
    if rows:
        notes(province, None, as_of)
    if fmt != "table" or not rows:
        emit(rows, fmt, limit, None, GAP_FIELDS)
        return
    for i, (gap, title) in enumerate(GAPS.items()):
        of_kind = [r for r in rows if r["gap"] == gap]
        count = f"more than {limit}" if limit and not province and len(of_kind) > limit else str(len(of_kind))
        click.echo(("\n" if i else "") + f"{title.upper()} ({count})")
        if of_kind:
            emit(of_kind, fmt, limit, ["province", "what", "deadline", "owners", "document"])
        else:
            click.echo("(none)")


@cli.group()
def actuals() -> None:
    """Published results (PAR INDEX, SIPAS ... by province and year) added to the store."""


@actuals.command("import")
@click.argument("csv_file", type=click.Path(dir_okay=False))
@store_option
def actuals_import(csv_file: str, store_dir: str) -> None:
    """Add the rows of CSV_FILE (indicator,province,year,value,unit,source[,note]) to the store.

    Every row is checked first; a bad row stops the import (file and line named) and nothing is
    written.  Importing a file of the same name again replaces it; `kg build` into the same store
    keeps it.

    \b
        kg actuals import data/actuals/par_sipas_2021_2024.csv
    """
    from .actuals import import_actuals
    n = import_actuals(store_dir, csv_file)
    click.echo(f"Imported {n} results from {Path(csv_file).name}; statuses recorded (kg status)")


@cli.command()
@click.option("--province", help="Only this province (diacritics optional).")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d", "%d/%m/%Y"]),
              help="The date to judge on (default: today): 2025-12-31 or 31/12/2025.")
@store_option
@output_options
def status(province: str | None, as_of, store_dir: str, fmt: str, limit: int | None) -> None:
    """Where each target and dated task stands as of a date, by the rules of kg/data/status.toml.

    Targets: achieved, on track, at risk, missed, overdue (deadline passed, no result), no data.
    Tasks: done, due, overdue, recurring.  Each row names its rule and the result it rests on.

    \b
        kg status --province "Lâm Đồng"
        kg status --as-of 31/12/2025 --format csv
    """
    from .status import STATUS_FIELDS, status as run
    rows = run(open_kg(store_dir), province, _day(as_of))
    if rows:
        notes(province, None, as_of)
    emit(rows, fmt, limit, ["province", "status", "year", "target", "evidence", "what"], STATUS_FIELDS)


@cli.command()
@click.argument("doc", required=False)
@store_option
@output_options
def cites(doc: str | None, store_dir: str, fmt: str, limit: int | None) -> None:
    """Which documents cite which instruments (optionally one DOC: file name or number, or a cited number).

    DOC matches ignoring case and diacritics; an instrument's number lists the documents citing it.

    \b
        kg cites
        kg cites 2703/QD-UBND
        kg cites 76/NQ-CP
    """
    from .lookups import CITES_FIELDS, cites as run
    emit(run(open_kg(store_dir), doc), fmt, limit, CITES_FIELDS, CITES_FIELDS)


@cli.command()
@click.argument("doc", required=False)
@store_option
@output_options
def review(doc: str | None, store_dir: str, fmt: str, limit: int | None) -> None:
    """Clauses with a duty or target cue that yielded no fact: what to check by hand (optionally one DOC).

    \b
        kg review
        kg review 2703/QĐ-UBND --format csv
    """
    from .lookups import REVIEW_FIELDS, review as run
    emit(run(open_kg(store_dir), doc), fmt, limit, ["file", "kind", "reason", "quote"], REVIEW_FIELDS)


@cli.command()
@store_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on (localhost only by default).")
@click.option("--port", default=8000, show_default=True, type=int, help="Port (0 picks a free one).")
@click.option("--timeout", default=10.0, show_default=True, type=float, help="Per-query time limit in seconds.")
@click.option("--max-rows", default=10000, show_default=True, type=int, help="Result cap (rows or triples).")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 16),
              help="Worker processes, each accepting connections and answering their queries.")
@click.option("--on-disk", is_flag=True, help="Query the on-disk store instead of an in-memory copy.")
@click.option("--allow-service", is_flag=True,
              help="Let queries use SERVICE to call other SPARQL endpoints (off: refused with 400, and the query "
                   "workers cannot open internet sockets).")
@click.option("--max-memory", default=320, show_default=True, type=click.IntRange(min=64),
              help="Memory limit per worker process in MB (its queries at once); a worker over it is stopped, "
                   "its queries answered 503 and the worker replaced. A store too big for it is queried on disk.")
@click.option("--max-bytes", default=10_000_000, show_default=True, type=click.IntRange(min=1000),
              help="Largest result in bytes; a larger one is refused with 503, never cut.")
@click.option("--allocator", type=click.Choice(["mimalloc", "system"]), default="mimalloc", show_default=True,
              help="Memory allocator of the query workers that read the store on disk: mimalloc answers 4-11 % "
                   "sooner there (the system's is used when mimalloc is not installed, and for the in-memory copy).")
def serve(store_dir: str, host: str, port: int, timeout: float, max_rows: int, workers: int, on_disk: bool,
          allow_service: bool, max_memory: int, max_bytes: int, allocator: str) -> None:
    """Serve the store as a read-only SPARQL 1.1 Protocol endpoint (and a query page at /).

    \b
        kg serve --port 8000
        curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT * WHERE { ?s a cchc:Target } LIMIT 3' \\
             http://127.0.0.1:8000/sparql
    """
    from .server import Settings, serve as run
    settings = Settings(Path(store_dir), timeout=timeout, max_rows=max_rows, workers=workers, in_memory=not on_disk,
                        allow_service=allow_service, max_memory=max_memory, max_bytes=max_bytes,
                        allocator=allocator)

    def ready(url: str) -> None:
        click.echo(f"Serving {url} (Ctrl-C to stop)", err=False)
        sys.stdout.flush()

    run(settings, host, port, ready=ready)


@cli.command()
@store_option
@click.option("--to", "url", required=True, metavar="URL",
              help="The server's SPARQL 1.1 Graph Store endpoint (http:// or https://).")
@click.option("--user", envvar="KG_PUBLISH_USER", help="User name, when the server asks for one (Basic or Digest).")
@click.option("--password", envvar="KG_PUBLISH_PASSWORD",
              help="Password (better: set KG_PUBLISH_PASSWORD; asked for when --user comes without it).")
@click.option("--dry-run", is_flag=True, help="Only list what would be sent and deleted; contact no server.")
@click.option("--all", "force", is_flag=True,
              help="Send every graph, changed or not (e.g. after the server was emptied).")
@click.option("--timeout", default=30.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Seconds to wait for each answer of the server.")
def publish(store_dir: str, url: str, user: str | None, password: str | None, dry_run: bool, force: bool,
            timeout: float) -> None:
    """Write the store's named graphs to a SPARQL Graph Store server (PUT ?graph=IRI), changed ones only.

    Each document's graph and the shared ones (ontology, gazetteer, indicators, reorganisation,
    shared, status, actuals) are sent as N-Triples to any SPARQL 1.1 Graph Store HTTP Protocol
    endpoint.  A manifest beside the store (data/build.published.json) remembers what each URL was
    sent: later runs send only changed graphs and delete there the graphs the store no longer holds.

    \b
        kg publish --to http://localhost:7878/store                            # Oxigraph
        kg publish --to http://db.example:8890/sparql-graph-crud-auth --user dba   # Virtuoso
        kg publish --to https://db.example/fuseki/cchc/data --user kg --dry-run    # Fuseki
    """
    from .publish import publish as run
    if user is not None and password is None and not dry_run:
        password = click.prompt(f"Password for {user}", hide_input=True, err=True)
    verbs = {"sent": "sent", "deleted": "deleted", "send": "would send", "delete": "would delete"}

    def progress(action: str, graph: str) -> None:
        if action in verbs:
            click.echo(f"{verbs[action]} <{graph}>")

    r = run(open_kg(store_dir), url, user, password, dry_run=dry_run, force=force, timeout=timeout,
            progress=progress)
    size = f"{r.triples_sent} triples, {r.bytes_sent / 1e6:.1f} MB"
    if r.dry_run:
        click.echo(f"Dry run for {r.url}: would send {len(r.sent)} graphs ({size}), would delete "
                   f"{len(r.deleted)}, {len(r.skipped)} unchanged; nothing sent")
    elif not r.sent and not r.deleted:
        click.echo(f"{r.url} is up to date: {len(r.skipped)} graphs unchanged, nothing sent")
    else:
        click.echo(f"Published to {r.url}: {len(r.sent)} graphs sent ({size}), {len(r.deleted)} deleted, "
                   f"{len(r.skipped)} unchanged in {r.seconds:.1f} s; manifest {r.manifest}")


@cli.command("map")
@store_option
@click.option("-o", "--output", default="map.html", show_default=True, type=click.Path(dir_okay=False))
@click.option("--province", help="Only this province (diacritics optional).")
@click.option("--agency", "agency_name", help="Only this agency's duties and owned targets (abbreviations accepted).")
@click.option("--area", help="Only this reform area (e.g. chinh_quyen_so, cqs, tthc).")
@click.option("--year", type=int, help="Only targets due this year.")
def map_(store_dir: str, output: str, province: str | None, agency_name: str | None, area: str | None,
         year: int | None) -> None:
    """Write an interactive, self-contained HTML map of who owns what (works offline).

    \b
        kg map -o map.html
        kg map --province "Tiền Giang" --area chinh_quyen_so -o tg-cqs.html
    """
    from visualize import build_map
    path, n_nodes, n_edges = build_map(open_kg(store_dir), output, province, agency_name, area, year)
    if path is None:
        click.echo(f"{NO_RESULTS}: nothing to draw, {output} not written", err=True)
        return
    click.echo(f"wrote {path}: {n_nodes} nodes, {n_edges} edges")


@cli.command()
@click.option("--province", required=True, help="The province to report on (diacritics optional).")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d", "%d/%m/%Y"]),
              help="The date to judge on (default: today): 2025-12-31 or 31/12/2025.")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="File to write (default: report-<province>.html).")
@store_option
def report(province: str, as_of, output: str | None, store_dir: str) -> None:
    """Write one province's report for inspectors: a self-contained HTML page that works offline.

    Targets by reform area with their status, owners, evidence and source quote; a deadline
    timeline; accountability gaps; the rules that decided each status (kg status).

    \b
        kg report --province "Lâm Đồng" --as-of 2026-11-29 -o lam-dong.html
        kg report --province "tien giang"
    """
    from visualize.report import write_report
    path, data = write_report(open_kg(store_dir), province, as_of.date() if as_of else None, output)
    click.echo(f"wrote {path}: {len(data['targets'])} targets, {len(data['tasks'])} tasks of {data['province']} "
               f"as of {data['as_of']}")


def main() -> None:
    cli(prog_name="kg")


if __name__ == "__main__":
    main()
