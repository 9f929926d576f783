"""The first day of an admin: every set-up mistake gets one plain sentence, and `doctor` agrees with `run`
on it (same exit code, the same sentence or fix), on the workbook and on Google."""
from __future__ import annotations

import logging
from pathlib import Path

import openpyxl
import pytest

from bot.cli.main import main
from bot.clock import local_now
from bot.demo.run import build_workbook
from sheet_schema import load

try:
    from tests.fake_sheets import fake_sheets, make_service_account_key, sa_key  # noqa: F401  (fixtures)
except ImportError:
    from fake_sheets import fake_sheets, make_service_account_key, sa_key  # type: ignore[no-redef]  # noqa: F401


def sample(tmp: Path) -> Path:
    path = tmp / "team.xlsx"
    build_workbook(path, local_now().date())
    return path


def edited(tmp: Path, edit) -> Path:
    path = sample(tmp)
    wb = openpyxl.load_workbook(path)
    edit(wb)
    wb.save(path)
    return path


def only_log_tab(tmp: Path) -> Path:
    path = tmp / "team.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Defective Log"
    wb.active.append(load("defective_log").headers)
    wb.save(path)
    return path


def empty_workbook(tmp: Path) -> Path:
    path = tmp / "team.xlsx"
    openpyxl.Workbook().save(path)     # one blank "Sheet", as Excel's File > New gives
    return path


def text_file(name: str, text: str):
    def make(tmp: Path) -> Path:
        (tmp / name).write_text(text)
        return tmp / name
    return make


def with_lock_file(tmp: Path) -> Path:
    path = sample(tmp)
    (tmp / "~$team.xlsx").write_bytes(b"owner")    # Excel crashed and left its lock file
    return path


def config(text: str):
    def make(tmp: Path) -> list[str]:
        path = sample(tmp)
        (tmp / "bot.toml").write_text(text)
        return ["--workbook", str(path), "--config", str(tmp / "bot.toml")]
    return make


def rename_headers(*pairs):
    def edit(wb):
        for cell, header in pairs:
            wb["Defective Log"][cell] = header
    return edit


def _bot_tab_with_a_header_twice(wb):
    wb.create_sheet("Drafts").append(["Ticket ID", "Template", "ticket id"])


# (how to make the sheet -> path or extra args, exit code of both, a fragment of the sentence)
MISTAKES = [
    pytest.param(lambda tmp: [], 2, "No sheet to work on", id="no-sheet-given"),
    pytest.param(lambda tmp: tmp / "missing.xlsx", 3, "No workbook at", id="missing-workbook"),
    pytest.param(text_file("team.xlsx", "not a zip"), 3, "not a readable .xlsx", id="corrupt-workbook"),
    pytest.param(text_file("team.csv", "Date Logged,Ticket ID\n"), 2, "is a CSV file, not an .xlsx workbook",
                 id="csv-file"),
    pytest.param(text_file("team.xls", ""), 2, "save it as .xlsx", id="old-xls-file"),
    pytest.param(empty_workbook, 2, "run `defective-log-bot init` to create them", id="empty-workbook"),
    pytest.param(only_log_tab, 2, "There is no 'Comp Sheet' tab", id="missing-rep-tab"),
    pytest.param(lambda tmp: edited(tmp, rename_headers(("B1", "Case"))), 2,
                 "no 'Ticket ID' header in row 1", id="missing-header"),
    pytest.param(lambda tmp: edited(tmp, rename_headers(("B1", "Case"), ("Q1", "State"), ("D1", "Mail"))), 2,
                 "no 'Ticket ID', 'Customer Email' and 'Status' headers in row 1", id="every-missing-header-at-once"),
    pytest.param(lambda tmp: edited(tmp, rename_headers(("R1", "ticket id"))), 2,
                 "has the header 'Ticket ID' twice", id="header-twice"),
    pytest.param(lambda tmp: edited(tmp, _bot_tab_with_a_header_twice), 2, "'Drafts' tab has the header",
                 id="bot-tab-header-twice"),
    pytest.param(lambda tmp: ["--workbook", str(sample(tmp)), "--spreadsheet", "abc"], 2,
                 "--workbook and --spreadsheet were both given", id="workbook-and-spreadsheet"),
    pytest.param(config("[recurrence]\nwindow = 14\n"), 2, "Unknown setting 'window'", id="unknown-setting"),
    pytest.param(lambda tmp: ["--workbook", str(sample(tmp)), "--config", str(tmp / "nope.toml")], 2,
                 "does not exist", id="missing-config-file"),
    pytest.param(with_lock_file, 3, "~$team.xlsx", id="stale-excel-lock-file"),
    pytest.param(sample, 0, "will be created by `init` or the first cycle", id="bot-tabs-not-created-yet"),
]


def _args(made) -> list[str]:
    return made if isinstance(made, list) else ["--workbook", str(made)]


@pytest.mark.parametrize("make, code, fragment", MISTAKES)
def test_doctor_and_run_agree_on_each_setup_mistake(tmp_path, monkeypatch, capsys, make, code, fragment):
    monkeypatch.chdir(tmp_path)
    for var in ("DLB_WORKBOOK", "DLB_SPREADSHEET", "DLB_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    args = _args(make(tmp_path))
    assert main(["doctor", *args]) == code
    doctor = capsys.readouterr()
    assert main(["run", "--once", *args]) == code
    run = capsys.readouterr()
    if code:
        assert fragment in run.err and len(run.err.strip().splitlines()) == 1 and "Traceback" not in run.err
    assert fragment.casefold() in (doctor.out + doctor.err).casefold()
    if code and "check(s) failed" in doctor.out:
        assert "1 check(s) failed." in doctor.out     # each problem once


def test_a_stale_lock_file_message_names_it_and_says_it_can_be_deleted(tmp_path, capsys):
    path = with_lock_file(tmp_path)
    assert main(["run", "--once", "--workbook", str(path)]) == 3
    err = capsys.readouterr().err
    assert str(tmp_path / "~$team.xlsx") in err and "left behind: delete it" in err
    assert main(["doctor", "--workbook", str(path)]) == 3
    out = capsys.readouterr().out
    assert out.count("~$team.xlsx was left behind and can be deleted") == 1


def test_doctor_prints_a_fix_once_and_does_not_count_skipped_steps(fake_sheets, tmp_path, capsys):
    # A key Google does not know: the token step fails, the steps after it are "not checked", not failures.
    (tmp_path / "other").mkdir()
    stranger = make_service_account_key(tmp_path / "other", client_email="stranger@x.iam.gserviceaccount.com")
    code = main(["doctor", "--spreadsheet", fake_sheets.spreadsheet_id, "--credentials", str(stranger.path)])
    out = capsys.readouterr().out
    assert code == 3
    assert "- spreadsheet access: not checked" in out and "1 check(s) failed." in out


@pytest.mark.parametrize("access, tabs, code, fragment", [
    pytest.param("denied", ("Defective Log", "Comp Sheet"), 3, "share", id="not-shared"),
    pytest.param("ok", ("Defective Log",), 2, "There is no 'Comp Sheet' tab", id="missing-rep-tab"),
    pytest.param("ok", (), 2, "run `defective-log-bot init` to create them", id="empty-spreadsheet"),
    pytest.param("ok", ("Defective Log", "Comp Sheet"), 0, "will be created", id="bot-tabs-not-created-yet"),
])
def test_doctor_and_run_agree_on_google(fake_sheets, sa_key, capsys, access, tabs, code, fragment):
    for title in tabs:
        fake_sheets.add_tab(title, [load("defective_log" if title == "Defective Log" else "comp_sheet").headers])
    fake_sheets.access = access
    args = ["--spreadsheet", fake_sheets.spreadsheet_id, "--credentials", str(sa_key.path)]
    assert main(["doctor", *args]) == code
    doctor = capsys.readouterr()
    assert fragment in doctor.out
    assert main(["run", "--once", *args]) == code
    run = capsys.readouterr()
    assert code == 0 or fragment in run.err


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_watch_logs_routine_cycles_at_info_and_removes_its_lock_file(tmp_path, monkeypatch, capsys, log_format):
    import json

    import bot.cycle.watch
    path = sample(tmp_path)
    runs = []

    def one_cycle_then_stop(self, install_signals=True):
        self.run_once()
        runs.append(1)
        return 0
    monkeypatch.setattr(bot.cycle.watch.Worker, "run", one_cycle_then_stop)
    assert main(["watch", "--log-format", log_format, "--workbook", str(path)]) == 0
    assert runs == [1]
    lines = capsys.readouterr().err.strip().splitlines()
    if log_format == "json":
        records = [(e["level"], e["message"]) for e in map(json.loads, lines)]
    else:
        records = [(line.split()[2].lower(), line.split(": ", 1)[1]) for line in lines]
    summaries = [level for level, message in records if message.startswith(("Log Issues:", "Wrote "))]
    assert summaries == ["info", "info"]        # shown without -v, and not as warnings
    assert not [m for level, m in records if level not in ("info", "debug")]
    assert not (tmp_path / ".team.xlsx.bot-lock").exists()
