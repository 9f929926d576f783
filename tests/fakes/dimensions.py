"""spreadsheets:batchUpdate requests that change a tab's structure: insertDimension, deleteDimension,
moveDimension, appendDimension and sortRange (the work is in structure.py, shared with person.py), and
insertRange / deleteRange (cells of some columns shifted down or up, structure.shift_cells)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from . import structure
from .errors import ApiError

if TYPE_CHECKING:
    from .grid import Tab


class DimensionRequests:
    """Mixed into FakeSheets; the request kinds below join spreadsheets:batchUpdate."""

    REQUEST_KINDS = {
        "insertDimension": "_insert_dimension",
        "deleteDimension": "_delete_dimension",
        "moveDimension": "_move_dimension",
        "appendDimension": "_append_dimension",
        "sortRange": "_sort_range",
        "insertRange": "_insert_range",
        "deleteRange": "_delete_range",
    }

    def _grid_dimension(self, i: int, kind: str, sheet_id, dim, field: str) -> tuple["Tab", str]:
        """The tab and dimension a request names, refused as Google refuses them (`field`: where the
        dimension sits in the request, for the message)."""
        tab = self._by_id(sheet_id)
        if tab is None:
            raise ApiError(400, f"Invalid requests[{i}].{kind}: No grid with id: {sheet_id}")
        if dim not in (structure.ROWS, structure.COLUMNS):
            raise ApiError(400, f"Invalid requests[{i}].{kind}: {field} must be ROWS or COLUMNS.")
        return tab, dim

    def _dimension_range(self, i: int, kind: str, rng: dict) -> tuple["Tab", str, int, int]:
        tab, dim = self._grid_dimension(i, kind, rng.get("sheetId", 0), rng.get("dimension"), "range.dimension")
        start = int(rng.get("startIndex", 0))
        end = int(rng["endIndex"]) if "endIndex" in rng else structure._size(tab, dim)
        self._check_structure_allowed(i, kind, tab)
        return tab, dim, start, end

    def _insert_dimension(self, i: int, args: dict) -> dict:
        tab, dim, s, e = self._dimension_range(i, "insertDimension", args.get("range") or {})
        structure.insert_dimension(self, tab, dim, s, e, bool(args.get("inheritFromBefore")), i)
        return {}

    def _delete_dimension(self, i: int, args: dict) -> dict:
        tab, dim, s, e = self._dimension_range(i, "deleteDimension", args.get("range") or {})
        structure.delete_dimension(self, tab, dim, s, e, i)
        return {}

    def _move_dimension(self, i: int, args: dict) -> dict:
        tab, dim, s, e = self._dimension_range(i, "moveDimension", args.get("source") or {})
        if "destinationIndex" not in args:
            raise ApiError(400, f"Invalid requests[{i}].moveDimension: destinationIndex must be set.")
        structure.move_dimension(self, tab, dim, s, e, int(args["destinationIndex"]), i)
        return {}

    def _append_dimension(self, i: int, args: dict) -> dict:
        tab, dim = self._grid_dimension(i, "appendDimension", args.get("sheetId", 0), args.get("dimension"),
                                        "dimension")
        structure.append_dimension(tab, dim, int(args.get("length", 0)), i)
        return {}

    def _sort_range(self, i: int, args: dict) -> dict:
        rng = args.get("range") or {}
        tab = self._grid_range(i, "sortRange", rng)
        r0, r1 = int(rng.get("startRowIndex", 0)), int(rng.get("endRowIndex", tab.rows))
        c0, c1 = int(rng.get("startColumnIndex", 0)), int(rng.get("endColumnIndex", tab.cols))
        if not (0 <= r0 <= r1 <= tab.rows and 0 <= c0 <= c1 <= tab.cols):
            raise ApiError(400, f"Invalid requests[{i}].sortRange: The range is outside the grid.")
        specs = []
        for n, spec in enumerate(args.get("sortSpecs") or []):
            if "dimensionIndex" not in spec:
                raise ApiError(400, f"Invalid requests[{i}].sortRange: sortSpecs[{n}] must set dimensionIndex "
                                    "(the fake does not model data-source columns).")
            col = int(spec["dimensionIndex"])
            if not c0 <= col < c1:
                raise ApiError(400, f"Invalid requests[{i}].sortRange: sortSpecs[{n}].dimensionIndex {col} is outside "
                                    "the range.")
            specs.append((col, spec.get("sortOrder") == "DESCENDING"))
        if not specs:
            raise ApiError(400, f"Invalid requests[{i}].sortRange: At least one sort spec is required.")
        self._check_cells_editable(i, "sortRange", tab, r0, r1, c0, c1)
        structure.sort_range(tab, r0, r1, c0, c1, specs)
        return {}

    def _insert_range(self, i: int, args: dict) -> dict:
        return self._shift_range(i, "insertRange", args, 1)

    def _delete_range(self, i: int, args: dict) -> dict:
        return self._shift_range(i, "deleteRange", args, -1)

    def _shift_range(self, i: int, kind: str, args: dict, sign: int) -> dict:
        rng = args.get("range") or {}
        tab = self._grid_range(i, kind, rng)
        dim = args.get("shiftDimension")
        if dim not in (structure.ROWS, structure.COLUMNS):
            raise ApiError(400, f"Invalid requests[{i}].{kind}: shiftDimension must be ROWS or COLUMNS.")
        if dim == structure.COLUMNS:
            raise ApiError(400, f"Invalid requests[{i}].{kind}: the fake models shiftDimension ROWS only.")
        r0, r1 = int(rng.get("startRowIndex", 0)), int(rng.get("endRowIndex", tab.rows))
        c0, c1 = int(rng.get("startColumnIndex", 0)), int(rng.get("endColumnIndex", tab.cols))
        if not (0 <= r0 <= r1 <= tab.rows and 0 <= c0 <= c1 <= tab.cols):
            raise ApiError(400, f"Invalid requests[{i}].{kind}: The range is outside the grid.")
        self._check_cells_editable(i, kind, tab, r0, tab.rows, c0, c1)
        structure.shift_cells(tab, r0, r1, c0, c1, sign * (r1 - r0))
        return {}
