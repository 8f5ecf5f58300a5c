"""Webhook payload formats: the Standard Webhooks envelope, or a Slack incoming-webhook message."""

from __future__ import annotations

import json
from typing import Any

FORMATS = ("standard", "slack")


def slack_message(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """``{text, blocks}`` for a Slack incoming webhook (and the many chat tools that accept it).

    An event that carries ``text`` is shown as it is; its ``links`` become buttons. Any other event
    is named with its main fields.
    """
    text = str(data.get("text") or _describe(event_type, data))[:3000]
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
    ]
    buttons = _buttons(data.get("links"))
    if buttons:
        blocks.append({"type": "actions", "elements": buttons[:25]})
    blocks.append(
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"Watchfloor · {event_type}"}]}
    )
    return {"text": text, "blocks": blocks}


def _buttons(links: object) -> list[dict[str, Any]]:
    """A button per link: ``{label: url}``, or ``{person: {label: url}}`` (each person's own
    signed links, so whoever presses one is named), labelled "Acknowledge (ana)"."""
    if not isinstance(links, dict):
        return []
    out = []
    # Sorted: a payload stored as PostgreSQL jsonb comes back with its keys in another order.
    for name, value in sorted(links.items()):
        pairs = sorted(value.items()) if isinstance(value, dict) else [(name, value)]
        for label, url in pairs:
            title = label.replace("_", " ").title()
            if isinstance(value, dict):
                title = f"{title} ({name})"
            out.append(
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": title[:75]},
                    "url": str(url),
                    "action_id": f"watchfloor-{label}-{name}"[:255],
                }
            )
    return out


def _describe(event_type: str, data: dict[str, Any]) -> str:
    case = data.get("case")
    key = case.get("key") if isinstance(case, dict) else None
    summary = json.dumps(data, sort_keys=True, default=str)
    return f"*{event_type}*" + (f" on {key}" if key else "") + f"\n```{summary[:2500]}```"
