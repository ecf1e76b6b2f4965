"""schema.org ClaimReview JSON-LD for verdicts, one document per verified claim.

Rating scale (``reviewRating``, worstRating 1, bestRating 5, ``alternateName`` = the label):

=================  ===========
label              ratingValue
=================  ===========
contradicted       1
not_enough_info    3
supported          5
=================  ===========

The middle of the scale says "no finding", not "half true": a claim the evidence neither
supports nor contradicts is unrated in substance, and 3 keeps it apart from both ends.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from factcheck.errors import InputError
from factcheck.models import Claim, Report, Verdict, VerdictLabel

RATING = {
    VerdictLabel.contradicted: 1,
    VerdictLabel.not_enough_info: 3,
    VerdictLabel.supported: 5,
}
WORST_RATING, BEST_RATING = 1, 5

# A speaker is typed Organization when it is an acronym (BBC, NATO, UK) or has a word that
# names an institution; otherwise Person. schema.org's Claim.author accepts both.
_ACRONYM = re.compile(r"\b[A-Z]{2,}\b")
_ORGANISATION_WORDS = frozenset(
    (
        "agency army assembly association authority bank board bureau cabinet centre center "
        "college commission committee company congress corporation council court department "
        "foundation government group inc institute kremlin league limited ltd llc ministry "
        "network news newspaper office organisation organization parliament party plc police "
        "press senate service times union university"
    ).split()
)


def speaker_type(name: str) -> str:
    """``"Organization"`` or ``"Person"`` for a speaker's name (a heuristic, see above)."""
    words = {w.casefold() for w in re.findall(r"\w+", name)}
    if _ACRONYM.search(name) or words & _ORGANISATION_WORDS:
        return "Organization"
    return "Person"


def _url(value: str, name: str) -> str:
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(f"{name} must be an absolute http(s) URL, got {value!r}")
    return value


def _date(value: date | datetime | str | None, name: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str):
        for parse in (date.fromisoformat, datetime.fromisoformat):
            try:
                return parse(value).isoformat()
            except ValueError:
                continue
    raise InputError(f"{name} must be an ISO 8601 date or datetime, got {value!r}")


def _publisher(publisher: str | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(publisher, str) and publisher.strip():
        return {"@type": "Organization", "name": publisher.strip()}
    if isinstance(publisher, Mapping) and str(publisher.get("name", "")).strip():
        node = {"@type": "Organization", **publisher}
        if "url" in node:
            _url(node["url"], "publisher url")
        return node
    raise InputError("publisher must be a name or a mapping with a 'name' (an Organization)")


def _claims(report: Report | Sequence[Claim]) -> list[Claim]:
    if isinstance(report, Report):
        return list(report.claims)
    if isinstance(report, Sequence) and all(isinstance(c, Claim) for c in report):
        return list(report)
    raise InputError("to_claimreview() takes the Report (or the list of claims) that was verified")


def to_claimreview(
    report: Report | Sequence[Claim],
    verdicts: Sequence[Verdict],
    *,
    url: str,
    publisher: str | Mapping[str, Any],
    date_published: date | datetime | str | None = None,
    article_date: date | datetime | str | None = None,
    review_url: str | None = None,
) -> list[dict[str, Any]]:
    """One schema.org ``ClaimReview`` (JSON-LD, as a dict) per verdict.

    ``url``: the article the claims appear in (``itemReviewed.appearance``).
    ``publisher``: who publishes the review (``author``): a name, or a mapping such as
    ``{"name": "…", "url": "…"}``, typed Organization. ``date_published``: the review's
    date (default: today, UTC). ``article_date``: the article's date, when known
    (``itemReviewed.datePublished``). ``review_url``: the page that publishes the review
    (``url``; default: the article URL). The claim's speaker, when the report names one,
    becomes ``itemReviewed.author`` (Person, or Organization for institutions). The
    verdict's rationale, or the safeguard that set its label, becomes ``reviewBody``.
    """
    claims = _claims(report)
    article = _url(url, "url")
    page = _url(review_url, "review_url") if review_url is not None else article
    author = _publisher(publisher)
    reviewed_on = (
        _date(date_published, "date_published") or datetime.now(timezone.utc).date().isoformat()
    )
    said_on = _date(article_date, "article_date")
    documents = []
    for n, verdict in enumerate(verdicts):
        if not isinstance(verdict, Verdict):
            raise InputError(f"verdict {n} is not a Verdict: {type(verdict).__name__}")
        index = verdict.claim_index
        if not 0 <= index < len(claims) or claims[index].statement != verdict.statement:
            raise InputError(
                f"verdict {n} is for claim {index} ({verdict.statement[:40]!r}), which is not "
                "among the claims given: pass the report that was verified"
            )
        claim = claims[index]
        appearance: dict[str, Any] = {"@type": "CreativeWork", "url": article}
        item: dict[str, Any] = {"@type": "Claim", "appearance": appearance}
        if claim.speaker:
            item["author"] = {"@type": speaker_type(claim.speaker), "name": claim.speaker}
        if said_on:
            item["datePublished"] = said_on
            appearance["datePublished"] = said_on
        document: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "ClaimReview",
            "url": page,
            "claimReviewed": claim.statement,
            "itemReviewed": item,
            "author": dict(author),
            "datePublished": reviewed_on,
            "reviewRating": {
                "@type": "Rating",
                "ratingValue": RATING[verdict.label],
                "bestRating": BEST_RATING,
                "worstRating": WORST_RATING,
                "alternateName": verdict.label.value,
            },
        }
        body = verdict.safeguard or verdict.rationale
        if body:
            document["reviewBody"] = body
        documents.append(document)
    return documents
