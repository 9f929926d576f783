"""The plan: the smallest set of writes that turns the bot tabs as they are into the bot tabs as they
should be. Pure. Only bot-owned columns are ever written; people's columns and unknown columns are
never part of a write range. Unchanged cells are not written, so a quiet cycle plans nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby
from typing import Callable
from operator import ne

from bot.backends.base import CreateTab, Guard, Plan, RangeWrite, RowShift
from bot.read.cells import comparables, storable, stored_with_comparables
from bot.tabs.formats import new_tab_format
from bot.read.rows import column_of
from bot.read.table import BotTable
from sheet_schema import TabSchema


@dataclass(frozen=True)
class TabTarget:
    """What one bot tab should hold: its rows (index i is sheet row i + 2), and whether rows past the
    end should be cleared (Log Issues is rewritten each cycle; other tabs never lose a row)."""

    table: BotTable
    schema: TabSchema
    rows: list[dict]
    clear_rest: bool = False
    # The only rows (0-based, sorted) that may differ from the tab as read (a warm cycle, which knows
    # the others are the rows as read): None compares every row.
    compare: list[int] | None = None
    # A tab rewritten whole, from a warm cycle that knows where each desired row was read (`aligned`):
    # its shifts, and the rows compared after them (instead of `compare`).
    alignment: Alignment | None = None


@dataclass(frozen=True)
class Alignment:
    """How the rows of a tab as read become the desired rows: `compare`, the desired rows (0-based) that
    may differ from what sits there once `shifts` (each (0-based row, count), see RowShift) are applied,
    and past the new end the rows to clear; `sources`, for each row then, the row as read that sits
    there (-1: a blank row); `deleted`, the rows as read (0-based, [start, end)) the shifts delete."""

    compare: list[int]
    sources: list[int]
    shifts: tuple[tuple[int, int], ...] = ()
    deleted: tuple[tuple[int, int], ...] = ()


def aligned(origins: list[int], read: int, shift: bool) -> Alignment:
    """`origins`: for each desired row, the row as read (0-based) it is, unchanged, or -1 for a new
    one; `read`: the rows as read. Without `shift` every row not at its place is compared (and written).
    With it, each stretch of new rows between two kept ones takes the places of the rows dropped
    there, and only the difference is inserted or deleted: closing one case of 38,000 is one deleted
    row, not 38,000 rows rewritten. A kept row read above one kept before it is taken as new."""
    if not shift:
        compare = [i for i, o in enumerate(origins) if o != i] + list(range(len(origins), read))
        return Alignment(compare, [i if i < read else -1 for i in range(max(read, len(origins)))])
    compare: list[int] = []
    sources: list[int] = []
    shifts: list[tuple[int, int]] = []
    deleted: list[tuple[int, int]] = []
    start = next_read = 0     # the first desired row of the stretch, the first row as read not yet placed

    def stretch(end: int, upto: int, last: bool) -> None:
        """Desired rows [start, end) in place of the rows as read [next_read, upto)."""
        new, dropped = end - start, upto - next_read
        same = min(new, dropped)
        compare.extend(range(start, start + same))
        sources.extend(range(next_read, next_read + same))
        if new > dropped:
            compare.extend(range(start + same, end))
            sources.extend([-1] * (new - dropped))
        if last:   # nothing below to move: the rows past the new end are cleared
            compare.extend(range(end, end + dropped - same))
            sources.extend(range(next_read + same, upto))
        elif new != dropped:
            shifts.append((start + same, new - dropped))
            if dropped > new:
                deleted.append((next_read + same, upto))

    for i, o in enumerate(origins):
        if o < next_read:
            continue
        if i != start or o != next_read:   # rows new or dropped just above (a kept row next to the last: nothing)
            stretch(i, o, last=False)
        sources.append(o)
        start, next_read = i + 1, o + 1
    stretch(len(origins), read, last=True)
    return Alignment(compare, sources, tuple(shifts), tuple(deleted))


def plan_tabs(targets: list[TabTarget],
              on_tab: Callable[[str, list[dict], dict[str, list]], None] | None = None, *,
              let_go: bool = False) -> Plan:
    """`on_tab`, when given, is called once per tab right after the tab is planned, with its name, its
    desired rows and each bot column as the plan compared it (the values as stored, in their comparable
    form, by column key): the quiet-cycle fingerprint of the tabs a cycle leaves is made of the same
    columns (bot.cycle.quiet), and takes them while they exist, one tab at a time. `let_go`: each tab's
    rows as read are emptied once it is planned (its table then reads as empty), so the next tab's
    plan reuses their memory (the cycle's peak: the caller needs them no more)."""
    creates: list[CreateTab] = []
    writes: list[RangeWrite] = []
    guards: list[Guard] = []
    shifts: list[RowShift] = []
    for t in targets:
        if not t.table.exists:
            # Made readable as it is created (bold frozen header, widths, wrap, filter): at no extra request.
            creates.append(CreateTab(t.table.title, hidden=t.schema.hidden,
                                     format=new_tab_format(t.table.title, t.schema)))
        tab_shifts = _shifts(t)
        tab_writes = _plan_tab(t, on_tab)
        shifts.extend(tab_shifts)
        writes.extend(tab_writes)
        if (tab_writes or tab_shifts) and t.table.exists:
            guards.extend(_guards(t, tab_writes, tab_shifts))
        if let_go:
            t.table.rows = []
    return Plan(tuple(creates), tuple(writes), tuple(guards), tuple(shifts))


def _shifts(t: TabTarget) -> list[RowShift]:
    """The alignment's shifts, for each stretch of side-by-side bot columns (a person's column between
    two bot columns stays put)."""
    if t.alignment is None or not t.alignment.shifts:
        return []
    out = []
    height = len(t.table.rows) + 1        # the last sheet row the tab's cells reach
    for row, count in t.alignment.shifts:
        before, height = height, height + count
        out.extend(RowShift(t.table.title, row + 2, count, start + 1, end + 1, max(before, height))
                   for start, end, _ in _bot_runs(t))
    return out


def _bot_runs(t: TabTarget) -> list[tuple[int, int, list[str]]]:
    """Each stretch of side-by-side bot columns: its first and last column (0-based) and their keys."""
    index = _positions(t)
    key_at = {index[k]: k for k in t.schema.bot_keys}
    return [(start, end, [key_at[c] for c in range(start, end + 1)]) for start, end in _runs(sorted(key_at), key_at)]


def _guards(t: TabTarget, writes: list[RangeWrite], shifts: list[RowShift] = ()) -> list[Guard]:
    """What must still be where the cycle read it for these writes to land on the rows they were
    planned for: the header row (a column inserted, deleted or moved), the columns that name each
    row's record and whether the bot may change it (a sort, an inserted or deleted row, an overtype,
    a Status set meanwhile), and blank rows where new rows go (a row someone typed below)."""
    table = t.table
    out = [Guard(table.title, 1, 1, (tuple(table.header),))]
    n = len(table.rows)
    for key in t.schema.guarded_keys:
        col = table.columns.index.get(key)
        if col is not None and n:
            out.append(Guard(table.title, 2, col + 1, tuple(zip(column_of(table.rows, key)))))
    last_row = max([w.last_row for w in writes] + [s.height for s in shifts])
    if t.alignment is not None and shifts and n:
        # Shifts move the rows they do not write: the rows they delete must still be the ones read, and
        # the tab must still end where it did (its last row as read, a blank row below it), or a row
        # inserted, deleted or sorted meanwhile would take another case's row with it.
        runs = _bot_runs(t)
        for a, b in (*t.alignment.deleted, (n - 1, n)):
            for start, _, keys in runs:
                out.append(Guard(table.title, a + 2, start + 1,
                                 tuple(tuple(table.rows[i].get(k) for k in keys) for i in range(a, b))))
        last_row = max(last_row, n + 2)
    if last_row > n + 1:
        width = max([table.columns.width] + [w.last_col for w in writes] + [s.last_col for s in shifts])
        out.append(Guard(table.title, n + 2, 1, ((None,) * width,) * (last_row - n - 1)))
    return out


def _positions(t: TabTarget) -> dict[str, int]:
    """0-based column of every schema column; missing ones go after the last header in use."""
    index = dict(t.table.columns.index)
    next_free = t.table.columns.width
    for key in t.table.missing:
        index[key] = next_free
        next_free += 1
    return index


def _plan_tab(t: TabTarget, on_tab: Callable[[str, list[dict], dict[str, list]], None] | None = None
              ) -> list[RangeWrite]:
    index = _positions(t)
    # Bot columns in sheet order, so a row's changed columns come out sorted.
    bot_keys = sorted((c.key for c in t.schema.columns if c.owner == "bot"), key=index.__getitem__)
    key_at = {index[k]: k for k in bot_keys}
    out: list[RangeWrite] = []
    if t.table.missing:  # missing headers sit side by side after the last header in use
        headers = tuple(storable(t.table.columns.headers[k]) for k in t.table.missing)
        out.append(RangeWrite(t.table.title, 1, index[t.table.missing[0]] + 1, (headers,)))
    current = t.table.rows
    height = max(len(t.rows), len(current)) if t.clear_rest else len(t.rows)
    # The rows compared, and each bot column of them: the values as the storage will hold them, and
    # whether each differs from what the tab holds, so a quiet cycle plans nothing. Column by column (a
    # tab reaches 100,000 rows).
    if t.alignment is not None:
        height = max(len(t.rows), len(t.alignment.sources)) if t.clear_rest else len(t.rows)
        at: range | list[int] = [i for i in t.alignment.compare if i < height]
        sources = t.alignment.sources
        current = [current[sources[i]] if sources[i] >= 0 else {} for i in at]
        current_at: range | list[int] = range(len(at))
    else:
        at = range(height) if t.compare is None else [i for i in t.compare if i < height]
        current_at = at
    wanted: dict[str, list] = {}
    differs: list[list[bool]] = []
    compared: dict[str, list] = {}
    for k in bot_keys:
        want, want_compared = stored_with_comparables(_column(t.rows, k, at))
        wanted[k] = [None if v == "" else v for v in want] if "" in want else want   # "" is written as a blank
        compared[k] = want_compared
        differs.append(list(map(ne, comparables(_column(current, k, current_at)), want_compared)))
    def runs_of(pattern: tuple) -> list[tuple[int, int]]:
        return _runs([index[k] for k, d in zip(bot_keys, pattern) if d], key_at)

    for i, j, runs in rectangles(at, zip(*differs) if differs else [()] * len(at), runs_of):
        for start, end in runs:
            block = zip(*(wanted[key_at[c]][i:j + 1] for c in range(start, end + 1)))
            out.append(RangeWrite(t.table.title, at[i] + 2, start + 1, tuple(block)))
    if on_tab is not None:
        on_tab(t.schema.name, t.rows, compared)
    return out


def rectangles(at: range | list[int], patterns, runs_of: Callable[[tuple], list[tuple[int, int]]]
               ) -> list[tuple[int, int, list[tuple[int, int]]]]:
    """(first, last, runs): one rectangle per stretch of rows (positions in `at`) consecutive on the sheet
    whose changed columns make the same runs (`runs_of` a row's pattern: which bot columns differ). Rows
    that change nothing are in none."""
    known: dict[tuple, list[tuple[int, int]]] = {}   # a row's runs depend only on its pattern
    out: list[tuple[int, int, list[tuple[int, int]]]] = []
    for i, j, pattern in _stretches(at, patterns):
        runs = known.get(pattern)
        if runs is None:
            runs = known[pattern] = runs_of(pattern)
        if not runs:
            continue
        if out and out[-1][2] == runs and at[out[-1][1]] + 1 == at[i]:
            out[-1] = (out[-1][0], j, runs)   # two patterns, one set of runs (an unchanged bot cell between)
        else:
            out.append((i, j, runs))
    return out


def _stretches(at: range | list[int], patterns) -> list[tuple[int, int, tuple]]:
    """(first, last, pattern): each stretch of rows (positions in `at`) that are consecutive on the sheet
    and change the same columns (`patterns`: for each row, which bot columns differ). Found at C speed
    (groupby compares the patterns; one subtraction checks a stretch is consecutive), not row by row:
    a first cycle writes every row of a 30,000-row Open Cases with the one pattern."""
    out: list[tuple[int, int, tuple]] = []
    i = 0
    for pattern, group in groupby(patterns):
        j = i + len(list(group)) - 1
        if at[j] - at[i] != j - i:      # `at` rises: a gap on the sheet somewhere in between
            first = i
            for k in range(i + 1, j + 1):
                if at[k] != at[k - 1] + 1:
                    out.append((first, k - 1, pattern))
                    first = k
            out.append((first, j, pattern))
        else:
            out.append((i, j, pattern))
        i = j + 1
    return out


def _column(rows: list[dict], key: str, at: range | list[int]) -> list:
    """One column of `rows` at these rows, blank past the end of `rows`."""
    if isinstance(at, range):      # every row up to a height
        col = column_of(rows, key)[:at.stop]
        col.extend([None] * (at.stop - len(col)))
        return col
    n = len(rows)
    return [rows[i].get(key) if i < n else None for i in at]


def _runs(changed: list[int], key_at: dict[int, str]) -> list[tuple[int, int]]:
    """Group changed columns into spans that contain only bot columns (unchanged bot cells inside a
    span are rewritten with their own value; a people's column always ends a span)."""
    runs: list[tuple[int, int]] = []
    for c in changed:
        if runs and all(x in key_at for x in range(runs[-1][1] + 1, c + 1)):
            runs[-1] = (runs[-1][0], c)
        else:
            runs.append((c, c))
    return runs

