"""Each person's console preferences (auth/preferences.py): safe defaults until chosen, every bad
value named by its field, and each change audited with what changed; on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from watchfloor.audit import service as audit
from watchfloor.auth import preferences
from watchfloor.auth import service as auth
from watchfloor.auth.models import User
from watchfloor.auth.permissions import Role
from watchfloor.db import session_scope
from watchfloor.errors import Invalid
from watchfloor.runtime import Runtime


def _person(runtime: Runtime, username: str = "ana") -> int:
    with session_scope(runtime.sessions) as session:
        user = auth.create(session, runtime.clock, username=username, role=Role.ANALYST)
        return user.id


def _set(runtime: Runtime, user_id: int, changes: dict[str, Any]) -> preferences.Preferences:
    with session_scope(runtime.sessions) as session:
        user = session.get(User, user_id)
        assert user is not None
        return preferences.set_preferences(session, runtime.clock, user=user, changes=changes)


def test_until_someone_chooses_images_start_strongly_blurred_and_grey(runtime: Runtime) -> None:
    ana = _person(runtime)
    with session_scope(runtime.sessions) as session:
        mine = preferences.preferences_for(session, user_id=ana)
    assert mine.blur_strength == preferences.DEFAULT_BLUR == 16
    assert mine.start_greyscale is True
    assert (mine.time_zone, mine.chosen_time_zone) == ("UTC", None)


def test_the_profiles_time_zone_applies_until_the_person_chooses_their_own(
    runtime: Runtime,
) -> None:
    ana = _person(runtime)
    with session_scope(runtime.sessions) as session:
        user = session.get(User, ana)
        assert user is not None
        auth.set_profile(
            session,
            runtime.clock,
            user=user,
            taxonomy=runtime.config.taxonomy,
            changes={"time_zone": "Asia/Tokyo"},
            actor="user:lead",
        )
    with session_scope(runtime.sessions) as session:
        assert preferences.preferences_for(session, user_id=ana).time_zone == "Asia/Tokyo"
    chosen = _set(runtime, ana, {"time_zone": "Europe/Berlin"})
    assert (chosen.time_zone, chosen.chosen_time_zone) == ("Europe/Berlin", "Europe/Berlin")
    back = _set(runtime, ana, {"time_zone": None})
    assert (back.time_zone, back.chosen_time_zone) == ("Asia/Tokyo", None)


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone", "unknown time zone 'Mars/Olympus'"),
        ({"time_zone": "../../etc/passwd"}, "time_zone", "IANA name"),
        ({"blur_strength": 5}, "blur_strength", "one of 0, 4, 8, 16, 24"),
        ({"blur_strength": "16"}, "blur_strength", "one of 0, 4, 8, 16, 24"),
        ({"blur_strength": True}, "blur_strength", "one of"),
        ({"start_greyscale": "no"}, "start_greyscale", "true or false"),
        ({"colour": "pink"}, "colour", "unknown preference"),
    ],
)
def test_a_bad_value_is_refused_naming_its_field_and_nothing_changes(
    runtime: Runtime, changes: dict[str, Any], field: str, says: str
) -> None:
    ana = _person(runtime)
    with pytest.raises(Invalid) as refused:
        _set(runtime, ana, {"blur_strength": 0, **changes})
    assert [f["loc"] for f in refused.value.fields] == [["body", field]]
    assert says in refused.value.fields[0]["msg"]
    with session_scope(runtime.sessions) as session:
        assert preferences.preferences_for(session, user_id=ana).blur_strength == 16
        assert not [
            e
            for e in audit.trail_of(session, object_id="ana")
            if e.action == "user.preferences_updated"
        ]


def test_each_change_is_audited_with_only_what_changed(runtime: Runtime) -> None:
    ana = _person(runtime)
    bo_id = _person(runtime, "bo")
    saved = _set(runtime, ana, {"blur_strength": 0, "start_greyscale": False})
    assert (saved.blur_strength, saved.start_greyscale) == (0, False)
    _set(runtime, ana, {"blur_strength": 24})
    with session_scope(runtime.sessions) as session:
        events = [
            e
            for e in audit.trail_of(session, object_id="ana")
            if e.action == "user.preferences_updated"
        ]
        bo = preferences.preferences_for(session, user_id=bo_id)
    assert [(e.actor, e.before, e.after) for e in events] == [
        (
            "user:ana",
            {"blur_strength": 16, "start_greyscale": True},
            {"blur_strength": 0, "start_greyscale": False},
        ),
        ("user:ana", {"blur_strength": 0}, {"blur_strength": 24}),
    ]
    # Someone else's preferences are their own: untouched.
    assert (bo.blur_strength, bo.start_greyscale) == (16, True)
