"""Reports as JSON and Markdown."""

from __future__ import annotations

from factcheck.models import Report


def report_to_json(report: Report, *, indent: int | None = 2) -> str:
    return report.model_dump_json(indent=indent)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def report_to_markdown(report: Report) -> str:
    """A readable report: headline, key points, claims with their quotes, flags, usage."""
    lines = [f"# {report.headline}", "", "## Key points", ""]
    for point in report.key_points:
        marks = f" ⚠ {len(point.flags)} flag(s)" if point.flags else ""
        lines.append(f"- {point.text} [{', '.join(point.sentence_ids)}]{marks}")
    lines += ["", "## Claims", ""]
    for i, claim in enumerate(report.claims):
        who = f" — *{claim.speaker}*" if claim.speaker else ""
        when = f" ({claim.time})" if claim.time else ""
        kind = f"{claim.type.value}, {'checkable' if claim.checkable else 'not checkable'}"
        lines.append(f"{i}. **{_cell(claim.statement)}**{who}{when} · {kind}")
        lines.append(f"   > {_cell(claim.quote)} [{', '.join(claim.sentence_ids)}]")
        lines.extend(f"   - ⚠ {flag.kind.value}: {flag.message}" for flag in claim.flags)
    point_flags = [f for p in report.key_points for f in p.flags]
    if point_flags:
        lines += ["", "## Key point flags", ""]
        lines.extend(f"- {f.item}: {f.kind.value}: {f.message}" for f in point_flags)
    u = report.usage
    lines += [
        "",
        "---",
        f"model `{report.model}` · prompts `{report.prompt_version}` · {report.chunks} chunk(s) · "
        f"{u.calls} call(s), {u.input_tokens} input + {u.output_tokens} output tokens, "
        f"{u.cache_hits} cache hit(s), {u.reasks} re-ask(s), {u.retries} retr(y/ies) · "
        f"{len(report.flags)} flag(s)",
    ]
    return "\n".join(lines) + "\n"
