"""Each person's console preferences: the time zone times are written in, how strongly image
previews are blurred, and whether revealed images start in greyscale.

Wellness settings are the person's own: nobody else may set them, and the safe defaults (a strong
blur, greyscale on) apply until they choose otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from watchfloor.audit import service as audit
from watchfloor.auth.models import AnalystProfile, ConsolePreferences, User
from watchfloor.clock import Clock
from watchfloor.errors import Invalid

# Blur levels an image preview can be drawn with, weakest to strongest (Gaussian radius, px).
BLUR_STRENGTHS = (0, 4, 8, 16, 24)
DEFAULT_BLUR = 16


@dataclass(frozen=True)
class Preferences:
    """What the console uses: ``time_zone`` is always an IANA name (the person's own choice, else
    their analyst profile's zone, else UTC); ``chosen_time_zone`` is None when they chose none."""

    time_zone: str
    chosen_time_zone: str | None
    blur_strength: int
    start_greyscale: bool

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


def preferences_for(session: Session, *, user_id: int) -> Preferences:
    """The person's preferences, with the defaults for what they never chose (one query: every
    console page reads them)."""
    found = session.execute(
        select(
            ConsolePreferences.time_zone,
            ConsolePreferences.blur_strength,
            ConsolePreferences.start_greyscale,
            AnalystProfile.time_zone,
        )
        .select_from(User)
        .outerjoin(ConsolePreferences, ConsolePreferences.user_id == User.id)
        .outerjoin(AnalystProfile, AnalystProfile.user_id == User.id)
        .where(User.id == user_id)
    ).first()
    chosen, blur, greyscale, profile_zone = found or (None, None, None, None)
    return Preferences(
        time_zone=chosen or profile_zone or "UTC",
        chosen_time_zone=chosen,
        blur_strength=DEFAULT_BLUR if blur is None else blur,
        start_greyscale=True if greyscale is None else greyscale,
    )


def _checked(changes: dict[str, Any]) -> dict[str, Any]:
    """``changes`` validated; an Invalid naming each bad field otherwise."""
    problems = []
    unknown = set(changes) - {"time_zone", "blur_strength", "start_greyscale"}
    problems += [(f, "unknown preference") for f in sorted(unknown)]
    zone = changes.get("time_zone")
    if zone is not None:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(
                ("time_zone", f"unknown time zone {zone!r}; use an IANA name like Europe/Berlin")
            )
    blur = changes.get("blur_strength", DEFAULT_BLUR)
    if blur not in BLUR_STRENGTHS or isinstance(blur, bool):
        allowed = ", ".join(str(b) for b in BLUR_STRENGTHS)
        problems.append(("blur_strength", f"blur strength must be one of {allowed}"))
    if not isinstance(changes.get("start_greyscale", True), bool):
        problems.append(("start_greyscale", "start_greyscale must be true or false"))
    if problems:
        raise Invalid(
            "; ".join(f"{f}: {m}" for f, m in problems),
            fields=[{"loc": ["body", f], "msg": m} for f, m in problems],
        )
    return changes


def set_preferences(
    session: Session, clock: Clock, *, user: User, changes: dict[str, Any]
) -> Preferences:
    """Change ``user``'s own preferences (only the fields in ``changes``; a ``time_zone`` of None
    goes back to the default); audited with what changed."""
    changes = _checked(changes)
    before = preferences_for(session, user_id=user.id)
    row = session.get(ConsolePreferences, user.id)
    if row is None:
        row = ConsolePreferences(
            user_id=user.id,
            time_zone=before.chosen_time_zone,
            blur_strength=before.blur_strength,
            start_greyscale=before.start_greyscale,
            updated_at=clock.now(),
        )
        session.add(row)
    for name, value in changes.items():
        setattr(row, name, value)
    row.updated_at = clock.now()
    session.flush()
    after = preferences_for(session, user_id=user.id)
    was, now = _shown(before), _shown(after)
    audit.record(
        session,
        at=clock.now(),
        actor=f"user:{user.username}",
        action="user.preferences_updated",
        object_type="user",
        object_id=user.username,
        before={k: v for k, v in was.items() if now[k] != v},
        after={k: v for k, v in now.items() if was[k] != v},
    )
    return after


def _shown(p: Preferences) -> dict[str, Any]:
    return {
        "time_zone": p.chosen_time_zone,
        "blur_strength": p.blur_strength,
        "start_greyscale": p.start_greyscale,
    }


def local(value: datetime, prefs: Preferences) -> datetime:
    """``value`` (aware, UTC) in the person's time zone."""
    return value.astimezone(prefs.zone)
