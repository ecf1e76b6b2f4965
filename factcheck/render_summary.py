"""What a reader sees before the details, shared by the Markdown and HTML renderings: one
line saying what the library repaired, the flags counted by kind, and the usage footer
(with an estimated cost when the caller gives a :class:`~factcheck.models.Price`).

The per-item flags stay on the items (and all of them in the JSON); these summaries keep
a hundred of them out of the reader's way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from factcheck.models import Claim, Flag, KeyPoint, Price, Report, Usage

__all__ = ["FlagGroup", "flag_groups", "format_cost", "repair_line", "usage_line"]


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def _replaced(item: Claim | KeyPoint) -> bool:
    # Source wording because the model's failed grounding, as opposed to source wording by
    # design (an endpoint that only labels sentences): the `replaced` flag tells them apart.
    return item.origin == "source" and any(f.kind.value == "replaced" for f in item.flags)


def repair_line(report: Report) -> str:
    """One sentence on what the library repaired in the model's answer, e.g. "11 of 12
    claims use the source's wording: the model's failed grounding; 2 speakers taken from
    the text"."""
    parts: list[str] = []
    claims = report.claims
    replaced = sum(1 for c in claims if _replaced(c))
    if replaced:
        parts.append(
            f"{replaced} of {_plural(len(claims), 'claim')} "
            "use the source's wording: the model's failed grounding"
        )
    points = report.key_points
    point_replaced = sum(1 for p in points if _replaced(p))
    if point_replaced:
        parts.append(
            f"{point_replaced} of {_plural(len(points), 'key point')} use the source's wording"
        )
    if report.headline_origin == "source":
        parts.append("the headline is the source's")
    kinds = Counter(f.kind.value for f in report.flags)
    for kind, one, many in (
        ("speaker_replaced", "speaker taken from the text", "speakers taken from the text"),
        ("pronoun_resolved", "pronoun resolved to a name", "pronouns resolved to names"),
        ("opinion_marked_checkable", "opinion marked not checkable", "opinions marked so"),
        ("text_repaired", "text cleaned of markup", "texts cleaned of markup"),
    ):
        if kinds[kind]:
            parts.append(_plural(kinds[kind], one, many))
    dropped = report.candidates - len(claims)
    if report.candidates and dropped > 0:
        parts.append(f"{len(claims)} of {_plural(report.candidates, 'candidate')} kept, best first")
    if not parts:
        return "Nothing repaired: the model's wording passed every check."
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


@dataclass(frozen=True)
class FlagGroup:
    """All flags of one kind: how many, and on which items."""

    kind: str
    count: int
    items: tuple[str, ...]

    def where(self, limit: int = 8) -> str:
        shown = ", ".join(self.items[:limit])
        more = len(self.items) - limit
        return shown + (f" and {more} more" if more > 0 else "")


def flag_groups(report: Report) -> list[FlagGroup]:
    """The report's flags by kind, most frequent first, each with the items it concerns
    (``claim 3`` is the claim at index 3 of ``report.claims``, as in verdicts)."""
    items: dict[str, list[str]] = {}
    counts: Counter[str] = Counter()

    def note(flags: Sequence[Flag], item: str) -> None:
        for flag in flags:
            counts[flag.kind.value] += 1
            seen = items.setdefault(flag.kind.value, [])
            if item not in seen:
                seen.append(item)

    note([f for f in report.flags if f.item == "headline"], "headline")
    for i, point in enumerate(report.key_points):
        note(point.flags, f"key point {i}")
    for i, claim in enumerate(report.claims):
        note(claim.flags, f"claim {i}")
    # Flags on no item (a failed chunk, say) are counted too. Compared by value: a report
    # read back from JSON holds equal copies, not the same objects.
    rest = [f for f in report.flags if f.item != "headline"]
    for flag in [f for c in report.claims for f in c.flags] + [
        f for p in report.key_points for f in p.flags
    ]:
        if flag in rest:
            rest.remove(flag)
    note(rest, "report")
    return [
        FlagGroup(kind=kind, count=count, items=tuple(items[kind]))
        for kind, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def format_cost(usage: Usage, price: Price) -> str:
    """``≈ 0.0012 USD`` (four significant figures: an estimate, not an invoice)."""
    return f"≈ {usage.cost(price):.4g} {price.currency}"


def usage_line(usage: Usage, price: Price | None = None) -> str:
    """Calls, tokens, cache hits, re-asks and retries; the estimated cost when priced."""
    cached = f" ({usage.cached_input_tokens} cached)" if usage.cached_input_tokens else ""
    line = (
        f"{usage.calls} call(s), {usage.input_tokens} input{cached} + {usage.output_tokens} "
        f"output tokens, {usage.cache_hits} cache hit(s), {usage.reasks} re-ask(s), "
        f"{usage.retries} retr(y/ies)"
    )
    return line + (f", {format_cost(usage, price)}" if price is not None else "")
