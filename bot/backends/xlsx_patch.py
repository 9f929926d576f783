"""Write the bot's tabs into an .xlsx by editing only their parts of the zip, leaving the rest as it is.

Why not open and save the workbook with openpyxl: that rewrites every part, so the values Excel cached
for the reps' formulas are lost (a formula cell reads as blank until someone re-saves in Excel), and
anything openpyxl does not model (images, charts, pivot tables, slicers) disappears. Here the rep tabs'
parts, styles, shared strings and everything else are copied unchanged; only the sheet parts of the tabs
the plan writes are edited (their `<sheetData>`), and a new tab adds one part and three small entries.

Standard library only. Anything unexpected raises PatchUnsupported and the caller falls back to openpyxl.
"""
from __future__ import annotations

import io
import re
import zipfile
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

from bot.backends.base import Plan
from bot.table import column_letter

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
WORKSHEET_TYPE = REL_NS + "/worksheet"
WORKSHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
EMPTY_SHEET = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheetData/></worksheet>')

_SHEET_DATA = re.compile(r"<sheetData\s*/>|<sheetData\b[^>]*>(.*?)</sheetData>", re.S)
_ROW = re.compile(r"<row\b([^>]*?)(?:/>|>(.*?)</row>)", re.S)
_CELL = re.compile(r"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_R_ATTR = re.compile(r'\br="([A-Z]*)(\d+)"')
_S_ATTR = re.compile(r'\bs="(\d+)"')
_SPANS = re.compile(r'\s+spans="[^"]*"')
_DIMENSION = re.compile(r"<dimension\b[^>]*/>")


class PatchUnsupported(Exception):
    """The workbook is laid out in a way this patcher does not handle; use the full rewrite instead."""


def column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def column_letters(index: int) -> str:
    """1 -> A, 27 -> AA (the 1-based index column_index gives back)."""
    return column_letter(index - 1)


_HIDDEN = 'state="hidden" '


def patch_workbook(data: bytes, plan: Plan) -> bytes:
    try:
        zin = zipfile.ZipFile(io.BytesIO(data))
        workbook_xml = zin.read("xl/workbook.xml").decode("utf-8")
        rels_xml = zin.read("xl/_rels/workbook.xml.rels").decode("utf-8")
        types_xml = zin.read("[Content_Types].xml").decode("utf-8")
        sheets, max_sheet_id = _sheet_parts(workbook_xml, rels_xml)
    except (KeyError, ET.ParseError, UnicodeDecodeError, zipfile.BadZipFile) as exc:
        raise PatchUnsupported(f"unusual workbook structure ({exc})") from None
    names = set(zin.namelist())
    edited: dict[str, str] = {}
    for create in plan.creates:
        if create.title in sheets:
            continue
        for marker, text in (("</sheets>", workbook_xml), ("</Relationships>", rels_xml), ("</Types>", types_xml)):
            if marker not in text:
                raise PatchUnsupported(f"no {marker} to add a tab to")
        k = 1
        while f"xl/worksheets/sheet{k}.xml" in names or f"xl/worksheets/sheet{k}.xml" in edited:
            k += 1
        part = f"xl/worksheets/sheet{k}.xml"
        rid = _free_rid(rels_xml)
        max_sheet_id += 1
        workbook_xml = workbook_xml.replace(
            "</sheets>", f'<sheet xmlns:r="{REL_NS}" name={quoteattr(create.title)} sheetId="{max_sheet_id}" '
                         f'{_HIDDEN if create.hidden else ""}r:id="{rid}"/></sheets>', 1)
        rels_xml = rels_xml.replace(
            "</Relationships>", f'<Relationship Id="{rid}" Type="{WORKSHEET_TYPE}" Target="/{part}"/>'
                                f"</Relationships>", 1)
        types_xml = types_xml.replace(
            "</Types>", f'<Override PartName="/{part}" ContentType="{WORKSHEET_CT}"/></Types>', 1)
        sheets[create.title] = part
        edited[part] = EMPTY_SHEET
    cells_by_part: dict[str, dict[tuple[int, int], object]] = {}
    for w in plan.writes:
        part = sheets.get(w.tab)
        if part is None:
            raise PatchUnsupported(f"no sheet part for tab {w.tab!r}")
        target = cells_by_part.setdefault(part, {})
        for r, row in enumerate(w.values):
            for c, value in enumerate(row):
                target[(w.row + r, w.col + c)] = value
    for part, cell_values in cells_by_part.items():
        xml = edited.get(part)
        if xml is None:
            if part not in names:
                raise PatchUnsupported(f"sheet part {part} is missing")
            xml = zin.read(part).decode("utf-8")
        edited[part] = _patch_sheet(xml, cell_values)
    edited["xl/workbook.xml"] = workbook_xml
    edited["xl/_rels/workbook.xml.rels"] = rels_xml
    edited["[Content_Types].xml"] = types_xml
    return write_parts(zin, edited)


def write_parts(zin: zipfile.ZipFile, edited: dict[str, str]) -> bytes:
    """The package again, each part in `edited` replaced by its new text (and parts `zin` lacks added
    at the end); every other part copied byte for byte, as it was compressed."""
    edited = dict(edited)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename in edited:
                zout.writestr(info, edited.pop(info.filename).encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED)
            else:
                zout.writestr(info, zin.read(info.filename), compress_type=info.compress_type)
        for part, xml in edited.items():  # new sheet parts
            zout.writestr(part, xml.encode("utf-8"))
    return out.getvalue()


def _sheet_parts(workbook_xml: str, rels_xml: str) -> tuple[dict[str, str], int]:
    """Tab title -> zip part of its sheet, and the largest sheetId in use."""
    root = ET.fromstring(workbook_xml)
    if root.tag != f"{{{MAIN_NS}}}workbook":
        raise PatchUnsupported("not a transitional SpreadsheetML workbook")
    targets = {}
    for rel in ET.fromstring(rels_xml).iter(f"{{{PKG_REL_NS}}}Relationship"):
        target = rel.get("Target", "")
        targets[rel.get("Id")] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    parts, max_id = {}, 0
    for sheet in root.iter(f"{{{MAIN_NS}}}sheet"):
        rid = sheet.get(f"{{{REL_NS}}}id")
        if rid in targets:
            parts[sheet.get("name")] = targets[rid]
        max_id = max(max_id, int(sheet.get("sheetId", "0") or 0))
    return parts, max_id


def _free_rid(rels_xml: str) -> str:
    used = set(re.findall(r'\bId="([^"]+)"', rels_xml))
    k = len(used) + 1
    while f"rId{k}" in used:
        k += 1
    return f"rId{k}"


def _patch_sheet(xml: str, values: dict[tuple[int, int], object]) -> str:
    m = _SHEET_DATA.search(xml)
    if m is None:
        raise PatchUnsupported("a sheet without sheetData")
    rows: dict[int, tuple[str, dict[int, str]]] = {}
    for rm in _ROW.finditer(m.group(1) or ""):
        attrs, body = rm.group(1), rm.group(2) or ""
        rnum = re.search(r'\br="(\d+)"', attrs)
        if rnum is None:
            raise PatchUnsupported("a row without its number")
        cells = {}
        for cm in _CELL.finditer(body):
            ref = _R_ATTR.search(cm.group(1))
            if ref is None:
                raise PatchUnsupported("a cell without its reference")
            cells[column_index(ref.group(1))] = cm.group(0)
        rows[int(rnum.group(1))] = (_SPANS.sub("", attrs), cells)
    for (r, c), value in values.items():
        attrs, cells = rows.setdefault(r, (f' r="{r}"', {}))
        old = cells.get(c)
        style = _S_ATTR.search(old[:old.find(">")]) if old else None
        new = _cell_xml(f"{column_letters(c)}{r}", value, f' s="{style.group(1)}"' if style else "")
        if new is None:
            cells.pop(c, None)
        else:
            cells[c] = new
    parts, max_row, max_col = [], 0, 0
    for r in sorted(rows):
        attrs, cells = rows[r]
        if not cells and attrs.strip() == f'r="{r}"':
            continue  # an empty row with nothing of its own to keep
        parts.append(f"<row{attrs}>" + "".join(cells[c] for c in sorted(cells)) + "</row>")
        max_row = r
        max_col = max([max_col, *cells])
    sheet_data = f"<sheetData>{''.join(parts)}</sheetData>" if parts else "<sheetData/>"
    xml = xml[:m.start()] + sheet_data + xml[m.end():]
    ref = f"A1:{column_letters(max(max_col, 1))}{max(max_row, 1)}"
    return _DIMENSION.sub(f'<dimension ref="{ref}"/>', xml, count=1)


def _cell_xml(ref: str, value, style: str) -> str | None:
    """One literal cell. Text is an inline string, so it is never a formula and shared strings stay as
    they are. None clears the value (keeping the cell's formatting, if it had any)."""
    if value is None or value == "":
        return f'<c r="{ref}"{style}/>' if style else None
    if isinstance(value, bool):
        return f'<c r="{ref}"{style} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int):
        return f'<c r="{ref}"{style}><v>{value}</v></c>'
    if isinstance(value, float):
        return f'<c r="{ref}"{style}><v>{value!r}</v></c>'
    if isinstance(value, str):
        return f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'
    raise PatchUnsupported(f"a {type(value).__name__} value")
