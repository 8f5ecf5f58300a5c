"""One line of plain language for an audit event on the incident timeline (pure).

Known actions get a sentence; any other shows what changed as ``field: old → new``. Report text
and summaries are never shown (they may be graphic, and the timeline is read by every role that
may read incidents); a case's own page shows them to those who may see them.
"""

from __future__ import annotations

from typing import Any

MAX_CHARS = 400
NEVER_SHOWN = frozenset({"summary", "text", "body_html", "evidence"})
SENTENCES = {
    "incident.declared": "Declared {severity}: {title}",
    "incident.status_changed": "Now {status}",
    "incident.cases_linked": "Linked {cases}",
    "incident.case_unlinked": "Unlinked {case}",
    "incident.role_assigned": "{user} is {role}",
    "incident.role_handed_over": "{role} handed over to {user}",
    "incident.command_handed_over": "Command handed over to {user}",
    "incident.update_sent": "Stakeholder update sent: {text}",
    "incident.update_missed": "Stakeholder update overdue since {due}",
    "incident.task_added": "Task: {title}",
    "incident.task_changed": "Task #{task} {status}",
    "incident.draft_made": "A {purpose} draft was made ({source})",
    "case.note": "Note: {body}",
    "case.decided": "Decided: {policy}",
}


def _value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value[:20]) + (" …" if len(value) > 20 else "")
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in sorted(value.items()) if v is not None)
    return str(value)


class _Fields(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "?"


def describe(action: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    before, after = before or {}, after or {}
    sentence = SENTENCES.get(action)
    if sentence is not None:
        fields = _Fields({k: _value(v) for k, v in {**before, **after}.items()})
        text = sentence.format_map(fields)
    else:
        changes = []
        for name in sorted(set(before) | set(after)):
            if name in NEVER_SHOWN:
                continue
            old, new = before.get(name), after.get(name)
            if old == new:
                continue
            if name in before and name in after:
                changes.append(f"{name}: {_value(old)} → {_value(new)}")
            elif name in after:
                changes.append(f"{name}: {_value(new)}")
        text = action + (" (" + "; ".join(changes) + ")" if changes else "")
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1] + "…"
