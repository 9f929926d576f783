"""Laying the bot's records on the rows people see (bot/tabs/layout.py), for Escalations: by key whatever the
order, a bot cell put back and named, a deleted flag brought back and named, a person's own row left
alone, an overtyped Flag ID recognised, a row the memory lacks adopted."""
from __future__ import annotations

import pytest

from bot.tabs.layout import escalations_layout, flag_key
from bot.tabs.escalations import RecurrenceSettings
from bot.read.table import read_bot_table
from sheet_schema import load

ESC = load("escalations")
HEADERS = [c.header for c in ESC.columns]
# What a Log Issue tells a person whose bot cell was put back (the sentences are the whole message: what
# happened, and where people write instead).
PUT_BACK = "The bot writes this cell and someone changed it; it was put back as the bot wrote it ({})."


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
    assert issue.problem == PUT_BACK.format("leads write in Lead Status and Lead Notes")


def test_every_row_with_an_overtyped_cell_is_named():
    rows = [sheet_row(r) for r in RECORDS]
    rows[0][HEADERS.index("Cases")] = 99
    rows[2][HEADERS.index("Product")] = "Something else"
    _, out, _ = lay(rows)
    assert [(i.row, i.field, i.ticket_id) for i in out.issues] == [(2, "Cases", "ESC-0001"), (4, "Product", "ESC-0003")]


def test_a_deleted_flag_comes_back_at_the_end_and_is_named():
    rows = [sheet_row(RECORDS[0]), sheet_row(RECORDS[2])]
    _, out, _ = lay(rows)
    assert [r["flag_id"] for r in out.rows] == ["ESC-0001", "ESC-0003", "ESC-0002"]
    assert out.rows[2]["flagged_at"] == "2026-11-09 09:00" and out.rows[2]["product"] == "Granola Bar"
    (issue,) = out.issues
    assert (issue.tab, issue.row, issue.column, issue.column_index, issue.field, issue.ticket_id) == \
        ("Escalations", 4, "A", 0, "Flag ID", "ESC-0002")
    assert issue.problem == ("This flag's row was deleted; the bot put it back here. To dismiss a flag, set its "
                             "Lead Status instead.")


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


@pytest.mark.parametrize("mistyped_first", [pytest.param(False, id="below-the-flag-it-names"),
                                            pytest.param(True, id="sorted-above-the-flag-it-names")])
def test_another_flags_id_typed_over_a_flag_id_is_put_back_and_the_notes_stay(mistyped_first):
    """A lead types ESC-0001 over ESC-0002's Flag ID: ESC-0002's row is recognised by its cells, its Flag
    ID put back and named, its Lead Notes stay beside it, and ESC-0001's own row is untouched."""
    mine, other = sheet_row(RECORDS[1], lead_notes="supplier called"), sheet_row(RECORDS[0], lead_notes="ok")
    mine[0] = "ESC-0001"
    rows = [mine, other, sheet_row(RECORDS[2])] if mistyped_first else [other, mine, sheet_row(RECORDS[2])]
    _, out, _ = lay(rows)
    by_notes = {r["lead_notes"]: r["flag_id"] for r in out.rows if r.get("lead_notes")}
    assert by_notes == {"supplier called": "ESC-0002", "ok": "ESC-0001"} and len(out.rows) == 3
    (issue,) = out.issues
    assert (issue.row, issue.field, issue.ticket_id) == (2 if mistyped_first else 3, "Flag ID", "ESC-0002")


def test_a_keyed_row_the_memory_lacks_is_adopted_as_it_stands():
    rows = [sheet_row(r) for r in RECORDS]
    _, out, _ = lay(rows, remembered=RECORDS[:2])
    assert [flag_key(r) for r in out.records] == ["ESC-0001", "ESC-0002", "ESC-0003"]
    assert out.rows[2]["product"] == "Trail Mix" and out.issues == [] and out.added == 0


def test_a_flag_row_the_memory_lacks_is_adopted_once_and_grows_with_its_episode():
    """ESC-0003's memory row was lost and its row appears twice (a lead copied it): the first is the flag,
    updated when a new case joins its episode; the copy is left alone, no second record."""
    from datetime import date

    from bot.tabs.escalations import Episode
    grown = Episode(product_key="trailmix", product="Trail Mix", defect_type="Clumping",
                    dates=(date(2026, 11, 3), date(2026, 11, 4), date(2026, 11, 5)), tickets=("CS-5", "CS-6", "CS-7"),
                    lots=(), first_row=2, case_lots=("", "", ""))
    rows = [sheet_row(RECORDS[0]), sheet_row(RECORDS[2]), sheet_row(RECORDS[2], lead_notes="copy")]
    table = read_bot_table("Escalations", [HEADERS] + rows, ESC, {})
    out, changes = escalations_layout(table, [dict(r) for r in RECORDS[:1]], [grown], RecurrenceSettings(),
                                      "2026-11-10 09:00")
    assert [flag_key(r) for r in out.records] == ["ESC-0001", "ESC-0003"] and changes.raised == []
    assert (out.rows[1]["ticket_ids"], out.rows[1]["cases"]) == ("CS-5, CS-6, CS-7", 3)
    assert out.rows[2] == table.rows[2]


def test_without_memory_the_visible_rows_are_the_records():
    rows = [sheet_row(r) for r in RECORDS]
    _, out, _ = lay(rows, remembered=None)
    assert [r["product"] for r in out.records] == ["Oat Clusters", "Granola Bar", "Trail Mix"]


def test_flag_keys():
    assert flag_key({"flag_id": " esc-7 "}) == "ESC-0007"
    assert flag_key({"flag_id": "not a flag"}) == "" and flag_key({}) == ""


def test_a_deleted_flag_is_named_in_the_flag_id_column_wherever_it_stands():
    """A lead put a column of their own first: the Log Issue points at column B, where Flag ID is."""
    headers = ["Mine"] + HEADERS
    rows = [[None] + sheet_row(RECORDS[0]), [None] + sheet_row(RECORDS[2])]
    table = read_bot_table("Escalations", [headers] + rows, ESC, {})
    out, _ = escalations_layout(table, [dict(r) for r in RECORDS], [], RecurrenceSettings(), "2026-11-10 09:00")
    (issue,) = out.issues
    assert (issue.row, issue.column, issue.column_index, issue.field, issue.severity) == \
        (4, "B", 1, "Flag ID", "warning")


def test_a_deleted_flag_is_named_where_the_bot_writes_its_flag_id_back_when_that_column_was_deleted_too():
    """Someone deleted the Flag ID column and a flag's row. The bot writes Flag ID back after the last
    header in use (column S here, after the 18 left), and the Log Issue points there, not at column A
    (which now shows Product)."""
    from bot.cycle.plan import TabTarget, plan_tabs
    rows = [sheet_row(RECORDS[0])[1:], sheet_row(RECORDS[2])[1:]]
    table = read_bot_table("Escalations", [HEADERS[1:]] + rows, ESC, {})
    out, _ = escalations_layout(table, [dict(r) for r in RECORDS], [], RecurrenceSettings(), "2026-11-10 09:00")
    (issue,) = out.issues
    assert (issue.row, issue.column, issue.column_index, issue.field, issue.ticket_id) == \
        (4, "S", 18, "Flag ID", "ESC-0002")
    written = {(w.row + r, w.col + c): v for w in plan_tabs([TabTarget(table, ESC, out.rows)]).writes
               for r, values in enumerate(w.values) for c, v in enumerate(values)}
    assert written[(1, 19)] == "Flag ID" and written[(4, 19)] == "ESC-0002"


def test_the_memory_tab_keeps_each_record_on_its_row_and_appends_new_ones():
    from bot.tabs.bot_memory import memory_rows, read_memory, record_text
    first = {"flag_id": "ESC-0001", "product": "P"}
    current = [{"tab": "escalations", "key": "ESC-0001", "record": record_text({**first, "_key": "ESC-0001"})},
               {"tab": "notes", "key": "x", "record": "a person's row"}]
    grown = dict(first, product="Q")
    new = {"flag_id": "ESC-0002", "product": "R"}
    rows = memory_rows(current, {"escalations": [grown, new]}, {"escalations": flag_key})
    assert [(r["tab"], r["key"]) for r in rows] == [("escalations", "ESC-0001"), ("notes", "x"),
                                                    ("escalations", "ESC-0002")]
    assert rows[1] == current[1]                                  # someone's row in the hidden tab: left alone
    assert [r["product"] for r in read_memory(rows)["escalations"]] == ["Q", "R"]


def test_a_persons_own_row_between_flags_leaves_every_flag_after_it_in_place():
    own = [None] * len(HEADERS)
    own[HEADERS.index("Lead Notes")] = "call the supplier"
    rows = [sheet_row(RECORDS[0]), own, sheet_row(RECORDS[1], lead_notes="on 2"), sheet_row(RECORDS[2])]
    table, out, _ = lay(rows)
    assert [(r["flag_id"], r["lead_notes"]) for r in out.rows] == [
        ("ESC-0001", None), (None, "call the supplier"), ("ESC-0002", "on 2"), ("ESC-0003", None)]
    assert out.issues == []


def test_a_flag_of_thousands_of_cases_takes_its_ticket_ids_back_from_its_row():
    """The memory keeps such a flag's longest text (its Ticket IDs) as a digest, to fit its record in one
    cell; the visible row still shows them."""
    from bot.tabs.bot_memory import record_text
    import json
    tickets = ", ".join(f"CS-{n}" for n in range(3000))
    lots = ", ".join(f"L-{n}" for n in range(2500))
    big = dict(RECORDS[1], ticket_ids=tickets, lot_numbers=lots, cases=3000)
    remembered = [dict(RECORDS[0]), json.loads(record_text({**big, "_key": "ESC-0002"}))]
    assert isinstance(remembered[1]["ticket_ids"], dict) and remembered[1]["lot_numbers"] == lots
    _, out, _ = lay([sheet_row(RECORDS[0]), sheet_row(big)], remembered=remembered)
    assert out.records[1]["ticket_ids"] == tickets and out.rows[1]["ticket_ids"] == tickets
    assert out.issues == []


# ---- Drafts --------------------------------------------------------------------------------------------

def drafts_after_first_cycle(settings, renderer):
    """The four-case sample after one cycle (drafts for CS-1 and CS-2), as tabs of rows."""
    from test_hardening_input import base_tabs, check_cycle
    first = check_cycle(settings, renderer, base_tabs())
    return {t: [list(r) for r in rows] if rows is not None else None for t, rows in first.tabs.items()}


def redo(tabs, settings, renderer):
    from datetime import timedelta

    from bot.backends.base import Snapshot
    from bot.cycle.compute import compute
    from conftest import NOW
    return compute(Snapshot(tabs, "memory"), settings, NOW + timedelta(minutes=5), renderer)


def drafts_issues(out):
    return [(i.row, i.column, i.field, i.ticket_id) for i in out.validation.issues if i.tab == "Drafts"]


def drafts_problems(out):
    return [i.problem for i in out.validation.issues if i.tab == "Drafts"]


def test_a_sent_draft_keeps_a_reps_own_words(settings, renderer):
    tabs = drafts_after_first_cycle(settings, renderer)
    head = tabs["Drafts"][0]
    row = tabs["Drafts"][1]
    row.extend([None] * (len(head) - len(row)))
    row[head.index("Status")], row[head.index("Body")] = "Sent", "my own words"
    out = redo(tabs, settings, renderer)
    assert out.desired["drafts"][0]["body"] == "my own words" and drafts_issues(out) == []


def test_an_unsent_draft_overtyped_is_put_back_and_named(settings, renderer):
    tabs = drafts_after_first_cycle(settings, renderer)
    head, row = tabs["Drafts"][0], tabs["Drafts"][2]
    written = row[head.index("Body")]
    row[head.index("Body")] = "my own words"
    out = redo(tabs, settings, renderer)
    assert out.desired["drafts"][1]["body"] == written
    ticket = row[head.index("Ticket ID")]
    assert drafts_issues(out) == [(3, "E", "Body", ticket)]
    assert drafts_problems(out) == [PUT_BACK.format("reps set Status; to change a draft, edit the Defective Log or "
                                                    "Comp Sheet")]


def test_a_sent_row_holding_another_tickets_draft_gets_its_own_back(settings, renderer):
    """A redraft misfiled while the tab was sorted: row 2 (Sent) shows row 3's text."""
    tabs = drafts_after_first_cycle(settings, renderer)
    head, first, second = tabs["Drafts"][0], tabs["Drafts"][1], tabs["Drafts"][2]
    first.extend([None] * (len(head) - len(first)))
    own = {k: first[head.index(k)] for k in ("To", "Subject", "Body")}
    for k in ("Template", "To", "Subject", "Body", "Source Hash"):
        first[head.index(k)] = second[head.index(k)]
    first[head.index("Status")] = "Sent"
    out = redo(tabs, settings, renderer)
    fixed = out.desired["drafts"][0]
    assert (fixed["to"], fixed["subject"], fixed["body"]) == (own["To"], own["Subject"], own["Body"])
    assert fixed["status"] == "Sent"
    assert drafts_issues(out) == [(2, "E", "Body", first[head.index("Ticket ID")])]
    assert drafts_problems(out) == ["This row held another ticket's draft (written while the tab was being sorted); "
                                    "the bot put back this ticket's draft. Its Status is kept."]


def test_a_sent_rows_overtyped_ticket_id_is_put_back_and_its_status_kept(settings, renderer):
    tabs = drafts_after_first_cycle(settings, renderer)
    head, row = tabs["Drafts"][0], tabs["Drafts"][1]
    row.extend([None] * (len(head) - len(row)))
    ticket = row[head.index("Ticket ID")]
    row[head.index("Ticket ID")], row[head.index("Status")] = "CS-TYPO", "Sent"
    out = redo(tabs, settings, renderer)
    assert [r["ticket_id"] for r in out.desired["drafts"]] == [ticket, tabs["Drafts"][2][0]]
    assert out.desired["drafts"][0]["status"] == "Sent"
    assert drafts_issues(out) == [(2, "A", "Ticket ID", ticket)]
    assert drafts_problems(out) == [PUT_BACK.format("the row's Status is kept")]


def test_a_deleted_draft_is_not_drafted_again(settings, renderer):
    tabs = drafts_after_first_cycle(settings, renderer)
    gone = tabs["Drafts"][1][0]
    del tabs["Drafts"][1]
    out = redo(tabs, settings, renderer)
    assert gone not in [r["ticket_id"] for r in out.desired["drafts"]] and out.drafts_new == 0


def test_a_draft_too_long_to_keep_in_memory_is_taken_back_from_its_row(tmp_path, settings):
    """A team's template makes a body near a cell's limit: the memory keeps it as a digest, the next cycle
    takes it back from the visible row, and writes nothing to Drafts (nor names a cell put back)."""
    import shutil

    from bot.tabs.drafts import Renderer
    from hardening import apply_in_memory
    shutil.copytree(Renderer().template_dir, tmp_path / "t", ignore=shutil.ignore_patterns("__*"))
    (tmp_path / "t" / "refund_processed.txt.j2").write_text("Subject: Your refund ({{ ticket_id }})\n\n"
                                                            "Hi {{ first_name }},\n" + "We are sorry. " * 2270 + "Sam")
    renderer = Renderer(tmp_path / "t")
    tabs = drafts_after_first_cycle(settings, renderer)
    memory = "".join(r[2] for r in tabs["Bot Memory"][1:] if r[0] == "drafts")
    assert '{"sha256":' in memory                                          # the body kept as a digest
    out = redo(tabs, settings, renderer)
    assert "Drafts" not in out.plan.tabs_written() and drafts_issues(out) == []
    again = redo(apply_in_memory(tabs, out.plan), settings, renderer)
    assert "Drafts" not in again.plan.tabs_written()


def test_new_drafts_are_counted_and_stamped_with_the_cycle_time(settings, renderer):
    from test_hardening_input import base_tabs, check_cycle
    first = check_cycle(settings, renderer, base_tabs())
    head = first.tabs["Drafts"][0]
    stamps = {r[head.index("Drafted At")] for r in first.tabs["Drafts"][1:]}
    assert first.outcome.drafts_new == 2 and len(stamps) == 1 and stamps.pop().startswith("2026-11-23")


def test_a_persons_own_row_between_drafts_leaves_every_draft_after_it_in_place(settings, renderer):
    tabs = drafts_after_first_cycle(settings, renderer)
    head = tabs["Drafts"][0]
    own = [None] * len(head)
    own[head.index("Status")] = "call the customer back"
    tabs["Drafts"].insert(2, own)
    out = redo(tabs, settings, renderer)
    assert [r.get("ticket_id") for r in out.desired["drafts"]] == ["CS-1", None, "CS-2"]
    assert "Drafts" not in out.plan.tabs_written()


def test_every_draft_row_with_an_overtyped_cell_is_named(settings, renderer):
    tabs = drafts_after_first_cycle(settings, renderer)
    head = tabs["Drafts"][0]
    for row in tabs["Drafts"][1:]:
        row[head.index("Body")] = "my own words"
    assert [(i.row, i.field) for i in redo(tabs, settings, renderer).validation.issues if i.tab == "Drafts"] == \
        [(2, "Body"), (3, "Body")]


def test_every_sent_row_with_an_overtyped_ticket_id_is_named(settings, renderer):
    tabs = drafts_after_first_cycle(settings, renderer)
    head = tabs["Drafts"][0]
    for n, row in enumerate(tabs["Drafts"][1:]):
        row.extend([None] * (len(head) - len(row)))
        row[head.index("Ticket ID")], row[head.index("Status")] = f"TYPO-{n}", "Sent"
    assert [(i.row, i.field) for i in redo(tabs, settings, renderer).validation.issues if i.tab == "Drafts"] == \
        [(2, "Ticket ID"), (3, "Ticket ID")]
