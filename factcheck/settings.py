"""Configuration: read from the environment in one place, then passed down as a value.

:meth:`Settings.from_env` is the only code in factcheck that reads ``os.environ``. The
variables it reads:

========================  ===========================================================
``OPENAI_API_KEY``        the key for OpenAI (or for an ``OPENAI_BASE_URL`` that needs one)
``OPENAI_BASE_URL``       any OpenAI-compatible server
``FACTCHECK_MODEL``       the model name (default ``gpt-4o-mini`` on OpenAI)
``FACTCHECK_LOCAL_MODEL`` a GGUF file for the embedded runtime
``FACTCHECK_CACHE_DIR``   where the response cache lives
``FACTCHECK_OFFLINE``     ``1``: answer from the cache only, never call a model
========================  ===========================================================

A public function that is given no settings uses :func:`current`: those of an enclosing
:func:`using` block (the command line's ``--offline``, :func:`factcheck.testing.offline`,
the pytest fixtures), else the environment as it is at the call. A :func:`using` block is
scoped to its thread and task (a :class:`contextvars.ContextVar`), so it neither leaks into
other threads nor needs resetting by tests, as a change to ``os.environ`` would.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "OPENAI_URL",
    "EndpointSpec",
    "Kind",
    "Settings",
    "current",
    "environment_variable",
    "using",
]

Kind = Literal["local", "openai", "compatible"]

OPENAI_URL = "https://api.openai.com/v1"
_TRUE = ("1", "true", "yes", "on")


@dataclass(frozen=True)
class EndpointSpec:
    """Everything that decides which requests factcheck sends, with no client and no key.

    A recording stores one beside its cassette so that a replay builds the same endpoint
    (same URL path, model and structured-output shape) whatever the environment of the day.
    """

    kind: Kind
    model: str
    #: Stable name of the endpoint in cache keys (the base URL, or ``local:<file>``).
    identity: str
    #: None for the embedded model, whose address changes with every run.
    base_url: str | None = None
    context_tokens: int = 128_000

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> EndpointSpec:
        data: dict[str, Any] = json.loads(text)
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{name: value for name, value in data.items() if name in known})


@dataclass(frozen=True)
class Settings:
    """What the environment (or the caller) configures. Immutable: derive with :meth:`with_`."""

    api_key: str | None = None
    base_url: str | None = None
    model: str | None = None
    local_model: str | None = None
    cache_dir: Path | None = None
    offline: bool = False
    #: What turned offline mode on, named when a request is not in the cache.
    offline_source: str = "FACTCHECK_OFFLINE=1"
    #: A fixed endpoint for every call without ``client=``: a recording's, when replaying.
    endpoint: EndpointSpec | None = None
    #: Other credentials to keep out of messages and recordings (``AZURE_OPENAI_API_KEY``).
    other_secrets: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the variables listed in the module docstring (from ``environ`` if given)."""
        env = os.environ if environ is None else environ

        def value(name: str) -> str | None:
            # An empty variable counts as unset, as in a shell's `VAR= command`.
            return env.get(name, "").strip() or None

        cache_dir = value("FACTCHECK_CACHE_DIR")
        return cls(
            api_key=value("OPENAI_API_KEY"),
            base_url=value("OPENAI_BASE_URL"),
            model=value("FACTCHECK_MODEL"),
            local_model=value("FACTCHECK_LOCAL_MODEL"),
            cache_dir=Path(cache_dir).expanduser() if cache_dir else None,
            offline=(value("FACTCHECK_OFFLINE") or "").lower() in _TRUE,
            other_secrets=tuple(s for s in (value("AZURE_OPENAI_API_KEY"),) if s),
        )

    def with_(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied (``dataclasses.replace``)."""
        return dataclasses.replace(self, **changes)

    @property
    def secrets(self) -> list[str]:
        """Every credential these settings hold, for redaction."""
        return [s for s in (self.api_key, *self.other_secrets) if s]


_scoped: ContextVar[Settings | None] = ContextVar("factcheck_settings", default=None)


def current() -> Settings:
    """The settings of the enclosing :func:`using` block, else the environment now."""
    scoped = _scoped.get()
    return scoped if scoped is not None else Settings.from_env()


@contextmanager
def using(settings: Settings) -> Iterator[Settings]:
    """Run a block with ``settings`` in place of the environment's (this thread and the
    tasks it starts only); the previous settings come back afterwards."""
    token = _scoped.set(settings)
    try:
        yield settings
    finally:
        _scoped.reset(token)


def environment_variable(name: str) -> str | None:
    """One variable the caller names (``ray_data``'s ``api_key_env=``), read here so that the
    environment is read in one module only."""
    return os.environ.get(name) or None
