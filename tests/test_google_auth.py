"""Reusing the access token between runs (bot/backends/google_auth.py), against the fake token
endpoint and Sheets API: the real gspread client and google-auth's AuthorizedSession."""
from __future__ import annotations

import datetime as dt
import json
import stat

import pytest

from bot.backends.google import GoogleBackend
from bot.backends.google_auth import MIN_LIFE, SCOPES, TokenFile
from bot.errors import AccessError, ConfigError

try:
    from tests.fake_sheets import FakeSheets, fake_sheets, make_service_account_key, sa_key  # noqa: F401
except ImportError:  # tests/ is not a package: pytest put it on sys.path
    from fake_sheets import FakeSheets, fake_sheets, make_service_account_key, sa_key  # type: ignore[no-redef]  # noqa: F401


@pytest.fixture
def sheet(fake_sheets: FakeSheets) -> FakeSheets:
    fake_sheets.add_tab("Defective Log", [["Date Logged", "Ticket ID"], [46300, "T-1"]])
    return fake_sheets


def backend(fake: FakeSheets, key_path, folder) -> GoogleBackend:
    return GoogleBackend(fake.spreadsheet_id, key_path, sleep=lambda s: None, token_folder=folder)


def saved_files(folder):
    return sorted(p.name for p in folder.glob("token-*.json")) if folder.exists() else []


def test_a_second_run_reuses_the_token_without_parsing_the_key(sheet, sa_key, tmp_path):
    folder = tmp_path / "cache"
    assert backend(sheet, sa_key.path, folder).read(["Defective Log"]).tabs["Defective Log"][1] == [46300, "T-1"]
    assert len(sheet.token_log) == 1
    [name] = saved_files(folder)
    path = folder / name
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in folder.iterdir()] == [name]     # no temporary file left behind
    assert json.loads(path.read_text())["token"] in sheet.tokens

    second = backend(sheet, sa_key.path, folder)
    assert second.read(["Defective Log"]).tabs["Defective Log"][1] == [46300, "T-1"]
    assert len(sheet.token_log) == 1            # no new token request
    assert second._creds.reused                 # and the private key never parsed


def test_without_a_token_folder_nothing_is_kept(sheet, sa_key, tmp_path):
    backend(sheet, sa_key.path, None).read(["Defective Log"])
    backend(sheet, sa_key.path, None).read(["Defective Log"])
    assert len(sheet.token_log) == 2 and list(tmp_path.glob("**/token-*.json")) == []


def test_a_refused_saved_token_is_replaced_from_the_key(sheet, sa_key, tmp_path):
    """Google no longer honours the token (revoked): the 401 makes google-auth refresh from the key
    once, and the read goes on."""
    folder = tmp_path / "cache"
    backend(sheet, sa_key.path, folder).read(["Defective Log"])
    path = folder / saved_files(folder)[0]
    path.write_text(json.dumps({**json.loads(path.read_text()), "token": "ya29.revoked"}))
    again = backend(sheet, sa_key.path, folder)
    assert again.read(["Defective Log"]).tabs["Defective Log"][1] == [46300, "T-1"]
    assert len(sheet.token_log) == 2 and [e.status for e in sheet.api_log].count(401) == 1
    assert json.loads(path.read_text())["token"] in sheet.tokens


def test_a_refused_token_and_a_refused_key_is_the_usual_access_error_and_keeps_nothing(sheet, sa_key, tmp_path):
    folder = tmp_path / "cache"
    backend(sheet, sa_key.path, folder).read(["Defective Log"])
    sheet.tokens.clear()   # Google forgets every token it issued, and refuses the key
    sheet.token_error = ("invalid_grant", "Invalid grant: account not found")
    with pytest.raises(AccessError) as err:
        backend(sheet, sa_key.path, folder).read(["Defective Log"])
    assert err.value.exit_code == 3 and "account not found" in err.value.message
    assert saved_files(folder) == []


@pytest.mark.parametrize("content", [
    pytest.param("not json", id="not-json"),
    pytest.param(json.dumps({"token": "ya29.x"}), id="no-expiry"),
    pytest.param(json.dumps({"token": "", "expiry": "2999-01-01T00:00:00"}), id="empty-token"),
    pytest.param(json.dumps({"token": "ya29.x", "expiry": "2999-01-01T00:00:00+00:00"}), id="aware-expiry"),
    pytest.param(json.dumps(["ya29.x"]), id="a-list"),
])
def test_a_damaged_token_file_is_ignored(sheet, sa_key, tmp_path, content):
    folder = tmp_path / "cache"
    store = TokenFile(folder, sa_key.path.read_text(), SCOPES)
    folder.mkdir()
    store.path.write_text(content)
    assert backend(sheet, sa_key.path, folder).read(["Defective Log"]).tabs["Defective Log"]
    assert len(sheet.token_log) == 1


@pytest.mark.parametrize("life, reused", [
    pytest.param(MIN_LIFE + dt.timedelta(minutes=1), True, id="enough-life-left"),
    pytest.param(MIN_LIFE - dt.timedelta(seconds=30), False, id="about-to-run-out"),
    pytest.param(-dt.timedelta(minutes=1), False, id="ran-out"),
])
def test_a_saved_token_is_used_only_with_minutes_left(sheet, sa_key, tmp_path, life, reused):
    folder = tmp_path / "cache"
    backend(sheet, sa_key.path, folder).read(["Defective Log"])
    store = TokenFile(folder, sa_key.path.read_text(), SCOPES)
    saved = json.loads(store.path.read_text())
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    store.path.write_text(json.dumps({"token": saved["token"], "expiry": (now + life).isoformat()}))
    again = backend(sheet, sa_key.path, folder)
    again.read(["Defective Log"])
    assert again._creds.reused is reused
    assert len(sheet.token_log) == (1 if reused else 2)


def test_another_key_never_meets_the_old_token(sheet, sa_key, tmp_path):
    folder = tmp_path / "cache"
    backend(sheet, sa_key.path, folder).read(["Defective Log"])
    (tmp_path / "other").mkdir()
    other = make_service_account_key(tmp_path / "other", key_number=1)
    sheet.trust(other)
    again = backend(sheet, other.path, folder)
    again.read(["Defective Log"])
    assert not again._creds.reused and len(sheet.token_log) == 2 and len(saved_files(folder)) == 2


def test_a_damaged_key_is_reported_up_front_when_no_token_is_saved(sheet, sa_key, tmp_path):
    info = json.loads(sa_key.path.read_text())
    info["private_key"] = "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n"
    sa_key.path.write_text(json.dumps(info))
    with pytest.raises(ConfigError) as err:
        backend(sheet, sa_key.path, tmp_path / "cache").client_email
    assert "cannot be read" in err.value.message and err.value.exit_code == 2


def test_a_token_that_cannot_be_kept_only_costs_a_token_request(sheet, sa_key, tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("in the way of the cache folder")
    assert backend(sheet, sa_key.path, blocked).read(["Defective Log"]).tabs["Defective Log"]
    assert backend(sheet, sa_key.path, blocked).read(["Defective Log"]).tabs["Defective Log"]
    assert len(sheet.token_log) == 2


def test_doctor_gets_a_fresh_token_and_the_cycle_commands_reuse(tmp_path, monkeypatch, sa_key):
    from bot import sheet as app
    from bot.config import load_settings
    from bot.cycle.quiet import cache_dir
    settings = load_settings(environ={})
    settings.spreadsheet, settings.credentials = "1" + "a" * 43, str(sa_key.path)
    assert app.open_backend(settings).token_folder == cache_dir()
    assert app.open_backend(settings, reuse_token=False).token_folder is None
