"""Cell formats, column widths and the basic filter: repeatCell, updateDimensionProperties, setBasicFilter.

What it answers, as Google documents it:
- `repeatCell` {range, cell, fields}: the masked part of `cell` (e.g. `userEnteredFormat.textFormat.bold`)
  set on every cell of the range within the grid; an unbounded end reaches the grid's end.
- `updateDimensionProperties` {range: {sheetId, dimension, startIndex, endIndex}, properties, fields}:
  `pixelSize` of columns or rows (100 px columns, 21 px rows until set).
- `setBasicFilter` {filter: {range, ...}}: the tab's one basic filter, replacing any other.
- Metadata: `sheets.basicFilter`, and with `ranges` the grid data of those ranges (`sheets.data`: rowData
  values' userEnteredFormat, rowMetadata / columnMetadata pixelSize); only the sheets the ranges meet are
  listed then, as Google answers.

Simplifications: formats do not move when rows or columns are inserted, deleted, moved or sorted (the
bot only formats tabs it creates or `init` formats; no test moves rows of a formatted tab and then reads
its formats back); other dimension properties (hiddenByUser ...) are accepted and not kept.

Inspect with `formats_of(fake, title)`: a TabFormats (cell formats by (row, col), widths, filter).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError
from .fields import mask_leaves, parse_fields

DEFAULT_COLUMN_PIXELS = 100
DEFAULT_ROW_PIXELS = 21


@dataclass
class TabFormats:
    cells: dict[tuple[int, int], dict] = field(default_factory=dict)   # (row, col) -> userEnteredFormat etc.
    column_pixels: dict[int, int] = field(default_factory=dict)
    row_pixels: dict[int, int] = field(default_factory=dict)
    basic_filter: dict | None = None

    def bold(self, row: int, col: int) -> bool | None:
        return ((self.cells.get((row, col)) or {}).get("userEnteredFormat", {}).get("textFormat") or {}).get("bold")

    def wrap(self, row: int, col: int) -> str | None:
        return (self.cells.get((row, col)) or {}).get("userEnteredFormat", {}).get("wrapStrategy")

    def width(self, col: int) -> int:
        return self.column_pixels.get(col, DEFAULT_COLUMN_PIXELS)


def formats_of(fake, title: str) -> TabFormats:
    return fake.formats.setdefault(fake.tab(title).sheet_id, TabFormats())


def protections_of(fake, title: str) -> list[dict]:
    """The protected ranges on a tab, as the metadata lists them."""
    sheet_id = fake.tab(title).sheet_id
    return [fake._protected_view(pr) for pr in fake.protected_ranges if pr["range"].get("sheetId", 0) == sheet_id]


def _error(i: int, kind: str, message: str) -> ApiError:
    return ApiError(400, f"Invalid requests[{i}].{kind}: {message}")


def _set_path(target: dict, source: dict, path: list[str]) -> None:
    """Copy the masked field `path` of `source` into `target` (absent in the source: cleared)."""
    node_t, node_s = target, source
    for name in path[:-1]:
        node_t = node_t.setdefault(name, {})
        node_s = (node_s or {}).get(name) if isinstance(node_s, dict) else None
    last = path[-1]
    if isinstance(node_s, dict) and last in node_s:
        node_t[last] = copy.deepcopy(node_s[last])
    else:
        node_t.pop(last, None)


class FormatRequests:
    """Mixed into FakeSheets."""

    REQUEST_KINDS = {
        "repeatCell": "_repeat_cell",
        "updateDimensionProperties": "_update_dimension_properties",
        "setBasicFilter": "_set_basic_filter",
    }

    @property
    def formats(self) -> dict[int, TabFormats]:
        if not hasattr(self, "_formats"):
            self._formats = {}
        return self._formats

    def _formats_state(self) -> dict:
        return copy.deepcopy(self.formats)

    def _restore_formats(self, saved: dict) -> None:
        self._formats = saved

    def _format_tab(self, i: int, kind: str, rng: dict):
        sheet_id = (rng or {}).get("sheetId", 0)
        tab = self._by_id(sheet_id)
        if tab is None:
            raise _error(i, kind, f"No grid with id: {sheet_id}")
        return tab

    @staticmethod
    def _format_bounds(i: int, kind: str, tab, rng: dict) -> tuple[int, int, int, int]:
        """A GridRange's [r0, r1) x [c0, c1) with unbounded ends at the grid's; 400 when it leaves the grid."""
        r0, r1 = int(rng.get("startRowIndex", 0)), rng.get("endRowIndex")
        c0, c1 = int(rng.get("startColumnIndex", 0)), rng.get("endColumnIndex")
        r1 = tab.rows if r1 is None else int(r1)
        c1 = tab.cols if c1 is None else int(c1)
        if not (0 <= r0 <= r1 <= tab.rows and 0 <= c0 <= c1 <= tab.cols):
            raise _error(i, kind, f"The range {rng} is outside the grid ({tab.rows} rows, {tab.cols} columns).")
        return r0, r1, c0, c1

    def _repeat_cell(self, i: int, args: dict) -> dict:
        rng, cell, mask = args.get("range"), args.get("cell"), args.get("fields")
        if not rng or cell is None:
            raise _error(i, "repeatCell", "range and cell are required.")
        if not mask:
            raise _error(i, "repeatCell", "At least one field must be updated, but none are specified.")
        tab = self._format_tab(i, "repeatCell", rng)
        r0, r1, c0, c1 = self._format_bounds(i, "repeatCell", tab, rng)
        paths = [leaf.split(".") for leaf in mask_leaves(parse_fields(mask))]
        cells = formats_of(self, tab.title).cells
        for r in range(r0, r1):
            for c in range(c0, c1):
                target = cells.setdefault((r, c), {})
                for path in paths:
                    _set_path(target, cell, path)
        return {}

    def _update_dimension_properties(self, i: int, args: dict) -> dict:
        rng, props, mask = args.get("range") or {}, args.get("properties") or {}, args.get("fields")
        kind = "updateDimensionProperties"
        if not mask:
            raise _error(i, kind, "At least one field must be updated, but none are specified.")
        tab = self._format_tab(i, kind, rng)
        dimension = rng.get("dimension")
        if dimension not in ("ROWS", "COLUMNS"):
            raise _error(i, kind, f"Invalid dimension: {dimension!r}")
        size = tab.cols if dimension == "COLUMNS" else tab.rows
        start, end = int(rng.get("startIndex", 0)), rng.get("endIndex")
        end = size if end is None else int(end)
        if not 0 <= start < end <= size:
            raise _error(i, kind, f"Invalid range [{start}, {end}) for a dimension of {size}.")
        store = formats_of(self, tab.title)
        sizes = store.column_pixels if dimension == "COLUMNS" else store.row_pixels
        for leaf in mask_leaves(parse_fields(mask)):
            if leaf != "pixelSize":
                continue   # hiddenByUser, developerMetadata ...: not kept by this fake
            if not isinstance(props.get("pixelSize"), int) or props["pixelSize"] < 0:
                raise _error(i, kind, "pixelSize must be a whole number, 0 or more.")
            for n in range(start, end):
                sizes[n] = props["pixelSize"]
        return {}

    def _set_basic_filter(self, i: int, args: dict) -> dict:
        flt = args.get("filter") or {}
        rng = flt.get("range")
        if not rng:
            raise _error(i, "setBasicFilter", "filter.range is required.")
        tab = self._format_tab(i, "setBasicFilter", rng)
        r0, r1, c0, c1 = self._format_bounds(i, "setBasicFilter", tab, rng)
        stored = copy.deepcopy(flt)
        # Google gives the range back bounded by the grid, with its 0 starts omitted as defaults are.
        stored["range"] = {k: v for k, v in {"sheetId": tab.sheet_id, "startRowIndex": r0, "endRowIndex": r1,
                                             "startColumnIndex": c0, "endColumnIndex": c1}.items() if v}
        formats_of(self, tab.title).basic_filter = stored
        return {}

    def _format_metadata(self, tab, sheet: dict, ranges: list[str]) -> bool:
        """Add the tab's filter and (for `ranges` on it) grid data to its metadata `sheet`; False when
        `ranges` are given and none is on this tab (Google then leaves the sheet out)."""
        store = self.formats.get(tab.sheet_id) or TabFormats()
        if store.basic_filter:
            sheet["basicFilter"] = copy.deepcopy(store.basic_filter)
        if not ranges:
            return True
        mine = [a for a in (self._parse_range(text) for text in ranges) if a.tab is tab]
        if not mine:
            return False
        sheet["data"] = [_grid_data(store, tab, a) for a in mine]
        return True


def _grid_data(store: TabFormats, tab, a1) -> dict:
    r0, c0, r1, c1 = a1.bounds()
    r1, c1 = min(r1, tab.rows - 1), min(c1, tab.cols - 1)
    rows = []
    for r in range(r0, r1 + 1):
        values = [copy.deepcopy(store.cells.get((r, c)) or {}) for c in range(c0, c1 + 1)]
        while values and not values[-1]:
            values.pop()
        rows.append({"values": values} if values else {})
    grid: dict[str, Any] = {"rowData": rows,
                            "rowMetadata": [{"pixelSize": store.row_pixels.get(r, DEFAULT_ROW_PIXELS)}
                                            for r in range(r0, r1 + 1)],
                            "columnMetadata": [{"pixelSize": store.width(c)} for c in range(c0, c1 + 1)]}
    if r0:
        grid["startRow"] = r0
    if c0:
        grid["startColumn"] = c0
    return grid
