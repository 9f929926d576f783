"""How one cell is read: every date form, money, counts, choices, emails, IDs."""
import re
from datetime import date, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from bot.read import cells, email_column, keys
D = date(2026, 11, 3)


@pytest.mark.parametrize("value, expected", [
    pytest.param(datetime(2026, 11, 3, 0, 0), D, id="datetime-cell"),
    pytest.param(D, D, id="date-cell"),
    pytest.param(46329, D, id="serial-int"),
    pytest.param(46329.75, D, id="serial-with-time"),
    pytest.param("2026-11-03", D, id="iso"),
    pytest.param(" 2026-11-03 ", D, id="iso-spaces"),
    pytest.param("Nov 3, 2026", D, id="short-month"),
    pytest.param("November 3, 2026", D, id="long-month"),
    pytest.param("nov. 3 2026", D, id="short-month-dot-no-comma"),
    pytest.param("2026-11-03T10:00:00", D, id="iso-with-time"),
    pytest.param("2026/11/03", D, id="year-first-slashes"),
    pytest.param("2026.11.03", D, id="year-first-dots"),
    pytest.param("3 Nov 2026", D, id="day-month-year"),
    pytest.param("3 November 2026", D, id="day-long-month-year"),
    pytest.param("3rd of November, 2026", D, id="day-ordinal-of-month"),
    pytest.param("3-Nov-26", D, id="excel-d-mmm-yy"),
    pytest.param("Tuesday, November 3, 2026", D, id="weekday-long"),
    pytest.param("Tue, 3 Nov 2026", D, id="weekday-short-day-first"),
    pytest.param("November 3rd, 2026 at 10:00 am", D, id="ordinal-at-time"),
    pytest.param("Nov  3,   2026", D, id="extra-spaces"),
])
def test_dates_in_every_spreadsheet_form(value, expected):
    assert cells.parse_date(value) == (expected, None)
    assert cells.parse_date(value, day_first=True) == (expected, None)   # no day/month order to read


# Day and month in numbers: the [dates] day_first setting says which comes first.
@pytest.mark.parametrize("value, month_first, day_first", [
    pytest.param("11/3/2026", D, date(2026, 3, 11), id="slashes"),
    pytest.param("11-03-2026", D, date(2026, 3, 11), id="dashes"),
    pytest.param("11.3.2026", D, date(2026, 3, 11), id="dots"),
    pytest.param("11/3/26", D, date(2026, 3, 11), id="two-digit-year"),
    pytest.param("11/03/2026", D, date(2026, 3, 11), id="zero-padded"),
    pytest.param("11/3/2026 14:05", D, date(2026, 3, 11), id="with-time"),
    pytest.param("3/11/2026", date(2026, 3, 11), D, id="swapped"),
    pytest.param("13/1/2026", None, date(2026, 1, 13), id="day-13-only-day-first"),
    pytest.param("1/13/2026", date(2026, 1, 13), None, id="day-13-only-month-first"),
])
def test_numeric_dates_follow_the_day_first_setting(value, month_first, day_first):
    assert cells.parse_date(value)[0] == month_first
    assert cells.parse_date(value, day_first=True)[0] == day_first


@pytest.mark.parametrize("value, day_first, fragment", [
    pytest.param("Nov 3", False, "it has no year", id="month-day-no-year"),
    pytest.param("3 Nov", True, "it has no year", id="day-month-no-year"),
    pytest.param("11/3", False, "it has no year", id="numbers-no-year"),
    pytest.param("Monday, November 3, 2026", False, "November 3, 2026 is a Tuesday", id="wrong-weekday"),
    pytest.param("hello 3 Nov 2026", False, "write it like 2026-11-03, 11/3/2026 or Nov 3, 2026",
                 id="forms-month-first"),
    pytest.param("3.11", True, "write it like 2026-11-03, 3/11/2026 or 3 Nov 2026", id="forms-day-first"),
    pytest.param("11-3-2026-1", False, "not a date", id="four-numbers"),
    pytest.param("2026/11-03", False, "not a date", id="mixed-separators"),
])
def test_incomplete_or_contradictory_dates_say_why_and_show_the_forms(value, day_first, fragment):
    parsed, problem = cells.parse_date(value, day_first=day_first)
    assert parsed is None and "is not a date" in problem and fragment in problem
    assert "write it like 2026-11-03" in problem


@pytest.mark.parametrize("value", ["N/A", "n/a", "NA", "-", "\u2014", "none", "None", "TBD", " tbd "])
def test_placeholders(value):
    assert cells.is_placeholder(value)
    assert cells.placeholder_positions(["x", value.strip(), "nah"]) == [1]


@given(st.lists(st.sampled_from(["", "x", "Ana", "N/A", "n/a", "tBd", "-", "\u2014", "--", "NONE", "Nan", "nah",
                                  "none of it", "a long complaint about the bag"]), max_size=12))
def test_placeholder_positions_are_the_placeholders_of_a_column(texts):
    """Columns of mostly short texts (looked up whole) and of mostly long ones (short ones picked out)."""
    assert cells.placeholder_positions(texts) == [i for i, t in enumerate(texts) if t and cells.is_placeholder(t)]


@pytest.mark.parametrize("value", ["Nan", "N/A please", "NONE OF IT", "TBD-1", "0", ""])
def test_not_placeholders(value):
    assert not cells.is_placeholder(value)


@pytest.mark.parametrize("value, expected, fragment", [
    pytest.param(24.505, 24.51, "24.505 has more than two decimals; the bot reads it as $24.51", id="three-decimals"),
    pytest.param("$19.999", 20.0, "reads it as $20.00", id="text-three-decimals"),
    pytest.param(21.990000000000002, 21.99, None, id="formula-float-noise-is-fine"),
    pytest.param(19.99, 19.99, None, id="two-decimals"),
])
def test_money_with_more_than_two_decimals_is_a_warning_not_a_silent_rounding(value, expected, fragment):
    amount, problem = cells.parse_money(value)
    assert amount == expected
    if fragment is None:
        assert problem is None
    else:
        assert isinstance(problem, cells.CellWarning) and fragment in problem


@pytest.mark.parametrize("value", [
    pytest.param("2/30/2026", id="impossible-feb-30"),
    pytest.param("13/1/2026", id="month-13"),
    pytest.param("20261103", id="digits-alone"),
    pytest.param("48213", id="digits-like-serial"),
    pytest.param("yesterday", id="word"),
    pytest.param("Smarch 3, 2026", id="unknown-month"),
    pytest.param(True, id="boolean"),
    pytest.param(-5, id="negative-serial"),
    pytest.param(float("inf"), id="infinite"),
    pytest.param(10 ** 9, id="serial-past-year-9999"),
])
def test_not_dates_are_problems_not_crashes(value):
    parsed, problem = cells.parse_date(value)
    assert parsed is None and "not a date" in problem
    assert "no year" not in problem      # only a day and a month are told their year is missing


@pytest.mark.parametrize("value", [
    pytest.param("Smarch 3", id="word-then-day"),
    pytest.param("3 bananas", id="day-then-word"),
    pytest.param("Mon 3", id="weekday-then-day"),
])
def test_a_day_beside_a_word_that_is_no_month_is_not_said_to_lack_a_year(value):
    parsed, problem = cells.parse_date(value)
    assert parsed is None and problem.startswith(f"'{value}' is not a date (write it like")


@pytest.mark.parametrize("value, expected", [
    pytest.param(1, date(1899, 12, 31), id="serial-1-first-day"),
    pytest.param(cells.MAX_SERIAL, date(9999, 12, 31), id="last-serial-last-day"),
    pytest.param(0, None, id="serial-0-no-day"),
    pytest.param(cells.MAX_SERIAL + 1, None, id="past-the-last-serial"),
])
def test_date_serials_from_the_first_day_to_the_last(value, expected):
    assert cells.parse_date(value)[0] == expected


# The whole message, as a rep reads it in Log Issues: the cell quoted as typed, the forms to use.
FORMS = "write it like 2026-11-03, 11/3/2026 or Nov 3, 2026"
FORMS_DAY_FIRST = "write it like 2026-11-03, 3/11/2026 or 3 Nov 2026"


@pytest.mark.parametrize("value, day_first, problem", [
    pytest.param(0, False, "0 is not a date", id="serial-0"),
    pytest.param("soon", False, f"'soon' is not a date ({FORMS})", id="word"),
    pytest.param("soon", True, f"'soon' is not a date ({FORMS_DAY_FIRST})", id="word-day-first"),
    pytest.param("Nov  3", False, f"'Nov 3' is not a date: it has no year ({FORMS})", id="no-year-spaces-folded"),
    pytest.param("3 Nov", True, f"'3 Nov' is not a date: it has no year ({FORMS_DAY_FIRST})", id="no-year-day-first"),
    pytest.param("Monday, November 3, 2026", True,
                 f"'Monday, November 3, 2026' is not a date: November 3, 2026 is a Tuesday ({FORMS_DAY_FIRST})",
                 id="wrong-weekday-day-first"),
])
def test_not_a_date_messages_quote_the_cell_and_show_the_forms(value, day_first, problem):
    assert cells.parse_date(value, day_first=day_first) == (None, problem)


def test_day_first_setting_swaps_day_and_month():
    assert cells.parse_date("3/11/2026", day_first=True) == (D, None)
    assert cells.parse_date("3/11/2026") == (date(2026, 3, 11), None)


@pytest.mark.parametrize("value, expected", [
    pytest.param(24.5, 24.5, id="number"),
    pytest.param(24, 24.0, id="int"),
    pytest.param("$24.50", 24.5, id="dollar-text"),
    pytest.param("24.50", 24.5, id="plain-text"),
    pytest.param("1,024.00", 1024.0, id="thousands-separator"),
    pytest.param("$ 1,024", 1024.0, id="dollar-space-thousands"),
    pytest.param("24.5 USD", 24.5, id="usd-suffix"),
    pytest.param(".99", 0.99, id="leading-dot"),
])
def test_money(value, expected):
    assert cells.parse_money(value) == (expected, None)


@pytest.mark.parametrize("value, fragment", [
    pytest.param(0, "$0.00: must be more than $0.00", id="zero"),
    pytest.param("$0.00", "$0.00: must be more than $0.00", id="zero-text"),
    pytest.param("-3", "must be more than $0.00", id="negative"),
    pytest.param("$", "not an amount", id="dollar-alone"),
    pytest.param("twenty", "not an amount", id="word"),
    pytest.param("1,02,4", "not an amount", id="bad-grouping"),
    pytest.param(True, "not an amount", id="boolean"),
    pytest.param(1.7e308, "too large to be an amount", id="near-the-largest-float"),
    pytest.param("1000000000000", "too large to be an amount", id="a-trillion"),
])
def test_bad_money(value, fragment):
    parsed, problem = cells.parse_money(value)
    assert parsed is None and fragment in problem


@pytest.mark.parametrize("value, problem", [
    pytest.param("-$24.50", "-$24.50: must be more than $0.00", id="negative-shown-negative"),
    pytest.param("$-3", "-$3.00: must be more than $0.00", id="minus-after-the-dollar"),
    pytest.param("twenty", "'twenty' is not an amount (write it like 24.50)", id="word-quoted"),
    pytest.param(float("inf"), "inf is not an amount", id="infinite"),
    pytest.param(10 ** 13, "10000000000000 is too large to be an amount", id="ten-trillion"),
])
def test_bad_money_messages_quote_the_cell(value, problem):
    assert cells.parse_money(value) == (None, problem)


@pytest.mark.parametrize("value", ["$\u00a024.50", "24.50\u00a0USD", "\u00a024.50\u00a0"])
def test_money_with_no_break_spaces(value):
    """What a cell pasted from a web page or a PDF holds between the sign, the amount and the currency."""
    assert cells.parse_money(value) == (24.5, None)


@pytest.mark.parametrize("value, expected", [
    pytest.param(2, 2, id="int"), pytest.param(2.0, 2, id="float-whole"),
    pytest.param("2", 2, id="text"), pytest.param(" 12 ", 12, id="text-spaces"),
    pytest.param("1,200", 1200, id="thousands-separator"),
])
def test_counts(value, expected):
    assert cells.parse_count(value) == (expected, None)


@pytest.mark.parametrize("value", [
    pytest.param(0, id="zero"), pytest.param(-1, id="negative"), pytest.param(2.5, id="fraction"),
    pytest.param("two", id="word"), pytest.param(True, id="boolean"), pytest.param("", id="empty-text"),
])
def test_bad_counts(value):
    assert cells.parse_count(value)[0] is None


@pytest.mark.parametrize("value, problem", [
    pytest.param("two", "'two' is not a whole number", id="word"),
    pytest.param(2.5, "'2.5' is not a whole number", id="fraction"),
    pytest.param("0", "0 must be at least 1", id="zero-text"),
    pytest.param(-3, "-3 must be at least 1", id="negative"),
])
def test_bad_count_messages_quote_the_cell(value, problem):
    assert cells.parse_count(value) == (None, problem)


@pytest.mark.parametrize("value, expected", [
    pytest.param("Rancid / Off Taste", "Rancid / Off Taste", id="exact"),
    pytest.param("  rancid / off taste ", "Rancid / Off Taste", id="case-and-spaces"),
    pytest.param("RANCID/OFF TASTE", "Rancid / Off Taste", id="no-spaces-round-slash"),
    pytest.param("foreign object", "Foreign Object", id="lower"),
])
def test_choices_ignore_case_and_spaces(value, expected):
    choices = ("Unsealed Packaging", "Rancid / Off Taste", "Foreign Object")
    assert cells.parse_choice(value, choices) == (expected, None)


def test_choice_rejects_other_words_and_checkbox_maps_to_yes_no():
    assert cells.parse_choice("Stale", ("Foreign Object",))[0] is None
    assert cells.parse_choice(True, ("Yes", "No")) == ("Yes", None)
    assert cells.parse_choice(False, ("Yes", "No")) == ("No", None)
    assert cells.parse_choice(True, ("Open", "Closed"))[0] is None


def test_a_word_no_choice_matches_is_quoted_beside_the_choices():
    assert cells.parse_choice(" Stale ", ("Open", "Closed")) == (None, "'Stale' is not one of: Open, Closed")


@pytest.mark.parametrize("value, ok", [
    pytest.param("ana@example.com", True, id="plain"),
    pytest.param("a.b+tag@mail.example.co.uk", True, id="subdomain-plus"),
    pytest.param("maria.gomez@gmail", False, id="no-dot-in-domain"),
    pytest.param("ana@@example.com", False, id="two-ats"),
    pytest.param("ana@exa mple.com", False, id="space"),
    pytest.param("ana.example.com", False, id="no-at"),
    pytest.param("ana@example.", False, id="dot-at-end"),
])
def test_email(value, ok):
    assert (cells.parse_email(value)[0] is not None) == ok


def test_email_problem_never_quotes_the_address():
    assert cells.parse_email("maria.gomez@gmail") == (
        None, "Not an email address (needs one @, no spaces, and a dot in the domain)")


@pytest.mark.parametrize("value, expected", [
    pytest.param(10299, "10299", id="int-id"),
    pytest.param(10299.0, "10299", id="float-id-no-dot-zero"),
    pytest.param("0123", "0123", id="leading-zero-text"),
    pytest.param(" CS-1 ", "CS-1", id="trimmed"),
    pytest.param(1.5, "1.5", id="fraction"),
    pytest.param(datetime(2026, 11, 3), "2026-11-03", id="date-in-text-column"),
])
def test_ids_stay_text(value, expected):
    assert cells.as_text(value) == expected


@pytest.mark.parametrize("a, b", [
    pytest.param("Chobani Greek  Yogurt", "CHOBANI GREEK-YOGURT", id="contract-example"),
    pytest.param("Trail Mix Original 12oz", "trail mix original 12 oz", id="space-before-unit"),
    pytest.param("TRAIL MIX - ORIGINAL 12OZ", "Trail-Mix Original (12oz)", id="punctuation"),
    pytest.param("Café Crème", "cafe creme".replace("e", "é", 1).replace("creme", "crème"), id="accents-kept"),
])
def test_product_names_agree(a, b):
    assert keys.product_key(a) == keys.product_key(b)


def test_different_products_differ():
    assert keys.product_key("Trail Mix 12oz") != keys.product_key("Trail Mix 16oz")


@pytest.mark.parametrize("value, blank", [
    (None, True), ("", True), ("   ", True), ("\u00a0", True), (float("nan"), True),
    (0, False), ("0", False), (False, False), ("\x01\x02", True), (" \x7f\ufffe ", False),
])
def test_blank(value, blank):
    assert cells.is_blank(value) == blank


@pytest.mark.parametrize("amount, shown", [
    (24.5, "$24.50"), (1024, "$1,024.00"), (0, "$0.00"), (0.5, "$0.50"), (-3, "-$3.00"), (-1024.5, "-$1,024.50"),
])
def test_money_format_two_decimals(amount, shown):
    assert cells.format_money(amount) == shown


@pytest.mark.parametrize("length, expected", [
    pytest.param(59, "x" * 59, id="short"),
    pytest.param(60, "x" * 60, id="at-the-limit"),
    pytest.param(61, "x" * 59 + "\u2026", id="cut-with-an-ellipsis"),
])
def test_problems_quote_a_cell_shortened_to_sixty_characters(length, expected):
    assert cells.shown("x" * length) == expected


@pytest.mark.parametrize("text, units", [
    pytest.param("", 0, id="empty"), pytest.param("abc", 3, id="ascii"), pytest.param("caf\u00e9", 4, id="latin"),
    pytest.param("a\U0001F600", 3, id="emoji-counts-two"), pytest.param("\U0001F600" * 2, 4, id="two-emoji"),
])
def test_utf16_length_counts_as_excel_does(text, units):
    length = cells.utf16_length(text)
    assert length == units and type(length) is int


def test_day_numbers_of_no_dates_is_an_empty_column_of_day_numbers():
    days = cells.day_numbers(np.array([], dtype=object))
    assert days.dtype == np.int64 and len(days) == 0


@pytest.mark.parametrize("value, reduced", [
    pytest.param(None, "", id="none-blank"), pytest.param("  ", "", id="spaces-blank"),
    pytest.param(3.0, 3, id="whole-float-is-int"), pytest.param(2.5, 2.5, id="fraction-kept"),
    pytest.param(True, True, id="checkbox-kept"), pytest.param("x", "x", id="text-kept"),
    pytest.param(date(2026, 11, 3), "2026-11-03", id="date-as-text"),
    pytest.param(datetime(2026, 11, 3, 9, 30), "2026-11-03 09:30:00", id="datetime-as-text"),
])
def test_a_cell_reduced_to_what_decides_a_rewrite(value, reduced):
    assert cells.comparable(value) == reduced and type(cells.comparable(value)) is type(reduced)


# The column-wise forms the plan and the quiet-cycle fingerprint use must agree with the per-cell rules
# exactly, on the fast path (plain short text) and off it (anything else in the column).
COLUMNS = [
    pytest.param(["a", "b c", " x ", None], id="plain-text"),
    pytest.param(["a", "   ", "", None], id="blank-text"),
    pytest.param([1, 2, None, "3"], id="ints-and-text"),
    pytest.param(["a", True, None], id="bool-is-not-plain"),
    pytest.param(["a", 3.0, float("nan"), float("inf")], id="floats"),
    pytest.param(["Café — crème…", "ok"], id="printable-unicode"),
    pytest.param(["\u00a0", "a"], id="nbsp-is-blank"),
    pytest.param(["line\r\nbreak", "tab\there"], id="line-breaks"),
    pytest.param(["Hi Ann,\n\nYour order\n", "\n", "\t"], id="email-body-lines"),
    pytest.param(["bad\x00char", "\ud800"], id="unstorable-characters"),
    pytest.param(["x" * (cells.MAX_STORED_CHARS + 5), "a"], id="too-long"),
    pytest.param(["\U0001f600" * 16384], id="emoji-over-the-limit-in-utf16"),
    pytest.param([datetime(2026, 3, 1), date(2026, 3, 2)], id="dates"),
    pytest.param([], id="empty"),
]


@pytest.mark.parametrize("values", COLUMNS)
def test_column_forms_match_the_cell_rules(values):
    assert cells.comparables(values) == [cells.comparable(v) for v in values]
    assert cells.stored_comparables(values) == [cells.comparable(cells.storable(v)) for v in values]
    assert cells.storables(values) == [cells.storable(v) for v in values]
    assert cells.stored_with_comparables(values) == ([cells.storable(v) for v in values],
                                                     [cells.comparable(cells.storable(v)) for v in values])


_ANY_CELL = st.one_of(st.none(), st.text(max_size=8), st.text(alphabet=" ab", max_size=3), st.integers(),
                      st.booleans(), st.floats(), st.dates())


@given(st.lists(_ANY_CELL, max_size=12))
def test_column_forms_match_the_cell_rules_for_any_column(values):
    assert cells.comparables(values) == [cells.comparable(v) for v in values]
    assert cells.stored_comparables(values) == [cells.comparable(cells.storable(v)) for v in values]
    assert cells.storables(values) == [cells.storable(v) for v in values]
    assert cells.stored_with_comparables(values) == ([cells.storable(v) for v in values],
                                                     [cells.comparable(cells.storable(v)) for v in values])


@given(st.lists(st.one_of(st.none(), st.text(max_size=8), st.sampled_from(["a\nb", " \n", "\r\n", "é\t", " a b "]),
                          st.integers()), max_size=12))
def test_text_column_fast_path_matches_as_text(values):
    assert cells.plain_texts(list(values)) == [cells.as_text(v) for v in values]
    filled = [v for v in values if v is not None and not isinstance(v, int)]
    assert cells.plain_texts(list(filled)) == [cells.as_text(v) for v in filled]


@pytest.mark.parametrize("values", [[1.5], [True, "a"], [date(2026, 11, 3)], ["a", 2.0, None]])
def test_text_column_fast_path_leaves_other_kinds_to_the_cell_rules(values):
    assert cells.plain_texts(values) is None


@given(st.lists(st.one_of(st.just(""), st.sampled_from(["a@b.co", "a@b", "a b@c.d", "@b.c", "a@@b.c", "a@b.c\u00a0x"]),
                          st.text(alphabet="ab@. \t\u2003", max_size=8).map(str.strip)), max_size=12))
def test_bad_emails_is_parse_email_over_a_column(texts):
    assert email_column.bad_emails(texts) == [i for i, t in enumerate(texts) if t and cells.parse_email(t)[1]]


_EMAILISH = st.text(alphabet="a.@ \t\x1c\x1f\x0b\x85\u00a0\u2003\x00", max_size=7).map(str.strip)


@settings(max_examples=300)
@given(st.lists(_EMAILISH, max_size=40), st.integers(1, 5))
def test_bad_emails_array_rule_is_the_regex(texts, chunk):
    """The counted rule against its regex on the texts that decide it: @ first or last, dots at the
    domain's edges, every whitespace `\\s` knows in ASCII (and beyond, where the regex takes over),
    a NUL inside a text, and chunk bounds anywhere (each chunk decides on its own)."""
    import bot.read.email_column as ec
    saved, ec._CHUNK = ec._CHUNK, chunk
    try:
        # The regex itself decides (parse_email would first drop the NUL, which no cleaned text holds).
        assert ec.bad_emails(texts) == [i for i, t in enumerate(texts) if t and not re.match(cells.EMAIL_PATTERN, t)]
    finally:
        ec._CHUNK = saved


@pytest.mark.parametrize("text, bad", [
    pytest.param("a@b.c", False, id="shortest"),
    pytest.param("a@.bc", True, id="dot-right-after-at"),
    pytest.param("a@bc.", True, id="dot-last"),
    pytest.param("@b.c", True, id="at-first"),
    pytest.param("a.b@c", True, id="dot-only-before-at"),
    pytest.param("a@b@c.d", True, id="two-ats"),
    pytest.param("a@b.c\x1f", True, id="unit-separator-is-whitespace"),
    pytest.param("a@b..c", False, id="two-dots"),
])
def test_bad_emails_edges(text, bad):
    assert email_column.bad_emails(["ok@x.io", text, ""]) == ([1] if bad else [])


@given(st.lists(st.dates(), max_size=20))
def test_day_numbers_is_toordinal_over_a_column(dates):
    column = np.empty(len(dates), dtype=object)
    column[:] = dates
    assert cells.day_numbers(column).tolist() == [d.toordinal() for d in dates]


@pytest.mark.parametrize("at", [0, 1999, 2000, 4500])
def test_one_cell_needing_cleaning_is_cleaned_wherever_it_sits_in_a_long_column(at):
    """The column-wide check looks at the texts a piece at a time (cells._JOINED): a cell to clean in any
    piece sends the column down the per-cell path."""
    values = ["plain text"] * 4501
    values[at] = "bad\x00text"
    assert cells.storable(values[at]) != values[at]
    assert cells.storables(values) == [cells.storable(v) for v in values]
    assert cells.stored_comparables(values) == [cells.comparable(cells.storable(v)) for v in values]


@given(st.lists(_ANY_CELL, max_size=12))
def test_a_reduced_cell_reduces_to_itself(values):
    """The quiet and warm checks compare a bot tab as read, each cell as it is (a blank as ""), with the
    reduced form of what the bot wrote (bot.cycle.quiet.read_bot_chunks): that exact form may only
    match where the reduction would too. It does when the reduced form of a cell reduces to itself, type
    for type (1 is not True, 3 is not 3.0), and a blank reduces to ""."""
    import marshal
    reduced = cells.stored_comparables(values)
    as_stored = [marshal.dumps(v) if not isinstance(v, (date, datetime)) else repr(v) for v in reduced]
    again = cells.stored_comparables(reduced)
    assert [marshal.dumps(v) if not isinstance(v, (date, datetime)) else repr(v) for v in again] == as_stored
    assert cells.stored_comparables([None] + reduced)[0] == ""


@given(st.lists(st.one_of(st.text(max_size=6), st.sampled_from(["", "a\x00b", "\x00", "\U0001f600", "\ud800", "x" * 40])),
                max_size=60))
def test_text_lengths_counts_every_text(texts):
    lengths = cells.text_lengths(texts)
    assert lengths.tolist() == list(map(len, texts)) and lengths.dtype == np.int64


@pytest.mark.parametrize("texts", [
    pytest.param(["CS-1", "", "N/A"] * 1500, id="short-texts-over-several-chunks"),
    pytest.param(["a complaint long enough to be counted one by one"] * 300 + [""], id="long-texts"),
    pytest.param(["ab"] * 2500 + ["a\x00b"], id="a-nul-in-the-last-chunk"),
    pytest.param(["a\x00b"] + ["ab"] * 4500, id="a-nul-in-the-first-chunk-of-three"),
])
def test_text_lengths_on_whole_columns(texts):
    lengths = cells.text_lengths(texts)
    assert lengths.tolist() == list(map(len, texts)) and lengths.dtype == np.int64


@given(st.one_of(
    st.text(alphabet="ab \n\t\r\x00\x0b\x1f\x7f\x85\u00e9\u2028\ud800\udfff\ue000\ufffd\ufffe\uffff\U0001f600",
            max_size=10),
    st.text(st.characters(), max_size=10)))
def test_already_clean_is_clean_leaving_the_text_as_it_is(text):
    assert cells.already_clean(text) == (cells._clean(text) == text)


@pytest.mark.parametrize("code", range(128), ids=lambda c: f"U+{c:04X}")
def test_already_clean_knows_every_ascii_character(code):
    text = f"line one\n{chr(code)} line two"
    assert cells.already_clean(text) == (cells._clean(text) == text)


@pytest.mark.parametrize("text", ["\ufffe", "\uffff", "line\n\uffff", "line\n\ufffe"])
def test_the_two_noncharacters_are_not_clean(text):
    assert not cells.already_clean(text)


@pytest.mark.parametrize("value, text", [
    pytest.param(True, "TRUE", id="checked"), pytest.param(False, "FALSE", id="unchecked"),
    pytest.param(float("nan"), "", id="nan-blank"), pytest.param(1e15, "1000000000000000", id="whole-float-digits"),
    pytest.param(1e16, "1e+16", id="float-past-exact-integers"),
    pytest.param(timedelta(hours=1, minutes=30), "1:30:00", id="duration"),
    pytest.param(" a\r\nb\rc\x01 ", "a\nb\nc", id="line-breaks-and-controls"),
])
def test_as_text(value, text):
    assert cells.as_text(value) == text


# What both backends can hold: Excel's 32,767 characters counted in UTF-16 units (an emoji counts two),
# cut with an ellipsis that itself fits; control characters gone; line breaks as "\n".
LIMIT = cells.MAX_STORED_CHARS


@pytest.mark.parametrize("text, expected", [
    pytest.param("x" * LIMIT, "x" * LIMIT, id="ascii-at-the-limit"),
    pytest.param("x" * (LIMIT + 1), "x" * (LIMIT - 1) + "\u2026", id="ascii-one-past"),
    pytest.param("x" * 40000, "x" * (LIMIT - 1) + "\u2026", id="ascii-far-past"),
    pytest.param("\U0001F600" * 20000, "\U0001F600" * ((LIMIT - 1) // 2) + "\u2026", id="emoji-count-two"),
    pytest.param("\U00010000" * 20000, "\U00010000" * ((LIMIT - 1) // 2) + "\u2026", id="first-astral-counts-two"),
    pytest.param("x" * (LIMIT - 2) + "\U0001F600" * 3, "x" * (LIMIT - 2) + "\u2026", id="emoji-straddling-the-cut"),
    pytest.param("a\x00b\x1fc\r\nd\re", "abc\nd\ne", id="controls-dropped-breaks-kept"),
])
def test_storable_text(text, expected):
    stored = cells.storable_text(text)
    assert stored == expected and cells.utf16_length(stored) <= LIMIT


@pytest.mark.parametrize("value, stored", [
    pytest.param(2.5, 2.5, id="number"), pytest.param(float("nan"), None, id="nan-blank"),
    pytest.param(float("inf"), None, id="infinite-blank"), pytest.param("=1+1", "=1+1", id="formula-text-stays-text"),
])
def test_storable(value, stored):
    assert cells.storable(value) == stored
