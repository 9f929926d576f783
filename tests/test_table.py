"""Splitting the rows read into schema columns (bot/table.rep_frame)."""
from __future__ import annotations

from datetime import datetime
from itertools import zip_longest

import pytest

from bot.read.table import map_columns, rep_frame
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
