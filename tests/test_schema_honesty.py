"""What the schema files declare is what the bot does: a column marked `unique` gets a Log Issue for every
repeat, a column marked `set_once` keeps its first value when its record changes, and `key_column`
is what the guard and the memory key rows by. Marking a column in a TOML file without the behaviour
(or the other way round) fails here."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.backends.base import Snapshot
from bot.cycle.compute import compute
from conftest import NOW, case, comp, rows_of
from hardening import BOT_TABS, apply_in_memory
from sheet_schema import TAB_FILES, load

UNIQUE = [(name, c.key) for name in TAB_FILES for c in load(name).columns if c.unique]
SET_ONCE = [(name, c.key) for name in TAB_FILES for c in load(name).columns if c.set_once]


def test_the_declared_flags_are_the_ones_implemented():
    assert UNIQUE == [("defective_log", "ticket_id")]
    assert sorted(SET_ONCE) == [("drafts", "drafted_at"), ("escalations", "flag_id"), ("escalations", "flagged_at")]
    assert {load(n).key_column for n in ("escalations", "drafts")} == {"flag_id", "ticket_id"}
    assert load("drafts").guarded_keys == ("ticket_id", "status")


@pytest.mark.parametrize("tab, key", UNIQUE, ids=[f"{t}.{k}" for t, k in UNIQUE])
def test_a_repeat_in_a_unique_column_is_an_error_on_the_repeat(settings, renderer, tab, key):
    header = load(tab).column(key).header
    log = [case("CS-1"), case("CS-2"), case("CS-1")]
    out = compute(Snapshot({"Defective Log": rows_of("defective_log", log),
                            "Comp Sheet": rows_of("comp_sheet", [comp("CS-1")]),
                            **{t: None for t in BOT_TABS}}, "memory"), settings, NOW, renderer)
    repeats = [i for i in out.validation.issues if i.field == header and "already used" in i.problem]
    assert [(i.row, i.severity) for i in repeats] == [(4, "error")]


@pytest.mark.parametrize("tab, key", SET_ONCE, ids=[f"{t}.{k}" for t, k in SET_ONCE])
def test_a_set_once_cell_keeps_its_first_value_when_the_record_changes(settings, renderer, tab, key):
    """A flag grows and a draft is redrafted a day later: their set-once cells stay as first written."""
    day = date(2026, 11, 2)
    log = [case("CS-1", date_logged=day), case("CS-2", date_logged=day + timedelta(days=1))]
    comps = [comp("CS-1"), comp("CS-2")]
    tabs = {"Defective Log": rows_of("defective_log", log), "Comp Sheet": rows_of("comp_sheet", comps),
            **{t: None for t in BOT_TABS}}
    first = compute(Snapshot(tabs, "memory"), settings, NOW, renderer)
    tabs = apply_in_memory(tabs, first.plan)
    log.append(case("CS-3", date_logged=day + timedelta(days=2)))           # the flag grows
    log[0]["Order Number"] = "CHANGED-1"                                     # CS-1's draft is redrafted
    tabs["Defective Log"] = rows_of("defective_log", log)
    tabs["Comp Sheet"] = rows_of("comp_sheet", comps + [comp("CS-3")])
    later = compute(Snapshot(tabs, "memory"), settings, NOW + timedelta(days=1), renderer)
    after = apply_in_memory(tabs, later.plan)
    title = load(tab).tab
    header = after[title][0]
    column = header.index(load(tab).column(key).header)
    assert later.plan.writes, "the record changed"
    before_rows, after_rows = tabs[title][1:], after[title][1:]
    assert [r[column] for r in after_rows[:len(before_rows)]] == [r[column] for r in before_rows]


@pytest.mark.parametrize("marked, repeats", [
    pytest.param(("ticket_id",), [(4, "Ticket ID", "Ticket ID cs-1 is already used on row 2")],
                 id="as-shipped-the-ticket-id"),
    pytest.param(("ticket_id", "order_number"), [(3, "Order Number", "Order Number a-7 is already used on row 2"),
                                                 (4, "Ticket ID", "Ticket ID cs-1 is already used on row 2")],
                 id="order-number-marked-too"),
    pytest.param((), [], id="nothing-marked-nothing-checked"),
])
def test_unique_is_read_from_the_schema(monkeypatch, settings, renderer, marked, repeats):
    """`unique` is implemented once, for any column a TOML file marks: mark another and its repeats are
    errors too (IDs compared as tickets are: case and surrounding spaces ignored)."""
    import dataclasses

    import bot.cycle.compute as compute_module
    shipped = load("defective_log")
    columns = tuple(dataclasses.replace(c, unique=c.key in marked) for c in shipped.columns)
    changed = dataclasses.replace(shipped, columns=columns, by_key={c.key: c for c in columns})
    monkeypatch.setattr(compute_module, "load", lambda name: changed if name == "defective_log" else load(name))
    log = [case("CS-1", order_number="A-7"), case("CS-2", order_number=" a-7 "), case("cs-1 ", order_number="B-9")]
    out = compute(Snapshot({"Defective Log": rows_of("defective_log", log),
                            "Comp Sheet": rows_of("comp_sheet", []),
                            **{t: None for t in BOT_TABS}}, "memory"), settings, NOW, renderer)
    found = sorted((i.row, i.field, i.problem) for i in out.validation.issues if "already used" in i.problem)
    assert found == repeats
    assert all(i.severity == "error" for i in out.validation.issues if "already used" in i.problem)


@pytest.mark.parametrize("held, marked, after", [
    pytest.param("2026-11-01 09:00", True, "2026-11-01 09:00", id="set-once-and-filled-keeps-its-value"),
    pytest.param("  ", True, "NEW", id="set-once-but-blank-takes-the-new-value"),
    pytest.param(None, True, "NEW", id="set-once-never-written-takes-the-new-value"),
    pytest.param("2026-11-01 09:00", False, "NEW", id="not-set-once-takes-the-new-value"),
])
def test_update_row_honours_set_once_as_the_schema_marks_it(held, marked, after):
    """The one place `set_once` is implemented (bot.read.table.update_row): whatever column a TOML file
    marks keeps a value it already holds; the other columns of the same update are written."""
    import dataclasses

    from bot.read.table import update_row
    shipped = load("drafts")
    columns = tuple(dataclasses.replace(c, set_once=marked if c.key == "drafted_at" else c.set_once)
                    for c in shipped.columns)
    schema = dataclasses.replace(shipped, columns=columns, by_key={c.key: c for c in columns})
    row = {"ticket_id": "CS-1", "drafted_at": held, "subject": "old"}
    update_row(schema, row, {"drafted_at": "NEW", "subject": "new"})
    assert row == {"ticket_id": "CS-1", "drafted_at": after, "subject": "new"}
