"""The demo's story (bot.demo.sample_data.story) replayed on a workbook with the real bot: a cycle on the
earlier day over the rep tabs as they stood then, what people typed in the bot's tabs, a second cycle
that day, then the reps' later rows and today's cycle.

Why replay rather than pre-fill the bot's tabs: Sent On, Flagged At and the Bot Memory are the bot's to
write; a sample that typed them would show what we think the bot writes, not what it does.
"""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Callable

from bot.read import cells
from bot.backends.base import Plan, RangeWrite
from bot.backends.workbook import WorkbookBackend
from bot.config import Settings
from bot.cycle.run import CycleReport, run_cycle
from bot.demo.sample_data import Edit, build_sample, story
from bot.read.table import header_key


def on_day(day: date, clock: Callable[[], datetime]) -> Callable[[], datetime]:
    """`--as-of` in code: that day, at the real time of day."""
    return lambda: datetime.combine(day, clock().timetz())


def apply_edit(backend: WorkbookBackend, edit: Edit) -> None:
    """Type `edit` as a person would: find the row by its cells, add a missing header at the right (the
    leads' Root Cause, Corrective Action, Action Date are theirs to add; `init` would add them too)."""
    snap = backend.read([edit.tab])
    rows = snap.tabs[edit.tab]
    header = [header_key(h) for h in rows[0]]
    writes = []
    for name in list(edit.find) + list(edit.values):
        if header_key(name) not in header:
            header.append(header_key(name))
            writes.append(RangeWrite(edit.tab, 1, len(header), ((name,),)))
    at = {header_key(n): header.index(header_key(n)) for n in list(edit.find) + list(edit.values)}
    matches = [i for i, r in enumerate(rows[1:], 2)
               if all(cells.as_text(r[at[header_key(k)]] if at[header_key(k)] < len(r) else "") == v
                      for k, v in edit.find.items())]
    if len(matches) != 1:
        raise RuntimeError(f"the story's edit does not find one row in {edit.tab}: {edit.find}")
    for name, value in edit.values.items():
        writes.append(RangeWrite(edit.tab, matches[0], at[header_key(name)] + 1, ((value,),)))
    backend.apply(Plan((), tuple(writes)), snap)


def replace_rep_tabs(backend: WorkbookBackend, tabs: dict[str, list[list]]) -> None:
    """The reps' tabs as they stand today (they kept logging after the earlier day)."""
    snap = backend.read(list(tabs))
    backend.apply(Plan((), tuple(RangeWrite(t, 1, 1, tuple(tuple(r) for r in rows)) for t, rows in tabs.items())),
                  snap)


def replay(path: Path, settings: Settings, clock: Callable[[], datetime],
           write_workbook) -> tuple[date, CycleReport]:
    """Build the workbook as it stood on the story's earlier day and play the story up to today's cycle."""
    today = clock().date()
    earlier, edits = story(today)
    write_workbook(path, build_sample(today, as_of=earlier))
    run_cycle(WorkbookBackend(path), settings, on_day(earlier, clock))
    for edit in edits:
        apply_edit(WorkbookBackend(path), edit)
    run_cycle(WorkbookBackend(path), settings, on_day(earlier, clock))   # notes Sent On
    replace_rep_tabs(WorkbookBackend(path), build_sample(today))
    return earlier, run_cycle(WorkbookBackend(path), settings, clock)
