from __future__ import annotations

from pathlib import Path

from dedupe.text import (
    line_spans,
    normalize,
    normalize_with_offsets,
    script_of,
    sentence_spans,
    shingles,
    split_clitic,
    tokenize,
    vocabulary,
)


def test_normalize_folds_arabic_orthography_and_digits():
    assert normalize("الأَمْريكيّ") == normalize("الامريكي") == "الامريكي"
    assert normalize("إسرائيل آمنة") == "اسراييل امنه"
    assert normalize("مستشفى") == "مستشفي"
    assert normalize("مُحمّـــد") == "محمد"
    assert normalize("١٣٧ طائرة و٣٫٥ مليون و١٬٥٠٠") == "137 طايره و3.5 مليون و1,500"
    assert normalize("۲۰۲۵") == "2025"
    assert normalize("Rustem UMEROV") == "rustem umerov"


def test_normalize_offsets_point_into_the_original():
    original = "قالَ بوتيـــن"
    norm, origin = normalize_with_offsets(original)
    assert norm == "قال بوتين"
    assert len(origin) == len(norm)
    start = norm.index("بوتين")
    end = start + len("بوتين")
    assert original[origin[start] : origin[end - 1] + 1] == "بوتيـــن"


def test_normalize_removes_bidi_controls():
    assert normalize("\u200fعمروف\u200e") == "عمروف"


def test_clitics_split_only_when_the_stem_is_attested():
    text = "قال بوتين وقال وبوتين ويتكوف فولوديمير بالرئيس للرئيس والرئيس ألكسندر"
    vocab = vocabulary(text)
    toks = {t.surface: (t.prefix, t.stem) for t in tokenize(text, vocab)}
    assert toks["وقال"] == ("و", "قال")
    assert toks["وبوتين"] == ("و", "بوتين")
    assert toks["ويتكوف"] == ("", "ويتكوف")
    assert toks["فولوديمير"] == ("", "فولوديمير")
    assert toks["بالرئيس"] == ("بال", "رييس")
    assert toks["للرئيس"] == ("لل", "رييس")
    assert toks["والرئيس"] == ("وال", "رييس")
    # a name written with hamza keeps its first letters: the article is written with plain alef
    assert toks["ألكسندر"] == ("", "الكسندر")


def test_split_clitic_without_vocabulary_keeps_bare_words():
    assert split_clitic("وبوتين") == ("", "وبوتين")
    assert split_clitic("والحرب") == ("وال", "حرب")


def test_tokens_carry_original_offsets_with_mixed_scripts():
    text = "التقى Witkoff مع عمروف في 2025"
    toks = tokenize(text)
    assert [text[t.start : t.end] for t in toks] == [
        "التقى",
        "Witkoff",
        "مع",
        "عمروف",
        "في",
        "2025",
    ]
    assert toks[1].norm == "witkoff"


def test_sentences_do_not_split_decimals_and_keep_quotes():
    text = "قال بوتين “هراء”. ثم ارتفع إلى 3.5 مليون؟ نعم"
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == ["قال بوتين “هراء”.", "ثم ارتفع إلى 3.5 مليون؟", "نعم"]


def test_line_spans_skip_blank_lines_and_trim():
    text = "  أولا \n\n ثانيا\r\nثالثا  "
    assert [text[s:e] for s, e in line_spans(text)] == ["أولا", "ثانيا", "ثالثا"]


def test_script_and_shingles():
    assert script_of("Ali Hussain is a reporter") == "latin"
    assert script_of("قال Ali إن الاجتماع انتهى") == "arabic"
    assert script_of("2025 - 12") == "other"
    assert shingles(["a", "b", "c", "d"], 3) == {"a b c", "b c d"}
    assert shingles(["a"], 3) == {"a"}


def test_the_fast_normalize_path_agrees_with_the_one_that_keeps_offsets():
    import random

    from dedupe.text import normalize

    seeds_text = "".join(
        p.read_text(encoding="utf-8")
        for p in sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))
    )
    pool = (
        list(seeds_text[:3000])
        + list("“”«»—–…\u00a0\u200f\u0640ﻻﻷﺍﺑ٣٤٫٬ABCİÉéñ１２")
        + [chr(c) for c in range(0x0600, 0x06FF)]
    )
    rng = random.Random(7)
    samples = [seeds_text[:2000]] + ["".join(rng.choices(pool, k=60)) for _ in range(400)]
    for text in samples:
        assert normalize(text) == normalize_with_offsets(text)[0], repr(text)
