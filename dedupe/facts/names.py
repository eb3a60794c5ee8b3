"""Person and organisation names: candidate mentions from context, and name comparison.

There is no NER model. A mention is found from the words around it: a title or role phrase
before it (الرئيس الروسي …، كبير المفاوضين …، المحافظة …) or set off by commas after it, a
said-verb next to it (قال …، وكتب …), a naming verb or leader noun (ويدعى …، برئاسة …), a run of
words that are rare in general Arabic text (transliterated foreign names), or a later bare
repetition of a name already found in the same text, also when spelled slightly differently.
Precision is preferred over recall: a candidate that could be a place, a verb or a common noun
is dropped.

Comparison works on a transliteration *skeleton* (consonant classes, no vowel letters) so that
عليانوف / أوليانوف / Ulyanov or ويلسون / فيلسون fall together, while native Arabic names, which are
common words of the language, are compared strictly (محمد ≠ أحمد, عمر ≠ عمرو).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import pairwise
from typing import NamedTuple

from rapidfuzz import fuzz

from dedupe.facts.dates import zipf
from dedupe.facts.tokens import token_fields, vocabulary
from dedupe.text import (
    ARABIC_LETTER,
    LATIN_LETTER,
    WORD_MEMO,
    normalize,
    split_clitic,
    strip_marks,
)

__all__ = [
    "NameMention",
    "extract_names",
    "name_similarity",
    "orthographic_only",
    "same_person",
    "skeleton",
]


@dataclass(frozen=True, slots=True)
class NameMention:
    """A person name found in a text, with the cue that found it."""

    start: int
    end: int
    surface: str
    tokens: tuple[str, ...]
    role: str
    evidence: str
    score: float


# --- general gazetteers (normalized at import) ----------------------------------------------


@lru_cache(maxsize=WORD_MEMO)
def _norm(word: str) -> str:
    return normalize(word)


def _forms(words: str) -> frozenset[str]:
    return frozenset(normalize(w) for w in words.split())


def _inflections(words: str, endings: Sequence[str]) -> frozenset[str]:
    """The words and each of them with each ending (وزير → وزيرة، وزيران، وزيرات …)."""
    return frozenset(normalize(w + e) for w in words.split() for e in ("", *endings))


# Titles whose feminine, dual and sound plural forms are regular (وزيرة، مستشاران، المدربين).
_TITLES_REGULAR = """
    رئيس وزير مبعوث متحدث ناطق مستشار مساعد سفير أمين زعيم نائب قائد ملك أمير شيخ سيد دكتور
    أستاذ مدير مفوض مندوب منسق مراسل محلل ممثل مرشح حاكم سكرتير صهر زوج نجل شقيق مفاوض مؤسس مدرب
    لاعب مهاجم مدافع حارس هداف نجم معلق بطل ملاكم مصارع عداء سباح مطرب فنان كاتب شاعر باحث مهندس
    طبيب مخرج مصور مذيع ناشط خبير مؤرخ معارض نظير مستثمر ملياردير قنصل والد حفيد رقيب عريف مدعي
    مراقب روائي صحفي صحافي أكاديمي قيادي قاضي محامي مغني عضو
"""
_TITLES = (
    _inflections(_TITLES_REGULAR, ("ة", "ان", "ين", "ون", "ات", "تان", "تين"))
    | _inflections("محافظ", ("ة",))
    | _forms(
        """
        كبير كبيرة حكم مقدم جنرال سيناتور عقيد عميد مشير ملازم نقيب أدميرال مارشال كولونيل بابا
        إمام عمدة زوجة ابنة أرملة بطريرك كاردينال مطران حاخام داعية بروفيسور ولي
        وزراء سفراء رؤساء زعماء قادة أمراء ملوك شيوخ مدراء قضاة محامون أساتذة نجوم حراس لاعبو
        مدربو نظراء وزيرا سفيرا رئيسا
        """
    )
)
# Titles that are also ordinary adjectives: a title only inside a longer role phrase.
_WEAK_TITLES = _forms("كبير كبيرة")
# Titles that are also common nouns (اللواء: the brigade, a rank): titles only with the article.
_DEFINITE_TITLES = _forms("لواء")
_TITLES = _TITLES | _DEFINITE_TITLES
# Plural and dual titles: the names they govern may be coordinated (الوزيران فلان وفلان).
_GROUP_TITLES = frozenset(
    t for t in _TITLES if t.endswith(("ان", "ين", "ون", "ات")) and t[:-2] in _TITLES
) | _forms("وزراء سفراء رؤساء زعماء قادة وزيرا سفيرا رئيسا")

_SAID_REGULAR = """
    قال أعلن أكد صرح أوضح أضاف كتب أشار حذر وصف ذكر أفاد شدد تابع اعتبر اعترف أجاب لفت أبلغ كشف
    علق أردف استطرد نوه أعرب رحب أقر زعم
"""
_SAID_MASC = _forms(_SAID_REGULAR) | _forms("رأى نفى دعا روى يقول يرى يؤكد يضيف يوضح يشير")
_SAID_FEM = _inflections(_SAID_REGULAR, ("ت", "تا", "ا", "وا")) - _SAID_MASC | _forms(
    """
    رأت نفت دعت روت رأوا نفوا دعوا رووا تقول ترى تؤكد تضيف توضح تشير يقولون يرون يؤكدون
    """
)
_SAID = _SAID_MASC | _SAID_FEM
# Verbs that introduce a bare name (ويدعى منير، امرأة تدعى سلمى).
_NAMING = _forms("يدعى تدعى يسمى تسمى اسمه اسمها المدعو المدعوة")
# Nouns after which a name is the one who leads (لجنة برئاسة فلان، قوات بقيادة فلان).
_LED_BY = _forms("برئاسة بقيادة")

_FUNCTION = _forms(
    """
    في من إلى على عن مع أن إن أنه إنه أنها إنها بأن لأن كأن كان كانت يكون تكون قد لقد لم لن لا ما
    ماذا مما هذا هذه ذلك تلك هؤلاء الذي التي الذين اللذين اللتين هو هي هم هما هن نحن أنا أنت بعد
    قبل خلال حول بين عند لدى منذ حتى أو ثم بل لكن لكنه لكنها غير كل بعض أي إذا إذ حيث عبر نحو ضد
    دون بدون فقط أيضا كما مثل وفق وفقا بحسب حسب نقلا عدم نفسه نفسها ذاته ذاتها جدا هناك هنا الآن
    ليس ليست عندما بينما فيما إلا سوى أمام وراء فوق تحت داخل خارج قرب عليه عليها له لها لهم منه
    منها به بها إليه فيه فيها عنه عنها معه بشأن إزاء تجاه أجل رغم بسبب أكثر أقل جميع كافة أحد
    إحدى ثمة أما إما سواء لدي يا وهو وهي حسبما كلما ريثما طالما مثلما
    واحد اثنان اثنين ثلاثة ثلاث أربعة أربع خمسة خمس ستة ست سبعة سبع ثمانية ثماني تسعة تسع عشرة
    عشر عشرون عشرين مئة مائة ألف آلاف مليون ملايين مليار
    """
)
_DAYS = _forms(
    """
    يوم اليوم أمس غدا الليلة صباح مساء ظهر فجر ليلة ليلا السبت الأحد الاثنين الإثنين الثلاثاء
    الأربعاء الخميس الجمعة سبت خميس جمعة ثلاثاء أربعاء يناير فبراير مارس أبريل إبريل مايو يونيو
    يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر كانون شباط آذار نيسان أيار حزيران تموز تشرين أيلول
    """
)
_TEMPORAL = _DAYS | _forms(
    "ساعة ساعات أسبوع الأسبوع شهر الشهر عام العام سنة السنة الماضي المقبل القادم الحالي"
)
# Common nouns that stand where a name could (قال مسؤول، قالت مصادر).
_ANONYMOUS = _forms(
    """
    مسؤول مسؤولة مسؤولون مسؤولين مصدر مصادر دبلوماسي دبلوماسيون دبلوماسيين شهود شاهد سكان مواطن
    مواطنون ناشط ناشطون ناشطين مسعف مسعفون محللون خبراء متظاهرون جنود ضابط ضباط وكالة صحيفة موقع
    بيان تقرير تقارير شخص أشخاص رجل امرأة طفل أطفال مسلحون عناصر نواب أعضاء عضو مقربون
    """
)
_PLACE_NOUNS = _forms(
    """
    مدينة بلدة منطقة ولاية عاصمة إقليم محافظة جزيرة قرية مقاطعة دولة بلد مطار ميناء شارع حي مخيم
    نهر بحر جبل ضاحية
    """
)
_LOCATIVE = _forms("في إلى الى داخل قرب عبر نحو")
# Nouns after which a name is an organisation, not a person (شركة سامسونغ، صحيفة لوموند).
_ORG_NOUNS = _forms(
    """
    شركة مجموعة وكالة صحيفة قناة حزب منظمة جماعة حركة مؤسسة بنك مصرف جامعة مجلس هيئة موقع منصة
    فريق نادي مركز معهد تحالف جبهة ائتلاف اتحاد مجلة إذاعة تلفزيون شبكة صندوق مستشفى سفينة عملية
    """
)
_ROLE_LINKS = _forms("باسم لدى لشؤون")
# Titles of those who stand for a party or a place (النائب عن الدائرة الثالثة).
_REPRESENTATIVES = _inflections("نائب ممثل مرشح مندوب", ("ة",))
# Nouns that carry a role phrase on after في (الباحث في شؤون …، كبير الاقتصاديين في بنك …).
_FIELD_NOUNS = _forms("شؤون مجال قطاع")
_PARTICLES = _forms("عبد أبو أبي أم ابن بن بنت آل ولد")
_CONNECTORS = _forms("بن ابن بنت ولد فون فان دير دي ديل دا دو")
# Common Arabic given names: native names are compared strictly and may be frequent words.
_GIVEN = _forms(
    """
    محمد أحمد محمود مصطفى عمر عمرو عثمان خالد يوسف إبراهيم إسماعيل عبدالله سعيد سعد سالم سليمان
    صالح طارق طلال عادل عماد فادي فارس فيصل فهد كريم ماجد مازن مجدي مراد مروان ناصر نبيل نزار هاني
    هشام وائل وليد ياسر يحيى زياد سامي سمير رامي رشيد حسن حمد حمدي حمزة حازم حاتم بشار بلال أنس
    أيمن إياد أسامة جابر جعفر جواد حامد حيدر خليل داود رضا زكريا زيد سلمان سيف شريف صلاح طه عاطف
    عارف عامر عباس عدنان عصام علاء عيسى غسان فؤاد فتحي فريد قاسم كمال لؤي ماهر منير موسى نادر
    ناجي نعيم هادي هيثم وسام يونس يعقوب إدريس فاطمة عائشة مريم زينب خديجة سارة ليلى هدى منى رانيا
    ريم سلمى سميرة لينا دينا هند نادية سعاد ياسمين رشا عبير سوسن هالة رنا نوال يسرى فراس فواز فايز
    فاضل بسام باسل بكر بدر بشير بهاء لطفي كامل خليفة طلحة حذيفة عبيدة قتيبة معاوية لبنى لمى وفاء
    وداد وجدي
    """
)

_EN_TITLES = frozenset(
    """
    mr mrs ms dr president minister senator envoy general secretary spokesman spokeswoman
    spokesperson ambassador chancellor governor mayor sir king queen prince princess pope adviser
    advisor aide negotiator chief premier commander judge professor rep sen gen gov
    """.split()
)
_EN_PARTICLES = frozenset("al el bin ibn abu abd van von de da di du del der la le".split())
_EN_ORG_NOUNS = frozenset(
    """
    organisation organization group company charity agency firm party ministry newspaper channel
    bank network foundation union council committee university fund
    """.split()
)
_EN_SAID = frozenset("said says told wrote added announced stated warned".split())
_EN_STOP = frozenset(
    """
    the a an of in on at to for and or but with by from as is was are were be been he she it they
    we i you this that these those his her their its our my after before when while if then than
    there here not no yes also just only more most some any all one two three new last next first
    monday tuesday wednesday thursday friday saturday sunday january february march april may june
    july august september october november december read share leave more about author
    """.split()
)

# Unions of the gazetteers above that are tested together, built once.
_KNOWN_AFTER_CONJ = _TITLES | _SAID | _NAMING | _FUNCTION | _TEMPORAL | _ANONYMOUS | _PLACE_NOUNS
_EN_NOT_NAME = _EN_STOP | _EN_TITLES | _EN_SAID
_LOCATIVE_OR_PLACE = _LOCATIVE | _PLACE_NOUNS
_LOCATIVE_OR_FUNCTION = _LOCATIVE | _FUNCTION
_PARTICLES_OR_CONNECTORS = _PARTICLES | _CONNECTORS
_ORG_OR_PLACE = _ORG_NOUNS | _PLACE_NOUNS
_FIELD_OR_ORG = _FIELD_NOUNS | _ORG_NOUNS

_RARE_ZIPF = 2.8  # below: rare enough in general Arabic text to suggest a transliterated name
_COMMON_ZIPF = 5.3  # at or above: a function-like word, never part of a name unless a given name
_EVIDENCE_RANK = {"role": 0, "named": 1, "said_verb": 2, "rare_sequence": 3, "repeated": 4}


# --- word frequency and word shape ------------------------------------------------------------


def _spellings(word: str) -> set[str]:
    """Written forms a matching form may come from (ه→ة، ي→ى/ئ، ا→أ/إ، و→ؤ)."""
    forms = {word}
    if word.endswith("ه"):
        forms.add(word[:-1] + "ة")
    if word.endswith("ي"):
        forms.add(word[:-1] + "ى")
    for f in list(forms):
        if f.startswith("ا"):
            forms.update({"أ" + f[1:], "إ" + f[1:]})
    for f in list(forms):
        for i, c in enumerate(f[1:-1], start=1):
            if c == "ي":
                forms.add(f[:i] + "ئ" + f[i + 1 :])
            elif c == "و":
                forms.add(f[:i] + "ؤ" + f[i + 1 :])
            elif c == "ا":
                forms.add(f[:i] + "أ" + f[i + 1 :])
    return forms


@lru_cache(maxsize=WORD_MEMO)
def _zipf(word: str) -> float:
    """Zipf frequency of a word in general Arabic text, over the spellings it may stand for."""
    if not word:
        return 0.0
    return max(zipf(f) for f in _spellings(word))


def _zipf_any(word: str) -> float:
    """Frequency of a word as written or in its matching form, whichever is known."""
    bare = strip_marks(word)
    return max(_zipf(bare), _zipf(_norm(bare)))


_OBJECT_SUFFIXES = ("هما", "ها", "هم", "كم", "نا", "ني", "ه")


@lru_cache(maxsize=65536)
def _verb_like(stem: str) -> bool:
    """True when ``stem`` conjugates like a verb (يجتمع → يجتمعون، جلس → جلسوا/جلست).

    A leading و/ف and an object pronoun (وسيلتقي، استقبله) are looked through.
    """
    if stem in _GIVEN or stem in _PARTICLES or len(stem) < 3:
        return False
    forms = {stem}
    if stem[0] in "وف" and len(stem) >= 4:
        forms.add(stem[1:])
    for f in list(forms):
        for suffix in _OBJECT_SUFFIXES:
            if f.endswith(suffix) and len(f) - len(suffix) >= 3:
                forms.add(f[: -len(suffix)])
    return any(_conjugates(f) for f in forms)


def _conjugates(stem: str) -> bool:
    if stem in _GIVEN or stem in _PARTICLES or len(stem) < 3:
        return False
    if len(stem) >= 4 and stem[0] == "س" and stem[1] in "يتن" and _conjugates(stem[1:]):
        return True
    if stem[0] in "يتن":
        rests = [stem[1:]]
        if stem.endswith("ي") and len(stem) >= 4:
            rests.append(stem[1:-1])
        if stem.endswith(("ان", "ون", "ين")) and len(stem) >= 6:
            rests.append(stem[1:-2])
        for rest in rests:
            third = [_zipf("ي" + rest + "ون"), _zipf("ي" + rest + "ان")]
            second = [_zipf("ت" + rest + "ون"), _zipf("ت" + rest + "ين")]
            if max(third) >= 2.0 and sum(z >= 1.0 for z in third + second) >= 2:
                return True
    if stem.endswith("ا") and len(stem) >= 4 and _zipf(stem[:-1] + "ت") >= 3.0:
        return True
    if stem.endswith("ت") and len(stem) >= 4 and _zipf(stem[:-1] + "وا") >= 2.0:
        return True
    if stem.endswith("وا") and len(stem) >= 5 and _zipf(stem[:-2] + "ت") >= 2.5:
        return True
    return _zipf(stem + "وا") >= 2.0 and _zipf(stem + "ت") >= 2.5


_PRONOUN_SUFFIXES = ("هما", "كما", "تما", "ها", "هم", "كم", "نا", "تم")


@lru_cache(maxsize=65536)
def _inflected(stem: str) -> bool:
    """True for an Arabic word carrying a pronoun or a feminine plural/dual ending."""
    for suffix in _PRONOUN_SUFFIXES:
        base = stem[: -len(suffix)]
        if stem.endswith(suffix) and len(base) >= 2:
            floor = 4.5 if suffix == "نا" else 3.0  # many given names end in نا (إيلينا)
            if _zipf(base) >= floor or (base.endswith("ت") and _zipf(base[:-1] + "ه") >= 3.0):
                return True
            for subject in ("تمو", "و"):
                if base.endswith(subject) and _zipf(base[: -len(subject)]) >= 3.0:
                    return True
    if stem.endswith("ه") and len(stem) >= 4 and _zipf(stem[:-1]) >= 4.0:
        return True
    if stem.endswith("ته") and len(stem) >= 5 and _zipf(stem[:-2] + "ه") >= 3.0:
        return True
    for suffix in ("تين", "تان", "ات"):
        base = stem[: -len(suffix)]
        if stem.endswith(suffix) and len(base) >= 2 and _zipf(base + "ه") >= 3.0:
            return True
    return False


@lru_cache(maxsize=65536)
def _plural(stem: str) -> bool:
    """True for a sound plural or dual of a known word (مصنعون، عملان، ناجين، كينيين)."""
    if len(stem) >= 6 and stem.endswith(("يين", "يون")):
        return True
    for suffix, other in (("ون", "ين"), ("ين", "ون"), ("ان", "ين"), ("ات", "")):
        base = stem[: -len(suffix)]
        if not stem.endswith(suffix) or len(base) < 2:
            continue
        if suffix != "ين" and _zipf(base) >= 4.0:
            return True
        if other and _zipf(base + other) >= max(2.5, _zipf(stem) - 0.5):
            return True
    return False


def _accusative(stem: str) -> bool:
    """True for a common noun with the accusative alef and no tanween mark (اتفاقا، هدفا)."""
    if not stem.endswith("ا") or len(stem) < 4:
        return False
    base = _zipf(stem[:-1])
    return base >= 4.5 and _zipf(stem) <= base - 0.6


def _counted(stem: str) -> bool:
    """True for the dual or plural of a very common noun (هدفين، موسمين، لاعبون)."""
    return stem.endswith(("ين", "ون")) and len(stem) >= 5 and _zipf(stem[:-2]) >= 4.5


def _adverb(stem: str) -> bool:
    """True for an adverbial accusative written without tanween (هاتفيا، رسميا)."""
    return stem.endswith("يا") and len(stem) >= 5 and min(_zipf(stem[:-1]), _zipf(stem[:-2])) >= 4.0


def _opaque(stem: str) -> bool:
    """True when a rare word cannot be read as an Arabic word with clitics and endings."""
    if _inflected(stem) or _plural(stem):
        return False
    if stem[:1] in "وفبلك" and len(stem) >= 5:
        rest = stem[1:]
        if _inflected(rest) or _zipf(rest) >= 3.0:
            return False
        for suffix in ("ين", "ون", "ان"):
            if rest.endswith(suffix) and _zipf(rest[: -len(suffix)]) >= 3.5:
                return False
    return True


@lru_cache(maxsize=65536)
def _nationality(stem: str) -> bool:
    """True for a nisba adjective of a well-known place (روسي، أميركي، أوكرانيين)."""
    if stem in _GIVEN:
        return False
    for suffix in ("يين", "يون", "يان", "يه", "ي"):
        if not stem.endswith(suffix) or len(stem) - len(suffix) < 2:
            continue
        base = stem[: -len(suffix)]
        derived = [base + "ا", "ال" + base, base + "يا"]
        if base.startswith("ا"):
            derived += [h + base[1:] + end for h in "أإ" for end in ("", "ا", "يا")]
        return _zipf(base) >= 4.6 or max(_zipf(f) for f in derived) >= 4.0
    return False


def _after_letters(surface: str, count: int) -> int:
    """Index in ``surface`` just after its first ``count`` letters and the marks on them."""
    if count <= 0:
        return 0
    seen = 0
    for i, ch in enumerate(surface):
        if strip_marks(ch):
            seen += 1
            if seen == count:
                j = i + 1
                while j < len(surface) and not strip_marks(surface[j]):
                    j += 1
                return j
    return len(surface)


# --- words of the text -------------------------------------------------------------------------


class _Shape(NamedTuple):
    """A word's fields that do not depend on where it stands (all :func:`_name_stem` reads)."""

    stem: str
    norm: str
    prefix: str
    latin: bool
    cap: bool
    tanween: bool
    zipf: float


@dataclass(slots=True)  # not frozen: built for every word, and a frozen __init__ costs 3x
class _Word:
    token_start: int
    start: int  # after the proclitic
    article_start: int  # where a proclitic article begins (== start when there is none)
    end: int
    surface: str
    norm: str
    stem: str
    prefix: str  # normalized proclitic
    latin: bool
    cap: bool
    tanween: bool
    zipf: float
    shape: _Shape  # the fields above that do not depend on the word's place in the text
    name_stem: bool  # _shape_name_stem(shape, False), read for nearly every word


def _frequency_split(bare: str) -> tuple[str, str]:
    """Split a bare و/ف/ب/ل/ك when the rest is a much more frequent word (لجورج، لمراسل)."""
    if len(bare) < 4 or bare[0] not in "وفبلك" or _norm(bare) in _GIVEN:
        return "", bare
    rest = bare[1:]
    whole_z, rest_z = _zipf_any(bare), _zipf_any(rest)
    if rest_z >= 3.0 and rest_z >= whole_z + 0.8:
        return bare[0], rest
    return "", bare


def _known_split(bare: str) -> tuple[str, str]:
    """Split a bare و/ف before a hamza-alef or a gazetteer word (وأولغا، وصهره، وكتب)."""
    if len(bare) < 3 or bare[0] not in "وف":
        return "", bare
    if bare[1] in "أإآ" and len(bare) >= 4:
        return bare[0], bare[1:]
    rest = _norm(bare[1:])
    if rest in _KNOWN_AFTER_CONJ or _title_base(rest) is not None:
        return bare[0], bare[1:]
    return "", bare


def _article_form(bare: str, rest_in_vocab: bool | None) -> bool:
    """True when و/ف/ب/ك + ال really starts ``bare`` (والسلام), not a name (والدو، فالنتينا);
    ``rest_in_vocab``: whether the word from ال on is attested in the document."""
    rest = bare[bare.index("ال") :]
    if rest_in_vocab or _zipf_any(rest) >= 3.0:
        return True
    return len(rest) >= 5 and _zipf_any(rest) > _zipf_any(bare)


def _words(text: str, vocab: set[str]) -> list[_Word]:
    words = []
    for t_start, t_end, surface, norm, t_stem, t_prefix in token_fields(text, vocab):
        rest_in_vocab = None
        if len(t_prefix) > 2 and t_prefix.endswith("ال"):
            bare = strip_marks(surface)
            rest_in_vocab = _norm(bare[bare.index("ال") :]) in vocab
        start, article_start, shape, name_stem = _word_shape(
            surface, norm, t_prefix, t_stem, rest_in_vocab
        )
        words.append(
            _Word(
                token_start=t_start,
                start=t_start + start,
                article_start=t_start + article_start,
                end=t_end,
                surface=surface,
                norm=norm,
                stem=shape.stem,
                prefix=shape.prefix,
                latin=shape.latin,
                cap=shape.cap,
                tanween=shape.tanween,
                zipf=shape.zipf,
                shape=shape,
                name_stem=name_stem,
            )
        )
    return words


@lru_cache(maxsize=WORD_MEMO)
def _word_shape(
    surface: str, norm: str, token_prefix: str, token_stem: str, rest_in_vocab: bool | None
) -> tuple[int, int, _Shape, bool]:
    """What :func:`_words` reads from one token, which depends on the document only through
    whether the word after a و/ف/ب/ك + ال proclitic is attested in it (``rest_in_vocab``):
    (start, article start, both relative to the token, the word's shape, and whether it could
    be part of a name)."""
    bare = strip_marks(surface)
    arabic = bool(ARABIC_LETTER.match(bare))
    latin = not arabic and bool(LATIN_LETTER.match(bare))
    prefix_raw, stem = token_prefix, token_stem
    if len(prefix_raw) > 2 and prefix_raw.endswith("ال") and not _article_form(bare, rest_in_vocab):
        prefix_raw, stem = "", _norm(bare)
    if prefix_raw and "ال" not in prefix_raw and not prefix_raw.endswith("لل"):
        rest_z, whole_z = _zipf_any(bare[len(prefix_raw) :]), _zipf_any(bare)
        if whole_z >= 1.0 and whole_z > rest_z:
            prefix_raw, stem = "", _norm(bare)
    if arabic and not prefix_raw:
        prefix_raw, rest = _known_split(bare)
        if not prefix_raw:
            prefix_raw, rest = _frequency_split(bare)
        stem = _norm(rest)
    prefix = _norm(prefix_raw)
    start = _after_letters(surface, len(prefix_raw))
    article_start = start
    if prefix.endswith("ال"):
        article_start = _after_letters(surface, len(prefix_raw) - 2)
    shape = _Shape(
        stem=stem,
        norm=norm,
        prefix=prefix,
        latin=latin,
        cap=latin and bare[:1].isupper(),
        tanween=any(c in surface for c in "\u064b\u064c\u064d") or bare.endswith("ة"),
        zipf=max(_zipf(bare[len(prefix_raw) :]), _zipf(stem)) if arabic else 0.0,
    )
    return start, article_start, shape, _shape_name_stem(shape, False)


_QUOTES = frozenset("\"“”«»„‟'‘’")


def _gaps(text: str, words: Sequence[_Word]) -> list[str]:
    """Kind of separator after each word: space, comma, bracket, quote, hyphen or break."""
    kinds = []
    for a, b in pairwise(words):
        gap = text[a.end : b.token_start]
        kinds.append("space" if gap == " " else _gap_kind(gap, a.latin and b.latin))
    kinds.append("break")
    return kinds


@lru_cache(maxsize=4096)
def _gap_kind(gap: str, latin: bool) -> str:
    """The kind of the separator ``gap`` between two words (``latin``: both are Latin)."""
    stripped = gap.strip()
    unquoted = "".join(c for c in stripped if c not in _QUOTES)
    if "\n" in gap:
        return "break"
    if not stripped:
        return "space"
    if unquoted in ("،", ","):
        return "comma"
    if all(c in "()[]" or c.isspace() for c in gap):
        return "bracket"
    if not unquoted:
        return "quote"
    if unquoted == "-" and latin:
        return "hyphen"
    return "break"


@lru_cache(maxsize=1 << 16)
def _nisba_countries(stem: str, article: bool) -> tuple[str, ...]:
    """The country names a nisba adjective may come from (الكينية → كينيا، كينييا)."""
    for ending in ("يون", "يين", "يه", "ي"):
        if ending == "ي" and not article:
            continue  # a bare ي-word may be a name (كوفالسكي، ماري)
        if stem.endswith(ending) and len(stem) - len(ending) >= 3:
            base = stem[: -len(ending)]
            return base + "ا", base + "يا"
    return ()


def _conj(w: _Word) -> bool:
    return w.prefix[:1] in ("و", "ف") and bool(w.prefix)


def _article(w: _Word) -> bool:
    return "ال" in w.prefix or w.prefix.endswith("لل")


def _prep(w: _Word) -> bool:
    return not _article(w) and any(c in "بلك" for c in w.prefix.lstrip("وف"))


def _said(w: _Word) -> str | None:
    if w.latin:
        return w.norm if w.norm in _EN_SAID else None
    if w.stem in _SAID and not _article(w) and not _prep(w):
        return w.stem
    if w.norm[:1] in ("و", "ف") and w.norm[1:] in _SAID:
        return w.norm[1:]
    return None


def _title(w: _Word) -> tuple[str, bool] | None:
    """(title, definite) when ``w`` is a title word: with an article or a pronoun it is definite."""
    if w.latin:
        return None
    if w.stem in _TITLES:
        return w.stem, _article(w)
    base = _title_base(w.stem)
    return (base, True) if base is not None else None


@lru_cache(maxsize=1 << 16)
def _title_base(stem: str) -> str | None:
    """The title in a title word that carries a possessive pronoun (صهره، زوجته، مستشارها)."""
    for suffix in ("هما", "هم", "ها", "ه"):
        base = stem[: -len(suffix)]
        if stem.endswith(suffix) and len(base) >= 2:
            if base.endswith("ت"):
                base = base[:-1] + "ه"
            if base in _TITLES:
                return base
    return None


def _verb_word(w: _Word) -> bool:
    """True for an Arabic word without the article that conjugates like a verb."""
    return not w.latin and not _article(w) and _verb_like(w.stem)


def _temporal(w: _Word) -> bool:
    return w.stem in _TEMPORAL or w.norm in _TEMPORAL


def _name_stem(w: _Word, *, surname: bool = False) -> bool:
    """True when the word, proclitics aside, could be part of a person name.

    With ``surname`` the word follows a given name with the article, so a nisba-shaped family
    name (الحلبي، التونسي) is allowed.
    """
    return _shape_name_stem(w.shape, True) if surname else w.name_stem


def _shape_name_stem(w: _Shape, surname: bool) -> bool:
    s = w.stem
    if w.latin:
        low = w.norm
        return w.cap and len(s) >= 2 and low not in _EN_NOT_NAME
    if not s.isalpha() or not ARABIC_LETTER.match(s):
        return False
    if s in _PARTICLES or s in _GIVEN:
        return True
    if w.tanween or len(s) < 2:
        return False
    definite = surname and w.prefix == "ال"
    if (
        (("ال" + s) if definite else s) in _FUNCTION
        or s in _TITLES
        or s in _SAID
        or s in _NAMING
        or s in _ANONYMOUS
        or s in _PLACE_NOUNS
        or s in _ROLE_LINKS
        or _temporal(w)
        or _title(w)
        or _said(w)
    ):
        return False
    if _inflected(s) or (not surname and _nationality(s)):
        return False
    return (_surname_zipf(w) if surname else w.zipf) < _COMMON_ZIPF


def _surname_zipf(w: _Word) -> float:
    """Frequency of a definite surname as a whole (البنا) or as its stem, whichever is lower."""
    return min(w.zipf, _zipf_any("ال" + w.stem)) if w.prefix == "ال" else w.zipf


def _construct_noun(w: _Word) -> bool:
    """A common noun that can carry a role phrase on (رئيس بلدية …، رئيس جمعية منتجي …)."""
    if w.prefix or w.latin or w.stem in _FUNCTION or _temporal(w) or _said(w):
        return False
    if w.stem.endswith("ي") and _zipf(w.stem + "ن") >= 2.5:
        return True  # a sound plural in construct (منتجي القطن، مفاوضي الحكومة)
    return strip_marks(w.surface).endswith("ة") or w.zipf >= _COMMON_ZIPF


def _plain_name(w: _Word) -> bool:
    return not w.prefix and _name_stem(w)


def _idafa_next(w: _Word) -> bool:
    """A bare definite noun that closes a construct phrase (مجلس إدارة الشركة)."""
    return w.prefix == "ال" and w.norm not in _FUNCTION and not _temporal(w)


# --- candidate names ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Candidate:
    indices: tuple[int, ...]
    role: str
    evidence: str
    score: float
    joined_article: frozenset[int] = frozenset()


class _Doc:
    def __init__(self, text: str, vocab: set[str]) -> None:
        self.text = text
        self.words = _words(text, vocab)
        self.gaps = _gaps(text, self.words)
        self.places = self._places()
        self.orgs = self._orgs()
        self._joined: set[int] = set()

    def _places(self) -> set[str]:
        """Words that follow a locative preposition or a place noun somewhere in the text, and
        country names whose nisba adjective the text uses (كينيا next to الكينية)."""
        places = set()
        nisba = set()
        last = len(self.words) - 1
        for i, w in enumerate(self.words):
            if w.latin:
                continue
            nisba.update(_nisba_countries(w.stem, _article(w)))
            if w.stem not in _LOCATIVE_OR_PLACE or (w.stem in _TITLES and w.prefix):
                continue  # المحافظة: the governor more often than the province
            if i == last or self.gaps[i] != "space" or _prep(w):
                continue
            nxt = self.words[i + 1]
            if not nxt.prefix and not nxt.latin:
                places.add(nxt.stem)
        return places | nisba

    def _orgs(self) -> set[str]:
        """Latin words that follow an English organisation noun (the charity Humanitarian …)."""
        orgs = set()
        for i, w in enumerate(self.words[:-1]):
            if w.latin and w.norm in _EN_ORG_NOUNS and self.gaps[i] in ("space", "quote"):
                k = i + 1
                while k < len(self.words) and self.words[k].cap:
                    orgs.add(self.words[k].norm)
                    if self.gaps[k] != "space":
                        break
                    k += 1
        return orgs

    def run(self, j: int, *, first_conj: bool = False, first_prep: bool = False) -> list[int]:
        """Indices of the maximal run of name-like words starting at ``j``."""
        words, out, joined = self.words, [], []
        k = j
        while k < len(words) and len(out) < 6:
            w = words[k]
            if out and self.gaps[k - 1] != "space":
                if self.gaps[k - 1] != "hyphen" or words[k - 1].norm not in _EN_PARTICLES:
                    break
            ok = _plain_name(w)
            if ok and out and out[-1] in joined and w.stem not in _PARTICLES_OR_CONNECTORS:
                break  # a definite surname ends the name (أحمد الصالح وغونار …)
            if not ok and not out:
                if first_conj and _conj(w) and not _article(w) and not _prep(w):
                    ok = _name_stem(w)
                elif first_prep and _prep(w):
                    ok = _name_stem(w)
            if not ok and out and w.prefix == "ال":
                prev = words[out[-1]].stem
                after_compound = out[-1] in joined and len(out) >= 2
                ok = prev in _GIVEN or prev in _PARTICLES or after_compound
                ok = ok and _name_stem(w, surname=prev in _GIVEN)
                if ok:
                    joined.append(k)
            if not ok and out and w.latin and k + 1 < len(words):
                ok = w.norm in _EN_PARTICLES and self.gaps[k] in ("space", "hyphen")
                ok = ok and words[k + 1].cap
            if not ok:
                break
            out.append(k)
            k += 1
        self._joined.update(joined)
        return out

    def split_conjunction(self, k: int) -> None:
        """Read the first letter of word ``k`` as the conjunction و/ف."""
        w = self.words[k]
        bare = strip_marks(w.surface)
        shape = w.shape._replace(stem=_norm(bare[1:]), prefix=_norm(bare[0]), zipf=_zipf(bare[1:]))
        self.words[k] = replace(
            w,
            start=w.token_start + _after_letters(w.surface, 1),
            article_start=w.token_start + _after_letters(w.surface, 1),
            stem=shape.stem,
            prefix=shape.prefix,
            zipf=shape.zipf,
            shape=shape,
            name_stem=_shape_name_stem(shape, False),
        )

    def extend(self, idx: list[int]) -> list[int]:
        """A lone native first name with the definite surname after it (منصور العتيبي)."""
        words = self.words
        if len(idx) != 1 or idx[0] + 1 >= len(words) or self.gaps[idx[0]] != "space":
            return idx
        first, nxt = words[idx[0]], words[idx[0] + 1]
        if first.latin or (first.zipf < _RARE_ZIPF and first.stem not in _GIVEN):
            return idx
        if nxt.prefix != "ال" or not _name_stem(nxt, surname=True) or _surname_zipf(nxt) >= 4.6:
            return idx
        self.join(idx[0] + 1)
        return [idx[0], idx[0] + 1]

    def join(self, k: int) -> None:
        """Keep the article of word ``k`` in the name it belongs to (العتيبي، الحلبي)."""
        self._joined.add(k)

    def nameness(self, k: int) -> float:
        w = self.words[k]
        if w.latin:
            return 2.0
        if w.stem in _GIVEN:
            return 3.0
        return max(0.0, 4.5 - w.zipf)

    def trim(self, run: Sequence[int]) -> list[int]:
        """The run without leading verbs, cut at the next verb, without a dangling particle."""
        words, r = self.words, list(run)
        while r and _verb_word(words[r[0]]):
            r.pop(0)
        for n, k in enumerate(r):
            if _verb_word(words[k]):
                r = r[:n]
                break
        while r and words[r[-1]].stem in _PARTICLES:
            r.pop()
        return r

    def choose(self, run: Sequence[int], *, from_end: bool) -> list[int]:
        """The person name inside a run: verbs trimmed, a two-word window, particles kept."""
        words = self.words
        r = self.trim(run)
        if len(r) <= 2:
            window = (0, len(r))
        elif not from_end:
            window = (0, 2)
        else:
            best = max(
                range(len(r) - 1),
                key=lambda a: (self.nameness(r[a]) + self.nameness(r[a + 1]), a),
            )
            window = (best, best + 2)
        a, b = window
        while a > 0 and (words[r[a - 1]].stem in _PARTICLES or words[r[a]].stem in _CONNECTORS):
            a -= 1
        while b < len(r) and words[r[b - 1]].stem in _CONNECTORS:
            b += 1
        return r[a:b][-4:]

    def plausible(
        self, idx: Sequence[int], *, single_max: float = 4.5, pair_max: float = 4.5
    ) -> bool:
        words = self.words
        core = [words[k] for k in idx if words[k].stem not in _PARTICLES_OR_CONNECTORS]
        if not core:
            return False
        for w in core:
            if w.latin:
                if w.norm in self.orgs:
                    return False
                continue
            if w.stem in _GIVEN:
                continue
            if w.stem in self.places or _verb_word(w):
                return False
            if w.stem[:1] in "وف" and w.stem[1:] in self.places:
                return False
        before = idx[0] - 1
        if before >= 0 and self.gaps[before] in ("space", "bracket", "quote"):
            prev = words[before]
            if prev.stem in _ORG_OR_PLACE and not _article(prev):
                return False
        if len(core) == 1:
            w = core[0]
            if w.latin or w.stem in _GIVEN:
                return True
            if _counted(w.stem) or (w.stem.endswith(("ون", "ين")) and _plural(w.stem)):
                return False
            return w.zipf < single_max and not _adverb(w.stem)
        zs = [_surname_zipf(w) for w in core if not w.latin and w.stem not in _GIVEN]
        return not zs or max(zs) < pair_max or min(zs) < 3.0

    def candidate(self, idx: Sequence[int], role: str, evidence: str, score: float) -> _Candidate:
        joined = frozenset(k for k in idx if k in self._joined)
        return _Candidate(tuple(idx), role, evidence, score, joined)

    def role_text(self, idx: Sequence[int]) -> str:
        """Normalized role phrase; its first word loses a conjunction or preposition."""
        parts = []
        for n, k in enumerate(idx):
            w = self.words[k]
            if n == 0 and (w.prefix.endswith("لل") or "ال" in w.prefix):
                parts.append("ال" + w.stem)
            elif n == 0 and w.prefix:
                parts.append(w.stem)
            else:
                parts.append(w.norm[1:] if _conj(w) else w.norm)
        return " ".join(parts)


_PHRASE_GAPS = ("space", "bracket", "quote")


def _title_head(doc: _Doc, i: int, title: tuple[str, bool]) -> bool:
    """False for a title word that here is more likely its common-noun reading.

    Titles that are also common nouns (اللواء) count only with the article; one that is also a
    place noun (المحافظة) not after a locative preposition.
    """
    head = doc.words[i]
    if title[0] in _DEFINITE_TITLES and not _article(head):
        return False
    if head.stem in _PLACE_NOUNS:
        if _prep(head):
            return False
        before = i - 1
        if before >= 0 and doc.gaps[before] == "space":
            return doc.words[before].stem not in _LOCATIVE_OR_FUNCTION
    return True


def _complement(w: _Word) -> bool:
    """A bare word that completes a link: the place or body after it (سفير ألمانيا لدى مصر)."""
    if w.prefix or w.latin or w.stem in _FUNCTION or _temporal(w) or _title(w):
        return False
    return _name_stem(w) or w.zipf >= _COMMON_ZIPF


def _link_next(doc: _Doc, j: int, head_index: int) -> bool:
    """True when the word at ``j`` continues a role phrase as a link (باسم، لدى، في الشؤون …)."""
    words, n = doc.words, len(doc.words)
    w = words[j]
    if w.norm in _ROLE_LINKS:
        return True
    if w.prefix or j + 1 >= n:
        return False
    nxt = words[j + 1]
    if w.stem == "عن":  # النائبة عن الحزب الديمقراطي
        head = _title(words[head_index])
        return head is not None and head[0] in _REPRESENTATIVES and _article(nxt)
    if w.stem != "في":
        return False
    return (_article(nxt) and not _conj(nxt)) or (not nxt.prefix and nxt.stem in _FIELD_OR_ORG)


def _role_phrase(doc: _Doc, i: int) -> tuple[list[int], list[tuple[int, bool]], bool, bool]:
    """The role phrase that starts with the title at ``i``.

    Returns its indices, the nested titles in it (index, definite), whether the word after it
    is governed by a preposition (المبعوث الخاص لدونالد ترامب) and whether the phrase is
    complete: a definite or closed phrase is followed by its holder's name, an open construct
    (رئيس بلدية …) by the noun it governs.
    """
    words, gaps, n = doc.words, doc.gaps, len(doc.words)
    phrase: list[int] = [i]
    nested: list[tuple[int, bool]] = []
    title = _title(words[i])
    complete = title is not None and title[1]
    possessive = False
    j = i + 1
    while j < n and gaps[j - 1] in _PHRASE_GAPS and len(phrase) < 10:
        w = words[j]
        if w.latin:
            break
        sub = _title(w)
        if sub and not w.prefix and not sub[1] and complete and len(phrase) > 1:
            break  # a new role: يلتقي الوزير الدنماركي رئيس الوزراء فلان
        if sub and (not w.prefix or _article(w) or _conj(w)):
            phrase.append(j)
            nested.append((j, sub[1]))
            complete = sub[1]
            j += 1
            continue
        if _conj(w):
            last = words[phrase[-1]]
            if _article(w) and _article(last) and not _title(last) and not _nationality(w.stem):
                phrase.append(j)  # وزير الشباب والرياضة
                j += 1
                continue
            break
        if _link_next(doc, j, i):
            if j + 1 >= n or gaps[j] != "space":
                break
            phrase.append(j)
            j += 1
            complete = False
            nxt = words[j]
            after = j + 1 < n and gaps[j] == "space" and _idafa_next(words[j + 1])
            if w.norm in _ROLE_LINKS and _complement(nxt) and not after:
                phrase.append(j)  # سفير ألمانيا لدى مصر
                j += 1
                complete = True
            continue
        if w.stem in _DAYS or w.norm in _DAYS or w.norm in _FUNCTION:
            break
        if _article(w):
            phrase.append(j)
            j += 1
            complete = True
            continue
        if _prep(w):
            possessive = _name_stem(w)
            break
        r = doc.run(j)
        if not r and _construct_noun(w) and j + 1 < n and gaps[j] in _PHRASE_GAPS:
            phrase.append(j)
            j += 1
            complete = False
            continue
        if not r:
            break
        k = r[-1] + 1
        if len(r) <= 2 and k < n and gaps[r[-1]] == "space" and words[k].norm in _ROLE_LINKS:
            phrase.extend(r)  # سفير ألمانيا لدى …
            j = k
            continue
        if (
            not complete
            and len(r) <= 2
            and k < n
            and gaps[r[-1]] == "space"
            and _idafa_next(words[k])
            and words[r[-1]].stem not in _GIVEN
            and not any(words[x].stem in _PARTICLES for x in r)
        ):
            phrase.extend([*r, k])  # رئيس حلف شمال الأطلسي، مدرب نادي الشروق
            j = k + 1
            complete = True
            continue
        break
    return phrase, nested, possessive, complete


def _role_cues(doc: _Doc) -> list[_Candidate]:
    """Names after a title: the role phrase, its run of names, and an apposition after a comma."""
    words, gaps, n = doc.words, doc.gaps, len(doc.words)
    found: list[_Candidate] = []
    i = 0
    while i < n:
        head = words[i]
        if head.latin:
            found.extend(_english_role(doc, i))
            i += 1
            continue
        title = _title(head)
        if title is None or not _title_head(doc, i, title):
            i += 1
            continue
        phrase, nested, possessive, complete = _role_phrase(doc, i)
        end = phrase[-1] + 1
        run1: list[int] = []
        if end < n and gaps[end - 1] in _PHRASE_GAPS:
            run1 = doc.run(end, first_prep=possessive)
        if title[0] in _WEAK_TITLES and len(phrase) < 2 and len(run1) < 3:
            i += 1
            continue
        strict = head.stem in _PLACE_NOUNS  # المحافظة: a governor only with a full name
        after = run1[-1] if run1 else phrase[-1]
        run2: list[int] = []
        if after + 1 < n and gaps[after] == "comma":
            cand = doc.extend(doc.choose(doc.run(after + 1), from_end=False))
            k = cand[-1] + 1 if cand else 0
            if cand and not (k < n and gaps[cand[-1]] == "space" and _idafa_next(words[k])):
                run2 = cand
        # After a closed phrase the run is the holder (وزير الاقتصاد فلان، بحضور …); after an
        # open one, or one with a title inside, it is what the role governs (مساعد الرئيس، فلان؛
        # صهر الرئيس الفرنسي فلان، فلان الآخر).
        appositive = bool(run2) and (not run1 or possessive or not complete or bool(nested))
        possessor: list[int] = []
        if appositive and _apposition(doc, run2) and not (strict and len(run2) < 2):
            role = doc.role_text(phrase + run1)
            found.append(doc.candidate(run2, role, "role", _role_score(run2)))
            possessor = run1
        elif run1 and (possessive or (not complete and len(run1) <= 2)):
            possessor = run1
        elif run1:
            holder = doc.extend(doc.choose(run1, from_end=True))
            if holder and doc.plausible(holder) and not (strict and len(holder) < 2):
                leftover = run1[: run1.index(holder[0])]
                role = doc.role_text(phrase + leftover)
                found.append(doc.candidate(holder, role, "role", _role_score(holder)))
                possessor = leftover
                found.extend(_coordinated(doc, phrase, holder, role))
        definite = [k for k, d in nested if d]
        if possessor and (possessive or definite):
            pick = doc.choose(possessor, from_end=True)
            if len(pick) >= 2 and doc.plausible(pick, single_max=4.0):
                role = ""
                if definite and possessor[0] == phrase[-1] + 1 and not possessive:
                    role = doc.role_text(phrase[phrase.index(definite[-1]) :])
                found.append(doc.candidate(pick, role, "role", 0.75))
        i = phrase[-1] + 1
    return found


def _apposition(doc: _Doc, idx: Sequence[int]) -> bool:
    """A name set off by commas after a role: two words, or one given or transliterated name."""
    if not doc.plausible(idx, pair_max=_COMMON_ZIPF):
        return False
    if len(idx) >= 2:
        return True
    w = doc.words[idx[0]]
    return w.latin or w.stem in _GIVEN or (w.zipf < _RARE_ZIPF and _opaque(w.stem))


def _coordinated(
    doc: _Doc, phrase: Sequence[int], holder: Sequence[int], role: str
) -> list[_Candidate]:
    """The second name after a dual or plural title (الوزيران فلان وفلان)."""
    words, gaps, n = doc.words, doc.gaps, len(doc.words)
    if not any(words[k].stem in _GROUP_TITLES for k in phrase):
        return []
    k = holder[-1] + 1
    if k >= n or gaps[holder[-1]] != "space":
        return []
    if not _conj(words[k]):
        if words[k].latin or words[k].prefix or words[k].stem[:1] not in "وف":
            return []
        doc.split_conjunction(k)  # وغونار: here the و can only be "and"
    other = doc.extend(doc.choose(doc.run(k, first_conj=True), from_end=False))
    if not other or other[0] != k or not doc.plausible(other):
        return []
    return [doc.candidate(other, role, "role", _role_score(other))]


def _role_score(idx: Sequence[int]) -> float:
    return 0.95 if len(idx) >= 2 else 0.85


def _english_role(doc: _Doc, i: int) -> list[_Candidate]:
    """Capitalised words after an English title (President Donald Trump)."""
    words, gaps, n = doc.words, doc.gaps, len(doc.words)
    if words[i].norm not in _EN_TITLES or (i > 0 and words[i - 1].norm in _EN_TITLES):
        return []
    j = i + 1
    while j < n and gaps[j - 1] == "space" and words[j].norm in _EN_TITLES:
        j += 1
    if j >= n or gaps[j - 1] != "space":
        return []
    r = doc.run(j)[:3]
    if not r:
        return []
    role = " ".join(words[k].norm for k in range(i, j))
    return [doc.candidate(r, role, "role", _role_score(r))]


def _said_cues(doc: _Doc) -> list[_Candidate]:
    """Subjects right after a said-verb (وقال فلان) or right before one (فلان قال)."""
    words, gaps, n = doc.words, doc.gaps, len(doc.words)
    found: list[_Candidate] = []
    for i, w in enumerate(words):
        verb = _said(w)
        if verb is None:
            continue
        masculine = not w.latin and verb in _SAID_MASC
        j = i + 1
        if j < n and gaps[i] == "space" and not _conj(words[j]) and not _title(words[j]):
            subject = doc.run(j)
            name = doc.extend(doc.choose(subject, from_end=False)) if subject else []
            k = name[-1] + 1 if name else 0
            idafa = name and k < n and gaps[name[-1]] == "space" and _idafa_next(words[k])
            if name and name[0] == j and not idafa and (len(name) >= 2 or masculine):
                if doc.plausible(name):
                    found.append(doc.candidate(name, "", "said_verb", _said_score(name)))
                    if k < n and gaps[name[-1]] == "space" and _conj(words[k]):
                        other = doc.run(k, first_conj=True)
                        if len(other) == 1 and doc.plausible(other, single_max=4.0):
                            found.append(doc.candidate(other, "", "said_verb", 0.7))
        if _conj(w) or i == 0 or gaps[i - 1] != "space":
            continue
        start = i - 1
        while start > 0 and i - start < 2 and gaps[start - 1] == "space":
            if not _plain_name(words[start - 1]):
                break
            start -= 1
        subject = [k for k in range(start, i) if _plain_name(words[k])]
        if not subject or subject[0] != start or len(subject) != i - start:
            continue
        before = start - 1
        bounded = before < 0 or gaps[before] != "space" or not _name_stem(words[before])
        if bounded and (len(subject) >= 2 or masculine) and doc.plausible(subject):
            found.append(doc.candidate(subject, "", "said_verb", _said_score(subject) - 0.05))
    return found


def _named_cues(doc: _Doc) -> list[_Candidate]:
    """Names after a naming verb (ويدعى منير) or a leader noun (لجنة برئاسة فلان الفلاني)."""
    words, gaps = doc.words, doc.gaps
    found: list[_Candidate] = []
    for i, w in enumerate(words[:-1]):
        if w.latin or gaps[i] != "space":
            continue
        naming = w.stem in _NAMING and not _prep(w) and not _article(w)
        led = w.norm in _LED_BY or (w.norm[:1] in "وف" and w.norm[1:] in _LED_BY)
        if not (naming or led):
            continue
        name = doc.extend(doc.choose(doc.run(i + 1), from_end=False))
        if not name or name[0] != i + 1 or (led and len(name) < 2):
            continue
        if doc.plausible(name, single_max=_COMMON_ZIPF if naming else 4.5):
            role = "" if naming else w.norm.lstrip("وف")[1:]
            found.append(doc.candidate(name, role, "named", _said_score(name)))
    return found


def _said_score(idx: Sequence[int]) -> float:
    return 0.85 if len(idx) >= 2 else 0.75


def _rare_cues(doc: _Doc, firm: Iterable[_Candidate]) -> list[_Candidate]:
    """Two or three name-like words, one of them rare and opaque, away from place cues."""
    words, gaps, n = doc.words, doc.gaps, len(doc.words)
    surnames = {words[c.indices[-1]].stem for c in firm}
    found: list[_Candidate] = []
    i = 0
    while i < n:
        w = words[i]
        if w.latin or not (_plain_name(w) or (_conj(w) and _name_stem(w) and not _prep(w))):
            i += 1
            continue
        run = doc.run(i, first_conj=True)
        if not run:
            i += 1
            continue
        i = run[-1] + 1
        if any(words[k].latin for k in run):
            continue
        follow = run[-1] + 1
        if follow < n and gaps[run[-1]] == "space" and _idafa_next(words[follow]):
            continue
        first = words[run[0]]
        prev = run[0] - 1
        if not _conj(first) and prev >= 0 and gaps[prev] == "space":
            if words[prev].stem in _LOCATIVE_OR_PLACE:
                continue
        trimmed = doc.trim(run)
        name = doc.choose(trimmed, from_end=True)
        extra = [words[k] for k in trimmed if k not in name]
        if len(name) < 2 or any(x.zipf >= _RARE_ZIPF or not _opaque(x.stem) for x in extra):
            continue
        core = [words[k] for k in name if words[k].stem not in _PARTICLES]
        free = [x for x in core if x.stem not in _GIVEN]
        rare = [x for x in free if x.zipf < _RARE_ZIPF and _opaque(x.stem)]
        if not rare or max(x.zipf for x in free) >= 4.5:
            continue
        if core[0].stem in surnames and core[-1].stem not in surnames:
            continue
        if any(x.stem.endswith(("ون", "ين", "ات")) and _plural(x.stem) for x in free):
            continue  # a plural noun or adjective (تنتشل ناجين)
        if any(_accusative(x.stem) for x in free):
            continue  # an indefinite object (وقعت كالدور اتفاقا)
        if _coordination(core):
            continue
        if doc.plausible(name):
            score = 0.7 if min(x.zipf for x in rare) == 0.0 else 0.6
            found.append(doc.candidate(name, "", "rare_sequence", score))
    return found


def _coordination(core: Sequence[_Word]) -> bool:
    """True for two one-word names joined by و, like a pair of countries (كينيا وأوغندا).

    Both words end in alef, which few given name and surname pairs do.
    """
    if len(core) != 2 or not all(w.stem.endswith("ا") for w in core):
        return False
    second = core[1]
    return _conj(second) or (second.stem[:1] == "و" and len(second.stem) >= 4)


def _repeated_cues(doc: _Doc, accepted: Iterable[_Candidate]) -> list[_Candidate]:
    """Later bare uses of a surname (and given name) already found in the same text.

    A rare word that spells a found surname slightly differently (ليندكفست after ليندكفيست: same
    skeleton, similarity at least 0.9) counts too: one report may spell a name two ways.
    """
    words, gaps = doc.words, doc.gaps
    surnames: set[str] = set()
    given: set[str] = set()
    taken: set[int] = set()
    for c in accepted:
        taken.update(c.indices)
        if c.score < 0.6:
            continue
        forms = [_token_form(words[k], k in c.joined_article) for k in c.indices]
        surnames.add(forms[-1])
        if len(forms) >= 2:
            given.add(forms[0])
    by_skeleton: dict[str, list[str]] = {}
    for s in surnames:
        if not s.startswith("ال"):
            by_skeleton.setdefault(skeleton(s), []).append(s)
    found: list[_Candidate] = []
    for i, w in enumerate(words):
        if i in taken or (w.latin and not w.cap):
            continue
        definite = w.prefix in ("ال", "وال", "فال")
        form = "ال" + w.stem if definite else w.stem
        if (_article(w) and not definite) or form in _FUNCTION:
            continue
        if i > 0 and gaps[i - 1] == "space" and words[i - 1].stem in _LOCATIVE:
            continue
        near = False
        if form not in surnames:
            near = not definite and _near_repeat(w, by_skeleton)
            if not near:
                continue
        if definite:
            doc.join(i)
        idx = [i]
        if (
            not near
            and i > 0
            and i - 1 not in taken
            and gaps[i - 1] == "space"
            and words[i - 1].stem in given
            and not w.prefix
            and not _article(words[i - 1])
            and not _prep(words[i - 1])
        ):
            idx = [i - 1, i]
        score = 0.7 if len(idx) == 2 else 0.6
        if _surname_zipf(w) >= 4.5:
            score = 0.45
        found.append(doc.candidate(idx, "", "repeated", score))
        taken.update(idx)
    return found


def _near_repeat(w: _Word, by_skeleton: dict[str, list[str]]) -> bool:
    """True for a rare word spelled like one of the surnames (without the article, grouped by
    :func:`skeleton`) up to transliteration."""
    if w.latin or w.zipf >= _RARE_ZIPF or not _name_stem(w):
        return False
    return any(name_similarity(w.stem, s) >= 0.9 for s in by_skeleton.get(skeleton(w.stem), ()))


def _token_form(w: _Word, joined: bool) -> str:
    return "ال" + w.stem if joined else w.stem


def _resolve(cands: Iterable[_Candidate]) -> list[_Candidate]:
    """Keep the strongest candidate where spans overlap."""
    order = sorted(
        cands, key=lambda c: (_EVIDENCE_RANK[c.evidence], -c.score, -len(c.indices), c.indices)
    )
    kept: list[_Candidate] = []
    used: set[int] = set()
    for c in order:
        if used.isdisjoint(c.indices):
            kept.append(c)
            used.update(c.indices)
    return kept


def extract_names(text: str, vocab: set[str] | None = None) -> list[NameMention]:
    """Return the person-name mentions of ``text`` in order, found from context cues.

    ``vocab`` is the set of normalized words attested in the document (default: those of
    ``text``); it lets a leading و/ف/ب/ل be split off without cutting names that begin with
    those letters. Offsets index ``text``.
    """
    doc = _Doc(text, vocabulary(text) if vocab is None else vocab)
    firm = _resolve([*_role_cues(doc), *_named_cues(doc), *_said_cues(doc)])
    firm = _resolve([*firm, *_rare_cues(doc, firm)])
    kept = _resolve([*firm, *_repeated_cues(doc, firm)])
    mentions = []
    for c in sorted(kept, key=lambda c: c.indices):
        first = doc.words[c.indices[0]]
        start = first.article_start if c.indices[0] in c.joined_article else first.start
        end = doc.words[c.indices[-1]].end
        tokens = tuple(_token_form(doc.words[k], k in c.joined_article) for k in c.indices)
        mentions.append(
            NameMention(
                start=start,
                end=end,
                surface=text[start:end],
                tokens=tokens,
                role=c.role,
                evidence=c.evidence,
                score=round(min(1.0, max(0.0, c.score)), 3),
            )
        )
    return mentions


# --- comparison -------------------------------------------------------------------------------

_ARABIC_CLASS = {
    "ب": "B",
    "ت": "T",
    "ط": "T",
    "ث": "S",
    "س": "S",
    "ص": "S",
    "ج": "G",
    "غ": "G",
    "ح": "H",
    "خ": "H",
    "ه": "H",
    "د": "D",
    "ض": "D",
    "ذ": "Z",
    "ز": "Z",
    "ظ": "Z",
    "ر": "R",
    "ش": "X",
    "ف": "F",
    "ق": "K",
    "ك": "K",
    "ل": "L",
    "م": "M",
    "ن": "N",
}
_LATIN_DIGRAPHS = (
    ("sch", "X"),
    ("sh", "X"),
    ("ch", "TX"),
    ("zh", "G"),
    ("kh", "H"),
    ("gh", "G"),
    ("ph", "F"),
    ("th", "T"),
    ("ck", "K"),
    ("dj", "G"),
)
_LATIN_CLASS = {
    "b": "B",
    "p": "B",
    "t": "T",
    "d": "D",
    "s": "S",
    "k": "K",
    "q": "K",
    "x": "KS",
    "z": "Z",
    "f": "F",
    "v": "F",
    "w": "F",
    "g": "G",
    "j": "G",
    "h": "H",
    "l": "L",
    "m": "M",
    "n": "N",
    "r": "R",
}


def _name_words(name: str) -> list[str]:
    return [w for w in (strip_marks(p).strip(".,،:;\"'()“”«»") for p in name.split()) if w]


def _is_latin(word: str) -> bool:
    return not ARABIC_LETTER.search(word) and bool(LATIN_LETTER.search(word))


def _latin_fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _arabic_skeleton(word: str) -> str:
    s = _norm(word).replace("ء", "")
    if not s:
        return ""
    out = []
    if s[0] in "اع":
        s = s[1:]
    elif s[0] == "و":
        out.append("F")
        s = s[1:]
    elif s[0] == "ي":
        out.append("Y")
        s = s[1:]
    if len(s) > 2 and s.endswith("ه"):
        s = s[:-1]
    out.extend(_ARABIC_CLASS.get(c, "") for c in s)
    return "".join(out)


def _latin_skeleton(word: str) -> str:
    s = "".join(c for c in _latin_fold(word) if c.isalpha())
    if not s:
        return ""
    out = []
    i = 0
    if s[0] == "y" and len(s) > 1 and s[1] in "aeiou":
        out.append("Y")
        i = 1
    while i < len(s):
        for digraph, code in _LATIN_DIGRAPHS:
            if s.startswith(digraph, i):
                out.append(code)
                i += len(digraph)
                break
        else:
            c = s[i]
            if c == "c":
                out.append("S" if s[i + 1 : i + 2] in ("e", "i", "y") else "K")
            else:
                out.append(_LATIN_CLASS.get(c, ""))
            i += 1
    return "".join(out)


def _collapse(code: str) -> str:
    return "".join(c for i, c in enumerate(code) if i == 0 or c != code[i - 1])


@lru_cache(maxsize=WORD_MEMO)
def skeleton(name: str) -> str:
    """Return the transliteration key of ``name``: one consonant-class string per word.

    Vowel letters, a word-initial alef/ayn and hamza seats are dropped, letters that render
    the same foreign sound share a class (ت/ط، س/ص/ث، ك/ق، ج/غ/g، و/ف/v/w …) and doubled
    classes collapse, so عليانوف، أوليانوف and Ulyanov all give ``LNF``.
    """
    keys = []
    for w in _name_words(name):
        code = _latin_skeleton(w) if _is_latin(w) else _arabic_skeleton(w)
        keys.append(_collapse(code))
    return " ".join(k for k in keys if k)


def _match_form(word: str) -> str:
    return _latin_fold(word) if _is_latin(word) else _norm(word)


def _drop_inner_vowels(word: str) -> str:
    return word[:1] + "".join(c for c in word[1:] if c not in "اي")


def _orthographic_word(a: str, b: str) -> bool:
    if _is_latin(a) or _is_latin(b):
        return _is_latin(a) and _is_latin(b) and _latin_fold(a) == _latin_fold(b)
    na, nb = _norm(a), _norm(b)
    if na == nb:
        return True
    if _drop_inner_vowels(na) != _drop_inner_vowels(nb):
        return False
    return min(_zipf_any(a), _zipf_any(b)) >= 3.0


def orthographic_only(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ only in spelling conventions, never in the name.

    Covered: diacritics, tatweel, hamza seats, ى/ي, ة/ه, Latin case and accents, and an
    inserted ا or ي inside a word when both spellings are established in general text
    (الأمريكي/الأميركي). Such pairs must not be reported as name variants.
    """
    wa, wb = _name_words(a), _name_words(b)
    if not wa or len(wa) != len(wb):
        return False
    return all(_orthographic_word(x, y) for x, y in zip(wa, wb, strict=True))


@lru_cache(maxsize=WORD_MEMO)
def _native(word: str) -> bool:
    return _norm(word) in _GIVEN or _zipf_any(word) >= 4.0


def is_native_name(word: str) -> bool:
    """True when ``word`` is a given name or a frequent word: a native name, matched with
    another only by spelling conventions (never by transliteration)."""
    return _native(strip_marks(word).strip(".,،:;\"'()“”«»"))


# The two pair caches are bounded low: pairs of words rarely recur (at 100,000 generated
# articles the checks asked for 10.4 million name pairs, 2 % of them again, and 11.8 million
# word pairs, 11 % again), and at a million entries each they held 0.7 GB between them.
@lru_cache(maxsize=1 << 16)
def _word_similarity(a: str, b: str) -> float:
    na, nb = _match_form(a), _match_form(b)
    if na == nb:
        return 1.0
    if _orthographic_word(a, b):
        return 0.97
    sa, sb = _collapse(skeleton(a)), _collapse(skeleton(b))
    skel = fuzz.ratio(sa, sb) / 100 if sa and sb else 0.0
    if _is_latin(a) != _is_latin(b):
        return 0.9 if sa == sb else 0.8 * skel
    text = fuzz.ratio(na, nb) / 100
    both_given = _norm(a) in _GIVEN and _norm(b) in _GIVEN
    if both_given:
        return 0.3 * text
    if _native(a) and _native(b):
        return 0.5 * text
    if sa == sb:
        return 0.85 + 0.15 * text
    return min(0.8, 0.55 * skel + 0.45 * text)


def similar_word_pairs(
    words: Sequence[str], floor: float, *, block_cells: int = 1 << 22
) -> list[tuple[int, int]]:
    """Return the index pairs (i < j, in order) of ``words`` whose :func:`_word_similarity`
    can reach ``floor``, found with two vectorized string comparisons instead of one Python
    call per pair. Exact for the transliteration branch (0.55 skeleton + 0.45 spelling
    similarity, or an equal skeleton); the other branches score lower or need near-equal
    spellings.

    The comparisons are made a block of rows at a time, each row against the words after it,
    about ``block_cells`` cells a block: made whole, their float temporaries took 8 bytes a
    pair (at 100,000 articles a surname written with thousands of first names cost the checks
    1.4 GB at once)."""
    import numpy as np
    from rapidfuzz import process

    n = len(words)
    if n < 2:
        return []
    forms = [_match_form(w) for w in words]
    skels = [_collapse(skeleton(w)) for w in words]
    codes: dict[str, int] = {}
    skel_code = np.array([codes.setdefault(k, len(codes)) for k in skels], dtype=np.int64)
    step = max(1, block_cells // n)
    pairs: list[tuple[int, int]] = []
    for lo in range(0, n, step):
        hi = min(n, lo + step)
        text = process.cdist(forms[lo:hi], forms[lo:], scorer=fuzz.ratio, dtype=np.uint8)
        skel = process.cdist(skels[lo:hi], skels[lo:], scorer=fuzz.ratio, dtype=np.uint8)
        same_skeleton = skel_code[lo:hi, None] == skel_code[None, lo:]
        reach = (0.55 * skel + 0.45 * text) / 100 >= floor - 0.01
        close = text >= 80  # equal or orthographic spellings (0.97 and 1.0)
        # (column j of the block is word lo + j, row i word lo + i: j > i keeps i < j)
        rows, cols = np.nonzero(np.triu(reach | close | same_skeleton, 1))
        pairs.extend(zip((rows + lo).tolist(), (cols + lo).tolist(), strict=True))
    return pairs


def _sequence_similarity(a: Sequence[str], b: Sequence[str]) -> float:
    if not a or not b:
        return 0.0
    if len(a) == len(b):
        sims = [_word_similarity(x, y) for x, y in zip(a, b, strict=True)]
        return sum(sims) / len(sims) if min(sims) >= 0.6 else min(sims)
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    last = _word_similarity(short[-1], long_[-1])
    if len(short) == 1:
        return 0.9 * last
    first = _word_similarity(short[0], long_[0])
    return min(first, last) if min(first, last) < 0.6 else 0.9 * (first + last) / 2


@lru_cache(maxsize=1 << 16)  # (see _word_similarity)
def name_similarity(a: str, b: str) -> float:
    """Return 0..1: how likely two written names are spellings of the same name.

    Foreign transliterations are matched by skeleton and string similarity; native Arabic
    names (given-name list or frequent words) only by spelling conventions.
    """
    return round(_sequence_similarity(_name_words(a), _name_words(b)), 4)


def _role_words(role: str) -> str:
    out = []
    for w in role.split():
        prefix, stem = split_clitic(w)
        out.append(stem if "ال" in prefix or prefix.endswith("لل") else w)
    return " ".join(out)


@lru_cache(maxsize=1 << 16)
def _role_similarity(a: str, b: str) -> float:
    return fuzz.token_set_ratio(_role_words(a), _role_words(b)) / 100


def same_person(a: NameMention, b: NameMention) -> float:
    """Return 0..1: how likely two mentions name one person.

    Surnames must match (skeleton and spelling for foreign names, strictly for native ones);
    differing given names make it unlikely; agreeing or conflicting roles move it a little.
    """
    if not a.tokens or not b.tokens:
        return 0.0
    surname = _word_similarity(a.tokens[-1], b.tokens[-1])
    if surname < 0.6:
        score = 0.3 * surname
    elif len(a.tokens) >= 2 and len(b.tokens) >= 2:
        first = _word_similarity(a.tokens[0], b.tokens[0])
        score = 0.3 * first if first < 0.6 else 0.6 * surname + 0.4 * first
    elif len(a.tokens) == len(b.tokens) == 1 and (_native(a.tokens[0]) or _native(b.tokens[0])):
        score = 0.6 * surname
    else:
        score = 0.9 * surname
    if a.role and b.role:
        score += 0.2 * (_role_similarity(a.role, b.role) - 0.5)
    return round(min(1.0, max(0.0, score)), 4)
