"""Text stage: Arabic-aware normalization for matching, clitic-aware tokens, segmentation.

Normalization is for matching only; every function that changes text also returns, or works
through, a map back to character offsets in the original string so evidence can quote it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

# Harakat, Quranic annotation marks, superscript alef and tatweel: dropped for matching.
_DROP = frozenset(
    [chr(c) for c in range(0x064B, 0x0660)]
    + [chr(0x0670), chr(0x0640)]
    + [chr(c) for c in range(0x06D6, 0x06EE) if c not in (0x06E5, 0x06E6)]
    + ["\u200c", "\u200d", "\u200e", "\u200f", "\u061c", "\ufeff", "\u00ad"]
    + [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
)

# Letter folding: alef/hamza seats, alef maqsura, taa marbuta, Persian/Urdu look-alikes.
_FOLD = {
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ٲ": "ا",
    "ٳ": "ا",
    "ى": "ي",
    "ی": "ي",
    "ې": "ي",
    "ئ": "ي",
    "ؤ": "و",
    "ة": "ه",
    "ۀ": "ه",
    "ہ": "ه",
    "ھ": "ه",
    "ک": "ك",
    "ڪ": "ك",
    "گ": "ك",
    "پ": "ب",
    "چ": "ج",
    "ژ": "ز",
    "ڤ": "ف",
    "ﻻ": "لا",
    "ﻷ": "لا",
    "ﻹ": "لا",
    "ﻵ": "لا",
}
for _i in range(10):
    _FOLD[chr(0x0660 + _i)] = str(_i)  # Arabic-Indic digits
    _FOLD[chr(0x06F0 + _i)] = str(_i)  # Extended Arabic-Indic (Persian/Urdu) digits
_FOLD["٫"] = "."  # Arabic decimal separator
_FOLD["٬"] = ","  # Arabic thousands separator
_FOLD["٪"] = "%"

ARABIC_LETTER = re.compile(r"[\u0621-\u064A\u0671-\u06D3\u06FA-\u06FF]")
LATIN_LETTER = re.compile(r"[A-Za-z\u00C0-\u024F]")

# Proclitics: article-bearing combinations are stripped whenever a stem of two or more letters
# remains; bare conjunctions/prepositions only when the bare stem is attested on its own, so
# foreign names that begin with these letters (ويلسون، بيرنز، فيليبس) stay intact.
_ARTICLE_PREFIXES = ("وبال", "وكال", "فبال", "وال", "فال", "بال", "كال", "ولل", "فلل", "لل", "ال")
_BARE_PREFIXES = ("وب", "ول", "وك", "فب", "فل", "فك", "و", "ف", "ب", "ل", "ك")
_PROCLITIC_LETTERS = frozenset(p[0] for p in _ARTICLE_PREFIXES + _BARE_PREFIXES)
# entries of a memo of words (their forms, readings, shapes, skeletons...). Such a memo serves a
# text's frequent words, which a few thousand entries hold; the rest of its entries are words
# seen once, and each worker of a large run filled its own memos of up to 300,000 to a million
# of them. Extracting the facts of 5,000 generated articles in one process, the process grew by
# 302 MiB with this bound (and dates.zipf unmemoized) rather than 647, in the same time; and
# bench/memory.py at 10,000 articles gave the facts stage's tree peak, the run's, as 1,280 MiB
# rather than 2,109 (66 s rather than 64).
WORD_MEMO = 1 << 16

_WORD = re.compile(
    r"[\w\u0621-\u064A\u0660-\u0669\u0671-\u06D3\u06F0-\u06FF\u064B-\u065F\u0670\u0640]+"
)

_DROP_TABLE = str.maketrans(dict.fromkeys(_DROP))


def strip_marks(text: str) -> str:
    """Return ``text`` without diacritics, tatweel and invisible format characters."""
    return text.translate(_DROP_TABLE)


_TABLE = str.maketrans({**dict.fromkeys(_DROP), **_FOLD})
# ASCII and the Arabic block, less U+0675-U+0678, the only ones there that NFKC changes
_ASCII_OR_ARABIC = re.compile(r"[\x00-\x7f\u0600-\u0674\u0679-\u06ff]*")


def normalize(text: str) -> str:
    """Return the matching form of ``text`` (see :func:`normalize_with_offsets`); a fast path
    through one translation table when no character needs NFKC (typographic quotes, dashes
    and no-break spaces do not)."""
    if _ASCII_OR_ARABIC.fullmatch(text) or unicodedata.is_normalized("NFKC", text):
        return text.translate(_TABLE).lower()
    return normalize_with_offsets(text)[0]


def normalize_with_offsets(text: str) -> tuple[str, list[int]]:
    """Return the matching form of ``text`` and, for each of its characters, the index of the
    original character it came from.

    Drops diacritics and tatweel, folds alef/hamza forms, ى→ي, ة→ه, Arabic-Indic digits and
    separators, applies NFKC (presentation forms) and lowercases Latin letters.
    """
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        if ch in _DROP:
            continue
        folded = _FOLD.get(ch)
        if folded is None:
            folded = unicodedata.normalize("NFKC", ch) if ord(ch) > 0x7F else ch
            folded = "".join(_FOLD.get(c, c) for c in folded if c not in _DROP).lower()
        for c in folded:
            out.append(c)
            origin.append(i)
    return "".join(out), origin


@dataclass(frozen=True, slots=True)
class Token:
    """A word of the original text: its matching form, the clitic-free stem and its span."""

    start: int
    end: int
    surface: str
    norm: str
    stem: str
    prefix: str = ""


def word_spans(text: str) -> Iterator[tuple[int, int]]:
    """Yield the (start, end) offsets of every word (letters, digits, marks) in ``text``."""
    for m in _WORD.finditer(text):
        if m.group().strip("_"):
            yield m.start(), m.end()


def vocabulary(text: str) -> set[str]:
    """Return the set of normalized words in ``text``: the evidence that a bare stem exists."""
    return {_forms(m.group())[1] for m in _WORD.finditer(text) if m.group().strip("_")}


def split_clitic(word: str, vocab: Container[str] | None = None) -> tuple[str, str]:
    """Split a word (with marks already removed, hamza kept) into (proclitic, stem).

    The definite article is recognised only as written with a plain alef, so transliterated
    names spelled with hamza (ألكسندر) keep their first letters. Bare و ف ب ل ك are split off
    only when the stem is at least three letters and appears in ``vocab`` on its own.
    """
    article, bare_options = _clitic_options(word)
    if article is not None:
        return article
    if vocab:
        for prefix, rest, rest_norm, inner in bare_options:
            if rest_norm in vocab:
                return prefix, rest
            if inner is not None:
                return inner
    return "", word


@lru_cache(maxsize=WORD_MEMO)
def _clitic_options(
    word: str,
) -> tuple[tuple[str, str] | None, tuple[tuple[str, str, str, tuple[str, str] | None], ...]]:
    """Return the article split of ``word`` (or None) and, for each bare proclitic it may carry,
    (prefix, rest, normalized rest, the split when rest itself starts with the article)."""
    if word[:1] not in _PROCLITIC_LETTERS:
        return None, ()
    for p in _ARTICLE_PREFIXES:
        if word.startswith(p) and len(word) - len(p) >= 2:
            return (p, word[len(p) :]), ()
    options = []
    for p in _BARE_PREFIXES:
        if word.startswith(p) and len(word) - len(p) >= 3:
            rest = word[len(p) :]
            inner = None
            if p in ("و", "ف", "ب", "ك"):
                for a in _ARTICLE_PREFIXES:
                    if a.startswith("ال") and rest.startswith(a) and len(rest) - len(a) >= 2:
                        inner = (p + a, rest[len(a) :])
                        break
            options.append((p, rest, normalize(rest), inner))
    return None, tuple(options)


@lru_cache(maxsize=WORD_MEMO)
def _forms(surface: str) -> tuple[str, str, bool]:
    """Return (marks stripped, normalized, starts with an Arabic letter) for one word."""
    bare = strip_marks(surface)
    return bare, normalize(bare), bool(ARABIC_LETTER.match(bare))


def tokenize(text: str, vocab: set[str] | None = None, *, offset: int = 0) -> list[Token]:
    """Return the tokens of ``text`` with clitics split off; offsets are shifted by ``offset``.

    ``vocab`` (normalized words attested in the same document, see :func:`vocabulary`) lets bare
    proclitics be split without cutting names that start with the same letters.
    """
    tokens: list[Token] = []
    for m in _WORD.finditer(text):
        surface = m.group()
        if not surface.strip("_"):
            continue
        bare, norm, arabic = _forms(surface)
        if not bare:
            continue
        prefix, stem = split_clitic(bare, vocab) if arabic else ("", bare)
        tokens.append(
            Token(
                start=offset + m.start(),
                end=offset + m.end(),
                surface=surface,
                norm=norm,
                stem=norm if not prefix else _forms(stem)[1],
                prefix=prefix,
            )
        )
    return tokens


def stems(text: str, vocab: set[str] | None = None) -> list[str]:
    """Return the clitic-free matching forms of the words of ``text``, in order (the same as
    the tokens' ``stem``, without building tokens)."""
    return [
        stem for surface in _WORD.findall(text) if (stem := word_stem(surface, vocab)) is not None
    ]


def word_stem(surface: str, vocab: Container[str] | None = None) -> str | None:
    """Return the clitic-free matching form of one word as :func:`stems` reads it, or None when
    it gives no token. It depends on ``surface`` and ``vocab`` only, so a caller with a fixed
    vocabulary may keep it per word."""
    bare, norm, arabic = _forms(surface)
    if not bare or not surface.strip("_"):
        return None
    if arabic:
        prefix, stem = split_clitic(bare, vocab)
        return _forms(stem)[1] if prefix else norm
    return norm


# A sentence ends at . ! ? ؟ … or ؛ followed by space or end, not inside a number (3.5).
_SENTENCE_END = re.compile(r"(?<!\d)[.!?؟…](?=[\s\"”»’)\]]|$)|(?<=\d)[.](?=\s|$)|[؛;](?=\s)")


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Return (start, end) spans of the sentences in ``text[start:end]``, trimmed of spaces."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    pos = start
    for m in _SENTENCE_END.finditer(text, start, end):
        stop = m.end()
        while stop < end and text[stop] in '"”»’)]':
            stop += 1
        spans.append((pos, stop))
        pos = stop
    spans.append((pos, end))
    trimmed = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            trimmed.append((s, e))
    return trimmed


def line_spans(text: str) -> list[tuple[int, int]]:
    """Return (start, end) spans of the non-blank lines of ``text``, trimmed of spaces."""
    spans = []
    pos = 0
    for line in text.splitlines(keepends=True):
        s, e = pos, pos + len(line.rstrip("\r\n"))
        pos += len(line)
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            spans.append((s, e))
    return spans


def script_of(text: str) -> str:
    """Return ``"arabic"``, ``"latin"`` or ``"other"``: the script most letters of ``text`` use."""
    ar = len(ARABIC_LETTER.findall(text))
    la = len(LATIN_LETTER.findall(text))
    if ar == 0 and la == 0:
        return "other"
    return "arabic" if ar >= la else "latin"


def shingles(words: Iterable[str], size: int) -> set[str]:
    """Return the set of ``size``-word shingles of ``words`` (the words themselves if fewer)."""
    seq = list(words)
    if len(seq) < size:
        return {" ".join(seq)} if seq else set()
    return {" ".join(seq[i : i + size]) for i in range(len(seq) - size + 1)}
