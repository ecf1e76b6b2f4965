"""The benchmark run: imports, the scaling table, the long document's concurrency, the seed
on the real model, the peers; then the targets and the tables."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from benchmarks.perf.common import RESULTS, ROOT, SEED, Row, Target, fmt, markdown, subprocess_time
from benchmarks.perf.endpoints import latency_server, server_stats
from benchmarks.perf.inputs import long_document
from benchmarks.perf.ours import ours_row, run_ours
from benchmarks.perf.peers import peer_row, run_instructor, run_langchain

#: Sizes of the scaling table, in cl100k tokens (the largest is cut at the input limit).
SIZES = (10_000, 100_000, 250_000)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def scaling(args: argparse.Namespace, sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    """One process per size against one zero-delay simulated endpoint. A size whose whole
    run takes longer than ``--size-timeout`` is measured again with the assembly stage
    replaced (see :mod:`benchmarks.perf.scaling`), and marked so in the table."""
    results: list[dict[str, Any]] = []
    with latency_server(0.0) as url:
        for tokens in sizes:
            command = [
                sys.executable,
                "-m",
                "benchmarks.perf.scaling",
                "--tokens",
                str(tokens),
                "--url",
                url,
                "--data",
                str(args.data),
                "--repeats",
                str(args.repeats),
            ]
            if args.profile and tokens == 100_000:
                command.append("--profile")
            log(f"scaling: {tokens:,} tokens ...")

            def one_size(argv: list[str]) -> subprocess.CompletedProcess[str]:
                return subprocess.run(
                    argv,
                    cwd=ROOT,
                    check=True,
                    capture_output=True,
                    text=True,
                    timeout=args.size_timeout,
                )

            try:
                done = one_size(command)
            except subprocess.TimeoutExpired:
                log(
                    f"scaling: {tokens:,} tokens took over {args.size_timeout:g}s; again "
                    "without the assembly stage ..."
                )
                try:
                    done = one_size([*command, "--stub-assembly"])
                except subprocess.TimeoutExpired:
                    log(
                        f"scaling: {tokens:,} tokens: over {args.size_timeout:g}s even without "
                        "assembly; left out of the table"
                    )
                    continue
            result = json.loads(done.stdout)
            result["size"] = tokens
            result["timeout_s"] = args.size_timeout
            results.append(result)
    return results


def map_phase(url: str, first: int) -> float:
    log_ = [e for e in server_stats(url)["log"][first:] if e[0] == "chunk"]
    return float(max(e[2] for e in log_) - min(e[1] for e in log_))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="factcheck cost and speed benchmark")
    parser.add_argument(
        "--data",
        type=Path,
        default=ROOT.parent / "shared" / "data",
        help="folder holding summedits/ (default: ../shared/data)",
    )
    parser.add_argument(
        "--delay", type=float, default=1.5, help="simulated seconds per model call (default 1.5)"
    )
    parser.add_argument(
        "--max-concurrency",
        type=int,
        default=64,
        help="factcheck's max_concurrency for the long document (default 64)",
    )
    parser.add_argument("--repeats", type=int, default=3, help="best of N for timings")
    parser.add_argument("--no-real", action="store_true", help="skip the real-model rows")
    parser.add_argument("--no-peers", action="store_true", help="skip LangChain and instructor")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="--no-real --no-peers, scaling at 10k and 100k tokens only (about a minute)",
    )
    parser.add_argument("--profile", action="store_true", help="print the 100k run's profile")
    parser.add_argument(
        "--size-timeout",
        type=float,
        default=900.0,
        help="seconds one size of the scaling table may take before it is measured without "
        "the assembly stage (default 900; --quick: 240)",
    )
    parser.add_argument("--model", default=None, help="model name (default: the endpoint's)")
    parser.add_argument("--out", type=Path, default=RESULTS / "perf.json")
    args = parser.parse_args(argv)
    if args.quick:
        args.no_real = args.no_peers = True
        args.size_timeout = min(args.size_timeout, 240.0)

    from factcheck.cache import ResponseCache
    from factcheck.pipeline import CHUNK_TOKENS
    from factcheck.tokens import count_tokens

    rows: list[Row] = []
    facts: dict[str, Any] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "delay_s": args.delay,
        "max_concurrency": args.max_concurrency,
    }
    tmp = Path(tempfile.mkdtemp(prefix="factcheck-bench-"))

    log("measuring import times ...")
    facts["python_startup_s"] = subprocess_time("pass", args.repeats)
    facts["import_factcheck_s"] = subprocess_time("import factcheck", args.repeats)
    facts["import_openai_s"] = subprocess_time("import openai", args.repeats)

    sizes = SIZES[:2] if args.quick else SIZES
    facts["scaling"] = scaling(args, sizes)

    seed = SEED.read_text(encoding="utf-8")
    seed_tokens = count_tokens(seed, "gpt-4")
    long_text, long_note = long_document(args.data, 100_000)
    long_tokens = count_tokens(long_text, "gpt-4")
    facts["long_document"] = {"tokens": long_tokens, "chars": len(long_text), "built": long_note}

    # -- the long document on the simulated endpoint: concurrency ----------------------------
    stubbed = any(r.get("stub_assembly") for r in facts["scaling"] if r["size"] == 100_000)
    if stubbed:
        # The scaling run showed that assembly does not finish in reasonable time at this
        # size; what is measured here is the map phase, so assembly is replaced likewise.
        from benchmarks.perf.scaling import instrument

        instrument({}, stub_assembly=True)
    budget = CHUNK_TOKENS["compatible"]
    model = args.model or "simulated"
    sim_label = f"SIMULATED {args.delay:g}s/call"
    long_name = f"long ({long_tokens // 1000}k tok)"
    log(f"long document: {sim_label}, concurrent and sequential ...")
    with latency_server(args.delay) as url:
        first = len(server_stats(url)["log"])
        report, wall = run_ours(
            long_text,
            url=url,
            model=model,
            cache=ResponseCache(tmp / "long.sqlite3"),
            max_concurrency=args.max_concurrency,
        )
        concurrent = ours_row(long_name, sim_label, long_tokens, report, wall)
        concurrent.extra["map_phase_s"] = map_phase(url, first)
        concurrent.valid = "n/a"
        concurrent.note += (
            f", max_concurrency={args.max_concurrency}, "
            f"map phase {concurrent.extra['map_phase_s']:.2f}s"
        )
        rows.append(concurrent)

        first = len(server_stats(url)["log"])
        report, wall = run_ours(long_text, url=url, model=model, cache=False, max_concurrency=1)
        sequential = ours_row(long_name, sim_label, long_tokens, report, wall)
        sequential.system = "factcheck (sequential)"
        sequential.extra["map_phase_s"] = map_phase(url, first)
        sequential.valid = "n/a"
        sequential.note += f", max_concurrency=1, map phase {sequential.extra['map_phase_s']:.2f}s"
        rows.append(sequential)
        if stubbed:
            for row in (concurrent, sequential):
                row.note += " (assembly replaced: see the scaling table)"

        # The seed's cached re-run on the same (simulated) endpoint: the real-model rows
        # time it again on the real model when they run.
        seed_cache = ResponseCache(tmp / "seed-simulated.sqlite3")
        run_ours(seed, url=url, model=model, cache=seed_cache, max_concurrency=4)
        reruns = [
            run_ours(seed, url=url, model=model, cache=seed_cache, max_concurrency=4)
            for _ in range(max(args.repeats, 5))
        ]
        facts["cached_seed_simulated"] = {
            "calls": max(r.usage.calls for r, _ in reruns),
            "wall_s": min(w for _, w in reruns),
            "first_s": reruns[0][1],
        }

        if not args.no_peers:
            log("long document: peers on the simulated endpoint ...")
            rows.append(
                peer_row(
                    "LangChain",
                    long_name,
                    sim_label,
                    long_tokens,
                    url,
                    lambda u: run_langchain(long_text, u, model, budget, args.max_concurrency),
                    judge=False,
                )
            )
            rows.append(
                peer_row(
                    "instructor",
                    long_name,
                    sim_label,
                    long_tokens,
                    url,
                    lambda u: run_instructor(long_text, u, model),
                    judge=False,
                )
            )

    # -- the seed on the real model ----------------------------------------------------------
    seed_cached: dict[str, Any] = {}
    if not args.no_real:
        seed_cached = real_model_rows(args, rows, seed, seed_tokens, tmp)
        facts["cached_seed"] = seed_cached

    targets = make_targets(rows, facts, seed_tokens, seed_cached, concurrent, sequential, args)
    print_tables(rows, targets, facts)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "facts": facts,
                "rows": [asdict(r) | {"ratio": r.ratio} for r in rows],
                "targets": [asdict(t) for t in targets],
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    log(f"written: {args.out}")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


def real_model_rows(
    args: argparse.Namespace, rows: list[Row], seed: str, seed_tokens: int, tmp: Path
) -> dict[str, Any]:
    from factcheck.cache import ResponseCache
    from factcheck.pipeline import CHUNK_TOKENS

    base = os.environ.get("OPENAI_BASE_URL")
    if base:
        real_url, real_model, label, kind = base, args.model, "OPENAI_BASE_URL", "compatible"
    else:
        from factcheck.local import start_server

        log("starting the embedded model ...")
        server = start_server()
        real_url, real_model = server.base_url, server.alias
        label, kind = f"REAL {server.alias}", "local"
    log("seed: factcheck on the real model ...")
    seed_cache = ResponseCache(tmp / "seed.sqlite3")
    report, wall = run_ours(seed, url=None, model=real_model, cache=seed_cache, max_concurrency=4)
    rows.append(ours_row("seed", label, seed_tokens, report, wall))
    timings, calls = [], []
    for _ in range(max(args.repeats, 5)):
        again, cached = run_ours(
            seed, url=None, model=real_model, cache=seed_cache, max_concurrency=4
        )
        timings.append(cached)
        calls.append(again.usage.calls)
    if not args.no_peers:
        chunk = CHUNK_TOKENS[kind]
        log("seed: LangChain on the real model ...")
        rows.append(
            peer_row(
                "LangChain",
                "seed",
                label,
                seed_tokens,
                real_url,
                lambda u: run_langchain(seed, u, real_model or "default", chunk, 4),
                judge=True,
            )
        )
        log("seed: instructor on the real model ...")
        rows.append(
            peer_row(
                "instructor",
                "seed",
                label,
                seed_tokens,
                real_url,
                lambda u: run_instructor(seed, u, real_model or "default"),
                judge=True,
            )
        )
    return {"calls": max(calls), "wall_s": min(timings), "first_s": timings[0]}


def make_targets(
    rows: list[Row],
    facts: dict[str, Any],
    seed_tokens: int,
    seed_cached: dict[str, Any],
    concurrent: Row,
    sequential: Row,
    args: argparse.Namespace,
) -> list[Target]:
    targets: list[Target] = []
    ours_seed = next((r for r in rows if r.system == "factcheck" and r.article == "seed"), None)
    if ours_seed is not None:
        targets.append(
            Target(
                "1 model call for an article that fits",
                f"{ours_seed.calls} call(s) on the seed",
                ours_seed.calls == 1,
            )
        )
        targets.append(
            Target(
                "input tokens ≤ article tokens + 700",
                f"seed: {ours_seed.input_tokens} ≤ {seed_tokens} + 700 = {seed_tokens + 700}",
                (ours_seed.input_tokens or 0) <= seed_tokens + 700,
                "input counted by the model's own tokenizer, article by cl100k_base",
            )
        )
    chunks = concurrent.extra["chunks"]
    targets.append(
        Target(
            "long document ≤ chunks + 1 calls",
            f"{concurrent.calls} calls for {chunks} chunks",
            (concurrent.calls or 0) <= chunks + 1,
        )
    )
    seq_map, conc_map = sequential.extra["map_phase_s"], concurrent.extra["map_phase_s"]
    speedup = seq_map / conc_map
    wanted = 0.8 * min(chunks, args.max_concurrency)
    targets.append(
        Target(
            "map-phase speed-up ≥ 0.8 × min(chunks, max_concurrency)",
            f"{seq_map:.2f}s ÷ {conc_map:.2f}s = {speedup:.1f}× vs 0.8 × "
            f"min({chunks}, {args.max_concurrency}) = {wanted:.1f}×",
            speedup >= wanted,
            "timed at the simulated server, first chunk request in to last chunk answer out; "
            "the reduce call must wait for the map phase, so only the map phase can scale",
        )
    )
    if seed_cached:
        targets.append(
            Target(
                "cached re-run: 0 calls in < 50 ms (seed)",
                f"{seed_cached['calls']} calls, {1000 * seed_cached['wall_s']:.1f} ms "
                f"(first re-run {1000 * seed_cached['first_s']:.1f} ms)",
                seed_cached["calls"] == 0 and seed_cached["wall_s"] < 0.05,
            )
        )
    simulated = facts.get("cached_seed_simulated")
    if simulated:
        targets.append(
            Target(
                "cached re-run: 0 calls in < 50 ms (seed, simulated endpoint)",
                f"{simulated['calls']} calls, {1000 * simulated['wall_s']:.1f} ms "
                f"(first re-run {1000 * simulated['first_s']:.1f} ms)",
                simulated["calls"] == 0 and simulated["wall_s"] < 0.05,
            )
        )
    by_size = {r["size"]: r for r in facts["scaling"]}
    mid = by_size.get(100_000)
    if mid is not None:
        ratio = mid["library_s"] / mid["encode_s"]
        # The target is 1.0 s where one encode of the document takes 16 ms: 60 encodes.
        # Measured against an encode in the same run, it means the same on any machine;
        # the absolute figure is shown beside it, since it does not.
        targets.append(
            Target(
                "100k tokens: library time ≤ 60 × one tiktoken encode (same run)",
                f"{mid['library_s']:.2f}s = {ratio:.0f} × encode ({1000 * mid['encode_s']:.0f} ms)",
                ratio <= 60,
                f"make_source {mid['make_source_s']:.2f}s (best of {args.repeats}, alone)",
            )
        )
        targets.append(
            Target(
                "100k tokens: library time ≤ 1.0 s on this machine",
                f"{mid['library_s']:.2f}s; at a 16 ms encode, {ratio:.0f} × encode = "
                f"{ratio * 0.016:.2f}s",
                mid["library_s"] <= 1.0,
                "the 1.0 s is 60 encodes on a machine whose encode takes 16 ms",
            )
        )
        targets.append(
            Target(
                "100k tokens: cached re-run ≤ 0.5 s with 0 calls",
                f"{mid['cached_calls']} calls, {mid['cached_s']:.3f}s = "
                f"{mid['cached_s'] / mid['encode_s']:.1f} × encode",
                mid["cached_calls"] == 0 and mid["cached_s"] <= 0.5,
            )
        )
    big = by_size.get(250_000)
    if mid is not None and big is not None:
        lib, cached = big["library_s"] / mid["library_s"], big["cached_s"] / mid["cached_s"]
        targets.append(
            Target(
                "250k tokens within 3 × the 100k figures",
                f"library {lib:.1f}×, cached re-run {cached:.1f}× "
                f"(tokens {big['tokens'] / mid['tokens']:.1f}×)",
                lib <= 3 and cached <= 3,
            )
        )
    targets.append(
        Target(
            "import factcheck < 150 ms",
            f"{1000 * facts['import_factcheck_s']:.0f} ms (openai: "
            f"{1000 * facts['import_openai_s']:.0f} ms; bare interpreter "
            f"{1000 * facts['python_startup_s']:.0f} ms)",
            facts["import_factcheck_s"] < 0.15,
        )
    )
    return targets


def scaling_table(results: list[dict[str, Any]]) -> str:
    header = (
        "size",
        "tokens",
        "chars",
        "chunks",
        "encode ms",
        "library s",
        "÷ encode",
        "make_source s",
        "plan s",
        "calls+rest s",
        "assembly s",
        "report store s",
        "re-run s",
        "re-run calls",
        "peak RSS MB",
        "growth: tokens / library / re-run",
    )
    table = [header]
    previous: dict[str, Any] | None = None
    for r in results:
        stages = r["stages_s"]
        stub = r.get("stub_assembly", False)
        growth = "—"
        if previous is not None:
            growth = (
                f"{r['tokens'] / previous['tokens']:.1f}× / "
                f"{r['library_s'] / previous['library_s']:.1f}× / "
                f"{r['cached_s'] / previous['cached_s']:.1f}×"
            )
        table.append(
            (
                f"{r['size'] // 1000}k",
                f"{r['tokens']:,}",
                f"{r['chars']:,}",
                str(r["chunks"]),
                f"{1000 * r['encode_s']:.0f}",
                f"{r['library_s']:.2f}" + (" *" if stub else ""),
                f"{r['library_s'] / r['encode_s']:.0f}×",
                f"{stages.get('normalise', 0) + stages.get('segment', 0):.3f}",
                f"{stages.get('plan_chunks', 0):.3f}",
                f"{r['calls_and_rest_s']:.2f}",
                f"> {r['timeout_s']:g} *" if stub else f"{stages.get('assemble_report', 0):.2f}",
                f"{stages.get('put_report', 0):.3f}",
                f"{r['cached_s']:.3f}",
                str(r["cached_calls"]),
                f"{r['peak_rss_mb']:.0f}",
                growth,
            )
        )
        previous = r
    lines = [markdown(table)]
    if any(r.get("stub_assembly") for r in results):
        lines.append(
            "\n* the whole run did not finish within the time limit; measured again with the "
            "assembly stage (merge, grounding, trust layer) replaced by a report of the source "
            "alone: library s excludes assembly, the re-run reads a report without claims"
        )
    return "\n".join(lines)


def print_tables(rows: list[Row], targets: list[Target], facts: dict[str, Any]) -> None:
    header = (
        "article",
        "system",
        "endpoint",
        "calls",
        "in tok",
        "out tok",
        "article tok",
        "in ÷ art",
        "wall s",
        "valid",
        "notes",
    )
    table = [header] + [
        (
            r.article,
            r.system,
            r.endpoint,
            fmt(r.calls, "d"),
            fmt(r.input_tokens, ","),
            fmt(r.output_tokens, ","),
            fmt(r.article_tokens, ","),
            fmt(r.ratio, ".2f"),
            fmt(r.wall_s, ".2f"),
            r.valid,
            r.note,
        )
        for r in rows
    ]
    print(markdown(table))
    print()
    print("Scaling: the library's own work (simulated endpoint, no delay, calls one at a time)")
    print()
    print(scaling_table(facts["scaling"]))
    print()
    print(
        markdown(
            [("target", "measured", "met", "why / how")]
            + [(t.name, t.measured, "met" if t.met else "NOT MET", t.why) for t in targets]
        )
    )
    print()
    long = facts["long_document"]
    print(f"long document: {long['tokens']:,} cl100k tokens, {long['built']}")
    print(
        "SIMULATED rows: benchmarks/latency_server.py replays recorded embedded-model "
        "answers after a fixed delay per call; validity is not judged there."
    )
    for r in facts["scaling"]:
        if r.get("profile"):
            print(f"\nprofile of the {r['size'] // 1000}k run (cumulative, factcheck only):")
            print(r["profile"])
