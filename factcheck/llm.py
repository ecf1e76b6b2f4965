"""The one model call: messages + a pydantic type → a validated instance + usage.

It owns the structured-output mode (strict ``json_schema`` where the endpoint supports it,
JSON mode + schema where not, remembered per endpoint), the re-ask on validation errors,
the tenacity retry policy for transient errors, truncation and refusal handling, and the
response cache.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from factcheck.cache import ResponseCache, cache_key, offline_reason
from factcheck.errors import (
    CacheMissError,
    EndpointError,
    InputError,
    ModelError,
    OutputValidationError,
    RefusalError,
    TruncatedOutputError,
)
from factcheck.models import Usage
from factcheck.prompts import prompt_version, render
from factcheck.schema import strict_schema

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletion

    from factcheck.endpoint import Endpoint, Mode

__all__ = [
    "CallPolicy",
    "CallResult",
    "Message",
    "brief",
    "redact",
    "request_key",
    "response_format",
    "structured_call",
]

logger = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)
Message = dict[str, str]


@dataclass(frozen=True)
class CallPolicy:
    """How hard one call tries. ``max_attempts`` counts HTTP attempts per request, so
    ``max_attempts=4`` means one try plus at most three retries."""

    max_attempts: int = 4
    max_reasks: int = 1
    max_tokens: int = 2048
    temperature: float | None = 0.0
    seed: int | None = 0
    timeout: float = 600.0
    max_wait: float = 60.0

    def __post_init__(self) -> None:
        problems = [
            f"{name} must be {rule}, got {getattr(self, name)!r}"
            for name, rule, ok in (
                ("max_attempts", "at least 1", self.max_attempts >= 1),
                ("max_reasks", "0 or more", self.max_reasks >= 0),
                ("max_tokens", "at least 1", self.max_tokens >= 1),
                ("timeout", "more than 0 seconds", self.timeout > 0),
                ("max_wait", "0 or more seconds", self.max_wait >= 0),
            )
            if not ok
        ]
        if problems:
            raise InputError("invalid CallPolicy: " + "; ".join(problems))


@dataclass
class CallResult(Generic[T]):
    value: T
    usage: Usage = field(default_factory=Usage)
    raw: str = ""


_KEY_PATTERN = re.compile(r"(sk-[A-Za-z0-9_\-*]{6,}|Bearer\s+\S+)")


def redact(text: str, secrets: Sequence[str | None] = ()) -> str:
    """Remove anything that looks like a credential from text meant for errors and logs,
    and every one of ``secrets`` verbatim (keys that do not start with ``sk-``: Azure's)."""
    for secret in secrets:
        if secret and len(secret) >= 8:
            text = text.replace(secret, "[redacted]")
    return _KEY_PATTERN.sub("[redacted]", text)


def _is_mode_rejection(exc: BaseException) -> bool:
    """An endpoint that does not speak ``json_schema`` (llama.cpp answers 500, others 400)."""
    from openai import APIStatusError

    if not isinstance(exc, APIStatusError) or exc.status_code not in (400, 422, 500):
        return False
    text = f"{exc.message} {exc.body}".lower()
    return "json_schema" in text or "response_format" in text


class _MalformedResponse(Exception):
    """The endpoint answered 2xx with a body that is not a chat completion (an HTML page
    from a proxy, a truncated or garbled body). Retried like a transport failure."""


def _is_transient(exc: BaseException) -> bool:
    from openai import APIConnectionError, APIStatusError

    if isinstance(exc, APIConnectionError | _MalformedResponse):  # includes timeouts
        return True
    if isinstance(exc, APIStatusError):
        return (exc.status_code == 429 or exc.status_code >= 500) and not _is_mode_rejection(exc)
    return False


def _retry_after(exc: BaseException | None) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) * scale)
        except ValueError:
            continue  # an HTTP date; fall back to backoff
    return None


def _status_error(
    exc: BaseException,
    attempts: int,
    usage: Usage,
    secrets: Sequence[str | None] = (),
    url: str = "",
) -> EndpointError:
    from openai import APIStatusError, APITimeoutError

    # Name the endpoint by its address (never its key): "which server?" is the first question.
    endpoint = f"endpoint {_public_url(url)}" if url else "endpoint"
    if isinstance(exc, APIStatusError):
        # Servers echo what they were sent ("Incorrect API key provided: …").
        detail = redact(str(exc.message), secrets)[:500]
        return EndpointError(
            f"{endpoint} answered HTTP {exc.status_code}: {detail}",
            attempts=attempts,
            usage=usage,
            status_code=exc.status_code,
        )
    if isinstance(exc, APITimeoutError):
        return EndpointError(f"{endpoint} timed out", attempts=attempts, usage=usage)
    if isinstance(exc, _MalformedResponse):
        return EndpointError(
            f"{endpoint} {redact(str(exc), secrets)}", attempts=attempts, usage=usage
        )
    return EndpointError(
        f"could not reach the {endpoint}: {redact(str(exc), secrets)}",
        attempts=attempts,
        usage=usage,
    )


def _public_url(url: str) -> str:
    """``url`` without user info, query or fragment: the parts that may carry a credential."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def response_format(mode: Mode, schema: dict[str, Any], name: str) -> dict[str, Any]:
    if mode == "json_schema":
        return {
            "type": "json_schema",
            "json_schema": {"name": name, "schema": strict_schema(schema), "strict": True},
        }
    # OpenAI ignores "schema" here; llama.cpp turns it into a grammar.
    return {"type": "json_object", "schema": schema}


class _Caller:
    """State of one logical call across attempts, re-asks and mode fallback."""

    def __init__(self, endpoint: Endpoint, policy: CallPolicy) -> None:
        self.endpoint = endpoint
        self.policy = policy
        self.usage = Usage()
        self.attempts = 0
        self.last_output: str | None = None

    async def _send(self, kwargs: dict[str, Any]) -> ChatCompletion:
        from openai.types.chat import ChatCompletion

        create: Callable[..., Any] = self.endpoint.client.chat.completions.create
        try:
            if self.endpoint.is_async:
                result = await create(**kwargs)
            else:
                result = await asyncio.to_thread(create, **kwargs)
        except json.JSONDecodeError as exc:
            # The SDK parses a JSON content type itself and lets the decode error through.
            raise _MalformedResponse(
                f"answered with a body that is not JSON ({exc.msg} at char {exc.pos})"
            ) from None
        if not isinstance(result, ChatCompletion):
            # Any other content type comes back as a plain string: a web page, not an API.
            raise _MalformedResponse(
                f"answered with {type(result).__name__} instead of a chat completion "
                f"(is the base URL an OpenAI-compatible API?): {str(result)[:80]!r}"
            )
        return result

    def _count_retry(self, state: RetryCallState) -> None:
        self.usage.retries += 1
        exc = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        logger.warning(
            "model call failed (%s); retry %d in %.3f s",
            redact(type(exc).__name__),
            self.usage.retries,
            wait,
        )

    def _wait(self, state: RetryCallState) -> float:
        hinted = _retry_after(state.outcome.exception() if state.outcome else None)
        if hinted is not None:
            return min(hinted, self.policy.max_wait)
        # 0.5 s, 1 s, 2 s … plus up to 1 s of jitter (wait_exponential_jitter's shape,
        # spelled so that every supported tenacity accepts it without a warning).
        backoff = wait_exponential(multiplier=0.5, max=self.policy.max_wait) + wait_random(0, 1)
        return min(float(backoff(state)), self.policy.max_wait)

    async def send_with_retries(self, kwargs: dict[str, Any]) -> ChatCompletion:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.policy.max_attempts),
            wait=self._wait,
            retry=retry_if_exception(_is_transient),
            before_sleep=self._count_retry,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    self.attempts += 1
                    self.usage.calls += 1
                    return await self._send(kwargs)
        except ModelError:
            raise
        except Exception as exc:
            if _is_mode_rejection(exc):
                raise
            from openai import OpenAIError

            if not isinstance(exc, OpenAIError | _MalformedResponse):
                raise
            failure = _status_error(
                exc, self.attempts, self.usage, self.secrets, self.endpoint.base_url
            )
        # Raised outside the except block so that the SDK's exception is not even the
        # implicit context: its message may echo what the request carried (an API key).
        raise failure

    @property
    def secrets(self) -> tuple[str | None]:
        return (getattr(self.endpoint.client, "api_key", None),)

    def error(self, cls: type[ModelError], message: str) -> ModelError:
        return cls(message, attempts=self.attempts, last_output=self.last_output, usage=self.usage)


def request_key(
    endpoint: Endpoint,
    messages: list[Message],
    output_type: type[BaseModel],
    schema: dict[str, Any],
    policy: CallPolicy,
) -> str:
    """The cache key: a sha256 of everything that determines the answer."""
    return cache_key(
        {
            "endpoint": endpoint.identity,
            "kind": endpoint.kind,
            "model": endpoint.model,
            "prompt_version": prompt_version(),
            "schema": schema,
            "type": output_type.__name__,
            "params": {
                "max_tokens": policy.max_tokens,
                "temperature": policy.temperature,
                "seed": policy.seed,
                "max_reasks": policy.max_reasks,
            },
            "messages": messages,
        }
    )


async def structured_call(
    endpoint: Endpoint,
    messages: list[Message],
    output_type: type[T],
    *,
    schema: dict[str, Any],
    context: dict[str, Any] | None = None,
    cache: ResponseCache | None = None,
    policy: CallPolicy | None = None,
) -> CallResult[T]:
    """Ask the model for an instance of ``output_type``; return it validated, with usage.

    Raises a :class:`~factcheck.errors.ModelError` subclass (carrying attempts, the last raw
    output and the usage spent) when the call cannot produce a valid instance.
    """
    policy = policy or CallPolicy()
    key = request_key(endpoint, messages, output_type, schema, policy)
    if cache is not None:
        hit = cache.get(key)
        if hit is not None:
            try:
                value = output_type.model_validate_json(hit.content, context=context)
            except ValidationError:
                logger.warning("cached response %s no longer validates; asking again", key[:12])
            else:
                return CallResult(value=value, usage=Usage(cache_hits=1), raw=hit.content)
    reason = offline_reason(cache)
    if reason is not None:
        where = f"in the cache {cache.path}" if cache is not None else "cached (no cache in use)"
        raise CacheMissError(
            f"offline mode is on ({reason}) and this request is not {where} (key {key[:12]}…)"
        )

    caller = _Caller(endpoint, policy)
    value, raw = await _ask(caller, messages, output_type, schema, context)
    if cache is not None:
        cache.put(
            key,
            content=raw,
            model=endpoint.model,
            prompt_version=prompt_version(),
            input_tokens=caller.usage.input_tokens,
            output_tokens=caller.usage.output_tokens,
        )
    return CallResult(value=value, usage=caller.usage, raw=raw)


async def _ask(
    caller: _Caller,
    messages: list[Message],
    output_type: type[T],
    schema: dict[str, Any],
    context: dict[str, Any] | None,
) -> tuple[T, str]:
    """Send, read, validate; re-ask with the error until ``max_reasks`` is spent.

    Each step is its own function: building the request (:func:`_request`), sending it with
    the mode fallback (:func:`_complete`), reading the answer's text (:func:`_answer_text`)
    and parsing it (:func:`parse_output`).
    """
    endpoint, policy = caller.endpoint, caller.policy
    conversation = list(messages)
    while True:
        mode = endpoint.mode
        request = _request(endpoint, policy, conversation, mode, schema, output_type.__name__)
        completion = await _complete(caller, request, mode)
        if completion is None:
            continue  # the endpoint rejected json_schema; the next round uses JSON mode
        content = _answer_text(caller, completion)
        try:
            value = parse_output(output_type, content, context)
        except ValidationError as exc:
            if caller.usage.reasks >= policy.max_reasks:
                raise caller.error(
                    OutputValidationError,
                    f"model output does not match {output_type.__name__} after "
                    f"{caller.usage.reasks} re-ask(s): {brief(exc)}",
                ) from None
            caller.usage.reasks += 1
            logger.info("output failed validation; re-asking (%s)", brief(exc))
            conversation = _reask(messages, content, exc)
            continue
        endpoint.remember_mode(mode)
        return value, value.model_dump_json()


def _request(
    endpoint: Endpoint,
    policy: CallPolicy,
    conversation: list[Message],
    mode: Mode,
    schema: dict[str, Any],
    name: str,
) -> dict[str, Any]:
    """The keyword arguments of one ``chat.completions.create`` call."""
    sent = conversation
    if mode == "json_object" and not endpoint.grammar_enforced:
        # Without strict json_schema nor a grammar, the schema must be in the prompt.
        hint = render("schema_hint", schema=json.dumps(schema, separators=(",", ":")))
        sent = [{**conversation[0], "content": conversation[0]["content"] + "\n" + hint}]
        sent += conversation[1:]
    kwargs: dict[str, Any] = {
        "model": endpoint.model,
        "messages": sent,
        "response_format": response_format(mode, schema, name),
        "timeout": policy.timeout,
    }
    # OpenAI renamed the limit; other servers know only the old name.
    kwargs["max_completion_tokens" if endpoint.kind == "openai" else "max_tokens"] = (
        policy.max_tokens
    )
    if policy.temperature is not None:
        kwargs["temperature"] = policy.temperature
    if policy.seed is not None:
        kwargs["seed"] = policy.seed
    return kwargs


async def _complete(caller: _Caller, kwargs: dict[str, Any], mode: Mode) -> ChatCompletion | None:
    """Send with retries. None when the endpoint rejected ``json_schema`` and JSON mode is
    now remembered for it (the caller asks again); any other failure raises."""
    endpoint = caller.endpoint
    rejection: Exception | None = None
    try:
        return await caller.send_with_retries(kwargs)
    except Exception as exc:
        if not _is_mode_rejection(exc):
            raise
        rejection = exc
    if mode == "json_schema" and endpoint.forced_mode is None:
        logger.info("endpoint %s rejects json_schema; using JSON mode", endpoint.identity)
        endpoint.remember_mode("json_object")
        return None
    # Raised outside the except clause: no implicit context (see send_with_retries).
    raise _status_error(rejection, caller.attempts, caller.usage, caller.secrets)


def _answer_text(caller: _Caller, completion: ChatCompletion) -> str:
    """Count the tokens and return the answer's text; raise when there is no usable answer
    (no choices, a refusal, output cut at ``max_tokens``, a content filter)."""
    if completion.usage is not None:
        caller.usage.input_tokens += completion.usage.prompt_tokens or 0
        caller.usage.output_tokens += completion.usage.completion_tokens or 0
        # Endpoints with a prompt cache report the input tokens it served (billed apart).
        details = completion.usage.prompt_tokens_details
        caller.usage.cached_input_tokens += (details.cached_tokens or 0) if details else 0
    if not completion.choices:
        raise caller.error(EndpointError, "endpoint returned no choices")
    choice = completion.choices[0]
    message = choice.message
    caller.last_output = message.content
    if getattr(message, "refusal", None):
        caller.last_output = message.refusal
        raise caller.error(RefusalError, f"model refused: {message.refusal}")
    if choice.finish_reason == "length":
        raise caller.error(
            TruncatedOutputError,
            f"model stopped at max_tokens={caller.policy.max_tokens} before finishing its JSON",
        )
    if choice.finish_reason == "content_filter":
        raise caller.error(RefusalError, "model output was withheld by a content filter")
    return message.content or ""


def _reask(messages: list[Message], content: str, exc: ValidationError) -> list[Message]:
    """The conversation that shows the model its rejected answer and why."""
    advice = "Answer again with the corrected JSON object only."
    if _is_syntax_error(exc):
        advice = (
            "Answer again with one JSON object only: nothing before or after it, every "
            "bracket closed, and every line break inside a string written as \\n."
        )
    return [
        *messages,
        {"role": "assistant", "content": content},
        {"role": "user", "content": f"That JSON is invalid: {brief(exc)}. {advice}"},
    ]


# -- parsing, with repair of the syntax slips a grammar lets through ---------------------------

#: Closing bracket for each opening one.
_CLOSERS = {"{": "}", "[": "]"}


def _is_syntax_error(exc: ValidationError) -> bool:
    return any(error["type"] == "json_invalid" for error in exc.errors())


def parse_output(output_type: type[T], content: str, context: dict[str, Any] | None = None) -> T:
    """Validate ``content`` as ``output_type``; when it is not valid JSON, repair it first.

    Repair covers the slips that are unambiguous, found in real answers: llama.cpp's grammar
    for a JSON string admits raw control characters (a line break inside a headline), which
    JSON forbids and pydantic's parser rejects; text after the object (a second object,
    a stray bracket or fence); text before it (a code fence); and the final closing bracket
    missing from an otherwise complete answer. Anything else (a value cut mid-string, a missing
    comma) is not guessed at: the original error stands and the caller re-asks. Raises
    :class:`pydantic.ValidationError`: the syntax error of the original text when it cannot
    be repaired, else whatever the repaired text fails.
    """
    try:
        return output_type.model_validate_json(content, context=context)
    except ValidationError as exc:
        if not _is_syntax_error(exc):
            raise
        repaired = repair_json(content)
        if repaired is None:
            raise
    logger.info("model output was not valid JSON; repaired it before validation")
    return output_type.model_validate_json(repaired, context=context)


def repair_json(content: str) -> str | None:
    """``content`` as valid JSON text, or None when it cannot be repaired safely.

    Uses the standard library's decoder with ``strict=False`` (which accepts control
    characters inside strings) and ``raw_decode`` (which stops at the end of the first
    value, ignoring what follows). Only a missing final bracket is added by hand (the
    standard decoder has no mode for that), and only when nothing else is missing.
    """
    start = min((i for i in (content.find("{"), content.find("[")) if i >= 0), default=-1)
    if start < 0:
        return None
    text = content[start:]
    decoder = json.JSONDecoder(strict=False)
    for candidate in (text, _close_brackets(text)):
        if candidate is None:
            continue
        try:
            value, _ = decoder.raw_decode(candidate)
        except json.JSONDecodeError:
            continue
        return json.dumps(value, ensure_ascii=False)
    return None


def _close_brackets(text: str) -> str | None:
    """``text`` with its final closing bracket added, when that is all it lacks: exactly one
    bracket open (the outermost) and the text ending right after a complete value (outside
    any string, not after ``,`` or ``:``); else None. Closing more than one would turn an
    answer cut off mid-list into a shorter valid one: that is left to the re-ask."""
    stack: list[str] = []
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in _CLOSERS:
            stack.append(_CLOSERS[ch])
        elif ch in "}]" and (not stack or stack.pop() != ch):
            return None
    tail = text.rstrip()
    if in_string or len(stack) != 1 or not tail or tail[-1] in ",:[{":
        return None
    return tail + stack[0]


def brief(exc: ValidationError, limit: int = 5) -> str:
    parts = []
    for error in exc.errors()[:limit]:
        where = ".".join(str(p) for p in error["loc"]) or "root"
        parts.append(f"{where}: {error['msg']}")
    more = exc.error_count() - limit
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")
