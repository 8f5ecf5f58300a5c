"""The OpenAPI description is complete, and fuzzing every endpoint from it finds no server error."""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

import watchfloor
from tests.conftest import Person
from tests.factories import report
from watchfloor.app import create_app
from watchfloor.http_errors import ErrorOut
from watchfloor.runtime import Runtime

# Routes any signed-in caller may use (about themselves), or that sign in: no 403.
SELF_SERVICE = {
    "/api/v1/auth/token",
    "/api/v1/auth/me",
    "/api/v1/auth/tokens",
    "/api/v1/auth/tokens/{prefix}",
}


ERROR_OUT = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}


def test_every_endpoint_documents_its_errors(runtime: Runtime) -> None:
    schema = create_app(runtime).openapi()
    for path, ops in schema["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, op in ops.items():
            documented = set(op["responses"])
            needs = {"422"} if path == "/api/v1/auth/token" else {"401", "422"}
            if path not in SELF_SERVICE:
                needs.add("403")
            if "requestBody" in op:
                needs.add("413")
            assert needs <= documented, f"{method.upper()} {path} documents {sorted(documented)}"
            assert op.get("summary") or op.get("description"), f"{method.upper()} {path}"
            # Every error is answered as ErrorOut in JSON, HTML routes' errors included.
            for status in documented & {"401", "403", "404", "409", "413", "422", "429"}:
                content = op["responses"][status].get("content")
                assert content == ERROR_OUT, f"{method.upper()} {path} {status}: {content}"
    # FastAPI's own validation error shape is never what the API answers.
    assert "HTTPValidationError" not in schema["components"]["schemas"]


def _operations(app: FastAPI) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, ops in app.openapi()["paths"].items():
        for method, op in ops.items():
            yield method, path, op


def _filled(path: str, op: dict[str, Any], value: str | None = None) -> str:
    """``path`` with each path parameter given ``value``, or a well-formed value of its type."""
    for param in op.get("parameters", []):
        if param["in"] == "path":
            good = {"key": "CASE-000001"}.get(param["name"], "x1")
            good = "1" if "integer" in str(param["schema"]) else good
            path = path.replace("{" + param["name"] + "}", good if value is None else value)
    return path


def test_an_unreadable_body_is_422_on_every_route(
    runtime: Runtime, make_user: Callable[..., Person]
) -> None:
    """Invalid UTF-8 (and JSON nested past what the parser reads) gets the same documented
    answer on JSON routes, the intake routes (OnePassRoute), the CSV route and console forms.
    Before, JSON routes answered an undocumented 400 and forms stored the bytes as Latin-1."""
    app = create_app(runtime)
    headers = make_user("admin").headers
    sent: list[str] = []
    with TestClient(app, raise_server_exceptions=False) as client:
        for method, path, op in _operations(app):
            for media_type in op.get("requestBody", {}).get("content", {}):
                body = b'{"a": "caf\xe9"}' if "json" in media_type else b"sha256,caf\xe9\n"
                r = client.request(
                    method,
                    _filled(path, op),
                    content=body,
                    headers={**headers, "content-type": media_type},
                )
                assert r.status_code == 422, f"{method} {path} {media_type}: {r.text}"
                assert r.json()["errors"][0]["loc"] == ["body"], f"{method} {path}: {r.text}"
                sent.append(f"{method} {path}")
        deep = b"[" * 100_000 + b"]" * 100_000
        r = client.post("/api/v1/users", content=deep, headers={**headers, **JSON})
        assert r.status_code == 422 and r.json()["errors"] == [
            {"loc": ["body"], "msg": "nested too deeply to be read"}
        ]
        forms = [
            re.sub(r"\{\w+_id\}", "1", route.path.replace("{key}", "CASE-000001"))
            for route in _console_routes()
            if "POST" in route.methods
        ]
        assert "/login" in forms and "/cases/CASE-000001/decision" in forms
        multipart = (
            b'--b\r\nContent-Disposition: form-data; name="note"\r\n\r\ncaf\xe9\r\n--b--\r\n'
        )
        for path in forms:
            for media_type, body in [
                ("application/x-www-form-urlencoded", b"note=caf\xe9"),
                ("multipart/form-data; boundary=b", multipart),
            ]:
                r = client.post(path, content=body, headers={"content-type": media_type})
                assert r.status_code == 422, f"{path} {media_type}: {r.status_code}"
                [error] = r.json()["errors"]
                assert error["loc"] == ["body"] and error["msg"].startswith(_NOT_UTF8), path
        # A multipart body Starlette cannot parse (no boundary): the sign-in form reads it
        # before anything else, and answers the console's error page, also with 422.
        broken = {"content-type": "multipart/form-data"}
        assert client.post("/login", content=b"x", headers=broken).status_code == 422
    assert "post /api/v1/reports/batch" in sent and "post /api/v1/hash-lists/{name}/entries" in sent


def _console_routes() -> Iterator[APIRoute]:
    """The routes of every console page module (those the OpenAPI document leaves out)."""
    for module in pkgutil.walk_packages(watchfloor.__path__, "watchfloor."):
        if module.name.endswith("pages"):
            router = getattr(importlib.import_module(module.name), "router", None)
            if isinstance(router, APIRouter):
                yield from (r for r in router.routes if isinstance(r, APIRoute))


_NOT_UTF8 = "not valid UTF-8 text (byte "
JSON = {"content-type": "application/json"}


def test_true_and_false_are_not_numbers(
    client: TestClient, make_user: Callable[..., Person]
) -> None:
    admin = make_user("admin")
    analyst = make_user("analyst")
    profile = f"/api/v1/users/{analyst.username}/profile"
    for field in ("max_open_cases", "graphic_daily_budget"):
        for value in (True, False):
            r = client.put(profile, json={field: value}, headers=admin.headers)
            assert r.status_code == 422, f"{field}={value}: {r.text}"
            assert r.json()["errors"][0]["loc"] == ["body", field]
    assert client.put(profile, json={"max_open_cases": 5}, headers=admin.headers).status_code == 200
    # Every number in a query or path: a boolean is refused and named.
    app = client.app
    assert isinstance(app, FastAPI)
    checked = 0
    for method, path, op in _operations(app):
        for param in op.get("parameters", []):
            if param["in"] not in {"query", "path"} or not re.search(
                r'"(integer|number)"', str(param["schema"]).replace("'", '"')
            ):
                continue
            query = {param["name"]: "false"} if param["in"] == "query" else {}
            url = _filled(path, op, "true") if param["in"] == "path" else _filled(path, op)
            r = client.request(method, url, params=query, headers=admin.headers)
            assert r.status_code == 422, f"{method} {url} {query}: {r.text}"
            assert [param["in"], param["name"]] in [e["loc"] for e in r.json()["errors"]]
            checked += 1
    assert checked >= 20


def test_path_and_query_errors_have_the_documented_shape(
    client: TestClient, make_user: Callable[..., Person]
) -> None:
    """What a bad path or query parameter is answered with is what the document declares for 422
    (before, FastAPI declared its own shape for routes that listed no 422)."""
    headers = make_user("admin").headers
    app = client.app
    assert isinstance(app, FastAPI)
    paths = app.openapi()["paths"]
    declared = app.openapi()["components"]["schemas"]["ErrorOut"]
    for path, url in [
        ("/api/v1/cases", "/api/v1/cases?limit=0&before=x"),
        ("/api/v1/pages/{page_id}", "/api/v1/pages/x"),
        ("/api/v1/pages/{page_id}/ack", "/api/v1/pages/0/ack?token=t"),
        ("/api/v1/oncall/overrides", "/api/v1/oncall/overrides?schedule=a%00b"),  # RequestGuard
    ]:
        assert paths[path]["get"]["responses"]["422"]["content"] == ERROR_OUT, path
        r = client.get(url, headers=headers)
        assert r.status_code == 422, r.text
        assert r.headers["content-type"] == "application/json"
        assert set(declared["required"]) <= set(r.json()) <= set(declared["properties"])
        assert ErrorOut.model_validate(r.json()).errors, r.text


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


# Each check compares an answer with the document: no 5xx, a documented status, media type,
# headers and body, and (for data the schema forbids) a refusal.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# derandomize: the examples come from a seed fixed by each test's source, so a run on any machine
# tries the same inputs (a random seed let `make test` fail only sometimes).
FUZZ = settings(
    max_examples=25,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_fuzzing_the_api_keeps_to_its_document(
    fuzz_app: tuple[object, dict[str, str]], mode: GenerationMode
) -> None:
    app, headers = fuzz_app
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    checks = CHECKS if mode is GenerationMode.POSITIVE else [*CHECKS, negative_data_rejection]
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if not operation.path.startswith("/api/"):
            continue

        # The token is fixed, not generated: a negated Authorization header would be replaced
        # by it, and the answer blamed for accepting the negation.
        @FUZZ
        @given(case=operation.as_strategy(generation_mode=mode, headers=headers))
        def run(case: schemathesis.Case) -> None:
            response = case.call()
            case.validate_response(response, checks=checks)

        try:
            run()
        except Unsatisfiable:
            assert (
                mode is GenerationMode.NEGATIVE
            )  # nothing this operation takes can be made invalid
        except Exception as exc:
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}"[:2000])
    assert not failures, "\n\n".join(failures)


def test_the_fuzzer_s_find_a_metadata_integer_beyond_64_bits_is_a_named_422(
    fuzz_app: tuple[object, dict[str, str]],
) -> None:
    """The input schemathesis found only sometimes, as an explicit example: every time."""
    app, headers = fuzz_app
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    big = report(100, metadata={"": 2**64 + 1})
    for path, body, loc in [
        ("/api/v1/reports", big, ["body", "metadata", ""]),
        ("/api/v1/reports/batch", {"reports": [big]}, ["body", "reports", 0, "metadata", ""]),
    ]:
        case = schema[path]["POST"].Case(body=body, media_type="application/json")
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["loc"] == loc
