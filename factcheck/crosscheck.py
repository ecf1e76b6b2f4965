"""Deterministic cross-checks of a claim against the evidence sentences a verdict rests on.

A model's label is a judgement; what the evidence states is a fact the library can read.
Three findings decide whether a label may stand (see :func:`factcheck.verification.judge`):

- **entailed** — every name, number, amount, percentage and date of the claim is in the
  evidence, no negation or direction word ("rose"/"fell") is flipped, and nearly all the
  claim's content words are there: the evidence says what the claim says, lexically. A
  ``contradicted`` label is then not allowed.
- **mismatches** — concrete differences the verdict can name: a number, amount, percentage
  or date of the claim where the evidence states another of the same kind (a hedged
  figure, "more than 50", is a bound and compared with none); a name of the
  claim absent from the evidence where the evidence names someone else; a negation or a
  direction word flipped (the sure part of :mod:`factcheck.lexicon`). A ``contradicted``
  label needs at least one.
- **missing** — the claim's checkable parts (its names, numbers, amounts, percentages,
  dates) that the evidence does not state. A ``supported`` label needs none missing.

Written here rather than taken from a library: what is checked is our own vocabulary
(:mod:`factcheck.entities`), and an entailment model would not run offline at this size.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from factcheck.entities import Inventory, Mention, MentionKind, extract
from factcheck.evidence import terms
from factcheck.lexicon import (
    SURE,
    SURE_NEGATORS,
    Negations,
    opposite_words,
    prefixed_opposites,
    read_negations,
    swapped_kinds,
    tokens,
    unasserted,
)
from factcheck.tokens import rare_word

#: Share of the claim's content words the evidence must hold for lexical entailment. One
#: word swapped ("building" for "cliff top", "murder" for "manslaughter") changes what is
#: said while keeping the rest, so entailment asks for every word: on SummEdits news dev
#: (benchmarks/verification.py), sentences holding 90 % of their words in one article
#: sentence, with every name and figure, were right only 7 times in 19.
ENTAIL_OVERLAP = 1.0
#: Share of the claim's words a single evidence sentence must hold before a changed value,
#: negation or direction in it counts as a contradiction by the rules alone: below it the
#: sentence may be about something else (on SummEdits news dev, from 0.6 up, every such
#: finding was right; at 0.3, 20 of 69 were wrong).
CONTRADICT_OVERLAP = 0.6
#: Share of the claim's words a single evidence sentence must hold before a name or value
#: of the claim that no evidence document states, where that sentence states another,
#: counts as a contradiction: the sentence must be about the same thing. The lowest share
#: tried (0.3 to 0.6 by tenths) at which every such finding on the fit half of SummEdits
#: news dev was right (10 of 10; the check half 12 of 12, XSumFaith dev 22 of 23).
UNSTATED_OVERLAP = 0.3
#: Share of the claim's pairs of neighbouring content words that the evidence must hold in
#: the same order for lexical entailment: the same words in other relations ("a threat to
#: humans … infected birds" for "a threat to birds") or one word repeated ("a sheep, a
#: sheep") are not the claim. A rule, not a fit: half keeps paraphrases that reorder a
#: clause.
ENTAIL_ORDER = 0.5

_VALUE_KINDS = (MentionKind.number, MentionKind.amount, MentionKind.percent, MentionKind.date)


@dataclass(frozen=True)
class CrossCheck:
    """What the evidence says about a claim, read deterministically (see the module doc)."""

    overlap: float
    #: Share of the claim's neighbouring content-word pairs that the evidence holds too.
    order: float = 1.0
    missing: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    #: Claim parts the evidence states: its names, numbers, amounts, percentages, dates.
    present: list[str] = field(default_factory=list)
    #: Per claim name or value with a mismatch (as written in the claim), what it is.
    about: dict[str, str] = field(default_factory=dict)
    #: Per claim number the evidence does not state, the evidence's numbers of another
    #: count or none ("39 pickups" where it says "19 trucks"): a mismatch only where the
    #: rest of the sentence is the claim's (see :func:`factcheck.verification.rule_decision`).
    other_counts: dict[str, str] = field(default_factory=dict)
    #: Per claim word of a closed class, of a sure opposite pair (``lexicon.SURE``) or with
    #: a negating prefix, where the evidence uses another member, only the other side or
    #: the word without its prefix ("closing" where it says "open", "the third quarter"
    #: where it says "the fourth"): what it is. A mismatch only where the claim's word is
    #: stated nowhere (see :func:`factcheck.verification.rule_decision`).
    other_words: dict[str, str] = field(default_factory=dict)

    @property
    def entailed(self) -> bool:
        return (
            not self.missing
            and not self.mismatches
            and self.overlap >= ENTAIL_OVERLAP
            and self.order >= ENTAIL_ORDER
        )

    @property
    def value_mismatches(self) -> list[str]:
        """The mismatches of a number, amount, percentage or date (the surest kind)."""
        return [m for m in self.mismatches if m.startswith(_VALUE_PREFIX)]

    def reason(self) -> str:
        """What was found, in words, for a verdict's rationale."""
        if self.mismatches:
            return "; ".join(self.mismatches)
        parts = f" ({', '.join(self.present[:3])})" if self.present else ""
        if self.entailed:
            return f"the evidence states every word and figure of the claim{parts}"
        if self.missing:
            return f"the evidence does not state {', '.join(self.missing[:4])}"
        return f"the evidence holds {self.overlap:.0%} of the claim's words"


_VALUE_PREFIX = "the claim says "
#: How a name mismatch begins, so that callers can tell it from the surer kinds.
NAME_MISMATCH = "the claim names "


def _negation_flips(claim: list[str], mine: Negations, theirs: Negations) -> list[str]:
    flips = [
        f"the claim negates {stem!r}…, which the evidence states without negation"
        for stem in sorted(mine.negated)
        if stem in theirs.plain and stem not in theirs.negated
    ]
    hedged = unasserted(claim)
    flips += [
        f"the claim states {stem!r}… plainly; the evidence negates it"
        for stem in sorted(theirs.negated)
        if stem in mine.plain
        and stem not in mine.negated
        and stem not in theirs.plain
        and stem not in hedged
    ]
    return flips


def _direction_flips(claim: list[str], evidence: list[str], negated: frozenset[str]) -> list[str]:
    # A negated word states the other side ("did not rise" agrees with "fell"): it is the
    # negation check's to compare, not a flip of direction.
    return [
        f"the claim says {'/'.join(used)!r} where the evidence says {'/'.join(opposite)!r}"
        for used, opposite in opposite_words(claim, evidence, SURE, negated=negated)
    ]


def _differs(mention: Mention, other: Mention) -> bool:
    """Whether ``other`` is a value of the same kind that could stand where ``mention``
    stands: a count of the same thing, a date with the same parts stated."""
    if other.kind is not mention.kind:
        return False
    if mention.kind is MentionKind.number:
        return mention.unit is not None and other.unit == mention.unit
    if mention.kind is MentionKind.date and mention.date and other.date:
        parts = ("year", "month", "day")
        return any(
            getattr(mention.date, p) is not None and getattr(other.date, p) is not None
            for p in parts
        )
    return True


#: The word a number counts, as written after it ("458 deaths"): two numbers counting the
#: same word count the same thing, where other nouns after a number are too often synonyms
#: to pair ("870 people" of "871 infections"; see ``entities.Inventory._unit``).
_COUNTED = re.compile(r"[ \t]+([a-z]{3,})\b")


#: Words before a number that make it a bound or an estimate ("at least 14", "almost 500",
#: "more than 50"): a range, which another figure of the same count need not contradict.
_HEDGED = re.compile(
    r"\b(?:almost|nearly|about|around|roughly|approximately|some|over|under|up to|at least|"
    r"at most|more than|less than|fewer than|as many as|as few as|upwards of|estimated)"
    r"[ \t]+$",
    re.IGNORECASE,
)


def _hedged(text: str, mention: Mention) -> bool:
    return mention.kind is not MentionKind.date and bool(_HEDGED.search(text, 0, mention.start))


def _counted(text: str, mention: Mention) -> str | None:
    """The word an exact number counts, or None (no word follows, or the number is hedged)."""
    if _hedged(text, mention):
        return None
    following = _COUNTED.match(text, mention.end)
    return following.group(1) if following else None


def _opening_word(mention: Mention, text: str) -> bool:
    """Whether a one-word "name" is only a common word capitalised because it opens a
    sentence ("Official figures showed…", "Earlier, …"): no evidence of someone else named
    where the claim names someone. A rare word there ("Poroshenko said") is still a name."""
    if " " in mention.text or "-" in mention.text:
        return False
    before = text[: mention.start].rstrip()
    if before and before[-1] not in ".!?\"”'’":
        return False
    return not rare_word(mention.text.casefold())


def cross_check(claim: str, evidence: Sequence[str]) -> CrossCheck:
    """Compare ``claim`` with the evidence sentences ``evidence`` (see :class:`CrossCheck`)."""
    text = " ".join(evidence)
    have = Inventory.of(text)
    missing: list[str] = []
    mismatches: list[str] = []
    present: list[str] = []
    about: dict[str, str] = {}
    other_counts: dict[str, str] = {}
    other_names = [
        m for m in have.mentions if m.kind is MentionKind.name and not _opening_word(m, text)
    ]
    mentions = extract(claim)
    claim_names = Inventory.of(claim)
    for mention in mentions:
        if have.has(mention):
            present.append(mention.text)
            continue
        missing.append(mention.text)
        if mention.kind in _VALUE_KINDS:
            if _hedged(claim, mention):
                continue
            counted = _counted(claim, mention) if mention.kind is MentionKind.number else None
            others = [
                m.text
                for m in have.mentions
                if _differs(mention, m)
                or (
                    counted is not None
                    and m.kind is MentionKind.number
                    and _counted(text, m) == counted
                )
            ]
            if others:
                about[mention.text] = (
                    f"{_VALUE_PREFIX}{mention.text!r} where the evidence says "
                    f"{', '.join(repr(o) for o in dict.fromkeys(others))}"
                )
                mismatches.append(about[mention.text])
            elif mention.kind is MentionKind.number and not mention.spelled:
                counts = [
                    m.text for m in have.mentions if m.kind is MentionKind.number and not m.spelled
                ]
                if counts:
                    other_counts[mention.text] = (
                        f"{_VALUE_PREFIX}{mention.text!r} where the evidence says "
                        f"{', '.join(repr(o) for o in dict.fromkeys(counts))}"
                    )
        elif mention.kind is MentionKind.name:
            others = [m.text for m in other_names if not claim_names.has(m)]
            if others:
                about[mention.text] = (
                    f"{NAME_MISMATCH}{mention.text!r} where the evidence names "
                    f"{', '.join(repr(o) for o in list(dict.fromkeys(others))[:3])}"
                )
                mismatches.append(about[mention.text])
    claim_tokens, evidence_tokens = tokens(claim), tokens(text)
    # Only the plain negations: "failed to" and "refused to" as often introduce an act that
    # did happen, which a published verdict cannot rest on.
    mine = read_negations(claim_tokens, negators=SURE_NEGATORS)
    theirs = read_negations(evidence_tokens, negators=SURE_NEGATORS)
    mismatches += _negation_flips(claim_tokens, mine, theirs)
    negated = mine.negated | theirs.negated
    mismatches += _direction_flips(claim_tokens, evidence_tokens, negated)
    other_words: dict[str, str] = {}
    prefixed = prefixed_opposites(claim_tokens, evidence_tokens, negated=negated)
    for used, other in [
        *opposite_words(claim_tokens, evidence_tokens, SURE, negated=negated),
        *swapped_kinds(claim_tokens, evidence_tokens),
        *(([a], [b]) for a, b in prefixed),
    ]:
        for word in used:
            other_words.setdefault(
                word,
                f"{_VALUE_PREFIX}{'/'.join(used)!r} where the evidence says {'/'.join(other)!r}",
            )
    claim_terms, evidence_terms = terms(claim), terms(text)
    wanted, found = set(claim_terms), set(evidence_terms)
    overlap = len(wanted & found) / len(wanted) if wanted else 1.0
    pairs = set(itertools.pairwise(claim_terms))
    found_pairs = set(itertools.pairwise(evidence_terms))
    return CrossCheck(
        overlap=overlap,
        order=len(pairs & found_pairs) / len(pairs) if pairs else 1.0,
        missing=list(dict.fromkeys(missing)),
        mismatches=list(dict.fromkeys(mismatches)),
        present=list(dict.fromkeys(present)),
        about=about,
        other_counts=other_counts,
        other_words=other_words,
    )
