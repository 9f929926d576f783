"""End to end: the CLI on a real .xlsx workbook built from the demo sample."""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from bot.cli.main import main
from bot.clock import local_now
from bot.demo.run import build_workbook
from sample_expectations import expected

REP_TABS = ("Defective Log", "Comp Sheet")


@pytest.fixture
def workbook(tmp_path) -> Path:
    path = tmp_path / "team.xlsx"
    build_workbook(path, local_now().date())
    return path


def cells_of(path: Path, title: str) -> list[tuple]:
    wb = openpyxl.load_workbook(path)
    try:
        ws = wb[title]
        return [tuple((c.value, c.data_type) for c in row) for row in ws.iter_rows()]
    finally:
        wb.close()


def tab_values(path: Path, title: str) -> list[list]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = [list(r) for r in wb[title].iter_rows(values_only=True)]
    finally:
        wb.close()
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    return rows


def as_dicts(rows):
    header = rows[0]
    return [dict(zip(header, r)) for r in rows[1:]]


def test_run_once_gives_exactly_the_expected_tabs(workbook, capsys):
    want = expected(local_now().date())
    before = {t: cells_of(workbook, t) for t in REP_TABS}
    assert main(["run", "--once", "--workbook", str(workbook)]) == 0
    out = capsys.readouterr().out
    assert "8 errors, 2 warnings" in out and "Wrote" in out

    issues = as_dicts(tab_values(workbook, "Log Issues"))
    got = sorted((i["Tab"], i["Row"], i["Column"], i["Severity"]) for i in issues)
    exp = sorted([(t, r, c, "error") for t, r, c, _ in want["errors"]]
                 + [(t, r, c, "warning") for t, r, c, _ in want["warnings"]])
    assert got == exp

    drafts = as_dicts(tab_values(workbook, "Drafts"))
    assert {d["Ticket ID"]: d["Template"] for d in drafts} == want["ready_drafts"]
    for d in drafts:
        assert all(d[k] for k in ("Ticket ID", "Template", "To", "Subject", "Body", "Drafted At"))
        assert "{{" not in d["Body"] and "{%" not in d["Body"] and d["Status"] is None
        assert d["Body"].startswith("Hi ")

    flags = as_dicts(tab_values(workbook, "Escalations"))
    assert [f["Flag ID"] for f in flags] == ["ESC-0001", "ESC-0002", "ESC-0003", "ESC-0004"]
    assert [f["Ticket IDs"].split(", ") for f in flags] == [f["tickets"] for f in want["flags"]]
    assert [f["Product"] for f in flags] == [f["product"] for f in want["flags"]]

    assert {t: cells_of(workbook, t) for t in REP_TABS} == before  # rep tabs unchanged cell for cell


def test_second_run_writes_nothing_and_people_columns_survive(workbook, capsys):
    assert main(["run", "--once", "--workbook", str(workbook)]) == 0
    wb = openpyxl.load_workbook(workbook)
    wb["Escalations"]["L2"] = "Investigating"
    wb["Escalations"]["M2"] = "=looks like a formula but is a note"
    wb["Escalations"]["M2"].data_type = "s"
    wb["Drafts"]["G2"] = "Sent"
    wb.save(workbook)
    assert main(["run", "--once", "--workbook", str(workbook)]) == 0
    bytes_before, mtime = workbook.read_bytes(), workbook.stat().st_mtime_ns
    capsys.readouterr()
    assert main(["run", "--once", "--workbook", str(workbook)]) == 0
    assert "Nothing changed since the last cycle; wrote nothing." in capsys.readouterr().out
    assert workbook.read_bytes() == bytes_before and workbook.stat().st_mtime_ns == mtime
    esc = cells_of(workbook, "Escalations")
    assert esc[1][11] == ("Investigating", "s") and esc[1][12][0].startswith("=looks")
    assert cells_of(workbook, "Drafts")[1][6][0] == "Sent"


def test_dry_run_and_validate_write_nothing(workbook, capsys):
    before = workbook.read_bytes()
    assert main(["run", "--dry-run", "--workbook", str(workbook)]) == 0
    out = capsys.readouterr().out
    assert "Dry run" in out and "Would write" in out
    assert main(["validate", "--workbook", str(workbook)]) == 1
    out = capsys.readouterr().out
    assert "8 errors, 2 warnings." in out and "row 16, column A" in out
    assert workbook.read_bytes() == before


def test_customer_data_never_reaches_the_logs(workbook, capsys):
    assert main(["run", "--once", "-v", "--workbook", str(workbook)]) == 0
    err = capsys.readouterr().err
    from bot.demo.sample_data import build_sample
    log_rows = build_sample(local_now().date())["Defective Log"]
    header = log_rows[0]
    private = {header.index(h) for h in ("Customer Name", "Customer Email", "Complaint Details")}
    for row in log_rows[1:]:
        for i in private:
            if i < len(row) and isinstance(row[i], str) and len(row[i]) > 3:
                assert row[i] not in err


@pytest.mark.parametrize("args, code, fragment", [
    pytest.param(["run", "--once"], 2, "No sheet to work on", id="no-target"),
    pytest.param(["run", "--once", "--workbook", "missing.xlsx"], 3, "No workbook at", id="missing-file"),
    pytest.param(["run", "--once", "--workbook", "x.xlsx", "--config", "nope.toml"], 2, "does not exist",
                 id="missing-config"),
])
def test_bad_setup_is_one_sentence_and_exit_code(tmp_path, monkeypatch, capsys, args, code, fragment):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DLB_WORKBOOK", raising=False)
    monkeypatch.delenv("DLB_CONFIG", raising=False)
    assert main(args) == code
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_corrupt_workbook_is_exit_3(tmp_path, capsys):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a zip at all")
    assert main(["run", "--once", "--workbook", str(bad)]) == 3
    assert "not a readable .xlsx" in capsys.readouterr().err
    assert bad.read_bytes() == b"not a zip at all"


def test_missing_required_header_names_it(workbook, capsys):
    wb = openpyxl.load_workbook(workbook)
    wb["Defective Log"]["B1"] = "Case"
    wb.save(workbook)
    assert main(["run", "--once", "--workbook", str(workbook)]) == 2
    err = capsys.readouterr().err
    assert "'Ticket ID'" in err and "[headers.defective_log] ticket_id" in err


def test_missing_rep_tab_names_it(tmp_path, capsys):
    path = tmp_path / "w.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Defective Log"
    from sheet_schema import load
    wb.active.append(load("defective_log").headers)
    wb.save(path)
    assert main(["run", "--once", "--workbook", str(path)]) == 2
    assert "There is no 'Comp Sheet' tab" in capsys.readouterr().err


def test_config_file_renames_tabs_and_headers(workbook, tmp_path, capsys):
    wb = openpyxl.load_workbook(workbook)
    wb["Defective Log"].title = "Complaints"
    wb["Complaints"]["B1"] = "Case #"
    wb.save(workbook)
    cfg = tmp_path / "bot.toml"
    cfg.write_text('[sheet]\nworkbook = "team.xlsx"\n[tabs]\ndefective_log = "Complaints"\n'
                   '[headers.defective_log]\nticket_id = "Case #"\n')
    assert main(["run", "--once", "--config", str(cfg)]) == 0
    assert "8 errors" in capsys.readouterr().out


def test_unknown_config_key_is_a_clear_error(tmp_path, capsys):
    cfg = tmp_path / "bot.toml"
    cfg.write_text('[recurrence]\nwindow = 14\n')
    assert main(["run", "--once", "--workbook", "x.xlsx", "--config", str(cfg)]) == 2
    assert "Unknown setting 'window' in [recurrence]" in capsys.readouterr().err


def test_init_creates_a_new_workbook_with_every_tab(tmp_path, capsys):
    path = tmp_path / "new.xlsx"
    assert main(["init", "--workbook", str(path)]) == 0
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Defective Log", "Comp Sheet", "Escalations", "Drafts", "Log Issues", "Bot Status",
                             "Open Cases", "Bot Memory"]
    assert wb["Defective Log"].freeze_panes == "A2"
    assert wb["Defective Log"].data_validations.dataValidation
    assert main(["run", "--once", "--workbook", str(path)]) == 0


def test_demo_twice_says_nothing_changed(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["demo"]) == 0
    first = capsys.readouterr().out
    assert "Drafts waiting" in first and "ESC-0001" in first and "crunch-and-co" in first
    assert main(["demo"]) == 0
    second = capsys.readouterr().out
    assert "Nothing changed since the last cycle; wrote nothing." in second


def test_the_other_commands_on_the_demo_workbook_keep_its_settings(tmp_path, monkeypatch, capsys):
    # The demo's drafts carry its brand's sign-off; a user who follows its hint (--config) runs cycles
    # that find nothing to redraft, from any folder (the workbook is found beside the config file).
    monkeypatch.chdir(tmp_path)
    assert main(["demo"]) == 0
    config = tmp_path / "demo-output" / "crunch-and-co-defective-log.toml"
    assert f"--config {Path('demo-output') / config.name}" in capsys.readouterr().out
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert main(["--config", str(config), "run", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Dry run: nothing was written." in out and "Would write" not in out, out
    assert main(["--config", str(config), "run", "--once"]) == 0
    assert "Nothing changed since the last cycle; wrote nothing." in capsys.readouterr().out


def test_the_demo_keeps_a_settings_file_the_user_edited(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["demo"]) == 0
    config = tmp_path / "demo-output" / "crunch-and-co-defective-log.toml"
    config.write_text(config.read_text().replace("The Crunch & Co Customer Care Team", "Sam at Crunch & Co"))
    assert main(["demo"]) == 0
    assert "Sam at Crunch & Co" in config.read_text()
    wb = openpyxl.load_workbook(tmp_path / "demo-output" / "crunch-and-co-defective-log.xlsx")
    rows = list(wb["Drafts"].iter_rows(min_row=2, values_only=True))
    # The reply the story's rep sent (Status Sent) is theirs and keeps the sign-off it was sent with.
    assert [r[6] for r in rows if not r[4].endswith("Sam at Crunch & Co")] == ["Sent"]
    assert sum(r[4].endswith("Sam at Crunch & Co") for r in rows) == len(rows) - 1 > 5


def test_unchanged_input_skips_the_work_and_any_edit_is_seen(workbook, capsys, monkeypatch):
    import bot.cycle.run
    calls = []
    real = bot.cycle.run.compute
    monkeypatch.setattr(bot.cycle.run, "compute", lambda *a, **k: calls.append(1) or real(*a, **k))
    args = ["run", "--once", "--workbook", str(workbook)]
    assert main(args) == 0 and main(args) == 0
    assert len(calls) == 1  # the cold cycle predicted what the next read would see
    assert "Nothing changed since the last cycle; wrote nothing." in capsys.readouterr().out
    wb = openpyxl.load_workbook(workbook)
    wb["Defective Log"]["D2"] = "broken-email"
    wb["Drafts"]["G3"] = "Sent"
    wb.save(workbook)
    assert main(args) == 0
    assert len(calls) == 2
    assert "9 errors" in capsys.readouterr().out
    assert main(["validate", "--workbook", str(workbook)]) == 1 and len(calls) == 3  # never skipped


def test_init_adds_missing_bot_headers_after_the_last_real_one(tmp_path, capsys):
    from sheet_schema import load
    path = tmp_path / "w.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Escalations"
    wb.active.append([h.upper() for h in load("escalations").headers[:13]] + ["   "])  # no Merged Into and later
    wb.save(path)
    assert main(["init", "--workbook", str(path)]) == 0
    assert "added 6 header(s) to the 'Escalations' tab" in capsys.readouterr().out
    header = [c.value for c in openpyxl.load_workbook(path)["Escalations"][1]]
    assert header[13] == "Merged Into" and header[0] == "FLAG ID"
