"""Which model to talk to, and how: an OpenAI-compatible client plus what we know about it."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from factcheck.errors import ConfigurationError

if TYPE_CHECKING:
    from openai import AsyncOpenAI, OpenAI

    AnyClient = AsyncOpenAI | OpenAI

Kind = Literal["local", "openai", "compatible"]
Mode = Literal["json_schema", "json_object"]

DEFAULT_OPENAI_MODEL = "gpt-4o-mini"

#: Structured-output mode that worked, per endpoint identity, for this process.
_WORKING_MODE: dict[str, Mode] = {}


@dataclass
class Endpoint:
    """An OpenAI-compatible client (with its own retries off) and what we know of it."""

    client: AnyClient
    model: str
    kind: Kind
    #: Stable name of the endpoint for cache keys: the base URL, or ``local:<model file>``
    #: for the embedded model (whose port changes every run).
    identity: str
    context_tokens: int = 128_000
    forced_mode: Mode | None = None
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def is_async(self) -> bool:
        from openai import AsyncOpenAI

        return isinstance(self.client, AsyncOpenAI)

    @property
    def mode(self) -> Mode:
        if self.forced_mode is not None:
            return self.forced_mode
        # llama.cpp's server rejects json_schema (HTTP 500) but turns the schema of a
        # json_object request into a grammar, so the embedded model starts there.
        return _WORKING_MODE.get(
            self.identity, "json_object" if self.kind == "local" else "json_schema"
        )

    def remember_mode(self, mode: Mode) -> None:
        _WORKING_MODE[self.identity] = mode

    @property
    def grammar_enforced(self) -> bool:
        """Whether the endpoint constrains output to the schema itself (llama.cpp does)."""
        return self.kind == "local"


def _kind_for(base_url: str) -> Kind:
    return "openai" if "api.openai.com" in base_url else "compatible"


def _without_sdk_retries(client: AnyClient) -> AnyClient:
    # Our tenacity policy owns retries; SDK retries on top would multiply attempts.
    return client.with_options(max_retries=0)


def from_client(client: AnyClient, model: str | None, *, kind: Kind | None = None) -> Endpoint:
    base_url = str(client.base_url).rstrip("/")
    resolved_kind: Kind = kind or _kind_for(base_url)
    chosen = model or os.environ.get("FACTCHECK_MODEL") or DEFAULT_OPENAI_MODEL
    return Endpoint(
        client=_without_sdk_retries(client),
        model=chosen,
        kind=resolved_kind,
        identity=base_url,
    )


def resolve(model: str | None = None, client: AnyClient | None = None) -> Endpoint:
    """Pick the endpoint: an explicit client, else the environment, else the embedded model.

    With neither ``OPENAI_API_KEY`` nor ``OPENAI_BASE_URL`` set, the embedded llama.cpp model
    serves the request (``pip install "factcheck[local]"``).
    """
    if client is not None:
        return from_client(client, model)
    if os.environ.get("OPENAI_API_KEY") or os.environ.get("OPENAI_BASE_URL"):
        try:
            from openai import AsyncOpenAI
        except ImportError as exc:  # pragma: no cover - openai is a hard dependency
            raise ConfigurationError(
                "the openai package is missing: pip install factcheck"
            ) from exc
        # A local server (Ollama, vLLM, llama.cpp) needs no key; the SDK insists on one.
        api_key = os.environ.get("OPENAI_API_KEY") or "not-needed"
        return from_client(AsyncOpenAI(api_key=api_key), model)
    from factcheck.local import local_endpoint

    return local_endpoint(model)
