"""factcheck.testing used the way a user would: a conftest with one line, a test marked
``@pytest.mark.vcr``, recorded once against a live endpoint, then replayed offline.

The live endpoint is tests/fault_server.py: a real OpenAI-compatible HTTP server on loopback
whose answers are responses recorded from the embedded model (the seed article's summary,
recorded by tests/test_replay.py). The user's suite runs in a subprocess (pytester), as in their CI.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from factcheck import summarise
from factcheck.errors import CacheMissError
from factcheck.local import DEFAULT_ALIAS
from factcheck.testing import REPLAY_KEY, cassette, offline
from tests.fault_server import FaultServer

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
SEED_SUMMARY = ROOT / "cassettes" / "test_replay" / "test_seed_report.yaml"
LIVE_KEY = "sk-live-do-not-record-4242"

USER_CONFTEST = 'pytest_plugins = ["factcheck.testing"]\n'

USER_TEST = """
import os
from pathlib import Path

import pytest

from factcheck import summarise

ARTICLE = Path(os.environ["ARTICLE"]).read_text(encoding="utf-8")


@pytest.mark.vcr
def test_summary(factcheck_replay):
    report = summarise(ARTICLE)
    assert report.claims and report.usage.calls >= 1  # the test's own cache starts empty
    assert factcheck_replay.recording == (os.environ["EXPECT"] == "record")
    assert factcheck_replay.endpoint.kind == "compatible"
    assert factcheck_replay.endpoint.base_url == os.environ["RECORDED_URL"]
    if not factcheck_replay.recording:
        assert factcheck_replay.settings.api_key == "sk-replay-dummy-key"
        assert "OPENAI_API_KEY" not in os.environ  # nothing written to the environment


@pytest.mark.vcr
def test_embedded(factcheck_embedded):
    from factcheck import local

    report = summarise(ARTICLE)
    assert report.model == "smollm2-135m-instruct" and report.usage.calls == 1
    assert local._server is None  # replaying loads no model
"""


@pytest.fixture
def user_suite(pytester: pytest.Pytester, seed_text: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    article = pytester.path / "article.txt"
    article.write_text(seed_text, encoding="utf-8")
    monkeypatch.setenv("ARTICLE", str(article))
    pytester.makeconftest(USER_CONFTEST)
    pytester.makepyfile(test_user=USER_TEST)
    return pytester.path / "cassettes" / "test_user"


@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
def test_a_user_suite_records_once_and_replays_offline(
    pytester: pytest.Pytester, user_suite: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Record: a live server and a real-looking key in the environment.
    # Every answer recorded in test_replay: a plain endpoint gets the free-text request.
    with FaultServer(SEED_SUMMARY.parent) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", LIVE_KEY)
        monkeypatch.setenv("FACTCHECK_MODEL", DEFAULT_ALIAS)
        monkeypatch.setenv("RECORDED_URL", server.base_url.rstrip("/"))
        monkeypatch.setenv("EXPECT", "record")
        recorded = pytester.runpytest_subprocess(
            "-p", "no:cacheprovider", "--record-mode=once", "-k", "test_summary"
        )
        recorded.assert_outcomes(passed=1)
        assert server.count() >= 1
        assert all(r.headers.get("authorization") == f"Bearer {LIVE_KEY}" for r in server.requests)
    recording = (user_suite / "test_summary.yaml").read_text(encoding="utf-8")
    assert "chat/completions" in recording
    assert LIVE_KEY not in recording and "authorization" not in recording.lower()

    stored = (user_suite / "test_summary.endpoint.json").read_text(encoding="utf-8")
    assert LIVE_KEY not in stored and server.base_url.rstrip("/") in stored

    # Replay: CI has no key, no server and no endpoint variables: the stored endpoint says
    # where the recording was made, so the same requests are built.
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "FACTCHECK_MODEL"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("EXPECT", "replay")
    replayed = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--record-mode=none", "--block-network", "-k", "test_summary"
    )
    replayed.assert_outcomes(passed=1)


def test_a_user_suite_replays_the_embedded_model_without_loading_it(
    pytester: pytest.Pytester, user_suite: Path
) -> None:
    user_suite.mkdir(parents=True)
    shutil.copy(SEED_SUMMARY, user_suite / "test_embedded.yaml")
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--record-mode=none", "--block-network", "-k", "test_embedded"
    )
    result.assert_outcomes(passed=1)


def test_a_request_missing_from_the_recording_fails_fast(
    pytester: pytest.Pytester, user_suite: Path, seed_text: str
) -> None:
    """A changed article is not in the cassette: vcrpy refuses it at once (no retries)."""
    user_suite.mkdir(parents=True)
    shutil.copy(SEED_SUMMARY, user_suite / "test_embedded.yaml")
    Path(os.environ["ARTICLE"]).write_text(seed_text + "\nOne more sentence.", encoding="utf-8")
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--record-mode=none", "--block-network", "-k", "test_embedded"
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*CannotOverwriteExistingCassetteException*"])


def test_recording_config_scrubs_and_matches_on_the_body() -> None:
    from factcheck.testing import recording_config, scrub_response

    config = recording_config()
    assert "body" in config["match_on"]
    assert ("authorization", None) in config["filter_headers"]
    response = {"headers": {"Set-Cookie": ["a=b"], "Content-Type": ["json"]}}
    assert scrub_response(response)["headers"] == {"Content-Type": ["json"]}
    assert REPLAY_KEY.startswith("sk-")


@pytest.mark.usefixtures("embedded_model")
def test_cassette_and_offline_helpers_for_scripts(seed_text: str, tmp_path: Path) -> None:
    cache = tmp_path / "script-cache"
    with offline(cache), pytest.raises(CacheMissError):
        summarise(seed_text)
    assert "FACTCHECK_OFFLINE" not in os.environ
    assert os.environ["FACTCHECK_CACHE_DIR"] != str(cache)

    with cassette(SEED_SUMMARY):  # fills the cache from the recording
        first = summarise(seed_text, cache=cache)
    with offline():
        again = summarise(seed_text, cache=cache)  # no recording, no model: the cache answers
    assert again.usage.calls == 0 and again.usage.cache_hits == 1
    assert again.claims == first.claims


def test_cassette_for_scripts_replays_the_endpoint_stored_beside_it(tmp_path: Path) -> None:
    from factcheck.endpoint import resolve
    from factcheck.settings import EndpointSpec, current
    from factcheck.testing import REPLAY_URL, endpoint_file

    recording = tmp_path / "session.yaml"
    shutil.copy(SEED_SUMMARY, recording)
    spec = EndpointSpec(
        kind="compatible",
        model="llama3.1:8b",
        identity="http://ollama:11434/v1",
        base_url="http://ollama:11434/v1",
    )
    endpoint_file(recording).write_text(spec.to_json(), encoding="utf-8")
    with cassette(recording):
        assert current().endpoint == spec and current().api_key == REPLAY_KEY
        built = resolve()  # no environment variable says any of this
        assert (built.base_url, built.model) == (spec.base_url, spec.model)
        assert built.kind == "compatible"
    assert current().endpoint is None

    embedded = EndpointSpec(kind="local", model=DEFAULT_ALIAS, identity="local:x.gguf")
    endpoint_file(recording).write_text(embedded.to_json(), encoding="utf-8")
    with cassette(recording):
        assert current().endpoint == EndpointSpec(**{**embedded.__dict__, "base_url": REPLAY_URL})
