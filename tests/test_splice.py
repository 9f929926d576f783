"""How a warm cycle lays its parts' rows into the bot tabs as read (bot/cycle/splice.py), rule by rule:
which rows it replaces, where new rows go, and each row's place as read (-1: new), which the plan turns
into the rows it compares and the rows it moves. tests/test_warm.py checks the whole short way against
a full recomputation on the sample; these pin each function on rows chosen to reach every branch."""
from __future__ import annotations

import pytest

from bot.cycle.splice import (issues_of, recount, spliced, spliced_log_issues, spliced_memory,
                              spliced_open_cases)
from bot.read.rows import RowView
from bot.tabs.feedback import WHY
from bot.tabs.log_issues import Issue
from bot.tabs.open_cases import AGE_UNKNOWN

LOG, COMP = "Defective Log", "Comp Sheet"


def as_read(rows: list[dict]) -> RowView:
    """Rows as a bot tab is read (a RowView over raw cells), so the picks are checked on what a cycle
    really hands over, not only on plain dicts."""
    keys = list(dict.fromkeys(k for r in rows for k in r))
    return RowView([[r.get(k) for k in keys] for r in rows], {k: c for c, k in enumerate(keys)})


def test_spliced_replaces_the_rows_at_their_places_and_appends_the_rest():
    rows = as_read([{"k": "a"}, {"k": "b"}, {"k": "c"}])
    out, changed = spliced(rows, [2, 0], [{"k": "C"}, {"k": "A"}, {"k": "d"}, {"k": "e"}])
    assert list(out) == [{"k": "A"}, {"k": "b"}, {"k": "C"}, {"k": "d"}, {"k": "e"}]
    assert changed == [0, 2, 3, 4]


def test_spliced_with_nothing_replaced_changes_nothing():
    rows = as_read([{"k": "a"}, {"k": "b"}])
    out, changed = spliced(rows, [], [])
    assert list(out) == [{"k": "a"}, {"k": "b"}] and changed == []


def test_spliced_memory_puts_each_parts_records_on_their_rows_and_new_flags_before_new_drafts():
    rows = as_read([{"tab": "drafts", "key": "t1"}, {"tab": "escalations", "key": "g1"},
                    {"tab": "drafts", "key": "t2"}])
    drafts_part = [{"tab": "drafts", "key": "t2*"}, {"tab": "drafts", "key": "t3"},
                   {"tab": "escalations", "key": "not a drafts record"}]
    flags_part = [{"tab": "escalations", "key": "g1*"}, {"tab": "escalations", "key": "g2"},
                  {"tab": "drafts", "key": "not a flags record"}]
    out, changed = spliced_memory(rows, [2], drafts_part, [1], flags_part)
    assert [r["key"] for r in out] == ["t1", "g1*", "t2*", "g2", "t3"]
    assert changed == [1, 2, 3, 4]


def test_spliced_memory_counts_a_row_both_parts_replace_once():
    rows = as_read([{"tab": "drafts", "key": "t1"}])
    _, changed = spliced_memory(rows, [0], [{"tab": "drafts", "key": "x"}], [0], [{"tab": "drafts", "key": "x"}])
    assert changed == [0]


def case(row, level="Level 2", age=3, day="2026-11-20", reason="open 3 business days", ticket=None):
    return {"ticket_id": ticket or f"CS-{row}", "level": level, "age": age, "date_logged": day, "reason": reason,
            "row": row}


# The tab's order: Level 3; then the cases feedback adds (Not Satisfied, Level 2, by sheet row); then
# Level 2; within a level the unknown ages first, then the oldest, then the earliest Date Logged, then
# the sheet row.
AS_READ = [
    case(9, "Level 3", 7, "2026-11-10"),
    case(4, "Level 3", 5, "2026-11-12"),
    case(6, reason=WHY),
    case(12, reason=WHY),
    case(3, age=AGE_UNKNOWN, day=""),
    case(5, age=4, day="2026-11-17"),
    case(8, age=3, day="2026-11-20"),
    case(2, age=3, day="2026-11-21"),   # a Saturday: the same age as the Friday above
]


@pytest.mark.parametrize("new, place", [
    (case(20, "Level 3", 9, "2026-11-06"), 0),
    (case(20, "Level 3", 6, "2026-11-11"), 1),
    (case(20, "Level 3", 5, "2026-11-12"), 2),                 # same age and day as row 4: after it
    (case(3, "Level 3", 5, "2026-11-12"), 1),                  # ... before it when its row is above
    (case(20, "Level 3", AGE_UNKNOWN, ""), 0),                 # an unknown age is the oldest of its level
    (case(7, reason=WHY), 3),                                  # feedback's block, by sheet row
    (case(13, reason=WHY), 4),
    (case(20, "Level 3", 5, "2026-11-12", reason=WHY), 2),     # Level 3 whatever its Why
    (case(20, age=AGE_UNKNOWN, day=""), 5),                    # after the row-3 unknown age
    (case(1, age=AGE_UNKNOWN, day=""), 4),
    (case(20, age=4, day="2026-11-16"), 5),
    (case(20, age=3, day="2026-11-19"), 6),
    (case(20, age=3, day="2026-11-22"), 8),                    # a Sunday: latest day of its age
    (case(20, age=3, day="2026-11-20"), 7),
    (case(7, age=3, day="2026-11-20"), 6),
    (case(20, age=2, day="2026-11-24"), 8),
], ids=["level-3-oldest", "level-3-middle", "level-3-same-day-lower-row", "level-3-same-day-higher-row",
        "level-3-unknown-age", "feedback-between", "feedback-last", "level-3-whatever-its-why",
        "unknown-age-after-lower-row", "unknown-age-before-higher-row", "older", "same-age-earlier-day",
        "same-age-later-day", "same-day-lower-row", "same-day-higher-row", "youngest"])
def test_a_new_open_case_goes_where_the_full_cycle_puts_it(new, place):
    rows = as_read(AS_READ)
    out, places = spliced_open_cases(rows, set(), [new])
    assert [r["row"] for r in out] == [r["row"] for r in AS_READ[:place]] + [new["row"]] + \
        [r["row"] for r in AS_READ[place:]]
    assert places == list(range(place)) + [-1] + list(range(place, len(AS_READ)))


def test_open_cases_of_replaced_log_rows_go_and_their_new_cases_take_their_places():
    rows = as_read(AS_READ)
    # Row 5's case is now a day younger; row 9's case is closed (no new case); row 30 is new.
    out, places = spliced_open_cases(rows, {5, 9, 30}, [case(5, age=2, day="2026-11-24"),
                                                        case(30, "Level 3", 6, "2026-11-11")])
    assert [r["row"] for r in out] == [30, 4, 6, 12, 3, 8, 2, 5]
    assert places == [-1, 1, 2, 3, 4, 6, 7, -1]


def test_open_cases_read_with_a_row_that_is_not_a_number_keep_it():
    rows = as_read([case(4, "Level 3"), {**case(7), "row": "seven"}])
    out, places = spliced_open_cases(rows, {7}, [])
    assert [r["row"] for r in out] == [4, "seven"] and places == [0, 1]


def issue_row(tab, row, column="B", ticket=None):
    return {"tab": tab, "row": row, "ticket_id": ticket or f"CS-{row}", "column": column, "field": "Ticket ID",
            "problem": "Required, but blank", "severity": "error"}


def test_log_issues_of_replaced_rows_are_taken_from_the_part_in_sheet_order():
    rows = as_read([issue_row(LOG, 2), issue_row(LOG, 5, "A"), issue_row(LOG, 5, "C"), issue_row(LOG, 9),
                    issue_row(COMP, 3), issue_row(COMP, 7)])
    part = [issue_row(LOG, 5, "D"), issue_row(LOG, 4), issue_row(COMP, 3, "E"), issue_row(COMP, 2)]
    out, places = spliced_log_issues(rows, LOG, COMP, {4, 5}, {2, 3}, part)
    assert [(r["tab"], r["row"], r["column"]) for r in out] == [
        (LOG, 2, "B"), (LOG, 4, "B"), (LOG, 5, "D"), (LOG, 9, "B"), (COMP, 2, "B"), (COMP, 3, "E"), (COMP, 7, "B")]
    assert places == [0, -1, -1, 3, -1, -1, 5]


def test_log_issues_of_a_row_keep_their_order_from_the_part():
    rows = as_read([issue_row(LOG, 2)])
    part = [issue_row(LOG, 2, "F"), issue_row(LOG, 2, "A")]
    out, places = spliced_log_issues(rows, LOG, COMP, {2}, set(), part)
    assert [r["column"] for r in out] == ["F", "A"] and places == [-1, -1]


def test_log_issues_of_a_tab_since_renamed_are_dropped():
    rows = as_read([issue_row("Old Log", 2), issue_row(LOG, 3)])
    out, places = spliced_log_issues(rows, LOG, COMP, set(), set(), [])
    assert [r["row"] for r in out] == [3] and places == [1]


def test_issues_read_back_from_log_issues_are_the_issues_listed():
    listed = [Issue(LOG, 4, 1, "CS-4", "B", "Ticket ID", "Required, but blank", "error"),
              Issue(LOG, 7, 27, "CS-7", "AB", "Lot Number", "Not a lot", "warning"),
              # about a column the tab lacks: no letter, column -1 (log_issues._Collector.add)
              Issue(COMP, 3, -1, "CS-3", "", "Refund Amount", "Required for a Refund", "error")]
    rows = [{"tab": i.tab, "row": i.row, "ticket_id": i.ticket_id, "column": i.column, "field": i.field,
             "problem": i.problem, "severity": i.severity} for i in listed]
    assert issues_of(as_read(rows)) == listed


def test_an_issue_row_someone_overtyped_reads_as_row_minus_one():
    rows = as_read([{**issue_row(LOG, 4), "row": "four"}, {**issue_row(LOG, 5), "row": None}])
    assert [i.row for i in issues_of(rows)] == [-1, -1]


def test_recount_is_the_change_the_replaced_rows_make():
    rows = [{"n": 1}, {"n": 2}, {"n": 3}]

    def total(rs):
        return sum(r["n"] for r in rs)
    assert recount(total, rows, [0, 2], [{"n": 10}, {"n": 30}, {"n": 100}]) == 136
