"""Interactive HTML views of the graph (pyvis over vis-network), self-contained and offline."""
from __future__ import annotations

from pathlib import Path


def build_map(kg, output, province=None, agency=None, area=None, year=None) -> tuple[Path, int, int]:
    """Write the map of the store (optionally filtered) to `output`; return (path, nodes, edges)."""
    from .graph_view import build_view
    from .render import write_map
    view = build_view(kg, province, agency, area, year)
    return write_map(view, output), len(view.nodes), len(view.edges)
