"""Ray Data: summarise a dataset of articles on many machines, ``summarise_many`` per batch.

For self-hosted endpoints that outgrow one machine (several vLLM or llama.cpp servers behind
one URL, or one per node). ``pip install "factcheck[ray]"``::

    import ray
    from factcheck.ray_data import summarise_dataset

    ds = ray.data.read_parquet("articles.parquet")          # a "text" column
    out = summarise_dataset(ds, base_url="http://vllm:8000/v1", model="Qwen/Qwen2.5-7B-Instruct",
                            batch_size=32, max_concurrency=8)
    out.write_parquet("reports/")

which is ``ds.map_batches(summarise_batch, fn_kwargs=...)``. Each batch runs
:func:`factcheck.summarise_many` in a Ray task: its articles share one endpoint, one cache
(the worker's ``FACTCHECK_CACHE_DIR``, or ``cache=``) and ``max_concurrency`` calls in flight.
Three columns are added: ``report`` (the Report as JSON, or None), ``error`` (the message,
or None) and ``error_type`` (the error's class name, e.g. ``"InputError"``, or None); a
failed article never fails the task. Keys are read on the workers from ``api_key_env``,
never shipped in the task arguments.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from factcheck.errors import ConfigurationError, FactcheckError, InputError

__all__ = [
    "summarise_batch",
    "summarise_dataset",
]


def _client(base_url: str | None, api_key_env: str) -> Any:
    if base_url is None:
        return None  # the worker's environment picks the endpoint, as in summarise()
    from openai import AsyncOpenAI

    from factcheck.settings import environment_variable

    # Read on the worker, so the key never travels with the task. A local server needs no
    # key; the SDK insists on one.
    key = environment_variable(api_key_env) or "not-needed"
    return AsyncOpenAI(base_url=base_url, api_key=key)


def summarise_batch(
    batch: Mapping[str, Sequence[Any]],
    *,
    text_column: str = "text",
    base_url: str | None = None,
    model: str | None = None,
    api_key_env: str = "OPENAI_API_KEY",
    cache: bool | str = True,
    chunk_tokens: int | None = None,
    max_concurrency: int = 4,
) -> dict[str, list[Any]]:
    """One Ray Data batch (column → values) in, the same columns plus ``report``, ``error``
    and ``error_type`` out. Usable on its own with any dict of columns."""
    from factcheck.many import summarise_many

    if text_column not in batch:
        raise InputError(f"no column {text_column!r} in the batch; columns: {sorted(batch)}")
    texts = [_as_text(t) for t in batch[text_column]]
    results = summarise_many(
        texts,
        model=model,
        client=_client(base_url, api_key_env),
        cache=Path(cache) if isinstance(cache, str) else cache,
        chunk_tokens=chunk_tokens,
        max_concurrency=max_concurrency,
        progress=False,
    )
    out: dict[str, list[Any]] = {name: list(values) for name, values in batch.items()}
    out["report"] = [
        None if isinstance(r, FactcheckError) else r.model_dump_json() for r in results
    ]
    out["error"] = [str(r) if isinstance(r, FactcheckError) else None for r in results]
    out["error_type"] = [
        type(r).__name__ if isinstance(r, FactcheckError) else None for r in results
    ]
    return out


def _as_text(value: Any) -> str | bytes:
    # Ray hands text columns over as numpy str_ / object values.
    if isinstance(value, str | bytes):
        return value
    return str(value) if value is not None else ""


def summarise_dataset(
    ds: Any,
    *,
    text_column: str = "text",
    base_url: str | None = None,
    model: str | None = None,
    api_key_env: str = "OPENAI_API_KEY",
    cache: bool | str = True,
    chunk_tokens: int | None = None,
    max_concurrency: int = 4,
    batch_size: int = 16,
    concurrency: int | None = None,
) -> Any:
    """``ds.map_batches(summarise_batch, ...)``: a lazy ``ray.data.Dataset`` with the
    ``report``, ``error`` and ``error_type`` columns added.

    ``batch_size`` articles go to each task; ``max_concurrency`` bounds model calls in flight
    per task, ``concurrency`` (Ray's) the tasks at once, so an endpoint sees at most
    ``concurrency × max_concurrency`` requests. ``base_url``: the OpenAI-compatible server
    the workers call (None: each worker's ``OPENAI_BASE_URL``/``OPENAI_API_KEY``, else the
    embedded model loaded in every worker).
    """
    try:
        import ray.data  # a clear error before Ray's own
    except ImportError as exc:
        raise ConfigurationError('Ray Data is not installed: pip install "factcheck[ray]"') from exc
    options: dict[str, Any] = {}
    if concurrency is not None:
        # Ray 2.51 deprecated map_batches(concurrency=n) for a function in favour of a
        # compute strategy: at most n tasks at once.
        options["compute"] = ray.data.TaskPoolStrategy(size=concurrency)
    return ds.map_batches(
        summarise_batch,
        batch_size=batch_size,
        batch_format="numpy",
        fn_kwargs={
            "text_column": text_column,
            "base_url": base_url,
            "model": model,
            "api_key_env": api_key_env,
            "cache": cache,
            "chunk_tokens": chunk_tokens,
            "max_concurrency": max_concurrency,
        },
        **options,
    )
