"""Labelled text sets for training and evaluating triage, and how their labels map to harm areas.

A set is a JSON-lines file (``text`` plus the set's own label fields) and a small mapping, from
a YAML file under ``config/datasets/`` or from a ``--labels`` flag, that says which harm areas
each label value means. An empty list means benign: a look-alike the triage must not flag.

Every set is split the same way every time into a training part and a held-out part (about
one in five rows, chosen by a hash, never by position). Rows that differ only in a name the set
swaps in (HateCheck's target groups, for instance) fall on the same side, so the held-out part
tests wording the model has not seen.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import orjson
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from watchfloor.configfile import load_yaml_model
from watchfloor.errors import ConfigError, Invalid

HOLDOUT_PERCENT = 20


class LabelMapping(BaseModel):
    """What the label values of one set mean, in harm areas."""

    model_config = ConfigDict(extra="forbid")
    name: str
    file: str | None = Field(default=None, description="Path under the data directory.")
    licence: str = "unknown"
    trainable: bool = Field(
        default=False, description="The licence allows training a model we ship."
    )
    field: str = "label"
    areas: dict[str, list[str]] = Field(description="label value → harm areas ([] = benign)")
    group: str | None = Field(
        default=None, description="A field whose value is swapped into templates."
    )
    breakdown: str | None = Field(
        default=None, description="A field to report accuracy per value of."
    )
    p0_field: str | None = None
    p0_values: list[str] = Field(
        default_factory=list, description="Values of p0_field that are P0."
    )

    @field_validator("areas")
    @classmethod
    def _known(cls, value: dict[str, list[str]], info: ValidationInfo) -> dict[str, list[str]]:
        known: list[str] | None = (info.context or {}).get("areas")
        if known is not None:
            bad = sorted({a for areas in value.values() for a in areas if a not in known})
            if bad:
                raise ValueError(
                    f"unknown harm area(s) {', '.join(bad)}; known: {', '.join(known)}"
                )
        return value


Text = Annotated[str, StringConstraints(min_length=1)]


@dataclass(frozen=True)
class Example:
    text: str
    areas: frozenset[str]
    p0: bool = False
    breakdown: str | None = None
    holdout: bool = False


def load_mapping(path: Path, areas: list[str]) -> LabelMapping:
    return load_yaml_model(path, LabelMapping, context={"areas": areas})


def parse_labels_flag(value: str, areas: list[str]) -> LabelMapping:
    """``hateful=hate,non-hateful=`` (``+`` joins areas: ``spam=fraud_scams+spam_manipulation``)."""
    mapping: dict[str, list[str]] = {}
    for part in filter(None, (p.strip() for p in value.split(","))):
        label, sep, targets = part.partition("=")
        if not sep or not label:
            raise Invalid(
                f"--labels: {part!r} is not LABEL=AREA[+AREA]; leave AREA empty for benign"
            )
        mapping[label] = [t for t in targets.split("+") if t]
    try:
        return LabelMapping.model_validate(
            {"name": "flag", "areas": mapping}, context={"areas": areas}
        )
    except ValidationError as exc:
        raise Invalid(f"--labels: {exc.errors()[0]['msg']}") from None


def read_examples(path: Path, mapping: LabelMapping) -> list[Example]:
    """Every row of a JSON-lines file as an Example; a bad row is an error naming its line."""
    try:
        lines = path.read_bytes().splitlines()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    examples = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = orjson.loads(line)
        except orjson.JSONDecodeError:
            raise Invalid(f"{path}:{number}: not a JSON object") from None
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            raise Invalid(f"{path}:{number}: each line needs a 'text' string")
        label = str(row.get(mapping.field, ""))
        if label not in mapping.areas:
            raise Invalid(
                f"{path}:{number}: label {mapping.field}={label!r} is not in the mapping "
                f"(mapped: {', '.join(sorted(mapping.areas))})"
            )
        group_value = str(row.get(mapping.group) or "") if mapping.group else ""
        examples.append(
            Example(
                text=row["text"],
                areas=frozenset(mapping.areas[label]),
                p0=bool(mapping.p0_field) and str(row.get(mapping.p0_field)) in mapping.p0_values,
                breakdown=str(row.get(mapping.breakdown)) if mapping.breakdown else None,
                holdout=is_holdout(row["text"], group_value),
            )
        )
    return examples


def is_holdout(text: str, group_value: str = "") -> bool:
    """Whether a text belongs to the held-out part (stable across runs and machines)."""
    key = (
        " ".join(text.lower().replace(group_value.lower(), "#", 1).split())
        if group_value
        else " ".join(text.lower().split())
    )
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % 100 < HOLDOUT_PERCENT


def mappings_in(directory: Path, areas: list[str]) -> Iterator[LabelMapping]:
    for path in sorted(directory.glob("*.yaml")):
        yield load_mapping(path, areas)


def find_mapping(
    file: Path, mapping: Path | None, known_dir: Path, areas: list[str]
) -> LabelMapping:
    """The mapping given, else the one under ``known_dir`` whose ``file`` is this file."""
    if mapping is not None:
        return load_mapping(mapping, areas)
    resolved = file.resolve()
    for candidate in mappings_in(known_dir, areas):
        if candidate.file and resolved.as_posix().endswith(candidate.file):
            return candidate
    raise Invalid(
        f"{file}: no label mapping known for this file; give --mapping FILE.yaml "
        "or --labels 'label=harm_area,...'"
    )
