"""The exceptions factcheck raises. Everything derives from :class:`FactcheckError`.

::

    FactcheckError
    ├── InputError              the text, file or a parameter cannot be used
    ├── ConfigurationError      the model or endpoint cannot be set up (missing extra, bad path)
    ├── CacheMissError          offline mode and the answer is not cached
    └── ModelError              a model call failed; carries attempts, last output and usage
        ├── EndpointError       HTTP/transport failure that retries did not cure, or a 4xx
        ├── OutputValidationError  output did not fit the schema, even after the re-ask
        ├── TruncatedOutputError   the model stopped at max_tokens (finish_reason "length")
        └── RefusalError        the model refused
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from factcheck.models import Usage

__all__ = [
    "CacheMissError",
    "ConfigurationError",
    "EndpointError",
    "FactcheckError",
    "InputError",
    "ModelError",
    "OutputValidationError",
    "RefusalError",
    "TruncatedOutputError",
]


class FactcheckError(Exception):
    """Base class of every error factcheck raises on purpose."""


class InputError(FactcheckError, ValueError):
    """The input (text, file, parameter) cannot be summarised."""


class ConfigurationError(FactcheckError):
    """The model or endpoint cannot be set up."""


class CacheMissError(FactcheckError):
    """Offline mode is on and the response is not in the cache."""


class ModelError(FactcheckError):
    """A model call failed. Carries what it cost and what the model last said."""

    def __init__(
        self,
        message: str,
        *,
        attempts: int = 0,
        last_output: str | None = None,
        usage: Usage | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.last_output = last_output
        if usage is None:
            from factcheck.models import Usage

            usage = Usage()
        self.usage = usage
        self.status_code = status_code

    def __str__(self) -> str:
        base = super().__str__()
        return f"{base} (attempts: {self.attempts})" if self.attempts else base


class EndpointError(ModelError):
    """The endpoint failed (HTTP error, timeout, connection) and retries did not cure it."""


class OutputValidationError(ModelError):
    """The model's output did not match the schema, even after showing it the error."""


class TruncatedOutputError(ModelError):
    """The model hit ``max_tokens`` before finishing its answer."""


class RefusalError(ModelError):
    """The model refused to answer."""
