"""Every ```python block of README.md runs here, against recordings of the embedded model.

How the blocks run (the convention a README example follows):

- The blocks under one ``## `` heading (its ``###`` subsections included) run in order in one
  namespace, so a block may continue the one before it (a fragment needs no imports of its
  own when an earlier block of its section made them).
- The working folder is a fresh copy of what the examples open (``seeds/``, ``tests/data/``);
  files the examples write stay there.
- Names the README leaves to the reader come from :data:`EXAMPLE_INPUTS` (``article``,
  ``summary``, ``texts``, ``text_a``, ``text_b``, ``search``); :data:`SERVERS` points the
  addresses of servers the README names (a vLLM host) at the embedded model.
- Model calls replay from ``cassettes/test_readme/readme.yaml``, one cassette for every
  section (so the seed article, which several sections summarise, is recorded once), read
  together with the recordings of other tests that README examples repeat word for word
  (:data:`SHARED`). A request none of them holds fails the section.

Re-record (after the cassettes in :data:`SHARED`; the embedded model runs)::

    rm -rf cassettes/test_readme
    pytest tests/test_readme.py --record-mode=new_episodes

(``new_episodes``, not ``once``: with the shared cassettes loaded a cassette counts as
existing, and only ``new_episodes`` adds the requests they lack.)

The replay example is also run as a user's own suite: a fresh folder holding the README's
``conftest.py`` line and its test file records against the embedded model with no key, then
replays with ``--record-mode=none --block-network`` and no key.
"""

from __future__ import annotations

import re
import shutil
import textwrap
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from factcheck.local import DEFAULT_ALIAS
from tests.test_notebook import SUMMARY

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
CASSETTES = ROOT / "cassettes"
#: Recordings other tests make that README examples repeat word for word.
SHARED = [
    CASSETTES / "test_replay" / "test_seed_report.yaml",
    CASSETTES / "test_notebook" / "test_quickstart_notebook_runs_offline.yaml",
    CASSETTES / "test_ray" / "test_map_batches_over_summarise_many.yaml",
]
SEED = ROOT / "seeds" / "000_5bc9710cf7c855ce.txt"

TEXT_A = "Inflation rose to 9% in the year to March, the statistics office said on Wednesday."
TEXT_B = "Food and energy prices rose fastest, the office said."

#: What the README's examples leave to the reader, by name.
EXAMPLE_INPUTS: dict[str, Any] = {
    "article": SEED.read_text(encoding="utf-8"),
    "summary": SUMMARY,
    "texts": [SEED.read_text(encoding="utf-8")],
    "text_a": TEXT_A,
    "text_b": TEXT_B,
    "search": lambda claim: [TEXT_A],
}


@dataclass(frozen=True)
class Block:
    section: str
    line: int
    code: str


def python_blocks(markdown: str) -> list[Block]:
    """Every fenced block whose info string is ``python``, with its ``##`` section."""
    blocks: list[Block] = []
    section = ""
    fence: str | None = None
    start = 0
    body: list[str] = []
    for number, line in enumerate(markdown.splitlines(), start=1):
        if fence is None:
            if line.startswith("## "):
                section = line[3:].strip()
            opened = re.match(r"^(`{3,}|~{3,})\s*([\w+-]*)", line)
            if opened:
                fence, start, body = opened.group(1), number, []
                language = opened.group(2).lower()
                if language not in ("python", "py"):
                    body = None  # type: ignore[assignment]
            continue
        if line.strip().startswith(fence) and line.strip().strip(fence[0]) == "":
            if body is not None:
                blocks.append(Block(section, start, textwrap.dedent("\n".join(body))))
            fence = None
            continue
        if body is not None:
            body.append(line)
    return blocks


def slug(section: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", section.lower()).strip("-") or "top"


BLOCKS = python_blocks(README.read_text(encoding="utf-8"))
SECTIONS = list(dict.fromkeys(block.section for block in BLOCKS))


def test_the_extractor_finds_every_python_block() -> None:
    text = README.read_text(encoding="utf-8")
    opened = len(re.findall(r"^```python\s*$", text, flags=re.MULTILINE))
    assert opened >= 5 and len(BLOCKS) == opened
    assert all(block.code.strip() for block in BLOCKS)
    sample = "## A\n```python\nx = 1\n```\n```sh\nls\n```\n## B\n```python\ny = x\n```\n"
    assert python_blocks(sample) == [Block("A", 2, "x = 1"), Block("B", 9, "y = x")]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    shutil.copytree(ROOT / "tests" / "data", tmp_path / "tests" / "data")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def servers(embedded_model: str, workdir: Path) -> Iterator[dict[str, str]]:
    """The vLLM host of the Ray example → a relay to the embedded model (see test_ray)."""
    from tests.test_ray import COUNCIL, _Relay

    handler = type("Relay", (_Relay,), {"upstream": embedded_model})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.table({"text": [COUNCIL]}), workdir / "articles.parquet")
    except ImportError:
        pass  # no Ray Data installed: the Ray example fails on its own import
    yield {
        "http://vllm:8000/v1": f"http://127.0.0.1:{server.server_address[1]}/v1",
        "Qwen/Qwen2.5-7B-Instruct": DEFAULT_ALIAS,
    }
    server.shutdown()
    server.server_close()


def _run_section(section: str, substitutions: dict[str, str]) -> None:
    namespace: dict[str, Any] = {"__name__": "readme_example", **EXAMPLE_INPUTS}
    for block in (b for b in BLOCKS if b.section == section):
        code = block.code
        for old, new in substitutions.items():
            code = code.replace(old, new)
        try:
            exec(compile(code, f"README.md:{block.line}", "exec"), namespace)
        except Exception as exc:
            raise AssertionError(
                f"README.md line {block.line} ({section}) failed: {type(exc).__name__}: {exc}"
            ) from exc


@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
@pytest.mark.parametrize(
    "section",
    [pytest.param(s, id=slug(s)) for s in SECTIONS],
)
# One cassette for all sections; a request may repeat within a section (the batch example
# sends the very request summarise() sent), so a recording may answer more than once.
@pytest.mark.default_cassette("readme.yaml")
@pytest.mark.vcr(*map(str, SHARED), allow_playback_repeats=True)
def test_readme_section_runs(
    section: str, servers: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    ray_needed = any("import ray" in b.code for b in BLOCKS if b.section == section)
    if ray_needed:
        ray = pytest.importorskip("ray")
        ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        _run_section(section, servers)
    finally:
        if ray_needed:
            ray.shutdown()
    capsys.readouterr()


# -- the replay example, run as a user's own suite ----------------------------------------

#: A short article: recording it runs the embedded model for real in a few seconds.
USER_ARTICLE = (
    "The city council approved a budget of 40 million pounds on Monday. "
    "Mayor Ann Lee said the money will pay for two new schools by 2027."
)


def _replay_section_files() -> dict[str, str]:
    """The conftest line and the test file the README's replay section shows."""
    blocks = [b.code for b in BLOCKS if b.section == "Replay in your own CI"]
    conftest = next(code for code in blocks if "pytest_plugins" in code)
    test = next(code for code in blocks if code.lstrip().startswith("# test_"))
    name = test.lstrip().splitlines()[0].removeprefix("#").strip()
    return {"conftest.py": conftest + "\n", name: test + "\n"}


def test_the_replay_section_shows_a_conftest_and_a_test_file() -> None:
    files = _replay_section_files()
    assert files["conftest.py"].strip() == 'pytest_plugins = ["factcheck.testing"]'
    (name,) = (n for n in files if n != "conftest.py")
    assert name.startswith("test_") and "@pytest.mark.vcr" in files[name]


def test_the_replay_example_records_then_replays_as_a_users_suite(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From an empty folder: record with the embedded model and no key, then replay with
    the network blocked and no key, as the README says to."""
    pytest.importorskip("llama_cpp")
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "FACTCHECK_MODEL", "FACTCHECK_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    for name, content in _replay_section_files().items():
        (pytester.path / name).write_text(content, encoding="utf-8")
    (pytester.path / "tests" / "data").mkdir(parents=True)
    (pytester.path / "tests" / "data" / "article.txt").write_text(USER_ARTICLE, encoding="utf-8")

    recorded = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--record-mode=once")
    recorded.assert_outcomes(passed=1)
    cassettes = list((pytester.path / "cassettes").rglob("*.yaml"))
    assert len(cassettes) == 1 and "chat/completions" in cassettes[0].read_text("utf-8")
    (stored,) = list((pytester.path / "cassettes").rglob("*.endpoint.json"))
    assert '"kind": "local"' in stored.read_text("utf-8")

    replayed = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--record-mode=none", "--block-network"
    )
    replayed.assert_outcomes(passed=1)
