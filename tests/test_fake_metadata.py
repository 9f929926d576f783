"""Developer metadata in the Google fake: create, search, read and write by data filter, and how it follows rows."""
from __future__ import annotations

import gspread
import pytest

from tests.fakes import SHEETS_BASE, FakeSheets, fake_sheets, gc, sa_key  # noqa: F401  (fixtures)
from tests.fakes.metadata import METADATA_CHAR_LIMIT

ROWS = [["Flag ID", "Product"], ["ESC-0001", "Oats"], ["ESC-0002", "Granola"], ["ESC-0003", "Chia"],
        ["ESC-0004", "Almonds"]]


def post(gc, fake: FakeSheets, suffix: str, body: dict) -> dict:
    return gc.http_client.request("post", f"{SHEETS_BASE}/{fake.spreadsheet_id}{suffix}", json=body).json()


def tag_row(gc, fake: FakeSheets, row_index: int, value: str, **extra) -> dict:
    """createDeveloperMetadata on one row of Escalations (0-based index)."""
    tab = fake.tab("Escalations")
    md = {"metadataKey": "flag", "metadataValue": value, "visibility": "DOCUMENT",
          "location": {"dimensionRange": {"sheetId": tab.sheet_id, "dimension": "ROWS", "startIndex": row_index,
                                          "endIndex": row_index + 1}}, **extra}
    reply = gc.open_by_key(fake.spreadsheet_id).batch_update({"requests": [{"createDeveloperMetadata": {
        "developerMetadata": md}}]})
    return reply["replies"][0]["createDeveloperMetadata"]["developerMetadata"]


def search(gc, fake, **lookup) -> list[dict]:
    found = post(gc, fake, "/developerMetadata:search", {"dataFilters": [{"developerMetadataLookup": lookup}]})
    return [m["developerMetadata"] for m in found.get("matchedDeveloperMetadata", [])]


def row_of(gc, fake, value) -> list:
    answer = post(gc, fake, "/values:batchGetByDataFilter", {
        "dataFilters": [{"developerMetadataLookup": {"metadataKey": "flag", "metadataValue": value}}],
        "valueRenderOption": "UNFORMATTED_VALUE"})
    return [m["valueRange"].get("values") for m in answer.get("valueRanges", [])]


def test_create_answers_with_an_id_and_the_location_type(fake_sheets, gc):
    fake_sheets.add_tab("Escalations", ROWS)
    md = tag_row(gc, fake_sheets, 2, "ESC-0002")
    assert md["metadataId"] > 0 and md["location"]["locationType"] == "ROW"
    assert search(gc, fake_sheets, metadataKey="flag") == [md]
    assert row_of(gc, fake_sheets, "ESC-0002") == [[["ESC-0002", "Granola"]]]


EDITS = [
    ("rows-inserted-above", lambda p: p.insert_rows("Escalations", before_row=2, n=2), 4, "ESC-0002"),
    ("row-moved-to-the-top", lambda p: p.move_rows("Escalations", first_row=3, n=1, before_row=2), 1, "ESC-0002"),
    ("row-moved-to-the-end", lambda p: p.move_rows("Escalations", first_row=3, n=1, before_row=6), 4, "ESC-0002"),
    ("row-above-deleted", lambda p: p.delete_rows("Escalations", first_row=2), 1, "ESC-0002"),
    ("row-below-deleted", lambda p: p.delete_rows("Escalations", first_row=4), 2, "ESC-0002"),
    # sorting moves contents, not rows: the metadata stays on row 3, which now holds another flag
    ("sorted-by-product", lambda p: p.sort("Escalations", "Product"), 2, "ESC-0003"),
    ("sorted-by-flag-descending", lambda p: p.sort("Escalations", "A", descending=True), 2, "ESC-0003"),
]


@pytest.mark.parametrize("edit,index,flag", [e[1:] for e in EDITS], ids=[e[0] for e in EDITS])
def test_row_metadata_follows_the_row_not_the_contents(fake_sheets, gc, edit, index, flag):
    fake_sheets.add_tab("Escalations", ROWS)
    tag_row(gc, fake_sheets, 2, "ESC-0002")
    edit(fake_sheets.person)
    [md] = search(gc, fake_sheets, metadataValue="ESC-0002")
    assert md["location"]["dimensionRange"]["startIndex"] == index
    [[row]] = row_of(gc, fake_sheets, "ESC-0002")
    assert row == fake_sheets.rows("Escalations")[index] and row[0] == flag


def test_deleting_the_row_deletes_its_metadata(fake_sheets, gc):
    fake_sheets.add_tab("Escalations", ROWS)
    tag_row(gc, fake_sheets, 2, "ESC-0002")
    fake_sheets.person.delete_rows("Escalations", first_row=3)
    assert search(gc, fake_sheets, metadataKey="flag") == [] and row_of(gc, fake_sheets, "ESC-0002") == []


def test_write_by_data_filter_lands_on_the_tagged_row(fake_sheets, gc):
    fake_sheets.add_tab("Escalations", ROWS)
    tag_row(gc, fake_sheets, 2, "ESC-0002")
    fake_sheets.person.insert_rows("Escalations", before_row=2)
    answer = post(gc, fake_sheets, "/values:batchUpdateByDataFilter", {"valueInputOption": "RAW", "data": [{
        "dataFilter": {"developerMetadataLookup": {"metadataValue": "ESC-0002"}}, "values": [["ESC-0002", "Muesli"]]}]})
    assert answer["responses"][0]["updatedRange"] == "Escalations!A4:B4" and "dataFilter" in answer["responses"][0]
    assert fake_sheets.rows("Escalations")[3] == ["ESC-0002", "Muesli"]


def test_metadata_shows_in_the_spreadsheet_and_a_range_filter_finds_it(fake_sheets, gc):
    tab = fake_sheets.add_tab("Escalations", ROWS)
    md = tag_row(gc, fake_sheets, 1, "ESC-0001")
    sh = gc.open_by_key(fake_sheets.spreadsheet_id)
    whole = {"metadataKey": "schema", "metadataValue": "3", "visibility": "PROJECT", "location": {"spreadsheet": True}}
    sh.batch_update({"requests": [{"createDeveloperMetadata": {"developerMetadata": whole}}]})
    meta = sh.fetch_sheet_metadata(params={"fields": "developerMetadata,sheets.developerMetadata"})
    assert meta["sheets"][0]["developerMetadata"] == [md]
    assert [m["metadataKey"] for m in meta["developerMetadata"]] == ["schema"]
    found = post(gc, fake_sheets, "/developerMetadata:search", {"dataFilters": [{"a1Range": "Escalations!A2:B2"}]})
    assert [m["developerMetadata"]["metadataId"] for m in found["matchedDeveloperMetadata"]] == [md["metadataId"]]
    assert post(gc, fake_sheets, "/developerMetadata:search",
                {"dataFilters": [{"gridRange": {"sheetId": tab.sheet_id, "startRowIndex": 3}}]}) == {}


REFUSED = [
    ("two-rows", {"location": {"dimensionRange": {"dimension": "ROWS", "startIndex": 1, "endIndex": 3}}},
     "must represent a single row or column"),
    ("no-key", {"metadataKey": ""}, "must have a metadataKey"),
    ("no-visibility", {"visibility": None}, "visibility of DOCUMENT or PROJECT"),
    ("bad-visibility-enum", {"visibility": "PUBLIC"},
     "(type.googleapis.com/google.apps.sheets.v4.DeveloperMetadata.DeveloperMetadataVisibility), \"PUBLIC\""),
    ("value-over-the-limit", {"metadataValue": "x" * (METADATA_CHAR_LIMIT - 3)}, "over the limit of 30000"),
]


@pytest.mark.parametrize("change,message", [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_create_google_refuses(fake_sheets, gc, change, message):
    tab = fake_sheets.add_tab("Escalations", ROWS)
    md = {"metadataKey": "flag", "metadataValue": "ESC-0001", "visibility": "DOCUMENT",
          "location": {"dimensionRange": {"sheetId": tab.sheet_id, "dimension": "ROWS", "startIndex": 1, "endIndex": 2}}}
    md.update(change)
    if "location" in change:
        md["location"]["dimensionRange"]["sheetId"] = tab.sheet_id
    md = {k: v for k, v in md.items() if v is not None}
    with pytest.raises(gspread.exceptions.APIError) as caught:
        gc.open_by_key(fake_sheets.spreadsheet_id).batch_update({"requests": [{"createDeveloperMetadata": {
            "developerMetadata": md}}]})
    assert caught.value.response.status_code == 400 and message in caught.value.response.json()["error"]["message"]
    assert fake_sheets.developer_metadata == []


def test_the_size_limit_counts_keys_and_values_on_the_sheet(fake_sheets, gc):
    fake_sheets.add_tab("Escalations", ROWS)
    tag_row(gc, fake_sheets, 1, "x" * (METADATA_CHAR_LIMIT - 4 - 10))     # "flag" + value: 10 characters left
    tag_row(gc, fake_sheets, 2, "y" * 6)                                  # exactly at the limit
    with pytest.raises(gspread.exceptions.APIError):
        tag_row(gc, fake_sheets, 3, "z")
    assert len(fake_sheets.developer_metadata) == 2


def test_update_rewrites_the_masked_fields_of_every_match(fake_sheets, gc):
    fake_sheets.add_tab("Escalations", ROWS)
    first, second = tag_row(gc, fake_sheets, 1, "ESC-0001"), tag_row(gc, fake_sheets, 2, "ESC-0002")
    reply = gc.open_by_key(fake_sheets.spreadsheet_id).batch_update({"requests": [{"updateDeveloperMetadata": {
        "dataFilters": [{"developerMetadataLookup": {"metadataId": second["metadataId"]}}],
        "developerMetadata": {"metadataValue": "ESC-0009", "metadataKey": "ignored"}, "fields": "metadataValue"}}]})
    [updated] = reply["replies"][0]["updateDeveloperMetadata"]["developerMetadata"]
    assert (updated["metadataKey"], updated["metadataValue"]) == ("flag", "ESC-0009")
    assert [m["metadataValue"] for m in search(gc, fake_sheets, metadataKey="flag")] == ["ESC-0001", "ESC-0009"]
    assert first["metadataValue"] == "ESC-0001"


def test_get_by_id(fake_sheets, gc):
    fake_sheets.add_tab("Escalations", ROWS)
    md = tag_row(gc, fake_sheets, 1, "ESC-0001")
    url = f"{SHEETS_BASE}/{fake_sheets.spreadsheet_id}/developerMetadata"
    assert gc.http_client.request("get", f"{url}/{md['metadataId']}").json() == md
    with pytest.raises(gspread.exceptions.APIError) as caught:
        gc.http_client.request("get", f"{url}/{md['metadataId'] + 1}")
    assert caught.value.response.status_code == 404
