"""The command line: in process (``main([...])`` with capsys) on responses recorded from the
embedded model, and as a subprocess for ``--help`` and the console script.

Most tests replay the seed session (the seed article summarised, its claims verified, one
summary checked) that tests/test_replay.py and tests/test_notebook.py record: the commands
here make exactly those requests. Re-record with ``make record``.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from factcheck.cli import (
    EXIT_CONFIG,
    EXIT_FAILED,
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    EXIT_MODEL,
    EXIT_OK,
    FORMATS,
    main,
)
from factcheck.errors import InputError
from factcheck.fetch import fetch_article
from factcheck.models import Report, SummaryCheck, Verdict
from tests.fault_server import FaultServer
from tests.test_notebook import SUMMARY

#: The seed session: summarise (recorded by tests/test_replay.py), then verify and one summary
#: check (recorded by tests/test_notebook.py). Named from the cassettes folder.
SEED_SUMMARY = "test_replay/test_seed_report.yaml"
SEED_SESSION = "test_notebook/test_quickstart_notebook_runs_offline.yaml"


def seed_session(test: Callable[..., None]) -> Callable[..., None]:
    """Replay the seed session."""
    marked: Callable[..., None] = pytest.mark.vcr(SEED_SUMMARY)(
        pytest.mark.default_cassette(SEED_SESSION)(test)
    )
    return marked


#: Local servers these tests start (the network stays blocked for everything else).
LOOPBACK = ["127.0.0.1", "localhost", "::1"]

pytestmark = pytest.mark.usefixtures("embedded_model")


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    """Cassettes here are named from the cassettes folder: they are recorded elsewhere."""
    return str(Path(__file__).resolve().parent.parent / "cassettes")


@pytest.fixture
def article(tmp_path: Path, seed_text: str) -> Path:
    path = tmp_path / "article.txt"
    path.write_text(seed_text, encoding="utf-8")
    return path


def pinned(report: Report) -> bool:
    return all(report.source.text[c.start : c.end] == c.quote for c in report.claims)


@seed_session
def test_summarise_prints_json_when_piped_and_markdown_on_request(
    article: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["summarise", str(article)]) == 0  # captured stdout is not a terminal
    report = Report.model_validate_json(capsys.readouterr().out)
    assert report.claims and pinned(report)
    assert report.usage.calls == 1

    assert main(["summarise", str(article), "--format", "markdown"]) == 0
    markdown = capsys.readouterr().out
    assert markdown.startswith(f"# {report.headline}\n")
    for i, claim in enumerate(report.claims):
        assert f"\n{i}. **" in markdown
        assert claim.quote.split("\n")[0][:40] in markdown
    assert "0 call(s)" in markdown and "1 cache hit(s)" in markdown  # the second run was cached


@seed_session
def test_summarise_reads_stdin_and_writes_a_standalone_html_page(
    seed_text: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(seed_text.encode("utf-8"))))
    assert main(["summarise", "-", "--format", "html", "--no-progress"]) == 0
    page = capsys.readouterr().out
    assert page.startswith("<!DOCTYPE html>")
    assert page.count('class="fc-claim') >= 1 and "<script" not in page


@seed_session
def test_summarise_verify_export_chain_reuses_saved_json(
    article: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["summarise", str(article), "--format", "json"]) == 0
    saved_report = tmp_path / "report.json"
    saved_report.write_text(capsys.readouterr().out, encoding="utf-8")
    report = Report.model_validate_json(saved_report.read_text(encoding="utf-8"))

    assert main(["verify", str(saved_report), "--format", "json"]) == 0
    verified = json.loads(capsys.readouterr().out)
    verdicts = [Verdict.model_validate(v) for v in verified["verdicts"]]
    assert Report.model_validate(verified["report"]) == report
    assert [v.claim_index for v in verdicts] == list(range(len(report.claims)))
    assert [v.statement for v in verdicts] == [c.statement for c in report.claims]
    assert verified["verify_usage"]["calls"] >= 1

    assert main(["verify", str(saved_report), "--format", "markdown"]) == 0
    markdown, err = capsys.readouterr()
    assert err == ""  # no library chatter on stderr without -v
    assert markdown.startswith(f"# {report.headline}\n\n## Verdicts\n")
    for v in verdicts:
        assert f"\n{v.claim_index}. **{v.label.value.replace('_', ' ')}**" in markdown
    assert f"{len(verdicts)} verdict(s)" in markdown and "0 call(s)" in markdown

    # Export from the verified JSON needs no model: prove it offline with an empty cache.
    saved_verified = tmp_path / "verified.json"
    saved_verified.write_text(json.dumps(verified), encoding="utf-8")
    monkeypatch.setenv("FACTCHECK_CACHE_DIR", str(tmp_path / "empty-cache"))
    argv = ["export", str(saved_verified), "--claimreview", "--offline"]
    argv += ["--url", "https://example.org/news/1", "--publisher", "Example Desk"]
    assert main(argv) == 0
    reviews = json.loads(capsys.readouterr().out)
    assert len(reviews) == len(verdicts)
    for review, verdict in zip(reviews, verdicts, strict=True):
        assert review["@type"] == "ClaimReview"
        assert review["claimReviewed"] == verdict.statement
        assert review["reviewRating"]["alternateName"] == verdict.label.value
        assert review["itemReviewed"]["appearance"]["url"] == "https://example.org/news/1"


@seed_session
def test_check_summary(article: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    summary = tmp_path / "summary.txt"
    summary.write_text(SUMMARY, encoding="utf-8")
    assert main(["check-summary", str(article), str(summary), "--format", "json"]) == 0
    check = SummaryCheck.model_validate_json(capsys.readouterr().out)
    assert len(check.sentences) == 2 and check.usage.calls == 1
    # The article never mentions Germany: whatever the model said, the second sentence fails.
    assert check.sentences[1].label.value != "supported" and not check.consistent

    assert main(["check-summary", str(article), str(summary), "--format", "markdown"]) == 0
    markdown = capsys.readouterr().out
    assert markdown.startswith("# Summary check: not consistent with the source")
    assert f"1. **{check.sentences[1].label.value}** — He said Germany" in markdown


def test_deterministic_summary_check_needs_no_model(
    article: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = tmp_path / "summary.txt"
    summary.write_text(SUMMARY, encoding="utf-8")
    argv = ["check-summary", str(article), str(summary), "--no-model", "--offline"]
    assert main([*argv, "--format", "json"]) == 0
    check = SummaryCheck.model_validate_json(capsys.readouterr().out)
    assert check.model is None and check.usage.calls == 0
    assert check.sentences[1].label.value != "supported"


def test_offline_cache_miss_exits_3_and_names_what_turned_offline_on(
    article: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["summarise", str(article), "--offline"]) == EXIT_CONFIG
    err = capsys.readouterr().err
    assert err.startswith("factcheck: offline:") and "the --offline option" in err
    assert "FACTCHECK_OFFLINE" not in err and "FACTCHECK_OFFLINE" not in os.environ

    monkeypatch.setenv("FACTCHECK_OFFLINE", "1")
    assert main(["summarise", str(article)]) == EXIT_CONFIG
    err = capsys.readouterr().err
    assert "FACTCHECK_OFFLINE=1" in err and "--offline" not in err


def test_input_errors_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summarise", str(tmp_path / "missing.txt")]) == EXIT_INPUT
    assert "no such file" in capsys.readouterr().err
    assert main(["summarise", str(tmp_path)]) == EXIT_INPUT
    assert "is a folder" in capsys.readouterr().err
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n", encoding="utf-8")
    assert main(["summarise", str(empty)]) == EXIT_INPUT
    assert capsys.readouterr().err.startswith("factcheck: input error:")
    broken = tmp_path / "broken.json"
    broken.write_text('{"source": {"text": "x"}, "claims": 3}', encoding="utf-8")
    assert main(["verify", str(broken)]) == EXIT_INPUT
    assert "not a factcheck report" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        main(["summarise"])  # missing argument: a usage error, not a model error
    assert exited.value.code == EXIT_INPUT
    with pytest.raises(SystemExit) as exited:
        main(["export", str(empty)])  # no --publisher
    assert exited.value.code == EXIT_INPUT


def test_export_without_a_url_is_an_input_error(
    article: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["export", str(article), "--publisher", "Desk", "--offline"]
    assert main(argv) == EXIT_INPUT
    assert "--url is required" in capsys.readouterr().err


@pytest.mark.block_network(allowed_hosts=LOOPBACK)
def test_model_error_exits_2(article: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A server that does not know the model answers 404: a permanent failure, exit 2."""
    with FaultServer() as server:
        argv = ["summarise", str(article), "--base-url", server.base_url, "--model", "nope"]
        assert main([*argv, "--no-cache"]) == EXIT_MODEL
        assert server.count() == 1  # permanent: not retried
    assert capsys.readouterr().err.startswith("factcheck: model error:")


ARTICLE_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Starmer: coalition of the willing</title>
<script>window.tracking = "<p>not article text</p>";</script></head>
<body><nav><a href="/">Home</a> | <a href="/politics">Politics</a></nav>
<article><h1>Starmer calls for a coalition of the willing</h1>
{paragraphs}
</article><footer>© Example News. Cookie settings.</footer></body></html>
"""


class _Pages(BaseHTTPRequestHandler):
    pages: ClassVar[dict[str, tuple[int, str, bytes]]] = {}

    def do_GET(self) -> None:
        status, content_type, body = self.pages.get(self.path, (404, "text/plain", b"missing"))
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def site(seed_text: str) -> Iterator[str]:
    """A local web server with the seed article as an HTML page and as plain text."""
    paragraphs = "\n".join(f"<p>{line}</p>" for line in seed_text.splitlines() if line.strip())
    _Pages.pages = {
        "/article.html": (
            200,
            "text/html; charset=utf-8",
            ARTICLE_PAGE.format(paragraphs=paragraphs).encode("utf-8"),
        ),
        "/article.txt": (200, "text/plain; charset=utf-8", seed_text.encode("utf-8")),
    }
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        # "localhost", not 127.0.0.1: the replayed model answers for 127.0.0.1, and the
        # recordings must leave the page requests to this server.
        yield f"http://localhost:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.mark.block_network(allowed_hosts=LOOPBACK)
def test_fetch_extracts_the_article_from_a_page(site: str, seed_text: str) -> None:
    text = fetch_article(f"{site}/article.html")
    assert "Keir Starmer has called for countries" in text
    assert "coalition of the willing" in text
    for boilerplate in ("Home", "Cookie settings", "tracking", "not article text"):
        assert boilerplate not in text
    assert fetch_article(f"{site}/article.txt") == seed_text
    with pytest.raises(InputError, match="HTTP 404"):
        fetch_article(f"{site}/gone.html")
    with pytest.raises(InputError, match="not an http"):
        fetch_article("file:///etc/passwd")


@seed_session
@pytest.mark.vcr(ignore_hosts=["localhost"])
@pytest.mark.block_network(allowed_hosts=LOOPBACK)
def test_summarise_a_url_and_export_with_it(
    site: str, seed_text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A plain-text page is the seed article itself, so its summary is the recorded one."""
    url = f"{site}/article.txt"
    assert main(["summarise", url, "--format", "json"]) == 0
    report = Report.model_validate_json(capsys.readouterr().out)
    assert report.source.text.startswith("Keir Starmer has called")
    assert main(["export", url, "--publisher", "Example Desk"]) == 0
    reviews = json.loads(capsys.readouterr().out)
    assert len(reviews) == len(report.claims)
    assert {r["itemReviewed"]["appearance"]["url"] for r in reviews} == {url}


def test_help_runs_as_a_module_and_as_the_console_script() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "factcheck", "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    for command in ("summarise", "verify", "check-summary", "export"):
        assert command in result.stdout
    assert "exit codes:" in result.stdout and "2    model error" in result.stdout
    script = Path(sys.executable).with_name("factcheck")
    assert script.exists(), "the console script is installed with the package"
    result = subprocess.run([str(script), "export", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "{claimreview}" in result.stdout


# -- contracts: JSON input, --fail-on, formats, endpoint and offline errors -----------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"a": 1}', "keys: a"),
        ("[1, 2]", "the JSON is a list"),
        (
            '[{"@context": "https://schema.org", "@type": "ClaimReview"}]',
            "a list of ClaimReview documents",
        ),
        ('{"source": {"text": "x"}, "claims": 3}', "not a factcheck report (source"),
    ],
    ids=["object", "list", "claimreview-export", "broken-report"],
)
@pytest.mark.parametrize("command", ["summarise", "verify", "check-summary", "export"])
def test_json_that_is_not_a_report_is_an_input_error(
    command: str, content: str, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Never summarised as an article (no model runs: the network is blocked, no cassette)."""
    given = tmp_path / "given.json"
    given.write_text(content, encoding="utf-8")
    summary = tmp_path / "summary.txt"
    summary.write_text(SUMMARY, encoding="utf-8")
    extra = {
        "check-summary": [str(summary)],
        "export": ["--url", "https://example.org/a", "--publisher", "Desk"],
    }.get(command, [])
    assert main([command, str(given), *extra]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert err.startswith("factcheck: input error: ") and expected in err
    assert "expected a report" in err and "factcheck summarise" in err


def test_text_that_merely_starts_with_a_bracket_is_an_article(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    article = tmp_path / "article.txt"
    article.write_text("[Updated] The council met on Monday. It approved a budget.", "utf-8")
    summary = tmp_path / "summary.txt"
    summary.write_text("The council met on Monday.", encoding="utf-8")
    argv = ["check-summary", str(article), str(summary), "--no-model", "--format", "json"]
    assert main(argv) == EXIT_OK
    assert SummaryCheck.model_validate_json(capsys.readouterr().out).consistent


def test_fail_on_gates_a_ci_job(
    article: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inconsistent = tmp_path / "inconsistent.txt"
    inconsistent.write_text(SUMMARY, encoding="utf-8")  # its second sentence is not in the source
    base = ["check-summary", str(article), str(inconsistent), "--no-model", "--format", "json"]
    assert main(base) == EXIT_OK  # without --fail-on the result is only reported
    assert not SummaryCheck.model_validate_json(capsys.readouterr().out).consistent

    assert main([*base, "--fail-on", "inconsistent"]) == EXIT_FAILED
    out, err = capsys.readouterr()
    check = SummaryCheck.model_validate_json(out)  # the result is printed all the same
    failing = sum(s.label.value != "supported" for s in check.sentences)
    assert err == (
        f"factcheck: check failed: --fail-on inconsistent: {failing} of 2 sentence(s) "
        "not supported\n"
    )

    consistent = tmp_path / "consistent.txt"
    consistent.write_text(SUMMARY.split(". ")[0] + ".", encoding="utf-8")
    argv = ["check-summary", str(article), str(consistent), "--no-model", "--fail-on"]
    assert main([*argv, "inconsistent", "--format", "json"]) == EXIT_OK
    assert SummaryCheck.model_validate_json(capsys.readouterr().out).consistent


@seed_session
def test_every_format_the_readme_lists_works(
    article: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (summarise|verify|check-summary|export) \| (.+?) \|$", readme, re.M)
    listed = {
        command: re.findall(r"\b(json|markdown|html|claimreview)\b", text) for command, text in rows
    }
    assert listed == {command: list(formats) for command, formats in FORMATS.items()}

    assert main(["verify", str(article), "--format", "json"]) == EXIT_OK
    verified = tmp_path / "verified.json"
    verified.write_text(capsys.readouterr().out, encoding="utf-8")
    summary = tmp_path / "summary.txt"
    summary.write_text(SUMMARY, encoding="utf-8")
    arguments = {
        "summarise": [str(verified)],
        "verify": [str(verified)],
        "check-summary": [str(verified), str(summary), "--no-model"],
        "export": [str(verified), "--url", "https://example.org/a", "--publisher", "Desk"],
    }
    starts = {"json": ("{", "["), "markdown": ("# ",), "html": ("<!DOCTYPE html>",)}
    starts["claimreview"] = ("[",)
    for command, formats in listed.items():
        for fmt in formats:
            # Saved JSON in, so no model call: --offline proves it.
            argv = [command, *arguments[command], "--format", fmt, "--offline"]
            assert main(argv) == EXIT_OK, (command, fmt, capsys.readouterr().err)
            assert capsys.readouterr().out.startswith(starts[fmt]), (command, fmt)


@pytest.mark.block_network(allowed_hosts=LOOPBACK)
def test_an_unreachable_endpoint_is_named_by_its_address_not_its_key(
    article: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket_closed_port() as port:
        url = f"http://127.0.0.1:{port}/v1"
        monkeypatch.setenv("OPENAI_API_KEY", "sk-cli-secret-0000111122223333")
        argv = ["summarise", str(article), "--base-url", url, "--model", "m", "--no-cache"]
        assert main(argv) == EXIT_MODEL
    err = capsys.readouterr().err
    assert f"could not reach the endpoint {url}" in err
    assert "sk-cli-secret" not in err


class socket_closed_port:  # used as a context manager, named like a function
    """A loopback port nothing listens on (bound, then closed)."""

    def __enter__(self) -> int:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return int(sock.getsockname()[1])

    def __exit__(self, *exc: object) -> None:
        return None


# -- the README's exit-code table, row by row -------------------------------------------


def _readme_exit_codes() -> dict[int, str]:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Command line") :]
    table = section[section.index("| exit code | meaning |") :].split("\n\n")[0]
    rows = re.findall(r"^\| (\d+) \| (.+) \|$", table, re.M)
    return {int(code): meaning for code, meaning in rows}


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _interrupted() -> tuple[int, str]:
    """A real SIGINT to the command while it waits for its article on standard input."""
    process = subprocess.Popen(
        [sys.executable, "-m", "factcheck", "summarise", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A shell runs background jobs with SIGINT ignored, and children inherit that: the
        # command must get the default disposition, as it has when a user presses Ctrl-C.
        preexec_fn=_default_sigint,
    )
    try:
        syscall = Path(f"/proc/{process.pid}/syscall")
        import time

        deadline = time.monotonic() + 120
        # Wait until it blocks in read(0, …): main() is running, imports are done.
        while time.monotonic() < deadline:
            try:
                fields = syscall.read_text().split()
            except OSError:
                pytest.skip("no /proc/<pid>/syscall to see the command waiting")
            if fields[:2] == ["0", "0x0"]:
                break
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        # Wait for the exit before closing standard input: closed first, the read could
        # return end-of-file before the signal is handled (an empty article, exit 1).
        process.wait(timeout=60)
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()
    return process.returncode, err


def test_the_readme_exit_code_table_matches_the_help() -> None:
    table = _readme_exit_codes()
    assert sorted(table) == [EXIT_OK, EXIT_INPUT, EXIT_MODEL, EXIT_CONFIG, EXIT_FAILED, 130]
    from factcheck.cli import EXIT_CODES

    for code in table:
        assert re.search(rf"^  {code} +\S", EXIT_CODES, re.M), code


@pytest.mark.parametrize("code", sorted(_readme_exit_codes()))
@pytest.mark.block_network(allowed_hosts=LOOPBACK)
def test_exit_code_table_row(
    code: int, article: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    meaning = _readme_exit_codes()[code]
    summary = tmp_path / "summary.txt"
    summary.write_text(SUMMARY, encoding="utf-8")
    check = ["check-summary", str(article), str(summary), "--no-model", "--format", "json"]
    if code == EXIT_OK:
        assert meaning == "ok"
        assert main(check) == EXIT_OK
    elif code == EXIT_INPUT:
        assert "JSON that is not a report" in meaning
        wrong = tmp_path / "wrong.json"
        wrong.write_text('{"a": 1}', encoding="utf-8")
        assert main(["verify", str(wrong)]) == EXIT_INPUT
        assert main(["summarise", str(tmp_path / "missing.txt")]) == EXIT_INPUT
    elif code == EXIT_MODEL:
        assert meaning.startswith("model error")
        with FaultServer() as server:  # answers 404 for a model it does not have
            argv = ["summarise", str(article), "--base-url", server.base_url, "--model", "x"]
            assert main([*argv, "--no-cache"]) == EXIT_MODEL
    elif code == EXIT_CONFIG:
        assert "`--offline` cache miss" in meaning
        assert main(["summarise", str(article), "--offline"]) == EXIT_CONFIG
    elif code == EXIT_FAILED:
        assert "--fail-on" in meaning
        assert main([*check, "--fail-on", "inconsistent"]) == EXIT_FAILED
    elif code == EXIT_INTERRUPTED:
        assert meaning == "interrupted"
        returncode, err = _interrupted()
        assert returncode == EXIT_INTERRUPTED and err.endswith("factcheck: interrupted\n")
    else:
        pytest.fail(f"README lists exit code {code}, which this test does not know")
