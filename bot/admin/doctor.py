"""`doctor`: the checks a cycle makes, in its order, each with the exit code `run` would give for it."""
from __future__ import annotations

from bot.backends.base import Check
from bot.config import Settings
from bot.cycle.compute import rep_layout_errors, required_tabs
from bot.errors import LayoutError
from bot.read.table import map_columns
from bot.sheet import open_backend
from sheet_schema import BOT_TABS, REP_TABS, load


def doctor_checks(settings: Settings) -> list[Check]:
    """The same checks a cycle makes, in its order (settings, access, rep tabs, bot tabs, write), each with
    the exit code `run` would give for it: doctor and run agree on every set-up mistake."""
    backend = open_backend(settings, reuse_token=False)
    checks = list(backend.check_access())
    if not all(c.ok or c.skipped for c in checks) or not checks:
        return checks
    snapshot = backend.read(required_tabs(settings))
    # The rep tabs: the very errors a cycle stops with (core.rep_layout_errors), one check per tab.
    problems = {e.tab: e for e in rep_layout_errors(snapshot, settings)}
    for name in REP_TABS:
        title = settings.title(name)
        if title in problems:
            checks.append(Check(f"tab '{title}'", False, problems[title].message, code=problems[title].exit_code))
        elif snapshot.tabs.get(title) is not None:
            shown = snapshot.titles.get(title, title)
            checks.append(Check(f"tab '{title}'", True, "found, with every header it needs"
                                + (f" (named '{shown}' in the sheet)" if shown != title else "")))
    # The bot tabs: a missing tab or header is created by init or the first cycle, not a failure.
    for name in BOT_TABS:
        title, schema = settings.title(name), load(name)
        rows = snapshot.tabs.get(title)
        if rows is None:
            checks.append(Check(f"tab '{title}'", True, "will be created by `init` or the first cycle"))
            continue
        try:
            cols = map_columns(title, rows[0] if rows else [], schema, settings.headers[name], strict=False)
        except LayoutError as exc:     # a header twice: a cycle stops there too
            checks.append(Check(f"tab '{title}'", False, exc.message, code=exc.exit_code))
            continue
        missing = [cols.headers[c.key] for c in schema.columns if c.key not in cols.index]
        checks.append(Check(f"tab '{title}'", True, "found" if not missing else
                            f"found; {len(missing)} header(s) will be added by `init` or the first cycle"))
    # Writing is about the file (or the sheet's sharing), not a tab: checked once.
    existing = [settings.title(n) for n in BOT_TABS if snapshot.tabs.get(settings.title(n)) is not None]
    checks.append(backend.check_write(existing[0] if existing else settings.title(BOT_TABS[0])))
    # What `init` does about protection here; a line to read, never a failure (no request either).
    checks.append(Check("protection", True, protection_line(settings)))
    return checks


def protection_line(settings: Settings) -> str:
    if settings.workbook is not None:
        return ("none in a workbook: Excel cannot ask people to confirm before they edit some columns, and "
                "locking a sheet would lock people's own columns too (README: 'Working in the bot's tabs')")
    if settings.protection == "off":
        return "[protection] mode = \"off\": `init` protects nothing and removes the bot's earlier protections"
    return (f"`init` protects the bot's columns ([protection] mode = \"{settings.protection}\"); Lead Status, "
            "Lead Notes, Status and people's own columns stay editable")
