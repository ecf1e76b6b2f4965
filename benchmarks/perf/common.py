"""Rows, targets, timers and tables shared by the benchmark's modules."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
SEED = ROOT / "seeds" / "000_5bc9710cf7c855ce.txt"
RESULTS = ROOT / "benchmarks" / "results"
#: Seconds before a call times out, for every system: two shared cores can be very slow.
TIMEOUT = 3600.0


@dataclass
class Row:
    article: str
    system: str
    endpoint: str
    calls: int | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    article_tokens: int = 0
    wall_s: float | None = None
    valid: str = ""
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.input_tokens is None or not self.article_tokens:
            return None
        return self.input_tokens / self.article_tokens


@dataclass
class Target:
    name: str
    measured: str
    met: bool
    why: str = ""


def best_of(repeats: int, work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def subprocess_time(code: str, repeats: int) -> float:
    """Best wall time of ``python -c code`` in a fresh interpreter."""
    return best_of(
        repeats, lambda: subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
    )


def fmt(value: float | int | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def markdown(table: list[tuple[str, ...]]) -> str:
    widths = [max(len(str(row[i])) for row in table) for i in range(len(table[0]))]
    lines = []
    for n, row in enumerate(table):
        lines.append(
            "| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False)) + " |"
        )
        if n == 0:
            lines.append("| " + " | ".join("-" * w for w in widths) + " |")
    return "\n".join(lines)
