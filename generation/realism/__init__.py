"""Realism figures of dialogue records (docs/realism_metrics.md): how user-like the user is, how the
agent writes, how degenerate the tool outcomes are, and the paper's Table 1, by mode and dataset."""

from .report import realism_by_mode, realism_figures, realism_markdown, render_table, report_columns

__all__ = ["realism_by_mode", "realism_figures", "realism_markdown", "render_table", "report_columns"]
