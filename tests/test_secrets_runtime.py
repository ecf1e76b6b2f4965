"""A recognisable fake API key is really sent, and then found nowhere it must not be:
cassettes (one recorded here, and every committed one), the cache database's bytes, the
typed errors (str, repr, attributes, chained causes, formatted tracebacks) and the log
records of every logger at DEBUG, the SDK's and the HTTP client's included.

The endpoint is :class:`tests.fault_server.FaultServer`, which simulates faults (a 401
that echoes the key it was given, as OpenAI does) and replays recorded answers.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest
import vcr

from factcheck import asummarise, summarise
from factcheck.errors import FactcheckError, ModelError
from factcheck.llm import CallPolicy
from factcheck.local import DEFAULT_ALIAS
from factcheck.testing import recording_config
from tests.fault_server import Fault, FaultServer

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])

ROOT = Path(__file__).resolve().parent.parent
RECORDED = ROOT / "cassettes" / "test_replay"
#: OpenAI-style and Azure-style (no "sk-" prefix: only verbatim redaction catches it).
KEYS = ["sk-test-SECRET-abc123def456ghi789jkl", "f0e1d2c3b4a5968778695a4b3c2d1e0f"]
POLICY = CallPolicy(max_attempts=2, max_wait=0.01, timeout=0.3)
LOGGERS = ("", "factcheck", "openai", "httpx", "httpcore", "httpx2", "httpcore2", "vcr")


def leaks(key: str, text: str) -> bool:
    """The key, or a long enough piece of it to be useful, appears in ``text``."""
    return key in text or key[-16:] in text or key[:20] in text


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer(RECORDED, hang_seconds=1.0) as fault_server:
        yield fault_server


@pytest.fixture(params=KEYS, ids=["openai-key", "azure-key"])
def key(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, server: FaultServer
) -> str:
    """The key and endpoint come from the environment, as in production."""
    value: str = request.param
    monkeypatch.setenv("OPENAI_API_KEY", value)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("FACTCHECK_MODEL", DEFAULT_ALIAS)
    return value


@pytest.fixture
def every_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    loggers = [logging.getLogger(name) for name in LOGGERS]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    yield caplog
    for lg, level in zip(loggers, levels, strict=True):
        lg.setLevel(level)


def _error_texts(error: BaseException) -> list[str]:
    """Everything an error shows: str, repr, attributes, the whole chain, the traceback."""
    texts = ["".join(traceback.format_exception(error))]
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        texts += [str(current), repr(current), repr(vars(current)), repr(current.args)]
        if isinstance(current, ModelError):
            texts += [str(current.last_output), repr(current.usage)]
        # Both links, even a suppressed context: a reporting tool may walk either.
        for linked in (current.__cause__, current.__context__):
            if linked is not None and id(linked) not in seen:
                texts.append(repr(linked))
        current = current.__cause__ or current.__context__
    return texts


def _run_everything(tmp_path: Path, server: FaultServer) -> list[BaseException]:
    """A success, a retried 429, a re-ask, and failures that echo or carry the request."""
    cache = tmp_path / "cache"
    errors: list[BaseException] = []
    seed = (ROOT / "seeds" / "000_5bc9710cf7c855ce.txt").read_text(encoding="utf-8")
    server.queue(Fault.rate_limited, Fault.bad_schema)
    report = summarise(seed, cache=cache, policy=POLICY, progress=False)
    assert report.usage.retries == 1 and report.usage.reasks == 1
    for fault in (Fault.unauthorized, Fault.server_error, Fault.reset, Fault.hang, Fault.refusal):
        server.queue(fault, fault)
        with pytest.raises(FactcheckError) as caught:
            summarise(seed, cache=False, policy=POLICY, progress=False)
        errors.append(caught.value)
        server.clear_faults()
    with pytest.raises(FactcheckError) as caught:
        summarise(seed, cache=False, policy=POLICY, model="no-such-model", progress=False)
    errors.append(caught.value)
    for fault in (Fault.unauthorized, Fault.unavailable):  # async: another chaining path
        server.queue(fault, fault)
        with pytest.raises(FactcheckError) as caught:
            asyncio.run(asummarise(seed, cache=False, policy=POLICY, progress=False))
        errors.append(caught.value)
        server.clear_faults()
    return errors


def test_the_key_is_sent_and_then_found_nowhere(
    key: str, server: FaultServer, tmp_path: Path, every_log: pytest.LogCaptureFixture
) -> None:
    errors = _run_everything(tmp_path, server)

    # It was really used: every request carried it.
    assert server.requests
    assert all(r.headers.get("authorization") == f"Bearer {key}" for r in server.requests)
    # The 401 echoed it back, and the error says so without it (sync and async).
    assert "Incorrect API key provided: [redacted]" in str(errors[0])
    assert "Incorrect API key provided: [redacted]" in str(errors[-2])

    for error in errors:
        for text in _error_texts(error):
            assert not leaks(key, text), text[:300]

    assert every_log.records, "nothing was logged: the log check would prove nothing"
    assert {r.name.split(".")[0] for r in every_log.records} >= {"factcheck", "openai"}
    for record in every_log.records:
        shown = logging.Formatter("%(name)s %(message)s").format(record)
        assert not leaks(key, shown), shown[:300]
        assert not leaks(key, repr(record.args)), record.name

    files = [p for p in (tmp_path / "cache").iterdir() if p.is_file()]
    assert any(p.name.endswith(".sqlite3") for p in files)
    for path in files:  # the database and its WAL: raw bytes, several encodings
        data = path.read_bytes()
        for encoded in (key.encode(), key.encode("utf-16-le"), key[-16:].encode()):
            assert encoded not in data, path.name


def test_a_recorded_cassette_keeps_no_key(key: str, server: FaultServer, tmp_path: Path) -> None:
    """Record real exchanges (a 429, then an answer) with the project's recording settings,
    then read the file: the key went out in every request header and is not in it."""
    seed = (ROOT / "seeds" / "000_5bc9710cf7c855ce.txt").read_text(encoding="utf-8")
    path = tmp_path / "recorded.yaml"
    recorder = vcr.VCR(**recording_config())
    server.queue(Fault.rate_limited)
    with recorder.use_cassette(str(path), record_mode="all"):
        summarise(seed, cache=False, policy=POLICY, progress=False)
    text = path.read_text(encoding="utf-8")
    assert text.count("/v1/chat/completions") == 2  # both exchanges were written
    assert all(r.headers["authorization"] == f"Bearer {key}" for r in server.requests)
    assert not leaks(key, text)
    assert "authorization" not in text.lower()


def test_no_committed_cassette_holds_a_key_or_a_bearer_token() -> None:
    cassettes = sorted((ROOT / "cassettes").rglob("*.yaml"))
    assert cassettes
    for path in cassettes:
        text = path.read_text(encoding="utf-8")
        assert not any(leaks(key, text) for key in KEYS), path
        assert "bearer " not in text.lower(), path
