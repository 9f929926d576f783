"""pytest fixtures: `sa_key` and `fake_sheets`."""
from __future__ import annotations

from pathlib import Path

import pytest
import responses

from .auth import ServiceAccountKey, make_service_account_key
from .sheets import FakeSheets


@pytest.fixture
def sa_key(tmp_path: Path) -> ServiceAccountKey:
    """A service-account key file (fresh RSA key) in tmp_path."""
    return make_service_account_key(tmp_path)


@pytest.fixture
def fake_sheets(sa_key: ServiceAccountKey):
    """A FakeSheets (no tabs yet) on an active RequestsMock that trusts `sa_key`; other URLs fail."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield FakeSheets(rsps, trusted_keys=[sa_key])



def gspread_client(fake: FakeSheets, key: ServiceAccountKey):
    """The real gspread client, authorised with `key` through the fake's token endpoint."""
    import gspread
    from google.oauth2.service_account import Credentials

    creds = Credentials.from_service_account_file(str(key.path), scopes=[
        "https://www.googleapis.com/auth/spreadsheets", "https://www.googleapis.com/auth/drive"])
    return gspread.Client(creds)


@pytest.fixture
def gc(fake_sheets: FakeSheets, sa_key: ServiceAccountKey):
    """A gspread.Client on `fake_sheets` (call `gc.open_by_key(fake_sheets.spreadsheet_id)`)."""
    return gspread_client(fake_sheets, sa_key)
