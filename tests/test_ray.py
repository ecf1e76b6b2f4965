"""The Ray Data path on a local Ray instance, replaying responses recorded from the embedded
model.

Ray runs ``summarise_batch`` in worker processes, out of reach of pytest-recording, which
patches only this process. So the workers call a relay on 127.0.0.1 in this process, and the
relay forwards each request byte for byte with httpx2, which pytest-recording records (from the
real embedded model) or replays (in CI). The relay adds nothing and invents nothing.
Re-record: ``rm -rf cassettes/test_ray && pytest tests/test_ray.py --record-mode=once``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from factcheck import Report
from factcheck.local import DEFAULT_ALIAS
from factcheck.ray_data import summarise_batch

#: A short article keeps the recording quick on the small model.
COUNCIL = (
    "The city council approved a budget of 40 million pounds on Monday. "
    "Mayor Ann Lee said the money will pay for two new schools by 2027."
)


class _Relay(BaseHTTPRequestHandler):
    upstream = ""

    def do_POST(self) -> None:
        import httpx2

        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        answer = httpx2.post(
            self.upstream.rstrip("/") + self.path.removeprefix("/v1"),
            content=body,
            headers={"content-type": "application/json"},
            timeout=1200,
        )
        self.send_response(answer.status_code)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def relay(embedded_model: str) -> Iterator[str]:
    handler = type("Relay", (_Relay,), {"upstream": embedded_model})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


@pytest.fixture
def local_ray() -> Iterator[None]:
    import ray

    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


@pytest.mark.vcr
def test_map_batches_over_summarise_many(relay: str, local_ray: None, tmp_path: Path) -> None:
    import ray

    from factcheck.ray_data import summarise_dataset

    rows = [
        {"id": "council", "text": COUNCIL},
        {"id": "blank", "text": "   "},
    ]
    ds = ray.data.from_items(rows)
    out = summarise_dataset(
        ds,
        base_url=relay,
        model=DEFAULT_ALIAS,
        cache=str(tmp_path / "ray-cache"),
        batch_size=2,
        max_concurrency=1,
    )
    results = {row["id"]: row for row in out.take_all()}

    assert set(results) == {"council", "blank"}
    blank = results["blank"]
    assert blank["report"] is None and blank["error_type"] == "InputError"
    assert "empty" in blank["error"]

    council = results["council"]
    assert council["error"] is None and council["text"] == COUNCIL
    report = Report.model_validate_json(council["report"])
    assert report.model == DEFAULT_ALIAS and report.claims
    for claim in report.claims:
        assert report.source.text[claim.start : claim.end] == claim.quote
    # a plain OpenAI-compatible URL: strict json_schema first, llama.cpp refuses it (HTTP
    # 500), JSON mode + schema then answers
    assert report.usage.calls == 2 and report.usage.retries == 0


def test_batch_function_reports_a_missing_column() -> None:
    from factcheck import InputError

    with pytest.raises(InputError, match="no column 'text'"):
        summarise_batch({"body": ["x"]})


def test_results_serialise_as_columns() -> None:
    """Every column Ray gets back is plain data (JSON text, str or None)."""
    # every text fails before any call, so the address is never contacted
    out = summarise_batch({"text": ["", " "], "id": [1, 2]}, base_url="http://127.0.0.1:9/v1")
    assert out["id"] == [1, 2]
    assert out["report"] == [None, None]
    assert out["error_type"] == ["InputError", "InputError"]
    json.dumps(out)


def test_concurrency_uses_the_current_ray_api(local_ray: None) -> None:
    """``concurrency=`` becomes a task-pool size, not Ray's deprecated argument (which
    logs "The argument ``concurrency`` is deprecated in Ray 2.51")."""
    import logging

    import ray

    from factcheck.ray_data import summarise_dataset

    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    # The module that logs it; "ray.data" does not pass records up to "ray".
    ray_logger = logging.getLogger("ray.data._internal.util")
    ray_logger.addHandler(handler)
    try:
        ds = ray.data.from_items([{"text": COUNCIL}])
        # Lazy: map_batches checks its arguments now and runs nothing.
        summarise_dataset(ds, base_url="http://127.0.0.1:9/v1", concurrency=2)
    finally:
        ray_logger.removeHandler(handler)
    assert not [r for r in records if "deprecated" in r.getMessage()]
