"""A cycle that reuses the last cycle's parse (bot.reuse, as `watch` runs it) gives exactly what a cycle
that parses everything gives: the same bot tabs, the same plan, the same Log Issues, the same frames.

Each test runs a first cycle with a memo on the sample sheet, applies its plan, makes one edit a person
might make, then runs the next cycle both ways on the same edited sheet and compares everything.
"""
from __future__ import annotations

import copy
from datetime import date, timedelta

import pandas as pd
import pytest

from bot.backends.base import Snapshot
from bot.core import compute
from bot.reuse import RowMemo
from bot.sample_data import COMP_SHEET, DEFECTIVE_LOG, build_messy_sample, build_sample, MESSY_TABS
from conftest import NOW
from hardening import apply_in_memory
from sheet_schema import BOT_TABS

TODAY = NOW.date()
STATUS, UNITS, DATE, PRODUCT, DEFECT = 16, 11, 0, 5, 8   # Defective Log columns (0-based, schema order)
COMP_AMOUNT = 10                                          # Comp Sheet's Refund Amount


def _set(tab, row, col, value):
    while len(tab[row]) <= col:
        tab[row].append(None)
    tab[row][col] = value


def close_a_case(tabs):
    _set(tabs[DEFECTIVE_LOG], 5, STATUS, "Closed" if tabs[DEFECTIVE_LOG][5][STATUS] == "Open" else "Open")


def a_date_becomes_text(tabs):
    _set(tabs[DEFECTIVE_LOG], 3, DATE, "see photo")


def units_typed_as_true(tabs):
    # 1 and True are equal in Python and hash alike; the memo must still tell the two cells apart.
    _set(tabs[DEFECTIVE_LOG], 4, UNITS, True)


def units_typed_as_text(tabs):
    tab = tabs[DEFECTIVE_LOG]
    _set(tab, 4, UNITS, str(tab[4][UNITS]))


def another_defect(tabs):
    _set(tabs[DEFECTIVE_LOG], 8, DEFECT, "Foreign Object")


def a_row_added_at_the_end(tabs):
    tab = tabs[DEFECTIVE_LOG]
    row = list(tab[4])
    row[1] = "CS-NEW-1"
    tab.append(row)


def a_row_inserted_in_the_middle(tabs):
    tab = tabs[DEFECTIVE_LOG]
    row = list(tab[9])
    row[1] = "CS-NEW-2"
    row[DATE] = date(2026, 11, 20)
    tab.insert(10, row)


def a_row_copied(tabs):
    tab = tabs[DEFECTIVE_LOG]
    tab.insert(7, list(tab[6]))       # the same cells twice: a repeated Ticket ID


def a_blank_row_inserted(tabs):
    tabs[DEFECTIVE_LOG].insert(6, [])


def a_row_deleted(tabs):
    del tabs[DEFECTIVE_LOG][7]


def sorted_by_product(tabs):
    tab = tabs[DEFECTIVE_LOG]
    tab[1:] = sorted(tab[1:], key=lambda r: str(r[PRODUCT] if len(r) > PRODUCT else "").casefold())


def reversed_rows(tabs):
    tab = tabs[DEFECTIVE_LOG]
    tab[1:] = tab[:0:-1]


def columns_swapped(tabs):
    for row in tabs[DEFECTIVE_LOG]:
        while len(row) < 3:
            row.append(None)
        row[1], row[2] = row[2], row[1]


def comp_amount_changed(tabs):
    tab = tabs[COMP_SHEET]
    for row in tab[1:]:
        if isinstance(row[COMP_AMOUNT] if len(row) > COMP_AMOUNT else None, (int, float)):
            row[COMP_AMOUNT] = row[COMP_AMOUNT] + 1
            return
    raise AssertionError("the sample has no refund on the Comp Sheet")


def comp_row_deleted(tabs):
    del tabs[COMP_SHEET][3]


def comp_sorted(tabs):
    tab = tabs[COMP_SHEET]
    tab[1:] = sorted(tab[1:], key=lambda r: str(r[1] if len(r) > 1 else ""))


EDITS = [close_a_case, a_date_becomes_text, units_typed_as_true, units_typed_as_text, another_defect,
         a_row_added_at_the_end, a_row_inserted_in_the_middle, a_row_copied, a_blank_row_inserted,
         a_row_deleted, sorted_by_product, reversed_rows, columns_swapped, comp_amount_changed,
         comp_row_deleted, comp_sorted]


def sample(messy: bool) -> dict:
    if messy:    # every written date form and placeholders: the parse's slower paths
        m = build_messy_sample(TODAY)
        return {DEFECTIVE_LOG: m[MESSY_TABS[DEFECTIVE_LOG]], COMP_SHEET: m[MESSY_TABS[COMP_SHEET]]}
    return build_sample(TODAY)


def first_cycle(settings, renderer, memo: RowMemo, messy: bool) -> dict:
    tabs = {**{t: None for t in BOT_TABS}, **copy.deepcopy(sample(messy))}
    outcome = compute(Snapshot(tabs, "memory"), settings, NOW, renderer, memo)
    return apply_in_memory(tabs, outcome.plan)


def assert_same(warm, full):
    assert warm.desired == full.desired
    assert warm.plan == full.plan
    assert warm.validation.issues == full.validation.issues
    pd.testing.assert_frame_equal(warm.validation.log, full.validation.log)
    pd.testing.assert_frame_equal(warm.validation.comp, full.validation.comp)
    assert (warm.drafts_ready, warm.drafts_new, warm.drafts_waiting, warm.flags_total) == \
        (full.drafts_ready, full.drafts_new, full.drafts_waiting, full.flags_total)


@pytest.mark.parametrize("messy", [False, True], ids=["tidy", "messy"])
@pytest.mark.parametrize("edit", EDITS, ids=[e.__name__ for e in EDITS])
def test_a_cycle_reusing_the_last_parse_equals_a_full_one(settings, renderer, edit, messy):
    memo = RowMemo()
    tabs = first_cycle(settings, renderer, memo, messy)
    edited = copy.deepcopy(tabs)
    edit(edited)
    later = NOW + timedelta(minutes=10)
    full = compute(Snapshot(copy.deepcopy(edited), "memory"), settings, later, renderer)
    warm = compute(Snapshot(copy.deepcopy(edited), "memory"), settings, later, renderer, memo)
    assert sum(memo.reused.values()) > 0     # the memo did reuse rows (the Comp Sheet's, at least)
    assert_same(warm, full)


def test_edits_one_after_another_with_one_memo(settings, renderer):
    """As `watch` runs: one memo across many cycles, each cycle's plan applied before the next edit."""
    memo = RowMemo()
    tabs = first_cycle(settings, renderer, memo, messy=True)
    now = NOW
    for edit in EDITS:
        edit(tabs)
        now += timedelta(minutes=10)
        full = compute(Snapshot(copy.deepcopy(tabs), "memory"), settings, now, renderer)
        warm = compute(Snapshot(copy.deepcopy(tabs), "memory"), settings, now, renderer, memo)
        assert_same(warm, full)
        tabs = apply_in_memory(tabs, warm.plan)


def test_only_edited_rows_are_parsed_again(settings, renderer):
    memo = RowMemo()
    tabs = first_cycle(settings, renderer, memo, messy=False)
    close_a_case(tabs)
    a_row_added_at_the_end(tabs)
    compute(Snapshot(tabs, "memory"), settings, NOW + timedelta(minutes=10), renderer, memo)
    assert memo.reused == {"defective_log": len(tabs[DEFECTIVE_LOG]) - 1 - 2,
                           "comp_sheet": len(tabs[COMP_SHEET]) - 1}


def test_a_changed_setting_starts_afresh(settings, renderer):
    """day_first changes how "3/4/2026" reads: the memo must not hand back the other reading."""
    memo = RowMemo()
    tabs = first_cycle(settings, renderer, memo, messy=True)
    other = copy.deepcopy(settings)
    object.__setattr__(other, "day_first", not settings.day_first)
    full = compute(Snapshot(copy.deepcopy(tabs), "memory"), other, NOW, renderer)
    warm = compute(Snapshot(copy.deepcopy(tabs), "memory"), other, NOW, renderer, memo)
    assert memo.reused == {"defective_log": 0, "comp_sheet": 0}
    assert_same(warm, full)


def test_watch_keeps_one_memo_from_cycle_to_cycle(settings):
    """QuietGate (what `watch` runs each poll) hands its memo to every cycle: the second cycle after an edit
    parses only the edited row and writes what a cycle without the memo would write."""
    from bot.backends.memory import MemoryBackend
    from bot.cycle import QuietGate, run_cycle

    backend = MemoryBackend(build_sample(TODAY))
    gate = QuietGate(backend, settings.status_every_minutes)
    assert gate.run(settings, lambda: NOW).wrote
    close_a_case(backend.tabs)
    twin = MemoryBackend(copy.deepcopy(backend.tabs))
    later = NOW + timedelta(minutes=10)
    assert gate.run(settings, lambda: later).wrote
    assert gate.memo.reused["defective_log"] == len(backend.tabs[DEFECTIVE_LOG]) - 2
    assert run_cycle(twin, settings, lambda: later).wrote
    assert backend.tabs == twin.tabs
