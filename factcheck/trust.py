"""The trust layer: what a reader gets, made right whatever the model wrote.

Runs after grounding, on every report, for every endpoint:

1. candidates — the model's grounded claims, plus one candidate for every sentence the
   model left out, so a model that skips a fact cannot hide it;
2. never a claim — a candidate whose cited sentences are all bylines, captions, handles,
   links, navigation, questions or empty rhetoric is dropped, whoever proposed it;
3. who says it — the speaker comes from the text (:mod:`factcheck.attribution`); the
   model's speaker stays only when the text bears it out;
4. self-contained — a statement that opens with "He", "His", "They" or "That" gets the
   person the article named, or the sentence it points back to;
5. ranked — scored for check-worthiness (:mod:`factcheck.selection`), best first, within
   the ``max_claims`` budget;
6. key points — one idea each, at most two sentences of source text when the model's fail
   grounding, no sentence in two points, no junk.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence

from factcheck.attribution import Attributions, attribute, same_speaker
from factcheck.entities import MentionKind
from factcheck.grounding import UNGROUNDED, pin
from factcheck.models import (
    Claim,
    ClaimType,
    Flag,
    FlagKind,
    KeyPoint,
    Sentence,
    Source,
    Span,
    sentence_index,
)
from factcheck.selection import SentenceScore, junk_clause, mentions, score_sentences

__all__ = ["DEFAULT_MAX_CLAIMS", "choose_key_points", "select_claims"]

#: Claims a fact-checker can work through; ``max_claims=None`` returns every candidate.
DEFAULT_MAX_CLAIMS = 12
#: Most key points a report shows.
MAX_KEY_POINTS = 5
#: About two sentences: a longer key point is not one idea.
KEY_POINT_WORDS = 45

_PERSON_PRONOUN = re.compile(r"^(?P<word>He|She|His|Her)\b(?P<rest>.*)$", re.DOTALL)
_OPENING = "\"'“”‘’«»([—–- "
#: Sentences a claim may take in as context, and how far back they may stand.
_CONTEXT_SENTENCES = 2
_CONTEXT_REACH = 3
_QUOTE_OPENERS = "“\"‘'«"
#: "It said", "They also told": a body's pronoun as the subject of a verb of saying.
_BODY_SAID = re.compile(
    r"^(?P<word>It|They)(?P<rest>\s+(?:also\s+|later\s+|previously\s+)?(?:said|says|added|adds|"
    r"told|tells|stated|states|announced|warned|confirmed|insisted|reported|noted|wrote)\b.*)$",
    re.DOTALL,
)
#: Personal and demonstrative pronouns: a statement that opens with one does not stand
#: on its own.
_PRONOUNS_ALL = frozenset(
    "He She It They We I You Him Her Them Us Me His Hers Its Their Theirs Our Ours My Mine "
    "Your Yours This That These Those".split()
)


def _words(text: str) -> int:
    return len(text.split())


def _scores_for(scores: dict[str, SentenceScore], ids: Iterable[str]) -> list[SentenceScore]:
    return [scores[i] for i in ids if i in scores]


def _library_candidate(source: Source, sentence_id: str) -> Claim:
    sentence = source.sentence(sentence_id)
    text = sentence.text if sentence is not None else ""
    return Claim.model_validate(
        {
            "statement": text,
            "origin": "source",
            "type": ClaimType.other,
            "checkable": True,
            **pin(source, [sentence_id]),
        }
    )


def _drop_junk(
    source: Source, claim: Claim, scores: dict[str, SentenceScore], item: str
) -> tuple[Claim | None, Flag | None]:
    """Without its junk sentences: None when nothing checkable is left."""
    junk = [s for s in _scores_for(scores, claim.sentence_ids) if s.junk is not None]
    if not junk:
        return claim, None
    kept = [i for i in claim.sentence_ids if scores.get(i) is None or scores[i].junk is None]
    flag = Flag(
        kind=FlagKind.not_a_claim,
        message=f"{', '.join(s.sentence_id for s in junk)} is never a claim: {junk[0].junk}",
        span=claim.statement[:200],
        item=item,
    )
    if not kept:
        return None, flag
    update: dict[str, object] = {**pin(source, kept), "flags": [*claim.flags, flag]}
    if claim.origin == "source":
        update["statement"] = " ".join(s.text for s in pin_spans(source, kept))
    return claim.model_copy(update=update), None


def _as_statement(kept: str, before: str = "") -> str:
    """A slice of a sentence written as a sentence: capital first, and the quotation marks
    and full stop the cut took restored (``before``: the sentence's text before the slice,
    which may have opened the quotation the slice starts inside)."""
    text = kept[:1].upper() + kept[1:] if kept[:1].islower() else kept
    text = text.rstrip(" ,;:—–-")
    if before.count("“") > before.count("”"):
        text = "“" + text
    elif before.count('"') % 2:
        text = '"' + text
    closing = ""
    if text.count("“") > text.count("”"):
        closing = "”"
    elif text.count('"') % 2:
        closing = '"'
    if text.rstrip("\"”’'").endswith((".", "!", "?")):
        return text + closing
    return text + "." + closing


def _drop_clause(source: Source, claim: Claim, item: str) -> Claim:
    """A source-worded claim on one sentence without the clause of it that is never a claim
    (:func:`factcheck.selection.junk_clause`): its span and quote cover what is kept."""
    if claim.origin != "source" or len(claim.sentence_ids) != 1:
        return claim
    sentence = source.sentence(claim.sentence_ids[0])
    if sentence is None:
        return claim
    found = junk_clause(sentence.text)
    if found is None:
        return claim
    a, b, reason = found
    start, end = sentence.start + a, sentence.start + b
    kept = source.text[start:end]
    dropped = (sentence.text[:a] + " … " + sentence.text[b:]).strip(" …")
    flag = Flag(
        kind=FlagKind.clause_dropped,
        message=f"{sentence.id}: {dropped[:120]!r} left out, never a claim: {reason}",
        span=dropped[:200],
        expected=kept[:200],
        item=item,
    )
    span = Span(sentence_id=sentence.id, start=start, end=end, text=kept)
    return claim.model_copy(
        update={
            "statement": _as_statement(kept, sentence.text[:a]),
            "spans": [span],
            "quote": kept,
            "start": start,
            "end": end,
            "flags": [*claim.flags, flag],
        }
    )


def pin_spans(source: Source, ids: Sequence[str]) -> list[Sentence]:
    found = [source.sentence(i) for i in ids]
    return [s for s in found if s is not None]


def _attribute(claim: Claim, attributions: Attributions, repair: bool, item: str) -> Claim:
    """The speaker the text gives for the claim's sentences; the model's stays only when
    the text names the same person."""
    text_speaker = None
    for sentence_id in claim.sentence_ids:
        found = attributions.get(sentence_id)
        if found is not None:
            text_speaker = found
            break
    model_speaker = claim.speaker
    if text_speaker is None:
        if model_speaker is None:
            return claim
        flag = Flag(
            kind=FlagKind.speaker_replaced,
            message=f"the text does not attribute this statement to {model_speaker!r}",
            span=model_speaker,
            expected="a speaker the cited text names",
            item=item,
        )
        update: dict[str, object] = {"flags": [*claim.flags, flag]}
        if repair:
            update["speaker"] = None
        return claim.model_copy(update=update)
    update = {"speaker_ids": list(text_speaker.sentence_ids)}
    if model_speaker is not None and same_speaker(model_speaker, text_speaker.speaker):
        update["speaker"] = text_speaker.speaker
        return claim.model_copy(update=update)
    if model_speaker is not None:
        update["flags"] = [
            *claim.flags,
            Flag(
                kind=FlagKind.speaker_replaced,
                message=f"the text gives {text_speaker.speaker!r} as the speaker "
                f"({text_speaker.cue}), not {model_speaker!r}",
                span=model_speaker,
                expected=text_speaker.speaker,
                item=item,
            ),
        ]
        if not repair:
            return claim.model_copy(update=update)
    update["speaker"] = text_speaker.speaker
    return claim.model_copy(update=update)


#: A person the text mentions without a name, whom a following "He"/"She" may mean.
_UNNAMED_PERSON = re.compile(
    r"\b(?:the|a|an|one|another|this|that)\s+(?:[\w\-]+\s+){0,2}?(?:man|woman|boy|girl|child|"
    r"baby|teenager|teen|youngster|rider|driver|passenger|victim|patient|pupil|student|"
    r"player|soldier|suspect|pilot|cyclist|motorcyclist|pedestrian|walker|climber|swimmer|"
    r"worker|resident|mother|father|son|daughter|wife|husband|brother|sister|friend|"
    r"person|customer|owner|gunman|attacker|defendant|prisoner|inmate|officer|nurse|doctor|"
    r"pensioner|toddler|infant|casualty|survivor|witness|neighbour|neighbor)\b",
    re.IGNORECASE,
)


def _position(source: Source, sentence_id: str) -> int | None:
    """Where sentence ``sentence_id`` stands in ``source`` (ids are positions: S0, S1 …)."""
    return None if source.sentence(sentence_id) is None else sentence_index(sentence_id)


def _person_before(source: Source, attributions: Attributions, sentence_id: str) -> str | None:
    """The person a leading "He"/"She" points back to: the speaker of this sentence when
    the text resolved one, else the last person the preceding sentences named."""
    found = attributions.get(sentence_id)
    if found is not None and found.cue.startswith("pronoun") and len(found.speaker.split()) >= 2:
        # "He said …": the attribution resolved this very pronoun. A speaker the sentence
        # names later ("His parents said … in an email from the hospital") is not it.
        return found.speaker
    index = _position(source, sentence_id)
    if index is None:
        return None
    for previous in reversed(source.sentences[max(0, index - 3) : index]):
        if _UNNAMED_PERSON.search(previous.text):
            # "Crewman Chris Page said the rider had head injuries. She was treated…":
            # a person the text does not name stands between, and "She" may be them.
            return None
        earlier = attributions.get(previous.id)
        if earlier is not None and len(earlier.speaker.split()) >= 2:
            return earlier.speaker
        for name in attributions.names:
            if len(name.split()) >= 2 and name in previous.text:
                return name
        for name in attributions.names:
            surname = name.split()[-1]
            # The substring test first: the pattern is compiled only for the few names the
            # sentence may hold, not for every name of a long document.
            if (
                len(name.split()) >= 2
                and surname in previous.text
                and re.search(rf"\b{re.escape(surname)}\b", previous.text)
            ):
                return name
    return None


def _self_contained(
    source: Source,
    claim: Claim,
    attributions: Attributions,
    scores: dict[str, SentenceScore],
    item: str,
) -> Claim:
    """Resolve a leading pronoun. "He said" → "Keir Starmer said", "His comments" →
    "Keir Starmer's comments"; a quotation that opens with "We" or "I" is introduced by
    its speaker ("Keir Starmer said: “We…”"); a statement that points back ("That led
    to…", "It said") takes the sentence before it as context. The quote and spans keep
    the verbatim source either way."""
    statement = claim.statement.lstrip(_OPENING)
    first = _first_word(statement)
    if first not in _PRONOUNS_ALL or not claim.sentence_ids:
        return claim
    person = _PERSON_PRONOUN.match(statement)
    if person:
        name = _person_before(source, attributions, claim.sentence_ids[0])
        if name is not None:
            word = person.group("word")
            rest = person.group("rest")
            possessive = word == "His" or (
                word == "Her" and not re.match(r"^\s+(?:said|says|told|added)\b", rest)
            )
            rewritten = (f"{name}'s" if possessive else name) + rest
            return _rewritten(claim, rewritten, word, name, item)
    opens_quote = claim.statement.lstrip()[:1] in _QUOTE_OPENERS
    found = attributions.get(claim.sentence_ids[0])
    continued = found is not None and found.cue == "continued quotation"
    if claim.speaker and (opens_quote or continued):
        # A quotation that opens with a pronoun ("“We…”", "“She made herself at home”") is
        # introduced by the speaker the text gives it; the pronoun stays the speaker's own.
        # So is a sentence inside a quotation that opened before it ("We lost two players
        # early", in a manager's quoted answer), given the quotation marks it stands in.
        quoted = claim.statement.strip()
        if not opens_quote:
            quoted = "“" + quoted + ("" if quoted[-1:] in '”"' else "”")
        rewritten = f"{claim.speaker} said: {quoted}"
        message = f"a quotation opening with {first!r} introduced by its speaker, {claim.speaker!r}"
        return _rewritten(claim, rewritten, first, claim.speaker, item, message)
    said = _BODY_SAID.match(statement)
    if said and found is not None and found.cue.startswith("pronoun"):
        # "It said only a tiny fraction …": the attribution resolved this very subject (the
        # pronoun is the one saying), to the body the text named before.
        rewritten = found.speaker + said.group("rest")
        return _rewritten(claim, rewritten, said.group("word"), found.speaker, item)
    return _with_context(source, claim, scores, first, item)


def _points_to_junk(source: Source, claim: Claim, scores: dict[str, SentenceScore]) -> bool:
    """Whether ``claim`` still opens with a word that points back ("This time, it's the
    European Commission") although all the text before it within reach is never a claim
    (or there is none): it cannot stand on its own, and nothing can make it."""
    statement = claim.statement.lstrip()
    if (
        not claim.sentence_ids
        or statement[:1] in _QUOTE_OPENERS
        or _first_word(statement.lstrip(_OPENING)) not in _PRONOUNS_ALL
        or any(f.kind is FlagKind.pronoun_resolved for f in claim.flags)
    ):
        return False
    index = _position(source, claim.sentence_ids[0]) or 0
    before = source.sentences[max(0, index - _CONTEXT_REACH) : index]
    return all(scores.get(s.id) is not None and scores[s.id].junk is not None for s in before)


def _first_word(statement: str) -> str:
    words = statement.split(maxsplit=1)
    if not words:
        return ""
    return re.split(r"['’]", words[0], maxsplit=1)[0].strip(".,;:!?")


def _rewritten(
    claim: Claim, statement: str, word: str, name: str, item: str, message: str | None = None
) -> Claim:
    flag = Flag(
        kind=FlagKind.pronoun_resolved,
        message=message or f"{word!r} resolved to {name!r}, whom the article names",
        span=word,
        expected=name,
        item=item,
    )
    flags = [f for f in claim.flags if f.kind is not FlagKind.unresolved_pronoun]
    return claim.model_copy(update={"statement": statement, "flags": [*flags, flag]})


def _with_context(
    source: Source,
    claim: Claim,
    scores: dict[str, SentenceScore],
    word: str,
    item: str,
) -> Claim:
    """The claim with the sentences before it that its opening word points back to (at
    most two), when one of them stands on its own. Junk between them is stepped over, not
    taken in: "Story continues below advertisement" or "Some people were also robbed."
    stands between a statement and the one it points back to as often as not."""
    first = claim.sentence_ids[0]
    index = _position(source, first) or 0
    context: list[Sentence] = []
    for previous in reversed(source.sentences[max(0, index - _CONTEXT_REACH) : index]):
        if scores.get(previous.id) is not None and scores[previous.id].junk is not None:
            continue
        context.insert(0, previous)
        if (
            _first_word(previous.text.lstrip(_OPENING)) not in _PRONOUNS_ALL
            or len(context) == _CONTEXT_SENTENCES
        ):
            break
    if not context or _first_word(context[0].text.lstrip(_OPENING)) in _PRONOUNS_ALL:
        return claim
    ids = [s.id for s in context] + list(claim.sentence_ids)
    if claim.origin == "source":
        statement = " ".join([*(s.text for s in context), claim.statement])
    else:
        statement = claim.statement
    flag = Flag(
        kind=FlagKind.pronoun_resolved,
        message=f"opens with {word!r}, which points back: "
        f"{', '.join(s.id for s in context)} added for context",
        span=word,
        expected=context[0].id,
        item=item,
    )
    flags = [f for f in claim.flags if f.kind is not FlagKind.unresolved_pronoun]
    return claim.model_copy(
        update={**pin(source, ids), "statement": statement, "flags": [*flags, flag]}
    )


def _claim_score(claim: Claim, scores: dict[str, SentenceScore]) -> float:
    cited = _scores_for(scores, claim.sentence_ids)
    base = max((s.score for s in cited), default=0.0)
    # The model's own view moves a claim a little, never past the text's signals: a
    # small model's labels are close to noise, a capable model's worth a nudge.
    if not claim.checkable or claim.type is ClaimType.opinion:
        base *= 0.9
    if any(f.kind in UNGROUNDED for f in claim.flags) and claim.origin == "model":
        base *= 0.8
    return round(max(0.01, min(1.0, base)), 3)


def select_claims(
    source: Source,
    claims: list[Claim],
    *,
    max_claims: int | None = DEFAULT_MAX_CLAIMS,
    repair: bool = True,
    answered: Collection[str] | None = None,
) -> tuple[list[Claim], int, list[Flag]]:
    """The claims a reader gets, best first with ``score`` and ``rank``; the number of
    candidates considered; and flags for proposed claims that were never claims.
    ``answered``: the sentences the model was asked about and answered (None: all); the
    library proposes no sentence of its own outside them."""
    scores = score_sentences(source)
    attributions = attribute(source)
    cited = {i for claim in claims for i in claim.sentence_ids}
    candidates = list(claims)
    candidates += [
        _library_candidate(source, s.id)
        for s in source.sentences
        if s.id not in cited
        and scores[s.id].junk is None
        and (answered is None or s.id in answered)
    ]
    dropped: list[Flag] = []
    kept: list[Claim] = []
    for index, claim in enumerate(candidates):
        item = f"candidate {index}"
        cleaned, flag = _drop_junk(source, claim, scores, item)
        if cleaned is None:
            if flag is not None and claim.origin == "model":
                dropped.append(flag)
            continue
        if repair:
            cleaned = _drop_clause(source, cleaned, item)
        cleaned = _attribute(cleaned, attributions, repair, item)
        if repair:
            contained = _self_contained(source, cleaned, attributions, scores, item)
            if contained.sentence_ids != cleaned.sentence_ids:
                # Context taken in from before: the speaker is the one its first
                # sentence gives.
                contained = _attribute(
                    contained.model_copy(update={"speaker": None}), attributions, repair, item
                )
            cleaned = contained
            if _points_to_junk(source, cleaned, scores):
                if claim.origin == "model":
                    dropped.append(
                        Flag(
                            kind=FlagKind.not_a_claim,
                            message="it points back only to text that is never a claim",
                            span=claim.statement[:200],
                            item=item,
                        )
                    )
                continue
        # After the context is in: the type is read from everything the claim cites.
        cleaned = _checked_type(cleaned, repair, item)
        kept.append(cleaned.model_copy(update={"score": _claim_score(cleaned, scores)}))
    kept = _without_covered(kept)
    order = sorted(
        range(len(kept)),
        key=lambda k: (-kept[k].score, _first_index(kept[k]), k),
    )
    ranked = [kept[k] for k in order]
    if max_claims is not None:
        ranked = ranked[:max_claims]
    result = [
        claim.model_copy(
            update={
                "rank": rank,
                "flags": [f.model_copy(update={"item": f"claim {rank - 1}"}) for f in claim.flags],
            }
        )
        for rank, claim in enumerate(ranked, start=1)
    ]
    return result, len(kept), dropped


def _without_covered(claims: list[Claim]) -> list[Claim]:
    """Drop a source-worded claim whose sentences another claim already cites in full
    (a sentence taken in as context for the next one is not a second claim)."""
    # Only a claim citing a claim's first sentence can cover it: indexed by sentence, a
    # long document's thousands of candidates are compared with a few each, not with all.
    citing: dict[str, list[int]] = {}
    for j, other in enumerate(claims):
        for sentence_id in other.sentence_ids:
            citing.setdefault(sentence_id, []).append(j)
    kept = []
    for k, claim in enumerate(claims):
        ids = set(claim.sentence_ids)
        covered = (
            claim.origin == "source"
            and bool(ids)
            and any(
                j != k and ids < set(claims[j].sentence_ids)
                for j in citing.get(claim.sentence_ids[0], [])
            )
        )
        if not covered:
            kept.append(claim)
    return kept


#: The kinds of mention that make a statement a statistic.
_FIGURES = frozenset({MentionKind.number, MentionKind.amount, MentionKind.percent})
_QUOTE_MARKS = '"“”«»'


def _checked_type(claim: Claim, repair: bool, item: str) -> Claim:
    """The model's type where the cited text can bear it. Two types can be checked: a
    statistic states a figure (a number, amount or percentage), a quote holds a quotation
    mark. Otherwise the text's own reading stands (a figure: statistic; a quotation: quote;
    else other), flagged with the model's type."""
    if claim.type not in (ClaimType.statistic, ClaimType.quote):
        return claim
    cited = " ".join(span.text for span in claim.spans) or claim.statement
    figures = any(m.kind in _FIGURES for m in mentions(cited))
    quoted = any(mark in cited for mark in _QUOTE_MARKS)
    if (claim.type is ClaimType.statistic and figures) or (
        claim.type is ClaimType.quote and quoted
    ):
        return claim
    reading = ClaimType.statistic if figures else ClaimType.quote if quoted else ClaimType.other
    missing = "no figure" if claim.type is ClaimType.statistic else "no quotation"
    flag = Flag(
        kind=FlagKind.type_replaced,
        message=f"typed {claim.type.value}, but the cited text states {missing}",
        span=claim.type.value,
        expected=reading.value,
        item=item,
    )
    update: dict[str, object] = {"flags": [*claim.flags, flag]}
    if repair:
        update["type"] = reading
    return claim.model_copy(update=update)


def _first_index(claim: Claim) -> int:
    return min((int(i[1:]) for i in claim.sentence_ids if i[1:].isdigit()), default=0)


def choose_key_points(
    source: Source,
    points: list[KeyPoint],
    *,
    repair: bool = True,
    answered: Collection[str] | None = None,
) -> list[KeyPoint]:
    """Key points that summarise: the model's where they hold, each one idea; where a
    model point failed grounding (or there are none) the most central sentences, at most
    two per point, never a sentence in two points, never junk."""
    scores = score_sentences(source)
    attributions = attribute(source)
    used: set[str] = set()
    chosen: list[KeyPoint] = []
    for point in points:
        ids = [i for i in point.sentence_ids if scores.get(i) is None or scores[i].junk is None]
        ids = [i for i in ids if i not in used]
        if not ids:
            continue
        if point.origin == "model":
            used.update(ids)
            chosen.append(point.model_copy(update={"sentence_ids": ids}))
            continue
        if not repair:
            chosen.append(point)
            continue
        best = max(ids, key=lambda i: scores[i].score if i in scores else 0.0)
        chosen.append(_source_point(source, best, attributions, point.flags))
        used.add(best)
        if len(chosen) >= MAX_KEY_POINTS:
            break
    if chosen:
        return chosen
    # The lede first: news writing puts the story's summary in its first sentence.
    ranked = sorted(
        (
            s
            for s in source.sentences
            if scores[s.id].junk is None and (answered is None or s.id in answered)
        ),
        key=lambda s: (s.id != _lede(source, scores), -scores[s.id].score),
    )
    wanted = min(MAX_KEY_POINTS, max(1, -(-len(ranked) // 3)))
    for sentence in ranked:
        if len(chosen) >= wanted:
            break
        if sentence.id in used or _words(sentence.text) > KEY_POINT_WORDS:
            continue
        chosen.append(_source_point(source, sentence.id, attributions, []))
        used.add(sentence.id)
    return sorted(chosen, key=lambda p: _first_index_ids(p.sentence_ids))


def _lede(source: Source, scores: dict[str, SentenceScore]) -> str | None:
    return next((s.id for s in source.sentences if scores[s.id].junk is None), None)


def _first_index_ids(ids: list[str]) -> int:
    return min((int(i[1:]) for i in ids if i[1:].isdigit()), default=0)


def _source_point(
    source: Source, sentence_id: str, attributions: Attributions, flags: list[Flag]
) -> KeyPoint:
    sentence = source.sentence(sentence_id)
    text = sentence.text if sentence is not None else ""
    claim = Claim(statement=text, origin="source", sentence_ids=[sentence_id])
    resolved = _self_contained(source, claim, attributions, {}, "key point")
    return KeyPoint(
        text=resolved.statement,
        sentence_ids=resolved.sentence_ids or [sentence_id],
        origin="source",
        flags=[*flags, *resolved.flags],
    )
