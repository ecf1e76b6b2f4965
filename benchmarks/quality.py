"""How well check_summary spots inconsistent summaries, on SummEdits news (dev split).

    python -m benchmarks.quality                      # deterministic on all, model on 40
    python -m benchmarks.quality --deterministic-only # no model at all (a second or two)
    python -m benchmarks.quality --model-run --limit 100
    OPENAI_API_KEY=… python -m benchmarks.quality --model gpt-4o-mini --limit 505

The endpoint is chosen exactly as :func:`factcheck.summarise` chooses it (``client``/
``OPENAI_API_KEY``/``OPENAI_BASE_URL``, else the embedded model). The model runs on a
subset stratified by label (``--limit``); the deterministic layer runs on the whole file
and, for a like-for-like comparison, on the same subset. "Inconsistent" (label 0) is the
positive class. Results also go to ``benchmarks/results/quality-<time>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from factcheck.errors import FactcheckError
from factcheck.models import Source, SummaryCheck, Usage
from factcheck.summary_check import acheck_summary
from factcheck.text import make_source

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "summedits" / "summedits_news_dev.json"
RESULTS = ROOT / "benchmarks" / "results"

#: Balanced accuracy on SummEdits news, from the benchmark's README.
PUBLISHED = {
    "human": 90.0,
    "GPT-4": 83.3,
    "Gemini-pro": 77.6,
    "Claude 2.1": 77.2,
    "QAFactEval": 74.4,
    "ChatGPT": 74.4,
    "SummaC-Conv": 61.9,
    "DAE": 60.9,
    "Mistral-7b": 59.8,
    "Llama2-7b": 50.6,
}


@dataclass
class Row:
    name: str
    n: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    errors: int = 0
    seconds: float = 0.0
    usage: Usage = field(default_factory=Usage)

    def count(self, inconsistent_label: bool, predicted_inconsistent: bool) -> None:
        self.n += 1
        if inconsistent_label:
            self.tp += predicted_inconsistent
            self.fn += not predicted_inconsistent
        else:
            self.fp += predicted_inconsistent
            self.tn += not predicted_inconsistent

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def specificity(self) -> float:
        return self.tn / (self.tn + self.fp) if self.tn + self.fp else 0.0

    @property
    def balanced_accuracy(self) -> float:
        return (self.recall + self.specificity) / 2

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["usage"] = self.usage.model_dump()
        out |= {
            "balanced_accuracy": self.balanced_accuracy,
            "precision_inconsistent": self.precision,
            "recall_inconsistent": self.recall,
        }
        return out


def load(path: Path) -> list[dict[str, Any]]:
    try:
        items: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        sys.exit(f"data file not found: {path} (pass --data)")
    return items


def stratified(items: list[dict[str, Any]], limit: int, seed: int) -> list[dict[str, Any]]:
    """``limit`` items keeping the file's share of each label, drawn with a fixed seed."""
    if limit >= len(items):
        return list(items)
    rng = random.Random(seed)
    by_label: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        by_label.setdefault(str(item["label"]), []).append(item)
    chosen: list[dict[str, Any]] = []
    for _, group in sorted(by_label.items()):
        share = round(limit * len(group) / len(items))
        chosen += rng.sample(group, min(share, len(group)))
    return sorted(chosen, key=lambda item: items.index(item))


def _inconsistent(item: dict[str, Any]) -> bool:
    return str(item["label"]) == "0"


async def run(
    name: str,
    items: list[dict[str, Any]],
    sources: dict[str, Source],
    *,
    use_model: bool,
    model: str | None,
    concurrency: int,
    cache: bool,
    details: list[dict[str, Any]],
) -> Row:
    row = Row(name=name)
    limit = asyncio.Semaphore(concurrency)
    started = time.perf_counter()

    async def one(item: dict[str, Any]) -> tuple[dict[str, Any], SummaryCheck | None, str]:
        async with limit:
            try:
                check = await acheck_summary(
                    sources[item["doc"]],
                    item["summary"],
                    model=model,
                    use_model=use_model,
                    cache=cache,
                )
                return item, check, ""
            except FactcheckError as exc:
                usage = getattr(exc, "usage", None)
                if isinstance(usage, Usage):
                    row.usage.add(usage)
                return item, None, f"{type(exc).__name__}: {exc}"

    for done, task in enumerate(asyncio.as_completed([one(item) for item in items]), 1):
        item, check, error = await task
        if check is None:
            # A failed model call leaves the deterministic verdict standing.
            row.errors += 1
            check = await acheck_summary(sources[item["doc"]], item["summary"], use_model=False)
        else:
            row.usage.add(check.usage)
        row.count(_inconsistent(item), not check.consistent)
        details.append(
            {
                "run": name,
                "id": item["id"],
                "label": item["label"],
                "edit_types": item.get("edit_types"),
                "consistent": check.consistent,
                "score": check.score,
                "sentences": [s.label.value for s in check.sentences],
                "model_labels": [s.model_label and s.model_label.value for s in check.sentences],
                "flags": [f"{f.kind.value}: {f.span}" for f in check.flags],
                "error": error,
            }
        )
        if use_model:
            print(f"\r{name}: {done}/{len(items)}", end="", file=sys.stderr, flush=True)
    if use_model:
        print(file=sys.stderr)
    row.seconds = time.perf_counter() - started
    return row


def table(rows: list[Row]) -> str:
    head = (
        "| run | n | balanced acc. | precision (incons.) | recall (incons.) | errors | calls "
        "| input tokens | output tokens | wall s |"
    )
    lines = [head, "|" + " --- |" * 10]
    for r in rows:
        lines.append(
            f"| {r.name} | {r.n} | {100 * r.balanced_accuracy:.1f} | {100 * r.precision:.1f} "
            f"| {100 * r.recall:.1f} | {r.errors} | {r.usage.calls} | {r.usage.input_tokens} "
            f"| {r.usage.output_tokens} | {r.seconds:.1f} |"
        )
    lines.append("")
    lines.append("Published balanced accuracy on SummEdits news (the benchmark's test data):")
    lines.append("")
    lines.append("| reference | balanced acc. |")
    lines.append("| --- | --- |")
    lines += [f"| {name} | {score:.1f} |" for name, score in PUBLISHED.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.quality", description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="SummEdits JSON file")
    parser.add_argument("--limit", type=int, default=40, help="summaries for the model run")
    parser.add_argument("--seed", type=int, default=0, help="seed of the stratified subset")
    parser.add_argument("--model", default=None, help="model name, as in summarise(model=)")
    parser.add_argument(
        "--deterministic-only", action="store_true", help="run no model, only the rules"
    )
    parser.add_argument(
        "--model-run",
        action="store_true",
        help="skip the whole-file deterministic row; run the subset rows only",
    )
    parser.add_argument("--concurrency", type=int, default=None, help="model calls at once")
    parser.add_argument("--cache", action="store_true", help="use the response cache")
    parser.add_argument("--json", type=Path, default=None, help="where to write the results")
    args = parser.parse_args(argv)
    if args.deterministic_only and args.model_run:
        parser.error("--deterministic-only and --model-run exclude each other")
    logging.basicConfig(level=logging.WARNING)

    items = load(args.data)
    sources = {doc: make_source(doc) for doc in dict.fromkeys(i["doc"] for i in items)}
    subset = stratified(items, args.limit, args.seed)
    rows: list[Row] = []
    details: list[dict[str, Any]] = []
    model_name: str | None = None

    async def go() -> None:
        nonlocal model_name

        async def rules(name: str, chosen: list[dict[str, Any]]) -> Row:
            return await run(
                name,
                chosen,
                sources,
                use_model=False,
                model=None,
                concurrency=8,
                cache=False,
                details=details,
            )

        if not args.model_run:
            rows.append(await rules("deterministic", items))
        if not args.deterministic_only:
            rows.append(await rules("deterministic (subset)", subset))
            from factcheck.endpoint import resolve

            endpoint = resolve(args.model)
            model_name = endpoint.model
            concurrency = args.concurrency or (1 if endpoint.kind == "local" else 4)
            rows.append(
                await run(
                    f"{endpoint.model} (subset)",
                    subset,
                    sources,
                    use_model=True,
                    model=args.model,
                    concurrency=concurrency,
                    cache=args.cache,
                    details=details,
                )
            )

    asyncio.run(go())
    print(
        f"SummEdits news dev split ({args.data.name}): {len(items)} summaries, "
        f"{sum(_inconsistent(i) for i in items)} inconsistent; "
        f"subset {len(subset)}, seed {args.seed}"
    )
    print()
    print(table(rows))
    out = args.json or RESULTS / f"quality-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "data": str(args.data),
                "model": model_name,
                "limit": args.limit,
                "seed": args.seed,
                "rows": [r.as_dict() for r in rows],
                "published": PUBLISHED,
                "items": details,
            },
            indent=1,
        ),
        encoding="utf-8",
    )
    print(f"\nresults: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
