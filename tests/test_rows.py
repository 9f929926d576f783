"""A bot tab's rows made only when asked for (bot/read/rows.py): each must read exactly as the list of
dict rows read_bot_table makes when it is not lazy, whatever is asked of it."""
from __future__ import annotations

import pytest

from bot.read.rows import PickedRows, RowView, column_of
from bot.read.table import read_bot_table
from sheet_schema import load

SCHEMA = load("escalations")
HEADER = [c.header for c in SCHEMA.columns]


def _tab(rows: list[list]) -> list[list]:
    return [HEADER + ["Lead's note"]] + rows


TABS = {
    "full-rows": _tab([[f"ESC-000{i}", "Oats", "Rancid"] + [None] * (len(HEADER) - 3) + [f"n{i}"] for i in range(4)]),
    "short-rows": _tab([["ESC-0001"], [], ["ESC-0003", "Oats"]]),
    "blank-rows-at-the-end": _tab([["ESC-0001", "Oats"], [None, ""], [], [" "]]),
    "only-a-header": _tab([]),
    "columns-reordered": [list(reversed(HEADER))] + [list(reversed(["ESC-0001", "Oats"] + [None] * (len(HEADER) - 2)))],
}


@pytest.fixture(params=list(TABS), ids=list(TABS))
def tables(request):
    rows = TABS[request.param]
    return (read_bot_table("Escalations", rows, SCHEMA, {}),
            read_bot_table("Escalations", rows, SCHEMA, {}, lazy=True))


def test_a_lazy_table_reads_as_the_eager_one(tables):
    eager, lazy = tables
    assert isinstance(lazy.rows, RowView)
    assert len(lazy.rows) == len(eager.rows)
    assert list(lazy.rows) == eager.rows
    assert lazy.rows == eager.rows and eager.rows == lazy.rows
    assert lazy.rows[:] == eager.rows[:] and lazy.rows[1:3] == eager.rows[1:3] and lazy.rows[::-1] == eager.rows[::-1]
    for i in range(-len(eager.rows), len(eager.rows)):
        assert lazy.rows[i] == eager.rows[i]
    for c in SCHEMA.columns:
        assert column_of(lazy.rows, c.key) == column_of(eager.rows, c.key) == [r.get(c.key) for r in eager.rows]


def test_past_the_end_is_an_index_error(tables):
    _, lazy = tables
    n = len(lazy.rows)
    for i in (n, -n - 1):
        with pytest.raises(IndexError):
            lazy.rows[i]


def test_a_row_made_once_is_the_same_row_and_keeps_a_change():
    lazy = read_bot_table("Escalations", TABS["full-rows"], SCHEMA, {}, lazy=True).rows
    row = lazy[1]
    assert lazy[1] is row and lazy[-3] is row and next(x for i, x in enumerate(lazy) if i == 1) is row
    row["status"] = "Investigating"
    assert lazy[1]["status"] == "Investigating"
    assert column_of(lazy, "status") == [None, "Investigating", None, None]


def test_a_column_the_tab_lacks_reads_blank():
    lazy = read_bot_table("Escalations", [["Flag ID"], ["ESC-0001"], ["ESC-0002"]], SCHEMA, {}, lazy=True).rows
    assert column_of(lazy, "product") == [None, None]
    assert lazy[0] == {"flag_id": "ESC-0001"}


@pytest.mark.parametrize("picks", [
    pytest.param([0, 1, 2, 3], id="as-read"),
    pytest.param([3, 1], id="reordered-and-dropped"),
    pytest.param([0, {"flag_id": "ESC-0009"}, 2], id="one-replaced"),
    pytest.param([0, 1, 2, 3, {"flag_id": "ESC-0005"}, {"product": "Rice"}], id="appended"),
    pytest.param([], id="none"),
])
@pytest.mark.parametrize("lazy", [True, False], ids=["on-a-row-view", "on-a-list"])
def test_picked_rows_read_as_the_rows_they_pick(picks, lazy):
    base = read_bot_table("Escalations", TABS["full-rows"], SCHEMA, {}, lazy=lazy).rows
    eager = read_bot_table("Escalations", TABS["full-rows"], SCHEMA, {}).rows
    expected = [eager[p] if type(p) is int else p for p in picks]
    picked = PickedRows(base, picks)
    assert len(picked) == len(expected) and list(picked) == expected and picked == expected
    assert picked[1:] == expected[1:] and picked[-1:] == expected[-1:]
    assert [picked[i] for i in range(len(expected))] == expected
    for key in ("flag_id", "product", "status"):
        assert column_of(picked, key) == [r.get(key) for r in expected]


def test_rows_compare_unequal_when_a_row_differs():
    lazy = read_bot_table("Escalations", TABS["full-rows"], SCHEMA, {}, lazy=True).rows
    eager = read_bot_table("Escalations", TABS["full-rows"], SCHEMA, {}).rows
    assert lazy != eager[:-1] and PickedRows(lazy, [0, 1, 2, {"flag_id": "X"}]) != eager
    assert lazy != "not rows"


@pytest.mark.parametrize("name", list(TABS))
def test_a_column_is_read_from_the_rows_as_read_before_any_row_is_made(name):
    """A warm cycle reads whole columns of rows it never makes: the column comes from the cells."""
    eager = read_bot_table("Escalations", TABS[name], SCHEMA, {}).rows
    for c in SCHEMA.columns:
        lazy = read_bot_table("Escalations", TABS[name], SCHEMA, {}, lazy=True).rows
        assert column_of(lazy, c.key) == [r.get(c.key) for r in eager]
