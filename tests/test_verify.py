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
from factcheck.crosscheck import cross_check
from factcheck.evidence import SentenceIndex, overlap, terms, words
from factcheck.local import DEFAULT_ALIAS
from factcheck.models import EvidencePassage
from factcheck.schema import RATIONALE_MAX, VerdictOut, VerifyOutput, verify_schema
from factcheck.verification import (
    BATCH_SIZE,
    CONFIDENCE,
    MIN_OVERLAP,
    NO_ANSWER,
    NO_CANDIDATES,
    NO_RULE,
    PUBLISH_MIN,
    VERBATIM,
    WITHHELD,
    Verdicts,
    decide,
    judge,
    mentions_claim,
    unstated,
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
    assert len(verdicts.bases) == len(verdicts)
    for verdict, basis in zip(verdicts, verdicts.bases, strict=True):
        assert verdict.label in set(VerdictLabel)
        assert 0.0 <= verdict.confidence <= 1.0
        if verdict.safeguard == VERBATIM:
            assert verdict.label == VerdictLabel.supported and verdict.confidence == 1.0
            assert verdict.model_label is None
            assert words(" ".join(p.text for p in verdict.evidence)) == words(verdict.statement)
        if verdict.label == VerdictLabel.not_enough_info:
            assert verdict.confidence == 0.0
            continue
        # a published label: its confidence is its basis's, and the evidence bears it out
        assert verdict.confidence == CONFIDENCE[basis] >= PUBLISH_MIN
        assert verdict.evidence
        evidence = [p.text for p in verdict.evidence]
        assert overlap(verdict.statement, evidence) >= MIN_OVERLAP
        found = cross_check(verdict.statement, evidence)
        if verdict.label == VerdictLabel.supported:
            assert not found.missing and not found.mismatches
        else:
            assert found.mismatches and any(m in verdict.rationale for m in found.mismatches)
            # never contradicted where a candidate states the claim
            assert not any(
                cross_check(verdict.statement, [p.text]).entailed for p in verdict.candidates
            )
        if verdict.model_label not in (None, VerdictLabel.not_enough_info) and not (
            verdict.evidence
        ):
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


# --- cross-checks and safeguards -----------------------------------------------------------


def _passage(text: str, sentence: int = 0) -> EvidencePassage:
    return EvidencePassage(
        document=0, sentence_id=f"S{sentence}", start=0, end=len(text), text=text
    )


CLAIM = Claim(statement="Starmer will host a defence summit on Sunday.", sentence_ids=[])
ON_TOPIC = _passage("Starmer will host a defence summit of European leaders on Sunday.", 0)
OFF_TOPIC = _passage("The central bank kept interest rates unchanged.", 1)
SHOWN = {"E0": ON_TOPIC, "E1": OFF_TOPIC}
INFLATION = Claim(statement="Inflation rose to 9%.", sentence_ids=[])
#: The README's example: evidence that states the claim in other words around it.
INFLATION_TEXT = (
    "Official figures published on Wednesday showed that inflation rose to 9% in April, "
    "the highest rate for 40 years. The central bank said it would act."
)
STATS = _passage(
    "Official figures published on Wednesday showed that inflation rose to 9% in April, "
    "the highest rate for 40 years."
)


def _out(label: str, ids: list[str], conf: float = 0.9, why: str = "because") -> VerdictOut:
    return VerdictOut(claim="C0", ids=ids, why=why, label=VerdictLabel(label), conf=conf)


def test_cross_check_finds_concrete_mismatches() -> None:
    stats = [STATS.text]
    assert cross_check("Inflation rose to 9%.", stats).entailed
    assert cross_check("Inflation rose to 9% in April.", stats).entailed
    changed = cross_check("Inflation rose to 10%.", stats)
    assert not changed.entailed and "'10%'" in changed.mismatches[0]
    assert "'9%'" in changed.mismatches[0] and changed.missing == ["10%"]
    assert "'fell'" in cross_check("Inflation fell to 9%.", stats).mismatches[0]
    assert "'June'" in cross_check("Inflation rose to 9% in June.", stats).mismatches[0]
    negated = cross_check("Inflation did not reach 9%.", ["Inflation did reach 9%."])
    assert negated.mismatches and "negat" in negated.mismatches[0]
    # a word the evidence lacks is no mismatch, but no entailment either
    partial = cross_check("Inflation rose to 9% for pensioners.", stats)
    assert not partial.entailed and not partial.mismatches and partial.overlap < 1
    # the same words in another relation are not the claim
    assert not cross_check("A threat to birds.", ["A threat to humans, not to birds."]).entailed


def test_contradicted_is_not_allowed_where_the_evidence_states_the_claim() -> None:
    # the README example: the model cited the right sentence and chose the wrong label
    out = _out("contradicted", ["E0"], 1.0, why="The COVID-19 pandemic caused a recession")
    verdict, basis = decide(0, INFLATION, out, {"E0": STATS}, [STATS], "evidence")
    assert verdict.label == VerdictLabel.supported
    assert verdict.model_label == VerdictLabel.contradicted and verdict.downgraded
    assert basis == "entailed_over_contradicted"
    assert verdict.safeguard is not None and "answered contradicted" in verdict.safeguard
    assert verdict.confidence == CONFIDENCE[basis]
    # the model's rationale defended another label and spoke of neither claim nor evidence
    assert "COVID" not in verdict.rationale and "9%" in verdict.rationale
    assert verdict.evidence == [STATS]


def test_contradicted_needs_a_concrete_mismatch_and_names_it() -> None:
    vague = judge(0, CLAIM, _out("contradicted", ["E0"]), SHOWN, [ON_TOPIC], "source")
    assert vague.label == VerdictLabel.supported  # ON_TOPIC states every word of it
    other = Claim(statement="Starmer will host a trade summit on Sunday.", sentence_ids=[])
    unclear = judge(0, other, _out("contradicted", ["E0"]), SHOWN, [ON_TOPIC], "source")
    assert unclear.label == VerdictLabel.not_enough_info and unclear.confidence == 0.0
    assert unclear.safeguard is not None and "no number" in unclear.safeguard
    wrong = Claim(statement="Inflation rose to 10%.", sentence_ids=[])
    shown = {"E0": STATS}
    verdict, basis = decide(0, wrong, _out("contradicted", ["E0"]), shown, [STATS], "evidence")
    # the rules alone find the changed value in a sentence holding the rest of the claim
    assert verdict.label == VerdictLabel.contradicted and basis == "rules_contradicted"
    assert "'10%'" in verdict.rationale and "'9%'" in verdict.rationale  # the verdict names it
    assert verdict.evidence == [STATS] and verdict.safeguard is None


def test_supported_needs_the_claims_checkable_parts_in_the_evidence() -> None:
    shown = {"E0": STATS}
    year = Claim(statement="Inflation rose to 9% in 2021.", sentence_ids=[])
    verdict = judge(0, year, _out("supported", ["E0"]), shown, [STATS], "evidence")
    assert verdict.label == VerdictLabel.not_enough_info  # a year the evidence does not state
    assert verdict.safeguard is not None and "'2021'" in verdict.safeguard
    assert verdict.model_label == VerdictLabel.supported and verdict.confidence == 0.0
    # a value or direction the evidence states otherwise: the rules' contradiction stands
    for statement, found in (
        ("Inflation rose to 10%.", "'10%'"),
        ("Inflation fell to 9%.", "'fell'"),
    ):
        claim = Claim(statement=statement, sentence_ids=[])
        verdict, basis = decide(0, claim, _out("supported", ["E0"]), shown, [STATS], "evidence")
        assert verdict.label == VerdictLabel.contradicted and basis == "rules_contradicted"
        assert verdict.safeguard is not None and "answered supported" in verdict.safeguard
        assert found in verdict.rationale, statement
    agrees, basis = decide(0, INFLATION, _out("supported", ["E0"]), shown, [STATS], "evidence")
    assert agrees.label == VerdictLabel.supported and basis == "entailed_model_agrees"
    assert agrees.safeguard is None and not agrees.downgraded


def test_supported_citing_nothing_is_downgraded() -> None:
    verdict = judge(0, CLAIM, _out("supported", []), {"E1": OFF_TOPIC}, [OFF_TOPIC], "source")
    assert verdict.label == VerdictLabel.not_enough_info
    assert verdict.model_label == VerdictLabel.supported and verdict.downgraded
    assert verdict.safeguard == "the model answered supported but cited no evidence sentence"
    assert verdict.confidence == 0.0 and verdict.rationale == verdict.safeguard


def test_label_resting_on_unrelated_sentences_is_downgraded() -> None:
    for label in ("supported", "contradicted"):
        verdict = judge(0, CLAIM, _out(label, ["E1"]), SHOWN, [OFF_TOPIC], "evidence")
        assert verdict.label == VerdictLabel.not_enough_info
        assert (
            verdict.safeguard is not None and "0% of the claim's content words" in verdict.safeguard
        )
        assert verdict.evidence == [OFF_TOPIC]  # what the model cited stays visible


def test_a_label_the_candidates_bear_out_stands_whatever_the_model_cited() -> None:
    # the model cited the unrelated sentence, but a candidate states the claim
    verdict = judge(0, CLAIM, _out("supported", ["E1"]), SHOWN, [ON_TOPIC, OFF_TOPIC], "source")
    assert verdict.label == VerdictLabel.supported and verdict.evidence == [ON_TOPIC]


def test_model_confidence_is_not_passed_through() -> None:
    for conf in (0.0, 0.4, 7.5):
        verdict, basis = decide(
            0, CLAIM, _out("supported", ["E0"], conf), SHOWN, [ON_TOPIC], "source"
        )
        assert verdict.confidence == CONFIDENCE[basis]
    unsure = judge(0, CLAIM, _out("not_enough_info", [], 0.95), SHOWN, [OFF_TOPIC], "source")
    assert unsure.label == VerdictLabel.not_enough_info and unsure.confidence == 0.0


def test_a_label_right_too_rarely_is_not_published() -> None:
    assert WITHHELD and all(CONFIDENCE[b] < PUBLISH_MIN for b in WITHHELD)
    assert all(CONFIDENCE[b] >= PUBLISH_MIN for b in CONFIDENCE if b not in WITHHELD | {"none"})
    # "supported" with every figure present but a word the evidence lacks: model_supported
    claim = Claim(
        statement="Starmer will host a defence summit of European leaders on Sunday afternoon.",
        sentence_ids=[],
    )
    verdict, basis = decide(0, claim, _out("supported", ["E0"]), SHOWN, [ON_TOPIC], "source")
    if "model_supported" in WITHHELD:
        assert verdict.label == VerdictLabel.not_enough_info and basis == "none"
        assert verdict.safeguard is not None and "not published" in verdict.safeguard
    else:
        assert verdict.label == VerdictLabel.supported and basis == "model_supported"


def test_rationale_is_kept_only_when_it_speaks_of_the_claim() -> None:
    shown = {"E0": STATS}
    on_topic = _out("supported", ["E0"], why="S0: The figures show inflation at 9% in April. },{")
    kept = judge(0, INFLATION, on_topic, shown, [STATS], "evidence")
    assert kept.rationale == "The figures show inflation at 9% in April."  # and cleaned
    for junk in ('"}{"', "BBCLauraK", "The COVID-19 pandemic hit the economy hard"):
        verdict = judge(
            0, INFLATION, _out("supported", ["E0"], why=junk), shown, [STATS], "evidence"
        )
        assert verdict.rationale != junk and "9%" in verdict.rationale
    assert mentions_claim("inflation is at 9%", INFLATION.statement, [])
    assert not mentions_claim("the claim is supported by the evidence", "Rates rose.", [])


def test_the_model_abstaining_does_not_hide_what_the_evidence_states() -> None:
    verdict, basis = decide(
        0, INFLATION, _out("not_enough_info", []), {"E0": STATS}, [STATS], "evidence"
    )
    assert verdict.label == VerdictLabel.supported and basis == "entailed"
    assert verdict.safeguard is not None and "answered not_enough_info" in verdict.safeguard


def test_a_claim_the_model_skipped_gets_the_rules_verdict() -> None:
    verdict = judge(0, CLAIM, None, SHOWN, [OFF_TOPIC], "source")
    assert verdict.label == VerdictLabel.not_enough_info
    assert verdict.model_label is None and verdict.safeguard == NO_ANSWER
    bare = judge(0, INFLATION, None, {"E0": STATS}, [STATS], "evidence")
    assert bare.label == VerdictLabel.supported and bare.model_label is None


def test_not_just_any_is_no_negation_to_contradict() -> None:
    # "Daisy is not just any sheep" says she is one: stating it plainly contradicts nothing.
    evidence = "But Daisy is not just any sheep, the farmer said on Tuesday."
    plain = verify(["Daisy is a sheep, the farmer said."], evidence=[evidence], use_model=False)
    assert plain[0].label is not VerdictLabel.contradicted
    negated = verify(
        ["Daisy is a sheep, the farmer said."],
        evidence=["But Daisy is not a sheep, the farmer said on Tuesday."],
        use_model=False,
    )
    assert negated[0].label is VerdictLabel.contradicted


def test_rules_alone_need_no_model() -> None:
    claims = ["Inflation rose to 9%.", "Inflation rose to 10%.", "Inflation rose in Peru."]
    verdicts = verify(claims, evidence=[INFLATION_TEXT], use_model=False)
    assert [v.label for v in verdicts] == [
        VerdictLabel.supported,
        VerdictLabel.contradicted,
        VerdictLabel.not_enough_info,
    ]
    assert verdicts.bases == ["entailed", "rules_contradicted", "none"]
    assert verdicts.usage.calls == 0 and verdicts.model is None
    assert [v.confidence for v in verdicts] == [
        CONFIDENCE["entailed"],
        CONFIDENCE["rules_contradicted"],
        0.0,
    ]
    assert verdicts[2].safeguard == NO_RULE and all(v.model_label is None for v in verdicts)


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
def test_readme_example_gets_the_label_its_evidence_bears_out(embedded_model: str) -> None:
    """README: ``verify(["Inflation rose to 9%."], evidence=[…"inflation rose to 9%"…])``.
    Whatever the model answers, the evidence states every word and figure of the claim: it
    is supported, and never contradicted."""
    verdicts = verify(["Inflation rose to 9%."], evidence=[INFLATION_TEXT])
    (verdict,) = verdicts
    assert verdict.model_label is not None and verdicts.usage.calls == 1  # the model was asked
    assert verdict.label == VerdictLabel.supported
    assert verdicts.bases[0].startswith("entailed") and verdict.confidence >= 0.9
    assert [p.text for p in verdict.evidence] == [STATS.text]
    assert_pinned(verdicts, [make_source(INFLATION_TEXT)])
    assert_safeguards(verdicts)
    if verdict.model_label != VerdictLabel.supported:
        assert verdict.downgraded and verdict.safeguard
    review = to_claimreview(
        [Claim(statement="Inflation rose to 9%.", sentence_ids=[])],
        verdicts,
        url="https://example.org/news/inflation",
        publisher="Example Fact Desk",
    )[0]
    assert review["reviewRating"]["alternateName"] == "supported"
    assert "author" not in review["itemReviewed"]


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


EMBASSY = (
    "Activists in London poured yellow and blue paint on the road outside the Russian "
    "embassy in support of Ukraine on Thursday. Police said no one was arrested."
)


def test_a_name_no_document_states_with_another_in_its_place_is_contradicted() -> None:
    swapped = (
        "Activists poured yellow and blue paint outside the Russian embassy in support of Syria."
    )
    verdicts = verify([swapped], evidence=[EMBASSY], use_model=False)
    assert verdicts[0].label == VerdictLabel.contradicted
    assert verdicts.bases == ["rules_unstated"]
    assert "'Syria'" in verdicts[0].rationale and "'Ukraine'" in verdicts[0].rationale
    assert verdicts[0].confidence == CONFIDENCE["rules_unstated"] >= PUBLISH_MIN
    # The same swap when another document states the name: not contradicted by this rule
    # (the first sentence may simply not be the one about Syria).
    elsewhere = verify([swapped], evidence=[EMBASSY, "Syria was also mentioned."], use_model=False)
    assert elsewhere.bases != ["rules_unstated"]
    # A country by another of its usual names is stated ("U.K." for "Britain").
    british = "British activists poured paint outside the Russian embassy in London."
    assert "U.K." not in unstated("U.K. activists poured paint.", [make_source(british)])
    assert "Polish" in unstated("Polish activists poured paint.", [make_source(british)])
    # Its words too, casefolded, in any form the lexicon reads ("shut" uses "closing").
    assert unstated("Polish activists shut the road.", [make_source(british)]) >= {"polish"}
    assert "shut" in unstated("They shut it.", [make_source(british)])
    assert "shut" not in unstated("They shut it.", [make_source(british + " It closed.")])


def test_a_word_no_document_uses_with_its_opposite_or_another_of_its_kind_is_contradicted() -> None:
    # "pink and green" where the article says "yellow and blue"; the sentence shares too
    # little of the claim (under CONTRADICT_OVERLAP) for the sure rules to compare values.
    claim = (
        "On the anniversary, activists poured gallons of pink and green paint on the "
        "road in front of the Russian embassy in London."
    )
    verdicts = verify([claim], evidence=[EMBASSY], use_model=False)
    assert verdicts[0].label == VerdictLabel.contradicted, verdicts[0]
    assert verdicts.bases == ["rules_unstated_word"]
    assert "'green/pink'" in verdicts[0].rationale and "'blue/yellow'" in verdicts[0].rationale
    assert verdicts[0].confidence == CONFIDENCE["rules_unstated_word"] >= PUBLISH_MIN
    # An opposite of a sure pair: "closing" where the only sentence about it says "open".
    airspace = (
        "Following the Saudi announcement that its airspace would open up to all carriers, "
        "Oman has followed suit. The move could cut flight times to Asia."
    )
    closing = verify(
        ["Oman is closing up its airspace to all foreign passenger carriers."],
        evidence=[airspace],
        use_model=False,
    )
    assert closing.bases == ["rules_unstated_word"], closing[0]
    # The claim's word in any form elsewhere in the evidence ("closed"): the sentence may
    # not be the one the claim restates, so the rule is silent.
    earlier = airspace + " Its airspace was closed to Israeli airlines for years."
    stated = verify(
        ["Oman is closing up its airspace to all foreign passenger carriers."],
        evidence=[earlier],
        use_model=False,
    )
    assert stated.bases != ["rules_unstated_word"]
    # The colour stated anywhere (a different thing painted green) keeps it silent too.
    green = verify(
        [claim.replace("pink and green", "green")],
        evidence=[EMBASSY + " The door was painted green."],
        use_model=False,
    )
    assert green.bases != ["rules_unstated_word"]


RECALL = (
    "Lordstown Motors will recall 19 trucks to fix a specific electrical connection issue "
    "that could cause a loss of propulsion."
)


def test_a_count_no_document_states_with_another_count_in_its_place_is_contradicted() -> None:
    # "39 pickups" where the article says "19 trucks": the counted words differ, so the
    # value rule does not pair them; the sentence is otherwise the claim's.
    claim = "Lordstown Motors will recall 39 pickups to fix a specific electrical connection issue."
    verdicts = verify([claim], evidence=[RECALL], use_model=False)
    assert verdicts[0].label == VerdictLabel.contradicted, verdicts[0]
    assert verdicts.bases == ["rules_unstated"]
    assert "'39'" in verdicts[0].rationale and "'19'" in verdicts[0].rationale
    # A sentence that shares little of the claim is about something else: no clash.
    loose = verify(["Lordstown sold 39 pickups in May."], evidence=[RECALL], use_model=False)
    assert loose[0].label != VerdictLabel.contradicted, loose[0]
    # The count stated in another document: not this rule's to decide.
    stated = verify([claim], evidence=[RECALL, "It makes 39 pickups a day."], use_model=False)
    assert stated.bases != ["rules_unstated"]


def test_a_number_counting_the_same_word_differs_and_a_bound_is_no_figure() -> None:
    # "458 deaths" where the article says "457 deaths": no unit of measure, but the same
    # word counted, so the two numbers count the same thing.
    article = (
        "In total, 870 people worldwide have been infected, and 457 deaths have been "
        "reported in 21 countries. The virus was first found in 1997."
    )
    claim = "Since then, 871 infections have been reported worldwide, with 458 deaths."
    verdicts = verify([claim], evidence=[article], use_model=False)
    assert verdicts[0].label == VerdictLabel.contradicted, verdicts[0]
    assert "'458' where the evidence says '457'" in verdicts[0].rationale
    # "871 infections" of "870 people": other words after a number are too often
    # synonyms to pair, and a hedged number is a range ("at least 450 deaths").
    for other in (
        "Since then, 871 infections have been reported worldwide.",
        "Since then, at least 450 deaths have been reported worldwide.",
    ):
        assert verify([other], evidence=[article], use_model=False)[0].label != (
            VerdictLabel.contradicted
        ), other
    # A bound is not contradicted by a figure inside it, whatever the unit.
    flight = ["The flight to Oslo took 25 minutes, the airline said."]
    exact = verify(["The flight to Oslo took 20 minutes."], evidence=flight, use_model=False)
    assert exact[0].label == VerdictLabel.contradicted, exact[0]
    bound = verify(
        ["The flight to Oslo took more than 20 minutes."], evidence=flight, use_model=False
    )
    assert bound[0].label != VerdictLabel.contradicted, bound[0]


def test_a_capitalised_opening_word_is_not_another_name() -> None:
    # "Official figures…": the only capitalised word is the sentence's first, so nothing in
    # the evidence stands where the claim names Peru: not enough information, not a clash.
    verdicts = verify(["Inflation rose in Peru."], evidence=[INFLATION_TEXT], use_model=False)
    assert verdicts[0].label == VerdictLabel.not_enough_info and verdicts.bases == ["none"]
