"""factcheck: turn a news article into a typed, checkable report.

>>> from factcheck import summarise
>>> report = summarise(open("article.txt").read())
>>> for claim in report.claims:
...     print(claim.statement, claim.sentence_ids, claim.quote)

Importing the package is cheap: the openai SDK, tiktoken and llama.cpp load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from factcheck.cache import ResponseCache
    from factcheck.claimreview import to_claimreview
    from factcheck.errors import (
        CacheMissError,
        ConfigurationError,
        EndpointError,
        FactcheckError,
        InputError,
        ModelError,
        OutputValidationError,
        RefusalError,
        TruncatedOutputError,
    )
    from factcheck.llm import CallPolicy
    from factcheck.many import asummarise_many, summarise_many
    from factcheck.models import (
        Claim,
        ClaimType,
        EvidencePassage,
        Flag,
        FlagKind,
        KeyPoint,
        Price,
        Report,
        Sentence,
        SentenceCheck,
        Source,
        Span,
        SummaryCheck,
        SupportLabel,
        Usage,
        Verdict,
        VerdictLabel,
    )
    from factcheck.pipeline import asummarise, summarise
    from factcheck.summary_check import acheck_summary, check_summary
    from factcheck.text import make_source
    from factcheck.verification import Verdicts, averify, verify

__version__ = "0.1.0"

_LAZY = {
    **dict.fromkeys(
        [
            "CacheMissError",
            "ConfigurationError",
            "EndpointError",
            "FactcheckError",
            "InputError",
            "ModelError",
            "OutputValidationError",
            "RefusalError",
            "TruncatedOutputError",
        ],
        "factcheck.errors",
    ),
    **dict.fromkeys(
        [
            "Claim",
            "ClaimType",
            "EvidencePassage",
            "Flag",
            "FlagKind",
            "KeyPoint",
            "Price",
            "Report",
            "Sentence",
            "SentenceCheck",
            "Source",
            "Span",
            "SummaryCheck",
            "SupportLabel",
            "Usage",
            "Verdict",
            "VerdictLabel",
        ],
        "factcheck.models",
    ),
    "verify": "factcheck.verification",
    "Verdicts": "factcheck.verification",
    "averify": "factcheck.verification",
    "to_claimreview": "factcheck.claimreview",
    "summarise": "factcheck.pipeline",
    "check_summary": "factcheck.summary_check",
    "acheck_summary": "factcheck.summary_check",
    "asummarise": "factcheck.pipeline",
    "summarise_many": "factcheck.many",
    "asummarise_many": "factcheck.many",
    "CallPolicy": "factcheck.llm",
    "ResponseCache": "factcheck.cache",
    "make_source": "factcheck.text",
}


def __getattr__(name: str) -> Any:
    # Importing factcheck stays cheap: pydantic, the SDK, tiktoken and llama.cpp load on
    # first use of a name that needs them.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'factcheck' has no attribute {name!r}")


__all__ = [
    "CacheMissError",
    "CallPolicy",
    "Claim",
    "ClaimType",
    "ConfigurationError",
    "EndpointError",
    "EvidencePassage",
    "FactcheckError",
    "Flag",
    "FlagKind",
    "InputError",
    "KeyPoint",
    "ModelError",
    "OutputValidationError",
    "Price",
    "RefusalError",
    "Report",
    "ResponseCache",
    "Sentence",
    "SentenceCheck",
    "Source",
    "Span",
    "SummaryCheck",
    "SupportLabel",
    "TruncatedOutputError",
    "Usage",
    "Verdict",
    "VerdictLabel",
    "Verdicts",
    "acheck_summary",
    "asummarise",
    "asummarise_many",
    "averify",
    "check_summary",
    "make_source",
    "summarise",
    "summarise_many",
    "to_claimreview",
    "verify",
]
