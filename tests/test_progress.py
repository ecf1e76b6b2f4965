"""Progress bars: shown for multi-chunk articles and batches where someone watches, never
on stdout, never when ``progress=False`` or when stderr is not a terminal."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from factcheck import progress, summarise
from factcheck.many import summarise_many

LONG_DOCUMENT = "test_replay/test_long_document_is_chunked_mapped_and_reduced.yaml"
SEED_SUMMARY = "test_replay/test_seed_report.yaml"


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    """Cassettes here are named from the cassettes folder: they are recorded elsewhere."""
    return str(Path(__file__).resolve().parent.parent / "cassettes")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class ZMQInteractiveShell:
    """The class of the shell a Jupyter kernel runs (IPython's name for it)."""


class _Jupyter:
    """Stands in for the IPython module as seen inside a Jupyter kernel."""

    @staticmethod
    def get_ipython() -> ZMQInteractiveShell:
        return ZMQInteractiveShell()


def test_shown_on_a_terminal_or_in_a_notebook_unless_turned_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert not progress.wanted(None)  # piped or captured: no bar
    assert progress.wanted(True)
    monkeypatch.setattr(sys, "stderr", _Terminal())
    assert progress.wanted(None)
    assert not progress.wanted(False)
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    monkeypatch.setitem(sys.modules, "ipykernel", sys)  # imported, but no kernel runs
    assert not progress.wanted(None)
    monkeypatch.setitem(sys.modules, "IPython", _Jupyter)
    assert progress.wanted(None)


def test_a_bar_needs_at_least_two_items(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with progress.progress_bar(1, desc="chunks", unit="chunk") as bar:
        bar.update(1)
    assert terminal.getvalue() == ""
    with progress.progress_bar(3, desc="chunks", unit="chunk") as bar:
        for _ in range(3):
            bar.update(1)
    assert "chunks" in terminal.getvalue() and "0/3" in terminal.getvalue()


@pytest.mark.vcr
@pytest.mark.default_cassette(LONG_DOCUMENT)
@pytest.mark.usefixtures("embedded_model")
def test_multi_chunk_summary_shows_a_bar_on_stderr(
    long_text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    report = summarise(long_text, chunk_tokens=150, cache=False, progress=True)
    captured = capsys.readouterr()
    assert report.chunks >= 3
    assert "chunks:   0%|" in captured.err and f"0/{report.chunks}" in captured.err
    assert captured.out == ""


@pytest.mark.vcr
@pytest.mark.default_cassette(LONG_DOCUMENT)
@pytest.mark.usefixtures("embedded_model")
def test_no_bar_when_turned_off(long_text: str, capsys: pytest.CaptureFixture[str]) -> None:
    summarise(long_text, chunk_tokens=150, cache=False, progress=False)
    assert "chunks" not in capsys.readouterr().err


@pytest.mark.vcr
@pytest.mark.default_cassette(LONG_DOCUMENT)
@pytest.mark.usefixtures("embedded_model")
def test_no_bar_when_stderr_is_not_a_terminal(
    long_text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    summarise(long_text, chunk_tokens=150, cache=False)  # captured stderr is not a TTY
    assert "chunks" not in capsys.readouterr().err


@pytest.mark.vcr
@pytest.mark.default_cassette(SEED_SUMMARY)
@pytest.mark.usefixtures("embedded_model")
def test_summarise_many_shows_a_bar_over_articles(
    seed_text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    results = summarise_many([seed_text, "   "], progress=True)
    assert [type(r).__name__ for r in results] == ["Report", "InputError"]
    assert "articles:" in capsys.readouterr().err
