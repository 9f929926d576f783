"""Google Sheets backend: with its HTTP client (google_http.py), the only module of the bot that imports
gspread.

Per cycle `read` sends two requests (the spreadsheet's metadata, then one `values:batchGet` of every
existing tab asked for, unformatted values with serial dates) and `apply` at most two (one
`spreadsheets:batchUpdate` when a tab must be created or its grid grown, which also carries a new tab's
bold frozen header, widths, wrap and filter (google_formats), then one `values:batchUpdate` with every
write, RAW). An empty plan sends nothing.

gspread is used for its low-level HTTP client only (no `get_all_records`, whose numericise turns `0123`
into 123, and no `BackOffHTTPClient`, which can retry without end in 6.2.1): `google_http.BoundedHTTPClient`
adds a request timeout and a bounded retry of 408, 429 and 5xx answers and network failures. Every failure
leaves this module as a `BotError` with one sentence that says what to do, chained to the cause.
"""
from __future__ import annotations

import functools
import hashlib
import io
import json
import logging
import random
import time
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

import google.auth.credentials
import google.auth.exceptions
import gspread
import requests
from google.auth.transport.requests import Request as _AuthRequest
from gspread.exceptions import APIError, GSpreadException
from gspread.urls import SPREADSHEET_VALUES_BATCH_URL

from bot.backends.base import ApplyResult, Check, Guard, Plan, RangeWrite, RowShift, Snapshot, TabFormat, trimmed_grid
from bot.backends.google_auth import (KEY_HELP as _KEY_HELP, SCOPES, ReusingCredentials, TokenFile, key_credentials,
                                      read_key_file)
from bot.backends.google_cells import (ID_HELP, a1_range, a1_title, blank_required_formula, column_range,
                                       parse_spreadsheet_id, same_rule, sheet_values)
from bot.backends.google_formats import (CELLS_FIELDS, TabLook, look_from_grid, protection_requests,
                                         readable_requests)
from bot.backends.google_errors import api_error, drive_refusal, key_refused, network_sentence, retries_error
from bot.backends.google_http import BoundedHTTPClient, RetriesExhausted
from bot.backends.value_ranges import PrefixDigests, decode as decode_answer, parse_value_ranges
from bot.errors import AccessError, BotError, ConcurrentEditError, ConfigError, LayoutError
from bot.read.table import find_title

log = logging.getLogger(__name__)

DRIVE_FILE_URL = "https://www.googleapis.com/drive/v3/files/%s"
NEW_TAB_ROWS = 1000          # what Google gives a new tab (and the least the bot asks for)
NEW_TAB_COLS = 26
GROW_ROWS_STEP = 1000        # grow an existing tab's rows to a multiple of this, so growth is rare
_METADATA_FIELDS = (
    "spreadsheetId,properties.title,"
    "sheets.properties(sheetId,title,index,sheetType,gridProperties(rowCount,columnCount,frozenRowCount))"
)
_FORMAT_FIELDS = (
    "spreadsheetId,properties.title,"
    "sheets(properties(sheetId,title,index,sheetType,gridProperties(rowCount,columnCount,frozenRowCount)),"
    "conditionalFormats,protectedRanges,basicFilter(range))"
)
# The key file and the access token are in google_auth.py, the HTTP client and its retries in google_http.py,
# the A1 notation, RAW values and retry timing in google_cells.py, and the sentences for Google's refusals
# in google_errors.py.


# Rows of a write serialised at a time (GoogleBackend._write_body): small enough that the text of one
# piece is a few hundred kilobytes, large enough that json.dumps is called a few hundred times at most.
WRITE_CHUNK_ROWS = 2000


@dataclass(frozen=True)
class TabMeta:
    sheet_id: int
    title: str
    rows: int
    cols: int
    frozen_rows: int = 0
    grid: bool = True


@dataclass
class SheetMeta:
    """What `read` learned from the metadata; kept in Snapshot.token."""

    spreadsheet_id: str
    title: str
    tabs: dict[str, TabMeta] = field(default_factory=dict)   # actual title -> meta
    conditional_formats: dict[str, list[dict]] = field(default_factory=dict)
    protected_ranges: dict[str, list[dict]] = field(default_factory=dict)   # asked for by apply_formats only
    filtered: set[str] = field(default_factory=set)                         # tabs with a basic filter

    def find(self, title: str) -> TabMeta | None:
        """The tab with this title: exact, else the only one equal ignoring case and spaces."""
        actual = find_title(title, self.tabs)
        return None if actual is None else self.tabs[actual]


class GoogleBackend:
    """A Google Sheet reached through a service account (see the module docstring)."""

    shifts_rows = True      # a RowShift is one deleteRange / insertRange, not every row below rewritten

    def __init__(self, spreadsheet: str, credentials: Path | str, *, timeout: float = 30.0,
                 max_attempts: int = 5, sleep: Callable[[float], Any] = time.sleep,
                 rng: Callable[[], float] = random.random, token_folder: Path | None = None) -> None:
        """`token_folder`: keep the access token there between runs (bot/backends/google_auth.py)."""
        self.spreadsheet_id = parse_spreadsheet_id(spreadsheet)
        self.credentials_path = Path(credentials)
        self.token_folder = token_folder
        self.timeout = timeout
        self.max_attempts = max_attempts
        self._sleep = sleep
        self._rng = rng
        self._creds: google.auth.credentials.Credentials | None = None
        self._client_email: str | None = None
        self._http: BoundedHTTPClient | None = None
        self._title: str | None = None
        self._drive_off = False      # the Drive API refused once: change_token stops asking

    # -- plumbing ----------------------------------------------------------------------------------

    def _load(self) -> None:
        if self._creds is None:
            info, text = read_key_file(self.credentials_path)
            where = str(self.credentials_path)
            if self.token_folder is None:
                self._creds = key_credentials(info, where)
            else:
                self._creds = ReusingCredentials(lambda: key_credentials(info, where),
                                                 TokenFile(self.token_folder, text, SCOPES))
            self._client_email = info["client_email"]

    @property
    def client_email(self) -> str:
        """The service account's email (from the key file): the address to share the sheet with."""
        self._load()
        assert self._client_email is not None
        return self._client_email

    @property
    def http(self) -> BoundedHTTPClient:
        if self._http is None:
            self._load()
            factory = functools.partial(BoundedHTTPClient, max_attempts=self.max_attempts,
                                        sleep=self._sleep, rng=self._rng)
            client = gspread.Client(self._creds, http_client=factory)
            client.set_timeout(self.timeout)
            self._http = client.http_client  # type: ignore[assignment]
        return self._http

    @property
    def request_count(self) -> int:
        """Sheets API requests sent so far (a retried request counts once; the token fetch not at all)."""
        return self._http.request_count if self._http else 0

    @property
    def attempt_count(self) -> int:
        return self._http.attempt_count if self._http else 0

    def change_token(self) -> str | None:
        """Drive's modifiedTime of the spreadsheet: one small request (Drive quota, not the Sheets
        API's 60 a minute), so a `watch` poll of a quiet sheet need not read it. None (the poll reads)
        when Drive cannot tell; when the Drive API is off in the key's project, say once how to turn
        it on and stop asking."""
        if self._drive_off:
            return None
        try:
            with self._translate("ask Google Drive when the sheet last changed"):
                response = self.http.request("get", DRIVE_FILE_URL % self.spreadsheet_id,
                                             params={"fields": "modifiedTime", "supportsAllDrives": "true"})
                value = response.json().get("modifiedTime")
        except BotError as exc:
            cause = exc.__cause__
            if isinstance(cause, APIError) and cause.response.status_code == 403:
                self._drive_off = True
                log.warning("Google Drive did not say when the sheet last changed (%s), so every watch poll "
                            "reads the whole sheet; %s.", *drive_refusal(cause))
            else:
                log.debug("no change stamp from Drive this time: %s", exc.message)
            return None
        return value if isinstance(value, str) and value else None

    def describe(self) -> str:
        if self._title:
            return f'Google Sheet "{self._title}"'
        return f"Google Sheet {self.spreadsheet_id}"

    @contextmanager
    def _translate(self, action: str) -> Iterator[None]:
        """Turn whatever the HTTP layer raises into a BotError that says what to do."""
        try:
            yield
        except BotError:
            raise
        except RetriesExhausted as exc:
            raise self._exhausted(exc, action) from exc
        except APIError as exc:
            raise api_error(exc, action, self.spreadsheet_id, self._client_email) from exc
        except google.auth.exceptions.RefreshError as exc:
            raise key_refused(exc, self.spreadsheet_id, self._client_email) from exc
        except google.auth.exceptions.TransportError as exc:
            raise AccessError(
                self.spreadsheet_id,
                "Could not reach Google's sign-in service (oauth2.googleapis.com) to get an access token; "
                "check the network connection and try again.",
            ) from exc
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise AccessError(self.spreadsheet_id, network_sentence(exc, 1)) from exc
        except (GSpreadException, requests.RequestException, google.auth.exceptions.GoogleAuthError) as exc:
            raise BotError(f"Google Sheets failed to {action} ({type(exc).__name__}: {exc}); try again, "
                           "and report it if it keeps happening.") from exc
        except (ValueError, KeyError, TypeError) as exc:  # an answer not shaped as documented
            raise BotError(f"Google Sheets sent an answer the bot does not understand while trying to {action} "
                           f"({type(exc).__name__}); try again, and report it if it keeps happening.") from exc

    def _exhausted(self, exc: RetriesExhausted, action: str) -> BotError:
        if isinstance(exc.last, APIError):
            return retries_error(exc.last, exc.attempts, action, self.spreadsheet_id)
        return AccessError(self.spreadsheet_id, network_sentence(exc.last, exc.attempts, action))

    # -- requests ----------------------------------------------------------------------------------

    def _fetch_meta(self, fields: str = _METADATA_FIELDS) -> SheetMeta:
        raw = self.http.fetch_sheet_metadata(self.spreadsheet_id, params={"includeGridData": "false",
                                                                          "fields": fields})
        meta = SheetMeta(self.spreadsheet_id, (raw.get("properties") or {}).get("title") or self.spreadsheet_id)
        for sheet in raw.get("sheets") or []:
            props = sheet.get("properties") or {}
            grid = props.get("gridProperties") or {}
            tab = TabMeta(
                sheet_id=int(props.get("sheetId", 0)),
                title=props.get("title", ""),
                rows=int(grid.get("rowCount", 0)),
                cols=int(grid.get("columnCount", 0)),
                frozen_rows=int(grid.get("frozenRowCount", 0)),
                grid=props.get("sheetType", "GRID") == "GRID",
            )
            meta.tabs[tab.title] = tab
            meta.conditional_formats[tab.title] = list(sheet.get("conditionalFormats") or [])
            meta.protected_ranges[tab.title] = list(sheet.get("protectedRanges") or [])
            if sheet.get("basicFilter"):
                meta.filtered.add(tab.title)
        self._title = meta.title
        return meta

    def read(self, titles: Sequence[str], unless_digest: str | None = None) -> Snapshot:
        with self._translate("read the spreadsheet"):
            meta = self._fetch_meta()
            wanted: dict[str, TabMeta | None] = {}
            for title in titles:
                tab = meta.find(title)
                wanted[title] = tab if tab is not None and tab.grid else None
            actual: list[str] = []
            for tab in wanted.values():
                if tab is not None and tab.title not in actual:
                    actual.append(tab.title)
            rows_by_title: dict[str, list[list[Any]]] = {}
            tab_digests: dict[str, bytes] = {}
            head = json.dumps([titles, actual]).encode()
            digest = hashlib.sha256(head).hexdigest()
            if actual:
                # gspread's values_batch_get, but keeping the body: its digest decides whether the
                # JSON needs parsing at all.
                body = self.http.get_body(SPREADSHEET_VALUES_BATCH_URL % self.spreadsheet_id, params={
                    "ranges": [a1_title(t) for t in actual],
                    "valueRenderOption": "UNFORMATTED_VALUE",
                    "dateTimeRenderOption": "SERIAL_NUMBER",
                    "majorDimension": "ROWS",
                })
                # Only the text is kept: at the parse the bytes, their text and every cell parsed
                # would otherwise be alive at once (the cycle's peak memory on a large sheet).
                text = decode_answer(body)
                del body
                prefixes = PrefixDigests(text)
                digest = hashlib.sha256(head + prefixes.digest()).hexdigest()
                if digest == unless_digest:
                    return Snapshot(tabs={}, source=self.describe(), token=meta, digest=unless_digest,
                                    unchanged=True)
                ranges, ends = parse_value_ranges(text)
                if len(ranges) != len(actual):
                    raise ValueError("valueRanges does not match the ranges asked for")
                for title, vr, end in zip(actual, ranges, ends):
                    if not isinstance(vr, dict):
                        raise ValueError("a valueRange is not an object")
                    # The JSON rows are already lists; the core only reads them, so no copies
                    # (at 100,000 rows a copy costs a third of the JSON parse).
                    rows_by_title[title] = vr.get("values") or []
                    # Everything read up to the end of this range (see Snapshot.tab_digests).
                    tab_digests[title] = prefixes.through(end)
                del text, prefixes
            tabs = {t: (None if tab is None else rows_by_title[tab.title]) for t, tab in wanted.items()}
            digests = {t: tab_digests[tab.title] for t, tab in wanted.items()
                       if tab is not None and tab.title in tab_digests}
        return Snapshot(tabs=tabs, source=self.describe(), token=meta, digest=digest,
                        tab_digests=digests, titles={t: tab.title for t, tab in wanted.items()
                                                     if tab is not None and tab.title != t}, none_free=True)

    def apply(self, plan: Plan, snapshot: Snapshot) -> ApplyResult:
        if plan.is_empty:
            return ApplyResult(requests=0, cells_written=0)
        before = self.request_count
        with self._translate("write to the spreadsheet"):
            meta = snapshot.token if isinstance(snapshot.token, SheetMeta) else self._fetch_meta()
            need = plan.grid_needed()
            structure: list[dict] = []
            titles: dict[str, str] = {}          # plan title -> title in the sheet
            created: set[str] = set()
            used_ids = {tab.sheet_id for tab in meta.tabs.values()}
            for create in plan.creates:
                tab = meta.find(create.title)
                if tab is not None:
                    titles[create.title] = tab.title
                    continue
                if create.title in created:
                    continue
                rows, cols = need.get(create.title, (0, 0))
                properties: dict[str, Any] = {
                    "title": create.title,
                    "gridProperties": {"rowCount": max(NEW_TAB_ROWS, rows), "columnCount": max(NEW_TAB_COLS, cols)},
                }
                if create.hidden:
                    properties["hidden"] = True
                fmt = create.format
                if fmt is not None:
                    # The new tab made readable in this very request: its id is chosen here, so the
                    # format requests that follow the addSheet can name it (no further request).
                    sheet_id = free_sheet_id(create.title, used_ids)
                    used_ids.add(sheet_id)
                    properties["sheetId"] = sheet_id
                    if fmt.freeze_header:
                        properties["gridProperties"]["frozenRowCount"] = 1
                structure.append({"addSheet": {"properties": properties}})
                if fmt is not None:
                    structure.extend(readable_requests(sheet_id, fmt, None,
                                                       properties["gridProperties"]["columnCount"]))
                created.add(create.title)
                titles[create.title] = create.title
            for title, (rows, cols) in need.items():
                if title in created:
                    continue
                tab = meta.find(title)
                if tab is None:
                    raise BotError(f"The bot tried to write to a tab '{title}' that does not exist and is not "
                                   "being created; this is a bug in the bot, please report it.")
                titles[title] = tab.title
                if rows > tab.rows or cols > tab.cols:
                    new_rows = tab.rows if rows <= tab.rows else -(-rows // GROW_ROWS_STEP) * GROW_ROWS_STEP
                    new_cols = max(tab.cols, cols)
                    structure.append({"updateSheetProperties": {
                        "properties": {"sheetId": tab.sheet_id,
                                       "gridProperties": {"rowCount": new_rows, "columnCount": new_cols}},
                        "fields": "gridProperties.rowCount,gridProperties.columnCount",
                    }})
            writes = [w for w in plan.writes if w.values and any(w.values)]
            guards = [g for g in plan.guards if g.tab in titles and g.tab not in created]
            checked = False
            if plan.shifts:
                # Shifts move the bot's cells: only once the rows are where the cycle read them. They go
                # in the same request as the growth (applied together, the grid grown first).
                if guards:
                    self._check_guards(_within_grid(guards, meta, titles), titles)
                    checked = True
                structure.extend(_shift_request(meta.find(titles[s.tab]).sheet_id, s) for s in plan.shifts)
            if structure:
                answer = self.http.batch_update(self.spreadsheet_id, {"requests": structure})
                _note_structure(meta, structure, answer)
            if writes and guards and not checked:
                self._check_guards(guards, titles)
            if writes:
                self.http.values_batch_update(self.spreadsheet_id, self._write_body(titles, writes))
        return ApplyResult(requests=self.request_count - before, cells_written=plan.cell_count)

    def _check_guards(self, guards: list[Guard], titles: dict[str, str]) -> None:
        """One read of the cells that say which record each planned row is (see Guard). If a person
        moved anything since the cycle's read, nothing is written and the cycle starts over; what is
        left is the time between this read and the write that follows it (one round trip)."""
        if not guards:
            return
        answer = self.http.values_batch_get(
            self.spreadsheet_id, [a1_range(titles[g.tab], g.row, g.col, g.last_row, g.last_col) for g in guards],
            params={"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER",
                    "majorDimension": "ROWS"})
        ranges = answer.get("valueRanges") or []
        if len(ranges) != len(guards):
            raise ValueError("valueRanges does not match the ranges asked for")
        for guard, vr in zip(guards, ranges):
            expected, got = trimmed_grid(guard.values), vr.get("values") or []
            # Google's answer is trimmed already: comparing it as it came saves trimming it again.
            if got != expected and trimmed_grid(got) != expected:
                raise ConcurrentEditError(self.spreadsheet_id, (
                    f"Someone changed the '{titles[guard.tab]}' tab while the bot was about to write to it "
                    "(rows sorted, inserted or deleted, or a column added); nothing was written, and the next "
                    "cycle starts from a fresh read."))

    def _write_body(self, titles: dict[str, str], writes: list[RangeWrite]) -> bytes:
        """The values:batchUpdate body (RAW, every write), as UTF-8 JSON built a few thousand rows at a
        time: json.dumps of the whole body, then its encoding, held the request twice over on top of the
        cells copied for it, and at the real CAERS log's million cells that was the cycle's peak memory.
        The same JSON as gspread's `values_batch_update` sends with `_value_range` for each write."""
        out = io.BytesIO()
        out.write(b'{"valueInputOption": "RAW", "includeValuesInResponse": false, "data": [')
        for i, w in enumerate(writes):
            head = json.dumps({"range": a1_range(titles[w.tab], w.row, w.col, w.last_row, w.last_col),
                               "majorDimension": "ROWS"})
            out.write((", " if i else "").encode() + head[:-1].encode() + b', "values": [')
            for at in range(0, len(w.values), WRITE_CHUNK_ROWS):
                rows = json.dumps(sheet_values(w.values[at:at + WRITE_CHUNK_ROWS]), allow_nan=False)
                out.write((", " if at else "").encode() + rows[1:-1].encode())
            out.write(b"]}")
        out.write(b"]}")
        return out.getvalue()

    @staticmethod
    def _value_range(title: str, write: RangeWrite) -> dict:
        return {
            "range": a1_range(title, write.row, write.col, write.last_row, write.last_col),
            "majorDimension": "ROWS",
            "values": sheet_values(write.values),
        }

    # -- doctor ------------------------------------------------------------------------------------

    def check_access(self) -> list[Check]:
        checks: list[Check] = []
        skipped = "not checked: the step above must pass first"
        try:
            self._load()
        except ConfigError as exc:
            return [
                Check("credentials file", False, exc.message, _KEY_HELP, code=exc.exit_code),
                Check("access token", False, skipped, skipped=True),
                Check("spreadsheet access", False, skipped, skipped=True),
            ]
        checks.append(Check("credentials file", True, f"{self.credentials_path}: service account {self._client_email}"))
        try:
            with self._translate("get an access token"):
                self.http  # builds the client (and its session) before the token is fetched
                request = functools.partial(_AuthRequest(), timeout=self.timeout)
                self._creds.refresh(request)  # type: ignore[union-attr]
            checks.append(Check("access token", True, "Google issued an access token"))
        except BotError as exc:
            checks.append(Check("access token", False, exc.message,
                                "create a new key for the service account and point --credentials at it"))
            checks.append(Check("spreadsheet access", False, skipped, skipped=True))
            return checks
        try:
            with self._translate("open the spreadsheet"):
                meta = self._fetch_meta()
            checks.append(Check("spreadsheet access", True, f'opened "{meta.title}" ({len(meta.tabs)} tabs)'))
        except BotError as exc:
            fix = (f"share the spreadsheet with {self._client_email} as Editor" if "share" in exc.message
                   else f"check --spreadsheet: {ID_HELP}" if "not found" in exc.message else "")
            checks.append(Check("spreadsheet access", False, exc.message, fix))
        return checks

    def check_write(self, title: str) -> Check:
        """Rewrite the first header cell of a bot tab with its own value (RAW): proves write access."""
        name = f"write access to {title}"
        try:
            with self._translate(f"write to the tab '{title}'"):
                meta = self._fetch_meta()
                tab = meta.find(title)
                if tab is None:   # proving write access would mean writing a rep tab: the first cycle will
                    return Check(name, False, f"not checked: the tab '{title}' does not exist yet (the first "
                                              "cycle or `init` creates it)", skipped=True)
                cell = f"{a1_title(tab.title)}!A1"
                answer = self.http.values_batch_get(self.spreadsheet_id, [cell], params={
                    "valueRenderOption": "FORMULA", "dateTimeRenderOption": "SERIAL_NUMBER",
                    "majorDimension": "ROWS"})
                values = (answer.get("valueRanges") or [{}])[0].get("values") or [[]]
                value = values[0][0] if values and values[0] else ""
                if isinstance(value, str) and value.startswith("="):
                    return Check(name, True, f"not tested: A1 of '{tab.title}' holds a formula the bot will not rewrite")
                self.http.values_batch_update(self.spreadsheet_id, {
                    "valueInputOption": "RAW", "includeValuesInResponse": False,
                    "data": [{"range": cell, "majorDimension": "ROWS", "values": [[value]]}]})
            return Check(name, True, f"rewrote A1 of '{tab.title}' with its own value")
        except BotError as exc:
            fix = f"share the spreadsheet with {self._client_email} as Editor" if "share" in exc.message else ""
            return Check(name, False, exc.message, fix)

    # -- init --------------------------------------------------------------------------------------

    def apply_formats(self, formats: Sequence[TabFormat]) -> ApplyResult:
        """Freeze header rows, add dropdowns and blank-required highlights; on the bot's tabs a bold header,
        widths, wrapped text and a filter where none is set, and the bot's protected ranges as `protection`
        says (google_formats). One batchUpdate at most; values untouched.

        Conditional rules already on the tab (same formula, same column) are not added again; data
        validation is set, which replaces whatever rule those cells had. Reads the metadata, and the first
        two rows' formats of the bot tabs when any is to be made readable.
        """
        before = self.request_count
        with self._translate("format the spreadsheet"):
            meta = self._fetch_meta(_FORMAT_FIELDS)
            tabs: list[tuple[TabFormat, TabMeta]] = []
            for fmt in formats:
                tab = meta.find(fmt.title)
                if tab is None or not tab.grid:
                    raise LayoutError(fmt.title, f"The tab '{fmt.title}' does not exist in {self.describe()}; "
                                                 "create it (run `defective-log-bot init`) or fix the tab name in the configuration.")
                tabs.append((fmt, tab))
            looks = self._looks([tab for fmt, tab in tabs if fmt.readable], meta)
            requests_: list[dict] = []
            for fmt, tab in tabs:
                if fmt.freeze_header and tab.frozen_rows < 1:
                    requests_.append({"updateSheetProperties": {
                        "properties": {"sheetId": tab.sheet_id, "gridProperties": {"frozenRowCount": 1}},
                        "fields": "gridProperties.frozenRowCount"}})
                for col, allowed in sorted(fmt.dropdowns.items()):
                    if not allowed:
                        continue
                    requests_.append({"setDataValidation": {
                        "range": column_range(tab.sheet_id, col),
                        "rule": {"condition": {"type": "ONE_OF_LIST",
                                               "values": [{"userEnteredValue": str(v)} for v in allowed]},
                                 # Not strict: the bot reads "refund " or "YES" as valid, so
                                 # the sheet only warns instead of refusing what a rep typed.
                                 "strict": False, "showCustomUi": True},
                    }})
                existing = meta.conditional_formats.get(tab.title, [])
                for col in sorted(set(fmt.required_columns)):
                    formula = blank_required_formula(col)
                    if any(same_rule(rule, col, formula) for rule in existing):
                        continue
                    rule = {"ranges": [column_range(tab.sheet_id, col)],
                            "booleanRule": {"condition": {"type": "CUSTOM_FORMULA",
                                                          "values": [{"userEnteredValue": formula}]},
                                            "format": {"backgroundColor": {"red": 0.98, "green": 0.8, "blue": 0.8}}}}
                    requests_.append({"addConditionalFormatRule": {"rule": rule, "index": 0}})
                    existing = existing + [rule]
                if fmt.readable:
                    requests_.extend(readable_requests(tab.sheet_id, fmt, looks.get(tab.sheet_id), tab.cols))
                if fmt.protection is not None:
                    requests_.extend(protection_requests(tab.sheet_id, fmt.protection,
                                                         meta.protected_ranges.get(tab.title, []),
                                                         self.client_email, tab.cols))
            if requests_:
                self.http.batch_update(self.spreadsheet_id, {"requests": requests_})
        return ApplyResult(requests=self.request_count - before, cells_written=0)

    def _looks(self, tabs: list[TabMeta], meta: SheetMeta) -> dict[int, TabLook]:
        """sheetId -> what the tab's header row and first row below it already have (one request)."""
        if not tabs:
            return {}
        raw = self.http.fetch_sheet_metadata(self.spreadsheet_id, params={
            "ranges": [f"{a1_title(tab.title)}!1:2" for tab in tabs], "fields": CELLS_FIELDS})
        looks: dict[int, TabLook] = {}
        by_id = {tab.sheet_id: tab for tab in tabs}
        for sheet in raw.get("sheets") or []:
            sheet_id = int((sheet.get("properties") or {}).get("sheetId", 0))
            if sheet_id in by_id:
                looks[sheet_id] = look_from_grid(sheet.get("data"), by_id[sheet_id].title in meta.filtered)
        for tab in tabs:   # a tab Google gave no grid for: nothing of its own is set
            looks.setdefault(tab.sheet_id, TabLook(has_filter=tab.title in meta.filtered))
        return looks


def free_sheet_id(title: str, used: set[int]) -> int:
    """An id for a new tab that no tab has: from its title, so a rerun picks the same one."""
    sheet_id = zlib.crc32(title.encode("utf-8")) % 2_000_000_000 + 1
    while sheet_id in used:
        sheet_id += 1
    return sheet_id


def _within_grid(guards: list[Guard], meta: SheetMeta, titles: dict[str, str]) -> list[Guard]:
    """The guards as the grid stands before it grows: rows past a tab's last row are blank by nature
    (and Google refuses to read them), so a guard's blank rows there are left out."""
    out = []
    for g in guards:
        rows = meta.find(titles[g.tab]).rows
        keep = max(0, rows - g.row + 1)
        if keep >= len(g.values) or any(v is not None for row in g.values[keep:] for v in row):
            out.append(g)       # a cell past the grid that should hold a value: the read says what is there
        elif keep:
            out.append(replace(g, values=g.values[:keep]))
    return out


def _shift_request(sheet_id: int, shift: RowShift) -> dict:
    """A RowShift as Sheets says it: the cells of its columns inserted or deleted, those below shifted."""
    grid = {"sheetId": sheet_id, "startRowIndex": shift.row - 1, "endRowIndex": shift.row - 1 + abs(shift.count),
            "startColumnIndex": shift.col - 1, "endColumnIndex": shift.last_col}
    kind = "insertRange" if shift.count > 0 else "deleteRange"
    return {kind: {"range": grid, "shiftDimension": "ROWS"}}


def _note_structure(meta: SheetMeta, sent: list[dict], answer: Mapping[str, Any]) -> None:
    """Keep the snapshot's metadata true after tabs were added or grown (a second apply stays correct)."""
    replies = list(answer.get("replies") or []) if isinstance(answer, Mapping) else []
    for request, reply in zip(sent, replies + [{}] * (len(sent) - len(replies))):
        if "addSheet" in request:
            props = ((reply or {}).get("addSheet") or {}).get("properties") or {}
            asked = request["addSheet"]["properties"]
            grid = props.get("gridProperties") or asked["gridProperties"]
            title = props.get("title", asked["title"])
            meta.tabs[title] = TabMeta(int(props.get("sheetId", -1)), title, int(grid.get("rowCount", 0)),
                                       int(grid.get("columnCount", 0)), int(grid.get("frozenRowCount", 0)))
        elif "updateSheetProperties" in request:
            props = request["updateSheetProperties"]["properties"]
            grid = props["gridProperties"]
            for title, tab in list(meta.tabs.items()):
                if tab.sheet_id == props["sheetId"]:
                    meta.tabs[title] = TabMeta(tab.sheet_id, title, grid["rowCount"], grid["columnCount"],
                                               tab.frozen_rows, tab.grid)
