"""The peers: what a user of LangChain or instructor would write for the same job."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from benchmarks.perf.common import TIMEOUT, Row
from benchmarks.perf.endpoints import Meter

PEER_MAX_TOKENS = 2048

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
