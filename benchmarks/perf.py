"""Cost and speed per article, side by side with LangChain and instructor, in one run.

    python -m benchmarks.perf                 # or: make bench
    python -m benchmarks.perf --no-real       # only the simulated endpoint (about 3 minutes)

Rows:
- the seed article on the REAL embedded model (SmolLM2-135M via llama.cpp; or the server in
  OPENAI_BASE_URL), for factcheck, LangChain (map-reduce summarise chain + structured-output
  claim extraction) and instructor (one pydantic model, JSON mode, max_retries=3), all on the
  same endpoint;
- a ~100k-token document (SummEdits podcast and meeting transcripts, concatenated and
  repeated; read from ``--data`` at run time) on a SIMULATED endpoint
  (:mod:`benchmarks.latency_server`: recorded answers after a fixed delay per call), because
  the embedded model would need hours for it on two cores. Simulated answers say nothing
  about quality, so validity is not judged there.

Tokens: "in tok"/"out tok" are what the endpoint reported (llama.cpp counts with the model's
own tokenizer; the simulator with cl100k_base). "article tok" is the article's cl100k_base
count; "in ÷ art" divides the two (1.0 = the article read once).

Prints the tables and the targets, and writes JSON to benchmarks/results/perf.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_5bc9710cf7c855ce.txt"
RESULTS = ROOT / "benchmarks" / "results"
LONG_FILES = ("summedits_podcast.json", "summedits_qmsumm.json")
PEER_MAX_TOKENS = 2048
#: Seconds before a call times out, for every system: two shared cores can be very slow.
TIMEOUT = 3600.0


@dataclass
class Row:
    article: str
    system: str
    endpoint: str
    calls: int | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    article_tokens: int = 0
    wall_s: float | None = None
    valid: str = ""
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.input_tokens is None or not self.article_tokens:
            return None
        return self.input_tokens / self.article_tokens


@dataclass
class Target:
    name: str
    measured: str
    met: bool
    why: str = ""


# ---------------------------------------------------------------------------------------
# inputs


def long_document(data: Path, tokens: int = 100_000) -> tuple[str, str]:
    """SummEdits' long transcripts, concatenated (repeated when they run out) to ≥ tokens."""
    from factcheck.tokens import count_tokens

    docs: list[str] = []
    for name in LONG_FILES:
        path = data / "summedits" / name
        if not path.is_file():
            raise SystemExit(f"{path} not found: pass --data (the folder holding summedits/)")
        for item in json.loads(path.read_text(encoding="utf-8")):
            if item["doc"] not in docs:
                docs.append(item["doc"])
    unique = sum(count_tokens(d, "gpt-4") for d in docs)
    parts: list[str] = []
    total = 0
    while total < tokens:
        doc = docs[len(parts) % len(docs)]
        parts.append(doc)
        total += count_tokens(doc, "gpt-4") + 1
    note = f"{len(docs)} distinct transcripts ({unique:,} tokens), {len(parts)} parts"
    return "\n\n".join(parts), note


# ---------------------------------------------------------------------------------------
# endpoints


@contextmanager
def latency_server(delay: float) -> Iterator[str]:
    """The simulated endpoint in its own process, so its work does not share our GIL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.latency_server", "--delay", str(delay)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        if not url.startswith("http"):
            raise SystemExit("the latency server did not start")
        yield url
    finally:
        if proc.stdin:
            proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def server_stats(base_url: str) -> dict[str, Any]:
    import httpx2

    result: dict[str, Any] = httpx2.get(base_url + "/stats", timeout=30).json()
    return result


class Meter:
    """A relay in front of an endpoint that counts calls and the usage each answer reports;
    the peers talk to it, so their cost is measured on the wire, not taken from them."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.calls = 0
        self.input_tokens = 0
        self.output_tokens = 0
        self.statuses: list[int] = []
        self.lock = threading.Lock()
        meter = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                import httpx2

                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                path = self.path.removeprefix("/v1")
                answer = httpx2.post(
                    meter.upstream + path,
                    content=body,
                    headers={"content-type": "application/json"},
                    timeout=3600,
                )
                usage: dict[str, Any] = {}
                with suppress(ValueError):
                    usage = answer.json().get("usage") or {}
                with meter.lock:
                    meter.calls += 1
                    meter.statuses.append(answer.status_code)
                    meter.input_tokens += int(usage.get("prompt_tokens") or 0)
                    meter.output_tokens += int(usage.get("completion_tokens") or 0)
                self.send_response(answer.status_code)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# ---------------------------------------------------------------------------------------
# factcheck


def run_ours(
    text: str,
    *,
    url: str | None,
    model: str | None,
    cache: Any,
    max_concurrency: int,
) -> tuple[Any, float]:
    from openai import AsyncOpenAI

    from factcheck import summarise
    from factcheck.llm import CallPolicy
    from factcheck.pipeline import MAX_TOKENS

    # A fresh async client per run: each summarise() call runs its own event loop.
    client = AsyncOpenAI(base_url=url, api_key="not-needed") if url else None
    kind = "compatible" if url or os.environ.get("OPENAI_BASE_URL") else "local"
    started = time.perf_counter()
    report = summarise(
        text,
        client=client,
        model=model,
        cache=cache,
        max_concurrency=max_concurrency,
        policy=CallPolicy(max_tokens=MAX_TOKENS[kind], timeout=TIMEOUT),
        progress=False,
    )
    return report, time.perf_counter() - started


def ours_row(article: str, endpoint: str, text_tokens: int, report: Any, wall: float) -> Row:
    usage = report.usage
    return Row(
        article=article,
        system="factcheck",
        endpoint=endpoint,
        calls=usage.calls,
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        article_tokens=text_tokens,
        wall_s=wall,
        valid="yes",
        note=f"{report.chunks} chunk(s), {len(report.claims)} claims, {len(report.flags)} flags",
        extra={"usage": usage.model_dump(), "chunks": report.chunks},
    )


# ---------------------------------------------------------------------------------------
# peers: what a user of LangChain or instructor would write for the same job

ClaimKind = Literal["statistic", "event", "quote", "policy", "prediction", "opinion", "other"]


class PeerClaim(BaseModel):
    statement: str = Field(description="the claim as one complete sentence")
    speaker: str | None = Field(description="who says it, or null")
    type: ClaimKind
    checkable: bool = Field(description="true if records could confirm it")
    time: str | None = Field(description="the date or time it refers to, or null")
    quote: str = Field(description="the exact sentence(s) of the article that state it")


class PeerClaims(BaseModel):
    claims: list[PeerClaim]


class PeerReport(BaseModel):
    headline: str
    key_points: list[str]
    claims: list[PeerClaim]


CLAIMS_PROMPT = (
    "You extract the checkable facts of a news article for fact-checkers: numbers, dates, "
    "events, decisions, predictions and statements attributed to someone. Answer with a JSON "
    "object that matches this JSON schema:\n{schema}"
)
REPORT_PROMPT = (
    "You summarise a news article for fact-checkers: a one-sentence headline, the key points, "
    "and every checkable claim with the exact sentence of the article that states it."
)


def _offline_tiktoken() -> None:
    """LangChain counts tokens with tiktoken, which downloads its encodings on first use;
    give it the same offline cl100k_base file factcheck uses (a user offline must do this)."""
    from factcheck.tokens import _FILES, _package_file

    folder = Path(tempfile.gettempdir()) / "factcheck-bench-tiktoken"
    folder.mkdir(exist_ok=True)
    package, relative, _ = _FILES["cl100k_base"]
    url = "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken"
    target = folder / hashlib.sha1(url.encode()).hexdigest()
    if not target.exists():
        shutil.copyfile(_package_file(package, relative), target)
    os.environ["TIKTOKEN_CACHE_DIR"] = str(folder)


def run_langchain(text: str, base_url: str, model: str, chunk_tokens: int, concurrency: int) -> str:
    """Map-reduce summary (load_summarize_chain) + structured claim extraction per split."""
    from langchain_classic.chains.summarize import load_summarize_chain
    from langchain_core.prompts import ChatPromptTemplate
    from langchain_openai import ChatOpenAI
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    _offline_tiktoken()
    llm = ChatOpenAI(
        base_url=base_url,
        api_key="not-needed",
        model=model,
        temperature=0,
        max_tokens=PEER_MAX_TOKENS,
        timeout=TIMEOUT,
    )
    splitter = RecursiveCharacterTextSplitter.from_tiktoken_encoder(
        encoding_name="cl100k_base", chunk_size=chunk_tokens, chunk_overlap=0
    )
    docs = splitter.create_documents([text])
    chain = load_summarize_chain(llm, chain_type="map_reduce")
    summary = chain.invoke({"input_documents": docs}, config={"max_concurrency": concurrency})[
        "output_text"
    ]
    if not str(summary).strip():
        raise ValueError("empty summary")
    # llama.cpp rejects json_schema (HTTP 500), so JSON mode with the schema in the prompt.
    prompt = ChatPromptTemplate.from_messages([("system", CLAIMS_PROMPT), ("human", "{text}")])
    extract = prompt | llm.with_structured_output(PeerClaims, method="json_mode")
    schema = json.dumps(PeerClaims.model_json_schema())
    results = extract.batch(
        [{"schema": schema, "text": d.page_content} for d in docs],
        config={"max_concurrency": concurrency},
    )
    claims = sum(len(PeerClaims.model_validate(r).claims) for r in results)
    return f"{len(docs)} split(s), {claims} claims"


def run_instructor(text: str, base_url: str, model: str) -> str:
    import instructor
    from openai import OpenAI

    client = instructor.from_openai(
        OpenAI(base_url=base_url, api_key="not-needed", timeout=TIMEOUT), mode=instructor.Mode.JSON
    )
    report = client.chat.completions.create(
        model=model,
        response_model=PeerReport,
        max_retries=3,
        temperature=0,
        max_tokens=PEER_MAX_TOKENS,
        messages=[
            {"role": "system", "content": REPORT_PROMPT},
            {"role": "user", "content": text},
        ],
    )
    return f"{len(report.claims)} claims"


def peer_row(
    system: str,
    article: str,
    endpoint: str,
    article_tokens: int,
    upstream: str,
    work: Callable[[str], str],
    judge: bool,
) -> Row:
    meter = Meter(upstream)
    started = time.perf_counter()
    try:
        note = work(meter.url)
        valid = "yes"
    except Exception as exc:  # the peer's own failure is the measurement
        valid = "no"
        note = f"{type(exc).__name__}: {str(exc).splitlines()[0][:90] if str(exc) else ''}"
        if os.environ.get("BENCH_DEBUG"):
            traceback.print_exc()
    wall = time.perf_counter() - started
    meter.close()
    if not judge:
        valid = "n/a"
    statuses = sorted(set(meter.statuses))
    if statuses != [200]:
        note += f" (HTTP {statuses})"
    return Row(
        article=article,
        system=system,
        endpoint=endpoint,
        calls=meter.calls,
        input_tokens=meter.input_tokens,
        output_tokens=meter.output_tokens,
        article_tokens=article_tokens,
        wall_s=wall,
        valid=valid,
        note=note,
    )


# ---------------------------------------------------------------------------------------
# micro-measurements


def import_time(module: str, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", f"import {module}"], check=True, cwd=ROOT)
        best = min(best, time.perf_counter() - started)
    return best


def interpreter_time(repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True, cwd=ROOT)
        best = min(best, time.perf_counter() - started)
    return best


def best_of(repeats: int, work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def stage_times(text: str, model: str, budget: int) -> dict[str, float]:
    """The non-model stages of summarise on ``text``, each timed on its own (warm)."""
    from factcheck.chunking import plan_chunks
    from factcheck.pipeline import chunk_request
    from factcheck.text import make_source
    from factcheck.tokens import count_tokens

    make_source(text[:2000])  # warm up pysbd's compiled rules
    started = time.perf_counter()
    source = make_source(text)
    t_source = time.perf_counter() - started
    started = time.perf_counter()
    chunks = plan_chunks(source.sentences, budget, lambda s: count_tokens(s, model))
    t_plan = time.perf_counter() - started
    started = time.perf_counter()
    for chunk in chunks:
        chunk_request(source, chunk, per_sentence=False)
    t_requests = time.perf_counter() - started
    return {"make_source": t_source, "plan_chunks": t_plan, "chunk_requests": t_requests}


# ---------------------------------------------------------------------------------------
# the run


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
    parser.add_argument("--repeats", type=int, default=5, help="best of N for timings")
    parser.add_argument("--no-real", action="store_true", help="skip the real-model rows")
    parser.add_argument("--no-peers", action="store_true", help="skip LangChain and instructor")
    parser.add_argument("--model", default=None, help="model name (default: the endpoint's)")
    parser.add_argument("--out", type=Path, default=RESULTS / "perf.json")
    args = parser.parse_args(argv)

    from factcheck.cache import ResponseCache
    from factcheck.pipeline import CHUNK_TOKENS
    from factcheck.tokens import count_tokens, get_encoding

    rows: list[Row] = []
    facts: dict[str, Any] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "delay_s": args.delay,
        "max_concurrency": args.max_concurrency,
    }
    tmp = Path(tempfile.mkdtemp(prefix="factcheck-bench-"))

    # -- imports and tokenizer -----------------------------------------------------------
    print("measuring import times ...", file=sys.stderr)
    facts["python_startup_s"] = interpreter_time(args.repeats)
    facts["import_factcheck_s"] = import_time("factcheck", args.repeats)
    facts["import_openai_s"] = import_time("openai", args.repeats)
    started = time.perf_counter()
    encoding = get_encoding("cl100k_base")
    facts["tiktoken_first_load_s"] = time.perf_counter() - started

    seed = SEED.read_text(encoding="utf-8")
    seed_tokens = count_tokens(seed, "gpt-4")
    long_text, long_note = long_document(args.data)
    long_tokens = count_tokens(long_text, "gpt-4")
    facts["long_document"] = {"tokens": long_tokens, "chars": len(long_text), "built": long_note}
    encode_s = best_of(args.repeats, lambda: encoding.encode(long_text, disallowed_special=()))
    facts["tiktoken_encode_long_s"] = encode_s

    # -- the long document on the simulated endpoint --------------------------------------
    budget = CHUNK_TOKENS["compatible"]
    model = args.model or "simulated"
    sim_label = f"SIMULATED {args.delay:g}s/call"
    long_name = f"long ({long_tokens // 1000}k tok)"
    print("long document: zero-delay overhead run ...", file=sys.stderr)
    facts["stages_long_s"] = stage_times(long_text, model, budget)
    with latency_server(0.0) as url:
        run_ours(
            seed,
            url=url,
            model=model,
            cache=False,
            max_concurrency=1,
        )  # warm
        before = server_stats(url)
        report, wall = run_ours(
            long_text,
            url=url,
            model=model,
            cache=False,
            max_concurrency=1,
        )
        after = server_stats(url)
        server_busy = after["busy_seconds"] - before["busy_seconds"]
        overhead = wall - server_busy
        facts["overhead_long"] = {
            "wall_s": wall,
            "simulator_busy_s": server_busy,
            "overhead_s": overhead,
            "per_call_ms": 1000 * overhead / max(1, report.usage.calls),
            "ratio_to_encode": overhead / encode_s,
        }

    print(f"long document: {sim_label}, concurrent and sequential ...", file=sys.stderr)
    with latency_server(args.delay) as url:
        long_cache = ResponseCache(tmp / "long.sqlite3")
        first = len(server_stats(url)["log"])
        report, wall = run_ours(
            long_text,
            url=url,
            model=model,
            cache=long_cache,
            max_concurrency=args.max_concurrency,
        )
        log = server_stats(url)["log"][first:]
        chunk_log = [e for e in log if e[0] == "chunk"]
        map_wall = max(e[2] for e in chunk_log) - min(e[1] for e in chunk_log)
        row = ours_row(long_name, sim_label, long_tokens, report, wall)
        row.valid = "n/a"
        row.note += f", max_concurrency={args.max_concurrency}, map phase {map_wall:.2f}s"
        row.extra["map_phase_s"] = map_wall
        rows.append(row)
        concurrent = row

        again, cached_wall = run_ours(
            long_text,
            url=url,
            model=model,
            cache=long_cache,
            max_concurrency=args.max_concurrency,
        )
        facts["cached_long"] = {"calls": again.usage.calls, "wall_s": cached_wall}

        first = len(server_stats(url)["log"])
        report, wall = run_ours(
            long_text,
            url=url,
            model=model,
            cache=False,
            max_concurrency=1,
        )
        log = server_stats(url)["log"][first:]
        chunk_log = [e for e in log if e[0] == "chunk"]
        seq_map = max(e[2] for e in chunk_log) - min(e[1] for e in chunk_log)
        row = ours_row(long_name, sim_label, long_tokens, report, wall)
        row.system = "factcheck (sequential)"
        row.valid = "n/a"
        row.note += f", max_concurrency=1, map phase {seq_map:.2f}s"
        row.extra["map_phase_s"] = seq_map
        rows.append(row)
        sequential = row

        if not args.no_peers:
            print("long document: peers on the simulated endpoint ...", file=sys.stderr)
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

    # -- the seed on the real model --------------------------------------------------------
    seed_cached: dict[str, Any] = {}
    if not args.no_real:
        base = os.environ.get("OPENAI_BASE_URL")
        if base:
            real_url, real_model, label = base, args.model, "OPENAI_BASE_URL"
            kind = "compatible"
        else:
            from factcheck.local import start_server

            print("starting the embedded model ...", file=sys.stderr)
            server = start_server()
            real_url, real_model, label = server.base_url, server.alias, f"REAL {server.alias}"
            kind = "local"
        print("seed: factcheck on the real model ...", file=sys.stderr)
        seed_cache = ResponseCache(tmp / "seed.sqlite3")
        report, wall = run_ours(
            seed, url=None, model=real_model, cache=seed_cache, max_concurrency=4
        )
        rows.append(ours_row("seed", label, seed_tokens, report, wall))
        timings = []
        calls = []
        for _ in range(args.repeats):
            again, cached = run_ours(
                seed, url=None, model=real_model, cache=seed_cache, max_concurrency=4
            )
            timings.append(cached)
            calls.append(again.usage.calls)
        seed_cached = {"calls": max(calls), "wall_s": min(timings), "first_s": timings[0]}
        facts["cached_seed"] = seed_cached
        if not args.no_peers:
            chunk = CHUNK_TOKENS[kind]
            print("seed: LangChain on the real model ...", file=sys.stderr)
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
            print("seed: instructor on the real model ...", file=sys.stderr)
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

    # -- targets -------------------------------------------------------------------------
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
    bound = (sequential.wall_s or 0) / (0.8 * chunks)
    targets.append(
        Target(
            "concurrent wall ≤ sequential ÷ (0.8 × chunks)",
            f"{concurrent.wall_s:.2f}s vs {sequential.wall_s:.2f}s ÷ {0.8 * chunks:.1f} "
            f"= {bound:.2f}s",
            (concurrent.wall_s or 0) <= bound,
            f"the reduce call can only start after the map phase: the fastest possible run is "
            f"2 × {args.delay:g}s = {2 * args.delay:.1f}s, so the whole-run target is out of reach "
            f"for more than 1.67 chunks",
        )
    )
    map_bound = sequential.extra["map_phase_s"] / (0.8 * chunks)
    targets.append(
        Target(
            "  map phase: concurrent ≤ sequential ÷ (0.8 × chunks)",
            f"{concurrent.extra['map_phase_s']:.2f}s vs {sequential.extra['map_phase_s']:.2f}s ÷ "
            f"{0.8 * chunks:.1f} = {map_bound:.2f}s",
            concurrent.extra["map_phase_s"] <= map_bound,
            "timed at the simulated server: first chunk request in to last chunk answer out",
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
    cl = facts["cached_long"]
    targets.append(
        Target(
            f"cached re-run: 0 calls in < 50 ms ({long_name})",
            f"{cl['calls']} calls, {1000 * cl['wall_s']:.0f} ms",
            cl["calls"] == 0 and cl["wall_s"] < 0.05,
            "sentence segmentation of 100k tokens alone takes longer (see stages)",
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
    ov = facts["overhead_long"]
    targets.append(
        Target(
            "library overhead ≤ 3 tiktoken encodes (long document)",
            f"{ov['overhead_s']:.2f}s = {ov['ratio_to_encode']:.1f} × encode ({encode_s:.3f}s)",
            ov["ratio_to_encode"] <= 3,
            "stages: " + ", ".join(f"{k} {v:.2f}s" for k, v in facts["stages_long_s"].items()),
        )
    )

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
    print(f"\nwritten: {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


def _fmt(value: float | int | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


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
            _fmt(r.calls, "d"),
            _fmt(r.input_tokens, ","),
            _fmt(r.output_tokens, ","),
            _fmt(r.article_tokens, ","),
            _fmt(r.ratio, ".2f"),
            _fmt(r.wall_s, ".2f"),
            r.valid,
            r.note,
        )
        for r in rows
    ]
    print(_markdown(table))
    print()
    print(
        _markdown(
            [("target", "measured", "met", "why / how")]
            + [(t.name, t.measured, "met" if t.met else "NOT MET", t.why) for t in targets]
        )
    )
    print()
    long = facts["long_document"]
    print(
        f"long document: {long['tokens']:,} cl100k tokens, {long['built']}; "
        f"one tiktoken encode {1000 * facts['tiktoken_encode_long_s']:.0f} ms; "
        f"tiktoken first load {1000 * facts['tiktoken_first_load_s']:.0f} ms"
    )
    print(
        "SIMULATED rows: benchmarks/latency_server.py replays recorded embedded-model "
        "answers after a fixed delay per call; validity is not judged there."
    )


def _markdown(table: list[tuple[str, ...]]) -> str:
    widths = [max(len(str(row[i])) for row in table) for i in range(len(table[0]))]
    lines = []
    for n, row in enumerate(table):
        lines.append(
            "| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False)) + " |"
        )
        if n == 0:
            lines.append("| " + " | ".join("-" * w for w in widths) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
