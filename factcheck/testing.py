"""Record model calls once, replay them in CI: a pytest plugin for your own tests.

One line in your ``conftest.py``::

    pytest_plugins = ["factcheck.testing"]

then mark tests that call factcheck with ``@pytest.mark.vcr`` and ask for one fixture:

- ``factcheck_replay`` — the endpoint your environment names when recording (``OPENAI_API_KEY``
  for OpenAI, ``OPENAI_BASE_URL`` for Azure, Ollama, vLLM, a llama.cpp server; neither: the
  embedded model). What the replay needs to send the same requests (kind of endpoint, base
  URL, model) is written beside the cassette as ``<cassette>.endpoint.json``, so CI replays
  with no key and no variables set.
- ``factcheck_embedded`` — always the embedded model (its server only starts when recording).

Record with ``pytest --record-mode=once`` and commit the cassettes (and their
``.endpoint.json``); CI runs ``pytest --record-mode=none --block-network``. What the plugin
sets up:

- ``vcr_config``: request and response headers that carry keys, organisations, projects or
  cookies are dropped before anything is written; requests match on method, path, query and
  **body** (the chunks of one article go to the same URL at once; without the body they would
  replay each other's answers); compressed responses are stored decoded.
- each test gets its own empty response cache (a cache hit would leave the request out of the
  cassette) and offline mode off;
- when replaying, a dummy key (nothing is sent anywhere); factcheck turns the SDK's own
  retries off, so a request missing from a cassette fails at once with vcrpy's error instead
  of being retried.

The fixtures scope their settings with :func:`factcheck.settings.using`; nothing is written to
``os.environ`` but the test's cache folder (``FACTCHECK_CACHE_DIR``, through pytest's
``monkeypatch``, so that subprocesses a test starts share it).

For scripts, :func:`offline` runs a block against the response cache only, and
:func:`cassette` replays (or records) one cassette outside pytest.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from factcheck.settings import EndpointSpec, Settings, current, using

__all__ = [
    "REPLAY_KEY",
    "REPLAY_URL",
    "SECRET_HEADERS",
    "Replay",
    "cassette",
    "embedded_spec",
    "endpoint_file",
    "environment_spec",
    "factcheck_embedded",
    "factcheck_replay",
    "offline",
    "recording_config",
    "scrub_response",
    "vcr_config",
]

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
    from factcheck.llm import redact

    headers = response.get("headers") or {}
    for name in list(headers):
        if name.lower() in SECRET_HEADERS:
            del headers[name]
    body = response.get("body") or {}
    text = body.get("string")
    secrets: list[str | None] = [*current().secrets, *Settings.from_env().secrets]
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


@contextmanager
def cassette(path: str | Path, *, record_mode: str = "none") -> Iterator[Any]:
    """Replay (or, with ``record_mode="once"``, record) the model calls of a block of code
    outside pytest, with the same settings as the plugin. Replaying a cassette that has an
    ``.endpoint.json`` beside it sends the recorded endpoint's requests, with a dummy key.
    Needs ``factcheck[testing]``."""
    import vcr  # type: ignore[import-untyped]

    player = vcr.VCR(record_mode=record_mode, **recording_config()).use_cassette(str(path))
    stored = endpoint_file(path)
    if record_mode != "none" or not stored.is_file():
        with player as tape:
            yield tape
        return
    spec = _replay_spec(EndpointSpec.from_json(stored.read_text(encoding="utf-8")))
    with using(current().with_(endpoint=spec, api_key=REPLAY_KEY)), player as tape:
        yield tape


@contextmanager
def offline(cache_dir: str | Path | None = None) -> Iterator[Settings]:
    """Answer every model call of the block from the response cache, or raise
    :class:`~factcheck.errors.CacheMissError`: no model runs, nothing goes over the network.

    ``cache_dir`` points the block at another cache folder. The block's settings are scoped
    to this thread and the tasks it starts (``os.environ`` is not touched); they are yielded.
    """
    changes: dict[str, Any] = {"offline": True, "offline_source": "factcheck.testing.offline()"}
    if cache_dir is not None:
        changes["cache_dir"] = Path(cache_dir)
    with using(current().with_(**changes)) as settings:
        yield settings


@dataclass(frozen=True)
class Replay:
    """What a test is running against."""

    recording: bool
    cache_dir: Path
    #: The endpoint every call without ``client=`` goes to (the recording's, when replaying).
    endpoint: EndpointSpec
    #: The settings in force during the test.
    settings: Settings

    @property
    def base_url(self) -> str:
        """The endpoint's address (``REPLAY_URL`` for the embedded model while replaying)."""
        return self.endpoint.base_url or REPLAY_URL


def endpoint_file(cassette_path: str | Path) -> Path:
    """Where the endpoint a cassette was recorded against is stored: beside it."""
    path = Path(cassette_path)
    return path.with_name(f"{path.stem}.endpoint.json")


def embedded_spec(settings: Settings, base_url: str | None = None) -> EndpointSpec:
    """The embedded model as an endpoint spec, without loading it (replay needs no model)."""
    from factcheck import local

    path = Path(settings.local_model) if settings.local_model else Path(local.DEFAULT_GGUF)
    return EndpointSpec(
        kind="local",
        model=local.model_alias(path),
        identity=f"local:{path.name}",
        base_url=base_url,
        context_tokens=local.CONTEXT_TOKENS,
    )


def environment_spec(settings: Settings) -> EndpointSpec:
    """The endpoint ``settings`` name, as :func:`factcheck.endpoint.resolve` would pick it,
    without starting the embedded model or sending anything."""
    if settings.endpoint is not None:
        return settings.endpoint
    if settings.api_key or settings.base_url:
        from factcheck.endpoint import resolve

        return resolve(settings=settings).spec()
    return embedded_spec(settings)


def _replay_spec(spec: EndpointSpec) -> EndpointSpec:
    # The embedded model has no fixed address: replay gives it one where nothing listens.
    if spec.base_url is None:
        return dataclasses.replace(spec, base_url=REPLAY_URL)
    return spec


def _replaying(cassette: Any, record_mode: str) -> bool:
    # vcrpy's own answer when a cassette is in use: "none", or "once" with a recording on disk.
    if cassette is not None:
        return bool(cassette.write_protected)
    return record_mode == "none"


def _cassette_path(cassette: Any) -> Path | None:
    path = getattr(cassette, "_path", None)
    return Path(path) if path else None


def _fresh_cache(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache_dir = tmp_path_factory.mktemp("factcheck-cache")
    # Subprocesses the test starts (a notebook kernel, the command line) use the same cache.
    monkeypatch.setenv("FACTCHECK_CACHE_DIR", str(cache_dir))
    monkeypatch.delenv("FACTCHECK_OFFLINE", raising=False)
    return cache_dir


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    """Read by pytest-recording for every ``@pytest.mark.vcr`` test."""
    return recording_config()


@pytest.fixture
def factcheck_replay(
    request: pytest.FixtureRequest,
    record_mode: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Replay]:
    """The endpoint the environment names when recording; the same endpoint when replaying.

    Recording writes ``<cassette>.endpoint.json`` (kind, base URL, model: never a key).
    Replaying reads it, so CI needs no ``OPENAI_API_KEY`` or ``OPENAI_BASE_URL``; without that
    file (a cassette from an older version) the environment names the endpoint, as when
    recording, with a dummy key.
    """
    cassette = request.getfixturevalue("vcr")
    cache_dir = _fresh_cache(monkeypatch, tmp_path_factory)
    env = Settings.from_env().with_(cache_dir=cache_dir, offline=False)
    where = _cassette_path(cassette)
    stored = endpoint_file(where) if where is not None else None
    if _replaying(cassette, record_mode):
        if stored is not None and stored.is_file():
            spec = _replay_spec(EndpointSpec.from_json(stored.read_text(encoding="utf-8")))
        else:
            spec = _replay_spec(environment_spec(env))
        settings = env.with_(endpoint=spec, api_key=REPLAY_KEY)
        with using(settings):
            yield Replay(recording=False, cache_dir=cache_dir, endpoint=spec, settings=settings)
        return
    spec = environment_spec(env)
    if stored is not None:
        stored.parent.mkdir(parents=True, exist_ok=True)
        stored.write_text(spec.to_json(), encoding="utf-8")
    settings = env.with_(endpoint=spec)
    with using(settings):
        yield Replay(recording=True, cache_dir=cache_dir, endpoint=spec, settings=settings)


@pytest.fixture
def factcheck_embedded(
    request: pytest.FixtureRequest,
    record_mode: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Replay]:
    """The embedded model: started for real when recording; while replaying, only its address
    exists and the cassette answers (no model loads). Needs ``factcheck[local]`` to record."""
    cassette = request.getfixturevalue("vcr")
    cache_dir = _fresh_cache(monkeypatch, tmp_path_factory)
    # Keys and servers in the environment play no part: this fixture names its endpoint.
    env = Settings.from_env().with_(
        cache_dir=cache_dir, offline=False, api_key=None, base_url=None, model=None
    )
    if _replaying(cassette, record_mode):
        spec = embedded_spec(env, REPLAY_URL)
        settings = env.with_(endpoint=spec, api_key=REPLAY_KEY)
        recording = False
    else:
        from factcheck import local

        server = local.start_server(local.default_model_path(env))
        spec = embedded_spec(env, server.base_url)
        settings = env.with_(endpoint=spec)
        recording = True
    with using(settings):
        yield Replay(recording=recording, cache_dir=cache_dir, endpoint=spec, settings=settings)
