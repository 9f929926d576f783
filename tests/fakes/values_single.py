"""The single-range values methods gspread's conveniences use: values.get, values.update (PUT),
values.clear and values.batchClear, answered through the batch endpoints' logic (values.py)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import PROTECTED_MESSAGE, ApiError

if TYPE_CHECKING:
    from .sheets import Logged


class SingleValuesApi:
    """Mixed into FakeSheets."""

    def _values_get(self, entry: "Logged", path_params: dict) -> dict:
        read = type(entry)("GET", entry.url, entry.path, {**entry.params, "ranges": [path_params["range"]]}, None)
        return self._batch_get(read)["valueRanges"][0]

    def _values_update(self, entry: "Logged", path_params: dict) -> dict:
        option = (entry.params.get("valueInputOption") or [None])[0]
        if option is None:
            raise ApiError(400, "'valueInputOption' is required but not specified")
        body = entry.body or {}
        if body.get("range") and body["range"] != path_params["range"]:
            raise ApiError(400, f"Requested writing within range [{path_params['range']}], but tried writing to "
                                f"[{body['range']}]")   # the fake's wording for a body range unlike the URL's
        data = [{"range": path_params["range"], "majorDimension": body.get("majorDimension", "ROWS"),
                 "values": body.get("values") or []}]
        answer = self._values_batch_update({"valueInputOption": option, "data": data})["responses"][0]
        if (entry.params.get("includeValuesInResponse") or ["false"])[0].lower() in ("true", "1"):
            read = type(entry)("GET", entry.url, entry.path, {
                "ranges": [answer["updatedRange"]],
                "valueRenderOption": entry.params.get("responseValueRenderOption") or ["FORMATTED_VALUE"],
                "dateTimeRenderOption": entry.params.get("responseDateTimeRenderOption") or ["SERIAL_NUMBER"]}, None)
            answer["updatedData"] = self._batch_get(read)["valueRanges"][0]
        return answer

    def _clear(self, text: str) -> str:
        rng = self._parse_range(text)
        if rng.cells is not None:
            rng.check_grid()
        if rng.tab.protected:
            raise ApiError(400, PROTECTED_MESSAGE)
        r0, c0, r1, c1 = rng.bounds()
        self._check_cells_editable(None, "", rng.tab, r0, r1 + 1, c0, c1 + 1)
        for key in [k for k in rng.tab.cells if r0 <= k[0] <= r1 and c0 <= k[1] <= c1]:
            del rng.tab.cells[key]          # values go; formats (date cells) stay, as Google's clear keeps them
        self.touch()
        return rng.echo()

    def _values_clear(self, entry: "Logged", path_params: dict) -> dict:
        return {"spreadsheetId": self.spreadsheet_id, "clearedRange": self._clear(path_params["range"])}

    def _values_batch_clear(self, entry: "Logged", path_params: dict) -> dict:
        ranges = (entry.body or {}).get("ranges") or []
        for text in ranges:                 # all or nothing: every range must parse before any is cleared
            self._parse_range(text)
        return {"spreadsheetId": self.spreadsheet_id, "clearedRanges": [self._clear(t) for t in ranges]}


