"""What a person does in the Sheets UI, applied straight to the fake's spreadsheet (no API request).

`fake.person` is a Person (the spreadsheet's owner: protection does not stop them). Rows and columns are
numbered as the UI shows them: row 1 is the first row, column 1 (or "A") the first column.

    fake.person.type("Escalations", "L3", "Investigating")      # as typed: numbers, dates, TRUE, =formulas
    fake.person.sort("Escalations", "Product", descending=True)  # Data > Sort sheet, below the header row
    fake.person.insert_rows("Escalations", before_row=2, n=1)
    fake.person.delete_rows("Drafts", first_row=5)
    fake.person.move_rows("Drafts", first_row=3, n=2, before_row=10)

Each edit moves Drive's modifiedTime and is recorded in `fake.person_log` (who, what, arguments). The
structural ones move values, validations, conditional formats, frozen rows, protected ranges and
developer metadata as Google does (structure.py); typing follows USER_ENTERED (values.py `_entered`),
plus the dates a person types (`11/3/2026`, `2026-11-03`), stored as date serials.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any, Sequence

from . import structure
from .grid import Tab, col_index

if TYPE_CHECKING:
    from .sheets import FakeSheets


def _typed(value: Any) -> Any:
    """A value as the UI stores what a person types (strings parsed; other Python values kept)."""
    from .values import ValuesApi

    if not isinstance(value, str):
        return value
    text = value.strip()
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text) or None
    iso = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    try:
        if m:
            return dt.date(int(m.group(3)), int(m.group(1)), int(m.group(2)))
        if iso:
            return dt.date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
    except ValueError:
        return value          # not a real date: stays text, as the UI keeps it
    return ValuesApi._entered(value, "USER_ENTERED")


def _column(tab: Tab, column: int | str, header_rows: int = 1) -> int:
    """0-based column from a header text (in the header rows), a letter ("C") or a 1-based number."""
    if isinstance(column, int):
        return column - 1
    for r in range(header_rows):
        for c in range(tab.cols):
            cell = tab.cells.get((r, c))
            if isinstance(cell, str) and cell.strip().casefold() == column.strip().casefold():
                return c
    if re.fullmatch(r"[A-Za-z]{1,3}", column):
        return col_index(column)
    raise KeyError(f"no column {column!r} in {tab.title!r}")


class Person:
    def __init__(self, fake: "FakeSheets", name: str = "a lead") -> None:
        self.fake, self.name = fake, name

    def _tab(self, title: str, action: str, **args: Any) -> Tab:
        self.fake.person_log.append((self.name, action, title, args))
        return self.fake.tab(title)

    def _cell(self, a1: str) -> tuple[int, int]:
        m = re.fullmatch(r"\$?([A-Za-z]+)\$?(\d+)", a1)
        if not m:
            raise ValueError(f"not a cell: {a1!r}")
        return int(m.group(2)) - 1, col_index(m.group(1))

    # -- cells ---------------------------------------------------------------------------------------

    def type(self, title: str, a1: str, value: Any) -> None:
        """Type `value` into one cell (overtyping what was there; "" empties it)."""
        tab = self._tab(title, "type", cell=a1, value=value)
        r, c = self._cell(a1)
        tab.date_cells.pop((r, c), None)
        tab.set(r, c, _typed(value))

    def paste(self, title: str, a1: str, rows: Sequence[Sequence[Any]]) -> None:
        """Paste a block of values from the cell `a1` (None leaves a cell as it is)."""
        tab = self._tab(title, "paste", cell=a1, rows=rows)
        r0, c0 = self._cell(a1)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    tab.date_cells.pop((r0 + r, c0 + c), None)
                    tab.set(r0 + r, c0 + c, _typed(value))

    def clear(self, title: str, a1_range: str) -> None:
        """Select a range and press Delete: values go, formats and validations stay."""
        tab = self._tab(title, "clear", range=a1_range)
        first, _, last = a1_range.partition(":")
        (r0, c0), (r1, c1) = self._cell(first), self._cell(last or first)
        for key in [k for k in tab.cells if r0 <= k[0] <= r1 and c0 <= k[1] <= c1]:
            del tab.cells[key]
        self.fake.touch()

    def clear_row(self, title: str, row: int) -> None:
        """Select a whole row and press Delete (the row stays, empty)."""
        tab = self._tab(title, "clear_row", row=row)
        for key in [k for k in tab.cells if k[0] == row - 1]:
            del tab.cells[key]
        self.fake.touch()

    # -- structure -----------------------------------------------------------------------------------

    def sort(self, title: str, column: int | str, descending: bool = False, header_rows: int = 1) -> None:
        """Data > Sort sheet by a column (its header text, its letter, or its 1-based number), A→Z or
        Z→A, keeping the first `header_rows` rows in place."""
        tab = self._tab(title, "sort", column=column, descending=descending, header_rows=header_rows)
        col = _column(tab, column, header_rows)
        structure.sort_range(tab, header_rows, tab.rows, 0, tab.cols, [(col, descending)])

    def insert_rows(self, title: str, before_row: int, n: int = 1) -> None:
        """Right-click row `before_row` > Insert n rows above (they take the formatting of the row above,
        as the UI does, except above row 1)."""
        tab = self._tab(title, "insert_rows", before_row=before_row, n=n)
        s = before_row - 1
        structure.insert_dimension(self.fake, tab, structure.ROWS, s, s + n, inherit_from_before=s > 0)

    def delete_rows(self, title: str, first_row: int, n: int = 1) -> None:
        tab = self._tab(title, "delete_rows", first_row=first_row, n=n)
        structure.delete_dimension(self.fake, tab, structure.ROWS, first_row - 1, first_row - 1 + n)

    def insert_columns(self, title: str, before_col: int | str, n: int = 1) -> None:
        """Insert n columns left of `before_col` (a letter or a 1-based number)."""
        tab = self._tab(title, "insert_columns", before_col=before_col, n=n)
        s = col_index(before_col) if isinstance(before_col, str) else before_col - 1
        structure.insert_dimension(self.fake, tab, structure.COLUMNS, s, s + n, inherit_from_before=s > 0)

    def delete_columns(self, title: str, first_col: int | str, n: int = 1) -> None:
        tab = self._tab(title, "delete_columns", first_col=first_col, n=n)
        s = col_index(first_col) if isinstance(first_col, str) else first_col - 1
        structure.delete_dimension(self.fake, tab, structure.COLUMNS, s, s + n)

    def move_rows(self, title: str, first_row: int, n: int, before_row: int) -> None:
        """Drag rows first_row..first_row+n-1 so they land just above row `before_row` (numbers as before
        the move; before_row may be one past the last row)."""
        tab = self._tab(title, "move_rows", first_row=first_row, n=n, before_row=before_row)
        structure.move_dimension(self.fake, tab, structure.ROWS, first_row - 1, first_row - 1 + n, before_row - 1)

    def append_rows(self, title: str, n: int = 1000) -> None:
        """The "Add 1000 more rows at the bottom" button."""
        tab = self._tab(title, "append_rows", n=n)
        structure.append_dimension(tab, structure.ROWS, n)

    # -- tabs ----------------------------------------------------------------------------------------

    def rename_tab(self, title: str, new_title: str) -> None:
        self._tab(title, "rename_tab", new_title=new_title).title = new_title
        self.fake.touch()

    def hide_tab(self, title: str, hidden: bool = True) -> None:
        self._tab(title, "hide_tab", hidden=hidden).hidden = hidden
        self.fake.touch()
