"""Hash lists as the API takes and gives them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"
ListName = Annotated[
    str,
    StringConstraints(pattern=NAME_PATTERN),
    Field(description="Lower-case letters, digits, '.', '_' and '-'; up to 64 characters."),
]


class HashListIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: ListName
    harm_area: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(
        description="The taxonomy's harm area a match belongs to, e.g. child_safety."
    )
    child_safety: bool = Field(
        default=False, description="A match to this list makes the case P0 (CSAM hash lists)."
    )
    description: Annotated[str, StringConstraints(max_length=2000)] | None = None
    source: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(
        default="manual", description="Where the hashes come from, e.g. csv, threatexchange, ncmec."
    )


class HashListOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    name: str
    harm_area: str
    child_safety: bool
    description: str | None
    source: str
    entry_count: int
    created_at: datetime
    updated_at: datetime


class HashListDetail(HashListOut):
    by_algorithm: dict[str, int] = Field(description="How many hashes of each algorithm.")


class ImportOut(BaseModel):
    added: int = Field(description="Hashes new to the list.")
    duplicates: int = Field(description="Already on the list, or repeated in the file.")
    skipped: dict[str, int] = Field(description="Left out on purpose (e.g. URL signals), by why.")
    entry_count: int = Field(description="Hashes on the list now.")
