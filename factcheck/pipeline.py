"""summarise: source → chunk plan → one call per chunk → merge → (reduce) → grounding → Report."""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from factcheck.cache import ResponseCache
from factcheck.chunking import Chunk, plan_chunks
from factcheck.endpoint import Endpoint, resolve
from factcheck.errors import InputError, ModelError
from factcheck.grounding import ground_claim, ground_headline, ground_point, merge_duplicates
from factcheck.inputs import article_text
from factcheck.llm import CallPolicy, structured_call
from factcheck.models import Flag, FlagKind, Report, Source, Usage
from factcheck.progress import counted, progress_bar
from factcheck.prompts import prompt_version, render
from factcheck.schema import (
    CLAIMS_MAX,
    ChunkOutput,
    ClaimOut,
    PointOut,
    ReduceOutput,
    output_schema,
)
from factcheck.text import make_source
from factcheck.tokens import count_tokens

if TYPE_CHECKING:
    from factcheck.endpoint import AnyClient

__all__ = [
    "CHUNK_TOKENS",
    "MAX_TOKENS",
    "CacheOption",
    "ModelRequest",
    "assemble_report",
    "asummarise",
    "chunk_request",
    "open_cache",
    "reduce_request",
    "run_sync",
    "summarise",
    "summarise_source",
]

logger = logging.getLogger(__name__)

R = TypeVar("R")

#: Default chunk budgets (tokens of article text per call), by kind of endpoint. The embedded
#: model has an 8k context and does best on short inputs; unknown servers (Ollama's default
#: context is a few thousand tokens) get a cautious budget.
CHUNK_TOKENS = {"local": 700, "compatible": 3000, "openai": 12000}
MAX_TOKENS = {"local": 4096, "compatible": 4096, "openai": 8192}

CacheOption = bool | str | Path | ResponseCache | None


def open_cache(cache: CacheOption) -> ResponseCache | None:
    if cache is None or cache is False:
        return None
    if cache is True:
        return ResponseCache()
    if isinstance(cache, ResponseCache):
        return cache
    return ResponseCache(cache)


def _numbered(source: Source, chunk: Chunk) -> str:
    return "\n".join(f"{s.id}: {s.text}" for s in source.sentences[chunk.first : chunk.last + 1])


@dataclass(frozen=True)
class ModelRequest:
    """What one model call asks for: its messages, the output schema, the citable ids."""

    messages: list[dict[str, str]]
    schema: dict[str, Any]
    ids: list[str]


def chunk_request(source: Source, chunk: Chunk, *, per_sentence: bool) -> ModelRequest:
    """The map call for one chunk (shared by :func:`asummarise` and :mod:`factcheck.batch`).

    ``per_sentence``: one claim slot per sentence, for endpoints that enforce the schema.
    """
    ids = [s.id for s in source.sentences[chunk.first : chunk.last + 1]]
    messages = [
        {"role": "system", "content": render("extract_system")},
        {"role": "user", "content": render("extract_user", sentences=_numbered(source, chunk))},
    ]
    schema = output_schema(
        ChunkOutput,
        ids,
        max_claims=min(CLAIMS_MAX, max(4, 2 * len(ids))),
        per_sentence=per_sentence,
    )
    return ModelRequest(messages=messages, schema=schema, ids=ids)


def reduce_request(outputs: list[ChunkOutput]) -> ModelRequest:
    """The reduce call that writes one summary from the key points of several chunks."""
    points = [p for out in outputs for p in out.points]
    cited = list(dict.fromkeys(i for p in points for i in p.ids))
    lines = "\n".join(f"[{', '.join(p.ids)}] {p.text}" for p in points)
    messages = [
        {"role": "system", "content": render("reduce_system")},
        {"role": "user", "content": render("reduce_user", points=lines)},
    ]
    return ModelRequest(messages=messages, schema=output_schema(ReduceOutput, cited), ids=cited)


async def _summarise_chunk(
    endpoint: Endpoint,
    source: Source,
    chunk: Chunk,
    cache: ResponseCache | None,
    policy: CallPolicy,
    limit: asyncio.Semaphore,
) -> tuple[ChunkOutput, Usage]:
    request = chunk_request(source, chunk, per_sentence=endpoint.grammar_enforced)
    async with limit:
        result = await structured_call(
            endpoint,
            request.messages,
            ChunkOutput,
            schema=request.schema,
            context={"ids": set(request.ids)},
            cache=cache,
            policy=policy,
        )
    logger.debug("chunk %d: %d claims", chunk.index, len(result.value.claims))
    return result.value, result.usage


async def _reduce(
    endpoint: Endpoint,
    outputs: list[ChunkOutput],
    cache: ResponseCache | None,
    policy: CallPolicy,
) -> tuple[ReduceOutput, Usage]:
    request = reduce_request(outputs)
    result = await structured_call(
        endpoint,
        request.messages,
        ReduceOutput,
        schema=request.schema,
        context={"ids": set(request.ids)},
        cache=cache,
        policy=policy,
    )
    return result.value, result.usage


async def asummarise(
    text: str | bytes,
    *,
    model: str | None = None,
    client: AnyClient | None = None,
    cache: CacheOption = True,
    chunk_tokens: int | None = None,
    max_concurrency: int = 4,
    policy: CallPolicy | None = None,
    repair: bool = True,
    progress: bool | None = None,
    partial: bool = False,
) -> Report:
    """Summarise an article into a :class:`Report` (async). See :func:`summarise`."""
    if max_concurrency < 1:
        raise InputError(f"max_concurrency must be at least 1, got {max_concurrency}")
    source = make_source(article_text(text))
    endpoint = resolve(model, client)
    return await summarise_source(
        source,
        endpoint,
        cache=open_cache(cache),
        chunk_tokens=chunk_tokens,
        policy=policy,
        limit=asyncio.Semaphore(max_concurrency),
        repair=repair,
        progress=progress,
        partial=partial,
    )


async def summarise_source(
    source: Source,
    endpoint: Endpoint,
    *,
    cache: ResponseCache | None,
    chunk_tokens: int | None,
    policy: CallPolicy | None,
    limit: asyncio.Semaphore,
    repair: bool = True,
    progress: bool | None = None,
    partial: bool = False,
) -> Report:
    """:func:`asummarise` on a prepared source and endpoint. ``limit`` bounds the model calls
    in flight; :mod:`factcheck.many` shares one endpoint, cache and limit across articles."""
    response_cache = cache
    budget = chunk_tokens if chunk_tokens is not None else CHUNK_TOKENS[endpoint.kind]
    if isinstance(budget, bool) or not isinstance(budget, int) or budget > endpoint.context_tokens:
        raise InputError(
            f"chunk_tokens must be a whole number of tokens up to the model's context "
            f"({endpoint.context_tokens:,}), got {chunk_tokens!r}"
        )
    chunks = plan_chunks(source.sentences, budget, lambda s: count_tokens(s, endpoint.model))
    policy = policy or CallPolicy(max_tokens=MAX_TOKENS[endpoint.kind])

    with progress_bar(len(chunks), desc="chunks", unit="chunk", progress=progress) as bar:
        results = await asyncio.gather(
            *(
                counted(bar, _summarise_chunk(endpoint, source, c, response_cache, policy, limit))
                for c in chunks
            ),
            return_exceptions=partial,
        )
    usage = Usage()
    outputs: list[ChunkOutput] = []
    failed: list[Flag] = []
    for chunk, result in zip(chunks, results, strict=True):
        if isinstance(result, BaseException):
            if not isinstance(result, ModelError) or len(failed) == len(chunks) - 1:
                raise result  # not a model failure, or nothing left to report on
            usage.add(result.usage)
            failed.append(_chunk_failed(source, chunk, result))
            continue
        out, chunk_usage = result
        usage.add(chunk_usage)
        outputs.append(out)

    reduced: ReduceOutput | None = None
    if len(outputs) > 1:
        async with limit:
            reduced, reduce_usage = await _reduce(endpoint, outputs, response_cache, policy)
        usage.add(reduce_usage)
    report = assemble_report(
        source, outputs, reduced, usage=usage, model=endpoint.model, repair=repair
    )
    if failed:
        report = report.model_copy(
            update={"flags": [*failed, *report.flags], "chunks": len(chunks)}
        )
    return report


def _chunk_failed(source: Source, chunk: Chunk, error: ModelError) -> Flag:
    first, last = source.sentences[chunk.first].id, source.sentences[chunk.last].id
    logger.warning(
        "chunk %d (%s–%s) failed; reporting without it: %s", chunk.index, first, last, error
    )
    return Flag(
        kind=FlagKind.chunk_failed,
        message=f"sentences {first}–{last} were not summarised: {error}",
        span=error.last_output[:500] if error.last_output else None,
        expected=f"{first}–{last}",
        item=f"chunk {chunk.index}",
    )


def assemble_report(
    source: Source,
    outputs: list[ChunkOutput],
    reduced: ReduceOutput | None,
    *,
    usage: Usage,
    model: str,
    repair: bool = True,
) -> Report:
    """Merge the chunks' answers (and the reduce answer, if any) and ground them: a Report.

    Shared by :func:`asummarise` and :mod:`factcheck.batch`; makes no model call.
    """
    headline: str
    points: list[PointOut]
    if reduced is None:
        headline, points = outputs[0].headline, outputs[0].points
    else:
        headline, points = reduced.headline, reduced.points

    claims = merge_duplicates(
        source,
        [ground_claim(source, c, i, repair=repair) for i, c in enumerate(_all_claims(outputs))],
    )
    key_points = [ground_point(source, p, i, repair=repair) for i, p in enumerate(points)]
    headline, headline_replaced, headline_flags = ground_headline(source, headline, repair=repair)
    flags: list[Flag] = [*headline_flags]
    flags += [f for point in key_points for f in point.flags]
    flags += [f for claim in claims for f in claim.flags]
    return Report(
        source=source,
        headline=headline,
        headline_origin="source" if headline_replaced else "model",
        key_points=key_points,
        claims=claims,
        flags=flags,
        usage=usage,
        model=model,
        prompt_version=prompt_version(),
        chunks=len(outputs),
    )


def _all_claims(outputs: list[ChunkOutput]) -> list[ClaimOut]:
    return [claim for out in outputs for claim in out.claims]


def run_sync(coro: Coroutine[Any, Any, R]) -> R:
    """Run a coroutine from sync code, also where a loop already runs (Jupyter)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        running = False
    else:
        running = True
    if not running:
        # Outside the except clause: an error from the run must not come chained to
        # "RuntimeError: no running event loop".
        return asyncio.run(coro)
    # The caller's context goes along: settings scoped with factcheck.settings.using()
    # (--offline, testing.offline(), the pytest fixtures) hold in the helper thread too.
    context = contextvars.copy_context()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="factcheck") as pool:
        return pool.submit(context.run, asyncio.run, coro).result()


def summarise(
    text: str | bytes,
    *,
    model: str | None = None,
    client: AnyClient | None = None,
    cache: CacheOption = True,
    chunk_tokens: int | None = None,
    max_concurrency: int = 4,
    policy: CallPolicy | None = None,
    repair: bool = True,
    progress: bool | None = None,
    partial: bool = False,
) -> Report:
    """Summarise an article into a :class:`Report` whose claims are pinned to source sentences.

    ``model``: the model name (or a ``.gguf`` path for the embedded runtime); defaults to
    ``FACTCHECK_MODEL``. ``client``: an ``openai.OpenAI``/``AsyncOpenAI`` client; without one,
    ``OPENAI_API_KEY``/``OPENAI_BASE_URL`` pick the endpoint, else the embedded model runs.
    ``cache``: True (default location), False, a path, or a :class:`ResponseCache`.
    ``chunk_tokens``: article tokens per model call; longer articles are split on sentence
    boundaries, processed concurrently (``max_concurrency``) and reduced in one more call.
    ``repair``: replace wording that fails grounding with the cited source text (flagged,
    with the model's text kept in the flag); False keeps the model's text and only flags it.
    ``progress``: a progress bar over the chunks of a multi-chunk article; None shows it in
    a notebook or on a terminal, False never.
    ``partial``: when one chunk of a long article fails for good (a
    :class:`~factcheck.errors.ModelError` after retries and re-asks), return the report of
    the other chunks with a ``chunk_failed`` flag naming the missing sentences, instead of
    raising. It raises anyway when every chunk fails or the reduce call fails.

    ``text`` may be plain text or an HTML page (recognised by its first tag; the article's
    text is extracted with trafilatura, ``pip install "factcheck[html]"``).
    """
    return run_sync(
        asummarise(
            text,
            model=model,
            client=client,
            cache=cache,
            chunk_tokens=chunk_tokens,
            max_concurrency=max_concurrency,
            policy=policy,
            repair=repair,
            progress=progress,
            partial=partial,
        )
    )
