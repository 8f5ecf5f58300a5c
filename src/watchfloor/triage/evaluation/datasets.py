"""Labelled text sets for training and evaluating triage, and how their labels map to harm areas.

A set is a JSON-lines file (``text`` plus the set's own label fields) and a small mapping, from
a YAML file under ``config/datasets/`` or from a ``--labels`` flag, that says which harm areas
each label value means. An empty list means benign: a look-alike the triage must not flag.

Every set is split the same way every time into a training part and a sealed, held-out part
(about one in five rows, chosen by a hash, never by position) that rules and thresholds are never
written from and the shipped model never trains on. Rows are grouped before the hash decides, so
a group never straddles the split: rows whose text is the same once lower-cased, stripped of
punctuation, symbols and digits and with whitespace folded (near-duplicates), and the rows of one
template (HateCheck's cases that swap a target group into the same sentence, and, in
Multilingual HateCheck, the same template in every language). The sealed part's row hashes are
committed under ``config/datasets/sealed/`` (``watchfloor triage seal`` writes and checks them).
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import orjson
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
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
    weight: float = Field(
        default=1.0,
        gt=0,
        le=10,
        description="How much each training row counts: a small set labelled with care (a few "
        "hundred prompts) counts more so that thousands of templated rows do not drown it.",
    )
    field: str = "label"
    areas: dict[str, list[str]] = Field(description="label value → harm areas ([] = benign)")
    group: str | None = Field(
        default=None, description="A field whose value is swapped into templates."
    )
    template: str | None = Field(
        default=None,
        description="A field naming a family of templates; its rows, in file order, are "
        "templates each filled with every `group` value before the next one starts.",
    )
    template_scope: str | None = Field(
        default=None,
        description="A field (e.g. language) whose values each hold a copy of every family: "
        "the k-th template of a family is one template across them.",
    )
    breakdown: str | None = Field(
        default=None, description="A field to report accuracy per value of."
    )
    p0_field: str | None = None
    p0_values: list[str] = Field(
        default_factory=list, description="Values of p0_field that are P0."
    )
    # The YAML file it was read from: its sealed list is sealed/NAME.txt beside it.
    _source: Path | None = PrivateAttr(default=None)

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
    weight: float = 1.0
    # Written by the demo generator: learned from, never scored nor used to choose a threshold
    # (it is in-distribution for a model that trains on its siblings).
    generated: bool = False
    # The key of the row's group (near-duplicates, a template's rows): a split that keeps
    # groups whole (the dev split of learning.py) reads it, so it never straddles a template.
    group: str | None = None


def load_mapping(path: Path, areas: list[str]) -> LabelMapping:
    mapping = load_yaml_model(path, LabelMapping, context={"areas": areas})
    mapping._source = path
    return mapping


def committed_sealed(mappings: Iterable[LabelMapping]) -> frozenset[str]:
    """The row hashes of every sealed part committed beside these mappings (sealed/NAME.txt),
    evaluation-only sets' included: what no training example may be, whatever its source."""
    hashes: set[str] = set()
    for m in mappings:
        path = m._source.parent / "sealed" / f"{m.name}.txt" if m._source else None
        if path is not None and path.exists():
            lines = path.read_text(encoding="utf-8").splitlines()
            hashes.update(line for line in lines if line and not line.startswith("#"))
    return frozenset(hashes)


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
    """Every row of a JSON-lines file as an Example, marked if it is in the sealed part; a bad
    row is an error naming its line."""
    rows = read_rows(path)
    for number, row in rows:
        label = str(row.get(mapping.field, ""))
        if label not in mapping.areas:
            raise Invalid(
                f"{path}:{number}: label {mapping.field}={label!r} is not in the mapping "
                f"(mapped: {', '.join(sorted(mapping.areas))})"
            )
    groups = group_roots([row for _, row in rows], mapping)
    return [
        Example(
            text=str(row["text"]),
            areas=frozenset(mapping.areas[str(row.get(mapping.field, ""))]),
            p0=mapping.p0_field is not None and str(row.get(mapping.p0_field)) in mapping.p0_values,
            breakdown=str(row.get(mapping.breakdown)) if mapping.breakdown else None,
            holdout=_in_holdout(group),
            weight=mapping.weight,
            group=group,
        )
        for (_, row), group in zip(rows, groups, strict=True)
    ]


def read_rows(path: Path) -> list[tuple[int, dict[str, object]]]:
    """Each JSON object of a JSON-lines file with its line number; a bad row names its line."""
    try:
        lines = path.read_bytes().splitlines()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = orjson.loads(line)
        except orjson.JSONDecodeError:
            raise Invalid(f"{path}:{number}: not a JSON object") from None
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            raise Invalid(f"{path}:{number}: each line needs a 'text' string")
        rows.append((number, row))
    return rows


def text_key(text: str) -> str:
    """The text with case, punctuation, symbols and digits gone and whitespace folded: rows
    with the same key are near-duplicates ("I hate X!!" and "i hate x")."""
    kept = (
        " " if unicodedata.category(c)[0] in "PSNZC" else c
        for c in unicodedata.normalize("NFKC", text.lower())
    )
    return " ".join("".join(kept).split())


def row_hash(text: str) -> str:
    """The stable hash a sealed row is written down by (its exact text, never the text)."""
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def _in_holdout(key: str) -> bool:
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % 100 < HOLDOUT_PERCENT


def group_keys(rows: Sequence[dict[str, object]], mapping: LabelMapping) -> list[list[str]]:
    """The grouping keys of each row: its near-duplicate key, and its template's if it has one.

    Keys name no set, so the same text, or the same HateCheck template, in two sets falls on
    the same side of both.
    """
    keys = [[f"text:{text_key(str(row['text']))}"] for row in rows]
    if not (mapping.template and mapping.group):
        return keys
    ordinal: dict[tuple[str, str], int] = {}
    filled: dict[tuple[str, str], set[str]] = {}
    for row, row_keys in zip(rows, keys, strict=True):
        family = str(row.get(mapping.template) or "")
        scope = str(row.get(mapping.template_scope) or "") if mapping.template_scope else ""
        slot = str(row.get(mapping.group) or "")
        seen = filled.setdefault((scope, family), set())
        # A slot value seen again starts the next template of the family (a row without a slot
        # value is a template of its own).
        if not seen or slot in seen or not slot:
            ordinal[scope, family] = ordinal.get((scope, family), -1) + 1
            seen.clear()
        seen.add(slot)
        row_keys.append(f"template:{family}:{ordinal[scope, family]}")
    return keys


def sealed_rows(rows: Sequence[dict[str, object]], mapping: LabelMapping) -> list[bool]:
    """Whether each row is in the sealed part: rows that share any grouping key are one group,
    and the hash of the group's smallest key decides for all of them."""
    return [_in_holdout(group) for group in group_roots(rows, mapping)]


def group_roots(rows: Sequence[dict[str, object]], mapping: LabelMapping) -> list[str]:
    """Each row's group, named by the group's smallest key: rows that share any grouping key
    (see group_keys) are one group."""
    keys = group_keys(rows, mapping)
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        parent.setdefault(key, key)
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for row_keys in keys:
        first = root(row_keys[0])
        for other in row_keys[1:]:
            a, b = sorted((first, root(other)))
            parent[b] = a
            first = a
    return [root(row_keys[0]) for row_keys in keys]


def sealed_hashes(path: Path, mapping: LabelMapping) -> list[str]:
    """The sorted, distinct row hashes of a set's sealed part."""
    rows = [row for _, row in read_rows(path)]
    return sorted(
        {
            row_hash(str(r["text"]))
            for r, s in zip(rows, sealed_rows(rows, mapping), strict=True)
            if s
        }
    )


def sealed_list_text(mapping: LabelMapping, hashes: list[str]) -> str:
    """The committed file listing a set's sealed part: how it was made, then one hash a line."""
    grouping = "near-duplicate text (lower-cased; punctuation, symbols, digits gone)"
    if mapping.template and mapping.group:
        scope = f" in every {mapping.template_scope}" if mapping.template_scope else ""
        grouping += (
            f", and the k-th template of each {mapping.template} (rows swapping "
            f"{mapping.group} into one sentence){scope}"
        )
    header = [
        f"# The sealed part of {mapping.name} ({mapping.file}): never write rules, choose",
        "# thresholds or train a shipped model from these rows, and never read them.",
        f"# Rows are grouped by {grouping};",
        f"# a group is sealed when blake2b-64 of its smallest key mod 100 < {HOLDOUT_PERCENT}.",
        "# One line a row: blake2b-64 hex of its exact text, sorted, each distinct text once.",
        "# Regenerate: watchfloor triage seal --data-dir ../shared/data",
        "# Check:      watchfloor triage seal --data-dir ../shared/data --check",
    ]
    return "\n".join([*header, *hashes]) + "\n"


def is_holdout(text: str, group_value: str = "") -> bool:
    """Whether a lone text (a decided case's key, say) is held out (stable across machines)."""
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
        # Whole path parts: multilingual_hatecheck/… must not pass for hatecheck/….
        if (
            candidate.file
            and resolved.parts[-len(Path(candidate.file).parts) :] == Path(candidate.file).parts
        ):
            return candidate
    raise Invalid(
        f"{file}: no label mapping known for this file; give --mapping FILE.yaml "
        "or --labels 'label=harm_area,...'"
    )
