"""Sync functions derived from their async twins, signatures intact.

``summarise = sync_twin(asummarise, runner=run_sync)`` gives a function whose parameters,
defaults and annotations are the async one's (``inspect.signature`` follows ``__wrapped__``,
and mypy sees the same ``ParamSpec``, so a misspelt keyword is a type error), so the two
cannot drift the way retyped keyword lists do. Written here rather than taken from a
library: the pieces (``functools.wraps``, ``ParamSpec``) are the standard library's, and
the runner is the caller's own (:func:`factcheck.pipeline.run_sync` also works inside a
running loop, as in Jupyter).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, TypeVar, cast

__all__ = ["Runner", "sync_twin"]

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
