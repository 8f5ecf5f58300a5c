"""The post-incident review document in Markdown and HTML (pure: built from hand-made data)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest

from watchfloor.errors import Invalid
from watchfloor.incidents import report
from watchfloor.incidents.config import Channels
from watchfloor.incidents.schemas import (
    EntryOut,
    ImpactOut,
    IncidentDetail,
    MetricsOut,
    ReviewOut,
    RoleOut,
    TaskOut,
)

DETECTED = datetime(2024, 5, 3, 8, 50, tzinfo=UTC)
DECLARED = datetime(2024, 5, 3, 9, 5, tzinfo=UTC)
SCRIPT = "<script>alert('x')</script>"


def entry(n: int, minutes: int, text: str, **fields: Any) -> EntryOut:
    values: dict[str, Any] = {
        "id": f"entry-{n}",
        "at": DECLARED + timedelta(minutes=minutes),
        "author": "alice",
        "kind": "note",
        "text": text,
        "object": "INC-0042",
        "key": True,
    }
    return EntryOut(**(values | fields))


def task(n: int, title: str, **fields: Any) -> TaskOut:
    values: dict[str, Any] = {
        "id": n,
        "title": title,
        "owner": "carol",
        "due_at": datetime(2024, 5, 17, 17, 0, tzinfo=UTC),
        "status": "open",
        "overdue": False,
        "action_item": True,
        "created_at": DECLARED + timedelta(hours=4),
        "created_by": "alice",
        "done_at": None,
    }
    return TaskOut(**(values | fields))


def detail(**fields: Any) -> IncidentDetail:
    """A resolved SEV1 with two roles held and one required role nobody took; override any field."""
    values: dict[str, Any] = {
        "key": "INC-0042",
        "severity": "SEV1",
        "severity_meaning": "Imminent risk to life or safety.",
        "title": "Threats against Springfield High",
        "harm_area": "violence_threats",
        "status": "resolved",
        "allowed_next": ["active", "closed"],
        "detected_at": DETECTED,
        "declared_at": DECLARED,
        "declared_by": "alice",
        "mitigated_at": DECLARED + timedelta(minutes=50),
        "resolved_at": DECLARED + timedelta(hours=3, minutes=20),
        "closed_at": None,
        "commander": "alice",
        "cases": 12,
        "open_cases": 2,
        "tasks_open": 2,
        "tasks_overdue": 1,
        "last_update_at": DECLARED + timedelta(hours=3),
        "next_update_due_at": None,
        "update_overdue": False,
        "missing_roles": ["legal"],
        "metrics": MetricsOut(
            time_to_declare_seconds=15 * 60,
            time_to_mitigate_seconds=50 * 60,
            time_to_resolve_seconds=200 * 60,
            time_to_close_seconds=None,
        ),
        "channels": Channels(),
        "summary": "Credible threats against a school were posted from 3 accounts.",
        "roles": [
            RoleOut(
                role="commander",
                title="Incident commander",
                user="alice",
                since=DECLARED,
                page=None,
                page_state=None,
                required=True,
            ),
            RoleOut(
                role="communications",
                title="Communications",
                user="dave",
                since=DECLARED + timedelta(minutes=7),
                page="PAGE-000017",
                page_state="acknowledged",
                required=True,
            ),
            RoleOut(
                role="legal",
                title="Legal",
                user=None,
                since=None,
                page=None,
                page_state=None,
                required=True,
            ),
        ],
        "linked": [],
        "linked_by_status": {"resolved": 10, "open": 2},
        "tasks": [],
        "updates": [],
        "impact": ImpactOut(cases=12, open_cases=2, reports=41, subjects=3, users_affected=37),
        "went_well": "Police were reached in 10 minutes.",
        "went_badly": "Nobody from legal could be paged.",
        "impact_note": "Two students saw the posts before removal.",
    }
    return IncidentDetail(**(values | fields))


def review_of(incident: IncidentDetail | None = None, **fields: Any) -> ReviewOut:
    values: dict[str, Any] = {
        "generated_at": datetime(2024, 5, 4, 10, 0, tzinfo=UTC),
        "incident": incident or detail(),
        "key_timeline": [
            entry(1, 2, "Accounts suspended pending review."),
            entry(
                2,
                10,
                "Called the local police about the threat.",
                kind="contact",
                party="Springfield Police",
            ),
            entry(
                3,
                45,
                "Preserve the accounts' data for 90 days.",
                kind="decision",
                basis="18 U.S.C. 2703(f)",
                author="bob",
            ),
            entry(4, 60, "Case decided.", id="audit-9", kind="case.decided", object="CASE-000123"),
        ],
        "action_items": [
            task(1, "Add legal to the SEV1 rotation"),
            task(2, "Write the school-threat playbook", owner=None, due_at=None, overdue=False),
            task(3, "Review detector thresholds", status="open", overdue=True),
        ],
    }
    return ReviewOut(**(values | fields))


def sections_of_markdown(text: str) -> list[str]:
    return [line[3:] for line in text.splitlines() if line.startswith("## ")]


SECTIONS = [
    "Summary",
    "Impact",
    "Metrics",
    "Roles",
    "Key timeline",
    "What went well",
    "What went badly",
    "Action items",
]


class Page(HTMLParser):
    """What a reader (or a screen reader) gets from the HTML: headings, cells, scripts, links."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.headings: list[tuple[str, str]] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.title = ""
        self.text: list[str] = []
        self.row_header_cells: list[str] = []
        self._heading: str | None = None
        self._buffer: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in {"h1", "h2", "h3", "h4", "title", "th"}:
            self._heading, self._buffer = tag, []
        if tag not in {"meta", "br"}:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, f"</{tag}> closes {self.open[-1:]}"
        self.open.pop()
        if tag == self._heading:
            content = "".join(self._buffer).strip()
            if tag == "title":
                self.title = content
            elif tag == "th":
                self.row_header_cells.append(content)
            else:
                self.headings.append((tag, content))
            self._heading = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._heading:
            self._buffer.append(data)


def parse(page: str) -> Page:
    parser = Page()
    parser.feed(page)
    parser.close()
    assert parser.open == [], f"unclosed: {parser.open}"
    return parser


def test_markdown_has_every_section_in_order_with_the_facts() -> None:
    text = report.markdown(review_of())
    assert text.startswith("# INC-0042 · SEV1 · Threats against Springfield High · resolved\n")
    assert sections_of_markdown(text) == SECTIONS
    assert "Credible threats against a school were posted from 3 accounts." in text
    # Impact: counts and the note.
    for row in (
        "| Linked cases | 12 |",
        "| Cases still open | 2 |",
        "| Reports | 41 |",
        "| Subjects (accounts or items reported) | 3 |",
        "| Users affected (people who reported) | 37 |",
    ):
        assert row in text
    assert text.index("| Users affected") < text.index("Two students saw the posts before removal.")
    # Metrics with lifecycle.describe, and the times of each state.
    assert "| Time to declare (from detection) | 15m |" in text
    assert "| Time to mitigate (from declaration) | 50m |" in text
    assert "| Time to resolve (from declaration) | 3h 20m |" in text
    assert "| Time to close (from declaration) | — |" in text
    assert "| Detection to resolution | 3h 35m |" in text
    assert "| Declared | 2024-05-03 09:05 UTC |" in text
    assert "| Closed | — |" in text
    # Roles, including a required one nobody held.
    assert "| Communications (communications) | dave | 2024-05-03 09:12 UTC | yes |" in text
    assert "| Legal (legal) | unassigned | — | yes |" in text
    # The key timeline, oldest first, with basis and party.
    assert (
        "| 2024-05-03 09:15 UTC | alice | contact | Called the local police about the threat. "
        "| Party: Springfield Police |" in text
    )
    assert "| bob | decision | Preserve the accounts' data for 90 days. | Basis: 18 U.S.C." in text
    assert "| case.decided (CASE-000123) | Case decided. |" in text
    assert text.index("Accounts suspended") < text.index("Called the local police")
    # Editable sections and action items.
    assert "Police were reached in 10 minutes." in text
    assert "Nobody from legal could be paged." in text
    assert "| Add legal to the SEV1 rotation | carol | 2024-05-17 17:00 UTC | open |" in text
    assert "| Write the school-threat playbook | unassigned | — | open |" in text
    assert "| Review detector thresholds | carol | 2024-05-17 17:00 UTC | open (overdue) |" in text
    assert text.rstrip().endswith("_Generated 2024-05-04 10:00 UTC by Watchfloor_")


def test_unwritten_sections_say_so_and_empty_lists_say_what_to_do() -> None:
    bare = detail(summary="", went_well="  ", went_badly="", impact_note="", roles=[])
    text = report.markdown(review_of(bare, key_timeline=[], action_items=[]))
    assert sections_of_markdown(text) == SECTIONS
    summary = text.split("## Summary\n\n", 1)[1]
    assert summary.startswith("_(not written yet)_")
    assert text.split("## What went well\n\n", 1)[1].startswith("_(not written yet)_")
    assert text.split("## What went badly\n\n", 1)[1].startswith("_(not written yet)_")
    assert "No entries are flagged as key yet" in text
    assert "No action items yet" in text
    html = report.html(review_of(bare, key_timeline=[], action_items=[]))
    assert html.count("(not written yet)") == 3


def test_markdown_table_cells_cannot_be_broken_by_what_people_wrote() -> None:
    nasty = "Blocked a|b\nthen <img src=x onerror=alert(1)> and a \\ backslash"
    text = report.markdown(
        review_of(key_timeline=[entry(1, 1, nasty, basis="ToS | 4.2")], action_items=[])
    )
    [row] = [line for line in text.splitlines() if line.startswith("| 2024-05-03 09:06")]
    # One row, five cells: the pipe is escaped and the line break kept inside the cell.
    cells = row.replace("\\|", "").split("|")[1:-1]
    assert len(cells) == 5
    assert "Blocked a\\|b<br>then &lt;img src=x onerror=alert(1)> and a \\\\ backslash" in row
    assert "Basis: ToS \\| 4.2" in row


def test_a_title_with_a_line_break_stays_one_heading() -> None:
    text = report.markdown(review_of(detail(title="Scam wave\n# not a heading")))
    assert text.splitlines()[0] == "# INC-0042 · SEV1 · Scam wave # not a heading · resolved"
    assert sections_of_markdown(text) == SECTIONS


def test_html_is_a_standalone_accessible_page_with_sections_in_order() -> None:
    page = report.html(review_of())
    assert page.startswith("<!DOCTYPE html>")
    parsed = parse(page)
    assert parsed.title == (
        "INC-0042 post-incident review: "
        "INC-0042 · SEV1 · Threats against Springfield High · resolved"
    )
    [html_tag] = [attrs for tag, attrs in parsed.tags if tag == "html"]
    assert html_tag["lang"] == "en"
    levels = [level for level, _ in parsed.headings]
    assert levels == ["h1"] + ["h2"] * len(SECTIONS)
    assert [name for _, name in parsed.headings[1:]] == SECTIONS
    # Every header cell says whether it heads a column or a row.
    ths = [attrs for tag, attrs in parsed.tags if tag == "th"]
    assert ths and all(attrs.get("scope") in {"col", "row"} for attrs in ths)
    assert "Users affected (people who reported)" in parsed.row_header_cells
    # Nothing runs and nothing is fetched.
    tags = {tag for tag, _ in parsed.tags}
    assert not tags & {"script", "link", "img", "iframe", "object", "embed"}
    assert not any(
        name in {"src", "href"} or name.startswith("on")
        for _, attrs in parsed.tags
        for name in attrs
    )
    assert "@media print" in page
    text = " ".join(" ".join(parsed.text).split())
    assert "Party: Springfield Police" in text and "Basis: 18 U.S.C. 2703(f)" in text
    assert "Generated 2024-05-04 10:00 UTC by Watchfloor" in text


def test_html_escapes_everything_people_wrote() -> None:
    incident = detail(
        title=f"Threat {SCRIPT}",
        summary=f"Summary {SCRIPT}",
        went_well='<a href="javascript:x">click</a>',
        impact_note="<b onmouseover=alert(1)>note</b>",
    )
    review = review_of(
        incident,
        key_timeline=[entry(1, 1, SCRIPT, kind="decision", basis=SCRIPT, author="<i>eve</i>")],
        action_items=[task(1, SCRIPT, owner="<u>mallory</u>")],
    )
    page = report.html(review)
    parsed = parse(page)
    tags = {tag for tag, _ in parsed.tags}
    assert not tags & {"script", "a", "b", "i", "u"}
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    # The reader still sees exactly what was written.
    assert parsed.title.endswith(f"Threat {SCRIPT} · resolved")
    assert SCRIPT in "".join(parsed.text)
    assert "<script" not in page.lower()


def test_free_text_keeps_its_lines() -> None:
    incident = detail(went_badly="1. Paging legal failed.\n2. The playbook was out of date.")
    text = report.markdown(review_of(incident))
    assert "1. Paging legal failed.\n2. The playbook was out of date." in text
    page = report.html(review_of(incident))
    assert "1. Paging legal failed.\n2. The playbook was out of date." in page


def test_times_in_the_readers_zone_and_the_timeline_also_in_utc() -> None:
    text = report.markdown(review_of(), time_zone="Europe/Paris")
    assert "| Declared | 2024-05-03 11:05 CEST |" in text
    assert "| 2024-05-03 11:07 CEST (09:07 UTC) | alice | note |" in text
    assert "Generated 2024-05-04 12:00 CEST by Watchfloor" in text


def test_naive_times_from_sqlite_are_read_as_utc() -> None:
    naive = detail(declared_at=DECLARED.replace(tzinfo=None))
    assert "| Declared | 2024-05-03 09:05 UTC |" in report.markdown(review_of(naive))


def test_an_unknown_time_zone_is_refused_with_an_example() -> None:
    with pytest.raises(Invalid, match=r"unknown time zone 'Mars/Olympus'.*Europe/London"):
        report.markdown(review_of(), time_zone="Mars/Olympus")
    with pytest.raises(Invalid):
        report.html(review_of(), time_zone="../../etc/passwd")


def test_a_timeline_time_on_another_day_in_utc_gives_the_utc_date() -> None:
    late = entry(1, 0, "Posted overnight.", at=datetime(2024, 5, 3, 2, 30, tzinfo=UTC))
    text = report.markdown(review_of(key_timeline=[late]), time_zone="America/Los_Angeles")
    assert "| 2024-05-02 19:30 PDT (2024-05-03 02:30 UTC) | alice |" in text
    assert "| 2024-05-03 02:30 UTC | alice |" in report.markdown(
        review_of(key_timeline=[late]), time_zone="Etc/UTC"
    )
