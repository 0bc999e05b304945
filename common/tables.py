"""Markdown tables for every report the stages print (run statistics, evaluation results)."""

from __future__ import annotations

from typing import Any

from tabulate import tabulate


def markdown_table(rows: list[list[Any]], headers: list[str]) -> str:
    """A GitHub markdown table; figures are shown as given, never re-rounded or re-aligned as numbers."""
    return tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True)
