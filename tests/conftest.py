"""Shared fixtures. Replay tests run from cassettes recorded from the embedded model.

Re-record with ``make record`` (runs the embedded model; takes a few minutes).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from factcheck import local
from factcheck.testing import vcr_config  # noqa: F401  (read by pytest-recording)

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_5bc9710cf7c855ce.txt"
DATA = Path(__file__).resolve().parent / "data"

#: In replay no server runs; the cassette answers requests to this address.
REPLAY_URL = "http://127.0.0.1:9/v1"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the user's cache, keys or endpoint settings."""
    monkeypatch.setenv("FACTCHECK_CACHE_DIR", str(tmp_path / "cache"))
    for name in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "FACTCHECK_MODEL",
        "FACTCHECK_OFFLINE",
        "FACTCHECK_LOCAL_MODEL",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _fresh_endpoint_memory() -> Iterator[None]:
    """What an endpoint supports is remembered per process; tests start without it."""
    from factcheck import endpoint

    endpoint._WORKING_MODE.clear()
    yield
    endpoint._WORKING_MODE.clear()


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    return str(ROOT / "cassettes" / request.module.__name__.rsplit(".", 1)[-1])


@pytest.fixture
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture
def long_text() -> str:
    return (DATA / "bird_flu.txt").read_text(encoding="utf-8")


@dataclass
class _ReplayServer:
    """Stands in for the embedded model's server during replay: it only names the address
    and model file; the cassette supplies every response."""

    path: Path = Path(local.DEFAULT_GGUF)
    alias: str = local.DEFAULT_ALIAS
    base_url: str = REPLAY_URL


@pytest.fixture
def embedded_model(record_mode: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The embedded model's base URL: the real server when recording, the replay address
    otherwise."""
    if record_mode == "none":
        monkeypatch.setattr(local, "start_server", lambda path=None: _ReplayServer())
        yield REPLAY_URL
    else:
        yield local.start_server().base_url
