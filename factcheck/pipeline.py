"""summarise: source → chunk plan → one call per chunk → merge → (reduce) → grounding →
trust layer → Report."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from factcheck.attribution import names_offered
from factcheck.cache import ResponseCache, report_key
from factcheck.chunking import Chunk, plan_chunks
from factcheck.endpoint import Endpoint, loop_local_client, resolve
from factcheck.errors import InputError, ModelError
from factcheck.grounding import (
    ground_claim,
    ground_headline,
    ground_point,
    merge_duplicates,
    pin,
)
from factcheck.inputs import article_text
from factcheck.llm import CallPolicy, structured_call
from factcheck.models import Claim, ClaimType, Flag, FlagKind, Report, Source, Usage
from factcheck.progress import counted, progress_bar
from factcheck.prompts import prompt_version, render
from factcheck.schema import (
    CLAIMS_MAX,
    ChunkOutput,
    NotesOutput,
    PointOut,
    ReduceOutput,
    notes_schema,
    output_schema,
)
from factcheck.text import SEGMENTATION_VERSION, checked_text, segment
from factcheck.tokens import count_tokens
from factcheck.trust import DEFAULT_MAX_CLAIMS, choose_key_points, select_claims
from factcheck.twins import run_sync, sync_twin

if TYPE_CHECKING:
    from factcheck.endpoint import AnyClient

__all__ = [
    "CHUNK_TOKENS",
    "MAX_TOKENS",
    "CacheOption",
    "ModelRequest",
    "assemble_report",
    "asummarise",
    "check_max_claims",
    "chunk_request",
    "notes_request",
    "open_cache",
    "reduce_request",
    "run_sync",
    "speaker_names",
    "summarise",
    "summarise_source",
]

logger = logging.getLogger(__name__)

R = TypeVar("R")

#: Default chunk budgets (tokens of article text per call), by kind of endpoint. The embedded
#: model has an 8k context and does best on short inputs; unknown servers (Ollama's default
#: context is a few thousand tokens) get a cautious budget.
CHUNK_TOKENS = {"local": 700, "compatible": 3000, "openai": 12000}
#: The version of the library's deterministic rules (segmentation, grounding, selection,
#: assembly). It keys the report cache: bump it whenever they change what a report says.
RULES_VERSION = f"16/segmentation-{SEGMENTATION_VERSION}"
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


#: Most names offered to a grammar-bound model as speakers (each is an enum value).
SPEAKER_NAMES_MAX = 40


def notes_request(source: Source, chunk: Chunk) -> ModelRequest:
    """The call for one chunk on an endpoint that enforces the schema as a grammar: a
    headline, and for each sentence its type, checkability and speaker, the speaker chosen
    from the names the chunk uses (see :class:`NotesOutput`).

    The request depends on the text alone, not on the library's selection rules: the
    rules judge the answer afterwards, so a recorded answer stays valid when they change.
    """
    sentences = source.sentences[chunk.first : chunk.last + 1]
    ids = [s.id for s in sentences]
    names = speaker_names(source, chunk)
    messages = [
        {"role": "system", "content": render("notes_system")},
        {
            "role": "user",
            "content": render(
                "notes_user",
                sentences=_numbered(source, chunk),
                names=", ".join(names) or "(none)",
                ids=", ".join(ids),
            ),
        },
    ]
    return ModelRequest(messages=messages, schema=notes_schema(ids, names), ids=ids)


#: Names no one speaks as: link debris ("…https", "Qc14PAI113pic"), a single word in -ing
#: (a sentence-opening participle), a nationality.
_NOT_A_SPEAKER = re.compile(
    r"https?|\w*\d\w*\d\w*\d|^\w+ing$|^\w+(?:ian|ean|ish|ese|can)$", re.IGNORECASE
)


def speaker_names(source: Source, chunk: Chunk) -> list[str]:
    """The names a grammar-bound model may choose as speakers: every name the chunk uses,
    in the fullest form the article gives it, so that it cannot invent one."""
    text = " ".join(s.text for s in source.sentences[chunk.first : chunk.last + 1])
    found = [
        n
        for n in names_offered(source)
        if 0 < len(n) <= 60 and n.split()[-1] in text and not _NOT_A_SPEAKER.search(n)
    ]
    return found[:SPEAKER_NAMES_MAX]


ChunkAnswer = ChunkOutput | NotesOutput


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
) -> tuple[ChunkAnswer, Usage]:
    output_type: type[ChunkOutput] | type[NotesOutput]
    if endpoint.grammar_enforced:
        request, output_type = notes_request(source, chunk), NotesOutput
    else:
        request, output_type = chunk_request(source, chunk, per_sentence=False), ChunkOutput
    async with limit:
        result = await structured_call(
            endpoint,
            request.messages,
            output_type,
            schema=request.schema,
            context={"ids": set(request.ids)},
            cache=cache,
            policy=policy,
        )
    logger.debug("chunk %d answered", chunk.index)
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
    max_claims: int | None = DEFAULT_MAX_CLAIMS,
) -> Report:
    """Summarise an article into a :class:`Report` whose claims are pinned to source sentences.

    Claims come best first (``rank`` 1 is the most worth checking, ``score`` its
    check-worthiness), at most ``max_claims`` of them (``None``: every candidate). Text
    that is never a claim (bylines, captions, handles, links, rhetoric) never becomes one;
    speakers come from the text; a statement never opens with an unresolved "He".

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
    check_max_claims(max_claims)
    if max_concurrency < 1:
        raise InputError(f"max_concurrency must be at least 1, got {max_concurrency}")
    normalised = checked_text(article_text(text))
    endpoint = resolve(model, client)
    response_cache = open_cache(cache)
    # Every option that changes what the report says (defaults resolved): a new option
    # only needs an entry here to key the report cache.
    call = policy or CallPolicy(max_tokens=MAX_TOKENS[endpoint.kind])
    options: dict[str, Any] = {
        "repair": repair,
        "max_claims": max_claims,
        "chunk_tokens": CHUNK_TOKENS[endpoint.kind] if chunk_tokens is None else chunk_tokens,
        "call": [call.max_tokens, call.temperature, call.seed, call.max_reasks],
    }
    key = None if response_cache is None else report_cache_key(normalised, endpoint, options)
    if key is not None and response_cache is not None:
        hit = response_cache.get_report(key)
        if hit is not None:
            await _release(endpoint, owned=client is None)
            return hit
    source = segment(normalised)
    try:
        report = await summarise_source(
            source,
            endpoint,
            cache=response_cache,
            chunk_tokens=chunk_tokens,
            policy=policy,
            limit=asyncio.Semaphore(max_concurrency),
            repair=repair,
            progress=progress,
            partial=partial,
            max_claims=max_claims,
        )
    finally:
        await _release(endpoint, owned=client is None)
    if key is not None and response_cache is not None:
        response_cache.put_report(key, report, rules_version=RULES_VERSION)
    return report


def report_cache_key(normalised: str, endpoint: Endpoint, options: dict[str, Any]) -> str:
    """The report cache key of a normalised text on ``endpoint`` with these ``options``."""
    return report_key(
        text=normalised,
        endpoint=endpoint.identity,
        kind=endpoint.kind,
        model=endpoint.model,
        prompt_version=prompt_version(),
        rules_version=RULES_VERSION,
        options=options,
    )


async def _release(endpoint: Endpoint, *, owned: bool) -> None:
    """Close a client this call created: its connections belong to this call's event loop,
    which a sync summarise() closes on return (left open, they fail at garbage collection
    with "Event loop is closed"). A caller's own client stays open."""
    if owned and endpoint.is_async:
        await endpoint.client.close()  # type: ignore[misc]


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
    max_claims: int | None = DEFAULT_MAX_CLAIMS,
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
    outputs: list[ChunkAnswer] = []
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
    written = [out for out in outputs if isinstance(out, ChunkOutput)]
    # Notes carry no key points to merge: a grammar-bound model's long article needs no
    # reduce call (its key points are chosen from the text, its headline from the lede's
    # chunk).
    if len(written) > 1:
        async with limit:
            reduced, reduce_usage = await _reduce(endpoint, written, response_cache, policy)
        usage.add(reduce_usage)
    answered = [c for c, r in zip(chunks, results, strict=True) if not isinstance(r, BaseException)]
    report = assemble_report(
        source,
        outputs,
        reduced,
        usage=usage,
        model=endpoint.model,
        repair=repair,
        max_claims=max_claims,
        answered={s.id for c in answered for s in source.sentences[c.first : c.last + 1]},
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
    outputs: Sequence[ChunkAnswer],
    reduced: ReduceOutput | None,
    *,
    usage: Usage,
    model: str,
    repair: bool = True,
    max_claims: int | None = DEFAULT_MAX_CLAIMS,
    answered: Collection[str] | None = None,
) -> Report:
    """Merge the chunks' answers (and the reduce answer, if any), ground them and pass them
    through the trust layer (:mod:`factcheck.trust`): a Report.

    ``answered``: the sentences of the chunks that came back (None: all); the library adds
    no claim or key point of its own from a chunk that failed.
    Shared by :func:`asummarise` and :mod:`factcheck.batch`; makes no model call.
    """
    headline = reduced.headline if reduced is not None else outputs[0].headline
    points: list[PointOut] = []
    if reduced is not None:
        points = reduced.points
    elif isinstance(outputs[0], ChunkOutput):
        points = outputs[0].points

    proposed = merge_duplicates(source, _proposed_claims(source, outputs, repair=repair))
    claims, candidates, dropped = select_claims(
        source, proposed, max_claims=max_claims, repair=repair, answered=answered
    )
    grounded = [ground_point(source, p, i, repair=repair) for i, p in enumerate(points)]
    key_points = choose_key_points(source, grounded, repair=repair, answered=answered)
    headline, headline_replaced, headline_flags = ground_headline(source, headline, repair=repair)
    flags: list[Flag] = [*headline_flags]
    flags += [f for point in key_points for f in point.flags]
    flags += [f for claim in claims for f in claim.flags]
    flags += dropped
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
        candidates=candidates,
    )


def _proposed_claims(
    source: Source, outputs: Sequence[ChunkAnswer], *, repair: bool
) -> list[Claim]:
    """The claims the model proposed, grounded. A note on a sentence proposes that
    sentence in the source's own words, with the model's type, checkability and speaker."""
    claims: list[Claim] = []
    for out in outputs:
        if isinstance(out, ChunkOutput):
            claims += [
                ground_claim(source, c, len(claims) + i, repair=repair)
                for i, c in enumerate(out.claims)
            ]
            continue
        for note in out.notes:
            sentence = source.sentence(note.id)
            if sentence is None:
                continue
            claims.append(
                Claim.model_validate(
                    {
                        "statement": sentence.text,
                        "origin": "source",
                        "speaker": note.who,
                        "type": ClaimType(note.type),
                        "checkable": note.check,
                        **pin(source, [note.id]),
                    }
                )
            )
    return claims


def check_max_claims(max_claims: int | None) -> None:
    if max_claims is not None and (
        isinstance(max_claims, bool) or not isinstance(max_claims, int) or max_claims < 1
    ):
        raise InputError(
            f"max_claims must be a whole number of at least 1, or None, got {max_claims!r}"
        )


summarise = sync_twin(loop_local_client(asummarise), runner=run_sync)
