"""Files that travel with the package: ontology, shapes, queries, gazetteer."""
from __future__ import annotations

import sys
from importlib.resources import files

if sys.version_info >= (3, 11):
    from importlib.resources.abc import Traversable
else:  # Python 3.10: importlib.resources.abc is 3.11+
    from importlib.abc import Traversable


def ontology_dir() -> Traversable:
    """`ontology/` inside the installed wheel (kg/ontology), or the checkout's top-level one."""
    packaged = files("kg").joinpath("ontology")
    if packaged.is_dir():
        return packaged
    return files("kg").joinpath("..").joinpath("ontology")


def ontology_text() -> str:
    return ontology_dir().joinpath("cchc.ttl").read_text(encoding="utf-8")


def shapes_text() -> str:
    return ontology_dir().joinpath("shapes.ttl").read_text(encoding="utf-8")


def query_text(name: str) -> str:
    return files("kg").joinpath("queries").joinpath(f"{name}.rq").read_text(encoding="utf-8")


# Named queries offered as examples on the endpoint's query page (the endpoint predeclares their prefixes).
EXAMPLE_QUERIES = ("compare_indicator", "indicators", "tasks", "targets", "owners")


def query_page() -> bytes:
    """The endpoint's query page with the example queries inlined (as JSON data, never as markup)."""
    import json
    page = files("kg").joinpath("templates").joinpath("query.html").read_text(encoding="utf-8")
    examples = {name: query_text(name) for name in EXAMPLE_QUERIES}
    data = json.dumps(examples, ensure_ascii=False).replace("</", "<\\/").replace("<!--", "<\\!--")
    return page.replace("/*EXAMPLES*/null", data).encode("utf-8")
