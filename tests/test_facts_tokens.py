"""The facts stage's memoized tokenizer gives exactly the text stage's tokens and vocabulary."""

from __future__ import annotations

from pathlib import Path

import pytest

from dedupe import text as text_stage
from dedupe.facts import tokens
from dedupe.text import line_spans

SEEDS = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))

# Invented text that exercises every branch of the tokenizer: marks and tatweel, hamza and
# plain-alef articles, bare proclitics whose stem is (not) in the vocabulary, a proclitic before
# the article, names that start with proclitic letters, underscores, digits of three scripts,
# Persian letters, presentation forms, Latin words, zero-width and bidi characters.
INVENTED = """\
قالَ الوزيرُ ووزيرةُ الخارجيةِ إنّ وبالتعاون مع فالنتينا وويلسون وبيرنز وفيليبس سيجتمعون.
وللمرة الثالثة، كتب ألكسندر والدو: «الاجتماع ﻻ يزال قائماً» في 12/3/2025 و١٢٫٥ و۱۲ بالمئة.
والسلام فالسلام بالسلام كالسلام وكتاب كتاب وبكتاب لكتاب فكتاب ككتاب ولد والد وليد.
__ _x_ x_1 ـــ ـكتابـ ك‍تاب پژوهش گزارش ﻻ ﻷ ﺍﻟﺴﻼﻡ Ulyanov Wilson's F-16 COVID-19 ‏سلام‎ ‌
ال ا و وو ووال والب فال بال ببال للسلام لل ولل فلل وكال كال
"""


def _texts() -> list[str]:
    texts = [INVENTED]
    for path in SEEDS:
        texts.append(path.read_text(encoding="utf-8"))
    return texts


@pytest.mark.parametrize("text", _texts(), ids=["invented", *(p.stem for p in SEEDS)])
def test_same_tokens_and_vocabulary_as_the_text_stage(text: str) -> None:
    vocab = text_stage.vocabulary(text)
    assert tokens.vocabulary(text) == vocab
    assert tokens.tokenize(text) == text_stage.tokenize(text)
    assert tokens.tokenize(text, vocab) == text_stage.tokenize(text, vocab)
    assert tokens.tokenize(text, set()) == text_stage.tokenize(text, set())
    fields = [
        (t.start, t.end, t.surface, t.norm, t.stem, t.prefix)
        for t in text_stage.tokenize(text, vocab)
    ]
    assert list(tokens.token_fields(text, vocab)) == fields
    for start, end in line_spans(text):
        line = text[start:end]
        assert tokens.vocabulary(line) == text_stage.vocabulary(line)
        assert tokens.tokenize(line, offset=start) == text_stage.tokenize(line, offset=start)
        assert tokens.tokenize(line, vocab, offset=start) == text_stage.tokenize(
            line, vocab, offset=start
        )


def test_the_vocabulary_decides_bare_proclitics_per_document() -> None:
    # the same word read twice, with and without its stem attested: the memo must not leak
    text = "وكتب وليد"
    without = tokens.tokenize(text, {"وكتب", "وليد"})
    with_stems = tokens.tokenize(text, {"وكتب", "وليد", "كتب", "ليد"})
    assert [t.prefix for t in without] == ["", ""]
    assert [t.prefix for t in with_stems] == ["و", "و"]
    assert tokens.tokenize(text, {"كتب"}) == text_stage.tokenize(text, {"كتب"})
