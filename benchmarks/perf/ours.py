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
    client = _client(url) if url else None
    started = time.perf_counter()
    report = summarise(
        text,
        client=client,
        model=model,
        cache=cache,
        max_concurrency=max_concurrency,
        policy=CallPolicy(max_tokens=MAX_TOKENS[kind], timeout=TIMEOUT),
        progress=False,
    )
    return report, time.perf_counter() - started


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
