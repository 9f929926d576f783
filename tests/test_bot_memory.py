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
    pytest.param([{"flag_id": "ESC-0001"}, {"flag_id": "ESC-X", "defect_type": "Clumping", "first_logged": "2026-11-01",
                   "ticket_ids": "CS-5, CS-6"}], [0, 1], id="overtyped-key-recognised-below-a-placed-row"),
    # Someone typed ESC-0001 over ESC-0002's Flag ID: the row whose cells are ESC-0001's keeps that key,
    # wherever it stands, and the other is recognised as ESC-0002 by its cells.
    pytest.param([{"flag_id": "ESC-0001", "defect_type": "Rancid / Off Taste", "first_logged": "2026-10-01",
                   "ticket_ids": "CS-1, CS-2"},
                  {"flag_id": "ESC-0001", "defect_type": "Clumping", "first_logged": "2026-11-01",
                   "ticket_ids": "CS-5, CS-6"}], [0, 1], id="another-flags-key-typed-over-a-row-below"),
    pytest.param([{"flag_id": "ESC-0001", "defect_type": "Clumping", "first_logged": "2026-11-01",
                   "ticket_ids": "CS-5, CS-6"},
                  {"flag_id": "ESC-0001", "defect_type": "Rancid / Off Taste", "first_logged": "2026-10-01",
                   "ticket_ids": "CS-1, CS-2"}], [1, 0], id="another-flags-key-typed-over-a-row-above"),
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
            {"tab": "escalations", "key": "ESC-0009", "record": "5"},           # JSON, but not a record
            {"tab": "drafts", "key": "cs-2", "record": '["cs-2"]'},
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


@pytest.mark.parametrize("key, kept_as_is", [
    pytest.param("cs-" + "1" * 197, True, id="200-characters-kept-as-typed"),
    pytest.param("cs-" + "1" * 198, False, id="201-characters-kept-as-a-digest"),
])
def test_a_key_too_long_for_the_memory_is_kept_as_a_digest(key, kept_as_is):
    from bot.tabs.bot_memory import short_key
    if kept_as_is:
        assert short_key(key) == key
    else:
        assert short_key(key).startswith(f"{DIGEST}:") and len(short_key(key)) == len(DIGEST) + 1 + 64
        assert short_key(key) != short_key(key[:-1] + "2")           # two long Ticket IDs stay two keys


def test_a_record_of_exactly_the_cells_limit_is_kept_whole():
    empty = record_text({"_key": "ESC-0001", "ticket_ids": ""})
    record = {"_key": "ESC-0001", "ticket_ids": "x" * (MAX_RECORD_CHARS - len(empty))}
    assert json.loads(record_text(record)) == record


def test_a_record_too_big_digests_its_longest_texts_first_and_only_as_many_as_it_must():
    """After the longest text is a digest the record is exactly at the limit: the other texts stay readable."""
    digested = {"_key": "ESC-0001", "ticket_ids": {DIGEST: "0" * 64}, "lot_numbers": "", "product": "Oat Clusters"}
    room = MAX_RECORD_CHARS - len(json.dumps(digested, separators=(",", ":"), ensure_ascii=False))
    record = {"_key": "ESC-0001", "ticket_ids": "CS-1, " * (room // 5), "lot_numbers": "L" * room,
              "product": "Oat Clusters"}
    stored = json.loads(record_text(record))
    assert set(stored["ticket_ids"]) == {DIGEST}
    assert (stored["lot_numbers"], stored["product"]) == ("L" * room, "Oat Clusters")


def test_the_memory_keeps_text_as_typed_not_escaped():
    """Accents and emoji stay themselves: readable in the hidden tab, and a record in another script
    does not grow six-fold towards the cell's limit."""
    assert '"product":"Café Crème 🍫"' in record_text({"product": "Café Crème 🍫", "_key": "ESC-0001"})


def test_a_lone_surrogate_in_a_visible_cell_is_no_crash_when_a_digest_is_checked():
    """Google's JSON can carry half of an emoji; the cell then no longer holds the text the memory kept."""
    stored = {"flag_id": "ESC-0001", "ticket_ids": {DIGEST: "0" * 64}, "_key": "ESC-0001"}
    shown = [{"flag_id": "ESC-0001", "ticket_ids": "CS-1, CS-2 \ud83c"}]
    assert hydrate([stored], shown, flag_key)[0]["ticket_ids"] is None


@pytest.mark.parametrize("stored_as, rewritten", [
    pytest.param(lambda r: json.dumps(r), False, id="same-record-spaced-otherwise-left-as-it-is"),
    pytest.param(lambda r: json.dumps(dict(r, cases=2.0)), True, id="a-number-stored-as-2.0-rewritten-as-2"),
    pytest.param(lambda r: json.dumps(dict(r, cases=3)), True, id="another-value-rewritten"),
])
def test_a_memory_row_already_holding_the_record_is_not_written_again(stored_as, rewritten):
    from bot.tabs.bot_memory import memory_rows
    rec = {"flag_id": "ESC-0001", "product": "Oat Clusters", "cases": 2}
    current = [{"tab": "escalations", "key": "ESC-0001", "record": stored_as({**rec, "_key": "ESC-0001"})}]
    (row,) = memory_rows(current, {"escalations": [rec]}, {"escalations": flag_key})
    assert (row != current[0]) == rewritten
    assert json.loads(row["record"]) == {**rec, "_key": "ESC-0001"}


def test_a_row_adopted_without_memory_keeps_a_typed_date_as_the_text_it_shows():
    from datetime import date, datetime, time

    from bot.tabs.bot_memory import from_rows
    from sheet_schema import load
    rows = [{"flag_id": "ESC-0001", "first_logged": date(2026, 11, 1), "flagged_at": datetime(2026, 11, 2, 9, 30),
             "updated_at": time(9, 30)}]
    (rec,) = from_rows(rows, load("escalations"), flag_key)
    assert (rec["first_logged"], rec["flagged_at"], rec["updated_at"]) == ("2026-11-01", "2026-11-02 09:30:00", "09:30:00")


def test_without_memory_each_keyed_row_is_a_record_the_first_row_of_a_key_wins():
    """What the monthly report reads from a sheet whose memory is lost: the visible rows, one record per key;
    a copy of a row and a person's own row (no key) are no records."""
    from bot.tabs.bot_memory import from_rows
    from sheet_schema import load
    rows = [{"flag_id": "ESC-0001", "product": "Oat Clusters"}, {"flag_id": "esc-1", "product": "a copy"},
            {"lead_notes": "my own row"}, {"flag_id": "ESC-0002", "product": "Granola Bar"}]
    assert [(flag_key(r), r["product"]) for r in from_rows(rows, load("escalations"), flag_key)] == \
        [("ESC-0001", "Oat Clusters"), ("ESC-0002", "Granola Bar")]
