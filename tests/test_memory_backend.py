"""The in-memory backend (bot/backends/memory.py): a real cycle, its guard, and the same bot tabs as a
workbook for the same input."""
from __future__ import annotations

from datetime import timedelta

import pytest

from bot.backends.memory import MemoryBackend
from bot.backends.workbook import WorkbookBackend
from bot.cycle.run import run_cycle
from bot.demo.run import write_workbook
from bot.demo.sample_data import build_sample
from conftest import NOW
from hardening import BOT_TABS, normalised


def test_a_cycle_then_a_quiet_one(settings):
    backend = MemoryBackend(build_sample(NOW.date()))
    assert run_cycle(backend, settings, lambda: NOW).wrote
    assert run_cycle(backend, settings, lambda: NOW + timedelta(minutes=1)).applied is None
    assert set(BOT_TABS) <= set(backend.tabs)


def test_the_same_bot_tabs_as_a_workbook(settings, tmp_path):
    tabs = build_sample(NOW.date())
    memory = MemoryBackend(tabs)
    path = tmp_path / "team.xlsx"
    write_workbook(path, tabs)
    workbook = WorkbookBackend(path)
    for backend in (memory, workbook):
        run_cycle(backend, settings, lambda: NOW)
    got = [{t: normalised(b.read(list(BOT_TABS)).tabs[t]) for t in BOT_TABS} for b in (memory, workbook)]
    assert got[0] == got[1]


@pytest.mark.parametrize("move", ["sort", "insert-row", "new-column"])
def test_its_guard_refuses_a_write_to_rows_someone_moved(settings, move):
    backend = MemoryBackend(build_sample(NOW.date()))
    run_cycle(backend, settings, lambda: NOW)
    rows = backend.tabs["Drafts"]
    real = backend.apply

    def person_then_apply(plan, snapshot):
        backend.apply = real
        if move == "sort":
            rows[1:] = rows[:0:-1]
        elif move == "insert-row":
            rows.insert(1, [])
        else:
            rows[0].insert(1, "Mine")
        return real(plan, snapshot)

    log = backend.tabs["Defective Log"]   # a rep corrects a drafted case: its draft is redrafted
    ticket, order = log[0].index("Ticket ID"), log[0].index("Order Number")
    row = next(r for r in log[1:] if r[ticket] == rows[1][0])
    row[order] = "ORDER-CHANGED"
    backend.apply = person_then_apply
    report = run_cycle(backend, settings, lambda: NOW + timedelta(minutes=5))
    assert report.attempts == 2


@pytest.mark.parametrize("rows, grid", [
    pytest.param(None, [], id="nothing-read"),
    pytest.param([(None, None), ("", None)], [], id="blank-rows-dropped-at-the-end"),
    pytest.param([(None, None), ("a", None)], [[], ["a"]], id="a-blank-row-above-a-filled-one"),
    pytest.param([["a", None, ""]], [["a"]], id="trailing-blanks-of-a-row"),
    pytest.param([[None, "b"]], [["", "b"]], id="a-leading-blank-kept-as-empty-text"),
    pytest.param([(0, False)], [[0, False]], id="zero-and-false-are-not-blank"),
    pytest.param([("", 0.0), (None,)], [["", 0.0]], id="zero-point-zero-is-not-blank"),
    pytest.param([("a",), (None,), ("",), (0,), (False,), (None,), ("",)], [["a"], [], [], [0], [False]],
                 id="one-column-blanks-inside-kept-at-the-end-dropped"),
    pytest.param([(None,), ("",)], [], id="one-blank-column"),
    pytest.param([("a",), ("b", None, "")], [["a"], ["b"]], id="one-column-and-a-wider-row"),
])
def test_trimmed_grid(rows, grid):
    """A guard's expected cells and what a storage holds compare as Google returns them."""
    from bot.backends.base import trimmed_grid
    assert trimmed_grid(rows) == grid
