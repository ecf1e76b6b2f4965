"""Reports as self-contained HTML: Jupyter's ``_repr_html_`` and ``--format html``.

The article is untrusted input, so every piece of text goes through :func:`html.escape`.
The markup carries its own inline stylesheet (``factcheck/static/report.css``, a package
resource) and no script, so it renders the same offline, in a notebook, in a saved file or
in a browser that blocks scripts. Anchors link each claim to the sentences it cites and each
highlighted sentence back to its claims. A report leads with its headline and one line of
what was repaired; each item's flags are folded into a ``<details>`` element, and all of
them are counted by kind at the end.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import cache
from html import escape
from importlib import resources
from typing import TYPE_CHECKING

from factcheck.render_summary import flag_groups, format_cost, repair_line

if TYPE_CHECKING:
    from factcheck.models import (
        Claim,
        Flag,
        KeyPoint,
        Price,
        Report,
        Source,
        SummaryCheck,
        Verdict,
    )

__all__ = [
    "label_badge",
    "page",
    "report_html",
    "report_page",
    "stylesheet",
    "summary_check_html",
    "verdict_badge",
    "verdicts_html",
]


@cache
def stylesheet() -> str:
    """The stylesheet every fragment carries inline (read once from the package)."""
    return (resources.files("factcheck") / "static" / "report.css").read_text(encoding="utf-8")


_SOURCE_WORDING = (
    '<span class="fc-origin" title="the model\'s wording failed grounding; the cited text '
    'stands in for it"> · source wording</span>'
)


def _uid(*parts: str) -> str:
    # Anchors must be unique per rendered report in a notebook page, and stable across
    # renders of the same report so that tests and saved files do not churn.
    return "fc-" + hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()[:8]


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _flag_chips(flags: Sequence[Flag], *, folded: bool = False) -> str:
    """One chip per kind of flag (with a count), its messages in the tooltip; ``folded``:
    inside a ``<details>`` whose summary only says how many there are."""
    if not flags:
        return ""
    if folded:
        return (
            f'<details class="fc-flag-details"><summary title="show the flags">⚑ {len(flags)}'
            f"</summary>{_flag_chips(flags)}</details>"
        )
    counts = Counter(f.kind.value for f in flags)
    chips = []
    for kind, count in counts.items():
        messages = "\n".join(f.message for f in flags if f.kind.value == kind)
        label = f"⚠ {kind}" + (f" ×{count}" if count > 1 else "")
        chips.append(
            f'<span class="fc-flag" data-flag="{_e(kind)}" title="{_e(messages)}">'
            f"{_e(label)}</span>"
        )
    return "".join(chips)


def _cites(uid: str, sentence_ids: Iterable[str], source: Source) -> str:
    links = []
    for sid in sentence_ids:
        if source.sentence(sid) is None:
            links.append(f'<span class="fc-cite" title="no such sentence">{_e(sid)}</span>')
        else:
            links.append(f'<a class="fc-cite" href="#{uid}-{_e(sid)}">{_e(sid)}</a>')
    return "".join(links)


_TONE = {"supported": "good", "contradicted": "bad", "unsupported": "bad"}


def label_badge(label: str, title: str = "") -> str:
    """A coloured label: supported (green), contradicted/unsupported (red), else amber."""
    tone = _TONE.get(label, "mid")
    tip = f' title="{_e(title)}"' if title else ""
    return (
        f'<span class="fc-verdict fc-verdict-{tone}" data-label="{_e(label)}"{tip}>'
        f"{_e(label.replace('_', ' '))}</span>"
    )


def verdict_badge(verdict: Verdict, *, compact: bool = False) -> str:
    """A verdict's label with its confidence, the safeguard that overruled the model (if
    any) and the rationale: underneath, or (``compact``, for the claims table) in the
    label's tooltip with a marker that there is more to read."""
    notes = []
    if verdict.downgraded and verdict.model_label is not None:
        notes.append(f"model said {verdict.model_label.value.replace('_', ' ')}")
    if verdict.safeguard:
        notes.append(verdict.safeguard)
    confidence = (
        f' <span class="fc-num">{verdict.confidence:.0%}</span>' if verdict.confidence else ""
    )
    if compact:
        tip = "\n".join([*notes, verdict.rationale] if verdict.rationale else notes)
        marker = (
            f' <span class="fc-why-mark" title="{_e(verdict.safeguard)}">⚑ safeguard</span>'
            if verdict.safeguard
            else ""
        )
        return f"{label_badge(verdict.label.value, tip)}{confidence}{marker}"
    note = f'<span class="fc-why">{_e("; ".join(notes))}</span>' if notes else ""
    why = f'<span class="fc-why">{_e(verdict.rationale)}</span>' if verdict.rationale else ""
    return f"{label_badge(verdict.label.value)}{confidence}{note}{why}"


def _claim_row(
    uid: str, index: int, claim: Claim, source: Source, verdict: Verdict | None, with_verdicts: bool
) -> str:
    origin = _SOURCE_WORDING if claim.origin == "source" else ""
    checkable = (
        '<span class="fc-yes">✓ yes</span>' if claim.checkable else '<span class="fc-no">no</span>'
    )
    score = (
        f'<span title="rank {claim.rank}: check-worthiness {claim.score:.2f}">{claim.score:.2f}'
        "</span>"
        if claim.rank
        else "—"
    )
    said = (
        f" {_cites(uid, claim.speaker_ids, source)}" if claim.speaker and claim.speaker_ids else ""
    )
    cells = [
        f'<td class="fc-num">{index}</td>',
        f'<td class="fc-num fc-score" data-rank="{claim.rank}">{score}</td>',
        f'<td class="fc-statement">{_e(claim.statement)}{origin}</td>',
        f'<td class="fc-speaker">{_e(claim.speaker or "—")}{said}</td>',
        f'<td class="fc-type">{_e(claim.type.value)}</td>',
        f'<td class="fc-checkable">{checkable}</td>',
    ]
    if with_verdicts:
        badge = verdict_badge(verdict, compact=True) if verdict is not None else "—"
        cells.append(f'<td class="fc-verdict-cell">{badge}</td>')
    cells.append(f'<td class="fc-cites">{_cites(uid, claim.sentence_ids, source)}</td>')
    cells.append(f'<td class="fc-flags">{_flag_chips(claim.flags, folded=True)}</td>')
    row_class = "fc-claim fc-flagged" if claim.flags else "fc-claim"
    return f'<tr id="{uid}-c{index}" class="{row_class}">{"".join(cells)}</tr>'


def _claims_table(
    uid: str, claims: Sequence[Claim], source: Source, verdicts: Sequence[Verdict] | None
) -> str:
    by_claim = {v.claim_index: v for v in verdicts} if verdicts is not None else {}
    head = ["#", "Score", "Claim", "Speaker", "Type", "Checkable"]
    if verdicts is not None:
        head.append("Verdict")
    head += ["Cites", "Flags"]
    rows = [
        _claim_row(uid, i, claim, source, by_claim.get(i), verdicts is not None)
        for i, claim in enumerate(claims)
    ]
    return (
        '<table class="fc-claims"><thead><tr>'
        + "".join(f"<th>{_e(h)}</th>" for h in head)
        + "</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )


def _key_points(uid: str, points: Sequence[KeyPoint], source: Source) -> str:
    items = []
    for i, point in enumerate(points):
        origin = _SOURCE_WORDING if point.origin == "source" else ""
        items.append(
            f'<li id="{uid}-k{i}" class="fc-point{" fc-flagged" if point.flags else ""}">'
            f"{_e(point.text)}{origin} {_cites(uid, point.sentence_ids, source)} "
            f"{_flag_chips(point.flags, folded=True)}</li>"
        )
    return f'<ol class="fc-points" start="0">{"".join(items)}</ol>'


Citing = dict[str, list[tuple[str, str, bool]]]


def _citing(uid: str, claims: Sequence[Claim], points: Sequence[KeyPoint] = ()) -> Citing:
    """sentence id → (anchor, label, flagged) of every claim (``#3``) and key point
    (``k0``) that cites it."""
    citing: Citing = {}
    for i, claim in enumerate(claims):
        for sid in dict.fromkeys(claim.sentence_ids):
            citing.setdefault(sid, []).append((f"{uid}-c{i}", f"#{i}", bool(claim.flags)))
    for i, point in enumerate(points):
        for sid in dict.fromkeys(point.sentence_ids):
            citing.setdefault(sid, []).append((f"{uid}-k{i}", f"k{i}", bool(point.flags)))
    return citing


def _source_text(uid: str, source: Source, citing: Citing) -> str:
    """The article with every sentence anchored, and every cited sentence highlighted and
    linked back to what cites it."""
    parts: list[str] = []
    position = 0
    for sentence in source.sentences:
        parts.append(_e(source.text[position : sentence.start]))
        refs = citing.get(sentence.id)
        anchor = f"{uid}-{_e(sentence.id)}"
        if refs:
            flagged = any(flag for _, _, flag in refs)
            links = "".join(f'<a href="#{target}">{_e(label)}</a>' for target, label, _ in refs)
            parts.append(
                f'<mark id="{anchor}" class="fc-cited{" fc-flagged" if flagged else ""}" '
                f'data-sentence="{_e(sentence.id)}" title="{_e(sentence.id)}">'
                f'{_e(sentence.text)}</mark><sup class="fc-refs">{links}</sup>'
            )
        else:
            parts.append(
                f'<span id="{anchor}" class="fc-sentence" data-sentence="{_e(sentence.id)}" '
                f'title="{_e(sentence.id)}">{_e(sentence.text)}</span>'
            )
        position = sentence.end
    parts.append(_e(source.text[position:]))
    return f'<div class="fc-source">{"".join(parts)}</div>'


def _pills(items: Iterable[str]) -> str:
    return (
        '<div class="fc-meta">'
        + "".join(f'<span class="fc-pill">{_e(item)}</span>' for item in items)
        + "</div>"
    )


def _wrap(uid: str, kind: str, body: str) -> str:
    return f'<div class="fc-report fc-{kind}" id="{uid}"><style>{stylesheet()}</style>{body}</div>'


def _all_flags(report: Report) -> str:
    """Every flag of the report counted by kind, with the items it concerns, folded."""
    groups = flag_groups(report)
    if not groups:
        return ""
    items = "".join(
        f'<li data-flag="{_e(g.kind)}"><span class="fc-flag">⚠ {_e(g.kind)} ×{g.count}</span> '
        f"{_e(g.where())}</li>"
        for g in groups
    )
    total = sum(g.count for g in groups)
    return (
        f'<details class="fc-all-flags"><summary>Flags: {total} in {len(groups)} kind(s)'
        f'</summary><ul class="fc-flag-kinds">{items}</ul></details>'
    )


def report_html(
    report: Report, verdicts: Sequence[Verdict] | None = None, *, price: Price | None = None
) -> str:
    """An HTML fragment for a :class:`Report`: headline, what was repaired, key points, the
    claims table (with a verdict column when ``verdicts`` is given, matched by
    ``claim_index``), the flags by kind (folded) and the source text with every cited
    sentence highlighted. ``price`` adds the estimated cost of the model calls."""
    uid = _uid(report.source.text, report.headline, report.model, str(len(report.claims)))
    u = report.usage
    headline_flags = [f for f in report.flags if f.item == "headline"]
    headline_origin = _SOURCE_WORDING if report.headline_origin == "source" else ""
    flagged_claims = sum(1 for c in report.claims if c.flags)
    body = [
        '<div class="fc-kicker">factcheck report</div>',
        f'<h2 class="fc-headline">{_e(report.headline)}{headline_origin} '
        f"{_flag_chips(headline_flags, folded=True)}</h2>",
        f'<p class="fc-repairs">{_e(repair_line(report))}</p>',
        _pills(
            [
                f"{len(report.claims)} claims"
                + (f" of {report.candidates} candidates" if report.candidates else ""),
                f"{flagged_claims} flagged",
                f"{len(report.flags)} flags",
                f"{len(report.source.sentences)} sentences",
                f"model {report.model}",
                f"{report.chunks} chunk(s)",
                f"{u.calls} call(s) · {u.input_tokens}+{u.output_tokens} tokens",
                f"{u.cache_hits} cache hit(s)",
                *([f"cost {format_cost(u, price)}"] if price is not None else []),
                f"prompts {report.prompt_version}",
            ]
        ),
        "<h3>Key points</h3>",
        _key_points(uid, report.key_points, report.source),
        "<h3>Claims</h3>",
        _claims_table(uid, report.claims, report.source, verdicts),
        _all_flags(report),
        "<h3>Source</h3>",
        '<div class="fc-legend"><mark>cited</mark> · <mark class="fc-flagged">cited by a '
        "flagged item</mark> · the numbers link to the claims (#) and key points (k) that "
        "cite a sentence</div>",
        _source_text(uid, report.source, _citing(uid, report.claims, report.key_points)),
    ]
    return _wrap(uid, "report-view", "".join(body))


def page(fragment: str, title: str = "factcheck report") -> str:
    """A complete HTML document around a fragment (for saving to a file)."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title></head>"
        f'<body style="margin:1.5rem;background:#f6f8fa">{fragment}</body></html>\n'
    )


def report_page(
    report: Report, verdicts: Sequence[Verdict] | None = None, *, price: Price | None = None
) -> str:
    return page(report_html(report, verdicts, price=price), title=report.headline)


def _evidence_quotes(verdict: Verdict) -> str:
    items = [
        f'<li><span class="fc-cite">{_e(p.sentence_id)}</span>'
        + (f' <span class="fc-num">doc {p.document}</span>' if p.document else "")
        + f" {_e(p.text)}</li>"
        for p in verdict.evidence
    ]
    return f'<ul class="fc-evidence">{"".join(items)}</ul>' if items else "—"


def verdicts_html(verdicts: Sequence[Verdict]) -> str:
    """An HTML table of verdicts: the claim, its label, and the evidence sentences it rests on."""
    uid = _uid(*(f"{v.claim_index}:{v.statement}:{v.label.value}" for v in verdicts))
    counts = Counter(v.label.value for v in verdicts)
    rows = "".join(
        f'<tr id="{uid}-v{i}" class="fc-verdict-row" data-claim="{v.claim_index}">'
        f'<td class="fc-num">{v.claim_index}</td><td class="fc-statement">{_e(v.statement)}</td>'
        f'<td class="fc-verdict-cell">{verdict_badge(v)}</td>'
        f'<td class="fc-evidence-cell">{_evidence_quotes(v)}</td></tr>'
        for i, v in enumerate(verdicts)
    )
    body = (
        '<div class="fc-kicker">factcheck verdicts</div>'
        + _pills(
            [f"{len(verdicts)} verdicts"]
            + [f"{n} {label.replace('_', ' ')}" for label, n in sorted(counts.items())]
        )
        + '<table class="fc-claims"><thead><tr><th>Claim</th><th>Statement</th><th>Verdict</th>'
        "<th>Evidence</th></tr></thead><tbody>" + rows + "</tbody></table>"
    )
    return _wrap(uid, "verdicts-view", body)


def summary_check_html(check: SummaryCheck) -> str:
    """An HTML view of a :class:`SummaryCheck`: each summary sentence with its label and the
    source sentences it rests on, and the source with that evidence highlighted."""
    uid = _uid(check.source.text, check.summary)
    citing: Citing = {}
    rows = []
    for i, sentence in enumerate(check.sentences):
        label = sentence.label.value
        model_said = (
            f"model said {sentence.model_label.value}"
            if sentence.model_label is not None and sentence.model_label != sentence.label
            else ""
        )
        for span in sentence.evidence:
            citing.setdefault(span.sentence_id, []).append(
                (f"{uid}-s{i}", f"s{i}", label != "supported")
            )
        evidence_ids = [s.sentence_id for s in sentence.evidence]
        row_class = "fc-claim" if label == "supported" else "fc-claim fc-flagged"
        rows.append(
            f'<tr id="{uid}-s{i}" class="{row_class}" data-label="{_e(label)}">'
            f'<td class="fc-num">{i}</td><td class="fc-statement">{_e(sentence.text)}</td>'
            f'<td class="fc-verdict-cell">{label_badge(label, model_said)}'
            + (f'<span class="fc-why">{_e(model_said)}</span>' if model_said else "")
            + f'</td><td class="fc-num">{sentence.overlap:.0%}</td>'
            f'<td class="fc-cites">{_cites(uid, evidence_ids, check.source)}</td>'
            f'<td class="fc-flags">{_flag_chips(sentence.flags)}</td></tr>'
        )
    counts = Counter(s.label.value for s in check.sentences)
    verdict = "consistent with the source" if check.consistent else "not consistent with the source"
    overall = "supported" if check.consistent else "contradicted"
    sentence_flags = {id(f) for s in check.sentences for f in s.flags}
    other_flags = [f for f in check.flags if id(f) not in sentence_flags]
    u = check.usage
    body = [
        '<div class="fc-kicker">factcheck summary check</div>',
        f'<h2 class="fc-headline">{label_badge(overall, verdict)} '
        f"The summary is {_e(verdict)} {_flag_chips(other_flags)}</h2>",
        _pills(
            [f"score {check.score:.2f}", f"{len(check.sentences)} sentences"]
            + [f"{n} {label}" for label, n in sorted(counts.items())]
            + [f"{len(check.flags)} flags"]
            + (
                [
                    f"model {check.model}",
                    f"{u.calls} call(s) · {u.input_tokens}+{u.output_tokens} tokens",
                    f"{u.cache_hits} cache hit(s)",
                ]
                if check.model
                else ["deterministic checks only"]
            )
        ),
        "<h3>Summary</h3>",
        '<table class="fc-claims"><thead><tr><th>#</th><th>Sentence</th><th>Label</th>'
        "<th>Overlap</th><th>Evidence</th><th>Flags</th></tr></thead><tbody>",
        "".join(rows),
        "</tbody></table>",
        "<h3>Source</h3>",
        '<div class="fc-legend"><mark>evidence for a supported sentence</mark> · '
        '<mark class="fc-flagged">evidence for a sentence that is not supported</mark> · '
        "the links go to the summary sentences (s)</div>",
        _source_text(uid, check.source, citing),
    ]
    return _wrap(uid, "summary-check-view", "".join(body))
