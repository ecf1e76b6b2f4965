"""How good are the claims summarise() returns? Scored against hand-labelled news articles.

    python -m benchmarks.claims --replay             # from the recordings, no model (seconds)
    python -m benchmarks.claims                      # the configured model, live
    python -m benchmarks.claims --record             # the embedded model, re-recorded
    python -m benchmarks.claims --record --robustness   # … and the 40 XSumFaith articles
    python -m benchmarks.claims --replay --max-claims none --limit 4

The 16 articles are the SummEdits news dev articles and the seed, with gold in
``../shared/data/claims`` (see GUIDELINE.md there; :mod:`benchmarks.claims_data` matches gold
to text). Per article and overall it prints: claims returned, recall of importance-1 facts
and of importance-1 and -2 facts (a fact counts when one of a claim's cited sentences
overlaps its snippet), claims that touch a never-a-claim snippet, speaker accuracy on claims
that cite a quotation, claims starting with a pronoun, output tokens and wall time (rules in
:mod:`benchmarks.claims_score`). Overall recall pools the facts of all articles, with a 95 %
Wilson interval. Two rows of whole-sentence baselines on the same articles calibrate the
scale: the first 12 sentences, and the best 12 (the most facts any 12 sentences can cover).

``--robustness`` also summarises the first 40 XSumFaith articles (no gold) and counts
failures by error type over all 56.

Recordings: one vcrpy cassette per article in ``benchmarks/recordings/claims/``, recorded
from the embedded model over real HTTP by ``--record`` (which deletes and re-records the
cassettes of the articles it runs, and stores their wall times in ``timings.json``).
``--replay`` answers every request from them: no model runs and no network is used; a
request the recordings do not hold (the prompts changed since) fails that article with
``CannotOverwriteExistingCassetteException``: re-record. ``--record-missing`` records only
the articles without a recording (to resume an interrupted ``--record``). The response cache
is off in every mode, so each article reaches the endpoint (or its recording).
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.claims_data import (
    DEFAULT_DATA,
    Article,
    DataError,
    labelled_articles,
    xsum_articles,
)
from benchmarks.claims_score import (
    ArticleScore,
    best_sentences,
    first_sentences,
    pooled,
    score,
    wilson,
)
from factcheck import asummarise
from factcheck.chunking import Chunk
from factcheck.models import ClaimType, Report, Usage
from factcheck.pipeline import assemble_report, notes_request
from factcheck.schema import NoteOut, NotesOutput
from factcheck.text import make_source

ROOT = Path(__file__).resolve().parent.parent
RECORDINGS = ROOT / "benchmarks" / "recordings" / "claims"
TIMINGS = "timings.json"
#: The baselines' budget: the issue's scale figures are for 12 sentences.
BASELINE_K = 12


@dataclass
class Outcome:
    """What one article gave: a report or the error that stopped it."""

    article: Article
    report: Report | None = None
    error: str | None = None
    message: str = ""
    seconds: float = 0.0
    score: ArticleScore | None = field(default=None)


# -- running ----------------------------------------------------------------------------------


@dataclass
class _StandIn:
    """Where the embedded model would be while replaying: its file name and an address that
    nothing listens on; the cassette answers every request."""

    path: Path
    alias: str
    base_url: str


@contextmanager
def _embedded_replay() -> Iterator[None]:
    """The embedded endpoint without loading the model: replay needs only its identity
    (the same stand-in as the ``factcheck_embedded`` test fixture)."""
    from factcheck import testing

    if hasattr(testing, "embedded_spec"):
        # Settings name the endpoint: the embedded model's spec at an address nowhere.
        from factcheck.settings import Settings, using

        env = Settings.from_env().with_(api_key=None, base_url=None, model=None)
        spec = testing.embedded_spec(env, testing.REPLAY_URL)
        with using(env.with_(endpoint=spec, api_key=testing.REPLAY_KEY)):
            yield
        return
    from factcheck import local

    original = local.start_server

    def stand_in(path: Path | None = None) -> Any:
        chosen = path or Path(local.DEFAULT_GGUF)
        return _StandIn(path=chosen, alias=local.model_alias(chosen), base_url=testing.REPLAY_URL)

    local.start_server = stand_in
    try:
        yield
    finally:
        local.start_server = original


def _recording(name: str, mode: str, folder: Path) -> Any:
    if mode == "live":
        return nullcontext()
    import vcr  # type: ignore[import-untyped]

    from factcheck.testing import recording_config

    path = folder / f"{name}.yaml"
    if mode == "record":
        path.unlink(missing_ok=True)
    # The tests' settings (no secrets written, requests matched on their body), except that
    # an article that fails is recorded too: its answers are what the robustness count
    # replays, and what a fix must then turn into a report.
    config = {**recording_config(), "record_on_exception": True}
    # "once": replay a cassette that exists, record one that does not.
    record_mode = "none" if mode == "replay" else "once"
    return vcr.VCR(record_mode=record_mode, **config).use_cassette(str(path))


async def run_article(
    article: Article, *, mode: str, options: dict[str, Any], folder: Path
) -> Outcome:
    outcome = Outcome(article=article)
    started = time.perf_counter()
    try:
        if mode == "rules":
            outcome.report = rules_only(article.text, options.get("max_claims", 12))
        else:
            with _recording(article.name, mode, folder):
                outcome.report = await asummarise(
                    article.text, cache=False, progress=False, **options
                )
    except Exception as exc:  # the robustness count wants every kind, typed or not
        outcome.error = type(exc).__name__
        outcome.message = " ".join(str(exc).split())[:160]
    outcome.seconds = time.perf_counter() - started
    if outcome.report is not None and article.gold is not None:
        outcome.score = score(outcome.report.source, outcome.report.claims, article.gold)
    return outcome


def rules_only(text: str, max_claims: int | None) -> Report:
    """The report the library's rules alone make of ``text``: every sentence noted as a
    checkable statement with no speaker, as if a model had answered and said nothing
    (what the selection, attribution and pronoun rules achieve without any model)."""
    source = make_source(text)
    whole = Chunk(index=0, first=0, last=len(source.sentences) - 1, tokens=0)
    notes = [
        NoteOut(id=i, type=ClaimType.other, check=True, who=None)
        for i in notes_request(source, whole).ids
    ]
    answer = NotesOutput.model_construct(headline=source.sentences[0].text, notes=notes)
    return assemble_report(
        source, [answer], None, usage=Usage(), model="rules", max_claims=max_claims
    )


async def run_all(
    articles: Sequence[Article],
    *,
    mode: str,
    options: dict[str, Any],
    folder: Path,
    recorded: Collection[str] = (),
) -> list[Outcome]:
    outcomes = []
    for i, article in enumerate(articles, 1):
        print(f"[{i}/{len(articles)}] {article.name} ...", file=sys.stderr, flush=True)
        outcome = await run_article(article, mode=mode, options=options, folder=folder)
        status = f"{outcome.error}: {outcome.message}" if outcome.error else "ok"
        print(f"    {status} ({outcome.seconds:.0f} s)", file=sys.stderr, flush=True)
        outcomes.append(outcome)
        if article.name in recorded:
            # Saved as each article ends, so that an interrupted recording keeps its times.
            _save_timings(folder, [outcome], recorded)
    return outcomes


# -- tables -----------------------------------------------------------------------------------


def markdown(rows: Sequence[Sequence[object]], header: Sequence[str]) -> str:
    cells = [[str(c) for c in header], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in cells
    ]
    lines.insert(1, "| " + " | ".join("-" * w for w in widths) + " |")
    return "\n".join(lines)


def _ratio(num: int, den: int) -> str:
    return f"{num / den:.2f} ({num}/{den})" if den else "–"


def _interval(num: int, den: int) -> str:
    if not den:
        return "–"
    low, high = wilson(num, den)
    return f"{num / den:.2f} [{low:.2f}, {high:.2f}] ({num}/{den})"


ARTICLE_HEADER = (
    "article",
    "sents",
    "claims",
    "R imp-1",
    "R imp-1+2",
    "not-claim",
    "speaker ok",
    "pronoun",
    "out tok",
    "wall s",
    "error",
)
OVERALL_HEADER = (
    "system",
    "articles",
    "claims (median)",
    "R imp-1 [95% CI]",
    "R imp-1+2 [95% CI]",
    "not-claim claims (snippets)",
    "speaker ok",
    "attributed facts: speaker ok",
    "own-voice facts: no speaker",
    "pronoun",
    "out tok (median)",
    "wall s (median)",
    "failed",
)


def article_rows(
    outcomes: Sequence[Outcome], timings: dict[str, float] | None
) -> list[list[object]]:
    rows: list[list[object]] = []
    for o in outcomes:
        s = o.score
        seconds = timings.get(o.article.name) if timings is not None else o.seconds
        rows.append(
            [
                o.article.name,
                s.sentences if s else "–",
                s.claims if s else "–",
                _ratio(s.found1, s.facts1) if s else "–",
                _ratio(s.found12, s.facts12) if s else "–",
                s.not_claim_claims if s else "–",
                _ratio(s.speakers_right, s.quote_claims) if s else "–",
                s.pronoun_starts if s else "–",
                f"{o.report.usage.output_tokens:,}" if o.report else "–",
                f"{seconds:.1f}" if seconds is not None else "–",
                o.error or "",
            ]
        )
    return rows


def overall_row(
    name: str,
    scores: Sequence[ArticleScore],
    *,
    articles: int,
    tokens: Sequence[int] = (),
    seconds: Sequence[float] = (),
    failed: int = 0,
) -> list[object]:
    total = pooled(scores)
    claims = [s.claims for s in scores]
    return [
        name,
        articles,
        f"{statistics.median(claims):g} (total {sum(claims)})" if claims else "–",
        _interval(total.found1, total.facts1),
        _interval(total.found12, total.facts12),
        f"{total.not_claim_claims} ({total.not_claim_snippets})",
        _ratio(total.speakers_right, total.quote_claims),
        _ratio(total.attributed_right, total.attributed_facts),
        _ratio(total.own_voice_right, total.own_voice_facts),
        total.pronoun_starts,
        f"{statistics.median(tokens):,.0f} (total {sum(tokens):,})" if tokens else "–",
        f"{statistics.median(seconds):.1f} (total {sum(seconds):.0f})" if seconds else "–",
        failed,
    ]


def baseline_rows(articles: Sequence[Article]) -> list[list[object]]:
    firsts, bests = [], []
    for article in articles:
        if article.gold is None:
            continue
        source = make_source(article.text)
        firsts.append(score(source, first_sentences(source, BASELINE_K), article.gold))
        bests.append(score(source, best_sentences(source, article.gold, BASELINE_K), article.gold))
    n = len(firsts)
    return [
        overall_row(f"first {BASELINE_K} sentences", firsts, articles=n),
        overall_row(f"best {BASELINE_K} sentences", bests, articles=n),
    ]


def _load_timings(folder: Path) -> dict[str, float]:
    path = folder / TIMINGS
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _save_timings(folder: Path, outcomes: Sequence[Outcome], recorded: Collection[str]) -> None:
    """Keep the wall time of each article recorded in this run (replayed ones took none)."""
    timings = _load_timings(folder)
    timings.update(
        {o.article.name: round(o.seconds, 1) for o in outcomes if o.article.name in recorded}
    )
    (folder / TIMINGS).write_text(json.dumps(dict(sorted(timings.items())), indent=1) + "\n")


# -- command line -----------------------------------------------------------------------------


def _max_claims(value: str) -> int | None:
    if value.lower() == "none":
        return None
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("--max-claims must be at least 1, or none")
    return number


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.claims", description=__doc__.split("\n\n")[0]
    )
    how = parser.add_mutually_exclusive_group()
    how.add_argument("--replay", action="store_true", help="answer from the recordings")
    how.add_argument(
        "--rules-only",
        action="store_true",
        help="no model: what the library's rules choose when the model says nothing",
    )
    how.add_argument("--record", action="store_true", help="re-record the embedded model's answers")
    how.add_argument(
        "--record-missing",
        action="store_true",
        help="record only the articles that have no recording yet; replay the others "
        "(resumes an interrupted --record)",
    )
    parser.add_argument(
        "--max-claims",
        type=_max_claims,
        default=argparse.SUPPRESS,
        metavar="N|none",
        help="summarise(max_claims=N); none: every candidate; default: the library's",
    )
    parser.add_argument("--limit", type=int, default=None, help="only the first N articles")
    parser.add_argument(
        "--articles",
        default=None,
        metavar="NAME,…",
        help="only these articles (dev-00 … dev-14, seed, xsum-<doc_id>)",
    )
    parser.add_argument(
        "--robustness",
        action="store_true",
        help="also the first 40 XSumFaith articles; count failures by error type",
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    parser.add_argument("--recordings", type=Path, default=RECORDINGS, help=argparse.SUPPRESS)
    parser.add_argument("--model", default=None, help="as summarise(model=...)")
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="per-request timeout (default: CallPolicy's); on a loaded CPU the embedded "
        "model can need longer, and a timed-out request is retried from the start",
    )
    return parser.parse_args(argv)


def _policy_with_timeout(seconds: float) -> Any:
    """summarise()'s own call policy with another timeout. The timeout is not part of the
    request, so recordings made with it replay without it."""
    import dataclasses

    from factcheck.llm import CallPolicy
    from factcheck.pipeline import MAX_TOKENS

    return dataclasses.replace(CallPolicy(max_tokens=MAX_TOKENS["local"]), timeout=seconds)


def _default_max_claims() -> object:
    """What summarise() does without ``max_claims``: its default, or every claim when this
    version has no such option."""
    parameter = inspect.signature(asummarise).parameters.get("max_claims")
    return parameter.default if parameter is not None else "none (no option)"


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    mode = (
        "rules"
        if args.rules_only
        else "replay"
        if args.replay
        else "record"
        if args.record
        else "record-missing"
        if args.record_missing
        else "live"
    )
    if mode != "live" and (os.environ.get("OPENAI_API_KEY") or os.environ.get("OPENAI_BASE_URL")):
        print(
            f"--{mode} is for the embedded model: unset OPENAI_API_KEY and OPENAI_BASE_URL",
            file=sys.stderr,
        )
        return 2
    try:
        articles = labelled_articles(args.data)
        if args.robustness:
            articles += xsum_articles(args.data)
    except DataError as exc:
        print(f"data: {exc}", file=sys.stderr)
        return 2
    if args.articles:
        wanted = {name.strip() for name in args.articles.split(",")}
        unknown = wanted - {a.name for a in articles}
        if unknown:
            print(f"no such article: {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
        articles = [a for a in articles if a.name in wanted]
    if args.limit is not None:
        articles = articles[: args.limit]

    options: dict[str, Any] = {"model": args.model}
    if args.timeout is not None:
        options["policy"] = _policy_with_timeout(args.timeout)
    if "max_claims" in vars(args):
        if "max_claims" not in inspect.signature(asummarise).parameters:
            print("this version of summarise() has no max_claims option", file=sys.stderr)
            return 2
        options["max_claims"] = args.max_claims
    args.recordings.mkdir(parents=True, exist_ok=True)
    recorded = {
        a.name
        for a in articles
        if mode == "record" or not (args.recordings / f"{a.name}.yaml").is_file()
    }
    replaying = _embedded_replay() if mode == "replay" else nullcontext()
    with replaying:
        outcomes = asyncio.run(
            run_all(
                articles,
                mode=mode,
                options=options,
                folder=args.recordings,
                recorded=recorded if mode.startswith("record") else (),
            )
        )

    print_tables(
        outcomes,
        mode=mode,
        max_claims=options.get("max_claims", _default_max_claims()),
        folder=args.recordings,
        robustness=args.robustness,
    )
    return 0


def print_tables(
    outcomes: Sequence[Outcome], *, mode: str, max_claims: object, folder: Path, robustness: bool
) -> None:
    labelled = [o for o in outcomes if o.article.gold is not None]
    timings = _load_timings(folder) if mode == "replay" else None
    wall = "recorded wall s" if timings is not None else "wall s"
    header = [wall if h == "wall s" else h for h in ARTICLE_HEADER]
    print(f"\nclaims per article ({mode}, max_claims={max_claims}):\n")
    print(markdown(article_rows(labelled, timings), header))

    done = [o for o in labelled if o.score is not None]
    if timings is not None:
        seconds = [timings[o.article.name] for o in done if o.article.name in timings]
    else:
        seconds = [o.seconds for o in done]
    rows = [
        overall_row(
            f"factcheck (max_claims={max_claims})",
            [o.score for o in done if o.score is not None],
            articles=len(labelled),
            tokens=[o.report.usage.output_tokens for o in done if o.report],
            seconds=seconds,
            failed=len(labelled) - len(done),
        ),
        *baseline_rows([o.article for o in labelled]),
    ]
    print("\noverall (recall pools every article's facts):\n")
    print(markdown(rows, OVERALL_HEADER))

    if robustness:
        failures = Counter(o.error for o in outcomes if o.error)
        print(
            f"\nrobustness: {len(outcomes) - sum(failures.values())} of {len(outcomes)} "
            "articles gave a report\n"
        )
        rows_r = [
            [error, count, ", ".join(o.article.name for o in outcomes if o.error == error)]
            for error, count in failures.most_common()
        ]
        print(markdown(rows_r or [["(none)", 0, ""]], ("error", "articles", "which")))


if __name__ == "__main__":
    sys.exit(main())
