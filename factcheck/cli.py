"""``factcheck`` (or ``python -m factcheck``): the command line mirrors the Python API.

::

    factcheck summarise INPUT                 headline, key points, claims, flags
    factcheck verify INPUT [--evidence FILE]  … and a verdict per claim
    factcheck check-summary INPUT SUMMARY     is each sentence of SUMMARY supported by INPUT?
    factcheck export INPUT --url URL --publisher NAME   schema.org ClaimReview JSON-LD

INPUT is a text or HTML file, ``-`` for standard input, an ``http(s)://`` URL (fetched: the
only network use of the command line that is not a model call), or the JSON a previous
command printed (a report, or a report with verdicts), which then costs no model call; other
JSON is an input error. Output is readable Markdown on a terminal and JSON when piped;
``--format`` chooses (``html`` writes a standalone page; ``export`` writes ClaimReview).

Exit codes: 0 ok; 1 input error (unreadable file or URL, empty article, JSON that is not a
report, bad arguments); 2 model error (a call failed after retries and the re-ask);
3 configuration or other error (no model available, an ``--offline`` cache miss, an unusable
cache folder); 4 ``check-summary --fail-on`` and the summary fails; 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from factcheck.errors import CacheMissError, FactcheckError, InputError, ModelError
from factcheck.render_markdown import summary_check_markdown, verdicts_markdown
from factcheck.settings import Settings, using

if TYPE_CHECKING:
    from factcheck.models import Report, Verdict

EXIT_OK, EXIT_INPUT, EXIT_MODEL, EXIT_CONFIG, EXIT_FAILED, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130

EXIT_CODES = """exit codes:
  0    ok
  1    input error: unreadable file or URL, empty article, JSON that is not a report,
       bad arguments
  2    model error: a model call failed after retries and the re-ask
  3    configuration or other error: no model available, --offline cache miss, cache folder
  4    check failed: check-summary --fail-on and the summary fails the check
  130  interrupted"""

#: What a JSON INPUT must be, said in every error about one.
EXPECTED_JSON = (
    "expected a report (the JSON `factcheck summarise` prints) or a report with verdicts "
    "(the JSON `factcheck verify` prints)"
)

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


#: The output formats of each command (``--format``); the README lists the same.
FORMATS = {
    "summarise": ("json", "markdown", "html"),
    "verify": ("json", "markdown", "html"),
    "check-summary": ("json", "markdown", "html"),
    "export": ("claimreview",),
}


def _format_option(parser: argparse.ArgumentParser, command: str) -> None:
    formats = FORMATS[command]
    if len(formats) == 1:
        parser.add_argument(
            "--format", choices=formats, default=formats[0], help=f"output format ({formats[0]})"
        )
        return
    parser.add_argument(
        "--format",
        choices=formats,
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
    summarise.add_argument(
        "--max-claims",
        type=_max_claims,
        default=12,
        metavar="N|all",
        help="claims to return, best first (default 12; 'all' for every candidate)",
    )
    _format_option(summarise, "summarise")

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
    _format_option(verify, "verify")

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
    check.add_argument(
        "--likelihood",
        action="store_true",
        help="also score each sentence with the embedded model's token probabilities "
        "(in process, seconds per summary; needs the local extra)",
    )
    check.add_argument(
        "--fail-on",
        choices=["inconsistent", "contradicted"],
        help="exit 4 when the summary is inconsistent (any sentence not supported) or has a "
        "contradicted sentence; the result is printed either way",
    )
    _format_option(check, "check-summary")

    export = commands.add_parser(
        "export",
        parents=[model],
        help="verdicts as schema.org ClaimReview JSON-LD",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    export.add_argument("input", help=INPUT_HELP)
    _format_option(export, "export")
    # Kept so that earlier scripts still run: ClaimReview is what export writes.
    export.add_argument("--claimreview", action="store_true", help=argparse.SUPPRESS)
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
    """A report (or report + verdicts) printed by an earlier command; None for anything that
    is not JSON (an article). JSON of any other shape is an :class:`InputError`: taking it
    for an article would summarise the JSON text itself."""
    if data.lstrip()[:1] not in (b"{", b"["):
        return None
    try:
        value = json.loads(data)
    except ValueError:
        return None  # text that merely starts with a bracket
    if isinstance(value, list):
        what = "a list"
        if value and all(isinstance(v, dict) and v.get("@type") == "ClaimReview" for v in value):
            what = "a list of ClaimReview documents (`factcheck export` output)"
        raise InputError(f"the JSON is {what}; {EXPECTED_JSON}")
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
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InputError(
            f"the JSON is not a factcheck report ({where}: {first['msg']}); {EXPECTED_JSON}"
        ) from None
    keys = ", ".join(sorted(str(k) for k in value)[:6]) or "none"
    raise InputError(f"the JSON is not a factcheck report (keys: {keys}); {EXPECTED_JSON}")


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


def _settings(args: argparse.Namespace) -> Settings:
    """The environment's settings, read once, with the command line's options on top."""
    settings = Settings.from_env()
    if args.offline:
        settings = settings.with_(offline=True, offline_source="the --offline option")
    if args.base_url:
        # --base-url names the endpoint; OPENAI_API_KEY still supplies its key, if any.
        settings = settings.with_(base_url=args.base_url)
    return settings


def _max_claims(value: str) -> int | None:
    if value.lower() in ("all", "none"):
        return None
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of at least 1 or 'all', got {value!r}"
        )
    return number


def _report(loaded: _Input, args: argparse.Namespace) -> Report:
    if loaded.report is not None:
        return loaded.report
    from factcheck.pipeline import summarise

    return summarise(
        loaded.text or "",
        model=args.model,
        cache=not args.no_cache,
        chunk_tokens=getattr(args, "chunk_tokens", None),
        progress=False if args.no_progress else None,
        max_claims=getattr(args, "max_claims", 12),
    )


def _verdicts(loaded: _Input, report: Report, args: argparse.Namespace) -> list[Verdict]:
    if loaded.verdicts is not None and not args.evidence:
        return loaded.verdicts
    from factcheck import verify

    evidence = [_text(path) for path in args.evidence] if args.evidence else None
    verdicts: list[Verdict] = verify(
        report, evidence=evidence, model=args.model, cache=not args.no_cache
    )
    return verdicts


@dataclass
class _Outcome:
    output: str
    #: Why the command fails although it produced its output (``--fail-on``), or None.
    failure: str | None = None


def _run(args: argparse.Namespace) -> _Outcome:
    from factcheck import display, export

    loaded = _load(args.input)
    fmt = args.format or ("markdown" if sys.stdout.isatty() else "json")
    if args.command in ("summarise", "summarize"):
        report = _report(loaded, args)
        if fmt == "json":
            return _Outcome(export.report_to_json(report) + "\n")
        if fmt == "html":
            return _Outcome(display.report_page(report))
        return _Outcome(export.report_to_markdown(report))
    if args.command == "verify":
        report = _report(loaded, args)
        verdicts = _verdicts(loaded, report, args)
        if fmt == "json":
            return _Outcome(_verified_json(report, verdicts))
        if fmt == "html":
            return _Outcome(display.report_page(report, verdicts))
        return _Outcome(verdicts_markdown(report, verdicts))
    if args.command == "check-summary":
        return _check_summary(loaded, args, fmt)
    return _Outcome(_export(loaded, args))


def _check_summary(loaded: _Input, args: argparse.Namespace, fmt: str) -> _Outcome:
    from factcheck import display
    from factcheck.summary_check import check_summary

    source = loaded.report.source if loaded.report is not None else loaded.text or ""
    check = check_summary(
        source,
        _text(args.summary),
        model=args.model,
        use_model=not args.no_model,
        cache=not args.no_cache,
        likelihood=args.likelihood,
    )
    if fmt == "json":
        output = check.model_dump_json(indent=2) + "\n"
    elif fmt == "html":
        output = display.page(display.summary_check_html(check), title="summary check")
    else:
        output = summary_check_markdown(check)
    labels = [s.label.value for s in check.sentences]
    failing = {
        "inconsistent": sum(label != "supported" for label in labels),
        "contradicted": labels.count("contradicted"),
    }.get(args.fail_on or "", 0)
    if failing == 0:
        return _Outcome(output)
    wrong = "not supported" if args.fail_on == "inconsistent" else "contradicted"
    return _Outcome(
        output, f"--fail-on {args.fail_on}: {failing} of {len(labels)} sentence(s) {wrong}"
    )


def _export(loaded: _Input, args: argparse.Namespace) -> str:
    from factcheck.claimreview import to_claimreview

    url = args.url or loaded.url
    if not url:
        raise InputError("--url is required: the address of the article the claims appear in")
    report = _report(loaded, args)
    verdicts = _verdicts(loaded, report, args)
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
    sys.stderr.write(f"factcheck: {message}\n")
    return code


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (see the module docstring)."""
    args = _parser().parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    try:
        # The settings go down scoped to this call (a ContextVar), never into os.environ.
        with _log_to_stderr(level), using(_settings(args)):
            outcome = _run(args)
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
    sys.stdout.write(outcome.output)
    if outcome.failure is not None:
        return _fail(EXIT_FAILED, f"check failed: {outcome.failure}")
    return EXIT_OK
