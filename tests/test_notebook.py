"""notebooks/quickstart.ipynb runs top to bottom in a fresh kernel, offline, without error.

The notebook makes the same calls as this test (summarise the seed article, verify its claims,
check one summary). The test makes them first, answered by responses recorded from the
embedded model (the summary from tests/test_replay.py's recording, the rest from this
module's), which fills an empty response cache; then it executes the notebook with
``FACTCHECK_OFFLINE=1`` against that cache, so any call the recordings do not cover fails the
notebook (``CacheMissError``) instead of reaching a model. Re-record with ``make record``.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from factcheck import check_summary, summarise, verify

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "quickstart.ipynb"
#: summarise() of the seed article, recorded by tests/test_replay.py; this test records the
#: rest of the session (verify, check_summary) into its own cassette.
SEED_SUMMARY = ROOT / "cassettes" / "test_replay" / "test_seed_report.yaml"

#: The summary the notebook checks (it must say the same; a test below holds them together).
SUMMARY = (
    "Keir Starmer said the UK and France are working on a peace plan for Ukraine. "
    "He said Germany would lead the coalition of the willing."
)


class _Rows(HTMLParser):
    """Counts claim rows and verdict cells in rendered HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.claim_rows = 0
        self.verdict_cells = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "tr" and "fc-claim" in classes:
            self.claim_rows += 1
        if tag == "td" and "fc-verdict-cell" in classes:
            self.verdict_cells += 1


def _outputs(notebook: Any) -> list[dict[str, Any]]:
    return [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs]


def test_notebook_checks_the_summary_this_test_records() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    sources = "\n".join(cell.source for cell in notebook.cells)
    assert repr(SUMMARY) in sources
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), (
        "commit the notebook without outputs"
    )


@pytest.mark.vcr(str(SEED_SUMMARY))
@pytest.mark.usefixtures("embedded_model")
def test_quickstart_notebook_runs_offline(seed_text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    report = summarise(seed_text)
    verdicts = verify(report)
    check_summary(seed_text, SUMMARY)

    monkeypatch.setenv("FACTCHECK_OFFLINE", "1")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()  # raises CellExecutionError on the first failing cell

    outputs = _outputs(notebook)
    assert not [out for out in outputs if out.get("output_type") == "error"]
    texts = "".join(
        "".join(out.get("text", "")) + "".join(out.get("data", {}).get("text/plain", ""))
        for out in outputs
    )
    assert "offline, answers from the cache only: True" in texts
    htmls = [
        "".join(out["data"]["text/html"]) for out in outputs if "text/html" in out.get("data", {})
    ]
    report_views = [h for h in htmls if "fc-report-view" in h]
    assert len(report_views) == 2  # the report, then the report with verdicts
    plain, with_verdicts = _Rows(), _Rows()
    plain.feed(report_views[0])
    with_verdicts.feed(report_views[1])
    assert plain.claim_rows == len(report.claims) and plain.verdict_cells == 0
    assert with_verdicts.verdict_cells == len(verdicts) == len(report.claims)
    verdict_views = [h for h in htmls if "fc-verdicts-view" in h]
    assert len(verdict_views) == 1
    assert verdict_views[0].count('class="fc-verdict-row"') == len(verdicts)
    assert any("fc-summary-check-view" in h for h in htmls)
    # The export cell printed a ClaimReview document for the first verdict.
    start = texts.index('{\n  "@context"')
    first = json.JSONDecoder().raw_decode(texts[start:])[0]
    assert first["@type"] == "ClaimReview"
    assert first["claimReviewed"] == report.claims[verdicts[0].claim_index].statement
