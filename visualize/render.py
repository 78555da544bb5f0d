"""One self-contained HTML file: vis-network (from pyvis's bundled copy) and the map's data inlined.

No http(s):// reference remains in the page: scripts and styles are inlined, and the URLs in
the library's comments and strings are written so that no loader can mistake them for one.
Document text only ever reaches the page as JSON data shown through textContent and vis-network's
plain-text tooltips, so "<script>" in a source document renders as text.
"""
from __future__ import annotations

import json
import re
from importlib.resources import files
from pathlib import Path

from pyvis.network import Network

from .graph_view import AREA_COLORS, AREA_LABELS, ROLE_COLORS, View


def _vis_assets() -> tuple[str, str]:
    import pyvis
    lib = Path(pyvis.__file__).parent / "lib" / "vis-9.1.2"
    js = (lib / "vis-network.min.js").read_text(encoding="utf-8")
    css = (lib / "vis-network.css").read_text(encoding="utf-8")
    return _defang(js), _defang(css)


def _defang(code: str) -> str:
    # "http://www.w3.org/2000/svg" stays the same string at run time ("\/" is "/" in JS strings).
    return re.sub(r"(https?):\/\/", r"\1:\\/\\/", code)


def _json(data) -> str:
    text = _defang(json.dumps(data, ensure_ascii=False).replace("https://w3id.org/cchc-kg/id/", "id:"))
    return (text.replace("</", "<\\/").replace("<!--", "<\\!--")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def to_network(view: View) -> Network:
    """The view as a pyvis Network (node and edge lists filled directly: adding one by one is quadratic)."""
    net = Network(height="100%", width="100%", directed=True, cdn_resources="in_line")
    net.nodes = [dict(n) for n in view.nodes]
    net.edges = [dict(e) for e in view.edges]
    net.node_ids = [n["id"] for n in view.nodes]
    net.node_map = {n["id"]: n for n in net.nodes}
    net.toggle_physics(False)
    return net


def render_html(view: View, title: str = "cchc-kg — ai chịu trách nhiệm chỉ tiêu nào") -> str:
    net = to_network(view)
    js, css = _vis_assets()
    template = files("visualize").joinpath("template.html").read_text(encoding="utf-8")
    data = {"nodes": net.nodes, "edges": net.edges, "provinces": view.provinces,
            "areas": [{"id": a, "label": AREA_LABELS[a], "color": c} for a, c in AREA_COLORS.items()],
            "roles": [{"id": r, "color": c} for r, c in ROLE_COLORS.items()]}
    return fill(template, {"/*VIS_CSS*/": css, "/*VIS_JS*/": js.replace("</script", "<\\/script"),
                           "/*MAP_DATA*/null": _json(data), "{{TITLE}}": _escape(title)})


def fill(template: str, slots: dict[str, str]) -> str:
    """The template with its slots filled in one pass: a slot's text appearing inside the data put
    in another slot ("{{TITLE}}" quoted by a document) stays data."""
    pattern = re.compile("|".join(re.escape(k) for k in sorted(slots, key=len, reverse=True)))
    return pattern.sub(lambda m: slots[m.group(0)], template)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def write_map(view: View, path: str | Path) -> Path:
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(render_html(view), encoding="utf-8")
    tmp.replace(path)
    return path
