"""Splitting the rows read into schema columns (bot/table.rep_frame)."""
from __future__ import annotations

from datetime import datetime
from itertools import zip_longest

import pytest

from bot.errors import LayoutError
from bot.read.table import cycle_columns, find_title, header_key, map_columns, read_bot_table, rep_frame
from sheet_schema import load

SCHEMA = load("comp_sheet")
HEADER = [c.header for c in SCHEMA.columns]


def by_hand(rows: list[list]) -> dict[str, list]:
    """What each column should hold: the cell in that column of every data row, None past its end."""
    columns = map_columns("Comp Sheet", rows[0], SCHEMA, {}, strict=False)
    data = rows[1:]
    return {c.key: [r[columns.index[c.key]] if c.key in columns.index and columns.index[c.key] < len(r) else None
                    for r in data] for c in SCHEMA.columns}


@pytest.mark.parametrize("rows", [
    pytest.param([HEADER, ["2026-11-03", "T-1", "0123"], ["2026-11-04", "T-2", "0456"]], id="rows-stopping-early"),
    pytest.param([HEADER, ["a"] * len(HEADER), [], ["b"]], id="ragged-with-an-empty-row"),
    pytest.param([HEADER, [None] * (len(HEADER) + 3) + ["past the schema"]], id="wider-than-the-header"),
    pytest.param([HEADER, (datetime(2026, 11, 3), "T-1", 10299, True, 2.5)], id="workbook-tuples"),
    pytest.param([HEADER], id="no-data"),
    pytest.param([HEADER, [], []], id="only-empty-rows"),
    pytest.param([["Ticket ID", "Date Added"], ["T-1", 46300]], id="columns-missing-and-reordered"),
    pytest.param([HEADER, [["a", "list"], ("a", "tuple")], ["x", "y"]], id="cells-that-are-sequences"),
    pytest.param([HEADER, [["a", "b"]] * 3, [["c", "d"]] * 3], id="sequences-of-one-length"),
])
def test_each_column_holds_its_cells(rows):
    columns = map_columns("Comp Sheet", rows[0], SCHEMA, {}, strict=False)
    raw = rep_frame(rows, columns, SCHEMA)
    assert {k: list(v) for k, v in raw.values.items()} == by_hand(rows)
    assert list(raw.rows) == list(range(2, len(rows) + 1))


def test_matches_a_plain_transpose_at_scale():
    rows = [HEADER] + [[f"2026-11-{i % 28 + 1:02d}", f"T-{i}", i * 7][: 1 + i % 3] for i in range(5000)]
    columns = map_columns("Comp Sheet", rows[0], SCHEMA, {}, strict=False)
    raw = rep_frame(rows, columns, SCHEMA)
    transposed = list(zip_longest(*rows[1:]))
    for c in SCHEMA.columns[:3]:
        assert list(raw.values[c.key]) == list(transposed[columns.index[c.key]])


@pytest.mark.parametrize("index,letters", [(0, "A"), (25, "Z"), (26, "AA"), (51, "AZ"), (701, "ZZ"), (702, "AAA")])
def test_column_letters_and_numbers_are_each_others_inverse(index, letters):
    from bot.read.table import column_letter, column_number
    assert column_letter(index) == letters
    assert column_number(letters) == column_number(letters.lower()) == index


# ---- header matching (PRODUCT.md "Tabs": names and headers match ignoring case and spaces) ----------

LOG = load("defective_log")
LOG_HEADER = [c.header for c in LOG.columns]


def _without(*headers: str) -> list:
    return [h for h in LOG_HEADER if h not in headers]


@pytest.mark.parametrize("value, key", [
    pytest.param("  Ticket   ID ", "ticketid", id="spaces-and-case"), pytest.param("TICKET\tid", "ticketid", id="tab"),
    pytest.param(10299, "10299", id="number"), pytest.param(None, "", id="blank"),
])
def test_header_key(value, key):
    assert header_key(value) == key


@pytest.mark.parametrize("wanted, titles, found", [
    pytest.param("Defective Log", ["Comp Sheet", "Defective Log"], "Defective Log", id="same-name"),
    pytest.param("Defective Log", ["defective  LOG "], "defective  LOG ", id="case-and-spaces"),
    pytest.param("Defective Log", ["DefectiveLog", "Defective Log"], "Defective Log", id="exact-name-first"),
    pytest.param("Defective Log", ["DefectiveLog", "defective log"], None, id="two-loose-matches"),
    pytest.param("Defective Log", ["Defects"], None, id="none"),
])
def test_find_title(wanted, titles, found):
    assert find_title(wanted, iter(titles)) == found


@pytest.mark.parametrize("header, message, headers", [
    pytest.param(_without("Agent"),
                 "The 'Log' tab has no 'Agent' header in row 1: add it back, or set [headers.defective_log] "
                 "agent = \"<your header>\" in the config file.", ("Agent",), id="one"),
    pytest.param(_without("Agent", "Status"),
                 "The 'Log' tab has no 'Agent' and 'Status' headers in row 1: add them back, or set "
                 "[headers.defective_log] agent = \"<your header>\", status = \"<your header>\" in the config file.",
                 ("Agent", "Status"), id="two"),
    pytest.param(_without("Ticket ID", "Product", "Agent", "Status"),
                 "The 'Log' tab has no 'Ticket ID', 'Product', 'Agent' and 'Status' headers in row 1: add them back, "
                 "or set [headers.defective_log] ticket_id = \"<your header>\", product = \"<your header>\", "
                 "agent = \"<your header>\", ... in the config file.",
                 ("Ticket ID", "Product", "Agent", "Status"), id="four-shows-three-settings"),
    pytest.param(_without("Product", "Agent", "Status"),
                 "The 'Log' tab has no 'Product', 'Agent' and 'Status' headers in row 1: add them back, or set "
                 "[headers.defective_log] product = \"<your header>\", agent = \"<your header>\", "
                 "status = \"<your header>\" in the config file.", ("Product", "Agent", "Status"), id="three-all-shown"),
])
def test_every_missing_header_is_named_in_one_sentence(header, message, headers):
    with pytest.raises(LayoutError) as caught:
        map_columns("Log", header, LOG, {}, strict=True)
    assert str(caught.value) == message
    assert caught.value.headers == headers and caught.value.header == headers[0] and caught.value.tab == "Log"


def test_optional_headers_may_be_missing_and_bot_tabs_may_lack_any():
    columns = map_columns("Log", _without("Lot Number", "Best By Date"), LOG, {}, strict=True)
    assert "lot_number" not in columns.index and columns.index["defect_type"] == 6
    assert map_columns("Log", ["Agent"], LOG, {}, strict=False).index == {"agent": 0}


def test_a_header_twice_names_both_letters():
    with pytest.raises(LayoutError) as caught:
        map_columns("Log", LOG_HEADER + [" agent "], LOG, {}, strict=False)
    assert str(caught.value) == ("The 'Log' tab has the header 'Agent' twice (columns P and T): rename or "
                                 "delete one so the bot knows which to read.")
    assert caught.value.header == "Agent" and caught.value.tab == "Log"


def test_renamed_and_other_known_headers():
    header = [("Rep" if h == "Agent" else h) for h in LOG_HEADER if h != "Date Closed"] + ["", "Closed Date", "Closed On"]
    columns = map_columns("Log", header, LOG, {"agent": "Rep"}, strict=True)
    assert columns.index["agent"] == 15 and columns.headers["agent"] == "Rep"
    # Date Closed's other names, tried in the schema's order (Closed On before Closed Date).
    assert columns.index["date_closed"] == len(header) - 1 and columns.headers["date_closed"] == "Closed On"
    assert columns.width == len(header) and columns.letter("agent") == "P"


def test_a_renamed_header_is_not_looked_for_under_its_other_names():
    columns = map_columns("Log", LOG_HEADER[:-1] + ["Closed On"], LOG, {"date_closed": "Done"}, strict=True)
    assert "date_closed" not in columns.index and columns.headers["date_closed"] == "Done"


def test_width_counts_up_to_the_last_filled_header():
    assert map_columns("Log", LOG_HEADER + ["", None, "Notes", "  "], LOG, {}, strict=True).width == len(LOG_HEADER) + 3
    empty = map_columns("Log", ["", None], LOG, {}, strict=False)
    assert empty.width == 0 and empty.index == {}


# ---- a bot tab as read ------------------------------------------------------------------------------

ESC = load("escalations")


def test_a_bot_tab_not_there_yet_has_every_cycle_column_missing():
    table = read_bot_table("Escalations", None, ESC, {"lead_notes": "Notes"})
    assert table.exists is False and table.columns.tab == "Escalations" and table.rows == [] and table.columns.index == {} and table.columns.width == 0
    assert table.missing == cycle_columns(ESC) and "root_cause" not in table.missing
    assert table.columns.headers["lead_notes"] == "Notes" and table.columns.headers["flag_id"] == "Flag ID"


@pytest.mark.parametrize("lazy", [False, True], ids=["rows", "lazy-rows"])
def test_a_bot_tab_keeps_rows_up_to_the_last_one_anyone_filled(lazy):
    rows = [["Flag ID", "Product", "My notes"], ["ESC-0001"], ["", "", "a person's note"], ["", " "], [None], []]
    table = read_bot_table("Escalations", rows, ESC, {}, lazy=lazy)
    assert table.exists is True and table.header == ("Flag ID", "Product", "My notes")
    assert table.title == table.columns.tab == "Escalations" and table.columns.index == {"flag_id": 0, "product": 1}
    assert (type(table.rows) is list) is not lazy
    assert [dict(table.rows[i]) for i in range(len(table.rows))] == [
        {"flag_id": "ESC-0001", "product": None}, {"flag_id": "", "product": ""}]
    assert "flag_id" not in table.missing and "cases" in table.missing and "root_cause" not in table.missing


def test_a_bot_tab_with_nothing_in_it_reads_as_an_empty_tab():
    table = read_bot_table("Escalations", [], ESC, {})
    assert table.exists is True and table.rows == [] and table.header == () and table.missing == cycle_columns(ESC)


def test_a_header_twice_in_a_bot_tab_names_the_bot_tab():
    with pytest.raises(LayoutError) as caught:
        read_bot_table("Escalations", [["Flag ID", "flag id"]], ESC, {})
    assert caught.value.tab == "Escalations" and "'Escalations' tab has the header 'Flag ID' twice" in str(caught.value)


def test_a_bot_tab_read_for_a_cycle_to_change_is_a_list_of_rows_and_a_blank_row_is_no_row():
    table = read_bot_table("Escalations", [["Flag ID"], [None, " "]], ESC, {})
    assert type(table.rows) is list and table.rows == []
