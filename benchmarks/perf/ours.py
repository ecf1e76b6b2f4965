"""factcheck's runs: sync summarise() calls, as an application makes them."""

from __future__ import annotations

import os
import time
from functools import lru_cache
from typing import Any

from benchmarks.perf.common import TIMEOUT, Row


@lru_cache(maxsize=4)
def _client(url: str) -> Any:
    """One async client per endpoint for the whole process, as an application keeps one."""
    from openai import AsyncOpenAI

    return AsyncOpenAI(base_url=url, api_key="not-needed")


def run_ours(
    text: str,
    *,
    url: str | None,
    model: str | None,
    cache: Any,
    max_concurrency: int,
) -> tuple[Any, float]:
    """One sync summarise(); wall seconds. With ``url``, the process's async client of that
    server (each sync call gives it a connection pool of its own event loop); without,
    the library resolves the endpoint (environment or embedded model)."""
    from factcheck import summarise
    from factcheck.llm import CallPolicy
    from factcheck.pipeline import MAX_TOKENS

    kind = "compatible" if url or os.environ.get("OPENAI_BASE_URL") else "local"
    options: dict[str, Any] = {
        "model": model,
        "cache": cache,
        "max_concurrency": max_concurrency,
        "policy": CallPolicy(max_tokens=MAX_TOKENS[kind], timeout=TIMEOUT),
        "progress": False,
    }
    started = time.perf_counter()
    if url is not None and simulated_kind() == "local":
        report = _as_embedded(text, url, options)
    else:
        report = summarise(text, client=_client(url) if url else None, **options)
    return report, time.perf_counter() - started


@lru_cache(maxsize=1)
def simulated_kind() -> str:
    """How factcheck should address the simulated endpoint: as an OpenAI-compatible server
    when the recordings hold answers of that shape (key points and claims), else as the
    embedded model (one note per sentence), the shape the recordings then hold."""
    from benchmarks.latency_server import load_recordings

    kinds = {r.kind for r in load_recordings()}
    return "compatible" if "chunk" in kinds or "notes" not in kinds else "local"


def _as_embedded(text: str, url: str, options: dict[str, Any]) -> Any:
    """summarise() against the simulator as if it were the embedded model's server, with
    the chunk budget of an OpenAI-compatible one (so the chunk count does not change)."""
    from factcheck import summarise
    from factcheck.local import CONTEXT_TOKENS
    from factcheck.pipeline import CHUNK_TOKENS
    from factcheck.settings import EndpointSpec, current, using

    spec = EndpointSpec(
        kind="local",
        model=str(options["model"]),
        identity=f"simulated:{url}",
        base_url=url,
        context_tokens=CONTEXT_TOKENS,
    )
    with using(current().with_(endpoint=spec)):
        return summarise(text, chunk_tokens=CHUNK_TOKENS["compatible"], **options)


def ours_row(article: str, endpoint: str, text_tokens: int, report: Any, wall: float) -> Row:
    usage = report.usage
    return Row(
        article=article,
        system="factcheck",
        endpoint=endpoint,
        calls=usage.calls,
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        article_tokens=text_tokens,
        wall_s=wall,
        valid="yes",
        note=f"{report.chunks} chunk(s), {len(report.claims)} claims, {len(report.flags)} flags",
        extra={"usage": usage.model_dump(), "chunks": report.chunks},
    )
