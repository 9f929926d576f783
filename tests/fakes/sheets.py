"""A stateful fake of the Google Sheets API v4, Drive v3 files.get and Google's OAuth token endpoint, on `responses`.

Every Sheets request is first checked against Google's discovery document (discovery.py: the method,
query parameters and their types/enums, the `fields` mask, the JSON body field by field, camelCase or
snake_case) and refused as Google refuses it; then it is answered the way Google does, as far as the bot
can tell. What it models:
- `GET /v4/spreadsheets/{id}`: metadata, filtered by the `fields` mask (any method's answer is); default
  values omitted as Google omits them (frozenRowCount 0, hidden false, empty lists); per sheet
  properties (hidden, frozen rows/columns), conditionalFormats, protectedRanges, developerMetadata, and the
  spreadsheet's own developerMetadata.
- `GET .../values:batchGet`: trailing empty cells and rows dropped, an empty middle row as `[]`, no
  "values" key for an empty range, the range echoed as `'Tab'!A1:Z1000`; UNFORMATTED_VALUE gives JSON
  numbers, strings and booleans; date cells are serials counted from 1899-12-30 (SERIAL_NUMBER) and
  `11/3/2026` otherwise; an unknown tab is 400 "Unable to parse range: ..."; beyond the grid, 400 "...
  exceeds grid limits ...".
- `POST .../values:batchUpdate`: RAW stores strings as strings (even `=1+1` and `0123`), "" clears,
  null skips a cell; the whole batch is checked before anything is written.
- `POST .../values/{range}:append` (append.py): Google's table detection, OVERWRITE / INSERT_ROWS.
- `GET .../values/{range}`, `PUT .../values/{range}`, `POST .../values/{range}:clear`, `values:batchClear`
  (values_single.py), as the batch methods answer them.
- `POST .../developerMetadata:search`, `values:batchGetByDataFilter`, `values:batchUpdateByDataFilter`
  (metadata.py).
- `POST .../{id}:batchUpdate`, all or nothing: addSheet (1000x26 unless told; hidden),
  updateSheetProperties (title, grid size, frozen rows/columns, hidden; never every sheet hidden),
  setDataValidation, add/deleteConditionalFormatRule; insertDimension, deleteDimension, moveDimension,
  appendDimension, sortRange (dimensions.py, structure.py); add/update/deleteProtectedRange
  (protection.py); create/deleteDeveloperMetadata (metadata.py). A request kind or method that Google has
  but the fake does not model answers 501 UNIMPLEMENTED naming it (never a made-up Google refusal).
- `POST https://oauth2.googleapis.com/token`: checks the service account's signed JWT (RS256) against
  the public keys it trusts, returns a bearer token that every Sheets request must carry (else 401); the
  token remembers its service account, the requester protected ranges check.
- `GET https://www.googleapis.com/drive/v3/files/{id}`: modifiedTime, which moves on every change.

People: `fake.person` (person.py) types, pastes, clears, sorts, inserts/deletes/moves rows and columns
as in the UI; `fake.protect(...)` protects a range as a person does; `fake.before_request(...)` /
`fake.after_request(...)` (hooks.py) make such an edit happen between the bot's requests.

Fault injection uses Google's JSON error bodies: `queue_error(429, times=2, retry_after=3)`,
`queue_exception(requests.ConnectTimeout())`, and permanent `access` modes ("denied" -> 403 on every
request, "read_only" -> 403 on writes, "missing" -> 404, "api_disabled" -> 403 SERVICE_DISABLED);
`fake.tab(title).protected = True` makes writes to a tab answer 400 "...protected cell or object...".

Seed a sheet with `fake.add_tab("Defective Log", [[header, ...], [date(2026, 11, 3), "T-1", "0123", 2, True]])`
(row 1 first; None or "" is an empty cell; dates are stored as serials) and inspect it with
`fake.rows(title)` (what an UNFORMATTED_VALUE read returns), `fake.cell(title, "B3")`, `fake.tab(title)`
(grid, frozen rows, hidden, validations, conditional formats), `fake.protected_ranges`,
`fake.developer_metadata`, `fake.api_log` / `fake.value_writes()` (requests, RAW checks; each `Logged`
has its kind, discovery method_id, status and the hooks it fired), `fake.person_log`.

Simplifications (each module's docstring has its own): formulas are stored, never evaluated (they read as
"#NAME?"); one Cloud project (PROJECT metadata is visible to all); number formats other than dates are
not modelled; the wording of refusals Google's pages do not show is the fake's own, in Google's frame.

Fixtures (fixtures.py): `sa_key` (a fresh service-account key file in tmp_path), `fake_sheets` (a
FakeSheets on an active RequestsMock that trusts `sa_key`; any URL not registered fails the request) and
`gc` (the real gspread client on it).

This module holds `FakeSheets` itself: seeding, inspection, the request log, fault injection and the
dispatch of each request to the mixin of its API area.
"""
from __future__ import annotations

import copy
import datetime as dt
import gzip
import json
import re
import urllib.parse
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import responses
from cryptography.hazmat.primitives.asymmetric import rsa

from .append import AppendApi
from .auth import TOKEN_URI, ServiceAccountKey, TokenEndpoint
from .batch_update import BatchUpdateApi
from .dimensions import DimensionRequests
from .discovery import not_found, sheets_api
from .drive import DRIVE_BASE, DriveApi
from .errors import SERVICE_DISABLED, ApiError, error_body, google_error
from .formats import FormatRequests
from .fields import apply_fields, parse_fields
from .grid import _EDITS, _MODIFIED_BASE, Tab, _touched, col_index
from .hooks import Hook, Hooks, matcher
from .metadata import MetadataApi
from .person import Person
from .protection import ProtectionRequests
from .values import ValuesApi
from .values_single import SingleValuesApi

SHEETS_BASE = "https://sheets.googleapis.com/v4/spreadsheets"
DEFAULT_ID = "1FakeSheetIdAbCdEfGhIjKlMnOpQrStUvWxYz0123456"


@dataclass
class Logged:
    method: str
    url: str
    path: str
    params: dict[str, list[str]]
    body: Any               # the JSON body (names normalised to camelCase once validated), or the form
    status: int = 0
    method_id: str = ""     # the discovery id of the method, e.g. "sheets.spreadsheets.values.batchGet"
    sent_body: Any = None   # the body exactly as sent, when validation normalised it
    hooks_run: list[str] = field(default_factory=list)   # the person's edits (hooks.py) this request fired

    @property
    def kind(self) -> str:
        """"token", "drive", "metadata", "batchGet", "values:batchUpdate", "batchUpdate", "values:append",
        "developerMetadata:search", "values:batchGetByDataFilter", "values:batchUpdateByDataFilter" or "other"."""
        if self.url.startswith(TOKEN_URI):
            return "token"
        if self.url.startswith(DRIVE_BASE):
            return "drive"
        for suffix, kind in _KIND_SUFFIXES:
            if self.path.endswith(suffix):
                return kind
        if re.fullmatch(r"/v4/spreadsheets/[^/]+/developerMetadata/\d+", self.path):
            return "developerMetadata:get"
        if re.fullmatch(r"/v4/spreadsheets/[^/]+/values/.+:append", self.path):
            return "values:append"
        if re.fullmatch(r"/v4/spreadsheets/[^/]+/values/.+:clear", self.path) or self.path.endswith("/values:batchClear"):
            return "values:clear"
        if re.fullmatch(r"/v4/spreadsheets/[^/]+/values/.+", self.path):
            return "values:get" if self.method == "GET" else "values:update"
        if self.method == "GET" and re.fullmatch(r"/v4/spreadsheets/[^/:]+", self.path):
            return "metadata"
        return "other"

    @property
    def is_write(self) -> bool:
        return self.kind in ("values:batchUpdate", "batchUpdate", "values:append", "values:batchUpdateByDataFilter",
                             "values:update", "values:clear")


_KIND_SUFFIXES = (("/values:batchGet", "batchGet"), ("/values:batchUpdate", "values:batchUpdate"),
                  ("/values:batchGetByDataFilter", "values:batchGetByDataFilter"),
                  ("/values:batchUpdateByDataFilter", "values:batchUpdateByDataFilter"),
                  ("/developerMetadata:search", "developerMetadata:search"), (":batchUpdate", "batchUpdate"))


@dataclass
class _Fault:
    status: int
    body: Any
    headers: dict[str, str]
    match: Callable[[Logged], bool] | None = None
    exception: BaseException | None = None



class FakeSheets(Hooks, ValuesApi, SingleValuesApi, AppendApi, MetadataApi, ProtectionRequests, DimensionRequests,
                 FormatRequests, BatchUpdateApi, DriveApi, TokenEndpoint):
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
        self.token_emails: dict[str, str] = {}     # token -> the service account it was issued to
        self.requester = ""                         # the email behind the request being answered
        self.owner_email = "cs-lead@example.com"    # the person who owns the spreadsheet
        self.drive_enabled = True          # False: the Drive API is off in the key's Cloud project
        self._trusted: dict[str, rsa.RSAPublicKey] = {}
        self._faults: deque[_Fault] = deque()
        self._next_sheet_id = 0
        self.protected_ranges: list[dict] = []        # Google's ProtectedRange objects (range.sheetId says where)
        self.developer_metadata: list[dict] = []      # Google's DeveloperMetadata objects
        self._next_object_id = 0                      # protectedRangeId / metadataId the fake hands out
        self.person_log: list[tuple] = []             # (who, action, tab, arguments) of every Person edit
        self._hooks: list[Hook] = []                  # before_request / after_request (hooks.py)
        # Google compresses an answer for a client that accepts gzip (requests does), as this does. The
        # bench turns it off to record the plain answers (it serves them compressed itself on replay).
        self.gzip_answers = True
        for key in trusted_keys:
            self.trust(key)
        rsps.add_callback(responses.POST, TOKEN_URI, callback=self._token)
        api = re.compile(re.escape(SHEETS_BASE) + r"/.*")
        for verb in (responses.GET, responses.POST, responses.PUT, responses.PATCH, responses.DELETE):
            rsps.add_callback(verb, api, callback=self._api)
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

    @property
    def person(self) -> Person:
        """A person editing in the Sheets UI (see person.py): `fake.person.sort("Escalations", "Product")`."""
        return Person(self)

    def person_as(self, name: str) -> Person:
        """The same, recorded in `person_log` under `name`."""
        return Person(self, name)

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
                    match: Callable[[Logged], bool] | str | None = None) -> None:
        """Answer the next `times` Sheets requests (that `match`, if given: a predicate, or a request kind as
        before_request takes it, e.g. "values:batchUpdate" or "drive") with Google's error."""
        match = matcher(match) if isinstance(match, str) else match
        headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
        payload = body if body is not None else error_body(status, message)
        for _ in range(times):
            self._faults.append(_Fault(status, payload, headers, match))

    def queue_exception(self, exc: BaseException, times: int = 1,
                        match: Callable[[Logged], bool] | str | None = None) -> None:
        """Raise `exc` (e.g. requests.ConnectTimeout()) for the next `times` Sheets requests (that `match`)."""
        match = matcher(match) if isinstance(match, str) else match
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


    def _api(self, request):
        entry = self._logged(request)
        self._run_hooks(entry, "before")
        try:
            faulted = self._fault_for(entry, unmatched_too=True)
            if faulted is not None:
                return faulted
            try:
                status, body = 200, self._dispatch(entry, request)
            except ApiError as exc:
                status, body = exc.code, exc.body
            entry.status = status
            return self._compressed(request, *self._reply(status, body))
        finally:
            self._run_hooks(entry, "after")

    def _compressed(self, request, status: int, headers: dict, body: str):
        """The answer gzip-compressed when the request accepts it, as Google answers."""
        accepts = request.headers.get("Accept-Encoding", "")
        if not self.gzip_answers or "gzip" not in [a.split(";")[0].strip() for a in accepts.split(",")]:
            return status, headers, body
        return status, {**headers, "Content-Encoding": "gzip"}, gzip.compress(body.encode(), 1)

    def _dispatch(self, entry: Logged, request) -> Any:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[len("Bearer "):] not in self.tokens:
            raise ApiError(401)
        self.requester = self.token_emails.get(auth[len("Bearer "):], "")
        api = sheets_api()
        found = api.find(entry.method, entry.path.lstrip("/"))
        if found is None:
            raise not_found(entry.path)
        method, path_params = found
        entry.method_id = method.id
        entry.params = api.check_query(method, entry.params)
        fields = (entry.params.get("fields") or [None])[0]
        mask = parse_fields(fields) if fields else None
        if mask is not None:
            bad = api.mask_problem(method.response_schema, mask)
            if bad:
                raise ApiError(400, f"Invalid field selection {bad}")
        if method.request_schema and entry.body is not None:
            entry.sent_body = entry.body
            entry.body = api.check_body(method.request_schema, entry.body)
        if path_params.get("spreadsheetId") != self.spreadsheet_id or self.access == "missing":
            raise ApiError(404)
        if self.access == "denied" or (self.access == "read_only" and entry.is_write):
            raise ApiError(403)
        if self.access == "api_disabled":
            raise ApiError(403, body=SERVICE_DISABLED)
        handler = self._handlers().get(method.id)
        if handler is None:
            raise ApiError(501, body=google_error(501, f"FakeSheets does not model {method.id} (a method Google has; "
                                                       "tests/fakes/ answers only the ones it models)", "UNIMPLEMENTED"))
        answer = handler(entry, path_params)
        return answer if mask is None else apply_fields(answer, mask)

    def _handlers(self) -> dict[str, Callable[[Logged, dict], Any]]:
        """The Sheets API methods the fake answers, by discovery method id."""
        return {
            "sheets.spreadsheets.get": lambda e, p: self._metadata(e),
            "sheets.spreadsheets.values.batchGet": lambda e, p: self._batch_get(e),
            "sheets.spreadsheets.values.batchUpdate": lambda e, p: self._values_batch_update(e.body or {}),
            "sheets.spreadsheets.batchUpdate": lambda e, p: self._batch_update(e.body or {}),
            "sheets.spreadsheets.values.append": self._values_append,
            "sheets.spreadsheets.values.get": self._values_get,
            "sheets.spreadsheets.values.update": self._values_update,
            "sheets.spreadsheets.values.clear": self._values_clear,
            "sheets.spreadsheets.values.batchClear": self._values_batch_clear,
            "sheets.spreadsheets.developerMetadata.search": self._search_developer_metadata,
            "sheets.spreadsheets.developerMetadata.get": self._get_developer_metadata,
            "sheets.spreadsheets.values.batchGetByDataFilter": self._batch_get_by_data_filter,
            "sheets.spreadsheets.values.batchUpdateByDataFilter": self._batch_update_by_data_filter,
        }

    def _metadata(self, entry: Logged | None) -> dict:
        sheets = []
        for tab in sorted(self.tabs, key=lambda t: t.index):
            sheet: dict[str, Any] = {"properties": tab.properties()}
            if tab.conditional_formats:
                sheet["conditionalFormats"] = copy.deepcopy(tab.conditional_formats)
            protected = [self._protected_view(pr) for pr in self.protected_ranges
                         if pr["range"].get("sheetId", 0) == tab.sheet_id]
            if protected:
                sheet["protectedRanges"] = protected
            metadata = [copy.deepcopy(md) for md in self.developer_metadata if self._metadata_sheet(md) == tab.sheet_id]
            if metadata:
                sheet["developerMetadata"] = metadata
            ranges = (entry.params.get("ranges") or []) if entry is not None else []
            if self._format_metadata(tab, sheet, ranges if isinstance(ranges, list) else [ranges]):
                sheets.append(sheet)
        full = {
            "spreadsheetId": self.spreadsheet_id,
            "properties": {"title": self.title, "locale": "en_US", "autoRecalc": "ON_CHANGE",
                           "timeZone": "America/New_York"},
            "sheets": sheets,
            **({"developerMetadata": top} if (top := [copy.deepcopy(md) for md in self.developer_metadata
                                                      if self._metadata_sheet(md) is None]) else {}),
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{self.spreadsheet_id}/edit",
        }
        return full      # the `fields` mask is applied by _dispatch

