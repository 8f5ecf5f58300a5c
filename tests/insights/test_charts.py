"""The report's charts: valid SVG a screen reader can name, no inline style (the console's CSP),
the same bytes for the same numbers, and series that stay apart in greyscale."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from watchfloor.insights import charts
from watchfloor.insights.measures import Day, Durations

NS = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}href"


def week() -> list[Day]:
    first = date(2026, 11, 23)
    return [
        Day(first + timedelta(days=i), 100 + 7 * i, 90 + 5 * i, 80 - i, 3 * i) for i in range(7)
    ]


def all_charts() -> list[charts.Chart]:
    return [
        charts.daily_volume(week()),
        charts.sla_by_day(week()),
        charts.durations(Durations(120, 1800, 11400, 40000), Durations(100, 36000, 2e5, 4e5)),
        charts.decision_mix({"FR-PHISHING": 120, "HH-ABUSE": 40, "SP-BULK": 3}),
    ]


def luminance(hex_colour: str) -> float:
    """WCAG relative luminance of '#rrggbb'."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@pytest.mark.parametrize("index", range(4))
def test_each_chart_is_named_svg_with_text_as_text_and_no_style(index: int) -> None:
    chart = all_charts()[index]
    root = ET.fromstring(chart.svg)
    assert root.tag == f"{NS}svg" and root.get("role") == "img"
    title, desc = root[0], root[1]
    assert title.tag == f"{NS}title" and title.text == chart.title
    assert desc.tag == f"{NS}desc" and desc.text == chart.description
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    texts = " ".join(t.text or "" for t in root.iter(f"{NS}text"))
    assert chart.rows[0][0] in texts or chart.head[0] == "Day"  # labels are <text>, not paths
    for element in root.iter():
        assert "style" not in element.attrib, element.tag
        assert element.tag not in (f"{NS}style", f"{NS}script", f"{NS}metadata", f"{NS}image")
        href = element.get(XLINK) or element.get("href")
        assert href is None or href.startswith("#"), href  # nothing fetched from anywhere
    # Scales to its container; the table carries every number the chart shows.
    assert root.get("width") == "100%" and root.get("viewBox") and root.get("height") is None
    assert all(len(row) == len(chart.head) for row in chart.rows)


def test_the_same_numbers_give_the_same_bytes_and_ids_never_clash_on_a_page() -> None:
    first, again = all_charts(), all_charts()
    assert [c.svg for c in first] == [c.svg for c in again]
    ids = [e.get("id") for c in first for e in ET.fromstring(c.svg).iter() if e.get("id")]
    assert len(ids) == len(set(ids))
    for c in first:
        root = ET.fromstring(c.svg)
        own = {e.get("id") for e in root.iter() if e.get("id")}
        for e in root.iter():
            for value in e.attrib.values():
                if "url(#" in value:
                    assert value.split("url(#")[1].split(")")[0] in own


def test_the_daily_series_differ_in_grey_and_in_dash_pattern() -> None:
    root = ET.fromstring(charts.daily_volume(week()).svg)
    dark, light = charts.DARK.lower(), charts.LIGHT.lower()
    lines = [
        p
        for p in root.iter(f"{NS}path")
        if p.get("fill") == "none" and p.get("stroke") in (dark, light)
    ]
    assert {p.get("stroke") for p in lines} == {dark, light}
    assert abs(luminance(dark) - luminance(light)) > 0.25
    dashed = {p.get("stroke") for p in lines if p.get("stroke-dasharray")}
    assert dashed == {light}  # opened solid, resolved dashed
    texts = {t.text for t in root.iter(f"{NS}text")}
    assert {"Opened", "Resolved", "100", "142"} <= texts  # direct labels, legend in words


def test_durations_hatch_one_series_and_label_every_bar() -> None:
    chart = charts.durations(Durations(120, 1800, 11400, 40000), Durations(100, 36000, 2e5, 4e5))
    root = ET.fromstring(chart.svg)
    assert any(p.tag == f"{NS}pattern" for p in root.iter())  # the hatching
    texts = {t.text for t in root.iter(f"{NS}text")}
    assert {"30 min", "3 h 10 min", "10 h", "2 d 7 h"} <= texts
    assert chart.rows[0] == ["Time to first action", "120", "30 min", "3 h 10 min", "11 h 7 min"]


def test_many_policies_fold_into_other_on_the_chart_but_not_in_the_table() -> None:
    decisions = {f"P-{i:02d}": 100 - i for i in range(14)}
    chart = charts.decision_mix(decisions, top=5)
    texts = {t.text for t in ET.fromstring(chart.svg).iter(f"{NS}text")}
    assert "other" in texts and "P-13" not in texts
    assert len(chart.rows) == 14 and chart.rows[0][0] == "P-00"
    empty = charts.decision_mix({})
    assert empty.rows == [] and empty.description == "No decision in the period."


def test_a_day_with_no_clock_is_a_gap_not_zero() -> None:
    days = week()
    days[2] = Day(days[2].day, 5, 5, 0, 0)
    chart = charts.sla_by_day(days)
    assert chart.rows[2][-1] == "no clock ended"
    assert chart.rows[0][-1] == "100 %"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "\u2014"),
        (40, "1 min"),
        (2700, "45 min"),
        (7200, "2 h"),
        (11400, "3 h 10 min"),
        (200_000, "2 d 7 h"),
        (172_800, "2 d"),
    ],
)
def test_durations_read_as_people_say_them(seconds: float | None, text: str) -> None:
    assert charts.duration_text(seconds) == text


def test_a_chart_is_plain_svg_whatever_other_libraries_registered() -> None:
    """WeasyPrint's PDF metadata registers the empty prefix for the empty namespace, which took
    away a globally registered default SVG namespace: charts came out as <ns0:svg>, which a
    browser does not draw, once anyone had downloaded a PDF."""
    import weasyprint.pdf.metadata  # noqa: F401 - its import registers namespaces

    ET.register_namespace("", "")
    svg = charts.daily_volume(week()).svg
    assert svg.startswith("<svg ") and f'xmlns="{charts.SVG_NS}"' in svg
    assert "ns0" not in svg and "xlink" not in svg
    ET.fromstring(svg)
