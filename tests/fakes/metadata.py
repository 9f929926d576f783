"""Developer metadata: create/update/deleteDeveloperMetadata (spreadsheets:batchUpdate),
developerMetadata.get (404 for an unknown id), developerMetadata:search, values:batchGetByDataFilter and values:batchUpdateByDataFilter.

A DeveloperMetadata has a key, an optional value, a visibility (DOCUMENT or PROJECT) and a location: the
spreadsheet, a sheet, or one row or column (Google: the DimensionRange "must represent a single row or
column; it cannot be unbounded or span multiple rows or columns"). Row/column metadata follows its row
as rows are inserted, deleted or moved and is deleted with it; sorting does not move it (structure.py).
A DataFilter selects by developerMetadataLookup (metadataId, metadataKey, metadataValue, locationType,
metadataLocation, visibility; locationMatchingStrategy EXACT_LOCATION), a1Range or gridRange (the
metadata whose location intersects it). The data-filter value endpoints read or write the whole row,
column or sheet a matched metadata names.

Size limit: the fake refuses a createDeveloperMetadata that would take the characters of keys and values
stored on the spreadsheet, or on one sheet (its rows and columns included), past METADATA_CHAR_LIMIT
(30,000). The number and the wording are not from a page found in this environment's search corpora (the
guide's excerpts there do not state it); they are the limit as commonly cited and the fake's own
sentence in Google's "Invalid requests[i].kind: ..." frame. Adjust METADATA_CHAR_LIMIT if Google's page
says otherwise.

updateDeveloperMetadata rewrites the fields its mask names on every metadata its dataFilters match.

Simplifications: PROJECT metadata is visible to every caller (the fake has one Cloud project); a
batchUpdateByDataFilter filter that matches more than one
location is refused rather than written to each.
"""
from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from .errors import ApiError
from .fields import mask_leaves, parse_fields
from .grid import col_letters, google_title

if TYPE_CHECKING:
    from .sheets import Logged

METADATA_CHAR_LIMIT = 30_000


class MetadataApi:
    """Mixed into FakeSheets."""

    REQUEST_KINDS = {
        "createDeveloperMetadata": "_create_developer_metadata",
        "deleteDeveloperMetadata": "_delete_developer_metadata",
        "updateDeveloperMetadata": "_update_developer_metadata",
    }

    # -- locations ------------------------------------------------------------------------------------

    def _metadata_sheet(self, md: dict) -> int | None:
        loc = md.get("location") or {}
        if "sheetId" in loc:
            return loc["sheetId"]
        if "dimensionRange" in loc:
            return loc["dimensionRange"].get("sheetId", 0)
        return None

    def _location_grid(self, md: dict) -> dict | None:
        """The GridRange a metadata's location covers (None: the whole spreadsheet)."""
        loc = md.get("location") or {}
        if "sheetId" in loc:
            return {"sheetId": loc["sheetId"]}
        dr = loc.get("dimensionRange")
        if dr:
            keys = ("startRowIndex", "endRowIndex") if dr["dimension"] == "ROWS" else ("startColumnIndex", "endColumnIndex")
            return {"sheetId": dr.get("sheetId", 0), keys[0]: dr["startIndex"], keys[1]: dr["endIndex"]}
        return None

    def _normal_location(self, i: int, loc: dict) -> dict:
        where = f"Invalid requests[{i}].createDeveloperMetadata: "
        set_ = [k for k in ("spreadsheet", "sheetId", "dimensionRange") if k in loc]
        if len(set_) != 1:
            raise ApiError(400, where + "Exactly one of spreadsheet, sheetId or dimensionRange must be set in location.")
        if "spreadsheet" in loc:
            return {"locationType": "SPREADSHEET", "spreadsheet": True}
        if "sheetId" in loc:
            if self._by_id(loc["sheetId"]) is None:
                raise ApiError(400, where + f"No grid with id: {loc['sheetId']}")
            return {"locationType": "SHEET", "sheetId": loc["sheetId"]}
        dr = dict(loc["dimensionRange"])
        tab = self._by_id(dr.get("sheetId", 0))
        if tab is None:
            raise ApiError(400, where + f"No grid with id: {dr.get('sheetId', 0)}")
        if "startIndex" not in dr or "endIndex" not in dr or dr["endIndex"] - dr["startIndex"] != 1:
            raise ApiError(400, where + "The specified DimensionRange must represent a single row or column; it "
                                        "cannot be unbounded or span multiple rows or columns.")
        size = tab.rows if dr.get("dimension") == "ROWS" else tab.cols
        if not 0 <= dr["startIndex"] < size:
            raise ApiError(400, where + "The DimensionRange is outside the grid.")
        dr.setdefault("sheetId", 0)
        return {"locationType": "ROW" if dr["dimension"] == "ROWS" else "COLUMN", "dimensionRange": dr}

    # -- batchUpdate requests -------------------------------------------------------------------------

    def _create_developer_metadata(self, i: int, args: dict) -> dict:
        where = f"Invalid requests[{i}].createDeveloperMetadata: "
        md = copy.deepcopy(args.get("developerMetadata") or {})
        if not md.get("metadataKey"):
            raise ApiError(400, where + "Developer metadata must have a metadataKey.")
        if md.get("visibility") not in ("DOCUMENT", "PROJECT"):
            raise ApiError(400, where + "Developer metadata must have a visibility of DOCUMENT or PROJECT.")
        md["location"] = self._normal_location(i, md.get("location") or {})
        mid = md.get("metadataId")
        if mid is not None:
            if int(mid) <= 0:
                raise ApiError(400, where + "metadataId must be positive.")
            if any(m["metadataId"] == int(mid) for m in self.developer_metadata):
                raise ApiError(400, where + f"Developer metadata with id {mid} already exists.")
            md["metadataId"] = int(mid)
        else:
            md["metadataId"] = self._new_object_id() % 2_000_000_000
        self._check_metadata_size(i, "createDeveloperMetadata", md)
        self.developer_metadata.append(md)
        return {"createDeveloperMetadata": {"developerMetadata": copy.deepcopy(md)}}

    def _update_developer_metadata(self, i: int, args: dict) -> dict:
        where = f"Invalid requests[{i}].updateDeveloperMetadata: "
        mask = args.get("fields")
        if not mask:
            raise ApiError(400, where + "At least one field must be updated, but none are specified.")
        names = {leaf.split(".")[0] for leaf in mask_leaves(parse_fields(mask))}
        names = {"metadataKey", "metadataValue", "location", "visibility"} if "*" in names else names
        bad = names - {"metadataKey", "metadataValue", "location", "visibility"}
        if bad:
            raise ApiError(400, where + f"Invalid field mask: {sorted(bad)[0]}")
        new = args.get("developerMetadata") or {}
        filters = args.get("dataFilters") or []
        matched = [md for md in self.developer_metadata if any(self._matches(f, md) for f in filters)]
        for md in matched:
            for name in names:
                if name == "location":
                    md["location"] = self._normal_location(i, new.get("location") or {})
                elif name in new:
                    md[name] = new[name]
                else:
                    md.pop(name, None)
            if not md.get("metadataKey"):
                raise ApiError(400, where + "Developer metadata must have a metadataKey.")
        self._check_metadata_size(i, "updateDeveloperMetadata", None)
        return {"updateDeveloperMetadata": {"developerMetadata": copy.deepcopy(matched)}}

    def _check_metadata_size(self, i: int, kind: str, extra: dict | None) -> None:
        items_all = self.developer_metadata + ([extra] if extra else [])
        sheets = {self._metadata_sheet(m) for m in items_all} - {None}
        scopes = [("the spreadsheet", items_all)] + [
            (f"sheet {s}", [m for m in items_all if self._metadata_sheet(m) == s]) for s in sorted(sheets)]
        for what, items in scopes:
            total = sum(len(m.get("metadataKey", "")) + len(m.get("metadataValue", "")) for m in items)
            if total > METADATA_CHAR_LIMIT:
                raise ApiError(400, f"Invalid requests[{i}].{kind}: The developer metadata on {what} would hold "
                                    f"{total} characters, over the limit of {METADATA_CHAR_LIMIT}.")

    def _delete_developer_metadata(self, i: int, args: dict) -> dict:
        flt = args.get("dataFilter") or {}
        matched = [md for md in self.developer_metadata if self._matches(flt, md)]
        self.developer_metadata = [md for md in self.developer_metadata if md not in matched]
        return {"deleteDeveloperMetadata": {"deletedDeveloperMetadata": copy.deepcopy(matched)}} if matched else \
            {"deleteDeveloperMetadata": {}}

    # -- data filters ---------------------------------------------------------------------------------

    def _matches(self, flt: dict, md: dict) -> bool:
        if "developerMetadataLookup" in flt:
            look = flt["developerMetadataLookup"]
            loc = md["location"]
            if "metadataId" in look and int(look["metadataId"]) != md["metadataId"]:
                return False
            for key in ("metadataKey", "metadataValue", "visibility"):
                if key in look and look[key] != md.get(key):
                    return False
            if "locationType" in look and look["locationType"] != loc["locationType"]:
                return False
            if "metadataLocation" in look:
                want = {k: v for k, v in look["metadataLocation"].items() if k != "locationType"}
                have = {k: v for k, v in loc.items() if k != "locationType"}
                if "dimensionRange" in want:
                    want["dimensionRange"] = {"sheetId": 0, **want["dimensionRange"]}
                if want != have:
                    return False
            return True
        grid = flt.get("gridRange")
        if "a1Range" in flt:
            rng = self._parse_range(flt["a1Range"])
            r0, c0, r1, c1 = rng.bounds()
            grid = {"sheetId": rng.tab.sheet_id, "startRowIndex": r0, "endRowIndex": r1 + 1,
                    "startColumnIndex": c0, "endColumnIndex": c1 + 1}
        if grid is None:
            raise ApiError(400, "A data filter must set developerMetadataLookup, a1Range or gridRange.")
        where = self._location_grid(md)
        if where is None or where.get("sheetId", 0) != grid.get("sheetId", 0):
            return False
        from .protection import _overlaps
        tab = self._by_id(where.get("sheetId", 0))
        return _overlaps(where, grid.get("startRowIndex", 0), grid.get("endRowIndex", tab.rows),
                         grid.get("startColumnIndex", 0), grid.get("endColumnIndex", tab.cols))

    def _get_developer_metadata(self, entry: "Logged", path_params: dict) -> dict:
        for md in self.developer_metadata:
            if str(md["metadataId"]) == path_params.get("metadataId"):
                return copy.deepcopy(md)
        raise ApiError(404, f"No developer metadata with ID {path_params.get('metadataId')} was found.")

    def _search_developer_metadata(self, entry: "Logged", path_params: dict) -> dict:
        found: dict[int, dict] = {}
        for flt in (entry.body or {}).get("dataFilters") or []:
            for md in self.developer_metadata:
                if self._matches(flt, md):
                    found.setdefault(md["metadataId"], {"developerMetadata": copy.deepcopy(md), "dataFilters": []})
                    found[md["metadataId"]]["dataFilters"].append(copy.deepcopy(flt))
        return {"matchedDeveloperMetadata": list(found.values())} if found else {}

    def _filter_ranges(self, flt: dict) -> list[str]:
        """The A1 ranges a data filter names: a1Range itself, or each matched metadata's row/column/sheet."""
        if "a1Range" in flt:
            return [flt["a1Range"]]
        out = []
        for md in self.developer_metadata:
            if not self._matches(flt, md):
                continue
            grid = self._location_grid(md)
            if grid is None:
                continue                       # the whole spreadsheet is not one range
            tab = self._by_id(grid.get("sheetId", 0))
            r0, r1 = grid.get("startRowIndex", 0), grid.get("endRowIndex", tab.rows)
            c0, c1 = grid.get("startColumnIndex", 0), grid.get("endColumnIndex", tab.cols)
            out.append(f"{google_title(tab.title)}!{col_letters(c0)}{r0 + 1}:{col_letters(c1 - 1)}{r1}")
        return out

    def _batch_get_by_data_filter(self, entry: "Logged", path_params: dict) -> dict:
        body = entry.body or {}
        params = {"valueRenderOption": [body.get("valueRenderOption", "FORMATTED_VALUE")],
                  "dateTimeRenderOption": [body.get("dateTimeRenderOption", "SERIAL_NUMBER")],
                  "majorDimension": [body.get("majorDimension", "ROWS")]}
        matched = []
        for flt in body.get("dataFilters") or []:
            ranges = self._filter_ranges(flt)
            if not ranges:
                continue
            fake_entry = type(entry)("GET", entry.url, entry.path, {**params, "ranges": ranges}, None)
            for vr in self._batch_get(fake_entry)["valueRanges"]:
                matched.append({"valueRange": vr, "dataFilters": [copy.deepcopy(flt)]})
        return {"spreadsheetId": self.spreadsheet_id, **({"valueRanges": matched} if matched else {})}

    def _batch_update_by_data_filter(self, entry: "Logged", path_params: dict) -> dict:
        body = entry.body or {}
        data, filters = [], []
        for n, item in enumerate(body.get("data") or []):
            ranges = self._filter_ranges(item.get("dataFilter") or {})
            if len(ranges) > 1:
                raise ApiError(400, f"Invalid data[{n}]: the data filter matched {len(ranges)} ranges; the fake "
                                    "writes through a filter that matches one.")
            if ranges:
                data.append({"range": ranges[0], "majorDimension": item.get("majorDimension", "ROWS"),
                             "values": item.get("values") or []})
                filters.append(item.get("dataFilter"))
        answer = self._values_batch_update({"valueInputOption": body.get("valueInputOption"), "data": data})
        for response, flt in zip(answer["responses"], filters):
            response["dataFilter"] = copy.deepcopy(flt)
        return answer
