"""Request bodies for tests."""

from __future__ import annotations


def report(n: int = 1, **overrides: object) -> dict[str, object]:
    """A valid report body; ``overrides`` replace top-level fields."""
    body: dict[str, object] = {
        "source": "in_app",
        "external_id": f"r-{n}",
        "text": "This account keeps posting spam links to a fake giveaway.",
        "reporter": {"kind": "user", "id": f"u-{n}"},
        "subject": {"kind": "account", "id": f"acct-{n}"},
        "region": "EU",
        "language": "en",
    }
    body.update(overrides)
    return body
