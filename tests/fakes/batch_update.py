"""spreadsheets:batchUpdate: the request kinds the fake applies, all or nothing."""
from __future__ import annotations

import copy

from .errors import ApiError, google_error
from .fields import mask_leaves, parse_fields
from .grid import MAX_CELLS, Tab, _tab_copy, _touched


class BatchUpdateApi:
    """spreadsheets:batchUpdate (mixed into FakeSheets). Each mixin names the request kinds it applies in
    its REQUEST_KINDS (kind -> method name); the method takes (index of the request, its arguments)."""

    REQUEST_KINDS = {
        "addSheet": "_add_sheet",
        "updateSheetProperties": "_update_sheet_properties",
        "setDataValidation": "_set_data_validation",
        "addConditionalFormatRule": "_add_conditional_format_rule",
        "deleteConditionalFormatRule": "_delete_conditional_format_rule",
    }

    def _request_kinds(self) -> dict[str, str]:
        kinds: dict[str, str] = {}
        for cls in reversed(type(self).__mro__):
            kinds.update(cls.__dict__.get("REQUEST_KINDS", {}))
        return kinds

    def _batch_update(self, body: dict) -> dict:
        requests_ = body.get("requests")
        if not isinstance(requests_, list) or not requests_:
            raise ApiError(400, "Must specify at least one request.")
        # Atomic like Google's: on any failure the sheet is as before. Cell values are immutable, so a
        # shallow copy of each tab's cell dicts is a full copy (a deepcopy of a 100,000-row sheet took
        # 17 s and dominated the benchmark's cold cycle).
        saved = ([_tab_copy(t) for t in self.tabs], self._next_sheet_id, copy.deepcopy(self.protected_ranges),
                 copy.deepcopy(self.developer_metadata), self._next_object_id)
        saved_formats = self._formats_state()
        try:
            replies = [self._one_request(i, req) for i, req in enumerate(requests_)]
            if sum(t.rows * t.cols for t in self.tabs) > MAX_CELLS:
                raise ApiError(400, f"Invalid requests[{len(requests_) - 1}]: This action would increase the number "
                                    f"of cells in the workbook above the limit of {MAX_CELLS} cells.")
        except ApiError:
            (self.tabs, self._next_sheet_id, self.protected_ranges, self.developer_metadata,
             self._next_object_id) = saved
            self._restore_formats(saved_formats)
            raise
        _touched()
        answer = {"spreadsheetId": self.spreadsheet_id, "replies": replies}
        if body.get("includeSpreadsheetInResponse"):     # without grid data (responseIncludeGridData is ignored)
            answer["updatedSpreadsheet"] = self._metadata(None)
        return answer

    def _one_request(self, i: int, req: dict) -> dict:
        if not isinstance(req, dict) or len(req) != 1:
            raise ApiError(400, f"Invalid requests[{i}]: No request set.")
        kind, args = next(iter(req.items()))
        name = self._request_kinds().get(kind)
        if name is None:     # a kind Google has (the discovery check let it through) that the fake lacks
            raise ApiError(501, body=google_error(501, f"FakeSheets does not model the request kind {kind} "
                                                       f"(requests[{i}])", "UNIMPLEMENTED"))
        return getattr(self, name)(i, args or {})

    def _add_sheet(self, i: int, args: dict) -> dict:
        props = dict(args.get("properties") or {})
        title = props.get("title") or f"Sheet{len(self.tabs) + 1}"
        if self._find(title) is not None:
            raise ApiError(400, f'Invalid requests[{i}].addSheet: A sheet with the name "{title}" already exists. '
                                "Please enter another name.")
        sid = props.get("sheetId")
        if sid is not None and self._by_id(sid) is not None:
            raise ApiError(400, f"Invalid requests[{i}].addSheet: Sheet with id {sid} already exists.")
        grid = props.get("gridProperties") or {}
        rows, cols = int(grid.get("rowCount", 1000)), int(grid.get("columnCount", 26))
        if rows < 1 or cols < 1:
            raise ApiError(400, f"Invalid requests[{i}].addSheet: Invalid grid size.")
        tab = Tab(self._new_sheet_id() if sid is None else sid, title, len(self.tabs), rows, cols,
                  int(grid.get("frozenRowCount", 0)), int(grid.get("frozenColumnCount", 0)), bool(props.get("hidden")))
        index = props.get("index")
        self.tabs.append(tab)
        if index is not None:
            self.tabs.remove(tab)
            self.tabs.insert(int(index), tab)
            for n, t in enumerate(self.tabs):
                t.index = n
        self._check_some_sheet_visible(i, "addSheet")
        return {"addSheet": {"properties": tab.properties()}}

    def _check_some_sheet_visible(self, i: int, kind: str) -> None:
        if self.tabs and all(t.hidden for t in self.tabs):
            raise ApiError(400, f"Invalid requests[{i}].{kind}: You can't hide all the sheets in a document.")

    def _update_sheet_properties(self, i: int, args: dict) -> dict:
        props = args.get("properties") or {}
        tab = self._by_id(props.get("sheetId", 0))
        if tab is None:
            raise ApiError(400, f"Invalid requests[{i}].updateSheetProperties: No grid with id: {props.get('sheetId', 0)}")
        mask = args.get("fields")
        if not mask:
            raise ApiError(400, f"Invalid requests[{i}].updateSheetProperties: At least one field must be updated, "
                                "but none are specified.")
        leaves = mask_leaves(parse_fields(mask))
        grid = props.get("gridProperties") or {}
        for leaf in leaves:
            if leaf in ("*", "gridProperties", "gridProperties.*"):
                names = ["gridProperties.rowCount", "gridProperties.columnCount", "gridProperties.frozenRowCount",
                         "gridProperties.frozenColumnCount"]
                if leaf == "*":
                    names += ["title", "hidden"]
            else:
                names = [leaf]
            for name in names:
                if name == "title":
                    if "title" in props:
                        other = self._find(props["title"])
                        if other is not None and other is not tab:
                            raise ApiError(400, f'Invalid requests[{i}].updateSheetProperties: A sheet with the name '
                                                f'"{props["title"]}" already exists. Please enter another name.')
                        tab.title = props["title"]
                elif name == "gridProperties.rowCount":
                    tab.rows = int(grid.get("rowCount", 0))
                elif name == "gridProperties.columnCount":
                    tab.cols = int(grid.get("columnCount", 0))
                elif name == "gridProperties.frozenRowCount":
                    tab.frozen_rows = int(grid.get("frozenRowCount", 0))
                elif name == "gridProperties.frozenColumnCount":
                    tab.frozen_cols = int(grid.get("frozenColumnCount", 0))
                elif name == "hidden":
                    tab.hidden = bool(props.get("hidden", False))
                elif name in ("index", "sheetType", "sheetId"):
                    continue
                else:
                    raise ApiError(400, f"Invalid requests[{i}].updateSheetProperties: Invalid field mask: {name}")
        if tab.rows < 1 or tab.cols < 1:
            raise ApiError(400, f"Invalid requests[{i}].updateSheetProperties: Invalid grid size.")
        self._check_some_sheet_visible(i, "updateSheetProperties")
        if tab.frozen_rows >= tab.rows:
            raise ApiError(400, f"Invalid requests[{i}].updateSheetProperties: You can't freeze all visible rows on the sheet.")
        for key in [k for k in tab.cells if k[0] >= tab.rows or k[1] >= tab.cols]:
            del tab.cells[key]
        return {}

    def _grid_range(self, i: int, kind: str, rng: dict) -> Tab:
        tab = self._by_id((rng or {}).get("sheetId", 0))
        if tab is None:
            raise ApiError(400, f"Invalid requests[{i}].{kind}: No grid with id: {(rng or {}).get('sheetId', 0)}")
        return tab

    def _set_data_validation(self, i: int, args: dict) -> dict:
        rng = args.get("range") or {}
        tab = self._grid_range(i, "setDataValidation", rng)
        key = tuple(rng.get(k) for k in ("startRowIndex", "endRowIndex", "startColumnIndex", "endColumnIndex"))
        rule = args.get("rule")
        if rule is None:
            tab.validations.pop(key, None)
            return {}
        condition = rule.get("condition") or {}
        if condition.get("type") == "ONE_OF_LIST" and not condition.get("values"):
            raise ApiError(400, f"Invalid requests[{i}].setDataValidation: ONE_OF_LIST condition must have at "
                                "least one value.")
        tab.validations[key] = copy.deepcopy(rule)
        return {}

    def _add_conditional_format_rule(self, i: int, args: dict) -> dict:
        rule = args.get("rule") or {}
        ranges = rule.get("ranges") or []
        if not ranges:
            raise ApiError(400, f"Invalid requests[{i}].addConditionalFormatRule: ranges must not be empty.")
        tabs = {self._grid_range(i, "addConditionalFormatRule", r).sheet_id for r in ranges}
        if len(tabs) != 1:
            raise ApiError(400, f"Invalid requests[{i}].addConditionalFormatRule: All ranges must be on the same grid.")
        if ("booleanRule" in rule) == ("gradientRule" in rule):
            raise ApiError(400, f"Invalid requests[{i}].addConditionalFormatRule: Exactly one of booleanRule or "
                                "gradientRule must be set.")
        tab = self._by_id(tabs.pop())
        assert tab is not None
        index = int(args.get("index", 0))
        if index > len(tab.conditional_formats):
            raise ApiError(400, f"Invalid requests[{i}].addConditionalFormatRule: index out of bounds.")
        tab.conditional_formats.insert(index, copy.deepcopy(rule))
        return {}

    def _delete_conditional_format_rule(self, i: int, args: dict) -> dict:
        tab = self._by_id(args.get("sheetId", 0))
        index = int(args.get("index", 0))
        if tab is None or index >= len(tab.conditional_formats):
            raise ApiError(400, f"Invalid requests[{i}].deleteConditionalFormatRule: No conditional format on "
                                f"sheet {args.get('sheetId', 0)} at index {index}.")
        rule = tab.conditional_formats.pop(index)
        return {"deleteConditionalFormatRule": {"rule": rule}}

