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

from factcheck.cache import ResponseCache, cache_key, offline_mode
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
    if offline_mode():
        raise CacheMissError(
            f"FACTCHECK_OFFLINE is set and this request is not cached (key {key[:12]}…); "
            "unset it to call the model"
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
    endpoint, policy = caller.endpoint, caller.policy
    conversation = list(messages)
    reasks = 0
    while True:
        mode = endpoint.mode
        sent = conversation
        if mode == "json_object" and not endpoint.grammar_enforced:
            hint = render("schema_hint", schema=json.dumps(schema, separators=(",", ":")))
            sent = [{**conversation[0], "content": conversation[0]["content"] + "\n" + hint}]
            sent += conversation[1:]
        kwargs: dict[str, Any] = {
            "model": endpoint.model,
            "messages": sent,
            "response_format": response_format(mode, schema, output_type.__name__),
            "timeout": policy.timeout,
        }
        if endpoint.kind == "openai":
            kwargs["max_completion_tokens"] = policy.max_tokens
        else:
            kwargs["max_tokens"] = policy.max_tokens
        if policy.temperature is not None:
            kwargs["temperature"] = policy.temperature
        if policy.seed is not None:
            kwargs["seed"] = policy.seed
        rejection: Exception | None = None
        try:
            completion = await caller.send_with_retries(kwargs)
        except Exception as exc:
            if not _is_mode_rejection(exc):
                raise
            rejection = exc
        if rejection is not None:
            if mode == "json_schema" and endpoint.forced_mode is None:
                logger.info("endpoint %s rejects json_schema; using JSON mode", endpoint.identity)
                endpoint.remember_mode("json_object")
                continue
            # Raised outside the except clause: no implicit context (see send_with_retries).
            raise _status_error(rejection, caller.attempts, caller.usage, caller.secrets)
        if completion.usage is not None:
            caller.usage.input_tokens += completion.usage.prompt_tokens or 0
            caller.usage.output_tokens += completion.usage.completion_tokens or 0
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
                f"model stopped at max_tokens={policy.max_tokens} before finishing its JSON",
            )
        if choice.finish_reason == "content_filter":
            raise caller.error(RefusalError, "model output was withheld by a content filter")
        content = message.content or ""
        try:
            value = output_type.model_validate_json(content, context=context)
        except ValidationError as exc:
            if reasks >= policy.max_reasks:
                raise caller.error(
                    OutputValidationError,
                    f"model output does not match {output_type.__name__} after {reasks} "
                    f"re-ask(s): {brief(exc)}",
                ) from None
            reasks += 1
            caller.usage.reasks += 1
            logger.info("output failed validation; re-asking (%s)", brief(exc))
            conversation = [
                *messages,
                {"role": "assistant", "content": content},
                {
                    "role": "user",
                    "content": "That JSON is invalid: "
                    f"{brief(exc)}. Answer again with the corrected JSON object only.",
                },
            ]
            continue
        endpoint.remember_mode(mode)
        return value, value.model_dump_json()


def brief(exc: ValidationError, limit: int = 5) -> str:
    parts = []
    for error in exc.errors()[:limit]:
        where = ".".join(str(p) for p in error["loc"]) or "root"
        parts.append(f"{where}: {error['msg']}")
    more = exc.error_count() - limit
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")
