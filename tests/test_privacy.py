"""Logs never carry customer data or secrets; a key file others can read is warned about."""
import json

import pytest

from bot.cli.main import main
from bot.clock import local_now
from bot.demo.sample_data import build_sample
from fake_sheets import fake_sheets, sa_key  # noqa: F401  (fixtures)

PRIVATE = ("Customer Name", "Customer Email", "Complaint Details")


def private_values():
    rows = build_sample(local_now().date())["Defective Log"]
    idx = [rows[0].index(h) for h in PRIVATE]
    values = {row[i] for row in rows[1:] for i in idx if i < len(row) and isinstance(row[i], str)}
    return {v for v in values if len(v.strip()) > 3}


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_full_google_run_logs_no_customer_data_or_secret(fake_sheets, sa_key, capsys, log_format):  # noqa: F811
    for title, rows in build_sample(local_now().date()).items():
        fake_sheets.add_tab(title, rows)
    sa_key.path.chmod(0o600)
    args = ["--spreadsheet", fake_sheets.spreadsheet_id, "--credentials", str(sa_key.path),
            "--log-format", log_format, "-v"]
    assert main(["run", "--once", *args]) == 0
    assert main(["run", "--once", *args]) == 0
    out = capsys.readouterr()
    logs = out.err
    assert logs.strip(), "verbose run should log something"
    if log_format == "json":
        entries = [json.loads(line) for line in logs.splitlines() if line.startswith("{")]
        assert entries and all({"time", "level", "logger", "message"} <= set(e) for e in entries)
    leaked = [v for v in private_values() if v in logs or v in out.out]
    assert leaked == []
    pem = sa_key.info["private_key"]
    for secret in [pem.splitlines()[1], *fake_sheets.tokens, sa_key.info["private_key_id"]]:
        assert secret not in logs and secret not in out.out


@pytest.mark.parametrize("mode, warned", [(0o644, True), (0o640, True), (0o600, False), (0o400, False)])
def test_key_file_readable_by_others_is_warned(fake_sheets, sa_key, capsys, mode, warned):  # noqa: F811
    for title, rows in build_sample(local_now().date()).items():
        fake_sheets.add_tab(title, rows)
    sa_key.path.chmod(mode)
    assert main(["run", "--once", "--spreadsheet", fake_sheets.spreadsheet_id,
                 "--credentials", str(sa_key.path)]) == 0
    assert ("chmod 600" in capsys.readouterr().err) == warned
