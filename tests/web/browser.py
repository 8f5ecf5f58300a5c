"""What the console's browser tests share: where Chromium is, axe-core's WCAG check and
screenshots. The fixtures (``live``, ``page``, ``phone``) are in tests/web/conftest.py."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import IN_CI

CHROMIUM = Path(os.environ.get("WATCHFLOOR_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


def need_chromium() -> None:
    if CHROMIUM.exists():
        return
    if IN_CI:
        pytest.fail(
            f"Chromium is required in CI and is missing at {CHROMIUM}; `make test` installs it"
        )
    pytest.skip(f"no Chromium at {CHROMIUM} (install Debian's chromium, or run `make test`)")


def axe_violations(page: object) -> list[str]:
    """WCAG 2.x A/AA violations axe-core finds on the page (its rule ids and where)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]}
        },
    )
    return [
        f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]


def shot(page: object, name: str, request: pytest.FixtureRequest) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    suffix = request.node.callspec.id if hasattr(request.node, "callspec") else "run"
    path = ARTIFACTS / f"{name}-{suffix}.png"
    page.screenshot(path=str(path), full_page=False)  # type: ignore[attr-defined]
    shutil.copy(path, ARTIFACTS / f"{name}.png")
