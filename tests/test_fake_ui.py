"""What people do in the Sheets UI, in the Google fake: as spreadsheets:batchUpdate requests through the real
gspread client, and as `fake.person` edits. Structural changes move what Google moves."""
from __future__ import annotations

import datetime as dt

import gspread
import pytest

from tests.fakes import FakeSheets, date_serial, fake_sheets, gc, sa_key  # noqa: F401  (fixtures)

# Column B holds every kind of value Google sorts: numbers, text (any case), booleans and a blank.
SORT_ROWS = [["id", "value"], ["r1", 3], ["r2", "banana"], ["r3", None], ["r4", "Apple"], ["r5", 1], ["r6", True],
             ["r7", "cherry"]]
ASCENDING = [1, 3, "Apple", "banana", "cherry", True, None]
DESCENDING = [True, "cherry", "banana", "Apple", 3, 1, None]


def seeded(fake: FakeSheets, rows=SORT_ROWS, **kw):
    tab = fake.add_tab("Escalations", rows, **kw)
    return tab


def sort_by_api(gc, fake, tab, descending):
    gc.open_by_key(fake.spreadsheet_id).batch_update({"requests": [{"sortRange": {
        "range": {"sheetId": tab.sheet_id, "startRowIndex": 1, "endRowIndex": 8, "startColumnIndex": 0,
                  "endColumnIndex": 2},
        "sortSpecs": [{"dimensionIndex": 1, "sortOrder": "DESCENDING" if descending else "ASCENDING"}]}}]})


def sort_by_person(gc, fake, tab, descending):
    fake.person.sort("Escalations", "Value", descending=descending)


@pytest.mark.parametrize("how", [sort_by_api, sort_by_person], ids=["sortRange-request", "person-sort"])
@pytest.mark.parametrize("descending,expected", [(False, ASCENDING), (True, DESCENDING)], ids=["a-to-z", "z-to-a"])
def test_sort_orders_numbers_text_booleans_and_puts_blanks_last(fake_sheets, gc, how, descending, expected):
    tab = seeded(fake_sheets)
    how(gc, fake_sheets, tab, descending)
    rows = fake_sheets.rows("Escalations")
    assert rows[0] == ["id", "value"]
    assert [r[1] if len(r) > 1 else None for r in rows[1:]] == expected
    ids = {r[0]: (r[1] if len(r) > 1 else None) for r in rows[1:]}
    assert ids == {r[0]: r[1] for r in SORT_ROWS[1:]}          # whole rows moved together


def test_sort_is_stable_and_keeps_date_formats_with_their_cells(fake_sheets):
    fake_sheets.add_tab("Log", [["when", "k"], [dt.date(2026, 11, 5), "b"], [dt.date(2026, 11, 3), "a"],
                                [dt.date(2026, 11, 4), "a"]])
    fake_sheets.person.sort("Log", "k")
    assert [r[1] for r in fake_sheets.rows("Log")[1:]] == ["a", "a", "b"]
    assert [r[0] for r in fake_sheets.rows("Log")[1:]] == [date_serial(dt.date(2026, 11, d)) for d in (3, 4, 5)]
    assert set(fake_sheets.tab("Log").date_cells) == {(1, 0), (2, 0), (3, 0)}


def structure_seed(fake: FakeSheets):
    tab = fake.add_tab("Drafts", [["h1", "h2"], ["a", 1], ["b", 2], ["c", 3], ["d", 4]], row_count=10, col_count=4)
    tab.frozen_rows = 1
    tab.validations[(1, 10, 1, 2)] = {"condition": {"type": "NUMBER_GREATER", "values": [{"userEnteredValue": "0"}]}}
    tab.conditional_formats.append({"ranges": [{"sheetId": tab.sheet_id, "startRowIndex": 2, "endRowIndex": 4,
                                                "startColumnIndex": 0, "endColumnIndex": 2}],
                                    "booleanRule": {"condition": {"type": "NOT_BLANK"}, "format": {}}})
    fake.protected_ranges.append({"protectedRangeId": 7, "range": {"sheetId": tab.sheet_id, "startRowIndex": 3,
                                                                    "endRowIndex": 4}, "warningOnly": True})
    fake.developer_metadata.append({"metadataId": 9, "metadataKey": "row", "metadataValue": "c",
                                    "location": {"locationType": "ROW", "dimensionRange": {
                                        "sheetId": tab.sheet_id, "dimension": "ROWS", "startIndex": 3, "endIndex": 4}},
                                    "visibility": "DOCUMENT"})
    return tab


def state(fake: FakeSheets, tab):
    cf = tab.conditional_formats[0]["ranges"][0] if tab.conditional_formats else None
    pr = fake.protected_ranges[0]["range"] if fake.protected_ranges else None
    md = fake.developer_metadata[0]["location"]["dimensionRange"] if fake.developer_metadata else None
    return {"col_a": [r[0] if r else "" for r in fake.rows(tab.title)], "rows": tab.rows, "frozen": tab.frozen_rows,
            "validation": sorted(tab.validations), "cf": cf and (cf.get("startRowIndex"), cf.get("endRowIndex")),
            "protected": pr and (pr["startRowIndex"], pr["endRowIndex"]),
            "metadata": md and (md["startIndex"], md["endIndex"])}


STRUCTURE = [
    ("insert-2-rows-inside-everything", {"insertDimension": {"range": {"dimension": "ROWS", "startIndex": 3, "endIndex": 5},
                                                              "inheritFromBefore": True}},
     {"col_a": ["h1", "a", "b", "", "", "c", "d"], "rows": 12, "frozen": 1, "validation": [(1, 12, 1, 2)],
      "cf": (2, 6), "protected": (5, 6), "metadata": (5, 6)}),
    ("insert-above-header-widens-frozen", {"insertDimension": {"range": {"dimension": "ROWS", "startIndex": 0,
                                                                         "endIndex": 1}}},
     {"col_a": ["", "h1", "a", "b", "c", "d"], "rows": 11, "frozen": 2, "validation": [(2, 11, 1, 2)],
      "cf": (3, 5), "protected": (4, 5), "metadata": (4, 5)}),
    ("delete-the-protected-row", {"deleteDimension": {"range": {"dimension": "ROWS", "startIndex": 3, "endIndex": 4}}},
     {"col_a": ["h1", "a", "b", "d"], "rows": 9, "frozen": 1, "validation": [(1, 9, 1, 2)], "cf": (2, 3),
      "protected": None, "metadata": None}),
    ("delete-rows-above", {"deleteDimension": {"range": {"dimension": "ROWS", "startIndex": 1, "endIndex": 3}}},
     {"col_a": ["h1", "c", "d"], "rows": 8, "frozen": 1, "validation": [(1, 8, 1, 2)], "cf": (1, 2),
      "protected": (1, 2), "metadata": (1, 2)}),
    ("move-row-c-to-the-top", {"moveDimension": {"source": {"dimension": "ROWS", "startIndex": 3, "endIndex": 4},
                                                 "destinationIndex": 1}},
     {"col_a": ["h1", "c", "a", "b", "d"], "rows": 10, "frozen": 1, "validation": [(1, 10, 1, 2)], "cf": (1, 4),
      "protected": (1, 2), "metadata": (1, 2)}),
    ("append-rows", {"appendDimension": {"dimension": "ROWS", "length": 5}},
     {"col_a": ["h1", "a", "b", "c", "d"], "rows": 15, "frozen": 1, "validation": [(1, 10, 1, 2)], "cf": (2, 4),
      "protected": (3, 4), "metadata": (3, 4)}),
]


@pytest.mark.parametrize("request_,expected", [s[1:] for s in STRUCTURE], ids=[s[0] for s in STRUCTURE])
def test_structural_requests_move_what_google_moves(fake_sheets, gc, request_, expected):
    tab = structure_seed(fake_sheets)
    (kind, args), = request_.items()
    args = {k: (dict(v, sheetId=tab.sheet_id) if isinstance(v, dict) else v) for k, v in args.items()}
    if kind == "appendDimension":
        args["sheetId"] = tab.sheet_id
    before = fake_sheets.modified_time
    gc.open_by_key(fake_sheets.spreadsheet_id).batch_update({"requests": [{kind: args}]})
    assert state(fake_sheets, tab) == expected
    assert fake_sheets.modified_time > before


PERSON = [
    ("insert_rows", lambda p: p.insert_rows("Drafts", before_row=4, n=2),
     {"col_a": ["h1", "a", "b", "", "", "c", "d"], "rows": 12, "protected": (5, 6), "metadata": (5, 6)}),
    ("delete_rows", lambda p: p.delete_rows("Drafts", first_row=2, n=2),
     {"col_a": ["h1", "c", "d"], "rows": 8, "protected": (1, 2), "metadata": (1, 2)}),
    ("move_rows", lambda p: p.move_rows("Drafts", first_row=4, n=1, before_row=2),
     {"col_a": ["h1", "c", "a", "b", "d"], "rows": 10, "protected": (1, 2), "metadata": (1, 2)}),
    ("sort-keeps-row-metadata", lambda p: p.sort("Drafts", "h1", descending=True),
     {"col_a": ["h1", "d", "c", "b", "a"], "rows": 10, "protected": (3, 4), "metadata": (3, 4)}),
    ("clear_row", lambda p: p.clear_row("Drafts", 3),
     {"col_a": ["h1", "a", "", "c", "d"], "rows": 10, "protected": (3, 4), "metadata": (3, 4)}),
    ("type", lambda p: p.type("Drafts", "A2", "z"),
     {"col_a": ["h1", "z", "b", "c", "d"], "rows": 10, "protected": (3, 4), "metadata": (3, 4)}),
]


@pytest.mark.parametrize("action,expected", [p[1:] for p in PERSON], ids=[p[0] for p in PERSON])
def test_a_person_edits_and_the_sheet_is_modified(fake_sheets, action, expected):
    tab = structure_seed(fake_sheets)
    before = fake_sheets.modified_time
    action(fake_sheets.person)
    got = state(fake_sheets, tab)
    assert {k: got[k] for k in expected} == expected
    assert fake_sheets.modified_time > before
    assert fake_sheets.person_log[-1][0] == "a lead"


@pytest.mark.parametrize("typed,stored,is_date", [
    ("42", 42, False), ("3.5", 3.5, False), ("TRUE", True, False), ("'0123", "0123", False),
    ("11/3/2026", date_serial(dt.date(2026, 11, 3)), True), ("2026-11-03", date_serial(dt.date(2026, 11, 3)), True),
    ("2/30/2026", "2/30/2026", False), ("Investigating", "Investigating", False)],
    ids=["integer", "decimal", "boolean", "apostrophe-text", "us-date", "iso-date", "impossible-date", "text"])
def test_typing_stores_what_the_ui_stores(fake_sheets, typed, stored, is_date):
    fake_sheets.add_tab("Escalations", [["Lead Notes"]])
    fake_sheets.person.type("Escalations", "A2", typed)
    assert fake_sheets.cell("Escalations", "A2") == stored
    assert ((1, 0) in fake_sheets.tab("Escalations").date_cells) == is_date


def test_columns_insert_and_delete_move_values_and_validations(fake_sheets):
    tab = fake_sheets.add_tab("Log", [["a", "b", "c"]], col_count=5)
    tab.validations[(0, 10, 2, 3)] = {"condition": {"type": "BOOLEAN"}}
    fake_sheets.person.insert_columns("Log", "B", 2)
    assert fake_sheets.rows("Log") == [["a", "", "", "b", "c"]] and tab.cols == 7
    assert list(tab.validations) == [(0, 10, 4, 5)]
    fake_sheets.person.delete_columns("Log", 1)
    assert fake_sheets.rows("Log") == [["", "", "b", "c"]] and list(tab.validations) == [(0, 10, 3, 4)]


REFUSED = [
    ("delete-every-row", {"deleteDimension": {"range": {"dimension": "ROWS", "startIndex": 0, "endIndex": 10}}},
     "You can't delete all the rows on the sheet."),
    ("delete-every-unfrozen-row", {"deleteDimension": {"range": {"dimension": "ROWS", "startIndex": 1, "endIndex": 10}}},
     "Sorry, it is not possible to delete all non-frozen rows."),
    ("inherit-before-row-0", {"insertDimension": {"range": {"dimension": "ROWS", "startIndex": 0, "endIndex": 1},
                                                  "inheritFromBefore": True}}, "inherit from before"),
    ("negative-index", {"insertDimension": {"range": {"dimension": "ROWS", "startIndex": -1, "endIndex": 1}}},
     "DimensionRange indexes must be >= 0"),
    ("bad-dimension-enum", {"insertDimension": {"range": {"dimension": "ROW", "startIndex": 1, "endIndex": 2}}},
     "Invalid value at 'requests[0].insert_dimension.range.dimension' "
     "(type.googleapis.com/google.apps.sheets.v4.Dimension), \"ROW\""),
    ("bad-sort-order-enum", {"sortRange": {"range": {}, "sortSpecs": [{"dimensionIndex": 0, "sortOrder": "UP"}]}},
     "Invalid value at 'requests[0].sort_range.sort_specs[0].sort_order' "
     "(type.googleapis.com/google.apps.sheets.v4.SortOrder), \"UP\""),
]


@pytest.mark.parametrize("request_,message", [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_structural_requests_google_refuses(fake_sheets, gc, request_, message):
    tab = structure_seed(fake_sheets)
    (kind, args), = request_.items()
    args["range"] = dict(args["range"], sheetId=tab.sheet_id)
    before = state(fake_sheets, tab)
    with pytest.raises(gspread.exceptions.APIError) as caught:
        gc.open_by_key(fake_sheets.spreadsheet_id).batch_update({"requests": [{kind: args}]})
    assert caught.value.response.status_code == 400 and message in caught.value.response.json()["error"]["message"]
    assert state(fake_sheets, tab) == before


CELL_SHIFTS = [
    ("delete-range-pulls-its-columns-up", {"deleteRange": {"range": {"startRowIndex": 2, "endRowIndex": 3,
                                                                      "startColumnIndex": 0, "endColumnIndex": 1},
                                                            "shiftDimension": "ROWS"}},
     [["h1", "h2"], ["a", 1], ["c", 2], ["d", 3], ["", 4]], 10),
    ("insert-range-pushes-its-columns-down", {"insertRange": {"range": {"startRowIndex": 1, "endRowIndex": 3,
                                                                         "startColumnIndex": 1, "endColumnIndex": 2},
                                                               "shiftDimension": "ROWS"}},
     [["h1", "h2"], ["a"], ["b"], ["c", 1], ["d", 2], ["", 3], ["", 4]], 10),
    ("insert-range-past-the-last-row-grows-the-grid", {"insertRange": {
        "range": {"startRowIndex": 1, "endRowIndex": 8, "startColumnIndex": 0, "endColumnIndex": 1},
        "shiftDimension": "ROWS"}},
     [["h1", "h2"], ["", 1], ["", 2], ["", 3], ["", 4], ["", None], ["", None], ["", None], ["a"], ["b"], ["c"],
      ["d"]], 12),
]


@pytest.mark.parametrize("request_,rows,grid_rows", [s[1:] for s in CELL_SHIFTS], ids=[s[0] for s in CELL_SHIFTS])
def test_cell_shifts_move_only_the_columns_of_their_range(fake_sheets, gc, request_, rows, grid_rows):
    """insertRange / deleteRange with shiftDimension ROWS (what the bot sends to keep a tab's rows in
    place, base.RowShift): the cells of the range's columns move, the other columns stay."""
    tab = structure_seed(fake_sheets)
    (kind, args), = request_.items()
    args["range"] = dict(args["range"], sheetId=tab.sheet_id)
    gc.open_by_key(fake_sheets.spreadsheet_id).batch_update({"requests": [{kind: args}]})
    def two(r):
        return [("" if v is None else v) for v in (list(r) + ["", ""])[:2]]
    assert [two(r) for r in fake_sheets.rows("Drafts")] == [two(r) for r in rows]
    assert tab.rows == grid_rows


@pytest.mark.parametrize("args,message", [
    pytest.param({"range": {"startRowIndex": 1, "endRowIndex": 2}, "shiftDimension": "ROW"},
                 "Invalid value at 'requests[0].delete_range.shift_dimension'", id="bad-shift-enum"),
    pytest.param({"range": {"startRowIndex": 1, "endRowIndex": 20}, "shiftDimension": "ROWS"},
                 "The range is outside the grid", id="past-the-grid"),
    pytest.param({"range": {"startRowIndex": 1, "endRowIndex": 2}}, "shiftDimension must be ROWS or COLUMNS",
                 id="no-shift-dimension"),
])
def test_cell_shifts_google_refuses(fake_sheets, gc, args, message):
    tab = structure_seed(fake_sheets)
    args["range"] = dict(args["range"], sheetId=tab.sheet_id)
    before = fake_sheets.rows("Drafts")
    with pytest.raises(gspread.exceptions.APIError) as caught:
        gc.open_by_key(fake_sheets.spreadsheet_id).batch_update({"requests": [{"deleteRange": args}]})
    assert caught.value.response.status_code == 400 and message in caught.value.response.json()["error"]["message"]
    assert fake_sheets.rows("Drafts") == before
