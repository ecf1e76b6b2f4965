"""verify(): candidate pre-selection, safeguards and schemas without a model, and verdicts on
the seed article replayed from responses recorded from the embedded model (SmolLM2-135M).

The report under test is tests/data/seed_report.json, produced by summarise() on the seed
article (seeds/000_5bc9710cf7c855ce.txt) replaying cassettes/test_replay/test_seed_report.yaml,
so these recordings do not depend on the summarise prompts. Re-record the model's verdicts with
``python -m pytest tests/test_verify.py --record-mode=once`` after removing
cassettes/test_verify/. The evidence texts below are user input written for the tests; every
verdict comes from the model.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

import pytest
from openai import OpenAI
from pydantic import TypeAdapter, ValidationError

from factcheck import (
    Claim,
    InputError,
    Report,
    Source,
    Verdict,
    VerdictLabel,
    averify,
    make_source,
    to_claimreview,
    verify,
)
from factcheck.evidence import SentenceIndex, overlap, terms, words
from factcheck.local import DEFAULT_ALIAS
from factcheck.models import EvidencePassage
from factcheck.schema import RATIONALE_MAX, VerdictOut, VerifyOutput, verify_schema
from factcheck.verification import (
    BATCH_SIZE,
    MIN_OVERLAP,
    NO_ANSWER,
    NO_CANDIDATES,
    VERBATIM,
    Verdicts,
    judge,
    verbatim_match,
)

DATA = Path(__file__).resolve().parent / "data"

SUPPORTING = (
    "Prime Minister Keir Starmer called on countries to join a coalition of the willing to "
    "help end the war in Ukraine. He said the UK and France were working on a peace plan to "
    "present to Donald Trump. Starmer will host a defence summit of European leaders on Sunday."
)
CONTRADICTING = (
    "Keir Starmer ruled out sending any British troops to Ukraine.\n\n"
    "The defence summit of European leaders was cancelled and will not take place on Sunday."
)
UNRELATED = (
    "The central bank kept interest rates unchanged on Thursday. "
    "Inflation fell to 2.6 per cent in February, the statistics office said."
)
EVIDENCE = [SUPPORTING, CONTRADICTING, UNRELATED]


@pytest.fixture(scope="module")
def report() -> Report:
    return Report.model_validate_json((DATA / "seed_report.json").read_text(encoding="utf-8"))


def assert_pinned(verdicts: Sequence[Verdict], documents: Sequence[Source]) -> None:
    """Every passage the library wrote slices back exactly from its document."""
    for verdict in verdicts:
        for passage in [*verdict.evidence, *verdict.candidates]:
            doc = documents[passage.document]
            assert doc.text[passage.start : passage.end] == passage.text
            sentence = doc.sentence(passage.sentence_id)
            assert sentence is not None and sentence.start == passage.start


def assert_safeguards(verdicts: Verdicts) -> None:
    """The library's rules, whatever the model answered."""
    for verdict in verdicts:
        assert verdict.label in set(VerdictLabel)
        assert 0.0 <= verdict.confidence <= 1.0
        assert len(verdict.rationale) <= RATIONALE_MAX
        if verdict.safeguard == VERBATIM:
            assert verdict.label == VerdictLabel.supported and verdict.confidence == 1.0
            assert verdict.model_label is None
            assert words(" ".join(p.text for p in verdict.evidence)) == words(verdict.statement)
        elif verdict.safeguard is not None:
            assert verdict.label == VerdictLabel.not_enough_info
            assert verdict.confidence == 0.0
        if verdict.label != VerdictLabel.not_enough_info:
            # a label that survived the safeguards cites evidence sharing the claim's words
            assert verdict.evidence
            assert overlap(verdict.statement, [p.text for p in verdict.evidence]) >= MIN_OVERLAP
        if verdict.model_label not in (None, VerdictLabel.not_enough_info) and not verdict.evidence:
            assert verdict.label == VerdictLabel.not_enough_info
            assert verdict.safeguard and "cited no evidence" in verdict.safeguard
    assert verdicts.downgraded == sum(
        v.model_label is not None and v.model_label != v.label for v in verdicts
    )


# --- candidate pre-selection -------------------------------------------------------------


def test_terms_fold_case_and_drop_function_words() -> None:
    assert terms("He said: “We’ve agreed that the UK” in 2025") == ["agreed", "uk", "2025"]
    assert math.isclose(overlap("Starmer hosts a summit", ["Starmer hosted the summit."]), 2 / 3)
    assert overlap("the of and", ["anything"]) == 1.0
    assert overlap("Starmer", []) == 0.0


def test_candidates_rank_by_bm25_and_slice_back() -> None:
    documents = [make_source(text) for text in EVIDENCE]
    index = SentenceIndex(documents)
    top = index.top("Inflation fell in February", 3)
    assert top[0].document == 2 and top[0].text.startswith("Inflation fell")
    assert all(p.score > 0 for p in top)
    assert [p.score for p in top] == sorted((p.score for p in top), reverse=True)
    for passage in top:
        assert documents[passage.document].text[passage.start : passage.end] == passage.text
    # sentences sharing no word with the query are never candidates
    assert index.top("zebras migrate", 3) == []
    assert index.top("", 3) == []
    # forced sentences come first, whatever their score, without repeats
    forced = index.top("Inflation fell in February", 2, include=[(1, "S0"), (1, "S0")])
    assert [(p.document, p.sentence_id) for p in forced][:1] == [(1, "S0")]
    assert len(forced) == 2 and forced[1].document == 2


def test_ranking_is_deterministic_with_ties_in_document_order() -> None:
    documents = [make_source("Rates rose. Rates rose."), make_source("Rates rose.")]
    top = SentenceIndex(documents).top("rates", 3)
    assert [(p.document, p.sentence_id) for p in top] == [(0, "S0"), (0, "S1"), (1, "S0")]


def test_documents_without_words_give_no_candidates() -> None:
    # only function words: nothing to index
    assert SentenceIndex([make_source("It is. Of the.")]).top("it is of the", 3) == []


def test_word_for_word_matches_take_whole_sentences() -> None:
    doc = make_source("Rates rose. Prices fell! It is false that rates rose.\n\nWages grew.")
    index = SentenceIndex([doc])
    every = index.top("rates rose prices fell false wages grew", 4)
    assert [p.text for p in verbatim_match("rates ROSE", every)] == ["Rates rose."]
    run = verbatim_match("Rates rose. Prices fell.", every)
    assert [p.sentence_id for p in run] == ["S0", "S1"]
    # a sentence that contains the claim inside a negation is no match
    assert verbatim_match("It is false that rates rose, and wages grew.", every) == []
    assert verbatim_match("Prices fell. Wages grew.", every) == []  # S1 and S3 are not adjacent
    assert verbatim_match("Rates rose. Wages grew.", every) == []
    assert verbatim_match("Rates rose sharply.", every) == []
    assert verbatim_match("...", every) == []


def test_claims_stated_word_for_word_need_no_model() -> None:
    verdicts = verify(
        ["Inflation fell to 2.6 per cent in February, the statistics office said."],
        evidence=[UNRELATED],
    )
    (verdict,) = verdicts
    assert verdict.label == VerdictLabel.supported and verdict.safeguard == VERBATIM
    assert verdict.confidence == 1.0 and verdict.model_label is None
    assert [p.sentence_id for p in verdict.evidence] == ["S1"]
    assert verdicts.usage.calls == 0 and verdicts.model is None


# --- schema and validation ---------------------------------------------------------------


def test_grammar_schema_fixes_one_verdict_per_claim_in_order() -> None:
    schema = verify_schema({"C0": ["E0", "E1"], "C4": ["E1", "E2"]}, per_claim=True)
    slots = schema["properties"]["verdicts"]["prefixItems"]
    assert [slot["properties"]["claim"] for slot in slots] == [{"const": "C0"}, {"const": "C4"}]
    assert slots[0]["properties"]["ids"]["items"]["enum"] == ["E0", "E1"]
    assert slots[1]["properties"]["ids"]["items"]["enum"] == ["E1", "E2"]
    assert slots[0]["properties"]["ids"]["maxItems"] == 2
    assert slots[0]["properties"]["label"]["enum"] == [label.value for label in VerdictLabel]
    assert slots[0]["properties"]["why"]["maxLength"] == RATIONALE_MAX
    assert "items" not in schema["properties"]["verdicts"]
    assert "$ref" not in json.dumps(schema)


def test_plain_schema_limits_claims_and_ids_to_the_batch() -> None:
    schema = verify_schema({"C0": ["E0", "E1"], "C4": ["E1", "E2"]}, per_claim=False)
    verdicts = schema["properties"]["verdicts"]
    assert verdicts["minItems"] == verdicts["maxItems"] == 2
    item = verdicts["items"]["properties"]
    assert item["claim"]["enum"] == ["C0", "C4"]
    assert item["ids"]["items"]["enum"] == ["E0", "E1", "E2"]


def test_cited_ids_are_validated_against_the_batch() -> None:
    context = {"ids": {"E0", "E1"}, "claims": {"C0"}}
    answer = {"claim": "C0", "ids": ["E1", "E1"], "why": "stated", "label": "supported", "conf": 2}
    parsed = VerifyOutput.model_validate({"verdicts": [answer]}, context=context)
    assert parsed.verdicts[0].ids == ["E1"]  # repeats collapse
    with pytest.raises(ValidationError, match="unknown sentence id"):
        VerifyOutput.model_validate({"verdicts": [{**answer, "ids": ["E7"]}]}, context=context)
    with pytest.raises(ValidationError, match="unknown claim"):
        VerifyOutput.model_validate({"verdicts": [{**answer, "claim": "C9"}]}, context=context)
    with pytest.raises(ValidationError):
        VerifyOutput.model_validate_json(json.dumps({"verdicts": [{**answer, "why": "x" * 121}]}))
    with pytest.raises(ValidationError):
        VerifyOutput.model_validate_json(
            '{"verdicts": [{"claim": "C0", "ids": [], "why": "a", '
            '"label": "supported", "conf": NaN}]}'
        )


# --- safeguards --------------------------------------------------------------------------


def _passage(text: str, sentence: int = 0) -> EvidencePassage:
    return EvidencePassage(
        document=0, sentence_id=f"S{sentence}", start=0, end=len(text), text=text
    )


CLAIM = Claim(statement="Starmer will host a defence summit on Sunday.", sentence_ids=[])
ON_TOPIC = _passage("Starmer will host a defence summit of European leaders on Sunday.", 0)
OFF_TOPIC = _passage("The central bank kept interest rates unchanged.", 1)
SHOWN = {"E0": ON_TOPIC, "E1": OFF_TOPIC}


def _out(label: str, ids: list[str], conf: float = 0.9) -> VerdictOut:
    return VerdictOut(claim="C0", ids=ids, why="because", label=VerdictLabel(label), conf=conf)


def test_supported_citing_nothing_is_downgraded() -> None:
    verdict = judge(0, CLAIM, _out("supported", []), SHOWN, [ON_TOPIC], "source")
    assert verdict.label == VerdictLabel.not_enough_info
    assert verdict.model_label == VerdictLabel.supported and verdict.downgraded
    assert verdict.safeguard == "the model answered supported but cited no evidence sentence"
    assert verdict.confidence == 0.0 and verdict.rationale == "because"


def test_label_resting_on_unrelated_sentences_is_downgraded() -> None:
    for label in ("supported", "contradicted"):
        verdict = judge(0, CLAIM, _out(label, ["E1"]), SHOWN, [ON_TOPIC, OFF_TOPIC], "evidence")
        assert verdict.label == VerdictLabel.not_enough_info
        assert (
            verdict.safeguard is not None and "0% of the claim's content words" in verdict.safeguard
        )
        assert verdict.evidence == [OFF_TOPIC]  # what the model cited stays visible


def test_grounded_labels_stand_and_confidence_is_clamped() -> None:
    verdict = judge(3, CLAIM, _out("supported", ["E1", "E0"], 7.5), SHOWN, [ON_TOPIC], "source")
    assert verdict.label == VerdictLabel.supported and not verdict.downgraded
    assert verdict.safeguard is None and verdict.confidence == 1.0
    assert verdict.evidence == [ON_TOPIC, OFF_TOPIC]  # document order
    assert verdict.claim_index == 3 and verdict.statement == CLAIM.statement
    low = judge(0, CLAIM, _out("contradicted", ["E0"], -3), SHOWN, [ON_TOPIC], "source")
    assert low.label == VerdictLabel.contradicted and low.confidence == 0.0
    unsure = judge(0, CLAIM, _out("not_enough_info", [], 0.4), SHOWN, [ON_TOPIC], "source")
    assert unsure.label == VerdictLabel.not_enough_info and not unsure.downgraded
    assert math.isclose(unsure.confidence, 0.4) and unsure.safeguard is None


def test_a_claim_the_model_skipped_gets_no_label() -> None:
    verdict = judge(0, CLAIM, None, SHOWN, [ON_TOPIC], "source")
    assert verdict.label == VerdictLabel.not_enough_info
    assert verdict.model_label is None and verdict.safeguard == NO_ANSWER


# --- input handling without a model -------------------------------------------------------


def test_claims_without_candidates_need_no_model() -> None:
    verdicts = verify(["Zebras migrate across the Serengeti."], evidence=[UNRELATED])
    assert len(verdicts) == 1 and verdicts.model is None
    assert verdicts.usage.calls == 0 and verdicts.usage.cache_hits == 0
    (verdict,) = verdicts
    assert verdict.label == VerdictLabel.not_enough_info
    assert verdict.safeguard == NO_CANDIDATES and verdict.model_label is None
    assert verdict.against == "evidence" and verdict.candidates == []


async def test_async_evidence_function_without_matches_needs_no_model() -> None:
    seen: list[str] = []

    async def lookup(claim: Claim) -> list[str]:
        seen.append(claim.statement)
        return [UNRELATED]

    verdicts = await averify(["Zebras migrate.", "Penguins fly."], evidence=lookup)
    assert seen == ["Zebras migrate.", "Penguins fly."]
    assert [v.safeguard for v in verdicts] == [NO_CANDIDATES, NO_CANDIDATES]
    assert verdicts.usage.calls == 0


def test_empty_claim_list_gives_no_verdicts() -> None:
    verdicts = verify([], evidence=[UNRELATED])
    assert verdicts == [] and verdicts.usage.calls == 0


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ("a claim", {"evidence": [UNRELATED]}, "takes a Report or a list of claims"),
        ([Claim(statement="x", sentence_ids=[])], {}, "need source="),
        (["x"], {"evidence": UNRELATED}, "list of texts"),
        (["x"], {"evidence": []}, "evidence is an empty list"),
        (["x"], {"evidence": [UNRELATED, "   "]}, "evidence document 1"),
        (["x"], {"evidence": [UNRELATED, 3]}, "evidence document 1 must be text"),
        (["x", 7], {"evidence": [UNRELATED]}, "claim 1 must be a Claim"),
        (["x", " "], {"evidence": [UNRELATED]}, "claim 1 must be a Claim"),
        (["x"], {"evidence": lambda claim: UNRELATED}, "must return a list of texts"),
        (["x"], {"evidence": [UNRELATED], "batch_size": 0}, "batch_size"),
        (["x"], {"evidence": [UNRELATED], "top_k": 0}, "top_k"),
        (["x"], {"evidence": [UNRELATED], "max_concurrency": 0}, "max_concurrency"),
    ],
)
def test_bad_input_is_a_clear_error(args: object, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        verify(args, **kwargs)  # type: ignore[arg-type]


# --- replayed from the embedded model -------------------------------------------------------


@pytest.mark.vcr
def test_seed_claims_against_their_own_source(embedded_model: str, report: Report) -> None:
    # every claim to the model, even those that repeat the article word for word
    verdicts = verify(report, verbatim=False)
    assert [v.claim_index for v in verdicts] == list(range(len(report.claims)))
    assert [v.statement for v in verdicts] == [c.statement for c in report.claims]
    assert all(v.against == "source" for v in verdicts)
    assert_pinned(verdicts, [report.source])
    assert_safeguards(verdicts)
    for verdict, claim in zip(verdicts, report.claims, strict=True):
        # the sentences a claim cites are always among its candidates, first
        cited = [p.sentence_id for p in verdict.candidates[: len(claim.sentence_ids)]]
        assert cited == claim.sentence_ids
    batches = math.ceil(len(report.claims) / BATCH_SIZE["local"])
    assert verdicts.model == DEFAULT_ALIAS
    assert verdicts.usage.calls == batches and verdicts.usage.cache_hits == 0
    assert verdicts.usage.input_tokens > 0 and verdicts.usage.output_tokens > 0
    # The recording shows the weak model labelling claims without citing anything; the
    # safeguards turned those into not_enough_info.
    assert verdicts.downgraded > 0

    again = verify(report, verbatim=False)
    assert again.usage.calls == 0 and again.usage.cache_hits == batches
    assert list(again) == list(verdicts)

    # verdicts serialise as a plain list and survive a round trip
    adapter = TypeAdapter(list[Verdict])
    assert adapter.validate_json(adapter.dump_json(verdicts)) == list(verdicts)


@pytest.mark.vcr
def test_seed_claims_copied_from_the_source_need_no_model(
    embedded_model: str, report: Report
) -> None:
    verdicts = verify(report)
    assert_pinned(verdicts, [report.source])
    assert_safeguards(verdicts)
    copied = [i for i, claim in enumerate(report.claims) if claim.origin == "source"]
    assert copied  # grounding replaced most of the weak model's wording with the source
    for i, verdict in enumerate(verdicts):
        if i in copied:
            assert verdict.safeguard == VERBATIM and verdict.label == VerdictLabel.supported
            assert [p.sentence_id for p in verdict.evidence] == report.claims[i].sentence_ids
        else:
            assert verdict.safeguard != VERBATIM
    asked = len(report.claims) - len(copied)
    assert verdicts.usage.calls == math.ceil(asked / BATCH_SIZE["local"])
    assert sum(v.model_label is not None for v in verdicts) == asked


@pytest.mark.vcr
def test_claims_against_evidence_texts(embedded_model: str, report: Report) -> None:
    claims: list[Claim | str] = [
        report.claims[0],
        report.claims[2],
        report.claims[6],
        "Inflation rose to 9 per cent in February.",
        "Zebras migrate across the Serengeti.",
    ]
    verdicts = verify(claims, evidence=EVIDENCE, batch_size=2)
    documents = [make_source(text) for text in EVIDENCE]
    assert len(verdicts) == len(claims)
    assert_pinned(verdicts, documents)
    assert_safeguards(verdicts)
    assert all(v.against == "evidence" for v in verdicts)
    # the inflation claim is shown the statistics sentence, never the unrelated ones
    assert {p.document for p in verdicts[3].candidates} == {2}
    # the zebra claim shares no word with any document: no candidates, no model
    assert verdicts[4].safeguard == NO_CANDIDATES and verdicts[4].model_label is None
    # four claims with candidates in batches of two
    assert verdicts.usage.calls == 2
    assert all(v.model_label is not None for v in verdicts[:4])

    again = verify(claims, evidence=EVIDENCE, batch_size=2)
    assert again.usage.calls == 0 and again.usage.cache_hits == 2
    assert list(again) == list(verdicts)

    reviews = to_claimreview(
        [c if isinstance(c, Claim) else Claim(statement=c, sentence_ids=[]) for c in claims],
        verdicts,
        url="https://example.org/news/starmer-coalition",
        publisher="Example Fact Desk",
        date_published="2025-03-03",
    )
    assert [r["reviewRating"]["alternateName"] for r in reviews] == [
        v.label.value for v in verdicts
    ]


@pytest.mark.vcr
async def test_async_evidence_function(embedded_model: str, report: Report) -> None:
    asked: list[str] = []

    async def lookup(claim: Claim) -> list[str]:
        asked.append(claim.statement)
        return [CONTRADICTING, SUPPORTING]

    claim = report.claims[2]
    verdicts = await averify([claim], evidence=lookup)
    assert asked == [claim.statement]
    (verdict,) = verdicts
    assert_pinned(verdicts, [make_source(CONTRADICTING), make_source(SUPPORTING)])
    assert_safeguards(verdicts)
    assert verdict.candidates and verdicts.usage.calls == 1


@pytest.mark.vcr
def test_other_openai_compatible_server_gets_the_batch_schema(
    embedded_model: str, report: Report
) -> None:
    """A plain client to an unknown server: no grammar is assumed, so the schema lists the
    batch's claim and candidate ids as enums instead of one fixed slot per claim; the
    llama.cpp server rejects json_schema and the call falls back to JSON mode."""
    client = OpenAI(base_url=embedded_model, api_key="sk-replay-dummy-key", max_retries=0)
    claims = report.claims[:3]
    verdicts = verify(
        claims,
        source=report.source,
        client=client,
        model=DEFAULT_ALIAS,
        cache=False,
        verbatim=False,
    )
    assert len(verdicts) == 3
    assert_pinned(verdicts, [report.source])
    assert_safeguards(verdicts)
    assert verdicts.usage.calls == 2 and verdicts.usage.retries == 0
