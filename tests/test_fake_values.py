"""gspread's worksheet conveniences against the Google fake: values.get, update (PUT), clear, batchClear, append_row."""
from __future__ import annotations

import gspread
import pytest

from tests.fakes import PROTECTED_MESSAGE, fake_sheets, gc, sa_key  # noqa: F401  (fixtures)

ROWS = [["Ticket", "Status"], ["T-1", "Open"], ["T-2", "Sent"]]


@pytest.fixture
def ws(fake_sheets, gc):
    fake_sheets.add_tab("Drafts", ROWS)
    return gc.open_by_key(fake_sheets.spreadsheet_id).worksheet("Drafts")


CASES = [   # (id, action, what it answers (None: not checked), the tab's rows afterwards)
    ("get", lambda ws: list(ws.get("A2:B3")), [["T-1", "Open"], ["T-2", "Sent"]], ROWS),
    ("update-user-entered", lambda ws: ws.update([["T-3", "5"]], "A4", value_input_option="USER_ENTERED"),
     None, ROWS + [["T-3", 5]]),
    ("update-raw", lambda ws: ws.update([["T-3", "5"]], "A4", value_input_option="RAW")["updatedRange"],
     "Drafts!A4:B4", ROWS + [["T-3", "5"]]),
    ("clear", lambda ws: ws.clear(), None, []),
    ("batch-clear", lambda ws: ws.batch_clear(["B2:B3"])["clearedRanges"], ["Drafts!B2:B3"],
     [["Ticket", "Status"], ["T-1"], ["T-2"]]),
    ("append-row", lambda ws: ws.append_row(["T-3", "Open"])["tableRange"], "Drafts!A1:B3", ROWS + [["T-3", "Open"]]),
]


@pytest.mark.parametrize("action,answer,rows", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_worksheet_conveniences(fake_sheets, ws, action, answer, rows):
    got = action(ws)
    if answer is not None:
        assert got == answer
    assert fake_sheets.rows("Drafts") == rows
    assert all(e.status == 200 and e.method_id for e in fake_sheets.api_log)


@pytest.mark.parametrize("action", [lambda ws: ws.update([["x"]], "A2"), lambda ws: ws.batch_clear(["A1:A3"]),
                                    lambda ws: ws.clear()], ids=["update", "batch-clear", "clear"])
def test_single_range_writes_respect_protection(fake_sheets, ws, action):
    fake_sheets.protect("Drafts", "A1:A3", editors=[fake_sheets.owner_email])
    with pytest.raises(gspread.exceptions.APIError) as caught:
        action(ws)
    assert caught.value.response.json()["error"]["message"] == PROTECTED_MESSAGE
    assert fake_sheets.rows("Drafts") == ROWS


def test_values_batch_update_can_answer_with_the_values_written(fake_sheets, ws, gc):
    answer = gc.open_by_key(fake_sheets.spreadsheet_id).values_batch_update({
        "valueInputOption": "USER_ENTERED", "includeValuesInResponse": True, "responseValueRenderOption": "FORMULA",
        "data": [{"range": "Drafts!C2:D2", "values": [["=1+1", "7"]]}]})
    assert answer["responses"][0]["updatedData"]["values"] == [["=1+1", 7]]
