"""A workbook's tabs read with python-calamine, each cell as openpyxl's read-only `values_only` gives it.

Why: openpyxl's read-only mode reads about 130,000 cells a second (a 100,000-row log with its bot tabs,
3 million cells, took 24 s a cycle); calamine, in Rust, reads them ten times as fast. The rules were
written against openpyxl's values, and both backends must give the same tab contents, so where the two
readers differ this module gives openpyxl's value:
- an empty cell is None (calamine: "");
- a whole number is an int (calamine: a float for every number);
- a date-formatted cell is a datetime, at midnight when it holds no time (calamine: a date);
- an error cell (#N/A, #REF!) is its text (calamine: ""), taken from the sheet's XML.
Three differences are kept on purpose. A serial no date can hold, in a date, time or duration format, is
the number, as Google's unformatted read gives it, so a rule says the same of it on both backends: a
negative one is taken from the sheet's XML when calamine gave a time or a duration anywhere in the tab
(calamine gives -5 in a date format as 00:00, openpyxl as 1899-12-25); one past 9999-12-31 calamine
already gives as the number (openpyxl: `#VALUE!`). And calamine decodes the `_xHHHH_` escapes Excel
writes for characters XML cannot hold (a pasted carriage return is `_x000D_` in the file), where openpyxl's
read-only mode leaves them in the text, which is not what the person typed. The bot escapes such
sequences in what it writes (xlsx_package.ooxml_escaped), so its own text reads back unchanged.

Guard: calamine holds a tab as a dense rectangle, so one stray cell far away (say XFD1048576) would ask
for hundreds of gigabytes and abort the process. A tab whose rectangle (last row by last column) would
hold more than 52 × 199,999 cells is left to openpyxl (`rows` gives None), which reads row by row; a tab
within column AZ and row 199,999 is known to fit from one look at its XML (`rectangle_fits`).
"""
from __future__ import annotations

import io
import re
from datetime import date, datetime, time, timedelta
from itertools import zip_longest
from operator import methodcaller

from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum

from .xlsx_package import Package, PatchUnsupported, column_index
from .xlsx_patch import split_ref

# A cell past column AZ, or a cell or row numbered 200,000 or more, as the sheet XML writes it: ` r="BA7"`,
# ` r="A200000"`, `<row r="1048576"`; either quote, and lower-case letters too (the standard says upper
# case, calamine reads either). Any space before `r=` (a line break between attributes too), so none is
# written into the pattern: one that named it cost 2.4 times as much; another attribute ending in r
# (`header="0.3"`) holds no such value, and one that did would only send the tab to rectangle_fits.
# Within these limits calamine's rectangle fits (_CELLS); past them it is measured (rectangle_fits).
_FAR = re.compile(rb'r=["\'](?:(?:[A-Za-z]{3}|[B-Zb-z][A-Za-z])[0-9]|[A-Za-z]{0,3}(?:[2-9][0-9]{5}|[1-9][0-9]{6,})["\'])')
# calamine's rectangle may hold this many cells (a log of 199,999 rows up to column AZ): about 36 bytes a
# cell while it is read and converted, so at most some 375 MB. Past it a tab is read by openpyxl.
_CELLS = 52 * 199_999
# For the rectangle of a tab _FAR flags: the row numbers of at least 7, 6 and 5 digits (in a cell's or a
# row's reference), the longest first, so that only the few longest are read; and a column past Z.
_ROWS_FROM = [re.compile(rb'r=["\'][A-Za-z]{0,3}([1-9][0-9]{%d,})["\']' % d) for d in (6, 5, 4)]
_COLUMN_PAST_Z = re.compile(rb'r=["\']([A-Za-z]{2,3})[0-9]')
_FIRST_GROUP = methodcaller("group", 1)
_EXACT = 2.0 ** 53     # every whole float below this is exactly an int; openpyxl gives an int for it
_CELL_REF = re.compile(rb'\sr=["\']([A-Za-z]{1,3}[0-9]{1,7})["\']')
_ERROR_VALUE = re.compile(rb'<(?:[\w.-]+:)?v>([^<]*)</')
_ERROR_TYPE = (b't="e"', b"t='e'")   # after any space (as _FAR): another attribute ending in t is no "e"
_CELL_END = re.compile(rb'</(?:[\w.-]+:)?c>')
_CELL_TYPE = re.compile(rb'\st=["\']([A-Za-z]+)["\']')
_VALUE_TAG = re.compile(rb'<(?:[\w.-]+:)?v>')
_TAG_NAME = re.compile(rb'<(?:/?[\w.-]+:)?(/?[\w.-]+)[\s>/]')
_CALAMINE_ERRORS = (CalamineError, ValueError, OSError)
_DATE_PARTS = {time, timedelta}   # what calamine gives for a serial in a time or duration format
_BLANK = {"": None}   # an empty cell, calamine's "", is openpyxl's None
_BLOCK = 2048         # rows converted at a time (as_openpyxl_values)
_SAMPLE = 256         # texts of a block's column looked at to tell whether they repeat


def _calamine_failed(exc: BaseException) -> bool:
    """What calamine raises on a file it cannot read, including a Rust panic, which pyo3 raises as a
    PanicException (a BaseException, so that ordinary handlers let it through)."""
    return isinstance(exc, _CALAMINE_ERRORS) or type(exc).__name__ == "PanicException"


class CalamineTabs:
    """The workbook's tabs, read by calamine on demand. Opening it raises Unreadable when calamine (or the
    bot's look at the package) cannot read the file; the caller then reads it with openpyxl, which also
    says in a plain sentence what is wrong."""

    class Unreadable(Exception):
        pass

    def __init__(self, data: bytes):
        try:
            self.book = CalamineWorkbook.from_filelike(io.BytesIO(data))
            self.package = Package(data)
        except BaseException as exc:
            if not (_calamine_failed(exc) or isinstance(exc, PatchUnsupported)):
                raise
            raise self.Unreadable(str(exc)) from None
        self.sheet_names: list[str] = list(self.book.sheet_names)
        self._kinds = {m.name: m.typ for m in self.book.sheets_metadata}

    def is_worksheet(self, title: str) -> bool:
        return self._kinds.get(title) == SheetTypeEnum.WorkSheet

    def rows(self, title: str, shared: dict) -> list[list] | None:
        """The tab's rows, trailing blanks dropped (as WorkbookBackend reads them); None when the tab must be
        read by openpyxl (a cell too far out for calamine's rectangle, or a part calamine cannot read)."""
        entry = self.package.sheet(title)
        if entry is None or not entry.part or entry.part not in self.package.names:
            return None
        xml = self.package.zin.read(entry.part)
        exact = error_cells(xml)
        if exact is None or not rectangle_fits(xml):
            return None
        del xml
        try:
            grid = self.book.get_sheet_by_name(title).to_python(skip_empty_area=False)
        except BaseException as exc:
            if not _calamine_failed(exc):
                raise
            return None
        kinds: set[type] = set()
        rows = as_openpyxl_values(grid, shared, kinds)
        del grid
        if kinds & _DATE_PARTS:
            # A time of day or a duration: perhaps a negative serial calamine read as one. Rare, so the
            # sheet's XML is looked at again only then (a pass over a 100,000-row tab costs 0.1 s).
            negative = negative_numbers(self.package.zin.read(entry.part))
            if negative is None:
                return None
            exact.update(negative)
        for (r, c), value in exact.items():
            while len(rows) < r:
                rows.append([])
            row = rows[r - 1]
            if len(row) < c:
                row.extend([None] * (c - len(row)))
            row[c - 1] = value
        return rows


def rectangle_fits(xml: bytes) -> bool:
    """Whether calamine's rectangle for this sheet part (its last row by its last column) holds at most
    _CELLS cells. A tab within column AZ and row 199,999 does (one regular-expression pass); otherwise the
    references are read for the last row and column, two to four more passes (0.35 s over a 100,000-row
    tab), which a tab with a stray cell in column BA or a rep's own columns past AZ is worth: openpyxl
    reads a 100,000-row tab in about 28 s, calamine in 2.5 s (bench/results.md, fourteenth session)."""
    if not _FAR.search(xml):
        return True
    # One match at a time (finditer), not a list of them (findall): a list of a 100,000-row tab's
    # references held 100 MB more while it was built.
    letters = set(map(_FIRST_GROUP, _COLUMN_PAST_Z.finditer(xml)))
    columns = max((column_index(c.decode()) for c in letters), default=26)
    return _last_row(xml) * columns <= _CELLS


def _last_row(xml: bytes) -> int:
    """The highest row number of 10,000 or more in the sheet part's references (9,999 when there is none),
    the longest numbers looked for first, so that only the few longest are read."""
    for pattern in _ROWS_FROM:
        last = max(map(int, map(_FIRST_GROUP, pattern.finditer(xml))), default=0)
        if last:
            return last
    return 9_999


def as_openpyxl_values(grid: list[list], shared: dict, kinds: set[type] | None = None) -> list[list]:
    """calamine's rows with each cell as openpyxl gives it (see the module's docstring), trailing blank cells
    dropped. `shared`: equal texts and datetimes become one object (a cycle holds every cell it read).
    `kinds`, when given, gets the type of every cell calamine gave that is not text.

    Column by column, _BLOCK rows at a time: a column of text alone (most of a log: names, tickets,
    products, and its blanks) takes one dict look per cell in C, no Python call; a column of numbers or
    dates, one Python step per cell. In blocks because a whole column of a 100,000-row tab is spread over
    the heap, and reading it across the rows' lists costs three times as much once it no longer fits in the
    processor's cache (0.67 s against 0.40 s at 100,000 rows)."""
    shared[""] = None    # an empty cell, calamine's "", is openpyxl's None
    one = shared.setdefault
    out = []
    for lo in range(0, len(grid), _BLOCK):
        columns = []
        # zip_longest: calamine gives a rectangle, but zip would silently drop the cells of a longer row
        for column in zip_longest(*grid[lo:lo + _BLOCK], fillvalue=""):
            types = set(map(type, column))
            if types == {str}:
                # Shared only where texts repeat (products, levels, owners): names or emails would only
                # grow the dict, and a dict of a million texts is slow to look up.
                sample = column[:_SAMPLE]
                look = one if len(set(sample)) * 2 <= len(sample) else _BLANK.get
                columns.append(map(look, column, column))
            else:
                if kinds is not None:
                    kinds |= types
                columns.append([one(v, v) if type(v) is str else _value(v, one) for v in column])
        for values in zip(*columns):
            row = list(values)
            while row and row[-1] is None:
                row.pop()
            out.append(row)
    return out


def _value(v, one):
    kind = type(v)
    if kind is float:
        return int(v) if v.is_integer() and -_EXACT < v < _EXACT else v
    if kind is date:
        at_midnight = datetime(v.year, v.month, v.day)
        return one(at_midnight, at_midnight)
    if kind is datetime:
        return one(v, v)
    return v    # bool, int, time, timedelta: as openpyxl gives them


def error_cells(xml: bytes) -> dict[tuple[int, int], object] | None:
    """(row, column) -> the text of each error cell (`t="e"`) of a sheet part: what openpyxl reads there
    (`#N/A`, `#REF!`; None without a cached value), where calamine gives "". None when an error cell has
    no reference to place it."""
    out: dict[tuple[int, int], object] = {}
    for marker in _ERROR_TYPE:
        at = xml.find(marker)
        while at >= 0:
            start = xml.rfind(b"<", 0, at)
            end = xml.find(b">", at)
            at_cell = _cell_reference(xml, start, end)
            if at_cell is None:
                return None
            close = _CELL_END.search(xml, end) if xml[end - 1:end] != b"/" else None   # <c .../> has no value
            body = xml[end + 1:close.start()] if close else b""
            value = _ERROR_VALUE.search(body)
            out[at_cell] = value.group(1).decode() if value else None
            at = xml.find(marker, end)
    return out


def negative_numbers(xml: bytes) -> dict[tuple[int, int], int | float] | None:
    """(row, column) -> each negative number of a sheet part. In a date or time format calamine gives only
    its time of day (-5 reads as 00:00; in a duration format, -5 days), a wrong value where Google's
    unformatted read gives -5 (and openpyxl a date of 1899); the number, which no rule takes for a date,
    reads alike on both backends. None when such a cell has no reference to place it."""
    out: dict[tuple[int, int], int | float] = {}
    at = xml.find(b"v>-")
    while at >= 0:
        number = _negative_number(xml, at)
        if number is not None:
            start, value = number
            at_cell = _cell_reference(xml, start, xml.find(b">", start))
            if at_cell is None:
                return None
            out[at_cell] = value
        at = xml.find(b"v>-", at + 3)
    return out


def _cell_reference(xml: bytes, start: int, end: int) -> tuple[int, int] | None:
    """(row, column) of the cell whose opening tag is xml[start:end], from its `r` attribute; None without one."""
    ref = _CELL_REF.search(xml, start, end)
    return split_ref(ref.group(1).decode()) if ref else None


def _negative_number(xml: bytes, at: int) -> tuple[int, int | float] | None:
    """Where a cell holding a negative number starts, and the number, for an occurrence of `v>-` at `at`;
    None when that is not a number cell's value (another element's text, a formula's text result)."""
    tag = xml.rfind(b"<", 0, at)
    if tag < 0 or not _VALUE_TAG.fullmatch(xml, tag, at + 2):
        return None
    start = tag
    while True:   # back over the cell's formula (<f>...</f>) to the cell's own tag; text holds no "<"
        start = xml.rfind(b"<", 0, start)
        name = _TAG_NAME.match(xml, start) if start >= 0 else None
        if name is None or name.group(1) not in (b"c", b"f", b"/f"):
            return None
        if name.group(1) == b"c":
            break
    kind = _CELL_TYPE.search(xml, start, xml.find(b">", start))
    if kind is not None and kind.group(1) != b"n":
        return None
    try:
        number = float(xml[at + 2:xml.find(b"<", at)])
    except ValueError:
        return None
    return start, _value(number, None)
