"""Date, weekday and relative-time expressions, resolved against the publication date.

Arabic first (Gregorian, Levantine and Maghrebi month names, weekdays with يوم/ال and clitics,
اليوم/أمس/غدا, الأسبوع المقبل ...), with simple English support. A written weekday is checked
against the day it names (an explicit date, or أمس/اليوم/غدا resolved from the publication
date) and a disagreement is reported in ``DateMention.conflict``.
"""

from __future__ import annotations

import bisect
import calendar
import math
import re
from collections.abc import Container
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from wordfreq import freq_to_zipf, get_frequency_dict, zipf_frequency, zipf_to_freq

from dedupe.parallel import preload
from dedupe.text import WORD_MEMO, normalize, normalize_with_offsets, sentence_spans, strip_marks

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_NAMES = tuple(calendar.month_name)

# Normalized weekday names (see dedupe.text.normalize) without the article → 0=Monday..6=Sunday.
WEEKDAYS: dict[str, int] = {
    "اثنين": 0,
    "ثلاثاء": 1,
    "ثلثاء": 1,
    "اربعاء": 2,
    "خميس": 3,
    "جمعه": 4,
    "سبت": 5,
    "احد": 6,
    **{name.lower(): i for i, name in enumerate(WEEKDAY_NAMES)},
}

# Normalized month names → month number: Gregorian (Egypt/Gulf), Maghrebi, Levantine, English.
MONTHS: dict[str, int] = {
    "يناير": 1,
    "فبراير": 2,
    "مارس": 3,
    "ابريل": 4,
    "مايو": 5,
    "يونيو": 6,
    "يونيه": 6,
    "يوليو": 7,
    "يوليه": 7,
    "اغسطس": 8,
    "سبتمبر": 9,
    "اكتوبر": 10,
    "نوفمبر": 11,
    "ديسمبر": 12,
    "جانفي": 1,
    "فيفري": 2,
    "افريل": 4,
    "ماي": 5,
    "جوان": 6,
    "جويليه": 7,
    "اوت": 8,
    "يوليوز": 7,
    "غشت": 8,
    "شتنبر": 9,
    "نونبر": 11,
    "دجنبر": 12,
    "كانون الثاني": 1,
    "شباط": 2,
    "اذار": 3,
    "نيسان": 4,
    "ايار": 5,
    "حزيران": 6,
    "تموز": 7,
    "اب": 8,
    "ايلول": 9,
    "تشرين الاول": 10,
    "تشرين الثاني": 11,
    "كانون الاول": 12,
    **{name.lower(): i for i, name in enumerate(MONTH_NAMES) if name},
    **{name.lower(): i for i, name in enumerate(calendar.month_abbr) if name},
    "sept": 9,
}

# Month names that are also common words (مارس "practised", أب "father", May the verb): they count
# only next to a day number, a year, the word شهر/month or another month name.
_AMBIGUOUS_MONTHS = frozenset(
    {"مارس", "اب", "ماي", "جوان", "اوت", "may", "march"}
    | {name.lower() for name in calendar.month_abbr if name}
    | {"sept"}
)
_TWO_WORD_MONTH_HEADS = frozenset({"كانون", "تشرين"})
_ORDINAL_FIRST = frozenset({"الاول", "اول"})
_ORDINAL_SECOND = frozenset({"الثاني", "ثاني"})

_ARTICLES = frozenset(
    {"ال", "وال", "فال", "بال", "كال", "لل", "ولل", "فلل", "وبال", "وكال", "فبال"}
)
_PROCLITICS = (
    "وبال",
    "وكال",
    "فبال",
    "وال",
    "فال",
    "بال",
    "كال",
    "ولل",
    "فلل",
    "لل",
    "ال",
    "وب",
    "ول",
    "وك",
    "فب",
    "فل",
    "فك",
    "و",
    "ف",
    "ب",
    "ل",
    "ك",
)

_PAST = frozenset({"الماضي", "الماضيه", "المنصرم", "المنصرمه", "الفايت", "الفايته", "المنقضي"})
_NEXT = frozenset({"المقبل", "المقبله", "القادم", "القادمه"})
_CURRENT = frozenset({"الجاري", "الجاريه", "الحالي", "الحاليه"})
_EARLY = frozenset({"مطلع", "بدايه", "اوايل", "اول", "early"})
_LATE = frozenset({"نهايه", "اواخر", "اخر", "late"})
_DAYPARTS = frozenset({"صباح", "مساء", "ليل", "ليله", "فجر", "ظهر", "عصر", "ظهيره", "ضحي"})
_YEAR_WORDS = frozenset({"عام", "العام", "سنه", "السنه", "year"})
_YEAR_MARKERS = frozenset({"منذ", "حتي", "بحلول", "since", "until", "by"})
_YEAR_IN = frozenset({"في", "خلال", "in", "during"})
_SEPARATORS = frozenset({",", "،"})

_DAY_RELATIVES: dict[tuple[str, ...], int] = {
    ("اليوم",): 0,
    ("الليله",): 0,
    ("امس",): -1,
    ("الامس",): -1,
    ("البارحه",): -1,
    ("امس", "الاول"): -2,
    ("اول", "امس"): -2,
    ("غدا",): 1,
    ("الغد",): 1,
    ("بعد", "غد"): 2,
    ("today",): 0,
    ("tonight",): 0,
    ("yesterday",): -1,
    ("tomorrow",): 1,
}
_DAY_RELATIVE_EN = {
    0: "today",
    -1: "yesterday",
    -2: "the day before yesterday",
    1: "tomorrow",
    2: "the day after tomorrow",
}
# "اليوم" is "the day" before an ordinal or adjective (اليوم الثالث، اليوم التالي) and after
# a demonstrative (ذلك اليوم، نفس اليوم): then it is not today.
_NOT_TODAY_BEFORE = frozenset({"ذلك", "نفس", "ذات", "تلك"})
_PERIOD_UNITS = {"الاسبوع": "week", "الشهر": "month", "العام": "year", "السنه": "year"}
_PERIOD_UNITS_EN = {"week": "week", "month": "month", "year": "year"}
_THIS = frozenset({"هذا", "هذه"})

_FUTURE_CUES = frozenset(
    {
        "المقرر",
        "مقرر",
        "سوف",
        "المرتقب",
        "مرتقب",
        "المزمع",
        "مزمع",
        "المتوقع",
        "متوقع",
        "يعتزم",
        "تعتزم",
        "يعتزمان",
        "تعتزمان",
        "يعتزمون",
        "ينوي",
        "تنوي",
        "will",
        "scheduled",
        "expected",
        "plans",
        "due",
        "upcoming",
    }
)
_PAST_CUES = frozenset(
    {
        "قال",
        "قالت",
        "قالوا",
        "اعلن",
        "اعلنت",
        "اكد",
        "اكدت",
        "ذكر",
        "ذكرت",
        "افاد",
        "افادت",
        "اشار",
        "اشارت",
        "صرح",
        "صرحت",
        "اضاف",
        "اضافت",
        "اوضح",
        "اوضحت",
        "التقي",
        "التقت",
        "التقيا",
        "اجتمع",
        "اجتمعت",
        "اجتمعوا",
        "عقد",
        "عقدت",
        "جرت",
        "جري",
        "اجري",
        "اجرت",
        "اجريا",
        "وقع",
        "وقعت",
        "حدث",
        "شن",
        "شنت",
        "اطلق",
        "اطلقت",
        "اسقط",
        "اسقطت",
        "قتل",
        "وصل",
        "وصلت",
        "زار",
        "زارت",
        "غادر",
        "انتهي",
        "انتهت",
        "استمرت",
        "كان",
        "كانت",
        "اصدر",
        "اصدرت",
        "نشر",
        "نشرت",
        "عرض",
        "عرضت",
        "شهد",
        "شهدت",
        "said",
        "met",
        "held",
        "was",
        "were",
        "announced",
        "told",
        "launched",
    }
)
_CUE_WINDOW = 30
_LEAD_WORDS = frozenset(
    _DAYPARTS
    | {pattern[0] for pattern in _DAY_RELATIVES}
    | set(_PERIOD_UNITS)
    | _EARLY
    | _LATE
    | _THIS
    | _YEAR_WORDS
    | {"يوم"}
    | {"ال" + name for name in WEEKDAYS}
    | {name for name in MONTHS if " " not in name}
    | _TWO_WORD_MONTH_HEADS
)

_DIGIT = "0-9\u0660-\u0669\u06f0-\u06f9"
_TOKEN = re.compile(
    rf"(?P<digits>[{_DIGIT}]+(?:[.,\u066b\u066c][{_DIGIT}]+)*)"
    r"|(?P<ar>[\u0621-\u065f\u066e\u066f\u0670-\u06d3\u06d5-\u06ef\u06fa-\u06ff]+)"
    r"|(?P<latin>[A-Za-z\u00c0-\u024f]+(?:['’][A-Za-z]+)?)"
    r"|(?P<sign>[%\u066a])"
)
_DOTTED_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")


@dataclass(slots=True)  # not frozen: built for every word, and a frozen __init__ costs 4x
class Word:
    """A word, digit group or percent sign of a text, with its span and matching form
    (read-only by convention)."""

    start: int
    end: int
    text: str
    norm: str
    kind: str  # "ar" | "latin" | "digits" | "sign"


@dataclass(frozen=True, slots=True)
class DateMention:
    """A date, weekday or relative-time expression and the day range it resolves to."""

    start: int
    end: int
    text: str
    kind: str  # "explicit" | "month" | "weekday" | "relative" | "year"
    weekday: int | None
    earliest: date | None
    latest: date | None
    conflict: str


def scan_words(text: str) -> list[Word]:
    """Return the words, digit groups (with 1,500 / ٣٫٥ separators) and percent signs of ``text``.

    Shared by the facts extractors so that dates and quantities see the same units.
    """
    words = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "ar"
        surface = m.group()
        words.append(Word(m.start(), m.end(), surface, _normalize_word(surface), kind))
    return words


_normalize_word = lru_cache(maxsize=WORD_MEMO)(normalize)


@lru_cache(maxsize=1 << 16)
def _may_lead(norm: str) -> bool:
    """True when some reading of a word (see :func:`variants`) can open a date expression."""
    return any(rest in _ANY_LEAD for _, rest in variants(norm))


@lru_cache(maxsize=65536)
def variants(norm: str) -> tuple[tuple[str, str], ...]:
    """Return the (proclitic, rest) readings of a normalized word, the unsplit word first."""
    split = [
        (p, norm[len(p) :]) for p in _PROCLITICS if norm.startswith(p) and len(norm) > len(p) + 1
    ]
    return ("", norm), *split


def lookup(
    word: Word, table: Container[str], article: bool | None = None
) -> tuple[str, str] | None:
    """Return the first (proclitic, rest) reading of ``word`` whose rest is in ``table``.

    ``article`` True/False requires the proclitic to include/exclude the definite article.
    """
    if word.kind == "latin":
        return ("", word.norm) if word.norm in table and not article else None
    if word.kind != "ar":
        return None
    for prefix, rest in variants(word.norm):
        if rest in table and (article is None or (prefix in _ARTICLES) == article):
            return prefix, rest
    return None


def clitic_start(word: Word, prefix: str) -> int:
    """Return where ``word`` starts once a conjunction or preposition proclitic is dropped.

    The article is kept (والجمعة → الجمعة, بالأمس → الأمس); لل stays whole.
    """
    if prefix.endswith("ال"):
        drop = len(prefix) - 2
    elif prefix.endswith("لل"):
        drop = 0
    else:
        drop = len(prefix)
    if not drop:
        return word.start
    _, origin = normalize_with_offsets(word.text)
    return word.start + (origin[drop] if drop < len(origin) else len(word.text))


def joined(text: str, a: Word, b: Word) -> bool:
    """Return True when only spaces separate ``a`` and ``b``."""
    return not text[a.end : b.start].strip()


def small_int(word: Word) -> int | None:
    """Return the value of a digit group without separators (Arabic-Indic digits folded)."""
    return int(word.norm) if word.kind == "digits" and word.norm.isdigit() else None


_PLAIN_ARABIC = re.compile("[\u0621-\u063a\u0641-\u064a]+")


def zipf(word: str) -> float:
    """Return the Zipf frequency of an Arabic word (wordfreq): evidence that a form is a word.

    A word of plain Arabic letters (no marks, tatweel or digits) is looked up in wordfreq's
    table directly, with its rounding: its normalization and tokenizer leave such a word as it
    is, and cost far more than the lookup. Such a lookup is not memoized: the forms a text's
    words may stand for are mostly new ones (extracting the facts of 2,000 generated articles,
    49,813 of 788,221 calls repeated one), and their memo held 115 MiB, in each worker.
    """
    if not _PLAIN_ARABIC.fullmatch(word):
        return _zipf_other(word)
    freq = _arabic_frequencies().get(word)
    return _MISSING_ZIPF if freq is None else _zipf_of_frequency(freq)


@lru_cache(maxsize=WORD_MEMO)
def _zipf_other(word: str) -> float:
    return zipf_frequency(word, "ar")


@lru_cache(maxsize=1 << 12)  # (the table's frequencies are rounded: a few hundred values)
def _zipf_of_frequency(freq: float) -> float:
    """Return wordfreq's Zipf value of a frequency from its table, rounded as it rounds it."""
    freq = max(1.0 / (1.0 / freq), _MIN_FREQ)
    freq = round(freq, math.floor(-math.log(freq, 10)) + 3)
    return round(freq_to_zipf(freq), 2)


_MIN_FREQ = zipf_to_freq(0.0)
_MISSING_ZIPF = round(freq_to_zipf(_MIN_FREQ), 2)


@preload  # 620,000 words, half a second to read: read once, not again in every worker
@lru_cache(maxsize=1)
def _arabic_frequencies() -> dict[str, float]:
    return get_frequency_dict("ar", "best")


def month_at(text: str, words: list[Word], i: int) -> tuple[int, int, bool] | None:
    """Return (month, index after the name, ambiguous) when a month name starts at ``words[i]``.

    Handles two-word Levantine names (كانون الثاني) and proclitics (وديسمبر، بآذار).
    """
    if i >= len(words):
        return None
    word = words[i]
    if i + 1 < len(words) and joined(text, word, words[i + 1]):
        head = lookup(word, _TWO_WORD_MONTH_HEADS, article=False)
        second = words[i + 1].norm
        if head and (second in _ORDINAL_FIRST or second in _ORDINAL_SECOND):
            key = f"{head[1]} {'الاول' if second in _ORDINAL_FIRST else 'الثاني'}"
            return MONTHS[key], i + 2, False
    hit = lookup(word, MONTHS, article=False)
    if hit is None or " " in hit[1]:
        return None
    prefix, name = hit
    ambiguous = name in _AMBIGUOUS_MONTHS
    if name == "اب" and strip_marks(word.text)[len(prefix) :].startswith("آ"):
        ambiguous = False
    return MONTHS[name], i + 1, ambiguous


def _year_value(word: Word) -> int | None:
    value = small_int(word)
    return value if value is not None and len(word.norm) == 4 and 1800 <= value <= 2100 else None


def _local_date(published: datetime | date | None) -> date | None:
    if isinstance(published, datetime):
        return published.date()
    return published


def _shift(day: date | None, days: int) -> date | None:
    return None if day is None else day + timedelta(days=days)


def _month_range(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _add_months(day: date, months: int) -> tuple[int, int]:
    index = day.year * 12 + day.month - 1 + months
    return index // 12, index % 12 + 1


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


@dataclass(slots=True)
class _Found:
    next: int
    end: int
    kind: str
    weekday: int | None = None
    earliest: date | None = None
    latest: date | None = None
    conflict: str = ""


class _Scanner:
    def __init__(self, text: str, published: date | None, words: list[Word] | None) -> None:
        self.text = text
        self.words = scan_words(text) if words is None else words
        self.pub = published
        self.sentence_starts = [s for s, _ in sentence_spans(text)] or [0]

    def joined(self, i: int, j: int) -> bool:
        return 0 <= i < j < len(self.words) and joined(self.text, self.words[i], self.words[j])

    def bare(self, i: int, table: Container[str], article: bool | None = None) -> str | None:
        if not 0 <= i < len(self.words):
            return None
        hit = lookup(self.words[i], table, article)
        return hit[1] if hit else None

    def mention(self, i: int) -> tuple[DateMention, int] | None:
        word = self.words[i]
        if word.kind == "sign" or (word.kind != "digits" and not _may_lead(word.norm)):
            return None
        start_word = i
        part = self.bare(i, _DAYPARTS, article=False)
        if part and self.joined(i, i + 1):
            i += 1
        else:
            part = None
        found = self.relative(i) or self.weekday(i) or self.calendar(i)
        if found is None:
            return None
        if part == "ليله" and found.earliest and found.earliest == found.latest:
            found.earliest = found.earliest - timedelta(days=1)
        first = self.words[start_word]
        start = clitic_start(first, _lead_prefix(first))
        mention = DateMention(
            start=start,
            end=found.end,
            text=self.text[start : found.end],
            kind=found.kind,
            weekday=found.weekday,
            earliest=found.earliest,
            latest=found.latest,
            conflict=found.conflict,
        )
        return mention, found.next

    # -- relative expressions ------------------------------------------------------------------

    def relative(self, i: int) -> _Found | None:
        return self.day_relative(i) or self.period(i)

    def day_relative(self, i: int) -> _Found | None:
        words = self.words
        for pattern in sorted(_DAY_RELATIVES, key=len, reverse=True):
            if not self._matches(i, pattern):
                continue
            j = i + len(pattern)
            offset = _DAY_RELATIVES[pattern]
            if pattern == ("اليوم",) and not self._is_today(i):
                return None
            if pattern == ("الليله",) and self.bare(j, _PAST) and self.joined(j - 1, j):
                return _Found(j + 1, words[j].end, "relative", None, *self._days(-1, 0))
            found = _Found(j, words[j - 1].end, "relative", None, *self._days(offset, offset))
            wd = self._weekday_word(j) if self.joined(j - 1, j) else None
            if wd is not None:
                found.next, found.end, found.weekday = j + 1, words[j].end, wd
                after = self._attached_calendar(j + 1)
                if after is not None:
                    return self._with_weekday(after, wd)
                day = found.earliest
                if day is not None and day.weekday() != wd:
                    found.conflict = (
                        f"written {WEEKDAY_NAMES[wd]} but {_DAY_RELATIVE_EN[offset]} "
                        f"({day.isoformat()}) is a {WEEKDAY_NAMES[day.weekday()]}"
                    )
            return found
        return None

    def _matches(self, i: int, pattern: tuple[str, ...]) -> bool:
        for k, expected in enumerate(pattern):
            j = i + k
            if j >= len(self.words) or (k and not self.joined(j - 1, j)):
                return False
            word = self.words[j]
            if k == 0:
                hit = lookup(word, {expected})
                if hit is None or hit[0] in _ARTICLES:
                    return False
            elif word.norm != expected:
                return False
        return True

    def _is_today(self, i: int) -> bool:
        if i > 0 and self.joined(i - 1, i) and self.bare(i - 1, _NOT_TODAY_BEFORE):
            return False
        j = i + 1
        if j < len(self.words) and self.joined(i, j):
            nxt = self.words[j]
            if nxt.kind == "ar" and nxt.norm.startswith("ال") and self._weekday_word(j) is None:
                return False
        return True

    def _days(self, a: int, b: int) -> tuple[date | None, date | None]:
        return _shift(self.pub, a), _shift(self.pub, b)

    def period(self, i: int) -> _Found | None:
        words = self.words
        j = i
        edge = ""
        if self.bare(j, _EARLY | _LATE, article=False) and self.joined(j, j + 1):
            edge = "early" if self.bare(j, _EARLY, article=False) else "late"
            j += 1
        this = False
        if words[j].kind == "latin":
            mod_word = words[j].norm
            if mod_word not in ("last", "next", "this") or not self.joined(j, j + 1):
                return None
            unit = _PERIOD_UNITS_EN.get(words[j + 1].norm)
            if unit is None:
                return None
            mod = {"last": "past", "next": "next", "this": "current"}[mod_word]
            end_index = j + 2
        else:
            if self.bare(j, _THIS, article=False) and self.joined(j, j + 1):
                this = True
                j += 1
            unit_word = self.bare(j, _PERIOD_UNITS)
            if unit_word is None:
                return None
            unit = _PERIOD_UNITS[unit_word]
            if this:
                mod, end_index = "current", j + 1
            elif self.joined(j, j + 1) and words[j + 1].norm in _PAST | _NEXT | _CURRENT:
                nxt = words[j + 1].norm
                mod = "past" if nxt in _PAST else "next" if nxt in _NEXT else "current"
                end_index = j + 2
            elif unit == "week" and edge == "late":
                mod, end_index = "current", j + 1
            else:
                return None
        earliest, latest = self._period_range(unit, mod, edge)
        return _Found(end_index, words[end_index - 1].end, "relative", None, earliest, latest)

    def _period_range(self, unit: str, mod: str, edge: str) -> tuple[date | None, date | None]:
        pub = self.pub
        if pub is None:
            return None, None
        if unit == "week":
            # The week may start on Saturday, Sunday or Monday: cover every convention.
            first = {"past": -13, "current": -6, "next": 1}[mod]
            a, b = first, first + 12
            if edge == "early":
                b = a + 8
            elif edge == "late":
                a = b - 8
            return pub + timedelta(days=a), pub + timedelta(days=b)
        if unit == "month":
            year, month = _add_months(pub, {"past": -1, "current": 0, "next": 1}[mod])
            a, b = _month_range(year, month)
            if edge == "early":
                b = date(year, month, 10)
            elif edge == "late":
                a = date(year, month, 21)
            return a, b
        year = pub.year + {"past": -1, "current": 0, "next": 1}[mod]
        a, b = date(year, 1, 1), date(year, 12, 31)
        if edge == "early":
            b = date(year, 4, 30)
        elif edge == "late":
            a = date(year, 9, 1)
        return a, b

    # -- weekdays --------------------------------------------------------------------------------

    def _weekday_word(self, i: int, article: bool | None = True) -> int | None:
        if i >= len(self.words):
            return None
        word = self.words[i]
        if word.kind == "latin":
            return WEEKDAYS.get(word.norm) if word.text[:1].isupper() else None
        name = self.bare(i, WEEKDAYS, article=article)
        if name is None:
            return None
        if name == "احد" and self.joined(i, i + 1) and self.words[i + 1].norm in ("عشر", "عشره"):
            return None
        return WEEKDAYS[name]

    def weekday(self, i: int) -> _Found | None:
        words = self.words
        j = i
        english_mod = ""
        if words[j].kind == "latin" and words[j].norm in ("last", "next", "this"):
            if not self.joined(j, j + 1):
                return None
            english_mod = words[j].norm
            j += 1
        wd = self._weekday_word(j)
        if wd is None and self.bare(j, {"يوم"}, article=False) and self.joined(j, j + 1):
            j += 1
            wd = self._weekday_word(j, article=None)
        if wd is None:
            return None
        end_index = j + 1
        mod = {"last": "past", "next": "next"}.get(english_mod, "")
        if not mod and self.joined(j, j + 1):
            nxt = words[j + 1].norm
            if nxt in _PAST or nxt in _NEXT:
                mod = "past" if nxt in _PAST else "next"
                end_index = j + 2
        if not mod:
            after = self._attached_calendar(end_index)
            if after is not None:
                return self._with_weekday(after, wd)
        found = _Found(end_index, words[end_index - 1].end, "relative" if mod else "weekday", wd)
        if self.pub is not None:
            found.earliest, found.latest = self._resolve_weekday(i, wd, mod)
        return found

    def _resolve_weekday(self, i: int, wd: int, mod: str) -> tuple[date, date]:
        pub = self.pub
        assert pub is not None
        back = (pub.weekday() - wd) % 7
        ahead = (wd - pub.weekday()) % 7
        if mod == "past":
            day = pub - timedelta(days=back or 7)
            return day, day
        if mod == "next":
            day = pub + timedelta(days=ahead or 7)
            return day, day
        if back == 0:
            return pub, pub
        past, future = pub - timedelta(days=back), pub + timedelta(days=ahead)
        tense = self._tense_before(i)
        if tense == "past":
            return past, past
        if tense == "future":
            return future, future
        if abs(back - ahead) == 1:
            return past, future
        return (past, past) if back < ahead else (future, future)

    def _tense_before(self, i: int) -> str | None:
        sentence = self.sentence_starts[
            max(0, bisect.bisect_right(self.sentence_starts, self.words[i].start) - 1)
        ]
        for k in range(i - 1, max(-1, i - 1 - _CUE_WINDOW), -1):
            word = self.words[k]
            if word.start < sentence:
                break
            if lookup(word, _FUTURE_CUES) or _is_future_verb(word):
                return "future"
            if lookup(word, _PAST_CUES):
                return "past"
        return None

    def _with_weekday(self, found: _Found, wd: int) -> _Found:
        found.weekday = wd
        day = found.earliest
        if found.kind == "explicit" and day is not None and day == found.latest:
            if day.weekday() != wd:
                found.conflict = (
                    f"written {WEEKDAY_NAMES[wd]} but {day.isoformat()} "
                    f"is a {WEEKDAY_NAMES[day.weekday()]}"
                )
        return found

    def _attached_calendar(self, j: int) -> _Found | None:
        """An explicit date right after a weekday: 'الأحد 14 ديسمبر', 'الأحد، الموافق 14/12'."""
        if j >= len(self.words):
            return None
        text = self.text
        between = text[self.words[j - 1].end : self.words[j].start].strip()
        if between and between not in _SEPARATORS:
            return None
        if self.words[j].norm == "الموافق":
            if not self.joined(j, j + 1):
                return None
            j += 1
        found = self.calendar(j)
        return found if found is not None and found.kind == "explicit" else None

    # -- calendar dates ------------------------------------------------------------------------

    def calendar(self, i: int) -> _Found | None:
        return self.numeric(i) or self.explicit(i) or self.month(i) or self.year(i)

    def numeric(self, i: int) -> _Found | None:
        words = self.words
        word = words[i]
        if word.kind != "digits":
            return None
        m = _DOTTED_DATE.fullmatch(word.norm)
        if m:
            parts, end_index = [m.group(1), m.group(2), m.group(3)], i + 1
        else:
            if i + 2 >= len(words) or any(w.kind != "digits" for w in words[i + 1 : i + 3]):
                return None
            seps = {self.text[words[k].end : words[k + 1].start] for k in (i, i + 1)}
            if len(seps) != 1 or seps.pop() not in ("/", "-"):
                return None
            parts, end_index = [w.norm for w in words[i : i + 3]], i + 3
        if not all(p.isdigit() for p in parts):
            return None
        if len(parts[0]) == 4:
            year, month, day = (int(p) for p in parts)
        elif len(parts[2]) == 4:
            day, month, year = (int(p) for p in parts)
            if month > 12 >= day:
                day, month = month, day
        else:
            return None
        value = _safe_date(year, month, day)
        if value is None:
            return None
        return _Found(end_index, words[end_index - 1].end, "explicit", None, value, value)

    def explicit(self, i: int) -> _Found | None:
        words = self.words
        day = small_int(words[i])
        if day is not None and 1 <= day <= 31 and len(words[i].norm) <= 2:
            j = i + 1
            if self.bare(j, {"من"}) == "من" and words[j].norm == "من" and self.joined(i, j):
                j += 1
            if not self.joined(j - 1, j):
                return None
            month = month_at(self.text, words, j)
            if month is None:
                return None
            return self._after_month(i, month[0], month[1], day)
        month = month_at(self.text, words, i)
        if month is None or not self.joined(month[1] - 1, month[1]):
            return None
        day = small_int(words[month[1]])
        if day is None or not 1 <= day <= 31 or len(words[month[1]].norm) > 2:
            return None
        return self._after_month(i, month[0], month[1] + 1, day)

    def month(self, i: int) -> _Found | None:
        found = month_at(self.text, self.words, i)
        if found is None:
            return None
        month, j, ambiguous = found
        result = self._after_month(i, month, j, None)
        if ambiguous and not self._month_context(i, j, result):
            return None
        return result

    def _month_context(self, i: int, j: int, result: _Found) -> bool:
        if result.next > j:
            return True
        return i > 0 and self.joined(i - 1, i) and self.bare(i - 1, {"شهر", "month"}) is not None

    def _after_month(self, i: int, month: int, j: int, day: int | None) -> _Found:
        words, text = self.words, self.text
        end = words[j - 1].end
        conflict = ""
        # Second spelling of the same month: أغسطس/آب، ديسمبر (كانون الأول)
        if j < len(words):
            between = text[end : words[j].start].strip()
            if between in ("/", "(", "-", "–"):
                other = month_at(text, words, j)
                if other is not None:
                    if other[0] != month:
                        conflict = (
                            f"month written as {MONTH_NAMES[month]} and {MONTH_NAMES[other[0]]}"
                        )
                    j = other[1]
                    end = words[j - 1].end
                    if between == "(" and text[end : end + 2].strip()[:1] == ")":
                        end = text.index(")", end) + 1
        year = None
        k = j
        if k < len(words) and text[end : words[k].start].strip() in ("", *_SEPARATORS):
            if self.bare(k, _YEAR_WORDS) and self.joined(k, k + 1):
                k += 1
            year = _year_value(words[k])
        if year is not None:
            end, j = words[k].end, k + 1
            if j < len(words) and words[j].norm == "م" and self.joined(k, j):
                end, j = words[j].end, j + 1
        mod = ""
        if year is None and self.joined(j - 1, j):
            nxt = words[j].norm
            if nxt in _PAST or nxt in _NEXT or nxt in _CURRENT:
                mod = "past" if nxt in _PAST else "next" if nxt in _NEXT else "current"
                end, j = words[j].end, j + 1
        kind = "explicit" if day is not None else "month"
        found = _Found(j, end, kind, conflict=conflict)
        found.earliest, found.latest = self._resolve_calendar(year, month, day, mod)
        return found

    def _resolve_calendar(
        self, year: int | None, month: int, day: int | None, mod: str
    ) -> tuple[date | None, date | None]:
        pub = self.pub
        if year is not None:
            if day is None:
                return _month_range(year, month)
            value = _safe_date(year, month, day)
            return value, value
        if pub is None:
            return None, None
        options = []
        for y in (pub.year - 1, pub.year, pub.year + 1):
            if day is None:
                a, b = _month_range(y, month)
            else:
                value = _safe_date(y, month, day)
                if value is None:
                    continue
                a = b = value
            options.append((a, b))
        if not options:
            return None, None
        if mod == "past":
            before = [(a, b) for a, b in options if b < pub]
            return before[-1] if before else (None, None)
        if mod == "next":
            after = [(a, b) for a, b in options if a > pub]
            return after[0] if after else (None, None)
        if mod == "current":
            current = [(a, b) for a, b in options if a.year == pub.year]
            return current[0] if current else (None, None)
        return min(options, key=lambda ab: _distance(ab, pub))

    def year(self, i: int) -> _Found | None:
        words = self.words
        if self.bare(i, _YEAR_WORDS) and self.joined(i, i + 1):
            value = _year_value(words[i + 1])
            j = i + 2
        else:
            value = _year_value(words[i])
            j = i + 1
            prev = self.bare(i - 1, _YEAR_MARKERS) if i > 0 and self.joined(i - 1, i) else None
            if i > 0 and self.joined(i - 1, i) and self.bare(i - 1, _YEAR_IN):
                prev = prev or ("" if self.joined(i, i + 1) else "in")
            bracketed = self.text[words[i].start - 1 : words[i].start] == "(" and (
                self.text[words[i].end : words[i].end + 1] == ")"
            )
            suffixed = j < len(words) and words[j].norm == "م" and self.joined(i, j)
            if value is None or not (prev or bracketed or suffixed):
                return None
        if value is None:
            return None
        if j < len(words) and words[j].norm == "م" and self.joined(j - 1, j):
            j += 1
        return _Found(j, words[j - 1].end, "year", None, date(value, 1, 1), date(value, 12, 31))


_ANY_LEAD = frozenset(
    _LEAD_WORDS | set(WEEKDAYS) | {"بعد", "غد", "last", "next", "this", "الموافق"}
)


def _lead_prefix(word: Word) -> str:
    """The conjunction or preposition glued to the first word of a mention (و، ب، ل، ف، ك)."""
    if word.kind != "ar":
        return ""
    for prefix, rest in variants(word.norm):
        if prefix and prefix not in _ARTICLES and rest in _LEAD_WORDS:
            return prefix
    return ""


def _distance(span: tuple[date, date], day: date) -> int:
    a, b = span
    if a <= day <= b:
        return 0
    return min(abs((a - day).days), abs((b - day).days))


def _is_future_verb(word: Word) -> bool:
    """س + present-tense verb (سيجتمع، ستعقد، وسيأتي), checked against word frequencies."""
    if word.kind != "ar":
        return False
    surface = strip_marks(word.text)
    for prefix in ("", "و", "ف"):
        rest = surface[len(prefix) :]
        if not surface.startswith(prefix) or len(rest) < 5:
            continue
        if rest[0] == "س" and rest[1] in "يتنأ":
            verb = rest[1:]
            if zipf(verb) >= 3.0 and zipf(verb) > zipf(rest):
                return True
    return False


def extract_dates(
    text: str, published: datetime | date | None = None, *, words: list[Word] | None = None
) -> list[DateMention]:
    """Return the date, weekday and relative-time mentions of ``text`` in order.

    ``published`` (a timezone-aware datetime is fine; its own local date is used) anchors
    relative words and bare weekdays; without it those keep ``earliest``/``latest`` as None.
    ``words`` is ``scan_words(text)`` when the caller already has it.
    """
    scanner = _Scanner(text, _local_date(published), words)
    mentions = []
    i = 0
    n = len(scanner.words)
    while i < n:
        word = scanner.words[i]
        if word.kind == "sign" or (word.kind != "digits" and not _may_lead(word.norm)):
            i += 1  # what mention(i) would conclude at once
            continue
        found = scanner.mention(i)
        if found is None:
            i += 1
            continue
        mention, i = found
        mentions.append(mention)
    return mentions


def ranges_overlap(a: DateMention, b: DateMention) -> bool | None:
    """Return whether two mentions can name the same day; None when either is unresolved."""
    if a.earliest is None or a.latest is None or b.earliest is None or b.latest is None:
        return None
    return a.earliest <= b.latest and b.earliest <= a.latest
