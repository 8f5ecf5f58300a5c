"""Reading a request form mail, with no database: the form's lines wherever they are in the
body (the first of a repeated field wins, so a quoted older mail cannot override it), country
codes and their EU/UK aliases, request type aliases, dates on the safe side, attachments as
name, size and sha256, and a Message-ID made from the bytes when a mail has none."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest

from watchfloor.compliance.clocks.vocabulary import REQUEST_TYPES
from watchfloor.compliance.requests import form
from watchfloor.compliance.requests.schemas import RequestIn


def test_the_form_lines_are_read_wherever_they_are_and_the_first_counts() -> None:
    body = (
        "Hello,\n\nrequest-type:  us_warrant \nAUTHORITY: Police of Lyon\nCountry: fr\n"
        "Legal-Basis: Art. 60-1 CPP\nSubject-Account: acct-5\nUnknown-Field: ignored\n\n"
        "> Request-Type: us_subpoena\n> Authority: someone quoted\n"
    )
    fields = form.form_fields(body)
    assert fields == {
        "request_type": "us_warrant",
        "authority": "Police of Lyon",
        "country": "fr",
        "legal_basis": "Art. 60-1 CPP",
        "subject_account": "acct-5",
    }


@pytest.mark.parametrize(
    ("given", "code"), [("de", "DE"), (" EL ", "GR"), ("UK", "GB"), ("us", "US")]
)
def test_country_codes_and_their_aliases(given: str, code: str) -> None:
    assert form.country_code(given) == code


@pytest.mark.parametrize("given", ["XX", "Germany", "EU", ""])
def test_unknown_countries_are_refused_with_how_to_fix(given: str) -> None:
    with pytest.raises(ValueError, match="ISO 3166-1 alpha-2"):
        form.country_code(given)


@pytest.mark.parametrize(
    ("given", "name"),
    [
        ("subpoena", "us_subpoena"),
        ("Search  Warrant", "us_warrant"),
        ("2703(f)", "us_preservation"),
        ("GDPR access", "gdpr_access"),
        ("eu_epoc_pr", "eu_epoc_pr"),
        ("dsa article 10", "dsa_10_order"),
    ],
)
def test_request_types_and_aliases(given: str, name: str) -> None:
    assert form.request_type_of(given, REQUEST_TYPES) == name


def test_an_unknown_request_type_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="known: dsa_notice, gdpr_access"):
        form.request_type_of("letter rogatory", REQUEST_TYPES)


def test_a_date_is_its_first_instant_and_a_time_needs_its_offset() -> None:
    assert form.when("2026-12-20", "Response-Due") == datetime(2026, 12, 20, tzinfo=UTC)
    assert form.when("2026-12-20T17:00:00-05:00", "x") == datetime(2026, 12, 20, 22, tzinfo=UTC)
    with pytest.raises(ValueError, match="no UTC offset"):
        form.when("2026-12-20T17:00:00", "Response-Due")
    with pytest.raises(ValueError, match="not a date"):
        form.when("next Friday", "Response-Due")


def test_a_mail_gives_its_id_sender_attachments_and_a_request_body() -> None:
    m = EmailMessage()
    m["From"] = "Officer <o@police.example>"
    m["Subject"] = "Request"
    m.set_content(
        "Request-Type: subpoena\nAuthority: Police\nLegal-Basis: X\n"
        "Scope-Accounts: a-1, a-2\nResponse-Due: 2026-10-01\nScope-From: 2026-01-01\n"
    )
    m.add_attachment(b"scan", maintype="image", subtype="png", filename="order.png")
    raw = bytes(m)
    mail = form.read_mail(raw)
    # No Message-ID: one made from the bytes, the same each time the mail is read.
    assert mail.message_id == f"<sha256-{hashlib.sha256(raw).hexdigest()}@watchfloor>"
    assert mail.sender == "o@police.example"
    assert mail.attachments == [
        form.Attachment("order.png", 4, hashlib.sha256(b"scan").hexdigest())
    ]
    body = RequestIn.model_validate(form.request_body(mail))
    assert body.request_type == "us_subpoena"
    assert body.subject.id == "a-1" and body.scope.accounts == ["a-1", "a-2"]
    assert body.requester.email == "o@police.example"
    assert body.response_due_at == datetime(2026, 10, 1, tzinfo=UTC)


def test_form_errors_name_the_mail_field() -> None:
    assert form.mail_field(("requester", "country")) == "Country"
    assert form.mail_field(("scope", "date_from")) == "Scope-From"
    assert form.mail_field(("subject", "id")) == "Subject-Account"
    assert form.mail_field(("response_due_at",)) == "Response-Due"
