"""Each sync function and its async twin take the same arguments, with the same kinds,
defaults and annotations, and return the same type: a keyword added to one and not the
other (or a default changed in one) fails here."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from factcheck import many, pipeline, summary_check, verification

PAIRS = [
    (pipeline.summarise, pipeline.asummarise),
    (many.summarise_many, many.asummarise_many),
    (verification.verify, verification.averify),
    (summary_check.check_summary, summary_check.acheck_summary),
]


def _described(function: Callable[..., Any]) -> list[tuple[str, str, str, str]]:
    signature = inspect.signature(function)
    return [
        (p.name, p.kind.name, repr(p.default), str(p.annotation))
        for p in signature.parameters.values()
    ] + [("->", "", "", str(signature.return_annotation))]


@pytest.mark.parametrize(("sync", "coroutine"), PAIRS, ids=[s.__name__ for s, _ in PAIRS])
def test_sync_and_async_twins_have_one_signature(
    sync: Callable[..., Any], coroutine: Callable[..., Any]
) -> None:
    assert inspect.iscoroutinefunction(coroutine) and not inspect.iscoroutinefunction(sync)
    assert coroutine.__name__ == "a" + sync.__name__
    mine, theirs = _described(sync), _described(coroutine)
    drift = [(a, b) for a, b in zip(mine, theirs, strict=False) if a != b]
    assert mine == theirs, f"{sync.__name__} and {coroutine.__name__} differ: {drift}"


@pytest.mark.parametrize(("sync", "coroutine"), PAIRS, ids=[s.__name__ for s, _ in PAIRS])
def test_each_sync_function_is_derived_from_its_twin(
    sync: Callable[..., Any], coroutine: Callable[..., Any]
) -> None:
    """Derived, not retyped: the sync function wraps the async one (through the wrapper that
    gives a caller's async client a pool of each call's own loop), so there is nothing to
    drift."""
    middle = sync.__wrapped__  # type: ignore[attr-defined]
    assert middle is not coroutine and middle.__wrapped__ is coroutine
    assert inspect.iscoroutinefunction(middle)
    assert sync.__doc__ == coroutine.__doc__ and "(async)" not in (sync.__doc__ or "")


def test_a_drift_would_be_seen() -> None:
    def one(text: str, *, cache: bool = True) -> int:
        return 0

    async def aone(text: str, *, cache: bool = False) -> int:
        return 0

    assert _described(one) != _described(aone)


# -- factcheck.twins: deriving the sync function instead of retyping it ---------------------

SNIPPET = """
import asyncio

from twins import sync_twin


async def ascale(value: int, *, factor: int = 2) -> int:
    return value * factor


scale = sync_twin(ascale, runner=asyncio.run)
ok: int = scale(3, factor=4)
bad = scale(3, fcator=4)
"""


def test_a_derived_twin_keeps_the_signature_and_runs() -> None:
    from factcheck.twins import run_sync, sync_twin

    async def ascale(value: int, *, factor: int = 2) -> int:
        """Scale a value."""
        return value * factor

    scale = sync_twin(ascale, runner=run_sync)
    assert scale.__name__ == "scale" and scale.__doc__ == "Scale a value."
    assert _described(scale) == _described(ascale)
    assert not inspect.iscoroutinefunction(scale)
    assert scale(3, factor=4) == 12
    with pytest.raises(TypeError, match="fcator"):
        scale(3, fcator=4)  # type: ignore[call-arg]
    assert sync_twin(ascale, runner=run_sync, doc="Sync.").__doc__ == "Sync."


def test_a_misspelt_keyword_is_a_type_error(tmp_path: Path) -> None:
    from mypy import api

    # factcheck.twins needs only the standard library; checked as a module of its own, mypy
    # need not load the whole package (and its dependencies) to see the call.
    import factcheck.twins

    (tmp_path / "twins.py").write_text(Path(factcheck.twins.__file__).read_text("utf-8"), "utf-8")
    module = tmp_path / "snippet.py"
    module.write_text(SNIPPET, encoding="utf-8")
    out, _, status = api.run(["--strict", "--cache-dir", str(tmp_path / "cache"), str(module)])
    assert status == 1, out
    errors = [line for line in out.splitlines() if ": error:" in line]
    bad_line = SNIPPET.splitlines().index("bad = scale(3, fcator=4)") + 1
    assert len(errors) == 1, out
    assert '"fcator"' in errors[0] and f"snippet.py:{bad_line}:" in errors[0], out
