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
    links = data.get("links") or {}
    if isinstance(links, dict) and links:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": label.replace("_", " ").title()},
                        "url": str(url),
                        "action_id": f"watchfloor-{label}"[:255],
                    }
                    for label, url in links.items()
                ][:5],
            }
        )
    blocks.append(
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"Watchfloor · {event_type}"}]}
    )
    return {"text": text, "blocks": blocks}


def _describe(event_type: str, data: dict[str, Any]) -> str:
    case = data.get("case")
    key = case.get("key") if isinstance(case, dict) else None
    summary = json.dumps(data, sort_keys=True, default=str)
    return f"*{event_type}*" + (f" on {key}" if key else "") + f"\n```{summary[:2500]}```"
