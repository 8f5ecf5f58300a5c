"""A real local HTTP server that answers like the DSA Transparency Database's batch endpoint."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

TOKEN = "X|test-token"


@dataclass
class FakeDatabase:
    """Answers POST /api/v1/statements as the Database does; ``script`` answers first."""

    url: str = ""
    known_puids: set[str] = field(default_factory=set)
    script: list[tuple[int, dict[str, Any], dict[str, str]]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)

    def answer(
        self, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        self.requests.append({"path": path, "headers": headers, "body": json.loads(body)})
        if self.script:
            return self.script.pop(0)
        if path != "/api/v1/statements":
            return 404, {"message": "Not Found"}, {}
        if headers.get("authorization") != f"Bearer {TOKEN}":
            return 401, {"message": "Unauthenticated."}, {}
        puids = [s["puid"] for s in json.loads(body)["statements"]]
        repeated = sorted({p for p in puids if puids.count(p) > 1 or p in self.known_puids})
        if repeated:
            message = "The platform identifier(s) are not all unique within this call."
            return 422, {"message": message, "errors": {"puid": [message],
                                                         "existing_puids": repeated}}, {}  # fmt: skip
        self.known_puids.update(puids)
        created = [{"puid": p, "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, p)),
                    "created_at": "2026-03-02 10:00:00"} for p in puids]  # fmt: skip
        return 201, {"statements": created}, {}


@pytest.fixture
def database() -> Iterator[FakeDatabase]:
    state = FakeDatabase()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, payload, extra = state.answer(self.path, headers, body)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
