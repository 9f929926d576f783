"""The .xlsx backend against real files in tmp_path: what it reads, what it writes, and what it refuses."""
from __future__ import annotations

import errno
import io
import os
import re
import tempfile
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.datavalidation import DataValidation
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.backends import workbook as workbook_module
from bot.backends import workbook_file
from bot.backends.base import CreateTab, Plan, RangeWrite, Snapshot, TabFormat
from bot.backends.workbook import WorkbookBackend, clean_text
from bot.errors import AccessError, BotError, ConcurrentEditError, LayoutError

LOG = "Defective Log"
COMP = "Comp Sheet"
ESC = "Escalations"
DRAFTS = "Drafts"


# ---- helpers ----------------------------------------------------------------------------------------------

def make_workbook(path: Path, tabs: dict[str, list[list]]) -> Path:
    """Write a workbook the way a person's Excel file would look (normal openpyxl, formulas allowed)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in tabs.items():
        ws = wb.create_sheet(title)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    ws.cell(row=r, column=c, value=value)
    wb.save(path)
    return path


def cells_of(path: Path, title: str) -> dict[str, tuple]:
    """Every stored cell of a tab: value (formulas as formulas), data type and number format."""
    wb = openpyxl.load_workbook(path)  # not read-only, not data_only: what is really stored
    ws = wb[title]
    return {c.coordinate: (c.value, c.data_type, c.number_format)
            for row in ws.iter_rows() for c in row if c.value is not None}


def rep_tabs() -> dict[str, list[list]]:
    return {
        LOG: [
            ["Date Logged", "Ticket ID", "Order Number", "Units Affected", "Refund Amount", "Double"],
            [datetime(2026, 11, 3), "T-1", "0123", 2, 24.5, "=D2*2"],
            [datetime(2026, 11, 4), "T-2", 10299, 1, None, "=D3*2"],
        ],
        COMP: [
            ["Date Added", "Ticket ID", "Type"],
            [date(2026, 11, 5), "T-1", "Refund"],
        ],
        ESC: [
            ["Flag ID", "Product", "Lead Status", "Lead Notes"],
            ["ESC-0001", "Oats", "Investigating", "called the supplier"],
        ],
    }


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return make_workbook(tmp_path / "log.xlsx", rep_tabs())


def write(tab: str, row: int, col: int, *rows: tuple) -> RangeWrite:
    return RangeWrite(tab=tab, row=row, col=col, values=tuple(tuple(r) for r in rows))


def drafts_plan(*rows: tuple) -> Plan:
    return Plan(creates=(CreateTab(DRAFTS),),
                writes=(write(DRAFTS, 1, 1, ("Ticket ID", "Body"), *rows),))


def file_state(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


# ---- reading ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("stored, expected", [
    pytest.param(datetime(2026, 11, 3), datetime(2026, 11, 3), id="date-cell-is-datetime"),
    pytest.param(10299, 10299, id="int-stays-int"),
    pytest.param("0123", "0123", id="digit-text-stays-text"),
    pytest.param(24.5, 24.5, id="float"),
    pytest.param(True, True, id="bool"),
    pytest.param("  spaced  ", "  spaced  ", id="spaces-kept"),
])
def test_read_returns_raw_values(tmp_path, stored, expected):
    path = make_workbook(tmp_path / "w.xlsx", {LOG: [["Header"], [stored]]})
    snapshot = WorkbookBackend(path).read([LOG])
    value = snapshot.tabs[LOG][1][0]
    assert value == expected and type(value) is type(expected)


def test_equal_texts_and_dates_read_as_one_object_and_numbers_keep_their_type(tmp_path):
    """A cycle holds every cell read: texts that repeat in a column, and datetimes, are shared across rows
    and tabs (a written workbook repeats levels and owners tens of thousands of times), while 1, 1.0 and
    True, equal to Python, stay three cells of their own type."""
    day = datetime(2026, 11, 3)
    path = make_workbook(tmp_path / "w.xlsx", {LOG: [["Header", "When", "N"], ["Level 2", day, 1], ["Level 2", day, True],
                                                     ["Level 3", day, 1.5], ["Level 2", day, 2], ["Level 2", day, 3]],
                                               COMP: [["Header", "When"], ["Level 2", day], ["Level 2", day],
                                                      ["Level 2", day]]})
    tabs = WorkbookBackend(path).read([LOG, COMP]).tabs
    log, comp = tabs[LOG], tabs[COMP]
    assert log[1][0] is log[2][0] is comp[1][0] and log[1][1] is log[2][1] is log[3][1] is comp[1][1]
    assert [(type(r[2]), r[2]) for r in log[1:4]] == [(int, 1), (bool, True), (float, 1.5)]


def test_read_trims_ragged_rows_and_trailing_empty_rows(tmp_path):
    path = make_workbook(tmp_path / "w.xlsx", {LOG: [
        ["a", "b", "c"],
        ["x", None, None],
        [],
        [None, None, "z"],
    ]})
    wb = openpyxl.load_workbook(path)
    wb[LOG].cell(row=9, column=7).number_format = "0.00"  # a styled but empty cell far below the data
    wb.save(path)
    snapshot = WorkbookBackend(path).read([LOG])
    assert snapshot.tabs[LOG] == [["a", "b", "c"], ["x"], [], [None, None, "z"]]


def test_read_missing_tab_is_none_and_snapshot_describes_the_file(book):
    backend = WorkbookBackend(book)
    snapshot = backend.read([LOG, "No Such Tab"])
    assert snapshot.tabs["No Such Tab"] is None
    assert snapshot.tabs[LOG][0][0] == "Date Logged"
    assert snapshot.source == str(book) == backend.describe()
    assert snapshot.token is not None


def test_read_formula_cell_gives_cached_value_not_formula(book):
    # openpyxl does not compute formulas, so a file it wrote has no cached value: the cell reads as empty,
    # and crucially never as the formula text.
    rows = WorkbookBackend(book).read([LOG]).tabs[LOG]
    assert all(len(row) < 6 or not str(row[5]).startswith("=") for row in rows)


def test_read_ignores_a_wrong_stored_dimension(tmp_path):
    path = make_workbook(tmp_path / "w.xlsx", {LOG: [["h1", "h2"], ["a", "b"], ["c", "d", "e"]]})
    # Some programs write a dimension that is too small; read-only openpyxl would stop at it.
    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:A1"', parts[sheet])
    assert b'<dimension ref="A1:A1"' in parts[sheet]
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    assert WorkbookBackend(path).read([LOG]).tabs[LOG] == [["h1", "h2"], ["a", "b"], ["c", "d", "e"]]


# ---- applying a plan ----------------------------------------------------------------------------------------

def test_plan_round_trip(book):
    backend = WorkbookBackend(book)
    rows = [("T-1", "Hi Ann,\nyour refund of $24.50 is on its way."), ("T-2", "0123"), ("T-3", 7)]
    result = backend.apply(drafts_plan(*rows), backend.read([DRAFTS]))
    assert (result.requests, result.cells_written) == (1, 8)
    assert backend.read([DRAFTS]).tabs[DRAFTS] == [["Ticket ID", "Body"], *map(list, rows)]
    assert openpyxl.load_workbook(book).sheetnames == [LOG, COMP, ESC, DRAFTS]  # appended at the end


def test_written_types_survive(book):
    backend = WorkbookBackend(book)
    values = ("text", 3, 2.5, True, datetime(2026, 11, 3, 9, 30))
    backend.apply(drafts_plan(values), backend.read([DRAFTS]))
    back = backend.read([DRAFTS]).tabs[DRAFTS][1]
    assert back == list(values)
    assert [type(v) for v in back] == [type(v) for v in values]


@pytest.mark.parametrize("text", [
    pytest.param("=1+1", id="equals"),
    pytest.param("+x", id="plus"),
    pytest.param("-x", id="minus"),
    pytest.param("@x", id="at"),
    pytest.param('=HYPERLINK("http://evil.example","click")', id="hyperlink-formula"),
    pytest.param("=", id="lone-equals"),
])
def test_injection_text_stays_text(book, text):
    backend = WorkbookBackend(book)
    backend.apply(drafts_plan(("T-1", text)), backend.read([DRAFTS]))
    cell = openpyxl.load_workbook(book)[DRAFTS]["B2"]
    assert cell.value == text
    assert cell.data_type == "s"
    assert backend.read([DRAFTS]).tabs[DRAFTS][1] == ["T-1", text]


@pytest.mark.parametrize("blank", [pytest.param(None, id="None"), pytest.param("", id="empty-string")])
def test_blank_clears_a_cell(book, blank):
    backend = WorkbookBackend(book)
    backend.apply(drafts_plan(("T-1", "old body"), ("T-2", "keep")), backend.read([DRAFTS]))
    plan = Plan(writes=(write(DRAFTS, 2, 2, (blank,)), write(DRAFTS, 3, 1, (blank, blank))))
    backend.apply(plan, backend.read([DRAFTS]))
    assert backend.read([DRAFTS]).tabs[DRAFTS] == [["Ticket ID", "Body"], ["T-1"]]
    assert openpyxl.load_workbook(book)[DRAFTS]["B2"].value is None


def test_illegal_characters_are_removed_not_fatal(book):
    backend = WorkbookBackend(book)
    backend.apply(drafts_plan(("T-1", "a\x00b\x0bc\ufffed\r\ne")), backend.read([DRAFTS]))
    assert backend.read([DRAFTS]).tabs[DRAFTS][1] == ["T-1", "abcd\ne"]


def test_rep_and_lead_tabs_unchanged_cell_for_cell(book):
    before = {t: cells_of(book, t) for t in (LOG, COMP, ESC)}
    assert before[LOG]["F2"][:2] == ("=D2*2", "f")      # the fixture really holds a formula
    assert before[COMP]["A2"][0] == datetime(2026, 11, 5)
    backend = WorkbookBackend(book)
    plan = Plan(creates=(CreateTab(DRAFTS),),
                writes=(write(DRAFTS, 1, 1, ("Ticket ID", "Body"), ("T-1", "=evil()")),
                        write(ESC, 3, 1, ("ESC-0002", "Tea"))))
    backend.apply(plan, backend.read([LOG, COMP, ESC, DRAFTS]))
    after = {t: cells_of(book, t) for t in (LOG, COMP, ESC)}
    assert after[LOG] == before[LOG]
    assert after[COMP] == before[COMP]
    # Escalations: the lead's cells are as they were, only the new row was added.
    assert {k: v for k, v in after[ESC].items() if not k.endswith("3")} == before[ESC]


def test_empty_plan_does_not_touch_the_file(book):
    backend = WorkbookBackend(book)
    snapshot = backend.read([LOG])
    before = file_state(book)
    assert backend.apply(Plan(), snapshot).requests == 0
    assert file_state(book) == before


def test_write_to_unknown_tab_is_a_bug_not_a_silent_create(book):
    backend = WorkbookBackend(book)
    before = file_state(book)
    with pytest.raises(BotError, match="Nowhere"):
        backend.apply(Plan(writes=(write("Nowhere", 1, 1, ("x",)),)), backend.read([LOG]))
    assert file_state(book) == before


@pytest.mark.parametrize("title, problem", [
    pytest.param("DRAFTS", "only in case", id="case-clash-with-two-twins"),
    pytest.param("Bad/Name", "character", id="forbidden-character"),
    pytest.param("X" * 32, "longer than 31", id="too-long"),
])
def test_unusable_tab_names_are_layout_errors(tmp_path, title, problem):
    # Two tabs match "DRAFTS" ignoring case and spaces, so neither is taken for it (table.find_title).
    path = make_workbook(tmp_path / "w.xlsx", {LOG: [["h"]], "Drafts": [["h"]], "drafts ": [["h"]]})
    backend = WorkbookBackend(path)
    with pytest.raises(LayoutError, match=problem):
        backend.apply(Plan(creates=(CreateTab(title),)), backend.read([title]))


def test_permission_bits_are_kept(book):
    os.chmod(book, 0o640)
    backend = WorkbookBackend(book)
    backend.apply(drafts_plan(("T-1", "x")), backend.read([DRAFTS]))
    assert os.stat(book).st_mode & 0o777 == 0o640


# ---- concurrent edits and locks -------------------------------------------------------------------------------

def test_file_changed_between_read_and_apply(book):
    backend = WorkbookBackend(book)
    snapshot = backend.read([LOG, DRAFTS])
    make_workbook(book, {**rep_tabs(), LOG: [["Date Logged"], ["edited by a rep"]]})
    theirs = book.read_bytes()
    with pytest.raises(ConcurrentEditError) as info:
        backend.apply(drafts_plan(("T-1", "x")), snapshot)
    assert info.value.exit_code == 3
    assert book.read_bytes() == theirs
    assert sorted(p.name for p in book.parent.iterdir()) == [book.name]


def test_file_changed_while_saving(book, monkeypatch):
    backend = WorkbookBackend(book)
    snapshot = backend.read([DRAFTS])
    real_write = workbook_file.write_and_sync

    def write_while_a_rep_saves(fh, data):
        real_write(fh, data)
        make_workbook(book, {LOG: [["saved by Excel meanwhile"]]})

    monkeypatch.setattr(workbook_file, "write_and_sync", write_while_a_rep_saves)
    with pytest.raises(ConcurrentEditError):
        backend.apply(drafts_plan(("T-1", "x")), snapshot)
    assert backend.read([LOG]).tabs[LOG] == [["saved by Excel meanwhile"]]
    assert sorted(p.name for p in book.parent.iterdir()) == [book.name]


def test_stale_token_for_missing_file_is_a_concurrent_edit(book):
    # The file appeared after a read that found nothing: someone else created it.
    with pytest.raises(ConcurrentEditError):
        WorkbookBackend(book).apply(drafts_plan(), Snapshot(tabs={}, source=str(book), token=None))


@pytest.mark.parametrize("lock_name", [
    pytest.param("~$log.xlsx", id="excel"),
    pytest.param(".~lock.log.xlsx#", id="libreoffice"),
])
def test_lock_file_refuses_to_write(book, lock_name):
    (book.parent / lock_name).write_text("someone")
    backend = WorkbookBackend(book)
    snapshot = backend.read([LOG])  # reading an open workbook is fine
    assert snapshot.tabs[LOG][1][1] == "T-1"
    assert backend.open_elsewhere
    before = file_state(book)
    with pytest.raises(AccessError, match="open in another program") as info:
        backend.apply(drafts_plan(("T-1", "x")), snapshot)
    assert info.value.exit_code == 3
    assert file_state(book) == before
    check = backend.check_write(DRAFTS)
    assert not check.ok and "close" in check.fix


# ---- unreadable and missing files -----------------------------------------------------------------------------

def _truncated_zip(path: Path) -> bytes:
    data = make_workbook(path, rep_tabs()).read_bytes()
    return data[: len(data) // 2]


def _zip_without_workbook(path: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    return buffer.getvalue()


@pytest.mark.parametrize("make_bytes", [
    pytest.param(lambda p: os.urandom(4096), id="random-bytes"),
    pytest.param(_truncated_zip, id="truncated-zip"),
    pytest.param(lambda p: b"", id="empty-file"),
    pytest.param(_zip_without_workbook, id="zip-without-workbook"),
    pytest.param(lambda p: b"\xd0\xcf\x11\xe0" + b"\0" * 512, id="encrypted-or-xls"),
])
def test_corrupt_file_is_an_access_error_naming_the_path(tmp_path, make_bytes):
    path = tmp_path / "log.xlsx"
    path.write_bytes(make_bytes(tmp_path / "scratch.xlsx"))
    backend = WorkbookBackend(path)
    with pytest.raises(AccessError) as info:
        backend.read([LOG])
    assert str(path) in info.value.message and "not a readable .xlsx" in info.value.message
    assert info.value.exit_code == 3
    [check] = backend.check_access()
    assert not check.ok and str(path) in check.detail


def test_unreadable_file_says_to_check_permissions(book, monkeypatch):
    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(workbook_file, "open", denied, raising=False)
    with pytest.raises(AccessError, match="permissions"):
        WorkbookBackend(book).read([LOG])


def test_missing_file_without_allow_missing(tmp_path):
    path = tmp_path / "nope.xlsx"
    backend = WorkbookBackend(path)
    with pytest.raises(AccessError) as info:
        backend.read([LOG])
    assert info.value.message == (f"No workbook at {path}: check --workbook, or run "
                                  f"`defective-log-bot init --workbook {path}` to create one.")
    [check] = backend.check_access()
    assert not check.ok and "init" in check.fix


def test_missing_file_with_allow_missing_is_created_by_apply(tmp_path):
    path = tmp_path / "new.xlsx"
    backend = WorkbookBackend(path, allow_missing=True)
    snapshot = backend.read([LOG, DRAFTS])
    assert snapshot.tabs == {LOG: None, DRAFTS: None} and snapshot.token is None
    backend.apply(drafts_plan(("T-1", "=x")), snapshot)
    assert openpyxl.load_workbook(path).sheetnames == [DRAFTS]  # no leftover default "Sheet"
    assert backend.read([DRAFTS]).tabs[DRAFTS] == [["Ticket ID", "Body"], ["T-1", "=x"]]


def test_disk_full_leaves_the_original_untouched(book, monkeypatch):
    def disk_full(fh, data):
        fh.write(data[:100])  # part of the file made it to disk before the disk filled up
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(workbook_file, "write_and_sync", disk_full)
    backend = WorkbookBackend(book)
    snapshot = backend.read([LOG, DRAFTS])
    before = file_state(book)
    with pytest.raises(AccessError, match="disk is full") as info:
        backend.apply(drafts_plan(("T-1", "x")), snapshot)
    assert str(book) in info.value.message
    assert file_state(book) == before
    assert sorted(p.name for p in book.parent.iterdir()) == [book.name]  # no temp file left behind


def test_unwritable_folder_is_an_access_error(book, monkeypatch):
    def no_temp_file(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(workbook_file.tempfile, "mkstemp", no_temp_file)
    backend = WorkbookBackend(book)
    before = file_state(book)
    with pytest.raises(AccessError, match="permission denied"):
        backend.apply(drafts_plan(("T-1", "x")), backend.read([DRAFTS]))
    assert file_state(book) == before


# ---- doctor ---------------------------------------------------------------------------------------------------

def test_checks_pass_on_a_good_workbook(book):
    backend = WorkbookBackend(book)
    assert [c.ok for c in backend.check_access()] == [True]
    assert backend.check_write(ESC).ok


def test_check_write_does_not_need_the_tab_to_exist_yet(book):
    # The bot saves the whole file, creating its tabs: the file and its folder are what must be writable.
    check = WorkbookBackend(book).check_write(DRAFTS)
    assert check.ok and "can be written" in check.detail


def test_check_write_reports_a_read_only_folder(book, monkeypatch):
    # Tests may run as root, for whom os.access always says yes: simulate the folder's permissions.
    monkeypatch.setattr(workbook_module.os, "access", lambda p, mode: Path(p) != book.parent)
    check = WorkbookBackend(book).check_write(DRAFTS)
    assert not check.ok and str(book.parent) in check.detail


# ---- formats (init) -------------------------------------------------------------------------------------------

def test_apply_formats_adds_freeze_dropdowns_and_highlights_without_changing_values(book):
    before = {t: cells_of(book, t) for t in (LOG, COMP, ESC)}
    backend = WorkbookBackend(book)
    formats = [TabFormat(LOG, dropdowns={3: ("Refund", "Replacement"), 4: ('Say "yes"', "No")},
                         required_columns=(0, 1)),
               TabFormat(COMP, freeze_header=False, dropdowns={2: ("Replacement", "Refund")})]
    assert backend.apply_formats(formats).requests == 1

    wb = openpyxl.load_workbook(book)
    assert wb[LOG].freeze_panes == "A2"
    assert wb[COMP].freeze_panes is None
    dvs = {str(dv.sqref): dv.formula1 for dv in wb[LOG].data_validations.dataValidation}
    assert dvs == {"D2:D1048576": '"Refund,Replacement"', "E2:E1048576": '"Say ""yes"",No"'}
    assert [str(dv.sqref) for dv in wb[COMP].data_validations.dataValidation] == ["C2:C1048576"]
    highlighted = {str(cf.sqref): [r.formula for r in cf.rules] for cf in wb[LOG].conditional_formatting}
    assert highlighted == {"A2:A1048576": [["AND(COUNTA($2:$2)>0,LEN(TRIM($A2))=0)"]],
                           "B2:B1048576": [["AND(COUNTA($2:$2)>0,LEN(TRIM($B2))=0)"]]}
    assert {t: cells_of(book, t) for t in (LOG, COMP, ESC)} == before

    # init run twice adds nothing twice and does not even rewrite the file
    state = file_state(book)
    assert backend.apply_formats(formats).requests == 0
    assert file_state(book) == state


def test_apply_formats_keeps_the_teams_own_dropdown(book):
    wb = openpyxl.load_workbook(book)
    theirs = DataValidation(type="list", formula1='"A,B"')
    theirs.add("D2:D100")
    wb[LOG].add_data_validation(theirs)
    wb[LOG].freeze_panes = "C2"
    wb.save(book)
    WorkbookBackend(book).apply_formats([TabFormat(LOG, dropdowns={3: ("Refund", "Replacement")})])
    ws = openpyxl.load_workbook(book)[LOG]
    assert [dv.formula1 for dv in ws.data_validations.dataValidation] == ['"A,B"']
    assert ws.freeze_panes == "C2"


def test_apply_formats_on_missing_tab_is_a_layout_error(book):
    with pytest.raises(LayoutError, match="init"):
        WorkbookBackend(book).apply_formats([TabFormat("Nope")])


# ---- any text survives ----------------------------------------------------------------------------------------

@settings(max_examples=25, deadline=None)
@given(st.lists(st.text(max_size=40), min_size=1, max_size=15))
def test_any_text_round_trips_as_cleaned_text(texts):
    with tempfile.TemporaryDirectory() as folder:
        backend = WorkbookBackend(Path(folder) / "w.xlsx", allow_missing=True)
        plan = Plan(creates=(CreateTab(DRAFTS),), writes=(write(DRAFTS, 1, 1, *[(t,) for t in texts]),))
        backend.apply(plan, backend.read([DRAFTS]))
        back = backend.read([DRAFTS]).tabs[DRAFTS]
    expected = [[clean_text(t)] if clean_text(t) else [] for t in texts]
    while expected and not expected[-1]:
        expected.pop()
    assert back == expected
