"""Batch files: the model requests for many articles as OpenAI Batch API JSONL, and Reports back.

For millions of articles a batch engine is cheaper and simpler than a client loop: OpenAI's
Batch API (half price, 24 h turnaround) or vLLM's ``run_batch`` on your own GPUs; both read
the same JSONL. A chunked article needs two rounds, because its summary is written from the
key points of its chunks::

    from factcheck import batch

    job = batch.prepare(texts, model="gpt-4o-mini")     # plan chunks; no model call
    job.write_map("map.jsonl")                            # round 1: one line per chunk
    job.save("job.json")                                  # keep the plan between rounds
    # ... run map.jsonl (OpenAI Batch API or `python -m vllm.entrypoints.openai.run_batch
    #     -i map.jsonl -o map-out.jsonl --model ...`) ...
    job = batch.BatchJob.load("job.json")
    job.read_map("map-out.jsonl")
    if job.write_reduce("reduce.jsonl"):                  # round 2: chunked articles only
        ...  # run reduce.jsonl the same way
        job.read_reduce("reduce-out.jsonl")
    results = job.results()         # a Report or a FactcheckError per input text, in order

Each request body is what :func:`factcheck.llm.structured_call` sends for the same chunk, in
``json_schema`` mode (strict; OpenAI, vLLM) or ``json_object`` mode with the schema (llama.cpp
turns it into a grammar). A batch has no second chance per line: a line that failed, was cut
at ``max_tokens`` or does not validate ends its article as the matching typed error
(``EndpointError``, ``TruncatedOutputError``, ``OutputValidationError``, ``RefusalError``);
run those articles again with :func:`factcheck.summarise`, which re-asks and retries.

``custom_id`` is ``fc-<sha256 of the normalised text, 16 hex>-m<chunk>`` for round 1 and
``…-r`` for round 2: stable across runs, and the same article given twice is asked once.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from pydantic import BaseModel, Field, PrivateAttr, ValidationError

from factcheck.chunking import Chunk, plan_chunks
from factcheck.endpoint import Kind, Mode
from factcheck.errors import (
    EndpointError,
    FactcheckError,
    InputError,
    ModelError,
    OutputValidationError,
    RefusalError,
    TruncatedOutputError,
)
from factcheck.llm import CallPolicy, brief, response_format
from factcheck.models import Report, Source, Usage
from factcheck.pipeline import (
    CHUNK_TOKENS,
    MAX_TOKENS,
    ModelRequest,
    assemble_report,
    chunk_request,
    notes_request,
    reduce_request,
)
from factcheck.prompts import render
from factcheck.schema import ChunkOutput, NotesOutput, ReduceOutput
from factcheck.text import make_source
from factcheck.tokens import count_tokens

if TYPE_CHECKING:
    from factcheck.endpoint import AnyClient

__all__ = [
    "URL",
    "BatchArticle",
    "BatchJob",
    "ErrorKind",
    "LineError",
    "prepare",
    "run",
]

logger = logging.getLogger(__name__)

URL = "/v1/chat/completions"

ErrorKind = Literal["input", "endpoint", "validation", "truncated", "refusal"]
_ERROR_TYPES: dict[ErrorKind, type[FactcheckError]] = {
    "input": InputError,
    "endpoint": EndpointError,
    "validation": OutputValidationError,
    "truncated": TruncatedOutputError,
    "refusal": RefusalError,
}


class LineError(BaseModel):
    """Why an article has no report; turned into the typed error by :meth:`BatchJob.results`."""

    kind: ErrorKind
    message: str
    custom_id: str | None = None
    status_code: int | None = None
    last_output: str | None = None

    def to_exception(self, usage: Usage) -> FactcheckError:
        cls = _ERROR_TYPES[self.kind]
        message = (
            f"{self.message} (batch line {self.custom_id})" if self.custom_id else self.message
        )
        if issubclass(cls, ModelError):
            return cls(
                message,
                attempts=1,
                last_output=self.last_output,
                usage=usage.model_copy(),
                status_code=self.status_code,
            )
        return cls(message)


class BatchArticle(BaseModel):
    """One distinct article of the job and what the batch rounds returned for it."""

    key: str
    text: str
    chunks: list[Chunk]
    outputs: dict[int, ChunkOutput | NotesOutput] = Field(default_factory=dict)
    reduced: ReduceOutput | None = None
    usage: Usage = Field(default_factory=Usage)
    error: LineError | None = None
    _source: Source | None = PrivateAttr(default=None)

    @property
    def source(self) -> Source:
        if self._source is None:
            # The stored text is already normalised, so this gives back the same sentences.
            self._source = make_source(self.text)
        return self._source

    @property
    def mapped(self) -> bool:
        return len(self.outputs) == len(self.chunks)

    def custom_id(self, chunk: int | None) -> str:
        return f"fc-{self.key}-r" if chunk is None else f"fc-{self.key}-m{chunk}"


class BatchJob(BaseModel):
    """The plan of a batch: settings, the distinct articles and the order of the input."""

    model: str
    kind: Kind
    mode: Mode
    max_tokens: int
    temperature: float | None
    seed: int | None
    articles: dict[str, BatchArticle] = Field(default_factory=dict)
    #: Per input text: its article key, or the input error that kept it out of the batch.
    order: list[str | LineError] = Field(default_factory=list)

    # -- persistence ----------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        """Write the job as JSON, to read the output files in another process later."""
        Path(path).write_text(self.model_dump_json(), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> BatchJob:
        return cls.model_validate_json(Path(path).read_text(encoding="utf-8"))

    # -- request bodies -------------------------------------------------------------------
    def body(self, request: ModelRequest, output_type: type[BaseModel]) -> dict[str, Any]:
        """The chat-completions body :func:`~factcheck.llm.structured_call` sends for
        ``request`` on this kind of endpoint in this mode (first attempt)."""
        messages = request.messages
        if self.mode == "json_object" and self.kind != "local":
            # As structured_call does where no grammar enforces the schema: show it.
            hint = render("schema_hint", schema=json.dumps(request.schema, separators=(",", ":")))
            messages = [{**messages[0], "content": messages[0]["content"] + "\n" + hint}]
            messages += request.messages[1:]
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "response_format": response_format(self.mode, request.schema, output_type.__name__),
        }
        if self.kind == "openai":
            body["max_completion_tokens"] = self.max_tokens
        else:
            body["max_tokens"] = self.max_tokens
        if self.temperature is not None:
            body["temperature"] = self.temperature
        if self.seed is not None:
            body["seed"] = self.seed
        return body

    def _line(self, custom_id: str, body: dict[str, Any]) -> str:
        line = {"custom_id": custom_id, "method": "POST", "url": URL, "body": body}
        return json.dumps(line, ensure_ascii=False, separators=(",", ":"))

    def map_lines(self) -> Iterator[str]:
        """Round 1: one request line per chunk of every article."""
        for article in self.articles.values():
            for chunk in article.chunks:
                # The requests summarise() sends: notes for a grammar-bound local server,
                # claims and key points in the model's words elsewhere.
                if self.kind == "local":
                    request, output = notes_request(article.source, chunk), NotesOutput
                    line = self.body(request, output)
                else:
                    request = chunk_request(article.source, chunk, per_sentence=False)
                    line = self.body(request, ChunkOutput)
                yield self._line(article.custom_id(chunk.index), line)

    def reduce_lines(self) -> Iterator[str]:
        """Round 2: one request per chunked article whose chunks all came back valid."""
        for article in self.articles.values():
            if self._reduces(article):
                outputs = [
                    out
                    for c in article.chunks
                    if isinstance(out := article.outputs[c.index], ChunkOutput)
                ]
                request = reduce_request(outputs)
                yield self._line(article.custom_id(None), self.body(request, ReduceOutput))

    def write_map(self, path: str | Path) -> int:
        """Write round 1 to ``path``; returns the number of lines."""
        return _write_lines(path, self.map_lines())

    def write_reduce(self, path: str | Path) -> int:
        """Write round 2 to ``path`` (after :meth:`read_map`); returns the number of lines,
        0 when no article needs a reduce call (then there is nothing to run)."""
        return _write_lines(path, self.reduce_lines())

    def _reduces(self, article: BatchArticle) -> bool:
        """Whether the article needs round 2: several chunks, all back and valid, written
        by a model (a grammar-bound local server's notes carry no key points to merge)."""
        mapped = article.mapped and article.error is None
        return self.kind != "local" and len(article.chunks) > 1 and mapped

    # -- reading outputs ------------------------------------------------------------------
    def read_map(self, path: str | Path) -> None:
        """Take in the output file of round 1."""
        self._read(path, reduce=False)

    def read_reduce(self, path: str | Path) -> None:
        """Take in the output file of round 2."""
        self._read(path, reduce=True)

    def _read(self, path: str | Path, *, reduce: bool) -> None:
        by_id: dict[str, tuple[BatchArticle, int | None]] = {}
        for article in self.articles.values():
            if reduce and self._reduces(article):
                by_id[article.custom_id(None)] = (article, None)
            elif not reduce:
                for c in article.chunks:
                    by_id[article.custom_id(c.index)] = (article, c.index)
        seen: set[str] = set()
        for number, line in enumerate(_read_lines(path), start=1):
            custom_id = line.get("custom_id")
            if not isinstance(custom_id, str) or custom_id not in by_id:
                logger.warning("%s line %d: unexpected custom_id %r", path, number, custom_id)
                continue
            seen.add(custom_id)
            article, chunk = by_id[custom_id]
            self._take(article, chunk, custom_id, line)
        for custom_id in sorted(set(by_id) - seen):
            missing = LineError(kind="endpoint", message="no output line", custom_id=custom_id)
            _fail(by_id[custom_id][0], missing)

    def _take(
        self, article: BatchArticle, chunk: int | None, custom_id: str, line: dict[str, Any]
    ) -> None:
        response = line.get("response") or {}
        body = response.get("body") if isinstance(response, dict) else None
        usage = (body or {}).get("usage") if isinstance(body, dict) else None
        article.usage.calls += 1
        if isinstance(usage, dict):
            article.usage.input_tokens += int(usage.get("prompt_tokens") or 0)
            article.usage.output_tokens += int(usage.get("completion_tokens") or 0)
            details = usage.get("prompt_tokens_details")
            if isinstance(details, dict):
                article.usage.cached_input_tokens += int(details.get("cached_tokens") or 0)
        error = _line_error(line, response, body, custom_id)
        if error is not None:
            _fail(article, error)
            return
        message = cast(dict[str, Any], body)["choices"][0]["message"]
        content = message.get("content") or ""
        if chunk is None:
            ids = {
                i
                for out in article.outputs.values()
                if isinstance(out, ChunkOutput)
                for p in out.points
                for i in p.ids
            }
            parsed = _validate(ReduceOutput, content, ids, custom_id)
        else:
            c = article.chunks[chunk]
            ids = {s.id for s in article.source.sentences[c.first : c.last + 1]}
            kind = NotesOutput if self.kind == "local" else ChunkOutput
            parsed = _validate(kind, content, ids, custom_id)
        if isinstance(parsed, LineError):
            _fail(article, parsed)
        elif isinstance(parsed, ReduceOutput):
            article.reduced = parsed
        elif chunk is not None:
            article.outputs[chunk] = parsed

    # -- results --------------------------------------------------------------------------
    def results(self, *, repair: bool = True) -> list[Report | FactcheckError]:
        """One result per input text, in order: a Report, or the typed error that stopped
        the article (also for an article whose rounds have not all been read yet)."""
        built: dict[str, Report | FactcheckError] = {}
        for key, article in self.articles.items():
            built[key] = self._result(article, repair=repair)
        return [
            item.to_exception(Usage()) if isinstance(item, LineError) else built[item]
            for item in self.order
        ]

    def _result(self, article: BatchArticle, *, repair: bool) -> Report | FactcheckError:
        if article.error is not None:
            return article.error.to_exception(article.usage)
        if not article.mapped:
            return EndpointError("round 1 output not read yet", usage=article.usage.model_copy())
        if self._reduces(article) and article.reduced is None:
            return EndpointError("round 2 output not read yet", usage=article.usage.model_copy())
        outputs = [article.outputs[c.index] for c in article.chunks]
        return assemble_report(
            article.source,
            outputs,
            article.reduced,
            usage=article.usage.model_copy(),
            model=self.model,
            repair=repair,
        )


def prepare(
    texts: Iterable[str | bytes],
    *,
    model: str,
    kind: Kind = "openai",
    mode: Mode | None = None,
    chunk_tokens: int | None = None,
    policy: CallPolicy | None = None,
) -> BatchJob:
    """Plan a batch: normalise and chunk every text; make no model call.

    ``model``: the model name the batch engine serves. ``kind``: "openai" (OpenAI's Batch
    API), "compatible" (vLLM ``run_batch`` and other OpenAI-compatible engines) or "local"
    (llama.cpp: JSON mode with the schema as a grammar, one claim slot per sentence), which
    also sets the default chunk budget and ``max_tokens`` as :func:`factcheck.summarise`
    does. ``mode``: "json_schema" (default, strict) or "json_object" (default for "local").
    Texts that cannot be used (empty, not text) become an ``InputError`` in the results.
    """
    policy = policy or CallPolicy(max_tokens=MAX_TOKENS[kind])
    budget = chunk_tokens if chunk_tokens is not None else CHUNK_TOKENS[kind]
    job = BatchJob(
        model=model,
        kind=kind,
        mode=mode or ("json_object" if kind == "local" else "json_schema"),
        max_tokens=policy.max_tokens,
        temperature=policy.temperature,
        seed=policy.seed,
    )
    for text in texts:
        try:
            source = make_source(text)
        except InputError as exc:
            job.order.append(LineError(kind="input", message=str(exc)))
            continue
        key = hashlib.sha256(source.text.encode("utf-8")).hexdigest()[:16]
        if key not in job.articles:
            chunks = plan_chunks(source.sentences, budget, lambda s: count_tokens(s, model))
            article = BatchArticle(key=key, text=source.text, chunks=chunks)
            article._source = source
            job.articles[key] = article
        job.order.append(key)
    return job


def _fail(article: BatchArticle, error: LineError) -> None:
    if article.error is None:  # the first failure is the one to report
        article.error = error


def _line_error(line: dict[str, Any], response: Any, body: Any, custom_id: str) -> LineError | None:
    error = line.get("error")
    if error:
        message = error.get("message") if isinstance(error, dict) else str(error)
        return LineError(kind="endpoint", message=f"batch error: {message}", custom_id=custom_id)
    status = response.get("status_code") if isinstance(response, dict) else None
    if status != 200:
        detail = ""
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            detail = str(body["error"].get("message", ""))[:500]
        elif body is not None:
            detail = json.dumps(body)[:500]
        return LineError(
            kind="endpoint",
            message=f"endpoint answered HTTP {status}: {detail}".rstrip(": "),
            custom_id=custom_id,
            status_code=status if isinstance(status, int) else None,
        )
    choices = body.get("choices") if isinstance(body, dict) else None
    if not choices:
        return LineError(kind="endpoint", message="response has no choices", custom_id=custom_id)
    choice = choices[0]
    message = choice.get("message") or {}
    if message.get("refusal"):
        return LineError(
            kind="refusal",
            message=f"model refused: {message['refusal']}",
            custom_id=custom_id,
            last_output=message["refusal"],
        )
    if choice.get("finish_reason") == "length":
        return LineError(
            kind="truncated",
            message="model stopped at max_tokens before finishing its JSON",
            custom_id=custom_id,
            last_output=message.get("content"),
        )
    if choice.get("finish_reason") == "content_filter":
        return LineError(
            kind="refusal", message="output withheld by a content filter", custom_id=custom_id
        )
    return None


def _validate(
    output_type: type[ChunkOutput] | type[NotesOutput] | type[ReduceOutput],
    content: str,
    ids: set[str],
    cid: str,
) -> ChunkOutput | NotesOutput | ReduceOutput | LineError:
    try:
        return output_type.model_validate_json(content, context={"ids": ids})
    except ValidationError as exc:
        return LineError(
            kind="validation",
            message=f"output does not match {output_type.__name__}: {brief(exc)}",
            custom_id=cid,
            last_output=content,
        )


def _write_lines(path: str | Path, lines: Iterable[str]) -> int:
    count = 0
    with Path(path).open("w", encoding="utf-8") as handle:
        for line in lines:
            handle.write(line + "\n")
            count += 1
    return count


def _read_lines(path: str | Path) -> Iterator[dict[str, Any]]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read batch output {path}: {exc}") from exc
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path} line {number} is not JSON: {exc}") from exc
        if not isinstance(line, dict):
            raise InputError(f"{path} line {number} is not a JSON object")
        yield line


def run(
    requests: str | Path,
    output: str | Path,
    *,
    client: AnyClient | None = None,
    max_concurrency: int = 4,
) -> int:
    """Send every line of a request file to an OpenAI-compatible endpoint and write the
    answers in the Batch API's output format; returns the number of lines.

    For servers that have no batch engine (llama.cpp, Ollama) and to try a batch before
    sending it to OpenAI. ``client``: an ``openai`` client (sync or async); without one,
    the endpoint :func:`factcheck.summarise` would use. Like a batch engine it makes one
    attempt per line, with no retry and no re-ask: a failed line is written with its status
    or error and becomes its article's typed error when read back.
    """
    from factcheck.twins import run_sync

    if max_concurrency < 1:
        raise InputError(f"max_concurrency must be at least 1, got {max_concurrency}")
    return run_sync(_run(requests, output, client, max_concurrency))


async def _run(
    requests: str | Path, output: str | Path, client: AnyClient | None, max_concurrency: int
) -> int:
    import asyncio

    from factcheck.endpoint import resolve

    endpoint = resolve(client=client)
    lines = list(_read_lines(requests))
    limit = asyncio.Semaphore(max_concurrency)

    async def answer(number: int, line: dict[str, Any]) -> str:
        async with limit:
            result = await _send_line(endpoint.client, endpoint.is_async, line)
        result = {"id": f"batch_req_{number}", "custom_id": line.get("custom_id"), **result}
        return json.dumps(result, ensure_ascii=False)

    answers = await asyncio.gather(*(answer(n, line) for n, line in enumerate(lines)))
    return _write_lines(output, answers)


async def _send_line(client: AnyClient, is_async: bool, line: dict[str, Any]) -> dict[str, Any]:
    """One request line → the ``response``/``error`` fields of its output line."""
    import asyncio

    from openai import APIStatusError, OpenAIError

    body = line.get("body")
    if line.get("url") != URL or not isinstance(body, dict):
        message = f"not a {URL} request line"
        return {"response": None, "error": {"code": "invalid_request", "message": message}}
    # Typed as a plain callable: the sync and async clients' overloads differ only in
    # whether the result is awaited, which is_async decides.
    create: Callable[..., Any] = client.chat.completions.with_raw_response.create
    request_id: str | None = None
    try:
        raw = await create(**body) if is_async else await asyncio.to_thread(create, **body)
        status, data = raw.http_response.status_code, raw.http_response.json()
        request_id = raw.http_response.headers.get("x-request-id")
    except APIStatusError as exc:
        status, data = exc.status_code, _json_or_text(exc.response)
    except (OpenAIError, ValueError) as exc:
        return {"response": None, "error": {"code": type(exc).__name__, "message": str(exc)}}
    return {
        "response": {"status_code": status, "request_id": request_id, "body": data},
        "error": None,
    }


def _json_or_text(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        return {"error": {"message": response.text[:500]}}
