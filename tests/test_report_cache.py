"""The report cache: a finished report stored by everything that determines it, read back
on a re-run without a request, a plan or grounding; partial reports never stored.

The endpoint is :class:`tests.fault_server.FaultServer`, which answers over real HTTP with
responses recorded from the embedded model, and counts the requests it sees.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sqlite3
import sys
import warnings
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openai import AsyncOpenAI, OpenAI

from factcheck import Report, asummarise, pipeline, summarise
from factcheck.cache import ResponseCache, report_key
from factcheck.llm import CallPolicy
from factcheck.local import DEFAULT_ALIAS
from factcheck.models import Flag, FlagKind, Usage
from factcheck.text import make_source
from tests.fault_server import Fault, FaultServer

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])

RECORDED = Path(__file__).resolve().parent.parent / "cassettes" / "test_replay"
LONG_BUDGET = 150
KEY = "sk-test-report-cache-0000"
POLICY = CallPolicy(max_attempts=2, max_wait=0.01, timeout=5.0)


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer(RECORDED) as fault_server:
        yield fault_server


@pytest.fixture
def cache(tmp_path: Path) -> ResponseCache:
    return ResponseCache(tmp_path / "cache")


def run(server: FaultServer, text: str, **options: Any) -> Report:
    options.setdefault("model", DEFAULT_ALIAS)
    options.setdefault("policy", POLICY)
    options.setdefault("progress", False)
    client = OpenAI(base_url=server.base_url, api_key=KEY)
    return summarise(text, client=client, **options)


def run_embedded(server: FaultServer, text: str, **options: Any) -> Report:
    """As the embedded model at the simulated endpoint: the notes request per chunk, no
    reduce call, answered from the embedded model's recordings."""
    from factcheck.settings import current, using
    from factcheck.testing import embedded_spec

    options.setdefault("policy", POLICY)
    options.setdefault("progress", False)
    settings = current()
    with using(settings.with_(endpoint=embedded_spec(settings, base_url=server.base_url))):
        return summarise(text, **options)


def stored_reports(cache: ResponseCache) -> int:
    with sqlite3.connect(cache.path) as conn:
        return int(conn.execute("SELECT count(*) FROM reports").fetchone()[0])


def _report(text: str = "The council met. It approved a budget.") -> Report:
    return Report(
        source=make_source(text),
        headline="The council approved a budget",
        key_points=[],
        claims=[],
        usage=Usage(calls=2, input_tokens=100, output_tokens=20),
        model="m",
        prompt_version="p",
    )


# -- the store ------------------------------------------------------------------------------


def test_a_stored_report_reads_back_whole_with_the_usage_of_a_free_rerun(
    cache: ResponseCache,
) -> None:
    report = _report()
    assert cache.get_report("k") is None
    assert cache.put_report("k", report, rules_version="r")
    again = cache.get_report("k")
    assert again is not None
    assert again.usage == Usage(cache_hits=1)
    assert again.model_dump(exclude={"usage"}) == report.model_dump(exclude={"usage"})
    assert len(cache) == 0  # len counts model responses; reports are stored apart


def test_a_partial_report_is_never_stored(cache: ResponseCache) -> None:
    failed = Flag(kind=FlagKind.chunk_failed, message="sentences S3–S9 were not summarised")
    partial = _report().model_copy(update={"flags": [failed]})
    assert not cache.put_report("k", partial, rules_version="r")
    assert cache.get_report("k") is None


def test_an_entry_that_no_longer_validates_is_a_miss_with_a_warning(
    cache: ResponseCache, caplog: pytest.LogCaptureFixture
) -> None:
    cache.put_report("k", _report(), rules_version="r")
    cache.put_report("j", _report(), rules_version="r")
    with sqlite3.connect(cache.path) as conn:
        conn.execute("UPDATE reports SET content = ? WHERE key = 'k'", (b"not zlib",))
        bad_json = zlib.compress(b'{"headline": 3}')
        conn.execute("UPDATE reports SET content = ? WHERE key = 'j'", (bad_json,))
    with caplog.at_level(logging.WARNING, logger="factcheck.cache"):
        assert cache.get_report("k") is None
        assert cache.get_report("j") is None
    assert caplog.text.count("no longer validates") == 2


BASE: dict[str, Any] = {
    "text": "The council met.",
    "endpoint": "http://127.0.0.1:9/v1",
    "kind": "compatible",
    "model": "m",
    "prompt_version": "p",
    "rules_version": "r",
    "options": {"repair": True, "chunk_tokens": 3000, "max_claims": 12},
}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("text", "The council met again."),
        ("endpoint", "http://elsewhere/v1"),
        ("kind", "local"),
        ("model", "m2"),
        ("prompt_version", "p2"),
        ("rules_version", "r2"),
        ("options", {"repair": False, "chunk_tokens": 3000, "max_claims": 12}),
        ("options", {"repair": True, "chunk_tokens": 700, "max_claims": 12}),
        ("options", {"repair": True, "chunk_tokens": 3000, "max_claims": None}),
        ("options", {"repair": True, "chunk_tokens": 3000}),
    ],
)
def test_the_key_changes_with_everything_that_determines_the_report(
    name: str, value: object
) -> None:
    assert report_key(**{**BASE, name: value}) != report_key(**BASE)


def test_the_key_is_stable_and_ignores_option_order() -> None:
    reordered = {**BASE, "options": dict(reversed(list(BASE["options"].items())))}
    assert report_key(**reordered) == report_key(**BASE)
    assert len(report_key(**BASE)) == 64


# -- through summarise() ------------------------------------------------------------------


def test_a_rerun_is_answered_by_the_stored_report_without_a_request(
    server: FaultServer, seed_text: str, cache: ResponseCache
) -> None:
    first = run(server, seed_text, cache=cache)
    assert first.usage.calls == 1 and server.count() == 1
    assert stored_reports(cache) == 1
    again = run(server, seed_text, cache=cache)
    assert server.count() == 1
    assert again.usage == Usage(cache_hits=1)
    assert again.model_dump(exclude={"usage"}) == first.model_dump(exclude={"usage"})
    assert stored_reports(cache) == 1


def test_an_option_or_a_rules_change_builds_a_new_report(
    server: FaultServer, seed_text: str, cache: ResponseCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(server, seed_text, cache=cache)
    run(server, seed_text, cache=cache, repair=False)
    assert stored_reports(cache) == 2  # another report, from the stored model answer
    assert server.count() == 1
    monkeypatch.setattr(pipeline, "RULES_VERSION", "changed rules")
    run(server, seed_text, cache=cache)
    assert stored_reports(cache) == 3 and server.count() == 1


def test_a_report_missing_a_chunk_is_not_stored_and_the_next_run_completes_it(
    server: FaultServer, long_text: str, cache: ResponseCache
) -> None:
    source = make_source(long_text)
    server.fail_when(f"{source.sentences[-1].id}: ", Fault.server_error)
    partial = run_embedded(server, long_text, cache=cache, chunk_tokens=LONG_BUDGET, partial=True)
    assert [f for f in partial.flags if f.kind == FlagKind.chunk_failed]
    assert stored_reports(cache) == 0
    server.clear_faults()
    whole = run_embedded(server, long_text, cache=cache, chunk_tokens=LONG_BUDGET, partial=True)
    assert not [f for f in whole.flags if f.kind == FlagKind.chunk_failed]
    assert whole.usage.calls >= 1 and stored_reports(cache) == 1
    seen = server.count()
    again = run_embedded(server, long_text, cache=cache, chunk_tokens=LONG_BUDGET)
    assert again.usage == Usage(cache_hits=1) and server.count() == seen


def test_offline_a_stored_report_is_served(
    server: FaultServer, seed_text: str, cache: ResponseCache
) -> None:
    first = run(server, seed_text, cache=cache)
    offline = ResponseCache(cache.path, offline=True)
    again = run(server, seed_text, cache=offline)
    assert again.claims == first.claims and server.count() == 1


# -- sync calls leave nothing behind -------------------------------------------------------


def test_sync_calls_leave_no_client_open_on_a_closed_loop(
    server: FaultServer, seed_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each summarise() runs its own event loop; a client the library opened for it must be
    closed inside that loop, or its garbage collection fails ("Event loop is closed")."""
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    # What earlier tests left for the collector is theirs, not these calls'.
    gc.collect()
    unraisable: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            report = summarise(seed_text, model=DEFAULT_ALIAS, cache=False, policy=POLICY)
            assert report.usage.calls == 1
        gc.collect()
    assert unraisable == []
    assert server.count() == 3


def test_async_calls_with_the_callers_client_leave_it_usable(
    server: FaultServer, seed_text: str
) -> None:
    async def twice() -> list[Report]:
        async with AsyncOpenAI(base_url=server.base_url, api_key=KEY) as client:
            return [
                await asummarise(
                    seed_text, client=client, model=DEFAULT_ALIAS, cache=False, policy=POLICY
                )
                for _ in range(2)
            ]

    reports = asyncio.run(twice())
    assert [r.usage.calls for r in reports] == [1, 1] and server.count() == 2


# -- offline with the embedded model ---------------------------------------------------------


def test_offline_the_embedded_model_answers_from_the_cache_without_starting(
    server: FaultServer, seed_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first run reaches the recorded embedded-model answers through the endpoint the
    library builds for the embedded model; offline, the same request is answered from the
    cache and the model server is never started."""
    from factcheck import local
    from factcheck.errors import CacheMissError

    class Served:
        path = Path(local.DEFAULT_GGUF)
        alias = local.DEFAULT_ALIAS
        base_url = server.base_url

    monkeypatch.setattr(local, "start_server", lambda path=None: Served())
    first = summarise(seed_text, policy=POLICY, progress=False)
    assert first.usage.calls == 1 and server.count() == 1

    def no_server(path: Path | None = None) -> None:
        raise AssertionError("offline must not start the embedded model")

    monkeypatch.setattr(local, "start_server", no_server)
    monkeypatch.setenv("FACTCHECK_OFFLINE", "1")
    again = summarise(seed_text, policy=POLICY, progress=False)
    assert again.usage.calls == 0 and again.claims == first.claims
    with pytest.raises(CacheMissError):
        summarise(seed_text + "\nOne more sentence.", policy=POLICY, progress=False)
    assert server.count() == 1


def test_sync_calls_can_share_the_callers_async_client(
    server: FaultServer, seed_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each sync call runs its own event loop: an async client the caller keeps must still
    serve the next call, and nothing may be left to fail at garbage collection."""
    unraisable: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    client = AsyncOpenAI(base_url=server.base_url, api_key=KEY)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            report = summarise(
                seed_text, client=client, model=DEFAULT_ALIAS, cache=False, policy=POLICY
            )
            assert report.usage.calls == 1
        del client
        gc.collect()
    assert unraisable == []
    assert server.count() == 3


def test_offline_the_embedded_endpoint_is_built_without_its_server(
    seed_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Offline, the embedded model's endpoint (same identity and model as when it runs, so
    the same cache keys) is built without loading the model; a miss is a CacheMissError."""
    from factcheck import local
    from factcheck.endpoint import local_endpoint
    from factcheck.errors import CacheMissError

    def no_server(path: Path | None = None) -> None:
        raise AssertionError("offline must not start the embedded model")

    monkeypatch.setattr(local, "start_server", no_server)
    monkeypatch.setenv("FACTCHECK_OFFLINE", "1")
    endpoint = local_endpoint()
    assert endpoint.identity == f"local:{local.DEFAULT_GGUF}"
    assert endpoint.model == local.DEFAULT_ALIAS and endpoint.kind == "local"
    with pytest.raises(CacheMissError):
        summarise(seed_text, policy=POLICY, progress=False)
