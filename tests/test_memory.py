"""The bot's memory (bot/memory.py) and laying records on rows (bot/layout.py), rule by rule."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.backends.base import Snapshot
from bot.core import compute
from bot.drafts import Renderer
from bot.layout import draft_key, flag_key
from bot.memory import DIGEST, MAX_RECORD_CHARS, hydrate, place, read_memory, record_text
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
