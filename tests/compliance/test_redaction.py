"""PII redaction of exports (pure): what it removes, what it leaves, and, for any e-mail
address, phone number or IP address hypothesis makes up, that it never survives."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from watchfloor.compliance.retention.redact import redact, redact_text, unless_allowed

# Words around the identifier: anything a report might say, without the characters an
# identifier is made of right next to it (a space separates them, as in prose).
prose = st.text(alphabet=st.characters(codec="ascii", categories=["L", "Zs", "P"]), max_size=40)


@st.composite
def phones(draw: st.DrawFn) -> str:
    """Phone numbers as people write them: E.164, national with brackets, grouped."""
    digits = draw(st.text(alphabet="0123456789", min_size=9, max_size=15))
    style = draw(st.sampled_from(["e164", "spaced", "dashed", "dotted", "brackets", "00"]))
    if style == "e164":
        return "+" + digits
    if style == "00":
        return "00" + digits[:13]
    if style == "brackets":
        d = digits[:10].ljust(10, "5")
        return f"({d[:3]}) {d[3:6]}-{d[6:]}"
    sep = {"spaced": " ", "dashed": "-", "dotted": "."}[style]
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return ("+" if draw(st.booleans()) else "") + sep.join(groups)


@given(before=prose, email=st.emails(), after=prose)
def test_an_email_address_never_survives(before: str, email: str, after: str) -> None:
    out = redact_text(f"{before} {email} {after}")
    assert email not in out
    assert "[email]" in out


@given(before=prose, phone=phones(), after=prose)
def test_a_phone_number_never_survives(before: str, phone: str, after: str) -> None:
    out = redact_text(f"{before} {phone} {after}")
    assert phone not in out
    # Twelve digits in dotted threes read as an IPv4 address: gone either way.
    assert "[phone]" in out or ("[ip]" in out and phone.count(".") == 3)


@settings(max_examples=300)
@given(before=prose, ip=st.ip_addresses(), after=prose)
def test_an_ip_address_never_survives(
    before: str, ip: ipaddress.IPv4Address | ipaddress.IPv6Address, after: str
) -> None:
    text = str(ip)
    out = redact_text(f"{before} {text}, {after}")
    assert text not in out
    assert "[ip]" in out


def test_handles_account_ids_and_cued_names_go_and_ordinary_words_stay() -> None:
    text = (
        "Dr. Ana Lopez says @scam_king (acct-88213, user_42) wrote to her; my name is Jo Bloggs. "
        "Seen on 2026-12-07 10:30 at 10:00:00, 12 times, in the United States, version 3.1."
    )
    out = redact_text(text)
    for gone in ("Ana Lopez", "scam_king", "88213", "user_42", "Jo Bloggs"):
        assert gone not in out, gone
    assert out.startswith("Dr. [name] says [handle] ([account id], [account id]) wrote to her")
    assert "my name is [name]." in out
    # Dates, times, small counts and places are not personal data and are kept.
    assert "2026-12-07 10:30 at 10:00:00, 12 times, in the United States, version 3.1." in out


def test_what_it_does_not_catch_is_what_its_documentation_says() -> None:
    # A name with no title or phrase before it cannot be told from a capitalised word.
    assert redact_text("John wrote to Mary") == "John wrote to Mary"


@dataclass(frozen=True)
class Row:
    source: str
    counts: dict[str, int]
    shared: tuple[tuple[str, int], ...]
    at: int


def test_structures_are_redacted_through_and_counts_under_one_label_add_up() -> None:
    row = Row(
        source="mail from ops@example.org",
        counts={"a@example.org": 2, "b@example.org": 3, "in_app": 4},
        shared=(("+44 20 7946 0958", 5),),
        at=1_700_000_000,
    )
    out = redact(row)
    assert out == Row(
        source="mail from [email]",
        counts={"[email]": 5, "in_app": 4},
        shared=(("[phone]", 5),),
        at=1_700_000_000,
    )
    assert row.source == "mail from ops@example.org"  # the original is not changed


def test_only_a_role_with_pii_read_gets_personal_data() -> None:
    text = "ops@example.org"
    assert unless_allowed(text, role="legal") == text
    assert unless_allowed(text, role="admin") == text
    for role in ("viewer", "analyst", "lead", "qa"):
        assert unless_allowed(text, role=role) == "[email]"
