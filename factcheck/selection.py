"""Which sentences are worth checking: what is never a claim, and a check-worthiness score.

Every candidate claim, whoever proposed it (the model, or the library for a sentence the
model left out), is scored from its cited sentences with signals the library computes
itself: numbers, amounts, percentages and dates; named people and organisations; verbs of
saying and of events and decisions; how central the sentence is to the article; and where
it stands (news puts what matters first). Text that is never a claim — bylines,
datelines, captions and credits, social handles and embedded-post boilerplate, URLs,
navigation, questions, and rhetoric with nothing verifiable in it — is recognised by its
shape and never becomes a claim.

The weights are set by reason, not fitted: each signal adds a bounded amount, so no single
one (a long list of names, say) can carry a sentence alone.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from factcheck.entities import MentionKind, fold, sentence_mentions, word_set
from factcheck.models import Source

__all__ = [
    "NAMELESS_FURNITURE",
    "SentenceScore",
    "boilerplate_reason",
    "junk_clause",
    "junk_reason",
    "score_sentences",
]

_WORD = re.compile(r"[\w'’]+")

# Shapes of text that is never a claim. Each has a reason the reader is shown.
_URL = re.compile(r"https?://|\bwww\.|\bt\.co/|pic\.twitter\.com|\b\w+\.(?:com|org|net|co\.uk)/\S")
_HANDLE = re.compile(r"(?<![\w.])@\w{2,}")
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_EMBED_SIGNATURE = re.compile(
    rf"^[—–-]\s*.{{0,80}}\(@\w+\)|"
    rf"[—–-]{{1,2}}\s*[^()\n]{{1,60}}\(@\w+\)\s*(?:{_MONTHS})\s+\d{{1,2}},\s+\d{{4}}|"
    rf"^[—–-]\s*\w[\w .]{{0,40}}\s+(?:{_MONTHS})\s+\d{{1,2}},\s+\d{{4}}$"
)
_BYLINE = re.compile(
    r"^(?:by\s+[A-Z][\w.'’\-]+(?:\s+[A-Z][\w.'’\-]+){0,3}(?:\s*(?:,|and|&)\s*[A-Z][\w.'’\-]+"
    r"(?:\s+[A-Z][\w.'’\-]+){0,3})*\s*(?:[,|—–-].{0,60})?$|(?:reporting|writing|editing|"
    r"additional reporting|research) by\b|.{0,80}\bcontributed to this report\b|"
    r"(?:updated|published|posted|last (?:updated|modified))\s*:?\s*\d|"
    r"[A-Z][A-Z .,]{2,40}\((?:AP|Reuters|AFP|CNN|UPI|Bloomberg)\)\s*[—–-]?\s*$)",
    re.IGNORECASE,
)
_CAPTION = re.compile(
    r"^FILE\b\s*[-—–:]?|"
    r"^(?:this (?:undated )?(?:handout )?(?:image|photo|picture)|(?:a |the )?(?:still|picture|"
    r"image|photo|screenshot|footage) (?:from .{0,40})?shows)\b|"
    r"\((?:L|R|C|left|right|centre|center|pictured)\)|"
    r"\((?:AP |AFP |Reuters )?photo(?:graph)?\b|"
    r"\b(?:getty images|ap photo|afp via getty|reuters/|/reuters|photo(?:graph)?:|"
    r"image(?: source| caption)?:|picture:|credit:|file photo|media caption|photo credit|"
    r"pictured(?: above| below| left| right)?[:,])",
    re.IGNORECASE,
)
#: A photo credit ends a caption: the paragraph it closes is the caption.
_CREDIT = re.compile(r"\((?:AP |AFP )?photo(?:graph)?\b[^)]*\)|\bAP Photo/|/AP\b", re.I)
_NAVIGATION = re.compile(
    r"^(?:read more|click here|sign up|subscribe|follow (?:us|him|her)|share this|"
    r"advertisement|related(?: articles?| stories)?:|watch:|listen:|more on this story|"
    r"all rights reserved|copyright|©|newsletter|see also|next article|previous article|"
    r"download the app|this article (?:was|has been|is)\b|editor'?s note\b|"
    r"we (?:may )?earn a commission|(?:ignore|disregard|forget)\s+(?:all\s+|any\s+|the\s+)?"
    r"(?:previous|prior|above|earlier)\s+instructions|story continues|send this page|"
    r"with files from|"
    r"\(?also see\b|here'?s the latest\b|top editors\b|thanks for signing|loading\b|"
    r"(?:explore|access|get|discover|download|follow|watch|listen to|sign up for|read)\s+"
    r"(?:the|our|your|news|more|all|latest|us)\b|please use\b)",
    re.IGNORECASE,
)
#: A line in capitals: a headline of another story, a section heading, a call to action.
_SHOUTED = re.compile(r"^(?=(?:[^A-Z]*[A-Z]){6})[^a-z]{12,}$")
#: A heading in title case: every longer word capitalised, no full stop.
_HEADING = re.compile(
    r"^(?:[A-Z0-9][\w'’\-]*|a|an|the|of|to|in|on|for|and|as|at|by)(?:\s+(?:[A-Z0-9][\w'’\-]*|a|an|the|of|to|in|on|for|and|as|at|by|is|are))+$"
)
#: Stance without content: what someone thinks should happen.
_RHETORIC = re.compile(
    r"\b(?:need(?:s)? to|needed to|got to|have to|has to|should|must|ought to|"
    r"(?:i|we) (?:do )?(?:think|believe|feel|hope|want|wish)|the more the better|"
    r"let'?s|let us|(?:i|we)(?:'m|'re| am| are| were| was)?(?: really| incredibly| very| so| "
    r"deeply| truly)? (?:disappointed|thankful|grateful|angry|shocked|happy|pleased|delighted|"
    r"proud|saddened|devastated|excited|encouraged|heartbroken))\b",
    re.IGNORECASE,
)
#: A verdict on something, in the words of judgement or a stock figure of speech: what the
#: writer or speaker makes of a thing, which no record could confirm ("those words continue
#: to ring true", "that in itself is a stinging defeat", "Here is good news", "the skies are
#: no longer the limit"). An adjective of judgement counts only after a verb of being
#: ("it is horrific"): before a noun it describes a reported event ("the horrific attack
#: killed 12"), which the event and figure checks keep.
_VERDICT = re.compile(
    r"\b(?:(?:is|are|was|were|be|been|being|remains?|seems?|looks?)\s+(?:(?:so|truly|simply|"
    r"utterly|really|very|incredibly|deeply|quite|absolutely|just|all the more)\s+)?"
    r"(?:horrific|horrendous|horrible|terrible|awful|appalling|shameful|disgraceful|"
    r"outrageous|deplorable|ridiculous|absurd|tragic|heartbreaking|wonderful|fantastic|"
    r"amazing|incredible|encouraging|disappointing|heartening|inspiring|unforgivable)|"
    r"(?:a|an)\s+(?:stinging|crushing|humiliating|bitter|devastating|resounding|"
    r"embarrassing)\s+(?:defeat|blow|setback|rebuke|victory|failure)|"
    r"(?:good|great|bad|welcome|sad|terrible) news|rings? (?:true|hollow)|rang (?:true|hollow)|"
    r"serves? (?:as a reminder|to remind)|served (?:as a reminder|to remind)|"
    r"sends? a (?:clear|strong|powerful) (?:message|signal)|"
    r"(?:the )?sky(?:'s| is) the limit|skies are (?:no longer )?the limit|"
    r"a step in the right direction|a wake-up call|the tip of the iceberg|a drop in the ocean|"
    r"a slap in the face|a game[- ]changer)\b",
    re.IGNORECASE,
)
#: Where one sentence of a quotation the splitter keeps whole ends and the next begins.
_INNER_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[\"“‘']?[A-Z])")
#: A quotation that opens in lower case: a phrase inside the writer's own sentence.
_QUOTED_PHRASE = re.compile(r"“[a-z][^”]*”|\"[a-z][^\"]*\"")
#: A clause that adds what happened or who someone is to a verdict.
_ADDED_CLAUSE = re.compile(r",\s+(?:with|which|who|after|as|when|because)\s")
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\u0e00-\u0e7f]")
_FIRST_PERSON = re.compile(r"\b(?:I|we|We|our|Our|my|My|us)\b")
#: Comment that opens with a connective and names nothing ("But questions remain.").
_COMMENT = re.compile(r"^(?:and|but|or|so|now|yet|still|still,|here'?s)\b", re.IGNORECASE)


class _AnyWord:
    r"""``re.compile(r"\b(?:a|b|c …)\b", re.IGNORECASE).search`` for a long list of words,
    as a set look-up of the text's words (phrases of several words keep a small pattern).
    Hand-written because the regular expression tries every alternative at every position:
    on a long document's 6,000 sentences the look-up is about six times faster, with the
    same answers (a word is a run of ``\w``, as ``\b`` delimits it)."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        body = pattern[pattern.index("(?:") + 3 : pattern.rindex(")")]
        alternatives = body.split("|")
        self.words = frozenset(w.lower() for w in alternatives if _RUN.fullmatch(w))
        phrases = [w for w in alternatives if not _RUN.fullmatch(w)]
        self.phrases = (
            re.compile(rf"\b(?:{'|'.join(phrases)})\b", re.IGNORECASE) if phrases else None
        )

    def search(self, text: str) -> bool:
        if not self.words.isdisjoint(word_set(text)):
            return True
        return self.phrases is not None and self.phrases.search(text) is not None


_RUN = re.compile(r"\w+")

_SAY = _AnyWord(
    r"\b(?:said|says|told|added|stated|announced|claimed|warned|explained|argued|wrote|noted|"
    r"insisted|described|revealed|urged|confirmed|denied|admitted|acknowledged|predicted|"
    r"promised|vowed|declared|reported|testified|alleged|accused|pledged|according to|"
    r"estimated|called for|called on)\b"
)
_EVENT = _AnyWord(
    r"\b(?:arrested|charged|convicted|sentenced|killed|died|dead|injured|wounded|elected|"
    r"appointed|resigned|fired|sacked|launched|signed|approved|passed|rejected|voted|banned|"
    r"announced|agreed|won|lost|invaded|attacked|struck|bombed|seized|raised|cut|rose|fell|"
    r"increased|decreased|dropped|jumped|surged|plunged|closed|opened|released|published|"
    r"filed|sued|ruled|fined|ordered|imposed|introduced|unveiled|began|started|ended|"
    r"discovered|found|detained|evacuated|collapsed|destroyed|built|bought|sold|acquired|"
    r"merged|hired|laid off|cancelled|canceled|postponed|suspended|blocked|confirmed|"
    r"gathered|protested|dumped|spread|created|formed|became|held|hosted|met|visited|"
    r"plans? to|will|would|pledged|deployed|sent|paid|spent|invested|earned|reached)\b"
)
_STOP = frozenset(
    (
        "a an the and or but if of to in on at by for with from as is are was were be been "
        "has have had it its this that these those he she they we i you his her their our "
        "not no so than then there here which who whom what when where why how also into "
        "out up down over about after before more most said says would will can could "
        "should may might must just only very"
    ).split()
)


#: One sentence's mentions, cached (shared with grounding and attribution).
mentions = sentence_mentions
#: Compiled once: every sentence of a document passes these (the ``re`` module's own cache
#: costs a look-up per call).
_QUOTED_PART = re.compile(r"“[^”]*”?|\"[^\"]*\"?|«[^»]*»?")
_LEADING_DASHES = re.compile(r"^[\s—–-]+")


def _content(text: str) -> list[str]:
    return [w for w in _WORD.findall(fold(text)) if w not in _STOP and len(w) > 2]


def _outside_quotes(text: str) -> str:
    return _QUOTED_PART.sub(" ", text)


#: Reasons the rules give, named where other rules ask for them by reason.
_CAPTION_REASON = "a caption or photo credit"
_LINK_REASON = "a link"
_BYLINE_REASON = "a byline, dateline or credit"
_NAVIGATION_REASON = "navigation or boilerplate"
_SHOUTED_REASON = "a headline or heading in capitals"
_HEADING_REASON = "a heading"
#: Furniture whose capitalised words name no one (a headline's "Moderna Chalks Up …", an
#: author's byline): the attribution rules learn no name from it.
NAMELESS_FURNITURE = frozenset(
    {_LINK_REASON, _BYLINE_REASON, _NAVIGATION_REASON, _SHOUTED_REASON, _HEADING_REASON}
)
_RHETORIC_ONLY = "rhetoric or opinion with nothing verifiable in it"
_VERDICT_ONLY = "a verdict or figure of speech with nothing verifiable in it"
_QUOTED_VIEW = "a quoted view in the first person, with nothing verifiable in it"
_COMMENT_ONLY = "comment with nothing verifiable in it"
_SHORT_REMARK = "a remark too short to check"


# Cached: the selection and the attribution rules both ask of every sentence.
@lru_cache(maxsize=16384)
def boilerplate_reason(text: str) -> str | None:
    """Why ``text`` is page furniture (a link, handle, byline, caption, navigation, a
    heading) rather than article prose, or None."""
    stripped = _LEADING_DASHES.sub("", text.strip())
    words = _WORD.findall(stripped)
    if _URL.search(stripped):
        return _LINK_REASON
    if _EMBED_SIGNATURE.search(stripped):
        return "the signature of an embedded post"
    if _HANDLE.search(stripped) and len(words) < 25:
        return "a social-media handle"
    if _BYLINE.search(stripped):
        return _BYLINE_REASON
    if _CAPTION.search(stripped):
        return _CAPTION_REASON
    if _NAVIGATION.search(stripped):
        return _NAVIGATION_REASON
    if _SHOUTED.search(stripped):
        return _SHOUTED_REASON
    if _HEADING.search(stripped):
        return _HEADING_REASON
    return None


def junk_reason(text: str) -> str | None:
    """Why ``text`` is never a claim, or None when it may be one."""
    furniture = boilerplate_reason(text)
    if furniture is not None:
        return furniture
    stripped = _LEADING_DASHES.sub("", text.strip())
    words = _WORD.findall(stripped)
    # Scripts written without spaces (Chinese, Japanese) have no words to count.
    spaced = not _UNSPACED.search(stripped)
    if (spaced and len(words) < 4) or (not spaced and len(stripped) < 6):
        return "too short to state a fact"
    bare = _outside_quotes(stripped).strip()
    if stripped.endswith("?") and (not bare or bare.endswith("?")):
        return "a question"
    if _rhetoric_only(stripped):
        return _RHETORIC_ONLY
    if _quoted_view(stripped):
        return _QUOTED_VIEW
    if _verdict_only(stripped):
        return _VERDICT_ONLY
    if _COMMENT.search(stripped) and len(words) < 15 and not _specific(stripped):
        return _COMMENT_ONLY
    if (
        spaced
        and len(words) <= 6
        and not _EVENT.search(stripped)
        and not _SAY.search(stripped)
        and not ({m.kind for m in mentions(stripped)} - {MentionKind.name})
    ):
        # "TikTok is in trouble.": a verdict in a handful of words, no event, no figure.
        return _SHORT_REMARK
    return None


_QUOTATION = re.compile(r"“[^”]*”?|\"[^\"]*\"?|«[^»]*»?|(?<!\w)'[^']{12,}'(?!\w)")
_FIRST_PERSON_QUOTED = re.compile(r"\b(?:I|I'm|I've|we|We|we're|We're|we've|We've|our|Our|my|My)\b")


_COMMITMENT = re.compile(
    r"\b(?:will|won't|shall|plan|plans|planning|pledge|pledged|promise|promised|intend|"
    r"going to|have agreed|'ve agreed|decided|signed|approved|launched|cut|raised)\b",
    re.IGNORECASE,
)


def _quoted_view(text: str) -> bool:
    """A sentence that is mostly a quotation in the first person ("We are disappointed,"
    she said) with no number, amount or date: the speaker's view of themselves, which
    no record could confirm."""
    folded = text.replace("’", "'")
    quoted = "".join(_QUOTATION.findall(folded))
    if len(quoted) < 0.5 * len(folded) or not _FIRST_PERSON_QUOTED.search(quoted):
        return False
    if _COMMITMENT.search(quoted):
        # "We will not raise taxes this year": a pledge, which events can check.
        return False
    kinds = {m.kind for m in mentions(text)}
    return not kinds & {
        MentionKind.number,
        MentionKind.amount,
        MentionKind.percent,
        MentionKind.date,
    }


def _specific(text: str) -> bool:
    """Whether ``text`` names anyone or states a number, amount or date."""
    return bool(mentions(text))


@lru_cache(maxsize=16384)
def _stance(text: str) -> bool:
    """Whether ``text`` holds a word of stance (:data:`_RHETORIC`). Cached: the never-a-claim
    rules and the score both ask of every sentence. Every alternative starts at a word, so
    leading dashes and spaces do not change the answer, and callers strip them to share it."""
    return _RHETORIC.search(text.replace("’", "'")) is not None


def _rhetoric_only(text: str) -> bool:
    """A statement of what should happen or what someone feels, with no number, date or
    amount and no reported event outside the quotation: nothing a record could confirm."""
    folded = text.replace("’", "'")
    if not _stance(text):
        return False
    quoted = "".join(_QUOTED_PART.findall(folded))
    # Stance counts when it is the speaker's own (quoted, or in the first person);
    # "the guidance says companies should…" reports a rule, which is checkable.
    if not (_RHETORIC.search(quoted) or _FIRST_PERSON.search(folded)):
        return False
    kinds = {m.kind for m in mentions(text)}
    if kinds & {MentionKind.number, MentionKind.amount, MentionKind.percent, MentionKind.date}:
        return False
    bare = _outside_quotes(text)
    # A reported event or decision outside the quotation ("X pledged to put troops…,
    # but said Europe needs to do more") carries a checkable part.
    return not (_EVENT.search(bare) and not _RHETORIC.search(bare.replace("’", "'")))


def _verdict_only(text: str) -> bool:
    """A verdict (:data:`_VERDICT`) with no number, amount or date and no reported event
    outside a quotation: what someone makes of a thing, not what happened. Each sentence of
    a quotation the splitter keeps whole must be one: a verdict that closes a quoted
    statement is a clause to drop (:func:`junk_clause`), not a reason to drop the statement."""
    folded = text.replace("’", "'")
    # A quoted phrase worked into the writer's sentence ("called it “a day of great news”")
    # is what was said, reported: the report is checkable, whatever the phrase judges.
    folded = _QUOTED_PHRASE.sub(" ", folded)
    if _ADDED_CLAUSE.search(folded):
        return False  # ", with Lawrence replaced at half-time": the clause says what happened
    if not all(_VERDICT.search(piece) for piece in _INNER_SENTENCE.split(folded)):
        return False
    kinds = {m.kind for m in mentions(text)}
    if kinds & {MentionKind.number, MentionKind.amount, MentionKind.percent, MentionKind.date}:
        return False
    return not _EVENT.search(_outside_quotes(text))


#: Where a sentence divides into clauses that can stand apart. A leading clause ends at a
#: colon or semicolon ("The numbers are dizzying: …"); a dash or comma there more often
#: opens an aside that the rest needs ("He looked at phytoliths - a type of fossil - …").
#: A trailing clause starts after a semicolon, a spaced dash, ", but" or ", where", or is
#: the last sentence of a quotation the splitter keeps whole ("… Proud of you Thomas. A
#: good decision and in my opinion the right time."); never after a colon, which
#: introduces what the sentence is about ("X said: …").
_LEADING_BREAK = re.compile(r"(?<=[:;])\s+")
#: Two clauses of one quotation joined by "and" or "but".
_COORDINATE_BREAK = re.compile(r",\s+(?:and|but)\s+(?=\w)")
_CREDIT_AFTER = re.compile(r"^[\"“]([^\"“”]+)[\"”](.*)$")


def _credited_after(text: str) -> bool:
    """Whether ``text`` opens with a quotation and names who said it after the quotation
    closes, so that dropping the quotation's first clause keeps the attribution."""
    match = _CREDIT_AFTER.match(text)
    return match is not None and _SAY.search(match.group(2)) is not None


_TRAILING_BREAK = re.compile(
    r"(?<=;)\s+|\s+[—–-]\s+|,\s+(?=(?:but|where)\s)|(?<=[.!?])\s+(?=[\"“‘']?[A-Z])"
)
#: What a clause dropped from a claim may be: stance, feeling or a verdict in a few words.
#: Never a clause that is too short only because it is a fragment ("He said:").
_STANCE = frozenset(
    {
        _RHETORIC_ONLY,
        _QUOTED_VIEW,
        _VERDICT_ONLY,
    }
)
#: A leading clause may also be a verdict in a few words ("The numbers are dizzying:"); a
#: trailing one may not, since a short last clause is as often a fact stated briefly
#: ("…; millions of Ukrainians have been uprooted").
_LEADING_JUNK = _STANCE | {
    _SHORT_REMARK,
    _COMMENT_ONLY,
}
_QUOTE_MARKS = '"“”‘’«»'
#: The least a claim keeps of its sentence: a clause shorter than this is not a statement.
_CLAUSE_MIN_WORDS = 6
#: A kept part that only says who spoke ("Caroline Abrahams, charity director, said").
_ENDS_IN_SAYING = re.compile(r"\b(?:said|says|added|told|wrote|tweeted|stated|adding|saying)\W*$")
_LEADING_PRONOUN = re.compile(
    r"^(?:he|she|it|they|we|i|you|his|her|its|their|our|my|this|that|these|those)\b", re.I
)


def _balanced(clause: str) -> str:
    """``clause`` with the quotation marks the split cut from their partners restored, so
    the quote-aware rules see a quotation as one."""
    clause = clause.strip(" ,;:—–-")
    curly_open, curly_close = clause.count("“"), clause.count("”")
    if curly_close > curly_open:
        clause = "“" + clause
    elif curly_open > curly_close:
        clause += "”"
    if clause.count('"') % 2:
        # A straight mark that opens the clause before a word opens a quotation; any other
        # lone one closes a quotation the cut opened earlier.
        opening = clause.index('"') == 0 and clause[1:2].strip() != ""
        clause = clause + '"' if opening else '"' + clause
    return clause


def _clause_junk(clause: str, allowed: frozenset[str]) -> str | None:
    reason = junk_reason(_balanced(clause))
    return reason if reason in allowed else None


@lru_cache(maxsize=16384)
def junk_clause(text: str) -> tuple[int, int, str] | None:
    """The part of sentence ``text`` worth checking when a clause at its start or end is
    never a claim ("The numbers are dizzying: hundreds of thousands …"; "X pledged troops,
    but said Europe “needs to do more”"): ``(start, end, reason)`` within ``text``, or None
    when the sentence stands or falls whole. A claim cites whole sentences by default; a
    sentence that carries a fact and a stance side by side would otherwise bring the
    stance along. Only edge clauses go, so what is kept is one unbroken slice; a leading
    clause goes only when it names no one, says nothing is said and is outside any
    quotation, so an attribution ("He said:") always stays."""
    start, end = 0, len(text)
    reasons: list[str] = []
    first = _LEADING_BREAK.search(text)
    if first is not None:
        leading = text[: first.start()]
        if not (
            any(c in leading for c in _QUOTE_MARKS)
            or _SAY.search(leading)
            or _ENDS_IN_SAYING.search(leading)
        ):
            reason = _clause_junk(leading, _LEADING_JUNK)
            if reason is not None and not _specific(leading):
                start = first.end()
                reasons.append(reason)
    elif _credited_after(text):
        # A quotation whose speaker is named after it: its first clause may be a verdict
        # the rest of the quotation does not need ("“The results are incredibly
        # encouraging, and we're grateful to the FDA for …,” X told …"). Only a verdict:
        # a first-person clause there ("I think…, and") is most often what the rest
        # hangs on.
        joint = _COORDINATE_BREAK.search(text)
        if joint is not None and _verdict_only(_balanced(text[: joint.start()])):
            start = joint.end()
            reasons.append(_VERDICT_ONLY)
    # Only the final clause may go: after the last break, or else the last sentence of a
    # quotation kept whole, which may itself hold a dash ("Here is good news - Israel is
    # opening up…").
    breaks = list(_TRAILING_BREAK.finditer(text, start))
    sentence_breaks = [b for b in breaks if text[b.start() - 1] in ".!?"]
    for last in dict.fromkeys(breaks[-1:] + sentence_breaks[-1:]):
        reason = _clause_junk(text[last.end() :], _STANCE)
        if reason is not None:
            end = last.start()
            reasons.append(reason)
            break
    if not reasons:
        return None
    kept = text[start:end].strip(" ,;:—–-")
    if not kept:
        return None
    start = text.index(kept, start)
    end = start + len(kept)
    # A kept part inside a quotation is introduced by the quotation's speaker, like one
    # that opens with the quotation mark.
    opening = _CREDIT_AFTER.match(text)
    quoted = kept[0] in _QUOTE_MARKS or (opening is not None and 0 < start <= opening.end(1))
    if (
        len(_WORD.findall(kept)) < _CLAUSE_MIN_WORDS
        or (not quoted and _LEADING_PRONOUN.match(kept))
        or junk_reason(_balanced(kept)) is not None
        or _ENDS_IN_SAYING.search(kept)
    ):
        # What is left must stand as a claim on its own, without a pronoun to resolve (a
        # quotation in the first person is introduced by its speaker instead).
        return None
    return start, end, reasons[0]


@dataclass(frozen=True)
class SentenceScore:
    """Check-worthiness of one sentence: ``score`` in [0, 1], the signals behind it, and
    ``junk`` (why it is never a claim) when it is not a candidate at all."""

    sentence_id: str
    score: float
    signals: tuple[str, ...]
    junk: str | None = None


def score_sentences(source: Source) -> dict[str, SentenceScore]:
    """Score every sentence of ``source`` (cached per text: grounding asks many times)."""
    return _scores(tuple((s.id, s.text) for s in source.sentences), _paragraphs(source))


def _paragraphs(source: Source) -> tuple[int, ...]:
    """The paragraph number of each sentence (paragraphs are the source's lines)."""
    numbers = []
    paragraph = 0
    previous_end = 0
    for sentence in source.sentences:
        if "\n" in source.text[previous_end : sentence.start]:
            paragraph += 1
        numbers.append(paragraph)
        previous_end = sentence.end
    return tuple(numbers)


#: How a sentence of prose ends: a full stop, question or exclamation mark, perhaps inside
#: a closing quotation mark or bracket, or a colon that introduces what follows.
_PROSE_END = re.compile(r"[.!?:…][\"”’')\]]*$")
#: A line with no full stop whose last words are "From" and a name, with "From"
#: capitalised mid-line: an embedded map, photo or post and the credit its page joins on
#: ("… routes to Southeast Asia From El Al Israel"). Prose never capitalises the word there.
_EMBED_CREDIT = re.compile(r"(?<=[\w,])\s+From(?:\s+[A-Z0-9@][\w'’&.@-]*){1,5}$")


def _caption_paragraphs(
    sentences: tuple[tuple[str, str], ...], paragraphs: tuple[int, ...]
) -> dict[int, str]:
    """Paragraphs that are captions as a whole: those that hold a photo credit ("… cliff
    top. (AP Photo/Rick Rycroft, File)"), and a one-line paragraph that stops without a
    full stop next to a caption. A line without a full stop alone is as often a standfirst
    that states the story, so it is no rule; beside a caption it is one of a gallery's
    captions ("Police were able to recover the shotgun" above "Picture shows bullet
    holes …")."""
    members: dict[int, list[str]] = {}
    for (_, text), number in zip(sentences, paragraphs, strict=True):
        members.setdefault(number, []).append(text)
    found: dict[int, str] = {}
    marked: set[int] = set()
    for number, texts in members.items():
        if any(_CREDIT.search(t) for t in texts):
            found[number] = "a photo caption"
            marked.add(number)
        elif len(texts) == 1 and _EMBED_CREDIT.search(texts[0].rstrip()):
            found[number] = "the caption of an embedded map, photo or post"
            marked.add(number)
        elif any(boilerplate_reason(t) == _CAPTION_REASON for t in texts):
            marked.add(number)
    unpunctuated = {
        number
        for number, texts in members.items()
        if number not in marked and len(texts) == 1 and not _PROSE_END.search(texts[0].rstrip())
    }
    # A run of such lines beside a caption is a run of captions: spread until none is added.
    grew = True
    while grew:
        grew = False
        for number in sorted(unpunctuated - marked):
            if number - 1 in marked or number + 1 in marked:
                found[number] = "a photo caption (a line without a full stop among captions)"
                marked.add(number)
                grew = True
    return found


#: Sentences after the first in which the story's own date is looked for.
_STORY_DATE_WINDOW = 3


def _dated_caption(sentences: tuple[tuple[str, str], ...]) -> str | None:
    """Why the first sentence is the lead photo's caption, or None. News style dates what
    happened this week by its weekday ("said Thursday") and anything older in full; a
    first sentence dated in full ("… gave rides … on June 21, 2021") above a story dated by
    weekday is about another day than the story: the caption of an archive photo, which
    news pages put before the text ("FILE - …" is the marked form of the same thing)."""
    if len(sentences) < 2:
        return None
    dates = [m.date for m in mentions(sentences[0][1]) if m.date is not None]
    if any(d.weekday is not None for d in dates) or not any(
        d.year is not None and d.day is not None for d in dates
    ):
        return None
    later = [m.date for _, t in sentences[1 : 1 + _STORY_DATE_WINDOW] for m in mentions(t)]
    if any(d is not None and d.weekday is not None for d in later):
        return "a photo caption (dated in full above a story dated by weekday)"
    return None


#: "Another government entity is…": a determiner that points to earlier ones.
_ANOTHER = re.compile(r"^(?:another|yet another|one more)\s+[a-z]", re.IGNORECASE)


def _teaser(sentences: tuple[tuple[str, str], ...]) -> str | None:
    """Why the first sentence is a teaser, or None. "Another X …" presupposes earlier X;
    as the article's first words there is nothing before it in the text to say which, so
    with no figure or date either it states nothing a reader could check (the sentences
    after it say who: "This time, it's the European Commission")."""
    if not sentences or not _ANOTHER.match(sentences[0][1]):
        return None
    kinds = {m.kind for m in mentions(sentences[0][1])}
    if kinds & {MentionKind.number, MentionKind.amount, MentionKind.percent, MentionKind.date}:
        return None
    return "a teaser ('another …' with nothing before it to say which)"


@lru_cache(maxsize=64)
def _scores(
    sentences: tuple[tuple[str, str], ...], paragraphs: tuple[int, ...]
) -> dict[str, SentenceScore]:
    bags = [_content(text) for _, text in sentences]
    document = Counter(w for bag in bags for w in set(bag))
    scores: dict[str, SentenceScore] = {}
    captions = _caption_paragraphs(sentences, paragraphs)
    lead_caption = _dated_caption(sentences) or _teaser(sentences)
    for index, ((sentence_id, text), bag) in enumerate(zip(sentences, bags, strict=True)):
        junk = (
            (lead_caption if index == 0 else None)
            or captions.get(paragraphs[index])
            or junk_reason(text)
        )
        if junk is not None:
            scores[sentence_id] = SentenceScore(sentence_id, 0.0, (), junk)
            continue
        kinds = Counter(m.kind for m in mentions(text))
        signals: list[str] = []
        total = 0.0
        if kinds[MentionKind.number] or kinds[MentionKind.amount] or kinds[MentionKind.percent]:
            total += 0.2
            signals.append("number")
        if kinds[MentionKind.date]:
            total += 0.1
            signals.append("date")
        if kinds[MentionKind.name]:
            total += 0.1 * min(kinds[MentionKind.name], 2)
            signals.append("names")
        if _SAY.search(text):
            total += 0.1
            signals.append("attribution")
        if _EVENT.search(_outside_quotes(text)):
            total += 0.1
            signals.append("event")
        # Central: its words recur in the rest of the article (what the story is about).
        unique = set(bag)
        if unique:
            shared = sum(1 for w in unique if document[w] > 1) / len(unique)
            total += 0.15 * shared
        # Position: news writing puts what matters first.
        position = 1.0 / (1.0 + index / 4.0)
        total += 0.25 * position
        if index == 0:
            signals.append("lede")
        if len(bag) < 5:
            total -= 0.1
        if _stance(_LEADING_DASHES.sub("", text.strip())):
            total -= 0.1
            signals.append("stance")
        scores[sentence_id] = SentenceScore(sentence_id, max(0.01, min(1.0, total)), tuple(signals))
    return scores


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))
