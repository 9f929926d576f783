"""Glue the CLI calls: pick the backend for the settings, run commands, describe results for people.

Backends are imported lazily so that the workbook path never loads gspread.
"""
from __future__ import annotations

from pathlib import Path

from bot.backends.base import Backend
from bot.config import Settings
from bot.cycle import CycleReport
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
        from bot.state import cache_dir
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
    from bot.state import QuietCache
    return QuietCache(target_of(settings))


def describe_cycle(report: CycleReport, *, verbose_plan: bool = False) -> list[str]:
    """A few lines a person can read: what was read, found, and written. No customer data."""
    o = report.outcome
    if o is None:  # skipped: the input is what the last cycle already handled
        s = report.summary
        read = " and ".join(f"{n} rows from '{t}'" for t, n in s.get("rows_read", {}).items())
        return [f"Read {read or 'the sheet'} in {report.source}: the same as at the last cycle.",
                f"Last results: {s.get('errors', '?')} errors, {s.get('warnings', '?')} warnings, "
                f"{s.get('drafts_waiting', '?')} drafts waiting, {s.get('flags', '?')} flags.",
                "Nothing changed since the last cycle; wrote nothing."]
    lines = []
    read = " and ".join(f"{n} rows from '{t}'" for t, n in o.rows_read.items())
    lines.append(f"Read {read} in {report.source}.")
    lines.append(f"Log Issues: {o.validation.errors} errors, {o.validation.warnings} warnings.")
    lines.append(f"Drafts: {len(o.drafts_ready)} ready ({o.drafts_new} new); "
                 f"{o.drafts_waiting} waiting for a rep in the Drafts tab.")
    f = o.flags
    lines.append(f"Escalations: {o.flags_total} flags ({len(f.raised)} raised, {len(f.grown)} grown, "
                 f"{len(f.merged)} merged this cycle).")
    open_cases = o.desired.get("open_cases", [])
    level_3 = sum(1 for r in open_cases if r.get("level") == "Level 3")
    lines.append(f"Open Cases: {len(open_cases)} past Level 1 ({level_3} at Level 3).")
    plan = o.plan
    if plan.is_empty:
        lines.append("Nothing changed since the last cycle; wrote nothing.")
    else:
        created = f" (created tabs: {', '.join(c.title for c in plan.creates)})" if plan.creates else ""
        verb = "Would write" if report.dry_run else "Wrote"
        lines.append(f"{verb} {plan.cell_count} cells to {', '.join(plan.tabs_written())}{created}.")
        if report.dry_run or verbose_plan:
            for w in plan.writes:
                lines.append(f"  {w.tab}: {len(w.values)} row(s) x {w.last_col - w.col + 1} column(s) "
                             f"at row {w.row}, column {w.col}")
        if report.attempts > 1:
            lines.append(f"(The sheet changed during the cycle, so it ran {report.attempts} times.)")
    return lines


def format_issues(report: CycleReport, limit: int | None = None) -> list[str]:
    issues = report.outcome.validation.issues
    lines = [f"{i.severity.upper():7} {i.tab} row {i.row}, column {i.column} ({i.field}): {i.problem}"
             for i in issues[:limit]]
    if limit is not None and len(issues) > limit:
        lines.append(f"... and {len(issues) - limit} more in the Log Issues tab.")
    return lines
