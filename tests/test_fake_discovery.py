"""The Google fake refuses what Google's discovery document refuses, with Google's messages (real gspread client)."""
from __future__ import annotations

import datetime as dt

import gspread
import pytest

from tests.fakes import SHEETS_BASE, FakeSheets, Formula, fake_sheets, gc, sa_key  # noqa: F401  (fixtures)

UNKNOWN_FIELD = ('Invalid JSON payload received. Unknown name "foo" at \'requests[0].add_sheet\': Cannot find field.')


def call(gc, fake: FakeSheets, method: str, suffix: str, *, params=None, body=None):
    """One raw request through gspread's HTTP client; returns the response or the APIError's response."""
    try:
        return gc.http_client.request(method, f"{SHEETS_BASE}/{fake.spreadsheet_id}{suffix}", params=params, json=body)
    except gspread.exceptions.APIError as exc:
        return exc.response


# (id, method, path suffix, query parameters, body, expected message, expected fieldViolation field or None)
REFUSED = [
    ("unknown-field-in-addSheet", "post", ":batchUpdate", None,
     {"requests": [{"addSheet": {"foo": 1, "properties": {"title": "X"}}}]}, UNKNOWN_FIELD, "requests[0].add_sheet"),
    ("unknown-field-snake-case-path", "post", ":batchUpdate", None,
     {"requests": [{"updateSheetProperties": {"properties": {"sheetId": 0, "headerValues": ["a"]}, "fields": "title"}}]},
     'Invalid JSON payload received. Unknown name "headerValues" at \'requests[0].update_sheet_properties.properties\': '
     "Cannot find field.", "requests[0].update_sheet_properties.properties"),
    ("unknown-request-kind", "post", ":batchUpdate", None, {"requests": [{"DeleteRange": {}}]},
     'Invalid JSON payload received. Unknown name "DeleteRange" at \'requests[0]\': Cannot find field.', "requests[0]"),
    ("unknown-top-level-field", "post", "/values:batchUpdate", None,
     {"valueInputOption": "RAW", "data": [], "foo": True},
     'Invalid JSON payload received. Unknown name "foo": Cannot find field.', None),
    ("bad-enum-in-body", "post", "/values:batchUpdate", None,
     {"valueInputOption": "RAW", "data": [{"range": "Log!A1", "majorDimension": "COLS", "values": [["x"]]}]},
     "Invalid value at 'data[0].major_dimension' (type.googleapis.com/google.apps.sheets.v4.Dimension), \"COLS\"",
     "data[0].major_dimension"),
    ("bad-value-input-option", "post", "/values:batchUpdate", None, {"valueInputOption": "RAWW", "data": []},
     "Invalid value at 'value_input_option' (type.googleapis.com/google.apps.sheets.v4.ValueInputOption), \"RAWW\"",
     "value_input_option"),
    ("wrong-type-int32", "post", ":batchUpdate", None,
     {"requests": [{"addSheet": {"properties": {"gridProperties": {"rowCount": "many"}}}}]},
     "Invalid value at 'requests[0].add_sheet.properties.grid_properties.row_count' (TYPE_INT32), \"many\"",
     "requests[0].add_sheet.properties.grid_properties.row_count"),
    ("wrong-type-bool", "post", ":batchUpdate", None,
     {"requests": [{"updateSheetProperties": {"properties": {"sheetId": 0, "hidden": "yes"}, "fields": "hidden"}}]},
     "Invalid value at 'requests[0].update_sheet_properties.properties.hidden' (TYPE_BOOL), \"yes\"",
     "requests[0].update_sheet_properties.properties.hidden"),
    ("wrong-type-string", "post", ":batchUpdate", None,
     {"requests": [{"addSheet": {"properties": {"title": 5}}}]},
     "Invalid value at 'requests[0].add_sheet.properties.title' (TYPE_STRING), 5",
     "requests[0].add_sheet.properties.title"),
    ("list-where-one-value-goes", "post", ":batchUpdate", None,
     {"requests": [{"addSheet": {"properties": {"title": ["a", "b"]}}}]},
     'Invalid JSON payload received. Unknown name "title" at \'requests[0].add_sheet.properties\': Proto field is not '
     "repeating, cannot start list.", "requests[0].add_sheet.properties"),
    ("bad-enum-query-parameter", "get", "/values:batchGet", {"ranges": "Log", "valueRenderOption": "FOO"}, None,
     "Invalid value at 'value_render_option' (type.googleapis.com/google.apps.sheets.v4.ValueRenderOption), \"FOO\"",
     None),
    ("bad-major-dimension-query-parameter", "get", "/values:batchGet", {"ranges": "Log", "majorDimension": "COLS"},
     None, "Invalid value at 'major_dimension' (type.googleapis.com/google.apps.sheets.v4.Dimension), \"COLS\"", None),
    ("bad-date-time-option", "get", "/values:batchGet", {"ranges": "Log", "dateTimeRenderOption": "ISO"}, None,
     "Invalid value at 'date_time_render_option' (type.googleapis.com/google.apps.sheets.v4.DateTimeRenderOption), "
     "\"ISO\"", None),
    ("unknown-query-parameter", "get", "/values:batchGet", {"ranges": "Log", "foo": "1"}, None,
     'Invalid JSON payload received. Unknown name "foo": Cannot bind query parameter. Field \'foo\' could not be '
     "found in request message.", None),
    ("wrong-type-query-parameter", "get", "", {"includeGridData": "perhaps"}, None,
     "Invalid value at 'include_grid_data' (TYPE_BOOL), \"perhaps\"", None),
    ("fields-mask-unknown-name", "get", "", {"fields": "sheets.properties.colour"}, None,
     "Invalid field selection sheets.properties.colour", None),
]


@pytest.mark.parametrize("method,suffix,params,body,message,field", [r[1:] for r in REFUSED],
                         ids=[r[0] for r in REFUSED])
def test_the_fake_refuses_what_the_discovery_document_refuses(fake_sheets, gc, method, suffix, params, body, message,
                                                              field):
    fake_sheets.add_tab("Log", [["a", "b"]])
    response = call(gc, fake_sheets, method, suffix, params=params, body=body)
    error = response.json()["error"]
    assert (response.status_code, error["status"], error["message"]) == (400, "INVALID_ARGUMENT", message)
    if "Invalid field selection" not in message:
        [details] = error["details"]
        assert details["@type"] == "type.googleapis.com/google.rpc.BadRequest"
        violation = {"description": message} if field is None else {"field": field, "description": message}
        assert details["fieldViolations"] == [violation]
    assert fake_sheets.rows("Log") == [["a", "b"]] and [t.title for t in fake_sheets.tabs] == ["Log"]


def test_every_violation_is_reported_one_per_line(fake_sheets, gc):
    fake_sheets.add_tab("Log")
    body = {"requests": [{"addSheet": {"foo": 1}}, {"addSheet": {"properties": {"index": "first"}}}]}
    error = call(gc, fake_sheets, "post", ":batchUpdate", body=body).json()["error"]
    assert error["message"].split("\n") == [
        UNKNOWN_FIELD, "Invalid value at 'requests[1].add_sheet.properties.index' (TYPE_INT32), \"first\""]
    assert [v["field"] for v in error["details"][0]["fieldViolations"]] == [
        "requests[0].add_sheet", "requests[1].add_sheet.properties.index"]


ACCEPTED = [
    ("snake-case-body-names", {"requests": [{"add_sheet": {"properties": {"title": "New", "grid_properties":
                                                                          {"row_count": 5, "column_count": 3}}}}]}),
    ("camel-case-body-names", {"requests": [{"addSheet": {"properties": {"title": "New", "gridProperties":
                                                                         {"rowCount": 5, "columnCount": 3}}}}]}),
    ("int32-as-a-string", {"requests": [{"addSheet": {"properties": {"title": "New", "gridProperties":
                                                                     {"rowCount": "5", "columnCount": 3}}}}]}),
]


@pytest.mark.parametrize("body", [b for _, b in ACCEPTED], ids=[i for i, _ in ACCEPTED])
def test_google_json_accepts_both_spellings_and_numbers_as_strings(fake_sheets, gc, body):
    fake_sheets.add_tab("Log")
    response = call(gc, fake_sheets, "post", ":batchUpdate", body=body)
    assert response.status_code == 200, response.text
    new = fake_sheets.tab("New")
    assert (new.rows, new.cols) == (5, 3)


@pytest.mark.parametrize("params", [{"value_render_option": "FORMULA"}, {"valueRenderOption": "FORMULA"}],
                         ids=["snake-case-query", "camel-case-query"])
def test_query_parameters_take_both_spellings(fake_sheets, gc, params):
    fake_sheets.add_tab("Log").set(0, 0, Formula("=1+1"))
    answer = call(gc, fake_sheets, "get", "/values:batchGet", params={"ranges": "Log!A1", **params}).json()
    assert answer["valueRanges"][0]["values"] == [["=1+1"]]


@pytest.mark.parametrize("method,suffix,status", [
    ("get", "/values:nonsense", 404), ("delete", "", 404), ("post", ":getByDataFilter", 501)],
    ids=["no-such-method", "wrong-http-method", "google-method-the-fake-does-not-model"])
def test_methods_outside_the_document_are_404_and_unmodelled_ones_say_so(fake_sheets, gc, method, suffix, status):
    fake_sheets.add_tab("Log")
    response = call(gc, fake_sheets, method, suffix, body={} if method == "post" else None)
    assert response.status_code == status
    if status == 404:
        assert "was not found on this server" in response.text
    else:
        assert "FakeSheets does not model sheets.spreadsheets.getByDataFilter" in response.json()["error"]["message"]


def test_the_drive_fields_mask_is_checked_too(fake_sheets, gc):
    response = gc.http_client.session.get(f"https://www.googleapis.com/drive/v3/files/{fake_sheets.spreadsheet_id}",
                                          params={"fields": "modifiedTime,colour"})
    assert response.status_code == 400
    assert response.json()["error"]["errors"][0]["location"] == "fields"
    ok = gc.http_client.session.get(f"https://www.googleapis.com/drive/v3/files/{fake_sheets.spreadsheet_id}",
                                    params={"fields": "modifiedTime", "supportsAllDrives": "true"})
    assert ok.status_code == 200 and set(ok.json()) == {"modifiedTime"}


def test_every_request_a_bot_cycle_sends_is_one_the_document_has(fake_sheets, sa_key, tmp_path):
    from bot.backends.google import GoogleBackend
    from bot.config import load_settings
    from bot.cycle.run import run_cycle
    from bot.demo.sample_data import build_sample

    for title, rows in build_sample(dt.date(2026, 11, 20)).items():
        fake_sheets.add_tab(title, rows)
    backend = GoogleBackend(fake_sheets.spreadsheet_id, sa_key.path, sleep=lambda s: None)
    run_cycle(backend, load_settings(environ={}), lambda: dt.datetime(2026, 11, 20, 9, tzinfo=dt.timezone.utc))
    sent = [e for e in fake_sheets.log if e.kind != "token"]
    assert sent and all(e.method_id and e.status == 200 for e in sent), [(e.kind, e.status) for e in sent]
    assert any(e.kind == "batchUpdate" for e in sent) and any(e.kind == "values:batchUpdate" for e in sent)
