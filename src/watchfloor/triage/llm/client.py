"""A client for an OpenAI-compatible chat-completions endpoint: ``complete`` asks for any
answer (incident drafts use it for plain text), ``assess`` for a case's assessment.

It never raises to its caller: every failure (off, timeout, unreachable, HTTP error, malformed or
schema-breaking answer, unknown policy) comes back as an ``LlmFailure`` with a short reason, so the
caller can fall back to the offline triage.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import httpx

from watchfloor.settings import Settings
from watchfloor.triage.llm.prompt import AnswerRejected, LlmAnswer, Prompt, parse_answer
from watchfloor.triage.llm.prompt import response_format as answer_format
from watchfloor.triage.taxonomy import Taxonomy

MAX_RESPONSE_BYTES = 512 * 1024  # a generous answer is a few KB; more is a misbehaving server


@dataclass(frozen=True)
class LlmVerdict:
    answer: LlmAnswer
    model: str  # as the server reports it, else as configured


@dataclass(frozen=True)
class LlmFailure:
    reason: str  # for people: short, may quote the server's error message
    kind: str = "failed"  # for the audit log: a fixed word, never text from the server


def _seconds(value: float) -> str:
    return f"{value:g}s"


def chat_url(base_url: str) -> str:
    return base_url.strip().rstrip("/") + "/chat/completions"


def request_body(model: str, prompt: Prompt, taxonomy: Taxonomy) -> dict[str, Any]:
    """The JSON body of the chat-completions request that assesses a case."""
    return _body(model, prompt.messages, answer_format(taxonomy))


def _body(
    model: str, messages: list[dict[str, str]], response_format: dict[str, Any] | None
) -> dict[str, Any]:
    body: dict[str, Any] = {"model": model, "messages": messages, "temperature": 0}
    if response_format is not None:
        body["response_format"] = response_format
    return body


def _read_capped(response: httpx.Response, deadline: float, timeout: float) -> bytes | LlmFailure:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            return LlmFailure(
                f"LLM answer was larger than {MAX_RESPONSE_BYTES // 1024} KB", "too_large"
            )
        chunks.append(chunk)
        if time.monotonic() > deadline:
            return LlmFailure(f"LLM timed out after {_seconds(timeout)}", "timeout")
    return b"".join(chunks)


def _error_detail(body: bytes) -> str:
    """The server's own error message, if it sent one in the OpenAI shape, shortened."""
    try:
        parsed = json.loads(body)
        message = parsed["error"]["message"] if isinstance(parsed["error"], dict) else None
    except (ValueError, KeyError, TypeError):
        message = None
    return f": {str(message)[:160]}" if message else ""


def _content(body: bytes) -> tuple[str, str | None] | LlmFailure:
    """(message content, model) from a chat-completions response body."""
    try:
        parsed = json.loads(body)
        choice = parsed["choices"][0]
        message = choice["message"]
    except (ValueError, KeyError, IndexError, TypeError):
        return LlmFailure("LLM server's response was not a chat completion", "malformed")
    model = parsed["model"][:200] if isinstance(parsed.get("model"), str) else None
    if not isinstance(message, dict):
        return LlmFailure("LLM server's response was not a chat completion", "malformed")
    if message.get("refusal"):
        return LlmFailure(f"LLM refused: {str(message['refusal'])[:160]}", "refused")
    if choice.get("finish_reason") == "length":
        return LlmFailure("LLM answer was cut off at the token limit", "cut_off")
    content = message.get("content")
    if not isinstance(content, str) or not content.strip():
        return LlmFailure("LLM answer was empty", "malformed")
    return content, model


def complete(
    settings: Settings,
    messages: list[dict[str, str]],
    *,
    response_format: dict[str, Any] | None = None,
    client: httpx.Client | None = None,
) -> tuple[str, str] | LlmFailure:
    """(content, model) of the configured model's answer to ``messages``; never raises. The
    model is as the server reports it, else as configured."""
    if not settings.llm_enabled:
        return LlmFailure("LLM assistance is off", "off")
    if not settings.llm_base_url or not settings.llm_model:
        return LlmFailure("LLM assistance is not configured", "off")
    timeout = settings.llm_timeout_seconds
    headers = {"Accept": "application/json"}
    if settings.llm_api_key is not None and settings.llm_api_key.get_secret_value():
        headers["Authorization"] = f"Bearer {settings.llm_api_key.get_secret_value()}"
    body = _body(settings.llm_model, messages, response_format)
    http = client or httpx.Client(timeout=timeout, follow_redirects=False)
    deadline = time.monotonic() + timeout
    try:
        with http.stream(
            "POST", chat_url(settings.llm_base_url), json=body, headers=headers
        ) as response:
            raw = _read_capped(response, deadline, timeout)
            if isinstance(raw, LlmFailure):
                return raw
            if not response.is_success:
                return LlmFailure(
                    f"LLM server answered HTTP {response.status_code}{_error_detail(raw)}",
                    "http_error",
                )
    except httpx.TimeoutException:
        return LlmFailure(f"LLM timed out after {_seconds(timeout)}", "timeout")
    except httpx.ConnectError as exc:
        return LlmFailure(
            f"LLM server unreachable: {str(exc)[:160] or type(exc).__name__}", "unreachable"
        )
    except httpx.HTTPError as exc:
        return LlmFailure(f"LLM request failed: {str(exc)[:160] or type(exc).__name__}")
    except Exception as exc:  # noqa: BLE001 - the contract is to fall back, never to raise
        return LlmFailure(f"LLM request failed: {type(exc).__name__}")
    finally:
        if client is None:
            http.close()
    extracted = _content(raw)
    if isinstance(extracted, LlmFailure):
        return extracted
    content, model = extracted
    return content, model or settings.llm_model


def assess(
    settings: Settings,
    prompt: Prompt,
    taxonomy: Taxonomy,
    *,
    client: httpx.Client | None = None,
) -> LlmVerdict | LlmFailure:
    """Ask the configured model to assess the case in ``prompt``; never raises."""
    answered = complete(
        settings, prompt.messages, response_format=answer_format(taxonomy), client=client
    )
    if isinstance(answered, LlmFailure):
        return answered
    content, model = answered
    try:
        answer = parse_answer(content, taxonomy)
    except AnswerRejected as exc:
        return LlmFailure(exc.reason, "rejected_answer")
    return LlmVerdict(answer=answer, model=model)
