"""OnePassRoute: a valid body is validated from its bytes; anything else is answered exactly as
by FastAPI's own route. JsonObject: free-form JSON is checked to be storable."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import APIRouter, Body, FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tests.conftest import Person
from watchfloor.http_errors import install
from watchfloor.intake.json_bodies import JsonObject, OnePassRoute, _fits, _unstorable


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    count: int = Field(ge=0)
    tags: list[str] = []


def _app(route_class: type[APIRoute]) -> FastAPI:
    """An app with a route whose body is one model, and one with two body parameters."""
    router = APIRouter(route_class=route_class)

    @router.post("/item")
    def one(item: Item) -> dict[str, Any]:
        return item.model_dump()

    @router.post("/pair")
    def pair(first: Item, second: Item = Body()) -> list[str]:
        return [first.name, second.name]

    app = FastAPI()
    install(app)  # Watchfloor's error answers, as in the real app
    app.include_router(router)
    return app


BAD_BODIES = [
    b'{"name": "", "count": -1, "tags": [1], "extra": true}',  # every field wrong at once
    b'{"name": "a"}',  # a field missing
    b'{"name": "a", "count": 1',  # not JSON
    b'{"name": "a\\ud800", "count": 1}',  # a lone surrogate, which no database can store
    b"[1, 2]",  # JSON, but not an object
    b'{"name": "a", "count": NaN}',
]


@pytest.mark.parametrize("body", BAD_BODIES)
def test_a_bad_body_is_answered_as_fastapi_answers_it(body: bytes) -> None:
    headers = {"content-type": "application/json"}
    ours = TestClient(_app(OnePassRoute)).post("/item", content=body, headers=headers)
    theirs = TestClient(_app(APIRoute)).post("/item", content=body, headers=headers)
    assert ours.status_code == theirs.status_code == 422
    assert ours.json() == theirs.json()


def test_a_valid_body_is_validated_once_from_its_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[bytes] = []
    original = Item.model_validate_json.__func__  # type: ignore[attr-defined]

    def spy(cls: type[Item], data: bytes, **kwargs: Any) -> Item:
        calls.append(data)
        return original(cls, data, **kwargs)  # type: ignore[no-any-return]

    monkeypatch.setattr(Item, "model_validate_json", classmethod(spy))
    client = TestClient(_app(OnePassRoute))
    body = b'{"name": "caf\\u00e9 \xf0\x9f\x9a\xa8", "count": 3, "tags": ["x"]}'
    done = client.post("/item", content=body, headers={"content-type": "application/json"})
    assert done.status_code == 200
    assert done.json() == {"name": "café 🚨", "count": 3, "tags": ["x"]}
    assert calls == [body]
    # Several body parameters are embedded under their names: FastAPI's own path, as before.
    pair = client.post(
        "/pair",
        json={"first": {"name": "a", "count": 1}, "second": {"name": "b", "count": 2}},
    )
    assert pair.status_code == 200 and pair.json() == ["a", "b"]
    assert calls == [body]


class Free(BaseModel):
    extra: JsonObject = {}


def test_a_free_form_object_names_each_value_it_cannot_store() -> None:
    body = json.dumps(
        {"extra": {"big": 2**64, "list": [1, {"small": -(2**63) - 1}], "s": "\ud800", "ok": True}}
    )
    with pytest.raises(ValidationError) as raised:
        Free.model_validate_json(body)  # what OnePassRoute does first
    with pytest.raises(ValidationError) as again:
        Free.model_validate(json.loads(body))  # what FastAPI does with what json.loads made
    # JSON with a lone surrogate does not parse in pydantic-core; FastAPI's path names it.
    assert raised.value.errors()[0]["type"] == "json_invalid"
    assert [(e["loc"], e["type"]) for e in again.value.errors()] == [
        (("extra", "big"), "int_too_big"),
        (("extra", "list", 1, "small"), "int_too_big"),
        (("extra", "s"), "string_unicode"),
    ]
    within = {"a": [2**63 - 1, -(2**63), 1.5, None, False, "é", {"b": []}]}
    assert Free.model_validate_json(json.dumps({"extra": within})).extra == within


def test_a_decisions_action_params_are_checked_as_report_metadata_is(
    client: TestClient, make_user: Callable[..., Person]
) -> None:
    decision = {
        "policy_id": "VT-THREAT",
        "violation": True,
        "rationale": "Explicit threat to kill a named person.",
        "actions": [{"kind": "suspend_account", "params": {"duration_days": 2**64}}],
    }
    r = client.post(
        "/api/v1/cases/CASE-000001/decision", json=decision, headers=make_user("lead").headers
    )
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["loc"] == ["body", "actions", 0, "params", "duration_days"]


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**65), max_value=2**65)
    | st.floats()
    | st.text(st.characters(codec=None, exclude_categories=["Cc"])),  # lone surrogates too
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=40,
)


@settings(derandomize=True, max_examples=300, database=None)
@given(value=st.dictionaries(st.text(max_size=3), JSON_VALUES, max_size=4))
def test_the_quick_check_agrees_with_the_walk_that_names_problems(value: dict[str, Any]) -> None:
    assert _fits(value, 0) == (not _unstorable(value))
