"""The facts extractors' memos and early exits agree with the slow paths they shortcut.

Each fast path is checked against the straightforward code it replaced (kept here as the
reference) or against the full reader it skips, on the seed articles and on invented text.
"""

from __future__ import annotations

import pickle
from dataclasses import fields
from itertools import pairwise
from pathlib import Path

import pytest

from dedupe.facts import _document_facts, dates, names, numbers
from dedupe.facts.dates import scan_words
from dedupe.text import ARABIC_LETTER, LATIN_LETTER, line_spans, strip_marks, tokenize, vocabulary

SEEDS = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))

INVENTED = """\
قال الرئيسُ الروسي فلاديمير بوتين، وصهره جاريد كوشنر، ووزيرة الخارجية أنالينا بيربوك إنّ
الاجتماعَ سيُعقد يوم الأحد 12 كانون الثاني 2025 أو بعد يومين، وأكدت فالنتينا وويلسون ذلك.
قُتل 20 شخصاً وأصيب ثلاثون آخرين، وسقطت طائرتان مسيّرتان، واستمرت المحادثات ساعة ونصف.
للمرة الحادية عشرة، الأيام الثلاثة، يوم واحد، نحو 1,500 جندي، أكثر من ٣٫٥ مليون دولار، 40%.
The charity Humanitarian Aid said (Ulyanov) -- "Wilson" met John Smith-Jones on Monday, 3 March.
في كينيا والكينية والكينيون، بالقرب من نيروبي؛ الرئيس التونسي قيس سعيّد والسيد أحمد الصالح.
ــ وـ _ 10:30 F-16 15/12/2025 2025-12-15 عام 1990م ثلاثة آلاف ومئتان وخمسون، الـ20.
"""


def _texts() -> list[str]:
    return [INVENTED, *(p.read_text(encoding="utf-8") for p in SEEDS)]


IDS = ["invented", *(p.stem for p in SEEDS)]


# --- names: the per-word memo ----------------------------------------------------------------


_DERIVED = ("shape", "name_stem")  # memoized summaries of the other fields, checked apart


def _reference_words(text: str, vocab: set[str]) -> list[dict[str, object]]:
    """The words of ``text`` as names._words read them before the memo (fields but the shape)."""
    out = []
    for t in tokenize(text, vocab):
        bare = strip_marks(t.surface)
        arabic = bool(ARABIC_LETTER.match(bare))
        latin = not arabic and bool(LATIN_LETTER.match(bare))
        prefix_raw, stem = t.prefix, t.stem
        if len(prefix_raw) > 2 and prefix_raw.endswith("ال"):
            rest_in_vocab = names._norm(bare[bare.index("ال") :]) in vocab
            if not names._article_form(bare, rest_in_vocab):
                prefix_raw, stem = "", names._norm(bare)
        if prefix_raw and "ال" not in prefix_raw and not prefix_raw.endswith("لل"):
            rest_z, whole_z = names._zipf_any(bare[len(prefix_raw) :]), names._zipf_any(bare)
            if whole_z >= 1.0 and whole_z > rest_z:
                prefix_raw, stem = "", names._norm(bare)
        if arabic and not prefix_raw:
            prefix_raw, rest = names._known_split(bare)
            if not prefix_raw:
                prefix_raw, rest = names._frequency_split(bare)
            stem = names._norm(rest)
        prefix = names._norm(prefix_raw)
        start = t.start + names._after_letters(t.surface, len(prefix_raw))
        article_start = start
        if prefix.endswith("ال"):
            article_start = t.start + names._after_letters(t.surface, len(prefix_raw) - 2)
        out.append(
            {
                "token_start": t.start,
                "start": start,
                "article_start": article_start,
                "end": t.end,
                "surface": t.surface,
                "norm": t.norm,
                "stem": stem,
                "prefix": prefix,
                "latin": latin,
                "cap": latin and bare[:1].isupper(),
                "tanween": any(c in t.surface for c in "\u064b\u064c\u064d") or bare.endswith("ة"),
                "zipf": max(names._zipf(bare[len(prefix_raw) :]), names._zipf(stem))
                if arabic
                else 0.0,
            }
        )
    return out


def _reference_gaps(text: str, words: list[names._Word]) -> list[str]:
    kinds = []
    for a, b in pairwise(words):
        gap = text[a.end : b.token_start]
        stripped = gap.strip()
        unquoted = "".join(c for c in stripped if c not in names._QUOTES)
        if "\n" in gap:
            kinds.append("break")
        elif not stripped:
            kinds.append("space")
        elif unquoted in ("،", ","):
            kinds.append("comma")
        elif all(c in "()[]" or c.isspace() for c in gap):
            kinds.append("bracket")
        elif not unquoted:
            kinds.append("quote")
        elif unquoted == "-" and a.latin and b.latin:
            kinds.append("hyphen")
        else:
            kinds.append("break")
    kinds.append("break")
    return kinds


def _reference_places(doc: names._Doc) -> set[str]:
    places, nisba = set(), set()
    for i, w in enumerate(doc.words):
        if w.latin:
            continue
        for ending in ("يون", "يين", "يه", "ي"):
            if ending == "ي" and not names._article(w):
                continue
            if w.stem.endswith(ending) and len(w.stem) - len(ending) >= 3:
                base = w.stem[: -len(ending)]
                nisba.update({base + "ا", base + "يا"})
                break
        if i + 1 == len(doc.words) or doc.gaps[i] != "space" or names._prep(w):
            continue
        if w.stem not in names._LOCATIVE | names._PLACE_NOUNS or (
            w.stem in names._TITLES and w.prefix
        ):
            continue
        nxt = doc.words[i + 1]
        if not nxt.prefix and not nxt.latin:
            places.add(nxt.stem)
    return places | nisba


@pytest.mark.parametrize("text", _texts(), ids=IDS)
def test_name_words_gaps_and_places_match_the_reference(text: str) -> None:
    vocab = vocabulary(text)
    doc = names._Doc(text, vocab)
    got = [
        {f.name: getattr(w, f.name) for f in fields(w) if f.name not in _DERIVED} for w in doc.words
    ]
    assert got == _reference_words(text, vocab)
    for w in doc.words:
        assert w.shape == names._Shape(w.stem, w.norm, w.prefix, w.latin, w.cap, w.tanween, w.zipf)
        assert w.name_stem == names._shape_name_stem(w.shape, False)
    assert doc.gaps == _reference_gaps(text, doc.words)
    assert doc.places == _reference_places(doc)
    for start, end in line_spans(text):  # the memo is shared across documents
        line = text[start:end]
        line_vocab = vocabulary(line)
        assert [
            {f.name: getattr(w, f.name) for f in fields(w) if f.name not in _DERIVED}
            for w in names._words(line, line_vocab)
        ] == _reference_words(line, line_vocab)


def test_split_conjunction_keeps_the_shape_in_step() -> None:
    text = "وقال وليد"
    doc = names._Doc(text, vocabulary(text))
    doc.split_conjunction(1)
    w = doc.words[1]
    assert (w.prefix, w.stem) == ("و", "ليد")
    assert w.shape == names._Shape(w.stem, w.norm, w.prefix, w.latin, w.cap, w.tanween, w.zipf)
    assert w.name_stem == names._shape_name_stem(w.shape, False)


# --- dates and quantities: early exits -------------------------------------------------------


@pytest.mark.parametrize("text", _texts(), ids=IDS)
def test_date_scan_skips_exactly_the_words_that_open_no_date(text: str) -> None:
    for start, end in line_spans(text):
        line = text[start:end]
        scanner = dates._Scanner(line, None, None)
        for word in scanner.words:
            leads = any(rest in dates._ANY_LEAD for _, rest in dates.variants(word.norm))
            assert dates._may_lead(word.norm) == leads
        mentions, i = [], 0  # the scan without the early exit: every word is tried
        while i < len(scanner.words):
            found = scanner.mention(i)
            if found is None:
                i += 1
                continue
            mention, i = found
            mentions.append(mention)
        assert dates.extract_dates(line) == mentions


@pytest.mark.parametrize("text", _texts(), ids=IDS)
def test_words_skipped_by_the_quantity_scan_open_no_quantity(text: str) -> None:
    for start, end in line_spans(text):
        reader = numbers._Reader(text[start:end])
        words = reader.words
        for i, word in enumerate(words):
            if word.kind == "sign" or (
                word.kind == "ar"
                and not numbers._may_count(word.norm)
                and (i + 1 == len(words) or words[i + 1].norm not in numbers._AND_FRACTIONS)
            ):
                assert reader.quantity(i) == (None, i + 1)


def _reference_is_noun(reader: numbers._Reader, i: int) -> bool:
    if not 0 <= i < len(reader.words):
        return False
    word = reader.words[i]
    if word.kind == "latin":
        return word.norm not in numbers._EN_STOPWORDS and word.norm not in numbers._EN_UNITS
    if word.kind != "ar" or numbers._is(word.norm, numbers._STOPWORDS):
        return False
    if word.norm[:1] in ("و", "ف") and word.norm[1:] in numbers._STOPWORDS:
        return False
    if numbers._word_number(word, first=True) is not None or numbers._is_pronoun_suffixed(
        word.norm
    ):
        return False
    return not (
        dates.lookup(word, dates.WEEKDAYS, article=True)
        or dates.month_at(reader.text, reader.words, i)
    )


@pytest.mark.parametrize("text", _texts(), ids=IDS)
def test_noun_test_matches_the_reference(text: str) -> None:
    for start, end in line_spans(text):
        reader = numbers._Reader(text[start:end])
        for i in range(-1, len(reader.words) + 1):
            assert reader.is_noun(i) == _reference_is_noun(reader, i)


@pytest.mark.parametrize("text", _texts(), ids=IDS)
def test_shared_word_scan_gives_the_same_facts(text: str) -> None:
    for start, end in line_spans(text):
        line = text[start:end]
        words = scan_words(line)
        assert dates.extract_dates(line, words=words) == dates.extract_dates(line)
        assert numbers.extract_quantities(line, words=words) == numbers.extract_quantities(line)


def test_document_facts_are_stable_across_repeated_calls() -> None:
    # memos shared between documents must not change a later document's facts
    text = "\n".join(_texts())
    spans = [(s, e, k) for k, (s, e) in enumerate(line_spans(text))]
    job = (text, "2025-03-03T10:00:00+00:00", spans)
    first = pickle.dumps(_document_facts(job))
    for other in _texts():
        _document_facts((other, None, [(s, e, k) for k, (s, e) in enumerate(line_spans(other))]))
    assert pickle.dumps(_document_facts(job)) == first
