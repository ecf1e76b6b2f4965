"""ClaimReview export, checked field by field against the schema.org vocabulary.

tests/data/schemaorg-*.csv are excerpts of the official schema.org release files (see
tests/data/LICENSE-schemaorg.txt): every property of the types we emit, with its domain and
range. A property is accepted only where schema.org defines it for the node's type (or a
supertype), and a value only where its type (or a supertype) is in the property's range.
"""

from __future__ import annotations

import csv
import json
from datetime import date, datetime, timezone
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from factcheck import InputError, Report, Verdict, VerdictLabel, to_claimreview
from factcheck.claimreview import RATING, speaker_type
from factcheck.models import EvidencePassage

DATA = Path(__file__).resolve().parent / "data"
URL = "https://example.org/news/starmer-coalition"


def _names(cell: str) -> set[str]:
    return {part.strip().rsplit("/", 1)[-1] for part in cell.split(",") if part.strip()}


@cache
def vocabulary() -> tuple[dict[str, set[str]], dict[str, tuple[set[str], set[str], bool]]]:
    with (DATA / "schemaorg-types.csv").open(encoding="utf-8") as f:
        types = {row["label"]: _names(row["subTypeOf"]) for row in csv.DictReader(f)}
    with (DATA / "schemaorg-properties.csv").open(encoding="utf-8") as f:
        properties = {
            row["label"]: (
                _names(row["domainIncludes"]),
                _names(row["rangeIncludes"]),
                bool(row["supersededBy"]),
            )
            for row in csv.DictReader(f)
        }
    return types, properties


def lineage(type_name: str) -> set[str]:
    """The type and all its supertypes."""
    types, _ = vocabulary()
    assert type_name in types, f"{type_name} is not a schema.org type"
    found = {type_name}
    for parent in types[type_name]:
        found |= lineage(parent)
    return found


def literal_types(value: object) -> set[str]:
    if isinstance(value, bool):
        return {"Boolean"}
    if isinstance(value, int):
        return {"Integer", "Number"}
    if isinstance(value, float):
        return {"Number"}
    assert isinstance(value, str), value
    kinds = {"Text"}
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.netloc:
        kinds.add("URL")
    for kind, parse in (("Date", date.fromisoformat), ("DateTime", datetime.fromisoformat)):
        try:
            parse(value)
        except ValueError:
            continue
        kinds.add(kind)
    return kinds


def check_node(node: dict[str, Any], where: str = "") -> None:
    """Every property of ``node`` is defined by schema.org for its type, with a value of
    a type in the property's range."""
    _, properties = vocabulary()
    node_type = node["@type"]
    allowed_on = lineage(node_type)
    for key, value in node.items():
        if key in ("@context", "@type"):
            continue
        path = f"{where}{node_type}.{key}"
        assert key in properties, f"{path}: not a schema.org property of these types"
        domains, ranges, superseded = properties[key]
        assert not superseded, f"{path}: superseded in schema.org"
        assert domains & allowed_on, f"{path}: schema.org defines it on {sorted(domains)}"
        if isinstance(value, dict):
            assert lineage(value["@type"]) & ranges, f"{path}: {value['@type']} not in {ranges}"
            check_node(value, f"{path} > ")
        else:
            # a URL is also Text; a literal fits when one of its readings is in the range
            assert literal_types(value) & ranges, f"{path}: {value!r} is not one of {ranges}"
            if ranges <= {"URL"}:
                assert "URL" in literal_types(value), path
            if ranges <= {"Date", "DateTime"}:
                assert literal_types(value) & {"Date", "DateTime"}, path


@pytest.fixture(scope="module")
def report() -> Report:
    # produced by summarise() on the seed article (see tests/test_verify.py)
    return Report.model_validate_json((DATA / "seed_report.json").read_text(encoding="utf-8"))


def verdict(report: Report, index: int, label: VerdictLabel, **extra: Any) -> Verdict:
    sentence = report.source.sentences[index]
    passage = EvidencePassage(
        document=0,
        sentence_id=sentence.id,
        start=sentence.start,
        end=sentence.end,
        text=sentence.text,
    )
    return Verdict(
        claim_index=index,
        statement=report.claims[index].statement,
        label=label,
        rationale="The article states it.",
        confidence=0.8,
        evidence=[passage],
        candidates=[passage],
        **extra,
    )


@pytest.fixture(scope="module")
def verdicts(report: Report) -> list[Verdict]:
    return [
        verdict(report, 0, VerdictLabel.supported, model_label=VerdictLabel.supported),
        verdict(report, 1, VerdictLabel.contradicted, model_label=VerdictLabel.contradicted),
        verdict(
            report,
            2,
            VerdictLabel.not_enough_info,
            model_label=VerdictLabel.supported,
            safeguard="the model answered supported but cited no evidence sentence",
        ),
    ]


def test_every_type_and_property_is_defined_by_schema_org(
    report: Report, verdicts: list[Verdict]
) -> None:
    reviews = to_claimreview(
        report,
        verdicts,
        url=URL,
        publisher={"name": "Example Fact Desk", "url": "https://example.org/"},
        date_published="2025-03-03",
        article_date="2025-03-02",
        review_url="https://example.org/factchecks/1",
    )
    assert len(reviews) == len(verdicts)
    for review in reviews:
        check_node(review)
        assert json.loads(json.dumps(review)) == review


def test_fields_of_a_claim_review(report: Report, verdicts: list[Verdict]) -> None:
    first, second, third = to_claimreview(
        report,
        verdicts,
        url=URL,
        publisher="Example Fact Desk",
        date_published=date(2025, 3, 3),
        article_date="2025-03-02",
    )
    assert first["@context"] == "https://schema.org"
    assert first["@type"] == "ClaimReview"
    assert first["url"] == URL  # no review page given: the article
    assert first["claimReviewed"] == report.claims[0].statement
    assert first["datePublished"] == "2025-03-03"
    assert first["author"] == {"@type": "Organization", "name": "Example Fact Desk"}
    assert first["reviewBody"] == "The article states it."
    item = first["itemReviewed"]
    assert item["@type"] == "Claim"
    assert item["datePublished"] == "2025-03-02"
    assert item["appearance"] == {
        "@type": "CreativeWork",
        "url": URL,
        "datePublished": "2025-03-02",
    }
    # the seed report names "The UK and France" as this claim's speaker, but its sentence
    # (and none before it) does not: no author
    assert report.claims[0].speaker == "The UK and France" and "author" not in item
    # "The prime minister also revealed…": the cited sentence names the speaker
    assert second["itemReviewed"]["author"] == {"@type": "Person", "name": "the Prime Minister"}
    # no speaker: no author for the claim
    assert report.claims[2].speaker is None and "author" not in third["itemReviewed"]
    # a downgraded verdict says so, and why
    assert verdicts[2].safeguard is not None
    assert third["reviewRating"]["ratingExplanation"] == verdicts[2].safeguard
    assert "overruled" in third["reviewBody"] and verdicts[2].safeguard in third["reviewBody"]
    assert "ratingExplanation" not in first["reviewRating"]


@pytest.mark.parametrize(
    ("label", "value"),
    [
        (VerdictLabel.contradicted, 1),
        (VerdictLabel.not_enough_info, 3),
        (VerdictLabel.supported, 5),
    ],
)
def test_rating_scale(report: Report, label: VerdictLabel, value: int) -> None:
    (review,) = to_claimreview(report, [verdict(report, 4, label)], url=URL, publisher="Desk")
    assert review["reviewRating"] == {
        "@type": "Rating",
        "ratingValue": value,
        "bestRating": 5,
        "worstRating": 1,
        "alternateName": label.value,
    }
    assert RATING[label] == value


def test_review_date_defaults_to_today_and_article_date_is_optional(
    report: Report, verdicts: list[Verdict]
) -> None:
    before = datetime.now(timezone.utc).date()
    (review,) = to_claimreview(report, verdicts[:1], url=URL, publisher="Desk")
    after = datetime.now(timezone.utc).date()
    assert review["datePublished"] in {before.isoformat(), after.isoformat()}
    assert "datePublished" not in review["itemReviewed"]
    assert "datePublished" not in review["itemReviewed"]["appearance"]
    stamped = to_claimreview(
        report,
        verdicts[:1],
        url=URL,
        publisher="Desk",
        date_published=datetime(2025, 3, 3, 9, 30, tzinfo=timezone.utc),
    )
    assert stamped[0]["datePublished"] == "2025-03-03T09:30:00+00:00"
    check_node(stamped[0])


def _author_words_in(review: dict[str, Any], text: str) -> bool:
    name = review["itemReviewed"]["author"]["name"]
    return all(word.casefold() in text.casefold() for word in name.split())


def test_no_author_the_seed_text_does_not_support(report: Report) -> None:
    everything = [verdict(report, i, VerdictLabel.supported) for i in range(len(report.claims))]
    reviews = to_claimreview(report, everything, url=URL, publisher="Desk")
    authored = [i for i, r in enumerate(reviews) if "author" in r["itemReviewed"]]
    speakers = [i for i, c in enumerate(report.claims) if c.speaker]
    # the model named a speaker for several claims; the text supports only one of them
    assert len(speakers) > len(authored) >= 1
    for i in authored:
        claim = report.claims[i]
        first = int(claim.sentence_ids[0][1:])
        nearby = " ".join(s.text for s in report.source.sentences[max(0, first - 1) : first + 1])
        assert _author_words_in(reviews[i], nearby)
    # a clause the model put in the speaker field is never an author
    clause = next(i for i, c in enumerate(report.claims) if c.speaker and len(c.speaker) > 40)
    assert "author" not in reviews[clause]["itemReviewed"]


def test_author_rests_on_the_sentences_that_name_the_speaker(report: Report) -> None:
    claim = report.claims[4]  # "Starmer described the talks…", citing S4
    assert claim.sentence_ids == ["S4"]
    cases = [
        ({"speaker": "Starmer"}, "Starmer"),  # named in the cited sentence
        ({"speaker": "Keir Starmer"}, None),  # "Keir" is not in S3 or S4
        ({"speaker": "Keir Starmer", "speaker_ids": ["S0"]}, "Keir Starmer"),  # S0 names him
        ({"speaker": "Starmer", "speaker_ids": ["S2"]}, None),  # S2 does not: cited text no help
        ({"speaker": "Volodymyr Zelenskyy"}, "Volodymyr Zelenskyy"),  # named in S4 too
        ({"speaker": "Emmanuel Macron"}, None),
        ({"speaker": "  "}, None),
    ]
    for update, expected in cases:
        claims = list(report.claims)
        claims[4] = claim.model_copy(update=update)
        changed = report.model_copy(update={"claims": claims})
        (review,) = to_claimreview(
            changed, [verdict(changed, 4, VerdictLabel.supported)], url=URL, publisher="Desk"
        )
        author = review["itemReviewed"].get("author", {}).get("name")
        assert author == expected, update


def test_claim_reviewed_is_the_cleaned_grounded_statement(report: Report) -> None:
    claims = list(report.claims)
    claims[2] = claims[2].model_copy(update={"statement": claims[2].statement + " },{"})
    changed = report.model_copy(update={"claims": claims})
    (review,) = to_claimreview(
        changed, [verdict(changed, 2, VerdictLabel.supported)], url=URL, publisher="Desk"
    )
    assert review["claimReviewed"] == report.claims[2].statement
    check_node(review)


def test_speaker_types() -> None:
    assert speaker_type("Keir Starmer") == "Person"
    assert speaker_type("the Prime Minister") == "Person"
    assert speaker_type("BBC Politics") == "Organization"
    assert speaker_type("Ministry of Defence") == "Organization"
    assert speaker_type("The UK and France") == "Organization"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"url": "example.org/article"}, "url must be an absolute http"),
        ({"url": "ftp://example.org/a"}, "url must be an absolute http"),
        ({"review_url": "/factchecks/1"}, "review_url must be an absolute"),
        ({"publisher": " "}, "publisher must be"),
        ({"publisher": {"url": "https://example.org"}}, "publisher must be"),
        ({"publisher": {"name": "Desk", "url": "nowhere"}}, "publisher url"),
        ({"date_published": "3 March 2025"}, "date_published must be an ISO 8601"),
        ({"article_date": 20250302}, "article_date must be an ISO 8601"),
    ],
)
def test_bad_arguments_are_clear_errors(
    report: Report, verdicts: list[Verdict], kwargs: dict[str, Any], message: str
) -> None:
    arguments: dict[str, Any] = {"url": URL, "publisher": "Desk", **kwargs}
    with pytest.raises(InputError, match=message):
        to_claimreview(report, verdicts, **arguments)


def test_verdicts_must_belong_to_the_claims(report: Report, verdicts: list[Verdict]) -> None:
    stranger = verdicts[0].model_copy(update={"statement": "Something else entirely."})
    with pytest.raises(InputError, match="verdict 1 is for claim 0"):
        to_claimreview(report, [verdicts[0], stranger], url=URL, publisher="Desk")
    out_of_range = verdicts[0].model_copy(update={"claim_index": 99})
    with pytest.raises(InputError, match="not among the claims"):
        to_claimreview(report, [out_of_range], url=URL, publisher="Desk")
    with pytest.raises(InputError, match="is not a Verdict"):
        to_claimreview(report, [{"label": "supported"}], url=URL, publisher="Desk")  # type: ignore[list-item]
    with pytest.raises(InputError, match="takes the Report"):
        to_claimreview("report", verdicts, url=URL, publisher="Desk")  # type: ignore[arg-type]


def test_a_list_of_claims_works_like_a_report(report: Report, verdicts: list[Verdict]) -> None:
    from_report = to_claimreview(
        report, verdicts, url=URL, publisher="Desk", date_published="2025-03-03"
    )
    from_claims = to_claimreview(
        report.claims, verdicts, url=URL, publisher="Desk", date_published="2025-03-03"
    )
    assert from_claims == from_report


@pytest.mark.parametrize(
    "broken",
    [
        {"@type": "ClaimReview", "claimreviewed": "x"},  # misspelt property
        {"@type": "ClaimReview", "appearance": {"@type": "CreativeWork", "url": URL}},  # wrong type
        {"@type": "ClaimReview", "reviewRating": {"@type": "Person", "name": "x"}},  # wrong range
        {"@type": "ClaimReview", "url": "not a url"},
        {"@type": "ClaimReview", "datePublished": "yesterday"},
        {"@type": "Claim", "author": {"@type": "Rating", "ratingValue": 1}},
    ],
)
def test_the_vocabulary_check_catches_mistakes(broken: dict[str, Any]) -> None:
    with pytest.raises(AssertionError):
        check_node(broken)
