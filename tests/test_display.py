"""The HTML views, parsed back with a real HTML parser.

The reports, verdicts and summary checks come from the seed session recorded from the
embedded model by tests/test_replay.py and tests/test_notebook.py (replayed here), so the
views are tested on what the pipeline really produces, flags and all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from factcheck import Price, Usage, check_summary, summarise, verify
from factcheck.display import (
    page,
    report_html,
    report_page,
    stylesheet,
    summary_check_html,
    verdicts_html,
)
from factcheck.models import Claim, Flag, FlagKind, KeyPoint, Report, Verdict
from factcheck.render_summary import flag_groups, repair_line
from factcheck.text import make_source
from tests.test_notebook import SUMMARY

SEED_SUMMARY = "test_replay/test_seed_report.yaml"
SEED_SESSION = "test_notebook/test_quickstart_notebook_runs_offline.yaml"

pytestmark = [
    pytest.mark.usefixtures("embedded_model"),
    pytest.mark.vcr(SEED_SUMMARY),
    pytest.mark.default_cassette(SEED_SESSION),
]


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    """Cassettes here are named from the cassettes folder: they are recorded elsewhere."""
    return str(Path(__file__).resolve().parent.parent / "cassettes")


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""
    children: list[Element] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def find(self, tag: str | None = None, cls: str | None = None) -> list[Element]:
        found = []
        for child in self.children:
            if (tag is None or child.tag == tag) and (cls is None or cls in child.classes):
                found.append(child)
            found.extend(child.find(tag, cls))
        return found


VOID = {"meta", "br", "img", "link", "input", "hr"}


class Tree(HTMLParser):
    """A small DOM: elements with attributes, children and their full text; every tag, id
    and link seen; and the text of the source pane without its reference links."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#root", {})
        self.stack = [self.root]
        self.tags: list[str] = []
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.source = ""
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.tags.append(tag)
        if "id" in element.attrs:
            self.ids.append(element.attrs["id"])
        if "href" in element.attrs:
            self.hrefs.append(element.attrs["href"])
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_endtag(self, tag: str) -> None:
        while len(self.stack) > 1:
            element = self.stack.pop()
            if element.tag == tag:
                return

    def handle_data(self, data: str) -> None:
        for element in self.stack:
            element.text += data
        classes = set().union(*(e.classes for e in self.stack))
        if "fc-source" in classes and "fc-refs" not in classes:
            self.source += data


def test_report_view_has_every_claim_row_and_highlights_every_cited_sentence(
    seed_text: str,
) -> None:
    report = summarise(seed_text)
    markup = report_html(report)
    tree = Tree(markup)

    rows = tree.root.find("tr", "fc-claim")
    assert len(rows) == len(report.claims)
    uid = tree.root.find("div", "fc-report")[0].attrs["id"]
    for i, (row, claim) in enumerate(zip(rows, report.claims, strict=True)):
        assert row.attrs["id"] == f"{uid}-c{i}"
        (statement,) = row.find("td", "fc-statement")
        assert statement.text.startswith(claim.statement)
        (speaker,) = row.find("td", "fc-speaker")
        assert speaker.text.startswith(claim.speaker or "—")
        # The sentences that name the speaker are linked from the speaker's cell.
        named = [a.attrs["href"] for a in speaker.find("a", "fc-cite")]
        assert named == ([f"#{uid}-{sid}" for sid in claim.speaker_ids] if claim.speaker else [])
        # Per-item flags are folded away: a count, the chips inside <details>.
        (flags,) = row.find("td", "fc-flags")
        folded = flags.find("details")
        assert bool(folded) == bool(claim.flags)
        if folded:
            assert folded[0].find("summary")[0].text == f"⚑ {len(claim.flags)}"
            assert len(folded[0].find("span", "fc-flag")) == len(flags.find("span", "fc-flag"))
        (kind,) = row.find("td", "fc-type")
        assert kind.text == claim.type.value
        (cites,) = row.find("td", "fc-cites")
        cited = [a.attrs["href"] for a in cites.find("a", "fc-cite")]
        assert cited == [f"#{uid}-{sid}" for sid in claim.sentence_ids]
        chips = row.find("span", "fc-flag")
        assert {c.attrs["data-flag"] for c in chips} == {f.kind.value for f in claim.flags}
        assert ("fc-flagged" in row.classes) == bool(claim.flags)
        assert not row.find("td", "fc-verdict-cell")

    marks = {m.attrs["data-sentence"]: m for m in tree.root.find("mark", "fc-cited")}
    cited_ids = {sid for c in report.claims for sid in c.sentence_ids}
    cited_ids |= {sid for p in report.key_points for sid in p.sentence_ids}
    assert set(marks) == cited_ids
    for sid, mark in marks.items():
        sentence = report.source.sentence(sid)
        assert sentence is not None and mark.text == sentence.text
        assert mark.attrs["id"] == f"{uid}-{sid}"
        flagged = any(sid in c.sentence_ids and c.flags for c in report.claims) or any(
            sid in p.sentence_ids and p.flags for p in report.key_points
        )
        assert ("fc-flagged" in mark.classes) == flagged
    # Each highlighted sentence links back to every claim that cites it.
    backlinks = [h for h in tree.hrefs if h.startswith(f"#{uid}-c")]
    assert len(backlinks) == sum(len(set(c.sentence_ids)) for c in report.claims)
    # Every internal link lands on an anchor of this view.
    assert {h[1:] for h in tree.hrefs if h.startswith("#")} <= set(tree.ids)
    assert len(tree.ids) == len(set(tree.ids))
    # The source pane shows the article exactly, sentence boundaries and all.
    assert tree.source == report.source.text
    # Key points, with their flags marked.
    points = tree.root.find("li", "fc-point")
    assert len(points) == len(report.key_points)
    for li, point in zip(points, report.key_points, strict=True):
        assert bool(li.find("span", "fc-flag")) == bool(point.flags)
    # Offline: inline style, no script, nothing fetched.
    assert "script" not in tree.tags and tree.tags.count("style") == 1
    assert not any(t in tree.tags for t in ("link", "img", "iframe"))


def test_plain_repr_stays_short_and_notebooks_get_html(seed_text: str) -> None:
    report = summarise(seed_text)
    assert report._repr_html_() == report_html(report)
    assert len(repr(report)) < 400
    assert report.source.sentences[5].text not in repr(report)


def test_report_with_verdicts_has_a_verdict_per_claim(seed_text: str) -> None:
    report = summarise(seed_text)
    verdicts = verify(report)
    tree = Tree(report_html(report, verdicts))
    rows = tree.root.find("tr", "fc-claim")
    assert len(rows) == len(report.claims)
    by_claim = {v.claim_index: v for v in verdicts}
    for i, row in enumerate(rows):
        (cell,) = row.find("td", "fc-verdict-cell")
        (badge,) = cell.find("span", "fc-verdict")
        assert badge.attrs["data-label"] == by_claim[i].label.value
    header = [th.text for th in tree.root.find("th")]
    assert "Verdict" in header


def test_verdict_list_view(seed_text: str) -> None:
    verdicts = verify(summarise(seed_text))
    tree = Tree(verdicts_html(verdicts))
    rows = tree.root.find("tr", "fc-verdict-row")
    assert [int(r.attrs["data-claim"]) for r in rows] == [v.claim_index for v in verdicts]
    for row, verdict in zip(rows, verdicts, strict=True):
        assert row.find("span", "fc-verdict")[0].attrs["data-label"] == verdict.label.value
        evidence = row.find("ul", "fc-evidence")
        assert len(evidence[0].find("li") if evidence else []) == len(verdict.evidence)
    single: Verdict = verdicts[0]
    assert single._repr_html_().count('class="fc-verdict-row"') == 1


def test_summary_check_view(seed_text: str) -> None:
    check = check_summary(seed_text, SUMMARY)
    assert check._repr_html_() == summary_check_html(check)
    tree = Tree(summary_check_html(check))
    rows = tree.root.find("tr", "fc-claim")
    assert [r.attrs["data-label"] for r in rows] == [s.label.value for s in check.sentences]
    for row, sentence in zip(rows, check.sentences, strict=True):
        assert ("fc-flagged" in row.classes) == (sentence.label.value != "supported")
        assert {c.attrs["data-flag"] for c in row.find("span", "fc-flag")} == {
            f.kind.value for f in sentence.flags
        }
    evidence = {span.sentence_id for s in check.sentences for span in s.evidence}
    assert {m.attrs["data-sentence"] for m in tree.root.find("mark", "fc-cited")} == evidence
    assert tree.source == check.source.text


def test_untrusted_text_is_escaped() -> None:
    """The article, and everything the model wrote about it, is data, never markup."""
    attack = '<script>alert("x")</script>'
    text = f'The mayor said {attack} was "fine". Then <img src=x onerror=alert(1)> happened.'
    source = make_source(text)
    flag = Flag(kind=FlagKind.name_not_in_source, message=f'name {attack}" onmouseover="x')
    claim = Claim(
        statement=f"The mayor said {attack}",
        speaker='"><script>alert(2)</script>',
        sentence_ids=["S0", "S1", "S9"],
        quote=source.sentences[0].text,
        start=source.sentences[0].start,
        end=source.sentences[0].end,
        flags=[flag],
    )
    report = Report(
        source=source,
        headline=f"Headline {attack}",
        key_points=[KeyPoint(text=attack, sentence_ids=["S1"])],
        claims=[claim],
        flags=[flag],
        model="m</title><script>",
        prompt_version="p",
    )
    for markup in (report_html(report), report_page(report), page("x", title=attack)):
        tree = Tree(markup)
        assert "script" not in tree.tags and "img" not in tree.tags
        assert all("onerror" not in h and "onmouseover" not in h for h in tree.hrefs)
    tree = Tree(report_html(report))
    assert attack in tree.root.find("h2", "fc-headline")[0].text
    assert tree.source == text
    chip = tree.root.find("span", "fc-flag")[0]
    assert chip.attrs["title"] == flag.message and "onmouseover" not in chip.attrs
    # A cited id that does not exist is shown, not linked.
    cites = tree.root.find("td", "fc-cites")[0]
    assert [a.text for a in cites.find("a")] == ["S0", "S1"]
    assert [s.text for s in cites.find("span", "fc-cite")] == ["S9"]


def test_report_view_leads_with_the_repair_line_and_counts_flags_by_kind(seed_text: str) -> None:
    report = summarise(seed_text)
    tree = Tree(report_html(report))
    (view,) = tree.root.find("div", "fc-report")
    order = [child.tag for child in view.children]
    # The headline, then at once what was repaired.
    assert order[order.index("h2") + 1] == "p"
    (repairs,) = view.find("p", "fc-repairs")
    assert repairs.text == repair_line(report)
    groups = flag_groups(report)
    summary = tree.root.find("details", "fc-all-flags")
    assert bool(summary) == bool(report.flags)
    if summary:
        kinds = summary[0].find("li")
        assert [li.attrs["data-flag"] for li in kinds] == [g.kind for g in groups]
        assert sum(g.count for g in groups) == len(report.flags)
        assert summary[0].find("summary")[0].text.startswith(f"Flags: {len(report.flags)} in ")
    # No flag message is shown outside a tooltip or a folded <details>.
    for flag in report.flags:
        assert f">{flag.message}<" not in report_html(report)


def _ranked_report() -> Report:
    source = make_source("The council approved 40 million pounds. Mayor Ann Lee said so.")
    s0 = source.sentences[0]
    claim = Claim(
        statement=s0.text,
        speaker="Ann Lee",
        speaker_ids=["S1"],
        sentence_ids=["S0"],
        quote=s0.text,
        start=s0.start,
        end=s0.end,
        score=0.87,
        rank=1,
    )
    usage = Usage(calls=1, input_tokens=1_000_000, output_tokens=100_000)
    return Report(
        source=source,
        headline="Budget",
        key_points=[],
        claims=[claim],
        model="m",
        prompt_version="p",
        usage=usage,
        candidates=3,
    )


def test_report_view_shows_rank_score_speaker_and_priced_cost() -> None:
    report = _ranked_report()
    tree = Tree(report_html(report, price=Price(input=0.5, output=2.0)))
    (row,) = tree.root.find("tr", "fc-claim")
    (speaker,) = row.find("td", "fc-speaker")
    (link,) = speaker.find("a", "fc-cite")
    assert speaker.text.startswith("Ann Lee") and link.attrs["href"][1:] in tree.ids
    assert link.attrs["href"].endswith("-S1")  # the sentence that names her
    (score,) = row.find("td", "fc-score")
    assert score.attrs["data-rank"] == "1" and score.text == "0.87"
    assert "rank 1" in score.find("span")[0].attrs["title"]
    pills = [p.text for p in tree.root.find("span", "fc-pill")]
    assert "1 claims of 3 candidates" in pills
    assert "cost ≈ 0.7 USD" in pills  # 1M input at 0.5 + 100k output at 2.0
    assert not any(
        p.startswith("cost")
        for p in (x.text for x in Tree(report_html(report)).root.find("span", "fc-pill"))
    )


def test_stylesheet_is_a_package_resource_carried_inline_once() -> None:
    from importlib import resources

    css = (resources.files("factcheck") / "static" / "report.css").read_text(encoding="utf-8")
    assert css == stylesheet() and ".fc-report{" in css and "details.fc-all-flags" in css
    markup = report_html(_ranked_report())
    assert markup.count(css) == 1
    # The new parts of the view are styled, not left to the notebook's defaults.
    styled = set(re.findall(r"\.(fc-[a-z-]+)", css))
    assert {"fc-repairs", "fc-flag", "fc-num", "fc-all-flags", "fc-flag-kinds"} <= styled
