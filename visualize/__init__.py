"""Interactive HTML views of the graph (pyvis over vis-network), self-contained and offline."""
from __future__ import annotations

from pathlib import Path


def build_map(kg, output, province=None, agency=None, area=None, year=None) -> tuple[Path | None, int, int]:
    """Write the map of the store (optionally filtered) to `output`; return (path, nodes, edges).

    Filters are resolved like the lookups' (kg.lookups): an unknown province, agency or area raises
    kg.lookups.NotFound with the nearest names and writes nothing; filters that leave nothing to
    draw write nothing either and return (None, 0, 0).
    """
    from .graph_view import build_view
    from .render import write_map
    view = build_view(kg, province, agency, area, year)
    if not view.nodes:
        return None, 0, 0
    return write_map(view, output), len(view.nodes), len(view.edges)
