"""Signing in to the console from tests, as a browser would (form, cookie, CSRF token)."""

from __future__ import annotations

import base64
import io
import re

from fastapi.testclient import TestClient
from PIL import Image

PASSWORD = "correct horse battery staple"


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign in; the client keeps the session cookie. Returns the session's CSRF token."""
    form = client.get("/login")
    answer = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return csrf_of(client.get("/floor" if "wf_session" in client.cookies else "/login").text)


def red_png() -> str:
    """A 64x64 bright red PNG, base64: colourful, so a greyscale preview is easy to tell."""
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (230, 10, 10)).save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode()


def report_with_evidence(n: int = 1) -> dict[str, object]:
    return {
        "source": "in_app",
        "external_id": f"console-{n}",
        "text": "He posted a video of the attack and says he will kill more people tomorrow.",
        "reporter": {"kind": "user", "id": f"u-{n}"},
        "subject": {
            "kind": "account",
            "id": f"acct-{n}",
            "display_name": f"Account {n}",
            "identifiers": [{"kind": "email", "value": f"owner{n}@example.org"}],
        },
        "region": "EU",
        "language": "en",
        "evidence": [
            {
                "kind": "file",
                "content_base64": red_png(),
                "filename": "still.png",
                "media_type": "image/png",
                "sensitivity": "graphic",
            },
            {"kind": "text", "text": "graphic description of injuries", "sensitivity": "graphic"},
            {"kind": "text", "text": "an ordinary caption", "sensitivity": "none"},
        ],
    }
