"""The fake Google Sheet's cell formats, column widths, basic filter and protected ranges (see fake_sheets).

Kept apart from fake_sheets.py so the two grow without stepping on each other: fake_sheets calls in at
three places (a batchUpdate request kind it does not know, the metadata of each sheet, and the saved state
of an all-or-nothing batchUpdate). What it answers, as Google documents it:

- `repeatCell` {range, cell, fields}: the masked part of `cell` (e.g. `userEnteredFormat.textFormat.bold`)
  set on every cell of the range within the grid; an unbounded end reaches the grid's end.
- `updateDimensionProperties` {range: {sheetId, dimension, startIndex, endIndex}, properties, fields}:
  `pixelSize` of columns or rows (100 px columns, 21 px rows until set).
- `setBasicFilter` {filter: {range, ...}}: the tab's one basic filter, replacing any other.
- `addProtectedRange` {protectedRange}: replies with the protected range, its new `protectedRangeId` and
  `requestingUserCanEdit`; editors with warningOnly is 400 (not supported), as is a range and a
  namedRangeId together. `updateProtectedRange` {protectedRange, fields} (a warning-only range made strict
  without editors in the mask gets every editor of the document, as Google says);
  `deleteProtectedRange` {protectedRangeId}. An unknown id is 400.
- Metadata: `sheets.protectedRanges`, `sheets.basicFilter`, and with `ranges` the grid data of those
  ranges (`sheets.data`: rowData values' userEnteredFormat, columnMetadata pixelSize); only the sheets the
  ranges intersect are listed then, as Google answers.

Inspect with `formats_of(fake, title)`: a TabFormats (cell formats by (row, col), widths, filter,
protected ranges).
"""
from __future__ import annotations

import copy
import sys
from dataclasses import dataclass, field
from typing import Any

DEFAULT_COLUMN_PIXELS = 100
DEFAULT_ROW_PIXELS = 21
DOCUMENT_EDITORS = ["owner@example.com"]   # who edits the fake document besides the service account


@dataclass
class TabFormats:
    cells: dict[tuple[int, int], dict] = field(default_factory=dict)   # (row, col) -> userEnteredFormat etc.
    column_pixels: dict[int, int] = field(default_factory=dict)
    row_pixels: dict[int, int] = field(default_factory=dict)
    basic_filter: dict | None = None
    protected: list[dict] = field(default_factory=list)

    def bold(self, row: int, col: int) -> bool | None:
        return ((self.cells.get((row, col)) or {}).get("userEnteredFormat", {}).get("textFormat") or {}).get("bold")

    def wrap(self, row: int, col: int) -> str | None:
        return (self.cells.get((row, col)) or {}).get("userEnteredFormat", {}).get("wrapStrategy")

    def width(self, col: int) -> int:
        return self.column_pixels.get(col, DEFAULT_COLUMN_PIXELS)


def _state(fake) -> dict[int, TabFormats]:
    if not hasattr(fake, "_formats"):
        fake._formats = {}
        fake._next_protected_id = 0
    return fake._formats


def formats_of(fake, title: str) -> TabFormats:
    return _state(fake).setdefault(fake.tab(title).sheet_id, TabFormats())


def save(fake) -> tuple:
    return copy.deepcopy(_state(fake)), getattr(fake, "_next_protected_id", 0)


def restore(fake, saved: tuple) -> None:
    fake._formats, fake._next_protected_id = saved


def _sheets_module(fake):
    """fake_sheets as the fake was made from it (imported as `fake_sheets` or as `tests.fake_sheets`)."""
    return sys.modules[type(fake).__module__]


def _error(fake, i: int, kind: str, message: str):
    return _sheets_module(fake).ApiError(400, f"Invalid requests[{i}].{kind}: {message}")


def _tab(fake, i: int, kind: str, rng: dict):
    sheet_id = (rng or {}).get("sheetId", 0)
    tab = fake._by_id(sheet_id)
    if tab is None:
        raise _error(fake, i, kind, f"No grid with id: {sheet_id}")
    return tab


def _bounds(fake, i: int, kind: str, tab, rng: dict) -> tuple[int, int, int, int]:
    """A GridRange's [r0, r1) x [c0, c1) with unbounded ends at the grid's; 400 when it leaves the grid."""
    r0, r1 = int(rng.get("startRowIndex", 0)), rng.get("endRowIndex")
    c0, c1 = int(rng.get("startColumnIndex", 0)), rng.get("endColumnIndex")
    r1 = tab.rows if r1 is None else int(r1)
    c1 = tab.cols if c1 is None else int(c1)
    if not (0 <= r0 <= r1 <= tab.rows and 0 <= c0 <= c1 <= tab.cols):
        raise _error(fake, i, kind, f"The range {rng} is outside the grid ({tab.rows} rows, {tab.cols} columns).")
    return r0, r1, c0, c1


def _leaf_paths(fake, mask: str) -> list[list[str]]:
    module = _sheets_module(fake)
    return [leaf.split(".") for leaf in module.FakeSheets._leaves(module.parse_fields(mask))]


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


def repeat_cell(fake, i: int, args: dict) -> dict:
    rng, cell, mask = args.get("range"), args.get("cell"), args.get("fields")
    if not rng or cell is None:
        raise _error(fake, i, "repeatCell", "range and cell are required.")
    if not mask:
        raise _error(fake, i, "repeatCell", "At least one field must be updated, but none are specified.")
    tab = _tab(fake, i, "repeatCell", rng)
    r0, r1, c0, c1 = _bounds(fake, i, "repeatCell", tab, rng)
    paths = _leaf_paths(fake, mask)
    cells = formats_of(fake, tab.title).cells
    for r in range(r0, r1):
        for c in range(c0, c1):
            target = cells.setdefault((r, c), {})
            for path in paths:
                _set_path(target, cell, path)
    return {}


def update_dimension_properties(fake, i: int, args: dict) -> dict:
    rng, props, mask = args.get("range") or {}, args.get("properties") or {}, args.get("fields")
    kind = "updateDimensionProperties"
    if not mask:
        raise _error(fake, i, kind, "At least one field must be updated, but none are specified.")
    tab = _tab(fake, i, kind, rng)
    dimension = rng.get("dimension")
    if dimension not in ("ROWS", "COLUMNS"):
        raise _error(fake, i, kind, f"Invalid dimension: {dimension!r}")
    size = tab.cols if dimension == "COLUMNS" else tab.rows
    start, end = int(rng.get("startIndex", 0)), rng.get("endIndex")
    end = size if end is None else int(end)
    if not 0 <= start < end <= size:
        raise _error(fake, i, kind, f"Invalid range [{start}, {end}) for a dimension of {size}.")
    leaves = [".".join(p) for p in _leaf_paths(fake, mask)]
    store = formats_of(fake, tab.title)
    sizes = store.column_pixels if dimension == "COLUMNS" else store.row_pixels
    for leaf in leaves:
        if leaf != "pixelSize":
            continue   # hiddenByUser, developerMetadata ...: not kept by this fake
        if not isinstance(props.get("pixelSize"), int) or props["pixelSize"] < 0:
            raise _error(fake, i, kind, "pixelSize must be a whole number, 0 or more.")
        for n in range(start, end):
            sizes[n] = props["pixelSize"]
    return {}


def set_basic_filter(fake, i: int, args: dict) -> dict:
    flt = args.get("filter") or {}
    rng = flt.get("range")
    if not rng:
        raise _error(fake, i, "setBasicFilter", "filter.range is required.")
    tab = _tab(fake, i, "setBasicFilter", rng)
    r0, r1, c0, c1 = _bounds(fake, i, "setBasicFilter", tab, rng)
    stored = copy.deepcopy(flt)
    # Google gives the range back bounded by the grid, with its 0 starts omitted as defaults are.
    stored["range"] = {k: v for k, v in {"sheetId": tab.sheet_id, "startRowIndex": r0, "endRowIndex": r1,
                                         "startColumnIndex": c0, "endColumnIndex": c1}.items() if v}
    formats_of(fake, tab.title).basic_filter = stored
    return {}


def _all_protected(fake):
    for sheet_id, store in _state(fake).items():
        for p in store.protected:
            yield store, p


def _stored_range(rng: dict) -> dict:
    return {k: v for k, v in rng.items() if v or k == "sheetId"}


def add_protected_range(fake, i: int, args: dict) -> dict:
    kind = "addProtectedRange"
    asked = copy.deepcopy(args.get("protectedRange") or {})
    if "range" in asked and "namedRangeId" in asked:
        raise _error(fake, i, kind, "Only one of range or namedRangeId may be set.")
    if "range" not in asked:
        raise _error(fake, i, kind, "A protected range needs a range.")
    tab = _tab(fake, i, kind, asked["range"])
    _bounds(fake, i, kind, tab, asked["range"])
    if asked.get("warningOnly") and asked.get("editors"):
        raise _error(fake, i, kind, "Editors are not supported with warning-only protection.")
    for read_only in ("protectedRangeId", "requestingUserCanEdit"):
        asked.pop(read_only, None)
    _state(fake)
    fake._next_protected_id += 1
    asked["protectedRangeId"] = 1_400_000_000 + fake._next_protected_id * 104_729
    asked["range"] = _stored_range(asked["range"])
    if not asked.get("warningOnly"):
        asked.pop("warningOnly", None)
        users = list((asked.get("editors") or {}).get("users") or [])
        asked["editors"] = {"users": list(dict.fromkeys(users + DOCUMENT_EDITORS[:1]))}   # the owner always edits
    asked["requestingUserCanEdit"] = True
    formats_of(fake, tab.title).protected.append(asked)
    return {"addProtectedRange": {"protectedRange": copy.deepcopy(asked)}}


def _protected_by_id(fake, i: int, kind: str, pid: Any):
    for store, p in _all_protected(fake):
        if p.get("protectedRangeId") == pid:
            return store, p
    raise _error(fake, i, kind, f"No protected range with id: {pid}")


def update_protected_range(fake, i: int, args: dict) -> dict:
    kind = "updateProtectedRange"
    asked = args.get("protectedRange") or {}
    mask = args.get("fields")
    if not mask:
        raise _error(fake, i, kind, "At least one field must be updated, but none are specified.")
    store, current = _protected_by_id(fake, i, kind, asked.get("protectedRangeId"))
    leaves = [".".join(p) for p in _leaf_paths(fake, mask)]
    was_warning = bool(current.get("warningOnly"))
    for leaf in leaves:
        top = leaf.split(".")[0]
        if top in ("protectedRangeId", "requestingUserCanEdit"):
            raise _error(fake, i, kind, f"{top} is read-only.")
        if top not in ("warningOnly", "editors", "description", "range", "unprotectedRanges", "namedRangeId"):
            raise _error(fake, i, kind, f"Invalid field mask: {leaf}")
        _set_path(current, asked, leaf.split("."))
    if current.get("warningOnly"):
        current.pop("editors", None)        # editors are not supported with warning-only protection
    else:
        current.pop("warningOnly", None)    # false: omitted, as Google omits defaults
        if was_warning and not any(l.split(".")[0] == "editors" for l in leaves):
            current["editors"] = {"users": list(DOCUMENT_EDITORS)}   # every editor of the document
    if "range" in current:
        current["range"] = _stored_range(current["range"])
    return {}


def delete_protected_range(fake, i: int, args: dict) -> dict:
    store, current = _protected_by_id(fake, i, "deleteProtectedRange", args.get("protectedRangeId"))
    store.protected.remove(current)
    return {}


HANDLERS = {
    "repeatCell": repeat_cell,
    "updateDimensionProperties": update_dimension_properties,
    "setBasicFilter": set_basic_filter,
    "addProtectedRange": add_protected_range,
    "updateProtectedRange": update_protected_range,
    "deleteProtectedRange": delete_protected_range,
}


def sheet_metadata(fake, tab, sheet: dict, ranges: list[str]) -> bool:
    """Add the tab's protected ranges, filter and (for `ranges` on it) grid data to its metadata `sheet`;
    False when `ranges` are given and none is on this tab (Google then leaves the sheet out)."""
    store = _state(fake).get(tab.sheet_id) or TabFormats()
    if store.protected:
        sheet["protectedRanges"] = copy.deepcopy(store.protected)
    if store.basic_filter:
        sheet["basicFilter"] = copy.deepcopy(store.basic_filter)
    if not ranges:
        return True
    mine = [a for a in (fake._parse_range(text) for text in ranges) if a.tab is tab]
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
