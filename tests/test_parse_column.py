"""Column-wise parsing (log_issues.parse_column) gives what reading each cell by itself gives.

parse_column reads a column of text at C speed and any other column once per distinct value; the
reference below reads every cell with the per-cell rules (cells.is_placeholder, cells.is_blank and the
parser of the column's type), the way a rep reads them one by one.
"""
import re
from datetime import date, datetime

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from bot.read import cells
from bot.tabs import log_issues
from sheet_schema import load

SCHEMA = load("defective_log")
COLUMNS = [SCHEMA.column(k) for k in ("date_logged", "ticket_id", "customer_name", "customer_email", "defect_type",
                                      "photo_received", "units_affected", "refund_amount")]


def by_cell(values: list, col, day_first: bool) -> list[tuple]:
    out = []
    for v in values:
        placeholder = cells.is_placeholder(v)
        blank = placeholder or cells.is_blank(v)
        parsed, problem = (None, None) if blank else log_issues._parse_cell(v, col, day_first)
        out.append((parsed, problem, blank, placeholder))
    return out


def by_column(values: list, col, day_first: bool) -> list[tuple]:
    column = np.empty(len(values), dtype=object)
    column[:] = values
    got = log_issues.parse_column(column, col, day_first)
    assert got.failed.tolist() == [p is not None for p in got.problems]
    return list(zip(got.values.tolist(), got.problems.tolist(), got.blank.tolist(), got.placeholder.tolist()))


def typed(rows: list[tuple]) -> list[tuple]:
    """Each value with its type: 1 and 1.0 and True are not one reading, nor a warning and an error."""
    return [tuple((type(v), v) for v in row) for row in rows]


# Text a sheet can hold (see cells._UNSTORABLE): a cell with a character no sheet can hold is cleaned
# before it is read, which the per-cell rules and the column agree on only for the cells they can store.
_STORABLE = st.characters(blacklist_categories=("Cs",), blacklist_characters=[
    chr(c) for c in range(32) if chr(c) not in "\t\n\r"] + ["\ufffe", "\uffff"])
_TEXT = st.one_of(
    st.text(_STORABLE, max_size=12),
    st.sampled_from(["", " ", "  \t", "N/A", " n/a ", "na", "NA", "-", "--", "\u2014", "\u2013", "none", "None",
                     "TBD", "tbd\n", "N/A please", "a@b.co", " a@b.co ", "a@b", "a b@c.d", "a@@b.c", "@b.c", "a@b.c.",
                     "x@y.z\u00a0", "2026-11-03", "11/3/2026", "Nov 3, 2026", "Nov 3", "2/30/2026", "$24.50",
                     "1,024.00", "19.999", "0", "2", "2.0", "-3", "Rancid / Off Taste", " clumping ", "yes", "NO",
                     "Refund", "CS-007", "00124"]),
)
_NUMBER = st.one_of(st.integers(-3, 50000), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from([0, 1, 0.0, 1.0, -0.0, 24.505, 46300, 46300.0]))
_ANY = st.one_of(st.none(), _TEXT, _NUMBER, st.booleans(), st.dates(), st.datetimes(),
                 st.sampled_from([date(2026, 11, 3), datetime(2026, 11, 3, 9, 30)]))
# A column of text, whole numbers and blanks only: what takes parse_column's C-speed path.
_TEXT_COLUMN = st.lists(st.one_of(st.none(), _TEXT, st.integers(-5, 10**12)), max_size=30)
_ANY_COLUMN = st.lists(_ANY, max_size=30)


@pytest.mark.parametrize("col", COLUMNS, ids=[c.key for c in COLUMNS])
@settings(max_examples=150, deadline=None)
@given(values=st.one_of(_TEXT_COLUMN, _ANY_COLUMN), day_first=st.booleans())
def test_a_column_reads_as_its_cells(col, values, day_first):
    assert typed(by_column(values, col, day_first)) == typed(by_cell(values, col, day_first))


@pytest.mark.parametrize("values", [
    pytest.param([True, 1, 1.0, False, 0, None], id="checkbox-beside-numbers"),
    pytest.param([1, True], id="number-first"),
    pytest.param([False, 0.0, -0.0], id="false-and-zeros"),
    pytest.param([True, False, True], id="only-checkboxes"),
    pytest.param([None] * 5, id="all-blank"),
    pytest.param(["Sam", "N/A", "Dev", "tbd", "", "  ", 7], id="short-texts-and-placeholders"),
])
@pytest.mark.parametrize("col", COLUMNS, ids=[c.key for c in COLUMNS])
def test_columns_that_challenge_the_shortcuts(col, values):
    assert typed(by_column(values, col, False)) == typed(by_cell(values, col, False))


@given(st.text(st.sampled_from("0012a-\n\u0663\u0660"), max_size=14))
def test_leading_zeros_are_found_as_the_plain_pattern_finds_them(text):
    plain = re.compile(r"(?<!\d)0+(?=\d)")
    assert [m.span() for m in log_issues._LEADING_ZEROS.finditer(text)] == [m.span() for m in plain.finditer(text)]
    assert log_issues.without_leading_zeros(text) == plain.sub("", text)
