"""Password guessing is slowed per source address and per account name, never by a lock anyone
can trigger, and the answers never tell which names exist."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Person
from tests.web.console_client import PASSWORD, csrf_of
from watchfloor.app import create_app
from watchfloor.auth import throttle
from watchfloor.clock import SettableClock
from watchfloor.runtime import Runtime

RIGHT = {"username": "ana", "password": PASSWORD}


@pytest.fixture
def from_address(runtime: Runtime) -> Iterator[Callable[[str], TestClient]]:
    """Clients that connect from a given address (as uvicorn reports it)."""
    opened: list[TestClient] = []

    def client_at(host: str) -> TestClient:
        c = TestClient(create_app(runtime), raise_server_exceptions=False, client=(host, 40000))
        opened.append(c.__enter__())
        return c

    yield client_at
    for c in opened:
        c.__exit__(None, None, None)


def token(
    c: TestClient, username: str, password: str
) -> tuple[int, dict[str, object], dict[str, str]]:
    r = c.post("/api/v1/auth/token", json={"username": username, "password": password})
    headers = {k: v for k, v in r.headers.items() if k not in {"date", "x-request-id"}}
    return r.status_code, r.json(), headers


def test_unknown_names_are_answered_exactly_as_known_ones(
    from_address: Callable[[str], TestClient], make_user: Callable[..., Person]
) -> None:
    make_user("analyst", username="ana", password=PASSWORD)
    c = from_address("198.51.100.1")
    answers = {
        name: [token(c, name, "not the password") for _ in range(6)] for name in ("ana", "ghost")
    }
    assert answers["ana"] == answers["ghost"]
    # Five failures are free; the sixth waits a second, whether the name exists or not.
    assert [status for status, _, _ in answers["ana"]] == [401] * 5 + [429]
    _, body, headers = answers["ana"][-1]
    assert (
        headers["retry-after"] == "1"
        and body["detail"] == "too many failed sign-ins; try again in 1 s"
    )
    assert "ana" not in str(body)


def test_guessing_from_elsewhere_does_not_keep_the_owner_out(
    from_address: Callable[[str], TestClient],
    clock: SettableClock,
    make_user: Callable[..., Person],
) -> None:
    make_user("analyst", username="ana", password=PASSWORD)
    desk, guesser, stranger = (
        from_address("10.1.2.3"),
        from_address("203.0.113.9"),
        from_address("2001:db8:1:2::99"),
    )
    assert token(desk, **RIGHT)[0] == 201
    failures = 0
    while failures < 15:  # more than the old lock-out's ten, within one address's limit
        status, _, headers = token(guesser, "ana", f"guess {failures}")
        if status == 429:
            clock.advance(timedelta(seconds=int(headers["retry-after"])))
        else:
            assert status == 401
            failures += 1
    # The owner's usual address is spared the account's backoff; a new address is not.
    assert token(stranger, **RIGHT)[0] == 429
    assert token(desk, **RIGHT)[0] == 201
    # The wait doubles but is bounded: never the old fifteen-minute lock.
    for _ in range(10):
        token(guesser, "ana", "again")
        clock.advance(throttle.BACKOFF_MAX)
    status, _, headers = token(guesser, "ana", "again")
    assert status == 401 or int(headers["retry-after"]) <= 300
    admin = make_user("lead")
    trail = desk.get("/api/v1/audit?object_id=ana", headers=admin.headers).json()
    assert "user.sign_in_throttled" in [e["action"] for e in trail]


def test_one_address_is_limited_whatever_names_it_tries(
    from_address: Callable[[str], TestClient],
    clock: SettableClock,
    make_user: Callable[..., Person],
) -> None:
    make_user("analyst", username="ana", password=PASSWORD)
    spray, office = from_address("2001:db8:aa:bb::1"), from_address("192.0.2.10")
    for i in range(throttle.SOURCE_LIMIT):
        assert token(spray, f"user{i}", "Winter2026!")[0] == 401
    # Another machine in the same IPv6 /64 is the same source.
    neighbour = from_address("2001:db8:aa:bb::2")
    status, _, headers = token(neighbour, **RIGHT)
    assert status == 429 and 895 <= int(headers["retry-after"]) <= 900
    assert token(office, **RIGHT)[0] == 201
    clock.advance(throttle.SOURCE_WINDOW)
    assert token(neighbour, **RIGHT)[0] == 201


def test_the_console_answers_429_with_retry_after(
    from_address: Callable[[str], TestClient], make_user: Callable[..., Person]
) -> None:
    make_user("analyst", username="ana", password=PASSWORD)
    c = from_address("198.51.100.7")
    csrf = csrf_of(c.get("/login").text)
    form = {"username": "ana", "password": "not the password", "csrf_token": csrf}
    answers = [c.post("/login", data=form, follow_redirects=False) for _ in range(6)]
    assert [a.status_code for a in answers] == [401] * 5 + [429]
    assert answers[-1].headers["retry-after"] == "1"
    assert "too many failed sign-ins; try again in 1 s" in answers[-1].text


@pytest.mark.parametrize(
    ("host", "counted_as"),
    [
        ("192.0.2.1", "192.0.2.1"),
        ("::ffff:192.0.2.1", "192.0.2.1"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        (None, "unknown"),
        ("testclient", "testclient"),
    ],
)
def test_source_keys(host: str | None, counted_as: str) -> None:
    assert throttle.source_key(host) == counted_as


def test_backoff_doubles_up_to_its_bound() -> None:
    waits = [throttle.backoff(n).total_seconds() for n in range(4, 16)]
    assert waits == [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]
