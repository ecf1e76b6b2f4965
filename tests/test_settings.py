"""One settings object, read from the environment in one place and passed down."""

from __future__ import annotations

import ast
import os
import threading
from pathlib import Path

import pytest

from factcheck import summarise
from factcheck.errors import CacheMissError
from factcheck.settings import Settings, current, using
from factcheck.testing import offline

PACKAGE = Path(__file__).resolve().parent.parent / "factcheck"


def environment_reads(source: str) -> list[int]:
    """Lines that touch the environment: ``os.environ``, ``os.getenv``/``os.putenv``, or
    ``environ``/``getenv`` imported from ``os`` (code only: comments and docs may name it)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ("environ", "environb", "getenv", "putenv", "unsetenv")
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
        ):
            lines.append(node.lineno)
        if (
            isinstance(node, ast.ImportFrom)
            and node.module == "os"
            and {alias.name for alias in node.names} & {"environ", "getenv", "putenv"}
        ):
            lines.append(node.lineno)
    return sorted(lines)


def test_no_module_but_settings_reads_the_environment() -> None:
    readers = {
        path.name: environment_reads(path.read_text(encoding="utf-8"))
        for path in sorted(PACKAGE.rglob("*.py"))
    }
    assert {name for name, lines in readers.items() if lines} == {"settings.py"}, readers


def test_the_check_finds_what_it_should() -> None:
    source = (
        "import os\n"
        "os.environ.get('X')\n"
        "os.getenv('Y')\n"
        "from os import environ\n"
        "# os.environ in a comment\n"
        "x = 'os.environ in a string'\n"
    )
    assert environment_reads(source) == [2, 3, 4]


def test_from_env_reads_every_variable(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "OPENAI_API_KEY": "sk-a",
            "OPENAI_BASE_URL": "http://h:1/v1",
            "FACTCHECK_MODEL": "m",
            "FACTCHECK_LOCAL_MODEL": "/models/x.gguf",
            "FACTCHECK_CACHE_DIR": str(tmp_path),
            "FACTCHECK_OFFLINE": "yes",
            "AZURE_OPENAI_API_KEY": "az",
        }
    )
    assert (settings.api_key, settings.base_url, settings.model) == ("sk-a", "http://h:1/v1", "m")
    assert settings.local_model == "/models/x.gguf" and settings.cache_dir == tmp_path
    assert settings.offline and settings.offline_source == "FACTCHECK_OFFLINE=1"
    assert settings.secrets == ["sk-a", "az"]


@pytest.mark.parametrize(
    ("value", "offline"), [("1", True), ("on", True), ("0", False), ("", False)]
)
def test_offline_values(value: str, offline: bool) -> None:
    assert Settings.from_env({"FACTCHECK_OFFLINE": value}).offline is offline


def test_empty_variables_count_as_unset() -> None:
    assert Settings.from_env({"OPENAI_API_KEY": "", "OPENAI_BASE_URL": "  "}) == Settings()


def test_using_is_scoped_to_the_block_and_the_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FACTCHECK_MODEL", "from-env")
    seen: list[str | None] = []
    with using(Settings(model="scoped")):
        assert current().model == "scoped"
        with using(current().with_(model="inner")):
            assert current().model == "inner"
        assert current().model == "scoped"
        other = threading.Thread(target=lambda: seen.append(current().model))
        other.start()
        other.join()
    assert seen == ["from-env"]  # another thread never sees this block's settings
    assert current().model == "from-env" and os.environ["FACTCHECK_MODEL"] == "from-env"


@pytest.mark.usefixtures("embedded_model")
def test_offline_for_scripts_names_itself_and_leaves_the_environment_alone(
    seed_text: str, tmp_path: Path
) -> None:
    before = dict(os.environ)
    with offline(tmp_path / "empty") as settings, pytest.raises(CacheMissError) as missed:
        assert settings.offline and settings.cache_dir == tmp_path / "empty"
        summarise(seed_text)
    assert "factcheck.testing.offline()" in str(missed.value)
    assert str(tmp_path / "empty") in str(missed.value)
    assert dict(os.environ) == before and not current().offline


@pytest.mark.usefixtures("embedded_model")
async def test_offline_holds_for_a_sync_call_inside_a_running_loop(seed_text: str) -> None:
    """summarise() in a running loop (Jupyter) runs in a helper thread: the block's settings
    go along."""
    with offline(), pytest.raises(CacheMissError, match=r"factcheck\.testing\.offline\(\)"):
        summarise(seed_text)


def test_offline_without_a_cache_still_calls_nothing(
    seed_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FACTCHECK_OFFLINE", "1")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    with pytest.raises(CacheMissError, match=r"FACTCHECK_OFFLINE=1.*no cache in use"):
        summarise(seed_text, cache=False)
