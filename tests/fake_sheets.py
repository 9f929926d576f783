"""A stateful fake of the Google Sheets API v4 (and Google's OAuth token endpoint) on `responses`.

It answers the way Google does, as far as the bot can tell:
- `GET /v4/spreadsheets/{id}`: metadata, filtered by the `fields` mask; `frozenRowCount` and empty
  lists omitted as Google omits default values.
- `GET /v4/spreadsheets/{id}/values:batchGet`: trailing empty cells and rows dropped, an empty middle
  row as `[]`, no "values" key for an empty range, the range echoed as `'Tab'!A1:Z1000`;
  UNFORMATTED_VALUE gives JSON numbers, strings and booleans; date cells are stored as serial numbers
  counted from 1899-12-30 (SERIAL_NUMBER) and formatted `11/3/2026` otherwise; an unknown tab is
  400 "Unable to parse range: ..."; a range beyond the grid is 400 "... exceeds grid limits ...".
- `POST /v4/spreadsheets/{id}/values:batchUpdate`: RAW stores strings as strings (even `=1+1` and
  `0123`), "" clears, null skips a cell; the whole batch is checked before anything is written.
- `POST /v4/spreadsheets/{id}:batchUpdate`: addSheet (1000x26 unless told), updateSheetProperties,
  setDataValidation, addConditionalFormatRule, deleteConditionalFormatRule, and (tests/fake_formats.py)
  repeatCell, updateDimensionProperties, setBasicFilter, add/update/deleteProtectedRange; all or nothing;
  any other request kind is 400 as Google answers an unknown field.
- `POST https://oauth2.googleapis.com/token`: checks the service account's signed JWT (RS256) against
  the public keys it trusts, returns a bearer token that every Sheets request must carry (else 401).

Fault injection uses Google's JSON error bodies: `queue_error(429, times=2, retry_after=3)`,
`queue_exception(requests.ConnectTimeout())`, and permanent `access` modes ("denied" -> 403 on every
request, "read_only" -> 403 on writes, "missing" -> 404, "api_disabled" -> 403 SERVICE_DISABLED);
`fake.tab(title).protected = True` makes writes to a tab answer 400 "...protected cell or object...".

Seed a sheet with `fake.add_tab("Defective Log", [[header, ...], [date(2026, 11, 3), "T-1", "0123", 2, True]])`
(row 1 first; None or "" is an empty cell; dates are stored as serials) and inspect it with
`fake.rows(title)` (what an UNFORMATTED_VALUE read returns), `fake.tab(title)` (grid, frozen rows,
validations, conditional formats), `fake.api_log` / `fake.value_writes()` (requests, RAW checks).

Fixtures: `sa_key` (a fresh service-account key file in tmp_path) and `fake_sheets` (a FakeSheets on an
active RequestsMock that trusts `sa_key`; any URL not registered fails the request).
"""
from __future__ import annotations

import base64
import copy
import dataclasses
import datetime as dt
import functools
import json
import re
import time
import urllib.parse
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import pytest
import responses
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

try:   # cell formats, widths, basic filter, protected ranges (kept in their own module)
    from . import fake_formats
except ImportError:  # tests/ is not a package: pytest put it on sys.path
    import fake_formats  # type: ignore[no-redef]

SHEETS_BASE = "https://sheets.googleapis.com/v4/spreadsheets"
TOKEN_URI = "https://oauth2.googleapis.com/token"
DRIVE_BASE = "https://www.googleapis.com/drive/v3/files"
DRIVE_SCOPES = {"https://www.googleapis.com/auth/drive", "https://www.googleapis.com/auth/drive.readonly",
                "https://www.googleapis.com/auth/drive.metadata.readonly",
                "https://www.googleapis.com/auth/drive.metadata", "https://www.googleapis.com/auth/drive.file"}
DEFAULT_ID = "1FakeSheetIdAbCdEfGhIjKlMnOpQrStUvWxYz0123456"
DEFAULT_EMAIL = "defective-log-bot@cs-tools-test.iam.gserviceaccount.com"
EPOCH = dt.datetime(1899, 12, 30)
MAX_CELLS = 10_000_000
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


# ---------------------------------------------------------------------------------------------------
# Google's error bodies


def google_error(code: int, message: str, status: str, details: list | None = None) -> dict:
    body: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details:
        body["details"] = details
    return {"error": body}


QUOTA_MESSAGE = ("Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute per user' "
                 "of service 'sheets.googleapis.com' for consumer 'project_number:123456789012'.")
HTML_ERROR = ("<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>Error {code} (Server Error)!!1</title>\n"
              "  <p><b>{code}.</b> <ins>That’s an error.</ins>\n  <p>The server encountered a temporary error and "
              "could not complete your request.<p>Please try again in 30 seconds.  <ins>That’s all we know.</ins>\n")


def error_body(code: int, message: str | None = None) -> dict | str:
    """Google's answer for an HTTP status (JSON for the API's own errors, an HTML page for 408/502)."""
    if code == 400:
        return google_error(400, message or "Request contains an invalid argument.", "INVALID_ARGUMENT")
    if code == 401:
        return google_error(401, message or (
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other "
            "valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project."),
            "UNAUTHENTICATED")
    if code == 403:
        return google_error(403, message or "The caller does not have permission", "PERMISSION_DENIED")
    if code == 404:
        return google_error(404, message or "Requested entity was not found.", "NOT_FOUND")
    if code == 429:
        return google_error(429, message or QUOTA_MESSAGE, "RESOURCE_EXHAUSTED", [{
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "RATE_LIMIT_EXCEEDED",
            "domain": "googleapis.com",
            "metadata": {"quota_limit": "ReadRequestsPerMinutePerUser", "quota_metric": "sheets.googleapis.com/read_requests",
                         "service": "sheets.googleapis.com", "consumer": "projects/123456789012",
                         "quota_location": "global", "quota_limit_value": "60"},
        }, {"@type": "type.googleapis.com/google.rpc.Help",
            "links": [{"description": "Request a higher quota limit.",
                       "url": "https://cloud.google.com/docs/quotas/help/request_increase"}]}])
    if code == 500:
        return google_error(500, message or "Internal error encountered.", "INTERNAL")
    if code == 503:
        return google_error(503, message or "The service is currently unavailable.", "UNAVAILABLE")
    if code == 504:
        return google_error(504, message or "Deadline expired before operation could complete.", "DEADLINE_EXCEEDED")
    if code in (408, 502):
        return HTML_ERROR.format(code=code)
    return google_error(code, message or "Unknown error.", "UNKNOWN")


SERVICE_DISABLED = google_error(
    403,
    "Google Sheets API has not been used in project 123456789012 before or it is disabled. Enable it by visiting "
    "https://console.developers.google.com/apis/api/sheets.googleapis.com/overview?project=123456789012 then retry. "
    "If you enabled this API recently, wait a few minutes for the action to propagate to our systems and retry.",
    "PERMISSION_DENIED",
    [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "SERVICE_DISABLED", "domain": "googleapis.com",
      "metadata": {"service": "sheets.googleapis.com", "consumer": "projects/123456789012"}}],
)

DRIVE_DISABLED = {"error": {
    "code": 403,
    "message": "Google Drive API has not been used in project 123456789012 before or it is disabled. Enable it by "
               "visiting https://console.developers.google.com/apis/api/drive.googleapis.com/overview?project=123456789012 "
               "then retry. If you enabled this API recently, wait a few minutes for the action to propagate to our "
               "systems and retry.",
    "errors": [{"message": "Google Drive API has not been used in project 123456789012 before or it is disabled.",
                "domain": "usageLimits", "reason": "accessNotConfigured",
                "extendedHelp": "https://console.developers.google.com"}],
    "status": "PERMISSION_DENIED",
    "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "SERVICE_DISABLED",
                 "domain": "googleapis.com",
                 "metadata": {"service": "drive.googleapis.com", "consumer": "projects/123456789012"}}],
}}
DRIVE_SCOPE_MISSING = {"error": {
    "code": 403, "message": "Request had insufficient authentication scopes.",
    "errors": [{"message": "Insufficient Permission", "domain": "global", "reason": "insufficientPermissions"}],
    "status": "PERMISSION_DENIED",
    "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                 "domain": "googleapis.com",
                 "metadata": {"service": "drive.googleapis.com", "method": "google.apps.drive.v3.DriveFiles.Get"}}],
}}

# Drive's modifiedTime moves on every change to any fake sheet (cell edits included): milliseconds
# since this instant, one per change, so each change has its own time.
_EDITS = [0]
_MODIFIED_BASE = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)


def _touched() -> None:
    _EDITS[0] += 1


PROTECTED_MESSAGE = ("You are trying to edit a protected cell or object. Please contact the spreadsheet owner to "
                     "remove protection if you need to edit.")


class ApiError(Exception):
    """Raised inside the fake to answer with a Google error."""

    def __init__(self, code: int, message: str | None = None, body: Any = None):
        super().__init__(message)
        self.code = code
        self.body = body if body is not None else error_body(code, message)


# ---------------------------------------------------------------------------------------------------
# Cells, dates and A1 notation


def date_serial(value: dt.date | dt.datetime) -> int | float:
    """The spreadsheet serial of a date (an int) or datetime (a float), counted from 1899-12-30."""
    if isinstance(value, dt.datetime):
        delta = value.replace(tzinfo=None) - EPOCH
        return delta.days + delta.seconds / 86400 + delta.microseconds / 86_400_000_000
    return (value - EPOCH.date()).days


@dataclass(frozen=True)
class Formula:
    """A formula entered with USER_ENTERED (the fake does not evaluate it)."""

    text: str


def col_letters(col: int) -> str:
    """0-based column index -> letters."""
    col += 1
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def col_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def google_title(title: str) -> str:
    """A tab title as Google echoes it in ranges: bare when simple (`Escalations`), else quoted."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", title) and not re.fullmatch(r"[A-Za-z]{1,3}\d+|[Rr]\d*[Cc]\d*", title):
        return title
    return "'" + title.replace("'", "''") + "'"


_CELL_RE = re.compile(r"^([A-Za-z]*)(\d*)$")


@dataclass
class Tab:
    sheet_id: int
    title: str
    index: int
    rows: int = 1000
    cols: int = 26
    frozen_rows: int = 0
    cells: dict[tuple[int, int], Any] = field(default_factory=dict)     # (row, col) 0-based -> value
    date_cells: dict[tuple[int, int], bool] = field(default_factory=dict)  # cell -> has a time part
    validations: dict[tuple, dict] = field(default_factory=dict)         # grid-range key -> rule
    conditional_formats: list[dict] = field(default_factory=list)
    protected: bool = False                                              # writes answer 400 (protected range)

    def properties(self) -> dict:
        grid: dict[str, int] = {"rowCount": self.rows, "columnCount": self.cols}
        if self.frozen_rows:
            grid["frozenRowCount"] = self.frozen_rows
        return {"sheetId": self.sheet_id, "title": self.title, "index": self.index, "sheetType": "GRID",
                "gridProperties": grid}

    def set(self, row: int, col: int, value: Any) -> None:
        """Store a typed value at 0-based (row, col); None or "" empties the cell."""
        key = (row, col)
        _touched()
        if value is None or value == "":
            self.cells.pop(key, None)
            return
        if isinstance(value, (dt.date, dt.datetime)):
            self.date_cells[key] = isinstance(value, dt.datetime)
            value = date_serial(value)
        self.cells[key] = value

    def used(self) -> tuple[int, int]:
        if not self.cells:
            return 0, 0
        return max(r for r, _ in self.cells) + 1, max(c for _, c in self.cells) + 1



def _tab_copy(tab: "Tab") -> "Tab":
    """A copy of a tab that shares only immutable values with the original."""
    return dataclasses.replace(tab, cells=dict(tab.cells), date_cells=dict(tab.date_cells),
                               validations=copy.deepcopy(tab.validations),
                               conditional_formats=copy.deepcopy(tab.conditional_formats))

@dataclass
class A1:
    tab: Tab
    text: str          # the range as sent
    cells: str | None  # the part after '!', or None for the whole tab
    r0: int | None
    c0: int | None
    r1: int | None     # inclusive
    c1: int | None

    def bounds(self) -> tuple[int, int, int, int]:
        """0-based inclusive (r0, c0, r1, c1) with open ends resolved to the grid."""
        return (self.r0 or 0, self.c0 or 0,
                self.tab.rows - 1 if self.r1 is None else self.r1,
                self.tab.cols - 1 if self.c1 is None else self.c1)

    def check_grid(self) -> None:
        r0, c0, r1, c1 = self.bounds()
        if r1 >= self.tab.rows or c1 >= self.tab.cols or r0 >= self.tab.rows or c0 >= self.tab.cols:
            raise ApiError(400, f"Range ({google_title(self.tab.title)}!{self.cells}) exceeds grid limits. "
                                f"Max rows: {self.tab.rows}, max columns: {self.tab.cols}")

    def echo(self) -> str:
        r0, c0, r1, c1 = self.bounds()
        r1, c1 = min(r1, self.tab.rows - 1), min(c1, self.tab.cols - 1)
        return f"{google_title(self.tab.title)}!{col_letters(c0)}{r0 + 1}:{col_letters(c1)}{r1 + 1}"


# ---------------------------------------------------------------------------------------------------
# Fields masks


def parse_fields(mask: str) -> dict:
    """`a.b(c,d),e` -> {"a": {"b": {"c": None, "d": None}}, "e": None} (None = the whole value)."""
    pos = 0

    def parse_list(end: str | None) -> dict:
        nonlocal pos
        tree: dict = {}
        while pos < len(mask):
            if end and mask[pos] == end:
                pos += 1
                return tree
            if mask[pos] in ", ":
                pos += 1
                continue
            path = re.match(r"[A-Za-z0-9_*]+(?:\.[A-Za-z0-9_*]+)*", mask[pos:])
            if not path:
                raise ApiError(400, f"Invalid field selection {mask}")
            pos += path.end()
            names = path.group(0).split(".")
            sub: dict | None = None
            if pos < len(mask) and mask[pos] == "(":
                pos += 1
                sub = parse_list(")")
            node = tree
            for name in names[:-1]:
                node = node.setdefault(name, {}) if node.get(name, {}) is not None else {}
            last = names[-1]
            if last in node and node[last] is not None and sub is not None:
                node[last].update(sub)
            elif last not in node or sub is None:
                node[last] = sub
        return tree

    return parse_list(None)


def apply_fields(value: Any, tree: dict | None) -> Any:
    if tree is None or "*" in tree:
        return value
    if isinstance(value, list):
        return [apply_fields(v, tree) for v in value]
    if isinstance(value, dict):
        return {k: apply_fields(value[k], sub) for k, sub in tree.items() if k in value}
    return value


# ---------------------------------------------------------------------------------------------------
# Service-account keys


@functools.lru_cache(maxsize=4)
def _rsa_key(n: int = 0) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class ServiceAccountKey:
    path: Path
    client_email: str
    info: dict
    private_key: rsa.RSAPrivateKey

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self.private_key.public_key()


def make_service_account_key(directory: Path, *, client_email: str | None = DEFAULT_EMAIL,
                             filename: str = "service-account.json", key_number: int = 0,
                             **overrides: Any) -> ServiceAccountKey:
    """Write a service-account key JSON file (a freshly generated RSA key) into `directory`.

    `overrides` replace or (with value None) remove fields of the JSON, e.g. private_key=None;
    client_email=None leaves that field out.
    """
    key = _rsa_key(key_number)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    email = client_email or DEFAULT_EMAIL
    project = email.split("@")[1].split(".")[0] if "@" in email else "cs-tools-test"
    info = {
        "type": "service_account",
        "project_id": project,
        "private_key_id": f"{key_number:040x}",
        "private_key": pem,
        "client_email": client_email,
        "client_id": "109876543210987654321",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": TOKEN_URI,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/"
                                + urllib.parse.quote(email),
        "universe_domain": "googleapis.com",
    }
    if client_email is None:
        del info["client_email"]
    for k, v in overrides.items():
        if v is None:
            info.pop(k, None)
        else:
            info[k] = v
    path = Path(directory) / filename
    path.write_text(json.dumps(info, indent=2), encoding="utf-8")
    return ServiceAccountKey(path, email, info, key)


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


# ---------------------------------------------------------------------------------------------------
# The fake


@dataclass
class Logged:
    method: str
    url: str
    path: str
    params: dict[str, list[str]]
    body: Any
    status: int = 0

    @property
    def kind(self) -> str:
        """"metadata", "batchGet", "values:batchUpdate", "batchUpdate", "token" or "other"."""
        if self.url.startswith(TOKEN_URI):
            return "token"
        if self.url.startswith(DRIVE_BASE):
            return "drive"
        if self.path.endswith("/values:batchGet"):
            return "batchGet"
        if self.path.endswith("/values:batchUpdate"):
            return "values:batchUpdate"
        if self.path.endswith(":batchUpdate"):
            return "batchUpdate"
        if self.method == "GET" and re.fullmatch(r"/v4/spreadsheets/[^/:]+", self.path):
            return "metadata"
        return "other"

    @property
    def is_write(self) -> bool:
        return self.kind in ("values:batchUpdate", "batchUpdate")


@dataclass
class _Fault:
    status: int
    body: Any
    headers: dict[str, str]
    match: Callable[[Logged], bool] | None = None
    exception: BaseException | None = None


class FakeSheets:
    """One spreadsheet behind the Sheets API v4, registered on `rsps` (see the module docstring)."""

    def __init__(self, rsps: responses.RequestsMock, spreadsheet_id: str = DEFAULT_ID, *,
                 title: str = "CS Defective Log", trusted_keys: Iterable[ServiceAccountKey] = (),
                 verify_jwt: bool = True) -> None:
        self.spreadsheet_id = spreadsheet_id
        self.title = title
        self.tabs: list[Tab] = []
        self.log: list[Logged] = []
        self.access = "ok"                 # "ok" | "denied" | "read_only" | "missing" | "api_disabled"
        self.token_error: tuple[str, str] | None = None   # e.g. ("invalid_grant", "Invalid JWT Signature.")
        self.verify_jwt = verify_jwt
        self.tokens: set[str] = set()
        self.token_scopes: dict[str, set[str]] = {}
        self.drive_enabled = True          # False: the Drive API is off in the key's Cloud project
        self._trusted: dict[str, rsa.RSAPublicKey] = {}
        self._faults: deque[_Fault] = deque()
        self._next_sheet_id = 0
        for key in trusted_keys:
            self.trust(key)
        rsps.add_callback(responses.POST, TOKEN_URI, callback=self._token)
        api = re.compile(re.escape(SHEETS_BASE) + r"/.*")
        rsps.add_callback(responses.GET, api, callback=self._api)
        rsps.add_callback(responses.POST, api, callback=self._api)
        rsps.add_callback(responses.PUT, api, callback=self._api)
        rsps.add_callback(responses.GET, re.compile(re.escape(DRIVE_BASE) + r"/.*"), callback=self._drive)

    # -- seeding and inspection --------------------------------------------------------------------

    def trust(self, key: ServiceAccountKey) -> None:
        """Accept JWTs signed by this key (the token endpoint checks the signature)."""
        self._trusted[key.client_email] = key.public_key

    def add_tab(self, title: str, rows: Iterable[Iterable[Any]] = (), *, row_count: int = 1000,
                col_count: int = 26, sheet_id: int | None = None) -> Tab:
        """Add a tab and fill it from row 1: str, int, float, bool, date/datetime (stored as serials)."""
        sid = self._new_sheet_id() if sheet_id is None else sheet_id
        tab = Tab(sid, title, len(self.tabs), row_count, col_count)
        self.tabs.append(tab)
        _touched()
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                tab.set(r, c, value)
        return tab

    def tab(self, title: str) -> Tab:
        found = self._find(title)
        if found is None:
            raise KeyError(title)
        return found

    def rows(self, title: str) -> list[list[Any]]:
        """The tab's values as Google's UNFORMATTED_VALUE read returns them (ragged, trimmed)."""
        tab = self.tab(title)
        return self._render(tab, 0, 0, tab.rows - 1, tab.cols - 1, "UNFORMATTED_VALUE", "SERIAL_NUMBER")

    def cell(self, title: str, a1: str) -> Any:
        m = re.fullmatch(r"([A-Za-z]+)(\d+)", a1)
        assert m, a1
        return self.tab(title).cells.get((int(m.group(2)) - 1, col_index(m.group(1))))

    def queue_error(self, status: int, times: int = 1, *, retry_after: float | str | None = None,
                    message: str | None = None, body: Any = None,
                    match: Callable[[Logged], bool] | None = None) -> None:
        """Answer the next `times` Sheets requests (that `match`, if given) with Google's error."""
        headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
        payload = body if body is not None else error_body(status, message)
        for _ in range(times):
            self._faults.append(_Fault(status, payload, headers, match))

    def queue_exception(self, exc: BaseException, times: int = 1,
                        match: Callable[[Logged], bool] | None = None) -> None:
        """Raise `exc` (e.g. requests.ConnectTimeout()) for the next `times` Sheets requests."""
        for _ in range(times):
            self._faults.append(_Fault(0, None, {}, match, exc))

    @property
    def api_log(self) -> list[Logged]:
        """Every Sheets API request (the token endpoint and Drive excluded), faults included."""
        return [e for e in self.log if e.kind not in ("token", "drive")]

    @property
    def drive_log(self) -> list[Logged]:
        return [e for e in self.log if e.kind == "drive"]

    def touch(self) -> None:
        """Move Drive's modifiedTime as any save does (cell edits through Tab.set already do)."""
        _touched()

    @property
    def modified_time(self) -> str:
        when = _MODIFIED_BASE + dt.timedelta(milliseconds=_EDITS[0])
        return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"

    @property
    def token_log(self) -> list[Logged]:
        return [e for e in self.log if e.kind == "token"]

    def clear_log(self) -> None:
        self.log.clear()

    def value_writes(self) -> list[tuple[str, str]]:
        """(valueInputOption, range) for every range sent to values:batchUpdate (and PUT values)."""
        out = []
        for e in self.api_log:
            if e.kind == "values:batchUpdate" and isinstance(e.body, dict):
                for d in e.body.get("data") or []:
                    out.append((e.body.get("valueInputOption"), d.get("range")))
        return out

    def range_tab(self, a1: str) -> str | None:
        """The title of the tab an A1 range names (as the fake resolves it), or None."""
        try:
            return self._parse_range(a1).tab.title
        except ApiError:
            return None

    # -- plumbing ----------------------------------------------------------------------------------

    def _new_sheet_id(self) -> int:
        if not self.tabs and self._next_sheet_id == 0:
            self._next_sheet_id = 1
            return 0
        self._next_sheet_id += 1
        return 1_000_000_000 + self._next_sheet_id * 7919

    def _find(self, title: str) -> Tab | None:
        for tab in self.tabs:
            if tab.title == title:
                return tab
        for tab in self.tabs:
            if tab.title.casefold() == title.casefold():
                return tab
        return None

    def _by_id(self, sheet_id: Any) -> Tab | None:
        for tab in self.tabs:
            if tab.sheet_id == sheet_id:
                return tab
        return None

    @staticmethod
    def _reply(status: int, body: Any, headers: dict[str, str] | None = None):
        headers = dict(headers or {})
        if isinstance(body, str):
            headers.setdefault("Content-Type", "text/html; charset=UTF-8")
            return status, headers, body
        headers.setdefault("Content-Type", "application/json; charset=UTF-8")
        return status, headers, json.dumps(body)

    def _logged(self, request) -> Logged:
        parsed = urllib.parse.urlsplit(request.url)
        params = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
        raw = request.body
        body: Any = None
        if raw:
            text = raw.decode() if isinstance(raw, bytes) else raw
            try:
                body = json.loads(text)
            except ValueError:
                body = dict(urllib.parse.parse_qsl(text, keep_blank_values=True))
        entry = Logged(request.method, request.url, urllib.parse.unquote(parsed.path), params, body)
        self.log.append(entry)
        return entry

    # -- token endpoint ----------------------------------------------------------------------------

    def _token(self, request):
        entry = self._logged(request)
        status, headers, body = self._token_answer(entry)
        entry.status = status
        return status, headers, body

    def _token_answer(self, entry: Logged):
        form = entry.body if isinstance(entry.body, dict) else {}
        if self.token_error:
            error, description = self.token_error
            return self._reply(400, {"error": error, "error_description": description})
        if form.get("grant_type") != JWT_BEARER or "assertion" not in form:
            return self._reply(400, {"error": "unsupported_grant_type", "error_description": "Invalid grant_type: "
                                     + str(form.get("grant_type", ""))})
        try:
            head_b64, payload_b64, sig_b64 = form["assertion"].split(".")
            header = json.loads(_b64decode(head_b64))
            claims = json.loads(_b64decode(payload_b64))
            signature = _b64decode(sig_b64)
        except ValueError:
            return self._reply(400, {"error": "invalid_grant", "error_description": "Invalid JWT: token format"})
        if self.verify_jwt:
            key = self._trusted.get(claims.get("iss", ""))
            if key is None:
                return self._reply(400, {"error": "invalid_grant", "error_description": "Invalid grant: account not found"})
            if header.get("alg") != "RS256":
                return self._reply(400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."})
            try:
                key.verify(signature, f"{head_b64}.{payload_b64}".encode(), padding.PKCS1v15(), hashes.SHA256())
            except InvalidSignature:
                return self._reply(400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."})
            if claims.get("aud") != TOKEN_URI:
                return self._reply(400, {"error": "invalid_grant", "error_description": "Invalid JWT: aud mismatch"})
            now = time.time()
            if not (claims.get("iat", 0) - 300 <= now <= claims.get("exp", 0) + 300):
                return self._reply(400, {"error": "invalid_grant", "error_description":
                                         "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. "
                                         "Check your iat and exp values in the JWT claim."})
            if "https://www.googleapis.com/auth/spreadsheets" not in str(claims.get("scope", "")).split():
                return self._reply(400, {"error": "invalid_scope", "error_description": "Invalid OAuth scope or ID token audience provided."})
        token = f"ya29.fake-{len(self.tokens) + 1:04d}"
        self.tokens.add(token)
        self.token_scopes[token] = set(str(claims.get("scope", "")).split())
        return self._reply(200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"})

    # -- Drive API: files.get, the only call the bot makes -----------------------------------------

    def _fault_for(self, entry: Logged, *, unmatched_too: bool):
        """The answer of the first queued fault for this request (consumed), or None. Faults queued
        without a `match` hit Sheets API requests only (`unmatched_too`)."""
        for i, fault in enumerate(self._faults):
            if (fault.match is None and unmatched_too) or (fault.match is not None and fault.match(entry)):
                del self._faults[i]
                if fault.exception is not None:
                    entry.status = -1
                    return fault.exception
                entry.status = fault.status
                return self._reply(fault.status, fault.body, fault.headers)
        return None

    def _drive(self, request):
        entry = self._logged(request)
        faulted = self._fault_for(entry, unmatched_too=False)
        if faulted is not None:
            return faulted
        status, body = self._drive_answer(entry, request)
        entry.status = status
        return self._reply(status, body)

    def _drive_answer(self, entry: Logged, request) -> tuple[int, Any]:
        auth = request.headers.get("Authorization", "")
        token = auth[len("Bearer "):] if auth.startswith("Bearer ") else ""
        if token not in self.tokens:
            return 401, error_body(401)
        if not self.drive_enabled:
            return 403, DRIVE_DISABLED
        if not self.token_scopes.get(token, set()) & DRIVE_SCOPES:
            return 403, DRIVE_SCOPE_MISSING
        file_id = entry.path.rsplit("/", 1)[-1]
        if file_id != self.spreadsheet_id or self.access in ("missing", "denied"):
            message = f"File not found: {file_id}."
            return 404, {"error": {"code": 404, "message": message, "errors": [
                {"message": message, "domain": "global", "reason": "notFound", "location": "fileId",
                 "locationType": "parameter"}]}}
        fields = (entry.params.get("fields") or ["*"])[0]
        full = {"kind": "drive#file", "id": self.spreadsheet_id, "name": self.title,
                "mimeType": "application/vnd.google-apps.spreadsheet", "modifiedTime": self.modified_time}
        if fields == "*":
            return 200, full
        return 200, {k: full[k] for k in fields.split(",") if k in full}

    # -- Sheets API --------------------------------------------------------------------------------

    def _api(self, request):
        entry = self._logged(request)
        faulted = self._fault_for(entry, unmatched_too=True)
        if faulted is not None:
            return faulted
        try:
            status, body = 200, self._dispatch(entry, request)
        except ApiError as exc:
            status, body = exc.code, exc.body
        entry.status = status
        return self._reply(status, body)

    def _dispatch(self, entry: Logged, request) -> Any:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[len("Bearer "):] not in self.tokens:
            raise ApiError(401)
        m = re.fullmatch(r"/v4/spreadsheets/([^/:]+)(.*)", entry.path)
        if not m:
            raise ApiError(404)
        if m.group(1) != self.spreadsheet_id or self.access == "missing":
            raise ApiError(404)
        if self.access == "denied" or (self.access == "read_only" and entry.is_write):
            raise ApiError(403)
        if self.access == "api_disabled":
            raise ApiError(403, body=SERVICE_DISABLED)
        rest = m.group(2)
        if entry.method == "GET" and rest == "":
            return self._metadata(entry)
        if entry.method == "GET" and rest == "/values:batchGet":
            return self._batch_get(entry)
        if entry.method == "POST" and rest == "/values:batchUpdate":
            return self._values_batch_update(entry.body or {})
        if entry.method == "POST" and rest == ":batchUpdate":
            return self._batch_update(entry.body or {})
        raise ApiError(404, "Method not found.")

    def _metadata(self, entry: Logged) -> dict:
        sheets = []
        for tab in sorted(self.tabs, key=lambda t: t.index):
            sheet: dict[str, Any] = {"properties": tab.properties()}
            if tab.conditional_formats:
                sheet["conditionalFormats"] = copy.deepcopy(tab.conditional_formats)
            if fake_formats.sheet_metadata(self, tab, sheet, entry.params.get("ranges") or []):
                sheets.append(sheet)
        full = {
            "spreadsheetId": self.spreadsheet_id,
            "properties": {"title": self.title, "locale": "en_US", "autoRecalc": "ON_CHANGE",
                           "timeZone": "America/New_York"},
            "sheets": sheets,
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{self.spreadsheet_id}/edit",
        }
        fields = entry.params.get("fields")
        if fields:
            return apply_fields(full, parse_fields(fields[0]))
        return full

    def _parse_range(self, text: str) -> A1:
        spec = text.strip()
        title: str | None = None
        cells: str | None = None
        if spec.startswith("'"):
            i, buf = 1, []
            while i < len(spec):
                if spec[i] == "'":
                    if spec[i + 1:i + 2] == "'":
                        buf.append("'")
                        i += 2
                        continue
                    break
                buf.append(spec[i])
                i += 1
            else:
                raise ApiError(400, f"Unable to parse range: {text}")
            title = "".join(buf)
            tail = spec[i + 1:]
            if tail.startswith("!"):
                cells = tail[1:]
            elif tail:
                raise ApiError(400, f"Unable to parse range: {text}")
        elif "!" in spec:
            title, cells = spec.split("!", 1)
        elif self._find(spec) is not None:
            title = spec
        else:
            title, cells = None, spec
        tab = self._find(title) if title is not None else (self.tabs[0] if self.tabs else None)
        if tab is None:
            raise ApiError(400, f"Unable to parse range: {text}")
        if cells is None or cells == "":
            if cells == "":
                raise ApiError(400, f"Unable to parse range: {text}")
            return A1(tab, text, None, None, None, None, None)
        parts = cells.split(":")
        if len(parts) > 2:
            raise ApiError(400, f"Unable to parse range: {text}")
        ends = []
        for part in parts:
            cm = _CELL_RE.match(part.replace("$", ""))
            if not cm or (not cm.group(1) and not cm.group(2)):
                raise ApiError(400, f"Unable to parse range: {text}")
            col = col_index(cm.group(1)) if cm.group(1) else None
            row = int(cm.group(2)) - 1 if cm.group(2) else None
            if row is not None and row < 0:
                raise ApiError(400, f"Unable to parse range: {text}")
            ends.append((row, col))
        (r0, c0) = ends[0]
        if len(ends) == 1:
            if r0 is None or c0 is None:
                raise ApiError(400, f"Unable to parse range: {text}")
            return A1(tab, text, cells, r0, c0, r0, c0)
        (r1, c1) = ends[1]
        if r0 is not None and r1 is not None and r1 < r0:
            r0, r1 = r1, r0
        if c0 is not None and c1 is not None and c1 < c0:
            c0, c1 = c1, c0
        return A1(tab, text, cells, r0, c0, r1, c1)

    def _render(self, tab: Tab, r0: int, c0: int, r1: int, c1: int, value_option: str,
                date_option: str) -> list[list[Any]]:
        out: list[list[Any]] = []
        used_rows, used_cols = tab.used()
        r1, c1 = min(r1, used_rows - 1), min(c1, used_cols - 1)   # beyond: empty, trimmed anyway
        for r in range(r0, r1 + 1):
            row = []
            for c in range(c0, c1 + 1):
                value = tab.cells.get((r, c))
                row.append(self._render_cell(tab, (r, c), value, value_option, date_option))
            while row and row[-1] == "":
                row.pop()
            out.append(row)
        while out and not out[-1]:
            out.pop()
        return out

    @staticmethod
    def _render_cell(tab: Tab, key: tuple[int, int], value: Any, value_option: str, date_option: str) -> Any:
        if value is None:
            return ""
        if isinstance(value, Formula):
            return value.text if value_option == "FORMULA" else "#NAME?"
        is_date = key in tab.date_cells and isinstance(value, (int, float)) and not isinstance(value, bool)
        if is_date and (value_option == "FORMATTED_VALUE" or date_option == "FORMATTED_STRING"):
            when = EPOCH + dt.timedelta(days=value)
            text = f"{when.month}/{when.day}/{when.year}"
            if tab.date_cells[key]:
                text += f" {when.hour}:{when.minute:02d}:{when.second:02d}"
            return text
        if value_option == "FORMATTED_VALUE":
            if isinstance(value, bool):
                return "TRUE" if value else "FALSE"
            if isinstance(value, float) and value.is_integer():
                return str(int(value))
            return str(value)
        if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 53:
            return int(value)      # Google's JSON writes a whole double without ".0"
        return value

    def _batch_get(self, entry: Logged) -> dict:
        value_option = (entry.params.get("valueRenderOption") or ["FORMATTED_VALUE"])[0]
        date_option = (entry.params.get("dateTimeRenderOption") or ["SERIAL_NUMBER"])[0]
        major = (entry.params.get("majorDimension") or ["ROWS"])[0]
        out = []
        for text in entry.params.get("ranges", []):
            rng = self._parse_range(text)
            if rng.cells is not None:
                rng.check_grid()
            r0, c0, r1, c1 = rng.bounds()
            values = self._render(rng.tab, r0, c0, r1, c1, value_option, date_option)
            if major == "COLUMNS":
                width = max((len(r) for r in values), default=0)
                values = [[row[c] if c < len(row) else "" for row in values] for c in range(width)]
                values = [self._trim(col) for col in values]
            vr: dict[str, Any] = {"range": rng.echo(), "majorDimension": major}
            if values:
                vr["values"] = values
            out.append(vr)
        return {"spreadsheetId": self.spreadsheet_id, "valueRanges": out}

    @staticmethod
    def _trim(values: list) -> list:
        while values and values[-1] == "":
            values.pop()
        return values

    @staticmethod
    def _entered(value: Any, option: str) -> Any:
        if option == "RAW" or not isinstance(value, str):
            return value
        if value.startswith("'"):
            return value[1:]
        if value.startswith("="):
            return Formula(value)
        if value.upper() in ("TRUE", "FALSE"):
            return value.upper() == "TRUE"
        try:
            number = float(value.replace(",", ""))
        except ValueError:
            return value
        return int(number) if number.is_integer() else number

    def _values_batch_update(self, body: dict) -> dict:
        option = body.get("valueInputOption")
        if option not in ("RAW", "USER_ENTERED"):
            raise ApiError(400, f"Invalid valueInputOption: {option or 'INPUT_VALUE_OPTION_UNSPECIFIED'}")
        planned = []
        for i, item in enumerate(body.get("data") or []):
            rng = self._parse_range(item.get("range", ""))
            if rng.tab.protected:
                raise ApiError(400, PROTECTED_MESSAGE)
            values = item.get("values") or []
            if item.get("majorDimension") == "COLUMNS":
                width = max((len(v) for v in values), default=0)
                values = [[col[r] if r < len(col) else None for col in values] for r in range(width)]
            if not isinstance(values, list) or any(not isinstance(r, list) for r in values):
                raise ApiError(400, f"Invalid data[{i}]: values must be a list of lists")
            r0, c0, r1, c1 = rng.bounds()
            if rng.cells is None or ":" not in rng.cells:
                # a tab or a single cell: the values spread from its top-left cell
                r1 = r0 + max(len(values), 1) - 1
                c1 = c0 + max((len(r) for r in values), default=1) - 1
                if r1 >= rng.tab.rows or c1 >= rng.tab.cols:
                    start = f"{col_letters(c0)}{r0 + 1}"
                    end = f"{col_letters(c1)}{r1 + 1}"
                    shown = start if start == end else f"{start}:{end}"
                    raise ApiError(400, f"Range ({google_title(rng.tab.title)}!{shown}) exceeds grid limits. "
                                        f"Max rows: {rng.tab.rows}, max columns: {rng.tab.cols}")
            else:
                rng.check_grid()
            for r, row in enumerate(values):
                if r0 + r > r1:
                    raise ApiError(400, f"Requested writing within range [{rng.text}], but tried writing to row [{r0 + r + 1}]")
                for c, value in enumerate(row):
                    if c0 + c > c1:
                        raise ApiError(400, f"Requested writing within range [{rng.text}], but tried writing to "
                                            f"column [{col_letters(c0 + c)}]")
                    if value is not None and not isinstance(value, (str, int, float, bool)):
                        raise ApiError(400, f"Invalid data[{i}]: Invalid values[{r}][{c}]: {json.dumps(value)}")
            planned.append((rng, r0, c0, r1, c1, values))
        replies = []
        total_cells = 0
        sheets: set[int] = set()
        for rng, r0, c0, r1, c1, values in planned:
            cells = 0
            for r, row in enumerate(values):
                for c, value in enumerate(row):
                    if value is None:
                        continue            # null leaves the cell as it is
                    rng.tab.set(r0 + r, c0 + c, self._entered(value, option))
                    cells += 1
            rows_n = len(values)
            cols_n = max((len(r) for r in values), default=0)
            total_cells += cells
            sheets.add(rng.tab.sheet_id)
            replies.append({
                "spreadsheetId": self.spreadsheet_id,
                "updatedRange": f"{google_title(rng.tab.title)}!{col_letters(c0)}{r0 + 1}:"
                                f"{col_letters(c0 + max(cols_n, 1) - 1)}{r0 + max(rows_n, 1)}",
                "updatedRows": rows_n, "updatedColumns": cols_n, "updatedCells": cells,
            })
        return {"spreadsheetId": self.spreadsheet_id,
                "totalUpdatedRows": sum(r["updatedRows"] for r in replies),
                "totalUpdatedColumns": sum(r["updatedColumns"] for r in replies),
                "totalUpdatedCells": total_cells, "totalUpdatedSheets": len(sheets),
                "responses": replies}

    # spreadsheets:batchUpdate -------------------------------------------------------------------------

    def _batch_update(self, body: dict) -> dict:
        requests_ = body.get("requests")
        if not isinstance(requests_, list) or not requests_:
            raise ApiError(400, "Must specify at least one request.")
        # Atomic like Google's: on any failure the sheet is as before. Cell values are immutable, so a
        # shallow copy of each tab's cell dicts is a full copy (a deepcopy of a 100,000-row sheet took
        # 17 s and dominated the benchmark's cold cycle).
        saved = ([_tab_copy(t) for t in self.tabs], self._next_sheet_id)
        saved_formats = fake_formats.save(self)
        try:
            replies = [self._one_request(i, req) for i, req in enumerate(requests_)]
            if sum(t.rows * t.cols for t in self.tabs) > MAX_CELLS:
                raise ApiError(400, f"Invalid requests[{len(requests_) - 1}]: This action would increase the number "
                                    f"of cells in the workbook above the limit of {MAX_CELLS} cells.")
        except ApiError:
            self.tabs, self._next_sheet_id = saved
            fake_formats.restore(self, saved_formats)
            raise
        _touched()
        return {"spreadsheetId": self.spreadsheet_id, "replies": replies}

    def _one_request(self, i: int, req: dict) -> dict:
        if not isinstance(req, dict) or len(req) != 1:
            raise ApiError(400, f"Invalid requests[{i}]: No request set.")
        kind, args = next(iter(req.items()))
        handler = {
            "addSheet": self._add_sheet,
            "updateSheetProperties": self._update_sheet_properties,
            "setDataValidation": self._set_data_validation,
            "addConditionalFormatRule": self._add_conditional_format_rule,
            "deleteConditionalFormatRule": self._delete_conditional_format_rule,
        }.get(kind)
        if handler is None and kind in fake_formats.HANDLERS:
            return fake_formats.HANDLERS[kind](self, i, args or {})
        if handler is None:
            raise ApiError(400, f"Invalid JSON payload received. Unknown name \"{kind}\" at 'requests[{i}]': "
                                "Cannot find field.")
        return handler(i, args or {})

    def _add_sheet(self, i: int, args: dict) -> dict:
        props = dict(args.get("properties") or {})
        title = props.get("title") or f"Sheet{len(self.tabs) + 1}"
        if self._find(title) is not None:
            raise ApiError(400, f'Invalid requests[{i}].addSheet: A sheet with the name "{title}" already exists. '
                                "Please enter another name.")
        sid = props.get("sheetId")
        if sid is not None and self._by_id(sid) is not None:
            raise ApiError(400, f"Invalid requests[{i}].addSheet: Sheet with id {sid} already exists.")
        grid = props.get("gridProperties") or {}
        rows, cols = int(grid.get("rowCount", 1000)), int(grid.get("columnCount", 26))
        if rows < 1 or cols < 1:
            raise ApiError(400, f"Invalid requests[{i}].addSheet: Invalid grid size.")
        tab = Tab(self._new_sheet_id() if sid is None else sid, title, len(self.tabs), rows, cols,
                  int(grid.get("frozenRowCount", 0)))
        index = props.get("index")
        self.tabs.append(tab)
        if index is not None:
            self.tabs.remove(tab)
            self.tabs.insert(int(index), tab)
            for n, t in enumerate(self.tabs):
                t.index = n
        return {"addSheet": {"properties": tab.properties()}}

    def _update_sheet_properties(self, i: int, args: dict) -> dict:
        props = args.get("properties") or {}
        tab = self._by_id(props.get("sheetId", 0))
        if tab is None:
            raise ApiError(400, f"Invalid requests[{i}].updateSheetProperties: No grid with id: {props.get('sheetId', 0)}")
        mask = args.get("fields")
        if not mask:
            raise ApiError(400, f"Invalid requests[{i}].updateSheetProperties: At least one field must be updated, "
                                "but none are specified.")
        leaves = self._leaves(parse_fields(mask))
        grid = props.get("gridProperties") or {}
        for leaf in leaves:
            if leaf in ("*", "gridProperties", "gridProperties.*"):
                names = ["gridProperties.rowCount", "gridProperties.columnCount", "gridProperties.frozenRowCount"]
                if leaf == "*":
                    names.append("title")
            else:
                names = [leaf]
            for name in names:
                if name == "title":
                    if "title" in props:
                        other = self._find(props["title"])
                        if other is not None and other is not tab:
                            raise ApiError(400, f'Invalid requests[{i}].updateSheetProperties: A sheet with the name '
                                                f'"{props["title"]}" already exists. Please enter another name.')
                        tab.title = props["title"]
                elif name == "gridProperties.rowCount":
                    tab.rows = int(grid.get("rowCount", 0))
                elif name == "gridProperties.columnCount":
                    tab.cols = int(grid.get("columnCount", 0))
                elif name == "gridProperties.frozenRowCount":
                    tab.frozen_rows = int(grid.get("frozenRowCount", 0))
                elif name in ("index", "sheetType", "sheetId"):
                    continue
                else:
                    raise ApiError(400, f"Invalid requests[{i}].updateSheetProperties: Invalid field mask: {name}")
        if tab.rows < 1 or tab.cols < 1:
            raise ApiError(400, f"Invalid requests[{i}].updateSheetProperties: Invalid grid size.")
        if tab.frozen_rows >= tab.rows:
            raise ApiError(400, f"Invalid requests[{i}].updateSheetProperties: You can't freeze all visible rows on the sheet.")
        for key in [k for k in tab.cells if k[0] >= tab.rows or k[1] >= tab.cols]:
            del tab.cells[key]
        return {}

    @staticmethod
    def _leaves(tree: dict, prefix: str = "") -> list[str]:
        out = []
        for name, sub in tree.items():
            path = f"{prefix}{name}"
            out.extend([path] if sub is None else FakeSheets._leaves(sub, path + "."))
        return out

    def _grid_range(self, i: int, kind: str, rng: dict) -> Tab:
        tab = self._by_id((rng or {}).get("sheetId", 0))
        if tab is None:
            raise ApiError(400, f"Invalid requests[{i}].{kind}: No grid with id: {(rng or {}).get('sheetId', 0)}")
        return tab

    def _set_data_validation(self, i: int, args: dict) -> dict:
        rng = args.get("range") or {}
        tab = self._grid_range(i, "setDataValidation", rng)
        key = tuple(rng.get(k) for k in ("startRowIndex", "endRowIndex", "startColumnIndex", "endColumnIndex"))
        rule = args.get("rule")
        if rule is None:
            tab.validations.pop(key, None)
            return {}
        condition = rule.get("condition") or {}
        if condition.get("type") == "ONE_OF_LIST" and not condition.get("values"):
            raise ApiError(400, f"Invalid requests[{i}].setDataValidation: ONE_OF_LIST condition must have at "
                                "least one value.")
        tab.validations[key] = copy.deepcopy(rule)
        return {}

    def _add_conditional_format_rule(self, i: int, args: dict) -> dict:
        rule = args.get("rule") or {}
        ranges = rule.get("ranges") or []
        if not ranges:
            raise ApiError(400, f"Invalid requests[{i}].addConditionalFormatRule: ranges must not be empty.")
        tabs = {self._grid_range(i, "addConditionalFormatRule", r).sheet_id for r in ranges}
        if len(tabs) != 1:
            raise ApiError(400, f"Invalid requests[{i}].addConditionalFormatRule: All ranges must be on the same grid.")
        if ("booleanRule" in rule) == ("gradientRule" in rule):
            raise ApiError(400, f"Invalid requests[{i}].addConditionalFormatRule: Exactly one of booleanRule or "
                                "gradientRule must be set.")
        tab = self._by_id(tabs.pop())
        assert tab is not None
        index = int(args.get("index", 0))
        if index > len(tab.conditional_formats):
            raise ApiError(400, f"Invalid requests[{i}].addConditionalFormatRule: index out of bounds.")
        tab.conditional_formats.insert(index, copy.deepcopy(rule))
        return {}

    def _delete_conditional_format_rule(self, i: int, args: dict) -> dict:
        tab = self._by_id(args.get("sheetId", 0))
        index = int(args.get("index", 0))
        if tab is None or index >= len(tab.conditional_formats):
            raise ApiError(400, f"Invalid requests[{i}].deleteConditionalFormatRule: No conditional format on "
                                f"sheet {args.get('sheetId', 0)} at index {index}.")
        rule = tab.conditional_formats.pop(index)
        return {"deleteConditionalFormatRule": {"rule": rule}}


# ---------------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture
def sa_key(tmp_path: Path) -> ServiceAccountKey:
    """A service-account key file (fresh RSA key) in tmp_path."""
    return make_service_account_key(tmp_path)


@pytest.fixture
def fake_sheets(sa_key: ServiceAccountKey):
    """A FakeSheets (no tabs yet) on an active RequestsMock that trusts `sa_key`; other URLs fail."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield FakeSheets(rsps, trusted_keys=[sa_key])
