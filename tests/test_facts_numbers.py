from __future__ import annotations

import pytest

from dedupe.facts.numbers import (
    Quantity,
    extract_quantities,
    noun_key,
    parse_arabic_number,
    same_counted_thing,
)


def only(text: str) -> Quantity:
    found = extract_quantities(text)
    assert len(found) == 1, found
    return found[0]


def check_spans(text: str, q: Quantity) -> None:
    assert text[q.number_start : q.number_end] == q.number_text
    assert text[q.noun_start : q.noun_end] == q.noun
    assert q.start <= q.number_start <= q.number_end <= q.end
    if q.noun:
        assert q.start <= q.noun_start <= q.noun_end <= q.end


# -- digits ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "number_text"),
    [
        ("أسقطت الدفاعات 137 طائرة", 137, "137"),
        ("أسقطت الدفاعات ١٣٧ طائرة", 137, "١٣٧"),
        ("أسقطت الدفاعات ۱۳۷ طائرة", 137, "۱۳۷"),
        ("فر 1,500 شخص", 1500, "1,500"),
        ("فر 1.500 شخص", 1500, "1.500"),
        ("فر ١٬٥٠٠ شخص", 1500, "١٬٥٠٠"),
        ("فر 1,250,000 شخص", 1250000, "1,250,000"),
        ("قطع ٣٫٥ كيلومتر", 3.5, "٣٫٥"),
        ("قطع 3.5 كيلومتر", 3.5, "3.5"),
        ("قطع 3,5 كيلومتر", 3.5, "3,5"),
        ("قطع 0.125 كيلومتر", 0.125, "0.125"),
        ("رصدت 3 آلاف دولار", 3000, "3 آلاف"),
        ("رصدت 1.5 مليون دولار", 1_500_000, "1.5 مليون"),
        ("رصدت ٣٫٥ مليون دولار", 3_500_000, "٣٫٥ مليون"),
        ("رصدت 20 ألف دولار", 20000, "20 ألف"),
    ],
)
def test_digit_groups_and_separators(text: str, value: float, number_text: str) -> None:
    q = only(text)
    assert q.value == value
    assert q.number_text == number_text
    check_spans(text, q)


def test_seed_drones_and_a_figure_without_a_noun() -> None:
    text = (
        "بدوره، قال سلاح الجو الأوكراني إن روسيا أطلقت "
        "ليلًا 137 طائرة مسيّرة، أسقطت الدفاعات الجوية 80 منها."
    )
    drones, shot = extract_quantities(text)
    assert (drones.value, drones.noun, text[drones.start : drones.end]) == (
        137,
        "طائرة مسيّرة",
        "137 طائرة مسيّرة",
    )
    assert drones.noun_key == noun_key("طائرات") == noun_key("طائرة")
    assert (shot.value, shot.noun, shot.noun_key, text[shot.start : shot.end]) == (80, "", "", "80")
    assert not shot.approximate and shot.qualifiers == ()
    check_spans(text, drones)
    check_spans(text, shot)


def test_numbers_inside_dates_times_and_codes_are_not_quantities() -> None:
    text = (
        "في 14 ديسمبر و٣ كانون الثاني و5 من "
        "مارس، وفي 15/12/2025 و2025-12-15 الساعة 10:30 طائرة إف-16"
    )
    assert extract_quantities(text) == []


def test_identifier_like_digit_runs_are_skipped() -> None:
    assert extract_quantities("gettyimages 2248985695 jpg") == []


# -- number words ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "value"),
    [
        ("ثلاثة", 3),
        ("ثلاث", 3),
        ("أربع", 4),
        ("أربعة", 4),
        ("عشر", 10),
        ("أحد عشر", 11),
        ("إحدى عشرة", 11),
        ("اثنا عشر", 12),
        ("خمسة عشر", 15),
        ("عشرين", 20),
        ("عشرون", 20),
        ("خمسة وعشرين", 25),
        ("مئة", 100),
        ("مائة", 100),
        ("مئتين", 200),
        ("مائتان", 200),
        ("ثلاثمئة", 300),
        ("ثلاث مئة", 300),
        ("مئة وسبعة وثلاثين", 137),
        ("ألف", 1000),
        ("ألفين", 2000),
        ("ثلاثة آلاف", 3000),
        ("ثلاثة آلاف وخمسمئة", 3500),
        ("خمسة عشر ألفا", 15000),
        ("مئة ألف", 100_000),
        ("مليون", 1_000_000),
        ("ثلاثة ملايين", 3_000_000),
        ("ثلاثة ملايين ونصف", 3_500_000),
        ("نصف مليون", 500_000),
        ("نصف", 0.5),
        ("ربع", 0.25),
        ("ثلاثة ونصف", 3.5),
        ("١٫٥ مليون", 1_500_000),
        ("one hundred and thirty-seven", 137),
        ("twenty-five", 25),
    ],
)
def test_parse_arabic_number(words: str, value: float) -> None:
    assert parse_arabic_number(words) == pytest.approx(value)


@pytest.mark.parametrize("words", ["", "ثلاث سنوات", "آلاف", "الأحد", "لست", "قال"])
def test_parse_arabic_number_rejects_what_is_not_only_a_number(words: str) -> None:
    assert parse_arabic_number(words) is None


@pytest.mark.parametrize(
    ("text", "value", "number_text", "noun"),
    [
        ("أسقطت ثلاث طائرات", 3, "ثلاث", "طائرات"),
        ("استمرت ثلاثة أيام", 3, "ثلاثة", "أيام"),
        ("استمرت خمس ساعات", 5, "خمس", "ساعات"),
        ("سقط عشرين قتيلاً", 20, "عشرين", "قتيلاً"),
        ("سقط عشرون قتيلا", 20, "عشرون", "قتيلا"),
        ("أطلقت مئة وسبعة وثلاثين صاروخا", 137, "مئة وسبعة وثلاثين", "صاروخا"),
        ("نشر ثلاثة آلاف وخمسمئة جندي", 3500, "ثلاثة آلاف وخمسمئة", "جندي"),
        ("نزح خمسة عشر ألف شخص", 15000, "خمسة عشر ألف", "شخص"),
        ("استمرت بثلاثة أيام", 3, "ثلاثة", "أيام"),
    ],
)
def test_number_words_with_their_counted_noun(
    text: str, value: float, number_text: str, noun: str
) -> None:
    q = only(text)
    assert (q.value, q.number_text, q.noun) == (value, number_text, noun)
    assert text[q.start : q.end] == f"{number_text} {noun}"
    check_spans(text, q)


def test_seed_four_and_a_half_hours_is_approximate() -> None:
    text = (
        "قال الرئيس الروسي خلال مؤتمر صحفي استمر نحو أربع "
        "ساعات ونصف الساعة إنه إذا عامل الغرب روسيا باحترام"
    )
    q = only(text)
    assert q.value == 4.5
    assert q.number_text == "أربع"
    assert q.noun == "ساعات"
    assert q.noun_key == noun_key("ساعة") == noun_key("الساعة")
    assert text[q.start : q.end] == "نحو أربع ساعات ونصف الساعة"
    assert q.approximate and q.bound == ""
    assert q.qualifiers == ("duration",)
    check_spans(text, q)


def test_seed_three_and_a_half_years() -> None:
    text = "بالتوصل إلى اتفاق لإنهاء الحرب المستمرة منذ ثلاث سنوات ونصف، وفقًا للسكرتيرة الصحفية"
    q = only(text)
    assert (q.value, text[q.start : q.end], q.qualifiers) == (3.5, "ثلاث سنوات ونصف", ("duration",))
    assert not q.approximate


def test_an_hour_and_a_half() -> None:
    text = "انتهى الاجتماع بعد ساعة ونصف"
    q = only(text)
    assert (q.value, text[q.start : q.end], q.noun) == (1.5, "ساعة ونصف", "ساعة")


def test_number_words_without_a_noun_need_min_or_others() -> None:
    text = "قتل عشرون شخصاً وأصيب ثلاثون آخرون، وقال ثلاثة إنهم شاهدوا ذلك"
    killed, injured = extract_quantities(text)
    assert (killed.value, killed.noun, killed.qualifiers) == (20, "شخصاً", ("killed",))
    assert (injured.value, injured.noun, injured.qualifiers) == (30, "", ("injured",))
    assert text[injured.start : injured.end] == "ثلاثون"


def test_one_follows_its_noun() -> None:
    text = "استمر القصف يوما كاملا ثم يوم واحد وطائرة واحدة"
    day, plane = extract_quantities(text)
    assert (day.value, day.noun, text[day.start : day.end]) == (1, "يوم", "يوم واحد")
    assert (plane.value, plane.noun, text[plane.start : plane.end]) == (1, "طائرة", "طائرة واحدة")


def test_lest_and_weekdays_are_not_numbers() -> None:
    assert extract_quantities("لست متأكدا مما جرى يوم الأحد أو الاثنين") == []


# -- duals ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "noun", "same_as"),
    [
        ("استمرت المحادثات يومين", "يومين", "أيام"),
        ("استمرت المحادثات ساعتين", "ساعتين", "ساعة"),
        ("أسقطت الدفاعات طائرتين", "طائرتين", "طائرات"),
        ("أصاب الهجوم سفينتين", "سفينتين", "سفن"),
        ("أصيب جنديان", "جنديان", "جنود"),
        ("مضى عامان", "عامان", "أعوام"),
    ],
)
def test_duals_count_two(text: str, noun: str, same_as: str) -> None:
    q = only(text)
    assert (q.value, q.number_text, q.noun) == (2, noun, noun)
    assert q.noun_key == noun_key(same_as)
    check_spans(text, q)


def test_seed_two_ships_and_two_piers_with_clitics() -> None:
    text = "ألحقت غارة جوية أوكرانية بطائرة بدون طيار أضرارا بسفينتين ورصيفين في منطقة كراسنودار"
    ships, piers = extract_quantities(text)
    assert (ships.value, ships.noun, text[ships.start : ships.end]) == (2, "سفينتين", "سفينتين")
    assert (piers.value, piers.noun, text[piers.start : piers.end]) == (2, "رصيفين", "رصيفين")
    assert ships.noun_key == noun_key("سفينة")
    assert piers.noun_key == noun_key("أرصفة")


def test_names_and_plurals_that_look_like_duals_are_not_counts() -> None:
    text = "التقى بوتين وكريستين وحسين مع مسؤولين ومدنيين من البلدان المجاورة في الصين"
    assert extract_quantities(text) == []
    assert extract_quantities("حضر شاهين وياسين ونسرين وحسنين ولبنان وعمران") == []


@pytest.mark.parametrize(("text", "noun"), [("قتل حارسين", "حارسين"), ("عالج طبيبين", "طبيبين")])
def test_masculine_dual_of_a_noun_without_sound_plural(text: str, noun: str) -> None:
    q = only(text)
    assert (q.value, q.noun, q.noun_key) == (2, noun, noun_key(noun[:-2]))


def test_two_after_a_dual_is_part_of_it() -> None:
    text = "قتل جنديين اثنين"
    q = only(text)
    assert (q.value, q.number_text, text[q.start : q.end]) == (2, "جنديين اثنين", "جنديين اثنين")


# -- noun keys ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "forms",
    [
        ("طائرة", "طائرات", "طائرتين", "طائرتان", "الطائرات", "بالطائرات"),
        ("قتيل", "قتيلاً", "قتيلا", "قتلى", "القتلى", "قتيلين"),
        ("جريح", "جرحى", "الجرحى"),
        ("مصاب", "مصابين", "مصابون"),
        ("سنة", "سنوات", "سنتين", "سنين"),
        ("ساعة", "ساعات", "ساعتين", "الساعة"),
        ("يوم", "أيام", "يومين", "يوما", "الأيام"),
        ("شهر", "أشهر", "شهور", "شهرين"),
        ("أسبوع", "أسابيع", "أسبوعين"),
        ("نقطة", "نقاط", "النقاط"),
        ("شخص", "أشخاص", "شخصا", "شخصاً"),
        ("دولار", "دولارات", "دولارا"),
        ("مليون", "ملايين"),
        ("drone", "drones"),
        ("person", "people"),
        ("casualty", "casualties"),
    ],
)
def test_noun_key_is_shared_by_the_forms_of_a_noun(forms: tuple[str, ...]) -> None:
    keys = {noun_key(form) for form in forms}
    assert len(keys) == 1, {form: noun_key(form) for form in forms}
    assert keys != {""}


def test_noun_key_keeps_different_nouns_apart() -> None:
    assert noun_key("قتلى") != noun_key("جرحى")
    assert noun_key("طائرة") != noun_key("صاروخ")
    assert noun_key("مليون") != noun_key("ملي")
    assert noun_key("طائرة مسيّرة") == noun_key("طائرة")
    assert noun_key("") == ""


# -- approximation and bounds ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "span", "bound"),
    [
        ("قتل نحو 20 شخصا", "نحو 20 شخصا", ""),
        ("قتل حوالي 20 شخصا", "حوالي 20 شخصا", ""),
        ("قتل قرابة 20 شخصا", "قرابة 20 شخصا", ""),
        ("قتل زهاء 20 شخصا", "زهاء 20 شخصا", ""),
        ("قتل ما يقرب من 20 شخصا", "ما يقرب من 20 شخصا", ""),
        ("قتل بنحو 20 شخصا", "نحو 20 شخصا", ""),
        ("قتل أكثر من 20 شخصا", "أكثر من 20 شخصا", "at_least"),
        ("قتل ما لا يقل عن 20 شخصا", "ما لا يقل عن 20 شخصا", "at_least"),
        ("قتل ما يزيد على 20 شخصا", "ما يزيد على 20 شخصا", "at_least"),
        ("قتل 20 شخصا على الأقل", "20 شخصا على الأقل", "at_least"),
        ("قتل أقل من 20 شخصا", "أقل من 20 شخصا", "at_most"),
        ("قتل 20 شخصا تقريبا", "20 شخصا تقريبا", ""),
        ("about 20 people were killed", "about 20 people", ""),
        ("more than 20 people were killed", "more than 20 people", "at_least"),
        ("up to 20 people were killed", "up to 20 people", "at_most"),
    ],
)
def test_approximation_words(text: str, span: str, bound: str) -> None:
    q = only(text)
    assert q.value == 20
    assert text[q.start : q.end] == span
    assert q.approximate
    assert q.bound == bound
    check_spans(text, q)


def test_exact_figure_is_not_approximate() -> None:
    q = only("قتل 20 شخصا")
    assert not q.approximate and q.bound == ""


# -- qualifiers -----------------------------------------------------------------------------------


def test_updated_toll() -> None:
    text = "وارتفعت حصيلة القتلى إلى 50 قتيلاً بعد أن كانت 30"
    updated, earlier = extract_quantities(text)
    assert (updated.value, updated.noun, updated.qualifiers) == (50, "قتيلاً", ("updated", "killed"))
    assert earlier.value == 30 and "updated" not in earlier.qualifiers


def test_count_noun_named_before_the_figure() -> None:
    text = "ارتفع عدد القتلى إلى 50"
    q = only(text)
    assert (q.value, q.noun, q.qualifiers) == (50, "القتلى", ("updated", "killed"))
    assert text[q.start : q.end] == "القتلى إلى 50"
    check_spans(text, q)


def test_english_death_toll_rose_to() -> None:
    text = "The death toll rose to 50 on Sunday."
    q = only(text)
    assert (q.value, q.noun, q.qualifiers) == (50, "death toll", ("updated", "killed"))


def test_killed_and_injured_from_the_words_around() -> None:
    text = "أسفر القصف عن مقتل 12 شخصا وإصابة 30 آخرين"
    killed, injured = extract_quantities(text)
    assert (killed.value, killed.qualifiers) == (12, ("killed",))
    assert (injured.value, injured.noun, injured.qualifiers) == (30, "", ("injured",))
    assert not same_counted_thing(killed, injured)


def test_lives_claimed_count_the_killed() -> None:
    # أودى بحياة: "claimed the lives of", the usual way to give a disaster's toll
    (toll,) = extract_quantities("انهيار المبنى الذي أودى بحياة 9 عمال أمس")
    assert (toll.value, toll.qualifiers) == (9, ("killed",))
    people, injured = extract_quantities("العاصفة التي أودت بحياة سبعة أشخاص وأصابت 20 آخرين")
    assert (people.value, people.qualifiers) == (7, ("killed",))
    assert "killed" not in injured.qualifiers  # the toll's cue stays with the toll
    assert same_counted_thing(people, only("لقي 9 أشخاص حتفهم"))


@pytest.mark.parametrize(
    ("text", "value", "qualifiers"),
    [
        ("At least 34 people were killed in the floods", 34, ("killed",)),
        ("Five people have reportedly died", 5, ("killed",)),
        ("the storm killed 12 people", 12, ("killed",)),
        ("The blast injured at least 40 people", 40, ("injured",)),
        ("some 120 people had been injured", 120, ("injured",)),
        ("12 people were evacuated", 12, ()),  # what befell them is not a casualty
        ("34 people were", 34, ()),  # the text ends after the auxiliary
        ("34 people were were were were killed", 34, ()),  # past the auxiliaries read over
    ],
)
def test_english_casualties_past_auxiliaries_and_from_the_verb_before(
    text: str, value: int, qualifiers: tuple[str, ...]
) -> None:
    q = only(text)
    assert (q.value, q.noun_key, q.qualifiers) == (value, "person", qualifiers)


def test_an_english_casualty_verb_is_read_only_right_before_its_figure() -> None:
    # the 2,000 were moved, not injured; "had" is an auxiliary, never the counted noun
    injured, moved = extract_quantities(
        "120 people had been injured and more than 2,000 had been moved to schools"
    )
    assert injured.qualifiers == ("injured",)
    assert (moved.value, moved.noun_key, moved.qualifiers) == (2000, "", ())


def test_killed_nouns_and_generic_people_compare() -> None:
    a = only("سقط 20 قتيلا")
    b = only("أسفر عن مقتل 25 شخصا")
    c = only("سقط 25 جريحا")
    assert a.qualifiers == ("killed",) and c.qualifiers == ("injured",)
    assert same_counted_thing(a, b)
    assert not same_counted_thing(a, c)


def test_seed_peace_plan_points_original_and_plain() -> None:
    plain_text = (
        "وقال الزعيمان إن الاجتماع ركز على توحيد المواقف "
        "بشأن الخطة المكونة من 20 نقطة و”إطار الضمان الأمني"
    )
    original_text = (
        "إلى التغييرات التي قيل إنها أُدخلت على خطة "
        "السلام الأصلية المكونة من 28 نقطة التي اقترحها ترامب"
    )
    plain, original = only(plain_text), only(original_text)
    assert (plain.value, plain.noun, plain.qualifiers) == (20, "نقطة", ())
    assert (original.value, original.noun, original.qualifiers) == (28, "نقطة", ("original",))
    assert plain.noun_key == original.noun_key == noun_key("نقاط")
    assert same_counted_thing(plain, original)


def test_original_and_revised_plans_are_different_things() -> None:
    text = "نصت الخطة الأصلية المكونة من 28 نقطة على ذلك، والخطة المعدلة المكونة من 20 نقطة لم تنص"
    original, revised = extract_quantities(text)
    assert original.qualifiers == ("original",)
    assert revised.qualifiers == ("revised",)
    assert not same_counted_thing(original, revised)


def test_year_is_not_a_count() -> None:
    text = "الحرب المستمرة منذ عام 2022 و2000 جندي"
    year, soldiers = extract_quantities(text)
    assert (year.value, year.qualifiers, year.noun, text[year.start : year.end]) == (
        2022,
        ("year",),
        "",
        "2022",
    )
    assert (soldiers.value, soldiers.noun, soldiers.qualifiers) == (2000, "جندي", ())
    assert not same_counted_thing(year, year)


def test_year_after_a_month_name_and_bare_years() -> None:
    text = "النزاع المستمر منذ فبراير 2022، وفي 2023"
    assert [(q.value, q.qualifiers) for q in extract_quantities(text)] == [
        (2022, ("year",)),
        (2023, ("year",)),
    ]


@pytest.mark.parametrize(
    ("text", "value", "noun", "span"),
    [
        ("45.5% من الناخبين", 45.5, "%", "45.5%"),
        ("٤٥٪ من الناخبين", 45, "٪", "٤٥٪"),
        ("45 في المئة من الناخبين", 45, "في المئة", "45 في المئة"),
        ("45 بالمائة من الناخبين", 45, "بالمائة", "45 بالمائة"),
        ("نحو 45 في المائة", 45, "في المائة", "نحو 45 في المائة"),
        ("45 percent of voters", 45, "percent", "45 percent"),
    ],
)
def test_percentages(text: str, value: float, noun: str, span: str) -> None:
    q = only(text)
    assert (q.value, q.noun, q.noun_key, q.qualifiers) == (value, noun, "%", ("percent",))
    assert text[q.start : q.end] == span


def test_percent_and_count_are_not_the_same_thing() -> None:
    share = only("45 في المئة من الأصوات")
    count = only("45 صوتا")
    assert not same_counted_thing(share, count)


def test_seed_ordinal_day() -> None:
    text = (
        "تواصل الولايات المتحدة وأوكرانيا محادثاتهما الماراثونية لليوم الثالث على التوالي في ميامي"
    )
    q = only(text)
    assert (q.value, q.number_text, q.noun, q.qualifiers) == (3, "الثالث", "لليوم", ("ordinal",))
    assert text[q.start : q.end] == "لليوم الثالث"


@pytest.mark.parametrize(
    ("text", "value", "span"),
    [
        ("للمرة الحادية عشرة", 11, "للمرة الحادية عشرة"),
        ("للمرة الـ20", 20, "للمرة الـ20"),
        ("the 3rd day", 3, "3rd day"),
    ],
)
def test_ordinals(text: str, value: float, span: str) -> None:
    q = only(text)
    assert (q.value, q.qualifiers, text[q.start : q.end]) == (value, ("ordinal",), span)


def test_month_names_after_ordinals_are_left_alone() -> None:
    assert extract_quantities("في كانون الثاني وتشرين الثاني") == []


def test_definite_cardinal_after_its_noun() -> None:
    text = "خلال الأيام الثلاثة الماضية"
    q = only(text)
    assert (q.value, q.noun, q.qualifiers, text[q.start : q.end]) == (
        3,
        "الأيام",
        ("duration",),
        "الأيام الثلاثة",
    )


def test_definite_cardinal_after_a_construct_phrase() -> None:
    text = "وصل عمال الإغاثة السبعة الذين أفرج عنهم"
    q = only(text)
    assert (q.value, q.noun, q.noun_key, text[q.start : q.end]) == (
        7,
        "عمال الإغاثة",
        noun_key("عمال"),
        "عمال الإغاثة السبعة",
    )


def test_seed_duration_and_approximate_weeks() -> None:
    text = "ومنذ تقديم واشنطن خطتها قبل نحو ثلاثة أسابيع، عُقدت عدة جولات تفاوضية"
    q = only(text)
    assert (q.value, q.noun, q.approximate, q.qualifiers) == (3, "أسابيع", True, ("duration",))
    assert text[q.start : q.end] == "نحو ثلاثة أسابيع"


# -- English --------------------------------------------------------------------------------------


def test_english_counts() -> None:
    text = (
        "Russia launched 137 drones overnight; about 80 of them "
        "were shot down, and one hundred and thirty-seven missiles"
    )
    drones, shot, missiles = extract_quantities(text)
    assert (drones.value, drones.noun, drones.noun_key) == (137, "drones", "drone")
    assert (shot.value, shot.noun, shot.approximate, text[shot.start : shot.end]) == (
        80,
        "",
        True,
        "about 80",
    )
    assert (missiles.value, missiles.number_text, missiles.noun) == (
        137,
        "one hundred and thirty-seven",
        "missiles",
    )


# -- comparison -----------------------------------------------------------------------------------


def test_same_counted_thing_across_number_forms() -> None:
    digits = only("أسقطت الدفاعات 137 طائرة مسيّرة")
    words = only("أسقطت الدفاعات مئة وسبعة وثلاثين طائرة")
    dual = only("أسقطت الدفاعات طائرتين")
    other = only("أطلقت روسيا 137 صاروخا")
    assert same_counted_thing(digits, words)
    assert same_counted_thing(digits, dual)
    assert not same_counted_thing(digits, other)


def test_quantities_without_a_noun_are_not_compared() -> None:
    a = only("أسقطت الدفاعات 80 منها")
    b = only("أسقطت الدفاعات 70 منها")
    assert not same_counted_thing(a, b)
