"""Excel Tables and filters over the bot's tabs and the reps' tabs.

Reading: a Table's totals row (and the header row of a Table that does not start in row 1) is not data,
so a rep tab formatted as a Table with a totals row must not give a case "'Total' is not a date", and a
totals row in Escalations must not read as a flag. Those cells read as blank; every other row keeps its
sheet row number, so Log Issues still point at the row a rep sees.

Writing: a Table or an autofilter a person set over a bot tab (its top row the tab's header row) keeps
covering the bot's rows: its `ref` grows or shrinks to the last row holding a value in its columns, a
totals row stays just below that, and new rows land inside it (banding, filter, sort and structured
references like `tblEsc[Cases]` include them).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from bot.backends.xlsx_package import Package, PatchUnsupported, SheetEntry, column_index, column_letters, q

_AREA = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)(?::\$?([A-Za-z]{1,3})\$?(\d+))?$")
FILTER_NAME = "_xlnm._FilterDatabase"


@dataclass(frozen=True)
class Area:
    """A rectangle of cells: 1-based columns c1..c2, rows r1..r2."""

    c1: int
    r1: int
    c2: int
    r2: int

    def text(self, absolute: bool = False) -> str:
        d = "$" if absolute else ""
        return f"{d}{column_letters(self.c1)}{d}{self.r1}:{d}{column_letters(self.c2)}{d}{self.r2}"


def parse_area(text: str | None) -> Area | None:
    m = _AREA.match((text or "").strip())
    if m is None:
        return None
    c1, r1 = column_index(m.group(1)), int(m.group(2))
    c2, r2 = (column_index(m.group(3)), int(m.group(4))) if m.group(3) else (c1, r1)
    return Area(min(c1, c2), min(r1, r2), max(c1, c2), max(r1, r2))


def rows_not_data(data: bytes, titles) -> dict[str, list[tuple[int, int, int]]]:
    """title -> (row, first column, last column) of the Table header and totals rows that are not data."""
    try:
        pkg = Package(data)
        out: dict[str, list[tuple[int, int, int]]] = {}
        for title in titles:
            entry = pkg.sheet(title)
            if entry is None or not entry.part:
                continue
            for part in pkg.targets(entry.part, "/table"):
                table = pkg.tree(part)
                area = parse_area(table.get("ref"))
                if area is None:
                    continue
                headers = _count(table, "headerRowCount", 1)
                totals = _count(table, "totalsRowCount", 0)
                skip = [r for r in range(area.r1, area.r1 + headers) if r > 1]
                skip += range(area.r2 - totals + 1, area.r2 + 1)
                out.setdefault(title, []).extend((r, area.c1, area.c2) for r in skip)
        return out
    except (PatchUnsupported, KeyError):
        # Not a package we can look into: openpyxl still reads the cells, only without the Tables' shape.
        return {}


@dataclass
class _Cover:
    part: str
    root: etree._Element
    area: Area
    totals: list          # the totals row's cells, set aside while the bot writes
    totals_row: int


class TableCovers:
    """The Tables and the autofilter whose top row is row 1 of one bot tab, kept over the bot's rows."""

    def __init__(self, pkg: Package, entry: SheetEntry, editor):
        self.pkg, self.entry, self.editor = pkg, entry, editor
        self.tables: list[_Cover] = []
        for part in pkg.targets(entry.part, "/table"):
            root = pkg.tree(part)
            area = parse_area(root.get("ref"))
            if area is None or area.r1 != 1 or _count(root, "headerRowCount", 1) == 0:
                continue   # not over the bot's header row: a person's own table, left as it is
            totals = _count(root, "totalsRowCount", 0)
            if totals > 1:
                raise PatchUnsupported(f"the Table {root.get('name')!r} on {entry.title!r} has {totals} totals rows")
            taken = editor.take(area.r2, area.c1, area.c2) if totals else []
            self.tables.append(_Cover(part, root, area, taken, area.r2 if totals else 0))
        self.filter = editor.root.find(q("autoFilter"))
        area = parse_area(self.filter.get("ref")) if self.filter is not None else None
        self.filter_area = area if area is not None and area.r1 == 1 else None

    def refit(self) -> dict[str, str]:
        """Fit every cover to the rows as written; returns the cells that moved ({old ref: new ref})."""
        moves: dict[str, str] = {}
        for cover in self.tables:
            a = cover.area
            data_end = max(self.editor.last_filled_row(a.c1, a.c2), a.r1 + 1)   # a Table keeps one data row
            if cover.totals_row:
                moves.update(self.editor.put(data_end + 1, cover.totals, cover.totals_row))
            new = Area(a.c1, a.r1, a.c2, data_end + (1 if cover.totals_row else 0))
            if new != a:
                cover.root.set("ref", new.text())
                table_filter = cover.root.find(q("autoFilter"))
                if table_filter is not None:   # a Table's own filter stops above its totals row
                    table_filter.set("ref", Area(a.c1, a.r1, a.c2, data_end).text())
                _fit_sort(cover.root, data_end)
                self.pkg.touch(cover.part)
        if self.filter_area is not None:
            a = self.filter_area
            new = Area(a.c1, a.r1, a.c2, max(self.editor.last_filled_row(a.c1, a.c2), a.r1))
            if new != a:
                self.filter.set("ref", new.text())
                _fit_sort(self.editor.root, new.r2)
                self._fit_filter_name(new)
        return moves

    def _fit_filter_name(self, area: Area) -> None:
        """The hidden name Excel keeps beside a sheet's filter, which must name the same range."""
        workbook = self.pkg.tree(self.pkg.workbook_part)
        names = workbook.find(q("definedNames"))
        for name in [] if names is None else names.findall(q("definedName")):
            if name.get("name") == FILTER_NAME and name.get("localSheetId") == str(self.entry.position):
                name.text = f"{quote_title(self.entry.title)}!{area.text(absolute=True)}"
                self.pkg.touch(self.pkg.workbook_part)


def _fit_sort(root: etree._Element, last_row: int) -> None:
    """A sort remembered over a filter covers the same data rows (below the header)."""
    for sort in root.iter(q("sortState")):
        area = parse_area(sort.get("ref"))
        if area is not None and last_row > area.r1:
            sort.set("ref", Area(area.c1, area.r1, area.c2, last_row).text())


def quote_title(title: str) -> str:
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", title):
        return title
    return "'" + title.replace("'", "''") + "'"


def _count(root: etree._Element, name: str, default: int) -> int:
    text = root.get(name)
    try:
        return default if text is None else int(text)
    except ValueError:
        raise PatchUnsupported(f"the Table {root.get('name')!r} has {name}={text!r}, not a number") from None
