"""Recording settings for tests that replay model responses with pytest-recording.

In a ``conftest.py``::

    from factcheck.testing import vcr_config  # noqa: F401  (the fixture pytest-recording reads)

then mark tests with ``@pytest.mark.vcr`` and run ``pytest --record-mode=none --block-network``
in CI. Recorded cassettes keep no credentials: request and response headers that carry keys,
organisations, projects or cookies are dropped before anything is written.
"""

from __future__ import annotations

from typing import Any

import pytest

#: Headers that may carry a credential or an account identifier (lower case).
SECRET_HEADERS = (
    "authorization",
    "api-key",
    "x-api-key",
    "openai-organization",
    "openai-project",
    "cookie",
    "set-cookie",
)


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    """vcrpy ``before_record_response`` hook: drop secret-bearing response headers."""
    headers = response.get("headers") or {}
    for name in list(headers):
        if name.lower() in SECRET_HEADERS:
            del headers[name]
    return response


def recording_config() -> dict[str, Any]:
    """vcrpy settings: no secrets on disk, requests matched on their body.

    Body matching matters: chunks of one article go out concurrently to the same URL, and
    without it they would replay each other's answers.
    """
    return {
        "filter_headers": [(name, None) for name in SECRET_HEADERS],
        "before_record_response": scrub_response,
        "match_on": ("method", "scheme", "path", "query", "body"),
        "decode_compressed_response": True,
        "record_on_exception": False,
    }


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return recording_config()
