"""The workbook's cells read by python-calamine (bot/backends/xlsx_values.py) give what openpyxl's read-only
values gave, on files other programs write; a tab calamine cannot hold safely is read by openpyxl."""
from __future__ import annotations

import subprocess
import sys
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.backends import workbook as workbook_module
from bot.backends.base import CreateTab, Plan, RangeWrite
from bot.backends.workbook import WorkbookBackend, clean_text
from bot.backends.xlsx_package import ooxml_escaped
from bot.read import cells
from bot.backends.xlsx_values import (_FAR, CalamineTabs, as_openpyxl_values, error_cells, negative_numbers,
                                      rectangle_fits)
from tests import excel_books

LOG = "Defective Log"


class _OpenpyxlOnly:
    """Stands in for CalamineTabs: every file is left to openpyxl, the reader before calamine."""

    Unreadable = CalamineTabs.Unreadable

    def __init__(self, data: bytes):
        raise self.Unreadable("openpyxl only, for the comparison")


def read_both(path: Path, titles, monkeypatch) -> tuple[dict, dict]:
    by_calamine = WorkbookBackend(path).read(titles).tabs
    with monkeypatch.context() as m:
        m.setattr(workbook_module, "CalamineTabs", _OpenpyxlOnly)
        by_openpyxl = WorkbookBackend(path).read(titles).tabs
    return by_calamine, by_openpyxl


def kinds(tabs: dict) -> dict:
    return {t: [[(type(v).__name__, v) for v in row] for row in rows] for t, rows in tabs.items() if rows is not None}


# ---- one cell as openpyxl gives it ------------------------------------------------------------------

@pytest.mark.parametrize("read, expected", [
    pytest.param("", None, id="empty-is-none"),
    pytest.param("Oats", "Oats", id="text"),
    pytest.param(" ", " ", id="a-space-is-text"),
    pytest.param(3.0, 3, id="whole-float-is-int"),
    pytest.param(-4.0, -4, id="negative-whole-is-int"),
    pytest.param(2.0 ** 53 - 1, 2 ** 53 - 1, id="largest-exact-whole-is-int"),
    pytest.param(2.0 ** 53, 2.0 ** 53, id="past-exact-stays-float"),
    pytest.param(1e20, 1e20, id="huge-stays-float"),
    pytest.param(24.5, 24.5, id="fraction-stays-float"),
    pytest.param(float("nan"), "nan", id="nan-stays-float"),
    pytest.param(True, True, id="bool-not-int"),
    pytest.param(date(2026, 11, 3), datetime(2026, 11, 3), id="date-is-datetime-at-midnight"),
    pytest.param(datetime(2026, 11, 3, 14, 30), datetime(2026, 11, 3, 14, 30), id="datetime"),
    pytest.param(time(14, 30), time(14, 30), id="time"),
    pytest.param(timedelta(hours=36), timedelta(hours=36), id="duration"),
])
def test_a_cell_reads_as_openpyxl_gives_it(read, expected):
    value = as_openpyxl_values([[read, "end"]], {})[0][0]   # "end": a blank first cell is not trailing
    if expected == "nan":
        assert value != value
        return
    assert value == expected and type(value) is type(expected)


def test_trailing_blanks_are_dropped_and_equal_texts_and_datetimes_shared():
    shared: dict = {}
    rows = as_openpyxl_values([["Level 2", date(2026, 11, 3), "", ""], ["Level 2", "", "", ""],
                               ["".join(["Level", " 2"]), date(2026, 11, 3), 1.0, ""], ["", "", "", ""]], shared)
    assert rows == [["Level 2", datetime(2026, 11, 3)], ["Level 2"], ["Level 2", datetime(2026, 11, 3), 1], []]
    assert rows[0][0] is rows[2][0] and rows[0][1] is rows[2][1]


def test_a_ragged_grid_loses_no_cell():
    """calamine gives a rectangle; if a version ever did not, a shorter row must not cut the others."""
    assert as_openpyxl_values([["a", "b", "c"], ["d"], ["e", "", 2.0]], {}) == [["a", "b", "c"], ["d"], ["e", None, 2]]


def test_texts_that_do_not_repeat_are_not_shared_but_blanks_still_read_as_none():
    """Names and emails are mostly distinct: sharing them would only grow the dict (see as_openpyxl_values)."""
    shared: dict = {}
    names = [f"Customer {i}" for i in range(300)] + [""] + ["".join(["Customer", " 7"])]
    rows = as_openpyxl_values([[name, "x"] for name in names], shared)
    assert [row[0] for row in rows] == names[:300] + [None] + ["Customer 7"]
    assert "Customer 7" not in shared and shared[""] is None


# ---- the sheet XML: error cells, and the cells too far out for calamine -----------------------------

@pytest.mark.parametrize("xml, expected", [
    pytest.param(b'<c r="C3" s="1" t="e"><f>NA()</f><v>#N/A</v></c>', {(3, 3): "#N/A"}, id="formula-error"),
    pytest.param(b'<x:c t="e" r="AB7"><x:v>#REF!</x:v></x:c>', {(7, 28): "#REF!"}, id="prefix-and-order"),
    pytest.param(b"<c r='D2' t='e'><v>#DIV/0!</v></c>", {(2, 4): "#DIV/0!"}, id="single-quotes"),
    pytest.param(b'<c r="ab2" t="e"><v>#NAME?</v></c>', {(2, 28): "#NAME?"}, id="lower-case-reference"),
    pytest.param(b'<c r="D3" t="e"/><c r="E3"><v>1</v></c>', {(3, 4): None}, id="no-cached-value"),
    pytest.param(b'<c r="A1" t="s"><v>0</v></c><c r="B1"><v>2</v></c>', {}, id="no-error"),
    pytest.param(b'<c t="e"><v>#N/A</v></c>', None, id="no-reference"),
    pytest.param(b'<c r="B4"\nt="e"><v>#N/A</v></c>', {(4, 2): "#N/A"}, id="a-line-break-before-t"),
    pytest.param(b'<c r="A2" s="3"><v>-5</v></c>', {}, id="a-negative-number-is-no-error"),
])
def test_error_cells_are_found_in_the_sheet_xml(xml, expected):
    assert error_cells(b"<sheetData><row>" + xml + b"</row></sheetData>") == expected


@pytest.mark.parametrize("xml, expected", [
    pytest.param(b'<c r="A2" s="3"><v>-5</v></c>', {(2, 1): -5}, id="negative-whole-number"),
    pytest.param(b'<c r="B2" s="3" t="n"><v>-0.5</v></c>', {(2, 2): -0.5}, id="negative-fraction-typed-n"),
    pytest.param(b'<x:c r="C2"><x:f>A2-1</x:f><x:v>-6</x:v></x:c>', {(2, 3): -6}, id="negative-formula-prefixed"),
    pytest.param(b'<c r="D2" t="str"><f>"-"&amp;"x"</f><v>-x</v></c>', {}, id="text-result-starting-with-minus"),
    pytest.param(b'<c r="E2" t="inlineStr"><is><t>-5</t></is></c>', {}, id="inline-text-minus"),
    pytest.param(b'<c r="F2"><v>5</v></c><xv>-5</xv>', {}, id="another-element-ending-in-v"),
    pytest.param(b'<c r="G2"><v>-</v></c>', {}, id="not-a-number"),
    pytest.param(b'<c r="H2" t="e"><v>#N/A</v></c><c r="I2"><v>3</v></c>', {}, id="no-negative"),
    pytest.param(b'<c><v>-5</v></c>', None, id="negative-without-reference"),
])
def test_negative_numbers_are_found_in_the_sheet_xml(xml, expected):
    found = negative_numbers(b"<sheetData><row>" + xml + b"</row></sheetData>")
    assert found == expected
    assert [type(v) for v in (found or {}).values()] == [type(v) for v in (expected or {}).values()]


@pytest.mark.parametrize("xml, far", [
    pytest.param(b'<row r="5"><c r="AZ5"><v>1</v></c></row>', False, id="column-AZ"),
    pytest.param(b'<row r="5"><c r="BA5"><v>1</v></c></row>', True, id="column-BA"),
    pytest.param(b'<row r="5"><c r="XFD5"><v>1</v></c></row>', True, id="three-letters"),
    pytest.param(b'<row r="199999"><c r="A199999"><v>1</v></c></row>', False, id="row-199999"),
    pytest.param(b'<row r="200000"><c r="A200000"><v>1</v></c></row>', True, id="row-200000"),
    pytest.param(b'<row r="1048576"><c><v>1</v></c></row>', True, id="far-row-without-cell-refs"),
    pytest.param(b'<row r="7"><c s="1" r="C1048576"><v>1</v></c></row>', True, id="far-cell-attribute-second"),
    pytest.param(b"<row r='7'><c r='ZZ7'><v>1</v></c></row>", True, id="single-quotes"),
    pytest.param(b'<row r="7"><c r="xfd7"><v>1</v></c></row>', True, id="lower-case"),
    pytest.param(b'<row r="7"><c r="az7"><v>1</v></c></row>', False, id="lower-case-near"),
    pytest.param(b'<row r="7" spans="1:3"><c r="C7" t="s"><v>200000</v></c></row>', False, id="a-value-is-no-ref"),
    pytest.param(b'<row r="7"><c\nr="XFD7"><v>1</v></c></row>', True, id="a-line-break-before-r"),
    pytest.param(b'<row\tr="1048576"><c><v>1</v></c></row>', True, id="a-tab-before-r"),
    pytest.param(b'<pageMargins header="0.3" footer="0.3"/>', False, id="other-attributes-ending-in-r"),
])
def test_cells_too_far_out_for_calamine_are_seen(xml, far):
    assert bool(_FAR.search(xml)) is far


# ---- whole workbooks: calamine and openpyxl give the same tabs --------------------------------------------

def varied_book(path: Path) -> Path:
    """A log with every kind of cell a person's Excel file holds, written by XlsxWriter (Excel-like XML)."""
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    ws = wb.add_worksheet(LOG)
    formats = {name: wb.add_format({"num_format": f}) for name, f in [
        ("date", "yyyy-mm-dd"), ("datetime", "yyyy-mm-dd hh:mm"), ("time", "hh:mm"), ("custom", "d-mmm-yy"),
        ("duration", "[h]:mm"), ("money", "$#,##0.00"), ("percent", "0%")]}
    ws.write_row(0, 0, ["Date", "Ticket", "Number", "Note", "Formula"])
    rows = [
        (datetime(2026, 11, 3), "date", 10299, "  spaced  "),
        (datetime(2026, 11, 3, 14, 30), "datetime", 3.0, "=1+1"),
        (time(9, 15), "time", 24.5, "0123"),
        (datetime(2026, 11, 4), "custom", -4, "a\nb"),
        (1.5, "duration", 1e20, "N/A"),
        (12.5, "money", 0.25, "Ünïcödé 😀"),
        (0.25, "percent", True, ""),
        (45963.5, "date", False, None),
    ]
    for r, (first, fmt, number, note) in enumerate(rows, start=1):
        if isinstance(first, (datetime, time)):
            ws.write_datetime(r, 0, first, formats[fmt])
        else:
            ws.write_number(r, 0, first, formats[fmt])
        ws.write_string(r, 1, f"CS-{r}")
        ws.write(r, 2, number)
        if note:
            ws.write_string(r, 3, note)
    ws.write_formula(1, 4, "=1/0", None, "#DIV/0!")
    ws.write_formula(2, 4, "=NA()", None, "#N/A")
    ws.write_formula(3, 4, "=C4*2", None, 6)
    ws.write_formula(4, 4, '="x"&"y"', None, "xy")
    ws.write_formula(5, 4, "=TRUE()", None, True)
    ws.write_string(12, 6, "far below, after blank rows")
    wb.close()
    return path


def test_calamine_reads_what_openpyxl_read_on_an_excel_like_file(tmp_path, monkeypatch):
    by_calamine, by_openpyxl = read_both(varied_book(tmp_path / "varied.xlsx"), [LOG, "Missing"], monkeypatch)
    assert kinds(by_calamine) == kinds(by_openpyxl)
    assert by_calamine["Missing"] is None and by_calamine[LOG][2][4] == "#N/A"


def test_calamine_reads_what_openpyxl_read_with_tables_and_totals_rows(tmp_path, monkeypatch):
    log, comps = excel_books.cases_and_comps(episodes=2)
    path = excel_books.build(tmp_path / "tables.xlsx", {"Defective Log": log, "Comp Sheet": comps},
                             tables={"Defective Log": {"name": "Cases", "totals": True, "blank_rows": 2}},
                             formulas={"Comp Sheet": {"P2": ("=1/0", "#DIV/0!")}})
    by_calamine, by_openpyxl = read_both(path, ["Defective Log", "Comp Sheet"], monkeypatch)
    assert kinds(by_calamine) == kinds(by_openpyxl)


@pytest.mark.parametrize("number_format, serial, expected", [
    pytest.param("yyyy-mm-dd", -5, -5, id="negative-date"),
    pytest.param("yyyy-mm-dd", -0.5, -0.5, id="negative-fraction-date"),
    pytest.param("yyyy-mm-dd hh:mm", -45964.25, -45964.25, id="negative-datetime"),
    pytest.param("hh:mm", -0.25, -0.25, id="negative-time"),
    pytest.param("[h]:mm", -2, -2, id="negative-duration"),
    pytest.param("0.00", -7, -7, id="negative-plain-number"),
    pytest.param("yyyy-mm-dd", 2958466, 2958466, id="past-9999-date"),
    pytest.param("yyyy-mm-dd", 45964, datetime(2025, 11, 3), id="a-date"),
    pytest.param("yyyy-mm-dd hh:mm", 45964.25, datetime(2025, 11, 3, 6), id="a-datetime"),
    pytest.param("hh:mm", 0.5, time(12), id="a-time-stays-a-time"),
    pytest.param("[h]:mm", 1.5, timedelta(hours=36), id="a-duration-stays-a-duration"),
])
def test_a_serial_no_date_can_hold_reads_as_the_number_google_gives(tmp_path, number_format, serial, expected):
    """In a date format, calamine reads -5 as a bare time of day (00:00) and openpyxl as 1899-12-25; Google's
    unformatted read gives the serial, -5, and so does the workbook now: the rule then says the same on both
    backends ("-5 is not a date"). Past 9999-12-31 calamine gives the number (openpyxl: #VALUE!), as Google
    does."""
    path = tmp_path / "serials.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(LOG)
    ws.write_row(0, 0, ["Date Logged", "Ticket ID"])
    ws.write_number(1, 0, serial, wb.add_format({"num_format": number_format}))
    ws.write_string(1, 1, "CS-1")
    wb.close()
    read = WorkbookBackend(path).read([LOG]).tabs[LOG]
    assert (type(read[1][0]), read[1][0]) == (type(expected), expected)
    if not isinstance(expected, (datetime, time, timedelta)):
        assert cells.parse_date(read[1][0])[1] == cells.parse_date(serial)[1] == f"{serial} is not a date"


def test_times_and_numbers_keep_their_values_beside_a_negative_serial(tmp_path, monkeypatch):
    path = tmp_path / "beside.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(LOG)
    ws.write_row(0, 0, ["Date Logged", "Ticket ID", "Time", "Amount"])
    ws.write_row(1, 0, [-5, "CS-1", 0.75, -12.5], None)
    ws.write_number(1, 0, -5, wb.add_format({"num_format": "yyyy-mm-dd"}))
    ws.write_number(1, 2, 0.75, wb.add_format({"num_format": "hh:mm"}))
    wb.close()
    by_calamine, by_openpyxl = read_both(path, [LOG], monkeypatch)
    assert by_calamine[LOG][1] == [-5, "CS-1", time(18), -12.5]
    assert by_openpyxl[LOG][1] == [datetime(1899, 12, 25), "CS-1", time(18), -12.5]


@pytest.mark.parametrize("xml, fits", [
    pytest.param(b'<row r="5"><c r="AZ5"><v>1</v></c></row>', True, id="within-AZ"),
    pytest.param(b'<row r="5"><c r="BA5"><v>1</v></c></row>', True, id="a-stray-in-BA"),
    pytest.param(b'<row r="100000"><c r="A100000"/><c r="CU100000"><v>1</v></c></row>', True,
                 id="100000-rows-to-CU"),
    pytest.param(b'<row r="100000"><c r="A100000"/><c r="CZ100000"><v>1</v></c></row>', False,
                 id="100000-rows-to-CZ"),
    pytest.param(b"<row r='100000'><c r='a100000'/><c r='cz100000'><v>1</v></c></row>", False,
                 id="lower-case-single-quotes"),
    pytest.param(b'<row r="20000"><c r="a20000"><v>1</v></c></row><row r="7"><c r="ALL7"><v>1</v></c></row>',
                 False, id="the-last-row-and-column-from-different-cells"),
    pytest.param(b'<row r="399998"><c r="A399998"><v>1</v></c></row>', True, id="row-399998-within-Z-just-fits"),
    pytest.param(b'<row r="399999"><c r="Z399999"><v>1</v></c></row>', False, id="row-399999-within-Z-too-many"),
    pytest.param(b'<row r="9999"><c r="AMZ9999"><v>1</v></c></row>', True, id="column-AMZ-under-10000-rows"),
    pytest.param(b'<row r="5"><c r="XFD5"><v>1</v></c></row>', False, id="XFD-with-rows-unknown"),
    pytest.param(b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>', False, id="the-last-cell"),
    pytest.param(b'<row r="1048576"><c><v>1</v></c></row>', False, id="far-row-without-cell-refs"),
    pytest.param(b'<row\nr="100000"><c\nr="A100000"/><c\r\nr="CZ100000"><v>1</v></c></row>', False,
                 id="line-breaks-between-attributes"),
])
def test_calamine_reads_a_tab_whose_rectangle_fits(xml, fits):
    assert rectangle_fits(b"<sheetData>" + xml + b"</sheetData>") is fits


@pytest.mark.parametrize("cell, by", [("BA3", "calamine"), ("A200001", "calamine"), ("XFD3", "openpyxl")])
def test_a_tab_reaching_far_out_is_read_alike(tmp_path, monkeypatch, cell, by):
    """A stray cell past column AZ or row 199,999 no longer sends the tab to openpyxl (28 s at 100,000
    rows, against 2.5 s) while calamine's rectangle stays within bounds."""
    path = tmp_path / "far.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(LOG)
    ws.write_row(0, 0, ["Ticket", "Note"])
    ws.write_row(1, 0, ["CS-1", 2.0])
    ws.write(cell, "stray")
    wb.close()
    by_calamine, by_openpyxl = read_both(path, [LOG], monkeypatch)
    assert by_calamine == by_openpyxl and by_calamine[LOG][1] == ["CS-1", 2]
    assert (CalamineTabs(path.read_bytes()).rows(LOG, {}) is not None) is (by == "calamine")


@pytest.mark.parametrize("between", [b" ", b"\n"], ids=["spaces-between-attributes", "line-breaks"])
def test_a_cell_at_the_last_row_and_column_does_not_bring_the_process_down(tmp_path, between):
    """calamine would ask for a dense rectangle of 17 billion cells and abort the interpreter: run in a
    child process, so a broken guard fails this test instead of the whole run. XML may separate attributes
    with any whitespace; the guard must see the reference all the same."""
    path = tmp_path / "last.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(LOG)
    ws.write_row(0, 0, ["Ticket", "Note"])
    ws.write(1048575, 16383, "XFD1048576")
    wb.close()
    if between != b" ":
        excel_books.edit_part(path, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(' r="', between.decode() + 'r="'))
    code = ("import sys; from bot.backends.workbook import WorkbookBackend; "
            f"rows = WorkbookBackend(sys.argv[1]).read([{LOG!r}]).tabs[{LOG!r}]; "
            "print(len(rows), rows[-1][-1], len(rows[-1]))")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["1048576", "XFD1048576", "16384"]


def test_a_chart_sheet_is_a_layout_error_on_the_calamine_path(tmp_path):
    path = tmp_path / "chart.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Data")
    ws.write_column(0, 0, [1, 2, 3])
    chart = wb.add_chart({"type": "line"})
    chart.add_series({"values": "=Data!$A$1:$A$3"})
    wb.add_chartsheet(LOG).set_chart(chart)
    wb.close()
    from bot.errors import LayoutError
    with pytest.raises(LayoutError, match="is a chart sheet"):
        WorkbookBackend(path).read([LOG])


# ---- the _xHHHH_ escapes ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, stored", [
    pytest.param("plain", "plain", id="nothing-to-escape"),
    pytest.param("a_x000D_b", "a_x005F_x000D_b", id="escape-like-text"),
    pytest.param("_x005F_x000D_", "_x005F_x005F_x005F_x000D_", id="overlapping"),
    pytest.param("_x12_ and _xZZZZ_", "_x12_ and _xZZZZ_", id="not-an-escape"),
    pytest.param("_x0041_x0042_", "_x005F_x0041_x005F_x0042_", id="back-to-back"),
])
def test_escape_like_text_is_stored_escaped(text, stored):
    assert ooxml_escaped(text) == stored


def test_a_carriage_return_excel_escaped_reads_as_typed(tmp_path):
    """Excel stores a pasted carriage return as `_x000D_`; the rep typed a line break, not those characters."""
    path = excel_books.build(tmp_path / "cr.xlsx", {LOG: [["Ticket", "Note"], ["CS-1", "first\nsecond"]]})
    parts = excel_books.members(path)
    parts["xl/sharedStrings.xml"] = parts["xl/sharedStrings.xml"].replace(b"first\nsecond", b"first_x000D_\nsecond")
    excel_books.rewrite(path, parts)
    assert WorkbookBackend(path).read([LOG]).tabs[LOG][1] == ["CS-1", "first\r\nsecond"]


escape_like = st.from_regex(r"(?:_x[0-9A-Fa-f]{4}_|_x005F_|[a_x0D ])*", fullmatch=True)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(escape_like, st.text(max_size=20)), min_size=1, max_size=8))
def test_escape_like_text_round_trips_on_both_write_paths(texts):
    """Written into a new file (openpyxl's save) and then over it in place (xlsx_patch), read back alike."""
    cleaned = [clean_text(t) for t in texts]
    expected = [[c] if c else [] for c in cleaned]
    twice = [[c, c] if c else [] for c in cleaned]
    for rows in (expected, twice):
        while rows and not rows[-1]:
            rows.pop()
    with tempfile.TemporaryDirectory() as folder:
        backend = WorkbookBackend(Path(folder) / "w.xlsx", allow_missing=True)
        rows = tuple((t,) for t in texts)
        backend.apply(Plan(creates=(CreateTab("Drafts"),), writes=(RangeWrite("Drafts", 1, 1, rows),)),
                      backend.read(["Drafts"]))
        first = backend.read(["Drafts"]).tabs["Drafts"]
        backend.apply(Plan(writes=(RangeWrite("Drafts", 1, 2, rows),)), backend.read(["Drafts"]))
        second = backend.read(["Drafts"]).tabs["Drafts"]
    assert first == expected and second == twice


def test_a_rust_panic_in_calamine_counts_as_a_file_it_cannot_read_and_nothing_else_does():
    from bot.backends.xlsx_values import _calamine_failed

    PanicException = type("PanicException", (BaseException,), {})   # what pyo3 raises for a Rust panic
    assert _calamine_failed(PanicException("index out of bounds"))
    assert not _calamine_failed(KeyboardInterrupt()) and not _calamine_failed(MemoryError())
