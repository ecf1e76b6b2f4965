"""Reports, verdicts and summary checks as Markdown (``report.to_markdown()``, the CLI on a
terminal).

Each leads with what a reader came for and one line of what was repaired; the per-item
flags are reduced to a marker on the item and a short "Flags" section at the end, counted
by kind. The JSON keeps every flag with its message.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from factcheck.render_summary import flag_groups, repair_line, usage_line

if TYPE_CHECKING:
    from factcheck.models import Claim, Flag, Price, Report, SummaryCheck, Verdict

__all__ = ["report_markdown", "summary_check_markdown", "verdicts_markdown"]


def _one_line(text: str) -> str:
    # Markdown list items and table cells end at a newline; a pipe would split a table cell.
    return " ".join(text.split()).replace("|", "\\|")


def _marker(flags: Sequence[Flag]) -> str:
    """`⚑ low_overlap, replaced`: which kinds concern the item (the details are in JSON)."""
    if not flags:
        return ""
    return " ⚑ " + ", ".join(dict.fromkeys(f.kind.value for f in flags))


def _claim(i: int, claim: Claim) -> list[str]:
    who = f" — *{_one_line(claim.speaker)}*" if claim.speaker else ""
    when = f" ({_one_line(claim.time)})" if claim.time else ""
    facts = [claim.type.value, "checkable" if claim.checkable else "not checkable"]
    if claim.rank:
        facts.insert(0, f"rank {claim.rank}, score {claim.score:.2f}")
    if claim.origin == "source":
        facts.append("source wording")
    head = f"{i}. **{_one_line(claim.statement)}**{who}{when} · {' · '.join(facts)}"
    said = f" (speaker named in {', '.join(claim.speaker_ids)})" if claim.speaker_ids else ""
    cites = f"[{', '.join(claim.sentence_ids)}]{said}"
    if _one_line(claim.statement) == _one_line(claim.quote):
        # The statement is the quote word for word: say it once.
        return [f"{head} {cites}{_marker(claim.flags)}"]
    return [head + _marker(claim.flags), f"   > {_one_line(claim.quote)} {cites}"]


def report_markdown(report: Report, *, price: Price | None = None) -> str:
    """Headline, the repair line, key points, claims (best first) with their quotes, the
    flags counted by kind, and a footer with usage (and the estimated cost at ``price``)."""
    lines = [f"# {_one_line(report.headline)}", "", f"_{repair_line(report)}_", ""]
    lines += ["## Key points", ""]
    for point in report.key_points:
        origin = " · source wording" if point.origin == "source" else ""
        lines.append(
            f"- {_one_line(point.text)} [{', '.join(point.sentence_ids)}]{origin}"
            + _marker(point.flags)
        )
    of = f" ({len(report.claims)} of {report.candidates} candidates)" if report.candidates else ""
    lines += ["", f"## Claims{of}", ""]
    for i, claim in enumerate(report.claims):
        lines += _claim(i, claim)
    groups = flag_groups(report)
    if groups:
        total = sum(g.count for g in groups)
        lines += [
            "",
            "## Flags",
            "",
            f"{total} in all (the JSON output has each one's message):",
            "",
        ]
        lines += [f"- {g.kind} ×{g.count}: {g.where()}" for g in groups]
    lines += [
        "",
        "---",
        f"model `{report.model}` · prompts `{report.prompt_version}` · {report.chunks} chunk(s) · "
        + usage_line(report.usage, price),
    ]
    return "\n".join(lines) + "\n"


def verdicts_markdown(
    report: Report, verdicts: Sequence[Verdict], *, price: Price | None = None
) -> str:
    """The report's headline and one entry per claim: its verdict, evidence and rationale."""
    lines = [f"# {_one_line(report.headline)}", "", "## Verdicts", ""]
    for v in verdicts:
        label = v.label.value.replace("_", " ")
        confidence = f" ({v.confidence:.0%})" if v.confidence else ""
        lines.append(f"{v.claim_index}. **{label}**{confidence} — {_one_line(v.statement)}")
        for passage in v.evidence:
            where = f"doc {passage.document}, " if v.against == "evidence" else ""
            lines.append(f"   > {_one_line(passage.text)} [{where}{passage.sentence_id}]")
        if v.downgraded and v.model_label is not None:
            lines.append(f"   - model said {v.model_label.value.replace('_', ' ')}")
        if v.safeguard:
            lines.append(f"   - safeguard: {v.safeguard}")
        elif v.rationale:
            lines.append(f"   - {_one_line(v.rationale)}")
    counts = Counter(v.label.value.replace("_", " ") for v in verdicts)
    usage = getattr(verdicts, "usage", None)
    cost = f" · {usage_line(usage, price)}" if usage is not None else ""
    summary = ", ".join(f"{n} {label}" for label, n in sorted(counts.items()))
    lines += ["", "---", f"{len(verdicts)} verdict(s): {summary}{cost}"]
    return "\n".join(lines) + "\n"


def summary_check_markdown(check: SummaryCheck, *, price: Price | None = None) -> str:
    """Each summary sentence with its label, evidence sentence ids and the kinds of its flags."""
    verdict = "consistent" if check.consistent else "not consistent"
    lines = [f"# Summary check: {verdict} with the source (score {check.score:.2f})", ""]
    for s in check.sentences:
        ids = ", ".join(span.sentence_id for span in s.evidence) or "no evidence"
        lines.append(f"{s.index}. **{s.label.value}** — {_one_line(s.text)} [{ids}]")
        lines.extend(f"   - ⚠ {f.kind.value}: {_one_line(f.message)}" for f in s.flags)
    model = f"model `{check.model}` · " if check.model else "deterministic checks only · "
    lines += ["", "---", model + usage_line(check.usage, price)]
    return "\n".join(lines) + "\n"
