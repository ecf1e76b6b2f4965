"""How often verify() publishes a wrong verdict, on sentence-level claims from SummEdits news.

    python -m benchmarks.verification                   # rules on all claims, model on 40
    python -m benchmarks.verification --rules-only      # no model at all (seconds)
    python -m benchmarks.verification --limit 80 --fit  # + accuracy by basis, per half

Claims: every sentence of a summary labelled consistent is supported by its article; the
one sentence an inconsistent summary changed from ``original_summary`` is not (summaries
that changed more or fewer sentences than one are skipped, since which of them is wrong is
unknown). A sentence met twice is counted once; one labelled both ways is dropped. Each
claim is verified against its own article (``verify(claims, source=article)``).

A verdict is *decided* when it is supported or contradicted. It is *right* when supported
and the sentence is consistent, or contradicted and it is not; *confidently wrong* when
decided and wrong (supported when the sentence is wrong, contradicted when it is right):
the verdicts a user would publish in error. Intervals are 90 % Wilson intervals.

``--fit`` splits the articles into two halves by a hash of their text and prints, per half,
how often each basis (what a verdict's confidence rests on) was right: the fit half sets
``factcheck.verification.CONFIDENCE``; the other half checks it. The endpoint is chosen as
:func:`factcheck.verify` chooses it (``OPENAI_API_KEY``/``OPENAI_BASE_URL``, else the
embedded model). Results also go to ``benchmarks/results/verification-<time>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import inspect
import json
import math
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.quality_data import sentences
from factcheck.errors import CacheMissError
from factcheck.models import Usage, Verdict, VerdictLabel
from factcheck.text import normalise
from factcheck.verification import averify

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "summedits" / "summedits_news_dev.json"
#: Held out: the rules' thresholds were chosen on SummEdits, and are checked here.
DEFAULT_XSUM = ROOT.parent / "shared" / "data" / "xsumfaith" / "xsumfaith_dev.jsonl"
RESULTS = ROOT / "benchmarks" / "results"
Z90 = 1.645


@dataclass(frozen=True)
class Case:
    """One sentence-level claim and whether its article supports it."""

    doc: str
    statement: str
    true: bool

    @property
    def half(self) -> str:
        return "fit" if int(hashlib.sha256(self.doc.encode()).hexdigest(), 16) % 2 == 0 else "check"


def cases(path: Path) -> list[Case]:
    """The claims of the file, deduplicated, with their truth (see the module doc)."""
    seen: dict[tuple[str, str], set[bool]] = defaultdict(set)
    for row in json.loads(path.read_text("utf-8")):
        summary = sentences(row["summary"])
        if str(row["label"]) == "1":
            for sentence in summary:
                seen[(row["doc"], sentence)].add(True)
            continue
        original = set(sentences(row["original_summary"]))
        changed = [s for s in summary if s not in original]
        if len(changed) == 1 and len(summary) == len(sentences(row["original_summary"])):
            seen[(row["doc"], changed[0])].add(False)
    return [Case(doc, s, truth.pop()) for (doc, s), truth in seen.items() if len(truth) == 1]


def xsum_cases(path: Path) -> list[Case]:
    """XSumFaith: each one-sentence summary is a claim, true when no annotator majority
    found a hallucination in it."""
    seen: dict[tuple[str, str], set[bool]] = defaultdict(set)
    for line in path.read_text("utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            seen[(row["doc"], normalise(row["summary"]))].add(int(row["label"]) == 1)
    return [Case(doc, s, truth.pop()) for (doc, s), truth in seen.items() if len(truth) == 1]


def stratified(items: list[Case], limit: int, seed: int) -> list[Case]:
    """``limit`` cases, half of each truth where there are enough, in a seeded order."""
    rng = random.Random(seed)
    by_truth = {t: [c for c in items if c.true is t] for t in (True, False)}
    for group in by_truth.values():
        rng.shuffle(group)
    first = by_truth[False][: limit // 2]
    rest = by_truth[True][: limit - len(first)]
    return sorted(first + rest, key=lambda c: (c.doc, c.statement))


def wilson(right: int, n: int) -> tuple[float, float]:
    if n == 0:
        return 0.0, 1.0
    p = right / n
    centre = p + Z90**2 / (2 * n)
    spread = Z90 * math.sqrt(p * (1 - p) / n + Z90**2 / (4 * n * n))
    denominator = 1 + Z90**2 / n
    return (centre - spread) / denominator, (centre + spread) / denominator


@dataclass
class Row:
    name: str
    n: int = 0
    decided: int = 0
    right: int = 0
    high: int = 0
    high_right: int = 0
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    seconds: float = 0.0
    by_basis: dict[str, list[int]] = field(default_factory=dict)
    #: Claims not measured: offline, their calls were not in the cache.
    skipped: int = 0
    #: The claims measured.
    measured: list[Case] = field(default_factory=list)

    def count(self, case: Case, verdict: Verdict, basis: str) -> None:
        self.n += 1
        self.measured.append(case)
        if verdict.label is VerdictLabel.not_enough_info:
            return
        right = (verdict.label is VerdictLabel.supported) == case.true
        self.decided += 1
        self.right += right
        if verdict.confidence >= 0.9:
            self.high += 1
            self.high_right += right
        tally = self.by_basis.setdefault(f"{case.half}:{basis}", [0, 0])
        tally[0] += 1
        tally[1] += right

    def add_usage(self, usage: Usage) -> None:
        self.calls += usage.calls
        self.input_tokens += usage.input_tokens
        self.output_tokens += usage.output_tokens

    @property
    def wrong(self) -> int:
        return self.decided - self.right

    def cells(self) -> list[str]:
        def pct(a: int, b: int) -> str:
            return f"{100 * a / b:.1f}" if b else "–"

        def interval(a: int, b: int) -> str:
            low, high = wilson(a, b)
            return f"{pct(a, b)} [{100 * low:.0f}–{100 * high:.0f}]" if b else "–"

        return [
            self.name,
            str(self.n),
            pct(self.decided, self.n),
            interval(self.right, self.decided),
            f"{self.wrong} ({pct(self.wrong, self.n)} / {pct(self.wrong, self.decided)})",
            f"{self.high}: {interval(self.high_right, self.high)}",
            str(self.calls),
            str(self.input_tokens),
            str(self.output_tokens),
            f"{self.seconds:.1f}",
        ]


HEADER = [
    "run",
    "claims",
    "decided %",
    "accuracy of decided % [90% CI]",
    "confidently wrong (% all / % decided)",
    "conf ≥ 0.9: n: accuracy %",
    "calls",
    "input tokens",
    "output tokens",
    "wall s",
]


def table(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "| " + " | ".join("---" for _ in HEADER) + " |"]
    lines += ["| " + " | ".join(r.cells()) + " |" for r in rows]
    return "\n".join(lines)


def basis_table(rows: list[Row]) -> str:
    lines = ["| run | half | basis | n | right % [90% CI] |", "| --- | --- | --- | --- | --- |"]
    for row in rows:
        for key, (n, right) in sorted(row.by_basis.items()):
            half, basis = key.split(":")
            low, high = wilson(right, n)
            lines.append(
                f"| {row.name} | {half} | {basis} | {n} | "
                f"{100 * right / n:.1f} [{100 * low:.0f}–{100 * high:.0f}] |"
            )
    return "\n".join(lines)


def calibration_table(rows: list[Row]) -> str:
    """Per family of bases, over every run given: the fit half's rate of right verdicts as
    (right + 1) / (n + 2) (Laplace's rule: no estimate of 1 from a few cases), the check
    half's rate, and the confidence the library gives that family now."""
    from factcheck import verification

    family: dict[str, str] = getattr(verification, "FAMILY", {})
    if not family:
        return ""
    tallies: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        for key, (n, right) in row.by_basis.items():
            half, basis = key.split(":")
            name = family.get(basis, basis)
            if row.name.startswith("model") and name == "rules":
                continue  # the same claims' rule verdicts are counted in the rules-alone run
            tally = tallies[(name, half)]
            tally[0] += n
            tally[1] += right
    lines = [
        "| family | fit n | fit right | fit (right+1)/(n+2) | check n | check right % | "
        "confidence now |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name in sorted({f for f, _ in tallies}):
        (fn, fr), (cn, cr) = tallies[(name, "fit")], tallies[(name, "check")]
        now = sorted({c for b, c in verification.CONFIDENCE.items() if family.get(b) == name})
        lines.append(
            f"| {name} | {fn} | {fr} | {(fr + 1) / (fn + 2):.2f} | {cn} | "
            f"{100 * cr / cn if cn else 0:.1f} | {', '.join(f'{c:.2f}' for c in now)} |"
        )
    return "\n".join(lines)


def _old_basis(verdict: Verdict) -> str:
    """For a version of verify() without bases: the model's label is all there is."""
    return f"model said {verdict.model_label.value if verdict.model_label else 'nothing'}"


async def run(
    name: str, chosen: list[Case], *, use_model: bool, model: str | None, cache: bool
) -> tuple[Row, list[dict[str, Any]]]:
    row = Row(name)
    by_doc: dict[str, list[Case]] = defaultdict(list)
    for case in chosen:
        by_doc[case.doc].append(case)
    details: list[dict[str, Any]] = []
    started = time.perf_counter()
    for doc, group in by_doc.items():
        kwargs: dict[str, Any] = {"source": doc, "model": model, "cache": cache}
        if not use_model:
            kwargs["use_model"] = False
        try:
            verdicts = await averify([c.statement for c in group], **kwargs)
        except CacheMissError:
            # Offline (FACTCHECK_OFFLINE=1): only articles whose calls are all recorded in
            # the cache are measured; the others are skipped, and counted as such.
            row.skipped += len(group)
            continue
        row.add_usage(verdicts.usage)
        bases = getattr(verdicts, "bases", None)
        for n, (case, verdict) in enumerate(zip(group, verdicts, strict=True)):
            basis = bases[n] if bases else _old_basis(verdict)
            row.count(case, verdict, basis)
            details.append(
                {
                    "statement": case.statement,
                    "true": case.true,
                    "half": case.half,
                    "label": verdict.label.value,
                    "model_label": verdict.model_label.value if verdict.model_label else None,
                    "confidence": verdict.confidence,
                    "basis": basis,
                    "safeguard": verdict.safeguard,
                    "rationale": verdict.rationale,
                    "evidence": [p.text for p in verdict.evidence],
                }
            )
    row.seconds = time.perf_counter() - started
    return row, details


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.verification", description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="SummEdits JSON file")
    parser.add_argument("--xsum", type=Path, default=DEFAULT_XSUM, help="XSumFaith JSONL")
    parser.add_argument("--limit", type=int, default=40, help="claims for the model run")
    parser.add_argument("--seed", type=int, default=0, help="seed of the stratified subset")
    parser.add_argument("--model", default=None, help="model name, as in verify(model=)")
    parser.add_argument("--rules-only", action="store_true", help="no model run")
    parser.add_argument("--fit", action="store_true", help="accuracy by basis and half")
    parser.add_argument("--cache", action="store_true", help="use the response cache")
    parser.add_argument("--json", type=Path, default=None, help="where to write the results")
    args = parser.parse_args(argv)

    everything = cases(args.data)
    subset = stratified(everything, args.limit, args.seed)
    held_out = xsum_cases(args.xsum) if args.xsum.exists() else []

    async def go() -> tuple[list[Row], dict[str, Any]]:
        rows, details = [], {}
        # A version of verify() before the rules could decide alone has no rules-only run.
        rules = "use_model" in inspect.signature(averify).parameters
        for name, chosen, use_model in (
            *([("rules alone", everything, False)] if rules else []),
            *([("rules alone, XSumFaith (held out)", held_out, False)] if rules else []),
            *([] if args.rules_only else [("model + checks (subset)", subset, True)]),
        ):
            row, detail = await run(
                name, chosen, use_model=use_model, model=args.model, cache=args.cache
            )
            rows.append(row)
            details[name] = detail
        if rules:
            # The rules on exactly the claims the model run measured, for a like comparison.
            measured = rows[-1].measured if not args.rules_only else subset
            row, detail = await run(
                "rules alone (same claims)", measured, use_model=False, model=None, cache=False
            )
            rows.insert(-1 if not args.rules_only else len(rows), row)
            details[row.name] = detail
        return rows, details

    rows, details = asyncio.run(go())
    true = sum(c.true for c in everything)
    print(
        f"SummEdits news dev: {len(everything)} claims ({true} supported by their article, "
        f"{len(everything) - true} not), model subset {len(subset)}; XSumFaith dev: "
        f"{len(held_out)} claims ({sum(c.true for c in held_out)} supported)"
    )
    print(table(rows))
    for row in rows:
        if row.skipped:
            print(f"{row.name}: {row.skipped} claims skipped (offline, not in the cache)")
    if args.fit:
        print()
        print(basis_table(rows))
        calibration = calibration_table(
            [r for r in rows if "XSumFaith" not in r.name and r.name != "rules alone (same claims)"]
        )
        if calibration:
            print()
            print(calibration)
    out = args.json or RESULTS / f"verification-{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps({"rows": [r.cells() for r in rows], "details": details}, indent=1), "utf-8"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
