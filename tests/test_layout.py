"""Laying the bot's records on the rows people see (bot/layout.py), for Escalations: by key whatever the
order, a bot cell put back and named, a deleted flag brought back and named, a person's own row left
alone, an overtyped Flag ID recognised, a row the memory lacks adopted."""
from __future__ import annotations

from bot.layout import escalations_layout, flag_key
from bot.recurrence import RecurrenceSettings
from bot.table import read_bot_table
from sheet_schema import load

ESC = load("escalations")
HEADERS = [c.header for c in ESC.columns]


def record(n: int, product: str, tickets: str) -> dict:
    return {"flag_id": f"ESC-000{n}", "product": product, "defect_type": "Clumping", "cases": 2,
            "first_logged": f"2026-11-0{n}", "last_logged": f"2026-11-0{n + 1}", "ticket_ids": tickets,
            "lot_numbers": "", "notify": "CS Team Lead", "flagged_at": "2026-11-09 09:00",
            "updated_at": "2026-11-09 09:00", "merged_into": None, "same_lot": None, "effectiveness": None}


RECORDS = [record(1, "Oat Clusters", "CS-1, CS-2"), record(2, "Granola Bar", "CS-3, CS-4"),
           record(3, "Trail Mix", "CS-5, CS-6")]


def sheet_row(rec: dict, **people) -> list:
    values = {**rec, **people}
    return [values.get(c.key) for c in ESC.columns]


def lay(rows: list[list], remembered=RECORDS):
    table = read_bot_table("Escalations", [HEADERS] + rows, ESC, {})
    out, changes = escalations_layout(table, [dict(r) for r in remembered] if remembered is not None else None,
                                      [], RecurrenceSettings(), "2026-11-10 09:00")
    return table, out, changes


def test_each_row_gets_its_own_record_whatever_the_order():
    rows = [sheet_row(RECORDS[2], lead_notes="on 3"), sheet_row(RECORDS[0], lead_notes="on 1"),
            sheet_row(RECORDS[1], lead_notes="on 2")]
    _, out, _ = lay(rows)
    assert [(r["flag_id"], r["product"], r["lead_notes"]) for r in out.rows] == [
        ("ESC-0003", "Trail Mix", "on 3"), ("ESC-0001", "Oat Clusters", "on 1"), ("ESC-0002", "Granola Bar", "on 2")]
    assert out.issues == [] and out.added == 0


def test_an_overtyped_cell_is_put_back_and_named():
    rows = [sheet_row(r) for r in RECORDS]
    rows[1][HEADERS.index("Product")] = "Something else"
    _, out, _ = lay(rows)
    assert out.rows[1]["product"] == "Granola Bar"
    (issue,) = out.issues
    assert (issue.tab, issue.row, issue.column, issue.field, issue.ticket_id, issue.severity) == \
        ("Escalations", 3, "B", "Product", "ESC-0002", "warning")
    assert "Lead Status and Lead Notes" in issue.problem


def test_a_deleted_flag_comes_back_at_the_end_and_is_named():
    rows = [sheet_row(RECORDS[0]), sheet_row(RECORDS[2])]
    _, out, _ = lay(rows)
    assert [r["flag_id"] for r in out.rows] == ["ESC-0001", "ESC-0003", "ESC-0002"]
    assert out.rows[2]["flagged_at"] == "2026-11-09 09:00" and out.rows[2]["product"] == "Granola Bar"
    (issue,) = out.issues
    assert (issue.tab, issue.row, issue.column, issue.column_index, issue.field, issue.ticket_id) == \
        ("Escalations", 4, "A", 0, "Flag ID", "ESC-0002")
    assert "deleted" in issue.problem and "Lead Status" in issue.problem


def test_a_persons_own_row_is_left_exactly_as_typed():
    own = [None] * len(HEADERS)
    own[HEADERS.index("Lead Notes")] = "call the supplier"
    rows = [sheet_row(r) for r in RECORDS] + [own]
    table, out, _ = lay(rows)
    assert out.rows[3] == table.rows[3] and out.issues == []


def test_an_overtyped_flag_id_is_recognised_and_put_back():
    rows = [sheet_row(r) for r in RECORDS]
    rows[0][0] = "ESC-X"
    _, out, _ = lay(rows)
    assert [r["flag_id"] for r in out.rows] == ["ESC-0001", "ESC-0002", "ESC-0003"]
    (issue,) = out.issues
    assert (issue.row, issue.column, issue.field) == (2, "A", "Flag ID")


def test_a_keyed_row_the_memory_lacks_is_adopted_as_it_stands():
    rows = [sheet_row(r) for r in RECORDS]
    _, out, _ = lay(rows, remembered=RECORDS[:2])
    assert [flag_key(r) for r in out.records] == ["ESC-0001", "ESC-0002", "ESC-0003"]
    assert out.rows[2]["product"] == "Trail Mix" and out.issues == [] and out.added == 0


def test_without_memory_the_visible_rows_are_the_records():
    rows = [sheet_row(r) for r in RECORDS]
    _, out, _ = lay(rows, remembered=None)
    assert [r["product"] for r in out.records] == ["Oat Clusters", "Granola Bar", "Trail Mix"]


def test_flag_keys():
    assert flag_key({"flag_id": " esc-7 "}) == "ESC-0007"
    assert flag_key({"flag_id": "not a flag"}) == "" and flag_key({}) == ""
