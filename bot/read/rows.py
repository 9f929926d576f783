"""A bot tab's rows as read, made into {column key: value} only when asked for.

A warm cycle (bot.cycle.warm) reads every bot tab but looks at few of its rows: the records of the
tickets and groups its edits touch, and the rows it moves or replaces. Making a dict of each of the
real CAERS log's 131,000 bot rows cost 0.10-0.12 s of a 1.3 s cycle; these sequences make a row when it
is first asked for, and read whole columns straight from the rows as read.

Both behave as the list of dict rows they stand for (len, index, slice, iterate, ==), so the plan and
everything after a cycle read them unchanged. A row, once made, is the same dict on every later access,
so a change made to it is kept and seen by `column_of`.
"""
from __future__ import annotations

from collections.abc import Sequence
from itertools import repeat
from typing import Union


class RowView(Sequence):
    """Data rows as read (header left out; the blank rows at the end too), each made into {key: value}
    over `index` (column key -> 0-based position; a cell past a short row's end is None)."""

    def __init__(self, raw: list[list], index: dict[str, int]):
        self._raw = raw
        self._index = dict(index)
        self._made: dict[int, dict] = {}

    def __len__(self) -> int:
        return len(self._raw)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self._raw)))]
        if i < 0:
            i += len(self._raw)
        row = self._made.get(i)
        if row is None:
            if not 0 <= i < len(self._raw):
                raise IndexError("row index out of range")
            r = self._raw[i]
            row = self._made[i] = {k: (r[c] if c < len(r) else None) for k, c in self._index.items()}
        return row

    def __iter__(self):
        return map(self.__getitem__, range(len(self._raw)))

    def column(self, key: str) -> list:
        """One column, read from the rows as read (a row already made: its dict's value)."""
        c = self._index.get(key)
        out = [None] * len(self._raw) if c is None else [r[c] if c < len(r) else None for r in self._raw]
        for i, row in self._made.items():
            out[i] = row.get(key)
        return out

    def __eq__(self, other) -> bool:
        return _equal(self, other)

    __hash__ = None    # a list is unhashable too

    def __repr__(self) -> str:
        return f"RowView({len(self)} rows)"


Pick = Union[int, dict]


class PickedRows(Sequence):
    """Rows taken from `base` (a RowView or a list of dict rows) in a new order, some replaced: each
    pick is a row of `base` (0-based) or a row of its own. A warm cycle's tab as read with a few rows
    replaced, appended or moved, without making the rows it leaves alone."""

    def __init__(self, base: Sequence, picks: list[Pick]):
        self._base = base
        self._picks = picks

    def __len__(self) -> int:
        return len(self._picks)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self._picks)))]
        p = self._picks[i]
        return self._base[p] if type(p) is int else p

    def __iter__(self):
        return map(self.__getitem__, range(len(self._picks)))

    def column(self, key: str) -> list:
        base = column_of(self._base, key)
        return [base[p] if type(p) is int else p.get(key) for p in self._picks]

    def __eq__(self, other) -> bool:
        return _equal(self, other)

    __hash__ = None

    def __repr__(self) -> str:
        return f"PickedRows({len(self)} rows)"


def column_of(rows: Sequence, key: str) -> list:
    """[row.get(key) for row in rows], without making the rows of a RowView or PickedRows."""
    if isinstance(rows, (RowView, PickedRows)):
        return rows.column(key)
    return list(map(dict.get, rows, repeat(key)))


def _equal(rows: Sequence, other) -> bool:
    if not isinstance(other, (list, RowView, PickedRows)):
        return NotImplemented
    return len(rows) == len(other) and all(a == b for a, b in zip(rows, other))
