"""The text stage's tokens and vocabulary, computed the same way with a per-word memo.

The facts extractors tokenize every document and passage; most of :func:`dedupe.text.tokenize`'s
time goes to reading the same few thousand words again. Here everything a token needs that
depends on its word alone is computed once per distinct word, and only the bare-proclitic
choice that depends on the document's vocabulary is made per token. The output is exactly
:func:`dedupe.text.tokenize`'s and :func:`dedupe.text.vocabulary`'s (tests compare them).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import NamedTuple

from dedupe.text import _WORD, WORD_MEMO, Token, _clitic_options, _forms

# (normalized rest, prefix, stem's matching form, the article split inside rest or None)
_Choice = tuple[str, str, str, tuple[str, str] | None]
# (norm, stem, prefix) without a vocabulary, and the bare-proclitic choices a vocabulary may make
_Reading = tuple[str, str, str, tuple[_Choice, ...]]


@lru_cache(maxsize=WORD_MEMO)
def word_reading(surface: str) -> _Reading | None:
    """What :func:`dedupe.text.tokenize` makes of one word, or None when it yields no token."""
    if not surface.strip("_"):
        return None
    bare, norm, arabic = _forms(surface)
    if not bare:
        return None
    if not arabic:
        return norm, norm, "", ()
    article, options = _clitic_options(bare)
    if article is not None:
        prefix, stem = article
        return (norm, _forms(stem)[1] if prefix else norm, prefix, ())
    choices = tuple(
        (
            rest_norm,
            prefix,
            _forms(rest)[1],
            None if inner is None else (inner[0], _forms(inner[1])[1]),
        )
        for prefix, rest, rest_norm, inner in options
    )
    return norm, norm, "", choices


def choose_proclitic(
    choices: tuple[_Choice, ...], vocab: set[str], prefix: str, stem: str
) -> tuple[str, str]:
    """Return (prefix, stem) of a word whose :func:`word_reading` has bare-proclitic
    ``choices``: the first one whose rest the document's ``vocab`` attests, or whose rest
    carries the article; else the reading's own ``prefix`` and ``stem``."""
    for rest_norm, p, rest_stem, inner in choices:
        if rest_norm in vocab:
            return p, rest_stem
        if inner is not None:
            return inner
    return prefix, stem


class TokenFields(NamedTuple):
    """A token's fields as :func:`token_fields` yields them, readable like a
    :class:`dedupe.text.Token` and cheaper to build."""

    start: int
    end: int
    surface: str
    norm: str
    stem: str
    prefix: str


def token_fields(
    text: str, vocab: set[str] | None = None, *, offset: int = 0
) -> Iterator[tuple[int, int, str, str, str, str]]:
    """Yield (start, end, surface, norm, stem, prefix) of each token of
    :func:`dedupe.text.tokenize` ``(text, vocab, offset=offset)``, without building tokens."""
    for m in _WORD.finditer(text):
        surface = m.group()
        reading = word_reading(surface)
        if reading is None:
            continue
        norm, stem, prefix, choices = reading
        if choices and vocab:
            prefix, stem = choose_proclitic(choices, vocab, prefix, stem)
        yield offset + m.start(), offset + m.end(), surface, norm, stem, prefix


def tokenize(text: str, vocab: set[str] | None = None, *, offset: int = 0) -> list[Token]:
    """Return :func:`dedupe.text.tokenize` ``(text, vocab, offset=offset)``."""
    return [Token(*fields) for fields in token_fields(text, vocab, offset=offset)]


def vocabulary(text: str) -> set[str]:
    """Return :func:`dedupe.text.vocabulary` ``(text)``."""
    return {_forms(w)[1] for w in _WORD.findall(text) if w.strip("_")}
