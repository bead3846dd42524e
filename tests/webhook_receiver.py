"""A real HTTP server that receives webhooks in the tests: it records every request and
answers as told (200, a 500, or only after a pause longer than the sender waits)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def payload(self) -> dict:
        return json.loads(self.body)

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]


def verify(secret: str, received: Received) -> bool:
    """The receiver's side of Standard Webhooks, written out here rather than imported."""
    key = base64.b64decode(secret.split("_", 1)[1])
    signed = (
        received.headers["webhook-id"].encode()
        + b"."
        + received.headers["webhook-timestamp"].encode()
        + b"."
        + received.body
    )
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    offered = [part.split(",", 1)[1] for part in received.headers["webhook-signature"].split()]
    return any(hmac.compare_digest(expected, sig) for sig in offered)


class Receiver:
    """`mode`: "ok" answers 200, "fail" answers 500; `delay` seconds of silence first."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.mode = "ok"
        self.delay = 0.0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                with receiver._lock:
                    receiver.requests.append(Received(self.path, headers, body))
                    delay, mode = receiver.delay, receiver.mode
                if delay:
                    time.sleep(delay)
                status, text = (200, b"thanks") if mode == "ok" else (500, b"receiver broke")
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(text)))
                    self.end_headers()
                    self.wfile.write(text)
                except OSError:
                    pass  # the sender gave up waiting

            def do_GET(self):
                self.send_response(405)
                self.end_headers()

            def log_message(self, format, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/practica"

    def start(self) -> Receiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def received(self) -> list[Received]:
        with self._lock:
            return list(self.requests)

    def of_type(self, type: str) -> list[Received]:
        return [r for r in self.received() if r.payload["type"] == type]
