"""``factcheck`` (or ``python -m factcheck``): the command line mirrors the Python API.

::

    factcheck summarise INPUT                 headline, key points, claims, flags
    factcheck verify INPUT [--evidence FILE]  … and a verdict per claim
    factcheck check-summary INPUT SUMMARY     is each sentence of SUMMARY supported by INPUT?
    factcheck export INPUT --claimreview --url URL --publisher NAME   schema.org JSON-LD

INPUT is a text or HTML file, ``-`` for standard input, an ``http(s)://`` URL (fetched: the
only network use of the command line that is not a model call), or the JSON a previous
command printed (a report, or a report with verdicts), which then costs no model call.
Output is readable Markdown on a terminal and JSON when piped; ``--format`` chooses (``html``
writes a standalone page).

Exit codes: 0 ok; 1 input error (unreadable file or URL, empty article, bad arguments);
2 model error (a call failed after retries and the re-ask); 3 configuration or other error
(no model available, an ``--offline`` cache miss, an unusable cache folder); 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from factcheck.errors import CacheMissError, FactcheckError, InputError, ModelError

if TYPE_CHECKING:
    from factcheck.endpoint import AnyClient
    from factcheck.models import Report, SummaryCheck, Verdict

EXIT_OK, EXIT_INPUT, EXIT_MODEL, EXIT_CONFIG, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

EXIT_CODES = """exit codes:
  0    ok
  1    input error: unreadable file or URL, empty article, bad arguments
  2    model error: a model call failed after retries and the re-ask
  3    configuration or other error: no model available, --offline cache miss, cache folder
  130  interrupted"""

INPUT_HELP = (
    "a text or HTML file, - for standard input, an http(s) URL, or JSON printed by a "
    "previous factcheck command"
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse exits with 2 on bad arguments; 2 means a model error here.
        self.print_usage(sys.stderr)
        self.exit(EXIT_INPUT, f"{self.prog}: error: {message}\n")


def _model_options() -> _Parser:
    parent = _Parser(add_help=False)
    group = parent.add_argument_group("model and cache")
    group.add_argument(
        "--model",
        help="model name (default FACTCHECK_MODEL), or a .gguf file for the embedded runtime",
    )
    group.add_argument(
        "--base-url",
        help="any OpenAI-compatible server, e.g. http://localhost:11434/v1 (Ollama); the key, "
        "if it needs one, comes from OPENAI_API_KEY",
    )
    group.add_argument("--no-cache", action="store_true", help="do not read or write the cache")
    group.add_argument(
        "--offline",
        action="store_true",
        help="answer from the cache only; a miss is an error (exit 3), no model runs",
    )
    group.add_argument(
        "--no-progress", action="store_true", help="no progress bar on a terminal (stderr)"
    )
    return parent


def _format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=["json", "markdown", "html"],
        default=None,
        help="output format (default: markdown on a terminal, JSON when piped)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="factcheck",
        description="Turn a news article into a checkable report: headline, key points and "
        "claims pinned to the exact sentences they rest on.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from factcheck import __version__

    parser.add_argument("--version", action="version", version=f"factcheck {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging")
    model = _model_options()
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    summarise = commands.add_parser(
        "summarise",
        aliases=["summarize"],
        parents=[model],
        help="headline, key points and claims of an article",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    summarise.add_argument("input", help=INPUT_HELP)
    summarise.add_argument("--chunk-tokens", type=int, help="article tokens per model call")
    _format_option(summarise)

    verify = commands.add_parser(
        "verify",
        parents=[model],
        help="summarise (unless given a report) and give each claim a verdict",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verify.add_argument("input", help=INPUT_HELP)
    verify.add_argument(
        "--evidence",
        action="append",
        metavar="FILE",
        help="check the claims against this document instead of the article (repeatable)",
    )
    verify.add_argument("--chunk-tokens", type=int, help="article tokens per model call")
    _format_option(verify)

    check = commands.add_parser(
        "check-summary",
        parents=[model],
        help="is each sentence of a summary supported by the article?",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("input", help=INPUT_HELP)
    check.add_argument("summary", help="the summary: a text file, or - for standard input")
    check.add_argument(
        "--no-model", action="store_true", help="deterministic checks only: no model call"
    )
    _format_option(check)

    export = commands.add_parser(
        "export",
        parents=[model],
        help="verdicts as schema.org ClaimReview JSON-LD",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    export.add_argument("input", help=INPUT_HELP)
    export.add_argument(
        "--claimreview", action="store_true", required=True, help="ClaimReview JSON-LD"
    )
    export.add_argument("--url", help="the article's URL (default: INPUT when it is a URL)")
    export.add_argument("--publisher", required=True, help="who publishes the review")
    export.add_argument("--article-date", help="the article's date (ISO 8601)")
    export.add_argument("--evidence", action="append", metavar="FILE", help=argparse.SUPPRESS)
    export.add_argument("--chunk-tokens", type=int, help="article tokens per model call")
    return parser


@dataclass
class _Input:
    """What INPUT turned out to be: an article's text, or a saved report (with verdicts)."""

    text: str | None = None
    report: Report | None = None
    verdicts: list[Verdict] | None = None
    url: str | None = None


def _read_bytes(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder, not a file") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None


def _saved(data: bytes) -> _Input | None:
    """A report (or report + verdicts) printed by an earlier command, or None."""
    if not data.lstrip().startswith(b"{"):
        return None
    try:
        value = json.loads(data)
    except ValueError:
        return None
    if not isinstance(value, dict):
        return None
    from pydantic import ValidationError

    from factcheck.models import Report, Verdict

    try:
        if "report" in value and "verdicts" in value:
            return _Input(
                report=Report.model_validate(value["report"]),
                verdicts=[Verdict.model_validate(v) for v in value["verdicts"]],
            )
        if "source" in value and "claims" in value:
            return _Input(report=Report.model_validate(value))
    except ValidationError as exc:
        raise InputError(f"the JSON is not a factcheck report: {exc.errors()[0]['msg']}") from None
    return None


def _load(argument: str) -> _Input:
    from factcheck.fetch import fetch_article, is_url

    if is_url(argument):
        return _Input(text=fetch_article(argument), url=argument)
    data = _read_bytes(argument)
    saved = _saved(data)
    if saved is not None:
        return saved
    from factcheck.inputs import article_text

    html = True if argument.lower().endswith((".html", ".htm", ".xhtml")) else None
    return _Input(text=article_text(data, html=html))


def _text(argument: str) -> str:
    from factcheck.inputs import article_text

    return article_text(_read_bytes(argument), html=False)


@contextmanager
def _offline(enabled: bool) -> Iterator[None]:
    if not enabled:
        yield
        return
    saved = os.environ.get("FACTCHECK_OFFLINE")
    os.environ["FACTCHECK_OFFLINE"] = "1"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("FACTCHECK_OFFLINE", None)
        else:
            os.environ["FACTCHECK_OFFLINE"] = saved


def _client(args: argparse.Namespace) -> AnyClient | None:
    if not args.base_url:
        return None
    from openai import AsyncOpenAI

    # Local servers need no key; the SDK insists on one.
    key = os.environ.get("OPENAI_API_KEY") or "not-needed"
    return AsyncOpenAI(base_url=args.base_url, api_key=key)


def _report(loaded: _Input, args: argparse.Namespace, client: AnyClient | None) -> Report:
    if loaded.report is not None:
        return loaded.report
    from factcheck.pipeline import summarise

    return summarise(
        loaded.text or "",
        model=args.model,
        client=client,
        cache=not args.no_cache,
        chunk_tokens=getattr(args, "chunk_tokens", None),
        progress=False if args.no_progress else None,
    )


def _verdicts(
    loaded: _Input, report: Report, args: argparse.Namespace, client: AnyClient | None
) -> list[Verdict]:
    if loaded.verdicts is not None and not args.evidence:
        return loaded.verdicts
    from factcheck import verify

    evidence = [_text(path) for path in args.evidence] if args.evidence else None
    verdicts: list[Verdict] = verify(
        report, evidence=evidence, model=args.model, client=client, cache=not args.no_cache
    )
    return verdicts


def _run(args: argparse.Namespace) -> str:
    from factcheck import display, export

    client = _client(args)
    loaded = _load(args.input)
    fmt = getattr(args, "format", None) or ("markdown" if sys.stdout.isatty() else "json")
    if args.command in ("summarise", "summarize"):
        report = _report(loaded, args, client)
        if fmt == "json":
            return export.report_to_json(report) + "\n"
        if fmt == "html":
            return display.report_page(report)
        return export.report_to_markdown(report)
    if args.command == "verify":
        report = _report(loaded, args, client)
        verdicts = _verdicts(loaded, report, args, client)
        if fmt == "json":
            return _verified_json(report, verdicts)
        if fmt == "html":
            return display.report_page(report, verdicts)
        return verdicts_markdown(report, verdicts)
    if args.command == "check-summary":
        from factcheck.summary_check import check_summary

        source = loaded.report.source if loaded.report is not None else loaded.text or ""
        check = check_summary(
            source,
            _text(args.summary),
            model=args.model,
            client=client,
            use_model=not args.no_model,
            cache=not args.no_cache,
        )
        if fmt == "json":
            return check.model_dump_json(indent=2) + "\n"
        if fmt == "html":
            return display.page(display.summary_check_html(check), title="summary check")
        return summary_check_markdown(check)
    # export --claimreview
    from factcheck.claimreview import to_claimreview

    url = args.url or loaded.url
    if not url:
        raise InputError("--url is required: the address of the article the claims appear in")
    report = _report(loaded, args, client)
    verdicts = _verdicts(loaded, report, args, client)
    documents = to_claimreview(
        report, verdicts, url=url, publisher=args.publisher, article_date=args.article_date
    )
    return json.dumps(documents, indent=2, ensure_ascii=False) + "\n"


def _verified_json(report: Report, verdicts: Sequence[Verdict]) -> str:
    payload: dict[str, Any] = {
        "report": report.model_dump(mode="json"),
        "verdicts": [v.model_dump(mode="json") for v in verdicts],
    }
    usage = getattr(verdicts, "usage", None)
    if usage is not None:
        payload["verify_usage"] = usage.model_dump(mode="json")
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def verdicts_markdown(report: Report, verdicts: Sequence[Verdict]) -> str:
    """The report's headline and one entry per claim: its verdict, evidence and rationale."""
    from collections import Counter

    lines = [f"# {report.headline}", "", "## Verdicts", ""]
    for v in verdicts:
        label = v.label.value.replace("_", " ")
        confidence = f" ({v.confidence:.0%})" if v.confidence else ""
        lines.append(f"{v.claim_index}. **{label}**{confidence} — {_one_line(v.statement)}")
        for passage in v.evidence:
            where = f"doc {passage.document}, " if v.against == "evidence" else ""
            lines.append(f"   > {_one_line(passage.text)} [{where}{passage.sentence_id}]")
        if v.downgraded and v.model_label is not None:
            lines.append(f"   - model said {v.model_label.value.replace('_', ' ')}")
        if v.safeguard:
            lines.append(f"   - safeguard: {v.safeguard}")
        elif v.rationale:
            lines.append(f"   - {_one_line(v.rationale)}")
    counts = Counter(v.label.value.replace("_", " ") for v in verdicts)
    usage = getattr(verdicts, "usage", None)
    cost = f" · {usage.calls} call(s), {usage.cache_hits} cache hit(s)" if usage else ""
    summary = ", ".join(f"{n} {label}" for label, n in sorted(counts.items()))
    lines += ["", "---", f"{len(verdicts)} verdict(s): {summary}{cost}"]
    return "\n".join(lines) + "\n"


def summary_check_markdown(check: SummaryCheck) -> str:
    """Each summary sentence with its label, evidence sentence ids and flags."""
    verdict = "consistent" if check.consistent else "not consistent"
    lines = [f"# Summary check: {verdict} with the source (score {check.score:.2f})", ""]
    for s in check.sentences:
        ids = ", ".join(span.sentence_id for span in s.evidence) or "no evidence"
        lines.append(f"{s.index}. **{s.label.value}** — {_one_line(s.text)} [{ids}]")
        lines.extend(f"   - ⚠ {f.kind.value}: {f.message}" for f in s.flags)
    u = check.usage
    model = f"model `{check.model}` · " if check.model else "deterministic checks only · "
    lines += ["", "---", f"{model}{u.calls} call(s), {u.cache_hits} cache hit(s)"]
    return "\n".join(lines) + "\n"


@contextmanager
def _log_to_stderr(level: int) -> Iterator[None]:
    """factcheck's own log records to stderr at ``level`` while a command runs. Other
    libraries keep their settings (one of them logs at DEBUG by default): their warnings
    still reach stderr, their chatter does not."""
    log = logging.getLogger("factcheck")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    saved = log.level, log.propagate
    log.addHandler(handler)
    log.setLevel(level)
    log.propagate = False
    try:
        yield
    finally:
        log.removeHandler(handler)
        log.setLevel(saved[0])
        log.propagate = saved[1]


def _fail(code: int, message: str) -> int:
    print(f"factcheck: {message}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (see the module docstring)."""
    args = _parser().parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    try:
        with _log_to_stderr(level), _offline(args.offline):
            output = _run(args)
    except InputError as exc:
        return _fail(EXIT_INPUT, f"input error: {exc}")
    except ModelError as exc:
        return _fail(EXIT_MODEL, f"model error: {exc}")
    except CacheMissError as exc:
        return _fail(EXIT_CONFIG, f"offline: {exc}")
    except FactcheckError as exc:
        return _fail(EXIT_CONFIG, str(exc))
    except KeyboardInterrupt:
        return _fail(EXIT_INTERRUPTED, "interrupted")
    sys.stdout.write(output)
    return EXIT_OK
