"""Auth requests and responses."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Annotated
from zoneinfo import available_timezones

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints, field_validator

from watchfloor.auth.permissions import Role

Username = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$", to_lower=True)
]


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    username: str
    display_name: str
    role: Role
    is_active: bool


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: Username
    display_name: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    role: Role
    password: Annotated[str, StringConstraints(min_length=12, max_length=256)] | None = Field(
        default=None, description="Needed to log in to the console; at least 12 characters."
    )


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(max_length=64)
    password: str = Field(max_length=256)
    name: str = Field(default="api", max_length=100)


class TokenOut(BaseModel):
    token: str = Field(description="Shown once: keep it. Send it as 'Authorization: Bearer …'.")
    name: str
    username: str
    role: Role
    expires_at: datetime | None


class TokenInfo(BaseModel):
    """A token as listed: never the token itself, only its first characters."""

    model_config = ConfigDict(from_attributes=True)
    prefix: str
    name: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


Skill = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
LanguageTag = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$", max_length=35, to_lower=True),
]


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones()) | {"UTC"}


def check_time_zone(value: str) -> str:
    """``value`` if it is an IANA time zone name (Europe/Berlin, UTC), else ValueError."""
    if value not in _zones():
        raise ValueError(f"unknown time zone {value!r}; use an IANA name such as Europe/Berlin")
    return value


class ProfileIn(BaseModel):
    """An analyst's routing profile. PUT replaces it whole: an omitted field takes its default."""

    model_config = ConfigDict(extra="forbid")
    skills: list[Skill] = Field(
        default_factory=list,
        max_length=64,
        description="Harm area ids from config/taxonomy.yaml (a taxonomy skill name such as "
        "'fraud' stands for every area that needs it). Empty: any harm area.",
    )
    languages: list[LanguageTag] = Field(
        default_factory=list,
        max_length=32,
        description="Language tags the analyst reads; 'pt' also covers 'pt-BR'. Empty: any.",
    )
    region: Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z-]{1,15}$")] | None = None
    time_zone: str = Field(
        default="UTC", max_length=64, description="IANA name; the graphic budget's day is theirs."
    )
    # Strict: JSON's true and false are not numbers.
    max_open_cases: StrictInt | None = Field(
        default=None, ge=1, le=1000, description="`next` refuses beyond it; null: no limit."
    )
    graphic_daily_budget: StrictInt | None = Field(
        default=None,
        ge=0,
        le=1000,
        description="Graphic cases `next` may hand them per day (their time zone); "
        "0: never; null: no limit.",
    )

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return check_time_zone(value)


class ProfileOut(BaseModel):
    username: str
    skills: list[str]
    languages: list[str]
    region: str | None
    time_zone: str
    max_open_cases: int | None
    graphic_daily_budget: int | None
    open_cases: int = Field(description="Open cases they hold now.")
    graphic_cases_today: int = Field(
        description="Exposures today: graphic cases `next` gave them, and evidence they revealed."
    )


class MeOut(UserOut):
    profile: ProfileOut
