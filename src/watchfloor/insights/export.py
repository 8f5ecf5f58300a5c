"""The numbers behind the metrics as one tidy table, in CSV or Parquet (pure: no database).

One long table rather than a file per table, so a download is one file and a spreadsheet or a
data frame filters it by its first column. Every row is one figure:

- ``table``: what the figure belongs to: ``days`` (per UTC day), ``volume_harm_area``,
  ``volume_source``, ``volume_region``, ``volume_language``, ``decisions`` (per policy),
  ``actions`` (per action kind), ``durations``, ``sla``, ``backlog``, ``backlog_age``,
  ``rates`` and ``range``;
- ``day``: the UTC day (``days`` rows only; empty elsewhere);
- ``group``: the harm area, source, policy, action kind, measure ("first_action"), rate
  ("reopened") or age band; empty for ``days``;
- ``measure``: what is counted: ``opened``, ``resolved``, ``first_action_met``,
  ``first_action_missed``, ``cases``, ``decisions``, ``count``, ``of``, ``low``, ``high``,
  ``p50``/``p90``/``p99`` (seconds), ``met``/``missed``, ``open``, ``start``/``end`` (Unix
  seconds of the range);
- ``value``: the figure, a number (empty when there is none, e.g. a percentile of no cases).

Both formats hold the same rows in the same order; Parquet keeps the types (``day`` a date,
``value`` a double).
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Literal

import pyarrow as pa
import pyarrow.parquet as pq

from watchfloor.insights.measures import Metrics

Format = Literal["csv", "parquet"]
COLUMNS = ["table", "day", "group", "measure", "value"]
SCHEMA = pa.schema(
    [
        ("table", pa.string()),
        ("day", pa.date32()),
        ("group", pa.string()),
        ("measure", pa.string()),
        ("value", pa.float64()),
    ]
)
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet"}

Row = tuple[str, date | None, str | None, str, float | None]


def rows(m: Metrics) -> list[Row]:
    """Every figure of ``m`` as a (table, day, group, measure, value) row."""
    out: list[Row] = [
        ("range", None, None, "start", m.start.timestamp()),
        ("range", None, None, "end", m.end.timestamp()),
    ]
    for d in m.days:
        for measure in ("opened", "resolved", "first_action_met", "first_action_missed"):
            out.append(("days", d.day, None, measure, float(getattr(d, measure))))
    for dimension in ("harm_area", "source", "region", "language"):
        for key, n in sorted(m.volume.get(dimension, {}).items()):
            out.append((f"volume_{dimension}", None, key, "cases", float(n)))
    for policy, n in sorted(m.decisions.items()):
        out.append(("decisions", None, policy, "decisions", float(n)))
    for kind, n in sorted(m.actions.items()):
        out.append(("actions", None, kind, "count", float(n)))
    for name, spread in (("first_action", m.first_action), ("resolution", m.resolution)):
        out.append(("durations", None, name, "cases", float(spread.count)))
        out.extend(("durations", None, name, p, getattr(spread, p)) for p in ("p50", "p90", "p99"))
    for name, a in (("first_action", m.sla_first_action), ("resolution", m.sla_resolution)):
        out.append(("sla", None, name, "met", float(a.met)))
        out.append(("sla", None, name, "missed", float(a.missed)))
    out.append(("backlog", None, None, "open", float(m.backlog.open)))
    out.extend(
        ("backlog", None, "age", p, getattr(m.backlog.age, p)) for p in ("p50", "p90", "p99")
    )
    for band, n in m.backlog.by_age.items():
        out.append(("backlog_age", None, band, "cases", float(n)))
    for name, r in (
        ("violations", m.violations),
        ("reopened", m.reopened),
        ("overturned", m.overturned),
        ("qa_accuracy", m.qa_accuracy),
    ):
        out.extend(
            ("rates", None, name, measure, None if v is None else float(v))
            for measure, v in (("count", r.count), ("of", r.of), ("low", r.low), ("high", r.high))
        )
    return out


def table(m: Metrics) -> pa.Table:
    columns = list(zip(*rows(m), strict=True))
    return pa.Table.from_arrays(
        [pa.array(list(c), type=f.type) for c, f in zip(columns, SCHEMA, strict=True)],
        schema=SCHEMA,
    )


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def to_csv(m: Metrics) -> bytes:
    """The rows as CSV (UTF-8, a header line, empty cells for none)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows(m):
        writer.writerow([_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8")


def to_parquet(m: Metrics) -> bytes:
    buffer = pa.BufferOutputStream()
    pq.write_table(table(m), buffer)
    return bytes(buffer.getvalue().to_pybytes())


def encode(m: Metrics, fmt: Format) -> bytes:
    return to_csv(m) if fmt == "csv" else to_parquet(m)
