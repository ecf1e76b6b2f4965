"""Markdown and JSON renderings, and the estimated cost.

The seed report is replayed from the embedded model's recording (tests/test_replay.py), so
the Markdown is checked on what the pipeline really produces, whatever the model wrote:
properties, not exact words. A few small reports are built by hand where a property needs
a case the recording may not hold (ranked claims, a priced footer).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from factcheck import Price, Report, Usage, summarise
from factcheck.export import report_to_json, report_to_markdown
from factcheck.models import Claim, Flag, FlagKind, KeyPoint
from factcheck.render_markdown import report_markdown, summary_check_markdown
from factcheck.render_summary import flag_groups, repair_line, usage_line
from factcheck.text import make_source

SEED_SUMMARY = "test_replay/test_seed_report.yaml"


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(Path(__file__).resolve().parent.parent / "cassettes")


def _flag(kind: FlagKind, item: str) -> Flag:
    return Flag(kind=kind, message=f"{kind.value} on {item}: the long explanation", item=item)


def _report(*, usage: Usage | None = None) -> Report:
    source = make_source(
        "The council approved a budget of 40 million pounds on Monday. "
        "Mayor Ann Lee said the money will pay for two new schools by 2027. "
        "Follow us on social media."
    )
    s0, s1 = source.sentences[0], source.sentences[1]
    replaced = [_flag(FlagKind.replaced, "claim 0"), _flag(FlagKind.low_overlap, "claim 0")]
    speaker = [_flag(FlagKind.speaker_replaced, "claim 1"), _flag(FlagKind.low_overlap, "claim 1")]
    point = [_flag(FlagKind.name_not_in_source, "key point 0")]
    claims = [
        Claim(
            statement=s0.text,
            origin="source",
            sentence_ids=["S0"],
            quote=s0.text,
            start=s0.start,
            end=s0.end,
            flags=replaced,
            score=0.91,
            rank=1,
        ),
        Claim(
            statement="The money will pay for two new schools by 2027.",
            speaker="Ann Lee",
            speaker_ids=["S1"],
            sentence_ids=["S1"],
            quote=s1.text,
            start=s1.start,
            end=s1.end,
            flags=speaker,
            score=0.74,
            rank=2,
        ),
    ]
    points = [KeyPoint(text=s0.text, sentence_ids=["S0"], origin="source", flags=point)]
    return Report(
        source=source,
        headline="Council approves budget",
        key_points=points,
        claims=claims,
        flags=[*point, *replaced, *speaker],
        usage=usage or Usage(calls=1),
        model="m",
        prompt_version="p",
        candidates=5,
    )


# -- Usage.cost ---------------------------------------------------------------------------


def test_cost_prices_input_output_and_cached_input_apart() -> None:
    usage = Usage(input_tokens=1_000_000, output_tokens=200_000, cached_input_tokens=400_000)
    # Without a cached price the cached tokens are ordinary input.
    assert usage.cost(Price(input=0.15, output=0.60)) == pytest.approx(0.15 + 0.12)
    priced = Price(input=0.15, output=0.60, cached_input=0.075)
    assert usage.cost(priced) == pytest.approx(0.6 * 0.15 + 0.4 * 0.075 + 0.12)
    assert usage.cost({"input": 0.15, "output": 0.60, "cached_input": 0.075}) == usage.cost(priced)
    # An endpoint cannot cache more than it was sent.
    odd = Usage(input_tokens=100, cached_input_tokens=500)
    assert odd.cost(Price(input=1.0, output=0.0, cached_input=0.0)) == 0.0
    assert Usage().cost(priced) == 0.0


def test_cost_rejects_prices_that_are_not_prices() -> None:
    with pytest.raises(ValidationError):
        Usage().cost({"input": -1.0, "output": 0.6})
    with pytest.raises(ValidationError):
        Usage().cost({"output": 0.6})


def test_usage_add_sums_cached_tokens() -> None:
    total = Usage(cached_input_tokens=3, input_tokens=10)
    total.add(Usage(cached_input_tokens=2, input_tokens=5, calls=1))
    assert (total.cached_input_tokens, total.input_tokens, total.calls) == (5, 15, 1)


# -- the readable Markdown ------------------------------------------------------------------


def test_markdown_leads_with_the_report_and_one_repair_line() -> None:
    report = _report()
    lines = report_markdown(report).splitlines()
    assert lines[0] == "# Council approves budget"
    assert lines[2] == f"_{repair_line(report)}_"
    assert "1 of 2 claims use the source's wording" in lines[2]
    assert "1 speaker taken from the text" in lines[2] and "2 of 5 candidates kept" in lines[2]
    assert lines.index("## Key points") < lines.index("## Claims (2 of 5 candidates)")


def test_markdown_shows_rank_score_and_speaker_and_folds_flags_into_counts() -> None:
    report = _report()
    text = report_markdown(report)
    first = next(line for line in text.splitlines() if line.startswith("0. "))
    assert "rank 1, score 0.91" in first and "source wording" in first
    # A statement that is its quote word for word is said once, with its citation.
    assert first.count(report.claims[0].quote) == 1 and "[S0]" in first
    assert f"> {report.claims[0].quote}" not in text
    assert "⚑ replaced, low_overlap" in first
    second = next(line for line in text.splitlines() if line.startswith("1. "))
    assert "*Ann Lee*" in second
    assert "(speaker named in S1)" in text
    # No flag's long message in the reader's way: one line per kind, at the end.
    assert "the long explanation" not in text
    flags = text.split("## Flags", 1)[1].split("---", 1)[0]
    kinds = [line for line in flags.splitlines() if line.startswith("- ")]
    assert kinds[0] == "- low_overlap ×2: claim 0, claim 1"
    assert len(kinds) == 4 and "- name_not_in_source ×1: key point 0" in kinds


def test_json_keeps_every_flag_with_its_message() -> None:
    report = _report()
    again = Report.model_validate_json(report_to_json(report))
    assert again == report
    assert sum(g.count for g in flag_groups(again)) == len(report.flags)


def test_footer_shows_the_estimated_cost_only_when_priced() -> None:
    usage = Usage(calls=2, input_tokens=30_000, output_tokens=5_000, cached_input_tokens=10_000)
    report = _report(usage=usage)
    plain = report_markdown(report).splitlines()[-1]
    assert "30000 input (10000 cached) + 5000 output tokens" in plain and "≈" not in plain
    price = Price(input=2.5, output=10.0, cached_input=1.25, currency="EUR")
    priced = report_to_markdown(report, price=price).splitlines()[-1]
    expected = usage.cost(price)
    assert expected == pytest.approx((20_000 * 2.5 + 10_000 * 1.25 + 5_000 * 10.0) / 1e6)
    match = re.search(r"≈ ([0-9.e-]+) EUR", priced)
    assert match and float(match.group(1)) == pytest.approx(expected, rel=1e-3)
    assert usage_line(usage, price).endswith(f"≈ {expected:.4g} EUR")
    assert report.to_markdown(price=price) == report_to_markdown(report, price=price)


def test_nothing_repaired_says_so() -> None:
    source = make_source("The council met on Monday.")
    s0 = source.sentences[0]
    report = Report(
        source=source,
        headline="The council met",
        key_points=[],
        model="m",
        prompt_version="p",
        claims=[Claim(statement=s0.text, sentence_ids=["S0"], quote=s0.text, end=s0.end)],
    )
    assert repair_line(report) == "Nothing repaired: the model's wording passed every check."
    # Source wording by design (an endpoint that only labels sentences) is no repair: only
    # a `replaced` flag says the model's wording failed.
    by_design = report.claims[0].model_copy(update={"origin": "source"})
    assert repair_line(report.model_copy(update={"claims": [by_design]})) == repair_line(report)
    assert "## Flags" not in report_markdown(report)


@pytest.mark.vcr(SEED_SUMMARY)
@pytest.mark.usefixtures("embedded_model")
def test_seed_markdown_counts_every_flag_once_and_stays_short(seed_text: str) -> None:
    report = summarise(seed_text)
    text = report.to_markdown()
    assert text.startswith(f"# {report.headline}") or text.startswith("# ")
    assert text.splitlines()[2] == f"_{repair_line(report)}_"
    groups = flag_groups(report)
    assert sum(g.count for g in groups) == len(report.flags)
    if report.flags:
        flags = text.split("## Flags", 1)[1].split("\n---\n", 1)[0]
        assert len([ln for ln in flags.splitlines() if ln.startswith("- ")]) == len(groups)
    # One line per claim plus its quote: the flags no longer add a line each.
    claim_lines = [ln for ln in text.splitlines() if re.match(r"\d+\. \*\*", ln)]
    assert len(claim_lines) == len(report.claims)
    assert not any(ln.lstrip().startswith("- ⚠") for ln in text.splitlines())


def test_summary_check_markdown_has_a_footer_with_usage() -> None:
    from factcheck import check_summary

    check = check_summary(
        "The council met on Monday.", "The council met on Friday.", use_model=False
    )
    text = summary_check_markdown(check)
    assert text.startswith("# Summary check: not consistent")
    assert text.rstrip().endswith("0 retr(y/ies)")
