"""Shared fixtures. Replay tests run from cassettes recorded from the embedded model.

Re-record with ``make record`` (runs the embedded model; takes a few minutes).
"""

from __future__ import annotations

from pathlib import Path

import pytest

# The plugin's fixtures, as a user's conftest gets them with pytest_plugins (which pytest
# accepts only in the root conftest).
from factcheck.testing import (  # noqa: F401
    Replay,
    factcheck_embedded,
    factcheck_replay,
    vcr_config,
)

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_5bc9710cf7c855ce.txt"
DATA = Path(__file__).resolve().parent / "data"


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


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    return str(ROOT / "cassettes" / request.module.__name__.rsplit(".", 1)[-1])


@pytest.fixture
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture
def long_text() -> str:
    return (DATA / "bird_flu.txt").read_text(encoding="utf-8")


@pytest.fixture
def embedded_model(request: pytest.FixtureRequest) -> str:
    """The embedded model's base URL: the real server when recording, the replay address
    otherwise (the plugin's ``factcheck_embedded``)."""
    replay: Replay = request.getfixturevalue("factcheck_embedded")
    return replay.base_url
