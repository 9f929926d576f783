"""The sheet the settings point at: open its backend, name it, find its quiet-cycle cache.

Backends are imported lazily so that the workbook path never loads gspread.
"""
from __future__ import annotations

from pathlib import Path

from bot.backends.base import Backend
from bot.config import Settings
from bot.errors import ConfigError


def open_backend(settings: Settings, *, allow_missing: bool = False, reuse_token: bool = True) -> Backend:
    """`reuse_token` (Google): start from the access token an earlier run kept in the cache folder,
    if it has life left (bot/backends/google_auth.py). `doctor` turns it off, to prove the key
    itself still gets a token."""
    if settings.spreadsheet:
        if settings.credentials is None:
            raise ConfigError("credentials", "No service-account key file: pass --credentials PATH or set "
                                             "GOOGLE_APPLICATION_CREDENTIALS (see credentials.example.json).")
        from bot.backends.google import GoogleBackend
        from bot.cycle.quiet import cache_dir
        return GoogleBackend(settings.spreadsheet, Path(settings.credentials),
                             token_folder=cache_dir() if reuse_token else None)
    if settings.workbook is None:
        raise ConfigError("workbook", "No sheet to work on: pass --workbook PATH for a local .xlsx file or "
                                      "--spreadsheet ID for Google Sheets (or set them in the config file).")
    path = Path(settings.workbook)
    kind = NOT_XLSX.get(path.suffix.lower())
    if kind:
        raise ConfigError("workbook", f"{path} is {kind}, not an .xlsx workbook: open it in Excel, LibreOffice or "
                                      f"Google Sheets, save it as .xlsx (Excel Workbook), and pass that file "
                                      f"with --workbook.")
    from bot.backends.workbook import WorkbookBackend
    return WorkbookBackend(path, allow_missing=allow_missing)


# Files people point --workbook at that hold a sheet but not as .xlsx: told how to convert, not "unreadable".
NOT_XLSX = {".csv": "a CSV file", ".tsv": "a tab-separated text file", ".txt": "a text file",
            ".xls": "an old Excel .xls file", ".ods": "an OpenDocument spreadsheet", ".numbers": "a Numbers file"}


def target_of(settings: Settings) -> str:
    """Which sheet the settings point at: the spreadsheet id, or the workbook's full path."""
    return settings.spreadsheet or str(Path(settings.workbook).resolve())


def quiet_cache(settings: Settings):
    from bot.cycle.quiet import QuietCache
    return QuietCache(target_of(settings))
