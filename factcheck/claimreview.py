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

from factcheck.entities import Inventory, Mention, MentionKind, name_key
from factcheck.errors import InputError
from factcheck.hygiene import clean_text
from factcheck.models import Claim, FlagKind, Report, Source, Verdict, VerdictLabel, sentence_index

__all__ = [
    "RATING",
    "speaker_type",
    "to_claimreview",
]

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


#: Lower-case words a name may contain ("Ministry of Defence", "the Prime Minister").
_NAME_JOINERS = frozenset("of the for and de la le van von der al bin du da di".split())
#: A speaker is at most this many words: longer, it is a clause the model put in the field.
SPEAKER_MAX_WORDS = 6
#: Flags that mean the statement says something its cited sentences do not.
_UNGROUNDED = frozenset(
    (
        FlagKind.name_not_in_source,
        FlagKind.number_not_in_source,
        FlagKind.amount_not_in_source,
        FlagKind.percent_not_in_source,
        FlagKind.date_not_in_source,
        FlagKind.name_not_in_cited,
        FlagKind.number_not_in_cited,
        FlagKind.amount_not_in_cited,
        FlagKind.percent_not_in_cited,
        FlagKind.date_not_in_cited,
        FlagKind.negation_mismatch,
        FlagKind.id_markup,
    )
)


def looks_like_a_name(speaker: str) -> bool:
    """A name or title ("Keir Starmer", "the Prime Minister", "BBC Politics"), not a clause:
    a few words, each capitalised, a number, or a joining word such as "of" or "the"."""
    words = re.findall(r"[\w'’.-]+", speaker)
    if not words or len(words) > SPEAKER_MAX_WORDS:
        return False
    named = [w for w in words if w.casefold() not in _NAME_JOINERS]
    return bool(named) and all(w[0].isupper() or w[0].isdigit() for w in named)


def _speaker_text(claim: Claim, source: Source | None) -> str:
    """The sentences that may name the claim's speaker: those in ``speaker_ids`` or, when
    there are none, the cited sentences and the one just before them."""
    if source is None:
        # Without the article only the cited sentences are at hand.
        return "" if claim.speaker_ids else " ".join(span.text for span in claim.spans)
    ids = list(claim.speaker_ids)
    if not ids:
        cited = [i for i in (sentence_index(s) for s in claim.sentence_ids) if i is not None]
        ids = [f"S{i}" for i in sorted({*cited, *(i - 1 for i in cited if i > 0)})]
    sentences = (source.sentence(i) for i in ids)
    return " ".join(s.text for s in sentences if s is not None)


def grounded_author(claim: Claim, source: Source | None) -> str | None:
    """The claim's speaker, when it is a name whose words the text supports (see
    :func:`_speaker_text`), else None: an author the text does not name is not published."""
    speaker, _ = clean_text(claim.speaker or "")
    if not speaker or not looks_like_a_name(speaker):
        return None
    text = _speaker_text(claim, source)
    if not text:
        return None
    mention = Mention(MentionKind.name, speaker, 0, len(speaker), key=name_key(speaker))
    return speaker if Inventory.of(text).has_name(mention) else None


def grounded_statement(claim: Claim) -> str:
    """What the review reviews: the claim's statement, cleaned of model debris, or the
    sentences it cites when grounding found the statement says what they do not."""
    if claim.quote and any(f.kind in _UNGROUNDED for f in claim.flags) and claim.origin == "model":
        return claim.quote
    return clean_text(claim.statement)[0] or claim.statement


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


def _claims(report: Report | Sequence[Claim]) -> tuple[list[Claim], Source | None]:
    if isinstance(report, Report):
        return list(report.claims), report.source
    if isinstance(report, Sequence) and all(isinstance(c, Claim) for c in report):
        return list(report), None
    raise InputError("to_claimreview() takes the Report (or the list of claims) that was verified")


def _review_body(verdict: Verdict) -> str:
    """The rationale; for a label the library set over the model's, that it did and why."""
    rationale = clean_text(verdict.rationale)[0]
    if verdict.downgraded and verdict.model_label is not None:
        why = verdict.safeguard or rationale
        return (
            f"Rated {verdict.label.value}; the model's label {verdict.model_label.value} was "
            f"overruled by a deterministic check: {why}"
        )
    return rationale or clean_text(verdict.safeguard or "")[0]


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
    (``url``; default: the article URL).

    Only grounded parts are published. ``claimReviewed`` is the claim's statement cleaned
    of model debris (:func:`factcheck.hygiene.clean_text`), or its cited text when
    grounding flagged the statement. The claim's speaker becomes ``itemReviewed.author``
    (Person, or Organization for institutions) only when it is a name whose words occur in
    the sentences that name the speaker (``Claim.speaker_ids``; when there are none, the
    cited sentences and the one before them); otherwise there is no author. The verdict's
    rationale becomes ``reviewBody``; a label the library set over the model's says so
    there, and its safeguard is the rating's ``ratingExplanation``. From a bare list of
    claims (no article at hand) an author is checked against the cited sentences only.
    """
    claims, source = _claims(report)
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
        speaker = grounded_author(claim, source)
        if speaker:
            item["author"] = {"@type": speaker_type(speaker), "name": speaker}
        if said_on:
            item["datePublished"] = said_on
            appearance["datePublished"] = said_on
        document: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "ClaimReview",
            "url": page,
            "claimReviewed": grounded_statement(claim),
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
        body = _review_body(verdict)
        if body:
            document["reviewBody"] = body
        if verdict.safeguard:
            document["reviewRating"]["ratingExplanation"] = verdict.safeguard
        documents.append(document)
    return documents
