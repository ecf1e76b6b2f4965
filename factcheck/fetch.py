"""An article named by URL → its text. The command line's only network use, at the user's
request: the library itself never fetches anything.

The page is downloaded with the standard library (bounded in size and time) and reduced to
the article's text by :func:`factcheck.inputs.article_text` (trafilatura for HTML:
``pip install "factcheck[html]"``).
"""

from __future__ import annotations

import urllib.error
import urllib.request
from urllib.parse import urlsplit

from factcheck.errors import InputError
from factcheck.inputs import article_text

__all__ = [
    "MAX_BYTES",
    "TIMEOUT",
    "fetch_article",
    "is_url",
]

#: Larger pages are refused rather than read into memory: no news article comes close.
MAX_BYTES = 10 * 1024 * 1024
TIMEOUT = 30.0


def is_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def fetch_article(url: str, *, timeout: float = TIMEOUT, max_bytes: int = MAX_BYTES) -> str:
    """Download ``url`` and return the article's text (HTML pages are extracted).

    Network failures, HTTP errors, oversized and empty pages raise
    :class:`~factcheck.errors.InputError`.
    """
    if not is_url(url):
        raise InputError(f"not an http(s) URL: {url!r}")
    from factcheck import __version__

    request = urllib.request.Request(
        url,
        headers={
            "User-Agent": f"factcheck/{__version__} (+article summary)",
            "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.1",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data = response.read(max_bytes + 1)
            content_type = response.headers.get_content_type()
            charset = response.headers.get_content_charset()
    except urllib.error.HTTPError as exc:
        raise InputError(f"cannot fetch {url}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise InputError(f"cannot fetch {url}: {exc.reason}") from None
    except (TimeoutError, OSError) as exc:
        raise InputError(f"cannot fetch {url}: {exc}") from None
    if len(data) > max_bytes:
        raise InputError(f"{url} is larger than {max_bytes // (1024 * 1024)} MiB")
    html = True if "html" in content_type else False if content_type == "text/plain" else None
    if charset and not html:
        try:
            return article_text(data.decode(charset), html=html)
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong declared charset: let the byte-level detection decide
    return article_text(data, html=html)
