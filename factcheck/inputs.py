"""What a caller hands in → the article's text: a str, bytes, a file, or an HTML page.

Bytes are decoded by :func:`factcheck.text.decode` (byte-order marks honoured, else strict
UTF-8). HTML is recognised by its first tag (or a ``.html`` file name) and reduced to the
article's own text with trafilatura, which drops navigation, scripts, styles, cookie banners
and other boilerplate. trafilatura is optional: ``pip install "factcheck[html]"``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from factcheck.errors import ConfigurationError, InputError
from factcheck.text import decode

__all__ = [
    "HTML_INSTALL_HINT",
    "article_text",
    "html_to_text",
    "looks_like_html",
    "read_article",
]

HTML_INSTALL_HINT = 'pip install "factcheck[html]"'

# The first tag of a page or fragment; comments and a doctype may come first. Only tags
# that open real documents count, so text that merely starts with "<" stays text.
_HTML_START = re.compile(
    r"\A\s*(?:<!--.*?-->\s*)*"
    r"<(?:!doctype\s+html|html|head|body|article|main|section|div|p|nav|header|script|"
    r"style|meta|title|h[1-6])\b",
    re.IGNORECASE | re.DOTALL,
)
_HTML_SUFFIXES = (".html", ".htm", ".xhtml")


def looks_like_html(text: str) -> bool:
    """Whether ``text`` is an HTML page or fragment (judged by where it starts)."""
    return _HTML_START.match(text[:4096]) is not None


def html_to_text(html: str | bytes) -> str:
    """The article text of an HTML page: paragraphs separated by line breaks.

    Bytes are handed to trafilatura undecoded so that it can honour the page's own charset.
    """
    try:
        import trafilatura
    except ImportError as exc:
        raise ConfigurationError(
            f"the input is HTML; extracting its article text needs trafilatura: {HTML_INSTALL_HINT}"
        ) from exc
    text = trafilatura.extract(
        html,
        output_format="txt",
        include_comments=False,
        include_tables=False,
        # Precision: a menu or a footer turned into "sentences" would be summarised and
        # cited as if the article said it.
        favor_precision=True,
        deduplicate=False,
    )
    if not text or not text.strip():
        raise InputError(
            "the HTML holds no article text that could be extracted (only navigation, "
            "scripts or boilerplate); pass the article's text instead"
        )
    return str(text)


def article_text(data: str | bytes, *, html: bool | None = None) -> str:
    """``str`` or ``bytes`` → the text to summarise.

    ``html``: True treats the input as HTML, False as plain text, None (the default) decides
    by looking at how it starts.
    """
    if isinstance(data, os.PathLike):
        raise InputError(
            f"expected the article's text (str or bytes), got a path ({os.fspath(data)!r}); "
            "read it with factcheck.inputs.read_article(path)"
        )
    if isinstance(data, bytes | bytearray):
        raw = bytes(data)
        try:
            text = decode(raw)
        except InputError:
            # An HTML page in a legacy charset (declared in its <meta>) is still HTML.
            if html is not False and looks_like_html(raw[:4096].decode("ascii", "ignore")):
                return html_to_text(raw)
            raise
    elif isinstance(data, str):
        text = data
    else:
        raise InputError(f"expected the article's text (str or bytes), got {type(data).__name__}")
    if html or (html is None and looks_like_html(text)):
        return html_to_text(text)
    return text


def read_article(path: str | os.PathLike[str], *, html: bool | None = None) -> str:
    """The text of the article in a file (plain text in any BOM'd Unicode or UTF-8, or HTML;
    a ``.html``/``.htm`` name means HTML)."""
    file = Path(path)
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise InputError(f"no such file: {file}") from None
    except IsADirectoryError:
        raise InputError(f"{file} is a folder, not a file") from None
    except OSError as exc:
        raise InputError(f"cannot read {file}: {exc.strerror or exc}") from None
    if html is None and file.suffix.lower() in _HTML_SUFFIXES:
        html = True
    return article_text(data, html=html)
