"""The words whose swap or negation changes what a sentence says, and how a negation is read.

One table for every stage that compares a text with its evidence: the summary checker's
signals (:mod:`factcheck.summary_check`) and the cross-checks behind published verdicts
(:mod:`factcheck.crosscheck`). They differ in how sure a finding must be, not in what the
words mean: a verdict rests only on the :data:`SURE` pairs and the :data:`SURE_NEGATORS`,
which were measured to keep published verdicts right (``benchmarks/verification.py``); the
summary checker weighs every pair as one signal among others.

Written here rather than taken from a library: no lexicon of opposites ships on PyPI
without a corpus download (WordNet), and a short list of the words news reports swap
covers the commonest edits that keep every name and number of a sentence.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

_TOKEN = re.compile(r"[\w']+")


def tokens(text: str) -> list[str]:
    """The casefolded words of ``text`` as every comparison with this table reads them:
    apostrophes kept ("didn't" is one negating word), the typographic one folded to ASCII,
    compatibility forms folded (NFKC: a ligature or full-width letter is the plain word)."""
    folded = unicodedata.normalize("NFKC", text).replace("’", "'")
    return [t.casefold() for t in _TOKEN.findall(folded)]


#: Pairs of words of opposite meaning, each side with the forms news text uses ("rose" and
#: "fell" are no prefixes of "rise" and "fall"), and whether a verdict may rest on the pair
#: (see :data:`SURE`). A verb's inflections are listed ("opening" meets "closing"), but not
#: a form that is as often another word ("blocks" of a street, "firing" a gun, "including"
#: as a preposition), nor the "-ing" forms of approving and banning: "a law banning child
#: labour", "rules allowing it" say what a thing does, not whether it was approved.
_PAIRS: tuple[tuple[str, str, bool], ...] = (
    (
        "rise rises rose risen rising increase increased increases increasing grow grew "
        "grown grows growing gain gains gained gaining surge surges surged surging jump jumps "
        "jumped jumping climb climbs climbed climbing",
        "fall falls fell fallen falling decrease decreased decreases decreasing drop "
        "drops dropped dropping decline declined declines declining shrink shrinks shrank "
        "shrunk shrinking slump slumps slumped slumping plunge plunges plunged plunging",
        True,
    ),
    ("more higher greater larger bigger", "less lower fewer smaller", True),
    (
        "most highest largest biggest greatest maximum",
        "least lowest smallest fewest minimum",
        False,
    ),
    ("win wins won winning victory", "lose loses lost losing defeat defeated", True),
    ("before earlier early prior", "after later late", True),
    ("first", "last", False),
    (
        "accept accepted accepts approve approved approves support supported supports "
        "agree agreed agrees allow allowed allows",
        "reject rejected rejects oppose opposed opposes refuse refused refuses disagree "
        "disagreed disagrees ban banned bans block blocked",
        True,
    ),
    ("open opened opens opening", "close closed closes closing shut shuts shutting", True),
    (
        "start started starts starting begin began begun begins beginning",
        "end ended ends ending finish finished finishes finishing",
        False,
    ),
    (
        "buy bought buys buying purchase purchased purchases purchasing",
        "sell sold sells selling",
        True,
    ),
    ("guilty convicted", "innocent acquitted", True),
    ("legal lawful", "illegal unlawful", True),
    ("positive", "negative", False),
    ("success successful succeeded", "failure failed unsuccessful", False),
    ("strong stronger strongest", "weak weaker weakest", False),
    ("man men male boy boys", "woman women female girl girls", False),
    ("north northern", "south southern", False),
    ("east eastern", "west western", False),
    ("public", "private", False),
    ("import imports imported importing", "export exports exported exporting", False),
    ("hire hired", "fire fired", False),
    ("always", "never", False),
    ("husband", "wife", False),
    ("father", "mother", False),
    ("son sons", "daughter daughters", False),
    ("brother brothers", "sister sisters", False),
    ("true", "false", False),
    ("old older oldest", "young younger youngest", False),
    ("rich wealthy", "poor", False),
    ("best better", "worst worse", False),
    ("same similar", "different", False),
    ("majority", "minority", False),
    ("include included includes", "exclude excluded excludes", False),
    ("ally allies", "enemy enemies", False),
    ("easy easier", "difficult harder", False),
    ("cheap cheaper", "expensive", False),
    ("high", "low", False),
    ("long longer", "short shorter", False),
    ("large big", "small little", False),
    # "eve" is the evening before: "on the eve of" states "the night before".
    ("morning", "evening night eve", False),
    ("summer", "winter", False),
    ("domestic", "foreign international", False),
)
OPPOSITES: tuple[tuple[frozenset[str], frozenset[str]], ...] = tuple(
    (frozenset(a.split()), frozenset(b.split())) for a, b, _ in _PAIRS
)
#: The pairs whose swap is a contradiction however the rest is worded: directions of
#: change, outcomes and verdicts, the commonest of news reports. The others ("first"/
#: "last", "high"/"low", "morning"/"night") are as often about different things in the two
#: sentences, and are one signal among others in the summary checker.
SURE: tuple[tuple[frozenset[str], frozenset[str]], ...] = tuple(
    (frozenset(a.split()), frozenset(b.split())) for a, b, sure in _PAIRS if sure
)
#: Words of one kind where one member put for another changes what is said: quantifiers,
#: frequency and certainty ("most" for "some", "will" for "may").
MODIFIERS: tuple[frozenset[str], ...] = tuple(
    frozenset(g.split())
    for g in (
        "all every each most many several some few both",
        "always often usually sometimes rarely",
        "will would may might could can must should",
        "likely unlikely possibly probably certainly definitely",
    )
)

#: Closed classes of words where one member put for another changes a fact as another
#: number does: units of time ("a month" for "a year"), colours, ordinals ("the third
#: quarter" for "the fourth"). Each word maps to its member: "year" and "years" are one.
KINDS: tuple[dict[str, str], ...] = (
    {
        w: ("century" if w.startswith("centur") else w.removesuffix("s"))
        for w in (
            "minute minutes hour hours day days week weeks month months year years decade "
            "decades century centuries"
        ).split()
    },
    {w: w for w in "red orange yellow green blue purple pink white black brown grey".split()}
    | {"gray": "grey"},
    {w: w for w in "second third fourth fifth sixth seventh eighth ninth tenth".split()},
)


def swapped_kinds(
    words: Collection[str],
    evidence: Collection[str],
    kinds: Sequence[Mapping[str, str]] = KINDS,
) -> list[tuple[list[str], list[str]]]:
    """Each class of ``kinds`` (each word mapped to its member; :data:`KINDS` by default) of
    which the text uses only members the evidence lacks, where the evidence uses others:
    (the text's words, the evidence's), both sorted."""
    found = []
    for kind in kinds:
        used = {w for w in words if w in kind}
        stated = {w for w in evidence if w in kind}
        if used and stated and not {kind[w] for w in used} & {kind[w] for w in stated}:
            found.append((sorted(used), sorted(stated)))
    return found


_PLAIN_NEGATIONS = r"not|no|never|none|nobody|nothing|neither|nor|without|cannot|\w+n't"
#: Words that negate what follows them. Verdicts rest on the plain negations alone.
SURE_NEGATORS = re.compile(_PLAIN_NEGATIONS, re.IGNORECASE)
#: The plain negations and the verbs of failing or refusing, which negate the act after them
#: ("failed to win", "refused to sign") but as often introduce an act that did happen.
NEGATORS = re.compile(
    rf"{_PLAIN_NEGATIONS}|failed|fails|fail|unable|refused|refuses", re.IGNORECASE
)
#: Words between a negation and what it negates ("did not yet get", "no longer has").
NEGATION_FILLER = frozenset(
    "a an the any be been being is are was were do does did have has had yet ever longer "
    "to only even so very just get got able always quite fully entirely necessarily "
    "really".split()
)
#: How many words after a negation the negated word may be.
NEGATION_WINDOW = 4
#: Letters a word is cut to when negations are compared ("approve"/"approved" meet).
STEM = 5


#: Words after which what follows is not stated as a fact: verbs of avoiding, preventing,
#: removing or lacking, of needing, wanting or planning, and of asking for ("avoiding
#: loops", "the need for a discourse model to represent it", "filing for approval"). A word
#: in their reach is neither negated nor stated plainly, so it contradicts no negation of
#: the evidence.
UNASSERTING = frozenset(
    "avoid avoids avoided avoiding prevent prevents prevented preventing stop stops stopped "
    "stopping remove removes removed removing eliminate eliminates eliminated eliminating "
    "lack lacks lacked lacking need needs needed necessity want wants wanted plan plans "
    "planned planning aim aims aimed hope hopes hoped seek seeks sought request requests "
    "requested requesting apply applies applied applying file files filed filing whether "
    "if".split()
)
#: How many words after an unasserting word are in its reach.
UNASSERTED_WINDOW = 6
#: Words that state a denial, refusal or absence without a plain negation ("denied the
#: charge", "rejected the offer", "declined to comment", "exempt from"): a sentence holding
#: one may be what a negated summary sentence ("did not comment") rewords.
DENYING = frozenset(
    "deny denies denied denying reject rejects rejected rejecting decline declines declined "
    "declining refuse refuses refused refusing ban bans banned halt halts halted suspend "
    "suspends suspended cancel cancels cancelled canceled absent absence exempt free "
    "dismiss dismisses dismissed instead rather less fewer few little only".split()
)


#: Words that make a negation before them additive: "not only to Asia but to Australia"
#: ("not just", "not merely") states both, and negates and denies nothing.
ADDITIVE = frozenset({"only", "just", "merely"})


def _additive(tokens: Sequence[str]) -> set[int]:
    """Positions of the negations of casefolded ``tokens`` that open an additive phrase
    (:data:`ADDITIVE`), and of the additive word after each."""
    found: set[int] = set()
    for i in range(len(tokens) - 1):
        if tokens[i + 1] in ADDITIVE and SURE_NEGATORS.fullmatch(tokens[i]):
            found.update((i, i + 1))
    return found


def sure_negations(tokens: Sequence[str]) -> list[str]:
    """The plain negating words of casefolded ``tokens`` (:data:`SURE_NEGATORS`), those that
    open "not only" left out (:data:`ADDITIVE`)."""
    additive = _additive(tokens)
    return [t for i, t in enumerate(tokens) if i not in additive and SURE_NEGATORS.fullmatch(t)]


def negates_anything(tokens: Sequence[str]) -> bool:
    """Whether casefolded ``tokens`` hold any word that negates, denies or leaves a thing
    unasserted (:data:`NEGATORS`, :data:`DENYING`, :data:`UNASSERTING`); "not only" is
    none of these (:data:`ADDITIVE`)."""
    additive = _additive(tokens)
    return any(
        (t in DENYING or t in UNASSERTING or NEGATORS.fullmatch(t) is not None)
        and i not in additive
        for i, t in enumerate(tokens)
    )


def unasserted(tokens: Sequence[str]) -> frozenset[str]:
    """Stems of the words of casefolded ``tokens`` in the reach of an :data:`UNASSERTING`
    word."""
    return frozenset(
        tokens[j][:STEM]
        for i, token in enumerate(tokens)
        if token in UNASSERTING
        for j in range(i + 1, min(len(tokens), i + 1 + UNASSERTED_WINDOW))
    )


@dataclass(frozen=True)
class Negations:
    """What a text negates and what it states plainly, as word stems."""

    #: (negating word, stem of the word it negates), in the order of the text.
    pairs: tuple[tuple[str, str], ...]
    #: Stems of the words stated without a negation (the negating words excluded).
    plain: frozenset[str]

    @property
    def negated(self) -> frozenset[str]:
        return frozenset(stem for _, stem in self.pairs)


def read_negations(
    tokens: Sequence[str], *, negators: re.Pattern[str] = NEGATORS, skip: Collection[str] = ()
) -> Negations:
    """Read the negations of casefolded ``tokens``: each negating word negates the first
    word after it, within :data:`NEGATION_WINDOW`, that is neither filler nor in ``skip``.
    "Not only" negates nothing (:data:`ADDITIVE`): its two words are neither negating nor
    stated, and the words after it are stated plainly."""
    pairs: list[tuple[str, str]] = []
    negated_at: set[int] = set()
    negating: set[int] = set()
    additive = _additive(tokens)
    for i, token in enumerate(tokens):
        if not negators.fullmatch(token) or i in additive:
            continue
        negating.add(i)
        for j in range(i + 1, min(len(tokens), i + 1 + NEGATION_WINDOW)):
            word = tokens[j]
            if word not in NEGATION_FILLER and word not in skip:
                pairs.append((token, word[:STEM]))
                negated_at.add(j)
                break
    plain = frozenset(
        t[:STEM]
        for j, t in enumerate(tokens)
        if j not in negated_at and j not in negating and j not in additive
    )
    return Negations(tuple(pairs), plain)


def unused_words(words: Collection[str], evidence: Collection[str]) -> frozenset[str]:
    """The words of the text that the evidence uses in no form: a word of a class of
    :data:`KINDS` is used when any form of its member is ("years" uses "year"), a word of a
    side of :data:`OPPOSITES` when any word of its side is ("closed" and "shut" use
    "closing"), any other word only as itself. A side is wider than a word's inflections,
    so a word counts as used more often than it is: the safe way round for a verdict that
    rests on the word being absent."""
    said = set(evidence)
    members = [{kind[w] for w in said if w in kind} for kind in KINDS]
    sides = [side for pair in OPPOSITES for side in pair]
    found = set()
    for word in set(words):
        kinds = [i for i, kind in enumerate(KINDS) if word in kind]
        own = [side for side in sides if word in side]
        if kinds or own:
            used = any(KINDS[i][word] in members[i] for i in kinds) or any(
                side & said for side in own
            )
        else:
            used = word in said
        if not used:
            found.add(word)
    return frozenset(found)


#: Prefixes that make a word its opposite ("unlikely", "illegal", "irregular"). "in-", "im-"
#: and "dis-" are left out: as often the start of an unrelated word ("inform", "impress",
#: "discover").
NEGATING_PREFIXES = ("un", "il", "ir")
#: The shortest word a prefix is read as negating: "unless" is no negated "less", "unrest"
#: no negated "rest".
PREFIXED_MIN = 5


def prefixed_opposites(
    words: Collection[str], evidence: Collection[str], *, negated: Collection[str] = ()
) -> list[tuple[str, str]]:
    """Each word of the text that is a word of the evidence with a negating prefix, or the
    evidence's word with one ("unnamed" where the evidence says "named", "legal" where it
    says "illegal"), where the evidence does not use the text's word itself: (the text's
    word, the evidence's). A word whose stem is in ``negated`` is skipped ("not unlikely")."""
    found = []
    for word in sorted(set(words) - set(evidence)):
        if len(word) < PREFIXED_MIN or word[:STEM] in negated:
            continue
        counterparts = [word[len(p) :] for p in NEGATING_PREFIXES if word.startswith(p)]
        counterparts += [p + word for p in NEGATING_PREFIXES]
        for other in counterparts:
            if len(other) >= PREFIXED_MIN and other in evidence and other[:STEM] not in negated:
                found.append((word, other))
    return found


def opposite_words(
    words: Collection[str],
    evidence: Collection[str],
    pairs: Sequence[tuple[frozenset[str], frozenset[str]]] = OPPOSITES,
    *,
    negated: Collection[str] = (),
) -> list[tuple[list[str], list[str]]]:
    """Each side of ``pairs`` the text uses where the evidence uses only the other side:
    (the text's words, the evidence's words), both sorted. A text that uses both sides
    still states the one the evidence contradicts: "the aftermath after a burn before the
    train derailed", where the evidence has the burn after the derailment. A word whose stem
    is in ``negated`` (negated in the text or the evidence) states the other side: "cheaper"
    agrees with "not the most expensive"."""
    mine = {w for w in words if w[:STEM] not in negated}
    theirs = {w for w in evidence if w[:STEM] not in negated}
    found = []
    for a, b in pairs:
        for one, other in ((a, b), (b, a)):
            used, opposite = mine & one, theirs & other
            if used and opposite and not theirs & one:
                found.append((sorted(used), sorted(opposite)))
    return found
