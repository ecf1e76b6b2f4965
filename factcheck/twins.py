"""Sync functions derived from their async twins, signatures intact.

``summarise = sync_twin(asummarise, runner=run_sync)`` gives a function whose parameters,
defaults and annotations are the async one's (``inspect.signature`` follows ``__wrapped__``,
and mypy sees the same ``ParamSpec``, so a misspelt keyword is a type error), so the two
cannot drift the way retyped keyword lists do. Written here rather than taken from a
library: the pieces (``functools.wraps``, ``ParamSpec``) are the standard library's, and
the runner is the caller's own (:func:`run_sync` also works inside a running loop, as in
Jupyter).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar, cast

__all__ = ["Runner", "run_sync", "sync_twin"]

P = ParamSpec("P")
R = TypeVar("R")

#: Runs a coroutine to completion from sync code and returns its result.
Runner = Callable[[Coroutine[Any, Any, Any]], Any]


def sync_twin(
    coroutine_function: Callable[P, Coroutine[Any, Any, R]],
    *,
    runner: Runner,
    doc: str | None = None,
) -> Callable[P, R]:
    """The sync twin of ``coroutine_function`` (named without its leading ``a``): each call
    runs one coroutine with ``runner`` and returns its result. ``doc`` replaces the
    docstring (the async one's by default)."""

    @functools.wraps(coroutine_function)
    def twin(*args: P.args, **kwargs: P.kwargs) -> R:
        return cast(R, runner(coroutine_function(*args, **kwargs)))

    name = coroutine_function.__name__.removeprefix("a")
    twin.__name__ = name
    twin.__qualname__ = coroutine_function.__qualname__.rsplit(".", 1)[0] + "." + name
    if "." not in coroutine_function.__qualname__:
        twin.__qualname__ = name
    if doc is not None:
        twin.__doc__ = doc
    return twin


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
