"""One small real call per optional extra, run inside a fresh venv that has only
``factcheck[EXTRA]`` installed (see .ci/extras). Exits non-zero with the reason on failure.

Usage: python check_extra.py EXTRA ROOT   (ROOT: the checkout, for its saved test data)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path


def check(condition: bool, message: str) -> None:
    # A plain `assert` vanishes under `python -O`; this check must not.
    if not condition:
        raise SystemExit(f"FAILED: {message}")


def html(root: Path) -> str:
    import justext  # noqa: F401  (the import that lxml without html_clean breaks)
    import trafilatura  # noqa: F401

    from factcheck.inputs import read_article
    from factcheck.text import make_source

    text = read_article(root / "tests" / "data" / "bird_flu.html")
    check("11-year-old girl from Cambodia" in text, f"article text missing: {text[:200]!r}")
    for boilerplate in ("Most read", "Cookie settings", "tracking-id", "page view"):
        check(boilerplate not in text, f"boilerplate {boilerplate!r} kept in {text[:300]!r}")
    source = make_source(text)
    check(len(source.sentences) >= 10, f"only {len(source.sentences)} sentences extracted")
    return f"{len(text)} characters extracted, {len(source.sentences)} sentences"


USER_TEST = """
import socket

import pytest

from factcheck.text import make_source


def test_recording_settings_drop_secrets(vcr_config):
    dropped = {name for name, value in vcr_config["filter_headers"] if value is None}
    assert {"authorization", "api-key"} <= dropped
    assert "body" in vcr_config["match_on"]


@pytest.mark.vcr
def test_replay_fixture_gives_each_test_a_fresh_cache(factcheck_replay):
    assert not factcheck_replay.recording
    assert factcheck_replay.cache_dir.is_dir()
    assert not any(factcheck_replay.cache_dir.iterdir())
    assert len(make_source("The council met on Monday. It voted.").sentences) == 2


@pytest.mark.vcr
def test_network_is_blocked(factcheck_replay):
    with pytest.raises(Exception, match="[Nn]etwork"):
        socket.create_connection(("127.0.0.1", 9), timeout=1)
"""


def testing(root: Path) -> str:
    with tempfile.TemporaryDirectory() as folder:
        suite = Path(folder)
        (suite / "conftest.py").write_text('pytest_plugins = ["factcheck.testing"]\n')
        (suite / "test_user.py").write_text(textwrap.dedent(USER_TEST))
        env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "--record-mode=none",
                "--block-network",
                str(suite),
            ],
            cwd=folder,
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
    check(run.returncode == 0, f"the plugin's suite failed:\n{run.stdout}\n{run.stderr}")
    check("3 passed" in run.stdout, f"expected 3 passed:\n{run.stdout}")
    return "a user's suite with the plugin: 3 passed"


def notebook(root: Path) -> str:
    import ipywidgets
    from tqdm.notebook import tqdm as notebook_tqdm

    # Outside a kernel the widget cannot be shown, but it is built all the same: that is
    # what the extra promises (tqdm.auto picks this class inside Jupyter).
    bar = notebook_tqdm(total=3, desc="articles", leave=False, display=False)
    bar.update(2)
    bar.refresh()  # updates are throttled (mininterval); the widget shows the count on refresh
    progress = [w for w in bar.container.children if isinstance(w, ipywidgets.FloatProgress)]
    check(len(progress) == 1 and progress[0].value == 2, f"no widget bar: {bar.container}")
    bar.close()
    from factcheck.progress import progress_bar

    with progress_bar(3, desc="articles", unit="article", progress=True) as shown:
        shown.update(1)
    return f"ipywidgets {ipywidgets.__version__}: a FloatProgress bar counted 2 of 3"


def ray(root: Path) -> str:
    import ray as ray_module

    from factcheck.ray_data import summarise_dataset

    # No model in this venv: an OpenAI-compatible address that is never contacted, and
    # offline mode, which turns the model call into a CacheMissError that the worker
    # reports in its row; the empty article fails earlier, as InputError.
    os.environ["FACTCHECK_OFFLINE"] = "1"
    os.environ["FACTCHECK_CACHE_DIR"] = tempfile.mkdtemp()
    ray_module.init(num_cpus=1, include_dashboard=False, log_to_driver=False)
    try:
        article = (root / "tests" / "data" / "bird_flu.txt").read_text(encoding="utf-8")
        dataset = ray_module.data.from_items([{"text": article}, {"text": "   "}])
        rows = summarise_dataset(
            dataset, base_url="http://127.0.0.1:9/v1", model="any-model", batch_size=2
        ).take_all()
    finally:
        ray_module.shutdown()
    kinds = sorted(str(row["error_type"]) for row in rows)
    check(kinds == ["CacheMissError", "InputError"], f"unexpected rows: {rows}")
    return f"a 2-row Ray dataset summarised in a worker: {kinds}"


def local(root: Path) -> str:
    from openai import OpenAI

    from factcheck import local as embedded

    path = embedded.default_model_path()
    check(path.is_file() and path.suffix == ".gguf", f"no model file: {path}")
    server = embedded.start_server()
    client = OpenAI(base_url=server.base_url, api_key="local", max_retries=0)
    answer = client.chat.completions.create(
        model=server.alias,
        messages=[{"role": "user", "content": "Name one colour."}],
        max_tokens=8,
        temperature=0,
    )
    words = answer.choices[0].message.content or ""
    check(bool(words.strip()), "the embedded model wrote nothing")
    tokens = answer.usage.completion_tokens if answer.usage else 0
    # The in-process likelihood signal (llama-cpp-python's logits and numpy, from this extra).
    from factcheck import check_summary

    scored = check_summary(
        "The council approved a budget of 12 million pounds on Tuesday.",
        "The council approved a budget of 12 million pounds on Tuesday.",
        use_model=False,
        likelihood=True,
    )
    gain = scored.sentences[0].likelihood_gain
    check(gain is not None, "check_summary(likelihood=True) gave no likelihood gain")
    return (
        f"{path.name}: {tokens} token(s) generated: {words.strip()!r}; likelihood gain {gain}"
    )


CHECKS = {"html": html, "testing": testing, "notebook": notebook, "ray": ray, "local": local}


def main() -> None:
    extra, root = sys.argv[1], Path(sys.argv[2])
    import factcheck

    check("site-packages" in (factcheck.__file__ or ""), f"not the installed wheel: {factcheck}")
    started = time.monotonic()
    detail = CHECKS[extra](root)
    print(f"  [{extra}] {detail} ({time.monotonic() - started:.1f} s)")


if __name__ == "__main__":
    main()
