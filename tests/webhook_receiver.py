"""A real HTTP receiver for webhook tests, on 127.0.0.1 only: it refuses (500), times out, or takes (204) on demand.

Tests never send anywhere else: a subscription in a test names this receiver's URL.
"""

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    """One request as it arrived, and how it was answered (None: not answered, the sender timed out)."""

    webhook_id: str
    headers: dict[str, str]
    body: bytes
    status: int | None
    at: float  # time.monotonic() when it arrived


class Receiver:
    """`mode` is "refuse" (answers 500), "hang" (answers after `hang_seconds`, past the sender's timeout) or "take"
    (answers 204); switch it at any time."""

    def __init__(self, mode: str = "take", hang_seconds: float = 2.0) -> None:
        self.mode = mode
        self.hang_seconds = hang_seconds
        self.received: list[Received] = []
        self._lock = threading.RLock()
        self._arrived = threading.Condition(self._lock)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the standard library's name
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                mode = receiver.mode
                status: int | None = {"refuse": 500, "take": 204}.get(mode)
                if mode == "hang":
                    time.sleep(receiver.hang_seconds)
                    status = None  # the sender has given up by now: whatever is answered, it is not heard
                    try:
                        self.send_response(204)
                        self.end_headers()
                    except OSError:
                        pass
                else:
                    self.send_response(status)
                    self.end_headers()
                receiver._record(
                    Received(self.headers.get("webhook-id", ""), dict(self.headers), body, status, time.monotonic())
                )

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self._thread = threading.Thread(target=self.server.serve_forever, name="webhook-receiver", daemon=True)

    def __enter__(self) -> "Receiver":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _record(self, received: Received) -> None:
        with self._arrived:
            self.received.append(received)
            self._arrived.notify_all()

    def taken(self) -> list[Received]:
        """The requests answered 2xx."""
        with self._lock:
            return [r for r in self.received if r.status is not None and 200 <= r.status < 300]

    def wait_for(self, condition, timeout: float = 30.0) -> bool:
        """Wait until `condition(receiver)` holds."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while not condition(self):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._arrived.wait(min(remaining, 0.2))
            return True
