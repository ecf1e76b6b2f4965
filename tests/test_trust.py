"""The trust layer on constructed articles: no model, every rule on a case it must get right."""

from __future__ import annotations

import pytest

from factcheck.attribution import attribute, same_speaker
from factcheck.chunking import Chunk
from factcheck.models import Claim, FlagKind, Usage
from factcheck.pipeline import assemble_report, notes_request
from factcheck.schema import NoteOut, NotesOutput
from factcheck.selection import junk_reason, score_sentences
from factcheck.text import make_source
from factcheck.trust import choose_key_points, select_claims

ARTICLE = (
    "Keir Starmer has called for countries to join a coalition to end the war in Ukraine.\n"
    "The prime minister also revealed that the UK and France are working on a peace plan.\n"
    "His comments came as he prepares to host a summit of 14 European leaders on Sunday.\n"
    "He said: “We need to increase spending and we’ve got to co-ordinate more.\n"
    "“On top of that we need to be clear what a security guarantee would look like.”\n"
    "Finance minister Rachel Reeves said the budget would rise by £2bn in 2026.\n"
    "That led to a row in parliament on Monday.\n"
    "— BBC Politics (@BBCPolitics) March 2, 2025\n"
    "Read more: https://example.com/story\n"
)


def _report(text: str, max_claims: int | None = 12, who: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    source = make_source(text)
    chunk = Chunk(index=0, first=0, last=len(source.sentences) - 1, tokens=0)
    request = notes_request(source, chunk)
    notes = [NoteOut(id=i, type="other", check=True, who=(who or {}).get(i)) for i in request.ids]
    out = NotesOutput(headline="A coalition to end the war", notes=notes)
    return assemble_report(source, [out], None, usage=Usage(), model="m", max_claims=max_claims)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("— BBC Politics (@BBCPolitics) March 2, 2025", "embedded post"),
        ("Read more: https://example.com/story", "link"),
        ("(AP Photo/Rick Rycroft, File)", "caption"),
        ("By Jane Smith and John Doe", "byline"),
        ("So how worried should humans be?", "question"),
        ("“We need to do more,” he said.", "rhetoric"),
        ("CLICK HERE TO GET THE FOX NEWS APP", "capitals"),
        ("Story continues below advertisement", "boilerplate"),
        ("Looking back, those promises still ring hollow.", "verdict"),
        ("Whatever the final count, all we know is that it is horrific.", "verdict"),
        ('The mayor added: "The sky is the limit for this town.', "figure of speech"),
    ],
)
def test_text_that_is_never_a_claim_is_recognised(text: str, reason: str) -> None:
    assert junk_reason(text) is not None, reason


@pytest.mark.parametrize(
    "text",
    [
        "Four people, three men and one woman, were arrested in connection with the protest.",
        "The draft guidance says companies should label plant-based milk by its nutrients.",
        "Profit for the fourth quarter was $1.5bn, a fall of 70%.",
        "“We now have three commercial vaccine products,” Bancel said.",
        "“We will not raise taxes this year.”",
        # A verdict with a figure, or reported as a phrase someone used, is checkable.
        "The vote was a stinging defeat for the government, which lost by 48 votes.",
        'In a statement, the minister called it "a day of great news for farmers."',
        # A verdict beside what happened: the clause says what happened.
        "There was more bad news for the club, with captain Ian Wood injured in training.",
        "东京电力公司周一宣布，将在明年春季重启两座核反应堆。",
        "أعلنت وزارة الصحة يوم الاثنين عن افتتاح ثلاثة مستشفيات جديدة في القاهرة.",
    ],
)
def test_facts_are_not_mistaken_for_junk(text: str) -> None:
    assert junk_reason(text) is None


def test_facts_outrank_rhetoric_and_junk_never_becomes_a_claim() -> None:
    report = _report(ARTICLE, max_claims=None)
    cited = {i for c in report.claims for i in c.sentence_ids}
    source = report.source
    junk = {s.id for s in source.sentences if junk_reason(s.text) is not None}
    assert junk and not cited & junk
    assert [c.rank for c in report.claims] == list(range(1, len(report.claims) + 1))
    scores = [c.score for c in report.claims]
    assert scores == sorted(scores, reverse=True)
    budget = _report(ARTICLE, max_claims=2)
    assert len(budget.claims) == 2
    assert report.candidates == len(report.claims) >= len(budget.claims)


def test_speakers_come_from_the_text_with_the_fullest_name() -> None:
    source = make_source(ARTICLE)
    attributions = attribute(source)
    by_text = {s.text[:12]: attributions.get(s.id) for s in source.sentences}
    assert by_text["Keir Starmer"] is not None
    # "He said:" after the prime minister is named, and the quotation running on.
    he = attributions.get(source.sentences[3].id)
    runs_on = attributions.get(source.sentences[4].id)
    assert he is not None and he.speaker == "Keir Starmer"
    assert runs_on is not None and runs_on.speaker == "Keir Starmer"
    assert runs_on.cue == "continued quotation"
    reeves = attributions.get(source.sentences[5].id)
    assert reeves is not None and reeves.speaker == "Rachel Reeves"


@pytest.mark.parametrize(
    ("sentence", "speaker"),
    [
        ("“The plan works,” said Jane Smith, the mayor.", "Jane Smith"),
        ("Prices will rise, according to the Bank of England.", "the Bank of England"),
        ("Michael J. Driscoll, an FBI official, said the arrest was made.", "Michael J. Driscoll"),
        (
            "“We are disappointed,” Watson's attorney, Lanny Breuer, told the Journal.",
            "Lanny Breuer",
        ),
        # A group after a comma speaks for what comes before it; a clause before the
        # comma ("… has died,") is no subject with an aside.
        (
            "A girl has died from bird flu, health officials have said, the first case.",
            "health officials",
        ),
        ("Windows were shattered by the gunfire, Istanbul police said.", "Istanbul police"),
        ("The bottles are sealed, but witnesses say some have leaked.", "witnesses"),
        ("An independent investigation has been launched, the council said.", "the council"),
        ("Roy Oliver faces 99 years in jail, the Dallas Observer reports.", "the Dallas Observer"),
        # After a group, the base form is a verb of saying or believing.
        ("Western officials estimate it to be in the tens of thousands.", "Western officials"),
        ("Police believe the man acted alone.", "Police"),
        # A subject with dots in it, and an attribution set off by commas mid-sentence.
        ("The U.S. attorney's office said Watson lied.", "the U.S. attorney's office"),
        (
            "On multiple occasions, the U.S. attorney's office said, Watson and his "
            "colleagues pretended to be other media executives.",
            "the U.S. attorney's office",
        ),
        ("The company, the report said, lost money in May.", "the report"),
        ('Dr Loader, the lead researcher, said, "The soil is old."', "Dr Loader"),
        # A name inside a relative clause is not the subject: the one "who" stands for is.
        (
            "Harry's mother Pam Whitlam, who worked at the farm's cafe, said her family "
            "had been changed forever.",
            "Pam Whitlam",
        ),
        # A name with lowercase particles runs on across them.
        (
            "Police Lieutenant Romening dos Santos Silva said the gunmen fled.",
            "Romening dos Santos Silva",
        ),
    ],
)
def test_attribution_constructions(sentence: str, speaker: str) -> None:
    source = make_source(sentence)
    found = attribute(source).get("S0")
    assert found is not None and same_speaker(found.speaker, speaker), found


def test_a_report_after_a_group_is_a_document() -> None:
    found = attribute(make_source("The police report said the man was drunk.")).get("S0")
    assert found is not None and found.speaker == "The police report"


def test_the_short_form_of_a_title_is_given_in_full() -> None:
    text = (
        "The Washington Post covered the burn. Residents left, according to the Post. "
        "The Observatory says 12 died; the Syrian Observatory is based in London."
    )
    found = attribute(make_source(text))
    assert found.get("S1") is not None and found.get("S1").speaker == "the Washington Post"  # type: ignore[union-attr]
    assert found.get("S2") is not None and found.get("S2").speaker == "The Syrian Observatory"  # type: ignore[union-attr]


def test_a_description_stands_only_for_a_named_body() -> None:
    text = (
        "Lordstown Motors said it will recall 19 trucks. The automaker said no one was hurt. "
        "A girl died, health officials said. The health ministry said she was 11. "
        "The case was the 57th, according to the World Health Organisation."
    )
    found = attribute(make_source(text))
    speakers = [found.get(f"S{i}") for i in range(5)]
    assert [s.speaker if s else None for s in speakers] == [
        "Lordstown Motors",
        "Lordstown Motors",
        "health officials",
        "The health ministry",
        "the World Health Organisation",
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "Mr Mackintosh was criticised over the loan to the football club.",  # passive
        "Pirc's head, Kate Frame, has been asked to scrutinise the police response.",
        "Ministers will have the final say on whether the circuit goes ahead.",  # noun
        "Coach Eddie Jones came to see May, the only player he called upon this year.",
        "Hamilton will express his confidence at the next race.",  # not said yet
        "Google is one of the multinationals criticised for their tax affairs.",
        "Goalkeeper Sam Slocombe denied Matthew Briggs with a fine save.",
        "Others wondered what the move said about the family.",  # indirect question
        "Jak was suffering from a rare form of blood cancer called gamma delta lymphoma.",
        "The Security Council resolution passed on Friday stated that settlements are illegal.",
        "When asked about the different approach, his response was brief.",
        "Two leaders were among the political leaders who said they were proud.",
        "Tahir Bhatti has pleaded guilty to assisting an offender.",  # a plea in court
        "Steven Bayes also pleaded not guilty to possessing an image.",
        # Plural nouns that are also verbs of saying.
        "Programs across a wide variety of disease states, the report showed, are growing.",
        "The firm cancelled the trip following Mr Clark's comments.",
    ],
)
def test_verbs_of_saying_that_name_no_speaker(sentence: str) -> None:
    assert attribute(make_source(sentence)).get("S0") is None


@pytest.mark.parametrize(
    ("text", "sentence_id", "speaker"),
    [
        ("The pleas were first reported by the Wall Street Journal.", "S0", "Wall Street Journal"),
        ("A second student was hurt but is out of danger, say police.", "S0", "police"),
        ("“It works,” said the spokesman afterwards.", "S0", "the spokesman"),
        ("On Sunday, Inec also announced that the party had won.", "S0", "Inec"),
        (
            "However, a YouTube spokeswoman said requests would be reviewed.",
            "S0",
            "a YouTube spokeswoman",
        ),
        (
            "The government denies the claims, and has accused Mr Zaev of lying.",
            "S0",
            "The government",
        ),
        (
            "Although Dr Neil Loader - who has analysed soil samples - said the site was old.",
            "S0",
            "Neil Loader",
        ),
        (
            "The label could read “less calcium”, according to an example provided by the FDA.",
            "S0",
            "FDA",
        ),
        (
            "The talks failed, said the spokesman for the union.",
            "S0",
            "the spokesman for the union",
        ),
        (
            "Theo Zwanziger said he was glad. Philipp Lahm caused a row in 2011 when he wrote "
            "that players should stay quiet.",
            "S1",
            "Philipp Lahm",
        ),
        (
            "David Mackintosh, Conservative MP for Northampton South, announced his decision. "
            "The MP has denied any wrongdoing.",
            "S1",
            "David Mackintosh",
        ),
        (
            "Sebastian Vettel came second. Vettel confronted Kvyat after the race, saying the "
            "move was dangerous.",
            "S1",
            "Sebastian Vettel",
        ),
        (
            "Eric Schmidt runs Google. Speaking on BBC Radio 4's Start the Week, he said the "
            "firm obeyed the law.",
            "S1",
            "Eric Schmidt",
        ),
        (
            "Vladimir Putin spoke on Monday. One Londoner who drove through the protest "
            "shared a photo of his wheels. “Shame about my wheels,” he wrote.",
            "S2",
            "One Londoner",
        ),
        (
            "Mr Schmidt told the BBC the firm paid its taxes. Speaking on BBC Radio 4, he "
            "said: “What we are doing is legal.”",
            "S1",
            "Schmidt",
        ),
    ],
)
def test_speakers_of_news_constructions(text: str, sentence_id: str, speaker: str) -> None:
    found = attribute(make_source(text)).get(sentence_id)
    assert found is not None and same_speaker(found.speaker, speaker), found


def test_a_pronoun_with_two_possible_antecedents_is_not_rewritten() -> None:
    """ "She" after "Chris Page said the rider …" may be the rider: the claim takes the
    sentence before as context instead of naming the wrong person."""
    text = (
        "Crewman Chris Page said the rider had head injuries and was very cold.\n"
        "She was treated before being flown to the University Hospital of Wales.\n"
    )
    report = _report(text, max_claims=None)
    treated = next(c for c in report.claims if "S1" in c.sentence_ids)
    assert "Chris Page was treated" not in treated.statement
    assert treated.sentence_ids == ["S0", "S1"]


def test_a_model_speaker_the_text_does_not_bear_out_is_replaced_and_flagged() -> None:
    report = _report(ARTICLE, max_claims=None, who={"S0": "France", "S1": "Starmer"})
    first = next(c for c in report.claims if c.sentence_ids == ["S0"])
    assert first.speaker == "Keir Starmer"
    replaced = [f for f in first.flags if f.kind is FlagKind.speaker_replaced]
    assert replaced and replaced[0].span == "France"
    assert first.speaker_ids == ["S0"]
    # A surname the text bears out is kept, in the article's fullest form.
    second = next(c for c in report.claims if c.sentence_ids == ["S1"])
    assert second.speaker == "Keir Starmer"
    assert not any(f.kind is FlagKind.speaker_replaced for f in second.flags)


def test_statements_are_self_contained() -> None:
    report = _report(ARTICLE, max_claims=None)
    for claim in report.claims:
        first = claim.statement.split()[0]
        assert first not in {"He", "His", "She", "Her", "That", "They", "It"}, claim.statement
    his = next(c for c in report.claims if "S2" in c.sentence_ids)
    assert his.statement.startswith("Keir Starmer's comments")
    # The quote stays verbatim: the rewrite is in the statement only.
    assert his.quote.startswith("His comments")
    that = next(c for c in report.claims if "S6" in c.sentence_ids)
    assert that.sentence_ids[0] == "S5"


def test_key_points_are_short_distinct_and_lead_with_the_lede() -> None:
    report = _report(ARTICLE)
    ids = [i for p in report.key_points for i in p.sentence_ids]
    assert len(ids) == len(set(ids))
    assert report.key_points[0].sentence_ids[0] == "S0"
    assert all(len(p.text.split()) <= 60 for p in report.key_points)


def test_a_capable_models_junk_claim_is_dropped_and_counted() -> None:
    source = make_source(ARTICLE)
    handle = next(s for s in source.sentences if "@BBCPolitics" in s.text)
    junk = Claim(statement="BBC Politics posted on March 2.", sentence_ids=[handle.id])
    claims, candidates, dropped = select_claims(source, [junk], max_claims=None)
    assert all(handle.id not in c.sentence_ids for c in claims)
    assert [f.kind for f in dropped] == [FlagKind.not_a_claim]
    assert candidates == len(claims)


def test_scores_favour_specific_facts_over_comment() -> None:
    source = make_source(
        "The council approved a £4m budget for 12 new schools on Tuesday.\n"
        "Many people have opinions about schools.\n"
    )
    scores = score_sentences(source)
    assert scores["S0"].score > scores["S1"].score


def test_key_points_fall_back_to_text_without_repeating_a_sentence() -> None:
    source = make_source(ARTICLE)
    points = choose_key_points(source, [])
    ids = [i for p in points for i in p.sentence_ids]
    assert ids and len(ids) == len(set(ids))
    assert all(p.origin == "source" for p in points)


@pytest.mark.parametrize(
    ("sentence", "kept"),
    [
        # A stance after a reported pledge: the pledge is the claim.
        (
            "Starmer has pledged to send 500 troops to Ukraine, but said Europe “needs to do "
            "more in its own defence”.",
            "Starmer has pledged to send 500 troops to Ukraine",
        ),
        # A verdict in a few words before a colon: what follows is the fact.
        (
            "The numbers are dizzying: hundreds of thousands of men have escaped abroad to "
            "avoid being thrown into battle.",
            "hundreds of thousands of men have escaped abroad to avoid being thrown into battle.",
        ),
        # The last sentence of a quotation, a view in the first person.
        (
            'The tribute read: "Matthew was full of life and worked at the hospital for 20 '
            'years. We will miss him so much and we are devastated."',
            'The tribute read: "Matthew was full of life and worked at the hospital for 20 years.',
        ),
        # The last sentence of a quotation is a verdict, although a dash divides it.
        (
            'The airline said: "Flights to Lima will start on 3 May, after two years of talks. '
            'This is good news - the region is opening up like never before."',
            'The airline said: "Flights to Lima will start on 3 May, after two years of talks.',
        ),
        # A quotation that opens with a verdict, its speaker named after it.
        (
            '"The early results are incredibly encouraging, and the regulator has granted the '
            'vaccine fast-track status," chief executive Ana Ruiz told analysts.',
            'the regulator has granted the vaccine fast-track status," chief executive Ana Ruiz '
            "told analysts.",
        ),
    ],
)
def test_a_clause_that_is_never_a_claim_is_left_out(sentence: str, kept: str) -> None:
    from factcheck.selection import junk_clause

    found = junk_clause(sentence)
    assert found is not None
    assert sentence[found[0] : found[1]] == kept


@pytest.mark.parametrize(
    "sentence",
    [
        # The quotation after a colon is what the sentence says: never cut to "X said".
        'Caroline Abrahams, charity director of Age UK, said: "We think it is vital that '
        'older people keep driving."',
        # An aside opened by a dash is part of what follows.
        "He looked at phytoliths - a type of microscopic plant fossil - to reconstruct "
        "ancient vegetation.",
        # A short last clause may be a fact stated briefly.
        "The numbers are large; millions of Ukrainians have been uprooted.",
        # A leading clause that names someone or says who spoke stays.
        "Moscow responded quickly: it expelled 20 diplomats from the embassy in the city.",
        'He encouraged me saying: "You can be used to contribute to rebuild the nation."',
        # Nothing to leave out.
        "The council approved a £15m budget on Tuesday after a long debate.",
    ],
)
def test_a_sentence_stands_whole_unless_an_edge_clause_is_junk(sentence: str) -> None:
    from factcheck.selection import junk_clause

    assert junk_clause(sentence) is None


def test_a_teaser_lede_and_the_sentence_that_points_back_to_it_are_not_claims() -> None:
    text = (
        "Another city council is moving to keep the popular app off its phones.\n"
        "This time, it's the council of Leeds, the largest in Yorkshire.\n"
        "Leeds City Council has ordered its 14,000 staff to remove the app by 1 March.\n"
    )
    report = _report(text, max_claims=None)
    assert [c.sentence_ids for c in report.claims] == [["S2"]]
    # Not a teaser: the "another" counts something, or follows what it points back to.
    assert junk_reason("Another 300 people were evacuated on Friday.") is None
    scores = score_sentences(make_source("Leeds banned the app.\n" + text))
    assert scores["S1"].junk is None


def test_a_claim_cites_only_the_part_of_its_sentence_worth_checking() -> None:
    text = (
        "Keir Starmer has called for countries to join a coalition to end the war in Ukraine.\n"
        "Starmer has pledged to send 500 troops to Ukraine, but said Europe “needs to do more "
        "in its own defence”.\n"
        "The summit of 14 leaders will be held in London on Sunday, officials said.\n"
    )
    report = _report(text, max_claims=None)
    (claim,) = [c for c in report.claims if c.sentence_ids == ["S1"]]
    assert claim.statement == "Starmer has pledged to send 500 troops to Ukraine."
    assert claim.quote == "Starmer has pledged to send 500 troops to Ukraine"
    assert report.source.text[claim.start : claim.end] == claim.quote
    assert [(s.start, s.end) for s in claim.spans] == [(claim.start, claim.end)]
    assert FlagKind.clause_dropped in {f.kind for f in claim.flags}
    assert claim.speaker == "Keir Starmer"
    # repair=False keeps the whole sentence: the rule is a repair like the others.
    source = make_source(text)
    whole = Claim(statement=source.sentences[1].text, origin="source", sentence_ids=["S1"])
    kept, _, _ = select_claims(source, [whole], max_claims=None, repair=False)
    assert [c.statement for c in kept if c.sentence_ids == ["S1"]] == [source.sentences[1].text]


def test_a_line_without_a_full_stop_among_captions_is_a_caption() -> None:
    text = (
        "Two gunmen killed seven people in a bar in Sinop on Tuesday, police said.\n\n"
        "Police on Wednesday were able to recover the shotgun and the truck used in the attack\n\n"
        "Picture shows bullet holes through the vehicle belonging to the killer\n\n"
        "The pair were identified by witnesses and one was arrested on Thursday.\n\n"
        "Officers said 12 people had been questioned about the killings\n"
    )
    scores = score_sentences(make_source(text))
    assert scores["S1"].junk is not None and "caption" in scores["S1"].junk
    assert scores["S2"].junk is not None
    # Prose with a full stop beside a caption, and a line without one far from any caption,
    # stay candidates: a standfirst often stops without a full stop.
    assert scores["S3"].junk is None
    assert scores["S4"].junk is None


@pytest.mark.parametrize(
    "text",
    [
        "Police ARRESTED two men.",
        "He was re-killed, they said",
        "We won't stop",
        "The firm plans to cut 200 jobs",
        "The firm plan to expand",
        "Workers were laid off in May",
        "according to the ministry",
        "The saidness of it",
        "Killedfoo and unkilled",
        "Nothing happens here at all",
        "Ils ont été tués à Paris",
        "",
    ],
)
def test_word_list_look_ups_agree_with_their_patterns(text: str) -> None:
    import re

    from factcheck import selection

    for words in (selection._SAY, selection._EVENT):
        pattern = re.compile(words.pattern, re.IGNORECASE)
        assert words.search(text) == (pattern.search(text) is not None), (words.pattern, text)


@pytest.mark.parametrize(
    "text",
    [
        "“We will go on,” continued Smith.",
        "'It is over,' continued Smith.",
        "The victim is out of danger, say police.",
        "The ministry released a statement on Friday.",
        "The club put out a post on its site.",
        "According to the ministry, 12 people died.",
        "ACCORDING TO the ministry, 12 people died.",
        "Mr Smith, the mayor, SAID nothing.",
        "The unsaid part of it, x_said and 3said.",
        "Officers believe the man fell from a cherry picker.",
        "Nothing happens here at all.",
        "",
    ],
)
def test_the_speaker_word_guard_never_hides_a_cue(
    text: str, seed_text: str, long_text: str
) -> None:
    from factcheck import attribution

    # The guard only skips work: whatever the cue patterns would find, it lets through, on
    # these constructions and on every sentence of the seed and the bird-flu articles.
    sentences = [text] + [
        s.text for article in (seed_text, long_text) for s in make_source(article).sentences
    ]
    for sentence in sentences:
        assert attribution._cues(sentence) == attribution._scan_cues(sentence), sentence


def test_a_first_sentence_dated_in_full_above_a_story_dated_by_weekday_is_a_caption() -> None:
    caption = "The mayor opened the new bridge on June 21, 2021 at a ceremony in the city."
    story = "The city said Thursday it will close the bridge for repairs costing $4m."
    scores = score_sentences(make_source(f"{caption}\n\n{story}\n\nWork starts in May."))
    assert scores["S0"].junk is not None and "caption" in scores["S0"].junk
    assert scores["S1"].junk is None
    # Without a story dated by weekday, the full date is the story's own: a lede.
    lede = score_sentences(make_source(f"{caption}\n\nThe bridge cost $4m to build."))
    assert lede["S0"].junk is None
    # A lede that dates itself by weekday is the story ("on Thursday, Feb. 23, 2023").
    dated = "The mayor opened the bridge on Thursday, Feb. 23, 2023 at a ceremony."
    assert score_sentences(make_source(f"{dated}\n\n{story}"))["S0"].junk is None


@pytest.mark.parametrize(
    "text",
    ["— We think so.", "  -we must go", "The rest, we hope, is done.", "—— Nothing here.", ""],
)
def test_the_stance_look_up_does_not_depend_on_leading_dashes(text: str) -> None:
    from factcheck import selection

    stripped = selection._LEADING_DASHES.sub("", text.strip())
    assert selection._stance(stripped) == bool(selection._RHETORIC.search(text))


def test_a_headline_in_page_furniture_names_no_one() -> None:
    text = (
        "Moderna expects sales of $5bn this year.\n\n"
        '(Also see "Moderna Chalks Up Industry Milestone With Cancer Vaccine" - Scrip, '
        "14 Dec, 2022.)\n\nModerna said it would cut costs."
    )
    found = attribute(make_source(text))
    assert [found.get(i).speaker for i in ("S0", "S2")] == ["Moderna", "Moderna"]  # type: ignore[union-attr]


def test_pronouns_resolved_inside_quotations_through_attribution_and_past_junk() -> None:
    text = (
        "The manager, Mike Phelan, told Match of the Day: \"I'm really pleased for "
        "my players. We lost two players early in the game to what look like long injuries. "
        "The players are ecstatic. I thought we caused our own problems in the first half "
        "giving the penalty away.\n\n"
        "A statement on OpenAI's website said the venture would spend $1bn.\n"
        "It said only a tiny fraction of the $1bn would be spent in the next few years.\n\n"
        "The coroner found that gangs of men roamed Sydney in 1988.\n"
        "Some people were robbed.\n"
        "It was the third inquest into the death, held in 2017."
    )
    report = _report(text, max_claims=None)
    by_last = {c.sentence_ids[-1]: c for c in report.claims}
    # Inside a quotation that opened before it: introduced by its speaker.
    assert by_last["S1"].statement.startswith("Mike Phelan said: “We lost two players")
    # "It said": the body the attribution resolved.
    assert by_last["S5"].statement.startswith("A statement on OpenAI's website said only")
    # Context past a junk remark, without taking the remark in.
    assert by_last["S8"].sentence_ids == ["S6", "S8"]
    for claim in report.claims:
        assert claim.statement.split()[0] not in {"We", "It", "They", "He", "She"}, claim


def test_a_type_the_cited_text_cannot_bear_is_replaced_and_flagged() -> None:
    text = (
        "The council approved a budget of £12m on Tuesday.\n\n"
        "Protesters gathered outside the town hall.\n\n"
        'The mayor said: "We will fix every road."'
    )
    source = make_source(text)
    chunk = Chunk(index=0, first=0, last=len(source.sentences) - 1, tokens=0)
    ids = notes_request(source, chunk).ids
    notes = [NoteOut(id=i, type="statistic", check=True, who=None) for i in ids]
    out = NotesOutput(headline="A budget", notes=notes)
    report = assemble_report(source, [out], None, usage=Usage(), model="m", max_claims=None)
    types = {c.sentence_ids[0]: c.type.value for c in report.claims}
    # A figure bears "statistic"; without one the text's own reading stands.
    assert types == {"S0": "statistic", "S1": "other", "S2": "quote"}
    replaced = [f for c in report.claims for f in c.flags if f.kind is FlagKind.type_replaced]
    expected = [("statistic", "other"), ("statistic", "quote")]
    assert [(f.span, f.expected) for f in replaced] == expected


def test_a_line_ending_in_a_joined_credit_is_the_caption_of_an_embed() -> None:
    text = (
        "Oman will open its airspace to Israeli airlines, its aviation authority said.\n\n"
        "El Al has posted a map of their current and new routes to Southeast Asia "
        "From El Al Israel\n\n"
        "The change will cut journey times to Thailand by up to two hours.\n\n"
        "Flights will resume from Tel Aviv From Monday, the airline said.\n"
    )
    scores = score_sentences(make_source(text))
    assert scores["S1"].junk is not None and "embedded" in scores["S1"].junk
    # Prose that ends in a full stop keeps its claim, even with "From" in capitals.
    assert scores["S0"].junk is None and scores["S2"].junk is None
    assert scores["S3"].junk is None


@pytest.mark.parametrize(
    "sentence",
    [
        # The name is the object in a relative clause: no speaker rather than a wrong one.
        "One young person who contacted Childline said the games had become cruel.",
        "A Miamian who came from Cuba's Pinar del Rio said the team had played well.",
    ],
)
def test_a_name_inside_a_relative_clause_is_not_the_speaker(sentence: str) -> None:
    found = attribute(make_source(sentence)).get("S0")
    assert found is None or found.speaker not in ("Childline", "Rio", "Pinar del Rio"), found


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # Nouns that end like adverbs ("reportedly") are subjects.
        ("The family said they would appeal against the ruling.", "The family"),
        ("An ally said the plan would fail within a week.", "An ally"),
        ("Officials reportedly said the plan would fail.", "Officials"),
        # A person acting for someone speaks, not the one they act for.
        (
            "The lawyer for surviving assailant Edgar Ricardo de Oliveira said he will "
            "report to police today.",
            "The lawyer for surviving assailant Edgar Ricardo de Oliveira",
        ),
        (
            "Acme Corp was fined £2m on Monday, the regulator said.\n"
            "The lawyer for the company said it would appeal.",
            "The lawyer for the company",
        ),
        (
            "An adviser to Prime Minister Boris Johnson said the plan was dead.",
            "An adviser to Prime Minister Boris Johnson",
        ),
        # A source in lower case after "according to".
        (
            "According to police records, Oliveira had been arrested in the past.",
            "police records",
        ),
        ("Prices rose 3% in May, according to official figures.", "official figures"),
        # A finding stated as one.
        ("The panel found that Geaney had failed to uphold the standards.", "The panel"),
        # Someone's people, with the owner by the full name the article gives.
        (
            "Michael Luciw, 81, died in the crash.\n"
            "Mr Luciw's family said older drivers should be tested.",
            "Michael Luciw's family",
        ),
        ("Jak's Journey raised £40,000.\nJak's family said they were grateful.", "Jak's family"),
        # A place or body after a preposition is not who spoke: the person or people
        # before it are.
        (
            "Prof Jane Morton from the University of Leeds said the test was years away.",
            "Jane Morton",
        ),
        ("Rigging supervisor Tom Hale, from Hull, told the BBC he was exposed.", "Tom Hale"),
        ("Police in Hamelin, in Lower Saxony, say the man gave himself up.", "Police in Hamelin"),
        ("Critics of the plan have warned of rising costs.", "Critics of the plan"),
        (
            "Ann Lee, head of policy at the Freight Association, said the rules were unclear.",
            "Ann Lee",
        ),
        (
            'Campaigner Sam Ross, whose son died in the fire, said: "We want answers."',
            "Campaigner Sam Ross",
        ),
        ("Match of the Day presenter Gary Lineker tweeted that the ban was fair.", "Gary Lineker"),
        # A short form in brackets beside the name; a second verb of the sentence's
        # subject; a description before the name after a quotation's "said".
        ("Transport for Wales (TfW) said the line would reopen in May.", "Transport for Wales"),
        ("Judge Ann Clarke remanded him in custody and said the case was grave.", "Ann Clarke"),
        ('"He is a fine young man," said national selector Rod Hale.', "Rod Hale"),
        ('"We will appeal," says her agent Tom Price Davies.', "Tom Price Davies"),
        ('"We were beaten," said former England batsman Tom Reed.', "Tom Reed"),
        ('"It was our aim," said 24-year-old Bayern forward Amy Evans.', "Amy Evans"),
        # The name May is no modal verb.
        ("Mrs May also said the plan would work.", "May"),
        # "Downing" is no participle; a counted description; a body by a possessive;
        # groups after a sentence's "But".
        ("Downing Street said the visit was planned.", "Downing Street"),
        ("One analyst said the phone was the right move.", "One analyst"),
        ("Russia's sports ministry has said it will work with Wada.", "Russia's sports ministry"),
        ("But unions warned against using it as a quick fix.", "unions"),
        ("Syrian state media said the rebels had left the city.", "Syrian state media"),
        ("The government, via state media, denied the reports.", "The government"),
        # A body's name of more than five words after "the".
        (
            "The International Committee of the Red Cross (ICRC) says the evacuation will "
            "take days.",
            "The International Committee of the Red Cross",
        ),
        (
            "Responding to reports, the Department for Communities and Local Government said "
            "it was untrue.",
            "the Department for Communities and Local Government",
        ),
        # Groups quoted without a determiner.
        ("Two more coves have also been affected, conservationists said.", "conservationists"),
        ("Critics accuse the donors of ignoring abuses.", "Critics"),
        ("Pay rose at the same rate, which the researchers said was odd.", "the researchers"),
    ],
)
def test_the_subject_before_said_is_the_speaker(text: str, speaker: str) -> None:
    source = make_source(text)
    found = attribute(source).get(source.sentences[-1].id)
    assert found is not None and found.speaker == speaker, found


@pytest.mark.parametrize(
    "text",
    [
        "Webb's latest observation of the cluster has revealed details never seen before.",
        "Data from the trial announced in May showing a 44% lower risk led to the approval.",
    ],
)
def test_the_object_of_a_preposition_is_not_the_speaker(text: str) -> None:
    # Before: "the cluster" and "the trial" spoke. The verb's subject is the noun before
    # the preposition, and it is nobody.
    assert attribute(make_source(text)).get("S0") is None


@pytest.mark.parametrize(
    "text",
    [
        "The watchdog published 21 reports into the schools on Monday.",
        "Governors in the five states would back the plan.",
        "The orchestra played the first notes of the symphony.",
        "Two attacks during the festival claimed about 30 lives.",
        # "That's" is no owner of a body.
        "That's what the council asked for, he said nothing more.",
        # Not said yet: the modal verb "may".
        "The minister may also say more about the plan next week.",
        # "maintained" joined by "and" is an act, not a statement.
        "Chairman Rob Dean took over the club and maintained its full-time status.",
        "The sprinter, who claimed bronze in Rio, has retired.",
    ],
)
def test_a_plural_noun_or_a_thing_won_is_no_statement(text: str) -> None:
    # "reports", "states", "notes" after a number or a determiner are nouns; "claimed"
    # with lives or a medal took something, and said nothing.
    assert attribute(make_source(text)).get("S0") is None


def test_a_possessive_speaker_is_no_antecedent_for_it_and_his_is_not_guessed() -> None:
    text = (
        "Roy Oliver fired into a car, killing Jordan Edwards, 15.\n"
        "His lawyer said the shooting was justified.\n"
        "Luis Suarez's lawyers said the ban by Fifa was excessive.\n"
        "It added that the player could train.\n"
    )
    found = attribute(make_source(text))
    # "His" is the killer's, not the last person named: no speaker rather than a guess.
    assert found.get("S1") is None, found.get("S1")
    lawyers = found.get("S2")
    assert lawyers is not None and lawyers.speaker == "Luis Suarez's lawyers", lawyers
    # "It" is a body, never the lawyers.
    it = found.get("S3")
    assert it is None or "lawyers" not in it.speaker, it


def test_finding_a_thing_is_an_event_not_a_statement() -> None:
    assert attribute(make_source("Police found a body in the river on Monday.")).get("S0") is None


def test_a_quotation_whose_pronoun_cannot_be_the_last_speaker_does_not_inherit_it() -> None:
    text = (
        'A commission report said doping was widespread, calling it "an iceberg".\n\n'
        '"This iceberg spreads in two different directions," he said.\n\n'
        'Sebastian Coe said the sport would change. "We will act," Coe said.\n\n'
        '"We have a plan," he added.\n'
    )
    found = attribute(make_source(text))
    # "he" is no report: no speaker rather than the report's.
    first = found.get("S1")
    assert first is None or "report" not in first.speaker.lower(), first
    # "he" after a person's quotation is that person.
    after = found.get("S4")
    assert after is not None and same_speaker(after.speaker, "Sebastian Coe"), after
