"""Which model to talk to, and how: an OpenAI-compatible client plus what we know about it."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal, ParamSpec, TypeVar

from factcheck.errors import ConfigurationError
from factcheck.settings import OPENAI_URL, EndpointSpec, Kind, Settings, current

if TYPE_CHECKING:
    import ssl

    import httpx2
    from openai import AsyncOpenAI, OpenAI

    AnyClient = AsyncOpenAI | OpenAI

__all__ = [
    "DEFAULT_OPENAI_MODEL",
    "Endpoint",
    "Kind",
    "Mode",
    "from_client",
    "from_spec",
    "local_endpoint",
    "loop_local_client",
    "resolve",
]

Mode = Literal["json_schema", "json_object"]

DEFAULT_OPENAI_MODEL = "gpt-4o-mini"


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
    #: The structured-output mode that worked. It lives with the endpoint (one call, or one
    #: ``summarise_many`` batch), not in a process-wide table: two calls never depend on
    #: each other's order, and nothing needs resetting between tests.
    learned_mode: Mode | None = None

    @property
    def is_async(self) -> bool:
        from openai import AsyncOpenAI

        return isinstance(self.client, AsyncOpenAI)

    @property
    def mode(self) -> Mode:
        if self.forced_mode is not None:
            return self.forced_mode
        if self.learned_mode is not None:
            return self.learned_mode
        # llama.cpp's server rejects json_schema (HTTP 500) but turns the schema of a
        # json_object request into a grammar, so the embedded model starts there.
        return "json_object" if self.kind == "local" else "json_schema"

    def remember_mode(self, mode: Mode) -> None:
        self.learned_mode = mode

    @property
    def grammar_enforced(self) -> bool:
        """Whether the endpoint constrains output to the schema itself (llama.cpp does)."""
        return self.kind == "local"

    @property
    def base_url(self) -> str:
        return str(self.client.base_url).rstrip("/")

    def spec(self) -> EndpointSpec:
        """What a replay needs to send the same requests (no client, no key)."""
        return EndpointSpec(
            kind=self.kind,
            model=self.model,
            identity=self.identity,
            base_url=None if self.kind == "local" else self.base_url,
            context_tokens=self.context_tokens,
        )


def _kind_for(base_url: str) -> Kind:
    return "openai" if "api.openai.com" in base_url else "compatible"


def _without_sdk_retries(client: AnyClient) -> AnyClient:
    # Our tenacity policy owns retries; SDK retries on top would multiply attempts.
    return client.with_options(max_retries=0)


def from_client(
    client: AnyClient,
    model: str | None,
    *,
    kind: Kind | None = None,
    settings: Settings | None = None,
) -> Endpoint:
    base_url = str(client.base_url).rstrip("/")
    resolved_kind: Kind = kind or _kind_for(base_url)
    configured = (settings or current()).model
    chosen = model or configured or DEFAULT_OPENAI_MODEL
    return Endpoint(
        client=_without_sdk_retries(client),
        model=chosen,
        kind=resolved_kind,
        identity=base_url,
    )


@lru_cache(maxsize=1)
def _ssl_context() -> ssl.SSLContext:
    import httpx2

    return httpx2.create_ssl_context()  # the SDK's own default, SSL_CERT_FILE/DIR included


def async_http_client() -> httpx2.AsyncClient:
    """The SDK's default async HTTP client, with one TLS context for the whole process:
    loading the CA certificates costs 20–200 ms, more than a cached re-run, and each new
    client would load them again."""
    from openai import DefaultAsyncHttpxClient

    return DefaultAsyncHttpxClient(verify=_ssl_context())


P = ParamSpec("P")
R = TypeVar("R")


def loop_local_client(
    coroutine_function: Callable[P, Coroutine[Any, Any, R]],
) -> Callable[P, Coroutine[Any, Any, R]]:
    """``coroutine_function`` with its ``client=`` argument, when that is an ``AsyncOpenAI``,
    given a connection pool of the running loop's own, closed before the loop ends.

    For sync twins: each sync call runs a loop of its own, and the connections an async
    client pools belong to the loop that opened them; reused by the next call's loop they
    fail ("Event loop is closed"). The caller's client, its settings and its own pool are
    left as they were."""

    @functools.wraps(coroutine_function)
    async def call(*args: P.args, **kwargs: P.kwargs) -> R:
        from openai import AsyncOpenAI

        client = kwargs.get("client")
        if not isinstance(client, AsyncOpenAI):
            return await coroutine_function(*args, **kwargs)
        async with client.with_options(http_client=async_http_client()) as own:
            kwargs["client"] = own
            return await coroutine_function(*args, **kwargs)

    return call


def _async_client(base_url: str, api_key: str | None) -> AsyncOpenAI:
    from openai import AsyncOpenAI

    # The base URL is always given, so the SDK never falls back to reading the environment
    # itself. A local server (Ollama, vLLM, llama.cpp) needs no key; the SDK insists on one.
    return AsyncOpenAI(
        base_url=base_url,
        api_key=api_key or "not-needed",
        max_retries=0,
        http_client=async_http_client(),
    )


def from_spec(spec: EndpointSpec, model: str | None, settings: Settings) -> Endpoint:
    """The endpoint ``spec`` describes (``settings.endpoint``: a recording's, when replaying).

    A spec with no address is the embedded model, started here as :func:`resolve` would."""
    if spec.base_url is None:
        return local_endpoint(model, settings=settings)
    if model and model != spec.model and spec.kind == "local":
        raise ConfigurationError(
            f"model {model!r} is not the recorded embedded model {spec.model!r}"
        )
    return Endpoint(
        client=_async_client(spec.base_url, settings.api_key),
        model=model or spec.model,
        kind=spec.kind,
        identity=spec.identity,
        context_tokens=spec.context_tokens,
    )


def resolve(
    model: str | None = None, client: AnyClient | None = None, *, settings: Settings | None = None
) -> Endpoint:
    """Pick the endpoint: an explicit client, else the settings (by default the environment,
    see :mod:`factcheck.settings`), else the embedded model.

    With neither ``OPENAI_API_KEY`` nor ``OPENAI_BASE_URL`` set, the embedded llama.cpp model
    serves the request (``pip install "factcheck[local]"``).
    """
    settings = settings or current()
    if client is not None:
        return from_client(client, model, settings=settings)
    if settings.endpoint is not None:
        return from_spec(settings.endpoint, model, settings)
    if settings.api_key or settings.base_url:
        base_url = (settings.base_url or OPENAI_URL).rstrip("/")
        return from_client(_async_client(base_url, settings.api_key), model, settings=settings)
    return local_endpoint(model, settings=settings)


def local_endpoint(model: str | None = None, *, settings: Settings | None = None) -> Endpoint:
    """An :class:`Endpoint` for the embedded model. ``model`` may name a GGUF file."""
    from openai import AsyncOpenAI

    from factcheck import local

    base_url, served = local.serve(model, settings=settings)
    client = AsyncOpenAI(
        base_url=base_url, api_key="local", max_retries=0, http_client=async_http_client()
    )
    return Endpoint(
        client=client,
        model=local.model_alias(served),
        kind="local",
        identity=f"local:{served.name}",
        context_tokens=local.CONTEXT_TOKENS,
    )
