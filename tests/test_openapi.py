"""The OpenAPI description is complete, and fuzzing every endpoint from it finds no server error."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, status_code_conformance

from tests.conftest import Person
from tests.factories import report
from watchfloor.app import create_app
from watchfloor.runtime import Runtime

# Routes any signed-in caller may use (about themselves), or that sign in: no 403.
SELF_SERVICE = {
    "/api/v1/auth/token",
    "/api/v1/auth/me",
    "/api/v1/auth/tokens",
    "/api/v1/auth/tokens/{prefix}",
}


def test_every_endpoint_documents_its_errors(runtime: Runtime) -> None:
    schema = create_app(runtime).openapi()
    for path, ops in schema["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, op in ops.items():
            documented = set(op["responses"])
            needs = {"422"} if path == "/api/v1/auth/token" else {"401"}
            if path not in SELF_SERVICE:
                needs.add("403")
            assert needs <= documented, f"{method.upper()} {path} documents {sorted(documented)}"
            assert op.get("summary") or op.get("description"), f"{method.upper()} {path}"


@pytest.fixture
def fuzz_app(
    runtime: Runtime, make_user: Callable[..., Person]
) -> Iterator[tuple[object, dict[str, str]]]:
    app = create_app(runtime)
    admin = make_user("admin")
    with TestClient(app) as client:
        batch = [report(i, subject={"kind": "account", "id": f"f{i % 3}"}) for i in range(6)]
        client.post("/api/v1/reports/batch", json={"reports": batch}, headers=admin.headers)
    yield app, admin.headers


def test_fuzzing_the_api_finds_no_server_error(fuzz_app: tuple[object, dict[str, str]]) -> None:
    app, headers = fuzz_app
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if not operation.path.startswith("/api/"):
            continue

        @settings(
            max_examples=25,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case: schemathesis.Case) -> None:
            response = case.call(headers=headers)
            case.validate_response(response, checks=[not_a_server_error, status_code_conformance])

        try:
            run()
        except Exception as exc:
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}"[:2000])
    assert not failures, "\n\n".join(failures)
