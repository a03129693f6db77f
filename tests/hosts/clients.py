"""API clients of the web host, as a person's script would be: a token, uploads, reads, retries on 503."""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field

from bench.load import multipart_photo

RETRY_FOR_S = 120  # a client gives an upload this long to be accepted (503s and lost connections)


@dataclass
class Tally:
    """Every answer the clients got, and the photos the web host accepted."""

    statuses: Counter = field(default_factory=Counter)
    codes_503: Counter = field(default_factory=Counter)
    accepted: list[str] = field(default_factory=list)
    owners: dict = field(default_factory=dict)  # photo id -> the client that uploaded it
    requests: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, status: int, body: bytes) -> None:
        with self.lock:
            self.requests += 1
            self.statuses[status] += 1
            if status == 503:
                self.codes_503[json.loads(body).get("code")] += 1
            elif status >= 500 or status == 0:
                self.errors.append(f"{status}: {body[:300]!r}")


def request(url: str, method: str = "GET", body: bytes = b"", headers: dict | None = None, timeout: float = 60):
    """(status, body, headers) of one request on a new connection; status 0 when none came."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    except OSError as error:
        return 0, str(error).encode(), {}
    finally:
        connection.close()


class Client:
    def __init__(self, base_url: str, token: str, tally: Tally) -> None:
        self.base_url, self.tally = base_url, tally
        self.auth = {"Authorization": f"Token {token}"}

    def upload(self, photo: bytes, number: int) -> str:
        """Send the photo until the web host accepts it; a 503 is retried after its Retry-After."""
        body, content_type = multipart_photo(f"portrait-{number}.jpg", photo)
        headers = {**self.auth, "Content-Type": content_type}
        deadline = time.monotonic() + RETRY_FOR_S
        while True:
            status, answer, answer_headers = request(f"{self.base_url}/api/photos/", "POST", body, headers)
            if status == 0:  # the connection itself failed: count it, as a person would see it
                with self.tally.lock:
                    self.tally.requests += 1
                    self.tally.statuses[0] += 1
            else:
                self.tally.record(status, answer)
            if status == 201:
                public_id = json.loads(answer)["id"]
                with self.tally.lock:
                    self.tally.accepted.append(public_id)
                    self.tally.owners[public_id] = self
                return public_id
            assert status in (0, 503), f"upload answered {status}: {answer[:500]!r}"
            assert time.monotonic() < deadline, f"upload still refused after {RETRY_FOR_S}s: {status}"
            time.sleep(min(float(answer_headers.get("Retry-After", 1)), 2.0))

    def get(self, path: str) -> dict:
        status, answer, _ = request(self.base_url + path, headers=self.auth)
        self.tally.record(status, answer)
        assert status == 200, f"GET {path} answered {status}: {answer[:300]!r}"
        return json.loads(answer)


def upload_concurrently(clients: list[Client], photos: list[bytes], count: int) -> threading.Thread:
    """`count` uploads shared among the clients, each sending its next when the last was accepted."""
    turns = iter(range(count))
    lock = threading.Lock()
    failures: list[BaseException] = []

    def run(client: Client) -> None:
        while True:
            with lock:
                number = next(turns, None)
            if number is None:
                return
            try:
                client.upload(photos[number % len(photos)], number)
            except BaseException as error:  # noqa: BLE001 (reported by the joining thread)
                failures.append(error)
                return

    threads = [threading.Thread(target=run, args=(client,), daemon=True) for client in clients]
    for thread in threads:
        thread.start()

    def join() -> None:
        for thread in threads:
            thread.join()

    joiner = threading.Thread(target=join, daemon=True)
    joiner.failures = failures
    joiner.start()
    return joiner
