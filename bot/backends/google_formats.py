"""The spreadsheets:batchUpdate requests that make a bot tab readable and protect the bot's columns. Pure:
no gspread, no I/O (google.py sends them).

Readable: the header row bold (repeatCell, textFormat.bold only), the schema's column widths
(updateDimensionProperties), wrapped text below the header (repeatCell, wrapStrategy only) and a filter on
the header row (setBasicFilter). Each is asked for only where the tab has nothing of its own: a header
cell whose bold is set, a column whose width is not Google's default, a column whose first row below the
header already has a wrap setting, a tab that has a filter: all stay as they are.

Protected: the bot's columns (or the whole tab) as protected ranges recognised by their description
(`Protection.description`), so a second `init` adds nothing, a changed mode updates them, a moved column
replaces them, and mode "off" removes them. A person's own protections are never touched.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from bot.backends.base import PROTECTION_DESCRIPTION, Protection, TabFormat

DEFAULT_PIXELS = 100        # a Google Sheets column nobody resized
PIXELS_PER_CHAR = 7         # a width in characters (Excel's unit, the schema's) as pixels: 7 each + 5
PIXEL_PADDING = 5

# The header row and the first row below it: what `init` must know to set only what is not set.
CELLS_FIELDS = ("sheets(properties(sheetId),data(rowData(values(userEnteredFormat(textFormat(bold),"
                "wrapStrategy))),columnMetadata(pixelSize)))")


def pixels(width: float) -> int:
    return int(round(width * PIXELS_PER_CHAR + PIXEL_PADDING))


@dataclass
class TabLook:
    """What a tab already has (from the metadata and its first two rows): `None` for a new tab."""

    bold_set: set[int] = field(default_factory=set)       # header cells whose bold is set
    wrap_set: set[int] = field(default_factory=set)       # columns whose row 2 has a wrap setting
    widths: dict[int, int] = field(default_factory=dict)  # column -> pixel size, as Google gives it
    has_filter: bool = False


def look_from_grid(data: Iterable[Mapping[str, Any]] | None, has_filter: bool) -> TabLook:
    """A TabLook from the `data` of a sheet fetched with CELLS_FIELDS over its rows 1:2."""
    look = TabLook(has_filter=has_filter)
    for grid in data or []:
        start_row = int(grid.get("startRow", 0))
        start_col = int(grid.get("startColumn", 0))
        for r, row in enumerate(grid.get("rowData") or [], start=start_row):
            for c, cell in enumerate((row or {}).get("values") or [], start=start_col):
                entered = (cell or {}).get("userEnteredFormat") or {}
                if r == 0 and "bold" in (entered.get("textFormat") or {}):
                    look.bold_set.add(c)
                if r == 1 and "wrapStrategy" in entered:
                    look.wrap_set.add(c)
        for c, meta in enumerate(grid.get("columnMetadata") or [], start=start_col):
            if isinstance(meta, Mapping) and "pixelSize" in meta:
                look.widths[c] = int(meta["pixelSize"])
    return look


def _runs(columns: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted columns as [start, end) runs of neighbours."""
    runs: list[tuple[int, int]] = []
    for c in sorted(set(columns)):
        if runs and runs[-1][1] == c:
            runs[-1] = (runs[-1][0], c + 1)
        else:
            runs.append((c, c + 1))
    return runs


def readable_requests(sheet_id: int, fmt: TabFormat, look: TabLook | None, grid_cols: int) -> list[dict]:
    """Bold header, widths, wrap and filter for one tab, each only where `look` shows nothing set (a new
    tab: `look` None). Columns beyond the grid's `grid_cols` are left out."""
    look = look or TabLook()
    out: list[dict] = []
    bold = [c for c in fmt.bold_header if c < grid_cols and c not in look.bold_set]
    for a, b in _runs(bold):
        out.append({"repeatCell": {
            "range": {"sheetId": sheet_id, "startRowIndex": 0, "endRowIndex": 1,
                      "startColumnIndex": a, "endColumnIndex": b},
            "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
            "fields": "userEnteredFormat.textFormat.bold"}})
    for c, width in sorted(fmt.widths.items()):
        if c < grid_cols and look.widths.get(c, DEFAULT_PIXELS) == DEFAULT_PIXELS and pixels(width) != DEFAULT_PIXELS:
            out.append({"updateDimensionProperties": {
                "range": {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": c, "endIndex": c + 1},
                "properties": {"pixelSize": pixels(width)},
                "fields": "pixelSize"}})
    wrap = [c for c in fmt.wrap_columns if c < grid_cols and c not in look.wrap_set]
    for a, b in _runs(wrap):
        out.append({"repeatCell": {
            "range": {"sheetId": sheet_id, "startRowIndex": 1, "startColumnIndex": a, "endColumnIndex": b},
            "cell": {"userEnteredFormat": {"wrapStrategy": "WRAP"}},
            "fields": "userEnteredFormat.wrapStrategy"}})
    if fmt.filter_columns and not look.has_filter:
        out.append({"setBasicFilter": {"filter": {"range": {
            "sheetId": sheet_id, "startRowIndex": 0, "startColumnIndex": 0,
            "endColumnIndex": min(fmt.filter_columns, grid_cols)}}}})
    return out


def is_bots(protected: Mapping[str, Any]) -> bool:
    return str(protected.get("description") or "").startswith(PROTECTION_DESCRIPTION)


def _span(rng: Mapping[str, Any]) -> tuple:
    """A GridRange without its sheet, as Google may give it back (0 starts are omitted, as defaults are)."""
    return (int(rng.get("startRowIndex") or 0), rng.get("endRowIndex"),
            int(rng.get("startColumnIndex") or 0), rng.get("endColumnIndex"))


def wanted_ranges(sheet_id: int, protection: Protection, grid_cols: int) -> list[dict]:
    if protection.mode == "off":
        return []
    if protection.columns is None:
        return [{"sheetId": sheet_id}]       # unbounded: the whole tab
    return [{"sheetId": sheet_id, "startColumnIndex": a, "endColumnIndex": min(b, grid_cols)}
            for a, b in protection.column_runs() if a < grid_cols]


def protection_requests(sheet_id: int, protection: Protection, existing: Iterable[Mapping[str, Any]],
                        bot_email: str, grid_cols: int) -> list[dict]:
    """Add, update or delete the bot's protected ranges of one tab so they are exactly `protection`.
    `existing`: the tab's protected ranges (a person's own are left alone)."""
    mine = [dict(p) for p in existing if is_bots(p)]
    out: list[dict] = []
    for rng in wanted_ranges(sheet_id, protection, grid_cols):
        same = next((p for p in mine if _span(p.get("range") or {}) == _span(rng)), None)
        if same is None:
            new: dict[str, Any] = {"range": rng, "description": protection.description}
            if protection.mode == "strict":
                new.update(warningOnly=False, editors={"users": [bot_email]})
            else:
                new["warningOnly"] = True   # editors are not supported with warning-only protection
            out.append({"addProtectedRange": {"protectedRange": new}})
            continue
        mine.remove(same)
        pid = same.get("protectedRangeId")
        if protection.mode == "warning" and not same.get("warningOnly"):
            out.append({"updateProtectedRange": {"protectedRange": {"protectedRangeId": pid, "warningOnly": True},
                                                 "fields": "warningOnly"}})
        elif protection.mode == "strict":
            users = list(((same.get("editors") or {}).get("users")) or [])
            if same.get("warningOnly") or bot_email not in users:
                # From warning to strict, the editors must be named (or Google makes every editor one);
                # people a lead added to the bot's protection keep their access.
                users = ([] if same.get("warningOnly") else users) + [bot_email]
                out.append({"updateProtectedRange": {
                    "protectedRange": {"protectedRangeId": pid, "warningOnly": False,
                                       "editors": {"users": list(dict.fromkeys(users))}},
                    "fields": "warningOnly,editors"}})
    for stale in mine:   # the bot's protection of columns that moved, or mode "off"
        out.append({"deleteProtectedRange": {"protectedRangeId": stale.get("protectedRangeId")}})
    return out
