"""Tab names are matched like headers, ignoring case and spaces ("Defective log" is the Defective Log),
on both backends; the bot keeps writing to the tab as the team named it, never a twin."""
from __future__ import annotations

import openpyxl
import pytest

from bot.backends.base import Plan
from bot.backends.google import GoogleBackend
from bot.cli.main import main
from bot.clock import local_now
from bot.cycle.compute import required_tabs
from bot.config import Settings
from bot.demo.run import build_workbook
from bot.read.table import find_title

try:
    from tests.fake_sheets import fake_sheets, sa_key  # noqa: F401  (fixtures)
except ImportError:
    from fake_sheets import fake_sheets, sa_key  # type: ignore[no-redef]  # noqa: F401

from test_google_backend import seed_rep_tabs


@pytest.mark.parametrize("wanted, titles, found", [
    pytest.param("Defective Log", ["Defective log"], "Defective log", id="case"),
    pytest.param("Defective Log", ["DefectiveLog "], "DefectiveLog ", id="spaces"),
    pytest.param("Comp Sheet", ["comp sheet", "Comp Sheet"], "Comp Sheet", id="exact-wins"),
    pytest.param("Drafts", ["drafts", "DRAFTS"], None, id="two-twins-none"),
    pytest.param("Drafts", ["Draft"], None, id="no-match"),
])
def test_find_title(wanted, titles, found):
    assert find_title(wanted, titles) == found


RENAMED = {"Defective Log": "defective log", "Comp Sheet": "COMP  SHEET", "Drafts": " drafts"}


def test_workbook_tabs_named_in_another_case_or_spacing_are_used(tmp_path, capsys):
    path = tmp_path / "team.xlsx"
    build_workbook(path, local_now().date())
    assert main(["run", "--once", "--workbook", str(path)]) == 0
    wb = openpyxl.load_workbook(path)
    for title, typed in RENAMED.items():
        wb[title].title = "tmp"     # openpyxl refuses a name equal to the old one ignoring case
        wb["tmp"].title = typed
    wb.save(path)
    capsys.readouterr()
    assert main(["run", "--once", "--workbook", str(path)]) == 0
    assert "Nothing changed since the last cycle; wrote nothing." in capsys.readouterr().out
    names = openpyxl.load_workbook(path, read_only=True).sheetnames
    assert set(RENAMED.values()) <= set(names) and "Drafts" not in names   # no twin created
    assert main(["doctor", "--workbook", str(path)]) == 0
    assert main(["init", "--workbook", str(path)]) == 0
    assert openpyxl.load_workbook(path, read_only=True).sheetnames == names


def test_workbook_writes_land_in_the_tab_as_named(tmp_path):
    path = tmp_path / "team.xlsx"
    build_workbook(path, local_now().date())
    wb = openpyxl.load_workbook(path)
    wb["Defective Log"]["B2"] = "CHANGED-1"     # a change, so the cycle writes Log Issues and Drafts
    wb.create_sheet(" log issues")
    wb.save(path)
    assert main(["run", "--once", "--workbook", str(path)]) == 0
    wb = openpyxl.load_workbook(path, read_only=True)
    assert "Log Issues" not in wb.sheetnames
    assert [c.value for c in next(wb[" log issues"].iter_rows(max_row=1))][:2] == ["Tab", "Row"]


def test_google_tabs_named_in_another_case_or_spacing_are_used(fake_sheets, sa_key):
    seed_rep_tabs(fake_sheets)
    fake_sheets.tab("Defective Log").title = "defective  log"
    fake_sheets.add_tab("drafts ", [["Ticket ID"]])
    backend = GoogleBackend(fake_sheets.spreadsheet_id, sa_key.path, sleep=lambda s: None)
    snap = backend.read(required_tabs(Settings()))
    assert snap.tabs["Defective Log"] and snap.tabs["Drafts"] == [["Ticket ID"]]
    assert snap.titles == {"Defective Log": "defective  log", "Drafts": "drafts "}
    from bot.backends.base import CreateTab, RangeWrite
    backend.apply(Plan((CreateTab("Drafts"),), (RangeWrite("Drafts", 1, 2, (("Template",),)),)), snap)
    assert fake_sheets.rows("drafts ") == [["Ticket ID", "Template"]]
    assert "Drafts" not in [t.title for t in fake_sheets.tabs]
