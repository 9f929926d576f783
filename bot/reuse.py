"""Reusing the last cycle's parse of the rep tabs in a long-running process (`watch`).

Parsing a cell (a date, an amount, an email, a placeholder) depends on nothing but the cell's value and
type, its column's schema and the `day_first` setting. So a cell equal to the one the last cycle read at
the same place (same value, same type: `True` is not `1`) gets that cell's parse back, and after an
insert, a delete or a sort a row whose cells are all those of a row the last cycle read gets that row's
parse back, wherever it now sits; only new or edited cells are parsed. The rules that look across rows
(repeated tickets, the Comp Sheet join, the cross-check, every flag, draft and Open Case) still run on
the whole tab, so a cycle with the memo gives exactly what a cycle without it gives; tests/test_reuse.py
runs both on the same edits and compares every bot tab.

Why only in-process (one `RowMemo` per `watch` worker; `run --once` starts without one): measured on the
100,000-row bench log (bench/results.md, "Step by step"), parsing both rep tabs costs 0.74 s; keeping
that parse in the cache folder for the next process would cost 0.36-0.45 s to pickle after every cycle
that read changed rows and 0.15-0.21 s to load, so a fresh process would save little or nothing.
In-process the parse stays where it is: the next cycle pays only for comparing the cells.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from bot.table import RawTab
from sheet_schema import Column, TabSchema

# (parsed values, problems, blank, placeholder) of one column: what validate.parse_column returns.
Parsed = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
ParseColumn = Callable[[np.ndarray, Column, bool], Parsed]
_NUMBERS = frozenset({bool, int, float})
# Past this share of rows edited in place, rows are matched by their cells instead (an insert, a delete
# or a sort shifts every row below it).
_IN_PLACE_SHARE = 0.1


@dataclass
class _Kept:
    """One rep tab as the last cycle read and parsed it, one entry per schema column."""

    cells: list[list]                # the cells read
    types: list[list | None]         # each cell's type; None when the column holds no number or bool
    parsed: list[Parsed]             # the parse results (read-only arrays)


class RowMemo:
    """The last cycle's parse of each rep tab. `parse` parses one tab's columns, reusing the parse of
    every cell it has seen and remembering the result for the next cycle."""

    def __init__(self) -> None:
        self._tabs: dict[tuple, _Kept] = {}
        self.reused: dict[str, int] = {}     # tab -> rows of the last parse not parsed again (logs, tests)

    def parse(self, raw: RawTab, schema: TabSchema, day_first: bool, parse_column: ParseColumn) -> dict[str, Parsed]:
        # The schema's columns and day_first are part of what a parse depends on: a change starts afresh.
        tab = (schema.name, tuple(schema.columns), day_first)
        arrays = [raw.values[c.key] for c in schema.columns]
        cells = [a.tolist() for a in arrays]
        kept = self._tabs.get(tab)
        same_shape = kept is not None and bool(cells) and len(kept.cells[0]) == len(raw)
        # Whether each column equals the last read's, value for value: one C loop per column, and
        # nearly every column of a cycle after a few edits is equal.
        equal = [new == old for new, old in zip(cells, kept.cells)] if same_shape else [False] * len(cells)
        types = [None if eq and kept.types[j] is None else _types(new) for j, (new, eq) in enumerate(zip(cells, equal))]
        parsed = None
        if same_shape:
            changed = [_changed(new, old, eq, t, old_t)
                       for new, old, eq, t, old_t in zip(cells, kept.cells, equal, types, kept.types)]
            rows = np.logical_or.reduce([c for c in changed if c is not None] or [np.zeros(len(raw), dtype=bool)])
            edited = int(rows.sum())
            if edited <= _IN_PLACE_SHARE * len(raw):
                self.reused[schema.name] = len(raw) - edited
                parsed = [old if at is None else _patched(old, np.flatnonzero(at), a, col, day_first, parse_column)
                          for old, at, a, col in zip(kept.parsed, changed, arrays, schema.columns)]
        if parsed is None:
            at = _rows_before(kept, cells, types) if kept is not None else np.full(len(raw), -1, dtype=np.int64)
            self.reused[schema.name] = int((at >= 0).sum())
            parsed = [_by_row(kept.parsed[j] if kept is not None else None, at, a, col, day_first, parse_column)
                      for j, (a, col) in enumerate(zip(arrays, schema.columns))]
        for p in parsed:
            for a in p:
                a.flags.writeable = False    # shared with the next cycle: the rules only read them
        self._tabs[tab] = _Kept(cells, types, parsed)
        return {c.key: p for c, p in zip(schema.columns, parsed)}


def _types(cells: list) -> list | None:
    """Each cell's type, or None when the column holds no number or bool: then a cell equal to another
    has its type (no text, date or blank equals a number), and a column equal to the last read's, which
    held no number, is not looked at again."""
    types = list(map(type, cells))
    return types if _NUMBERS & set(types) else None


def _changed(new: list, old: list, same_values: bool, types: list | None, old_types: list | None) -> np.ndarray | None:
    """Where a column's cells differ from the last read's at the same row (value or type); None: nowhere."""
    if same_values and (types is None or old_types is None or types == old_types):
        # Equal values of unequal types need a number on both sides (True == 1 == 1.0).
        return None
    at = np.zeros(len(new), dtype=bool) if same_values else _differs(new, old)
    if types is not None and old_types is not None and types != old_types:
        at |= _differs(types, old_types)
    return at


def _differs(new: list, old: list) -> np.ndarray:
    a, b = np.empty(len(new), dtype=object), np.empty(len(old), dtype=object)
    a[:], b[:] = new, old
    return np.asarray(a != b, dtype=bool)


def _patched(old: Parsed, at: np.ndarray, values: np.ndarray, col: Column, day_first: bool,
             parse_column: ParseColumn) -> Parsed:
    """The last parse of a column with the cells at `at` parsed again."""
    out = tuple(a.copy() for a in old)
    for whole, part in zip(out, parse_column(values[at], col, day_first)):
        whole[at] = part
    return out


def _rows_before(kept: _Kept, cells: list[list], types: list[list | None]) -> np.ndarray:
    """For each row, a row of the last read holding the very same cells (-1: none)."""
    # The types of the same columns on both sides (those holding a number on either side).
    numeric = [j for j, (t, old_t) in enumerate(zip(types, kept.types)) if t is not None or old_t is not None]
    where: dict[tuple, int] = {}
    for i, key in enumerate(row_keys(kept.cells, kept.types, numeric)):
        where.setdefault(key, i)
    n = len(cells[0]) if cells else 0
    return np.fromiter((where.get(k, -1) for k in row_keys(cells, types, numeric)), dtype=np.int64, count=n)


def _by_row(old: Parsed | None, at: np.ndarray, values: np.ndarray, col: Column, day_first: bool,
            parse_column: ParseColumn) -> Parsed:
    """A column's parse with the rows found in the last read (`at` >= 0) taken from it, the others parsed."""
    hit = at >= 0
    if old is None or not hit.any():         # nothing to reuse: the whole column, as without the memo
        return parse_column(values, col, day_first)
    fresh = np.flatnonzero(~hit)
    out = []
    for before in old:
        merged = np.empty(len(at), dtype=before.dtype)
        merged[hit] = before[at[hit]]
        out.append(merged)
    if len(fresh):
        for whole, part in zip(out, parse_column(values[fresh], col, day_first)):
            whole[fresh] = part
    return tuple(out)


def row_keys(cells: list[list], types: list[list | None], numeric: list[int]) -> list[tuple]:
    """One key per row: its cells, then the types of its cells in the `numeric` columns (1, 1.0 and True
    are equal and hash alike, but are three different cells). Rows share one tuple of types per pattern."""
    if not numeric:
        return list(zip(*cells))
    typed = [types[j] if types[j] is not None else list(map(type, cells[j])) for j in numeric]
    patterns: dict[tuple, tuple] = {}
    return list(zip(*cells, (patterns.setdefault(t, t) for t in zip(*typed))))
