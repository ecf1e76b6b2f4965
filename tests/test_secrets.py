"""No credential may land in a cassette."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from vcr.request import Request

from factcheck.testing import SECRET_HEADERS, recording_config, scrub_response

CASSETTES = Path(__file__).resolve().parent.parent / "cassettes"
SECRET_PATTERNS = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"authorization",
        r"\bapi-key\b",
        r"openai-organization",
        r"openai-project",
        r"\bcookie\b",
        r"sk-[A-Za-z0-9_\-]{8,}",
        r"bearer\s+[A-Za-z0-9]",
        r"\borg-[A-Za-z0-9]{12,}",
        r"\bproj_[A-Za-z0-9]{12,}",
    )
]


def _cassettes() -> list[Path]:
    return sorted(CASSETTES.rglob("*.yaml"))


def test_there_are_cassettes_to_scan() -> None:
    assert len(_cassettes()) >= 3


@pytest.mark.parametrize("path", _cassettes(), ids=lambda p: p.name)
def test_cassette_holds_no_secret(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for pattern in SECRET_PATTERNS:
        assert not pattern.search(text), f"{path.name} matches {pattern.pattern}"


def test_response_scrubber_drops_every_secret_header() -> None:
    response = {
        "status": {"code": 200},
        "headers": {
            "Set-Cookie": ["session=abc"],
            "openai-organization": ["org-123456789012345"],
            "OpenAI-Project": ["proj_123456789012345"],
            "content-type": ["application/json"],
        },
        "body": {"string": "{}"},
    }
    scrubbed = scrub_response(response)
    assert list(scrubbed["headers"]) == ["content-type"]


def test_request_headers_are_filtered_before_recording() -> None:
    from vcr.config import VCR

    config = recording_config()
    vcr = VCR(**config)
    before = vcr._build_before_record_request({"filter_headers": config["filter_headers"]})
    request = Request(
        "POST",
        "http://127.0.0.1:9/v1/chat/completions",
        b"{}",
        {
            "Authorization": "Bearer sk-secret-123456789",
            "api-key": "azure-secret",
            "OpenAI-Organization": "org-x",
            "OpenAI-Project": "proj-x",
            "Cookie": "a=b",
            "Content-Type": "application/json",
        },
    )
    kept = before(request).headers
    assert {k.lower() for k in kept} == {"content-type"}
    assert {h for h in SECRET_HEADERS} >= {"authorization", "api-key", "openai-organization"}


def test_response_scrubber_redacts_a_key_echoed_in_the_body(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "azure-style-key-0123456789abcdef")
    body = b'{"error": {"message": "Incorrect API key provided: azure-style-key-0123456789abcdef"}}'
    scrubbed = scrub_response({"headers": {}, "body": {"string": body}})
    assert b"azure-style-key" not in scrubbed["body"]["string"]
    assert b"[redacted]" in scrubbed["body"]["string"]
    text = scrub_response({"headers": {}, "body": {"string": "Bearer sk-proj-abcdef123456"}})
    assert "sk-proj" not in text["body"]["string"]
