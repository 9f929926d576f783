"""The bot's memory (bot/tabs/bot_memory.py) and laying records on rows (bot/tabs/layout.py), rule by rule."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.backends.base import Snapshot
from bot.cycle.compute import compute
from bot.tabs.drafts import Renderer
from bot.tabs.layout import draft_key, flag_key
from bot.tabs.bot_memory import DIGEST, MAX_RECORD_CHARS, hydrate, place, read_memory, record_text
from conftest import NOW
from hardening import apply_in_memory
from test_hardening_input import base_tabs, check_cycle


@pytest.fixture
def settled(settings, renderer):
    """The sample of four cases after one cycle: a flag and two drafts, and the memory of them."""
    first = check_cycle(settings, renderer, base_tabs())
    return {t: [list(r) for r in rows] if rows is not None else None for t, rows in first.tabs.items()}


def cycle(tabs, settings, renderer, minutes):
    out = compute(Snapshot(tabs, "memory"), settings, NOW + timedelta(minutes=minutes), renderer)
    return out, apply_in_memory(tabs, out.plan)


def test_the_first_cycle_remembers_every_flag_and_draft(settled):
    records = read_memory([dict(zip(("tab", "key", "record"), r)) for r in settled["Bot Memory"][1:]])
    assert [flag_key(r) for r in records["escalations"]] == ["ESC-0001"]
    assert sorted(draft_key(r) for r in records["drafts"]) == ["cs-1", "cs-2"]
    assert records["escalations"][0]["ticket_ids"] == "CS-1, CS-2, CS-3"


@pytest.mark.parametrize("lost", ["whole-tab", "one-row"])
def test_a_lost_memory_is_rebuilt_from_the_visible_rows_without_changing_them(settled, settings, renderer, lost):
    if lost == "whole-tab":
        settled["Bot Memory"] = None
    else:
        del settled["Bot Memory"][2]
    out, after = cycle(settled, settings, renderer, 1)
    assert set(out.plan.tabs_written()) <= {"Bot Memory", "Bot Status"}
    assert out.flags.raised == [] and out.drafts_new == 0
    again, _ = cycle(after, settings, renderer, 2)
    assert again.plan.is_empty or set(again.plan.tabs_written()) <= {"Bot Status"}


def test_closing_a_case_keeps_its_draft_row_and_no_other_draft_moves(settled, settings, renderer):
    log = settled["Defective Log"]
    status = log[0].index("Status")
    ticket = log[0].index("Ticket ID")
    row = next(r for r in log[1:] if r[ticket] == "CS-1")
    row[status] = "Closed"
    drafts_before = [list(r) for r in settled["Drafts"]]
    out, after = cycle(settled, settings, renderer, 1)
    assert "Drafts" not in out.plan.tabs_written()
    assert after["Drafts"] == drafts_before


@pytest.mark.parametrize("rows, want", [
    pytest.param([{"flag_id": "ESC-0002"}, {"flag_id": "ESC-0001"}], [1, 0], id="by-key-whatever-the-order"),
    pytest.param([{"flag_id": " esc-1 "}], [0], id="key-typed-loosely"),
    pytest.param([{"flag_id": "ESC-0001"}, {"flag_id": "ESC-0001"}], [0, None], id="second-row-of-a-key-left-alone"),
    pytest.param([{"lead_notes": "mine"}], [None], id="a-persons-own-row-left-alone"),
    pytest.param([{"flag_id": "ESC-X", "defect_type": "Clumping", "first_logged": "2026-11-01",
                   "ticket_ids": "CS-5, CS-6"}], [1], id="overtyped-key-recognised-by-its-cells"),
    pytest.param([{"flag_id": "", "defect_type": "Clumping", "first_logged": "2026-11-01",
                   "ticket_ids": "CS-5"}], [None], id="cells-that-differ-are-not-recognised"),
])
def test_place(rows, want):
    records = [{"flag_id": "ESC-0001", "defect_type": "Rancid / Off Taste", "first_logged": "2026-10-01",
                "ticket_ids": "CS-1, CS-2"},
               {"flag_id": "ESC-0002", "defect_type": "Clumping", "first_logged": "2026-11-01",
                "ticket_ids": "CS-5, CS-6"}]
    placement = place(rows, records, flag_key, ("defect_type", "first_logged", "ticket_ids"))
    assert placement.record_at == want
    assert placement.unplaced == [i for i in range(2) if i not in want]


def test_a_record_too_big_for_a_cell_keeps_digests_and_takes_its_text_back_from_the_row():
    big = {"flag_id": "ESC-0001", "ticket_ids": ", ".join(f"CS-{n}" for n in range(9000)), "cases": 9000,
           "_key": "ESC-0001"}
    text = record_text(big)
    assert len(text) <= MAX_RECORD_CHARS
    stored = json.loads(text)
    assert set(stored["ticket_ids"]) == {DIGEST} and stored["cases"] == 9000 and stored["_key"] == "ESC-0001"
    shown = [{"flag_id": "ESC-0001", "ticket_ids": big["ticket_ids"]}]
    assert hydrate([stored], shown, flag_key)[0]["ticket_ids"] == big["ticket_ids"]
    overtyped = [{"flag_id": "ESC-0001", "ticket_ids": "CS-1"}]
    assert hydrate([stored], overtyped, flag_key)[0]["ticket_ids"] is None


def test_an_unreadable_memory_row_is_skipped():
    rows = [{"tab": "drafts", "key": "cs-1", "record": "{not json"},
            {"tab": "nonsense", "key": "x", "record": "{}"},
            {"tab": "escalations", "key": "ESC-0001", "record": '{"flag_id": "ESC-0001"}'}]
    assert read_memory(rows) == {"escalations": [{"flag_id": "ESC-0001"}]}


def test_every_bot_cell_put_back_is_named_where_a_person_finds_it():
    from bot.tabs.bot_memory import overtyped
    from bot.read.table import read_bot_table
    from sheet_schema import load
    schema = load("escalations")
    header = ["Flag ID", "Product", "Defect Type", "Cases", "Lead Notes"]       # no Ticket IDs column here
    rows = [header, ["ESC-0001", "Something else", "Clumping", 9, "my notes"]]
    table = read_bot_table("Escalations", rows, schema, {})
    was = {"flag_id": "ESC-0001", "product": "Oat Clusters", "defect_type": "Clumping", "cases": 2,
           "ticket_ids": "CS-1, CS-2"}
    issues = overtyped(table, 0, table.rows[0], was, schema.bot_keys, "ESC-0001", "why")
    assert [(i.tab, i.row, i.column, i.column_index, i.field, i.ticket_id, i.severity) for i in issues] == [
        ("Escalations", 2, "B", 1, "Product", "ESC-0001", "warning"),
        ("Escalations", 2, "D", 3, "Cases", "ESC-0001", "warning"),
    ]
    assert all("put back" in i.problem and "why" in i.problem for i in issues)


def test_rows_and_records_with_blank_signature_cells_are_never_matched_by_them():
    records = [{"flag_id": "ESC-0001", "defect_type": "", "first_logged": "", "ticket_ids": ""}]
    rows = [{"flag_id": "", "defect_type": "", "first_logged": "", "ticket_ids": ""}]
    placement = place(rows, records, flag_key, ("defect_type", "first_logged", "ticket_ids"))
    assert placement.record_at == [None] and placement.unplaced == [0]


def test_a_digested_text_whose_row_was_deleted_is_lost_not_a_crash():
    stored = {"flag_id": "ESC-0001", "ticket_ids": {DIGEST: "0" * 64}, "_key": "ESC-0001"}
    assert hydrate([stored], [], flag_key) == [{"flag_id": "ESC-0001", "ticket_ids": None, "_key": "ESC-0001"}]


@pytest.mark.parametrize("tab", ["Drafts", "Escalations"])
@pytest.mark.parametrize("typed", [
    pytest.param("2026-01-02", id="date-text"), pytest.param(__import__("datetime").date(2026, 1, 2), id="date-cell"),
    pytest.param(__import__("datetime").datetime(2026, 1, 2, 3, 4), id="datetime-cell"),
    pytest.param(True, id="checkbox"), pytest.param(10 ** 30, id="huge-number"),
])
def test_a_row_a_person_starts_with_any_value_in_the_key_cell_never_crashes(settled, settings, renderer, tab, typed):
    """The memory holds JSON: a typed date (found once: a crash) is kept as the text the cell shows."""
    settled[tab].append([typed, "x"])
    out, after = cycle(settled, settings, renderer, 1)
    again, after = cycle(after, settings, renderer, 2)
    settled_out, _ = cycle(after, settings, renderer, 3)
    assert settled_out.plan.is_empty or set(settled_out.plan.tabs_written()) <= {"Bot Status"}
