"""One province's report for inspectors: a self-contained HTML page that works offline.

`report_data` gathers what the page shows from the library (kg.status, kg.tasks, kg.lookups): every
target and task with its status as of a date, the targets by reform area with owners, evidence and
source quote, a deadline timeline, the accountability gaps and the status rules.  `render_report`
turns it into HTML from the template `report.html`: no script, no stylesheet, font or image to
fetch; a source is a link (`<a href>`) only when it is an http(s) URL, and nothing is loaded.
Every string from the store (document text, agency names, CSV sources) is escaped with
`html.escape`, so "<script>" in a document prints as text.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from html import escape
from importlib.resources import files
from pathlib import Path

from kg.errors import KGError
from kg.indicators import catalogue
from kg.lookups import resolve_province, targets
from kg.output import NO_OWNER, target_cell
from kg.query import select
from kg.status import TARGET_STATUSES, TASK_STATUSES, rules, status
from kg.store import KGStore
from kg.tasks import GAPS, gaps, tasks
from kg.text import fold

from .graph_view import AREA_COLORS, AREA_LABELS

# One colour per status (a task's status shares the colour of the target status of the same name).
STATUS_COLORS = {"achieved": "#1a7f37", "on track": "#0969da", "at risk": "#b35900", "missed": "#cf222e",
                 "overdue": "#8250df", "no data": "#6e7781", "done": "#1a7f37", "due": "#0969da",
                 "recurring": "#1b7c83", "no deadline": "#6e7781"}
STATUS_LABELS = {
    ("target", "achieved"): "Đạt", ("target", "on track"): "Đúng tiến độ",
    ("target", "at risk"): "Có nguy cơ không đạt", ("target", "missed"): "Không đạt",
    ("target", "overdue"): "Quá hạn, chưa có kết quả", ("target", "no data"): "Chưa có dữ liệu",
    ("task", "done"): "Đã thực hiện", ("task", "due"): "Chưa đến hạn", ("task", "overdue"): "Quá hạn",
    ("task", "recurring"): "Thường xuyên, định kỳ", ("task", "no deadline"): "Không nêu thời hạn"}
UNOWNED = f"chưa có cơ quan chịu trách nhiệm ({NO_OWNER})"
GAP_TITLES = {"target-without-owner": "Chỉ tiêu chưa có cơ quan chịu trách nhiệm",
              "target-overdue": "Chỉ tiêu quá hạn chưa có kết quả",
              "task-overdue": "Nhiệm vụ quá hạn",
              "task-without-lead": "Nhiệm vụ chưa có cơ quan chủ trì",
              "task-without-deadline": "Nhiệm vụ không nêu thời hạn"}
GAP_ENGLISH = {**GAPS, "target-overdue": "targets overdue (deadline passed, no result)",
               "task-overdue": "tasks overdue"}
MARGIN_UNITS = {"%": "điểm phần trăm (%)", "points": "điểm (points)", "rank": "bậc xếp hạng (rank)"}
_URL = re.compile(r"https?://[^\s<>\"']+")


def _anchor(kind: str, iri: str) -> str:
    return ("t-" if kind == "target" else "k-") + re.sub(r"[^A-Za-z0-9_-]", "-", iri.rsplit("/", 1)[-1])


def _source(result: dict | None, docs: dict[str, dict]) -> dict | None:
    """Where a result comes from: {"url": ...} for a published source, else the document and its quote."""
    if result is None:
        return None
    if result["source"]:
        url = str(result["source"]).strip()
        return {"url": url if _URL.fullmatch(url) else None, "text": url}
    doc = docs.get(result["file"] or "", {})
    return {"document": doc.get("number") or result["file"], "file": result["file"], "quote": result["quote"]}


def _target(r: dict, area: dict[str, str | None], results: dict[str, dict], docs: dict[str, dict]) -> dict:
    ind = catalogue().get(r["indicator"] or "")
    return {"kind": "target", "anchor": _anchor("target", r["id"]), "status": r["status"], "rule": r["rule"],
            "label": STATUS_LABELS["target", r["status"]], "cell": target_cell(r), "year": r["year"],
            "area": area.get(r["id"]) or "khac", "what": r["what"], "indicator": r["indicator"],
            "indicator_name": ind.vi if ind else None, "owners": list(r.get("owners_in_force") or r["owners"] or []),
            "evidence": r["evidence"], "result_value": r["result_value"], "result_year": r["result_year"],
            "source": _source(results.get(r["result"] or ""), docs), "document": r["document"],
            "file": r["file"], "quote": r["quote"], "id": r["id"], "changes": list(r.get("changes") or [])}


def _task(r: dict, rule: str) -> dict:
    return {"kind": "task", "anchor": _anchor("task", r["id"]), "status": rules().status[rule], "rule": rule,
            "label": STATUS_LABELS["task", rules().status[rule]], "due": r["due"], "deadline": r["deadline"],
            "what": r["task"], "assigned": list(r.get("assigned_in_force") or r["assigned"]), "lead": list(r["lead"]),
            "document": r["document"], "file": r["file"], "quote": r["quote"], "id": r["id"],
            "changes": list(r.get("changes") or [])}


def report_data(kg: KGStore, province: str, as_of: dt.date | None = None) -> dict:
    """Everything the report on one province shows, as of a date (default today).

    An unknown province raises kg.lookups.NotFound (with the nearest names)."""
    as_of = as_of or dt.date.today()
    name = resolve_province(kg, province)
    if not name:
        raise KGError("name the province to report on: kg report --province NAME")
    rows = status(kg, name, as_of)
    area = {t["target"]: t["area"] for t in targets(kg, province=name)}
    results = {r["result"]: r for r in select(kg, "results")}
    docs = {d["file"]: d for d in select(kg, "documents")}
    target_rows = [_target(r, area, results, docs) for r in rows if r["kind"] == "target"]
    task_rule = {r["id"]: r["rule"] for r in rows if r["kind"] == "task"}
    task_rows = [_task(k, task_rule.get(k["id"], "task-no-deadline")) for k in tasks(kg, province=name, as_of=as_of)]
    task_rows.sort(key=lambda k: (k["due"] is None, str(k["due"] or ""), TASK_STATUSES.index(k["status"])))
    anchors = {r["id"]: r["anchor"] for r in target_rows + task_rows}
    found_gaps: dict[str, list[dict]] = {g: [] for g in GAP_TITLES}
    for g in gaps(kg, name, as_of):
        owners = list(g.get("owners_in_force") or g["owners"])
        found_gaps[g["gap"]].append({"what": g["what"], "deadline": g["deadline"], "owners": owners,
                                     "document": g["document"], "anchor": anchors.get(g["id"])})
    for r in target_rows:
        if r["status"] == "overdue":
            found_gaps["target-overdue"].append({"what": r["what"], "deadline": r["year"], "owners": r["owners"],
                                                 "document": r["document"], "anchor": r["anchor"]})
    for k in task_rows:
        if k["status"] == "overdue":
            found_gaps["task-overdue"].append({"what": k["what"], "deadline": k["deadline"], "owners": k["assigned"],
                                               "document": k["document"], "anchor": k["anchor"]})
    by_area = [{"area": a, "label": AREA_LABELS[a], "color": AREA_COLORS[a],
                "targets": [t for t in target_rows if t["area"] == a]} for a in AREA_LABELS]
    rs = rules()
    return {
        "province": name, "as_of": as_of.isoformat(),
        "documents": [{"number": d["number"], "file": d["file"], "date": d["date"], "title": d["title"]}
                      for d in docs.values() if d["province"] == name],
        "counts": {"target": {s: sum(t["status"] == s for t in target_rows) for s in TARGET_STATUSES},
                   "task": {s: sum(k["status"] == s for k in task_rows) for s in TASK_STATUSES}},
        "areas": [a for a in by_area if a["targets"]],
        "targets": target_rows, "tasks": task_rows,
        "timeline": _timeline(target_rows, task_rows, as_of),
        "gaps": found_gaps,
        "rules": [{"id": i, "status": rs.status[i], "text": rs.text[i]} for i in rs.text],
        "margin": rs.margin,
    }


def _timeline(target_rows: list[dict], task_rows: list[dict], as_of: dt.date) -> dict:
    """Targets by deadline year (due 31/12 of it) and dated tasks by due day, in year columns."""
    items: list[dict] = [{"date": dt.date(t["year"], 12, 31), "row": t} for t in target_rows if t["year"]]
    items += [{"date": dt.date.fromisoformat(str(k["due"])), "row": k} for k in task_rows if k["due"]]
    years = sorted({i["date"].year for i in items} | {as_of.year})
    items.sort(key=lambda i: (i["date"], i["row"]["kind"]))
    return {"years": years, "items": items, "undated": [t for t in target_rows if not t["year"]]}


# --- HTML -------------------------------------------------------------------------------------------------

def _e(v: object) -> str:
    """Escaped text of a value (None: empty; 86.0: 86)."""
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return escape(str(v), quote=True)


def _date(d: object) -> str:
    if not d:
        return ""
    day = dt.date.fromisoformat(str(d))
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def _slug(status_name: str) -> str:
    return "st-" + status_name.replace(" ", "-")


def _badge(kind: str, status_name: str) -> str:
    return (f'<span class="badge {_slug(status_name)}" title="{_e(status_name)}">'
            f"{_e(STATUS_LABELS[kind, status_name])}</span>")


def _rule_link(rule: str) -> str:
    return f'<a class="rule" href="#rule-{_e(rule)}" title="quy tắc (rule)">{_e(rule)}</a>'


def _changes(row: dict) -> str:
    """The bodies in force on the date when the 2025 reorganisation changed them (rows that carry it)."""
    chain = row.get("changes") or []
    return "".join(f'<div class="muted chg">{_e(c)}</div>' for c in chain)


def _owners(names: list[str]) -> str:
    if not names:
        return f'<span class="none">{_e(UNOWNED)}</span>'
    return "<br>".join(_e(n) for n in names)


def _quote(document: object, quote: object, summary: str = "Trích dẫn nguyên văn") -> str:
    return (f'<details><summary>{_e(summary)}</summary><blockquote>{_e(quote)}</blockquote>'
            f'<div class="muted">{_e(document)}</div></details>')


def _evidence(t: dict) -> str:
    if not t["evidence"]:
        return '<span class="muted">chưa có kết quả</span>'
    out = f'<span class="ev">{_e(t["evidence"])}</span>'
    src = t["source"]
    if src and src.get("url"):
        host = re.sub(r"^https?://(www\.)?", "", src["url"]).split("/", 1)[0]
        out += (f'<div class="src">Nguồn: <a href="{_e(src["url"])}" title="{_e(src["url"])}" '
                f'rel="noopener noreferrer">{_e(host)}</a></div>')
    elif src and src.get("quote"):
        out += f'<div class="src">{_quote(src["document"], src["quote"], "Nguồn: " + str(src["document"]))}</div>'
    elif src:
        out += f'<div class="src">Nguồn: {_e(src.get("text"))}</div>'
    return out


def _legend(data: dict) -> str:
    parts = []
    for kind, title, names in (("target", "Chỉ tiêu", TARGET_STATUSES), ("task", "Nhiệm vụ", TASK_STATUSES)):
        total = sum(data["counts"][kind].values())
        cells = "".join(
            f'<li class="{_slug(s)}" data-status="{_e(s)}" data-count="{data["counts"][kind][s]}">'
            f'<span class="sw"></span><b>{data["counts"][kind][s]}</b> {_e(STATUS_LABELS[kind, s])} '
            f'<span class="en">{_e(s)}</span></li>' for s in names)
        parts.append(f'<div class="counts" data-kind="{kind}"><h3>{title} <span class="en">'
                     f'({"targets" if kind == "target" else "tasks"})</span>: {total}</h3><ul>{cells}</ul></div>')
    return "".join(parts)


def _header(data: dict) -> str:
    docs = "; ".join(f'{_e(d["number"] or d["file"])}' + (f" ({_date(d['date'])})" if d["date"] else "")
                     for d in data["documents"])
    return (f'<h1>Báo cáo cải cách hành chính — {_e(data["province"])}</h1>'
            f'<p class="sub">Tình hình thực hiện chỉ tiêu và nhiệm vụ tính đến ngày <b>{_date(data["as_of"])}</b>'
            f' <span class="en">(as of {_e(data["as_of"])})</span>. Văn bản nguồn: {docs or "—"}.</p>'
            f'<div id="legend" class="legend">{_legend(data)}</div>')


def _target_row(t: dict) -> str:
    indicator = (f'<div class="muted ind" title="{_e(t["indicator"])}">Chỉ số: {_e(t["indicator_name"])}</div>'
                 if t["indicator_name"] else "")
    return (f'<tr id="{_e(t["anchor"])}" class="target {_slug(t["status"])}" data-status="{_e(t["status"])}">'
            f'<td>{_badge("target", t["status"])}{_rule_link(t["rule"])}</td>'
            f'<td class="num">{_e(t["cell"])}</td><td class="num">{_e(t["year"]) or "—"}</td>'
            f'<td><div class="what">{_e(t["what"])}</div>{indicator}'
            f'{_quote(t["document"], t["quote"])}</td>'
            f'<td>{_owners(t["owners"])}{_changes(t)}</td><td>{_evidence(t)}</td></tr>')


def _areas(data: dict) -> str:
    if not data["areas"]:
        return '<p class="muted">Không có chỉ tiêu nào.</p>'
    out = []
    for a in data["areas"]:
        rows = "".join(_target_row(t) for t in a["targets"])
        out.append(f'<h3 class="area"><span class="sw" style="background:{a["color"]}"></span>{_e(a["label"])} '
                   f'<span class="muted">({len(a["targets"])})</span></h3>'
                   '<table class="targets"><thead><tr><th>Trạng thái</th><th>Chỉ tiêu</th><th>Năm</th>'
                   '<th>Nội dung</th><th>Cơ quan chịu trách nhiệm</th><th>Kết quả (bằng chứng)</th></tr></thead>'
                   f'<tbody>{rows}</tbody></table>')
    return "".join(out)


def _chip(row: dict, date: dt.date | None) -> str:
    if date is None:
        text, tip = f"{row['cell']} · {row['what']}", f"{row['what']} — không nêu năm"
    elif row["kind"] == "target":
        text, tip = f"{row['cell']} · {row['what']}", f"{row['what']} — hạn {date.year}"
    else:
        text, tip = f"{date.day:02d}/{date.month:02d} · {row['what']}", f"{row['what']} — hạn {_date(date)}"
    return (f'<a class="chip {_slug(row["status"])}" href="#{_e(row["anchor"])}" '
            f'title="{_e(tip)} ({_e(STATUS_LABELS[row["kind"], row["status"]])})">{_e(text)}</a>')


def _timeline_html(data: dict) -> str:
    tl, as_of = data["timeline"], dt.date.fromisoformat(data["as_of"])
    marker = f'<div class="now">ngày đánh giá {_date(as_of)}</div>'
    head: list[str] = []
    lanes: dict[str, list[str]] = {"target": [], "task": []}
    for year in tl["years"]:
        cls = "past" if year < as_of.year else "now-year" if year == as_of.year else "future"
        head.append(f'<div class="yh {cls}">{year}</div>')
        for kind in lanes:
            chips, placed = [], year != as_of.year
            for i in tl["items"]:
                if i["date"].year != year or i["row"]["kind"] != kind:
                    continue
                if not placed and i["date"] >= as_of:
                    chips.append(marker)
                    placed = True
                chips.append(_chip(i["row"], i["date"]))
            if not placed:
                chips.append(marker)
            lanes[kind].append(f'<div class="cell {cls}">{"".join(chips)}</div>')
    cols = len(tl["years"])
    dated_tasks = any(i["row"]["kind"] == "task" for i in tl["items"])
    grid = (f'<div class="tl" style="grid-template-columns:8em repeat({cols},minmax(9em,1fr))">'
            f'<div class="yh lane"></div>{"".join(head)}'
            f'<div class="lane">Chỉ tiêu<br><span class="en">targets (31/12)</span></div>{"".join(lanes["target"])}'
            + (f'<div class="lane">Nhiệm vụ<br><span class="en">tasks (due day)</span></div>{"".join(lanes["task"])}'
               if dated_tasks else "") + '</div>')
    if not dated_tasks:
        grid += '<p class="muted">Không có nhiệm vụ nào nêu ngày hạn <span class="en">(no dated tasks)</span>.</p>'
    undated = tl["undated"]
    if undated:
        grid += ('<p class="muted">Chỉ tiêu không nêu năm (hằng năm hoặc không thời hạn): '
                 + " ".join(_chip(t, None) for t in undated) + "</p>")
    return grid + _tasks_table(data)


def _tasks_table(data: dict) -> str:
    if not data["tasks"]:
        return '<p class="muted">Không có nhiệm vụ nào.</p>'
    rows = "".join(
        f'<tr id="{_e(k["anchor"])}" class="task {_slug(k["status"])}" data-status="{_e(k["status"])}">'
        f'<td>{_badge("task", k["status"])}{_rule_link(k["rule"])}</td><td class="num">{_date(k["due"]) or "—"}'
        f'<div class="muted">{_e(k["deadline"])}</div></td>'
        f'<td><div class="what">{_e(k["what"])}</div>{_quote(k["document"], k["quote"])}</td>'
        f'<td>{"<br>".join(_e(a) for a in k["assigned"]) or _owners([])}{_changes(k)}</td></tr>'
        for k in data["tasks"])
    return ('<h3>Nhiệm vụ <span class="en">(tasks)</span></h3><table class="tasks"><thead><tr><th>Trạng thái</th>'
            '<th>Hạn</th><th>Nhiệm vụ</th><th>Cơ quan được giao (vai trò)</th></tr></thead>'
            f'<tbody>{rows}</tbody></table>')


def _gaps_html(data: dict) -> str:
    out = []
    for gap, title in GAP_TITLES.items():
        found = data["gaps"][gap]
        head = (f'<h3>{_e(title)} <span class="en">({_e(GAP_ENGLISH[gap])})</span>: '
                f'<span class="{"bad" if found else "ok"}">{len(found)}</span></h3>')
        if not found:
            out.append(head)
            continue
        items = "".join(f"<li>{_gap_item(g)}</li>" for g in found)
        out.append(f'{head}<ul class="gaps">{items}</ul>')
    return "".join(out)


def _gap_item(g: dict) -> str:
    what = f'<a href="#{_e(g["anchor"])}">{_e(g["what"])}</a>' if g["anchor"] else _e(g["what"])
    owners = "; ".join(_e(o) for o in g["owners"]) or _e(UNOWNED)
    return f'{what} <span class="muted">— hạn {_e(g["deadline"]) or "không nêu"}; {owners}; {_e(g["document"])}</span>'


def _rules_html(data: dict) -> str:
    rows = "".join(f'<tr id="rule-{_e(r["id"])}"><td><code>{_e(r["id"])}</code></td>'
                   f'<td>{_badge(_kind(r["id"]), r["status"])}</td><td>{_e(r["text"])}</td></tr>'
                   for r in data["rules"])
    margin = ", ".join(f"{_e(v)} {_e(MARGIN_UNITS.get(u, u))}" for u, v in data["margin"].items())
    return ('<table class="rules"><thead><tr><th>Quy tắc (rule)</th><th>Trạng thái</th><th>Nội dung</th></tr></thead>'
            f'<tbody>{rows}</tbody></table><p class="muted">Biên độ “đúng tiến độ” (on-track margin): {margin}. '
            'Kết quả công bố cho năm N được tính từ 01/01 năm N+1; kết quả nêu trong văn bản, từ ngày văn bản.</p>')


def _kind(rule: str) -> str:
    return "task" if rule.startswith("task-") else "target"


def _status_css() -> str:
    return "".join(f".{_slug(s)}{{--c:{c}}}" for s, c in STATUS_COLORS.items())


def render_report(data: dict) -> str:
    """The report page (NFC) from `report_data`'s dict: template `report.html`, every value escaped."""
    template = files("visualize").joinpath("report.html").read_text(encoding="utf-8")
    parts = {"TITLE": f"Báo cáo CCHC — {_e(data['province'])} — {_date(data['as_of'])}",
             "STATUS_CSS": _status_css(), "HEADER": _header(data), "AREAS": _areas(data),
             "TIMELINE": _timeline_html(data), "GAPS": _gaps_html(data), "RULES": _rules_html(data)}
    # One pass: a placeholder written in a document's text is never expanded.
    page = re.sub(r"\{\{([A-Z_]+)\}\}", lambda m: parts[m.group(1)], template)
    return unicodedata.normalize("NFC", page)


def default_output(province: str) -> str:
    """'report-lam-dong.html' for Lâm Đồng."""
    return "report-" + re.sub(r"[^a-z0-9]+", "-", fold(province)).strip("-") + ".html"


def write_report(kg: KGStore, province: str, as_of: dt.date | None = None,
                 output: str | Path | None = None) -> tuple[Path, dict]:
    """Write the report on `province` as of `as_of` to `output` (default report-<province>.html)
    atomically; return (path, data).  An unknown province raises NotFound before anything is written."""
    data = report_data(kg, province, as_of)
    page = render_report(data)
    path = Path(output or default_output(data["province"]))
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)
    return path, data
