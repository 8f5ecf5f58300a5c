"""Reading hash list files (pure): our CSV, and the files the ThreatExchange tools write.

Every row is checked; an error names its line, and a file with any bad row is refused whole.

ThreatExchange (Meta's ``threatexchange`` package, used by Hasher-Matcher-Actioner) has two
file shapes, both read here with its own signal types validating each hash:

- the simple signal file its ``LocalFileSignalExchangeAPI`` reads and writes: one
  ``<signal type> <signal>`` per line, e.g. ``pdq f8f8f0ce…``;
- the CSV that ``threatexchange dataset --print-signals --csv`` prints, with the header
  ``signal_type,signal_str,collab,category,tags``.

A signal type may be named as the package names it (``pdq``, ``video_md5``, ``video_sha256``) or
as the ThreatExchange API's indicator type (``HASH_PDQ``, ``HASH_MD5``, ``HASH_SHA256``…).
Signals of types that are no hash of a file (URLs, text…) are skipped and counted.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from watchfloor.errors import Invalid
from watchfloor.triage.hashes.hashing import ALGORITHMS, normalise

Format = Literal["csv", "threatexchange"]
FORMATS: tuple[Format, ...] = ("csv", "threatexchange")
MAX_LABEL = 200
MAX_REFERENCE = 256
_MAX_ERRORS = 50
_TE_CSV_HEADER = ["signal_type", "signal_str", "collab", "category", "tags"]
_ALIASES = {"sha-256": "sha256", "md-5": "md5"}


@dataclass(frozen=True)
class ParsedEntry:
    algorithm: str
    value: str
    label: str | None
    reference: str | None
    line: int


@dataclass
class ParsedFile:
    """The valid entries of a file, and what was left out on purpose (not errors)."""

    entries: list[ParsedEntry] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)  # why → how many


def parse(data: bytes, fmt: str) -> ParsedFile:
    """Parse a hash list file in ``fmt``; Invalid naming every bad line (the first 50)."""
    if fmt not in FORMATS:
        raise Invalid(
            f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}",
            fields=[{"loc": ["query", "format"], "msg": f"use one of {', '.join(FORMATS)}"}],
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid(
            f"the file is not UTF-8 text (byte {exc.start} is not valid UTF-8)",
            fields=[{"loc": ["body"], "msg": "not UTF-8 text"}],
        ) from None
    if "\x00" in text:
        raise Invalid(
            "the file holds NUL characters; is it a binary file?",
            fields=[{"loc": ["body"], "msg": "contains NUL characters"}],
        )
    errors: list[tuple[int, str]] = []
    parsed = _parse_csv(text, errors) if fmt == "csv" else _parse_threatexchange(text, errors)
    if errors:
        shown = "; ".join(f"line {n}: {msg}" for n, msg in errors[:3])
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        raise Invalid(
            f"nothing imported: {len(errors)} bad line(s): {shown}{more}",
            fields=[{"loc": ["body", "line", n], "msg": msg} for n, msg in errors[:_MAX_ERRORS]],
        )
    if not parsed.entries:
        why = ", ".join(f"{n} {reason}" for reason, n in parsed.skipped.items())
        raise Invalid(
            "the file holds no hashes to import" + (f" (skipped: {why})" if why else ""),
            fields=[{"loc": ["body"], "msg": "no hashes"}],
        )
    return parsed


def _optional(value: str | None, limit: int, name: str) -> str | None:
    clean = (value or "").strip()
    if len(clean) > limit:
        raise ValueError(f"{name} is longer than {limit} characters")
    return clean or None


def _parse_csv(text: str, errors: list[tuple[int, str]]) -> ParsedFile:
    """Our CSV: a header naming ``algorithm`` and ``value`` (and optionally ``label``,
    ``reference``), then one hash a row. Blank lines are ignored."""
    parsed = ParsedFile()
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = [c.strip().lower() for c in row]
                problem = _check_header(header)
                if problem:
                    errors.append((line, problem))
                    return parsed
                continue
            if len(row) > len(header):
                errors.append((line, f"{len(row)} columns, the header names {len(header)}"))
                continue
            cells = dict(zip(header, (c.strip() for c in row), strict=False))
            try:
                algorithm = cells.get("algorithm", "").lower()
                algorithm = _ALIASES.get(algorithm, algorithm)
                if not algorithm:
                    raise ValueError(f"no algorithm; use one of {', '.join(ALGORITHMS)}")
                if not cells.get("value"):
                    raise ValueError("no value")
                parsed.entries.append(
                    ParsedEntry(
                        algorithm=algorithm,
                        value=normalise(algorithm, cells["value"]),
                        label=_optional(cells.get("label"), MAX_LABEL, "label"),
                        reference=_optional(cells.get("reference"), MAX_REFERENCE, "reference"),
                        line=line,
                    )
                )
            except ValueError as exc:
                errors.append((line, str(exc)))
            if len(errors) >= _MAX_ERRORS:
                break
    except csv.Error as exc:
        errors.append((reader.line_num, f"not valid CSV: {exc}"))
    if header is None:
        errors.append((1, "no header; the first line must be: algorithm,value,label"))
    return parsed


def _check_header(header: list[str]) -> str | None:
    allowed = ["algorithm", "value", "label", "reference"]
    unknown = [c for c in header if c not in allowed]
    missing = [c for c in ("algorithm", "value") if c not in header]
    if unknown or missing or len(set(header)) != len(header):
        return (
            f"the header must name algorithm and value, and may name label and reference; "
            f"got {','.join(header)!r}"
        )
    return None


@cache
def _signal_types() -> dict[str, tuple[str, Any]]:
    """Every name ThreatExchange gives the file hashes we match → (our algorithm, its class).

    Imported on first use: the package loads faiss, which takes a noticeable fraction of a second.
    """
    from threatexchange.signal_type.md5 import VideoMD5Signal
    from threatexchange.signal_type.pdq.signal import PdqSignal
    from threatexchange.signal_type.sha256 import VideoSHA256Signal

    names: dict[str, tuple[str, Any]] = {}
    for algorithm, cls in (
        ("pdq", PdqSignal),
        ("md5", VideoMD5Signal),
        ("sha256", VideoSHA256Signal),
    ):
        indicator = cls.INDICATOR_TYPE
        indicator_names = [indicator] if isinstance(indicator, str) else list(indicator)
        for name in [cls.get_name(), *indicator_names]:
            names[name.lower()] = (algorithm, cls)
    return names


def _te_signal(signal_type: str, signal: str) -> tuple[str, str] | None:
    """(algorithm, normalised value) of a ThreatExchange signal; None for a type we do not match;
    ValueError when the package's own validation refuses the signal."""
    known = _signal_types().get(signal_type.strip().lower())
    if known is None:
        return None
    algorithm, cls = known
    # The package's PDQ validation does not fold case, its MD5 and SHA-256 ones do: fold first.
    value = str(cls.validate_signal_str(signal.strip().lower()))
    return algorithm, normalise(algorithm, value)


def _parse_threatexchange(text: str, errors: list[tuple[int, str]]) -> ParsedFile:
    lines = text.splitlines()
    first = next((ln for ln in lines if ln.strip()), "")
    if [c.strip() for c in first.split(",")] == _TE_CSV_HEADER:
        return _parse_te_csv(text, errors)
    parsed = ParsedFile()
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        # As LocalFileSignalExchangeAPI reads it: the type, one space, the signal.
        signal_type, _, rest = raw.strip().partition(" ")
        signal = rest.strip().split(" ")[0] if rest.strip() else ""
        if not signal:
            errors.append((number, "expected '<signal type> <signal>', e.g. 'pdq f8f8…'"))
            continue
        _add_te(parsed, errors, number, signal_type, signal, label=None, reference=None)
        if len(errors) >= _MAX_ERRORS:
            break
    return parsed


def _parse_te_csv(text: str, errors: list[tuple[int, str]]) -> ParsedFile:
    parsed = ParsedFile()
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        for row in reader:
            line = reader.line_num
            if None in row:
                errors.append((line, f"more columns than the header's {len(_TE_CSV_HEADER)}"))
                continue
            # A negative opinion says the signal is NOT in the collaboration's label set.
            if (row.get("category") or "").strip().upper() == "NEGATIVE_CLASS":
                parsed.skipped["marked NEGATIVE_CLASS (not in the set)"] += 1
                continue
            try:
                label = _optional(row.get("tags"), MAX_LABEL, "tags")
                reference = _optional(row.get("collab"), MAX_REFERENCE, "collab")
            except ValueError as exc:
                errors.append((line, str(exc)))
                continue
            _add_te(
                parsed,
                errors,
                line,
                row.get("signal_type") or "",
                row.get("signal_str") or "",
                label=label,
                reference=reference,
            )
            if len(errors) >= _MAX_ERRORS:
                break
    except csv.Error as exc:
        errors.append((reader.line_num, f"not valid CSV: {exc}"))
    return parsed


def _add_te(
    parsed: ParsedFile,
    errors: list[tuple[int, str]],
    line: int,
    signal_type: str,
    signal: str,
    *,
    label: str | None,
    reference: str | None,
) -> None:
    try:
        found = _te_signal(signal_type, signal)
    except ValueError as exc:
        errors.append((line, f"{signal_type.strip()} signal {signal.strip()[:80]!r}: {exc}"))
        return
    if found is None:
        parsed.skipped[f"of signal type {signal_type.strip() or '(none)'!r}"] += 1
        return
    algorithm, value = found
    parsed.entries.append(ParsedEntry(algorithm, value, label, reference, line))
