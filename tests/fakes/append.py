"""values:append, with Google's table detection.

Google: "The input range is used to search for existing data and find a 'table' within that range.
Values will be appended to the next row of the table, starting with the first column of the table."
The fake finds the table as follows: the first row of the range that holds a value in the range's
columns starts it (none: the values go to the range's top-left cell); from the values of that row in the
range, the table grows down while the next row holds a value in its columns, and sideways while a
neighbouring column holds a value in its rows (so it may run past the range: `Sheet1!A1` finds the whole
table that starts at A1). The values are written from the row after the table, in its first column.

insertDataOption OVERWRITE (the default) writes over whatever is below the table and grows the grid when
the rows run past it; INSERT_ROWS first inserts as many rows as there are values (moving everything
below, as insertDimension does). The answer carries tableRange (when a table was found) and
updates.updatedRange / updatedRows / updatedColumns / updatedCells, plus updates.updatedData with
includeValuesInResponse=true. valueInputOption is required.

Simplification: a table that starts below the range's last row is not found (the values go to the
range's top-left cell); Google's exact rule for that case is not documented.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import structure
from .errors import PROTECTED_MESSAGE, ApiError
from .grid import col_letters, google_title

if TYPE_CHECKING:
    from .sheets import Logged


class AppendApi:
    """Mixed into FakeSheets."""

    def _values_append(self, entry: "Logged", path_params: dict) -> dict:
        params = entry.params
        option = (params.get("valueInputOption") or [None])[0]
        if option not in ("RAW", "USER_ENTERED"):
            raise ApiError(400, "'valueInputOption' is required but not specified" if option is None else
                           f"Invalid valueInputOption: {option}")
        insert = (params.get("insertDataOption") or ["OVERWRITE"])[0] == "INSERT_ROWS"
        body = entry.body or {}
        rng = self._parse_range(path_params["range"])
        if body.get("range") and self._parse_range(body["range"]).tab is not rng.tab:
            raise ApiError(400, f"Invalid ValueRange range {body['range']} must match the URL's {path_params['range']}.")
        values = body.get("values") or []
        if not isinstance(values, list) or any(not isinstance(r, list) for r in values):
            raise ApiError(400, "Invalid values: must be a list of lists")
        if body.get("majorDimension") == "COLUMNS":
            width = max((len(v) for v in values), default=0)
            values = [[col[r] if r < len(col) else None for col in values] for r in range(width)]
        tab = rng.tab
        if tab.protected:
            raise ApiError(400, PROTECTED_MESSAGE)
        r0, c0, r1, c1 = rng.bounds()
        c1 = min(c1, tab.cols - 1)
        table = self._find_table(tab, r0, c0, r1, c1)
        if table is None:
            start_row, start_col = r0, c0
        else:
            start_row, start_col = table[1] + 1, table[2]
        n_rows = len(values)
        n_cols = max((len(r) for r in values), default=0)
        self._check_cells_editable(None, "", tab, start_row, start_row + max(n_rows, 1), start_col,
                                   start_col + max(n_cols, 1))
        if insert and n_rows:
            if start_row < tab.rows:
                structure.insert_dimension(self, tab, structure.ROWS, start_row, start_row + n_rows,
                                           inherit_from_before=start_row > 0)
        if start_row + n_rows > tab.rows:
            tab.rows = start_row + n_rows        # append grows the sheet as needed
        if start_col + n_cols > tab.cols:
            tab.cols = start_col + n_cols
        cells = 0
        for r, row in enumerate(values):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if not isinstance(value, (str, int, float, bool)):
                    raise ApiError(400, f"Invalid values[{r}][{c}]: {value!r}")
                tab.date_cells.pop((start_row + r, start_col + c), None)
                tab.set(start_row + r, start_col + c, self._entered(value, option))
                cells += 1
        self.touch()
        title = google_title(tab.title)
        updated = (f"{title}!{col_letters(start_col)}{start_row + 1}:"
                   f"{col_letters(start_col + max(n_cols, 1) - 1)}{start_row + max(n_rows, 1)}")
        updates: dict[str, Any] = {"spreadsheetId": self.spreadsheet_id, "updatedRange": updated,
                                   "updatedRows": n_rows, "updatedColumns": n_cols, "updatedCells": cells}
        if (params.get("includeValuesInResponse") or ["false"])[0].lower() in ("true", "1"):
            value_option = (params.get("responseValueRenderOption") or ["FORMATTED_VALUE"])[0]
            date_option = (params.get("responseDateTimeRenderOption") or ["SERIAL_NUMBER"])[0]
            rendered = self._render(tab, start_row, start_col, start_row + n_rows - 1, start_col + n_cols - 1,
                                    value_option, date_option)
            updates["updatedData"] = {"range": updated, "majorDimension": "ROWS", **({"values": rendered}
                                                                                     if rendered else {})}
        answer: dict[str, Any] = {"spreadsheetId": self.spreadsheet_id, "updates": updates}
        if table is not None:
            t0, t1, tc0, tc1 = table
            answer["tableRange"] = f"{title}!{col_letters(tc0)}{t0 + 1}:{col_letters(tc1)}{t1 + 1}"
        return answer

    @staticmethod
    def _find_table(tab, r0: int, c0: int, r1: int, c1: int) -> tuple[int, int, int, int] | None:
        """(first row, last row, first column, last column) of the table the range finds, 0-based, or None."""
        by_row: dict[int, set[int]] = {}
        for (r, c) in tab.cells:
            by_row.setdefault(r, set()).add(c)
        starts = [r for r, cols in by_row.items() if r0 <= r <= r1 and any(c0 <= c <= c1 for c in cols)]
        if not starts:
            return None
        first = last = min(starts)
        lo = min(c for c in by_row[first] if c0 <= c <= c1)
        hi = max(c for c in by_row[first] if c0 <= c <= c1)
        while True:     # grow down and sideways until no next row or neighbouring column holds data
            grown = False
            if any(lo <= c <= hi for c in by_row.get(last + 1, ())):
                last += 1
                grown = True
            rows = range(first, last + 1)
            if lo > 0 and any(lo - 1 in by_row.get(r, ()) for r in rows):
                lo -= 1
                grown = True
            if any(hi + 1 in by_row.get(r, ()) for r in rows):
                hi += 1
                grown = True
            if not grown:
                return first, last, lo, hi
