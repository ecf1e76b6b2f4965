"""An index of a Source, built once, so that checking many items costs per item, not per text.

Grounding asks the same questions of one source for every claim, key point and speaker:
which words does the source (or a cited sentence) contain, what does it mention, which
sentences share a word with this text. Answering them by rescanning ``source.text`` makes
the checks of a long document quadratic (claims grow with the text, and each scan reads
the whole text). :class:`SourceIndex` answers them from structures built in one pass:

- content words per sentence, and their union for the whole source;
- postings: content word → the sentences that contain it, in order;
- mention inventories (names, numbers, amounts, percentages, dates) per sentence, of any
  joined run of cited sentences, and of the whole source, each built on first use and kept.

Use :func:`index_for` to get the one index of a source (it is built at most once while the
source is in use); :class:`SourceIndex` itself is a plain object and may be built directly.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from factcheck.models import Source, sentence_index

if TYPE_CHECKING:
    from factcheck.entities import Inventory

_WORD = re.compile(r"[\w'’]+")

#: Words that carry no content: function words, pronouns, reporting verbs and weekdays.
#: Grounding reads content words through :func:`content_words` too, so that overlap figures
#: computed through the index equal those computed from the text.
STOPWORDS = frozenset(
    (
        "a an the he she it they we i you his her its their our this that these those there "
        "here in on at of for to by with from as but and or if when while after before since "
        "during under over about also however meanwhile according said says mr mrs ms dr "
        "monday tuesday wednesday thursday friday saturday sunday "
        "is are was were be been being has have had do does did will would can could should "
        "may might must not no yes so than then into out up down more most less least very "
        "own such only other some any all each every both few many much what which who whom "
        "whose why how"
    ).split()
)


def fold(text: str) -> str:
    """Case- and quote-folded text: NFKC, casefold, curly quotes made straight."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')


def content_words(text: str) -> frozenset[str]:
    """Folded words of more than two letters that are not stopwords."""
    return frozenset(w for w in _WORD.findall(fold(text)) if w not in STOPWORDS and len(w) > 2)


WordsFn = Callable[[str], Iterable[str]]


class SourceIndex:
    """Words, postings and mention inventories of one :class:`Source`, built once.

    ``words``: how a text becomes its content words (default :func:`content_words`); pass
    grounding's own rule if it differs, so look-ups and direct computation agree.
    Word sets and postings are built eagerly (one pass over the text, linear); inventories,
    which run the mention extractor, are built on first use per sentence and memoised.
    Safe to share between threads (memo tables are filled under a lock).
    """

    def __init__(self, source: Source, *, words: WordsFn = content_words) -> None:
        self.source = source
        self._words_fn = words
        self.sentence_words: list[frozenset[str]] = [
            frozenset(words(s.text)) for s in source.sentences
        ]
        postings: dict[str, list[int]] = {}
        for i, these in enumerate(self.sentence_words):
            for word in these:
                postings.setdefault(word, []).append(i)
        self.postings: dict[str, tuple[int, ...]] = {w: tuple(v) for w, v in postings.items()}
        self.words: frozenset[str] = frozenset(postings)
        self._lock = threading.Lock()
        self._sentence_inventories: dict[int, Inventory] = {}
        self._cited_inventories: dict[tuple[int, ...], Inventory] = {}
        self._source_inventory: Inventory | None = None
        self._source_values: frozenset[Decimal] | None = None

    # -- words --------------------------------------------------------------------------

    def indices(self, ids: Iterable[str]) -> list[int]:
        """Positions of the existing sentences among ``ids``, in source order, no repeats."""
        found = {
            i
            for sid in ids
            if (i := sentence_index(sid)) is not None and i < len(self.source.sentences)
        }
        return sorted(found)

    def words_of(self, ids: Iterable[str]) -> frozenset[str]:
        """Content words of the cited sentences (no text is re-read)."""
        chosen = self.indices(ids)
        if len(chosen) == 1:
            return self.sentence_words[chosen[0]]
        return frozenset().union(*(self.sentence_words[i] for i in chosen))

    def in_source(self, text: str) -> frozenset[str]:
        """The content words of ``text`` that occur anywhere in the source."""
        return frozenset(self._words_fn(text)) & self.words

    def sentences_with(self, word: str) -> tuple[int, ...]:
        """Positions of the sentences whose content words include ``word`` (folded)."""
        return self.postings.get(word, ())

    def closest(self, text: str, k: int) -> list[tuple[int, int]]:
        """Up to ``k`` ``(shared words, position)`` pairs, most shared first (ties: earlier
        sentence first); only sentences sharing at least one word, found via the postings."""
        counts: dict[int, int] = {}
        for word in set(self._words_fn(text)):
            for i in self.postings.get(word, ()):
                counts[i] = counts.get(i, 0) + 1
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        return [(shared, i) for i, shared in ranked[:k]]

    # -- mentions -----------------------------------------------------------------------

    def sentence_inventory(self, position: int) -> Inventory:
        """The mentions of sentence ``position``, extracted once."""
        found = self._sentence_inventories.get(position)
        if found is None:
            from factcheck.entities import Inventory

            found = Inventory.of(self.source.sentences[position].text)
            with self._lock:
                self._sentence_inventories.setdefault(position, found)
        return found

    def cited_inventory(self, ids: Iterable[str]) -> Inventory:
        """The mentions of the cited sentences joined by spaces (as grounding joins them),
        extracted once per distinct set of citations."""
        chosen = tuple(self.indices(ids))
        found = self._cited_inventories.get(chosen)
        if found is None:
            from factcheck.entities import Inventory

            text = " ".join(self.source.sentences[i].text for i in chosen)
            found = Inventory.of(text)
            with self._lock:
                self._cited_inventories.setdefault(chosen, found)
        return found

    @property
    def source_inventory(self) -> Inventory:
        """The mentions of the whole source text, extracted once."""
        if self._source_inventory is None:
            from factcheck.entities import Inventory

            built = Inventory.of(self.source.text)
            with self._lock:
                if self._source_inventory is None:
                    self._source_inventory = built
        return self._source_inventory

    @property
    def source_values(self) -> frozenset[Decimal]:
        """Every number the source states (``Inventory.values()``, computed once: it walks
        every mention of the source, so calling it per check is linear in the text)."""
        if self._source_values is None:
            self._source_values = frozenset(self.source_inventory.values())
        return self._source_values


_INDEX_SLOTS = 8
_indexes: OrderedDict[int, tuple[Source, SourceIndex]] = OrderedDict()
_indexes_lock = threading.Lock()


def index_for(source: Source) -> SourceIndex:
    """The index of ``source`` with the default word rule, built on first request.

    Keyed by object identity (a Source is mutable, so not hashable); the last few sources
    are kept, which covers a report being assembled and checked. A source modified after
    indexing must be re-indexed with ``SourceIndex(source)``.
    """
    key = id(source)
    with _indexes_lock:
        entry = _indexes.get(key)
        if entry is not None and entry[0] is source:
            _indexes.move_to_end(key)
            return entry[1]
    built = SourceIndex(source)
    with _indexes_lock:
        _indexes[key] = (source, built)
        _indexes.move_to_end(key)
        while len(_indexes) > _INDEX_SLOTS:
            _indexes.popitem(last=False)
    return built
