"""Real webhook receivers on 127.0.0.1 for tests: one that verifies signatures and de-duplicates
by id (and can fail, answer with a body, or hold each request until told), and one that accepts
connections and never answers."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
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
    fail_body: bytes = b""  # what those 503s say
    hold: threading.Event | None = None  # when set up, each request waits for it to be set
    requests: int = 0
    received: list[dict[str, Any]] = field(default_factory=list)  # verified, de-duplicated
    seen_ids: list[str] = field(default_factory=list)  # every webhook-id, repeats included
    hosts: list[str] = field(default_factory=list)  # the Host header of every request
    bad_signatures: int = 0
    arrived: threading.Event = field(default_factory=threading.Event)  # a request came in
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def webhook_receiver(
    fail_first: int = 0, fail_body: bytes = b"", hold: threading.Event | None = None
) -> Iterator[Receiver]:
    state = Receiver(url="", fail_first=fail_first, fail_body=fail_body, hold=hold)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            state.arrived.set()
            if state.hold is not None:
                state.hold.wait(60)  # a bound, so a broken test ends instead of hanging
            with state.lock:
                state.requests += 1
                state.hosts.append(self.headers.get("host", ""))
                if state.requests <= state.fail_first:
                    self.send_response(503)
                    self.send_header("content-length", str(len(state.fail_body)))
                    self.end_headers()
                    self.wfile.write(state.fail_body)
                    return
                try:
                    payload = Webhook(state.secret).verify(body, dict(self.headers.items()))
                except WebhookVerificationError:
                    state.bad_signatures += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                event_id = self.headers["webhook-id"]
                # By the header, not the body: a Slack-format message carries no id of its own.
                if event_id not in state.seen_ids:
                    state.received.append(payload)
                state.seen_ids.append(event_id)
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        if hold is not None:
            hold.set()
        server.shutdown()
        server.server_close()


@dataclass
class Hanging:
    url: str
    connections: int = 0
    # What ``on_give_up`` returned each time a client gave up waiting and closed its connection.
    gave_up: list[Any] = field(default_factory=list)
    closed: threading.Event = field(default_factory=threading.Event)  # a client gave up
    # Set it to hang up on every open connection without answering.
    hang_up: threading.Event = field(default_factory=threading.Event)


@contextmanager
def hanging_receiver(on_give_up: Callable[[], Any] | None = None) -> Iterator[Hanging]:
    """Accepts connections, reads the request, and never answers (until told to hang up)."""
    listener = socket.create_server(("127.0.0.1", 0))
    state = Hanging(url=f"http://127.0.0.1:{listener.getsockname()[1]}/hooks")
    stop = threading.Event()

    def serve(conn: socket.socket) -> None:
        with conn:
            conn.settimeout(0.1)
            while not stop.is_set() and not state.hang_up.is_set():
                try:
                    if not conn.recv(65536):  # the client closed: it timed out
                        state.gave_up.append(on_give_up() if on_give_up else None)
                        state.closed.set()
                        return
                except TimeoutError:
                    continue
                except OSError:
                    return

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            state.connections += 1
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        stop.set()
        thread.join()
        listener.close()
