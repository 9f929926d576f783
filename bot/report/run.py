"""`report --month YYYY-MM`: read the rep tabs and the Monthly Report tab, build the month's report, write
its block through the same Plan / backend machinery as a cycle, and render the HTML page.

The shell around the pure `bot.report.numbers`: this module reads and writes the sheet (through a backend) but
no file; the command writes the HTML file.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Callable

from bot.backends.base import ApplyResult, Backend, Plan
from bot.config import Settings
from bot.cycle.compute import rep_columns, validated
from bot.errors import ConcurrentEditError
from bot.cycle.plan import TabTarget, plan_tabs
from bot.tabs.escalations import episodes
from bot.read import cells
from bot.tabs.layout import draft_key, flag_key
from bot.tabs.lots import month_lots
from bot.tabs.bot_memory import from_rows, read_memory
from bot.report.numbers import MonthlyReport, build_report, closed_dates, merge_month, month_end, report_rows
from bot.report.after import after_reply, after_rows
from bot.read.table import read_bot_table
from sheet_schema import REPORT_TABS, load

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
TAB = REPORT_TABS[0]   # "monthly_report"
BOT_TABS_READ = ("drafts", "escalations", "bot_memory")


@dataclass
class ReportRun:
    report: MonthlyReport
    plan: Plan
    applied: ApplyResult | None
    source: str


def make_report(snapshot, settings: Settings, month: date, now: datetime) -> tuple[MonthlyReport, Plan]:
    """Pure given the snapshot: the month's report and the plan that puts it into the Monthly Report tab."""
    v = validated(snapshot, settings)
    closed_on = closed_dates(v.log, rep_columns(snapshot, settings, "defective_log")[1], v.issues)
    report = build_report(v.log, episodes(v.log, settings.recurrence), month, now, settings.recurrence,
                          closed_on)
    title = settings.title(TAB)
    table = read_bot_table(title, snapshot.tabs.get(title), load(TAB), settings.headers[TAB])
    last = month_end(month)
    report = replace(report, lots=tuple(month_lots(v.log, month, last)),
                     after=_after(snapshot, settings, v.log, month, last, now))
    # The lots with 2+ complaints in the month, whatever the product or defect (bot.tabs.lots).
    lots = [{"section": "Lot", "item": e["lot"], "defect_type": ", ".join(e["defects"]),
             "cases": e["cases"], "note": ", ".join(e["products"])} for e in report.lots]
    extra = [{"month": report.label, **{k: cells.storable(x) for k, x in r.items()}}
             for r in lots + after_rows(report.after)]
    rows = merge_month(table.rows, report.label, report_rows(report) + extra)
    plan = plan_tabs([TabTarget(table, load(TAB), rows, clear_rest=True)])
    return report, plan


def _after(snapshot, settings: Settings, log, first: date, last: date, now: datetime):
    """Follow-ups, feedback and corrective actions, from the bot's memory of its drafts and flags (the
    visible rows when there is no memory yet) and the leads' cells on the Escalations rows."""
    tables = {n: read_bot_table(settings.title(n), snapshot.tabs.get(settings.title(n)), load(n),
                                settings.headers[n]) for n in BOT_TABS_READ}
    memory = read_memory(tables["bot_memory"].rows)
    drafts = memory.get("drafts") or from_rows(tables["drafts"].rows, load("drafts"), draft_key)
    flags = memory.get("escalations") or from_rows(tables["escalations"].rows, load("escalations"), flag_key)
    leads: dict[str, dict] = {}
    for row in tables["escalations"].rows:
        leads.setdefault(flag_key(row), row)
    return after_reply(log, drafts, flags, leads, flag_key, first, last, now.date(), settings.recurrence,
                       settings.capa)


def run_report(backend: Backend, settings: Settings, month: date, clock: Callable[[], datetime], *,
               dry_run: bool = False) -> ReportRun:
    titles = [settings.title(n) for n in ("defective_log", "comp_sheet", TAB) + BOT_TABS_READ]
    for attempt in range(1, MAX_ATTEMPTS + 1):
        snapshot = backend.read(titles)
        report, plan = make_report(snapshot, settings, month, clock())
        log.info("monthly report %s: %d cases received; plan: %d cells", report.label, report.received,
                 plan.cell_count)
        if dry_run or plan.is_empty:
            return ReportRun(report, plan, None, snapshot.source)
        try:
            applied = backend.apply(plan, snapshot)
        except ConcurrentEditError:
            if attempt == MAX_ATTEMPTS:
                raise
            log.warning("the sheet changed while the report ran; starting over (attempt %d)", attempt + 1)
            continue
        return ReportRun(report, plan, applied, snapshot.source)
    raise AssertionError("unreachable")
