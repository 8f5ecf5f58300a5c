"""The transparency report as files: one CSV per table (the harmonised templates' CSV parts are
tables of counts too) and one self-contained HTML document."""

from __future__ import annotations

import csv
import io
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from watchfloor.compliance.transparency.report import Cell, Table, TransparencyReport

TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"
PREFIX = "transparency-"


def cell_text(value: Cell) -> str:
    """A cell as the CSV and the tables show it: empty when unknown, two decimals for hours."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def csv_text(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.columns)
    writer.writerows([cell_text(v) for v in row] for row in table.rows)
    return out.getvalue()


@cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), cache_size=20
    )
    env.filters["cell"] = cell_text
    return env


def html(found: TransparencyReport) -> str:
    """The report as one HTML file: inline CSS, nothing fetched from anywhere."""
    template = _environment().get_template("transparency_report.html")
    return template.render(report=found)


def file_names(found: TransparencyReport) -> list[str]:
    """The files ``write`` makes, in the order it makes them."""
    return [f"{PREFIX}{t.name}.csv" for t in found.tables] + [f"{PREFIX}report.html"]


def write(found: TransparencyReport, out: Path) -> list[Path]:
    """Write every table's CSV and the HTML report into ``out`` (made if missing); the paths.
    Raises OSError when ``out`` cannot be written."""
    out.mkdir(parents=True, exist_ok=True)
    documents = [csv_text(t) for t in found.tables] + [html(found)]
    paths = []
    for name, text in zip(file_names(found), documents, strict=True):
        path = out / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
