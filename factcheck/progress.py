"""Progress bars for long work (many chunks, many articles), via ``tqdm.auto``.

``progress=None`` (the default everywhere) shows a bar only where someone watches: in a
Jupyter kernel (a widget when ipywidgets is installed, text otherwise) or when stderr is a
terminal. ``progress=False`` never shows one, ``progress=True`` always does. Bars go to
stderr, so piped JSON on stdout stays clean.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class Progress(Protocol):
    """What the pipeline needs of a bar: count finished work."""

    def update(self, n: float | None = 1) -> bool | None: ...


class _Silent:
    def update(self, n: float | None = 1) -> bool | None:
        return None


def in_notebook() -> bool:
    """True inside a Jupyter kernel. Checked without importing IPython, and on the running
    shell: tools that only talk to kernels (nbclient, jupyter_client) import ipykernel too."""
    ipython = sys.modules.get("IPython")
    get_ipython = getattr(ipython, "get_ipython", None)
    shell = get_ipython() if callable(get_ipython) else None
    return type(shell).__name__ == "ZMQInteractiveShell"


def wanted(progress: bool | None) -> bool:
    """Whether to show a bar: explicit choice, else a notebook or a terminal on stderr."""
    if progress is not None:
        return progress
    if in_notebook():
        return True
    stream = sys.stderr
    return stream is not None and hasattr(stream, "isatty") and stream.isatty()


def _tqdm_class() -> Any:
    with warnings.catch_warnings():
        # Without ipywidgets tqdm.auto warns once and falls back to the text bar, which
        # Jupyter renders well enough; the warning would only clutter the output.
        warnings.simplefilter("ignore")
        from tqdm.auto import tqdm

    return tqdm


@contextmanager
def progress_bar(
    total: int, *, desc: str, unit: str, progress: bool | None = None, minimum: int = 2
) -> Iterator[Progress]:
    """A bar over ``total`` items, or a silent stand-in when ``total < minimum`` or when
    :func:`wanted` says no."""
    if total < minimum or not wanted(progress):
        yield _Silent()
        return
    bar = _tqdm_class()(total=total, desc=desc, unit=unit, leave=False, file=sys.stderr)
    try:
        yield bar
    finally:
        bar.close()


async def counted(bar: Progress, work: Awaitable[T]) -> T:
    """Await ``work`` and tick ``bar`` once when it finishes (for ``asyncio.gather``)."""
    result = await work
    bar.update(1)
    return result
