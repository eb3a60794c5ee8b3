"""Quantities with the noun they count: digits, Arabic number words, duals, percentages.

Arabic first, with simple English support. Every quantity carries the span of what was
written, a comparable key for the counted noun (singular, dual, plural, tanween and article
forms of a noun share one key) and qualifiers that tell two figures apart before anyone
compares them: approximate or bounded, an updated toll, the original or the revised plan,
killed or injured, a duration, an ordinal, a year, a percentage.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from dedupe.facts.dates import WEEKDAYS, Word, clitic_start, lookup, month_at, scan_words, zipf
from dedupe.facts.dates import joined as _joined
from dedupe.facts.tokens import vocabulary
from dedupe.text import normalize, normalize_with_offsets, strip_marks


@dataclass(frozen=True, slots=True)
class Quantity:
    """A number as written, what it counts and how it is qualified, with character spans."""

    start: int
    end: int
    value: float
    number_text: str
    number_start: int
    number_end: int
    noun: str
    noun_key: str
    noun_start: int
    noun_end: int
    approximate: bool
    bound: str  # "" | "at_least" | "at_most"
    qualifiers: tuple[str, ...]


QUALIFIERS = (
    "updated",
    "original",
    "revised",
    "killed",
    "injured",
    "duration",
    "ordinal",
    "year",
    "percent",
    "fraction",
)

# -- number words (normalized: أ/إ/آ→ا، ى→ي، ة→ه، ئ→ي) -------------------------------------------

_UNITS = {
    "واحد": 1,
    "واحده": 1,
    "اثنان": 2,
    "اثنين": 2,
    "اثنتان": 2,
    "اثنتين": 2,
    "اثنا": 2,
    "اثني": 2,
    "اثنتا": 2,
    "اثنتي": 2,
    "ثلاث": 3,
    "ثلاثه": 3,
    "اربع": 4,
    "اربعه": 4,
    "خمس": 5,
    "خمسه": 5,
    "ست": 6,
    "سته": 6,
    "سبع": 7,
    "سبعه": 7,
    "ثمان": 8,
    "ثماني": 8,
    "ثمانيه": 8,
    "تسع": 9,
    "تسعه": 9,
}
_TEN = {"عشر": 10, "عشره": 10}
_TEEN_ONE = {"احد": 1, "احدي": 1}  # أحد/إحدى only before عشر/عشرة
_TENS = {
    stem + ending: value
    for stem, value in (
        ("عشر", 20),
        ("ثلاث", 30),
        ("اربع", 40),
        ("خمس", 50),
        ("ست", 60),
        ("سبع", 70),
        ("ثمان", 80),
        ("تسع", 90),
    )
    for ending in ("ون", "ين")
}
_HUNDRED = {"ميه", "مايه"}
_HUNDREDS = {"ميتان": 200, "ميتين": 200, "مايتان": 200, "مايتين": 200}
_HUNDREDS |= {"ميتا": 200, "ميتي": 200, "مايتا": 200, "مايتي": 200}
_HUNDREDS |= {
    stem + hundred: value * 100
    for stem, value in (
        ("ثلاث", 3),
        ("اربع", 4),
        ("خمس", 5),
        ("ست", 6),
        ("سبع", 7),
        ("ثمان", 8),
        ("ثماني", 8),
        ("تسع", 9),
    )
    for hundred in ("ميه", "مايه")
}
_SCALES = {"الف": 1e3, "مليون": 1e6, "مليار": 1e9, "بليون": 1e9}
_PLURAL_SCALES = {"الاف": 1e3, "ملايين": 1e6, "مليارات": 1e9, "بلايين": 1e9}
# ألفا/مليونا: the accusative singular after a multiplier (خمسة عشر ألفا), a dual on their own.
_ACCUSATIVE_SCALES = {"الفا": 1e3, "مليونا": 1e6, "مليارا": 1e9}
_DUAL_SCALES = {"الفان": 2e3, "الفين": 2e3, "الفي": 2e3, "مليونان": 2e6, "مليونين": 2e6}
_DUAL_SCALES |= {"ملياران": 2e9, "مليارين": 2e9}
_FRACTIONS = {"نصف": 0.5, "ربع": 0.25, "ثلث": 1 / 3, "ثلثا": 2 / 3, "ثلثي": 2 / 3}
# Words that read as a number once a proclitic is split off but are something else (لست "I am not").
_NOT_NUMBERS = frozenset({"لست", "لستم", "لستن", "لسنا"})

_EN_UNITS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_EN_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9}

_ORDINALS = {
    "ثاني": 2,
    "ثانيه": 2,
    "ثالث": 3,
    "ثالثه": 3,
    "رابع": 4,
    "رابعه": 4,
    "خامس": 5,
    "خامسه": 5,
    "سادس": 6,
    "سادسه": 6,
    "سابع": 7,
    "سابعه": 7,
    "ثامن": 8,
    "ثامنه": 8,
    "تاسع": 9,
    "تاسعه": 9,
    "عاشر": 10,
    "عاشره": 10,
}
_ORDINAL_TEEN_ONE = {"حادي": 1, "حاديه": 1}
_EN_ORDINAL_SUFFIXES = frozenset({"st", "nd", "rd", "th"})

# -- counted nouns -------------------------------------------------------------------------------

# Broken plurals of general news vocabulary → singular (readable; keys are derived below).
_BROKEN_PLURALS = dict(
    pair.split(":")
    for pair in (
        "قتلى:قتيل جرحى:جريح موتى:ميت أموات:ميت أسرى:أسير شهداء:شهيد ضحايا:ضحية أشخاص:شخص "
        "أطفال:طفل نساء:امرأة رجال:رجل جنود:جندي عناصر:عنصر أفراد:فرد رهائن:رهينة نواب:نائب "
        "وزراء:وزير قادة:قائد مصادر:مصدر دول:دولة بلدان:بلد مدن:مدينة قرى:قرية مناطق:منطقة "
        "مواقع:موقع منازل:منزل بيوت:بيت مبان:مبنى مباني:مبنى مدارس:مدرسة مساجد:مسجد سفن:سفينة "
        "قوارب:قارب صواريخ:صاروخ قذائف:قذيفة مدافع:مدفع أسلحة:سلاح أرصفة:رصيف موانئ:ميناء "
        "جسور:جسر طرق:طريق نقاط:نقطة بنود:بند مواد:مادة أهداف:هدف هجمات:هجوم أطنان:طن "
        "أمتار:متر براميل:برميل ملايين:مليون مليارات:مليار آلاف:ألف أصوات:صوت مقاعد:مقعد "
        "أسر:أسرة وفيات:وفاة أوقات:وقت مرات:مرة ساعات:ساعة دقائق:دقيقة ثوان:ثانية ثواني:ثانية "
        "أيام:يوم أسابيع:أسبوع أشهر:شهر شهور:شهر سنوات:سنة سنين:سنة أعوام:عام عقود:عقد "
        "قرون:قرن ليال:ليلة ليالي:ليلة"
    ).split()
)
# Masculine nouns whose plural is broken, so a -ين/-ان form of them can only be a dual.
_DUAL_NOUNS = (
    "يوم شهر عام أسبوع عقد قرن وقت شخص طفل رجل جندي قتيل جريح أسير شهيد وزير بلد بيت منزل "
    "موقع صاروخ مدفع قارب رصيف جسر طريق هدف بند هجوم طن متر برميل مقعد صوت مسجد"
).split()
_TIME_UNITS = "ساعة دقيقة ثانية يوم أسبوع شهر سنة عام عقد قرن ليلة".split()
_EN_TIME_UNITS = "hour minute second day week month year decade century night".split()
# Singular nouns that end like a sound plural or dual (مليون is not ملي + ون).
_SINGULAR_ENDINGS = frozenset(
    normalize(w) for w in "مليون بليون تريليون قانون زيتون كانون صالون بنزين".split()
)
_KILLED = "قتيل شهيد ميت وفاة killed dead death fatality".split()
_INJURED = "جريح مصاب إصابة injured wounded injury".split()
_PERSONS = "شخص فرد إنسان نسمة person individual".split()
# Words around a figure that say what happened to the people counted: مقتل 20 شخصا.
_KILLED_BEFORE = frozenset(
    normalize(w) for w in "مقتل قتل قتلت استشهاد استشهد وفاة مصرع لقي بحياة killing".split()
)
_INJURED_BEFORE = frozenset(normalize(w) for w in "إصابة إصابات جرح أصيب أصيبت injuring".split())
# An English verb right before the figure it takes as object: the storm killed 12 people. (Not
# a word further back: 120 were injured and 2,000 evacuated.)
_EN_KILLED_VERB = frozenset("killed kill kills".split())
_EN_INJURED_VERB = frozenset("injured wounded wounding hurting".split())
_KILLED_AFTER = frozenset(normalize(w) for w in "قتلوا لقوا استشهدوا killed dead died".split())
_INJURED_AFTER = frozenset(normalize(w) for w in "أصيبوا جرحوا injured wounded hurt".split())
# English puts auxiliaries between the people counted and what befell them: 34 people were
# killed, 120 had been injured.
_EN_AUXILIARIES = frozenset("were was are is have has had been being reportedly".split())
_AUXILIARY_RUN = 3  # auxiliaries passed over at most
_TIME_OF_DAY = frozenset(normalize(w) for w in "صباحا مساء مساءا ظهرا فجرا عصرا ليلا am pm".split())
_CLOCK = frozenset({"الساعه", "والساعه", "بالساعه"})

_EN_IRREGULAR = {
    "people": "person",
    "men": "man",
    "women": "woman",
    "children": "child",
    "dead": "death",
    "deaths": "death",
    "fatalities": "fatality",
}

# Adjectives that commonly follow a counted noun (the phrase keeps them, the key does not).
_ADJECTIVES = frozenset(
    normalize(w)
    for w in (
        "مسيرة مسير حربية مقاتلة مفخخة انتحارية جديد جديدة إضافي إضافية كامل كاملة متتالية "
        "متتالي مسلح مسلحة مسلحين"
    ).split()
)
_NISBA_ENDINGS = ("ي", "يه", "يين", "يون", "يات")

# Words that end a number phrase instead of being the counted noun.
_STOPWORDS = frozenset(
    normalize(w)
    for w in (
        "من منها منهم منه منهما منهن في فيها فيهم فيه على عليها عليهم عليه إلى إليها إليهم "
        "عن عنها عنهم منذ بعد قبل حتى مع أو أم ثم لكن بين خلال نحو حوالي حوالى أكثر أقل فقط "
        "تقريبا أخرى أخرين آخرين آخر آخرون أخريات هو هي هم هما هن هذا هذه ذلك تلك التي الذي "
        "الذين اللذين اللتين اللواتي إن أن لا لم لن ما كما وفق وفقا حسب عند لدى كل بعض جميع أي "
        "قد كان كانت يكون تكون وهو وهي وهم فيما بينما إذا عبر ضد دون بدون بلا مقابل نفسه ذاته "
        "الماضي الماضية المقبل المقبلة القادم القادمة الجاري الحالي"
    ).split()
)
_EN_STOPWORDS = frozenset(
    "of the a an and or to in on at by for from with per than as is are was were be been "
    "being have has had will would could can may might must should do does did "
    "more less about around over under up this that these those it its their his her "
    "percent cent".split()
)
# Words after a number written in words that show it is a count even without a noun.
_OF = frozenset(normalize(w) for w in "من منها منهم منهن آخرين آخرون أخرى أخريات of others".split())

# Words before a figure that make it approximate or a bound, longest first.
_APPROX_BEFORE: tuple[tuple[tuple[str, ...], str], ...] = tuple(
    sorted(
        (
            (("ما", "لا", "يقل", "عن"), "at_least"),
            (("لا", "يقل", "عن"), "at_least"),
            (("ما", "يزيد", "عن"), "at_least"),
            (("ما", "يزيد", "علي"), "at_least"),
            (("يزيد", "عن"), "at_least"),
            (("يزيد", "علي"), "at_least"),
            (("اكثر", "من"), "at_least"),
            (("ازيد", "من"), "at_least"),
            (("اقل", "من"), "at_most"),
            (("ما", "يصل", "الي"), "at_most"),
            (("ما", "يقرب", "من"), ""),
            (("ما", "يقارب"), ""),
            (("ما", "يناهز"), ""),
            (("يقارب",), ""),
            (("يناهز",), ""),
            (("نحو",), ""),
            (("حوالي",), ""),
            (("قرابه",), ""),
            (("زهاء",), ""),
            (("more", "than"), "at_least"),
            (("at", "least"), "at_least"),
            (("over",), "at_least"),
            (("less", "than"), "at_most"),
            (("fewer", "than"), "at_most"),
            (("up", "to"), "at_most"),
            (("at", "most"), "at_most"),
            (("under",), "at_most"),
            (("about",), ""),
            (("around",), ""),
            (("approximately",), ""),
            (("roughly",), ""),
            (("nearly",), ""),
            (("almost",), ""),
            (("some",), ""),
            (("an", "estimated"), ""),
            (("estimated",), ""),
        ),
        key=lambda item: -len(item[0]),
    )
)
_APPROX_AFTER: tuple[tuple[tuple[str, ...], str], ...] = (
    (("علي", "الاقل"), "at_least"),
    (("تقريبا",), ""),
    (("at", "least"), "at_least"),
    (("or", "more"), "at_least"),
    (("approximately",), ""),
)
_TREND_STEMS = tuple(
    normalize(w)
    for w in (
        "ارتفع يرتفع ترتفع ارتفاع لترتفع ليرتفع قفز يقفز تقفز صعد زاد ازداد انخفض ينخفض تنخفض "
        "تراجع يتراجع وصل يصل تصل لتصل ليصل"
    ).split()
)
_EN_TREND = frozenset(
    "rose risen rises rising climbed climbs jumped increased soared grew fell dropped".split()
)
_TREND_WINDOW = 6
_TO = frozenset({"الي", "to"})
_ORIGINAL = frozenset(
    normalize(w)
    for w in "أصلي أصلية أولى أولي أولية أول قديم قديمة سابق سابقة original initial earlier".split()
)
_REVISED = frozenset(
    normalize(w)
    for w in "معدل معدلة جديد جديدة محدث محدثة منقح منقحة revised updated amended new".split()
)
_QUALIFIER_BACK = 5
_QUALIFIER_AHEAD = 3
_COUNT_WORDS = frozenset({"عدد", "حصيله", "number", "toll"})
_YEAR_MARKERS = frozenset(
    normalize(w)
    for w in "عام العام سنة السنة منذ حتى بحلول مطلع أواخر أوائل نهاية بداية منتصف".split()
) | {"in", "since", "year", "until", "by"}
_PERCENT_WORDS = (("في", "الميه"), ("في", "المايه"), ("بالميه",), ("بالمايه",), ("percent",))
_PERCENT_WORDS += (("per", "cent"),)
_ARTICLE_PREFIXES = ("وبال", "وال", "فال", "بال", "كال", "ولل", "فلل", "لل", "ال")
_MAX_PLAIN_DIGITS = 9
_PRONOUNS = frozenset({"ها", "هم", "هما", "هن", "ه", "نا", "ني", "ك", "كم"})
_CARDINALS = frozenset(_UNITS) | frozenset(_TEN) | frozenset(_TENS)
_AND_FRACTIONS = frozenset("و" + f for f in _FRACTIONS)
_ORDINAL_WORDS = frozenset(_ORDINALS) | frozenset(_ORDINAL_TEEN_ONE)
_TWO = frozenset({"اثنين", "اثنان", "اثنتين", "اثنتان"})


def _bare(norm: str) -> str:
    """Normalized word without the article or a leading و/ف (وارتفعت → ارتفعت)."""
    for prefix in _ARTICLE_PREFIXES:
        if norm.startswith(prefix) and len(norm) - len(prefix) >= 2:
            return norm[len(prefix) :]
    if norm[:1] in ("و", "ف") and len(norm) > 3:
        return norm[1:]
    return norm


def _is(norm: str, table: frozenset[str] | set[str]) -> bool:
    return norm in table or _bare(norm) in table


def _key(head: str) -> str:
    """Key of one normalized, clitic-free word."""
    if head in _PLURAL_KEYS:
        head = _PLURAL_KEYS[head]
    elif head not in _SINGULAR_ENDINGS:
        if head.endswith(("تين", "تان")) and len(head) >= 5:
            head = head[:-3]
        elif head.endswith("ات") and len(head) >= 4:
            head = head[:-2]
        elif head.endswith(("ين", "ون")) and len(head) >= 5:
            head = head[:-2]
        elif head.endswith("ان") and head[:-2] in _DUAL_SAFE_STEMS:
            head = head[:-2]
    if head.endswith("ه") and len(head) > 2:
        head = head[:-1]
    return head


def _english_key(word: str) -> str:
    if word in _EN_IRREGULAR:
        return _EN_IRREGULAR[word]
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def _strip_tanween(norm: str, surface: str) -> str:
    """Drop the alef of tanween fath (قتيلاً → قتيل), written with or without its mark."""
    if not norm.endswith("ا") or len(norm) < 3 or norm.endswith("ايا"):
        return norm
    if "\u064b" in surface[-2:] or len(norm) >= 4 or norm[:-1] in _KNOWN_STEMS:
        return norm[:-1]
    return norm


@lru_cache(maxsize=65536)
def noun_key(noun: str) -> str:
    """Return a key shared by the singular, dual, plural, tanween and article forms of a noun.

    Only the head word counts (طائرة مسيّرة → key of طائرة). The key is for matching, not for
    display: طائرة، طائرات، طائرتين and طائرتان all give the same string.
    """
    words = [w for w in scan_words(noun) if w.kind in ("ar", "latin")]
    if not words:
        return ""
    head = words[0]
    if head.kind == "latin":
        return _english_key(head.norm)
    norm = head.norm
    for prefix in _ARTICLE_PREFIXES:
        if norm.startswith(prefix) and len(norm) - len(prefix) >= 2:
            norm = norm[len(prefix) :]
            break
    else:
        for prefix in ("و", "ف", "ب", "ل", "ك"):
            rest = norm[len(prefix) :]
            if norm.startswith(prefix) and _key(_strip_tanween(rest, head.text)) in _KNOWN_KEYS:
                norm = rest
                break
    return _key(_strip_tanween(norm, head.text))


_PLURAL_KEYS = {normalize(p): normalize(s) for p, s in _BROKEN_PLURALS.items()}
_KNOWN_STEMS = frozenset(_PLURAL_KEYS.values()) | {normalize(w) for w in _TIME_UNITS}
_DUAL_SAFE_STEMS = frozenset(normalize(w) for w in _DUAL_NOUNS)
_KNOWN_KEYS = frozenset(_key(s) for s in _KNOWN_STEMS)
_TIME_KEYS = frozenset(noun_key(w) for w in _TIME_UNITS + _EN_TIME_UNITS)
_KILLED_KEYS = frozenset(noun_key(w) for w in _KILLED)
_INJURED_KEYS = frozenset(noun_key(w) for w in _INJURED)
_PERSON_KEYS = frozenset(noun_key(w) for w in _PERSONS)


# -- number parsing ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Number:
    value: float
    first: int  # index of the first word
    next: int  # index after the last word
    start: int  # offset where the number starts (a glued و/ب/ل dropped)
    end: int
    kind: str  # "digits" | "words"


def _number_variants(norm: str) -> list[tuple[str, str]]:
    out = [("", norm)]
    for prefix in ("وب", "ول", "فب", "و", "ف", "ب", "ل", "ك"):
        if norm.startswith(prefix) and len(norm) - len(prefix) >= 2:
            out.append((prefix, norm[len(prefix) :]))
    return out


def _word_number(word: Word, first: bool) -> tuple[str, float, str] | None:
    """Return (role, value, proclitic) of an Arabic or English number word, else None.

    Roles: num (a value to add), ten (عشر), teen_one (أحد/إحدى before عشر), hundred (a
    multiplier of what precedes), scale (ألف، مليون ...), fraction (نصف، ربع، ثلث).
    """
    norm = word.norm
    if word.kind == "latin":
        if norm in _EN_UNITS:
            return "num", _EN_UNITS[norm], ""
        if norm == "hundred":
            return "hundred", 100, ""
        if norm in _EN_SCALES:
            return "scale", _EN_SCALES[norm], ""
        return ("fraction", 0.5, "") if norm == "half" else None
    if word.kind != "ar" or norm in _NOT_NUMBERS:
        return None
    for prefix, rest in _number_variants(norm):
        if rest in _UNITS:
            return "num", _UNITS[rest], prefix
        if rest in _TEN:
            return "ten", 10, prefix
        if rest in _TENS:
            return "num", _TENS[rest], prefix
        if rest in _HUNDREDS:
            return "num", _HUNDREDS[rest], prefix
        if rest in _HUNDRED:
            return "hundred", 100, prefix
        if rest in _SCALES:
            return "scale", _SCALES[rest], prefix
        if rest in _PLURAL_SCALES and not first:
            return "scale", _PLURAL_SCALES[rest], prefix
        if rest in _ACCUSATIVE_SCALES:
            value = _ACCUSATIVE_SCALES[rest]
            return ("num", 2 * value, prefix) if first else ("scale", value, prefix)
        if rest in _DUAL_SCALES:
            return "num", _DUAL_SCALES[rest], prefix
        if rest in _FRACTIONS:
            return "fraction", _FRACTIONS[rest], prefix
        if rest in _TEEN_ONE:
            return "teen_one", 1, prefix
    return None


def _offset_after(word: Word, prefix: str) -> int:
    """Offset in the text where ``word`` continues after the normalized ``prefix``."""
    if not prefix:
        return word.start
    _, origin = normalize_with_offsets(word.text)
    n = len(prefix)
    return word.start + (origin[n] if n < len(origin) else len(word.text))


def _digits_value(surface: str) -> float | None:
    """Value of a digit group: 1,500 / 1.500 / ١٬٥٠٠ are thousands; ٣٫٥, 3.5 and 3,5 decimals."""
    folded = "".join(str(int(ch)) if ch.isdigit() else ch for ch in surface)
    seps = [ch for ch in folded if not ch.isdigit()]
    if not seps:
        return float(folded)
    groups = _groups(folded)
    if "٫" in seps:
        decimal = "٫"
    elif len(set(seps)) > 1:
        decimal = seps[-1]
    elif len(seps) == 1 and (len(groups[-1]) != 3 or groups[0] == "0"):
        decimal = seps[0]
    else:
        decimal = ""
    integer, fraction = folded, ""
    if decimal:
        if seps.count(decimal) != 1 or seps[-1] != decimal:
            return None
        integer, fraction = folded.rsplit(decimal, 1)
    parts = _groups(integer)
    if len(parts) > 1 and (not 1 <= len(parts[0]) <= 3 or any(len(p) != 3 for p in parts[1:])):
        return None
    return float("".join(parts) + ("." + fraction if fraction else ""))


def _groups(number: str) -> list[str]:
    groups, current = [], ""
    for ch in number:
        if ch.isdigit():
            current += ch
        else:
            groups.append(current)
            current = ""
    groups.append(current)
    return groups


def _is_pronoun_suffixed(norm: str) -> bool:
    """منها، عليهم، فيه، إنهم: a particle carrying a pronoun is not a counted noun."""
    for stem in ("من", "في", "علي", "الي", "عن", "ل", "ب", "ان", "لان", "كان"):
        if norm.startswith(stem) and norm[len(stem) :] in _PRONOUNS:
            return True
    return False


def _dual_prefix(word: Word) -> str | None:
    """Return the proclitic of a dual noun (طائرتين، بسفينتين، اليومين), None if not a dual.

    Feminine duals (-تين/-تان) need a known noun or a frequent singular (wordfreq) so names
    such as كريستين stay names; masculine -ين/-ان forms need a noun with a broken plural,
    since مسؤولين is far more often a plural than a dual.
    """
    if word.kind != "ar":
        return None
    return _dual_prefix_of(word.text, word.norm)


@lru_cache(maxsize=1 << 16)
def _dual_prefix_of(text: str, norm: str) -> str | None:
    surface = strip_marks(text)
    readings = [("", norm)] + [
        (p, norm[len(p) :])
        for p in (*_ARTICLE_PREFIXES, "و", "ف", "ب", "ل")
        if norm.startswith(p) and len(norm) - len(p) >= 4
    ]
    for prefix, rest in readings:
        if rest in _UNITS or rest in _TENS or rest in _DUAL_SCALES or rest in _HUNDREDS:
            return None
        if rest in WEEKDAYS or rest in _PLURAL_KEYS:
            return None
        if rest.endswith(("تين", "تان")) and len(rest) >= 5:
            stem = rest[:-3]
            if stem + "ه" in _KNOWN_STEMS:
                return prefix
            rest_surface = surface[len(prefix) :]
            if len(rest_surface) == len(rest) and len(stem) >= 3:
                singular = rest_surface[:-3] + "ة"
                if zipf(singular) >= 3.0 and zipf(rest_surface) < zipf(singular):
                    return prefix
        if rest.endswith(("ين", "ان")) and rest[:-2] in _DUAL_SAFE_STEMS:
            return prefix
        if rest.endswith("ين") and len(rest) >= 5 and rest[0] not in "وفبلك":
            if _masculine_dual(surface[len(prefix) :]):
                return prefix
    return None


@lru_cache(maxsize=1 << 16)
def _may_count(norm: str) -> bool:
    """False when no reader of :meth:`_Reader.quantity` can start at an Arabic word with the
    matching form ``norm``, unless a fraction follows it (ساعة ونصف): it is not واحد, not a
    number word, not a dual-shaped word, not a definite ordinal or cardinal."""
    word = Word(0, len(norm), norm, norm, "ar")
    return (
        norm in ("واحد", "واحده")
        or _word_number(word, first=True) is not None
        or norm.endswith(("ين", "ان"))
        or lookup(word, _ORDINAL_WORDS, article=True) is not None
        or lookup(word, _CARDINALS, article=True) is not None
    )


_NOUN, _NOT_NOUN, _MAYBE_MONTH = "noun", "not a noun", "a noun unless it names a month"


@lru_cache(maxsize=1 << 16)
def _noun_word(kind: str, norm: str) -> str:
    """What :meth:`_Reader.is_noun` can tell from a word alone; a month name needs its
    neighbour (كانون الثاني), so an Arabic noun-like word is only a noun unless it is one."""
    if kind == "latin":
        return _NOUN if norm not in _EN_STOPWORDS and norm not in _EN_UNITS else _NOT_NOUN
    if kind != "ar" or _is(norm, _STOPWORDS):
        return _NOT_NOUN
    if norm[:1] in ("و", "ف") and norm[1:] in _STOPWORDS:
        return _NOT_NOUN
    word = Word(0, len(norm), norm, norm, kind)
    if _word_number(word, first=True) is not None or _is_pronoun_suffixed(norm):
        return _NOT_NOUN
    return _NOT_NOUN if lookup(word, WEEKDAYS, article=True) else _MAYBE_MONTH


def _masculine_dual(word: str) -> bool:
    """حارسين، طبيبين: a frequent singular with no attested sound plural (حارسون) and a form
    much rarer than the singular (so names such as شاهين or حسنين stay names)."""
    stem = word[:-2]
    if len(stem) < 3 or zipf(stem) < 3.5 or zipf(stem + "ون") >= 1.0:
        return False
    return zipf(word) <= zipf(stem) - 1.0


class _Reader:
    """Walks the words of one text and reads quantities at given positions."""

    def __init__(self, text: str, words: list[Word] | None = None) -> None:
        self.text = text
        self.words = scan_words(text) if words is None else words
        self._vocabulary: set[str] | None = None

    def proclitic(self, i: int) -> str:
        """A single و/ف/ب/ل/ك glued to a noun, split off only when the rest is a word.

        The rest must be attested alone in the same text or be clearly more frequent than the
        whole (وطائرة → طائرة, but وزير stays).
        """
        word = self.words[i]
        if word.kind != "ar" or word.norm[:1] not in ("و", "ف", "ب", "ل", "ك"):
            return ""
        rest = word.norm[1:]
        if len(rest) < 3 or rest.startswith("ال"):
            return ""
        if self._vocabulary is None:
            self._vocabulary = vocabulary(self.text)
        if rest in self._vocabulary:
            return word.norm[0]
        surface = strip_marks(word.text)
        if zipf(surface[1:]) >= 3.0 and zipf(surface[1:]) > zipf(surface) + 0.5:
            return word.norm[0]
        return ""

    def joined(self, i: int, j: int) -> bool:
        return 0 <= i < j < len(self.words) and _joined(self.text, self.words[i], self.words[j])

    def gap(self, j: int) -> str:
        """Text between words[j-1] and words[j]."""
        if 0 < j < len(self.words):
            return self.text[self.words[j - 1].end : self.words[j].start]
        return ""

    def norm_at(self, i: int) -> str:
        return self.words[i].norm if 0 <= i < len(self.words) else ""

    # -- the number ------------------------------------------------------------------------------

    def number(self, i: int) -> _Number | None:
        if self.words[i].kind == "digits":
            return self.digits(i)
        return self.number_words(i)

    def digits(self, i: int) -> _Number | None:
        word = self.words[i]
        if word.norm.isdigit() and len(word.norm) > _MAX_PLAIN_DIGITS:
            return None
        if self._in_date_or_code(i):
            return None
        value = _digits_value(word.text)
        if value is None:
            return None
        number = _Number(value, i, i + 1, word.start, word.end, "digits")
        if self.joined(i, i + 1):
            scale = _word_number(self.words[i + 1], first=False)
            if scale and scale[0] == "scale" and not scale[2]:
                number.value *= scale[1]
                number.next, number.end = i + 2, self.words[i + 1].end
        return number

    def _in_date_or_code(self, i: int) -> bool:
        """Parts of 15/12/2025, 2025-12-15, 10:30, F-16 or COVID-19 are not quantities."""
        words = self.words
        before, after = self.gap(i), self.gap(i + 1)
        prev_digits = i > 0 and words[i - 1].kind == "digits"
        next_digits = i + 1 < len(words) and words[i + 1].kind == "digits"
        if (before in ("/", ":") and prev_digits) or (after in ("/", ":") and next_digits):
            return True
        if before == "-" and i > 0 and words[i - 1].kind in ("latin", "ar"):
            return True
        if before == "-" and after == "-" and prev_digits and next_digits:
            return True
        if before == "-" and prev_digits and self.gap(i - 1) == "-":
            return True
        return after == "-" and next_digits and self.gap(i + 2) == "-"

    def number_words(self, i: int) -> _Number | None:
        reading = _word_number(self.words[i], first=True)
        if reading is None:
            return None
        role, value, prefix = reading
        if role == "teen_one" and not (self.joined(i, i + 1) and self.words[i + 1].norm in _TEN):
            return None
        total, current, last_scale, last_role = 0.0, 0.0, 0.0, ""
        j = i
        while True:
            if role in ("num", "teen_one", "ten"):
                current += value
            elif role == "hundred":
                current = current * 100 if 0 < current < 10 else current + 100
            elif role == "scale":
                total += (current or 1) * value
                current, last_scale = 0.0, value
            elif last_role == "scale":
                total += value * last_scale
            else:
                current += value
            last_role = role
            step = self._next_number_word(j, role, value, current)
            if step is None:
                break
            j, (role, value, _) = step
        start = _offset_after(self.words[i], prefix)
        return _Number(total + current, i, j + 1, start, self.words[j].end, "words")

    def _next_number_word(
        self, j: int, role: str, value: float, current: float
    ) -> tuple[int, tuple[str, float, str]] | None:
        """The word continuing a number: وثلاثين، عشر، مئة، آلاف، ونصف; and/hyphen in English."""
        k = j + 1
        if k >= len(self.words):
            return None
        latin = self.words[j].kind == "latin" and self.words[k].kind == "latin"
        if not self.joined(j, k) and not (latin and self.gap(k).strip() == "-"):
            return None
        reading = _word_number(self.words[k], first=False)
        if reading is None and latin and self.words[k].norm == "and" and self.joined(k, k + 1):
            after = _word_number(self.words[k + 1], first=False)
            if after and after[0] in ("num", "fraction"):
                return k + 1, after
            return None
        if reading is None:
            return None
        n_role, _, n_prefix = reading
        if n_prefix == "و":
            if n_role in ("scale", "teen_one"):
                return None
            if n_role == "fraction" and current == 0 and role != "scale":
                return None
            return k, reading
        if n_prefix:
            return None
        if n_role == "scale":
            return k, reading
        if n_role == "ten" and role in ("num", "teen_one") and value < 10:
            return k, reading
        if n_role == "hundred" and role == "num" and value < 10:
            return k, reading
        if latin and n_role == "num" and role == "num" and value >= 20 and current % 10 == 0:
            return k, reading
        return None

    # -- the counted noun ------------------------------------------------------------------------

    def is_noun(self, i: int) -> bool:
        if not 0 <= i < len(self.words):
            return False
        word = self.words[i]
        noun = _noun_word(word.kind, word.norm)
        if noun == _MAYBE_MONTH:
            return not month_at(self.text, self.words, i)
        return noun == _NOUN

    def noun_after(self, j: int) -> tuple[int, int] | None:
        """(first, next) word indexes of the noun phrase at ``j``: the noun and one adjective."""
        if not self.joined(j - 1, j) or not self.is_noun(j):
            return None
        if self.words[j].kind != self.words[j - 1].kind and "digits" not in (
            self.words[j - 1].kind,
            self.words[j].kind,
        ):
            return None
        end = j + 1
        if self.joined(j, end) and self._adjective(j, end):
            end += 1
        return j, end

    def _adjective(self, noun: int, i: int) -> bool:
        word = self.words[i]
        if word.kind != "ar" or not self.is_noun(i):
            return False
        definite = word.norm.startswith(("ال", "لل"))
        if definite != self.words[noun].norm.startswith(("ال", "لل")):
            return False
        bare = _strip_tanween(_bare(word.norm), word.text)
        return bare in _ADJECTIVES or (len(bare) >= 4 and bare.endswith(_NISBA_ENDINGS))

    # -- one quantity ----------------------------------------------------------------------------

    def quantity(self, i: int) -> tuple[Quantity | None, int]:
        word = self.words[i]
        if word.kind == "ar":
            found = self.after_noun(i)
            if found is not None:
                return found
        if word.kind in ("digits", "ar", "latin"):
            number = self.number(i)
            if number is not None:
                return self.around_number(number)
        if word.kind == "ar":
            for reader in (self.dual, self.unit_and_fraction, self.ordinal, self.definite_cardinal):
                found = reader(i)
                if found is not None:
                    return found
        return None, i + 1

    def around_number(self, number: _Number) -> tuple[Quantity | None, int]:
        words, text = self.words, self.text
        i, j = number.first, number.next
        if self.joined(j - 1, j) and (
            month_at(text, words, j)
            or (words[j].norm == "من" and self.joined(j, j + 1) and month_at(text, words, j + 1))
        ):
            return None, j
        if i > 0 and self.joined(i - 1, i) and words[i - 1].norm in _CLOCK:
            return None, j
        if number.kind == "digits" and i > 0 and not self.gap(i):
            if words[i - 1].kind == "ar" and words[i - 1].norm in ("ال", "لل", "بال", "وال"):
                return self.digit_ordinal(number), j
        if number.kind == "digits" and j < len(words) and not self.gap(j):
            if words[j].norm in _EN_ORDINAL_SUFFIXES:
                noun = self.noun_after(j + 1)
                end_next = noun[1] if noun else j + 1
                return self.build(number, noun, {"ordinal"}, end_next), end_next
        if self._is_year(number):
            end_next = j + 1 if self.joined(j - 1, j) and words[j].norm == "م" else j
            return self.build(number, None, {"year"}, end_next), end_next
        percent_end = self._percent(j)
        if percent_end is not None:
            q = self.build(number, (j, percent_end), {"percent"}, percent_end, key="%")
            return q, percent_end
        noun = self.noun_after(j)
        if noun is not None and _is(words[noun[0]].norm, _TIME_OF_DAY):
            return None, noun[1]
        if number.kind == "words" and noun is None:
            if not (self.joined(j - 1, j) and words[j].norm in _OF):
                return None, j
        end_next = noun[1] if noun else j
        if noun is not None:
            end_next = self._fraction_tail(number, noun, end_next)
        return self.build(number, noun, set(), end_next), end_next

    def _percent(self, j: int) -> int | None:
        words = self.words
        if j < len(words) and words[j].kind == "sign" and not self.gap(j).strip():
            return j + 1
        for pattern in _PERCENT_WORDS:
            k = j
            for expected in pattern:
                if not self.joined(k - 1, k) or words[k].norm != expected:
                    break
                k += 1
            else:
                return k
        return None

    def _fraction_tail(self, number: _Number, noun: tuple[int, int], k: int) -> int:
        """ثلاث سنوات ونصف، أربع ساعات ونصف الساعة: a half after the noun adds to the number."""
        if not self.joined(k - 1, k):
            return k
        reading = _word_number(self.words[k], first=False)
        if reading is None or reading[0] != "fraction" or reading[2] != "و":
            return k
        number.value += reading[1]
        k += 1
        head = noun_key(self.words[noun[0]].text)
        if self.joined(k - 1, k) and noun_key(self.words[k].text) == head:
            k += 1
        return k

    def _is_year(self, number: _Number) -> bool:
        i, j = number.first, number.next
        word = self.words[i]
        if number.kind != "digits" or not word.norm.isdigit() or len(word.norm) != 4:
            return False
        if not 1800 <= number.value <= 2100 or j != i + 1:
            return False
        if i > 0 and self.joined(i - 1, i):
            if _is(self.words[i - 1].norm, _YEAR_MARKERS):
                return True
            if month_at(self.text, self.words, i - 1) or (
                i > 1 and self.joined(i - 2, i - 1) and month_at(self.text, self.words, i - 2)
            ):
                return True
        if self.joined(i, j) and self.words[j].norm in ("م", "ad", "ce"):
            return True
        return self.noun_after(j) is None and self._percent(j) is None

    def digit_ordinal(self, number: _Number) -> Quantity:
        """للمرة الـ20: the article glued to digits makes an ordinal of the noun before it."""
        noun = number.first - 2
        if noun >= 0 and self.joined(noun, noun + 1) and self.is_noun(noun):
            return self.build(number, (noun, noun + 1), {"ordinal"}, number.next)
        return self.build(number, None, {"ordinal"}, number.next)

    def dual(self, i: int) -> tuple[Quantity, int] | None:
        """A dual noun counts two: يومين، ساعتين، سفينتين، الطائرتين."""
        word = self.words[i]
        if not word.norm.endswith(("ين", "ان")):
            return None
        if i > 0 and self.joined(i - 1, i) and self.words[i - 1].kind == "digits":
            return None
        if not self.is_noun(i):
            return None
        prefix = _dual_prefix(word)
        if prefix is None:
            return None
        start = clitic_start(word, prefix)
        number = _Number(2.0, i, i + 1, start, word.end, "words")
        j = i + 1
        if self.joined(i, j) and _bare(self.words[j].norm) in _TWO:
            number.end, number.next = self.words[j].end, j + 1
            j += 1
        end_next = self._fraction_tail(number, (i, i + 1), j)
        return self.build(number, (i, i + 1), set(), end_next, noun_start=start), end_next

    def unit_and_fraction(self, i: int) -> tuple[Quantity, int] | None:
        """ساعة ونصف، سنة وربع: a single time unit and a fraction after it."""
        word = self.words[i]
        if not self.joined(i, i + 1) or self.words[i + 1].norm not in _AND_FRACTIONS:
            return None
        if not self.is_noun(i) or noun_key(word.text) not in _TIME_KEYS:
            return None
        if i > 0 and self.joined(i - 1, i) and self.words[i - 1].kind == "digits":
            return None
        if not self.joined(i, i + 1):
            return None
        reading = _word_number(self.words[i + 1], first=False)
        if reading is None or reading[0] != "fraction" or reading[2] != "و":
            return None
        start = _offset_after(word, self.proclitic(i))
        number = _Number(1.0, i, i + 1, start, word.end, "words")
        end_next = self._fraction_tail(number, (i, i + 1), i + 1)
        return self.build(number, (i, i + 1), set(), end_next, noun_start=start), end_next

    def ordinal(self, i: int) -> tuple[Quantity, int] | None:
        """اليوم الثالث، للمرة الحادية عشرة: a definite ordinal after its noun."""
        hit = lookup(self.words[i], _ORDINAL_WORDS, article=True)
        if hit is None or not self.joined(i - 1, i):
            return None
        if lookup(self.words[i - 1], {"كانون", "تشرين"}) or not self.is_noun(i - 1):
            return None
        name = hit[1]
        value = _ORDINALS.get(name) or _ORDINAL_TEEN_ONE[name]
        j = i + 1
        if self.joined(i, j) and self.words[j].norm in _TEN:
            value, j = value + 10, j + 1
        elif name in _ORDINAL_TEEN_ONE:
            return None
        start = clitic_start(self.words[i], hit[0])
        number = _Number(float(value), i, j, start, self.words[j - 1].end, "words")
        return self.build(number, (i - 1, i), {"ordinal"}, j), j

    def definite_cardinal(self, i: int) -> tuple[Quantity, int] | None:
        """الأيام الثلاثة، عمال الإغاثة السبعة: a definite cardinal after a definite noun."""
        hit = lookup(self.words[i], _CARDINALS, article=True)
        if hit is None or not self.joined(i - 1, i):
            return None
        value = _UNITS.get(hit[1]) or _TEN.get(hit[1]) or _TENS[hit[1]]
        previous = self.words[i - 1]
        if value < 3 or not previous.norm.startswith(("ال", "لل")) or not self.is_noun(i - 1):
            return None
        if self.joined(i, i + 1) and self.words[i + 1].norm in _TEN:
            return None
        head = i - 1
        if self.joined(i - 2, i - 1) and self.is_noun(i - 2):
            if (
                not self.words[i - 2].norm.startswith(("ال", "لل"))
                and self.words[i - 2].kind == "ar"
            ):
                head = i - 2
        start = clitic_start(self.words[i], hit[0])
        number = _Number(float(value), i, i + 1, start, self.words[i].end, "words")
        return self.build(number, (head, i), set(), i + 1), i + 1

    def after_noun(self, i: int) -> tuple[Quantity, int] | None:
        """يوم واحد، طائرة واحدة: one follows the noun it counts."""
        word = self.words[i]
        if word.norm not in ("واحد", "واحده") or not self.joined(i - 1, i):
            return None
        if self.words[i - 1].kind != "ar" or not self.is_noun(i - 1):
            return None
        number = _Number(1.0, i, i + 1, word.start, word.end, "words")
        return self.build(number, (i - 1, i), set(), i + 1), i + 1

    # -- assembling ------------------------------------------------------------------------------

    def build(
        self,
        number: _Number,
        noun: tuple[int, int] | None,
        qualifiers: set[str],
        end_next: int,
        key: str | None = None,
        noun_start: int | None = None,
    ) -> Quantity:
        words, text = self.words, self.text
        start, end = number.start, max(number.end, words[end_next - 1].end)
        noun_text, n_start, n_end = "", number.end, number.end
        approximate, bound, lead = False, "", number.first
        counted = not qualifiers & {"year", "ordinal"}
        if counted:
            before = self._approx_before(number.first)
            if before is not None:
                lead, bound, start = before
                approximate = True
            after = self._approx_after(end_next)
            if after is not None:
                end_next, after_bound = after
                end = words[end_next - 1].end
                approximate, bound = True, bound or after_bound
            if noun is None and not qualifiers:
                noun = self._counted_before(lead)
        if noun is not None:
            first, last = noun
            if noun_start is None:
                noun_start = _offset_after(words[first], self.proclitic(first))
            n_start, n_end = noun_start, words[last - 1].end
            noun_text = text[n_start:n_end]
            key = key if key is not None else noun_key(text[n_start : words[first].end])
            start, end = min(start, n_start), max(end, n_end)
        key = key or ""
        found = set(qualifiers)
        if counted:
            found |= self._context_qualifiers(lead, end_next, key)
            if key in _TIME_KEYS:
                found.add("duration")
            if number.value < 1 and number.kind == "words":
                found.add("fraction")
        return Quantity(
            start=start,
            end=end,
            value=number.value,
            number_text=text[number.start : number.end],
            number_start=number.start,
            number_end=number.end,
            noun=noun_text,
            noun_key=key,
            noun_start=n_start,
            noun_end=n_end,
            approximate=approximate,
            bound=bound,
            qualifiers=tuple(q for q in QUALIFIERS if q in found),
        )

    def _approx_before(self, i: int) -> tuple[int, str, int] | None:
        """(first word index, bound, start offset) of نحو، أكثر من، ما لا يقل عن ... before i."""
        for pattern, bound in _APPROX_BEFORE:
            k = i - len(pattern)
            if k < 0 or not all(self.joined(k + n, k + n + 1) for n in range(len(pattern))):
                continue
            first = self.words[k].norm
            prefix = first[:1] if first != pattern[0] and first[:1] in "وبلف" else ""
            if first[len(prefix) :] != pattern[0]:
                continue
            if all(self.words[k + n].norm == w for n, w in enumerate(pattern) if n):
                return k, bound, _offset_after(self.words[k], prefix)
        return None

    def _approx_after(self, j: int) -> tuple[int, str] | None:
        for pattern, bound in _APPROX_AFTER:
            if all(
                self.joined(j + n - 1, j + n) and self.words[j + n].norm == expected
                for n, expected in enumerate(pattern)
            ):
                return j + len(pattern), bound
        return None

    def _counted_before(self, i: int) -> tuple[int, int] | None:
        """ارتفع عدد القتلى إلى 50، the death toll rose to 50: the noun named before the figure."""
        for k in range(i - 1, max(-1, i - 1 - _TREND_WINDOW), -1):
            if not self.joined(k, k + 1):
                return None
            word = self.words[k]
            if word.norm == "toll" and self.joined(k - 1, k) and self.norm_at(k - 1) == "death":
                return k - 1, k + 1
            if word.kind == "ar" and _is(word.norm, _COUNT_WORDS) and self.is_noun(k + 1):
                return k + 1, k + 2
            if word.norm == "number" and self.norm_at(k + 1) == "of" and self.is_noun(k + 2):
                return k + 2, k + 3
        return None

    def _context_qualifiers(self, lead: int, after: int, key: str) -> set[str]:
        found: set[str] = set()
        if key in _KILLED_KEYS:
            found.add("killed")
        elif key in _INJURED_KEYS:
            found.add("injured")
        else:
            found |= self._casualty_around(lead, after)
        if self.joined(lead - 1, lead) and self.words[lead - 1].norm in _TO:
            for k in range(lead - 2, max(-1, lead - 2 - _TREND_WINDOW), -1):
                if self.gap(k + 1).strip() not in ("", ",", "،"):
                    break
                norm = self.words[k].norm
                if norm in _EN_TREND or norm.startswith(_TREND_STEMS):
                    found.add("updated")
                    break
                if _bare(norm).startswith(_TREND_STEMS):
                    found.add("updated")
                    break
        return found | self._version(lead, after)

    def _casualty_around(self, lead: int, after: int) -> set[str]:
        """مقتل 20 شخصا، وإصابة 30 آخرين; killed 20 people, 20 people (were) killed."""
        for k in range(lead - 1, max(-1, lead - 3), -1):
            if not self.joined(k, k + 1):
                break
            norm = self.words[k].norm
            if _is(norm, _KILLED_BEFORE) or (k == lead - 1 and norm in _EN_KILLED_VERB):
                return {"killed"}
            if _is(norm, _INJURED_BEFORE) or (k == lead - 1 and norm in _EN_INJURED_VERB):
                return {"injured"}
        k = after
        while (
            k - after < _AUXILIARY_RUN
            and self.joined(k - 1, k)
            and self.norm_at(k) in _EN_AUXILIARIES
        ):
            k += 1
        if self.joined(k - 1, k):
            norm = self.norm_at(k)
            if _is(norm, _KILLED_AFTER):
                return {"killed"}
            if _is(norm, _INJURED_AFTER):
                return {"injured"}
        return set()

    def _version(self, lead: int, after: int) -> set[str]:
        """'original' or 'revised' from الأصلية/المعدلة next to the noun phrase (nearest wins)."""
        candidates = []
        for k in range(lead - 1, max(-1, lead - 1 - _QUALIFIER_BACK), -1):
            if not self.joined(k, k + 1):
                break
            candidates.append((lead - k, self.words[k]))
        for k in range(after, min(len(self.words), after + _QUALIFIER_AHEAD)):
            if not self.joined(k - 1, k) or self.words[k].norm[:1] in ("و", "ف"):
                break
            candidates.append((k - after + 1, self.words[k]))
        for _, word in sorted(candidates, key=lambda c: c[0]):
            bare = _strip_tanween(_bare(word.norm), word.text)
            if bare in _ORIGINAL:
                return {"original"}
            if bare in _REVISED:
                return {"revised"}
        return set()


def extract_quantities(text: str, *, words: list[Word] | None = None) -> list[Quantity]:
    """Return the quantities of ``text`` in order: each figure with the noun it counts and the
    qualifiers that keep unlike figures apart (approximate, bound, updated, original/revised,
    killed/injured, duration, ordinal, year, percent). ``words`` is ``scan_words(text)`` when
    the caller already has it."""
    reader = _Reader(text, words)
    out: list[Quantity] = []
    i = 0
    n = len(reader.words)
    while i < n:
        word = reader.words[i]
        if word.kind == "sign" or (
            word.kind == "ar"
            and not _may_count(word.norm)
            and (i + 1 == n or reader.words[i + 1].norm not in _AND_FRACTIONS)
        ):
            i += 1  # what quantity(i) would conclude at once
            continue
        quantity, nxt = reader.quantity(i)
        if quantity is not None:
            out.append(quantity)
        i = max(nxt, i + 1)
    return out


def parse_arabic_number(words: str) -> float | None:
    """Return the value of a number written in words (or digits and a scale word), else None.

    مئة وسبعة وثلاثين → 137, ثلاثة آلاف وخمسمئة → 3500, نصف مليون → 500000, ١٫٥ مليون → 1500000.
    """
    reader = _Reader(words)
    if not reader.words:
        return None
    number = reader.number(0)
    if number is None or number.next != len(reader.words):
        return None
    return number.value


def count_keys(q: Quantity) -> tuple[str, ...]:
    """Return keys such that ``same_counted_thing(a, b)`` implies ``a`` and ``b`` share one:
    the noun key, and for a casualty figure counted in people, the casualty kind."""
    keys = [f"noun:{q.noun_key}"] if q.noun_key else []
    casualty_nouns = _KILLED_KEYS | _INJURED_KEYS | _PERSON_KEYS
    for casualty in ("killed", "injured"):
        if casualty in q.qualifiers and q.noun_key in casualty_nouns:
            keys.append(f"casualty:{casualty}")
    return tuple(keys)


def same_counted_thing(a: Quantity, b: Quantity) -> bool:
    """Return True when two quantities count the same thing, so that different values disagree.

    Needs the same noun key (or the same casualty kind with generic person nouns) and no
    qualifier that sets them apart: original vs revised, killed vs injured, a year, an
    ordinal, a percentage or a fraction on one side only.
    """
    qa, qb = set(a.qualifiers), set(b.qualifiers)
    if "year" in qa or "year" in qb:
        return False
    if any((kind in qa) != (kind in qb) for kind in ("ordinal", "percent", "fraction")):
        return False
    for x, y in (("original", "revised"), ("killed", "injured")):
        if (x in qa and y in qb) or (y in qa and x in qb):
            return False
    if a.noun_key and a.noun_key == b.noun_key:
        return True
    for casualty, keys in (("killed", _KILLED_KEYS), ("injured", _INJURED_KEYS)):
        if casualty in qa and casualty in qb and {a.noun_key, b.noun_key} <= keys | _PERSON_KEYS:
            return True
    return False
