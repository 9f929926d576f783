"""`redact` on both backends through the CLI: it lists the customer's cells, writes nothing without
--apply, clears only the bot's copies with it, and leaves the rep tabs byte-identical. Also `--as-of`."""
from __future__ import annotations

import re
import zipfile

import openpyxl
import pytest

from bot.cli.main import main
from bot.demo.run import write_workbook
from bot.demo.sample_data import REFERENCE_TODAY, build_sample
from sample_expectations import EXPECTED
from fake_sheets import fake_sheets, sa_key  # noqa: F401  (fixtures)
REP_TABS = ("Defective Log", "Comp Sheet")

AS_OF = ["--as-of", REFERENCE_TODAY.isoformat()]


def sheet_parts(path) -> dict[str, bytes]:
    """{tab title: bytes of its worksheet part} of an .xlsx."""
    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        targets = dict(re.findall(r'Id="(rId\d+)"[^>]*Target="([^"]+)"', rels))
        targets.update({k: v for v, k in re.findall(r'Target="([^"]+)"[^>]*Id="(rId\d+)"', rels)})
        out = {}
        for name, rid in re.findall(r'<sheet [^>]*name="([^"]+)"[^>]*r:id="(rId\d+)"', book):
            target = targets[rid].lstrip("/")
            out[name] = z.read(target if target.startswith("xl/") else "xl/" + target)
        return out


def customer() -> tuple[str, str]:
    """A ticket the sample drafts a reply for, and its customer's email."""
    ticket = next(iter(EXPECTED["ready_drafts"]))
    log = build_sample(REFERENCE_TODAY)["Defective Log"]
    row = next(r for r in log[1:] if r[1] == ticket)
    return ticket, row[3]


def test_redact_on_a_workbook(tmp_path, capsys):
    path = tmp_path / "team.xlsx"
    write_workbook(path, build_sample(REFERENCE_TODAY))
    assert main(AS_OF + ["run", "--once", "--workbook", str(path)]) == 0
    ticket, email = customer()
    assert any(email.encode() in p.read_bytes() for p in (tmp_path / "cache").rglob("warm-*.rows"))
    before = sheet_parts(path)
    raw = path.read_bytes()
    capsys.readouterr()
    assert main(AS_OF + ["redact", "--email", email.upper(), "--workbook", str(path)]) == 0
    out = capsys.readouterr().out
    assert path.read_bytes() == raw and "Nothing was written" in out
    assert f"Tickets: {ticket}." in out and "Defective Log!D" in out and "Comp Sheet!" in out
    assert "Drafts!C" in out and "Drafts!E" in out and "Bot Memory!C" in out
    assert main(AS_OF + ["redact", "--email", email, "--apply", "--workbook", str(path)]) == 0
    after = sheet_parts(path)
    assert all(after[t] == before[t] for t in REP_TABS)          # the rep tabs, byte for byte
    wb = openpyxl.load_workbook(path)
    drafts = [r for r in wb["Drafts"].iter_rows(values_only=True) if r[0] == ticket]
    assert drafts and all(r[2] is None and r[4] is None and r[3] for r in drafts)
    memory = " ".join(str(c) for r in wb["Bot Memory"].iter_rows(values_only=True) for c in r)
    assert email not in memory
    # The copy of the rep tabs a cycle keeps in the cache folder for the next (bot.cycle.warm) is gone.
    assert "copy of the rep tabs" in capsys.readouterr().out
    assert not [p for p in (tmp_path / "cache").rglob("warm-*") if email.encode() in p.read_bytes()]
    # The Bot Status clock was the --as-of day.
    status = {r[0]: r[1] for r in wb["Bot Status"].iter_rows(values_only=True)}
    assert str(status["Last run"]).startswith(REFERENCE_TODAY.isoformat())


def test_redact_on_google(fake_sheets, sa_key, capsys):  # noqa: F811
    for title, rows in build_sample(REFERENCE_TODAY).items():
        fake_sheets.add_tab(title, rows)
    args = ["--spreadsheet", fake_sheets.spreadsheet_id, "--credentials", str(sa_key.path)]
    assert main(AS_OF + ["run", "--once"] + args) == 0
    ticket, email = customer()
    rep_before = {t: fake_sheets.rows(t) for t in REP_TABS}
    fake_sheets.clear_log()
    assert main(AS_OF + ["redact", "--ticket", ticket] + args) == 0
    assert not fake_sheets.value_writes()
    assert main(AS_OF + ["redact", "--ticket", ticket, "--apply"] + args) == 0
    writes = fake_sheets.value_writes()
    assert writes and not any(fake_sheets.range_tab(rng) in REP_TABS for _, rng in writes)
    assert {t: fake_sheets.rows(t) for t in REP_TABS} == rep_before
    drafts = [r for r in fake_sheets.rows("Drafts") if r and r[0] == ticket]
    assert drafts and all(len(r) > 4 and r[2] in ("", None) and r[4] in ("", None) for r in drafts)
    assert email not in str(fake_sheets.rows("Bot Memory"))


@pytest.mark.parametrize("value", ["2026-13-01", "yesterday", "11/20/2026"])
def test_as_of_must_be_a_day(tmp_path, capsys, value):
    assert main(["--as-of", value, "validate", "--workbook", str(tmp_path / "x.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "--as-of" in err and "YYYY-MM-DD" in err and len(err.strip().splitlines()) == 1
