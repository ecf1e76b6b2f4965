"""Who says what, read from the text alone.

A model may name the wrong speaker, a fragment of a sentence, or none; the article itself
says who speaks, with a handful of constructions that news writing uses over and over:
"X said", "said X", "according to X", "X told …", "X added:", a quotation that runs on
into the next sentences, and pronoun or title subjects ("He said", "the PM said") that
point back to someone named before. These rules read those constructions and give every
sentence the speaker the text states, in the fullest form the article uses for that
person ("Starmer" and "the PM" → "Keir Starmer").

Written here rather than taken from a library: the maintained quote-attribution tools
(e.g. spaCy-based ones) need statistical models that are not on PyPI, and the rules below
are small, deterministic and explain themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from factcheck.entities import TITLES, MentionKind, name_key, word_set
from factcheck.models import Source
from factcheck.selection import NAMELESS_FURNITURE, boilerplate_reason, mentions

__all__ = ["Attribution", "Attributions", "attribute", "names_offered", "same_speaker"]

#: Verbs of saying (and of stating a position) in the forms news text uses them.
_SAY = (
    "said says say told tells added adds stated states announced announces claimed claims "
    "warned warns explained explains argued argues wrote writes noted notes insisted insists "
    "described describes revealed reveals urged urges asked asks replied replies responded "
    "confirmed confirms denied denies admitted admits acknowledged acknowledges suggested "
    "suggests predicted predicts promised promises vowed vows declared declares tweeted "
    "posted commented comments concluded recalled estimated estimates reported reports "
    "testified alleged alleges accused accuses praised praises criticised criticized "
    "blamed blames cautioned cautions pleaded demanded demands stressed stresses emphasised "
    "emphasized pledged pledges called calls continued continues conceded concedes "
    "maintained maintains believes thinks ruled rules thanked thanks expects expected "
    "expressed express expresses saying"
).split()
#: Verb phrases of saying ("released a statement").
_SAY_PHRASES = (
    r"(?:released|issued|signed|posted|put out|published) a (?:statement|post|tweet)|"
    r"said in a statement|wrote in a statement|"
    # A finding stated as one ("The coroner also found that …"); "found" alone is an event.
    r"found that|finds that|concluded that"
)
_SAY_RE = _SAY_PHRASES + "|" + "|".join(sorted(_SAY, key=len, reverse=True))
_SAY_WORDS = frozenset(_SAY)
#: The verbs that follow a closing quotation mark in "“…,” said X".
_INVERTED_SAY = "said|says|added|adds|wrote|writes|continued|asked|explained|noted|insisted|told"
#: Words that may stand between a subject and its verb ("Starmer has already pledged").
_BETWEEN = r"(?:\b(?:has|have|had|also|already|later|previously|then|has\s+also|once|again|"
_BETWEEN += r"earlier|reportedly|repeatedly|publicly|separately|subsequently|further|"
# An adverb ("reportedly") by its ending, except the nouns that end the same way: "The
# family said", "An ally said" name who spoke.
_BETWEEN += r"would|will|is|was|were|are|been|being|not|never|"
_BETWEEN += r"(?!(?:family|ally|assembly|rally|supply|monopoly|anomaly|tally|bully)\b)\w+ly)\s+)*"

_PRONOUNS = {
    "he": "person",
    "she": "person",
    "they": "group",
    "it": "body",
    "we": "group",
    "i": "self",
}
#: What a statement may be "according to" without anyone named: "police records",
#: "court documents", "official figures".
_DOCUMENTS = (
    r"records|documents|papers|filings|figures|data|statistics|estimates|reports|findings|"
    r"polls|surveys|studies"
)
#: A source after "according to" in lower case and without a determiner ("according to
#: police records, …", "according to witnesses"), where the noun-phrase rule wants a
#: capital or "the".
_BARE_SOURCE = re.compile(
    rf"\s*((?:[a-z][\w\-]*\s+){{0,2}}(?:{_DOCUMENTS}|sources|officials|police|witnesses|"
    r"analysts|experts|researchers|scientists|prosecutors|investigators|authorities|"
    r"residents))\b(?!\s+(?:of|from|by|for)\b)"
)
#: Lower-case noun phrases that name a speaker without a proper name.
_GENERIC = re.compile(
    r"^(?:the|a|an|one|two|three|several|many|some)?\s*(?:[a-z]+\s+){0,2}"
    r"(?:spokesman|spokeswoman|spokesperson|police|officials?|official|statement|ministry|"
    r"department|government|group|company|agency|council|court|campaigners?|organisers?|"
    r"organizers?|researchers?|scientists?|experts?|analysts?|authorities|prosecutors?|"
    r"lawyers?|sources?|report|study|survey|witnesses?|residents?|minister|president|"
    r"prime minister|pm|chancellor|secretary|mayor|governor|leader|chief|director|"
    r"chairman|chairwoman|ceo|founder|spokespeople|team|club|party|board|union|family|"
    r"activists|conservationists|economists|medics|paramedics|firefighters|protesters|"
    r"locals|neighbours|neighbors|relatives|critics|opponents|supporters|investigators|"
    r"officers|doctors|unions|media|"
    rf"{_DOCUMENTS})$"
)
_COUNTED_GROUP = re.compile(r"(?:One|Two|Three|Some|Several|Many|Another)\s+[a-z][^A-Z]*$")
_DETERMINERS = frozenset("his her their its our my your this that these those".split())
_QUOTE_OPEN = "“«"
#: Sentences a quotation may run on without a quotation mark before the rules stop
#: trusting an unbalanced mark.
_LONGEST_QUOTATION = 6
_QUOTE_CLOSE = "”»"


@dataclass(frozen=True)
class Attribution:
    """The speaker the text gives for one sentence.

    ``speaker``: the fullest form of the name the article uses (or the noun phrase it uses,
    "police", when it names no one). ``sentence_ids``: the sentences whose text names the
    speaker, this one first when it does. ``cue``: how the text says it.
    """

    speaker: str
    sentence_ids: tuple[str, ...]
    cue: str


@dataclass(frozen=True)
class Attributions:
    """Speakers by sentence id, and the names the article uses for people and bodies."""

    by_sentence: dict[str, Attribution]
    names: tuple[str, ...]

    def get(self, sentence_id: str) -> Attribution | None:
        return self.by_sentence.get(sentence_id)

    def canonical(self, name: str) -> str | None:
        """The article's fullest form of ``name`` ("Starmer" → "Keir Starmer"), or None
        when the article never uses that name."""
        key = _strip_titles(name_key(name))
        if not key:
            return None
        for full in self.names:
            if same_speaker(full, key):
                return full
        return None


def _strip_titles(key: str) -> str:
    words = key.split()
    while words and words[0] in TITLES:
        words.pop(0)
    return " ".join(words)


@lru_cache(maxsize=65536)
def _key(name: str) -> str:
    """The comparable form of a name: folded, without titles (cached: a long article asks
    for the same names thousands of times)."""
    return _strip_titles(name_key(name))


def same_speaker(a: str, b: str) -> bool:
    """Whether two names refer to the same speaker as far as the words go: equal after
    folding and dropping titles, or one is the other's surname or first part."""
    ka, kb = _key(a), _key(b)
    if not ka or not kb:
        return False
    if ka == kb:
        return True
    wa, wb = ka.split(), kb.split()
    short, long_ = (wa, wb) if len(wa) < len(wb) else (wb, wa)
    if not short:
        return False
    # "Starmer" ~ "Keir Starmer"; "Led by Donkeys" ~ "Led by Donkeys group" is not handled
    # on purpose: only a surname or a leading run of the full name counts.
    return short == long_[-len(short) :] or short == long_[: len(short)]


#: Words that make a capitalised name a body rather than a person.
_BODY_WORDS = frozenset(
    (
        "news travel times post journal ministry department committee authority agency "
        "organisation organization council court police party group inc corp corporation "
        "motors university institute association union company bank fund office house "
        "commission government service network foundation administration airways airlines "
        "media press tv radio digital club league federation board agency embassy army "
        "navy force forces guard reuters bbc cnn fox nbc abc cbs war world day week year act "
        "bill law accords agreement summit conference cup games olympics street road park "
        "square bridge river museum hospital school church station airport palace hall stadium "
        "centre center island city county state republic kingdom sea ocean valley lake "
        "east west north south middle"
    ).split()
)
#: A person described by whom they act or speak for: "The lawyer for X", "a friend of
#: the victim", "an adviser to the minister". The speaker is that person, never X.
_ROLES = (
    r"lawyers?|attorneys?|solicitors?|barristers?|counsel|spokesman|spokeswoman|"
    r"spokesperson|representatives?|agents?|advisers?|advisors?|aides?|boss|head|chief|"
    r"friends?|wife|husband|partner|mother|father|son|daughter|brother|sister|relatives?|"
    r"neighbou?rs?|manager|coach|doctors?"
)
_ROLE_FOR = re.compile(
    rf"((?:[Tt]he|[Aa]n?)\s+(?:[a-z][\w\-]*\s+){{0,2}}(?:{_ROLES})\s+(?:for|of|to)\s+"
    r"(?:(?:the|a|an|[a-z][\w’'\-]*)\s+){0,3})$"
)
#: Someone's person, by a possessive: "Mr Luciw's family", "Starmer's spokesman", "His
#: lawyer". The owner's words are capitalised ("Mr", "Jak's"), or a personal pronoun.
_POSSESSIVE_ROLE = re.compile(
    r"(?<![\w’'])((?:(?:[A-Z][\w.\-]*\s+){0,3}[A-Z][\w.\-]*['’]s|[Hh]is|[Hh]er)\s+"
    rf"(?:[a-z][\w\-]*\s+)?(?:{_ROLES}|family|parents|widow|widower|children))$"
)
_ROLE_OF = re.compile(rf"^(?:[a-z][\w\-]*\s+){{0,2}}(?:{_ROLES})\s+(?:for|of|to)\s")
_BODY_NOUN = re.compile(
    r"\b(?:company|firm|startup|start-up|automaker|carmaker|group|agency|ministry|"
    r"organisation|organization|airline|bank|retailer|maker|giant|regulator|insurer|"
    r"broadcaster|publisher|charity|campaign group|manufacturer|developer|operator)$"
)
_NAME_RUN = re.compile(
    r"(?:[A-Z][\w.'’\-]*|by|of|the|and|for)(?:\s+(?:[A-Z][\w.'’\-]*|by|of|the|and|for))*"
)
_QUOTED = re.compile(r"[“”«»\"]")


def _after_titles(name: str) -> str:
    """ "Israel's Prime Minister Benjamin Netanyahu" → "Benjamin Netanyahu": the words after
    the last title are the name."""
    words = name.split()
    last = max(
        (
            k
            for k, w in enumerate(words[:-1])
            if name_key(w).strip("-") in TITLES or ("-" in w and w.islower())
        ),
        default=-1,
    )
    return " ".join(words[last + 1 :]) if last >= 0 else name


#: Lowercase words inside personal names ("Romening dos Santos Silva", "Ursula von der
#: Leyen", "Mohammed bin Salman"): no word of a sentence, so a name runs on across them.
_PARTICLES = frozenset("de dos da das du del della di der den van von al bin ibn".split())
_PARTICLE_RE = "|".join(sorted(_PARTICLES, key=len, reverse=True))


def _person_like(name: str) -> bool:
    words = name.split()
    return (
        2 <= len(words) <= 4
        and all(w[:1].isupper() for w in words if w.lower() not in _PARTICLES)
        and not any(w.lower().strip(".,") in _BODY_WORDS for w in words)
        and not any(len(w) > 1 and w.isupper() for w in words)
    )


#: Compiled once: each name mention of a document passes them.
_POSSESSIVE_END = re.compile(r"['’]s$")
_DESCRIBED_BORN = re.compile(r"\w-[a-z]")


class _Names:
    """The names of one article and their fullest forms, in order of first use.

    Forms are indexed by their first and last word: two names are the same speaker only
    when one is a leading or trailing run of the other, so only forms sharing one of those
    words need comparing (a long transcript has thousands of names)."""

    def __init__(
        self, sentences: tuple[tuple[str, str, bool], ...], *, furniture: bool = False
    ) -> None:
        self._full: dict[str, None] = {}
        self._by_word: dict[str, set[str]] = {}
        self.first_seen: dict[str, int] = {}
        self.by_sentence: list[list[str]] = []
        self.titled: dict[str, str] = {}
        #: Names the article gives with a personal title ("Mr Schmidt"): a person, even
        #: when only the surname is used.
        self.personal: set[str] = set()
        for index, (_, sentence_text, _) in enumerate(sentences):
            here: list[str] = []
            if not furniture and boilerplate_reason(sentence_text) in NAMELESS_FURNITURE:
                # "(Also see "Moderna Chalks Up Industry Milestone …")": a headline's
                # capitalised words are no one's name, and would become the fullest
                # form of "Moderna" everywhere.
                self.by_sentence.append(here)
                continue
            for mention in mentions(sentence_text):
                if mention.kind is not MentionKind.name:
                    continue
                text = _POSSESSIVE_END.sub("", mention.text)
                if _DESCRIBED_BORN.search(text):
                    # "Los Angeles-born Johnson": a description, not a form of the name.
                    text = text.split()[-1]
                here.append(text)
                self._remember_title(sentence_text, mention.start, text)
                self._remember_apposed_title(sentence_text, mention.end, text)
                self._add(text, index)
            self.by_sentence.append(here)

    @property
    def full(self) -> list[str]:
        return list(self._full)

    def _candidates(self, name: str) -> set[str]:
        words = _key(name).split()
        if not words:
            return set()
        return self._by_word.get(words[0], set()) | self._by_word.get(words[-1], set())

    def _add(self, text: str, index: int) -> None:
        same = [f for f in self._candidates(text) if same_speaker(text, f)]
        if any(len(f) >= len(text) for f in same):
            return
        # A longer form replaces the shorter ones it extends.
        for form in same:
            self._full.pop(form, None)
            for word in {_key(form).split()[0], _key(form).split()[-1]}:
                self._by_word.get(word, set()).discard(form)
        self._full[text] = None
        words = _key(text).split()
        if words:
            for word in {words[0], words[-1]}:
                self._by_word.setdefault(word, set()).add(text)
        self.first_seen.setdefault(text, index)

    def knows(self, name: str) -> bool:
        """Whether the article uses ``name`` or a longer form of it."""
        return any(same_speaker(name, f) for f in self._candidates(name))

    def _remember_apposed_title(self, text: str, end: int, name: str) -> None:
        """ "David Mackintosh, Conservative MP for Northampton South, …": the title in the
        aside right after a name is that person's, so "the MP" later is him."""
        aside = _APPOSED_TITLE.match(text, end)
        if aside is None:
            return
        title = aside.group("title").lower()
        if title in TITLES and title not in ("former", "acting", "deputy", "vice"):
            self.titled.setdefault(title, name)

    def _remember_title(self, text: str, start: int, name: str) -> None:
        before = text[max(0, start - 40) : start].lower().split()
        titles = []
        for word in reversed(before):
            stem = word.strip(",.").replace("’", "'")
            if stem in TITLES or stem in ("ukrainian", "us", "french", "british", "russian"):
                titles.append(stem)
                continue
            break
        if any(t in _PERSONAL_TITLES for t in titles):
            self.personal.add(_after_titles(name))
        for title in titles:
            if title in TITLES and title not in ("former", "acting", "deputy", "vice"):
                self.titled.setdefault(title, name)
        if "prime" in titles and "minister" in titles:
            self.titled.setdefault("prime minister", name)

    def canonical(self, name: str) -> str:
        """The longest form of ``name`` the article uses (the name itself if longer)."""
        forms = [full for full in self._candidates(name) if same_speaker(full, name)]
        best = max(forms, key=lambda f: (len(f), f), default=name)
        return name if len(name_key(name)) > len(name_key(best)) else best


#: ", the Conservative MP for …" / ", chief executive of …": a title within the first few
#: words of an aside.
_APPOSED_TITLE = re.compile(
    r"['’]?s?,\s+(?:the\s+|a\s+|an\s+)?(?:[\w’'\-]+\s+){0,3}?(?P<title>[A-Za-z]+)\b"
    r"(?=\s*(?:,|of\b|for\b|at\b|in\b))"
)


#: " - who has analysed soil samples -" right before a verb: an aside set off by dashes.
_DASH_ASIDE = re.compile(r"\s[-–—]\s[^-–—]{2,150}\s[-–—]$")
#: Words that stand where a subject would and are nobody.
_NOT_A_SUBJECT = frozenset(
    "when as while if although though because since after before "
    "monday tuesday wednesday thursday friday saturday sunday today yesterday".split()
)


def _noun_phrase_before(text: str, end: int) -> str:
    """The noun phrase that ends at ``end`` (the subject of a following verb)."""
    head = text[:end].rstrip()
    head = re.sub(rf"\s*{_BETWEEN}$", "", head + " ").rstrip()
    # "The International Committee of the Red Cross (ICRC) says": the short form in
    # brackets stands beside the name, which is the subject.
    head = re.sub(r"\s*\([^()]{1,40}\)$", "", head)
    aside = _DASH_ASIDE.search(head)
    if aside:
        # "Dr Loader - who has analysed soil samples - said": the subject stands before
        # the aside set off by dashes.
        head = head[: aside.start()].rstrip()
    kin = _POSSESSIVE_ROLE.search(head)
    if kin is not None:
        # "Mr Luciw's family said", "Her lawyer told": the person of someone named.
        return kin.group(1)
    counted = _COUNTED_BEFORE.search(head) or _POSSESSIVE_BODY.search(head)
    if counted is not None and not re.search(
        r"\b(?:for|of|to|from|at|in|on|with|by)\s+$", head[: counted.start(1)]
    ):
        # After "A spokesman for" the body is whom the person speaks for (below).
        return counted.group(1)
    group = _GROUP_BEFORE.search(head)
    if group is not None and not re.match(r"(?:the|a|an)\s", group.group(1), re.IGNORECASE):
        # "…, health officials have said": nothing capitalised to anchor on, and no "the".
        return group.group(1)
    match = re.search(
        rf"((?<![\w’'])(?:[A-Z][\w’'.\-]*|of|for|by|the|and|{_PARTICLE_RE})(?:\s+(?:[A-Z][\w’'.\-]*|"
        rf"of|for|by|the|and|{_PARTICLE_RE}))*|\b[Hh]e|\b[Ss]he|\b[Tt]hey|\b[Ww]e|\b[Ii]t|\bI|"
        # An acronym's dots inside the words: "The U.S. attorney's office said".
        r"\b(?:[Tt]he|[Aa]n?)\s+(?:(?:(?:[A-Z]\.){2,}|[\w’'\-]+)\s+){0,4}[\w\-]+)$",
        head,
    )
    if not match:
        return ""
    phrase = match.group(1).strip()
    # Drop leading connectors the pattern allowed inside names ("of", "the").
    phrase = re.sub(rf"^(?:of|for|by|and|{_PARTICLE_RE})\s+", "", phrase)
    # "The death occurred when police": the subject is the one after the last clause
    # word; "And Zwanziger": a sentence's opening conjunction is no part of a name.
    phrase = re.split(
        r"\s(?:when|while|where|after|before|because|as|if|that|which|who|heard|but)\s", phrase
    )[-1]
    phrase = re.sub(
        r"^(?:And|But|So|Yet|Or|Meanwhile|However|Also|Now|Then|As|When|While|If|Although|"
        r"Though|Because|Since|After|Before)\s+",
        "",
        phrase,
    )
    if phrase.split()[-1:] in (["who"], ["which"], ["that"]) or phrase.casefold() in _NOT_A_SUBJECT:
        # "the political leaders who said": the verb is the relative clause's; "When
        # asked", "Friday stated": a conjunction or a day is nobody.
        return ""
    before = head[: len(head) - len(match.group(1))]
    relative = re.search(r"(,\s*)?\b(who|which)\s+(?:[a-z][\w’'\-]*\s+){1,4}$", before)
    if relative:
        # "Pam Whitlam, who worked at the farm's cafe, said": the name is the object in a
        # relative clause; the one who said is the person "who" stands for, before the
        # comma. After "which" (a body or a thing) or without a comma the subject is
        # further back than this rule can tell: no speaker rather than a wrong one.
        if relative.group(1) and relative.group(2) == "who":
            return _noun_phrase_before(text, relative.start())
        return ""
    role = _ROLE_FOR.search(before) if phrase[:1].isupper() else None
    if role is not None:
        # "The lawyer for surviving assailant Edgar Ricardo de Oliveira said": the lawyer.
        return role.group(1) + phrase
    # ``lead`` is the text before ``phrase`` (a prefix of ``text``), so its offsets are
    # the text's.
    lead = before + match.group(1)[: len(match.group(1)) - len(phrase)]
    object_of = _OBJECT_OF.search(lead)
    if object_of is not None:
        # "Webb's latest observation of the cluster has revealed", "Data from the trial
        # announced": the phrase is a preposition's object, and the verb's subject is the
        # noun before it. People of a place or body speak ("Scientists at the University
        # of Oxford said"); anything else is no speaker rather than the wrong one.
        if object_of.group("people"):
            return object_of.group("people") + object_of.group("prep") + " " + phrase
        named = _NAMED_LAST.search(" " + phrase)
        if named is not None and _person_like(named.group(1)):
            return named.group(1)
        who = _WHO_CLAUSE.search(lead)
        if who is not None:
            return _noun_phrase_before(text, who.start())
        apposition = _APPOSITION.match(lead)
        if apposition is not None and _person_like(_after_titles(apposition.group("name"))):
            return apposition.group("name")
        # "Prof Kevin Morgan from the University of Nottingham said", "Steve Innes, from
        # Sunderland, told", "Police in Hamelin, in Lower Saxony, say": who is named
        # before the preposition is the speaker.
        person = _noun_phrase_before(text, len(lead[: object_of.start("prep")].rstrip(" ,")))
        if _person_like(_after_titles(person)) or _PEOPLE_OF.search(person + " "):
            return person
        return ""
    # A participle is followed by its own words in lower case ("Speaking on Radio 4");
    # "Downing Street" and "Reading Council" are names.
    if re.match(r"^[A-Z][a-z]+ing(?:\s+[a-z]|$)", phrase) or re.search(
        r"\b(?:what|how|why|whether)\s*$", before
    ):
        # "Speaking on Radio 4, he said": a participle's clause; "what the move said
        # about …": an indirect question. Neither names a speaker.
        return ""
    return phrase


def _noun_phrase_after(text: str, start: int) -> str:
    """The noun phrase that starts at ``start`` (the subject after an inverted verb)."""
    tail = text[start:]
    match = re.match(
        r"\s*((?:(?:the|a|an)\s+)?[A-Z][\w’'.\-]*"
        r"(?:\s+(?:[A-Z][\w’'.\-]*|of|for|the|[a-z]+(?=\s+[A-Z])))*"
        r"|(?:the|a|an)\s+(?:[\w\-]+\s+){0,2}[\w\-]+)",
        tail,
    )
    if not match:
        return ""
    phrase = match.group(1).strip().rstrip(".,;:")
    phrase = re.split(r",|\s+(?:who|which|that|in|on|at|after|before|when|because)\b", phrase)[
        0
    ].strip()
    # "said the 31-year-old afterwards": a closing adverb is no part of the speaker.
    return re.sub(
        r"\s+(?:afterwards|later|yesterday|today|tonight|recently|earlier|too|also|again|"
        r"\w+ly)$",
        "",
        phrase,
    )


#: "an example provided by", "a statement issued by": what is cited, then who issued it.
_DOCUMENT_BY = re.compile(
    r"(?:an?|the)\s+(?:[\w\-]+\s+){0,3}?(?:provided|issued|published|released|written|"
    r"given|prepared|posted|shared|sent|filed)\s+by\s+"
)
_ACCORDING = re.compile(r"\baccording to\s+", re.IGNORECASE)
#: ``(?=[A-Za-z0-9])``: "“…,” said 24-year-old forward Evans" names a speaker too.
_INVERTED = re.compile(rf"[,.!?]?[”\"’']\s*,?\s*(?:{_INVERTED_SAY})\s+(?=[A-Za-z0-9])")
#: ", say police." / ", said the spokesman." at the end of a sentence without quotation.
#: Groups that news reports quote without a determiner ("police said", "say officials").
_GROUPS = (
    "police|officials|sources|investigators|prosecutors|authorities|witnesses|analysts|"
    "officers|experts|residents|organisers|organizers|doctors|campaigners|activists|"
    "scientists|researchers|conservationists|economists|medics|paramedics|firefighters|"
    "protesters|locals|neighbours|neighbors|relatives|critics|opponents|supporters|unions|"
    "media"
)
_TRAILING_INVERTED = re.compile(
    r",\s*(?:said|says|say|added|adds|reported|reports|report|wrote|writes|noted|notes)\s+"
    r"(?P<who>(?:(?:the|a|an)\s+(?:(?!(?:was|were|is|are|be|been|had|has|have|would|will|"
    # An object pronoun or a particle makes it a clause: "…, said the man gave himself up."
    r"could|did|does|that|himself|herself|themselves|itself|him|them|it|up|out|down|off|"
    r"away|back)\b)[\w’'\-]+\s*){1,4}|[A-Z][\w’'.\-]*(?:\s+[A-Z][\w’'.\-]*){0,3}|"
    rf"{_GROUPS}))\s*[.!]?\s*$"
)
#: A group set off after a comma as the speaker of what comes before it ("…, health
#: officials have said", "…, US officials said"): up to two words of description, then
#: the group.
#: Forms of the verbs of saying that are as often plural nouns; followed by punctuation,
#: they are the noun ("disease states,", "the claims.").
_NOUN_OR_VERB = frozenset(
    "states claims notes reports comments calls rules thanks promises demands estimates "
    "stresses pledges vows praises cautions blames".split()
)
_ENDS_PHRASE = re.compile(r"\s*[,;:)]")
_POSSESSED = re.compile(
    r"(?:['’]s|\b(?:its|his|her|their|our|my|your))(?:\s+[\w\-]+)?\s*$", re.IGNORECASE
)
#: What stands before a plural noun and never before a verb: a number or a determiner.
_COUNTED = re.compile(
    r"(?:\b(?:\d[\d,.]*|the|these|those|its|their|our|many|several|some|such|no|first|"
    r"latest|two|three|four|five|six|seven|eight|nine|ten|dozens|hundreds|thousands)"
    r"|\b(?:his|her|my|your))\s+$",
    re.IGNORECASE,
)
#: The object of "claimed" when it is something taken or won.
_CLAIMED_THING = re.compile(
    r"\s+(?:(?:the|a|an|his|her|their|its|one|about|around|more|than|at|least|over|nearly|"
    r"some|\d[\d,]*)\s+){0,3}(?:lives|life|victims|bronze|silver|gold|medals?|titles?|"
    r"trophy|crown|wickets?|win|victory|seats?|break|place|ships|points)\b",
    re.IGNORECASE,
)
_PLEA = re.compile(r"\s+(?:not\s+)?(?:guilty|innocent|no contest)\b", re.IGNORECASE)
#: Base forms of verbs of saying and believing, read as verbs only after a group.
#: ("report" is left out: "the police report said" is a document, not the police.)
_GROUP_VERBS = (
    "estimate believe warn claim argue suggest expect predict insist deny admit confirm fear "
    "allege accuse think"
).split()
_GROUP_VERB = re.compile(
    rf"\b(?i:{_GROUPS})\s+(?:also\s+|now\s+)?(?P<verb>{'|'.join(_GROUP_VERBS)})\b"
)
#: Auxiliary verbs: a phrase holding one is a clause ("The plant will close"), no subject.
_CLAUSE_VERB = re.compile(r"\b(?:has|have|had|is|are|was|were|will|would|could|did|does)\b")
_GROUP_BEFORE = re.compile(
    r"(?:^|,\s+)(?:(?i:and|but|or|so|yet|while|as)\s+)?"
    # Not after a preposition: "The Syrian government, via state media, denied".
    r"((?:(?!(?i:and|but|or|so|yet|while|as|which|who|that|when|where|via|through|by|from|"
    rf"with|in|on|at|of)\b)[\w’'\-]+\s+){{0,2}}(?:{_GROUPS}))$"
)
#: "One analyst said", "Some residents say": a counted description, no name in it.
_COUNTED_BEFORE = re.compile(
    r"(?:^|[,;:]\s+)((?:One|Some|Two|Three|Several|Many|Another)\s+"
    # Not "One of them": that one is of a group the text named before.
    r"(?:(?!of\b)[a-z][\w\-]*\s+){0,2}(?!of\b|them\b)[a-z][\w\-]*)$"
)
#: "Russia's sports ministry has said": a body of a country or organisation, by a
#: possessive; its name is the owner's, so it is a speaker though not in the name list.
_POSSESSIVE_BODY = re.compile(
    r"(?<![\w’'])(?!(?:That|It|There|Here|What|Who|Where|He|She|Let|This)['’]s\b)"
    r"((?:[A-Z][\w.\-]*\s+){0,2}[A-Z][\w.\-]*['’]s\s+(?:[a-z][\w\-]*\s+){0,2}"
    r"(?:ministry|government|department|office|embassy|army|military|police|council|"
    r"commission|agency|regulator|parliament|cabinet|media|foreign ministry))$"
)
#: Nouns for people who speak as a group or in a role ("critics of the plan", "lawyers at
#: Mishcon de Reya"): before a preposition, they are the subject.
_PEOPLE = (
    rf"{_GROUPS}|{_ROLES}|members|staff|scientists|researchers|leaders|people|workers|"
    r"employees|students|lawmakers|politicians|activists|campaigners|protesters|families|"
    r"victims|passengers|fans|critics|opponents|supporters|teachers|parents|judges|"
    r"justices|ministers"
)
#: Not "with": "with Tory Graham Simpson saying" makes the name the subject.
_PREPOSITIONS = r"of|from|in|at|on|among|within|inside|near"
#: A preposition right before a noun phrase that stands where a subject would: the
#: phrase is its object. ``people``: the subject when it is people of that place or body.
_OBJECT_OF = re.compile(
    r"(?:(?P<people>(?<![\w’'\-])(?:(?:[Tt]he|[Aa]n?|[Ss]ome|[Tt]wo|[Tt]hree|[Ss]everal|[Mm]any)\s+)?"
    r"(?:(?!(?i:and|but|or|so|yet|while|as)\b)[\w\-]+\s+)?"
    rf"(?i:{_PEOPLE})\s+)|\s|^)(?P<prep>{_PREPOSITIONS})\s+$"
)
_PEOPLE_OF = re.compile(rf"\b(?i:{_PEOPLE})\s+(?:{_PREPOSITIONS})\s")
#: "Trevor Hicks, whose daughters … died in the disaster, said": the person the relative
#: clause describes is the subject.
_WHO_CLAUSE = re.compile(r",\s+(?:who|whose)\b")
#: "Match of the Day presenter Gary Lineker": a name after a describing word ends the
#: phrase, and is the person it names.
_NAMED_LAST = re.compile(
    rf"\s(?!(?:of|for|by|and|the|{_PARTICLE_RE})\s)[a-z][\w\-]*\s+"
    r"((?:[A-Z][\w’'.\-]*\s+){1,2}[A-Z][\w’'.\-]*)$"
)
#: "Steve Ford, the dementia care lead for Care Forum Wales, …, believes": a sentence that
#: opens with a name and a description set off by a comma has that person as its subject.
_APPOSITION = re.compile(
    r"^(?:(?:But|And)\s+)?(?P<name>(?:[A-Z][\w’'.\-]*\s+){1,3}[A-Z][\w’'.\-]*),\s+"
    r"(?:(?:the|a|an)\s+)?(?:[A-Z][\w\-]*\s+)?[a-z]"
)
#: A sentence whose subject is a person it does not name: "One Londoner who drove …",
#: "A woman in the crowd …".
_UNNAMED_SUBJECT = re.compile(
    r"^\s*(?P<who>(?:One|A|An|Another)\s+(?:[\w\-]+\s+){0,2}?(?:[A-Z][a-z]+ers?|man|woman|"
    r"boy|girl|resident|witness|user|viewer|fan|driver|passenger|motorist|shopper|"
    r"teenager|student|worker|neighbour|neighbor|reader|listener|customer|mother|father|"
    r"passer-by|onlooker|local|commuter))\b"
)
#: Titles only people have.
_PERSONAL_TITLES = frozenset("mr mrs ms miss dr sir dame lord lady prof professor".split())
#: "“…”: Domino's Pizza CEO Don Meij." — a quotation captioned with its speaker.
_CAPTIONED = re.compile(r"[”\"]\s*[:—–-]\s*(?P<who>[^.“”\"]{3,80})\.?\s*$")
#: "Name, the assistant director of …, said" / "The startup, which …, said": the subject
#: stands before an aside set off by commas.
_APPOSITIVE = re.compile(
    rf"(?:^|(?<=[,:;“”\"]\s)|(?<=[“”\"]))"
    rf"(?P<who>(?:The|A|An)\s+[\w.'’\-]+(?:\s+[\w.'’\-]+){{0,4}}|"
    rf"[A-Z][\w.'’\-]*(?:\s+(?:[A-Z][\w.'’\-]*|of|{_PARTICLE_RE})){{0,4}}),\s+"
    rf"(?P<aside>(?:the\s+|a\s+|an\s+|who\s+|which\s+)?[^,“”\"]{{2,120}}),?\s+{_BETWEEN}"
    rf"(?:{_SAY_RE})\b"
)
_SUBJECT_VERB = re.compile(rf"\b(?:{_SAY_RE})\b")


_ALL_QUOTES = ('"', *_QUOTE_OPEN, *_QUOTE_CLOSE)


def _outside_quotes(text: str, inside: bool) -> str:
    """``text`` with the words inside quotation marks blanked (offsets kept): a verb of
    saying inside a quotation ("as I said") does not name the quotation's speaker."""
    if not any(mark in text for mark in _ALL_QUOTES):
        # Most sentences hold no quotation mark: nothing to blank, or all of it.
        return re.sub(r"\S", " ", text) if inside else text
    out = []
    for char in text:
        if char in _QUOTE_OPEN:
            inside = True
            out.append(char)
        elif char in _QUOTE_CLOSE:
            inside = False
            out.append(char)
        elif char == '"':
            inside = not inside
            out.append(char)
        else:
            out.append(" " if inside and not char.isspace() else char)
    return "".join(out)


#: "was criticised", "were told", "is expected": a passive verb's subject is what was said
#: about or to, not who said it.
_PASSIVE = re.compile(
    r"\b(?:am|is|are|was|were|be|been|being|get|gets|got)\s+"
    r"(?:(?:\w+ly|first|also|later|once|never|not|widely|since)\s+)?$",
    re.I,
)
#: "… by" after a passive verb of saying: the agent is the one who said it.
_BY_AGENT = re.compile(r"\s+by\s+")
#: Words before "say" that make it the noun ("have the final say", "a say in").
_NOUN_SAY = frozenset(
    "a an the final last first their his her its our your my no any some more real big "
    "little equal full greater bigger".split()
)
#: "… and said": a second verb of the sentence's subject (the match ends at the verb).
_AND_VERB = re.compile(r"\s(?:and|but)\s+(?:also\s+|then\s+|later\s+)?$")
#: The verbs of saying that "… and" joins to a subject's other act: only those that are
#: nothing but saying ("maintained the club's status" is an act).
_AND_SAY = frozenset(
    "said says told tells added adds warned warns insisted insists argued argues urged "
    "urges denied denies admitted admits confirmed confirms stressed stresses".split()
)
#: The subject that opens a sentence: a pronoun, or a name that may run on across "of"
#: and "the" ("US Secretary of State John Kerry meanwhile accused").
_OPENING_SUBJECT = re.compile(
    r"^\s*(?P<np>(?:He|She|It|They|We)|[A-Z][\w.'’\-]*(?:\s+(?:(?:of|the|and|for)\s+)*"
    r"[A-Z][\w.'’\-]*)*)\s+(?:\w+ly\s+)?[a-z]+"
)
#: Capitalised words that open a sentence and name no one.
_NOT_NAMES = frozenset(
    "The A An This That These Those But And So Yet Or If When While As After Before It's "
    "In On At For From With By Its Their His Her Our My Your".split()
)
#: After a quotation's "said": a description that opens in lower case or with a number
#: and ends in a lower-case noun, then the name, which ends the clause ("said cricket
#: director and head coach Ashley Giles", "says her agent Luke Lloyd Davies", "said former
#: England batsman Geoffrey Boycott", "said 24-year-old Bayern Munich forward Evans.").
_DESCRIBED_AFTER = re.compile(
    r"(?![A-Z])(?:[\w’'\-]+\s+){1,6}?(?<=[a-z]\s)"
    r"(?P<name>[A-Z][\w’'.\-]*(?:\s+[A-Z][\w’'.\-]*){0,3})"
    r"(?=\s*(?:[.,;:!?]|$)|\s+(?:on|in|at|after|before|when|who|as)\b)"
)
#: The subject a sentence opens with: a run of capitalised words or a pronoun, followed
#: by a lower-case verb.
_SENTENCE_SUBJECT = re.compile(
    r"^\s*(?P<np>(?:He|She|It|They|We|I)|[A-Z][\w.'’\-]*(?:\s+[A-Z][\w.'’\-]*){0,3})"
    r"\s+(?:\w+ly\s+)?[a-z]+"
)
#: "will express", "is due to announce", "could say": not said (yet), whoever may say it.
_NOT_YET = re.compile(
    # Case matters: "Mrs May said" and "Theresa May also said" name who spoke.
    r"\b(?:[Ww]ill|[Ww]ould|[Cc]ould|may|[Mm]ight|[Ss]hall|[Ss]hould|[Mm]ust|[Cc]an|[Tt]o)\s+"
    r"(?:\w+ly\s+|also\s+|not\s+)?$"
)
#: Participles that, right before "for"/"of"/"by"/"as", describe what was done to the
#: phrase before them ("the multinationals criticised for …", "a man accused of …").
_REDUCED_PASSIVE = frozenset(
    "criticised criticized praised blamed accused described reported alleged expected "
    "told asked thanked".split()
)
#: A noun phrase that ends in a subject pronoun after other words: a relative clause.
_RELATIVE_CLAUSE = re.compile(r"\S\s+(?:he|she|they|we|I|you|it)$")


def _not_saying(text: str, verb: re.Match[str]) -> bool:
    """Whether a verb-of-saying match is no act of saying by the phrase before it: a
    passive ("was criticised", "one of the firms criticised for"), something not yet said
    ("will express", "is due to announce"), the noun "say" ("the final say"), or "denied"
    a person (a goalkeeper's save)."""
    return _not_saying_at(text, verb.start(), verb.end())


def _not_saying_at(text: str, start: int, end: int) -> bool:
    word = text[start:end]
    before = text[:start]
    after = text[end:]
    if word != "saying" and _PASSIVE.search(before):
        return True
    if _NOT_YET.search(before):
        return True
    if word in _REDUCED_PASSIVE and re.match(r"\s+(?:for|of|by|as)\b", after):
        return True
    if word == "denied" and re.match(r"\s+[A-Z][a-z]", after):
        return True
    if word == "called" and not re.match(r"\s+(?:for|on|upon|it)\b", after):
        return True  # "a rare cancer called …": a name given, nothing said
    if word in _NOUN_OR_VERB and (
        _ENDS_PHRASE.match(after) or (after.lstrip().startswith(".") and _POSSESSED.search(before))
    ):
        # "across a wide variety of disease states, the report showed", "following Mr
        # Clark's comments.": the noun. A verb ends a sentence after its subject ("…, the
        # Dallas Observer reports.").
        return True
    if word in _NOUN_OR_VERB and _COUNTED.search(before):
        # "published 21 reports", "the first notes of": after a number or a determiner the
        # word is the plural noun.
        return True
    if word in ("claimed", "claims", "claim") and _CLAIMED_THING.match(after):
        # "claimed about 30 lives", "claimed bronze": something taken or won, not said.
        return True
    if word == "pleaded" and _PLEA.match(after):
        return True  # "An Australian pleaded guilty": a plea in court, not a statement
    previous = before.split()[-1:] or [""]
    return word == "say" and previous[0].casefold() in _NOUN_SAY


#: Words without which no cue below can match (the verbs of saying, "according", the nouns
#: of "released a statement", the verbs of a trailing ", say police"): a sentence holding
#: none of them, and no quotation mark, is passed over by a set look-up, because the cue
#: patterns are slow to run on each of a long document's thousands of sentences.
_CUE_WORDS = (
    _SAY_WORDS
    | frozenset("according report statement post tweet found finds concluded".split())
    | frozenset(_GROUP_VERBS)
)


def _may_name_speaker(text: str) -> bool:
    if any(mark in text for mark in _ALL_QUOTES):
        return True
    return not _CUE_WORDS.isdisjoint(word_set(text))


def _cues(text: str) -> list[tuple[str, str]]:
    """(noun phrase, cue) pairs for the speakers a sentence names, best first."""
    return _scan_cues(text) if _may_name_speaker(text) else []


#: After an attribution verb: a comma and more of the sentence that is not a quotation.
_PARENTHETICAL_END = re.compile(r"\s*,\s*(?![“\"‘'])\w")


def _scan_cues(text: str) -> list[tuple[str, str]]:
    """What :func:`_cues` finds, without the word-set guard (a parity test runs both)."""
    found: list[tuple[str, str]] = []
    for m in _ACCORDING.finditer(text):
        document = _DOCUMENT_BY.match(text, m.end())
        # "according to an example provided by the agency": the agency says it.
        phrase = _noun_phrase_after(text, document.end() if document else m.end())
        bare = None if phrase or document else _BARE_SOURCE.match(text, m.end())
        if bare is not None:
            phrase = bare.group(1)
        if phrase:
            found.append((phrase, "according to"))
    for m in _INVERTED.finditer(text):
        phrase = _noun_phrase_after(text, m.end())
        role_first = None if phrase else _DESCRIBED_AFTER.match(text, m.end())
        if role_first is not None:
            # "“…,” said cricket director and head coach Ashley Giles": the name after
            # the description.
            phrase = role_first.group("name")
        if phrase:
            found.append((phrase, "said X"))
    trailing = _TRAILING_INVERTED.search(text)
    if trailing:
        # "… is believed to be out of danger, say police.": the speaker closes the sentence.
        found.append((trailing.group("who"), "said X"))
    captioned = _CAPTIONED.search(text)
    if captioned:
        found.append((captioned.group("who").strip(), "quotation captioned"))
    for m in _APPOSITIVE.finditer(text):
        verb = re.search(r"\S+$", m.group(0))
        if verb is not None and _not_saying_at(text, m.start() + verb.start(), m.end()):
            continue  # "Kate Frame, has been asked to …"
        who, aside = m.group("who").strip(), m.group("aside").strip()
        if _PARENTHETICAL_END.match(text, m.end()):
            # "The company, the report said, lost money": the sentence goes on after
            # "said,", so "the report said" is an aside within it and the report speaks;
            # the X-said rule finds it. "Smith, the mayor, said" ends or goes on without
            # a comma ("said on Monday", "said:").
            continue
        if _CLAUSE_VERB.search(who) or _GROUP_BEFORE.match(aside):
            # "An 11-year-old girl has died, health officials said", "A girl died,
            # police said": a clause, not a subject with an aside; the speaker is the
            # one after the comma.
            continue
        described = (
            who[:1].islower() or who.split()[0] in ("The", "A", "An") or who.split()[-1].islower()
        )
        # "The group responsible, Led by Donkeys, wrote": the aside is the name.
        if described and _NAME_RUN.fullmatch(aside):
            found.append((aside, "X, …, said"))
        found.append((who, "X, …, said"))
    for m in _GROUP_VERB.finditer(text):
        # "Western officials estimate it to be …": after a plural subject the base form is
        # the verb, though alone "estimate" and "fear" are as often nouns.
        phrase = _noun_phrase_before(text, m.start("verb"))
        if phrase:
            found.append((phrase, "X said"))
    for m in _SUBJECT_VERB.finditer(text):
        agent = _BY_AGENT.match(text, m.end())
        if agent and _PASSIVE.search(text[: m.start()]):
            # "The guilty pleas were first reported by the Wall Street Journal".
            phrase = _noun_phrase_after(text, agent.end())
            if phrase:
                found.append((phrase, "said by X"))
            continue
        if _not_saying(text, m):
            continue
        phrase = _noun_phrase_before(text, m.start())
        if _RELATIVE_CLAUSE.search(phrase):
            # "the only player he called upon": the verb belongs to a clause about the
            # phrase, whose subject is the pronoun; the phrase said nothing.
            continue
        if phrase:
            found.append((phrase, "X said"))
        if m.group(0) in _AND_SAY and _AND_VERB.search(text[: m.start()]):
            # "PJS opposed that application and said the ban should stay": the verb shares
            # the sentence's subject.
            subject = _OPENING_SUBJECT.match(text)
            if subject and subject.group("np").split()[0] not in _NOT_NAMES:
                found.append((subject.group("np"), "X … and said"))
        before = text[: m.start()].rstrip()
        if before.endswith(",") and m.group(0) == "saying":
            # "Vettel confronted Kvyat …, saying": the one saying is the sentence's
            # subject, not whatever stands before the comma.
            subject = _SENTENCE_SUBJECT.match(text)
            if subject:
                found.append((subject.group("np"), "X …, saying"))
        elif before.endswith(","):
            # "Watson's attorney, Lanny Breuer, told …": the name just before the comma.
            phrase = _noun_phrase_before(text, len(before) - 1)
            if phrase:
                found.append((phrase, "X said"))
    return found


def _opens_quote(text: str) -> bool:
    return text.lstrip()[:1] in _QUOTE_OPEN + '"'


def _still_open(text: str, inside: bool) -> bool:
    """Whether a quotation is open after ``text``, given whether one was open before it.

    A quotation that runs over several paragraphs reopens each with an opening mark and
    closes only at its end, so inside a quotation a sentence keeps it open until a closing
    mark ends it."""
    opens = sum(text.count(c) for c in _QUOTE_OPEN)
    closes = sum(text.count(c) for c in _QUOTE_CLOSE)
    straight = text.count('"')
    if not inside:
        return opens > closes or straight % 2 == 1
    if opens or closes:
        return closes == 0 or opens > closes
    if straight:
        return straight % 2 == (1 if _opens_quote(text) else 0)
    return True


def attribute(source: Source) -> Attributions:
    """The speaker the text gives for each sentence of ``source`` that has one (cached per
    text: grounding asks for every claim)."""
    return _attribute(_sentence_rows(source))


def _sentence_rows(source: Source) -> tuple[tuple[str, str, bool], ...]:
    """(id, text, opens a paragraph) for each sentence: the rules' view of a source."""
    text = source.text
    return tuple(
        (s.id, s.text, s.start == 0 or "\n" in text[max(0, s.start - 2) : s.start])
        for s in source.sentences
    )


def names_offered(source: Source) -> tuple[str, ...]:
    """Every name the text uses, in its fullest form and in order of first use, page
    furniture included: what a grammar-bound model may choose a speaker from. Kept apart
    from the names the attribution rules learn, so that a change to those rules leaves
    the requests, and the answers recorded for them, as they are; whatever the model
    picks is checked against the text's own speaker afterwards."""
    return _names_offered(_sentence_rows(source))


@lru_cache(maxsize=64)
def _names_offered(sentences: tuple[tuple[str, str, bool], ...]) -> tuple[str, ...]:
    return tuple(_Names(sentences, furniture=True).full)


@lru_cache(maxsize=64)
def _attribute(sentences: tuple[tuple[str, str, bool], ...]) -> Attributions:
    names = _Names(sentences)
    result: dict[str, Attribution] = {}
    last_person: Attribution | None = None
    last_named_person: tuple[str, str] | None = None  # (name, sentence id)
    last_body: Attribution | None = None
    last_quoted: tuple[int, Attribution] | None = None
    #: A person the previous sentence introduced without a name ("One Londoner …").
    unnamed: tuple[str, str] | None = None
    open_quote: Attribution | None = None
    inside = False
    previous_text = ""
    quoted_run = 0
    for index, (sentence_id, text, paragraph) in enumerate(sentences):
        if inside and paragraph and not _opens_quote(text):
            # A quotation that runs into the next paragraph reopens it with a quotation
            # mark; a paragraph without one is outside any quotation (whatever an
            # unbalanced mark earlier left behind).
            inside, open_quote = False, None
        quoted_run = quoted_run + 1 if inside else 0
        found: Attribution | None = None
        # Bylines, captions, handles and boilerplate name no speaker ("Story continues").
        unquoted = _outside_quotes(text, inside)
        cues = [] if boilerplate_reason(text) is not None else _cues(unquoted)
        for phrase, cue in cues:
            # Names within quotation marks are the speaker's words, not antecedents.
            found = _person_earlier_in(unquoted, phrase, cue, sentence_id, names, index)
            if found is None and phrase.lower() in ("he", "she") and unnamed is not None:
                # "One Londoner … shared a photo. “Shame about my wheels,” he wrote.": the
                # person just described, not whoever the article named before.
                found = Attribution(unnamed[1], (unnamed[0],), f"pronoun ({cue})")
            if found is None:
                found = _resolve(
                    phrase, cue, sentence_id, names, last_person, last_named_person, last_body
                )
            if found is not None:
                break
        if found is None and not inside and _QUOTED.search(text):
            found = _subject_of_quotation(text, sentence_id, names, last_person, last_body)
        if found is None and inside and open_quote is not None:
            found = Attribution(open_quote.speaker, open_quote.sentence_ids, "continued quotation")
        elif found is None and previous_text.rstrip().endswith(":") and _opens_quote(text):
            previous = result.get(sentences[index - 1][0])
            if previous is not None:
                found = Attribution(previous.speaker, previous.sentence_ids, "continued quotation")
        elif (
            found is None
            and _opens_quote(text)
            and last_quoted
            and index - last_quoted[0] <= 2
            and not _other_kind(cues, last_quoted[1].speaker, names)
        ):
            # A bare quotation right after an attributed one: news style gives the
            # speaker once and lets the next paragraphs of quotation follow. Not when the
            # quotation's own cue is a pronoun for another kind of speaker ("…," it said
            # after a person; "…," he said after a report).
            earlier = last_quoted[1]
            found = Attribution(earlier.speaker, earlier.sentence_ids, "continued quotation")
        described = _UNNAMED_SUBJECT.match(unquoted)
        unnamed = (sentence_id, described.group("who")) if described else None
        if found is not None:
            result[sentence_id] = found
            if _person_like(found.speaker) or found.speaker in names.personal:
                last_person = found
            elif (
                any(w[:1].isupper() for w in found.speaker.split()[1:])
                or (found.speaker.endswith("s") and not found.cue.startswith("pronoun"))
            ) and not _POSSESSIVE_ROLE.fullmatch(found.speaker):
                # A named body ("Lordstown Motors", "the Civil Aviation Authority") or a
                # group ("The activists"): what a later "they" or "it" points back to.
                # Not someone's people ("Luis Suarez's lawyers"): a later "it" is a body.
                last_body = found
            if _QUOTED.search(text):
                last_quoted = (index, found)
        for name in names.by_sentence[index]:
            full = names.canonical(name)
            if _person_like(full):
                last_named_person = (full, sentence_id)
        inside = _still_open(text, inside) and quoted_run < _LONGEST_QUOTATION
        if text.rstrip().endswith(":") and found is not None:
            open_quote = found
        elif inside:
            open_quote = found or open_quote
        else:
            open_quote = None
        previous_text = text
    return Attributions(by_sentence=result, names=tuple(names.full))


def _other_kind(cues: list[tuple[str, str]], speaker: str, names: _Names) -> bool:
    """Whether a pronoun among ``cues`` cannot stand for ``speaker``: "it" for a person,
    "he" or "she" for anything else."""
    person = _person_like(speaker) or speaker in names.personal
    # A description or a body ("A World Anti-Doping Agency commission report"); a bare
    # surname ("Cowley") is neither, and may well be the "he".
    thing = speaker.split()[0].lower() in ("the", "a", "an") or any(
        w.lower().strip(".,") in _BODY_WORDS for w in speaker.split()
    )
    kinds = {_PRONOUNS.get(phrase.lower()) for phrase, _ in cues}
    return ("body" in kinds and person) or ("person" in kinds and thing)


def _person_earlier_in(
    text: str, phrase: str, cue: str, sentence_id: str, names: _Names, index: int
) -> Attribution | None:
    """ "Philipp Lahm created controversy when he wrote …": a "he" or "she" within a
    sentence points back to the person the sentence has just named, before any earlier
    speaker."""
    if phrase not in ("he", "she"):
        return None  # sentence-initial "He"/"She" point back across sentences
    pronoun = re.search(rf"\b{phrase}\b", text)
    if pronoun is None:
        return None
    before = [
        names.canonical(name)
        for name in names.by_sentence[index]
        if 0 <= text.find(name) < pronoun.start()
    ]
    people = [name for name in before if _person_like(name)]
    if not people:
        return None
    return Attribution(people[-1], (sentence_id,), f"pronoun ({cue})")


_SUBJECT = re.compile(
    r"^(?P<np>(?:The|An?)\s+(?:[\w\-]+\s+){0,2}?[\w\-]+|"
    r"(?!(?:The|An?)\s)[A-Z][\w.'’\-]*(?:\s+[A-Z][\w.'’\-]*){0,3})"
    r"\s+(?:also\s+|will\s+|has\s+|had\s+|would\s+|\w+ly\s+)*[a-z]+"
)


def _subject_of_quotation(
    text: str,
    sentence_id: str,
    names: _Names,
    last_person: Attribution | None,
    last_body: Attribution | None,
) -> Attribution | None:
    """The subject of a sentence that quotes without a verb of saying ("The automaker will
    recall 19 trucks to fix a “specific electrical issue”"): the quoted words are the
    subject's, when the subject is someone the article names."""
    match = _SUBJECT.match(text.lstrip())
    if not match:
        return None
    phrase = match.group("np")
    if re.match(r"^[A-Z][a-z]+ing(?:\s+[a-z]|$)", phrase):
        return None  # "Speaking on Radio 4, he said: …": a participle, not a subject
    found = _resolve(
        phrase, "subject of a quotation", sentence_id, names, last_person, None, last_body
    )
    if found is None:
        return None
    described = found.cue.startswith("description") or found.cue.startswith("title")
    named = phrase[:1].isupper() and not re.search(r"\s[a-z]", phrase)
    known = named and names.knows(found.speaker)
    return found if known or described else None


#: Words a speaker's name never starts with: prepositions and sentence adverbs ("On Sunday,
#: Inec announced", "However Andreas Bantel, a spokesman, says").
_LEADING = re.compile(
    r"^(?:However|Meanwhile|Also|Still|Instead|Indeed|Yet|And|But|So)\s+(?=[A-Z])"
)
_PREPOSITION_START = frozenset(
    "on in at by for from with during of to into over under about since until".split()
)
#: Words a speaker's phrase never ends with: "the attack on Twitter and", "the final
#: minute of" are pieces of a clause, not a subject.
_DANGLING = frozenset(
    "and or of on in at to for the a an by with from but as than into over".split()
)
#: Function words that stand alone where a subject would: "Most", "The", "However".
_LONE = frozenset("the a an most many some however also still this that these those".split())


def _trimmed(phrase: str) -> str:
    """The phrase without a leading sentence adverb, and without everything from a verb of
    saying inside it on ("The government denies the accusations" → "The government");
    empty when what is left cannot be a speaker."""
    phrase = _LEADING.sub("", phrase.strip()).rstrip(" -–—,;:")
    phrase = re.sub(r"^(?:of|for|by)\s+", "", phrase)
    # "the hospital on Wednesday", "the mine since 2013": a closing time is no part of it.
    phrase = re.sub(
        r"\s+(?:on|since|in|at|last|this|by)\s+(?:\d{4}|Monday|Tuesday|Wednesday|Thursday|"
        r"Friday|Saturday|Sunday|week|month|year|January|February|March|April|May|June|July|"
        r"August|September|October|November|December)$",
        "",
        phrase,
    )
    inner = re.match(r"^(?:the|a|an)\s+[a-z][\w\s'’\-]*?\s((?:the|a|an)\s+\S.*)$", phrase)
    if inner:
        # "an earlier statement the FBI": the subject is the last noun phrase.
        phrase = inner.group(1)
    words = phrase.split()
    if not words:
        return ""
    if words[0].casefold() in _PRONOUNS:
        return phrase
    for k, word in enumerate(words[1:], start=1):
        if word.casefold() in _SAY_WORDS:
            words = words[:k]
            break
    first, last = words[0].casefold(), words[-1].casefold()
    if (
        first in _PREPOSITION_START
        or last in _DANGLING
        or (len(words) == 1 and (first in _LONE or len(first) <= 2))
    ):
        return ""
    return " ".join(words)


def _persons_own(phrase: str, sentence_id: str, names: _Names, cue: str) -> Attribution | None:
    """ "Mr Luciw's family" → "Michael Luciw's family": the owner by the name the article
    gives in full. None for "His lawyer": a possessive points back to whoever the sentence
    is about ("killing Jordan Edwards, 15. His lawyer …" is the killer's), which is not
    reliably the last person named or quoted."""
    owner, role = re.split(r"(?<=['’]s)\s+|(?<=^[Hh]is)\s+|(?<=^[Hh]er)\s+", phrase, maxsplit=1)
    if owner.lower() in ("his", "her"):
        return None
    name = _after_titles(re.sub(r"['’]s$", "", owner))
    full = names.canonical(name)
    if not (_person_like(full) and full.split()[-1] == name.split()[-1]):
        # "Jak's family" is not "Jak's Journey's family": only a person's full name.
        full = name
    return Attribution(f"{full}'s {role}", (sentence_id,), cue)


def _resolve(
    phrase: str,
    cue: str,
    sentence_id: str,
    names: _Names,
    last_person: Attribution | None,
    last_named_person: tuple[str, str] | None,
    last_body: Attribution | None = None,
) -> Attribution | None:
    phrase = _trimmed(phrase)
    if not phrase:
        return None
    kin = _POSSESSIVE_ROLE.fullmatch(phrase)
    if kin is not None:
        return _persons_own(phrase, sentence_id, names, cue)
    lowered = phrase.lower()
    if lowered.split()[0] in _DETERMINERS:
        # "His comments", "Their statement": a noun, not a speaker.
        return None
    if lowered in _PRONOUNS:
        if lowered in ("they", "it") and last_body is not None:
            return Attribution(last_body.speaker, last_body.sentence_ids, f"pronoun ({cue})")
        if _PRONOUNS[lowered] != "person":
            return None
        if last_person is not None:
            return Attribution(last_person.speaker, last_person.sentence_ids, f"pronoun ({cue})")
        if last_named_person is not None:
            return Attribution(last_named_person[0], (last_named_person[1],), f"pronoun ({cue})")
        return None
    generic = re.sub(r"^(?:the|a|an)\s+", "", lowered)
    described = generic != lowered
    if described and generic:
        determiner, rest = phrase.split(maxsplit=1)
        if rest[:1].isupper() and rest.isalpha():
            # "according to the Post", "The Observatory says": one word, the article's
            # short form of a title it gives in full ("the Washington Post"), which ends
            # with that word and is a name throughout (no possessive, no lower case).
            full = names.canonical(rest)
            if (
                full != rest
                and full.endswith(f" {rest}")
                and all(w[:1].isupper() and w.isalpha() for w in full.split())
            ):
                return Attribution(f"{determiner} {full}", (sentence_id,), cue)
        return _described(phrase, generic, cue, sentence_id, names, last_person, last_body)
    if _POSSESSIVE_BODY.fullmatch(phrase):
        return Attribution(phrase, (sentence_id,), cue)
    if _COUNTED_GROUP.match(phrase) and _GENERIC.match(lowered):
        # "One analyst said", "Some residents say": the capital is the sentence's, and the
        # words are a description like "an analyst", not a name.
        return Attribution(phrase, (sentence_id,), cue)
    words = re.findall(r"[\w’'\-]+", phrase)
    proper = [w for w in words if w[:1].isupper() and name_key(w) not in TITLES]
    if proper:
        start = phrase.find(proper[0])
        name = _after_titles(re.sub(r"['’]s$", "", phrase[start:].strip()))
        if last_person is not None and same_speaker(name, last_person.speaker):
            # "Johnson said" right after Steve Johnson spoke: the article has two
            # Johnsons, and the one speaking is the one it has been quoting.
            return Attribution(last_person.speaker, (sentence_id,), cue)
        full = names.canonical(name)
        unknown = not names.knows(full) and not _person_like(full)
        # A capitalised phrase the article does not otherwise use as a name: keep it only
        # if it reads like one (no verb-like lower-case words inside).
        if unknown and re.search(r"\s[a-z]{4,}\s", f" {name} ") and " of " not in f" {name} ":
            return None
        return Attribution(full, (sentence_id,), cue)
    if _GENERIC.match(lowered):
        return Attribution(phrase, (sentence_id,), cue)
    return None


def _described(
    phrase: str,
    generic: str,
    cue: str,
    sentence_id: str,
    names: _Names,
    last_person: Attribution | None,
    last_body: Attribution | None,
) -> Attribution | None:
    """A speaker the text describes instead of naming: "the PM", "the company", "a
    coroner"."""
    if _ROLE_OF.match(generic):
        # "The lawyer for the company": a person acting for the body, not the body.
        return Attribution(phrase, (sentence_id,), cue)
    head = generic.split()[-1]
    # Only the title as the article uses it: "the prime minister" is not "the minister".
    title = names.titled.get(generic)
    if title and head in TITLES:
        return Attribution(names.canonical(title), (sentence_id,), f"title ({cue})")
    if generic in ("pm", "prime minister", "president", "minister") and last_person is not None:
        return Attribution(last_person.speaker, last_person.sentence_ids, f"title ({cue})")
    if (
        last_body is not None
        and _BODY_NOUN.search(generic)
        and phrase.lower().startswith("the")
        and not any(w[:1].isupper() for w in phrase.split()[1:])
        and any(w[:1].isupper() for w in last_body.speaker.split())
        and not _ROLE_OF.match(re.sub(r"^(?:the|a|an)\s+", "", last_body.speaker.lower()))
    ):
        # "The automaker said", "the company said": the body the article named before.
        # Only a description stands for a name ("the World Health Organisation" is one
        # itself), and only a named body is what it stands for ("health officials" is not).
        return Attribution(last_body.speaker, last_body.sentence_ids, f"description ({cue})")
    if len(generic.split()) <= 5:
        # The article's own words for an unnamed speaker ("A coroner", "The officer").
        return Attribution(phrase, (sentence_id,), cue)
    rest = phrase.split()[1:]
    if rest[0][:1].isupper() and all(
        w[:1].isupper() or w in ("of", "for", "and", "the", "on", "in") for w in rest
    ):
        # "The International Committee of the Red Cross", "the Department for Communities
        # and Local Government": a body's name, however long; a person's after a title.
        person = _after_titles(phrase)
        if person != phrase and _person_like(person):
            return Attribution(names.canonical(person) or person, (sentence_id,), cue)
        return Attribution(phrase, (sentence_id,), cue)
    return None
