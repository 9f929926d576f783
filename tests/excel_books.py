"""Workbooks as Excel makes them, for the tests: written by XlsxWriter (an independent writer whose output
resembles Excel's, with Tables, totals rows, autofilters, column formats and cached formula results),
plus the few things XlsxWriter does not write (a calcChain, shared formulas, namespace prefixes) added to
its XML the way Excel or an Open XML SDK-based writer would. And the checks every test makes on the
result: a sound package, two independent readers agreeing, rep-tab parts unchanged."""
from __future__ import annotations

import posixpath
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import python_calamine
import xlsxwriter
from lxml import etree

import sheet_schema
from conftest import case, comp, rows_of

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
LOG, COMP, ESC, DRAFTS = "Defective Log", "Comp Sheet", "Escalations", "Drafts"
REP_TABS = (LOG, COMP)


def headers(schema: str) -> list[str]:
    return list(sheet_schema.load(schema).headers)


def cases_and_comps(episodes: int = 1, per_episode: int = 2) -> tuple[list[list], list[list]]:
    """Rows of the Defective Log and Comp Sheet: per episode, refund cases of one product and defect
    logged a week apart (a recurrence flag), each refunded (a draft)."""
    products = ["Trail Mix Original 12oz", "Granola Honey Oat 16oz", "Dried Mango Slices 8oz"]
    log, comps = [], []
    for e in range(episodes):
        for k in range(per_episode):
            ticket = f"CS-{e}{k}"
            log.append(case(ticket, product=products[e], date_logged=date(2026, 11, 2 + 7 * k)))
            comps.append(comp(ticket, product=products[e]))
    return rows_of("defective_log", log), rows_of("comp_sheet", comps)


def build(path: Path, tabs: dict[str, list[list]], *, tables: dict[str, dict] = {},
          filters: dict[str, str] = {}, formulas: dict[str, dict[str, tuple[str, object]]] = {},
          column_formats: dict[str, dict[str, dict]] = {}) -> Path:
    """tabs: title -> rows (header first). tables: title -> {"ref", "name", "totals": bool, "blank_rows": n}
    (a Table over the rows, with blank data rows below them and a totals row). formulas: title -> {cell:
    (formula, cached result)}. column_formats: title -> {"C:C": XlsxWriter format properties}."""
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    date_format = wb.add_format({"num_format": "yyyy-mm-dd"})
    for title, rows in tabs.items():
        ws = wb.add_worksheet(title)
        for cols, props in column_formats.get(title, {}).items():
            ws.set_column(cols, 30, wb.add_format(props))
        table = tables.get(title)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, (date, datetime)):
                    ws.write_datetime(r, c, value, date_format)
                else:
                    ws.write(r, c, value)
        for cell, (formula, cached) in formulas.get(title, {}).items():
            ws.write_formula(cell, formula, None, cached)
        if table:
            width = len(rows[0])
            last = len(rows) - 1 + table.get("blank_rows", 0) + (1 if table.get("totals") else 0)
            last = max(last, 1 + (1 if table.get("totals") else 0))
            columns = [{"header": str(h)} for h in rows[0]]
            if table.get("totals"):
                columns[0]["total_string"] = "Total"
                columns[1]["total_function"] = "count"
            ws.add_table(0, 0, last, width - 1, {"name": table["name"], "total_row": bool(table.get("totals")),
                                                 "columns": columns, "autofilter": True})
        if title in filters:
            ws.autofilter(filters[title])
    wb.close()
    return path


# ---- editing XlsxWriter's XML the way other writers would ---------------------------------------

def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def rewrite(path: Path, parts: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, blob in parts.items():
            z.writestr(name, blob)


def sheet_part(path: Path, title: str) -> str:
    parts = members(path)
    wb = etree.fromstring(parts["xl/workbook.xml"])
    rels = etree.fromstring(parts["xl/_rels/workbook.xml.rels"])
    rid = next(s.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")
               for s in wb.iter(f"{{{MAIN}}}sheet") if s.get("name") == title)
    target = next(r.get("Target") for r in rels if r.get("Id") == rid)
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)


def add_calc_chain(path: Path, entries: list[tuple[int, str]]) -> None:
    """Add xl/calcChain.xml listing (sheetId, cell) as Excel does, with its relationship and content type."""
    parts = members(path)
    cells = "".join(f'<c r="{ref}" i="{sheet}"/>' for sheet, ref in entries)
    parts["xl/calcChain.xml"] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                                 f'<calcChain xmlns="{MAIN}">{cells}</calcChain>').encode()
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rId900" Type="http://schemas.openxmlformats.org/officeDocument/'
                             b'2006/relationships/calcChain" Target="calcChain.xml"/></Relationships>')
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/calcChain.xml" ContentType="application/vnd.openxmlformats-'
                     b'officedocument.spreadsheetml.calcChain+xml"/></Types>')
    rewrite(path, parts)


def edit_part(path: Path, part: str, edit) -> None:
    parts = members(path)
    parts[part] = edit(parts[part].decode()).encode()
    rewrite(path, parts)


def prefix_main_namespace(path: Path) -> None:
    """Every SpreadsheetML part with the main namespace under the prefix `x:` (as Open XML SDK writers do)."""
    parts = members(path)
    for name, blob in parts.items():
        if name.endswith(".xml") and f'xmlns="{MAIN}"'.encode() in blob:
            xml = blob.decode()
            xml = xml.replace(f'xmlns="{MAIN}"', f'xmlns:x="{MAIN}"')
            xml = re.sub(r"<(/?)(?![?!])([A-Za-z][\w]*)(?=[\s/>])", r"<\1x:\2", xml)
            parts[name] = xml.encode()
    rewrite(path, parts)


# ---- the checks -----------------------------------------------------------------------------------

def assert_sound_package(path: Path) -> None:
    """Every XML part well-formed, every part has a content type, every internal relationship resolves."""
    parts = members(path)
    types = etree.fromstring(parts["[Content_Types].xml"])
    defaults = {d.get("Extension").lower() for d in types.iter(f"{{{CT}}}Default")}
    overrides = {o.get("PartName").lstrip("/") for o in types.iter(f"{{{CT}}}Override")}
    for name, blob in parts.items():
        if name.endswith((".xml", ".rels")):
            etree.fromstring(blob)   # raises on anything not well-formed
        if name != "[Content_Types].xml":
            assert name in overrides or name.rsplit(".", 1)[-1].lower() in defaults, f"{name} has no content type"
        if name.endswith(".rels"):
            source_dir = posixpath.dirname(posixpath.dirname(name))
            for rel in etree.fromstring(blob).iter(f"{{{PKG_REL}}}Relationship"):
                if rel.get("TargetMode") == "External":
                    continue
                t = rel.get("Target")
                target = t.lstrip("/") if t.startswith("/") else posixpath.normpath(posixpath.join(source_dir, t))
                assert target in parts, f"{name} points at {target}, which is missing"
    for override in overrides:
        assert override in parts, f"a content type for the missing part {override}"


def _plain(value):
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, datetime):
        return value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, (int, float)):
        return float(value)
    return value


def values_by_reader(path: Path, title: str) -> tuple[list[list], list[list]]:
    """The tab's values as openpyxl (cached results) and as python-calamine read them, trimmed alike."""
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    ws = wb[title]
    ws.reset_dimensions()
    by_openpyxl = [[_plain(v) for v in row] for row in ws.iter_rows(values_only=True)]
    wb.close()
    by_calamine = [[_plain(v) for v in row]
                   for row in python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(title).to_python()]
    return _trim(by_openpyxl), _trim(by_calamine)


def _trim(rows: list[list]) -> list[list]:
    out = []
    for row in rows:
        row = list(row)
        while row and row[-1] is None:
            row.pop()
        out.append(row)
    while out and not out[-1]:
        out.pop()
    return out


def assert_readers_agree(path: Path, tabs=REP_TABS) -> None:
    for title in tabs:
        by_openpyxl, by_calamine = values_by_reader(path, title)
        assert by_openpyxl == by_calamine, f"openpyxl and python-calamine disagree on '{title}'"


def rep_parts(path: Path) -> dict[str, bytes]:
    """The rep tabs' sheet parts and the parts they point at (Tables), as bytes."""
    parts = members(path)
    out = {}
    for title in REP_TABS:
        part = sheet_part(path, title)
        out[part] = parts[part]
        rels = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
        if rels in parts:
            out[rels] = parts[rels]
            for rel in etree.fromstring(parts[rels]).iter(f"{{{PKG_REL}}}Relationship"):
                target = posixpath.normpath(posixpath.join(posixpath.dirname(part), rel.get("Target")))
                out[target] = parts.get(target)
    return out


def table_refs(path: Path) -> dict[str, tuple[str, str | None]]:
    """Table name -> (ref, its autoFilter's ref)."""
    out = {}
    for name, blob in members(path).items():
        if name.startswith("xl/tables/"):
            root = etree.fromstring(blob)
            af = root.find(f"{{{MAIN}}}autoFilter")
            out[root.get("name")] = (root.get("ref"), None if af is None else af.get("ref"))
    return out


def calc_chain_cells(path: Path) -> list[tuple[str, str]] | None:
    parts = members(path)
    if "xl/calcChain.xml" not in parts:
        return None
    out, sheet = [], None
    for c in etree.fromstring(parts["xl/calcChain.xml"]).iter(f"{{{MAIN}}}c"):
        sheet = c.get("i") or sheet
        out.append((sheet, c.get("r")))
    return out


def formula_cells(path: Path, title: str) -> set[str]:
    root = etree.fromstring(members(path)[sheet_part(path, title)])
    return {f.getparent().get("r") for f in root.iter(f"{{{MAIN}}}f")}


def bot_tab_rows(path: Path, title: str) -> list[list]:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    ws = wb[title]
    ws.reset_dimensions()
    rows = _trim([list(r) for r in ws.iter_rows(values_only=True)])
    wb.close()
    return rows

