"""The values endpoints: ranges in A1 notation, reads (batchGet) and writes (batchUpdate)."""
from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from .errors import PROTECTED_MESSAGE, ApiError
from .grid import A1, EPOCH, _CELL_RE, Formula, Tab, col_index, col_letters, google_title

if TYPE_CHECKING:
    from .sheets import Logged

class ValuesApi:
    """values:batchGet and values:batchUpdate (mixed into FakeSheets)."""

    def _parse_range(self, text: str) -> A1:
        spec = text.strip()
        title: str | None = None
        cells: str | None = None
        if spec.startswith("'"):
            i, buf = 1, []
            while i < len(spec):
                if spec[i] == "'":
                    if spec[i + 1:i + 2] == "'":
                        buf.append("'")
                        i += 2
                        continue
                    break
                buf.append(spec[i])
                i += 1
            else:
                raise ApiError(400, f"Unable to parse range: {text}")
            title = "".join(buf)
            tail = spec[i + 1:]
            if tail.startswith("!"):
                cells = tail[1:]
            elif tail:
                raise ApiError(400, f"Unable to parse range: {text}")
        elif "!" in spec:
            title, cells = spec.split("!", 1)
        elif self._find(spec) is not None:
            title = spec
        else:
            title, cells = None, spec
        tab = self._find(title) if title is not None else (self.tabs[0] if self.tabs else None)
        if tab is None:
            raise ApiError(400, f"Unable to parse range: {text}")
        if cells is None or cells == "":
            if cells == "":
                raise ApiError(400, f"Unable to parse range: {text}")
            return A1(tab, text, None, None, None, None, None)
        parts = cells.split(":")
        if len(parts) > 2:
            raise ApiError(400, f"Unable to parse range: {text}")
        ends = []
        for part in parts:
            cm = _CELL_RE.match(part.replace("$", ""))
            if not cm or (not cm.group(1) and not cm.group(2)):
                raise ApiError(400, f"Unable to parse range: {text}")
            col = col_index(cm.group(1)) if cm.group(1) else None
            row = int(cm.group(2)) - 1 if cm.group(2) else None
            if row is not None and row < 0:
                raise ApiError(400, f"Unable to parse range: {text}")
            ends.append((row, col))
        (r0, c0) = ends[0]
        if len(ends) == 1:
            if r0 is None or c0 is None:
                raise ApiError(400, f"Unable to parse range: {text}")
            return A1(tab, text, cells, r0, c0, r0, c0)
        (r1, c1) = ends[1]
        if r0 is not None and r1 is not None and r1 < r0:
            r0, r1 = r1, r0
        if c0 is not None and c1 is not None and c1 < c0:
            c0, c1 = c1, c0
        return A1(tab, text, cells, r0, c0, r1, c1)

    def _render(self, tab: Tab, r0: int, c0: int, r1: int, c1: int, value_option: str,
                date_option: str) -> list[list[Any]]:
        out: list[list[Any]] = []
        used_rows, used_cols = tab.used()
        r1, c1 = min(r1, used_rows - 1), min(c1, used_cols - 1)   # beyond: empty, trimmed anyway
        for r in range(r0, r1 + 1):
            row = []
            for c in range(c0, c1 + 1):
                value = tab.cells.get((r, c))
                row.append(self._render_cell(tab, (r, c), value, value_option, date_option))
            while row and row[-1] == "":
                row.pop()
            out.append(row)
        while out and not out[-1]:
            out.pop()
        return out

    @staticmethod
    def _render_cell(tab: Tab, key: tuple[int, int], value: Any, value_option: str, date_option: str) -> Any:
        if value is None:
            return ""
        if isinstance(value, Formula):
            return value.text if value_option == "FORMULA" else "#NAME?"
        is_date = key in tab.date_cells and isinstance(value, (int, float)) and not isinstance(value, bool)
        if is_date and (value_option == "FORMATTED_VALUE" or date_option == "FORMATTED_STRING"):
            when = EPOCH + dt.timedelta(days=value)
            text = f"{when.month}/{when.day}/{when.year}"
            if tab.date_cells[key]:
                text += f" {when.hour}:{when.minute:02d}:{when.second:02d}"
            return text
        if value_option == "FORMATTED_VALUE":
            if isinstance(value, bool):
                return "TRUE" if value else "FALSE"
            if isinstance(value, float) and value.is_integer():
                return str(int(value))
            return str(value)
        if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 53:
            return int(value)      # Google's JSON writes a whole double without ".0"
        return value

    def _batch_get(self, entry: Logged) -> dict:
        value_option = (entry.params.get("valueRenderOption") or ["FORMATTED_VALUE"])[0]
        date_option = (entry.params.get("dateTimeRenderOption") or ["SERIAL_NUMBER"])[0]
        major = (entry.params.get("majorDimension") or ["ROWS"])[0]
        out = []
        for text in entry.params.get("ranges", []):
            rng = self._parse_range(text)
            if rng.cells is not None:
                rng.check_grid()
            r0, c0, r1, c1 = rng.bounds()
            values = self._render(rng.tab, r0, c0, r1, c1, value_option, date_option)
            if major == "COLUMNS":
                width = max((len(r) for r in values), default=0)
                values = [[row[c] if c < len(row) else "" for row in values] for c in range(width)]
                values = [self._trim(col) for col in values]
            vr: dict[str, Any] = {"range": rng.echo(), "majorDimension": major}
            if values:
                vr["values"] = values
            out.append(vr)
        return {"spreadsheetId": self.spreadsheet_id, "valueRanges": out}

    @staticmethod
    def _trim(values: list) -> list:
        while values and values[-1] == "":
            values.pop()
        return values

    @staticmethod
    def _entered(value: Any, option: str) -> Any:
        if option == "RAW" or not isinstance(value, str):
            return value
        if value.startswith("'"):
            return value[1:]
        if value.startswith("="):
            return Formula(value)
        if value.upper() in ("TRUE", "FALSE"):
            return value.upper() == "TRUE"
        try:
            number = float(value.replace(",", ""))
        except ValueError:
            return value
        return int(number) if number.is_integer() else number

    def _values_batch_update(self, body: dict) -> dict:
        option = body.get("valueInputOption")
        if option not in ("RAW", "USER_ENTERED"):
            raise ApiError(400, f"Invalid valueInputOption: {option or 'INPUT_VALUE_OPTION_UNSPECIFIED'}")
        planned = []
        for i, item in enumerate(body.get("data") or []):
            rng = self._parse_range(item.get("range", ""))
            if rng.tab.protected:
                raise ApiError(400, PROTECTED_MESSAGE)
            top, left = rng.bounds()[:2]          # protected ranges (protection.py): the block written
            sent = item.get("values") or []
            self._check_cells_editable(None, "", rng.tab, top, top + max(len(sent), 1), left,
                                       left + max((len(v) for v in sent if isinstance(v, list)), default=1))
            values = item.get("values") or []
            if item.get("majorDimension") == "COLUMNS":
                width = max((len(v) for v in values), default=0)
                values = [[col[r] if r < len(col) else None for col in values] for r in range(width)]
            if not isinstance(values, list) or any(not isinstance(r, list) for r in values):
                raise ApiError(400, f"Invalid data[{i}]: values must be a list of lists")
            r0, c0, r1, c1 = rng.bounds()
            if rng.cells is None or ":" not in rng.cells:
                # a tab or a single cell: the values spread from its top-left cell
                r1 = r0 + max(len(values), 1) - 1
                c1 = c0 + max((len(r) for r in values), default=1) - 1
                if r1 >= rng.tab.rows or c1 >= rng.tab.cols:
                    start = f"{col_letters(c0)}{r0 + 1}"
                    end = f"{col_letters(c1)}{r1 + 1}"
                    shown = start if start == end else f"{start}:{end}"
                    raise ApiError(400, f"Range ({google_title(rng.tab.title)}!{shown}) exceeds grid limits. "
                                        f"Max rows: {rng.tab.rows}, max columns: {rng.tab.cols}")
            else:
                rng.check_grid()
            for r, row in enumerate(values):
                if r0 + r > r1:
                    raise ApiError(400, f"Requested writing within range [{rng.text}], but tried writing to row [{r0 + r + 1}]")
                for c, value in enumerate(row):
                    if c0 + c > c1:
                        raise ApiError(400, f"Requested writing within range [{rng.text}], but tried writing to "
                                            f"column [{col_letters(c0 + c)}]")
                    if value is not None and not isinstance(value, (str, int, float, bool)):
                        raise ApiError(400, f"Invalid data[{i}]: Invalid values[{r}][{c}]: {json.dumps(value)}")
            planned.append((rng, r0, c0, r1, c1, values))
        replies = []
        total_cells = 0
        sheets: set[int] = set()
        for rng, r0, c0, r1, c1, values in planned:
            cells = 0
            for r, row in enumerate(values):
                for c, value in enumerate(row):
                    if value is None:
                        continue            # null leaves the cell as it is
                    rng.tab.set(r0 + r, c0 + c, self._entered(value, option))
                    cells += 1
            rows_n = len(values)
            cols_n = max((len(r) for r in values), default=0)
            total_cells += cells
            sheets.add(rng.tab.sheet_id)
            replies.append({
                "spreadsheetId": self.spreadsheet_id,
                "updatedRange": f"{google_title(rng.tab.title)}!{col_letters(c0)}{r0 + 1}:"
                                f"{col_letters(c0 + max(cols_n, 1) - 1)}{r0 + max(rows_n, 1)}",
                "updatedRows": rows_n, "updatedColumns": cols_n, "updatedCells": cells,
            })
        if body.get("includeValuesInResponse"):
            from .sheets import Logged as _Logged   # at call time: sheets.py imports this module
            for reply in replies:
                read = _Logged("GET", "", "", {
                    "ranges": [reply["updatedRange"]],
                    "valueRenderOption": [body.get("responseValueRenderOption") or "FORMATTED_VALUE"],
                    "dateTimeRenderOption": [body.get("responseDateTimeRenderOption") or "SERIAL_NUMBER"]}, None)
                reply["updatedData"] = self._batch_get(read)["valueRanges"][0]
        return {"spreadsheetId": self.spreadsheet_id,
                "totalUpdatedRows": sum(r["updatedRows"] for r in replies),
                "totalUpdatedColumns": sum(r["updatedColumns"] for r in replies),
                "totalUpdatedCells": total_cells, "totalUpdatedSheets": len(sheets),
                "responses": replies}

    # spreadsheets:batchUpdate -------------------------------------------------------------------------
