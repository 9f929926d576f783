"""Bad input never breaks a cycle: any value in any cell of the rep tabs, and every sheet shape a team makes.

Every cycle here is checked the same way (`check_cycle`): compute() raises nothing, every Log Issue points
at a real row and column of a rep tab, no write targets a rep tab, every string written is storable as is
in both backends, and after the plan is applied a second cycle over the same data plans nothing and no
Flag ID or draft ticket appears twice.
"""
from __future__ import annotations

import copy
import re
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import responses
from hypothesis import HealthCheck, example, given, settings as hsettings, strategies as st

import sheet_schema
from bot.backends.base import CreateTab, Plan, RangeWrite, Snapshot
from bot.backends.google import GoogleBackend
from bot.backends.workbook import WorkbookBackend
from bot.cycle.run import run_cycle
from bot.read.cells import MAX_STORED_CHARS, as_text, is_blank, storable
from bot.cycle.compute import compute
from bot.errors import LayoutError
from bot.read.table import header_key
from conftest import (COMP_HEADERS, LOG_HEADERS, NOW, case, comp, replacement_case, replacement_comp,
                      rows_of)
from fake_sheets import FakeSheets, make_service_account_key
from hardening import BOT_TABS, REP_TABS, apply_in_memory, duplicate_rows, normalised, recorded, rep_tab_writes

LOG_SCHEMA = sheet_schema.load("defective_log")
COMP_SCHEMA = sheet_schema.load("comp_sheet")
LOG_KEYS = [c.key for c in LOG_SCHEMA.columns]
COMP_KEYS = [c.key for c in COMP_SCHEMA.columns]
BAD_INPUT = "Bad input (cell values)"
SHAPES = "Sheet shapes"


# ---- one cycle, checked -----------------------------------------------------------------------------------

class Checked:
    def __init__(self, outcome, tabs, second, rep_writes, dupes):
        self.outcome, self.tabs, self.second = outcome, tabs, second
        self.rep_writes, self.dupes = rep_writes, dupes

    @property
    def issues(self):
        return self.outcome.validation.issues

    @property
    def counts(self) -> dict:
        return {"rep_tab_writes": self.rep_writes, "duplicate_rows": self.dupes}


def check_cycle(settings, renderer, tabs: dict, now=NOW, counts: dict | None = None) -> Checked:
    """Run a cycle on in-memory tabs, check every invariant, apply it and check the next cycle is quiet.
    What the reliability table reports is added to `counts` before it is checked."""
    counts = {"rep_tab_writes": 0, "duplicate_rows": 0} if counts is None else counts
    tabs = {**{t: None for t in BOT_TABS}, **tabs}
    outcome = compute(Snapshot(tabs, "memory"), settings, now, renderer)
    # A cycle's own compute lets go of what it read as it goes (consume=True): the same plan, bot tabs
    # and issues (repr: a NaN someone typed is not equal to itself).
    consumed = compute(Snapshot(copy.deepcopy(tabs), "memory"), settings, now, renderer, consume=True)
    assert repr((consumed.plan, consumed.desired, consumed.validation.issues, consumed.last_run)) == \
        repr((outcome.plan, outcome.desired, outcome.validation.issues, outcome.last_run))
    rep_writes = rep_tab_writes(outcome.plan)
    counts["rep_tab_writes"] += rep_writes
    assert rep_writes == 0

    for issue in outcome.validation.issues:
        assert issue.tab in REP_TABS
        rows = tabs[issue.tab]
        assert 2 <= issue.row <= len(rows), issue
        assert re.fullmatch(r"[A-Z]{1,3}", issue.column), issue
        col = _column_index(issue.column)
        assert header_key(rows[0][col]) == header_key(issue.field), issue
        assert issue.severity in ("error", "warning") and issue.problem and issue.field

    for w in outcome.plan.writes:
        for row in w.values:
            for v in row:
                assert storable(v) == v, f"unstorable value planned for {w.tab}: {v!r:.80}"
                if isinstance(v, str):
                    assert len(v.encode("utf-16-le")) // 2 <= MAX_STORED_CHARS

    for d in outcome.drafts_ready:
        for value in (d.ticket_id, d.to, d.subject, d.body):
            assert storable(value).strip(), f"empty draft field in {d}"

    after = apply_in_memory(tabs, outcome.plan)
    second = compute(Snapshot(after, "memory"), settings, now + timedelta(minutes=1), renderer)
    assert second.plan.is_empty, f"a second cycle over unchanged data plans {second.plan}"
    dupes = duplicate_rows(after)
    counts["duplicate_rows"] += dupes
    assert dupes == 0
    return Checked(outcome, after, second, rep_writes, dupes)


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def base_tabs() -> dict:
    """Four cases: a refund and a replacement ready for a draft, and a recurring defect (a flag)."""
    log = [case("CS-1"), replacement_case("CS-2"),
           case("CS-3", date_logged=date(2026, 11, 5), status="Closed"),
           case("CS-4", product="Granola Bar", defect_type="Clumping", date_logged=date(2026, 11, 9))]
    comps = [comp("CS-1"), replacement_comp("CS-2"), comp("CS-3")]
    return {"Defective Log": rows_of("defective_log", log), "Comp Sheet": rows_of("comp_sheet", comps)}


# ---- any value in any cell --------------------------------------------------------------------------------

SPECIAL = [
    "", " ", " \t ", "\n", "\r\n", "=1+1", '=HYPERLINK("http://evil.example","click")', "+15551234", "-2+3",
    "@SUM(A1:A9)", "{{ 7*7 }}", "{% for x in range(3) %}x{% endfor %}", "{{ ''.__class__.__mro__ }}",
    "{# c #}", "😀🔥", "👨‍👩‍👧", "مرحبا بالعالم", "שלום", "\u202eevil\u202c",
    "\x00\x07\x1b", "\x0b\x0c",
    "\ud800", "\udfff", "\ufffe\uffff", "NaN", "inf", "1e400", "2/30/2026", "11/3/26", "Nov 3, 2026",
    "2026-11-03", "0001-01-01", "9999-12-31", "$24.50", "1,024.00", "-$5", "0", "Open", " closed ",
    "refund", "REPLACEMENT", "foreign object", "yes", "TRUE", "ana@example.com", "a@@b.c", "x" * 300,
    "CS-1", " cs-1 ", "CS-1, CS-2", ",", "ESC-0001", "Trail Mix Original 12oz", "TRAIL-MIX original 12 oz",
]
TEXT = st.text(max_size=40)
CELL = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-10**20, max_value=10**20),
    st.sampled_from([0, 1, 46000, 2958465, 2958466, 2**53, 10**400, -10**400]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(), st.datetimes(),
    st.sampled_from(SPECIAL), TEXT,
)
MUTATION = st.tuples(st.sampled_from(REP_TABS), st.integers(0, 4), st.integers(0, 17), CELL)


def mutate(tabs: dict, mutations, extra_rows) -> dict:
    tabs = {t: [list(r) for r in rows] for t, rows in tabs.items()}
    for tab, row_pos, col, value in mutations:
        rows = tabs[tab]
        i = 1 + row_pos
        while len(rows) <= i:
            rows.append([])
        row = rows[i]
        while len(row) <= col:
            row.append(None)
        row[col] = value
    for tab, row in extra_rows:
        tabs[tab].append(list(row))
    return tabs


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(mutations=st.lists(MUTATION, max_size=14),
       extra_rows=st.lists(st.tuples(st.sampled_from(REP_TABS), st.lists(CELL, max_size=19)), max_size=3))
def test_any_value_in_any_cell_never_crashes_and_the_next_cycle_is_quiet(settings, renderer, reliability,
                                                                         mutations, extra_rows):
    tabs = mutate(base_tabs(), mutations, extra_rows)
    with recorded(reliability, BAD_INPUT, "hypothesis: any value (text, number, bool, blank, date) in any cell, "
                                          "ragged extra rows",
                  "no crash; every problem a Log Issue on a real row and column; second cycle plans nothing") as counts:
        checked = check_cycle(settings, renderer, tabs, counts=counts)
    # Every blank required Defective Log cell on a row with something in it is reported there.
    log = tabs["Defective Log"]
    reported = {(i.row, i.column) for i in checked.issues if i.tab == "Defective Log"}
    for n, row in enumerate(log[1:], start=2):
        padded = list(row) + [None] * (len(LOG_KEYS) - len(row))
        if all(is_blank(v) for v in padded[:len(LOG_KEYS)]):
            continue
        for i, col in enumerate(LOG_SCHEMA.columns):
            if col.required and is_blank(padded[i]):
                assert (n, col.letter) in reported


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tickets=st.lists(st.one_of(st.sampled_from(["", " ", ",", "A,B", "a,b", "CS-1", "cs-1", "\x00", "=1",
                                                   "x" * 40_000]), TEXT), min_size=2, max_size=5),
       products=st.lists(st.one_of(st.sampled_from(["Oats", "OATS!", "\x01Oats", "o" * 40_000]), TEXT),
                         min_size=1, max_size=2))
@example(tickets=["0\n\x850", "CS-1"], products=["Oats"])   # found once: a line break inside a Ticket ID
def test_recurring_cases_with_odd_ticket_ids_and_products_flag_once(settings, renderer, reliability,
                                                                   tickets, products):
    """Blank, repeated, comma-holding, unstorable or over-long Ticket IDs and products never make a flag
    or a draft appear again on the next cycle."""
    log = [case(t, product=products[i % len(products)], date_logged=date(2026, 11, 1) + timedelta(days=i))
           for i, t in enumerate(tickets)]
    comps = [comp(t) for t in tickets]
    tabs = {"Defective Log": rows_of("defective_log", log), "Comp Sheet": rows_of("comp_sheet", comps)}
    with recorded(reliability, BAD_INPUT, "hypothesis: recurring cases with blank, repeated, comma-holding, "
                                          "unstorable or 40,000-character Ticket IDs and products",
                  "each episode flagged once, each draft written once") as counts:
        checked = check_cycle(settings, renderer, tabs, counts=counts)
        # Run a third cycle later on: still nothing to do, still no duplicates.
        third = compute(Snapshot(checked.tabs, "memory"), settings, NOW + timedelta(hours=3), renderer)
        after = apply_in_memory(checked.tabs, third.plan)
        counts["duplicate_rows"] += duplicate_rows(after)
        counts["rep_tab_writes"] += rep_tab_writes(third.plan)
        assert duplicate_rows(after) == 0
        assert not [w for w in third.plan.writes if w.tab in ("Escalations", "Drafts")]


HEADER_CELL = st.one_of(CELL, st.sampled_from(LOG_HEADERS + COMP_HEADERS + ["Notes", "  TICKET  id "]))


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(st.tuples(st.sampled_from(REP_TABS), st.integers(0, 19), HEADER_CELL), min_size=1,
                        max_size=3))
def test_any_header_row_is_read_or_is_a_layout_error_naming_the_header(settings, renderer, reliability, changes):
    """Headers typed over, duplicated or cleared: the cycle runs, or stops with a LayoutError that names the
    header it needs; never anything else."""
    tabs = base_tabs()
    for tab, col, value in changes:
        header = tabs[tab][0]
        while len(header) <= col:
            header.append(None)
        header[col] = value
    with recorded(reliability, SHAPES, "hypothesis: any value typed over any header cell",
                  "the cycle runs, or a LayoutError names the missing or repeated header") as counts:
        try:
            check_cycle(settings, renderer, tabs, counts=counts)
        except LayoutError as exc:
            wanted = {h for h in LOG_HEADERS + COMP_HEADERS}
            assert exc.header in wanted or "no header row" in exc.message
            assert exc.header is None or f"'{exc.header}'" in exc.message


PEOPLE_KEYS = {"escalations": {"lead_status", "lead_notes"}, "drafts": {"status"}}


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.sampled_from(BOT_TABS), st.integers(1, 4), st.integers(0, 15), CELL),
                      min_size=1, max_size=8))
@example(edits=[("Escalations", 1, 0, float("inf"))])   # found once: a Flag ID no sheet can hold
@example(edits=[("Drafts", 3, 0, float("inf"))])        # found once: a "draft" row that will be stored blank
def test_people_typing_anything_in_the_bot_tabs(settings, renderer, reliability, edits):
    """Leads and reps type into the bot tabs (their own columns, and sometimes the bot's): the next cycle never
    crashes, never writes a people's column or an unknown one, keeps what they typed there, and the cycle
    after it is quiet."""
    with recorded(reliability, BAD_INPUT, "hypothesis: any value typed into the bot tabs (lead notes, draft "
                                          "status, the bot's own cells)",
                  "no crash; people's and unknown columns never written; the cycle after is quiet") as counts:
        first = check_cycle(settings, renderer, base_tabs(), counts=counts)
        tabs = {t: [list(r) for r in rows] if rows is not None else None for t, rows in first.tabs.items()}
        for tab, row, col, value in edits:
            rows = tabs[tab]
            while len(rows) <= row:
                rows.append([])
            while len(rows[row]) <= col:
                rows[row].append(None)
            rows[row][col] = value
        outcome = compute(Snapshot(tabs, "memory"), settings, NOW + timedelta(minutes=1), renderer)
        counts["rep_tab_writes"] += rep_tab_writes(outcome.plan)
        assert rep_tab_writes(outcome.plan) == 0
        for name, table in outcome.tables.items():
            allowed = {i for k, i in table.columns.index.items() if k not in PEOPLE_KEYS.get(name, ())}
            allowed |= {table.columns.width + n for n in range(len(table.missing))}
            for w in outcome.plan.writes:
                if w.tab == table.title:
                    assert set(range(w.col - 1, w.last_col)) <= allowed, (w, allowed)
        after = apply_in_memory(tabs, outcome.plan)
        for name, keys in PEOPLE_KEYS.items():
            title = outcome.tables[name].title
            for key in keys:
                col = outcome.tables[name].columns.index.get(key)
                if col is None:
                    continue
                before_vals = [r[col] if col < len(r) else None for r in tabs[title][1:]]
                after_rows = after[title][1:] + [[]] * len(before_vals)   # trailing empty rows are trimmed
                after_vals = [r[col] if col < len(r) else None for r in after_rows[:len(before_vals)]]
                assert [None if v == "" else v for v in after_vals] == [None if v == "" else v for v in before_vals]
        again = compute(Snapshot(after, "memory"), settings, NOW + timedelta(minutes=2), renderer)
        # A bot cell put back is named in Log Issues for the one cycle that put it back.
        assert set(again.plan.tabs_written()) <= {"Log Issues", "Bot Status"}, again.plan
        assert all(i.tab in REP_TABS for i in again.validation.issues)
        settled = compute(Snapshot(apply_in_memory(after, again.plan), "memory"), settings,
                          NOW + timedelta(minutes=3), renderer)
        assert settled.plan.is_empty, settled.plan


@pytest.mark.reliability(BAD_INPUT)
@pytest.mark.parametrize("value", [
    pytest.param(10**400, id="huge-int"), pytest.param(-10**400, id="huge-negative-int"),
    pytest.param(float("nan"), id="nan"), pytest.param(float("inf"), id="inf"),
    pytest.param(date(1, 1, 1), id="year-1"), pytest.param(datetime(9999, 12, 31, 23, 59), id="year-9999"),
    pytest.param("\x00", id="only-unstorable-chars"), pytest.param("\ud800", id="lone-surrogate"),
])
def test_extreme_values_in_every_cell(settings, renderer, reliability, value):
    tabs = base_tabs()
    for tab in REP_TABS:
        for row in tabs[tab][1:]:
            row[:] = [value] * len(row)
    checked = check_cycle(settings, renderer, tabs)
    if as_text(value):
        assert checked.issues
        reliability.record(BAD_INPUT, **checked.counts, outcome="Log Issues, no crash")
    else:
        assert not checked.issues   # the cell reads as blank, so the rows are skipped
        reliability.record(BAD_INPUT, **checked.counts, outcome="read as blank, rows skipped, no crash")


@pytest.mark.reliability(BAD_INPUT)
def test_a_cell_of_only_unstorable_characters_is_blank(settings, renderer):
    tabs = base_tabs()
    tabs["Defective Log"][1][LOG_KEYS.index("customer_name")] = "\x00\x1f"
    checked = check_cycle(settings, renderer, tabs)
    assert ("Defective Log", 2, "C", "Required, but blank") in {
        (i.tab, i.row, i.column, i.problem) for i in checked.issues}
    assert "CS-1" not in {d.ticket_id for d in checked.outcome.drafts_ready}


@pytest.mark.reliability(BAD_INPUT)
def test_dates_far_in_the_past_or_future_do_not_crash_recurrence(settings, renderer):
    log = [case("CS-1", date_logged="1/1/0001"), case("CS-2", date_logged="1/3/0001"),
           case("CS-3", date_logged=2958465), case("CS-4", date_logged="12/31/9999")]
    checked = check_cycle(settings, renderer, {"Defective Log": rows_of("defective_log", log),
                                               "Comp Sheet": rows_of("comp_sheet", [])})
    esc = checked.tabs["Escalations"]
    assert [r[6] for r in esc[1:]] == ["CS-1, CS-2", "CS-3, CS-4"]


@pytest.mark.reliability(BAD_INPUT)
@pytest.mark.parametrize("tickets", [
    pytest.param(["", ""], id="recurring-cases-without-ticket-ids"),
    pytest.param(["A,1", "A,2"], id="ticket-ids-holding-commas"),
    pytest.param(["CS-1\x00", "CS-2\r"], id="ticket-ids-with-control-characters"),
    pytest.param(["T" * 40_000 + "1", "T" * 40_000 + "2"], id="ticket-ids-longer-than-a-cell"),
])
def test_flags_and_drafts_are_written_once_whatever_the_ticket_ids(settings, renderer, reliability, tickets):
    """Regressions: each of these made the bot raise a new flag (or append a draft) on every cycle."""
    log = [case(t, date_logged=date(2026, 11, 1) + timedelta(days=i)) for i, t in enumerate(tickets)]
    tabs = {"Defective Log": rows_of("defective_log", log),
            "Comp Sheet": rows_of("comp_sheet", [comp(t) for t in tickets])}
    checked = check_cycle(settings, renderer, tabs)
    assert len(checked.tabs["Escalations"]) == 2
    # A later case joins the episode: the same flag grows, no second flag appears.
    log.append(case("" if not tickets[0] else "CS-3", date_logged=date(2026, 11, 5)))
    tabs = {**checked.tabs, "Defective Log": rows_of("defective_log", log)}
    grown = check_cycle(settings, renderer, tabs)
    esc = grown.tabs["Escalations"]
    assert len(esc) == 2 and esc[1][0] == "ESC-0001" and esc[1][3] == 3
    reliability.record(BAD_INPUT, rep_tab_writes=checked.rep_writes + grown.rep_writes,
                       duplicate_rows=checked.dupes + grown.dupes, outcome="one flag, grown in place; each draft once")


# ---- sheet shapes -----------------------------------------------------------------------------------------

def shape_data():
    """A log with known problems: row 3 has a blank email, row 4 an impossible date and a bad amount."""
    log = [case("CS-1"), case("CS-2", customer_email=""),
           case("CS-3", date_logged="2/30/2026", refund_amount="lots"), replacement_case("CS-4")]
    comps = [comp("CS-1"), replacement_comp("CS-4"), comp("CS-9")]
    return rows_of("defective_log", log), rows_of("comp_sheet", comps)


BASE_ISSUES = {  # (tab, row, field, problem start)
    ("Defective Log", 3, "Customer Email", "Required, but blank"),
    ("Defective Log", 4, "Date Logged", "'2/30/2026' is not a date"),
    ("Defective Log", 4, "Refund Amount", "'lots' is not an amount"),
    ("Comp Sheet", 4, "Ticket ID", "Ticket ID CS-9 is not in the Defective Log"),
}


def issue_set(issues):
    return {(i.tab, i.row, i.field, i.problem.split(" (")[0]) for i in issues}


def columns_moved(rows, order):
    return [[(r[i] if i < len(r) else None) for i in order] for r in rows]


def reorder(log, comps):
    comp_order = [5, 1, 0, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12]
    return columns_moved(log, list(reversed(range(len(log[0]))))), columns_moved(comps, comp_order)


def extra_columns(log, comps):
    log = [["Notes"] + r + ["Internal", None, "Other"] for r in [list(x) for x in log]]
    for r in log[1:]:
        r[0], r[-3], r[-1] = "=a note", "{{ x }}", 12
    comps = [r + ["Notes"] for r in comps]
    return log, comps


def header_spacing(log, comps):
    log = [list(r) for r in log]
    log[0] = [f"  {h.upper()} " if i % 2 else " ".join(h.lower().split()).replace(" ", "  ") + "\t"
              for i, h in enumerate(log[0])]
    comps = [list(r) for r in comps]
    comps[0] = [h.swapcase() + "  " for h in comps[0]]
    return log, comps


def blank_rows(log, comps):
    filler = [[], [None] * 5, ["", "  ", None], ["\t"] * 17]
    log = [log[0], log[1]] + [filler[i % 4] for i in range(3000)] + log[2:] + [[]] * 2000
    return log, comps


def ragged(log, comps):
    log = [list(r) for r in log]
    while log[1] and log[1][-1] in (None, ""):
        log[1].pop()
    log[2] = log[2][:6]             # CS-2 cut after Product: blank email and everything after
    return log, comps


SHAPE_CASES = [
    pytest.param(reorder, None, "reorder", id="headers-reordered"),
    pytest.param(extra_columns, None, "shift1", id="extra-columns-before-between-after"),
    pytest.param(header_spacing, None, "same", id="header-spaces-and-case"),
    pytest.param(blank_rows, None, "blank-rows", id="thousands-of-blank-rows"),
    pytest.param(ragged, None, "ragged", id="ragged-rows"),
]


@pytest.mark.reliability(SHAPES)
@pytest.mark.parametrize("reshape, _unused, expect", SHAPE_CASES)
def test_sheet_shapes_give_the_same_issues(settings, renderer, reliability, reshape, _unused, expect):
    log, comps = reshape(*shape_data())
    checked = check_cycle(settings, renderer, {"Defective Log": log, "Comp Sheet": comps})
    got = issue_set(checked.issues)
    want = set(BASE_ISSUES)
    if expect == "blank-rows":
        want = {(t, r + 3000 if t == "Defective Log" and r >= 3 else r, f, p) for t, r, f, p in want}
    if expect == "ragged":
        cut = {h for h in LOG_HEADERS[6:] if LOG_SCHEMA.columns[LOG_HEADERS.index(h)].required}
        want |= {("Defective Log", 3, h, "Required, but blank") for h in cut}
    assert got == want
    # Letters follow the headers wherever they are.
    for i in checked.issues:
        rows = log if i.tab == "Defective Log" else comps
        assert header_key(rows[0][_column_index(i.column)]) == header_key(i.field)
    assert {d.ticket_id for d in checked.outcome.drafts_ready} == {"CS-1", "CS-4"}
    reliability.record(SHAPES, **checked.counts,
                       outcome=f"{len(checked.issues)} Log Issues at the right cells, 2 drafts")


def _drop(headers, name):
    return [h for h in headers if h != name]


@pytest.mark.reliability(SHAPES)
@pytest.mark.parametrize("tab, header_row, header", [
    pytest.param("Defective Log", _drop(LOG_HEADERS, "Customer Email"), "Customer Email", id="missing-required-header"),
    pytest.param("Comp Sheet", _drop(COMP_HEADERS, "Tracking Number"), "Tracking Number",
                 id="missing-comp-sheet-header"),
    pytest.param("Defective Log", LOG_HEADERS + [" ticket id "], "Ticket ID", id="duplicate-required-header"),
    pytest.param("Defective Log", LOG_HEADERS + ["LOT NUMBER"], "Lot Number", id="duplicate-optional-header"),
])
def test_header_problems_are_a_layout_error_naming_the_header(settings, renderer, reliability, tab,
                                                              header_row, header):
    log, comps = shape_data()
    tabs = {"Defective Log": log, "Comp Sheet": comps}
    tabs[tab] = [header_row] + [list(r) for r in tabs[tab][1:]]
    with pytest.raises(LayoutError) as info:
        compute(Snapshot({**tabs, **{t: None for t in BOT_TABS}}, "memory"), settings, NOW, renderer)
    assert f"'{header}'" in info.value.message and info.value.header == header and info.value.tab == tab
    assert info.value.exit_code == 2
    reliability.record(SHAPES, outcome=f"LayoutError: {info.value.message}")


@pytest.mark.reliability(SHAPES)
@pytest.mark.parametrize("log", [
    pytest.param([], id="empty-tab"),
    pytest.param([[None, "", "  "]], id="blank-header-row"),
    pytest.param([[], ["2026-11-02", "CS-1"]], id="data-without-headers"),
])
def test_a_tab_without_headers_is_a_layout_error(settings, renderer, reliability, log):
    with pytest.raises(LayoutError, match="no header row") as info:
        compute(Snapshot({"Defective Log": log, "Comp Sheet": [COMP_HEADERS], **{t: None for t in BOT_TABS}},
                         "memory"), settings, NOW, renderer)
    reliability.record(SHAPES, outcome=f"LayoutError: {info.value.message}")


@pytest.mark.reliability(SHAPES)
def test_tabs_with_only_headers(settings, renderer, reliability):
    checked = check_cycle(settings, renderer, {"Defective Log": [LOG_HEADERS], "Comp Sheet": [COMP_HEADERS]})
    assert not checked.issues and not checked.outcome.drafts_ready
    assert checked.tabs["Log Issues"] == [["Tab", "Row", "Ticket ID", "Column", "Field", "Problem", "Severity"]]
    reliability.record(SHAPES, **checked.counts, outcome="no issues; bot tabs get their headers only")


@pytest.mark.reliability(SHAPES)
def test_extra_columns_with_a_duplicate_unknown_header_are_ignored(settings, renderer):
    log, comps = shape_data()
    log = [r + ["Notes", "Notes"] if i == 0 else r + ["a", "b"] for i, r in enumerate(log)]
    checked = check_cycle(settings, renderer, {"Defective Log": log, "Comp Sheet": comps})
    assert issue_set(checked.issues) == BASE_ISSUES


@pytest.mark.reliability(SHAPES)
def test_odd_header_cells_are_read_as_text(settings, renderer):
    log, comps = shape_data()
    log = [r + [2026, True, datetime(2026, 1, 1), 1.5] if i == 0 else list(r) for i, r in enumerate(log)]
    checked = check_cycle(settings, renderer, {"Defective Log": log, "Comp Sheet": comps})
    assert issue_set(checked.issues) == BASE_ISSUES


LONG = 50_000  # the Google Sheets cell limit


@pytest.mark.reliability(SHAPES)
def test_a_50000_character_cell(settings, renderer, reliability):
    name = "N" * LONG                     # one word: the greeting alone is longer than Excel allows
    log = [case("CS-1", customer_name=name, complaint_details="c" * LONG, product="P" * LONG),
           case("CS-2", product="P" * LONG, date_logged=date(2026, 11, 4), lot_number="L" * LONG),
           case("CS-3", date_logged="x" * LONG)]
    checked = check_cycle(settings, renderer, {"Defective Log": rows_of("defective_log", log),
                                               "Comp Sheet": rows_of("comp_sheet", [comp("CS-1")])})
    drafts = checked.tabs["Drafts"]
    body = drafts[1][4]
    assert len(body) == MAX_STORED_CHARS and body.endswith("…") and body.startswith("Hi NNN")
    esc = checked.tabs["Escalations"]
    assert len(esc) == 2 and len(esc[1][1]) == MAX_STORED_CHARS and esc[1][6] == "CS-1, CS-2"
    problem = next(i.problem for i in checked.issues if i.row == 4)
    assert len(problem) < 200
    reliability.record(SHAPES, **checked.counts,
                       outcome="draft body and flag product cut at 32,767 characters with '…'; "
                               "the problem quotes 60; next cycle quiet")


@pytest.mark.reliability(SHAPES)
def test_emoji_and_right_to_left_text(settings, renderer, reliability):
    log = [case("CS-1", customer_name="محمد 😀 Ali", product="زيت الزيتون 🫒"),
           case("CS-2", customer_name="שרה", product="זית-השמן 🫒", date_logged=date(2026, 11, 3)),
           case("CS-3", customer_email="😀@example.com", agent="\u202eKim")]
    checked = check_cycle(settings, renderer, {"Defective Log": rows_of("defective_log", log),
                                               "Comp Sheet": rows_of("comp_sheet", [comp("CS-1")])})
    draft = checked.outcome.drafts_ready[0]
    assert draft.body.startswith("Hi محمد,") and "زيت الزيتون 🫒" in draft.body
    assert not [i for i in checked.issues if i.field == "Customer Email"]
    reliability.record(SHAPES, **checked.counts, outcome="shown as typed in the draft; no false issues")


def test_as_text_and_storable_agree():
    assert as_text(" a\x00b\r\nc ") == "ab\nc"
    assert storable("x" * 40_000).endswith("…") and storable(storable("x" * 40_000)) == storable("x" * 40_000)
    assert len(storable("😀" * 20_000).encode("utf-16-le")) // 2 <= MAX_STORED_CHARS
    assert storable(float("nan")) is None and storable(3) == 3


# ---- both backends store what the bot writes identically ------------------------------------------------

STORE_TEXT = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["a\x00b", "x\r\ny\rz", "\ud800lone", "\ufffe", "tab\there", "😀" * 17_000, "N" * 40_000,
                     "  padded  ", "=1+1", "{{ 7*7 }}", "line\n"]),
)


@hsettings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(name=STORE_TEXT, product=STORE_TEXT, ticket=STORE_TEXT, order=STORE_TEXT)
def test_both_backends_store_the_bots_text_identically(settings, reliability, name, product, ticket, order):
    """Whatever text a rep typed, the workbook and a Google Sheet end with the same bot tabs, and the next
    cycle writes nothing in either (the bot writes only text both can store as is)."""
    log = [case(ticket or "T", customer_name=f"{name} Lee", product=product or "P", order_number=order or "1"),
           case("CS-9", product=product or "P", date_logged=date(2026, 11, 4))]
    tabs = {"Defective Log": rows_of("defective_log", log),
            "Comp Sheet": rows_of("comp_sheet", [comp(ticket or "T")])}
    with recorded(reliability, BAD_INPUT, "hypothesis: any text in names, products, Ticket IDs and order numbers, "
                                          "through both real backends",
                  "identical bot tabs in the workbook and the Google Sheet; the next cycle writes nothing in either") \
            as counts:
        with tempfile.TemporaryDirectory() as folder, \
                responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
            key = make_service_account_key(Path(folder))
            key.path.chmod(0o600)
            fake = FakeSheets(rsps, trusted_keys=[key])
            for title, rows in tabs.items():
                fake.add_tab(title, rows)
            google = GoogleBackend(fake.spreadsheet_id, key.path, sleep=lambda s: None)
            workbook = WorkbookBackend(Path(folder) / "w.xlsx", allow_missing=True)
            workbook.apply(Plan(tuple(CreateTab(t) for t in tabs),
                                tuple(RangeWrite(t, 1, 1, tuple(map(tuple, rows))) for t, rows in tabs.items())),
                           workbook.read([]))
            for backend in (workbook, google):
                run_cycle(backend, settings, lambda: NOW)
            got = [{t: normalised(b.read(list(BOT_TABS)).tabs[t]) for t in BOT_TABS} for b in (workbook, google)]
            counts["duplicate_rows"] += duplicate_rows(got[0]) + duplicate_rows(got[1])
            counts["rep_tab_writes"] += sum(1 for _, rng in fake.value_writes() if fake.range_tab(rng) in REP_TABS)
            assert got[0] == got[1]
            assert duplicate_rows(got[1]) == 0
            for backend in (workbook, google):
                assert run_cycle(backend, settings, lambda: NOW + timedelta(minutes=5)).applied is None
