"""Write the bot's tabs into an .xlsx by editing only their parts of the zip, leaving the rest as it is.

Why not open and save the workbook with openpyxl: that rewrites every part, so the values Excel cached
for the reps' formulas are lost (a formula cell reads as blank until someone re-saves in Excel), and
anything openpyxl does not model (in-cell pictures, dynamic-array metadata, rich text, slicers)
disappears. Here the rep tabs' parts, styles, shared strings and everything else are copied unchanged;
only the sheet parts of the tabs the plan writes are edited (as XML trees, whatever namespace prefix the
writer used), with the Tables and filters over them (xlsx_tables) and the calculation chain (xlsx_calc);
a new tab adds one part and three small entries.

Anything this cannot do without damage raises PatchUnsupported, naming the cell or part it is about.
"""
from __future__ import annotations

import re
from bisect import bisect_left, insort
from collections.abc import Iterable
from io import BytesIO
from xml.sax.saxutils import escape

from datetime import date, time, timedelta

from lxml import etree

from bot.backends.base import Plan, RangeWrite
from bot.backends.xlsx_calc import keep_calc_chain_true
from bot.backends.xlsx_dates import DateStyles
from bot.backends.xlsx_formats import ReadableStyles, format_new_tab
from bot.backends.xlsx_package import (MAIN_NS, PKG_REL_NS, REL_NS, XML_NS, Package, PatchUnsupported, SheetEntry,
                                       column_index, column_letters, ooxml_escaped, parse, q, rels_part)
from bot.backends.xlsx_tables import TableCovers

WORKSHEET_TYPE = REL_NS + "/worksheet"
WORKSHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
EMPTY_SHEET = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheetData/></worksheet>').encode()
_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)$")
_VALUE_CHILDREN = (q("v"), q("f"), q("is"))
ROWS_PER_PARSE = 2_000   # new rows made from one text: big enough to be fast, small enough to hold little

__all__ = ["PatchUnsupported", "patch_workbook", "SheetEditor", "column_index", "column_letters", "split_ref"]


def split_ref(ref: str) -> tuple[int, int] | None:
    """'B7' -> (7, 2): row and 1-based column; None when it is not a cell reference."""
    m = _REF.match(ref or "")
    return (int(m.group(2)), column_index(m.group(1))) if m else None


def patch_workbook(data: bytes, plan: Plan) -> bytes:
    pkg = Package(data)
    styles = None
    for create in plan.creates:
        if pkg.sheet(create.title) is None:
            _add_tab(pkg, create.title, hidden=create.hidden)
            if create.format is not None:   # bold frozen header, widths, wrap, filter: before the writes
                styles = styles or ReadableStyles(pkg)
                format_new_tab(pkg, pkg.sheet(create.title), create.format, styles)
    edited: dict[int, tuple[dict[str, str], set[str]]] = {}
    dates = DateStyles(pkg)
    # One tab at a time, its part serialised as soon as it is edited: the peak is one tab's tree, not all.
    for tab in dict.fromkeys(w.tab for w in plan.writes):
        entry = pkg.sheet(tab)
        if entry is None or not pkg.has(entry.part):
            raise PatchUnsupported(f"no sheet part for tab {tab!r}")
        editor = SheetEditor(tab, pkg.tree(entry.part), dates)
        covers = TableCovers(pkg, entry, editor)   # sets a totals row aside before the writes
        editor.may_keep_text = not covers.tables   # a Table's totals row is put back after the rows
        editor.set_all(w for w in plan.writes if w.tab == tab)
        moves = covers.refit()
        editor.finish()
        edited[entry.sheet_id] = (moves, editor.formula_refs())
        splice = editor.splice()
        del editor, covers
        pkg.freeze(entry.part, splice)
    keep_calc_chain_true(pkg, edited)
    return pkg.save()


def _add_tab(pkg: Package, title: str, *, hidden: bool = False) -> None:
    workbook = pkg.tree(pkg.workbook_part)
    sheets = workbook.find(q("sheets"))
    if sheets is None:
        raise PatchUnsupported(f"{pkg.workbook_part} has no <sheets> to add the tab {title!r} to")
    k = 1
    while pkg.has(f"xl/worksheets/sheet{k}.xml"):
        k += 1
    part = f"xl/worksheets/sheet{k}.xml"
    rels_name = rels_part(pkg.workbook_part)
    rels = pkg.tree(rels_name)
    used = {rel.get("Id") for rel in rels}
    n = len(used) + 1
    while f"rId{n}" in used:
        n += 1
    rid = f"rId{n}"
    etree.SubElement(rels, q("Relationship", PKG_REL_NS), Id=rid, Type=WORKSHEET_TYPE, Target="/" + part)
    sheet_id = max((s.sheet_id for s in pkg.sheets), default=0) + 1
    attributes = {"name": title, "sheetId": str(sheet_id)}
    if hidden:   # a tab only the bot reads (schema order: name, sheetId, state, r:id)
        attributes["state"] = "hidden"
    etree.SubElement(sheets, q("sheet"), {**attributes, q("id", REL_NS): rid})
    pkg.touch(pkg.workbook_part)
    pkg.touch(rels_name)
    pkg.add(part, parse(EMPTY_SHEET, part), WORKSHEET_CT)
    pkg.sheets.append(SheetEntry(title, sheet_id, part, len(pkg.sheets)))


class SheetEditor:
    """One sheet part's <sheetData>, edited cell by cell; rows and cells are found by number."""

    def __init__(self, title: str, root: etree._Element, dates: DateStyles):
        self.title = title
        self.dates = dates
        self.root = root
        self.data = root.find(q("sheetData"))
        if self.data is None:
            raise PatchUnsupported(f"the sheet part of {title!r} has no sheetData")
        self.rows: dict[int, etree._Element] = {}
        previous = 0
        for row in self.data.iterchildren(q("row")):
            # r is optional in the schema: a row without it follows the one before.
            number = _int(row.get("r"), previous + 1, f"{title!r}, a row number")
            row.set("r", str(number))
            self.rows[number] = row
            previous = number
        self.order = sorted(self.rows)
        self._cells: dict[int, dict[int, etree._Element]] = {}
        self.col_styles = _column_styles(root)
        self.touched: set[int] = set()
        self.appended: list[bytes] = []            # new rows past every row of the sheet, kept as XML text
        self.appended_last: dict[int, int] = {}    # column -> the last appended row with a value in it
        self.may_keep_text = False                 # set by the caller when nothing reads the rows back
        self.shared_masters: dict[str, str] = {}   # si -> cell of a shared formula's first cell, overwritten

    # ---- rows and cells ---------------------------------------------------------------------------

    def cells(self, r: int) -> dict[int, etree._Element]:
        found = self._cells.get(r)
        if found is None:
            found = self._cells[r] = {}
            row = self.rows.get(r)
            previous = 0
            for cell in () if row is None else row.iterchildren(q("c")):
                at = split_ref(cell.get("r", ""))
                col = at[1] if at else previous + 1
                if at is None:
                    cell.set("r", f"{column_letters(col)}{r}")
                found[col] = cell
                previous = col
        return found

    def row(self, r: int) -> etree._Element:
        row = self.rows.get(r)
        if row is None:
            # Made inside sheetData, so it takes the prefix in scope there; then moved into row order.
            row = etree.SubElement(self.data, q("row"), r=str(r))
            i = bisect_left(self.order, r)
            if i < len(self.order):
                self.rows[self.order[i]].addprevious(row)
            self.rows[r] = row
            insort(self.order, r)
        return row

    def set_all(self, writes: Iterable[RangeWrite]) -> None:
        """The plan's writes to this tab, in plan order (a later write of a cell wins). Rows the sheet does
        not have yet (most of a first cycle's 100,000) are made from text, a few thousand rows a parse:
        several times faster than an element per cell, and little held at once."""
        new_rows: dict[int, dict[int, object]] = {}
        for w in writes:
            for i, row in enumerate(w.values):
                r = w.row + i
                if r in self.rows:
                    for j, value in enumerate(row):
                        self.set(r, w.col + j, value)
                else:
                    cells = new_rows.setdefault(r, {})
                    for j, value in enumerate(row):
                        cells[w.col + j] = value
        if new_rows:
            self._add_rows(new_rows)

    def _add_rows(self, new_rows: dict[int, dict[int, object]]) -> None:
        # Rows after the last one the sheet has (a first cycle's whole tab, or rows added at the end) stay
        # text, spliced in when the part is serialised: as elements they cost about ten times the memory.
        keep_text = self.may_keep_text and (not self.order or min(new_rows) > self.order[-1])
        prefix = f"{self.data.prefix}:" if self.data.prefix else ""
        xmlns = f"xmlns:{self.data.prefix}" if self.data.prefix else "xmlns"
        numbers = sorted(new_rows)
        for start in range(0, len(numbers), ROWS_PER_PARSE):
            text = [f'<{prefix}sheetData {xmlns}="{MAIN_NS}">']
            for r in numbers[start:start + ROWS_PER_PARSE]:
                cells = sorted((c, v) for c, v in new_rows.pop(r).items() if v is not None and v != "")
                if not cells:
                    continue          # a blank new row is not made
                text.append(f'<{prefix}row r="{r}">')
                for c, value in cells:
                    style = self._new_style(None, c)
                    if isinstance(value, (date, time, timedelta)):
                        value, style = self.dates.serial(value)
                    text.append(_cell_text(prefix, f"{column_letters(c)}{r}", style, value, self.title))
                    if keep_text:
                        self.appended_last[c] = r
                text.append(f"</{prefix}row>")
            text.append(f"</{prefix}sheetData>")
            data = "".join(text).encode("utf-8")
            del text
            if keep_text:
                self._keep_as_text(data)
            else:
                self._insert(parse(data, f"the new rows of {self.title!r}"))

    def _insert(self, fragment: etree._Element) -> None:
        for row in list(fragment):
            r = int(row.get("r"))
            i = bisect_left(self.order, r)
            if i < len(self.order):
                self.rows[self.order[i]].addprevious(row)
            else:
                self.data.append(row)   # lxml takes the namespace declaration in scope in the sheet
            self.rows[r] = row
            insort(self.order, r)
            self.touched.add(r)

    def _keep_as_text(self, data: bytes) -> None:
        """Rows kept as text are checked by a streaming parse: well-formed XML all the same."""
        try:
            for _, element in etree.iterparse(BytesIO(data), events=("end",), tag=q("row")):
                element.clear()
        except etree.XMLSyntaxError as exc:
            raise PatchUnsupported(f"the new rows of {self.title!r} are not well-formed XML ({exc})") from None
        start, end = data.index(b">") + 1, data.rindex(b"<")      # the rows, without the sheetData wrapper
        self.appended.append(data[start:end])

    def splice(self) -> tuple[etree._Element, list[bytes]] | None:
        """For Package.freeze: a marker at the end of <sheetData> and the rows kept as text."""
        if not self.appended:
            return None
        marker = etree.Comment(f" new rows of {self.title} ")
        self.data.append(marker)
        return marker, self.appended

    def set(self, r: int, c: int, value: object) -> None:
        cells = self.cells(r)
        cell = cells.get(c)
        ref = f"{column_letters(c)}{r}"
        blank = value is None or value == ""
        if cell is None:
            if blank:
                return
            row = self.row(r)
            cell = self._new_cell(row, cells, c, ref)
            style = self._new_style(row, c)
            if style:
                cell.set("s", style)
        else:
            formula = cell.find(q("f"))
            if formula is not None and formula.get("t") == "shared" and formula.get("ref"):
                self.shared_masters[formula.get("si", "")] = ref
            for child in list(cell):
                cell.remove(child)
            # t: the old type; cm/vm: dynamic-array and in-cell picture metadata of the old value.
            for name in ("t", "cm", "vm", "ph"):
                cell.attrib.pop(name, None)
            if blank:
                if cell.get("s") is None:   # nothing of its own left: no element at all
                    cell.getparent().remove(cell)
                    del cells[c]
                self.touched.add(r)
                return
        if isinstance(value, (date, time, timedelta)):
            value, style = self.dates.serial(value)
            cell.set("s", style)
        _fill(cell, value, f"{self.title}!{ref}")
        self.touched.add(r)

    def _new_cell(self, row: etree._Element, cells: dict, c: int, ref: str) -> etree._Element:
        cell = etree.SubElement(row, q("c"), r=ref)
        later = [k for k in cells if k > c]
        if later:
            cells[min(later)].addprevious(cell)
        cells[c] = cell
        return cell

    def _new_style(self, row: etree._Element | None, c: int) -> str | None:
        """A new cell takes its row's format (when the row has one) or else its column's, as in Excel."""
        if row is not None and row.get("customFormat") in ("1", "true") and row.get("s"):
            return row.get("s")
        style = self.col_styles.get(c)
        return style if style and style != "0" else None

    def take(self, r: int, c1: int, c2: int) -> list[tuple[int, etree._Element]]:
        """Remove and return the cells of row r in columns c1..c2 (a totals row set aside)."""
        cells = self.cells(r)
        out = []
        for c in sorted(k for k in cells if c1 <= k <= c2):
            cell = cells.pop(c)
            cell.getparent().remove(cell)
            out.append((c, cell))
        if out:
            self.touched.add(r)
        return out

    def put(self, r: int, taken: list[tuple[int, etree._Element]], old_row: int) -> dict[str, str]:
        """Place cells set aside by take() on row r; returns {old reference: new reference}."""
        moves = {}
        if not taken:
            return moves
        row = self.row(r)
        cells = self.cells(r)
        for c, cell in taken:
            old = cells.get(c)
            if old is not None:   # only a formatted empty cell can be there (r is past the last filled row)
                row.remove(old)
                del cells[c]
            new_ref = f"{column_letters(c)}{r}"
            moves[f"{column_letters(c)}{old_row}"] = new_ref
            cell.set("r", new_ref)
            later = [k for k in cells if k > c]
            if later:
                cells[min(later)].addprevious(cell)
            else:
                row.append(cell)
            cells[c] = cell
        self.touched.add(r)
        return moves

    def last_filled_row(self, c1: int, c2: int) -> int:
        """The last row holding a value or formula in columns c1..c2 (0 when none does)."""
        kept = max((r for c, r in self.appended_last.items() if c1 <= c <= c2), default=0)
        if kept:     # rows kept as text come after every row of the tree
            return kept
        for r in reversed(self.order):
            if any(c1 <= c <= c2 and _filled(cell) for c, cell in self.cells(r).items()):
                return r
        return 0

    # ---- finishing --------------------------------------------------------------------------------

    def finish(self) -> None:
        for r in sorted(self.touched):
            row = self.rows.get(r)
            if row is None:
                continue
            row.attrib.pop("spans", None)   # an optional hint that may no longer be true
            if len(row) == 0 and set(row.attrib) <= {"r"}:
                self.data.remove(row)        # an empty row with nothing of its own to keep
                del self.rows[r]
                self.order.remove(r)
        if self.shared_masters:
            self._refuse_orphaned_shared_formulas()
        dimension = self.root.find(q("dimension"))
        if dimension is not None:
            dimension.set("ref", self.used_range())

    def _refuse_orphaned_shared_formulas(self) -> None:
        # The other cells of a shared formula hold no text of their own: with their first cell overwritten
        # they would lose their formula, which Excel reports as damage.
        for formula in self.root.iter(q("f")):
            si = formula.get("si", "")
            if formula.get("t") == "shared" and si in self.shared_masters:
                cell = formula.getparent().get("r", "?")
                first = f"{self.title}!{self.shared_masters[si]}"
                raise PatchUnsupported(f"the bot would overwrite {first}, the first cell of a formula shared with "
                                       f"{self.title}!{cell}",
                                       fix=f"clear the formula typed in {first} and the cells it was filled into; "
                                           "the bot fills its own columns")

    def used_range(self) -> str:
        max_row = max_col = 0
        for r in self.order:
            row = self.rows[r]
            if r in self._cells:
                cols = self._cells[r]
                last = max(cols) if cols else 0
            else:
                last_cell = row[-1] if len(row) else None
                at = split_ref(last_cell.get("r", "")) if last_cell is not None and last_cell.tag == q("c") else None
                last = at[1] if at else len(row)
            if last:
                max_row, max_col = r, max(max_col, last)
        if self.appended_last:   # rows kept as text come after every row of the tree
            max_row, max_col = max(self.appended_last.values()), max(max_col, max(self.appended_last))
        return f"A1:{column_letters(max(max_col, 1))}{max(max_row, 1)}"

    def formula_refs(self) -> set[str]:
        return {f.getparent().get("r", "") for f in self.root.iter(q("f"))}


def _fill(cell: etree._Element, value: object, where: str) -> None:
    """One literal value. Text is an inline string, so it is never a formula and the shared strings stay
    as they are."""
    if isinstance(value, bool):
        cell.set("t", "b")
        etree.SubElement(cell, q("v")).text = str(int(value))
    elif isinstance(value, int):
        etree.SubElement(cell, q("v")).text = str(value)
    elif isinstance(value, float):
        etree.SubElement(cell, q("v")).text = repr(value)
    elif isinstance(value, str):
        cell.set("t", "inlineStr")
        text = etree.SubElement(etree.SubElement(cell, q("is")), q("t"))
        text.set(q("space", XML_NS), "preserve")
        text.text = ooxml_escaped(value)
    else:
        raise PatchUnsupported(f"a {type(value).__name__} value for {where}")


def _cell_text(prefix: str, ref: str, style: str | None, value: object, tab: str) -> str:
    """One new cell as text, the same cell _fill makes."""
    s = f' s="{style}"' if style else ""
    if isinstance(value, bool):
        return f'<{prefix}c r="{ref}"{s} t="b"><{prefix}v>{int(value)}</{prefix}v></{prefix}c>'
    if isinstance(value, (int, float)):
        number = repr(value) if isinstance(value, float) else str(value)
        return f'<{prefix}c r="{ref}"{s}><{prefix}v>{number}</{prefix}v></{prefix}c>'
    if isinstance(value, str):
        text = escape(ooxml_escaped(value))
        return (f'<{prefix}c r="{ref}"{s} t="inlineStr"><{prefix}is><{prefix}t xml:space="preserve">{text}'
                f'</{prefix}t></{prefix}is></{prefix}c>')
    raise PatchUnsupported(f"a {type(value).__name__} value for {tab}!{ref}")


def _filled(cell: etree._Element) -> bool:
    return any(child.tag in _VALUE_CHILDREN for child in cell)


def _column_styles(root: etree._Element) -> dict[int, str]:
    """1-based column -> the style index its <col> gives new cells."""
    styles: dict[int, str] = {}
    for cols in root.findall(q("cols")):
        for col in cols.findall(q("col")):
            style = col.get("style")
            if not style:
                continue
            lo = _int(col.get("min"), 0, "a column range")
            hi = _int(col.get("max"), lo, "a column range")
            for c in range(lo, min(hi, lo + 16384) + 1):
                styles[c] = style
    return styles


def _int(text: str | None, default: int, what: str) -> int:
    if text is None or text == "":
        return default
    try:
        return int(text)
    except ValueError:
        raise PatchUnsupported(f"{what} is {text!r}, not a number") from None

