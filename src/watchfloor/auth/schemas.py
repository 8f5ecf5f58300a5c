"""Auth requests and responses."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

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
