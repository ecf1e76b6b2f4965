"""Record model calls once, replay them in CI: a pytest plugin for your own tests.

One line in your ``conftest.py``::

    pytest_plugins = ["factcheck.testing"]

then mark tests that call factcheck with ``@pytest.mark.vcr`` and ask for one fixture:

- ``factcheck_replay`` — the endpoint your environment names (``OPENAI_API_KEY`` for OpenAI,
  ``OPENAI_BASE_URL`` for Azure, Ollama, vLLM, a llama.cpp server);
- ``factcheck_embedded`` — the embedded model (no key; its server only starts when recording).

Record with ``pytest --record-mode=once`` and commit the cassettes; CI runs
``pytest --record-mode=none --block-network``. What the plugin sets up:

- ``vcr_config``: request and response headers that carry keys, organisations, projects or
  cookies are dropped before anything is written; requests match on method, path, query and
  **body** (the chunks of one article go to the same URL at once; without the body they would
  replay each other's answers); compressed responses are stored decoded.
- each test gets its own empty response cache (a cache hit would leave the request out of the
  cassette) and offline mode off;
- when replaying, a dummy ``OPENAI_API_KEY`` where none is set, so clients build without a
  secret; factcheck turns the SDK's own retries off, so a request missing from a cassette
  fails at once with vcrpy's error instead of being retried.

For scripts, :func:`offline` runs a block against the response cache only, and
:func:`cassette` replays (or records) one cassette outside pytest.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

#: Headers that may carry a credential or an account identifier (lower case).
SECRET_HEADERS = (
    "authorization",
    "api-key",
    "x-api-key",
    "openai-organization",
    "openai-project",
    "cookie",
    "set-cookie",
)

#: The key clients get while replaying; nothing is sent anywhere with it.
REPLAY_KEY = "sk-replay-dummy-key"
#: Where the embedded model "is" while replaying: no server runs, the cassette answers.
#: Cassettes do not match on host or port, so the recording's random port does not matter.
REPLAY_URL = "http://127.0.0.1:9/v1"


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    """vcrpy ``before_record_response`` hook: drop secret-bearing response headers, and
    redact keys from the body (servers echo a rejected key in their 401 message)."""
    import os

    from factcheck.llm import redact

    headers = response.get("headers") or {}
    for name in list(headers):
        if name.lower() in SECRET_HEADERS:
            del headers[name]
    body = response.get("body") or {}
    text = body.get("string")
    secrets = [os.environ.get("OPENAI_API_KEY"), os.environ.get("AZURE_OPENAI_API_KEY")]
    if isinstance(text, bytes):
        body["string"] = redact(text.decode("utf-8", "replace"), secrets).encode("utf-8")
    elif isinstance(text, str):
        body["string"] = redact(text, secrets)
    return response


def recording_config() -> dict[str, Any]:
    """vcrpy settings: no secrets on disk, requests matched on their body.

    Body matching matters: chunks of one article go out concurrently to the same URL, and
    without it they would replay each other's answers.
    """
    return {
        "filter_headers": [(name, None) for name in SECRET_HEADERS],
        "before_record_response": scrub_response,
        "match_on": ("method", "scheme", "path", "query", "body"),
        "decode_compressed_response": True,
        "record_on_exception": False,
    }


def cassette(path: str | Path, *, record_mode: str = "none") -> AbstractContextManager[Any]:
    """Replay (or, with ``record_mode="once"``, record) the model calls of a block of code
    outside pytest, with the same settings as the plugin. Needs ``factcheck[testing]``."""
    import vcr  # type: ignore[import-untyped]

    player: AbstractContextManager[Any] = vcr.VCR(
        record_mode=record_mode, **recording_config()
    ).use_cassette(str(path))
    return player


@contextmanager
def offline(cache_dir: str | Path | None = None) -> Iterator[None]:
    """Answer every model call of the block from the response cache, or raise
    :class:`~factcheck.errors.CacheMissError`: no model runs, nothing goes over the network.

    ``cache_dir`` points the block at another cache folder (``FACTCHECK_CACHE_DIR``).
    The environment is restored afterwards.
    """
    saved = {name: os.environ.get(name) for name in ("FACTCHECK_OFFLINE", "FACTCHECK_CACHE_DIR")}
    os.environ["FACTCHECK_OFFLINE"] = "1"
    if cache_dir is not None:
        os.environ["FACTCHECK_CACHE_DIR"] = str(cache_dir)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@dataclass(frozen=True)
class Replay:
    """What a test is running against."""

    recording: bool
    cache_dir: Path
    #: The embedded model's address (``factcheck_embedded`` only).
    base_url: str | None = None


@dataclass
class _ReplayServer:
    """Stands in for the embedded model's server while replaying: it names the model file
    and an address; the cassette supplies every response."""

    path: Path
    alias: str
    base_url: str = REPLAY_URL


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    """Read by pytest-recording for every ``@pytest.mark.vcr`` test."""
    return recording_config()


@pytest.fixture
def factcheck_replay(
    record_mode: str, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Replay:
    """The endpoint your environment names, recorded once and replayed offline.

    Replaying a recording made against a server other than OpenAI, set ``OPENAI_BASE_URL``
    in CI as well (any address: nothing is sent to it), so the same kind of endpoint is built.
    """
    cache_dir = tmp_path_factory.mktemp("factcheck-cache")
    monkeypatch.setenv("FACTCHECK_CACHE_DIR", str(cache_dir))
    monkeypatch.delenv("FACTCHECK_OFFLINE", raising=False)
    recording = record_mode != "none"
    if not recording and not os.environ.get("OPENAI_API_KEY"):
        monkeypatch.setenv("OPENAI_API_KEY", REPLAY_KEY)
    return Replay(recording=recording, cache_dir=cache_dir)


@pytest.fixture
def factcheck_embedded(
    record_mode: str, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Replay:
    """The embedded model: started for real when recording; while replaying, only its address
    exists and the cassette answers (no model loads). Needs ``factcheck[local]`` to record."""
    from factcheck import local

    cache_dir = tmp_path_factory.mktemp("factcheck-cache")
    monkeypatch.setenv("FACTCHECK_CACHE_DIR", str(cache_dir))
    for name in ("FACTCHECK_OFFLINE", "OPENAI_API_KEY", "OPENAI_BASE_URL", "FACTCHECK_MODEL"):
        monkeypatch.delenv(name, raising=False)
    if record_mode != "none":
        return Replay(recording=True, cache_dir=cache_dir, base_url=local.start_server().base_url)
    configured = os.environ.get("FACTCHECK_LOCAL_MODEL")
    default = Path(configured) if configured else Path(local.DEFAULT_GGUF)

    def stand_in(path: Path | None = None) -> _ReplayServer:
        chosen = path or default
        return _ReplayServer(path=chosen, alias=local.model_alias(chosen))

    monkeypatch.setattr(local, "start_server", stand_in)
    return Replay(recording=False, cache_dir=cache_dir, base_url=REPLAY_URL)
