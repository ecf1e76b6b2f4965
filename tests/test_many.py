"""summarise_many on responses recorded from the embedded model (SmolLM2-135M).

Re-record: ``rm -rf cassettes/test_many && pytest tests/test_many.py --record-mode=once``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from factcheck import InputError, Report, TruncatedOutputError, asummarise_many, summarise_many
from factcheck.cache import ResponseCache
from factcheck.llm import CallPolicy

pytestmark = pytest.mark.usefixtures("embedded_model")


def assert_pinned(report: Report) -> None:
    for claim in report.claims:
        assert report.source.text[claim.start : claim.end] == claim.quote
        assert set(claim.sentence_ids) <= set(report.source.ids)


@pytest.mark.vcr
def test_results_in_input_order_with_errors_collected(
    seed_text: str, long_text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = ResponseCache(tmp_path / "shared.sqlite3")
    results = summarise_many([seed_text, "  \n ", long_text], cache=cache, progress=False)

    assert len(results) == 3
    first, empty, third = results
    assert isinstance(first, Report) and isinstance(third, Report)
    assert first.source.text.startswith("Keir Starmer")
    assert third.source.text == Report.model_validate(third).source.text
    assert "bird flu" in third.source.text.lower()
    assert isinstance(empty, InputError) and "empty" in str(empty)
    for report in (first, third):
        assert_pinned(report)
        assert report.usage.calls == 1 and report.usage.cache_hits == 0
    assert len(cache) == 2

    # One shared cache: a second pass makes no model call at all, and shows its bar when asked.
    again = summarise_many([long_text, seed_text], cache=cache, progress=True)
    assert [type(r) for r in again] == [Report, Report]
    assert all(isinstance(r, Report) and r.usage.calls == 0 for r in again)
    assert [r.claims for r in again if isinstance(r, Report)] == [third.claims, first.claims]
    assert "articles" in capsys.readouterr().err


@pytest.mark.vcr
@pytest.mark.default_cassette("test_results_in_input_order_with_errors_collected.yaml")
async def test_async_twin_gives_the_same_reports(seed_text: str, long_text: str) -> None:
    results = await asummarise_many(
        [long_text, seed_text], cache=False, max_concurrency=1, progress=False
    )
    assert all(isinstance(r, Report) for r in results)
    reports = [r for r in results if isinstance(r, Report)]
    assert [r.source.text[:12] for r in reports] == [long_text[:12], seed_text[:12]]
    assert sum(r.usage.calls for r in reports) == 2


@pytest.mark.vcr
def test_a_failing_article_does_not_abort_the_others(seed_text: str) -> None:
    """max_tokens too small for any answer: the model stops mid-JSON (recorded); each article
    ends as a TruncatedOutputError carrying its cost, and the batch still returns."""
    tiny = CallPolicy(max_tokens=8, max_attempts=1)
    results = summarise_many(
        [seed_text, "", "The council approved the budget on Monday."],
        policy=tiny,
        cache=False,
        progress=False,
    )
    truncated, empty, short = results
    assert isinstance(empty, InputError)
    for error in (truncated, short):
        assert isinstance(error, TruncatedOutputError)
        assert error.usage.calls == 1 and error.usage.output_tokens == 8
        assert error.last_output


def test_bad_concurrency_and_no_texts() -> None:
    with pytest.raises(InputError, match="max_concurrency"):
        summarise_many(["text"], max_concurrency=0)
    assert summarise_many([]) == []
