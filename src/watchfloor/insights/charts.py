"""Charts of the metrics as inline SVG, drawn on the server with matplotlib (pure: no database).

Every chart comes with the table of its numbers (the page shows both: a screen reader reads
the table, a printout keeps the figures) and reads in greyscale: series differ by line style,
marker or hatching as well as by colour (Okabe-Ito blue and orange, far apart in luminance),
and values are labelled on the chart itself. The SVG carries its own ``<title>`` and ``<desc>``
(``role="img"``, ``aria-labelledby``), keeps text as text, and has no ``style`` attribute or
element: the console's Content-Security-Policy forbids inline styles, so matplotlib's styles
become SVG presentation attributes. Element ids are prefixed with the chart's id, so several
charts live on one page, and the output is byte-for-byte the same for the same numbers.
"""

from __future__ import annotations

import io
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from watchfloor.insights.measures import Day, Durations, Metrics

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"

# Okabe-Ito blue and vermilion/orange: distinct for every common colour-vision deficiency, and
# far apart in grey (relative luminance about 0.15 and 0.45); text and axes near black.
DARK = "#0072B2"
LIGHT = "#E69F00"
INK = "#1a1a1a"
GRID = "#d0d0d0"
RC: dict[Any, Any] = {
    "svg.fonttype": "none",  # text stays text: selectable, searchable, read aloud
    "svg.hashsalt": "watchfloor",  # fixed ids: the same numbers give the same bytes
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 10,
    "text.color": INK,
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "hatch.color": INK,
    "hatch.linewidth": 0.8,
}
# rcParams are global to the process; charts drawn in two web requests at once must not mix.
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Chart:
    """An SVG chart and the table of the same numbers."""

    id: str
    title: str
    description: str
    svg: str
    head: list[str]
    rows: list[list[str]]


def _svg(
    plot: Callable[[Figure], None],
    *,
    size: tuple[float, float],
    chart_id: str,
    title: str,
    description: str,
) -> str:
    """Draw with ``plot`` on a new figure under the chart settings and return page-ready SVG."""
    with _LOCK, matplotlib.rc_context(RC):
        figure = Figure(figsize=size, layout="constrained")
        plot(figure)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return accessible_svg(
        buffer.getvalue(), chart_id=chart_id, title=title, description=description
    )


def accessible_svg(svg: str, *, chart_id: str, title: str, description: str) -> str:
    """matplotlib's SVG made fit for a page: title and desc, ids prefixed, styles as attributes,
    no metadata, and scaling to its container's width."""
    root = ET.fromstring(svg)  # noqa: S314 - our own output, just written by matplotlib
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag in (f"{{{SVG_NS}}}metadata", f"{{{SVG_NS}}}style"):
                parent.remove(child)
    for element in root.iter():
        style = element.attrib.pop("style", None)
        if style:
            for declaration in style.split(";"):
                name, _, value = declaration.partition(":")
                if name.strip():
                    element.set(name.strip(), value.strip())
        if "id" in element.attrib:
            element.set("id", f"{chart_id}-{element.attrib['id']}")
        for name, value in list(element.attrib.items()):
            if "url(#" in value:
                element.set(name, value.replace("url(#", f"url(#{chart_id}-"))
            elif name == f"{{{XLINK_NS}}}href":
                # SVG 2's plain href: no xlink prefix for the serialiser to get wrong.
                del element.attrib[name]
                element.set("href", f"#{chart_id}-{value[1:]}" if value.startswith("#") else value)
    # What the removed <style> said for every element, inherited from the root instead.
    root.set("stroke-linejoin", "round")
    root.set("stroke-linecap", "butt")
    root.set("id", chart_id)
    root.set("role", "img")
    root.set("aria-labelledby", f"{chart_id}-title {chart_id}-desc")
    root.set("width", "100%")
    root.attrib.pop("height", None)
    desc = ET.Element(f"{{{SVG_NS}}}desc", {"id": f"{chart_id}-desc"})
    desc.text = description
    heading = ET.Element(f"{{{SVG_NS}}}title", {"id": f"{chart_id}-title"})
    heading.text = title
    root.insert(0, desc)
    root.insert(0, heading)
    # Plain tag names and an explicit xmlns, not a globally registered prefix: another
    # library's registration (WeasyPrint's PDF metadata maps "" to "") turned <svg> into
    # <ns0:svg>, which a browser does not draw.
    for element in root.iter():
        element.tag = element.tag.removeprefix(f"{{{SVG_NS}}}")
    root.set("xmlns", SVG_NS)
    return ET.tostring(root, encoding="unicode")


def _style_axes(ax: Axes) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)


def _percent(share: float | None) -> str:
    return "no clock ended" if share is None else f"{share * 100:.0f} %"


def duration_text(seconds: float | None) -> str:
    """'3 h 10 min', '45 min', '2 d 4 h'; an em dash when there is no value."""
    if seconds is None:
        return "\u2014"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def daily_volume(days: Sequence[Day], *, chart_id: str = "chart-volume") -> Chart:
    """Cases opened and resolved per day: a solid line with circles and a dashed one with
    squares, each day's count written beside its point."""
    labels = [d.day.strftime("%a %d") for d in days]
    opened = [d.opened for d in days]
    resolved = [d.resolved for d in days]

    def plot(figure: Figure) -> None:
        ax = figure.add_subplot()
        x = list(range(len(days)))
        ax.plot(x, opened, color=DARK, linestyle="-", marker="o", linewidth=2, label="Opened")
        ax.plot(x, resolved, color=LIGHT, linestyle="--", marker="s", linewidth=2, label="Resolved")
        # Zeros go unlabelled: on the axis a label would sit on the day's name (the table
        # has them).
        for i, (o, r) in enumerate(zip(opened, resolved, strict=True)):
            if o:
                ax.annotate(
                    f"{o:,}", (i, o), textcoords="offset points", xytext=(0, 6), ha="center"
                )
            if r:
                ax.annotate(
                    f"{r:,}", (i, r), textcoords="offset points", xytext=(0, -14), ha="center"
                )
        ax.set_xticks(x, labels)
        ax.set_ylabel("Cases")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylim(bottom=0, top=max([*opened, *resolved, 1]) * 1.25)
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1), frameon=False, ncols=2)
        _style_axes(ax)

    title = "Cases opened and resolved per day"
    description = (
        f"{len(days)} days: {sum(opened):,} cases opened and {sum(resolved):,} resolved in all. "
        "The table gives each day's numbers."
    )
    svg = _svg(plot, size=(7.0, 3.0), chart_id=chart_id, title=title, description=description)
    rows = [[d.day.isoformat(), f"{d.opened:,}", f"{d.resolved:,}"] for d in days]
    return Chart(chart_id, title, description, svg, ["Day", "Opened", "Resolved"], rows)


def sla_by_day(days: Sequence[Day], *, chart_id: str = "chart-sla") -> Chart:
    """The share of first-action clocks met per day (a gap where no clock ended), labelled."""
    shares: list[float | None] = []
    for d in days:
        total = d.first_action_met + d.first_action_missed
        shares.append(d.first_action_met / total if total else None)

    def plot(figure: Figure) -> None:
        ax = figure.add_subplot()
        x = list(range(len(days)))
        y = [s * 100 if s is not None else float("nan") for s in shares]
        ax.plot(x, y, color=DARK, linestyle="-", marker="o", linewidth=2)
        for i, s in enumerate(shares):
            if s is not None:
                ax.annotate(
                    f"{s * 100:.0f} %",
                    (i, s * 100),
                    textcoords="offset points",
                    xytext=(0, 7),
                    ha="center",
                )
        ax.set_xticks(x, [d.day.strftime("%a %d") for d in days])
        ax.set_ylim(0, 112)
        ax.set_yticks([0, 25, 50, 75, 100], ["0 %", "25 %", "50 %", "75 %", "100 %"])
        ax.set_ylabel("First action in time")
        _style_axes(ax)

    title = "First-action SLA attainment per day"
    known = [s for s in shares if s is not None]
    span = (
        f"between {min(known) * 100:.0f} % and {max(known) * 100:.0f} %"
        if known
        else "no clock ended"
    )
    description = f"Share of first-action clocks met in time each day: {span}. See the table."
    svg = _svg(plot, size=(7.0, 3.0), chart_id=chart_id, title=title, description=description)
    rows = [
        [d.day.isoformat(), f"{d.first_action_met:,}", f"{d.first_action_missed:,}", _percent(s)]
        for d, s in zip(days, shares, strict=True)
    ]
    return Chart(chart_id, title, description, svg, ["Day", "Met", "Missed", "Attainment"], rows)


def durations(
    first_action: Durations, resolution: Durations, *, chart_id: str = "chart-durations"
) -> Chart:
    """p50, p90 and p99 of time to first action and to resolution as bars in hours: solid
    dark for first action, hatched light for resolution, each bar labelled."""
    names = ["p50", "p90", "p99"]
    series = [
        ("Time to first action", first_action, DARK, ""),
        ("Time to resolution", resolution, LIGHT, "//"),
    ]

    def plot(figure: Figure) -> None:
        ax = figure.add_subplot()
        width = 0.38
        top = 0.0
        for k, (label, d, colour, hatch) in enumerate(series):
            values = [d.p50, d.p90, d.p99]
            hours = [v / 3600 if v is not None else 0.0 for v in values]
            top = max(top, *hours)
            xs = [i + (k - 0.5) * width for i in range(len(names))]
            bars = ax.bar(xs, hours, width, color=colour, hatch=hatch, edgecolor=INK, label=label)
            ax.bar_label(bars, labels=[duration_text(v) for v in values], padding=2, fontsize=8)
        ax.set_xticks(range(len(names)), names)
        ax.set_ylabel("Hours")
        ax.set_ylim(0, max(top, 1.0) * 1.2)
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1), frameon=False, ncols=2)
        _style_axes(ax)

    title = "Time to first action and to resolution (percentiles)"
    description = (
        f"Median time to first action {duration_text(first_action.p50)} "
        f"(n = {first_action.count:,}); median time to resolution "
        f"{duration_text(resolution.p50)} (n = {resolution.count:,}). See the table."
    )
    svg = _svg(plot, size=(7.0, 3.0), chart_id=chart_id, title=title, description=description)
    rows = [
        [label, f"{d.count:,}", duration_text(d.p50), duration_text(d.p90), duration_text(d.p99)]
        for label, d, _, _ in series
    ]
    head = ["Measure", "Cases", "p50", "p90", "p99"]
    return Chart(chart_id, title, description, svg, head, rows)


def decision_mix(
    decisions: dict[str, int], *, chart_id: str = "chart-decisions", top: int = 10
) -> Chart:
    """Decisions per policy as horizontal bars, the most common first; past ``top`` policies
    the rest are one bar, "other". Each bar carries its count and share."""
    ordered = sorted(decisions.items(), key=lambda kv: (-kv[1], kv[0]))
    ranked = ordered
    if len(ranked) > top:
        ranked = [*ordered[: top - 1], ("other", sum(n for _, n in ordered[top - 1 :]))]
    total = sum(decisions.values())

    def share(n: int) -> str:
        return f"{n / total * 100:.0f} %" if total else "\u2014"

    def plot(figure: Figure) -> None:
        ax = figure.add_subplot()
        labels = [k for k, _ in ranked][::-1]
        counts = [n for _, n in ranked][::-1]
        bars = ax.barh(labels, counts, color=DARK, edgecolor=INK)
        ax.bar_label(bars, labels=[f"{n:,} ({share(n)})" for n in counts], padding=3)
        ax.set_xlim(0, max([*counts, 1]) * 1.35)
        ax.set_xlabel("Decisions")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.spines[["top", "right"]].set_visible(False)

    title = "Decisions by policy"
    description = (
        f"{total:,} decisions; the most common policy was {ranked[0][0]} ({ranked[0][1]:,})."
        if ranked
        else "No decision in the period."
    )
    size = (7.0, max(1.6, 0.38 * len(ranked) + 0.8))
    svg = _svg(plot, size=size, chart_id=chart_id, title=title, description=description)
    rows = [[k, f"{n:,}", share(n)] for k, n in ordered]
    return Chart(chart_id, title, description, svg, ["Policy", "Decisions", "Share"], rows)


def of_metrics(m: Metrics) -> list[Chart]:
    """The four charts of a range's metrics: daily volume, daily SLA, durations, decisions."""
    return [
        daily_volume(m.days),
        sla_by_day(m.days),
        durations(m.first_action, m.resolution),
        decision_mix(m.decisions),
    ]
