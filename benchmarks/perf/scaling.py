"""Library time, cached re-run and memory at one document size, in a process of its own
(so that the memory peak is this size's alone).

    python -m benchmarks.perf.scaling --tokens 100000 --url http://127.0.0.1:PORT/v1

``--url``: a simulated endpoint with no delay (benchmarks.latency_server --delay 0). Prints
one JSON object: tokens, chars, one tiktoken encode, the library's own time (the run's wall
time minus the time the simulator spent answering; calls one at a time), the time of each
stage inside it, the cached re-run (wall, calls) and the peak resident memory.

``--stub-assembly`` replaces the merge/grounding/trust stage (``assemble_report``) by a
report of the source alone, for sizes at which that stage does not finish in reasonable
time: every other stage, the report store and the re-run are then still measured (on a
report that holds the whole source but no claims), and the JSON says so.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import io
import json
import pstats
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.perf.common import ROOT, best_of
from benchmarks.perf.endpoints import server_stats
from benchmarks.perf.inputs import long_document
from benchmarks.perf.ours import run_ours

#: Stages timed inside a run: (module, attribute) → label.
STAGES = {
    ("factcheck.pipeline", "checked_text"): "normalise",
    ("factcheck.pipeline", "segment"): "segment",
    ("factcheck.pipeline", "plan_chunks"): "plan_chunks",
    ("factcheck.pipeline", "assemble_report"): "assemble_report",
}


def _timed(stages: dict[str, float], label: str, func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            stages[label] = stages.get(label, 0.0) + time.perf_counter() - started

    return wrapper


def instrument(stages: dict[str, float], stub_assembly: bool) -> None:
    """Time the pipeline's stages (and the report store) where the pipeline calls them."""
    import importlib

    from factcheck.cache import ResponseCache

    if stub_assembly:
        import factcheck.pipeline

        factcheck.pipeline.assemble_report = _source_only  # type: ignore[assignment]
    for (module_name, name), label in STAGES.items():
        module = importlib.import_module(module_name)
        setattr(module, name, _timed(stages, label, getattr(module, name)))
    for name in ("get_report", "put_report"):
        method = getattr(ResponseCache, name)
        setattr(ResponseCache, name, _timed(stages, name, method))


def _source_only(source: Any, outputs: Any, reduced: Any, **options: Any) -> Any:
    from factcheck.models import Report
    from factcheck.prompts import prompt_version

    headline = reduced.headline if reduced is not None else outputs[0].headline
    return Report(
        source=source,
        headline=headline,
        key_points=[],
        claims=[],
        usage=options["usage"],
        model=options["model"],
        prompt_version=prompt_version(),
        chunks=len(outputs),
    )


def measure(text: str, url: str, repeats: int, profile: bool, stub: bool) -> dict[str, Any]:
    from factcheck.cache import ResponseCache
    from factcheck.text import make_source
    from factcheck.tokens import count_tokens, get_encoding

    encoding = get_encoding("cl100k_base")
    out: dict[str, Any] = {"tokens": count_tokens(text, "gpt-4"), "chars": len(text)}
    out["encode_s"] = best_of(repeats, lambda: encoding.encode(text, disallowed_special=()))
    make_source(text[:2000])  # warm: compiled patterns, lazy imports
    out["make_source_s"] = best_of(repeats, lambda: make_source(text))
    out["stub_assembly"] = stub

    stages: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="factcheck-scaling-") as tmp:
        # One small article first, uncached: the first call in a process imports the SDK
        # and loads the tokenizer and TLS context once (`import factcheck` and the seed's
        # figures measure that); the row is the work this document itself costs.
        run_ours(text[:3000], url=url, model="simulated", cache=False, max_concurrency=1)
        instrument(stages, stub)
        cache = ResponseCache(Path(tmp) / "cache.sqlite3")
        before = server_stats(url)
        profiler = cProfile.Profile() if profile else None
        if profiler:
            profiler.enable()
        report, wall = run_ours(text, url=url, model="simulated", cache=cache, max_concurrency=1)
        if profiler:
            profiler.disable()
        after = server_stats(url)
        busy = after["busy_seconds"] - before["busy_seconds"]
        out.update(
            calls=report.usage.calls,
            chunks=report.chunks,
            claims=len(report.claims),
            flags=len(report.flags),
            wall_s=wall,
            simulator_s=busy,
            library_s=wall - busy,
            stages_s=dict(stages),
        )
        out["calls_and_rest_s"] = out["library_s"] - sum(stages.values())
        stages.clear()
        timings, calls = [], []
        for _ in range(repeats):
            again, cached = run_ours(
                text, url=url, model="simulated", cache=cache, max_concurrency=1
            )
            timings.append(cached)
            calls.append(again.usage.calls)
        out.update(cached_s=min(timings), cached_first_s=timings[0], cached_calls=max(calls))
        out["cached_stages_s"] = {k: v / repeats for k, v in stages.items()}
        out["cache_bytes"] = sum(p.stat().st_size for p in Path(tmp).iterdir())
    # ru_maxrss is in KiB on Linux.
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if profiler:
        stream = io.StringIO()
        stats = pstats.Stats(profiler, stream=stream)
        stats.sort_stats("cumulative").print_stats(r"factcheck", 30)
        out["profile"] = stream.getvalue()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="one size of the scaling table")
    parser.add_argument("--tokens", type=int, required=True)
    parser.add_argument("--url", required=True, help="a zero-delay simulated endpoint")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="cProfile the first run")
    parser.add_argument(
        "--stub-assembly", action="store_true", help="a source-only report instead of assembly"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    text, note = long_document(args.data, args.tokens)
    result = measure(text, args.url, args.repeats, args.profile, args.stub_assembly)
    result["built"] = note
    result["process_s"] = time.perf_counter() - started
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
