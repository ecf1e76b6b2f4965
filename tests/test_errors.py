"""How endpoint failures map onto retries and typed errors (no model involved)."""

from __future__ import annotations

import httpx2
import openai
import pytest

from factcheck.errors import EndpointError, FactcheckError, ModelError, OutputValidationError
from factcheck.llm import _is_mode_rejection, _is_transient, _retry_after, _status_error, redact
from factcheck.models import Usage

URL = "http://127.0.0.1:9/v1/chat/completions"


def _status(
    cls: type[openai.APIStatusError],
    code: int,
    message: str = "boom",
    headers: dict[str, str] | None = None,
) -> openai.APIStatusError:
    response = httpx2.Response(code, request=httpx2.Request("POST", URL), headers=headers or {})
    return cls(message, response=response, body={"error": {"message": message}})


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (_status(openai.RateLimitError, 429), True),
        (_status(openai.InternalServerError, 500), True),
        (_status(openai.InternalServerError, 503), True),
        (openai.APITimeoutError(request=httpx2.Request("POST", URL)), True),
        (openai.APIConnectionError(request=httpx2.Request("POST", URL)), True),
        (_status(openai.BadRequestError, 400), False),
        (_status(openai.AuthenticationError, 401), False),
        (_status(openai.NotFoundError, 404), False),
        (
            _status(
                openai.InternalServerError,
                500,
                "Input should be 'text' or 'json_object' (response_format)",
            ),
            False,
        ),
        (ValueError("not from the SDK"), False),
    ],
)
def test_which_failures_are_retried(error: BaseException, transient: bool) -> None:
    assert _is_transient(error) is transient


def test_mode_rejection_is_recognised_for_500_and_400() -> None:
    assert _is_mode_rejection(_status(openai.InternalServerError, 500, "json_schema not supported"))
    assert _is_mode_rejection(_status(openai.BadRequestError, 400, "Invalid response_format"))
    assert not _is_mode_rejection(_status(openai.InternalServerError, 500, "out of memory"))


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "7"}, 7.0),
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, None),
        ({}, None),
    ],
)
def test_retry_after_is_honoured(headers: dict[str, str], expected: float | None) -> None:
    assert _retry_after(_status(openai.RateLimitError, 429, headers=headers)) == expected


def test_status_errors_become_typed_errors_without_secrets() -> None:
    usage = Usage(calls=2)
    error = _status_error(
        _status(openai.AuthenticationError, 401, "Incorrect API key provided: sk-abcdef1234567890"),
        attempts=2,
        usage=usage,
    )
    assert isinstance(error, EndpointError) and isinstance(error, ModelError)
    assert isinstance(error, FactcheckError)
    assert error.status_code == 401 and error.attempts == 2 and error.usage is usage
    assert "sk-abcdef" not in str(error) and "HTTP 401" in str(error)
    timeout = _status_error(openai.APITimeoutError(request=httpx2.Request("POST", URL)), 4, usage)
    assert "timed out" in str(timeout) and timeout.attempts == 4


def test_model_errors_carry_attempts_output_and_usage() -> None:
    error = OutputValidationError("bad", attempts=3, last_output='{"x"', usage=Usage(calls=3))
    assert error.last_output == '{"x"' and error.usage.calls == 3
    assert str(error) == "bad (attempts: 3)"


def test_redact_removes_keys_and_bearer_tokens() -> None:
    text = "key sk-proj-AbCdEf123456 and Authorization: Bearer abc.def.ghi"
    assert redact(text) == "key [redacted] and Authorization: [redacted]"
