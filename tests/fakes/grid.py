"""The grid model: cells, dates, A1 notation, tabs and Drive's modification clock."""
from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError

EPOCH = dt.datetime(1899, 12, 30)
MAX_CELLS = 10_000_000

# Drive's modifiedTime moves on every change to any fake sheet (cell edits included): milliseconds
# since this instant, one per change, so each change has its own time.
_EDITS = [0]
_MODIFIED_BASE = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)


def _touched() -> None:
    _EDITS[0] += 1


# ---------------------------------------------------------------------------------------------------
# Cells, dates and A1 notation


def date_serial(value: dt.date | dt.datetime) -> int | float:
    """The spreadsheet serial of a date (an int) or datetime (a float), counted from 1899-12-30."""
    if isinstance(value, dt.datetime):
        delta = value.replace(tzinfo=None) - EPOCH
        return delta.days + delta.seconds / 86400 + delta.microseconds / 86_400_000_000
    return (value - EPOCH.date()).days


@dataclass(frozen=True)
class Formula:
    """A formula entered with USER_ENTERED (the fake does not evaluate it)."""

    text: str


def col_letters(col: int) -> str:
    """0-based column index -> letters."""
    col += 1
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def col_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def google_title(title: str) -> str:
    """A tab title as Google echoes it in ranges: bare when simple (`Escalations`), else quoted."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", title) and not re.fullmatch(r"[A-Za-z]{1,3}\d+|[Rr]\d*[Cc]\d*", title):
        return title
    return "'" + title.replace("'", "''") + "'"


_CELL_RE = re.compile(r"^([A-Za-z]*)(\d*)$")


@dataclass
class Tab:
    sheet_id: int
    title: str
    index: int
    rows: int = 1000
    cols: int = 26
    frozen_rows: int = 0
    frozen_cols: int = 0
    hidden: bool = False
    cells: dict[tuple[int, int], Any] = field(default_factory=dict)     # (row, col) 0-based -> value
    date_cells: dict[tuple[int, int], bool] = field(default_factory=dict)  # cell -> has a time part
    validations: dict[tuple, dict] = field(default_factory=dict)         # grid-range key -> rule
    conditional_formats: list[dict] = field(default_factory=list)
    protected: bool = False                                              # writes answer 400 (protected range)

    def properties(self) -> dict:
        grid: dict[str, int] = {"rowCount": self.rows, "columnCount": self.cols}
        if self.frozen_rows:
            grid["frozenRowCount"] = self.frozen_rows
        if self.frozen_cols:
            grid["frozenColumnCount"] = self.frozen_cols
        props = {"sheetId": self.sheet_id, "title": self.title, "index": self.index, "sheetType": "GRID",
                 "gridProperties": grid}
        if self.hidden:
            props["hidden"] = True        # omitted when false, as Google omits default values
        return props

    def set(self, row: int, col: int, value: Any) -> None:
        """Store a typed value at 0-based (row, col); None or "" empties the cell."""
        key = (row, col)
        _touched()
        if value is None or value == "":
            self.cells.pop(key, None)
            return
        if isinstance(value, (dt.date, dt.datetime)):
            self.date_cells[key] = isinstance(value, dt.datetime)
            value = date_serial(value)
        self.cells[key] = value

    def used(self) -> tuple[int, int]:
        if not self.cells:
            return 0, 0
        return max(r for r, _ in self.cells) + 1, max(c for _, c in self.cells) + 1



def _tab_copy(tab: "Tab") -> "Tab":
    """A copy of a tab that shares only immutable values with the original."""
    return dataclasses.replace(tab, cells=dict(tab.cells), date_cells=dict(tab.date_cells),
                               validations=copy.deepcopy(tab.validations),
                               conditional_formats=copy.deepcopy(tab.conditional_formats))

@dataclass
class A1:
    tab: Tab
    text: str          # the range as sent
    cells: str | None  # the part after '!', or None for the whole tab
    r0: int | None
    c0: int | None
    r1: int | None     # inclusive
    c1: int | None

    def bounds(self) -> tuple[int, int, int, int]:
        """0-based inclusive (r0, c0, r1, c1) with open ends resolved to the grid."""
        return (self.r0 or 0, self.c0 or 0,
                self.tab.rows - 1 if self.r1 is None else self.r1,
                self.tab.cols - 1 if self.c1 is None else self.c1)

    def check_grid(self) -> None:
        r0, c0, r1, c1 = self.bounds()
        if r1 >= self.tab.rows or c1 >= self.tab.cols or r0 >= self.tab.rows or c0 >= self.tab.cols:
            raise ApiError(400, f"Range ({google_title(self.tab.title)}!{self.cells}) exceeds grid limits. "
                                f"Max rows: {self.tab.rows}, max columns: {self.tab.cols}")

    def echo(self) -> str:
        r0, c0, r1, c1 = self.bounds()
        r1, c1 = min(r1, self.tab.rows - 1), min(c1, self.tab.cols - 1)
        return f"{google_title(self.tab.title)}!{col_letters(c0)}{r0 + 1}:{col_letters(c1)}{r1 + 1}"


