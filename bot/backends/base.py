"""The seam between the pure core and storage: what a backend reads and what it is asked to write.

A backend reads whole tabs as rows of raw cell values and applies a `Plan`: tabs to create and
rectangular blocks of literal values to write. The core never imports a backend; a backend never
decides what to write.

Raw cell values a backend may return: str, int, float, bool, datetime.datetime, datetime.date, or
None for an empty cell. Rows may be ragged (trailing empty cells dropped) and trailing empty rows may
be missing. Dates may arrive as datetime objects (workbook) or as serial numbers counted from
1899-12-30 (Google, unformatted values): the core understands both.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, Sequence

Cell = Any  # str | int | float | bool | datetime | date | None
Rows = list[list[Cell]]


@dataclass
class Snapshot:
    """Everything one cycle read: each requested tab's rows (row 1 = headers), or None if missing."""

    tabs: dict[str, Rows | None]
    source: str                      # a human description: a path or a spreadsheet title
    token: Any = None                # backend-private: whatever it needs to detect change or plan growth
    digest: str | None = None        # of the bytes read: equal digests mean equal content (None: unknown)
    unchanged: bool = False          # read(unless_digest=d) found digest d: `tabs` was left unparsed
    # title -> a digest of that tab's bytes as read, when the backend can tell them apart (Google:
    # of everything read up to the end of the tab's range, so it also moves when an earlier tab
    # does; the rep tabs are read first). Equal digests mean equal rows, and spare the quiet-cycle
    # check serialising the rows again.
    tab_digests: dict[str, bytes] = field(default_factory=dict)
    # A requested title -> the tab's title in the storage, where the two differ: tab names match
    # ignoring case and spaces (table.find_title), so "Defective log" serves as "Defective Log".
    titles: dict[str, str] = field(default_factory=dict)
    # The rows hold no None (Google's JSON: a blank cell is "" or left off the end of its row), so the
    # bot-tab check need not look for one (bot.cycle.quiet._exact_rows).
    none_free: bool = False


@dataclass(frozen=True)
class CreateTab:
    """Create an empty tab with this title (its header row arrives as an ordinary RangeWrite)."""

    title: str
    hidden: bool = False             # a tab only the bot reads (Bot Memory)
    # How the new tab is made readable (bold frozen header, widths, wrap, filter), set as the tab is
    # created: on Google inside the request that creates it, in a workbook inside its new sheet part.
    format: "TabFormat | None" = None


@dataclass(frozen=True)
class Rectangle:
    """Rows of cell values with the top-left cell at (row, col), both 1-based, in one tab."""

    tab: str
    row: int
    col: int
    values: tuple[tuple[Cell, ...], ...]

    @property
    def last_row(self) -> int:
        return self.row + max(len(self.values), 1) - 1

    @property
    def last_col(self) -> int:
        return self.col + max(max(map(len, self.values), default=1), 1) - 1


@dataclass(frozen=True)
class Guard(Rectangle):
    """A rectangle that must still hold exactly `values` (None = blank) when the plan is written: the
    cells that say which record each row of a bot tab is. If a person sorted, inserted, deleted or typed
    there since the read, the plan's rows no longer mean what they meant, and the write must not happen
    (the cycle starts over from a fresh read)."""


@dataclass(frozen=True)
class RangeWrite(Rectangle):
    """Write a rectangle of literal values. None (or "") clears a cell. Strings are always stored as
    text, even when they start with `=`."""

    @property
    def cell_count(self) -> int:
        return sum(map(len, self.values))


@dataclass(frozen=True)
class RowShift:
    """Move the cells of columns `col`..`last_col` (1-based) of a tab from sheet row `row` down: `count`
    > 0 inserts that many blank rows of cells at `row`, pushing the cells below down; `count` < 0
    deletes that many rows of cells from `row`, pulling the cells below up. Only those columns move
    (people's columns beside them stay where they are, as a write leaves them). A tab rewritten whole
    in its order (Open Cases, Log Issues) keeps its rows so when a case closes or an issue is fixed,
    instead of rewriting every row below. `height`: the last sheet row the moved columns reach after
    the shift (the grid must hold it)."""

    tab: str
    row: int
    count: int
    col: int
    last_col: int
    height: int


@dataclass(frozen=True)
class Plan:
    """Every change of one cycle. Applied in one batch; an empty plan means write nothing. The shifts
    come before the writes (the writes are planned for the rows as the shifts leave them), and in
    order (each one's `row` counts the rows as the shifts before it leave them)."""

    creates: tuple[CreateTab, ...] = ()
    writes: tuple[RangeWrite, ...] = ()
    guards: tuple[Guard, ...] = ()   # checked just before writing (see Guard); never a write themselves
    shifts: tuple[RowShift, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.creates and not self.writes and not self.shifts

    @property
    def cell_count(self) -> int:
        return sum(w.cell_count for w in self.writes)

    def tabs_written(self) -> list[str]:
        seen: dict[str, None] = {}
        for w in (*self.shifts, *self.writes):
            seen.setdefault(w.tab, None)
        return list(seen)

    def grid_needed(self) -> dict[str, tuple[int, int]]:
        """The smallest (rows, cols) each written tab must have for the writes to fit."""
        need: dict[str, tuple[int, int]] = {}
        for w in self.writes:
            rows, cols = need.get(w.tab, (0, 0))
            need[w.tab] = (max(rows, w.last_row), max(cols, w.last_col))
        for shift in self.shifts:
            rows, cols = need.get(shift.tab, (0, 0))
            need[shift.tab] = (max(rows, shift.height), max(cols, shift.last_col))
        return need


@dataclass
class ApplyResult:
    requests: int = 0          # requests sent (Google) or files saved (workbook)
    cells_written: int = 0
    protection_note: str | None = None   # apply_formats: what became of the protection, when the storage says


class Backend(Protocol):
    """One storage. Implementations: workbook.WorkbookBackend, google.GoogleBackend, and
    memory.MemoryBackend (rows in a dict: for tests, the bench and previews)."""

    # Whether `apply` takes a plan's RowShifts (a cycle plans them only for a backend that does).
    shifts_rows: bool

    def describe(self) -> str:
        """A short human description of the target (path or spreadsheet title), no secrets."""

    def read(self, titles: Sequence[str], unless_digest: str | None = None) -> Snapshot:
        """Read the named tabs in one go. A tab that does not exist maps to None.

        When the bytes read have the digest `unless_digest`, return at once, unparsed, with
        `unchanged=True`: parsing is most of a read's cost, and a quiet sheet needs none of it.
        """

    def change_token(self) -> str | None:
        """A cheap stamp that changes whenever the storage changes, or None when the backend cannot
        tell without reading (then every watch cycle reads)."""

    def apply(self, plan: Plan, snapshot: Snapshot) -> ApplyResult:
        """Apply every change of `plan` in one batch, only to the tabs it names.

        Raises ConcurrentEditError when the storage changed since `snapshot` was read and the write
        would overwrite someone's edit or land on another record than planned (a `plan.guards` cell
        moved); the caller then starts the cycle over.
        """

    def check_access(self) -> list["Check"]:
        """`doctor`'s first lines: can the bot open the storage at all (key, token, sharing; the file)."""

    def check_write(self, title: str) -> "Check":
        """`doctor`: can the bot write (to this bot tab, or to the workbook when it has none yet)."""

    def apply_formats(self, formats: Sequence["TabFormat"]) -> ApplyResult:
        """`init`: freeze headers, dropdowns, highlights, widths, filters, protection, where the storage
        has them, never undoing a person's own formatting; cell values untouched."""


@dataclass(frozen=True)
class Check:
    """One line of `doctor`: what was checked, whether it passed, and how to fix it if not."""

    name: str
    ok: bool
    detail: str = ""
    fix: str = ""
    # The exit code `run` gives for the same problem (doctor exits with the first failed check's code):
    # 2 for a configuration or layout mistake, 3 when the sheet cannot be reached, read or written.
    code: int = 3
    skipped: bool = False     # "not checked" (a step above failed): neither passed nor failed


PROTECTION_MODES = ("warning", "strict", "off")
PROTECTION_DESCRIPTION = "Defective Log Bot: "   # how the bot recognises its own protections (a prefix)


@dataclass(frozen=True)
class Protection:
    """The bot's protection of one tab: `columns` (0-based) are the bot's own columns, or None for the
    whole tab. mode "warning": editing asks people to confirm; "strict": only the bot's account (and the
    sheet's owner) can edit; "off": the bot's own protections are removed. A person's own protections are
    never touched."""

    mode: str
    columns: tuple[int, ...] | None = None

    @property
    def description(self) -> str:
        return PROTECTION_DESCRIPTION + ("bot columns (people's columns stay editable)" if self.columns is not None
                                         else "whole tab (the bot rewrites it)")

    def column_runs(self) -> list[tuple[int, int]]:
        """The protected columns as [start, end) runs of neighbours (whole tab: [])."""
        runs: list[tuple[int, int]] = []
        for c in sorted(set(self.columns or ())):
            if runs and runs[-1][1] == c:
                runs[-1] = (runs[-1][0], c + 1)
            else:
                runs.append((c, c + 1))
        return runs


@dataclass(frozen=True)
class TabFormat:
    """What `init` asks a backend to set up on a tab beyond its header row (where the storage supports it).

    Column indexes are 0-based positions in the sheet as it is (after header matching). Every part is set
    only where nothing is set yet: a person's own width, wrap, header style, filter or freeze stays.
    """

    title: str
    freeze_header: bool = True
    dropdowns: dict[int, tuple[str, ...]] = field(default_factory=dict)  # column -> allowed values
    required_columns: tuple[int, ...] = ()   # highlight a blank cell in these columns on filled rows
    # Bot tabs, to be read where people read them:
    bold_header: tuple[int, ...] = ()        # header cells made bold
    widths: dict[int, float] = field(default_factory=dict)   # column -> width in characters
    wrap_columns: tuple[int, ...] = ()       # text wrapped below the header
    filter_columns: int = 0                  # a filter on row 1 over the first n columns (0: none)
    protection: Protection | None = None     # None: the tab's protections are left as they are

    @property
    def readable(self) -> bool:
        return bool(self.bold_header or self.widths or self.wrap_columns or self.filter_columns)


def trimmed_grid(rows: Sequence[Sequence[Any]] | None) -> list[list[Any]]:
    """Rows as Google returns them: blank cells as "", trailing blanks of each row and trailing empty
    rows dropped. Two grids of the same cells compare equal however each was written down (a guard's
    expected cells against what a storage holds now)."""
    rows = rows or ()
    if set(map(len, rows)) == {1}:
        # One column (a guard's key column, tens of thousands of rows): a third of the loop below.
        out = [[v] if v is not None and v != "" else [] for (v,) in rows]
        while out and not out[-1]:
            out.pop()
        return out
    out = []
    for row in rows:
        if row.count(None) + row.count("") == len(row):
            # A blank row, told in C: a writing cycle's guard holds one for every row it appends (the
            # real CAERS log's first cycle: 77,000 in Open Cases alone).
            out.append([])
            continue
        cells = ["" if v is None else v for v in row]
        while cells and cells[-1] == "":
            cells.pop()
        out.append(cells)
    while out and not out[-1]:
        out.pop()
    return out
