"""`init`'s formats (frozen header row, dropdowns, blank-required highlights) written into an .xlsx by
editing only the parts they live in, like xlsx_patch does for values.

openpyxl's load-and-save would drop the results Excel cached for the reps' formulas, images and charts
(see xlsx_patch). Here each rep tab's sheet part gets a frozen pane, `<dataValidation>` and
`<conditionalFormatting>` elements outside its `<sheetData>` (which is copied as it is), and
xl/styles.xml gets one differential format for the highlight; every other part is copied byte for
byte. Standard library only; anything unexpected raises PatchUnsupported and the caller falls back to
openpyxl.
"""
from __future__ import annotations

import io
import re
import zipfile
from typing import Sequence
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

from bot.backends.base import TabFormat
from bot.backends.xlsx_patch import (_SHEET_DATA, PatchUnsupported, _sheet_parts, column_index, column_letters,
                                     write_parts)

# Dropdowns and required-cell highlights cover the whole column below the header, so they keep working
# however long the log grows (Excel stores a range, not one rule per cell). workbook.py's openpyxl
# fallback writes the same ranges, formulas and messages, from the helpers below.
LAST_ROW = 1048576
HIGHLIGHT_RGB = "FFFFC7CE"   # Excel's light red, as openpyxl writes it for the full rewrite
MAX_LIST_FORMULA_CHARS = 255  # an inline list validation; and a value cannot hold a comma
DROPDOWN_ERROR_TITLE = "Not in the list"

# The children of <worksheet>, in the order the schema (ECMA-376 CT_Worksheet) requires.
_WORKSHEET_ORDER = ("sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetCalcPr",
                    "sheetProtection", "protectedRanges", "scenarios", "autoFilter", "sortState",
                    "dataConsolidate", "customSheetViews", "mergeCells", "phoneticPr", "conditionalFormatting",
                    "dataValidations", "hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter",
                    "rowBreaks", "colBreaks", "customProperties", "cellWatches", "ignoredErrors", "smartTags",
                    "drawing", "legacyDrawing", "legacyDrawingHF", "drawingHF", "picture", "oleObjects",
                    "controls", "webPublishItems", "tableParts", "extLst")
_ROWS_SET_ASIDE = "<sheetData/>"   # stands in for the part's real sheetData while the formats are added
_TAG = re.compile(r"<(/?)([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)\b[^>]*?(/?)>")
_SQREF = re.compile(r'\bsqref="([^"]*)"')
_X14_SQREF = re.compile(r"<xm:sqref>([^<]*)</xm:sqref>")
_PRIORITY = re.compile(r'\bpriority="(\d+)"')
_CELL_RANGE = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?$")


def patch_formats(data: bytes, formats: Sequence[TabFormat]) -> bytes | None:
    """The workbook with the formats added, or None when every one of them is already there."""
    try:
        zin = zipfile.ZipFile(io.BytesIO(data))
        sheets, _ = _sheet_parts(zin.read("xl/workbook.xml").decode("utf-8"),
                                 zin.read("xl/_rels/workbook.xml.rels").decode("utf-8"))
        styles = zin.read("xl/styles.xml").decode("utf-8") if "xl/styles.xml" in zin.namelist() else None
    except (KeyError, ET.ParseError, UnicodeDecodeError, zipfile.BadZipFile) as exc:
        raise PatchUnsupported(f"unusual workbook structure ({exc})") from None
    edited: dict[str, str] = {}
    dxf_id: int | None = None
    for fmt in formats:
        part = sheets.get(fmt.title)
        if part is None or part not in zin.namelist():
            raise PatchUnsupported(f"no sheet part for tab {fmt.title!r}")
        whole = edited.get(part) or zin.read(part).decode("utf-8")
        rows = _SHEET_DATA.search(whole)
        if rows is None:
            raise PatchUnsupported(f"the sheet part of {fmt.title!r} has no sheetData")
        # The formats live outside <sheetData>, which holds the rows (20 MB for 100,000 of them): edit
        # the rest of the part with the rows set aside, so each step scans only the small remainder.
        xml = before = whole[:rows.start()] + _ROWS_SET_ASIDE + whole[rows.end():]
        if fmt.freeze_header:
            xml = _freeze_header(xml)
        for column, allowed in sorted(fmt.dropdowns.items()):
            if allowed:
                xml = _add_dropdown(xml, column, allowed)
        for column in sorted(set(fmt.required_columns)):
            if not _has_highlight(xml, column):
                if dxf_id is None:
                    if styles is None:
                        raise PatchUnsupported("a workbook without xl/styles.xml")
                    styles, dxf_id = _add_highlight_style(styles)
                    edited["xl/styles.xml"] = styles
                xml = _add_highlight(xml, column, dxf_id)
        if xml != before:
            edited[part] = xml.replace(_ROWS_SET_ASIDE, rows.group(0), 1)
    return write_parts(zin, edited) if edited else None


# ---- where things go in a sheet part ------------------------------------------------------------------

def _top_level(xml: str) -> list[tuple[str, int, int]]:
    """(local name, start, end) of each child element of <worksheet>; the inside of <sheetData> is not
    scanned."""
    data = _SHEET_DATA.search(xml)
    if data is None:
        raise PatchUnsupported("a sheet without sheetData")
    out: list[tuple[str, int, int]] = []
    depth, name, start = 0, "", 0
    for lo, hi in ((0, data.start()), (data.end(), len(xml))):
        for m in _TAG.finditer(xml, lo, hi):
            closing, local, self_closing = m.group(1), m.group(3), m.group(4)
            if closing:
                depth -= 1
                if depth == 1:
                    out.append((name, start, m.end()))
                continue
            if depth == 1:
                name, start = local, m.start()
                if self_closing:
                    out.append((name, start, m.end()))
            if not self_closing:
                depth += 1
        if lo == 0:
            if depth != 1:
                raise PatchUnsupported("sheetData is not a child of worksheet")
            out.append(("sheetData", data.start(), data.end()))
    if depth != 0:
        raise PatchUnsupported("unbalanced sheet XML")
    return out


def _insert_at(xml: str, name: str, fragment: str) -> str:
    """Insert a new child element `name` where the schema order puts it."""
    later = set(_WORKSHEET_ORDER[_WORKSHEET_ORDER.index(name) + 1:])
    for child, start, _ in _top_level(xml):
        if child in later:
            return xml[:start] + fragment + xml[start:]
    end = xml.rfind("</worksheet>")
    if end < 0:
        raise PatchUnsupported("no </worksheet>")
    return xml[:end] + fragment + xml[end:]


def _children(xml: str, name: str) -> list[tuple[int, int]]:
    return [(s, e) for child, s, e in _top_level(xml) if child == name]


# ---- the frozen header row -------------------------------------------------------------------------

_PANE = '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'


def _freeze_header(xml: str) -> str:
    """Freeze row 1, unless the tab already has a frozen or split pane (the team's own choice)."""
    views = _children(xml, "sheetViews")
    if not views:
        return _insert_at(xml, "sheetViews", f'<sheetViews><sheetView workbookViewId="0">{_PANE}'
                                             f'<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
                                             f"</sheetView></sheetViews>")
    start, end = views[0]
    block = xml[start:end]
    if "<pane" in block:
        return xml
    m = re.search(r"<sheetView\b([^>]*?)(/?)>", block)
    if m is None:
        raise PatchUnsupported("sheetViews without a sheetView")
    if m.group(2):   # <sheetView .../>
        new_view = f"<sheetView{m.group(1)}>{_PANE}</sheetView>"
        block = block[:m.start()] + new_view + block[m.end():]
    else:
        # The selections the view had were in its only pane; they now belong to the pane below the header.
        close = block.find("</sheetView>", m.end())
        inner = re.sub(r"<selection\b(?![^>]*\bpane=)", '<selection pane="bottomLeft"', block[m.end():close])
        block = block[:m.end()] + _PANE + inner + block[close:]
    return xml[:start] + block + xml[end:]


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


def _add_dropdown(xml: str, column: int, allowed: tuple[str, ...]) -> str:
    sqref = column_sqref(column)
    # A column that already has a validation keeps it: overlapping validations make Excel "repair" the file.
    existing = _SQREF.findall("".join(xml[s:e] for s, e in _children(xml, "dataValidations")))
    existing += _X14_SQREF.findall("".join(xml[s:e] for s, e in _children(xml, "extLst")))
    if any(_overlaps(ref, column) for refs in existing for ref in refs.split()):
        return xml
    formula = list_formula(allowed)
    if formula is None:
        return xml   # the full rewrite logs the same skip; an Excel list cannot hold these values
    rule = (f'<dataValidation type="list" errorStyle="warning" allowBlank="1" showErrorMessage="1" '
            f'errorTitle={quoteattr(DROPDOWN_ERROR_TITLE)} error={quoteattr(dropdown_error(allowed))} '
            f'sqref="{sqref}"><formula1>{escape(formula)}</formula1></dataValidation>')
    blocks = _children(xml, "dataValidations")
    if not blocks:
        return _insert_at(xml, "dataValidations", f'<dataValidations count="1">{rule}</dataValidations>')
    start, end = blocks[0]
    block = xml[start:end]
    if block.endswith("/>"):
        block = re.sub(r"\s*/>$", ">", block) + "</dataValidations>"
    block = block[:block.rfind("</dataValidations>")] + rule + "</dataValidations>"
    count = block.count("<dataValidation ")
    block = re.sub(r'^(<dataValidations\b[^>]*?)\s+count="\d+"', r"\1", block)
    block = block.replace("<dataValidations", f'<dataValidations count="{count}"', 1)
    return xml[:start] + block + xml[end:]


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


def _has_highlight(xml: str, column: int) -> bool:
    sqref = column_sqref(column)
    formula = f"<formula>{escape(highlight_formula(column))}</formula>"
    for start, end in _children(xml, "conditionalFormatting"):
        block = xml[start:end]
        m = _SQREF.search(block[:block.find(">")])
        if m and m.group(1) == sqref and formula in block:
            return True
    return False


def _add_highlight(xml: str, column: int, dxf_id: int) -> str:
    sqref = column_sqref(column)
    blocks = _children(xml, "conditionalFormatting")
    # Priorities are unique across the tab's rules, Excel 2010's (in extLst) included.
    ranked = blocks + _children(xml, "extLst")
    priority = max((int(p) for s, e in ranked for p in _PRIORITY.findall(xml[s:e])), default=0) + 1
    fragment = (f'<conditionalFormatting sqref="{sqref}"><cfRule type="expression" dxfId="{dxf_id}" '
                f'priority="{priority}"><formula>{escape(highlight_formula(column))}</formula></cfRule>'
                f"</conditionalFormatting>")
    if blocks:   # beside the tab's other rules
        end = blocks[-1][1]
        return xml[:end] + fragment + xml[end:]
    return _insert_at(xml, "conditionalFormatting", fragment)


_DXF = (f'<dxf><fill><patternFill patternType="solid"><fgColor rgb="{HIGHLIGHT_RGB}"/>'
        f'<bgColor rgb="{HIGHLIGHT_RGB}"/></patternFill></fill></dxf>')


def _add_highlight_style(styles: str) -> tuple[str, int]:
    """styles.xml with one more differential format (the highlight's fill), and its index."""
    m = re.search(r"<dxfs\b[^>]*?(/>|>(.*?)</dxfs>)", styles, re.S)
    if m is None:
        fragment = f'<dxfs count="1">{_DXF}</dxfs>'
        end = styles.rfind("</styleSheet>")
        if end < 0:
            raise PatchUnsupported("no </styleSheet>")
        for name in ("tableStyles", "colors"):   # only ever children of styleSheet
            at = re.search(rf"<{name}\b", styles)
            if at:
                return styles[:at.start()] + fragment + styles[at.start():], 0
        last = styles.rfind("<extLst")   # the stylesheet's own extLst is its last child
        if last >= 0 and re.fullmatch(r"\s*", styles[styles.find("</extLst>", last) + len("</extLst>"):end]):
            end = last
        return styles[:end] + fragment + styles[end:], 0
    inner = m.group(2) or ""
    index = len(re.findall(r"<dxf\b", inner))
    block = f'<dxfs count="{index + 1}">{inner}{_DXF}</dxfs>'
    return styles[:m.start()] + block + styles[m.end():], index
