"""The embedded model's likelihood as a faithfulness signal for :func:`check_summary`.

The 135M embedded model writes poor verdicts, but its token probabilities still carry some
signal (the idea behind BARTScore and pointwise-mutual-information faithfulness scores):
how much more probable each token of a summary sentence becomes after the source
sentences it rests on,

    gain(token) = log p(token | "Source: <evidence>\\nSummary:") - log p(token | "Summary:")

A faithful sentence's words are made likelier by its evidence; an edited name, number or
word ("laptops" for "smartphones") usually is not, so the sentence's lowest gain is low.
:data:`MIN_GAIN` is the threshold ``python -m benchmarks.likelihood`` chose, and the table
it prints (in the README) is what this signal adds to the rules and what it costs.

The model runs in this process through llama-cpp-python (``logits_all``: the probabilities
of the prompt's own tokens, which an OpenAI-compatible endpoint does not return), loaded
once per process on first use; ``pip install "factcheck[local]"`` provides both.
"""

from __future__ import annotations

import atexit
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from factcheck.errors import ConfigurationError

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "CONTEXT_TOKENS",
    "EVIDENCE_TOKENS",
    "MIN_GAIN",
    "Gain",
    "sentence_gain",
    "token_gains",
]

#: The context the scorer loads the model with: evidence, prompt and one sentence.
CONTEXT_TOKENS = 1024
#: Evidence beyond this many tokens is cut, so that the prompt fits with the sentence.
EVIDENCE_TOKENS = 700
#: A sentence whose lowest token gain is below this is unsupported: the threshold that
#: maximised the mean balanced accuracy of "the rules' decision or a gain below it" over
#: the four datasets of ``python -m benchmarks.likelihood --limit 0`` (every summary of
#: SummEdits news, XSumFaith, SummEdits podcast and meeting: -4.398). The optimum is flat:
#: with one dataset left out it moves between -2.74 and -4.32, and at -2.85 (the choice of
#: an earlier 200-per-dataset run) the mean is 0.4 points lower.
MIN_GAIN = -4.40

_lock = threading.Lock()
_scorer: _Scorer | None = None


@dataclass(frozen=True)
class Gain:
    """The lowest token gain of a sentence, and the token it falls on."""

    value: float
    token: str


class _Scorer:
    """Token log-probabilities from the embedded model, in this process."""

    def __init__(self) -> None:
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise ConfigurationError(
                'the likelihood signal needs the embedded runtime: pip install "factcheck[local]"'
            ) from exc
        from factcheck.local import _without_extra_buffers, default_model_path

        _without_extra_buffers()  # the AMX fault some machines have (see factcheck.local)
        self.llm = Llama(
            model_path=str(default_model_path()),
            n_ctx=CONTEXT_TOKENS,
            logits_all=True,
            verbose=False,
        )
        # Freed before the interpreter tears down llama_cpp's module globals: left to
        # Llama.__del__ at exit, the free may find them gone and print a TypeError
        # (abetlen/llama-cpp-python#2002).
        atexit.register(self.llm.close)

    def tokens(self, text: str) -> list[int]:
        return list(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def logprobs(self, prompt: list[int], text: list[int]) -> np.ndarray[Any, Any]:
        """log p(text[i] | prompt + text[:i]) for each token of ``text``."""
        import numpy as np

        self.llm.reset()  # type: ignore[no-untyped-call]
        self.llm.eval([self.llm.token_bos(), *prompt, *text])
        first = 1 + len(prompt)  # where text[0] stands; its logits are one row before
        rows = np.asarray(self.llm.scores[first - 1 : first - 1 + len(text)], dtype=np.float64)
        top = rows.max(axis=1, keepdims=True)
        log_norm = top[:, 0] + np.log(np.exp(rows - top).sum(axis=1))
        result: np.ndarray[Any, Any] = rows[np.arange(len(text)), text] - log_norm
        return result

    def gains(self, evidence: str, sentence: str) -> list[tuple[str, float]]:
        prompt = [
            *self.tokens("Source: "),
            *self.tokens(evidence)[:EVIDENCE_TOKENS],
            *self.tokens("\nSummary:"),
        ]
        text = self.tokens(" " + sentence)[: CONTEXT_TOKENS - len(prompt) - 2]
        if not text:
            return []
        gains = self.logprobs(prompt, text) - self.logprobs(self.tokens("Summary:"), text)
        return [
            (self.llm.detokenize([t]).decode("utf-8", errors="replace").strip(), float(g))
            for t, g in zip(text, gains, strict=True)
        ]


def token_gains(evidence: str, sentence: str) -> list[tuple[str, float]]:
    """Each token of ``sentence`` with its gain after ``evidence`` (see the module
    docstring). Loads the embedded model on first use; calls are serialised (one model)."""
    global _scorer
    with _lock:
        if _scorer is None:
            _scorer = _Scorer()
        return _scorer.gains(evidence, sentence)


def sentence_gain(evidence: str, sentence: str) -> Gain:
    """The lowest gain over the tokens of ``sentence`` after ``evidence``."""
    gains = token_gains(evidence, sentence)
    if not gains:
        return Gain(0.0, "")
    token, value = min(gains, key=lambda pair: pair[1])
    return Gain(value, token)
