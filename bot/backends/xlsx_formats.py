"""`init`'s formats (frozen header row, dropdowns, blank-required highlights) written into an .xlsx by
editing only the parts they live in, like xlsx_patch does for values.

openpyxl's load-and-save would drop the results Excel cached for the reps' formulas, in-cell pictures
and more (see xlsx_patch). Here each rep tab's sheet part gets a frozen pane, `<dataValidation>` and
`<conditionalFormatting>` elements beside its `<sheetData>` (which is not touched), and xl/styles.xml
gets one differential format for the highlight; every other part is copied byte for byte. The parts are
edited as XML trees (xlsx_package), whatever namespace prefix their writer used; anything unexpected
raises PatchUnsupported naming the tab or part.
"""
from __future__ import annotations

import re
from typing import Sequence

from lxml import etree

from bot.backends.base import TabFormat
from bot.backends.xlsx_package import Package, PatchUnsupported, column_index, column_letters, q

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
