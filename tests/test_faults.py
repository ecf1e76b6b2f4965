"""The fault matrix: every way the endpoint fails, through summarise() and asummarise().

The endpoint is :class:`tests.fault_server.FaultServer`, which simulates faults and replays
answers recorded from the embedded model. Attempts are counted on the server side, so a
retry loop stacked on another (ours on the SDK's) would show up as extra requests.

Transient faults (429, 500, 503, a reset mid-body, a hang past the timeout, a body that is
not JSON or is a web page) are retried and then succeed, or give up after exactly
``CallPolicy.max_attempts`` requests with an :class:`EndpointError`. Permanent ones raise
their typed error at once (a schema failure after its one re-ask). No failure is cached.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openai import AsyncOpenAI, OpenAI

from factcheck import Report, asummarise, summarise
from factcheck.cache import ResponseCache
from factcheck.chunking import plan_chunks
from factcheck.errors import (
    EndpointError,
    ModelError,
    OutputValidationError,
    RefusalError,
    TruncatedOutputError,
)
from factcheck.llm import CallPolicy
from factcheck.local import DEFAULT_ALIAS
from factcheck.models import FlagKind
from factcheck.text import make_source
from factcheck.tokens import count_tokens
from tests.fault_server import REFUSAL, TRAILING_TEXT, TRANSIENT, Fault, FaultServer, _shape

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])

RECORDED = Path(__file__).resolve().parent.parent / "cassettes" / "test_replay"
#: The chunk budget the long document was recorded with.
LONG_BUDGET = 150

KEY = "sk-test-fault-matrix-0000"
FLAVOURS = ["sync", "async"]
#: Fast: Retry-After of 10 ms, backoff capped at 10 ms, a 0.3 s timeout per attempt.
POLICY = CallPolicy(max_attempts=3, max_wait=0.01, timeout=0.3)

TRANSIENT_FAULTS = sorted(TRANSIENT | {Fault.not_json, Fault.html_page}, key=lambda f: f.value)
EXPECTED_MESSAGE = {
    Fault.rate_limited: "HTTP 429",
    Fault.server_error: "HTTP 500",
    Fault.unavailable: "HTTP 503",
    Fault.reset: "could not reach the endpoint",
    Fault.hang: "timed out",
    Fault.not_json: "not JSON",
    Fault.html_page: "instead of a chat completion",
}
STATUS = {Fault.rate_limited: 429, Fault.server_error: 500, Fault.unavailable: 503}


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer(RECORDED, hang_seconds=3.0) as fault_server:
        yield fault_server


@pytest.fixture
def cache(tmp_path: Path) -> ResponseCache:
    return ResponseCache(tmp_path / "cache")


def run(flavour: str, server: FaultServer, text: str, **options: Any) -> Report:
    """summarise() with a sync client, or asummarise() with an async one. The client asks
    for 5 SDK retries: the library must switch them off, or the server would see more."""
    options.setdefault("model", DEFAULT_ALIAS)
    options.setdefault("policy", POLICY)
    options.setdefault("cache", False)
    options.setdefault("progress", False)
    if flavour == "sync":
        client = OpenAI(base_url=server.base_url, api_key=KEY, max_retries=5)
        return summarise(text, client=client, **options)
    async_client = AsyncOpenAI(base_url=server.base_url, api_key=KEY, max_retries=5)
    return asyncio.run(asummarise(text, client=async_client, **options))


def recorded_content(server: FaultServer) -> str:
    """What the embedded model answered to the first request the server saw."""
    answer = server.recorded_answer(server.requests[0].body["messages"])
    assert answer is not None
    return str(answer["choices"][0]["message"]["content"])


@pytest.fixture
def baseline(server: FaultServer, seed_text: str) -> Report:
    """The seed report with no fault at all."""
    report = run("sync", server, seed_text)
    assert report.usage.calls == 1 and report.usage.retries == 0 and server.count() == 1
    server.reset()
    return report


# -- transient faults ---------------------------------------------------------------------


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("fault", TRANSIENT_FAULTS, ids=lambda f: f.value)
def test_transient_fault_is_retried_then_succeeds(
    flavour: str,
    fault: Fault,
    server: FaultServer,
    baseline: Report,
    seed_text: str,
    cache: ResponseCache,
) -> None:
    server.queue(fault, fault)
    report = run(flavour, server, seed_text, cache=cache)
    assert server.count() == 3 and server.count(fault) == 2
    assert report.usage.calls == 3 and report.usage.retries == 2
    # Tokens are counted for the attempt that was answered, once.
    assert report.usage.input_tokens == baseline.usage.input_tokens
    assert report.claims == baseline.claims and report.headline == baseline.headline
    assert len(cache) == 1


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("fault", TRANSIENT_FAULTS, ids=lambda f: f.value)
def test_persistent_transient_fault_gives_up_after_max_attempts(
    flavour: str, fault: Fault, server: FaultServer, seed_text: str, cache: ResponseCache
) -> None:
    server.queue(*[fault] * 20)
    with pytest.raises(EndpointError, match=EXPECTED_MESSAGE[fault]) as caught:
        run(flavour, server, seed_text, cache=cache)
    error = caught.value
    assert server.count() == POLICY.max_attempts  # not 3 × (1 + 5 SDK retries)
    assert error.attempts == POLICY.max_attempts
    assert error.usage.calls == POLICY.max_attempts
    assert error.usage.retries == POLICY.max_attempts - 1
    assert error.status_code == STATUS.get(fault)
    assert error.last_output is None
    # A clean error: not chained to the SDK's exception nor to the event-loop plumbing.
    assert error.__cause__ is None and error.__context__ is None
    assert len(cache) == 0


def test_default_policy_bounds_attempts_at_four(server: FaultServer, seed_text: str) -> None:
    server.queue(*[Fault.unavailable] * 20)
    with pytest.raises(EndpointError) as caught:
        run("sync", server, seed_text, policy=CallPolicy(max_wait=0.01))
    assert server.count() == CallPolicy().max_attempts == caught.value.attempts == 4


def test_mixed_transient_faults_within_the_bound_succeed(
    server: FaultServer, baseline: Report, seed_text: str
) -> None:
    server.queue(Fault.rate_limited, Fault.reset, Fault.not_json)
    report = run("async", server, seed_text, policy=CallPolicy(max_attempts=4, max_wait=0.01))
    assert [r.fault for r in server.requests] == [
        Fault.rate_limited,
        Fault.reset,
        Fault.not_json,
        Fault.ok,
    ]
    assert report.usage.retries == 3 and report.claims == baseline.claims


def test_retry_after_is_honoured(
    server: FaultServer, seed_text: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The 429 says "retry after 10 ms"; the client waits exactly that (its own backoff
    would be 0.5–1.5 s), and no sooner."""
    server.queue(Fault.rate_limited)
    with caplog.at_level(logging.WARNING, logger="factcheck.llm"):
        run("sync", server, seed_text, policy=CallPolicy(max_attempts=2, max_wait=5.0))
    assert "model call failed (RateLimitError); retry 1 in 0.010 s" in caplog.text
    first, second = server.requests
    assert second.at - first.at >= 0.01


# -- permanent faults ---------------------------------------------------------------------

PERMANENT = [
    # fault, queued, error type, attempts, what the error says
    (Fault.bad_schema, 2, OutputValidationError, 2, "headline: Field required"),
    (Fault.truncated, 1, TruncatedOutputError, 1, "max_tokens"),
    (Fault.refusal, 1, RefusalError, 1, "refused"),
    (Fault.content_filter, 1, RefusalError, 1, "content filter"),
    (Fault.no_choices, 1, EndpointError, 1, "no choices"),
    (Fault.garbled, 2, OutputValidationError, 2, "Invalid JSON"),
    (Fault.unauthorized, 1, EndpointError, 1, "HTTP 401"),
]


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize(
    ("fault", "queued", "error_type", "attempts", "says"), PERMANENT, ids=lambda v: str(v)
)
def test_permanent_fault_raises_its_typed_error_without_retrying(
    flavour: str,
    fault: Fault,
    queued: int,
    error_type: type[ModelError],
    attempts: int,
    says: str,
    server: FaultServer,
    baseline: Report,
    seed_text: str,
    cache: ResponseCache,
) -> None:
    server.queue(*[fault] * queued)
    with pytest.raises(error_type, match=says) as caught:
        run(flavour, server, seed_text, cache=cache)
    error = caught.value
    assert type(error) is error_type
    assert server.count() == attempts == error.attempts
    assert error.usage.calls == attempts and error.usage.retries == 0
    assert len(cache) == 0

    if fault == Fault.bad_schema:
        assert error.usage.reasks == 1
        answer = json.loads(error.last_output or "")
        assert "headline" not in answer and answer["claims"]
        assert error.usage.input_tokens == 2 * baseline.usage.input_tokens
    elif fault == Fault.truncated:
        assert error.last_output
        assert recorded_content(server).startswith(error.last_output)
        with pytest.raises(json.JSONDecodeError):
            json.loads(error.last_output)
        assert error.usage.output_tokens == baseline.usage.output_tokens
    elif fault == Fault.refusal:
        assert error.last_output == REFUSAL
    elif fault == Fault.unauthorized:
        assert error.status_code == 401 and KEY not in str(error)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_model_the_endpoint_does_not_have_is_a_404_without_retry(
    flavour: str, server: FaultServer, seed_text: str
) -> None:
    with pytest.raises(EndpointError, match=r"HTTP 404.*no-such-model") as caught:
        run(flavour, server, seed_text, model="no-such-model")
    assert caught.value.status_code == 404 and server.count() == 1 == caught.value.attempts


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_schema_failure_once_is_cured_by_the_reask(
    flavour: str, server: FaultServer, baseline: Report, seed_text: str
) -> None:
    server.queue(Fault.bad_schema)
    report = run(flavour, server, seed_text)
    assert report.usage.reasks == 1 and report.usage.calls == 2 and report.usage.retries == 0
    assert report.claims == baseline.claims
    reask = server.requests[1].body["messages"]
    assert [m["role"] for m in reask][-2:] == ["assistant", "user"]
    assert "headline: Field required" in reask[-1]["content"]


# -- answers that are almost JSON ----------------------------------------------------------

#: Slips the library repairs itself: no re-ask, no extra call.
REPAIRABLE = [Fault.raw_newline, Fault.trailing_text, Fault.missing_brace]


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("fault", REPAIRABLE, ids=lambda f: f.value)
def test_answer_that_is_almost_json_is_repaired_without_a_reask(
    flavour: str,
    fault: Fault,
    server: FaultServer,
    baseline: Report,
    seed_text: str,
    cache: ResponseCache,
) -> None:
    """llama.cpp's grammar lets a raw line break into a JSON string; a model may also add
    text after the object or stop one brace short. Each answer is sent twice over (so that
    a re-ask would meet the same slip) and must still give the seed's report in one call."""
    server.queue(fault, fault)
    report = run(flavour, server, seed_text, cache=cache)
    assert server.count() == 1 and server.requests[0].fault == fault
    assert report.usage.calls == 1 and report.usage.reasks == 0
    assert report.claims == baseline.claims
    assert len(cache) == 1

    sent = _shape(server.recorded_answer(server.requests[0].body["messages"]) or {}, fault)
    content = sent["choices"][0]["message"]["content"]
    with pytest.raises(json.JSONDecodeError) as caught:
        json.loads(content)  # the fault is real: a strict parser rejects the answer
    if fault == Fault.raw_newline:
        assert "control character" in caught.value.msg
        assert report.headline_origin == "source" or "\n" in report.headline
    else:
        assert report.headline == baseline.headline
        if fault == Fault.trailing_text:
            assert content.endswith(TRAILING_TEXT)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_raw_newline_on_the_first_answer_and_the_reask_still_gives_a_report(
    flavour: str, server: FaultServer, baseline: Report, seed_text: str
) -> None:
    """The failure seen on a real article: a raw newline in the answer and again in the
    answer to the re-ask. With the schema failing once as well, the re-ask is spent on
    the schema and the raw newline of its answer is repaired."""
    server.queue(Fault.bad_schema, Fault.raw_newline)
    report = run(flavour, server, seed_text)
    assert [r.fault for r in server.requests] == [Fault.bad_schema, Fault.raw_newline]
    assert report.usage.calls == 2 and report.usage.reasks == 1
    assert report.claims == baseline.claims


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_answer_cut_short_without_a_length_signal_is_reasked(
    flavour: str, server: FaultServer, baseline: Report, seed_text: str
) -> None:
    """Half an answer with ``finish_reason: "stop"`` cannot be repaired without guessing:
    the re-ask shows the model the syntax error and how to avoid it, and its answer stands."""
    server.queue(Fault.garbled)
    report = run(flavour, server, seed_text)
    assert report.usage.calls == 2 and report.usage.reasks == 1
    assert report.claims == baseline.claims
    reask = server.requests[1].body["messages"]
    assert [m["role"] for m in reask][-2:] == ["assistant", "user"]
    assert "Invalid JSON" in reask[-1]["content"]
    assert "line break inside a string" in reask[-1]["content"]


# -- the cache never holds a failure ------------------------------------------------------


def test_failed_call_is_not_cached_and_the_next_success_is(
    server: FaultServer, seed_text: str, cache: ResponseCache
) -> None:
    for fault in (Fault.bad_schema, Fault.truncated, Fault.refusal, Fault.no_choices):
        server.queue(fault, fault)
        with pytest.raises(ModelError):
            run("sync", server, seed_text, cache=cache)
        assert len(cache) == 0
        server.reset()
    report = run("sync", server, seed_text, cache=cache)
    assert report.usage.calls == 1 and len(cache) == 1
    again = run("async", server, seed_text, cache=cache)
    assert again.usage.calls == 0 and again.usage.cache_hits == 1 and server.count() == 1


# -- a chunked document with one chunk that fails for good --------------------------------


def _chunks(text: str) -> list[tuple[str, str]]:
    source = make_source(text)
    plan = plan_chunks(source.sentences, LONG_BUDGET, lambda s: count_tokens(s, DEFAULT_ALIAS))
    return [(source.sentences[c.first].id, source.sentences[c.last].id) for c in plan]


@pytest.fixture
def two_chunk_text(long_text: str) -> str:
    """The first two chunks of the recorded long document: two recorded chunk answers and
    no reduce call when one of them is missing."""
    source = make_source(long_text)
    plan = plan_chunks(source.sentences, LONG_BUDGET, lambda s: count_tokens(s, DEFAULT_ALIAS))
    text = source.text[: source.sentences[plan[1].last].end]
    assert _chunks(text) == _chunks(long_text)[:2]
    return text


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_chunk_failing_for_good_raises_by_default(
    flavour: str, server: FaultServer, long_text: str, cache: ResponseCache
) -> None:
    chunks = _chunks(long_text)
    last_first_id = chunks[-1][0]
    server.fail_when(f"{last_first_id}: ", Fault.server_error)
    with pytest.raises(EndpointError, match="HTTP 500") as caught:
        run(
            flavour,
            server,
            long_text,
            chunk_tokens=LONG_BUDGET,
            max_concurrency=1,  # chunks in order: the failing last one comes last
            cache=cache,
        )
    assert caught.value.attempts == POLICY.max_attempts
    assert server.count(Fault.server_error) == POLICY.max_attempts
    assert len(cache) == len(chunks) - 1  # the answered chunks are kept, the failure is not

    server.reset()  # the endpoint recovers: only the missing chunk and the reduce are asked
    report = run(flavour, server, long_text, chunk_tokens=LONG_BUDGET, cache=cache)
    assert server.count() == 2 and report.usage.calls == 2
    assert report.usage.cache_hits == len(chunks) - 1
    assert report.chunks == len(chunks)
    assert not [f for f in report.flags if f.kind == FlagKind.chunk_failed]


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_partial_report_flags_the_chunk_that_failed(
    flavour: str, server: FaultServer, two_chunk_text: str, cache: ResponseCache
) -> None:
    _, (failed_first, failed_last) = _chunks(two_chunk_text)
    server.fail_when(f"{failed_first}: ", Fault.bad_schema)
    report = run(
        flavour, server, two_chunk_text, chunk_tokens=LONG_BUDGET, partial=True, cache=cache
    )
    (flag,) = [f for f in report.flags if f.kind == FlagKind.chunk_failed]
    assert report.flags[0] == flag
    assert flag.item == "chunk 1" and flag.expected == f"{failed_first}–{failed_last}"
    assert "OutputValidationError" not in flag.message and "headline" in flag.message
    assert flag.span and flag.span.startswith("{")  # the rejected answer, without headline
    assert '"headline"' not in flag.span
    assert report.chunks == 2
    missing = {
        s.id for s in report.source.sentences[int(failed_first[1:]) : int(failed_last[1:]) + 1]
    }
    cited = {i for claim in report.claims for i in claim.sentence_ids}
    assert cited and not cited & missing
    assert cited <= set(report.source.ids) - missing
    # one call for the good chunk, a call and a re-ask for the bad one; no reduce
    assert report.usage.calls == 3 and report.usage.reasks == 1
    assert len(cache) == 1


def test_partial_still_raises_when_every_chunk_fails(
    server: FaultServer, two_chunk_text: str, cache: ResponseCache
) -> None:
    server.fail_when("Article sentences", Fault.refusal)
    with pytest.raises(RefusalError):
        run("sync", server, two_chunk_text, chunk_tokens=LONG_BUDGET, partial=True, cache=cache)
    assert server.count() == 2 and len(cache) == 0
