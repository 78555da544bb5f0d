"""Interactive HTML views of the graph (pyvis over vis-network), self-contained and offline."""
