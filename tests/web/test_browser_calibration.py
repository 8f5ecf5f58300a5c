"""Calibration in a real headless Chromium, on the demo day: lena (lead) sets an exercise over
four decided cases for sam and priya, with a mistake first that the form names next to its
field; each answers blind (no decision, nobody else's answer, no report before it closes); sam
answers as the cases were decided, priya differs on two; lena closes it and the report puts the
divergent cases first. axe-core finds no WCAG 2.2 AA violation on the list, the exercise and the
report at 1280 px nor at 390 px, where none of them scrolls sideways."""

from __future__ import annotations

import re

import pytest

from tests.web.browser import axe_violations, shot
from tests.web.test_browser_qa import sign_in
from watchfloor.auth import service as auth
from watchfloor.cases import decided
from watchfloor.db import session_scope
from watchfloor.quality import calibration
from watchfloor.runtime import Runtime

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")
CASES = 4


def picked(runtime: Runtime) -> list[tuple[str, str, bool]]:
    """Four decided cases of the demo day (key, policy, violation), of two policies if it has
    them; and for each a policy other than its decision's."""
    with session_scope(runtime.sessions) as session:
        latest: dict[str, decided.Decided] = {}
        for d in decided.after(session, after_id=0, limit=2000):
            if not d.golden:
                latest[d.case_key] = d
    by_policy: dict[str, list[decided.Decided]] = {}
    for d in latest.values():
        by_policy.setdefault(d.policy_id, []).append(d)
    groups = sorted(by_policy.values(), key=len, reverse=True)
    chosen = [*groups[0][:2], *(groups[1] if len(groups) > 1 else groups[0][2:])[:2]]
    assert len(chosen) == CASES
    return [(d.case_key, d.policy_id, d.violation) for d in chosen]


def other_policy(runtime: Runtime, policy_id: str) -> str:
    return next(
        p.id for a in runtime.config.taxonomy.harm_areas for p in a.policies if p.id != policy_id
    )


def answer_all(p: object, cid: int, answers: dict[str, tuple[str, bool]]) -> None:
    """Answer each case of exercise ``cid`` on its page as ``answers`` says (key → verdict)."""
    expect = playwright_api.expect
    p.goto(f"/qa/calibrations/{cid}")  # type: ignore[attr-defined]
    for key, (policy, violation) in answers.items():
        item = p.locator("article", has=p.get_by_role("heading", name=re.compile(key)))  # type: ignore[attr-defined]
        item.get_by_label(re.compile("^Policy")).select_option(policy)
        item.get_by_label("Yes, it violates" if violation else "No violation").check()
        item.get_by_label(re.compile("^Rationale")).fill(f"How I read {key}.")
        item.get_by_role("button", name=re.compile("^Save your answer")).click()
        item = p.locator("article", has=p.get_by_role("heading", name=re.compile(key)))  # type: ignore[attr-defined]
        expect(item.get_by_role("status")).to_have_text(f"Your answer to {key} is saved.")
        expect(item.get_by_role("button", name=re.compile("^Change your answer"))).to_be_visible()


def test_a_lead_sets_an_exercise_two_answer_blind_and_the_report_shows_divergence(
    page: object, runtime: Runtime, request: pytest.FixtureRequest
) -> None:
    expect = playwright_api.expect
    p = page  # type: ignore[assignment]
    cases = picked(runtime)
    keys = [key for key, _, _ in cases]

    sign_in(p, "lena", "/qa/calibrations")
    expect(p.get_by_role("heading", level=1)).to_have_text("Calibration")
    expect(p.get_by_role("link", name="Calibration", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    p.get_by_label("Title").fill("Demo day: where do we differ?")
    p.get_by_label("Participants").fill("sam, priya")
    p.get_by_label("Past cases").fill("\n".join([*keys, "CASE-999999"]))
    p.get_by_role("button", name="Set the exercise").click()
    # Refused, with the reason next to the field and the form kept.
    cases_field = p.get_by_label("Past cases")
    expect(cases_field).to_have_attribute("aria-invalid", "true")
    expect(p.locator("#cal-cases-error")).to_contain_text("CASE-999999")
    expect(p.get_by_label("Participants")).to_have_value("sam, priya")
    assert axe_violations(p) == []
    cases_field.fill(", ".join(keys))
    p.get_by_role("button", name="Set the exercise").click()
    p.wait_for_url(re.compile(r"/qa/calibrations/\d+\?created=1$"))
    cid = int(p.url.split("/")[-1].split("?")[0])
    key = f"CAL-{cid}"
    expect(p.get_by_role("status")).to_contain_text(f"{key} is set")
    progress = p.get_by_role("region", name="Answers per participant")
    expect(progress.get_by_role("row", name=re.compile("^sam"))).to_contain_text("0 of 4")
    assert axe_violations(p) == []
    shot(p, "calibration-lead", request)

    # sam answers blind, as the cases were decided.
    p.context.clear_cookies()
    sign_in(p, "sam", "/qa/calibrations")
    expect(p.get_by_role("row", name=re.compile(key))).to_contain_text("4 to answer")
    p.get_by_role("link", name=key, exact=True).click()
    main = p.locator("main")
    expect(main.get_by_role("heading", name=re.compile("^Your cases"))).to_contain_text("0 of 4")
    text = main.inner_text()
    assert "as decided" not in text and "Decision" not in text
    assert main.get_by_role("button", name=re.compile(f"^Close {key}")).count() == 0
    assert axe_violations(p) == []
    shot(p, "calibration-answer", request)
    answer_all(p, cid, {k: (policy, violation) for k, policy, violation in cases})
    expect(main.get_by_role("heading", name=re.compile("^Your cases"))).to_contain_text("4 of 4")
    p.goto(f"/qa/calibrations/{cid}/report")
    expect(p.locator("main")).to_contain_text("once the exercise is closed")  # not yet

    # priya differs on the first two cases.
    p.context.clear_cookies()
    sign_in(p, "priya", f"/qa/calibrations/{cid}")
    assert "How I read" not in p.locator("main").inner_text()  # sam's rationale stays his
    answer_all(
        p,
        cid,
        {
            k: ((other_policy(runtime, policy), violation) if n < 2 else (policy, violation))
            for n, (k, policy, violation) in enumerate(cases)
        },
    )

    # lena closes it; the report puts the two split cases first.
    p.context.clear_cookies()
    sign_in(p, "lena", f"/qa/calibrations/{cid}")
    expect(progress.get_by_role("row", name=re.compile("^priya"))).to_contain_text("4 of 4")
    p.get_by_role("button", name=f"Close {key}").click()
    p.wait_for_url(f"**/qa/calibrations/{cid}/report?closed=1")
    expect(p.get_by_role("status")).to_contain_text(f"{key} is closed")
    expect(p.locator("main")).to_contain_text("8 of 8")
    by_case = p.get_by_role("region", name="By case, widest spread first")
    rows = by_case.locator("tbody tr")
    expect(rows).to_have_count(CASES)
    for n in range(2):
        expect(rows.nth(n)).to_contain_text("divergent")
        expect(rows.nth(n).get_by_role("rowheader")).to_have_text(re.compile("|".join(keys[:2])))
    for n in (2, 3):
        expect(rows.nth(n)).to_contain_text("unanimous, as decided")
    by_policy = p.get_by_role("region", name="By policy, least agreement first")
    expect(by_policy.locator("tbody tr").first).to_contain_text("too few to say")
    assert axe_violations(p) == []
    shot(p, "calibration-report", request)

    # Now closed, a participant reads the report too.
    p.context.clear_cookies()
    sign_in(p, "sam", f"/qa/calibrations/{cid}")
    p.get_by_role("link", name="Read its report").click()
    expect(p.get_by_role("heading", level=1)).to_contain_text(f"{key} report")


def seeded(runtime: Runtime) -> tuple[int, int]:
    """Two exercises for sam and priya over the picked cases: one open, one answered and closed."""
    cases = picked(runtime)
    with session_scope(runtime.sessions) as session:
        lena = auth.get_active(session, username="lena")
        assert lena is not None
        made = [
            calibration.create(
                session,
                runtime.clock,
                title=title,
                case_keys=[k for k, _, _ in cases],
                participants=["sam", "priya"],
                by=lena,
            ).id
            for title in ("Still open", "Answered and closed")
        ]
        for who in ("sam", "priya"):
            person = auth.get_active(session, username=who)
            assert person is not None
            for n, item in enumerate(calibration.items(session, calibration_id=made[1])):
                differ = who == "priya" and n < 2
                calibration.answer(
                    session,
                    runtime.clock,
                    runtime.config.taxonomy,
                    calibration_id=made[1],
                    item_id=item.id,
                    by=person,
                    policy_id=other_policy(runtime, item.policy_id) if differ else item.policy_id,
                    violation=item.violation,
                    rationale="As I read it.",
                )
        calibration.close(session, runtime.clock, calibration_id=made[1], by=lena)
    return made[0], made[1]


def test_calibration_pages_read_on_a_phone_without_sideways_scrolling(
    phone: object, runtime: Runtime, request: pytest.FixtureRequest
) -> None:
    expect = playwright_api.expect
    p = phone  # type: ignore[assignment]
    open_id, closed_id = seeded(runtime)
    visits = [
        ("lena", "/qa/calibrations", "list"),
        ("lena", f"/qa/calibrations/{open_id}", "progress"),
        ("lena", f"/qa/calibrations/{closed_id}/report", "report"),
        ("sam", f"/qa/calibrations/{open_id}", "answer"),
    ]
    signed_in = ""
    for who, where, name in visits:
        if who != signed_in:
            p.context.clear_cookies()
            sign_in(p, who, where)
            signed_in = who
        else:
            p.goto(where)
        expect(p.locator("h1")).to_be_visible()
        assert axe_violations(p) == [], where
        assert p.evaluate("document.documentElement.scrollWidth") <= 390, where
        shot(p, f"phone-calibration-{name}", request)
