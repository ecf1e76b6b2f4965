"""Many articles at once: one endpoint, one cache, bounded concurrency, errors per article.

>>> from factcheck import Report, summarise_many
>>> results = summarise_many(texts, max_concurrency=8)
>>> reports = [r for r in results if isinstance(r, Report)]
>>> failed = {i: r for i, r in enumerate(results) if not isinstance(r, Report)}

Each result is either a :class:`~factcheck.models.Report` or the typed
:class:`~factcheck.errors.FactcheckError` that stopped that article (an ``InputError`` for an
empty text, a ``ModelError`` carrying attempts, last output and usage for a failed call), in
the order of the input. One bad article never aborts the batch; anything that is not a
``FactcheckError`` is a bug and is raised.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from factcheck.endpoint import Endpoint, loop_local_client, resolve
from factcheck.errors import FactcheckError, InputError
from factcheck.llm import CallPolicy
from factcheck.models import Report
from factcheck.pipeline import (
    CacheOption,
    check_max_claims,
    open_cache,
    summarise_source,
)
from factcheck.progress import counted, progress_bar
from factcheck.text import make_source
from factcheck.trust import DEFAULT_MAX_CLAIMS
from factcheck.twins import run_sync, sync_twin

if TYPE_CHECKING:
    from factcheck.cache import ResponseCache
    from factcheck.endpoint import AnyClient

__all__ = [
    "Result",
    "asummarise_many",
    "summarise_many",
]

logger = logging.getLogger(__name__)

#: What one article turned into: its report, or the error that stopped it.
Result = Report | FactcheckError


async def _one(
    text: str | bytes,
    endpoint: Endpoint,
    *,
    cache: ResponseCache | None,
    chunk_tokens: int | None,
    policy: CallPolicy | None,
    limit: asyncio.Semaphore,
    repair: bool,
    max_claims: int | None,
) -> Result:
    try:
        source = make_source(text)
        return await summarise_source(
            source,
            endpoint,
            cache=cache,
            chunk_tokens=chunk_tokens,
            policy=policy,
            limit=limit,
            repair=repair,
            progress=False,
            max_claims=max_claims,
        )
    except FactcheckError as exc:
        logger.warning("article failed: %s", exc)
        return exc


async def asummarise_many(
    texts: Iterable[str | bytes],
    *,
    model: str | None = None,
    client: AnyClient | None = None,
    cache: CacheOption = True,
    chunk_tokens: int | None = None,
    max_concurrency: int = 4,
    policy: CallPolicy | None = None,
    repair: bool = True,
    progress: bool | None = None,
    max_claims: int | None = DEFAULT_MAX_CLAIMS,
) -> list[Result]:
    """Summarise many articles; return one result per text, in order.

    A result is a :class:`Report` or the :class:`FactcheckError` that stopped that article,
    so one failure never aborts the batch. All articles share one endpoint and one cache,
    and ``max_concurrency`` bounds the model calls in flight across all of them (chunks of
    long articles included). ``progress``: a tqdm bar over the articles; None shows it in a
    notebook or on a terminal, False never. Other options are those of
    :func:`factcheck.summarise`.
    """
    if max_concurrency < 1:
        raise InputError(f"max_concurrency must be at least 1, got {max_concurrency}")
    check_max_claims(max_claims)
    items = list(texts)
    if not items:
        return []
    endpoint = resolve(model, client)
    shared_cache = open_cache(cache)
    # One limit for every model call of every article: the endpoint sees at most
    # max_concurrency requests in flight, however the articles split into chunks.
    limit = asyncio.Semaphore(max_concurrency)
    with progress_bar(len(items), desc="articles", unit="article", progress=progress) as bar:
        return list(
            await asyncio.gather(
                *(
                    counted(
                        bar,
                        _one(
                            text,
                            endpoint,
                            cache=shared_cache,
                            chunk_tokens=chunk_tokens,
                            policy=policy,
                            limit=limit,
                            repair=repair,
                            max_claims=max_claims,
                        ),
                    )
                    for text in items
                )
            )
        )


summarise_many = sync_twin(loop_local_client(asummarise_many), runner=run_sync)
