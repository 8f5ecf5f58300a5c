"""A real OpenAI-compatible chat-completions server on 127.0.0.1 for tests.

It records every request and answers as told: with a message ``content``, an HTTP error, a raw
body, or only after a delay (to test timeouts).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

GOOD_ANSWER: dict[str, Any] = {
    "harm_area": "violence_threats",
    "policy_id": "VT-THREAT",
    "violation": True,
    "confidence": 0.92,
    "priority": "P1",
    "rationale": "A specific threat to hurt a named person at a stated time and place.",
    "summary": "The subject threatened to hurt the reporter outside their school on Friday.",
}


@dataclass
class ChatServer:
    base_url: str = ""
    content: str = json.dumps(GOOD_ANSWER)  # the assistant message's content
    status: int = 200
    raw_body: bytes | None = None  # sent instead of a chat completion when set
    delay: float = 0.0  # seconds to wait before answering
    model: str = "gpt-oss-safeguard-20b"
    requests: list[dict[str, Any]] = field(default_factory=list)  # {"path", "headers", "json"}
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, answer: dict[str, Any] | str) -> None:
        self.content = answer if isinstance(answer, str) else json.dumps(answer)


@contextmanager
def chat_server() -> Iterator[ChatServer]:
    state = ChatServer()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            with state.lock:
                state.requests.append(
                    {
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "json": json.loads(body),
                    }
                )
            if state.delay and state.release.wait(state.delay):
                return  # the test is over: drop the connection
            if self.path != "/v1/chat/completions":
                self._send(404, {"error": {"message": f"no route {self.path}"}})
            elif state.status != 200:
                self._send(state.status, {"error": {"message": "model overloaded"}})
            elif state.raw_body is not None:
                self._send_bytes(200, state.raw_body)
            else:
                self._send(
                    200,
                    {
                        "id": "chatcmpl-test",
                        "object": "chat.completion",
                        "model": state.model,
                        "choices": [
                            {
                                "index": 0,
                                "finish_reason": "stop",
                                "message": {"role": "assistant", "content": state.content},
                            }
                        ],
                        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                    },
                )

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            self._send_bytes(status, json.dumps(payload).encode())

        def _send_bytes(self, status: int, body: bytes) -> None:
            try:
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timed out) first

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()
