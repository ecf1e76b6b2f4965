"""Names, numbers, amounts, percentages and dates in English news text, with their offsets.

A rule set, not a statistical tagger: spaCy's English models are not published on PyPI
(only unofficial re-uploads), and number-word converters rewrite the text instead of
reporting spans, so the rules here find each mention where it stands and give it a
comparable value: "1.5 million" and "1,500,000" are the same number, "5%" and "5 per cent"
the same percentage, "£12m" and "12 million pounds" the same amount, "Feb. 24, 2022" a date
that "February 2022" and "24 February" agree with.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from enum import Enum
from functools import lru_cache


class MentionKind(str, Enum):
    name = "name"
    number = "number"
    amount = "amount"
    percent = "percent"
    date = "date"


@dataclass(frozen=True)
class DateValue:
    """The parts of a date that the text states; None where it says nothing."""

    year: int | None = None
    month: int | None = None
    day: int | None = None
    weekday: int | None = None

    def agrees_with(self, other: DateValue) -> bool:
        """Every part stated here is stated the same in ``other``."""
        return all(
            mine is None or mine == theirs
            for mine, theirs in (
                (self.year, other.year),
                (self.month, other.month),
                (self.day, other.day),
                (self.weekday, other.weekday),
            )
        )


@dataclass(frozen=True)
class Mention:
    """One name, number, amount, percentage or date in a text: ``text[start:end]``."""

    kind: MentionKind
    text: str
    start: int
    end: int
    value: Decimal | None = None
    currency: str | None = None
    date: DateValue | None = None
    #: For names: the matching key (folded, without titles, dots or possessive).
    key: str = ""
    #: Number words ("two", "dozen") are vaguer than digits; they only need to match a value.
    spelled: bool = field(default=False, compare=False)
    #: For numbers: the word counted ("20 minutes" → "minute"), when one follows.
    unit: str | None = None


MONTHS = {
    name: i + 1
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for name in names
}
WEEKDAYS = {
    name: i
    for i, names in enumerate(
        [
            ("monday", "mon"),
            ("tuesday", "tue", "tues"),
            ("wednesday", "wed"),
            ("thursday", "thu", "thur", "thurs"),
            ("friday", "fri"),
            ("saturday", "sat"),
            ("sunday", "sun"),
        ]
    )
    for name in names
}
UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
SCALES = {
    "hundred": 100,
    "thousand": 1_000,
    "million": 1_000_000,
    "billion": 1_000_000_000,
    "trillion": 1_000_000_000_000,
}
SHORT_SCALES = {"k": 1_000, "m": 1_000_000, "mn": 1_000_000, "bn": 1_000_000_000, "b": 10**9}
SHORT_SCALES |= {"tn": 10**12, "trn": 10**12}
#: Values a source may state in words that a text may then give in digits.
ORDINALS: dict[str, int | Decimal] = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "dozen": 12,
    "dozens": 12,
    "half": Decimal("0.5"),
    "couple": 2,
}
CURRENCY_SYMBOLS = {"$": "USD", "£": "GBP", "€": "EUR", "¥": "JPY", "₹": "INR"}
CURRENCY_CODES = {"usd", "gbp", "eur", "jpy", "inr", "cad", "aud", "chf", "cny"}
CURRENCY_WORDS = {
    "dollar": "USD",
    "dollars": "USD",
    "pound": "GBP",
    "pounds": "GBP",
    "sterling": "GBP",
    "euro": "EUR",
    "euros": "EUR",
    "yen": "JPY",
    "rupee": "INR",
    "rupees": "INR",
    "yuan": "CNY",
    "francs": "CHF",
}
#: Words before a name that are not part of it (and a title alone is not a name).
TITLES = frozenset(
    (
        "mr mrs ms miss dr prof professor sir dame lord lady president vice prime minister "
        "secretary chancellor mayor governor gov senator sen rep representative congressman "
        "congresswoman judge justice king queen prince princess pope general gen colonel col "
        "captain capt lieutenant lt sergeant sgt officer chief ceo chairman chairwoman chair "
        "director inspector detective det coach father rev reverend saint st former acting "
        "deputy ambassador commissioner premier leader speaker pm mp"
    ).split()
)
#: Capitalised words that open sentences and quotes without naming anything.
NOT_NAMES = frozenset(
    (
        "a an the he she it they we i you his her its their our my your me him them us this "
        "that these those there here in on at of for to by with from as but and or nor if "
        "when while after before since during under over about also however meanwhile "
        "according said says yes no not so then now today yesterday tomorrow tonight last "
        "next one some many most all every each both what which who whom whose why how where "
        "once although though because still even just only another other such despite "
        "following amid among between against without within into through until unless "
        "instead perhaps indeed thus hence yet already"
    ).split()
)

_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"
_WORD_NUMBER = "|".join(sorted([*UNITS, *TENS, *SCALES], key=len, reverse=True))
_SPELLED = rf"(?:{_WORD_NUMBER})(?:(?:[\s-]+(?:and[\s-]+)?)(?:{_WORD_NUMBER}))*"
_SCALE = r"(?:\s*(?:hundred|thousand|million|billion|trillion)\b|(?:k|m|mn|bn|b|tn|trn)\b)"
_NUMBER = rf"(?:(?P<digits>{_DIGITS})(?P<scale>{_SCALE})?|(?P<words>\b{_SPELLED}\b))"
_CURRENCY_WORD = "|".join(sorted(CURRENCY_WORDS, key=len, reverse=True))
_CURRENCY_CODE = "|".join(sorted(CURRENCY_CODES))
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_WEEKDAY = "|".join(sorted(WEEKDAYS, key=len, reverse=True))

_AMOUNT_BEFORE = re.compile(
    rf"(?P<cur>(?:US|A|C|NZ|HK)?[$£€¥₹]|\b(?:{_CURRENCY_CODE})\s?)\s?{_NUMBER}", re.IGNORECASE
)
_AMOUNT_AFTER = re.compile(
    rf"{_NUMBER}\s+(?:(?:of\s+)?(?:US\s+)?)(?P<curword>{_CURRENCY_WORD})\b", re.IGNORECASE
)
_PERCENT = re.compile(
    rf"{_NUMBER}\s*(?:%|\bper\s?cent\b|\bpercent(?:age points?)?\b|\bpc\b)", re.IGNORECASE
)
_DATE_MDY = re.compile(
    rf"\b(?:(?P<wd>{_WEEKDAY})\.?,?\s+)?(?P<month>{_MONTH})\.?\s+(?P<day>\d{{1,2}})"
    rf"(?:st|nd|rd|th)?\b(?:,?\s+(?P<year>\d{{4}})\b)?",
    re.IGNORECASE,
)
_DATE_DMY = re.compile(
    rf"\b(?:(?P<wd>{_WEEKDAY})\.?,?\s+)?(?:the\s+)?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+"
    rf"(?:of\s+)?(?P<month>{_MONTH})\b\.?(?:,?\s+(?P<year>\d{{4}})\b)?",
    re.IGNORECASE,
)
_DATE_MY = re.compile(rf"\b(?P<month>{_MONTH})\.?,?\s+(?P<year>\d{{4}})\b", re.IGNORECASE)
_DATE_ISO = re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})\b")
#: Month names that are a date on their own ("may" alone is a verb far more often).
_MONTHS_ALONE = (
    "january february march april june july august september october november december".split()
)
_WEEKDAY_NAMES = "monday tuesday wednesday thursday friday saturday sunday".split()
_MONTH_ALONE = re.compile(rf"\b(?P<month>{'|'.join(_MONTHS_ALONE)})\b", re.IGNORECASE)
_WEEKDAY_ALONE = re.compile(rf"\b(?P<wd>{'|'.join(_WEEKDAY_NAMES)})s?\b", re.IGNORECASE)
# Necessary conditions of the patterns above, checked first: most sentences of a long
# document hold no date, amount or percentage, and one cheap search rules them out.
_MAY_HOLD_DATE = re.compile(rf"\d|\b(?:{_MONTH}|{_WEEKDAY})", re.IGNORECASE)
_MAY_HOLD_AMOUNT = re.compile(rf"[$£€¥₹]|\b(?:{_CURRENCY_CODE}|{_CURRENCY_WORD})\b", re.IGNORECASE)
_MAY_HOLD_PERCENT = re.compile(r"%|\bper\s?cent|\bpercent|\bpc\b", re.IGNORECASE)
_YEAR = re.compile(r"(?<![\d.,$£€])\b(?P<year>1[89]\d\d|20\d\d)s?\b(?![.,]\d|%)")
_BARE_NUMBER = re.compile(_NUMBER, re.IGNORECASE)
#: Word look-ups that stand in for the patterns' own necessary conditions (see
#: :meth:`_Scanner.may_hold`): a value needs a digit or a spelled number word, and a date
#: without a digit needs a whole month or weekday name.
_NUMBER_WORDS = frozenset(w.lower() for w in [*UNITS, *TENS, *SCALES])
_DATE_WORDS = frozenset(_MONTHS_ALONE) | frozenset(
    day + plural for day in _WEEKDAY_NAMES for plural in ("", "s")
)
_ANY_DIGIT = re.compile(r"\d")
_WORD_RUN = re.compile(r"\w+")


@lru_cache(maxsize=65536)
def word_set(text: str) -> frozenset[str]:
    """The lower-cased runs of ``\\w`` in ``text`` (the words ``\\b`` delimits), cached:
    the mention, selection and attribution rules all look words up in each sentence."""
    return frozenset(w.lower() for w in _WORD_RUN.findall(text))


_UNIT = re.compile(r"[\s-]+([a-z]{2,})\b")
#: Units a number may measure, plural and short forms folded to one name.
UNITS_OF_MEASURE = {
    form: unit
    for unit, forms in {
        "second": "second seconds sec secs",
        "minute": "minute minutes min mins",
        "hour": "hour hours hr hrs",
        "day": "day days",
        "week": "week weeks",
        "month": "month months",
        "year": "year years yr yrs",
        "decade": "decade decades",
        "century": "century centuries",
        "metre": "metre metres meter meters m",
        "kilometre": "kilometre kilometres kilometer kilometers km kms",
        "mile": "mile miles",
        "foot": "foot feet ft",
        "kilogram": "kilogram kilograms kg kgs kilo kilos",
        "tonne": "tonne tonnes ton tons",
        "litre": "litre litres liter liters l",
        "gallon": "gallon gallons",
    }.items()
    for form in forms.split()
}
_NAME_TOKEN = r"(?:[A-Z]\.){2,}|[A-Z][\w'’\-]*\.?"
_NAME = re.compile(rf"(?<![\w.])(?:{_NAME_TOKEN})(?:[ \t]+(?:{_NAME_TOKEN}))*")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;][\"“”'’)\]]*\s+|[\"“(\[]\s*|\n)$")


def fold(text: str) -> str:
    """Case-, quote- and width-folded text for comparisons."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')


_SPACED_HYPHEN = re.compile(r"\s*-\s*")


# Cached: the same few hundred names of an article are compared tens of thousands of times.
@lru_cache(maxsize=65536)
def name_key(text: str) -> str:
    """The comparable form of a name: folded, no possessive, no dots in acronyms."""
    text = fold(text)
    text = re.sub(r"'s\b|'\B", "", text)
    text = re.sub(r"(?<=\b\w)\.(?=\w\b|\s|$)", "", text)
    text = re.sub(r"\.(?=\s|$)", "", text)
    return re.sub(r"\s+", " ", text).strip()


#: Countries and unions that news text names in several ways ("U.K." for "Britain").
ALIASES: tuple[frozenset[str], ...] = tuple(
    frozenset(group.split("|"))
    for group in (
        "uk|britain|british|united kingdom|great britain",
        "us|usa|america|american|united states|united states of america",
        "un|united nations",
        "eu|european union",
        "nato|north atlantic treaty organization",
    )
)


def named_otherwise(name: str, folded: str, text: str) -> bool:
    """Whether a text (``folded`` by :func:`name_key`, and as written) names, in another of
    its usual forms (:data:`ALIASES`), the country or union that ``name`` names."""
    key = name_key(name)
    for group in ALIASES:
        if key in group:
            return any(
                re.search(rf"(?<![\w']){re.escape(alias)}(?![\w'])", folded)
                for alias in group - {"us"}
            ) or bool(re.search(r"\bU\.?S\b", text) and "us" in group)
    return False


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def spelled_value(words: str) -> Decimal | None:
    """ "twenty-five" → 25, "three hundred and forty two" → 342, "one million" → 1000000."""
    total, current, seen = 0, 0, False
    for word in re.split(r"[\s-]+", words.casefold()):
        if word == "and" or not word:
            continue
        if word in UNITS:
            current += UNITS[word]
        elif word in TENS:
            current += TENS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word in SCALES:
            total += max(current, 1) * SCALES[word]
            current = 0
        else:
            return None
        seen = True
    return Decimal(total + current) if seen else None


def _number_value(match: re.Match[str]) -> tuple[Decimal | None, bool]:
    if match.group("words"):
        return spelled_value(match.group("words")), True
    value = _decimal(match.group("digits"))
    scale = (match.group("scale") or "").strip().casefold()
    if value is not None and scale:
        value *= SCALES.get(scale) or SHORT_SCALES[scale]
    return value, False


def _currency(symbol: str) -> str:
    symbol = symbol.strip().casefold()
    if symbol in CURRENCY_CODES:
        return symbol.upper()
    if symbol.endswith("$"):
        return {"a$": "AUD", "c$": "CAD", "nz$": "NZD", "hk$": "HKD"}.get(symbol, "USD")
    return CURRENCY_SYMBOLS.get(symbol, symbol.upper())


class _Scanner:
    """Finds mentions in priority order; a character belongs to at most one mention."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.taken = [False] * len(text)
        self.found: list[Mention] = []
        # Most sentences of a long document state no figure and no date, and the patterns
        # below try every alternative at every position: a digit search and a look-up of
        # the sentence's words rule them out first. The words are compared lower-cased,
        # which is what IGNORECASE matching is for ASCII text; other text is always scanned.
        self.has_digit = _ANY_DIGIT.search(text) is not None
        self.words: frozenset[str] | None = word_set(text) if text.isascii() else None

    def may_hold(self, words: frozenset[str]) -> bool:
        """Whether the text has a digit or one of ``words`` (or is not ASCII)."""
        return self.has_digit or self.words is None or not self.words.isdisjoint(words)

    def free(self, start: int, end: int) -> bool:
        return not any(self.taken[start:end])

    def add(self, mention: Mention) -> None:
        for i in range(mention.start, mention.end):
            self.taken[i] = True
        self.found.append(mention)

    def dates(self) -> None:
        if not self.may_hold(_DATE_WORDS) or not _MAY_HOLD_DATE.search(self.text):
            return
        for pattern in (_DATE_ISO, _DATE_MDY, _DATE_DMY, _DATE_MY, _MONTH_ALONE):
            for m in pattern.finditer(self.text):
                if not self.free(m.start(), m.end()):
                    continue
                parts = m.groupdict()
                month = parts.get("month")
                month_no = int(month) if month and month.isdigit() else MONTHS[fold(month or "")]
                if month and not month.isdigit() and fold(month) == "may" and not parts.get("day"):
                    continue  # "may" alone is a verb far more often than a month
                if pattern is _MONTH_ALONE and m.group().isupper():
                    continue
                day = int(parts["day"]) if parts.get("day") else None
                if day is not None and not 1 <= day <= 31:
                    continue
                text, end = m.group(), m.end()
                if text.endswith(".") and len(month or "") > 4:
                    text, end = text[:-1], end - 1  # the full stop ends the sentence
                wd = parts.get("wd")
                value = DateValue(
                    year=int(parts["year"]) if parts.get("year") else None,
                    month=month_no,
                    day=day,
                    weekday=WEEKDAYS[fold(wd)] if wd else None,
                )
                self.add(Mention(MentionKind.date, text, m.start(), end, date=value))
        for m in _WEEKDAY_ALONE.finditer(self.text):
            if self.free(m.start(), m.end()):
                value = DateValue(weekday=WEEKDAYS[fold(m.group("wd"))])
                self.add(Mention(MentionKind.date, m.group(), m.start(), m.end(), date=value))

    def amounts(self) -> None:
        if not self.may_hold(_NUMBER_WORDS) or not _MAY_HOLD_AMOUNT.search(self.text):
            return
        for pattern in (_AMOUNT_BEFORE, _AMOUNT_AFTER):
            for m in pattern.finditer(self.text):
                if not self.free(m.start(), m.end()):
                    continue
                value, spelled = _number_value(m)
                if value is None:
                    continue
                groups = m.groupdict()
                currency = (
                    _currency(groups["cur"])
                    if groups.get("cur")
                    else CURRENCY_WORDS[fold(groups["curword"])]
                )
                text = m.group().strip()
                start = m.start() + (len(m.group()) - len(m.group().lstrip()))
                self.add(
                    Mention(
                        MentionKind.amount,
                        text,
                        start,
                        start + len(text),
                        value=value,
                        currency=currency,
                        spelled=spelled,
                    )
                )

    def percents(self) -> None:
        if not self.may_hold(_NUMBER_WORDS) or not _MAY_HOLD_PERCENT.search(self.text):
            return
        for m in _PERCENT.finditer(self.text):
            if self.free(m.start(), m.end()):
                value, spelled = _number_value(m)
                if value is not None:
                    self.add(
                        Mention(
                            MentionKind.percent,
                            m.group(),
                            m.start(),
                            m.end(),
                            value=value,
                            spelled=spelled,
                        )
                    )

    def years(self) -> None:
        if not self.has_digit:
            return
        for m in _YEAR.finditer(self.text):
            if self.free(m.start(), m.end()):
                value = DateValue(year=int(m.group("year")))
                self.add(Mention(MentionKind.date, m.group(), m.start(), m.end(), date=value))

    def numbers(self) -> None:
        if not self.may_hold(_NUMBER_WORDS):
            return
        for m in _BARE_NUMBER.finditer(self.text):
            if not self.free(m.start(), m.end()):
                continue
            value, spelled = _number_value(m)
            if value is None:
                continue
            words = m.group("words")
            # "one" is a pronoun as often as a number ("one of", "no one"); "a" is never
            # matched at all. A bare spelled "one" says too little to check.
            if words and fold(words) in ("one", "zero"):
                continue
            if not words and self._inside_token(m.start(), m.end()):
                continue
            self.add(
                Mention(
                    MentionKind.number,
                    m.group(),
                    m.start(),
                    m.end(),
                    value=value,
                    spelled=spelled,
                    unit=self._unit(m.end()),
                )
            )

    def _unit(self, end: int) -> str | None:
        """The unit a number measures: "20 minutes later" → "minute", "35-year-old" →
        "year". Only units of time, length, weight and volume: other nouns after a number
        are too often synonyms ("870 infections" of "870 people")."""
        following = _UNIT.match(self.text, end)
        return UNITS_OF_MEASURE.get(following.group(1)) if following else None

    def _inside_token(self, start: int, end: int) -> bool:
        """Digits glued to letters ("COVID-19", "G7", "pic.twitter") are names, not numbers."""
        before = self.text[start - 1] if start > 0 else " "
        after = self.text[end] if end < len(self.text) else " "
        glued_before = before.isalpha() or (
            before == "-" and start > 1 and self.text[start - 2].isalpha()
        )
        return glued_before or (after.isalpha() and after not in "kKmMbB")

    def names(self) -> None:
        for m in _NAME.finditer(self.text):
            run: list[tuple[int, int]] = []
            previous = ""
            for token in _NON_SPACE.finditer(m.group()):
                absolute = m.start() + token.start()
                word = token.group()
                stem = name_key(word).split("'", 1)[0]
                # "Theresa May", "Mrs May": after a first name or a personal title "May" is a
                # surname, not the month ("may" alone is never read as a date, see dates()).
                surname_may = stem == "may" and (bool(run) or previous in _PERSONAL_TITLES)
                previous = stem
                skip = (
                    not self.free(absolute, absolute + len(word))
                    or stem in TITLES
                    or (stem in NOT_NAMES and not _is_acronym(word))
                    or (stem in MONTHS and not surname_may)
                    or stem in WEEKDAYS
                    or (self._starts_sentence(absolute) and _common_opener(word))
                )
                if not skip:
                    end = absolute + len(word if _is_acronym(word) else word.rstrip("."))
                    run.append((absolute, end))
                # A full stop after a word ("El Al. Previously") ends the name.
                if skip or (word.endswith(".") and not _is_acronym(word) and stem not in TITLES):
                    self._add_name(run)
                    run = []
            self._add_name(run)

    def _add_name(self, run: list[tuple[int, int]]) -> None:
        if not run:
            return
        start, end = run[0][0], run[-1][1]
        text = self.text[start:end]
        key = name_key(text)
        if key:
            self.add(Mention(MentionKind.name, text, start, end, key=key))

    def _starts_sentence(self, index: int) -> bool:
        return bool(_SENTENCE_START.search(self.text[max(0, index - 4) : index]))


#: Compiled once: each is tried on every capitalised word of every sentence.
_NON_SPACE = re.compile(r"\S+")
#: Titles written before a surname alone ("Mrs May").
_PERSONAL_TITLES = frozenset("mr mrs ms miss dr sir dame lord lady prof professor".split())
_ACRONYM = re.compile(r"(?:[A-Z]\.){2,}")
_HYPHENATED = re.compile(r"-[a-z]")


def _is_acronym(word: str) -> bool:
    return _ACRONYM.fullmatch(word) is not None


def _common_opener(word: str) -> bool:
    """A capitalised word at the start of a sentence that is an ordinary word by its shape
    ("Previously", "Plant-derived") or by a short list ("Police", "Shares")."""
    stem = name_key(word).split("'", 1)[0]
    return (
        stem in COMMON_OPENERS
        or (stem.endswith("ly") and len(stem) > 4)
        or _HYPHENATED.search(word) is not None
    )


#: Frequent English words that open sentences capitalised without naming anything.
COMMON_OPENERS = NOT_NAMES | frozenset(
    (
        "police officials protesters activists critics residents experts officers "
        "researchers scientists students workers doctors people authorities lawmakers "
        "analysts investigators witnesses fans voters members leaders troops soldiers "
        "families parents children teachers several two three four five six seven eight "
        "nine ten dozens hundreds thousands millions shares stocks prices sales profits "
        "markets investors companies firms rather prior earlier later "
        # Conjunctive adverbs that open a sentence of a summary ("Furthermore, the group …");
        # those ending in -ly are caught by their shape.
        "furthermore moreover nonetheless nevertheless overall besides likewise otherwise "
        "therefore thereafter notably"
    ).split()
)


@lru_cache(maxsize=16384)
def sentence_mentions(text: str) -> tuple[Mention, ...]:
    """:func:`extract` of one sentence, cached: grounding, the selection and the attribution
    rules all read every sentence's names, numbers and dates."""
    return tuple(extract(text))


def extract(text: str) -> list[Mention]:
    """Every date, amount, percentage, number and name in ``text``, in order of position."""
    scanner = _Scanner(text)
    scanner.dates()
    scanner.amounts()
    scanner.percents()
    scanner.years()
    scanner.numbers()
    scanner.names()
    return sorted(scanner.found, key=lambda m: m.start)


@dataclass
class Inventory:
    """What a text states, ready for look-ups: values by kind, names, folded words."""

    text: str
    mentions: list[Mention]
    folded: str = ""
    words: frozenset[str] = frozenset()
    #: The text with the dots of acronyms removed ("U.S." → "US"), case kept.
    undotted: str = ""
    # Look-up tables built on first use: a whole source's inventory answers thousands of
    # look-ups (one per name and figure of every claim), and a scan per look-up would make
    # a long document's grounding quadratic.
    _values: set[Decimal] | None = field(default=None, init=False, repr=False, compare=False)
    _by_prefix: dict[str, list[str]] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _phrases: dict[str, bool] = field(default_factory=dict, init=False, repr=False, compare=False)
    _by_value: dict[Decimal, list[Mention]] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _dates: list[Mention] | None = field(default=None, init=False, repr=False, compare=False)

    def _with_value(self, value: Decimal) -> list[Mention]:
        """The mentions stating ``value``, by a table built on first use."""
        if self._by_value is None:
            self._by_value = {}
            for m in self.mentions:
                if m.value is not None:
                    self._by_value.setdefault(m.value, []).append(m)
        return self._by_value.get(value, [])

    def _date_mentions(self) -> list[Mention]:
        if self._dates is None:
            self._dates = [m for m in self.mentions if m.date is not None]
        return self._dates

    @classmethod
    def of(cls, text: str, mentions: list[Mention] | None = None) -> Inventory:
        """The inventory of ``text``; ``mentions``, when given, are its mentions already
        extracted (a source's, gathered sentence by sentence)."""
        folded = name_key(text)
        return cls(
            text=text,
            mentions=extract(text) if mentions is None else mentions,
            folded=folded,
            # A quotation mark is no part of the word it opens or closes ("'Thank God'").
            words=frozenset(w.strip("'") for w in re.findall(r"[\w']+", folded)) - {""},
            undotted=_undot(text),
        )

    def values(self) -> set[Decimal]:
        """Every number the text states in any form, ordinals and "dozen" included."""
        if self._values is None:
            self._values = self._all_values()
        return self._values

    def _all_values(self) -> set[Decimal]:
        found = {m.value for m in self.mentions if m.value is not None}
        # A year can be written as a bare number; a day of the month is no count of things.
        found |= {Decimal(m.date.year) for m in self.mentions if m.date and m.date.year}
        found |= {Decimal(v) for w, v in ORDINALS.items() if w in self.words}
        if "one" in self.words or re.search(r"\ba\s+(?:single|lone)\b", self.folded):
            found.add(Decimal(1))
        return found

    def has(self, mention: Mention) -> bool:
        """Whether this text states what ``mention`` states."""
        if mention.kind is MentionKind.name:
            return self.has_name(mention)
        if mention.kind is MentionKind.date:
            stated = mention.date or DateValue()
            return any(
                m.date is not None and stated.agrees_with(m.date) for m in self._date_mentions()
            ) or (
                stated.month is None
                and stated.day is None
                and stated.weekday is None
                and stated.year is not None
                and Decimal(stated.year) in self.values()
            )
        if mention.value is None:
            return True
        if mention.kind is MentionKind.amount:
            same = self._with_value(mention.value)
            if any(m.kind is MentionKind.amount for m in same):
                return any(
                    m.currency == mention.currency for m in same if m.kind is MentionKind.amount
                )
            return bool(same)
        if mention.kind is MentionKind.percent:
            return any(m.kind is MentionKind.percent for m in self._with_value(mention.value))
        if mention.unit is not None:
            same = self._with_value(mention.value)
            numbers = [m for m in same if m.kind is MentionKind.number]
            if (
                numbers
                and len(numbers) == len(same)
                and all(m.unit is not None and m.unit != mention.unit for m in numbers)
            ):
                return False  # "20 years" is not "20 minutes"
        return mention.value in self.values()

    def has_name(self, mention: Mention) -> bool:
        """A name is stated when the text has it whole, or each of its words as a name
        ("London Russian embassy" is London and Russian); an acronym ("U.S.", "UK") must
        appear in capitals, so the pronoun "us" is not the U.S."""
        # An acronym's plural is the acronym ("PhDs" of the speakers "PhD D" and "PhD F",
        # "MPs"): its "s" follows a capital, which no plural of a surname does.
        plural = _ACRONYM_PLURAL.fullmatch(mention.text)
        if plural and self.has_name(replace(mention, text=plural[1], key=name_key(plural[1]))):
            return True
        acronym = _undot(re.sub(r"['’]s$", "", mention.text))
        if re.fullmatch(r"[A-Z]{2,}", acronym):
            remembered = "\x00" + acronym  # no folded key starts with a NUL
            if remembered not in self._phrases:
                self._phrases[remembered] = bool(
                    re.search(rf"(?<![\w]){acronym}(?![\w])", self.undotted)
                )
            return self._phrases[remembered]
        key = mention.key
        words = key.split()
        if len(words) == 1 and re.fullmatch(r"[\w']+", key):
            # A single word stands whole in the text exactly when it is one of its words.
            if key in self.words:
                return True
        elif all(w in self.words for w in re.findall(r"[\w']+", key)) and (
            self._has_phrase(key)
            # Tokenised text (transcripts, some corpora) writes "Go-there" as "Go - there".
            or ("-" in key and self._has_phrase(_SPACED_HYPHEN.sub(" - ", key)))
        ):
            return True
        if len(words) == 1:
            return any(related_forms(key, w) for w in self._sharing_prefix(key))
        return all(self.has_name(replace(mention, text=w, key=w)) for w in words)

    def _has_phrase(self, key: str) -> bool:
        """Whether ``key`` stands whole in the folded text (not inside a longer word).
        ``str.find`` rather than a regular expression: a long source is searched for the
        same few names again and again, and the answers are kept."""
        if key not in self._phrases:
            text = self.folded
            found, at = False, text.find(key)
            while at >= 0 and not found:
                end = at + len(key)
                found = not _joins(text, at - 1) and not _joins(text, end)
                at = text.find(key, at + 1)
            self._phrases[key] = found
        return self._phrases[key]

    def _sharing_prefix(self, word: str) -> list[str]:
        """The text's words that begin as ``word`` does: the only ones :func:`related_forms`
        can relate to it (they must share at least five first letters)."""
        if self._by_prefix is None:
            self._by_prefix = {}
            for w in self.words:
                if len(w) >= 5:
                    self._by_prefix.setdefault(w[:5], []).append(w)
        return self._by_prefix.get(word[:5], [])


def _joins(text: str, at: int) -> bool:
    """Whether ``text[at]`` belongs to a word beside it: a letter, digit or underscore, or
    an apostrophe between two letters or digits ("o'brien", "you've"). An apostrophe at a
    word's edge is a quotation mark ("'thank god'"). Out of range: no."""
    if at < 0 or at >= len(text):
        return False
    if text[at] != "'":
        return text[at].isalnum() or text[at] == "_"
    return 0 < at < len(text) - 1 and text[at - 1].isalnum() and text[at + 1].isalnum()


def _undot(text: str) -> str:
    return re.sub(r"(?<=\b[A-Z])\.", "", text)


_ACRONYM_PLURAL = re.compile(r"([A-Z][A-Za-z]*[A-Z])s")


def related_forms(a: str, b: str) -> bool:
    """ "Russia"/"Russian", "Ukraine"/"Ukrainian": one name, another ending."""
    if len(a) < 5 or len(b) < 5:
        return False
    common = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        common += 1
    return common >= max(5, max(len(a), len(b)) - 3)
