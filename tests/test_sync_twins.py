"""Each sync function and its async twin take the same arguments, with the same kinds,
defaults and annotations, and return the same type: a keyword added to one and not the
other (or a default changed in one) fails here."""

from __future__ import annotations

import inspect
from collections.abc import Callable
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


def test_a_drift_would_be_seen() -> None:
    def one(text: str, *, cache: bool = True) -> int:
        return 0

    async def aone(text: str, *, cache: bool = False) -> int:
        return 0

    assert _described(one) != _described(aone)
