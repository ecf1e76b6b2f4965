"""``python -m factcheck summarise PATH|-`` — the command line mirrors the Python API."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from factcheck.errors import ConfigurationError, FactcheckError, InputError, ModelError

EXIT_OK, EXIT_INPUT, EXIT_MODEL, EXIT_CONFIG = 0, 1, 2, 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="factcheck",
        description="Turn a news article into a checkable report.",
        epilog="Exit codes: 0 ok, 1 input error, 2 model error, 3 configuration error.",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging")
    commands = parser.add_subparsers(dest="command", required=True)
    summarise = commands.add_parser("summarise", aliases=["summarize"], help="summarise an article")
    summarise.add_argument("path", help="a text file, or - for standard input")
    summarise.add_argument(
        "--format",
        choices=["json", "markdown"],
        default=None,
        help="output format (default: markdown on a terminal, JSON when piped)",
    )
    summarise.add_argument("--model", help="model name, or a .gguf path for the embedded model")
    summarise.add_argument("--no-cache", action="store_true", help="do not read or write the cache")
    summarise.add_argument("--chunk-tokens", type=int, help="article tokens per model call")
    return parser


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    from factcheck.export import report_to_json, report_to_markdown
    from factcheck.pipeline import summarise

    try:
        report = summarise(
            _read(args.path),
            model=args.model,
            cache=not args.no_cache,
            chunk_tokens=args.chunk_tokens,
        )
    except InputError as exc:
        print(f"factcheck: input error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except ModelError as exc:
        print(f"factcheck: model error: {exc}", file=sys.stderr)
        return EXIT_MODEL
    except (ConfigurationError, FactcheckError) as exc:
        print(f"factcheck: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    fmt = args.format or ("markdown" if sys.stdout.isatty() else "json")
    sys.stdout.write(
        report_to_markdown(report) if fmt == "markdown" else report_to_json(report) + "\n"
    )
    return EXIT_OK
