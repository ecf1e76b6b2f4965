"""Reports as self-contained HTML: Jupyter's ``_repr_html_`` and ``--format html``.

The article is untrusted input, so every piece of text goes through :func:`html.escape`.
The markup carries its own inline stylesheet and no script, so it renders the same offline,
in a notebook, in a saved file or in a browser that blocks scripts. Anchors link each claim
to the sentences it cites and each highlighted sentence back to its claims.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from factcheck.models import (
        Claim,
        Flag,
        KeyPoint,
        Report,
        Source,
        SummaryCheck,
        Verdict,
    )

STYLE = """
.fc-report{--fc-ink:#1f2328;--fc-soft:#59636e;--fc-line:#d1d9e0;--fc-mark:#fff1b8;
 --fc-warn:#9a3412;--fc-warn-bg:#ffedd5;--fc-ok:#166534;--fc-ok-bg:#dcfce7;--fc-bad:#991b1b;
 --fc-bad-bg:#fee2e2;--fc-mid:#854d0e;--fc-mid-bg:#fef9c3;
 font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fc-ink);
 background:#fff;max-width:72rem;padding:1rem 1.25rem;border:1px solid var(--fc-line);
 border-radius:8px}
.fc-report h2{font-size:1.35rem;line-height:1.3;margin:.1rem 0 .4rem}
.fc-report h3{font-size:.8rem;letter-spacing:.06em;text-transform:uppercase;
 color:var(--fc-soft);margin:1.2rem 0 .4rem;border-bottom:1px solid var(--fc-line)}
.fc-kicker{font-size:.75rem;color:var(--fc-soft);letter-spacing:.06em;text-transform:uppercase}
.fc-meta{display:flex;flex-wrap:wrap;gap:.35rem;margin:.3rem 0}
.fc-pill{font-size:.75rem;border:1px solid var(--fc-line);border-radius:999px;
 padding:0 .5rem;color:var(--fc-soft);white-space:nowrap}
.fc-report a{color:#0969da;text-decoration:none}
.fc-report a:hover{text-decoration:underline}
.fc-cite{font:600 .72rem ui-monospace,Menlo,Consolas,monospace;background:#eef2f6;
 border-radius:4px;padding:0 .25rem;margin-left:.15rem}
.fc-flag{display:inline-block;font-size:.72rem;font-weight:600;color:var(--fc-warn);
 background:var(--fc-warn-bg);border-radius:4px;padding:0 .3rem;margin:.1rem .15rem .1rem 0;
 white-space:nowrap;cursor:help}
.fc-origin{font-size:.72rem;color:var(--fc-soft);font-style:italic}
.fc-points{margin:.2rem 0;padding-left:1.4rem}
.fc-points li{margin:.25rem 0}
.fc-claims{border-collapse:collapse;width:100%;font-size:.85rem}
.fc-claims th{text-align:left;font-size:.72rem;color:var(--fc-soft);font-weight:600;
 border-bottom:2px solid var(--fc-line);padding:.3rem .4rem}
.fc-claims td{border-bottom:1px solid var(--fc-line);padding:.35rem .4rem;vertical-align:top}
.fc-claims tr.fc-flagged td:first-child{box-shadow:inset 3px 0 var(--fc-warn)}
.fc-claims tr:target td{background:#f0f7ff}
.fc-num{color:var(--fc-soft);font-variant-numeric:tabular-nums}
.fc-yes{color:var(--fc-ok)} .fc-no{color:var(--fc-soft)}
.fc-verdict{display:inline-block;font-size:.72rem;font-weight:700;border-radius:4px;
 padding:0 .35rem;white-space:nowrap;background:#eef2f6}
.fc-verdict-good{color:var(--fc-ok);background:var(--fc-ok-bg)}
.fc-verdict-bad{color:var(--fc-bad);background:var(--fc-bad-bg)}
.fc-verdict-mid{color:var(--fc-mid);background:var(--fc-mid-bg)}
.fc-why{display:block;color:var(--fc-soft);font-size:.78rem}
.fc-why-mark{color:var(--fc-soft);font-size:.75rem;cursor:help;white-space:nowrap}
.fc-source{white-space:pre-wrap;font:15px/1.7 Georgia,"Times New Roman",serif;
 max-height:36rem;overflow:auto;padding:.5rem .75rem;background:#fafbfc;
 border:1px solid var(--fc-line);border-radius:6px}
.fc-source mark{background:var(--fc-mark);color:inherit;border-radius:2px;padding:0 1px}
.fc-source mark.fc-flagged{background:var(--fc-warn-bg);
 border-bottom:2px dotted var(--fc-warn)}
.fc-source :target{outline:2px solid #0969da}
.fc-refs{font:600 .65rem ui-monospace,Menlo,Consolas,monospace;margin-left:1px}
.fc-refs a{margin-left:2px}
.fc-legend{font-size:.75rem;color:var(--fc-soft);margin:.2rem 0}
.fc-legend mark{background:var(--fc-mark)}
.fc-legend mark.fc-flagged{background:var(--fc-warn-bg)}
"""

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


def _flag_chips(flags: Sequence[Flag]) -> str:
    """One chip per kind of flag (with a count), its messages in the tooltip."""
    if not flags:
        return ""
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
    cells = [
        f'<td class="fc-num">{index}</td>',
        f'<td class="fc-statement">{_e(claim.statement)}{origin}</td>',
        f'<td class="fc-speaker">{_e(claim.speaker or "—")}</td>',
        f'<td class="fc-type">{_e(claim.type.value)}</td>',
        f'<td class="fc-checkable">{checkable}</td>',
    ]
    if with_verdicts:
        badge = verdict_badge(verdict, compact=True) if verdict is not None else "—"
        cells.append(f'<td class="fc-verdict-cell">{badge}</td>')
    cells.append(f'<td class="fc-cites">{_cites(uid, claim.sentence_ids, source)}</td>')
    cells.append(f'<td class="fc-flags">{_flag_chips(claim.flags)}</td>')
    row_class = "fc-claim fc-flagged" if claim.flags else "fc-claim"
    return f'<tr id="{uid}-c{index}" class="{row_class}">{"".join(cells)}</tr>'


def _claims_table(
    uid: str, claims: Sequence[Claim], source: Source, verdicts: Sequence[Verdict] | None
) -> str:
    by_claim = {v.claim_index: v for v in verdicts} if verdicts is not None else {}
    head = ["#", "Claim", "Speaker", "Type", "Checkable"]
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
            f"{_flag_chips(point.flags)}</li>"
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
    return f'<div class="fc-report fc-{kind}" id="{uid}"><style>{STYLE}</style>{body}</div>'


def report_html(report: Report, verdicts: Sequence[Verdict] | None = None) -> str:
    """An HTML fragment for a :class:`Report`: headline, key points, the claims table (with a
    verdict column when ``verdicts`` is given, matched by ``claim_index``) and the source text
    with every cited sentence highlighted."""
    uid = _uid(report.source.text, report.headline, report.model, str(len(report.claims)))
    u = report.usage
    headline_flags = [f for f in report.flags if f.item == "headline"]
    headline_origin = _SOURCE_WORDING if report.headline_origin == "source" else ""
    flagged_claims = sum(1 for c in report.claims if c.flags)
    body = [
        '<div class="fc-kicker">factcheck report</div>',
        f'<h2 class="fc-headline">{_e(report.headline)}{headline_origin} '
        f"{_flag_chips(headline_flags)}</h2>",
        _pills(
            [
                f"{len(report.claims)} claims",
                f"{flagged_claims} flagged",
                f"{len(report.flags)} flags",
                f"{len(report.source.sentences)} sentences",
                f"model {report.model}",
                f"{report.chunks} chunk(s)",
                f"{u.calls} call(s) · {u.input_tokens}+{u.output_tokens} tokens",
                f"{u.cache_hits} cache hit(s)",
                f"prompts {report.prompt_version}",
            ]
        ),
        "<h3>Key points</h3>",
        _key_points(uid, report.key_points, report.source),
        "<h3>Claims</h3>",
        _claims_table(uid, report.claims, report.source, verdicts),
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


def report_page(report: Report, verdicts: Sequence[Verdict] | None = None) -> str:
    return page(report_html(report, verdicts), title=report.headline)


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
