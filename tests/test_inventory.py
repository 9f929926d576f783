"""Our own inventory: schema files, templates, example files, module boundaries, CLI help."""
import ast
import json
from pathlib import Path

import pytest

import sheet_schema
from bot.cli.main import build_parser
from bot.config import load_settings

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", sorted(sheet_schema.TAB_FILES))
def test_every_schema_file_loads_with_unique_keys_and_headers(name):
    schema = sheet_schema.load(name)
    keys = [c.key for c in schema.columns]
    assert len(keys) == len(set(keys)) and len(schema.headers) == len(set(schema.headers))
    if name in sheet_schema.REP_TABS:
        # The contract's columns stand at A, B, C, ... in order; an optional one kept anywhere (Date Closed,
        # with the other names it goes by) has no letter and comes after them.
        letters = [c.letter for c in schema.laid_out]
        assert letters == [chr(65 + i) for i in range(len(letters))]
        assert all(not c.letter for c in schema.columns[len(letters):])


def test_defective_log_required_columns_are_a_to_f_and_i_to_q():
    cols = sheet_schema.load("defective_log").columns
    required = "".join(c.letter for c in cols if c.required or c.required_when)
    assert required == "ABCDEFIJKLMNOPQ"


def test_people_columns_are_marked():
    owners = {c.header: c.owner for c in sheet_schema.load("escalations").columns}
    assert owners["Lead Status"] == owners["Lead Notes"] == "leads"
    assert {c.header: c.owner for c in sheet_schema.load("drafts").columns}["Status"] == "reps"


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("library, allowed", [
    ("gspread", {"bot/backends/google.py", "bot/backends/google_http.py"}),
    ("openpyxl", {"bot/backends/workbook.py"}),
    ("python_calamine", {"bot/backends/xlsx_values.py"}),
])
def test_one_door_to_each_storage(library, allowed):
    users = {str(p.relative_to(ROOT)) for p in (ROOT / "bot").rglob("*.py") if library in imports_of(p)}
    assert users == allowed


def test_the_rules_import_no_storage_and_no_network():
    """The folder-wide twin of .importlinter's first contract (which also follows indirect imports):
    every module in bot/read and bot/tabs, even one added later, imports no storage or network library."""
    rules = [p for folder in ("read", "tabs") for p in (ROOT / "bot" / folder).glob("*.py")]
    assert len(rules) >= 12
    for path in rules:
        assert not {"gspread", "google", "openpyxl", "lxml", "python_calamine", "requests"} & imports_of(path), path


def test_example_config_loads():
    settings = load_settings(ROOT / "bot.example.toml", environ={})
    assert settings.workbook.name == "team-defective-log.xlsx" and settings.recurrence.window_days == 14


def test_example_credentials_has_the_fields_of_a_real_key():
    data = json.loads((ROOT / "credentials.example.json").read_text())
    assert data["type"] == "service_account"
    assert {"project_id", "private_key_id", "private_key", "client_email", "client_id", "token_uri"} <= set(data)


def test_every_command_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    assert set(commands) == {"run", "watch", "validate", "init", "doctor", "demo", "report", "redact"}
    for name in commands:
        assert f"defective-log-bot {name}" in readme or name == "demo", name
    assert readme.index("make demo") < readme.index("make test") < 400


def test_ci_runs_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
