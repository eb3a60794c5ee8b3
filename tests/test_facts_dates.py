from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from dedupe.facts.dates import (
    MONTHS,
    WEEKDAYS,
    DateMention,
    extract_dates,
    ranges_overlap,
)

FRIDAY = date(2025, 12, 19)
SATURDAY = date(2025, 12, 20)
WEDNESDAY = date(2025, 12, 3)


def only(text: str, published: datetime | date | None = None) -> DateMention:
    found = extract_dates(text, published)
    assert len(found) == 1, found
    mention = found[0]
    assert text[mention.start : mention.end] == mention.text
    return mention


def days(mention: DateMention) -> tuple[date | None, date | None]:
    return mention.earliest, mention.latest


# -- tables ---------------------------------------------------------------------------------------


def test_tables_cover_every_weekday_and_month() -> None:
    assert sorted(set(WEEKDAYS.values())) == list(range(7))
    assert sorted(set(MONTHS.values())) == list(range(1, 13))
    assert MONTHS["كانون الثاني"] == 1 and MONTHS["كانون الاول"] == 12
    assert MONTHS["تشرين الاول"] == 10 and MONTHS["تشرين الثاني"] == 11
    assert WEEKDAYS["احد"] == 6 and WEEKDAYS["اثنين"] == 0


# -- weekdays -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "surface", "weekday"),
    [
        ("وصل الوفد يوم الأحد إلى ميامي", "يوم الأحد", 6),
        ("وصل الوفد الأحد إلى ميامي", "الأحد", 6),
        ("وصل الوفد والجمعة غادر", "الجمعة", 4),
        ("تستأنف الوفود اجتماعاتها السبت", "السبت", 5),
        ("قال مسؤولون روس يوم الاثنين", "يوم الاثنين", 0),
        ("قال مسؤولون روس يوم الإثنين", "يوم الإثنين", 0),
        ("في الكرملين يوم الثلاثاء", "يوم الثلاثاء", 1),
        ("عرضت النسخة الأربعاء على بوتين", "الأربعاء", 2),
        ("قال بيسكوف يوم الخميس", "يوم الخميس", 3),
        ("اجتمعوا للأحد الثاني", "للأحد", 6),
        ("The talks resumed on Sunday.", "Sunday", 6),
    ],
)
def test_weekday_forms_without_publication_date(text: str, surface: str, weekday: int) -> None:
    mention = only(text)
    assert (mention.text, mention.kind, mention.weekday) == (surface, "weekday", weekday)
    assert days(mention) == (None, None)
    assert mention.conflict == ""


@pytest.mark.parametrize(
    "text",
    [
        "اختار الفريق أحد اللاعبين",
        "الأحد عشر لاعبا",
        "لم يأت أحد",
        "the sunday paper",
        "يوم الانتخابات",
        "ليلًا أطلقت روسيا الطائرات",
        "اليوم الثالث من المحادثات",
        "في اليوم التالي",
        "في ذلك اليوم",
    ],
)
def test_words_that_are_not_dates(text: str) -> None:
    assert extract_dates(text, FRIDAY) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Friday 19 December 2025. Past and future cue words before the weekday decide.
        ("قال المتحدث يوم الأحد إن الاجتماع انتهى", date(2025, 12, 14)),
        ("من المقرر أن يجتمع الوفدان في ميامي يوم الأحد", date(2025, 12, 21)),
        ("سيجتمع الوفدان الأحد", date(2025, 12, 21)),
        ("يعتزم الوفدان اللقاء الأحد", date(2025, 12, 21)),
        ("وستعقد الجولة المقبلة الأحد", date(2025, 12, 21)),
        ("التقى الوفدان الأحد", date(2025, 12, 14)),
        # No cue: the nearest such day around publication.
        ("اجتماع الأحد", date(2025, 12, 21)),
        ("اجتماع الخميس", date(2025, 12, 18)),
        ("اجتماع الجمعة", date(2025, 12, 19)),
    ],
)
def test_bare_weekday_resolution(text: str, expected: date) -> None:
    mention = only(text, FRIDAY)
    assert days(mention) == (expected, expected)


def test_bare_weekday_equally_near_both_ways_keeps_both_candidates() -> None:
    mention = only("اجتماع الثلاثاء", FRIDAY)
    assert days(mention) == (date(2025, 12, 16), date(2025, 12, 23))


def test_seed_scheduled_meeting_on_sunday_is_the_coming_sunday() -> None:
    text = (
        "من المقرر أن يجتمع المسؤولون الأمريكيون والروس في جولة أخرى من المحادثات حول إنهاء "
        "الحرب في أوكرانيا، في ميامي يوم الأحد."
    )
    mention = only(text, SATURDAY)
    assert (mention.text, days(mention)) == ("يوم الأحد", (date(2025, 12, 21), date(2025, 12, 21)))


def test_seed_past_tense_weekday() -> None:
    text = (
        "وعندما سُئل عن اجتماع ميامي، قال المتحدث باسم "
        "الكرملين ديمتري بيسكوف يوم الخميس إن موسكو تستعد"
    )
    mention = only(text, SATURDAY)
    assert days(mention) == (date(2025, 12, 18), date(2025, 12, 18))


def test_weekday_with_last_and_next() -> None:
    text = "اجتمعوا الأحد الماضي وسيلتقون الأحد المقبل ثم الجمعة القادم"
    last, nxt, friday = extract_dates(text, FRIDAY)
    assert (last.text, last.kind, last.weekday) == ("الأحد الماضي", "relative", 6)
    assert days(last) == (date(2025, 12, 14), date(2025, 12, 14))
    assert (nxt.text, days(nxt)) == ("الأحد المقبل", (date(2025, 12, 21), date(2025, 12, 21)))
    assert (friday.text, days(friday)) == (
        "الجمعة القادم",
        (date(2025, 12, 26), date(2025, 12, 26)),
    )


def test_time_of_day_before_a_weekday() -> None:
    text = "وفق بيان صادر مساء الجمعة، ثم صباح اليوم وليلة الأحد"
    evening, morning, night = extract_dates(text, SATURDAY)
    assert (evening.text, evening.weekday, days(evening)) == (
        "مساء الجمعة",
        4,
        (date(2025, 12, 19), date(2025, 12, 19)),
    )
    assert (morning.text, morning.kind, days(morning)) == (
        "صباح اليوم",
        "relative",
        (SATURDAY, SATURDAY),
    )
    assert (night.text, days(night)) == ("ليلة الأحد", (date(2025, 12, 20), date(2025, 12, 21)))


# -- relative words -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "surface", "earliest", "latest"),
    [
        ("قال اليوم إن", "اليوم", FRIDAY, FRIDAY),
        ("قال أمس إن", "أمس", date(2025, 12, 18), date(2025, 12, 18)),
        ("قال بالأمس إن", "الأمس", date(2025, 12, 18), date(2025, 12, 18)),
        ("يصل غداً إلى", "غداً", date(2025, 12, 20), date(2025, 12, 20)),
        ("يصل غدا إلى", "غدا", date(2025, 12, 20), date(2025, 12, 20)),
        ("وصل أمس الأول", "أمس الأول", date(2025, 12, 17), date(2025, 12, 17)),
        ("يصل بعد غد", "بعد غد", date(2025, 12, 21), date(2025, 12, 21)),
        ("قال الأسبوع الماضي", "الأسبوع الماضي", date(2025, 12, 6), date(2025, 12, 18)),
        ("يصل الأسبوع المقبل", "الأسبوع المقبل", date(2025, 12, 20), date(2026, 1, 1)),
        ("لقاء مطلع الأسبوع المقبل", "مطلع الأسبوع المقبل", date(2025, 12, 20), date(2025, 12, 28)),
        ("قال الشهر الماضي", "الشهر الماضي", date(2025, 11, 1), date(2025, 11, 30)),
        ("يصل الشهر المقبل", "الشهر المقبل", date(2026, 1, 1), date(2026, 1, 31)),
        ("قال العام الماضي", "العام الماضي", date(2024, 1, 1), date(2024, 12, 31)),
        ("في السنة المقبلة", "السنة المقبلة", date(2026, 1, 1), date(2026, 12, 31)),
        ("في هذا العام", "هذا العام", date(2025, 1, 1), date(2025, 12, 31)),
        ("said yesterday", "yesterday", date(2025, 12, 18), date(2025, 12, 18)),
        ("talks last week", "last week", date(2025, 12, 6), date(2025, 12, 18)),
    ],
)
def test_relative_words(text: str, surface: str, earliest: date, latest: date) -> None:
    mention = only(text, FRIDAY)
    assert (mention.text, mention.kind, mention.weekday) == (surface, "relative", None)
    assert days(mention) == (earliest, latest)


def test_relative_words_without_publication_date_are_unresolved() -> None:
    mention = only("قال أمس إن")
    assert (mention.kind, days(mention)) == ("relative", (None, None))


def test_seed_yesterday_thursday_published_friday_agrees() -> None:
    text = "من جهته، حضّ الرئيس الأميركي دونالد ترمب، أمس الخميس، أوكرانيا على التحرّك سريعًا"
    mention = only(text, datetime(2025, 12, 19, 18, 0, tzinfo=UTC))
    assert (mention.text, mention.kind, mention.weekday) == ("أمس الخميس", "relative", 3)
    assert days(mention) == (date(2025, 12, 18), date(2025, 12, 18))
    assert mention.conflict == ""


def test_seed_yesterday_thursday_published_saturday_conflicts() -> None:
    text = "من جهته، حضّ الرئيس الأميركي دونالد ترمب، أمس الخميس، أوكرانيا على التحرّك سريعًا"
    mention = only(text, SATURDAY)
    assert days(mention) == (date(2025, 12, 19), date(2025, 12, 19))
    assert mention.conflict == "written Thursday but yesterday (2025-12-19) is a Friday"


def test_publication_time_zone_gives_the_local_date() -> None:
    # 23:30 in UTC+3 on Friday is still Friday there, though it is Friday 20:30 UTC too;
    # 01:00 in UTC+3 on Saturday is Friday in UTC but Saturday locally.
    late = datetime(2025, 12, 20, 1, 0, tzinfo=timezone(timedelta(hours=3)))
    mention = only("أمس الخميس", late)
    assert mention.conflict == "written Thursday but yesterday (2025-12-19) is a Friday"


def test_seed_today_friday() -> None:
    text = (
        "بأن مبعوث البيت الأبيض ستيف ويتكوف سيجتمع، اليوم الجمعة، في ميامي مع مستشاري الأمن القومي"
    )
    mention = only(text, FRIDAY)
    assert (mention.text, mention.weekday, days(mention), mention.conflict) == (
        "اليوم الجمعة",
        4,
        (FRIDAY, FRIDAY),
        "",
    )
    assert only(text, SATURDAY).conflict == "written Friday but today (2025-12-20) is a Saturday"


def test_seed_early_today_wednesday() -> None:
    text = (
        "قال مساعد في الكرملين، في وقت مبكر من اليوم الأربعاء، إن المحادثات التي استمرت خمس ساعات"
    )
    mention = only(text, WEDNESDAY)
    assert (mention.text, mention.weekday, days(mention), mention.conflict) == (
        "اليوم الأربعاء",
        2,
        (WEDNESDAY, WEDNESDAY),
        "",
    )


def test_seed_early_next_week() -> None:
    text = "يعتزمان أيضًا لقاء وفد روسي في ميامي مطلع الأسبوع المقبل، في إطار مساعٍ دبلوماسية"
    mention = only(text, FRIDAY)
    assert (mention.text, days(mention)) == (
        "مطلع الأسبوع المقبل",
        (date(2025, 12, 20), date(2025, 12, 28)),
    )


def test_tomorrow_with_a_weekday() -> None:
    assert only("يصل الوفد غداً السبت", FRIDAY).conflict == ""
    assert only("يصل الوفد غداً الأحد", FRIDAY).conflict == (
        "written Sunday but tomorrow (2025-12-20) is a Saturday"
    )


# -- explicit dates -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "surface", "expected"),
    [
        ("وقع في 14 ديسمبر 2025 هجوم", "14 ديسمبر 2025", date(2025, 12, 14)),
        ("وقع في ١٤ ديسمبر ٢٠٢٥ هجوم", "١٤ ديسمبر ٢٠٢٥", date(2025, 12, 14)),
        ("وقع في 14 كانون الأول 2025 هجوم", "14 كانون الأول 2025", date(2025, 12, 14)),
        ("وقع في 3 كانون الثاني 2025 هجوم", "3 كانون الثاني 2025", date(2025, 1, 3)),
        ("وقع في 3 من يناير 2025 هجوم", "3 من يناير 2025", date(2025, 1, 3)),
        ("وقع في 3 شباط 2025 هجوم", "3 شباط 2025", date(2025, 2, 3)),
        ("وقع في 3 آذار 2025 هجوم", "3 آذار 2025", date(2025, 3, 3)),
        ("وقع في 3 إبريل 2025 هجوم", "3 إبريل 2025", date(2025, 4, 3)),
        ("وقع في 3 نيسان 2025 هجوم", "3 نيسان 2025", date(2025, 4, 3)),
        ("وقع في 3 أيار 2025 هجوم", "3 أيار 2025", date(2025, 5, 3)),
        ("وقع في 3 مايو 2025 هجوم", "3 مايو 2025", date(2025, 5, 3)),
        ("وقع في 3 حزيران 2025 هجوم", "3 حزيران 2025", date(2025, 6, 3)),
        ("وقع في 3 يونيه 2025 هجوم", "3 يونيه 2025", date(2025, 6, 3)),
        ("وقع في 3 تموز 2025 هجوم", "3 تموز 2025", date(2025, 7, 3)),
        ("وقع في 3 يوليو 2025 هجوم", "3 يوليو 2025", date(2025, 7, 3)),
        ("وقع في 3 آب 2025 هجوم", "3 آب 2025", date(2025, 8, 3)),
        ("وقع في 3 اغسطس 2025 هجوم", "3 اغسطس 2025", date(2025, 8, 3)),
        ("وقع في 3 أيلول 2025 هجوم", "3 أيلول 2025", date(2025, 9, 3)),
        ("وقع في 3 تشرين الأول 2025 هجوم", "3 تشرين الأول 2025", date(2025, 10, 3)),
        ("وقع في 3 أكتوبر 2025 هجوم", "3 أكتوبر 2025", date(2025, 10, 3)),
        ("وقع في 3 تشرين الثاني 2025 هجوم", "3 تشرين الثاني 2025", date(2025, 11, 3)),
        ("وقع في 3 جانفي 2025 هجوم", "3 جانفي 2025", date(2025, 1, 3)),
        ("وقع في 14 ديسمبر 2025م هجوم", "14 ديسمبر 2025م", date(2025, 12, 14)),
        ("وقع في 14 ديسمبر عام 2025 هجوم", "14 ديسمبر عام 2025", date(2025, 12, 14)),
        ("It happened on December 14, 2025.", "December 14, 2025", date(2025, 12, 14)),
        ("It happened on 14 December 2025.", "14 December 2025", date(2025, 12, 14)),
        ("وقع في 15/12/2025 هجوم", "15/12/2025", date(2025, 12, 15)),
        ("وقع في 2025-12-15 هجوم", "2025-12-15", date(2025, 12, 15)),
        ("وقع في 15.12.2025 هجوم", "15.12.2025", date(2025, 12, 15)),
        ("وقع في ١٥/١٢/٢٠٢٥ هجوم", "١٥/١٢/٢٠٢٥", date(2025, 12, 15)),
    ],
)
def test_explicit_dates(text: str, surface: str, expected: date) -> None:
    mention = only(text)
    assert (mention.text, mention.kind, mention.weekday, mention.conflict) == (
        surface,
        "explicit",
        None,
        "",
    )
    assert days(mention) == (expected, expected)


@pytest.mark.parametrize(
    ("text", "surface"),
    [
        ("في 14 نوفمبر/تشرين الثاني 2025 وقع", "14 نوفمبر/تشرين الثاني 2025"),
        ("في 14 نوفمبر / تشرين الثاني 2025 وقع", "14 نوفمبر / تشرين الثاني 2025"),
        ("في 14 نوفمبر (تشرين الثاني) 2025 وقع", "14 نوفمبر (تشرين الثاني) 2025"),
    ],
)
def test_two_spellings_of_the_same_month(text: str, surface: str) -> None:
    mention = only(text)
    assert (mention.text, days(mention), mention.conflict) == (
        surface,
        (date(2025, 11, 14), date(2025, 11, 14)),
        "",
    )


def test_two_spellings_that_name_different_months_conflict() -> None:
    mention = only("في 14 نوفمبر/كانون الأول 2025")
    assert mention.conflict == "month written as November and December"


def test_written_weekday_matches_the_date() -> None:
    mention = only("جرى الاجتماع يوم الأحد 14 ديسمبر 2025 في ميامي")
    assert (mention.text, mention.kind, mention.weekday, mention.conflict) == (
        "يوم الأحد 14 ديسمبر 2025",
        "explicit",
        6,
        "",
    )


@pytest.mark.parametrize(
    "text",
    [
        "جرى الاجتماع الأحد 15 ديسمبر 2025",
        "جرى الاجتماع يوم الأحد، 15 ديسمبر 2025",
        "جرى الاجتماع يوم الأحد الموافق 15 كانون الأول 2025",
        "جرى الاجتماع الأحد 15/12/2025",
    ],
)
def test_written_weekday_contradicts_the_date(text: str) -> None:
    mention = only(text)
    assert mention.weekday == 6
    assert days(mention) == (date(2025, 12, 15), date(2025, 12, 15))
    assert mention.conflict == "written Sunday but 2025-12-15 is a Monday"


def test_date_without_year_takes_the_nearest_year() -> None:
    assert days(only("في 14 ديسمبر", FRIDAY)) == (date(2025, 12, 14), date(2025, 12, 14))
    assert days(only("في 3 يناير", FRIDAY)) == (date(2026, 1, 3), date(2026, 1, 3))
    assert days(only("في 3 يناير")) == (None, None)


def test_date_without_year_and_a_weekday_is_checked_once_resolved() -> None:
    assert only("الأحد 15 ديسمبر", FRIDAY).conflict == "written Sunday but 2025-12-15 is a Monday"
    assert only("الأحد 15 ديسمبر").conflict == ""


def test_past_and_next_after_a_month() -> None:
    last_day, last_month, next_month = extract_dates(
        "في 14 ديسمبر الماضي وفي ديسمبر الماضي ونوفمبر المقبل", FRIDAY
    )
    assert days(last_day) == (date(2025, 12, 14), date(2025, 12, 14))
    assert (last_month.kind, days(last_month)) == ("month", (date(2024, 12, 1), date(2024, 12, 31)))
    assert days(next_month) == (date(2026, 11, 1), date(2026, 11, 30))


def test_seed_month_with_slash_spelling_and_no_year() -> None:
    text = "وافق على تقديم تنازلات معينة في قمة ألاسكا مع ترامب في أغسطس/آب لكنه لم يخض في تفاصيل."
    mention = only(text, SATURDAY)
    assert (mention.text, mention.kind) == ("أغسطس/آب", "month")
    assert days(mention) == (date(2025, 8, 1), date(2025, 8, 31))
    assert days(only(text)) == (None, None)


def test_seed_month_and_year() -> None:
    text = "لا يزال مطلوبًا للوصول إلى تسوية للنزاع المستمر منذ فبراير 2022."
    mention = only(text)
    assert (mention.text, mention.kind, days(mention)) == (
        "فبراير 2022",
        "month",
        (date(2022, 2, 1), date(2022, 2, 28)),
    )


def test_seed_year() -> None:
    text = "مشددًا على أن الوقت مناسب للتوصل إلى اتفاق يضع حدًا للحرب المستمرة منذ عام 2022."
    mention = only(text)
    assert (mention.text, mention.kind, days(mention)) == (
        "عام 2022",
        "year",
        (date(2022, 1, 1), date(2022, 12, 31)),
    )


def test_bare_years_need_a_marker() -> None:
    found = extract_dates("منذ 2014 وفي 2021، ثم أطلقت 2000 قذيفة")
    assert [(m.text, m.kind) for m in found] == [("2014", "year"), ("2021", "year")]


def test_ambiguous_month_words_need_a_date_context() -> None:
    assert extract_dates("مارس الرجل الرياضة مع أب وأم") == []
    explicit, month = extract_dates("في 5 مارس وفي شهر مارس", FRIDAY)
    assert (explicit.text, days(explicit)) == ("5 مارس", (date(2026, 3, 5), date(2026, 3, 5)))
    assert (month.text, month.kind) == ("مارس", "month")


def test_english_weekday_with_date_and_next_weekday() -> None:
    text = "The meeting on Sunday, December 14, 2025 was followed next Monday by another."
    first, second = extract_dates(text, FRIDAY)
    assert (first.text, first.weekday, first.conflict) == ("Sunday, December 14, 2025", 6, "")
    assert (second.text, second.kind, days(second)) == (
        "next Monday",
        "relative",
        (date(2025, 12, 22), date(2025, 12, 22)),
    )


def test_several_mentions_come_in_order_with_exact_spans() -> None:
    text = "قال يوم الجمعة في برلين، وأمس الخميس في موسكو، إن لقاء 14 ديسمبر 2025 انتهى"
    found = extract_dates(text, FRIDAY)
    assert [m.text for m in found] == ["يوم الجمعة", "أمس الخميس", "14 ديسمبر 2025"]
    assert [m.start for m in found] == sorted(m.start for m in found)
    assert all(text[m.start : m.end] == m.text for m in found)


# -- overlap --------------------------------------------------------------------------------------


def test_ranges_overlap() -> None:
    sunday = only("يوم الأحد 14 ديسمبر 2025")
    last_week = only("الأسبوع الماضي", FRIDAY)
    monday = only("15/12/2025")
    unresolved = only("يوم الأحد")
    assert ranges_overlap(sunday, last_week) is True
    assert ranges_overlap(sunday, monday) is False
    assert ranges_overlap(sunday, unresolved) is None


def test_zipf_direct_lookup_matches_wordfreq():
    import random

    from wordfreq import get_frequency_dict, zipf_frequency

    from dedupe.facts.dates import zipf

    table = sorted(get_frequency_dict("ar", "best"))
    rng = random.Random(5)
    letters = [chr(c) for c in range(0x621, 0x63B)] + [chr(c) for c in range(0x641, 0x64B)]
    invented = ["".join(rng.choices(letters, k=rng.randint(1, 8))) for _ in range(3000)]
    words = rng.sample(table, 3000) + invented + ["قالَ", "الـوزير", "2026", "وزير٣", "Paris"]
    assert [zipf(w) for w in words] == [zipf_frequency(w, "ar") for w in words]
