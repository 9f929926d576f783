"""The monthly report: what the Defective Log says about one calendar month. Pure: no I/O, no clock.

Everything is computed from the validated log frame (`Validation.log`, so cells are read exactly as a
cycle reads them) and the recurrence episodes. A case belongs to the month of its Date Logged; a row
whose Date Logged is blank or not a date cannot be placed in any month and is left out (and counted).
"Resolved" is Status Closed. The contract has no closed date, so the days from Date Logged to closed
are known only when the team adds a "Date Closed" (or "Closed On") column to the Defective Log; the
report then takes the median over the month's Closed cases that have one.

`report_rows` turns the report into rows of the Monthly Report tab, and `merge_month` puts them into
the tab as it is: one block of rows per month, oldest first, so a report for another month leaves
the other blocks as they are and a second report over unchanged data changes nothing.
"""
from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from bot.read import cells
from bot.tabs.escalations import Episode, RecurrenceSettings
from bot.read.table import ROW_COLUMN, ColumnMap
from bot.tabs.log_issues import Issue
from sheet_schema import load

MONTH_PATTERN = re.compile(r"\s*(\d{4})-(\d{1,2})\s*$")
WINDOW_MONTHS = 6
# The optional Date Closed column (sheet_schema/defective_log.toml: its header and the other names teams use).
CLOSED_COLUMN = load("defective_log").column("date_closed")
LEFT_OUT_SHOWN = 5      # rows named in the median's note; the rest are counted
NOT_A_DATE = "not a date"
BEFORE_LOGGED = "before its Date Logged"
NO_DEFECT = "(no valid Defect Type)"
NO_PRODUCT = "(no Product)"


# ----------------------------------------------------------------------------------------------
# months


def parse_month(text: str) -> date | None:
    """'2026-10' -> date(2026, 10, 1); anything else (including '2026-13') -> None."""
    m = MONTH_PATTERN.match(text or "")
    if not m:
        return None
    year, month = int(m.group(1)), int(m.group(2))
    if not (1 <= month <= 12 and year >= 1):
        return None
    return date(year, month, 1)


def previous_month(now: datetime | date) -> date:
    first = date(now.year, now.month, 1)
    return add_months(first, -1)


def add_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_end(first: date) -> date:
    return add_months(first, 1) - timedelta(days=1)


def month_label(first: date) -> str:
    return f"{first.year:04d}-{first.month:02d}"


# ----------------------------------------------------------------------------------------------
# the model


@dataclass(frozen=True)
class Count:
    label: str
    cases: int
    closed: int
    open: int


@dataclass(frozen=True)
class RecurringEpisode:
    product: str                 # the spelling of the episode's first case
    defect_type: str
    cases: int                   # every case of the episode
    in_month: int                # of which logged in the report month
    first_logged: date
    last_logged: date


@dataclass(frozen=True)
class Week:
    start: date                  # a Monday (the first week may start before the window)
    end: date                    # a Sunday (the last week may end after the window)
    counts: tuple[int, ...]      # cases per defect type, in MonthlyReport.defect_types order

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class MonthlyReport:
    month: date                  # its first day
    last_day: date
    as_of: datetime              # Status is as it stood when the report was made
    received: int
    closed: int
    open: int
    no_status: int               # received cases whose Status is blank or not Open/Closed
    left_out: int                # rows of the whole log whose Date Logged is blank or not a date
    by_product: tuple[Count, ...]
    by_defect: tuple[Count, ...]
    episodes: tuple[RecurringEpisode, ...]
    has_closed_column: bool
    median_days: float | None    # Date Logged -> Date Closed over `median_over` Closed cases
    median_over: int
    # Closed cases of the month whose Date Closed was filled in but could not count: (sheet row, why)
    median_left_out: tuple[tuple[int, str], ...]
    window_start: date           # the weekly window: the 6 months ending with the report month
    window_end: date
    defect_types: tuple[str, ...]
    weeks: tuple[Week, ...]
    # Added by bot.report.run, which reads the bot's tabs: lots with 2+ complaints (bot.tabs.lots.month_lots),
    # follow-ups, feedback and corrective actions (bot.report.after.AfterReply).
    lots: tuple[dict, ...] = ()
    after: object | None = None

    @property
    def label(self) -> str:
        return month_label(self.month)

    @property
    def title(self) -> str:
        return f"{self.month:%B} {self.month.year}"

    @property
    def median_note(self) -> str:
        if self.median_days is not None:
            return f"over {self.median_over} closed case(s) with a Date Closed" + self._left_out_note
        if not self.has_closed_column:
            return ("not known: the Defective Log has no Date Closed column (add one to see how long "
                    "cases take to close)")
        return ("not known: no Closed case received this month has a Date Closed on or after its Date Logged"
                + self._left_out_note)

    @property
    def _left_out_note(self) -> str:
        """Which filled-in Date Closed cells did not count, so a lead can fix them."""
        if not self.median_left_out:
            return ""
        shown = ", ".join(f"row {row} ({why})" for row, why in self.median_left_out[:LEFT_OUT_SHOWN])
        more = len(self.median_left_out) - LEFT_OUT_SHOWN
        return f"; left out: {shown}" + (f" and {more} more" if more > 0 else "")


def closed_dates(log: pd.DataFrame, columns: ColumnMap, issues: list[Issue]) -> pd.Series | None:
    """The optional Date Closed column aligned with `log`: a date, None where blank, or NOT_A_DATE where
    filled with something else. Taken from the cycle's own validation, which parsed the column (when the
    Defective Log has one: `columns`, found by map_columns) and named each cell that is not a date in Log
    Issues; None when there is no such column."""
    at = columns.index.get(CLOSED_COLUMN.key)
    if at is None:
        return None
    not_dates = {i.row for i in issues if i.tab == columns.tab and i.column_index == at}
    return pd.Series([NOT_A_DATE if row in not_dates else day
                      for day, row in zip(log[CLOSED_COLUMN.key], log[ROW_COLUMN])], index=log.index, dtype=object)


def defect_choices() -> tuple[str, ...]:
    return load("defective_log").column("defect_type").choices


def build_report(log: pd.DataFrame, found: list[Episode], month: date, now: datetime,
                 recurrence: RecurrenceSettings, closed_on: pd.Series | None = None) -> MonthlyReport:
    """The report for the calendar month starting `month`, from the validated log and its episodes."""
    first, last = month, month_end(month)
    dated = log[log["date_logged"].notna()]
    left_out = len(log) - len(dated)
    order = np.lexsort((dated[ROW_COLUMN].to_numpy(), dated["date_logged"].map(date.toordinal).to_numpy())) \
        if len(dated) else np.array([], dtype=np.int64)
    dated = dated.iloc[order]                                   # by Date Logged, then sheet row
    in_month = dated[(dated["date_logged"] >= first) & (dated["date_logged"] <= last)]
    status = in_month["status"]
    closed, open_ = int((status == "Closed").sum()), int((status == "Open").sum())

    by_product = _counts(in_month, [_product_key(p, recurrence) for p in in_month["product"]],
                         [p if p else NO_PRODUCT for p in in_month["product"]])
    defects = [d if d else NO_DEFECT for d in in_month["defect_type"]]
    by_defect = _counts(in_month, defects, defects)
    choices = defect_choices()
    rank = {d: i for i, d in enumerate(choices + (NO_DEFECT,))}
    by_defect = tuple(sorted(by_defect, key=lambda c: rank[c.label]))

    eps = tuple(RecurringEpisode(e.product, e.defect_type, len(e.dates),
                                 sum(1 for d in e.dates if first <= d <= last), e.dates[0], e.dates[-1])
                for e in found if e.dates[0] <= last and e.dates[-1] >= first)

    median, over, left_out_rows = None, 0, []
    if closed_on is not None:
        days = []
        for d, c, s, row in zip(in_month["date_logged"], closed_on.reindex(in_month.index), status,
                                in_month[ROW_COLUMN]):
            if s != "Closed":
                continue
            if isinstance(c, date):
                if c >= d:
                    days.append((c - d).days)
                else:
                    left_out_rows.append((int(row), BEFORE_LOGGED))
            elif c == NOT_A_DATE:
                left_out_rows.append((int(row), NOT_A_DATE))
        if days:
            median, over = float(statistics.median(days)), len(days)

    window_start = add_months(first, 1 - WINDOW_MONTHS)
    types, weeks = weekly_counts(dated, window_start, last, choices)
    return MonthlyReport(
        month=first, last_day=last, as_of=now, received=len(in_month), closed=closed, open=open_,
        no_status=len(in_month) - closed - open_, left_out=left_out, by_product=by_product,
        by_defect=by_defect, episodes=eps, has_closed_column=closed_on is not None, median_days=median,
        median_over=over, median_left_out=tuple(sorted(left_out_rows)), window_start=window_start,
        window_end=last, defect_types=types, weeks=weeks)


def _product_key(product, recurrence: RecurrenceSettings) -> str:
    key = recurrence.key(product) if product else ""
    return key or f"\x00{product or ''}"   # a name of punctuation only is its own product


def _counts(frame: pd.DataFrame, keys: list[str], labels: list[str]) -> tuple[Count, ...]:
    """One Count per key (label: the first spelling, the frame being in date order), most cases first."""
    groups: dict[str, list] = {}
    for key, label, status in zip(keys, labels, frame["status"]):
        g = groups.setdefault(key, [label, 0, 0, 0])
        g[1] += 1
        g[2] += status == "Closed"
        g[3] += status == "Open"
    out = [Count(label, n, int(c), int(o)) for label, n, c, o in groups.values()]
    return tuple(sorted(out, key=lambda c: (-c.cases, c.label.casefold())))


def weekly_counts(dated: pd.DataFrame, start: date, end: date,
                  choices: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[Week, ...]]:
    """Cases per defect type per Monday-to-Sunday week, counting only cases logged from `start` to `end`
    (so the first and last weeks may be partial). A column for cases with no valid Defect Type is
    added only when there are some."""
    inside = dated[(dated["date_logged"] >= start) & (dated["date_logged"] <= end)]
    defects = [d if d else NO_DEFECT for d in inside["defect_type"]]
    types = choices + ((NO_DEFECT,) if NO_DEFECT in defects else ())
    first_monday = start - timedelta(days=start.weekday())
    n_weeks = (end - first_monday).days // 7 + 1
    grid = [[0] * len(types) for _ in range(n_weeks)]
    column = {t: i for i, t in enumerate(types)}
    for d, defect in zip(inside["date_logged"], defects):
        grid[(d - first_monday).days // 7][column[defect]] += 1
    weeks = tuple(Week(first_monday + timedelta(weeks=i), first_monday + timedelta(weeks=i, days=6),
                       tuple(row)) for i, row in enumerate(grid))
    return types, weeks


# ----------------------------------------------------------------------------------------------
# the Monthly Report tab


SUMMARY, BY_PRODUCT, BY_DEFECT, RECURRING, WEEKLY = (
    "Summary", "By product", "By defect type", "Recurring episode", "Weekly cases")


def report_rows(r: MonthlyReport) -> list[dict]:
    """The month's block of the Monthly Report tab: literal values only, as the sheet stores them.
    Nothing in it changes unless the report does (no "generated at")."""
    m, d = r.label, cells.format_date
    status_note = f"{r.no_status} with a blank or invalid Status" if r.no_status else ""
    rows = [
        {"section": SUMMARY, "item": "Cases received", "cases": r.received, "closed": r.closed,
         "open": r.open, "from": d(r.month), "to": d(r.last_day), "note": status_note},
        {"section": SUMMARY, "item": "Left out (Date Logged blank or not a date)", "cases": r.left_out,
         "note": "rows of the whole log that no month can count"},
        {"section": SUMMARY, "item": "Median days Date Logged to Date Closed",
         "cases": r.median_over if r.has_closed_column else None,
         "days": r.median_days, "note": r.median_note},
    ]
    rows += [{"section": BY_PRODUCT, "item": c.label, "cases": c.cases, "closed": c.closed, "open": c.open}
             for c in r.by_product]
    rows += [{"section": BY_DEFECT, "defect_type": c.label, "cases": c.cases, "closed": c.closed,
              "open": c.open} for c in r.by_defect]
    rows += [{"section": RECURRING, "item": e.product, "defect_type": e.defect_type, "cases": e.cases,
              "from": d(e.first_logged), "to": d(e.last_logged), "note": f"{e.in_month} of them this month"}
             for e in r.episodes]
    # Weeks and types with no case are left out (the chart shows them); edge weeks are cut at the window.
    for w in r.weeks:
        for t, n in zip(r.defect_types, w.counts):
            if n:
                rows.append({"section": WEEKLY, "defect_type": t, "cases": n,
                             "from": d(max(w.start, r.window_start)), "to": d(min(w.end, r.window_end))})
    return [{"month": m, **{k: cells.storable(v) for k, v in row.items()}} for row in rows]


def merge_month(current: list[dict], label: str, block: list[dict]) -> list[dict]:
    """The Monthly Report tab with `label`'s block replaced by `block`: one block per month, ordered by
    month; rows left entirely blank are dropped."""
    blocks: dict[str, list[dict]] = {}
    for row in current:
        if all(cells.is_blank(v) for v in row.values()):
            continue
        blocks.setdefault(cells.as_text(row.get("month")), []).append(dict(row))
    blocks[label] = [dict(r) for r in block]
    return [row for key in sorted(blocks) for row in blocks[key]]
