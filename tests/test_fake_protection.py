"""Protected ranges, hidden sheets and values:append in the Google fake, through the real gspread client."""
from __future__ import annotations

import gspread
import pytest

from tests.fakes import DEFAULT_EMAIL, PROTECTED_MESSAGE, FakeSheets, fake_sheets, gc, sa_key  # noqa: F401


def spreadsheet(gc, fake: FakeSheets):
    return gc.open_by_key(fake.spreadsheet_id)


def write(gc, fake, a1, value="x"):
    return spreadsheet(gc, fake).values_batch_update(
        {"valueInputOption": "RAW", "data": [{"range": a1, "values": [[value]]}]})


def protected_ranges(gc, fake):
    meta = spreadsheet(gc, fake).fetch_sheet_metadata(params={"fields": "sheets(properties.title,protectedRanges)"})
    return [pr for s in meta["sheets"] for pr in s.get("protectedRanges", [])]


def test_the_bot_protects_a_range_gets_its_id_and_can_still_write(fake_sheets, gc):
    tab = fake_sheets.add_tab("Escalations", [["Flag ID", "Lead Notes"], ["ESC-0001", ""]])
    reply = spreadsheet(gc, fake_sheets).batch_update({"requests": [{"addProtectedRange": {"protectedRange": {
        "range": {"sheetId": tab.sheet_id, "startRowIndex": 0, "endRowIndex": 2, "startColumnIndex": 0,
                  "endColumnIndex": 1}, "description": "bot columns"}}}]})
    added = reply["replies"][0]["addProtectedRange"]["protectedRange"]
    assert isinstance(added["protectedRangeId"], int)
    assert added["editors"] == {"users": [fake_sheets.owner_email, DEFAULT_EMAIL]}
    assert protected_ranges(gc, fake_sheets) == [added]
    write(gc, fake_sheets, "Escalations!A2", "ESC-0002")
    assert fake_sheets.cell("Escalations", "A2") == "ESC-0002"


def test_the_updated_spreadsheet_can_come_back_with_the_reply(fake_sheets, gc):
    tab = fake_sheets.add_tab("Escalations", [["Flag ID"]])
    reply = spreadsheet(gc, fake_sheets).batch_update({"includeSpreadsheetInResponse": True, "requests": [
        {"addProtectedRange": {"protectedRange": {"range": {"sheetId": tab.sheet_id}, "warningOnly": True}}}]})
    [sheet] = reply["updatedSpreadsheet"]["sheets"]
    assert sheet["protectedRanges"] == [reply["replies"][0]["addProtectedRange"]["protectedRange"]]


PERSON_PROTECTS = [
    ("service-account-is-an-editor", {}, "Escalations!A2", True),
    ("owner-only", {"editors": ["cs-lead@example.com"]}, "Escalations!A2", False),
    ("owner-only-write-elsewhere", {"editors": ["cs-lead@example.com"]}, "Escalations!C2", True),
    ("warning-only", {"warning_only": True}, "Escalations!A2", True),
    ("whole-sheet-write-in-unprotected-part", {"whole": True, "editors": [], "unprotected": ["L2:M100"]},
     "Escalations!L5", True),
    ("whole-sheet-write-elsewhere", {"whole": True, "editors": [], "unprotected": ["L2:M100"]}, "Escalations!A5", False),
]


@pytest.mark.parametrize("how,target,allowed", [p[1:] for p in PERSON_PROTECTS], ids=[p[0] for p in PERSON_PROTECTS])
def test_writes_into_a_persons_protection(fake_sheets, gc, how, target, allowed):
    fake_sheets.add_tab("Escalations", [["Flag ID", "Product"], ["ESC-0001", "Oats"]])
    how = dict(how)
    fake_sheets.protect("Escalations", None if how.pop("whole", False) else "A1:B2", **how)
    if allowed:
        write(gc, fake_sheets, target)
        assert fake_sheets.cell(*target.split("!")) == "x"
    else:
        with pytest.raises(gspread.exceptions.APIError) as caught:
            write(gc, fake_sheets, target)
        assert caught.value.response.status_code == 400
        assert caught.value.response.json()["error"]["message"] == PROTECTED_MESSAGE
        assert fake_sheets.cell(*target.split("!")) in (None, "ESC-0001")


def test_a_sort_by_the_bot_over_cells_it_may_not_edit_is_refused(fake_sheets, gc):
    tab = fake_sheets.add_tab("Escalations", [["Flag ID"], ["b"], ["a"]])
    fake_sheets.protect("Escalations", "A1:A3", editors=[fake_sheets.owner_email])
    with pytest.raises(gspread.exceptions.APIError) as caught:
        spreadsheet(gc, fake_sheets).batch_update({"requests": [{"sortRange": {
            "range": {"sheetId": tab.sheet_id, "startRowIndex": 1}, "sortSpecs": [{"dimensionIndex": 0}]}}]})
    assert PROTECTED_MESSAGE in caught.value.response.json()["error"]["message"]
    assert fake_sheets.rows("Escalations") == [["Flag ID"], ["b"], ["a"]]


def test_update_and_delete_a_protected_range(fake_sheets, gc):
    tab = fake_sheets.add_tab("Drafts", [["Ticket ID"]])
    sh = spreadsheet(gc, fake_sheets)
    pid = sh.batch_update({"requests": [{"addProtectedRange": {"protectedRange": {"range": {"sheetId": tab.sheet_id}}}}]}
                          )["replies"][0]["addProtectedRange"]["protectedRange"]["protectedRangeId"]
    sh.batch_update({"requests": [{"updateProtectedRange": {"protectedRange": {
        "protectedRangeId": pid, "warningOnly": True, "description": "bot tab"}, "fields": "warningOnly,description"}}]})
    [pr] = protected_ranges(gc, fake_sheets)
    assert (pr["warningOnly"], pr["description"], "editors" in pr) == (True, "bot tab", False)
    sh.batch_update({"requests": [{"deleteProtectedRange": {"protectedRangeId": pid}}]})
    assert protected_ranges(gc, fake_sheets) == []


REFUSED = [
    ("editors-on-a-warning", {"addProtectedRange": {"protectedRange": {"range": {"sheetId": 0}, "warningOnly": True,
                                                                       "editors": {"users": ["a@example.com"]}}}},
     "You cannot specify editors for a warning-only protected range."),
    ("unprotected-inside-a-range", {"addProtectedRange": {"protectedRange": {
        "range": {"sheetId": 0, "endRowIndex": 3}, "unprotectedRanges": [{"sheetId": 0, "endRowIndex": 1}]}}},
     "Unprotected ranges are only supported when protecting a whole sheet."),
    ("delete-unknown-id", {"deleteProtectedRange": {"protectedRangeId": 12345}}, "No protected range with id: 12345"),
    ("unknown-field", {"addProtectedRange": {"protectedRange": {"range": {"sheetId": 0}, "owner": "me"}}},
     "Unknown name \"owner\" at 'requests[0].add_protected_range.protected_range': Cannot find field."),
]


@pytest.mark.parametrize("request_,message", [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_protection_requests_google_refuses(fake_sheets, gc, request_, message):
    fake_sheets.add_tab("Log", [["a"]])
    with pytest.raises(gspread.exceptions.APIError) as caught:
        spreadsheet(gc, fake_sheets).batch_update({"requests": [request_]})
    assert caught.value.response.status_code == 400 and message in caught.value.response.json()["error"]["message"]
    assert fake_sheets.protected_ranges == []


def test_hidden_sheets(fake_sheets, gc):
    fake_sheets.add_tab("Defective Log")
    sh = spreadsheet(gc, fake_sheets)
    reply = sh.batch_update({"requests": [{"addSheet": {"properties": {"title": "Bot State", "hidden": True}}}]})
    sid = reply["replies"][0]["addSheet"]["properties"]["sheetId"]
    assert reply["replies"][0]["addSheet"]["properties"]["hidden"] is True

    def hidden():
        meta = sh.fetch_sheet_metadata(params={"fields": "sheets.properties(title,hidden)"})
        return {s["properties"]["title"]: s["properties"].get("hidden", False) for s in meta["sheets"]}

    assert hidden() == {"Defective Log": False, "Bot State": True}
    sh.batch_update({"requests": [{"updateSheetProperties": {"properties": {"sheetId": sid, "hidden": False},
                                                             "fields": "hidden"}}]})
    assert hidden() == {"Defective Log": False, "Bot State": False}
    with pytest.raises(gspread.exceptions.APIError) as caught:
        sh.batch_update({"requests": [{"updateSheetProperties": {"properties": {"sheetId": s, "hidden": True},
                                                                 "fields": "hidden"}} for s in (0, sid)]})
    assert "You can't hide all the sheets in a document." in caught.value.response.json()["error"]["message"]
    assert hidden() == {"Defective Log": False, "Bot State": False}


TABLE = [["Ticket", "Status"], ["T-1", "Open"], ["T-2", "Sent"]]
APPEND = [
    ("range-is-the-top-left-cell", TABLE, "Log!A1", "OVERWRITE", "Log!A4:B4", "Log!A1:B3", 3),
    ("range-is-the-header-row", TABLE, "Log!A1:B1", "OVERWRITE", "Log!A4:B4", "Log!A1:B3", 3),
    ("range-is-the-whole-tab", TABLE, "Log", "OVERWRITE", "Log!A4:B4", "Log!A1:B3", 3),
    ("empty-sheet", [], "Log!A1", "OVERWRITE", "Log!A1:B1", None, 0),
    ("table-found-below-the-range", [[], ["", "Ticket", "Status"], ["", "T-1", "Open"]], "Log!A1:D10", "OVERWRITE",
     "Log!B4:C4", "Log!B2:C3", 3),
    ("insert-rows-moves-what-is-below", TABLE + [[], ["note"]], "Log!A1", "INSERT_ROWS", "Log!A4:B4", "Log!A1:B3", 3),
    ("overwrite-fills-the-blank-row-below", TABLE + [[], ["note"]], "Log!A1", "OVERWRITE", "Log!A4:B4", "Log!A1:B3", 3),
    ("a-touching-row-belongs-to-the-table", TABLE + [["keep"]], "Log!A1", "OVERWRITE", "Log!A5:B5", "Log!A1:B4", 4),
]


@pytest.mark.parametrize("rows,rng,option,updated,table,row_index", [a[1:] for a in APPEND], ids=[a[0] for a in APPEND])
def test_append_finds_the_table_as_google_does(fake_sheets, gc, rows, rng, option, updated, table, row_index):
    fake_sheets.add_tab("Log", rows)
    before = [list(r) for r in fake_sheets.rows("Log")]
    answer = spreadsheet(gc, fake_sheets).values_append(
        rng, params={"valueInputOption": "RAW", "insertDataOption": option, "includeValuesInResponse": "true"},
        body={"values": [["T-3", "Open"]]})
    assert answer["updates"]["updatedRange"] == updated and answer.get("tableRange") == table
    assert (answer["updates"]["updatedRows"], answer["updates"]["updatedCells"]) == (1, 2)
    assert answer["updates"]["updatedData"]["values"] == [["T-3", "Open"]]
    after = fake_sheets.rows("Log")
    start = int(updated.split("!")[1].split(":")[0][1:]) - 1
    col = ord(updated.split("!")[1][0]) - 65
    assert after[start][col:col + 2] == ["T-3", "Open"]
    if option == "INSERT_ROWS":
        assert after[start + 1:] == before[row_index:]          # what was below moved down, intact
    else:
        assert after[start + 1:] == before[start + 1:]          # rows below the written one untouched


def test_append_grows_the_grid_and_requires_a_value_input_option(fake_sheets, gc):
    tab = fake_sheets.add_tab("Log", TABLE, row_count=3)
    sh = spreadsheet(gc, fake_sheets)
    sh.values_append("Log!A1", params={"valueInputOption": "USER_ENTERED"}, body={"values": [["T-3", "5"], ["T-4"]]})
    assert tab.rows == 5 and fake_sheets.rows("Log")[3:] == [["T-3", 5], ["T-4"]]
    with pytest.raises(gspread.exceptions.APIError) as caught:
        sh.values_append("Log!A1", params={}, body={"values": [["x"]]})
    assert caught.value.response.json()["error"]["message"] == "'valueInputOption' is required but not specified"
    with pytest.raises(gspread.exceptions.APIError) as caught:
        sh.values_append("Log!A1", params={"valueInputOption": "RAW", "insertDataOption": "APPEND"},
                         body={"values": [["x"]]})
    assert "(type.googleapis.com/google.apps.sheets.v4.InsertDataOption), \"APPEND\"" in str(caught.value)
