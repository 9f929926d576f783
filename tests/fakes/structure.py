"""Structural edits of a tab: insert, delete, move and append rows or columns, and sort a range.

Shared by the spreadsheets:batchUpdate requests (insertDimension, deleteDimension, moveDimension,
appendDimension, sortRange) and by a person's edits in the UI (person.py). Each moves what Google moves:

- cell values (and their date formats);
- data validations: a cell property, so rows inserted take the validation of the row they inherit from
  (the row before with inheritFromBefore, else the row after), and deleted cells take theirs away;
- conditional format ranges, protected ranges and developer metadata on rows/columns: ranges, which an
  insertion strictly inside widens and one at or before their start shifts; a deletion shrinks them, and
  one that removes every row of a range removes the protected range / the metadata (Google: "If the
  associated object is deleted then its metadata is deleted too") / that range of the rule (the rule
  goes with its last range);
- frozen rows/columns (an insertion inside the frozen band widens it, a deletion shrinks it) and the grid size.

Sorting moves cell values (and date formats) within the range only: row metadata, protected ranges,
validations and conditional formats stay where they are, as sorting moves contents, not rows. Google's
order: numbers (dates are numbers) before text (case-insensitive) before booleans before errors, and
blank cells last whichever the direction; the sort is stable.

Simplifications: moveDimension gives a range that the move splits the span of its moved indexes (Google
may keep it whole or split it; validations, being per cell, are split exactly); the error messages for
indexes out of range are the fake's own wording, in Google's "Invalid requests[i].kind: ..." frame.
"""
from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Callable

from .errors import ApiError
from .grid import Formula, Tab, _touched

if TYPE_CHECKING:
    from .sheets import FakeSheets

ROWS, COLUMNS = "ROWS", "COLUMNS"
_GRID_KEYS = {ROWS: ("startRowIndex", "endRowIndex"), COLUMNS: ("startColumnIndex", "endColumnIndex")}


# -- index maps: old index -> new index (None = deleted) ---------------------------------------------

def _span_insert(a: int | None, b: int | None, s: int, n: int, inherit: bool | None) -> tuple[int | None, int | None]:
    """[a, b) after inserting n at s. `inherit` None: a range (widened only strictly inside); True/False:
    a cell property inherited from the row before / after the insertion."""
    if a is None:                          # unbounded start: the range keeps starting at the edge
        grows = b is not None and (s < b or (bool(inherit) and s == b))
        return None, None if b is None else (b + n if grows else b)
    lo, hi = a, b
    if inherit is None:
        grows = lo < s and (hi is None or s < hi)
    elif inherit:
        grows = lo < s and (hi is None or s <= hi)
    else:
        grows = lo <= s and (hi is None or s < hi)
    if grows:
        return a, None if hi is None else hi + n
    if s <= lo:
        return lo + n, None if hi is None else hi + n
    return a, b


def _span_delete(a: int | None, b: int | None, s: int, e: int) -> tuple[int | None, int | None] | None:
    n = e - s
    lo = a or 0
    new_lo = lo if lo < s else (s if lo < e else lo - n)
    if b is None:
        return (a if a is None else new_lo), None
    new_hi = b if b <= s else (s if b <= e else b - n)
    if new_hi <= new_lo:
        return None
    return (None if a is None else new_lo), new_hi


def _move_map(s: int, e: int, d: int, size: int) -> Callable[[int], int]:
    order = list(range(size))
    block, rest = order[s:e], order[:s] + order[e:]
    at = d if d <= s else d - (e - s)
    new_order = rest[:at] + block + rest[at:]
    where = {old: new for new, old in enumerate(new_order)}
    return lambda i: where.get(i, i)


def _runs(indexes: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for i in sorted(indexes):
        if out and out[-1][1] == i:
            out[-1] = (out[-1][0], i + 1)
        else:
            out.append((i, i + 1))
    return out


# -- applying a change to everything on a tab ---------------------------------------------------------

class _Change:
    """One structural change along one dimension: how indexes, ranges and cell properties follow it."""

    def __init__(self, dim: str, index: Callable[[int], int | None], span: Callable[..., Any]):
        self.dim, self.index, self.span = dim, index, span


def _apply(fake: "FakeSheets", tab: Tab, change: _Change) -> None:
    axis = 0 if change.dim == ROWS else 1
    for store in (tab.cells, tab.date_cells):
        moved = {}
        for key, value in store.items():
            new = change.index(key[axis])
            if new is not None:
                moved[(new, key[1]) if axis == 0 else (key[0], new)] = value
        store.clear()
        store.update(moved)
    # validations: keys (startRow, endRow, startCol, endCol), a cell property
    lo_i, hi_i = (0, 1) if axis == 0 else (2, 3)
    validations = {}
    for key, rule in tab.validations.items():
        for a, b in change.span(key[lo_i], key[hi_i], "cell"):
            new = list(key)
            new[lo_i], new[hi_i] = a, b
            validations[tuple(new)] = rule
    tab.validations = validations
    start_key, end_key = _GRID_KEYS[change.dim]

    def grid_ranges(ranges: list[dict]) -> list[dict]:
        out = []
        for rng in ranges:
            if rng.get("sheetId", 0) != tab.sheet_id:
                out.append(rng)
                continue
            for a, b in change.span(rng.get(start_key), rng.get(end_key), "range"):
                new = {k: v for k, v in rng.items() if k not in (start_key, end_key)}
                if a is not None:
                    new[start_key] = a
                if b is not None:
                    new[end_key] = b
                out.append(new)
        return out

    rules = []
    for rule in tab.conditional_formats:
        rule["ranges"] = grid_ranges(rule.get("ranges") or [])
        if rule["ranges"]:
            rules.append(rule)
    tab.conditional_formats = rules
    kept = []
    for pr in fake.protected_ranges:
        if "range" in pr and pr["range"].get("sheetId", 0) == tab.sheet_id:
            moved_ranges = grid_ranges([pr["range"]])
            if not moved_ranges:
                continue                     # every protected row deleted: the protection goes too
            pr["range"] = moved_ranges[0]
        if pr.get("unprotectedRanges"):
            pr["unprotectedRanges"] = grid_ranges(pr["unprotectedRanges"])
        kept.append(pr)
    fake.protected_ranges = kept
    metadata = []
    for md in fake.developer_metadata:
        dim_range = (md.get("location") or {}).get("dimensionRange")
        if dim_range and dim_range.get("sheetId") == tab.sheet_id and dim_range.get("dimension") == change.dim:
            spans = change.span(dim_range.get("startIndex"), dim_range.get("endIndex"), "range")
            if not spans:
                continue                     # its rows/columns were deleted: so is the metadata
            dim_range["startIndex"], dim_range["endIndex"] = spans[0]
        metadata.append(md)
    fake.developer_metadata = metadata
    _touched()


def _size(tab: Tab, dim: str) -> int:
    return tab.rows if dim == ROWS else tab.cols


def _check_dim_range(i: int | None, kind: str, tab: Tab, dim: str, s: int, e: int, *, insert: bool = False) -> None:
    where = f"Invalid requests[{i}].{kind}: " if i is not None else f"{kind}: "
    if s < 0 or e < 0:
        raise ApiError(400, where + "DimensionRange indexes must be >= 0")
    if e <= s:
        raise ApiError(400, where + "The end index must be greater than the start index.")
    limit = _size(tab, dim)
    if (s > limit if insert else e > limit):
        raise ApiError(400, where + f"Range ({s}:{e}) is beyond the {dim.lower()} of the sheet ({limit}).")


def insert_dimension(fake: "FakeSheets", tab: Tab, dim: str, s: int, e: int, inherit_from_before: bool = False,
                     i: int | None = None) -> None:
    _check_dim_range(i, "insertDimension", tab, dim, s, e, insert=True)
    if inherit_from_before and s == 0:
        raise ApiError(400, (f"Invalid requests[{i}].insertDimension: " if i is not None else "")
                       + "Cannot insert at index 0 and inherit from before.")
    n = e - s

    def span(a, b, what):
        return [_span_insert(a, b, s, n, inherit_from_before if what == "cell" else None)]

    _apply(fake, tab, _Change(dim, lambda x: x if x < s else x + n, span))
    if dim == ROWS:
        tab.rows += n
        tab.frozen_rows += n if s < tab.frozen_rows else 0
    else:
        tab.cols += n
        tab.frozen_cols += n if s < tab.frozen_cols else 0


def delete_dimension(fake: "FakeSheets", tab: Tab, dim: str, s: int, e: int, i: int | None = None) -> None:
    _check_dim_range(i, "deleteDimension", tab, dim, s, e)
    where = f"Invalid requests[{i}].deleteDimension: " if i is not None else ""
    frozen = tab.frozen_rows if dim == ROWS else tab.frozen_cols
    if s == 0 and e >= _size(tab, dim):
        raise ApiError(400, where + f"You can't delete all the {dim.lower()} on the sheet.")
    if s <= frozen and e >= _size(tab, dim):
        raise ApiError(400, where + f"Sorry, it is not possible to delete all non-frozen {dim.lower()}.")
    n = e - s

    def span(a, b, what):
        out = _span_delete(a, b, s, e)
        return [] if out is None else [out]

    _apply(fake, tab, _Change(dim, lambda x: x if x < s else (None if x < e else x - n), span))
    cut = max(0, min(e, frozen) - s)
    if dim == ROWS:
        tab.rows -= n
        tab.frozen_rows -= cut
    else:
        tab.cols -= n
        tab.frozen_cols -= cut


def move_dimension(fake: "FakeSheets", tab: Tab, dim: str, s: int, e: int, d: int, i: int | None = None) -> None:
    _check_dim_range(i, "moveDimension", tab, dim, s, e)
    size = _size(tab, dim)
    if not 0 <= d <= size or s < d < e:
        raise ApiError(400, (f"Invalid requests[{i}].moveDimension: " if i is not None else "")
                       + f"destinationIndex {d} must be outside the source range ({s}:{e}) and within the sheet.")
    where = _move_map(s, e, d, size)

    def span(a, b, what):
        lo, hi = a or 0, size if b is None else b
        moved = [where(x) for x in range(lo, hi)]
        if not moved:
            return [(a, b)]
        if what == "cell":
            return _runs(moved)
        return [(min(moved), max(moved) + 1)]

    _apply(fake, tab, _Change(dim, where, span))


def append_dimension(tab: Tab, dim: str, length: int, i: int | None = None) -> None:
    if length < 1:
        raise ApiError(400, (f"Invalid requests[{i}].appendDimension: " if i is not None else "")
                       + "length must be greater than 0.")
    if dim == ROWS:
        tab.rows += length
    else:
        tab.cols += length
    _touched()


# -- sorting ------------------------------------------------------------------------------------------

def shift_cells(tab: Tab, r0: int, r1: int, c0: int, c1: int, count: int) -> None:
    """insertRange (`count` > 0) / deleteRange (`count` < 0) with shiftDimension ROWS: the cells of
    columns [c0, c1) from row r0 move down `count` rows (inserted blank cells at [r0, r1)) or up (the
    cells of [r0, r1) gone). Values and their date formats move; validations, conditional formats,
    protected ranges and merges stay where they are (the fake's simplification: Google moves what
    lies wholly inside the shifted columns). Cells pushed past the last row grow the grid (the fake's
    assumption; the bot grows the grid first, so it never relies on it)."""
    _touched()
    for store in (tab.cells, tab.date_cells):
        moved = {}
        for key in [k for k in store if c0 <= k[1] < c1 and k[0] >= r0]:
            value = store.pop(key)
            row = key[0] + count
            if count < 0 and key[0] < r1:
                continue          # deleted
            moved[(row, key[1])] = value
        store.update(moved)
    if tab.cells:
        tab.rows = max(tab.rows, max(r for r, _ in tab.cells) + 1)


def _rank(value: Any) -> tuple:
    if isinstance(value, bool):
        return (2, value)
    if isinstance(value, (int, float)):
        return (0, value)
    if isinstance(value, Formula):
        return (3, value.text)            # the fake does not evaluate formulas: they read as errors
    return (1, str(value).casefold())


def _compare(a: Any, b: Any, descending: bool) -> int:
    if a is None or b is None:
        return (a is None) - (b is None)  # blanks last, either direction
    ra, rb = _rank(a), _rank(b)
    result = (ra > rb) - (ra < rb)
    return -result if descending else result


def sort_range(tab: Tab, r0: int, r1: int, c0: int, c1: int, specs: list[tuple[int, bool]]) -> None:
    """Sort rows r0..r1-1 of columns c0..c1-1 by (column index, descending) keys, stably."""
    rows = []
    for r in range(r0, r1):
        rows.append(([tab.cells.get((r, c)) for c in range(c0, c1)],
                     [tab.date_cells.get((r, c)) for c in range(c0, c1)]))
    for col, descending in reversed(specs):
        rows.sort(key=functools.cmp_to_key(lambda x, y, k=col - c0, d=descending: _compare(x[0][k], y[0][k], d)))
    for offset, (values, dates) in enumerate(rows):
        r = r0 + offset
        for k, c in enumerate(range(c0, c1)):
            for store, item in ((tab.cells, values[k]), (tab.date_cells, dates[k])):
                if item is None:
                    store.pop((r, c), None)
                else:
                    store[(r, c)] = item
    _touched()
