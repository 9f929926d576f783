"""`init`'s formats added by editing only the sheet parts and styles.xml: formula results, images and
every other part stay byte for byte, and Excel's schema order is kept."""
import re
import zipfile
from xml.etree import ElementTree as ET

import openpyxl
import pytest

from bot.backends import workbook as workbook_module
from bot.backends.base import TabFormat
from bot.backends.workbook import WorkbookBackend
from bot.backends.xlsx_formats import _WORKSHEET_ORDER, patch_formats
from bot.backends.xlsx_patch import PatchUnsupported
from bot.cli.main import main
from bot.demo.run import build_workbook
from conftest import NOW
from test_xlsx_patch import add_cached_formula, members, refuse_the_original

LOG = "Defective Log"
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
FORMATS = [TabFormat(LOG, dropdowns={8: ("Yes", "No")}, required_columns=(0, 1))]
IMAGE = b"\x89PNG\r\n\x1a\n pretend this is a photo of the packaging"


@pytest.fixture
def book(tmp_path):
    path = tmp_path / "team.xlsx"
    build_workbook(path, NOW.date())
    return path


def add_member(path, name, blob):
    with zipfile.ZipFile(path, "a") as z:
        z.writestr(name, blob)


def edit_part(path, part, edit):
    data = members(path)
    data[part] = edit(data[part].decode()).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, blob in data.items():
            z.writestr(name, blob)


def log_part(path):
    wb = openpyxl.load_workbook(path, read_only=True)
    index = wb.sheetnames.index(LOG) + 1
    wb.close()
    return f"xl/worksheets/sheet{index}.xml"


def in_schema_order(xml: bytes) -> bool:
    names = [child.tag.replace(MAIN, "") for child in ET.fromstring(xml)]
    ranks = [_WORKSHEET_ORDER.index(n) for n in names if n in _WORKSHEET_ORDER]
    return ranks == sorted(ranks)


def test_init_on_an_existing_workbook_keeps_formula_results_and_other_parts(book, capsys):
    add_cached_formula(book)
    add_member(book, "xl/media/image1.png", IMAGE)
    before = members(book)
    assert main(["init", "--workbook", str(book)]) == 0
    after = members(book)
    assert after["xl/media/image1.png"] == IMAGE
    changed = {n for n in before if before[n] != after[n]}
    # Only sheet parts (the formats; new bot tabs' headers) and the workbook's lists of parts and styles.
    assert changed <= {n for n in before if n.startswith("xl/worksheets/")} | {
        "xl/styles.xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml"}
    for name in changed:
        ET.fromstring(after[name])
    assert in_schema_order(after[log_part(book)])
    values = openpyxl.load_workbook(book, read_only=True, data_only=True)
    assert next(values[LOG].iter_rows(min_row=2, max_row=2, values_only=True))[17] == 2   # Excel's cached result
    values.close()
    wb = openpyxl.load_workbook(book)
    ws = wb[LOG]
    assert ws.freeze_panes == "A2"
    assert any(dv.formula1 == '"Yes,No"' for dv in ws.data_validations.dataValidation)
    rules = {str(cf.sqref): cf.rules[0] for cf in ws.conditional_formatting}
    assert rules["A2:A1048576"].formula == ["AND(COUNTA($2:$2)>0,LEN(TRIM($A2))=0)"]
    assert rules["A2:A1048576"].dxf.fill.bgColor.rgb == "FFFFC7CE"
    # A second init finds everything in place and leaves the file alone.
    again = members(book)
    assert main(["init", "--workbook", str(book)]) == 0
    assert members(book) == again


SHEET_VIEWS = re.compile(r"<sheetViews>.*?</sheetViews>", re.S)


@pytest.mark.parametrize("views, frozen", [
    pytest.param('<sheetViews><sheetView workbookViewId="0"><selection activeCell="C5" sqref="C5"/></sheetView>'
                 "</sheetViews>", "A2", id="a-selection-moves-below-the-header"),
    pytest.param('<sheetViews><sheetView workbookViewId="0"/></sheetViews>', "A2", id="self-closing-view"),
    pytest.param("", "A2", id="no-sheet-views"),
    pytest.param('<sheetViews><sheetView workbookViewId="0"><pane xSplit="2" ySplit="1" topLeftCell="C2" '
                 'activePane="bottomRight" state="frozen"/></sheetView></sheetViews>', "C2",
                 id="the-teams-own-freeze-is-kept"),
])
def test_freeze_header_in_any_sheet_view(book, views, frozen):
    edit_part(book, log_part(book), lambda xml: SHEET_VIEWS.sub(views, xml))
    book.write_bytes(patch_formats(book.read_bytes(), FORMATS))
    assert openpyxl.load_workbook(book)[LOG].freeze_panes == frozen
    assert in_schema_order(members(book)[log_part(book)])


def test_existing_validations_and_rules_are_kept_and_counted(book):
    def add_theirs(xml):
        theirs = ('<conditionalFormatting sqref="C2:C9"><cfRule type="expression" dxfId="0" priority="7">'
                  '<formula>C2&gt;5</formula></cfRule></conditionalFormatting>'
                  '<dataValidations count="1"><dataValidation type="list" allowBlank="1" sqref="J2:J50">'
                  '<formula1>"A,B"</formula1></dataValidation></dataValidations>')
        return xml.replace("<pageMargins", theirs + "<pageMargins", 1)
    edit_part(book, log_part(book), add_theirs)
    edit_part(book, "xl/styles.xml", lambda xml: xml.replace(
        "</styleSheet>", '<dxfs count="1"><dxf><font><b/></font></dxf></dxfs></styleSheet>'))
    formats = [TabFormat(LOG, dropdowns={8: ("Yes", "No"), 9: ("Refund", "Replacement")}, required_columns=(0,))]
    book.write_bytes(patch_formats(book.read_bytes(), formats))
    xml = members(book)[log_part(book)].decode()
    assert in_schema_order(xml.encode())
    assert '<dataValidations count="2">' in xml
    ws = openpyxl.load_workbook(book)[LOG]
    validations = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
    assert validations == {"J2:J50": '"A,B"', "I2:I1048576": '"Yes,No"'}   # J is theirs, not overlaid
    rules = {str(cf.sqref): cf.rules[0] for cf in ws.conditional_formatting}
    assert rules["C2:C9"].priority == 7 and rules["A2:A1048576"].priority == 8
    assert rules["A2:A1048576"].dxfId == 1   # after the workbook's own differential format


@pytest.mark.parametrize("values", [
    pytest.param(("Has, comma", "No"), id="a-comma-in-a-value"),
    pytest.param(tuple(f"value number {i}" for i in range(30)), id="longer-than-an-excel-list"),
])
def test_a_list_excel_cannot_hold_gets_no_dropdown(book, values):
    assert patch_formats(book.read_bytes(), [TabFormat(LOG, freeze_header=False, dropdowns={8: values})]) is None


def test_unusual_workbook_falls_back_to_openpyxl_and_says_what_it_costs(book, monkeypatch, caplog):
    add_member(book, "xl/media/image1.png", IMAGE)   # a part openpyxl's rewrite does not keep
    refuse_the_original(monkeypatch, "patch_formats", book.read_bytes())
    assert WorkbookBackend(book).apply_formats(FORMATS).requests == 1
    assert openpyxl.load_workbook(book)[LOG].freeze_panes == "A2"
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warned) == 1 and "loses: images" in warned[0] and "charts" not in warned[0]


def test_a_sheet_part_that_is_not_a_worksheet_is_refused(book):
    edit_part(book, log_part(book), lambda xml: re.sub(r"<sheetData>.*</sheetData>|<sheetData\s*/>", "", xml,
                                                        flags=re.S))
    with pytest.raises(PatchUnsupported):
        patch_formats(book.read_bytes(), FORMATS)

