"""Reports as JSON, the format that keeps everything: every flag with its message, span
and expected value, every score and offset. Markdown is :mod:`factcheck.render_markdown`,
HTML :mod:`factcheck.display`, schema.org ClaimReview :mod:`factcheck.claimreview`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from factcheck.models import Price, Report

__all__ = ["report_to_json", "report_to_markdown"]


def report_to_json(report: Report, *, indent: int | None = 2) -> str:
    return report.model_dump_json(indent=indent)


def report_to_markdown(report: Report, *, price: Price | None = None) -> str:
    """Kept for callers of ``factcheck.export.report_to_markdown``: see
    :func:`factcheck.render_markdown.report_markdown`."""
    from factcheck.render_markdown import report_markdown

    return report_markdown(report, price=price)
