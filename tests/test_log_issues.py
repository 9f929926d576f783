"""Every validation rule of the contract: one Log Issues row per bad cell, right row and letter."""
from datetime import date

import pytest

from conftest import case, comp, replacement_case, replacement_comp


def issues_of(outcome):
    return [(i.tab, i.row, i.column, i.severity) for i in outcome.validation.issues]


def test_valid_rows_have_no_issues(run):
    out = run([case("CS-1"), replacement_case("CS-2")], [comp("CS-1"), replacement_comp("CS-2")])
    assert out.validation.issues == []


REQUIRED = ["date_logged", "ticket_id", "customer_name", "customer_email", "order_number", "product",
            "defect_type", "complaint_details", "photo_received", "units_affected", "resolution",
            "agent", "status"]
LETTER = {"date_logged": "A", "ticket_id": "B", "customer_name": "C", "customer_email": "D",
          "order_number": "E", "product": "F", "lot_number": "G", "best_by_date": "H",
          "defect_type": "I", "complaint_details": "J", "photo_received": "K", "units_affected": "L",
          "resolution": "M", "refund_amount": "N", "replacement_order_number": "O", "agent": "P",
          "status": "Q"}


@pytest.mark.parametrize("key", REQUIRED)
@pytest.mark.parametrize("blank", [None, "", "   "], ids=["none", "empty", "spaces"])
def test_blank_required_cell_is_one_error(run, key, blank):
    out = run([case("CS-1"), case("CS-2", **{key: blank})])
    assert issues_of(out) == [("Defective Log", 3, LETTER[key], "error")]
    assert "blank" in out.validation.issues[0].problem


@pytest.mark.parametrize("key", ["lot_number", "best_by_date", "replacement_order_number"])
def test_blank_optional_cell_is_fine(run, key):
    assert run([case("CS-1", **{key: None})]).validation.issues == []


@pytest.mark.parametrize("key, value, severity", [
    pytest.param("date_logged", "2/30/2026", "error", id="impossible-date"),
    pytest.param("date_logged", "soon", "error", id="date-word"),
    pytest.param("date_logged", "20261103", "error", id="date-digits-alone"),
    pytest.param("customer_email", "maria.gomez@gmail", "error", id="email-no-dot"),
    pytest.param("customer_email", "a b@example.com", "error", id="email-space"),
    pytest.param("defect_type", "Stale", "error", id="defect-not-in-list"),
    pytest.param("photo_received", "Maybe", "error", id="photo-not-yes-no"),
    pytest.param("units_affected", 0, "error", id="units-zero"),
    pytest.param("units_affected", "two", "error", id="units-word"),
    pytest.param("units_affected", 1.5, "error", id="units-fraction"),
    pytest.param("resolution", "Store credit", "error", id="resolution-other"),
    pytest.param("refund_amount", "free", "error", id="refund-amount-word"),
    pytest.param("refund_amount", 0, "error", id="refund-amount-zero"),
    pytest.param("status", "Pending", "error", id="status-other"),
    pytest.param("best_by_date", "soonish", "warning", id="optional-best-by-not-date"),
])
def test_bad_value_is_one_issue(run, key, value, severity):
    out = run([case("CS-1", **{key: value})])
    assert issues_of(out) == [("Defective Log", 2, LETTER[key], severity)]
    assert out.validation.issues[0].problem      # says what is wrong


@pytest.mark.parametrize("key, value", [
    pytest.param("units_affected", "2", id="units-as-text"),
    pytest.param("refund_amount", "$8.99", id="money-dollar-text"),
    pytest.param("refund_amount", "1,024.00", id="money-thousands"),
    pytest.param("order_number", 10299, id="order-number-as-number"),
    pytest.param("date_logged", "Nov 2, 2026", id="date-text"),
    pytest.param("date_logged", 46328, id="date-serial"),
    pytest.param("defect_type", "  foreign OBJECT ", id="choice-case-spaces"),
    pytest.param("resolution", "refund ", id="resolution-lower"),
    pytest.param("photo_received", True, id="photo-checkbox"),
    pytest.param("status", "OPEN", id="status-upper"),
])
def test_forms_a_rep_would_type_are_valid(run, key, value):
    assert run([case("CS-1", **{key: value})]).validation.issues == []


def test_refund_needs_amount_replacement_needs_order_number(run):
    out = run([case("CS-1", refund_amount=None),
               replacement_case("CS-2", replacement_order_number="")])
    assert issues_of(out) == [("Defective Log", 2, "N", "error"), ("Defective Log", 3, "O", "error")]
    assert "Resolution is Refund" in out.validation.issues[0].problem
    assert not any("placeholder" in i.problem for i in out.validation.issues)   # blank, not a placeholder


def test_replacement_with_bad_refund_amount_is_only_a_warning(run):
    out = run([replacement_case("CS-2", refund_amount="free")])
    assert issues_of(out) == [("Defective Log", 2, "N", "warning")]


def test_repeated_ticket_is_an_error_on_every_later_occurrence(run):
    out = run([case("CS-1"), case("CS-2"), case("cs-1 "), case("CS-1")])
    assert issues_of(out) == [("Defective Log", 4, "B", "error"), ("Defective Log", 5, "B", "error")]
    assert "row 2" in out.validation.issues[0].problem


def test_blank_rows_are_skipped_and_row_numbers_stay_true(run):
    log = [case("CS-1"), {}, {k: "  " for k in LETTER}, case("CS-4", status="bogus")]
    out = run(log)
    assert issues_of(out) == [("Defective Log", 5, "Q", "error")]
    assert out.rows_read["Defective Log"] == 2


@pytest.mark.parametrize("log_fields, comp_fields, letter", [
    pytest.param({}, {"type": "Replacement"}, "M", id="resolution-vs-type"),
    pytest.param({}, {"refund_amount": 9.99}, "N", id="refund-amount-differs"),
    pytest.param({"resolution": "Replacement", "refund_amount": "", "replacement_order_number": "R-1"},
                 {"type": "Replacement", "refund_amount": "", "replacement_order_number": "R-2"},
                 "O", id="replacement-order-differs"),
])
def test_comp_sheet_disagreement_is_reported_on_the_log_row(run, log_fields, comp_fields, letter):
    out = run([case("CS-1", **log_fields)], [comp("CS-1", **comp_fields)])
    assert issues_of(out) == [("Defective Log", 2, letter, "error")]
    assert "Comp Sheet row 2" in out.validation.issues[0].problem


@pytest.mark.parametrize("comp_fields", [
    pytest.param({"refund_amount": "$8.99"}, id="same-amount-as-text"),
    pytest.param({"refund_amount": ""}, id="comp-amount-blank"),
    pytest.param({"type": "refund"}, id="type-lower-case"),
])
def test_agreeing_or_one_sided_values_are_fine(run, comp_fields):
    assert run([case("CS-1")], [comp("CS-1", **comp_fields)]).validation.issues == []


def test_orphan_comp_row_is_reported_on_the_comp_sheet(run):
    out = run([case("CS-1")], [comp("CS-1"), comp("CS-404")])
    assert issues_of(out) == [("Comp Sheet", 3, "B", "warning")]
    assert out.validation.issues[0].ticket_id == "CS-404"


def test_comp_rows_without_ticket_or_twice_for_a_ticket_are_warnings(run):
    out = run([case("CS-1")], [comp("CS-1"), comp(""), comp("CS-1")])
    assert issues_of(out) == [("Comp Sheet", 3, "B", "warning"), ("Comp Sheet", 4, "B", "warning")]
    assert "No Ticket ID" in out.validation.issues[0].problem
    assert "already has a Comp Sheet row (row 2)" in out.validation.issues[1].problem


@pytest.mark.parametrize("comp_fields, letter", [
    pytest.param({"type": "Voucher"}, "F", id="comp-type-other"),
    pytest.param({"type": ""}, "F", id="comp-type-blank"),
    pytest.param({"refund_amount": "lots"}, "K", id="comp-amount-word"),
    pytest.param({"refund_processed_on": "someday"}, "L", id="comp-processed-not-date"),
])
def test_comp_cells_a_draft_needs_are_errors_on_the_comp_row(run, comp_fields, letter):
    out = run([case("CS-1")], [comp("CS-1", **comp_fields)])
    assert issues_of(out) == [("Comp Sheet", 2, letter, "error")]
    assert out.drafts_ready == []


def test_issue_carries_ticket_field_and_letter_where_the_column_really_is(run, settings):
    from bot.backends.base import Snapshot
    from bot.cycle.compute import compute
    from bot.tabs.drafts import Renderer
    from conftest import NOW, rows_of
    log = rows_of("defective_log", [case("CS-7", customer_email="nope")])
    # The team moved Customer Email to the far right and added a column of their own.
    log = [[*r[:3], *r[4:], "x" if i else "Notes", r[3]] for i, r in enumerate(log)]
    snap = Snapshot({"Defective Log": log, "Comp Sheet": rows_of("comp_sheet", [])}, "t")
    (issue,) = compute(snap, settings, NOW, Renderer()).validation.issues
    assert (issue.row, issue.column, issue.field, issue.ticket_id) == (2, "S", "Customer Email", "CS-7")


def test_headers_match_ignoring_case_and_spaces(run, settings):
    from bot.backends.base import Snapshot
    from bot.cycle.compute import compute
    from bot.tabs.drafts import Renderer
    from conftest import NOW, rows_of
    log = rows_of("defective_log", [case("CS-1")])
    log[0] = [f"  {h.upper()} " for h in log[0]]
    snap = Snapshot({"Defective Log": log, "Comp Sheet": rows_of("comp_sheet", [])}, "t")
    assert compute(snap, settings, NOW, Renderer()).validation.issues == []


@pytest.mark.parametrize("tickets", [
    pytest.param(["CS-1", " cs-2 ", ""], id="ascii"),
    pytest.param(["CS-Ä1", "cs-\u00df"], id="non-ascii"),
    pytest.param(["CS-1\x00", "CS-2\r\n"], id="unstorable-characters"),
    pytest.param(["CS-" + "9" * 40000, "CS-1"], id="longer-than-a-cell-holds"),
    pytest.param(["CS-" + "9" * 40000, "CS-1 "], id="longer-than-a-cell-holds-with-spaces"),
    pytest.param(["CS-1", "ab-2", "", "Cs-3"], id="ascii-without-spaces"),
    pytest.param(["CS-1", " cs-2", " CS-3 ", "  "], id="a-list-split-at-its-commas"),
    pytest.param(["CS-1", "AB\x002"], id="a-nul-inside-a-ticket"),
    pytest.param(["CS-1\t", "AB-2"], id="a-tab"),
    pytest.param([], id="no-tickets"),
    pytest.param([""], id="one-blank"),
    pytest.param(["", ""], id="two-blanks"),
])
def test_ticket_keys_is_ticket_key_over_a_column(tickets):
    from bot.tabs.log_issues import ticket_key, ticket_keys
    assert ticket_keys(tickets) == [ticket_key(t) if t else "" for t in tickets]


PLACEHOLDERS = ["N/A", "n/a", "NA", "-", "\u2014", "none", "TBD"]


@pytest.mark.parametrize("value", PLACEHOLDERS)
@pytest.mark.parametrize("row", [
    pytest.param(lambda v: case("CS-1", lot_number=v), id="lot-number"),
    pytest.param(lambda v: case("CS-1", best_by_date=v), id="best-by-date"),
    pytest.param(lambda v: case("CS-1", replacement_order_number=v), id="replacement-order-on-refund"),
    pytest.param(lambda v: replacement_case("CS-1", refund_amount=v), id="refund-amount-on-replacement"),
])
def test_placeholder_in_an_optional_cell_reads_as_blank(run, row, value):
    assert run([row(value)]).validation.issues == []


@pytest.mark.parametrize("value", PLACEHOLDERS)
@pytest.mark.parametrize("key", REQUIRED)
def test_placeholder_in_a_required_cell_is_an_error_that_says_so(run, key, value):
    out = run([case("CS-1", **{key: value})])
    assert issues_of(out) == [("Defective Log", 2, LETTER[key], "error")]
    field = out.validation.issues[0].field
    assert out.validation.issues[0].problem == f"'{value}' is a placeholder; fill in the {field}"


@pytest.mark.parametrize("row, letter, when", [
    pytest.param(case("CS-1", refund_amount="TBD"), "N", "Resolution is Refund", id="refund-amount"),
    pytest.param(replacement_case("CS-1", replacement_order_number="n/a"), "O", "Resolution is Replacement",
                 id="replacement-order-number"),
])
def test_placeholder_in_a_conditionally_required_cell_is_an_error(run, row, letter, when):
    out = run([row])
    assert issues_of(out) == [("Defective Log", 2, letter, "error")]
    assert "is a placeholder; fill in the" in out.validation.issues[0].problem
    assert f"(required when {when})" in out.validation.issues[0].problem


@pytest.mark.parametrize("value", ["N/A", "TBD", "-"])
def test_placeholder_tracking_number_is_not_a_shipment(run, value):
    out = run([replacement_case("CS-2")], [replacement_comp("CS-2", tracking_number=value)])
    assert out.validation.issues == [] and out.drafts_ready == []


def test_placeholder_lot_is_never_a_flag_lot(run):
    rows = [case("CS-1", lot_number="N/A"), case("CS-2", lot_number="TBD", date_logged=date(2026, 11, 3))]
    out = run(rows)
    (flag,) = out.desired["escalations"]
    assert out.validation.issues == [] and not flag["lot_numbers"]


@pytest.mark.parametrize("amount, comp_amount", [
    pytest.param(8.985, 8.99, id="log-three-decimals"),
    pytest.param("$8.994", "8.99", id="text-three-decimals"),
])
def test_money_with_more_than_two_decimals_is_a_warning(run, amount, comp_amount):
    out = run([case("CS-1", refund_amount=amount)], [comp("CS-1", refund_amount=comp_amount)])
    assert issues_of(out) == [("Defective Log", 2, "N", "warning")]
    assert "has more than two decimals; the bot reads it as $8.99" in out.validation.issues[0].problem
    assert len(out.drafts_ready) == 1    # a warning blocks nothing


@pytest.mark.parametrize("log_ticket, comp_ticket", [
    pytest.param("00124", 124, id="comp-lost-zeros-as-number"),
    pytest.param("124", "00124", id="log-lost-zeros"),
    pytest.param("CS-0124", "CS-124", id="zeros-inside-an-id"),
])
def test_leading_zeros_do_not_join_but_the_orphan_warning_names_the_row(run, log_ticket, comp_ticket):
    out = run([case("CS-9"), case(log_ticket)], [comp(comp_ticket)])
    assert issues_of(out) == [("Comp Sheet", 2, "B", "warning")]
    problem = out.validation.issues[0].problem
    assert problem.startswith(f"Ticket ID {comp_ticket} is not in the Defective Log; ")
    assert f"Defective Log row 3 has {log_ticket}, which differs only in leading zeros" in problem
    assert out.drafts_ready == []


def test_an_orphan_without_a_near_twin_says_only_that(run):
    out = run([case("CS-1")], [comp("CS-12")])
    assert out.validation.issues[0].problem == "Ticket ID CS-12 is not in the Defective Log"


def test_the_near_twin_is_found_wherever_it_stands_in_the_log(run):
    log = [case("CS-1"), case("CS-2"), case("CS-3"), case("CS-0124"), case("CS-5"), case("CS-6")]
    out = run(log, [comp("CS-124")])
    assert "Defective Log row 5 has CS-0124, which differs only in leading zeros" in out.validation.issues[0].problem


@pytest.mark.parametrize("day_first, read", [
    pytest.param(False, date(2026, 3, 11), id="month-first"),
    pytest.param(True, date(2026, 11, 3), id="day-first"),
])
def test_day_first_setting_decides_how_a_typed_date_reads(run, day_first, read):
    from bot.config import load_settings
    settings = load_settings(environ={"DLB_DAY_FIRST": str(day_first).lower()})
    out = run([case("CS-1", date_logged="3/11/2026")], [comp("CS-1", refund_processed_on="3/11/2026")],
              settings_=settings)
    assert out.validation.issues == []
    assert out.validation.log["date_logged"].iat[0] == read
    assert out.validation.comp["refund_processed_on"].iat[0] == read


@pytest.mark.parametrize("key, value, parsed, letter", [
    pytest.param("order_number", 10299.0, "10299", None, id="order-number-as-a-float"),
    pytest.param("customer_name", 42.5, "42.5", None, id="name-as-a-number-is-text"),
    pytest.param("customer_email", 12.5, None, "D", id="email-as-a-number-is-not-an-email"),
])
def test_a_text_cell_holding_a_number_reads_as_its_text(run, key, value, parsed, letter):
    out = run([case("CS-1", **{key: value})])
    assert out.validation.log[key].iat[0] == parsed
    assert issues_of(out) == ([("Defective Log", 2, letter, "error")] if letter else [])


def test_a_blank_order_number_beside_one_typed_as_digits_is_still_blank(run):
    out = run([case("CS-1", order_number=10299), case("CS-2", order_number=None)])
    assert issues_of(out) == [("Defective Log", 3, "E", "error")]
    assert out.validation.log["order_number"].tolist() == ["10299", None]
    assert "placeholder" not in out.validation.issues[0].problem      # blank, not the text 'None'


@pytest.mark.parametrize("key, value", [
    pytest.param("lot_number", None, id="blank-text"),
    pytest.param("lot_number", "N/A", id="placeholder-text"),
    pytest.param("customer_email", "nope", id="bad-email"),
    pytest.param("customer_email", "N/A", id="placeholder-email"),
    pytest.param("units_affected", "two", id="bad-count"),
])
def test_a_blank_placeholder_or_bad_cell_parses_as_none(run, key, value):
    assert run([case("CS-1", **{key: value})]).validation.log[key].iat[0] is None


@pytest.mark.parametrize("cells_, errors", [
    pytest.param([True, 1, "Yes"], [3], id="checkbox-first"),
    pytest.param([1, True, 1.0], [2, 4], id="number-first"),
])
def test_a_checkbox_and_the_number_1_in_one_column_are_not_one_value(run, cells_, errors):
    out = run([case(f"CS-{i}", photo_received=v) for i, v in enumerate(cells_)])
    assert issues_of(out) == [("Defective Log", r, "K", "error") for r in errors]


def _compute(log_rows):
    from bot.backends.base import Snapshot
    from bot.config import load_settings
    from bot.cycle.compute import compute
    from bot.tabs.drafts import Renderer
    from conftest import NOW, rows_of
    snap = Snapshot({"Defective Log": log_rows, "Comp Sheet": rows_of("comp_sheet", [])}, "t")
    return compute(snap, load_settings(environ={}), NOW, Renderer())


def test_a_required_column_the_schema_lets_a_tab_lack_is_named_first_on_each_row_without_a_letter():
    """The shipped schema makes every required header required; a schema file may say otherwise
    (`header_required = false`): then each row names the missing column, ahead of its other problems."""
    import dataclasses
    import sheet_schema
    from bot.read.table import map_columns, rep_frame
    from bot.tabs.log_issues import check_tab
    from conftest import rows_of
    schema = sheet_schema.load("defective_log")
    schema = dataclasses.replace(schema, columns=tuple(
        dataclasses.replace(c, header_required=False) if c.key == "agent" else c for c in schema.columns))
    log = rows_of("defective_log", [case("CS-1", date_logged="soon"), case("CS-2")])
    at = log[0].index("Agent")
    log = [r[:at] + r[at + 1:] for r in log]
    columns = map_columns("Defective Log", log[0], schema, {}, strict=True)
    _, out = check_tab(rep_frame(log, columns, schema), schema, columns, False)
    issues = sorted(out.issues)
    assert [(i.row, i.column, i.field, i.severity) for i in issues] == [
        (2, "", "Agent", "error"), (2, "A", "Date Logged", "error"), (3, "", "Agent", "error")]
    assert issues[0].problem == "Required, but the tab has no 'Agent' column"


def test_a_rows_issues_read_left_to_right_past_column_z():
    from conftest import rows_of
    log = rows_of("defective_log", [case("CS-7", customer_email="nope", status="bogus")])
    # The team added ten columns of their own and moved Customer Email after them (column AB).
    log = [[*r[:3], *r[4:], *([f"Notes {k}" for k in range(10)] if i == 0 else [""] * 10), r[3]]
           for i, r in enumerate(log)]
    issues = _compute(log).validation.issues
    assert [i.column for i in issues] == ["P", "AB"]


def test_after_a_blank_row_a_placeholder_is_named_on_its_own_row(run):
    out = run([case("CS-1"), {}, case("CS-3", agent="N/A")])
    assert issues_of(out) == [("Defective Log", 4, "P", "error")]
    assert out.validation.issues[0].problem.startswith("'N/A' is a placeholder")


@pytest.mark.parametrize("other", ["CS-2", "CS-\u00c42"], ids=["ascii-column", "non-ascii-column"])
def test_rows_without_a_ticket_id_are_not_one_ticket(run, other):
    out = run([case(""), case(other), case(None)])
    assert issues_of(out) == [("Defective Log", 2, "B", "error"), ("Defective Log", 4, "B", "error")]
    assert [(i.ticket_id, "blank" in i.problem) for i in out.validation.issues] == [("", True), ("", True)]


def test_a_warning_in_a_column_does_not_hide_an_error_further_down(run):
    out = run([case("CS-1", refund_amount=8.985), case("CS-2", refund_amount="free")])
    assert issues_of(out) == [("Defective Log", 2, "N", "warning"), ("Defective Log", 3, "N", "error")]


def test_a_bad_comp_cell_no_draft_needs_is_only_a_warning(run):
    out = run([case("CS-1")], [comp("CS-1", units="two")])
    assert issues_of(out) == [("Comp Sheet", 2, "H", "warning")]
    assert len(out.drafts_ready) == 1


def test_each_second_comp_row_names_the_first_row_of_its_own_ticket(run):
    out = run([case("CS-1"), case("CS-2")], [comp(""), comp("CS-1"), comp("CS-2"), comp("CS-2"), comp("CS-1")])
    assert [(i.row, i.problem.split(";")[0]) for i in out.validation.issues] == [
        (2, "No Ticket ID, so this row cannot be matched to a case"),
        (5, "Ticket ID CS-2 already has a Comp Sheet row (row 4)"),
        (6, "Ticket ID CS-1 already has a Comp Sheet row (row 3)")]


def test_only_the_first_log_row_of_a_ticket_is_checked_against_the_comp_sheet(run):
    out = run([case("CS-1"), case("CS-1", refund_amount=5)], [comp("CS-1")])
    assert issues_of(out) == [("Defective Log", 3, "B", "error")]      # the repeat, nothing more


def test_replacement_order_numbers_that_differ_only_in_case_and_spaces_agree(run):
    out = run([replacement_case("CS-2", replacement_order_number="r-5001 ")],
              [replacement_comp("CS-2", replacement_order_number="R-5001")])
    assert out.validation.issues == []


@pytest.mark.parametrize("log, problem", [
    pytest.param([case("CS-1"), case("CS-2", customer_email="")], "Required, but blank", id="a-blank-required-cell"),
    pytest.param([case("CS-1"), case("cs-1 ")], "Ticket ID cs-1 is already used on row 2",
                 id="a-repeated-ticket-named-as-typed"),
])
def test_the_sentence_a_rep_reads(run, log, problem):
    """The Problem cell word for word: what a rep reads in Log Issues (the demo shows these too)."""
    (issue,) = run(log).validation.issues
    assert issue.problem == problem


def test_a_comp_row_with_an_error_is_marked_so_its_draft_waits(run):
    """A Comp Sheet row whose cell a draft needs is wrong carries the error mark the drafts read."""
    from bot.tabs.log_issues import HAS_ERROR

    out = run([case("CS-1"), case("CS-2")], [comp("CS-1"), comp("CS-2", refund_amount="lots")])
    assert out.validation.comp[HAS_ERROR].tolist() == [False, True]


@pytest.mark.parametrize("extra", [
    pytest.param([], id="sample"),
    pytest.param([["", "", "", "", "", "", "", "", "", "only details typed"],
                  ["N/A", "CS-9", "", "", "", "  trail mix  ", "", "", "clumping", "", "", "", "", "", "", "", ""],
                  ["Nov 3", "CS-10", "", "", "", "", "", "", "Clumping", "", "", "", "", "", "", "", "", "", "LOT-7"]],
                 id="blank-placeholder-and-bad-cells"),
])
def test_parsed_columns_are_check_tabs_values_for_those_columns(settings, extra):
    """A warm cycle works out the touched groups' flags from the recurrence columns alone
    (log_issues.parsed_columns): each must hold exactly what the full validation parses, on the rows
    that have any of them filled (a row without them is never in a recurrence group)."""
    from bot.demo.sample_data import build_sample
    from bot.read.table import ROW_COLUMN, map_columns, rep_frame
    from bot.tabs.escalations import RECURRENCE_COLUMNS
    from bot.tabs.log_issues import check_tab, parsed_columns
    from sheet_schema import load

    rows = build_sample(date(2026, 11, 20))["Defective Log"] + extra
    schema = load("defective_log")
    columns = map_columns("Defective Log", rows[0], schema, {}, strict=True)
    full, _ = check_tab(rep_frame(rows, columns, schema), schema, columns, settings.day_first)
    some = parsed_columns(rep_frame(rows, columns, schema), schema, RECURRENCE_COLUMNS, settings.day_first)
    filled = full[list(RECURRENCE_COLUMNS)].notna().any(axis=1)
    expected = full.loc[filled, [ROW_COLUMN, *RECURRENCE_COLUMNS]].reset_index(drop=True)
    assert some.columns.tolist() == [ROW_COLUMN, *RECURRENCE_COLUMNS]
    assert some.to_dict("records") == expected.to_dict("records")
    assert len(some) == len(rows) - 1 - (1 if extra else 0)


def test_ticket_keys_is_ticket_key_over_any_column():
    from hypothesis import given, strategies as st
    from bot.tabs.log_issues import ticket_key, ticket_keys

    @given(st.lists(st.text(alphabet="Cs-19 \x00\t\u00df\u00c4", max_size=6), max_size=20))
    def check(tickets):
        assert ticket_keys(tickets) == [ticket_key(t) if t else "" for t in tickets]
    check()
