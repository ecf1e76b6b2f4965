"""Loads the prompt files and computes the prompt version that goes into every cache key."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources
from pathlib import Path
from string import Template

from factcheck.errors import ConfigurationError

NAMES = (
    "extract_system",
    "extract_user",
    "notes_system",
    "notes_user",
    "reduce_system",
    "reduce_user",
    "schema_hint",
    "verify_system",
    "verify_user",
    "check_summary_system",
    "check_summary_user",
)


def _prompt_dir() -> Path:
    # Installed wheels carry the prompts inside the package; a source checkout keeps them
    # in the top-level prompts/ folder.
    packaged = Path(str(resources.files("factcheck"))) / "prompts"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parent.parent / "prompts"
    if checkout.is_dir():
        return checkout
    raise ConfigurationError(f"prompt files not found in {packaged} or {checkout}")


@lru_cache(maxsize=1)
def load_prompts() -> dict[str, str]:
    folder = _prompt_dir()
    prompts = {}
    for name in NAMES:
        path = folder / f"{name}.txt"
        if not path.is_file():
            raise ConfigurationError(f"prompt file missing: {path}")
        prompts[name] = path.read_text(encoding="utf-8").strip()
    return prompts


@lru_cache(maxsize=1)
def prompt_version() -> str:
    """A short hash of every prompt file: changes whenever any prompt changes."""
    digest = hashlib.sha256()
    for name, text in sorted(load_prompts().items()):
        digest.update(name.encode() + b"\0" + text.encode() + b"\0")
    return f"p{digest.hexdigest()[:12]}"


def render(name: str, **values: str) -> str:
    """Fill a prompt's ``$placeholders``; a missing value is an error, not a blank."""
    try:
        return Template(load_prompts()[name]).substitute(values)
    except KeyError as exc:
        raise ConfigurationError(f"prompt {name!r} needs a value for {exc}") from exc
