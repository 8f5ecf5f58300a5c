"""The language of a report: detected from its text, recorded beside the one the reporter gave,
and read by the rules' ``languages`` condition when the reporter gave none."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Person
from tests.factories import report
from watchfloor.app import create_app
from watchfloor.db import session_scope
from watchfloor.intake import backlog, triage_inputs
from watchfloor.intake.schemas import ReportIn
from watchfloor.runtime import Runtime
from watchfloor.triage.classifiers.language import (
    DetectedLanguage,
    detect_language,
    triage_language,
)
from watchfloor.triage.rules.engine import Rules, RuleSet

# Reports as people send them, written for these tests.
SENTENCES = [
    ("en", "Someone is pretending to be my bank and asking for my card number"),
    ("fr", "Quelqu'un se fait passer pour ma banque et demande mon numéro de carte"),
    ("de", "Jemand gibt sich als meine Bank aus und will meine Kartennummer"),
    ("es", "Alguien se hace pasar por mi banco y me pide el número de la tarjeta"),
    ("it", "Qualcuno finge di essere la mia banca e mi chiede il numero della carta"),
    ("pt", "Alguém está fingindo ser meu banco e pedindo o número do meu cartão"),
    ("nl", "Iemand doet alsof hij mijn bank is en vraagt om mijn kaartnummer"),
    ("pl", "Ktoś podaje się za mój bank i prosi o numer karty"),
    ("ar", "شخص ما ينتحل صفة البنك ويطلب رقم بطاقتي"),
    ("hi", "कोई मेरा बैंक बनकर मेरे कार्ड का नंबर माँग रहा है"),
    ("hi", "koi mera bank bankar mere card ka number maang raha hai"),
    ("zh", "有人冒充我的银行，要我的卡号"),  # noqa: RUF001 - Chinese is written with this comma
    ("ru", "Кто-то выдаёт себя за мой банк и просит номер карты"),
    ("ja", "誰かが私の銀行になりすましてカード番号を聞いてくる"),
    ("tr", "Birisi bankam gibi davranip kart numarami istiyor"),
]


@pytest.mark.parametrize(("language", "text"), SENTENCES)
def test_a_short_report_is_recognised_in_its_language(language: str, text: str) -> None:
    found = detect_language(text)
    assert found is not None and found.code == language, found
    assert found.trusted


@pytest.mark.parametrize(
    ("language", "text"),
    [
        # Words Hindi written in Latin letters shares with other languages must not make these
        # Hindi: Italian "ho"/"hai", German "wo"/"mein", English "main"/"to"/"me".
        ("it", "Ho visto che hai scritto a mia figlia di nuovo"),
        ("de", "Wo wohnst du? Mein Bruder hat mir gedroht"),
        ("en", "I'm in the main hall, he keeps coming to me"),
    ],
)
def test_languages_that_share_words_with_romanised_hindi_stay_themselves(
    language: str, text: str
) -> None:
    found = detect_language(text)
    assert found is not None and found.code == language, found


def test_links_handles_and_numbers_are_not_words_of_any_language() -> None:
    assert detect_language("https://bit.ly/3xYzQ 0612345678 @scammer99 #win") is None
    link_heavy = detect_language("cette arnaque https://example.com/login?user=abc123 encore!!")
    assert link_heavy is not None and link_heavy.code == "fr"


def test_the_given_language_wins_and_an_unsure_detection_is_not_acted_on() -> None:
    sure = DetectedLanguage("es", 0.97)
    unsure = DetectedLanguage("es", 0.3)
    assert triage_language("en", sure) == "en"
    assert triage_language(None, sure) == "es"
    assert triage_language(None, unsure) is None
    assert triage_language(None, None) is None


def _spanish_rule() -> Rules:
    return Rules(
        RuleSet.model_validate(
            {
                "version": 1,
                "rules": [
                    {
                        "id": "card-number-es",
                        "label": "card number asked for, in Spanish",
                        "harm_area": "fraud_scams",
                        "priority": "P2",
                        "phrases": ["número de la tarjeta"],
                        "when": {"languages": ["es"]},
                    }
                ],
            }
        )
    )


def test_a_rule_for_a_language_reads_the_detected_one_when_none_was_given(
    runtime: Runtime,
) -> None:
    text = "Alguien se hace pasar por mi banco y me pide el número de la tarjeta"
    rules = _spanish_rule()
    unsaid = ReportIn.model_validate(report(1, text=text, language=None))
    said_english = ReportIn.model_validate(report(2, text=text, language="en"))
    with session_scope(runtime.sessions) as session:
        prepared = triage_inputs.prepare(
            session, reports=[unsaid, said_english], prior_violations=[0, 0]
        )
    assert [p.detected.code if p.detected else None for p in prepared] == ["es", "es"]
    assert [p.item.language for p in prepared] == ["es", "en"]
    assert [h.rule.id for h in rules.hits(prepared[0].item)] == ["card-number-es"]
    assert rules.hits(prepared[1].item) == []  # the reporter said English: the rule stays off


@pytest.fixture
def intake(make_user: Callable[..., Person]) -> Person:
    return make_user("intake")


MIXED = [
    ("fr", "Ce compte m'envoie des messages menaçants toutes les nuits depuis une semaine"),
    ("de", "Dieser Nutzer beleidigt mich jeden Tag in den Kommentaren unter meinen Fotos"),
    ("pl", "Ten użytkownik sprzedaje podróbki i nie odpowiada na wiadomości od klientów"),
    ("ar", "هذا الحساب ينشر صوري الخاصة بدون إذني ويهددني بنشر المزيد"),
    ("zh", "这个人一直在评论区骂我，还说知道我住在哪里"),  # noqa: RUF001
    ("hi", "ye banda mujhe roz gaali deta hai aur dhamki bhi deta hai"),
]


def test_each_report_records_the_language_given_and_the_one_detected(
    client: TestClient, intake: Person, make_user: Callable[..., Person]
) -> None:
    bodies = [report(n, text=text, language=None) for n, (_, text) in enumerate(MIXED, start=1)]
    # Said to be English by the app it came from, written in Spanish: both are kept.
    bodies.append(
        report(9, text="Me está pidiendo fotos y dice que tiene trece años", language="en")
    )
    r = client.post("/api/v1/reports/batch", json={"reports": bodies}, headers=intake.headers)
    assert r.status_code in (200, 201), r.text
    results = r.json()["results"]
    wanted = [lang for lang, _ in MIXED] + ["es"]
    assert [x["detected_language"] for x in results] == wanted
    assert all(0.5 <= x["language_confidence"] <= 1 for x in results)

    analyst = make_user("analyst")
    shown = [
        client.get(f"/api/v1/reports/{x['report_id']}", headers=analyst.headers).json()
        for x in results
    ]
    assert [s["language"] for s in shown] == [None] * len(MIXED) + ["en"]
    assert [s["detected_language"] for s in shown] == wanted
    assert [s["language_confidence"] for s in shown] == [x["language_confidence"] for x in results]
    # The case shows each of its reports' languages too, where analysts read them.
    case = client.get(f"/api/v1/cases/{results[-1]['case']}", headers=analyst.headers).json()
    [last] = [x for x in case["reports"] if x["id"] == results[-1]["report_id"]]
    assert (last["language"], last["detected_language"]) == ("en", "es")

    again = client.post("/api/v1/reports", json=bodies[0], headers=intake.headers)
    assert again.status_code == 200
    assert again.json()["detected_language"] == "fr"  # a repeat answers with what was stored


def test_reports_triaged_later_by_the_worker_record_their_language_too(
    client: TestClient, intake: Person, runtime: Runtime
) -> None:
    bodies = [report(n, text=text, language=None) for n, (_, text) in enumerate(MIXED, start=20)]
    r = client.post(
        "/api/v1/reports/batch",
        json={"reports": bodies},
        headers={**intake.headers, "Prefer": "respond-async"},
    )
    assert r.status_code == 202, r.text
    triaged = backlog.triage_waiting(
        runtime.sessions, runtime.clock, config=runtime.config, link_window=timedelta(hours=72)
    )
    assert triaged == len(bodies)
    answers = [client.post("/api/v1/reports", json=b, headers=intake.headers) for b in bodies]
    assert all(a.status_code == 200 for a in answers)
    assert [a.json()["detected_language"] for a in answers] == [lang for lang, _ in MIXED]


def test_a_report_with_no_words_has_no_detected_language(
    client: TestClient, intake: Person
) -> None:
    body = report(40, text="https://bit.ly/3kdLq9 +44 7700 900123", language=None)
    r = client.post("/api/v1/reports", json=body, headers=intake.headers)
    assert r.status_code == 201, r.text
    assert r.json()["detected_language"] is None and r.json()["language_confidence"] is None


def test_the_openapi_document_describes_both_languages(runtime: Runtime) -> None:
    schemas = create_app(runtime).openapi()["components"]["schemas"]
    for name in ("ReportOut", "IngestResult", "CaseReportOut"):
        props = schemas[name]["properties"]
        assert "ISO 639-1" in props["detected_language"]["description"]
        assert "0-1" in props["language_confidence"]["description"]
    assert "reporter gave" in schemas["ReportOut"]["properties"]["language"]["description"]
