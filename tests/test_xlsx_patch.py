"""Writing bot tabs by editing only their parts of the .xlsx: everything else stays byte for byte."""
import io
import re
import zipfile
from xml.etree import ElementTree as ET

import openpyxl
import pytest

from bot.backends import workbook as workbook_module
from bot.backends.base import CreateTab, Plan, RangeWrite
from bot.backends.workbook import WorkbookBackend
from bot.backends.xlsx_patch import PatchUnsupported, column_index, column_letters, patch_workbook
from bot.config import load_settings
from bot.cycle.run import run_cycle
from bot.demo.run import build_workbook
from bot.errors import AccessError
from conftest import NOW

REP_TABS = ("Defective Log", "Comp Sheet")


def members(path):
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def add_cached_formula(path, tab="Defective Log", cell="R2", formula="1+1", cached="2"):
    """Give a rep tab a formula whose result Excel cached (openpyxl itself cannot write one)."""
    wb = openpyxl.load_workbook(path)
    sheet_index = wb.sheetnames.index(tab) + 1
    wb.close()
    data = members(path)
    part = f"xl/worksheets/sheet{sheet_index}.xml"
    xml = data[part].decode()
    row = re.search(r'<row r="2"[^>]*>', xml).end()
    xml = xml[:row] + xml[row:].replace("</row>", f'<c r="{cell}"><f>{formula}</f><v>{cached}</v></c></row>', 1)
    xml = re.sub(r'<dimension ref="A1:[A-Z]+(\d+)"\s*/>', r'<dimension ref="A1:R\1"/>', xml)
    data[part] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, blob in data.items():
            z.writestr(name, blob)


@pytest.fixture
def book(tmp_path):
    path = tmp_path / "team.xlsx"
    build_workbook(path, NOW.date())
    return path


def test_rep_tab_parts_and_formula_results_survive_a_cycle(book):
    add_cached_formula(book)
    before = members(book)
    report = run_cycle(WorkbookBackend(book), load_settings(environ={}), lambda: NOW)
    assert report.wrote
    after = members(book)
    changed = {n for n in before if before[n] != after.get(n)}
    # styles.xml: the new tabs' bold header and wrapped-text cell formats (two more, nothing else changed)
    assert changed <= {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml", "xl/styles.xml"}
    new_parts = set(after) - set(before)
    assert len(new_parts) == 6 and all(n.startswith("xl/worksheets/") for n in new_parts)
    for blob in (after[n] for n in new_parts | changed):
        ET.fromstring(blob)  # well-formed XML
    wb = openpyxl.load_workbook(book, read_only=True, data_only=True)
    assert next(wb["Defective Log"].iter_rows(min_row=2, max_row=2, values_only=True))[17] == 2
    wb.close()
    full = openpyxl.load_workbook(book)  # the full reader accepts the edited file too
    # The bot tabs in the registry's order, the same order `init` creates them in.
    assert full.sheetnames == ["Defective Log", "Comp Sheet", "Escalations", "Drafts", "Log Issues", "Bot Status",
                               "Open Cases", "Bot Memory"]


def test_second_edit_keeps_people_cells_and_their_formatting(book):
    settings = load_settings(environ={})
    run_cycle(WorkbookBackend(book), settings, lambda: NOW)
    wb = openpyxl.load_workbook(book)
    wb["Escalations"]["L2"] = "Investigating"
    wb["Escalations"]["L2"].font = openpyxl.styles.Font(bold=True)
    wb["Drafts"]["G2"] = "Sent"
    wb.save(book)
    backend = WorkbookBackend(book)
    snap = backend.read(["Escalations"])
    plan = Plan((), (RangeWrite("Escalations", 2, 11, (("2026-11-24 10:00",),)),
                     RangeWrite("Escalations", 9, 1, (("ESC-0099", None, "=not a formula", 3, 1.5, True),))))
    backend.apply(plan, snap)
    wb = openpyxl.load_workbook(book)
    esc = wb["Escalations"]
    assert esc["L2"].value == "Investigating" and esc["L2"].font.bold
    assert esc["K2"].value == "2026-11-24 10:00"
    assert [esc.cell(9, c).value for c in range(1, 7)] == ["ESC-0099", None, "=not a formula", 3, 1.5, True]
    assert esc["C9"].data_type == "s"
    assert wb["Drafts"]["G2"].value == "Sent"


def test_clearing_cells_and_escaping_text(tmp_path):
    path = tmp_path / "w.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Log Issues"
    wb.active.append(["a", "b"])
    wb.active.append(["x", "y"])
    wb.save(path)
    data = patch_workbook(path.read_bytes(), Plan((), (
        RangeWrite("Log Issues", 2, 1, ((None, "<b>&\"'  spaced  "),)),)))
    path.write_bytes(data)
    ws = openpyxl.load_workbook(path)["Log Issues"]
    assert ws["A2"].value is None and ws["B2"].value == "<b>&\"'  spaced  "


def refuse_the_original(monkeypatch, name, original_bytes):
    """Make the in-place editor refuse the file as it is on disk (as for an unusual file), but not
    openpyxl's rewrite of it."""
    real = getattr(workbook_module, name)
    calls = []

    def refuse(data, *args):
        # The first call sees the file on disk; openpyxl's rewrite of an openpyxl-made file may be the
        # very same bytes, so it is told apart by order, not by content.
        calls.append(data)
        if len(calls) == 1:
            assert data == original_bytes
            raise PatchUnsupported("test")
        return real(data, *args)
    monkeypatch.setattr(workbook_module, name, refuse)


def test_unusual_workbook_falls_back_to_a_full_rewrite(book, monkeypatch, caplog):
    refuse_the_original(monkeypatch, "patch_workbook", book.read_bytes())
    report = run_cycle(WorkbookBackend(book), load_settings(environ={}), lambda: NOW)
    assert report.wrote and "Drafts" in openpyxl.load_workbook(book).sheetnames
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("in place (test)" in w and "loses" in w for w in warned)


def test_the_fallback_refuses_to_blank_rep_tab_formula_results(book, monkeypatch):
    add_cached_formula(book)
    before = book.read_bytes()
    refuse_the_original(monkeypatch, "patch_workbook", before)
    with pytest.raises(AccessError) as caught:
        run_cycle(WorkbookBackend(book), load_settings(environ={}), lambda: NOW)
    assert "'Defective Log' (1)" in caught.value.message and "save it as an Excel Workbook" in caught.value.message
    assert caught.value.exit_code == 3
    assert book.read_bytes() == before


@pytest.mark.parametrize("letters, index", [("A", 1), ("Z", 26), ("AA", 27), ("AZ", 52), ("XFD", 16384)])
def test_column_letters_round_trip(letters, index):
    assert column_index(letters) == index and column_letters(index) == letters


def test_new_tab_name_is_escaped(tmp_path):
    path = tmp_path / "w.xlsx"
    openpyxl.Workbook().save(path)
    data = patch_workbook(path.read_bytes(), Plan((CreateTab("Rep's & \"Notes\""),),
                                                   (RangeWrite("Rep's & \"Notes\"", 1, 1, (("h",),)),)))
    path.write_bytes(data)
    wb = openpyxl.load_workbook(path)
    assert wb["Rep's & \"Notes\""]["A1"].value == "h"


def _book_with_rows(filter_ref: str | None, table: bool = False) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Log Issues"
    for row in (["Tab", "Row", "Problem"], ["Comp Sheet", 2, "old"], ["Comp Sheet", 3, "old"]):
        ws.append(row)
    if filter_ref:
        ws.auto_filter.ref = filter_ref
    if table:   # a Table over the tab: the new rows go through the tree (its refit reads them back)
        from openpyxl.worksheet.table import Table
        ws.add_table(Table(displayName="Issues", ref="A1:C3"))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.parametrize("filter_ref, table, added", [
    pytest.param(None, False, 3, id="no-filter"),
    pytest.param("A1:C3", False, 3, id="a-filter-refitted-over-the-new-rows"),
    pytest.param(None, False, 4_500, id="more-rows-than-one-parse"),
    pytest.param(None, True, 4_500, id="a-table-more-rows-than-one-parse"),
])
def test_rows_added_past_the_end_read_back_by_two_readers(filter_ref, table, added):
    """Rows past the last row a tab has are never parsed into a tree (memory at 100,000 rows): spliced in
    as text, a few thousand rows a chunk, they must read back exactly, after the rows that were edited
    in the tree, with the sheet's used range and filter covering them. Under a Table they go through
    the tree, in the same chunks."""
    from python_calamine import CalamineWorkbook
    new = [("Defective Log", 4, "a <new> & \"quoted\" row"), ("Defective Log", 5, "=1+1 stays text")]
    new += [("Defective Log", r, f"row {r}") for r in range(6, 4 + added)]
    plan = Plan((), (RangeWrite("Log Issues", 2, 3, (("edited",),)), RangeWrite("Log Issues", 4, 1, tuple(new))))
    data = patch_workbook(_book_with_rows(filter_ref, table), plan)
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert b"<!--" not in sheet
    last = 3 + added
    expected = [["Tab", "Row", "Problem"], ["Comp Sheet", 2, "edited"], ["Comp Sheet", 3, "old"], *map(list, new)]
    calamine = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("Log Issues").to_python()
    assert [[int(v) if isinstance(v, float) else v for v in row] for row in calamine] == expected
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["Log Issues"]
    assert [list(r) for r in ws.iter_rows(values_only=True)] == expected
    assert ws.calculate_dimension() == f"A1:C{last}" and ET.fromstring(sheet).find(
        "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}dimension").get("ref") == f"A1:C{last}"
    assert ws.auto_filter.ref == (f"A1:C{last}" if filter_ref else None)
    if table:
        assert ws.tables["Issues"].ref == f"A1:C{last}"


@pytest.mark.parametrize("spill", [pytest.param(True, id="parts-wait-in-a-temporary-file"),
                                   pytest.param(False, id="no-temporary-file-parts-wait-in-memory")])
def test_a_cycle_writes_the_same_workbook_whether_edited_parts_wait_on_disk_or_in_memory(book, tmp_path,
                                                                                        monkeypatch, spill):
    """Edited parts wait for the zip in a temporary file (xlsx_package._Spill); when none can be made
    (no room, no temporary folder) they wait in memory, and the workbook written is the same."""
    import shutil
    from bot.backends import xlsx_package

    other = tmp_path / "other.xlsx"
    shutil.copyfile(book, other)
    made = []
    real = xlsx_package.tempfile.TemporaryFile

    def temporary_file(*args, **kwargs):
        if not spill:
            raise OSError(28, "No space left on device")
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(xlsx_package.tempfile, "TemporaryFile", temporary_file)
    run_cycle(WorkbookBackend(book), load_settings(environ={}), lambda: NOW)
    monkeypatch.undo()
    run_cycle(WorkbookBackend(other), load_settings(environ={}), lambda: NOW)
    assert members(book) == members(other)
    assert bool(made) == spill and all(f.closed for f in made)
