"""A sheet held in memory: tabs of rows in a dict. Implements the whole Backend protocol, guards included,
so the tests, the bench and previews can run real cycles without a file or a network; it stores what the
bot writes as given (text stays text, "" and None clear a cell), the way both real backends do."""
from __future__ import annotations

import copy
import hashlib
import json
from typing import Sequence

from bot.backends.base import ApplyResult, Check, Plan, RowShift, Rows, Snapshot, TabFormat, trimmed_grid
from bot.errors import ConcurrentEditError


class MemoryBackend:
    shifts_rows = True     # applies base.RowShift

    def __init__(self, tabs: dict[str, Rows] | None = None, name: str = "an in-memory sheet"):
        self.tabs: dict[str, Rows] = {t: [list(r) for r in rows] for t, rows in (tabs or {}).items()}
        self.name = name
        self.formats: list[TabFormat] = []
        self.applied = 0

    def describe(self) -> str:
        return self.name

    def _digest(self) -> str:
        return hashlib.sha256(json.dumps(self.tabs, sort_keys=True, default=str).encode()).hexdigest()

    def change_token(self) -> str | None:
        return self._digest()

    def read(self, titles: Sequence[str], unless_digest: str | None = None) -> Snapshot:
        digest = f"{self._digest()}:{chr(31).join(titles)}"
        if digest == unless_digest:
            return Snapshot(tabs={}, source=self.name, digest=digest, unchanged=True)
        tabs = {t: copy.deepcopy(self.tabs[t]) if t in self.tabs else None for t in titles}
        return Snapshot(tabs=tabs, source=self.name, digest=digest)

    def apply(self, plan: Plan, snapshot: Snapshot) -> ApplyResult:
        if plan.is_empty:
            return ApplyResult()
        created = {c.title for c in plan.creates if c.title not in self.tabs}
        for guard in plan.guards:
            if guard.tab in created or guard.tab not in self.tabs:
                continue
            rows = self.tabs[guard.tab]
            held = [[(rows[r - 1][c - 1] if r - 1 < len(rows) and c - 1 < len(rows[r - 1]) else None)
                     for c in range(guard.col, guard.last_col + 1)] for r in range(guard.row, guard.last_row + 1)]
            if trimmed_grid(held) != trimmed_grid(guard.values):
                raise ConcurrentEditError(self.name, f"Someone changed the '{guard.tab}' tab while the bot was "
                                                     "about to write to it; nothing was written.")
        for title in created:
            self.tabs[title] = []
        for shift in plan.shifts:
            _shift(self.tabs[shift.tab], shift)
        for w in plan.writes:
            rows = self.tabs[w.tab]
            for r, values in enumerate(w.values):
                while len(rows) < w.row + r:
                    rows.append([])
                row = rows[w.row + r - 1]
                for c, value in enumerate(values):
                    while len(row) < w.col + c:
                        row.append(None)
                    row[w.col + c - 1] = None if value == "" else value
        self.applied += 1
        return ApplyResult(requests=1, cells_written=plan.cell_count)

    def check_access(self) -> list[Check]:
        return [Check("sheet", True, f"{len(self.tabs)} tabs in memory")]

    def check_write(self, title: str) -> Check:
        return Check(f"write access to {title}", True, "memory is always writable")

    def apply_formats(self, formats: Sequence[TabFormat]) -> ApplyResult:
        self.formats.extend(formats)   # kept for a test to look at; nothing to draw in memory
        return ApplyResult()


def _shift(rows: Rows, shift: RowShift) -> None:
    """Move the cells of the shift's columns from its row down (or up), as Google's insertRange /
    deleteRange with shiftDimension ROWS do; the other columns stay."""
    c0, c1 = shift.col - 1, shift.last_col
    top = shift.row - 1
    height = max(len(rows), top) + max(shift.count, 0)
    while len(rows) < height:
        rows.append([])
    for row in rows:
        while len(row) < c1:
            row.append(None)
    column_cells = [row[c0:c1] for row in rows[top:]]
    blank = [None] * (c1 - c0)
    if shift.count > 0:
        column_cells = [list(blank) for _ in range(shift.count)] + column_cells[:len(column_cells) - shift.count]
    else:
        column_cells = column_cells[-shift.count:] + [list(blank) for _ in range(-shift.count)]
    for row, cells in zip(rows[top:], column_cells):
        row[c0:c1] = cells
