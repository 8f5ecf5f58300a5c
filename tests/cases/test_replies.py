"""Reply templates: rendered with the case's values; a wrong template is refused at start."""

from __future__ import annotations

from pathlib import Path

import pytest

from watchfloor.cases.replies import load_replies
from watchfloor.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_templates_render() -> None:
    replies = load_replies(ROOT / "config")
    assert len(replies.templates) >= 5
    text = replies.get("user-warning").render(  # type: ignore[union-attr]
        case_key="CASE-000007",
        harm_area="harassment",
        policy_id="HR-BULLY",
        policy_title="bullying",
        subject="acct-1",
        violation=True,
    )
    assert "bullying (HR-BULLY)" in text and "CASE-000007" in text and "\n" not in text


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("Hello {{ reporter_email }}, thanks for the report", "unknown variable(s) reporter_email"),
        ("Hello {{ case_key, thanks for the report", "template syntax error"),
    ],
)
def test_a_bad_template_names_the_file_line_and_problem(
    tmp_path: Path, body: str, problem: str
) -> None:
    (tmp_path / "replies.yaml").write_text(
        "version: 1\ntemplates:\n  - id: t1\n    title: T\n    for: notify_reporter\n"
        f"    body: {body!r}\n"
    )
    with pytest.raises(ConfigError) as err:
        load_replies(tmp_path)
    assert "replies.yaml:6: templates.0.body" in str(err.value) and problem in str(err.value)


def test_a_template_for_an_unknown_action_is_refused(tmp_path: Path) -> None:
    (tmp_path / "replies.yaml").write_text(
        "version: 1\ntemplates:\n  - id: t1\n    title: T\n    for: shout\n    body: 'Hello there, {{ case_key }}'\n"
    )
    with pytest.raises(ConfigError, match=r"replies.yaml:5: templates.0.for"):
        load_replies(tmp_path)
