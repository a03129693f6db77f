"""A bounded closed-loop HTTP load: N clients, each sending its next request when the last answered."""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from dataclasses import dataclass


@dataclass
class Request:
    method: str
    path: str
    body: bytes = b""
    headers: dict | None = None


@dataclass
class LoadResult:
    clients: int
    latencies_ms: list[float]
    errors: int
    seconds: float

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")

    def summary(self) -> dict:
        return {
            "clients": self.clients,
            "requests": len(self.latencies_ms) + self.errors,
            "errors": self.errors,
            "per_s": round(len(self.latencies_ms) / self.seconds, 1),
            "p50_ms": round(statistics.median(self.latencies_ms), 1) if self.latencies_ms else None,
            "p95_ms": round(self.percentile(0.95), 1),
            "p99_ms": round(self.percentile(0.99), 1),
        }


def send(port: int, request: Request, timeout: float = 60) -> tuple[int, bytes]:
    """One request on a new loopback connection (gunicorn's sync workers close each one)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(request.method, request.path, body=request.body, headers=request.headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def run_load(port: int, make_request, clients: int, requests_per_client: int, ok=(200, 201)) -> LoadResult:
    """`make_request(client, i)` gives each request; every client sends `requests_per_client`."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def client(number: int) -> None:
        nonlocal errors
        for i in range(requests_per_client):
            request = make_request(number, i)
            start = time.perf_counter()
            try:
                status, _ = send(port, request)
            except OSError:
                status = 0
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                if status in ok:
                    latencies.append(elapsed)
                else:
                    errors += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return LoadResult(clients, latencies, errors, time.perf_counter() - start)


def multipart_photo(name: str, content: bytes) -> tuple[bytes, str]:
    """A multipart/form-data body with one `image` file field, and its content type."""
    boundary = "----beauty-bench-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="{name}"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"
