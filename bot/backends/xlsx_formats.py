"""`init`'s formats (frozen header row, dropdowns, blank-required highlights; on the bot's tabs a bold
header, column widths, wrapped text and a filter) written into an .xlsx by editing only the parts they
live in, like xlsx_patch does for values.

openpyxl's load-and-save would drop the results Excel cached for the reps' formulas, in-cell pictures
and more (see xlsx_patch). Here each rep tab's sheet part gets a frozen pane, `<dataValidation>` and
`<conditionalFormatting>` elements beside its `<sheetData>` (which is not touched), and xl/styles.xml
gets one differential format for the highlight; a bot tab's part gets `<cols>` widths, an `<autoFilter>`
and bold or wrapped cell styles (two cell formats in xl/styles.xml, the filter's hidden name in the
workbook part); every other part is copied byte for byte. The parts are
edited as XML trees (xlsx_package), whatever namespace prefix their writer used; anything unexpected
raises PatchUnsupported naming the tab or part.
"""
from __future__ import annotations

import re
from typing import Sequence

from lxml import etree

from bot.backends.base import TabFormat
from bot.backends.xlsx_package import Package, PatchUnsupported, column_index, column_letters, q
from bot.backends.xlsx_tables import FILTER_NAME, Area, quote_title

# Dropdowns and required-cell highlights cover the whole column below the header, so they keep working
# however long the log grows (Excel stores a range, not one rule per cell). workbook.py's openpyxl
# fallback writes the same ranges, formulas and messages, from the helpers below.
LAST_ROW = 1048576
HIGHLIGHT_RGB = "FFFFC7CE"   # Excel's light red, as openpyxl writes it for the full rewrite
MAX_LIST_FORMULA_CHARS = 255  # an inline list validation; and a value cannot hold a comma
DROPDOWN_ERROR_TITLE = "Not in the list"
XM_NS = "http://schemas.microsoft.com/office/excel/2006/main"   # Excel 2010's extensions (x14 rules)

# The children of <worksheet>, in the order the schema (ECMA-376 CT_Worksheet) requires.
_WORKSHEET_ORDER = ("sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetCalcPr",
                    "sheetProtection", "protectedRanges", "scenarios", "autoFilter", "sortState",
                    "dataConsolidate", "customSheetViews", "mergeCells", "phoneticPr", "conditionalFormatting",
                    "dataValidations", "hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter",
                    "rowBreaks", "colBreaks", "customProperties", "cellWatches", "ignoredErrors", "smartTags",
                    "drawing", "legacyDrawing", "legacyDrawingHF", "drawingHF", "picture", "oleObjects",
                    "controls", "webPublishItems", "tableParts", "extLst")
# The children of <styleSheet> that come after <dxfs>.
_AFTER_DXFS = ("tableStyles", "colors", "extLst")
_CELL_RANGE = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?$")


def patch_formats(data: bytes, formats: Sequence[TabFormat]) -> bytes | None:
    """The workbook with the formats added, or None when every one of them is already there."""
    pkg = Package(data)
    changed = False
    dxf_id: int | None = None
    styles = ReadableStyles(pkg)
    for fmt in formats:
        entry = pkg.sheet(fmt.title)
        if entry is None or not pkg.has(entry.part):
            raise PatchUnsupported(f"no sheet part for tab {fmt.title!r}")
        root = pkg.tree(entry.part)
        if root.find(q("sheetData")) is None:
            raise PatchUnsupported(f"the sheet part of {fmt.title!r} has no sheetData")
        edits = 0
        if fmt.freeze_header:
            edits += _freeze_header(root, fmt.title)
        for column, allowed in sorted(fmt.dropdowns.items()):
            if allowed:
                edits += _add_dropdown(root, column, allowed)
        for column in sorted(set(fmt.required_columns)):
            if not _has_highlight(root, column):
                if dxf_id is None:
                    dxf_id = _add_highlight_style(pkg)
                _add_highlight(root, column, dxf_id)
                edits += 1
        edits += add_readable(pkg, entry, root, fmt, styles)
        if edits:
            pkg.touch(entry.part)
            changed = True
    return pkg.save() if changed else None


# ---- where things go in a sheet part ------------------------------------------------------------------

def _local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _insert_child(parent, local: str, order: Sequence[str]) -> etree._Element:
    """A new child `local` of `parent`, placed where the schema order puts it (made inside the parent,
    so it takes the namespace prefix in scope there)."""
    child = etree.SubElement(parent, q(local))
    later = set(order[order.index(local) + 1:])
    for sibling in parent:
        if sibling is not child and _local(sibling) in later:
            sibling.addprevious(child)
            break
    return child


def _children(root, local: str) -> list:
    return root.findall(q(local))


# ---- the frozen header row -------------------------------------------------------------------------

def _freeze_header(root, title: str) -> int:
    """Freeze row 1, unless the tab already has a frozen or split pane (the team's own choice)."""
    views = root.find(q("sheetViews"))
    if views is None:
        views = _insert_child(root, "sheetViews", _WORKSHEET_ORDER)
        view = etree.SubElement(views, q("sheetView"), workbookViewId="0")
        _add_pane(view)
        etree.SubElement(view, q("selection"), pane="bottomLeft", activeCell="A2", sqref="A2")
        return 1
    view = views.find(q("sheetView"))
    if view is None:
        raise PatchUnsupported(f"the sheetViews of {title!r} hold no sheetView")
    if view.find(q("pane")) is not None:
        return 0
    # The selections the view had were in its only pane; they now belong to the pane below the header.
    for selection in view.findall(q("selection")):
        if selection.get("pane") is None:
            selection.set("pane", "bottomLeft")
    _add_pane(view)
    return 1


def _add_pane(view) -> None:
    pane = etree.SubElement(view, q("pane"), ySplit="1", topLeftCell="A2", activePane="bottomLeft",
                            state="frozen")
    view.insert(0, pane)   # a sheetView's first child


# ---- dropdowns --------------------------------------------------------------------------------------
def column_sqref(column: int) -> str:
    """Rows 2 to the last of a 0-based column, as Excel writes a range (`C2:C1048576`)."""
    letter = column_letters(column + 1)
    return f"{letter}2:{letter}{LAST_ROW}"


def list_formula(allowed: tuple[str, ...]) -> str | None:
    """A dropdown's inline list (`"Yes,No"`), or None when an Excel list cannot hold the values (a comma
    inside one, or more than 255 characters)."""
    formula = '"' + ",".join(v.replace('"', '""') for v in allowed) + '"'
    if any("," in v for v in allowed) or len(formula) > MAX_LIST_FORMULA_CHARS:
        return None
    return formula


def dropdown_error(allowed: tuple[str, ...]) -> str:
    return "Pick one of: " + ", ".join(allowed)


def _add_dropdown(root, column: int, allowed: tuple[str, ...]) -> int:
    sqref = column_sqref(column)
    # A column that already has a validation keeps it: overlapping validations make Excel "repair" the file.
    existing = [v.get("sqref", "") for v in root.iter(q("dataValidation"))]
    existing += [ref.text or "" for ref in root.iter(q("sqref", XM_NS))]
    if any(_overlaps(ref, column) for refs in existing for ref in refs.split()):
        return 0
    formula = list_formula(allowed)
    if formula is None:
        return 0   # the full rewrite logs the same skip; an Excel list cannot hold these values
    block = root.find(q("dataValidations"))
    if block is None:
        block = _insert_child(root, "dataValidations", _WORKSHEET_ORDER)
    rule = etree.SubElement(block, q("dataValidation"), type="list", errorStyle="warning", allowBlank="1",
                            showErrorMessage="1", errorTitle=DROPDOWN_ERROR_TITLE, error=dropdown_error(allowed),
                            sqref=sqref)
    etree.SubElement(rule, q("formula1")).text = formula
    block.set("count", str(len(block.findall(q("dataValidation")))))
    return 1


def _overlaps(ref: str, column: int) -> bool:
    """Whether an A1 range (or cell) reaches rows 2+ of the 0-based `column`. Unreadable: assume it does."""
    m = _CELL_RANGE.match(ref.strip())
    if m is None:
        return True
    first, last = m.group(1), m.group(3) or m.group(1)
    rows_end = int(m.group(4) or m.group(2))
    lo, hi = column_index(first), column_index(last)
    return lo <= column + 1 <= hi and rows_end >= 2


# ---- blank-required highlights ------------------------------------------------------------------------

def highlight_formula(column: int) -> str:
    """True on a blank (or spaces-only) cell of the 0-based column in a row where some cell is filled."""
    letter = column_letters(column + 1)
    return f"AND(COUNTA($2:$2)>0,LEN(TRIM(${letter}2))=0)"  # the same rule Google's highlight uses


def _has_highlight(root, column: int) -> bool:
    sqref, formula = column_sqref(column), highlight_formula(column)
    for block in _children(root, "conditionalFormatting"):
        if block.get("sqref") == sqref and any(f.text == formula for f in block.iter(q("formula"))):
            return True
    return False


def _add_highlight(root, column: int, dxf_id: int) -> None:
    # Priorities are unique across the tab's rules, Excel 2010's (in extLst) included.
    priorities = [int(p) for rule in root.iter() if _local(rule) == "cfRule"
                  for p in [rule.get("priority")] if p and p.isdigit()]
    blocks = _children(root, "conditionalFormatting")
    block = etree.SubElement(root, q("conditionalFormatting"), sqref=column_sqref(column))
    if blocks:   # beside the tab's other rules
        blocks[-1].addnext(block)
    else:
        root.remove(block)
        block = _insert_child(root, "conditionalFormatting", _WORKSHEET_ORDER)
        block.set("sqref", column_sqref(column))
    rule = etree.SubElement(block, q("cfRule"), type="expression", dxfId=str(dxf_id),
                            priority=str(max(priorities, default=0) + 1))
    etree.SubElement(rule, q("formula")).text = highlight_formula(column)


def _add_highlight_style(pkg: Package) -> int:
    """One more differential format (the highlight's fill) in the styles part; returns its index."""
    parts = pkg.targets(pkg.workbook_part, "/styles")
    if not parts or not pkg.has(parts[0]):
        raise PatchUnsupported("a workbook without a styles part")
    styles = pkg.tree(parts[0])
    dxfs = styles.find(q("dxfs"))
    if dxfs is None:
        dxfs = _insert_child(styles, "dxfs", ("dxfs",) + _AFTER_DXFS)
    index = len(dxfs.findall(q("dxf")))
    fill = etree.SubElement(etree.SubElement(etree.SubElement(dxfs, q("dxf")), q("fill")), q("patternFill"),
                            patternType="solid")
    etree.SubElement(fill, q("fgColor"), rgb=HIGHLIGHT_RGB)
    etree.SubElement(fill, q("bgColor"), rgb=HIGHLIGHT_RGB)
    dxfs.set("count", str(index + 1))
    pkg.touch(parts[0])
    return index


# ---- the bot's tabs, readable where people read them ---------------------------------------------------
# Each part is set only where nothing is set yet: a column with a <col> of its own (a person's width or
# style) is left as it is, a header cell with a style of its own stays, a tab with a filter or a Table keeps
# it. Styles are two cell formats in the styles part (bold header, wrapped text), added once and reused.

_WORKBOOK_ORDER = ("fileVersion", "fileSharing", "workbookPr", "workbookProtection", "bookViews", "sheets",
                   "functionGroups", "externalReferences", "definedNames", "calcPr", "oleSize",
                   "customWorkbookViews", "pivotCaches", "smartTagPr", "smartTagTypes", "webPublishing",
                   "fileRecoveryPr", "webPublishObjects", "extLst")
_UNSTYLED = (None, "", "0")


class ReadableStyles:
    """The bold-header and wrapped-text cell formats of one package, found or added on first use. None
    when the workbook has no styles part to hold them (the formats are then skipped, never forced)."""

    def __init__(self, pkg: Package):
        self.pkg = pkg
        self._found: dict[str, str | None] = {}

    def _styles(self):
        parts = self.pkg.targets(self.pkg.workbook_part, "/styles")
        if not parts or not self.pkg.has(parts[0]):
            return None, None
        root = self.pkg.tree(parts[0])
        if root.find(q("cellXfs")) is None or root.find(q("fonts")) is None:
            return None, None
        return parts[0], root

    def bold(self) -> str | None:
        if "bold" not in self._found:
            part, root = self._styles()
            if root is None:
                self._found["bold"] = None
            else:
                fonts = root.find(q("fonts"))
                first = fonts.find(q("font"))
                font = etree.fromstring(etree.tostring(first)) if first is not None else etree.Element(q("font"))
                if font.find(q("b")) is None:
                    font.insert(0, etree.Element(q("b")))
                font_id = _find_or_append(fonts, font, "font")
                xf = etree.Element(q("xf"), numFmtId="0", fontId=font_id, fillId="0", borderId="0", xfId="0",
                                   applyFont="1")
                self._found["bold"] = _find_or_append(root.find(q("cellXfs")), xf, "xf")
                self.pkg.touch(part)
        return self._found["bold"]

    def wrap(self) -> str | None:
        if "wrap" not in self._found:
            part, root = self._styles()
            if root is None:
                self._found["wrap"] = None
            else:
                xf = etree.Element(q("xf"), numFmtId="0", fontId="0", fillId="0", borderId="0", xfId="0",
                                   applyAlignment="1")
                etree.SubElement(xf, q("alignment"), wrapText="1")
                self._found["wrap"] = _find_or_append(root.find(q("cellXfs")), xf, "xf")
                self.pkg.touch(part)
        return self._found["wrap"]


def _shape(element) -> tuple:
    """An element's name, attributes and children, whatever namespace prefix it was written with."""
    return (_local(element), tuple(sorted((k, v) for k, v in element.attrib.items())),
            tuple(_shape(child) for child in element if isinstance(child.tag, str)))


def _find_or_append(parent, element, local: str) -> str:
    """The index of a child equal to `element` (the same one added before), appending it when none is."""
    children = parent.findall(q(local))
    wanted = _shape(element)
    for i, child in enumerate(children):
        if _shape(child) == wanted:
            return str(i)
    made = etree.SubElement(parent, q(local))   # made inside the parent: its namespace prefix
    for name, value in element.attrib.items():
        made.set(name, value)
    for child in element:
        _copy_into(made, child)
    parent.set("count", str(len(children) + 1))
    return str(len(children))


def _copy_into(parent, element) -> None:
    made = etree.SubElement(parent, q(_local(element)))
    for name, value in element.attrib.items():
        made.set(name, value)
    for child in element:
        if isinstance(child.tag, str):
            _copy_into(made, child)


def add_readable(pkg: Package, entry, root, fmt: TabFormat, styles: ReadableStyles) -> int:
    """Bold header, widths, wrapped columns and a filter on one sheet part, each where none is set yet.
    Returns the number of edits."""
    edits = _add_columns(root, fmt, styles)
    edits += _bold_header(root, fmt.bold_header, styles)
    if fmt.filter_columns:
        edits += _add_filter(pkg, entry, root, fmt.filter_columns)
    return edits


def format_new_tab(pkg: Package, entry, fmt: TabFormat, styles: ReadableStyles) -> None:
    """A tab the bot has just added (still empty): frozen bold header, widths, wrap, filter. Set before the
    bot writes its header and rows, so the new cells take the row's and columns' formats and the filter
    grows over the rows like any filter a person set (xlsx_tables)."""
    root = pkg.tree(entry.part)
    if fmt.freeze_header:
        _freeze_header(root, entry.title)
    add_readable(pkg, entry, root, fmt, styles)
    pkg.touch(entry.part)


def _covering(root) -> dict[int, object]:
    """1-based column -> the <col> that covers it."""
    covered: dict[int, object] = {}
    for col in root.iter(q("col")):
        try:
            lo, hi = int(col.get("min", "0")), int(col.get("max", col.get("min", "0")))
        except ValueError:
            raise PatchUnsupported(f"a <col> with min={col.get('min')!r} max={col.get('max')!r}") from None
        for c in range(lo, min(hi, lo + 16384) + 1):
            covered[c] = col
    return covered


def _add_columns(root, fmt: TabFormat, styles: ReadableStyles) -> int:
    """A <col> with the width (and the wrapped style) of each column that has none of its own yet. A column
    a person gave a width keeps it; it is wrapped only when its <col> is its own and has no style."""
    wanted = sorted(set(fmt.widths) | set(fmt.wrap_columns))
    if not wanted:
        return 0
    covering = _covering(root)
    edits = 0
    cols = root.find(q("cols"))
    for c in wanted:
        own = covering.get(c + 1)
        wrap = c in fmt.wrap_columns
        if own is not None:
            if wrap and own.get("min") == own.get("max") and own.get("style") in _UNSTYLED:
                style = styles.wrap()
                if style is not None:
                    own.set("style", style)
                    _wrap_cells(root, c + 1, style)
                    edits += 1
            continue
        if cols is None:
            cols = _insert_child(root, "cols", _WORKSHEET_ORDER)
        n = str(c + 1)
        col = etree.SubElement(cols, q("col"), min=n, max=n)
        col.set("width", f"{fmt.widths[c]:g}" if c in fmt.widths else "8.7109375")  # Excel's default width
        if c in fmt.widths:
            col.set("customWidth", "1")
        style = styles.wrap() if wrap else None
        if style is not None:
            col.set("style", style)
            _wrap_cells(root, c + 1, style)
        later = [k for k in cols.findall(q("col")) if k is not col and int(k.get("min", "0")) > c + 1]
        if later:
            later[0].addprevious(col)
        edits += 1
    return edits


def _wrap_cells(root, column: int, style: str) -> None:
    """The cells already below the header in a column wrapped now, where they have no style of their own."""
    letters = column_letters(column)
    pattern = re.compile(rf"^\$?{letters}\$?(\d+)$")
    data = root.find(q("sheetData"))
    for cell in data.iter(q("c")):
        m = pattern.match(cell.get("r", ""))
        if m and int(m.group(1)) >= 2 and cell.get("s") in _UNSTYLED:
            cell.set("s", style)


def _bold_header(root, columns: tuple[int, ...], styles: ReadableStyles) -> int:
    """Row 1 bold: the row's own format (so a header cell added later is bold too) and the bot's header
    cells that have no style of their own."""
    if not columns:
        return 0
    data = root.find(q("sheetData"))
    row = None
    for r in data.iterchildren(q("row")):
        if r.get("r") in (None, "1"):
            row = r
        break
    edits = 0
    if row is None or row.get("s") in _UNSTYLED and row.get("customFormat") not in ("1", "true"):
        bold = styles.bold()
        if bold is None:
            return 0
        if row is None:
            row = etree.SubElement(data, q("row"), r="1")
            data.insert(0, row)
        row.set("s", bold)
        row.set("customFormat", "1")
        edits += 1
    wanted = {column_letters(c + 1) + "1" for c in columns}
    for cell in row.iterchildren(q("c")):
        if cell.get("r", "").replace("$", "") in wanted and cell.get("s") in _UNSTYLED:
            bold = styles.bold()
            if bold is None:
                return edits
            cell.set("s", bold)
            edits += 1
    return edits


def _last_filled_row(root, last_col: int) -> int:
    data = root.find(q("sheetData"))
    last = 0
    for row in data.iterchildren(q("row")):
        for cell in row.iterchildren(q("c")):
            m = _CELL_RANGE.match(cell.get("r", ""))
            if m and column_index(m.group(1)) <= last_col and any(
                    _local(child) in ("v", "f", "is") for child in cell):
                last = max(last, int(m.group(2)))
                break
    return last


def _add_filter(pkg: Package, entry, root, columns: int) -> int:
    """A filter on the header row over the bot's rows, unless the tab has one, or a Table (whose own
    filter a sheet filter may not overlap)."""
    if root.find(q("autoFilter")) is not None or root.find(q("tableParts")) is not None:
        return 0
    area = Area(1, 1, columns, max(_last_filled_row(root, columns), 1))
    _insert_child(root, "autoFilter", _WORKSHEET_ORDER).set("ref", area.text())
    workbook = pkg.tree(pkg.workbook_part)
    names = workbook.find(q("definedNames"))
    if names is None:
        names = _insert_child(workbook, "definedNames", _WORKBOOK_ORDER)
    position = str(entry.position)
    if not any(n.get("name") == FILTER_NAME and n.get("localSheetId") == position
               for n in names.findall(q("definedName"))):
        name = etree.SubElement(names, q("definedName"), name=FILTER_NAME, localSheetId=position, hidden="1")
        name.text = f"{quote_title(entry.title)}!{area.text(absolute=True)}"
    pkg.touch(pkg.workbook_part)
    return 1
