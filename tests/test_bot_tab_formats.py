"""The bot's tabs, readable where people read them (bold frozen header, widths, wrapped text, a filter), and
the bot's columns protected by `init` ([protection] mode), on both backends where it applies.

Each part is set only where nothing is set: a person's own width, wrap, header style or filter stays.
Workbooks are read back with openpyxl and python-calamine; the Google path goes through the real gspread
client against the fake in tests/fakes/ (formats: tests/fakes/formats.py, protected ranges: protection.py).
"""
from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
import python_calamine
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from bot.backends.google_formats import pixels
from bot.cli.main import main
from bot.clock import local_now
from bot.demo.run import build_workbook
from sheet_schema import load

try:
    from tests.fake_sheets import DEFAULT_EMAIL, FakeSheets, fake_sheets, sa_key  # noqa: F401  (fixtures)
    from tests.fakes.formats import formats_of, protections_of
except ImportError:  # tests/ is not a package: pytest put it on sys.path
    from fake_sheets import DEFAULT_EMAIL, FakeSheets, fake_sheets, sa_key  # type: ignore[no-redef]  # noqa: F401
    from fakes.formats import formats_of, protections_of  # type: ignore[no-redef]

REP_TABS = ("Defective Log", "Comp Sheet")
READ_TABS = {"Escalations": "escalations", "Drafts": "drafts", "Log Issues": "log_issues",
             "Open Cases": "open_cases", "Bot Status": "bot_status"}
PROTECTED = {   # tab -> [start, end) column runs the bot protects (None: the whole tab)
    # A-K, N and R-S: Lead Status (L), Lead Notes (M) and the leads' Root Cause, Corrective Action and
    # Action Date (O-Q) stay free
    "Escalations": [(0, 11), (13, 14), (17, 19)],
    "Drafts": [(0, 6), (7, 9)],           # A-F and H-I: Status (G) stays free
    "Log Issues": None, "Open Cases": None, "Bot Status": None, "Bot Memory": None,
}
BACKENDS = ["workbook", "google"]


# ---- the two backends behind the real command line ------------------------------------------------------

class Target:
    """One sheet (a workbook file or the fake Google Sheet) seeded with the demo's rep tabs."""

    def __init__(self, kind: str, tmp_path: Path, fake: FakeSheets | None, key_path: Path | None):
        self.kind, self.tmp_path, self.fake, self.key_path = kind, tmp_path, fake, key_path
        self.path = tmp_path / "team.xlsx"
        build_workbook(self.path, local_now().date())
        if fake is not None:
            wb = openpyxl.load_workbook(self.path)
            for ws in wb.worksheets:
                fake.add_tab(ws.title, [list(row) for row in ws.iter_rows(values_only=True)])

    def args(self) -> list[str]:
        if self.fake is None:
            return ["--workbook", str(self.path)]
        return ["--spreadsheet", self.fake.spreadsheet_id, "--credentials", str(self.key_path)]

    def run(self, *command: str, mode: str | None = None) -> int:
        extra: list[str] = []
        if mode is not None:
            config = self.tmp_path / f"bot-{mode}.toml"
            config.write_text(f'[protection]\nmode = "{mode}"\n', encoding="utf-8")
            extra = ["--config", str(config)]
        return main([*command, *self.args(), *extra])


@pytest.fixture(params=BACKENDS)
def target(request, tmp_path):
    if request.param == "workbook":
        return Target("workbook", tmp_path, None, None)
    fake, key = request.getfixturevalue("fake_sheets"), request.getfixturevalue("sa_key")
    return Target("google", tmp_path, fake, key.path)


@pytest.fixture
def google(tmp_path, fake_sheets, sa_key):  # noqa: F811
    return Target("google", tmp_path, fake_sheets, sa_key.path)


@pytest.fixture
def workbook(tmp_path):
    return Target("workbook", tmp_path, None, None)


# ---- what a tab looks like, read back the same way on both backends ----------------------------------------

def look(target: Target, title: str) -> dict:
    """{'bold': header columns in bold, 'widths': column -> width in characters (None: not set), 'wrapped':
    columns whose rows below the header wrap, 'filter': the filter's columns or None, 'frozen': bool}."""
    if target.fake is None:
        wb = openpyxl.load_workbook(target.path)
        ws = wb[title]
        width = ws.max_column
        dims = {c: ws.column_dimensions[get_column_letter(c + 1)] for c in range(width)}
        flt = ws.auto_filter.ref
        return {
            "bold": {c for c in range(width) if ws.cell(1, c + 1).font.b},
            "widths": {c: (d.width if d.customWidth else None) for c, d in dims.items()},
            "wrapped": {c for c in range(width) if _wraps_below(ws, c + 1)},
            "filter": flt,
            "frozen": ws.freeze_panes == "A2",
        }
    store, tab = formats_of(target.fake, title), target.fake.tab(title)
    width = max(len(r) for r in target.fake.rows(title))
    flt = (store.basic_filter or {}).get("range")
    return {
        "bold": {c for c in range(width) if store.bold(0, c)},
        "widths": {c: store.width(c) for c in range(width)},
        "wrapped": {c for c in range(width) if store.wrap(1, c) == "WRAP" and store.wrap(tab.rows - 1, c) == "WRAP"},
        "filter": None if flt is None else (flt.get("startRowIndex", 0), flt.get("startColumnIndex", 0),
                                            flt.get("endColumnIndex")),
        "frozen": tab.frozen_rows == 1,
    }


def _wraps_below(ws, col: int) -> bool:
    """Rows 2+ of the column wrap: the column's own style (what a new cell takes) and every cell there."""
    dim = ws.column_dimensions[get_column_letter(col)]
    style_wraps = bool(dim.alignment and dim.alignment.wrap_text)
    cells = [ws.cell(r, col) for r in range(2, ws.max_row + 1) if ws.cell(r, col).value is not None]
    return style_wraps and all(c.alignment.wrap_text for c in cells)


def expected_width(target: Target, chars: float):
    return chars if target.fake is None else pixels(chars)


def check_readable(target: Target, title: str, *, by_init: bool = True) -> None:
    """`by_init`: the tab holds every schema column; a cycle that creates a tab leaves out the people's
    optional columns only `init` adds (Root Cause ...), so the others sit further left."""
    schema = load(READ_TABS[title])
    got = look(target, title)
    columns = [c for c in schema.columns if by_init or not c.added_by_init]
    n = len(columns)
    assert got["frozen"]
    assert set(range(n)) <= got["bold"], "every header cell of the bot's columns is bold"
    for i, column in enumerate(columns):
        assert got["widths"][i] == expected_width(target, column.width), column.header
    assert got["wrapped"] == {i for i, c in enumerate(columns) if c.wrap}
    if schema.filter:
        assert got["filter"] is not None
        if target.fake is None:
            assert got["filter"].startswith("A1:" + get_column_letter(n))
        else:
            assert got["filter"] == (0, 0, n)
    else:
        assert got["filter"] is None


# ---- A. readable ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("title", list(READ_TABS))
def test_init_makes_a_bot_tab_readable(target, title, capsys):
    assert target.run("init") == 0
    check_readable(target, title)
    assert "bold headers" in capsys.readouterr().out


@pytest.mark.parametrize("title", list(READ_TABS))
def test_the_first_cycle_that_creates_a_bot_tab_makes_it_readable(target, title):
    if target.fake is not None:
        target.fake.clear_log()
    assert target.run("run", "--once") == 0
    check_readable(target, title, by_init=False)
    if target.fake is not None:
        kinds = [e.kind for e in target.fake.api_log]
        # The formats ride in the request that creates the tabs: no request more than before.
        assert kinds.count("batchUpdate") == 1 and len(kinds) <= 4, kinds
    else:
        wb = openpyxl.load_workbook(target.path)
        ws = wb[title]
        last = max(r for r in range(1, ws.max_row + 1) if any(c.value is not None for c in ws[r]))
        if load(READ_TABS[title]).filter:   # the filter covers every row the cycle wrote
            assert ws.auto_filter.ref.endswith(str(last))


def test_a_bot_tab_made_readable_stays_a_sound_workbook(workbook):
    assert workbook.run("run", "--once") == 0
    assert workbook.run("init") == 0
    with zipfile.ZipFile(workbook.path) as z:
        assert z.testzip() is None
    full = openpyxl.load_workbook(workbook.path)
    calamine = python_calamine.CalamineWorkbook.from_path(str(workbook.path))
    for title in READ_TABS:
        rows = [list(r) for r in full[title].iter_rows(values_only=True)]
        read = calamine.get_sheet_by_name(title).to_python(skip_empty_area=False)
        assert [[None if v == "" else v for v in r] for r in read][:len(rows)] == \
            [[v for v in r] for r in rows][:len(read)], title
    with zipfile.ZipFile(workbook.path) as z:   # the filter's hidden name, once per filtered tab
        names = z.read("xl/workbook.xml").count(b'name="_xlnm._FilterDatabase"')
    assert names == sum(1 for t in READ_TABS if load(READ_TABS[t]).filter)


PEOPLE = {
    # what a person set on the Drafts tab before init -> how to check it is still theirs
    "own-width": "the Body column is 90 wide",
    "own-wrap": "the Body column is set not to wrap",
    "own-filter": "a filter over A1:C1 only",
    "own-header-style": "Ticket ID's header in italics, not bold",
}


def _person_formats_drafts(target: Target, what: str) -> None:
    """A person made the Drafts tab (headers in row 1) and formatted it their way, before any init."""
    headers = load("drafts").headers
    if target.fake is None:
        wb = openpyxl.load_workbook(target.path)
        ws = wb.create_sheet("Drafts")
        ws.append(headers)
        ws.append(["CS-1", "refund", "a@example.com", "Your refund", "Hi Ana,\nwe refunded you.", None, "Sent", "x"])
        if what == "own-width":
            ws.column_dimensions["E"].width = 90
        elif what == "own-wrap":
            ws.column_dimensions["E"].width = 30
            ws["E2"].alignment = Alignment(wrap_text=False, horizontal="left")
        elif what == "own-filter":
            ws.auto_filter.ref = "A1:C1"
        elif what == "own-header-style":
            ws["A1"].font = Font(italic=True)
        wb.save(target.path)
        return
    fake = target.fake
    fake.add_tab("Drafts", [headers, ["CS-1", "refund", "a@example.com", "Your refund", "Hi Ana", None, "Sent", "x"]])
    store = formats_of(fake, "Drafts")
    if what == "own-width":
        store.column_pixels[4] = 630
    elif what == "own-wrap":
        for r in range(1, fake.tab("Drafts").rows):
            store.cells[(r, 4)] = {"userEnteredFormat": {"wrapStrategy": "CLIP"}}
    elif what == "own-filter":
        store.basic_filter = {"range": {"sheetId": fake.tab("Drafts").sheet_id, "endRowIndex": 1000,
                                        "endColumnIndex": 3}}
    elif what == "own-header-style":
        store.cells[(0, 0)] = {"userEnteredFormat": {"textFormat": {"bold": False, "italic": True}}}


@pytest.mark.parametrize("what", list(PEOPLE))
def test_a_persons_own_formatting_is_never_undone(target, what):
    _person_formats_drafts(target, what)
    assert target.run("init") == 0
    got = look(target, "Drafts")
    google = target.fake is not None
    if what == "own-width":
        assert got["widths"][4] == (630 if google else 90)
    else:   # the bot's width where the person set none
        assert got["widths"][1] == expected_width(target, 20)
    if what == "own-wrap":
        assert 4 not in got["wrapped"]
        if google:
            assert formats_of(target.fake, "Drafts").wrap(1, 4) == "CLIP"
        else:
            assert got["widths"][4] == 30
    else:
        assert 4 in got["wrapped"]
    if what == "own-filter":
        assert got["filter"] == ((0, 0, 3) if google else "A1:C1")
    else:
        assert got["filter"] is not None
    if what == "own-header-style":
        assert 0 not in got["bold"]
        if not google:
            assert openpyxl.load_workbook(target.path)["Drafts"]["A1"].font.i
    else:
        assert 0 in got["bold"]
    assert {1, 2, 3} <= got["bold"]


def test_a_second_init_changes_nothing(target):
    assert target.run("init") == 0
    if target.fake is None:
        before = target.path.read_bytes()
        assert target.run("init") == 0
        assert target.path.read_bytes() == before
    else:
        target.fake.clear_log()
        assert target.run("init") == 0
        sent = {next(iter(r)) for e in target.fake.api_log if e.kind == "batchUpdate" for r in e.body["requests"]}
        # (init sets the rep tabs' dropdowns each time, as before: setDataValidation replaces, never stacks)
        assert sent <= {"setDataValidation"}, sent


def test_a_table_over_a_bot_tab_gets_no_second_filter(workbook):
    """A sheet filter may not overlap a Table (Excel would repair the file): a Drafts tab formatted as a
    Table keeps the Table's own filter."""
    from openpyxl.worksheet.table import Table
    wb = openpyxl.load_workbook(workbook.path)
    ws = wb.create_sheet("Drafts")
    ws.append(load("drafts").headers)
    ws.append(["CS-1", "refund", "a@example.com", "Your refund", "Hi", None, "Sent", "x"])
    ws.add_table(Table(displayName="tblDrafts", ref="A1:H2"))
    wb.save(workbook.path)
    assert workbook.run("init") == 0
    with zipfile.ZipFile(workbook.path) as z:
        part = next(n for n in z.namelist() if n.startswith("xl/worksheets/sheet") and b"tablePart" in z.read(n))
        assert b"<autoFilter" not in z.read(part)
    back = openpyxl.load_workbook(workbook.path)["Drafts"]
    assert back.tables["tblDrafts"].ref == "A1:H2" and back.column_dimensions["E"].width == 60


# ---- B. protection --------------------------------------------------------------------------------------

def bots(fake: FakeSheets, title: str) -> list[dict]:
    return [p for p in protections_of(fake, title) if p.get("description", "").startswith("Defective Log Bot")]


def spans(protections: list[dict]):
    out = sorted((p["range"].get("startColumnIndex", 0), p["range"].get("endColumnIndex")) for p in protections)
    return None if out == [(0, None)] else out


@pytest.mark.parametrize("title", list(PROTECTED))
def test_init_protects_the_bots_columns_with_a_warning_by_default(google, title, capsys):
    assert google.run("init") == 0
    mine = bots(google.fake, title)
    assert spans(mine) == PROTECTED[title]
    assert all(p.get("warningOnly") is True and "editors" not in p for p in mine)
    assert "Protected the bot's columns with a warning" in capsys.readouterr().out


@pytest.mark.parametrize("title", ["Escalations", "Drafts", "Log Issues"])
def test_strict_lets_only_the_bots_account_edit(google, title):
    assert google.run("init", mode="strict") == 0
    mine = bots(google.fake, title)
    assert spans(mine) == PROTECTED[title]
    assert all(not p.get("warningOnly") and DEFAULT_EMAIL in p["editors"]["users"] for p in mine)


SWITCHES = [("warning", "warning"), ("warning", "strict"), ("strict", "warning"), ("strict", "strict"),
            ("warning", "off"), ("strict", "off"), ("off", "warning"), ("off", "strict"), ("off", "off")]


@pytest.mark.parametrize("first, then", SWITCHES, ids=[f"{a}-then-{b}" for a, b in SWITCHES])
def test_init_again_adds_no_second_protection_and_follows_the_mode(google, first, then):
    assert google.run("init", mode=first) == 0
    ids_before = {t: {p["protectedRangeId"] for p in bots(google.fake, t)} for t in PROTECTED}
    google.fake.clear_log()
    assert google.run("init", mode=then) == 0
    sent = [next(iter(r)) for e in google.fake.api_log if e.kind == "batchUpdate" for r in e.body["requests"]]
    for title, expected in PROTECTED.items():
        mine = bots(google.fake, title)
        if then == "off":
            assert mine == []
            continue
        assert spans(mine) == expected, title       # never two protections of the same columns
        assert all(bool(p.get("warningOnly")) == (then == "warning") for p in mine)
        if first != "off":                          # the same protections, updated in place
            assert {p["protectedRangeId"] for p in mine} == ids_before[title]
    if first == then:
        assert not any(k.endswith("ProtectedRange") for k in sent)
    if first != "off" and then != "off" and first != then:
        assert "updateProtectedRange" in sent and "addProtectedRange" not in sent


@pytest.mark.parametrize("mode", ["warning", "strict", "off"])
def test_a_persons_own_protection_is_never_touched(google, mode):
    assert google.run("init") == 0
    fake = google.fake
    own = fake.protect("Escalations", "L:L", editors=["lead@example.com"], description="Leads only")
    assert google.run("init", mode=mode) == 0
    assert [p for p in protections_of(fake, "Escalations") if p["protectedRangeId"] == own["protectedRangeId"]] \
        == [fake._protected_view(own)]


def test_the_bots_protection_follows_its_columns_when_a_person_inserts_one(google):
    """A lead inserted a column of their own after Product: the bot's protection is replaced so that it
    covers the bot's columns where they are now, and never the lead's column."""
    assert google.run("init") == 0
    fake = google.fake
    tab = fake.tab("Escalations")
    cells = dict(tab.cells)
    tab.cells.clear()
    for (r, c), value in cells.items():
        tab.cells[(r, c + 1 if c >= 2 else c)] = value
    tab.cells[(0, 2)] = "My notes"
    assert google.run("init") == 0
    assert spans(bots(fake, "Escalations")) == [(0, 2), (3, 12), (14, 15), (18, 20)]


@pytest.mark.parametrize("mode", ["warning", "strict", "off"])
def test_a_workbook_locks_nobody_out_and_says_so(workbook, mode, capsys):
    assert workbook.run("init", mode=mode) == 0
    assert "not protected" in capsys.readouterr().out
    with zipfile.ZipFile(workbook.path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"sheetProtection" not in z.read(name) and b"protectedRange" not in z.read(name)


@pytest.mark.parametrize("value, ok", [
    pytest.param('"warning"', True, id="warning"),
    pytest.param('"strict"', True, id="strict"),
    pytest.param('"off"', True, id="off"),
    pytest.param('"Strict"', True, id="any-case"),
    pytest.param('"lock"', False, id="unknown-word"),
    pytest.param('true', False, id="a-boolean"),
    pytest.param('""', False, id="empty"),
])
def test_the_protection_mode_setting(workbook, value, ok, capsys):
    config = workbook.tmp_path / "bot.toml"
    config.write_text(f"[protection]\nmode = {value}\n", encoding="utf-8")
    code = main(["init", "--workbook", str(workbook.path), "--config", str(config)])
    err = capsys.readouterr().err
    if ok:
        assert code == 0
    else:
        assert code == 2 and "protection.mode" in err and '"warning", "strict", "off"' in err


def test_an_unknown_protection_setting_is_named(workbook, capsys):
    config = workbook.tmp_path / "bot.toml"
    config.write_text('[protection]\nlevel = "strict"\n', encoding="utf-8")
    assert main(["init", "--workbook", str(workbook.path), "--config", str(config)]) == 2
    assert "'level'" in capsys.readouterr().err


@pytest.mark.parametrize("mode, said", [
    pytest.param("warning", {"workbook": "none in a workbook", "google": 'mode = "warning"'}, id="warning"),
    pytest.param("strict", {"workbook": "none in a workbook", "google": 'mode = "strict"'}, id="strict"),
    pytest.param("off", {"workbook": "none in a workbook", "google": "protects nothing"}, id="off"),
])
def test_doctor_says_what_init_does_about_protection(target, mode, said, capsys):
    assert target.run("init") == 0
    capsys.readouterr()
    assert target.run("doctor", mode=mode) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("✓ protection:"))
    assert said[target.kind] in line
