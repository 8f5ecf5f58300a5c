"""What ties a group of reports to one campaign: the infrastructure its reports share (pure).

Similar wording alone is not a campaign: a detector's or a form's template, or a common
complaint, reads alike about many unrelated subjects. A campaign runs on infrastructure (its
links, its phone, its sender accounts) that its reports share. ``shared_evidence`` asks that of a
group big enough to stand out; ``novel_evidence`` lets a smaller group stand when what it shares
is new, named by no report before the window.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import numpy.typing as npt

_URL = re.compile(r"https?://[^\s'\"<>]+", re.IGNORECASE)
_PHONE = re.compile(r"\+\d[\d\s().-]{6,}\d")

Known = Callable[[set[str]], set[str]]
"""Which of some identifiers a report held before the window (asked of the database live)."""


def identifiers(text: str, subjects: Iterable[str] = ()) -> set[str]:
    """What a report names that a campaign shares: its subjects ("kind:value"), and the links
    (whole and by host) and phone numbers quoted in its text. A link's host is keyed as a
    subject's domain is, so a domain named either way is the same identifier."""
    found = set(subjects)
    for url in _URL.findall(text):
        url = url.rstrip(".,;:!?)]'\"").casefold()
        host = url.split("://", 1)[1].split("/", 1)[0]
        found |= {f"link:{url.split('://', 1)[1]}", f"domain:{host}"}
    for phone in _PHONE.findall(text):
        found.add("phone:+" + re.sub(r"\D", "", phone))
    return found


def shared_evidence(
    held: Sequence[set[str]],
    rows: Sequence[int],
    recent: npt.NDArray[np.bool_],
    holders: Counter[str],
    min_own: float,
) -> int:
    """The most recent reports of a group (``rows`` of the window, whose identifiers are
    ``held``) that hold one identifier that is the group's own: held in the window mostly
    (``min_own``) by the group's reports. A standing fraud ring's payment fingerprint is shared
    too, but mostly by reports outside a new group."""
    inside: Counter[str] = Counter()
    new: Counter[str] = Counter()
    for i in rows:
        inside.update(held[i])
        if recent[i]:
            new.update(held[i])
    return max(
        (n for ident, n in new.items() if inside[ident] >= min_own * holders[ident]), default=0
    )


def novel_evidence(
    held: Sequence[set[str]],
    reporters: Sequence[str],
    rows: Sequence[int],
    recent: npt.NDArray[np.bool_],
    holders: Counter[str],
    known: Known,
    *,
    min_reports: int,
    min_subjects: int,
) -> set[str]:
    """The identifiers that ``min_reports`` recent reports of the group, about at least
    ``min_subjects`` subjects (``reporters``: each report's subject), hold, that no report
    outside the group holds and that no report held before the window (``known``). A new
    campaign's link or phone, passed around by several sender accounts: seen by two
    reporters, it is seen before it is fifty."""
    inside: Counter[str] = Counter()
    new: Counter[str] = Counter()
    about: dict[str, set[str]] = {}  # the subjects of the recent reports holding each
    for i in rows:
        inside.update(held[i])
        if recent[i]:
            new.update(held[i])
            for ident in held[i]:
                about.setdefault(ident, set()).add(reporters[i])
    candidates = {
        ident
        for ident, n in new.items()
        if n >= min_reports
        and len(about[ident]) >= min_subjects
        and inside[ident] == holders[ident]
    }
    if not candidates:
        return set()
    seen = known(candidates)
    # A new page on a site named before is not new infrastructure.
    return {
        c
        for c in candidates - seen
        if not (c.startswith("link:") and f"domain:{c[5:].split('/', 1)[0]}" in seen)
    }


def text_needle(identifier: str) -> str | None:
    """A piece of text that a report naming ``identifier`` in its text contains, to find such
    reports by (``identifiers`` of what is found then says which really name it); None when the
    identifier is never read from a text."""
    kind, _, value = identifier.partition(":")
    if kind in ("link", "domain"):
        return value or None
    if kind == "phone":
        # Written "+44 20 7946 0123" or "+44-20-7946-0123": the last four digits stay together.
        digits = re.sub(r"\D", "", value)
        return digits[-4:] if len(digits) >= 6 else None
    return None
