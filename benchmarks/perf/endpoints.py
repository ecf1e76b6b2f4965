"""The endpoints of the benchmark: the simulated one in its own process, and a relay that
meters what the peers send and receive."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from benchmarks.perf.common import ROOT


@contextmanager
def latency_server(delay: float) -> Iterator[str]:
    """The simulated endpoint in its own process, so its work does not share our GIL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.latency_server", "--delay", str(delay)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = proc.stdout.readline().strip() if proc.stdout else ""
        if not url.startswith("http"):
            raise SystemExit("the latency server did not start")
        yield url
    finally:
        if proc.stdin:
            proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def server_stats(base_url: str) -> dict[str, Any]:
    import httpx2

    result: dict[str, Any] = httpx2.get(base_url + "/stats", timeout=30).json()
    return result


class Meter:
    """A relay in front of an endpoint that counts calls and the usage each answer reports;
    the peers talk to it, so their cost is measured on the wire, not taken from them."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.calls = 0
        self.input_tokens = 0
        self.output_tokens = 0
        self.statuses: list[int] = []
        self.lock = threading.Lock()
        meter = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                import httpx2

                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                path = self.path.removeprefix("/v1")
                answer = httpx2.post(
                    meter.upstream + path,
                    content=body,
                    headers={"content-type": "application/json"},
                    timeout=3600,
                )
                usage: dict[str, Any] = {}
                with suppress(ValueError):
                    usage = answer.json().get("usage") or {}
                with meter.lock:
                    meter.calls += 1
                    meter.statuses.append(answer.status_code)
                    meter.input_tokens += int(usage.get("prompt_tokens") or 0)
                    meter.output_tokens += int(usage.get("completion_tokens") or 0)
                self.send_response(answer.status_code)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
