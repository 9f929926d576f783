"""How the bot's ids, ranges and values look to the Google Sheets API. Pure: no gspread, no I/O.

Split from google.py (which does the requests) so the rules of A1 notation, RAW values, retry
timing and conditional-format rules can be read and tested on their own.
"""
from __future__ import annotations

import datetime as _dt
import email.utils
import itertools
import math
import re
from decimal import Decimal
from typing import Any, Callable, Mapping, Sequence

import requests

from bot.read import table
from bot.errors import ConfigError

BACKOFF_BASE = 1.0
BACKOFF_CAP = 32.0
ID_HELP = ("the id is the part of the sheet's URL between /d/ and /edit "
            "(https://docs.google.com/spreadsheets/d/<id>/edit)")
_ID_RE = re.compile(r"^[A-Za-z0-9_-]+$")
_URL_ID_RE = re.compile(r"/spreadsheets/(?:u/\d+/)?d/([A-Za-z0-9_-]+)")
_URL_KEY_RE = re.compile(r"[?&#]key=([A-Za-z0-9_-]+)")
_EXCEL_EPOCH = _dt.datetime(1899, 12, 30)




def parse_spreadsheet_id(value: str) -> str:
    """The spreadsheet id from a bare id or a sheet URL (…/spreadsheets/d/<id>/edit#gid=0).

    Raises ConfigError(setting="spreadsheet") when `value` is neither.
    """
    text = (value or "").strip()
    if not text:
        raise ConfigError("spreadsheet", f"No spreadsheet is set; pass --spreadsheet with its id or URL ({ID_HELP}).")
    if "/" in text or ":" in text:
        match = _URL_ID_RE.search(text)
        if match and match.group(1) == "e" and "/d/e/" in text:
            raise ConfigError(
                "spreadsheet",
                f"{text} is a 'Publish to the web' link, which the bot cannot write to; "
                f"use the address of the sheet as you edit it ({ID_HELP}).",
            )
        match = match or _URL_KEY_RE.search(text)
        if not match:
            raise ConfigError("spreadsheet", f"{text} is not a Google Sheets URL; {ID_HELP}.")
        return match.group(1)
    if not _ID_RE.match(text):
        raise ConfigError("spreadsheet", f"{text!r} is not a spreadsheet id; {ID_HELP}.")
    return text


def a1_title(title: str) -> str:
    """A tab title quoted for A1 notation: `'Comp Sheet'`, `'Rep''s Log'` (quotes always, as gspread does)."""
    return "'" + title.replace("'", "''") + "'"


def column_letter(col: int) -> str:
    """1 -> A, 26 -> Z, 27 -> AA (A1 notation's 1-based columns)."""
    if col < 1:
        raise ValueError(f"column {col} < 1")
    return table.column_letter(col - 1)


def a1_range(tab: str, row: int, col: int, last_row: int, last_col: int) -> str:
    """`'Tab'!B2:D5` for a 1-based rectangle."""
    start = f"{column_letter(col)}{row}"
    end = f"{column_letter(last_col)}{last_row}"
    return f"{a1_title(tab)}!{start}" if start == end else f"{a1_title(tab)}!{start}:{end}"


def to_sheet_value(value: Any) -> Any:
    """A plan cell as the JSON value a RAW write stores: None -> "" (clears the cell)."""
    if value is None:
        return ""
    if isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else ""
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else ""
    if isinstance(value, _dt.datetime):
        return value.replace(microsecond=0).isoformat(sep=" ")
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value)


_AS_IS = {str, int, bool}   # exactly these types (not subclasses): to_sheet_value returns them unchanged


def sheet_values(rows: Sequence[Sequence[Any]]) -> Sequence[Sequence[Any]]:
    """`to_sheet_value` of every cell. A cold cycle writes 400,000 cells at 100,000 rows, nearly all
    text, numbers and blanks: one C-speed look at the types spares a function call per cell."""
    kinds = set(map(type, itertools.chain.from_iterable(rows)))
    if kinds <= _AS_IS:
        return rows   # tuples serialise as JSON arrays, as lists do
    if kinds <= _AS_IS | {type(None)}:
        return [["" if v is None else v for v in row] for row in rows]
    return [[to_sheet_value(v) for v in row] for row in rows]


def serial_to_datetime(serial: float) -> _dt.datetime:
    """A spreadsheet date serial (days since 1899-12-30) as a datetime (for callers and tests)."""
    return _EXCEL_EPOCH + _dt.timedelta(days=serial)


def backoff_delay(attempt: int, rng: Callable[[], float], *, base: float = BACKOFF_BASE,
                  cap: float = BACKOFF_CAP) -> float:
    """Full-jitter exponential backoff before retry number `attempt` (1-based)."""
    return rng() * min(cap, base * (2 ** (attempt - 1)))


def retry_after_seconds(response: requests.Response | None) -> float | None:
    """The Retry-After header as seconds (a number or an HTTP date), or None."""
    if response is None:
        return None
    raw = response.headers.get("Retry-After")
    if not raw:
        return None
    raw = raw.strip()
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.timezone.utc)
    return max(0.0, (when - _dt.datetime.now(_dt.timezone.utc)).total_seconds())


# Conditional formats (init)


def blank_required_formula(col: int) -> str:
    """Custom formula for a 0-based column: true on a blank (or spaces-only) cell of a row with any value."""
    letter = column_letter(col + 1)
    return f"=AND(COUNTA(2:2)>0,LEN(TRIM({letter}2))=0)"


def column_range(sheet_id: int, col: int) -> dict:
    """Rows 2..end of one 0-based column (no endRowIndex: the range follows the grid as it grows)."""
    return {"sheetId": sheet_id, "startRowIndex": 1, "startColumnIndex": col, "endColumnIndex": col + 1}


def same_rule(rule: Mapping[str, Any], col: int, formula: str) -> bool:
    condition = ((rule.get("booleanRule") or {}).get("condition") or {})
    if condition.get("type") != "CUSTOM_FORMULA":
        return False
    values = [v.get("userEnteredValue") for v in condition.get("values") or []]
    if values != [formula]:
        return False
    return any(r.get("startColumnIndex", 0) == col for r in rule.get("ranges") or [])
