"""A stateful fake of Google Sheets API v4, Drive v3 `files.get` and Google's OAuth token endpoint, on `responses`.

Import it as `tests.fakes` (from the tests, bench/ and tools/google_tour.py alike):

    from tests.fakes import FakeSheets, make_service_account_key

How it is importable: `tests/` is deliberately NOT a regular package (no `tests/__init__.py`), so pytest's
default "prepend" import mode keeps putting tests/ itself on sys.path and the test modules' own
`from conftest import ...`, `from hardening import ...` and `from fake_sheets import ...` keep working.
`tests` is then an implicit namespace package, found through the repository root on sys.path: `python -m
pytest` and `python -m bench.run` (which starts its children with cwd=REPO) put the current directory
there, and `[tool.pytest.ini_options] pythonpath = ["."]` does it for a bare `pytest`. Nothing edits
sys.path by hand. Always import the fake under this one name (never `import fakes` through tests/ on
sys.path): two names would load two copies of the module, with two Drive clocks and two `FakeSheets`
classes. `tests/fake_sheets.py` is a re-export of this package for the older imports.

Modules, one per API area:
- `grid`: the tab model (cells, date serials, A1 ranges, Drive's modification clock);
- `fields`: `fields` masks (partial responses, update masks);
- `errors`: Google's error bodies and `ApiError`;
- `discovery`: every request checked against Google's discovery documents;
- `values`: values:batchGet / values:batchUpdate; `append`: values:append and its table detection;
- `batch_update`: spreadsheets:batchUpdate (all or nothing) and its sheet/format request kinds;
- `dimensions` + `structure`: insert/delete/move/append rows and columns, sortRange, and what they move;
- `protection`: protected ranges and who may edit; `metadata`: developer metadata and data filters;
- `person`: a person's edits in the UI; `hooks`: such edits between the bot's requests;
- `auth`: service-account keys and the token endpoint; `drive`: Drive's files.get;
- `sheets`: `FakeSheets` (seeding, inspection, the request log, fault injection, dispatch);
- `fixtures`: the pytest fixtures `sa_key`, `fake_sheets` and `gc` (a gspread client on the fake).

What the fake models, and where it simplifies Google, is listed in tests/fakes/sheets.py's docstring.
"""
from __future__ import annotations

from .auth import DEFAULT_EMAIL, JWT_BEARER, TOKEN_URI, ServiceAccountKey, make_service_account_key
from .drive import DRIVE_BASE, DRIVE_DISABLED, DRIVE_SCOPE_MISSING, DRIVE_SCOPES
from .errors import (HTML_ERROR, PROTECTED_MESSAGE, QUOTA_MESSAGE, SERVICE_DISABLED, ApiError, error_body,
                     google_error)
from .fields import apply_fields, parse_fields
from .fixtures import fake_sheets, gc, gspread_client, sa_key
from .grid import A1, EPOCH, MAX_CELLS, Formula, Tab, col_index, col_letters, date_serial, google_title
from .hooks import Hook
from .metadata import METADATA_CHAR_LIMIT
from .person import Person
from .sheets import DEFAULT_ID, SHEETS_BASE, FakeSheets, Logged

__all__ = [
    "A1", "DEFAULT_EMAIL", "DEFAULT_ID", "DRIVE_BASE", "DRIVE_DISABLED", "DRIVE_SCOPE_MISSING", "DRIVE_SCOPES",
    "EPOCH", "HTML_ERROR", "Hook", "JWT_BEARER", "MAX_CELLS", "METADATA_CHAR_LIMIT", "Person", "PROTECTED_MESSAGE", "QUOTA_MESSAGE", "SERVICE_DISABLED",
    "SHEETS_BASE", "TOKEN_URI", "ApiError", "FakeSheets", "Formula", "Logged", "ServiceAccountKey", "Tab",
    "apply_fields", "col_index", "col_letters", "date_serial", "error_body", "fake_sheets", "google_error",
    "gc", "google_title", "gspread_client", "make_service_account_key", "parse_fields", "sa_key",
]
