"""GoogleBackend against a stateful fake of the Sheets API v4 (real gspread client, real token flow)."""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
import requests

from bot.backends.base import Check, CreateTab, Guard, Plan, RangeWrite, RowShift, Snapshot, TabFormat
from bot.backends.google import GoogleBackend
from bot.backends.google_cells import a1_title, blank_required_formula, parse_spreadsheet_id, sheet_values, to_sheet_value
from bot.errors import AccessError, ConcurrentEditError, ConfigError, LayoutError

try:
    from tests.fake_sheets import (  # noqa: F401  (fixtures)
        DEFAULT_EMAIL, FakeSheets, date_serial, fake_sheets, make_service_account_key, sa_key,
    )
except ImportError:  # tests/ is not a package: pytest put it on sys.path
    from fake_sheets import (  # type: ignore[no-redef]  # noqa: F401
        DEFAULT_EMAIL, FakeSheets, date_serial, fake_sheets, make_service_account_key, sa_key,
    )

REPO = Path(__file__).resolve().parents[1]
REP_TABS = ("Defective Log", "Comp Sheet")
from hardening import BOT_TABS  # noqa: E402
LOG_HEADERS = ["Date Logged", "Ticket ID", "Customer Name", "Customer Email", "Order Number", "Product",
               "Lot Number", "Best By Date", "Defect Type", "Complaint Details", "Photo Received",
               "Units Affected", "Resolution", "Refund Amount", "Replacement Order Number", "Agent", "Status"]


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def make_backend(fake: FakeSheets, key_path: Path, **kw) -> tuple[GoogleBackend, Sleeps]:
    sleeps = Sleeps()
    kw.setdefault("rng", lambda: 0.5)
    return GoogleBackend(fake.spreadsheet_id, key_path, sleep=sleeps, **kw), sleeps


def seed_rep_tabs(fake: FakeSheets) -> None:
    fake.add_tab("Defective Log", [
        LOG_HEADERS,
        [dt.date(2026, 11, 3), "T-1001", "Ana Ruiz", "ana@example.com", "0123", "Chobani Greek Yogurt", "",
         dt.date(2027, 1, 15), "Foreign Object", "=cardboard in cup", True, 2, "Refund", 24.5, "", "Kim", "Open"],
        [],
        [46000, "T-1002", "Bo Li", "bo@example.com", 10299, "Granola"],
    ])
    fake.add_tab("Comp Sheet", [["Date Added", "Ticket ID", "Order Number"], [dt.date(2026, 11, 4), "T-1001", "0123"]])


@pytest.fixture
def seeded(fake_sheets: FakeSheets) -> FakeSheets:
    seed_rep_tabs(fake_sheets)
    fake_sheets.add_tab("Escalations", [["Flag ID", "Product"]])
    return fake_sheets


# ------------------------------------------------------------------------------------------------
# ids, quoting


@pytest.mark.parametrize("value, expected", [
    pytest.param("1FakeSheetIdAbC_-9", "1FakeSheetIdAbC_-9", id="bare-id"),
    pytest.param("  1FakeSheetIdAbC  ", "1FakeSheetIdAbC", id="bare-id-with-spaces"),
    pytest.param("https://docs.google.com/spreadsheets/d/1AbC-dEf_9/edit#gid=0", "1AbC-dEf_9", id="edit-url-gid"),
    pytest.param("https://docs.google.com/spreadsheets/d/1AbC-dEf_9/edit?usp=sharing", "1AbC-dEf_9", id="sharing-url"),
    pytest.param("https://docs.google.com/spreadsheets/u/0/d/1AbC-dEf_9/htmlview", "1AbC-dEf_9", id="user-url"),
    pytest.param("https://docs.google.com/spreadsheets/d/1AbC-dEf_9", "1AbC-dEf_9", id="url-without-edit"),
    pytest.param("https://docs.google.com/spreadsheet/ccc?key=0AbCdEf&hl=en", "0AbCdEf", id="legacy-key-url"),
])
def test_parse_spreadsheet_id(value, expected):
    assert parse_spreadsheet_id(value) == expected


@pytest.mark.parametrize("value", [
    pytest.param("", id="empty"),
    pytest.param("Defective Log", id="a-title-not-an-id"),
    pytest.param("https://docs.google.com/document/d/1AbC/edit", id="a-docs-url"),
    pytest.param("https://docs.google.com/spreadsheets/d/e/2PACX-1vQ/pubhtml", id="publish-to-web-url"),
])
def test_parse_spreadsheet_id_rejects(value):
    with pytest.raises(ConfigError) as err:
        parse_spreadsheet_id(value)
    assert err.value.exit_code == 2 and err.value.setting == "spreadsheet"
    assert "/d/" in err.value.message


@pytest.mark.parametrize("title, quoted", [
    pytest.param("Escalations", "'Escalations'", id="plain"),
    pytest.param("Comp Sheet", "'Comp Sheet'", id="space"),
    pytest.param("Rep's Log", "'Rep''s Log'", id="apostrophe"),
    pytest.param("A1", "'A1'", id="looks-like-a-cell"),
])
def test_a1_title(title, quoted):
    assert a1_title(title) == quoted


def test_backend_accepts_a_full_url(seeded, sa_key):
    backend = GoogleBackend(f"https://docs.google.com/spreadsheets/d/{seeded.spreadsheet_id}/edit#gid=0", sa_key.path)
    assert backend.spreadsheet_id == seeded.spreadsheet_id
    assert backend.describe() == f"Google Sheet {seeded.spreadsheet_id}"
    backend.read(["Comp Sheet"])
    assert backend.describe() == 'Google Sheet "CS Defective Log"'
    assert backend.client_email == DEFAULT_EMAIL
    assert backend.http.timeout == 30.0


# ------------------------------------------------------------------------------------------------
# read


def test_read_returns_raw_typed_rows_in_googles_shapes(seeded, sa_key):
    backend, _ = make_backend(seeded, sa_key.path)
    snap = backend.read(["Defective Log", "Comp Sheet"])
    log = snap.tabs["Defective Log"]
    assert log[0] == LOG_HEADERS
    first = log[1]
    assert first[0] == 46329 == date_serial(dt.date(2026, 11, 3))     # serial date, an int
    assert first[4] == "0123"                                          # text stays text
    assert first[6] == ""                                              # an empty middle cell
    assert first[9] == "=cardboard in cup"                             # stored as text
    assert first[10] is True and first[11] == 2 and first[13] == 24.5
    assert log[2] == []                                                # empty middle row
    assert log[3] == [46000, "T-1002", "Bo Li", "bo@example.com", 10299, "Granola"]   # ragged
    assert len(log) == 4                                               # trailing empty rows dropped
    assert snap.tabs["Comp Sheet"] == [["Date Added", "Ticket ID", "Order Number"], [46330, "T-1001", "0123"]]
    assert snap.source == 'Google Sheet "CS Defective Log"'

    kinds = [e.kind for e in seeded.api_log]
    assert kinds == ["metadata", "batchGet"]
    get = seeded.api_log[1]
    assert get.params["valueRenderOption"] == ["UNFORMATTED_VALUE"]
    assert get.params["dateTimeRenderOption"] == ["SERIAL_NUMBER"]
    assert get.params["majorDimension"] == ["ROWS"]
    assert get.params["ranges"] == ["'Defective Log'", "'Comp Sheet'"]


def test_read_an_empty_tab_gives_no_rows(fake_sheets, sa_key):
    fake_sheets.add_tab("Bot Status")
    backend, _ = make_backend(fake_sheets, sa_key.path)
    assert backend.read(["Bot Status"]).tabs == {"Bot Status": []}


@pytest.mark.parametrize("title", [
    pytest.param("Comp Sheet", id="space"),
    pytest.param("Rep's Log", id="apostrophe"),
    pytest.param("Log (2026) — Q4", id="punctuation-unicode"),
    pytest.param("A1", id="cell-like"),
])
def test_read_quotes_tab_titles(fake_sheets, sa_key, title):
    fake_sheets.add_tab(title, [["x", 1]])
    backend, _ = make_backend(fake_sheets, sa_key.path)
    assert backend.read([title]).tabs == {title: [["x", 1]]}
    assert all(e.status == 200 for e in fake_sheets.api_log)


def test_missing_tab_is_none_without_a_400(seeded, sa_key):
    backend, _ = make_backend(seeded, sa_key.path)
    snap = backend.read(["Defective Log", "Drafts", "Log Issues"])
    assert snap.tabs["Drafts"] is None and snap.tabs["Log Issues"] is None
    assert snap.tabs["Defective Log"] is not None
    assert all(e.status == 200 for e in seeded.api_log)
    assert seeded.api_log[-1].params["ranges"] == ["'Defective Log'"]


@pytest.mark.parametrize("edit, moved", [
    pytest.param(None, set(), id="nothing-edited"),
    pytest.param(("Escalations", (1, 0), "F-1"), {"Escalations"}, id="a-later-tab-moves-only-itself"),
    pytest.param(("Comp Sheet", (1, 1), "T-1002"), {"Comp Sheet", "Escalations"}, id="a-comp-edit"),
    pytest.param(("Defective Log", (1, 2), "Ana Ruíz"), {"Defective Log", "Comp Sheet", "Escalations"},
                 id="a-log-edit-non-ascii"),
])
def test_a_tab_digest_moves_when_that_tab_or_an_earlier_one_does(seeded, sa_key, edit, moved):
    """The quiet-cycle check relies on this: the rep tabs, read first, keep their digests while the
    bot writes its own tabs."""
    titles = ["Defective Log", "Comp Sheet", "Escalations"]
    backend, _ = make_backend(seeded, sa_key.path)
    before = backend.read(titles)
    if edit:
        seeded.tab(edit[0]).set(*edit[1], edit[2])
    after = backend.read(titles)
    assert set(before.tab_digests) == set(titles)
    assert {t for t in titles if before.tab_digests[t] != after.tab_digests[t]} == moved
    assert (before.digest != after.digest) == bool(moved)


@pytest.mark.parametrize("rows", [
    pytest.param((("a", 1, True), ("b", 2, False)), id="text-numbers-booleans"),
    pytest.param((("a", None), (None, 3)), id="with-blanks"),
    pytest.param((("a", 2.5), (float("nan"), None)), id="floats-and-nan"),
    pytest.param(((dt.date(2026, 11, 3), dt.datetime(2026, 11, 3, 9, 30, 15, 999)),), id="dates"),
    pytest.param(((__import__("decimal").Decimal("24.50"), "x"),), id="decimal"),
    pytest.param((), id="nothing"),
])
def test_sheet_values_is_to_sheet_value_of_every_cell(rows):
    assert [list(r) for r in sheet_values(rows)] == [[to_sheet_value(v) for v in r] for r in rows]


def test_read_with_no_existing_tab_sends_only_the_metadata_request(fake_sheets, sa_key):
    backend, _ = make_backend(fake_sheets, sa_key.path)
    assert backend.read(["Drafts", "Log Issues"]).tabs == {"Drafts": None, "Log Issues": None}
    assert [e.kind for e in fake_sheets.api_log] == ["metadata"]


def test_read_matches_a_tab_title_ignoring_case(fake_sheets, sa_key):
    fake_sheets.add_tab("comp sheet", [["Ticket ID"]])
    backend, _ = make_backend(fake_sheets, sa_key.path)
    assert backend.read(["Comp Sheet"]).tabs == {"Comp Sheet": [["Ticket ID"]]}


def test_the_token_flow_runs_once(seeded, sa_key):
    backend, _ = make_backend(seeded, sa_key.path)
    backend.read(["Defective Log"])
    backend.read(["Defective Log"])
    assert len(seeded.token_log) == 1
    assert seeded.token_log[0].body["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"


# ------------------------------------------------------------------------------------------------
# apply


def cycle(backend: GoogleBackend, titles, plan_for) -> tuple[Snapshot, int]:
    before = backend.request_count
    snap = backend.read(titles)
    backend.apply(plan_for(snap), snap)
    return snap, backend.request_count - before


def test_apply_creates_grows_then_writes_in_at_most_four_requests(seeded, sa_key):
    backend, _ = make_backend(seeded, sa_key.path)
    titles = REP_TABS + ("Escalations", "Log Issues")
    plan = Plan(
        creates=(CreateTab("Log Issues"),),
        writes=(
            RangeWrite("Log Issues", 1, 1, (("Tab", "Row", "Ticket ID"), ("Defective Log", 3, None))),
            RangeWrite("Escalations", 1200, 1, (("ESC-0001", "Granola"),)),
        ),
    )
    seeded.clear_log()
    _, count = cycle(backend, titles, lambda snap: plan)
    assert count <= 4
    assert [e.kind for e in seeded.api_log] == ["metadata", "batchGet", "batchUpdate", "values:batchUpdate"]
    structure = seeded.api_log[2].body["requests"]
    assert [next(iter(r)) for r in structure] == ["addSheet", "updateSheetProperties"]
    assert seeded.tab("Log Issues").rows == 1000 and seeded.tab("Log Issues").cols == 26
    assert seeded.tab("Escalations").rows >= 1200
    assert seeded.rows("Log Issues") == [["Tab", "Row", "Ticket ID"], ["Defective Log", 3]]
    assert seeded.rows("Escalations")[1199] == ["ESC-0001", "Granola"]


def test_a_second_apply_on_the_same_snapshot_does_not_recreate_or_regrow(seeded, sa_key):
    backend, _ = make_backend(seeded, sa_key.path)
    snap = backend.read(["Escalations", "Drafts"])
    plan = Plan(creates=(CreateTab("Drafts"),), writes=(RangeWrite("Drafts", 1, 1, (("Ticket ID",),)),
                                                         RangeWrite("Escalations", 1500, 1, (("x",),))))
    backend.apply(plan, snap)
    seeded.clear_log()
    backend.apply(plan, snap)
    assert [e.kind for e in seeded.api_log] == ["values:batchUpdate"]


def test_apply_returns_requests_and_cells(seeded, sa_key):
    backend, _ = make_backend(seeded, sa_key.path)
    snap = backend.read(["Escalations"])
    result = backend.apply(Plan(writes=(RangeWrite("Escalations", 2, 1, (("ESC-0001", "Granola"),)),)), snap)
    assert (result.requests, result.cells_written) == (1, 2)


def test_empty_plan_sends_nothing(seeded, sa_key):
    backend, _ = make_backend(seeded, sa_key.path)
    snap = backend.read(REP_TABS)
    seeded.clear_log()
    result = backend.apply(Plan(), snap)
    assert result.requests == 0 and seeded.log == []


def test_writes_are_raw_and_never_touch_rep_tabs(seeded, sa_key):
    backend, _ = make_backend(seeded, sa_key.path)
    before = {t: seeded.rows(t) for t in REP_TABS}
    plan = Plan(
        creates=(CreateTab("Drafts"), CreateTab("Log Issues"), CreateTab("Bot Status")),
        writes=(
            RangeWrite("Drafts", 1, 1, (("Ticket ID", "Body"), ("T-1", "=HYPERLINK(\"x\")"), ("T-2", "0123"))),
            RangeWrite("Log Issues", 1, 1, (("Tab",), ("Defective Log",))),
            RangeWrite("Bot Status", 1, 1, (("Last Run", dt.datetime(2026, 11, 3, 9, 30)), ("Issues", 3))),
            RangeWrite("Escalations", 2, 3, ((None, "x"),)),
        ),
    )
    snap = backend.read(REP_TABS + BOT_TABS)
    backend.apply(plan, snap)
    writes = seeded.value_writes()
    assert writes and all(option == "RAW" for option, _ in writes)
    assert not any(seeded.range_tab(rng) in REP_TABS for _, rng in writes)
    assert {t: seeded.rows(t) for t in REP_TABS} == before
    assert seeded.rows("Drafts")[1:] == [["T-1", "=HYPERLINK(\"x\")"], ["T-2", "0123"]]   # text, not a formula
    assert seeded.rows("Bot Status") == [["Last Run", "2026-11-03 09:30:00"], ["Issues", 3]]
    body = [e for e in seeded.api_log if e.kind == "values:batchUpdate"][0].body
    assert body["data"][3] == {"range": "'Escalations'!C2:D2", "majorDimension": "ROWS", "values": [["", "x"]]}


def test_none_clears_a_cell(seeded, sa_key):
    backend, _ = make_backend(seeded, sa_key.path)
    snap = backend.read(["Escalations"])
    backend.apply(Plan(writes=(RangeWrite("Escalations", 1, 2, ((None,),)),)), snap)
    assert seeded.rows("Escalations") == [["Flag ID"]]


@pytest.mark.parametrize("rows_needed, expected_grid", [
    pytest.param(1000, 1000, id="exactly-1000-no-growth"),
    pytest.param(1001, 1001, id="1001-new-tab-sized-to-fit"),
    pytest.param(2500, 2500, id="2500-new-tab-sized-to-fit"),
])
def test_a_new_tab_is_created_big_enough(fake_sheets, sa_key, rows_needed, expected_grid):
    backend, _ = make_backend(fake_sheets, sa_key.path)
    snap = backend.read(["Log Issues"])
    rows = tuple((f"r{i}",) for i in range(1, rows_needed + 1))
    backend.apply(Plan(creates=(CreateTab("Log Issues"),), writes=(RangeWrite("Log Issues", 1, 1, rows),)), snap)
    assert fake_sheets.tab("Log Issues").rows == expected_grid
    assert len(fake_sheets.rows("Log Issues")) == rows_needed
    assert all(e.status == 200 for e in fake_sheets.api_log)


@pytest.mark.parametrize("row, col, grid", [
    pytest.param(1001, 1, (2000, 26), id="row-1001"),
    pytest.param(5, 30, (1000, 30), id="column-AD"),
    pytest.param(2500, 27, (3000, 27), id="both"),
])
def test_writes_beyond_the_grid_grow_it_first(seeded, sa_key, row, col, grid):
    backend, _ = make_backend(seeded, sa_key.path)
    snap = backend.read(["Escalations"])
    backend.apply(Plan(writes=(RangeWrite("Escalations", row, col, (("x",),)),)), snap)
    tab = seeded.tab("Escalations")
    assert (tab.rows, tab.cols) == grid
    assert tab.cells[(row - 1, col - 1)] == "x"
    assert [e.kind for e in seeded.api_log][-2:] == ["batchUpdate", "values:batchUpdate"]


@pytest.mark.parametrize("moved", [False, True], ids=["as-read", "a-row-inserted-meanwhile"])
def test_rows_moved_in_one_tab_and_rows_added_past_anothers_grid(seeded, sa_key, moved):
    """A warm cycle's plan: a row of cells deleted in one tab (deleteRange), and rows written past the
    end of another's grid, guarded blank. The guard is read before anything moves, while those rows
    are still outside the grid (Google refuses to read past it); then growth and shift go in one
    request, then the values. A row inserted meanwhile stops it all."""
    seeded.add_tab("Open Cases", [["Ticket ID", "Mine"], ["a", "n1"], ["b", "n2"], ["c", "n3"]], row_count=4)
    seeded.add_tab("Bot Memory", [["Key"], ["x"]], row_count=2)
    backend, _ = make_backend(seeded, sa_key.path)
    snap = backend.read(["Open Cases", "Bot Memory"])
    if moved:
        seeded.person.insert_rows("Open Cases", before_row=2)
    seeded.clear_log()
    plan = Plan(writes=(RangeWrite("Bot Memory", 3, 1, (("y",), ("z",))),),
                guards=(Guard("Open Cases", 2, 1, (("a",),)), Guard("Open Cases", 4, 1, (("c",),)),
                        Guard("Open Cases", 5, 1, ((None,),)), Guard("Bot Memory", 3, 1, ((None,), (None,)))),
                shifts=(RowShift("Open Cases", 2, -1, 1, 1, 4),))
    if moved:
        with pytest.raises(ConcurrentEditError):
            backend.apply(plan, snap)
        assert [e.kind for e in seeded.api_log] == ["batchGet"]
        return
    backend.apply(plan, snap)
    assert seeded.rows("Open Cases") == [["Ticket ID", "Mine"], ["b", "n1"], ["c", "n2"], ["", "n3"]]
    assert [r[0] for r in seeded.rows("Bot Memory")] == ["Key", "x", "y", "z"]
    assert [e.kind for e in seeded.api_log] == ["batchGet", "batchUpdate", "values:batchUpdate"]


def test_no_growth_request_when_the_grid_is_big_enough(seeded, sa_key):
    backend, _ = make_backend(seeded, sa_key.path)
    snap = backend.read(["Escalations"])
    seeded.clear_log()
    backend.apply(Plan(writes=(RangeWrite("Escalations", 1000, 26, (("x",),)),)), snap)
    assert [e.kind for e in seeded.api_log] == ["values:batchUpdate"]


def test_a_tab_created_by_someone_else_since_the_read_is_a_concurrent_edit(seeded, sa_key):
    backend, _ = make_backend(seeded, sa_key.path)
    snap = backend.read(["Log Issues"])
    seeded.add_tab("Log Issues")
    with pytest.raises(ConcurrentEditError) as err:
        backend.apply(Plan(creates=(CreateTab("Log Issues"),), writes=(RangeWrite("Log Issues", 1, 1, (("Tab",),)),)), snap)
    assert err.value.exit_code == 3


def test_the_fake_rejects_writes_beyond_the_grid_like_google(seeded, sa_key):
    """Without growing first Google answers 400 'exceeds grid limits' (the backend never sends this)."""
    backend, _ = make_backend(seeded, sa_key.path)
    backend.read(["Escalations"])
    from gspread.exceptions import APIError
    with pytest.raises(APIError) as err:
        backend.http.values_batch_update(seeded.spreadsheet_id, {
            "valueInputOption": "RAW", "data": [{"range": "'Escalations'!A1001", "values": [["x"]]}]})
    assert err.value.code == 400
    assert err.value.error["message"] == "Range (Escalations!A1001) exceeds grid limits. Max rows: 1000, max columns: 26"
    assert err.value.error["status"] == "INVALID_ARGUMENT"
    with pytest.raises(APIError) as err:
        backend.http.values_batch_get(seeded.spreadsheet_id, ["'No Such Tab'"])
    assert err.value.error["message"] == "Unable to parse range: 'No Such Tab'"


# ------------------------------------------------------------------------------------------------
# retry


def test_two_429s_then_success_honours_retry_after(seeded, sa_key):
    backend, sleeps = make_backend(seeded, sa_key.path)
    seeded.queue_error(429, times=2, retry_after=7)
    snap = backend.read(["Defective Log"])
    assert snap.tabs["Defective Log"][0] == LOG_HEADERS
    assert sleeps == [7.0, 7.0]
    assert backend.request_count == 2 and backend.attempt_count == 4


def test_429_without_retry_after_backs_off_exponentially_with_jitter(seeded, sa_key):
    backend, sleeps = make_backend(seeded, sa_key.path, rng=lambda: 0.5)
    seeded.queue_error(429, times=3)
    backend.read(["Defective Log"])
    assert sleeps == [0.5, 1.0, 2.0]


@pytest.mark.parametrize("status", [408, 500, 502, 503, 504])
def test_transient_errors_are_retried(seeded, sa_key, status):
    backend, sleeps = make_backend(seeded, sa_key.path)
    seeded.queue_error(status, times=1)
    assert backend.read(["Comp Sheet"]).tabs["Comp Sheet"]
    assert len(sleeps) == 1


@pytest.mark.parametrize("exc", [
    pytest.param(requests.ConnectTimeout("connect timed out"), id="connect-timeout"),
    pytest.param(requests.ReadTimeout("read timed out"), id="read-timeout"),
    pytest.param(requests.ConnectionError("connection reset"), id="connection-error"),
])
def test_network_errors_are_retried(seeded, sa_key, exc):
    backend, sleeps = make_backend(seeded, sa_key.path)
    backend.read(["Comp Sheet"])   # the token is fetched first; faults only hit Sheets requests
    seeded.queue_exception(exc, times=2)
    assert backend.read(["Comp Sheet"]).tabs["Comp Sheet"]
    assert len(sleeps) == 2


def test_endless_503_gives_up_after_max_attempts(seeded, sa_key):
    backend, sleeps = make_backend(seeded, sa_key.path, max_attempts=5, rng=lambda: 0.999)
    seeded.queue_error(503, times=100)
    with pytest.raises(AccessError) as err:
        backend.read(["Defective Log"])
    assert err.value.exit_code == 3
    assert "503" in err.value.message and "try again later" in err.value.message
    assert len(seeded.api_log) == 5 and len(sleeps) == 4
    assert sum(sleeps) <= 120
    assert err.value.__cause__ is not None


def test_an_html_error_page_is_not_shown_to_the_user(seeded, sa_key):
    backend, _ = make_backend(seeded, sa_key.path, max_attempts=2)
    seeded.queue_error(502, times=2)
    with pytest.raises(AccessError) as err:
        backend.read(["Defective Log"])
    assert "502 (Bad Gateway)" in err.value.message and "<" not in err.value.message


def test_endless_429_says_to_lower_the_polling_rate(seeded, sa_key):
    backend, sleeps = make_backend(seeded, sa_key.path)
    seeded.queue_error(429, times=100, retry_after=30)
    with pytest.raises(AccessError) as err:
        backend.read(["Defective Log"])
    assert "429" in err.value.message and "lower the polling rate" in err.value.message
    assert sum(sleeps) <= 120 and len(seeded.api_log) <= 5


def test_a_retry_after_beyond_the_budget_is_not_waited_for(seeded, sa_key):
    backend, sleeps = make_backend(seeded, sa_key.path)
    seeded.queue_error(429, times=1, retry_after=3600)
    with pytest.raises(AccessError):
        backend.read(["Defective Log"])
    assert sleeps == []


def test_endless_timeouts_give_an_access_error(seeded, sa_key):
    backend, sleeps = make_backend(seeded, sa_key.path, max_attempts=3)
    backend.read(["Comp Sheet"])
    seeded.queue_exception(requests.ReadTimeout("read timed out"), times=10)
    with pytest.raises(AccessError) as err:
        backend.read(["Comp Sheet"])
    assert "timed out" in err.value.message and "3 attempts" in err.value.message
    assert len(sleeps) == 2


# ------------------------------------------------------------------------------------------------
# access errors


def test_403_names_the_client_email(seeded, sa_key):
    seeded.access = "denied"
    backend, sleeps = make_backend(seeded, sa_key.path)
    with pytest.raises(AccessError) as err:
        backend.read(["Defective Log"])
    assert err.value.exit_code == 3
    assert f"share the spreadsheet with {DEFAULT_EMAIL} as Editor" in err.value.message
    assert "The caller does not have permission" in err.value.message
    assert sleeps == [] and len(seeded.api_log) == 1
    assert err.value.__cause__ is not None


def test_read_only_share_fails_on_write(seeded, sa_key):
    seeded.access = "read_only"
    backend, _ = make_backend(seeded, sa_key.path)
    snap = backend.read(["Escalations"])
    with pytest.raises(AccessError) as err:
        backend.apply(Plan(writes=(RangeWrite("Escalations", 2, 1, (("x",),)),)), snap)
    assert f"{DEFAULT_EMAIL} as Editor" in err.value.message


def test_a_protected_bot_tab_is_an_access_error(seeded, sa_key):
    seeded.tab("Escalations").protected = True
    backend, _ = make_backend(seeded, sa_key.path)
    snap = backend.read(["Escalations"])
    with pytest.raises(AccessError) as err:
        backend.apply(Plan(writes=(RangeWrite("Escalations", 2, 1, (("x",),)),)), snap)
    assert "protected" in err.value.message and DEFAULT_EMAIL in err.value.message


def test_404_names_the_id_and_where_to_find_it(seeded, sa_key):
    backend = GoogleBackend("1WrongIdWrongIdWrongId", sa_key.path, sleep=Sleeps())
    with pytest.raises(AccessError) as err:
        backend.read(["Defective Log"])
    assert err.value.exit_code == 3
    assert "1WrongIdWrongIdWrongId" in err.value.message
    assert "between /d/ and /edit" in err.value.message


def test_sheets_api_not_enabled(seeded, sa_key):
    seeded.access = "api_disabled"
    backend, _ = make_backend(seeded, sa_key.path)
    with pytest.raises(AccessError) as err:
        backend.read(["Defective Log"])
    assert "enable it" in err.value.message and "Google Sheets API" in err.value.message


@pytest.mark.parametrize("token_error, expected", [
    pytest.param(("invalid_grant", "Invalid JWT Signature."), "Invalid JWT Signature.", id="invalid-jwt-signature"),
    pytest.param(("invalid_grant", "Invalid grant: account not found"), "account not found", id="account-deleted"),
])
def test_a_refused_token_is_an_access_error(seeded, sa_key, token_error, expected):
    seeded.token_error = token_error
    backend, _ = make_backend(seeded, sa_key.path)
    with pytest.raises(AccessError) as err:
        backend.read(["Defective Log"])
    assert err.value.exit_code == 3
    assert expected in err.value.message and DEFAULT_EMAIL in err.value.message
    assert seeded.api_log == []


def test_a_key_google_does_not_know_is_refused(seeded, tmp_path):
    (tmp_path / "other").mkdir()
    other = make_service_account_key(tmp_path / "other", key_number=1)   # same email, another key
    backend, _ = make_backend(seeded, other.path)
    with pytest.raises(AccessError) as err:
        backend.read(["Defective Log"])
    assert "Invalid JWT Signature." in err.value.message


def write_file(tmp_path: Path, text: str, name: str = "key.json") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("make, expected", [
    pytest.param(lambda tmp, key: tmp / "nope.json", "does not exist", id="missing-file"),
    pytest.param(lambda tmp, key: tmp, "is a folder", id="a-folder"),
    pytest.param(lambda tmp, key: write_file(tmp, "not json {"), "not valid JSON", id="not-json"),
    pytest.param(lambda tmp, key: write_file(tmp, "[1, 2]"), "not a service-account key file", id="json-list"),
    pytest.param(lambda tmp, key: write_file(tmp, json.dumps({"type": "authorized_user", "client_id": "x",
                                                              "refresh_token": "y"})),
                 "type is 'authorized_user'", id="authorized-user-file"),
    pytest.param(lambda tmp, key: write_file(tmp, json.dumps({"installed": {"client_id": "x"}})),
                 "type is None", id="oauth-client-file"),
    pytest.param(lambda tmp, key: make_service_account_key(tmp, filename="k.json", private_key=None).path,
                 "lacks private_key", id="missing-private-key"),
    pytest.param(lambda tmp, key: make_service_account_key(tmp, filename="k.json", client_email=None).path,
                 "lacks client_email", id="missing-client-email"),
    pytest.param(lambda tmp, key: make_service_account_key(
        tmp, filename="k.json", private_key="-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").path,
        "private key", id="garbled-private-key"),
    pytest.param(lambda tmp, key: Path(__file__).parent.parent / "credentials.example.json",
                 "is the example key file", id="the-repos-example-file"),
])
def test_bad_credentials_file_is_a_config_error(fake_sheets, tmp_path, sa_key, make, expected):
    path = make(tmp_path, sa_key)
    backend = GoogleBackend(fake_sheets.spreadsheet_id, path)   # loading is lazy: doctor can report it
    with pytest.raises(ConfigError) as err:
        backend.read(["Defective Log"])
    assert err.value.exit_code == 2 and err.value.setting == "credentials"
    assert expected in err.value.message
    assert "BEGIN PRIVATE KEY" not in err.value.message
    assert fake_sheets.log == []


# ------------------------------------------------------------------------------------------------
# doctor


def test_check_access_on_a_fresh_sheet(seeded, sa_key):
    backend, _ = make_backend(seeded, sa_key.path)
    checks = backend.check_access()
    assert [c.name for c in checks] == ["credentials file", "access token", "spreadsheet access"]
    assert all(c.ok for c in checks), checks
    assert DEFAULT_EMAIL in checks[0].detail and "CS Defective Log" in checks[2].detail


def test_check_access_reports_a_missing_share(seeded, sa_key):
    seeded.access = "denied"
    backend, _ = make_backend(seeded, sa_key.path)
    checks = backend.check_access()
    assert [c.ok for c in checks] == [True, True, False]
    assert checks[2].fix == f"share the spreadsheet with {DEFAULT_EMAIL} as Editor"


def test_check_access_reports_a_bad_key_file(fake_sheets, tmp_path):
    backend = GoogleBackend(fake_sheets.spreadsheet_id, write_file(tmp_path, "{}"))
    checks = backend.check_access()
    assert [c.ok for c in checks] == [False, False, False]
    assert "not a service-account key file" in checks[0].detail and checks[0].fix
    assert fake_sheets.log == []


def test_check_access_reports_a_refused_token(seeded, sa_key):
    seeded.token_error = ("invalid_grant", "Invalid JWT Signature.")
    checks = make_backend(seeded, sa_key.path)[0].check_access()
    assert [c.ok for c in checks] == [True, False, False]
    assert "Invalid JWT Signature." in checks[1].detail


def test_check_write_rewrites_a_header_with_itself(seeded, sa_key):
    backend, _ = make_backend(seeded, sa_key.path)
    before = seeded.rows("Escalations")
    check = backend.check_write("Escalations")
    assert check == Check("write access to Escalations", True, check.detail, "")
    assert seeded.rows("Escalations") == before
    assert seeded.value_writes() == [("RAW", "'Escalations'!A1")]


@pytest.mark.parametrize("access, title, fix", [
    pytest.param("read_only", "Escalations", f"share the spreadsheet with {DEFAULT_EMAIL} as Editor", id="viewer-only"),
])
def test_check_write_failures(seeded, sa_key, access, title, fix):
    seeded.access = access
    backend, _ = make_backend(seeded, sa_key.path)
    check = backend.check_write(title)
    assert not check.ok and not check.skipped and check.fix == fix


def test_check_write_of_a_tab_not_created_yet_is_not_checked_not_failed(seeded, sa_key):
    # Proving write access without a bot tab would mean writing a rep tab, which the bot never does.
    backend, _ = make_backend(seeded, sa_key.path)
    check = backend.check_write("Drafts")
    assert check.skipped and "not checked" in check.detail and "first cycle" in check.detail
    assert seeded.value_writes() == []


# ------------------------------------------------------------------------------------------------
# init formats


FORMATS = [
    TabFormat("Defective Log", dropdowns={8: ("Unsealed Packaging", "Rancid / Off Taste", "Foreign Object",
                                              "Clumping", "Other Quality Issue"),
                                          10: ("Yes", "No"), 12: ("Refund", "Replacement"), 16: ("Open", "Closed")},
              required_columns=(0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 15, 16)),
    TabFormat("Escalations"),
]


def test_apply_formats_freezes_adds_dropdowns_and_highlights_without_changing_values(seeded, sa_key):
    backend, _ = make_backend(seeded, sa_key.path)
    values = {t.title: seeded.rows(t.title) for t in seeded.tabs}
    seeded.clear_log()
    result = backend.apply_formats(FORMATS)
    assert [e.kind for e in seeded.api_log] == ["metadata", "batchUpdate"] and result.requests == 2
    assert {t.title: seeded.rows(t.title) for t in seeded.tabs} == values
    log, esc = seeded.tab("Defective Log"), seeded.tab("Escalations")
    assert log.frozen_rows == 1 and esc.frozen_rows == 1
    assert len(log.validations) == 4
    rule = log.validations[(1, None, 8, 9)]
    assert rule["condition"]["type"] == "ONE_OF_LIST" and not rule["strict"] and rule["showCustomUi"]
    assert [v["userEnteredValue"] for v in rule["condition"]["values"]][1] == "Rancid / Off Taste"
    formulas = [r["booleanRule"]["condition"]["values"][0]["userEnteredValue"] for r in log.conditional_formats]
    assert len(formulas) == 13 and blank_required_formula(1) in formulas
    assert blank_required_formula(1) == "=AND(COUNTA(2:2)>0,LEN(TRIM(B2))=0)"
    assert esc.conditional_formats == [] and esc.validations == {}


def test_a_second_apply_formats_does_not_stack_rules(seeded, sa_key):
    backend, _ = make_backend(seeded, sa_key.path)
    backend.apply_formats(FORMATS)
    rules = list(seeded.tab("Defective Log").conditional_formats)
    seeded.clear_log()
    backend.apply_formats(FORMATS)
    assert seeded.tab("Defective Log").conditional_formats == rules
    sent = [next(iter(r)) for r in seeded.api_log[-1].body["requests"]]
    assert "addConditionalFormatRule" not in sent and "updateSheetProperties" not in sent


def test_apply_formats_on_a_missing_tab_is_a_layout_error(seeded, sa_key):
    backend, _ = make_backend(seeded, sa_key.path)
    with pytest.raises(LayoutError) as err:
        backend.apply_formats([TabFormat("Drafts")])
    assert err.value.exit_code == 2 and err.value.tab == "Drafts"


def test_init_flow_creates_bot_tabs_with_headers(fake_sheets, sa_key):
    seed_rep_tabs(fake_sheets)
    backend, _ = make_backend(fake_sheets, sa_key.path)
    rep_before = {t: fake_sheets.rows(t) for t in REP_TABS}
    snap = backend.read(REP_TABS + BOT_TABS)
    missing = [t for t in BOT_TABS if snap.tabs[t] is None]
    plan = Plan(creates=tuple(CreateTab(t) for t in missing),
                writes=tuple(RangeWrite(t, 1, 1, ((f"{t} A", f"{t} B"),)) for t in missing))
    backend.apply(plan, snap)
    backend.apply_formats([TabFormat(t) for t in BOT_TABS])
    for t in BOT_TABS:
        assert fake_sheets.rows(t) == [[f"{t} A", f"{t} B"]]
        assert fake_sheets.tab(t).frozen_rows == 1
    assert {t: fake_sheets.rows(t) for t in REP_TABS} == rep_before
    assert all(check.ok for check in map(backend.check_write, BOT_TABS))


# ------------------------------------------------------------------------------------------------
# boundaries


_GSPREAD_DOOR = [REPO / "bot" / "backends" / "google.py", REPO / "bot" / "backends" / "google_http.py"]


def test_only_the_google_backend_imports_gspread():
    offenders = []
    for path in sorted((REPO / "bot").rglob("*.py")):
        if path in _GSPREAD_DOOR:
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"^\s*(import\s+gspread|from\s+gspread\b)", text, re.MULTILINE):
            offenders.append(str(path.relative_to(REPO)))
    assert offenders == []


@pytest.mark.parametrize("path", _GSPREAD_DOOR, ids=lambda p: p.name)
def test_no_forbidden_gspread_helpers_in_the_backend(path):
    code = re.sub(r'""".*?"""', "", path.read_text(encoding="utf-8"), flags=re.DOTALL)
    for name in ("get_all_records", "get_all_values", "BackOffHTTPClient", "USER_ENTERED"):
        assert name not in code, name


def test_describe_never_shows_secrets(seeded, sa_key):
    backend, _ = make_backend(seeded, sa_key.path)
    backend.read(["Comp Sheet"])
    text = backend.describe()
    assert "PRIVATE" not in text and str(sa_key.path) not in text and "ya29" not in text


# ------------------------------------------------------------------------------------------------
# end to end: the CLI on the fake


def test_cli_init_run_run_doctor_on_the_fake(fake_sheets, sa_key, tmp_path, capsys):
    import openpyxl

    from bot.cli.main import main
    from bot.clock import local_now
    from bot.demo.run import build_workbook

    build_workbook(tmp_path / "team.xlsx", local_now().date())
    wb = openpyxl.load_workbook(tmp_path / "team.xlsx")
    for ws in wb.worksheets:
        if ws.title in REP_TABS:
            fake_sheets.add_tab(ws.title, [list(row) for row in ws.iter_rows(values_only=True)])
    rep_before = {t: fake_sheets.rows(t) for t in REP_TABS}
    args = ["--spreadsheet", f"https://docs.google.com/spreadsheets/d/{fake_sheets.spreadsheet_id}/edit#gid=0",
            "--credentials", str(sa_key.path)]
    kinds, tokens = {}, {}
    for name, cmd in (("init", ["init"]), ("run1", ["run", "--once"]), ("run2", ["run", "--once"]),
                      ("doctor", ["doctor"])):
        fake_sheets.clear_log()
        assert main(cmd + args) == 0, capsys.readouterr()
        kinds[name] = [e.kind for e in fake_sheets.api_log]
        tokens[name] = len(fake_sheets.token_log)
        assert all(e.status == 200 for e in fake_sheets.api_log)
        writes = fake_sheets.value_writes()
        assert all(option == "RAW" for option, _ in writes)
        assert not any(fake_sheets.range_tab(rng) in REP_TABS for _, rng in writes)
    assert len(kinds["run1"]) <= 4 and kinds["run1"][-1] == "values:batchUpdate"
    assert kinds["run2"] == ["metadata", "batchGet"]                      # nothing changed: nothing written
    # Each process starts from the token the last one kept; doctor proves the key itself.
    assert tokens == {"init": 1, "run1": 0, "run2": 0, "doctor": 1}
    assert {t: fake_sheets.rows(t) for t in REP_TABS} == rep_before
    assert [t.title for t in fake_sheets.tabs] == list(REP_TABS + BOT_TABS)
    assert fake_sheets.rows("Log Issues")[0][:3] == ["Tab", "Row", "Ticket ID"]
    assert "All checks passed." in capsys.readouterr().out


def test_fake_batch_update_is_all_or_nothing(seeded: FakeSheets, sa_key):
    """Like Google's, a spreadsheets:batchUpdate whose last request fails changes nothing: a shrink
    that dropped cells and an added tab from the earlier requests are both undone."""
    backend, _ = make_backend(seeded, sa_key.path)
    log_tab = next(t for t in seeded.tabs if t.title == "Defective Log")
    cells_before, titles_before = dict(log_tab.cells), [t.title for t in seeded.tabs]
    with pytest.raises(Exception):
        backend.http.batch_update(seeded.spreadsheet_id, {"requests": [
            {"updateSheetProperties": {"properties": {"sheetId": log_tab.sheet_id,
                                                      "gridProperties": {"rowCount": 1}},
                                       "fields": "gridProperties.rowCount"}},
            {"addSheet": {"properties": {"title": "New Tab"}}},
            {"noSuchRequest": {}},
        ]})
    after = next(t for t in seeded.tabs if t.title == "Defective Log")
    assert after.cells == cells_before and after.rows == 1000
    assert [t.title for t in seeded.tabs] == titles_before
