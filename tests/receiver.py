"""A real webhook receiver on 127.0.0.1 for tests: verifies signatures, de-duplicates by id."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass
class Receiver:
    url: str
    secret: str = ""
    fail_first: int = 0  # answer 503 to this many requests before accepting
    requests: int = 0
    received: list[dict[str, Any]] = field(default_factory=list)  # verified, de-duplicated
    seen_ids: list[str] = field(default_factory=list)  # every webhook-id, repeats included
    bad_signatures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def webhook_receiver(fail_first: int = 0) -> Iterator[Receiver]:
    state = Receiver(url="", fail_first=fail_first)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            with state.lock:
                state.requests += 1
                if state.requests <= state.fail_first:
                    self.send_response(503)
                    self.end_headers()
                    return
                try:
                    payload = Webhook(state.secret).verify(body, dict(self.headers.items()))
                except WebhookVerificationError:
                    state.bad_signatures += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                event_id = self.headers["webhook-id"]
                state.seen_ids.append(event_id)
                if event_id not in {p["id"] for p in state.received}:
                    state.received.append(payload)
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
