"""The escalation matrix: how long each Open case has waited, in business days, and who owns it now.

Pure: the caller passes `today` (the injected clock's date). Vectorised over the log with
numpy.busday_count, so a 100,000-row log costs one array operation, not a Python loop.

The rules, exactly:
- Age = the business days from Date Logged up to today, counting the logging day (when it is a
  business day) and not today: logged Monday, today Monday → 0; logged Monday, today Wednesday → 2;
  logged Friday, today Monday → 1. Business days are Monday to Friday, less the public holidays of
  `country` (and `subdivision`) in the `holidays` package.
- A case logged on a weekend or a holiday counts from the next business day: logged Saturday,
  today Monday → 0; logged Saturday, today Tuesday → 1.
- A Date Logged in the future (a typo, most likely) has age 0: it is never negative.
- Level 1 while age ≤ level_2_after_days (2), Level 2 while age ≤ level_3_after_days (4), Level 3
  beyond: age 0-2 → Level 1, 3-4 → Level 2, 5 or more → Level 3. A case whose Defect Type is in
  `serious` (Foreign Object by default) is Level 3 at once, whatever its age.
- Which cases count: every Defective Log row whose Status is Open, even when other cells have problems
  (a case does not stop waiting because a rep mistyped its email). One whose Date Logged is blank or
  cannot be read ("Nov 3", no year) has an unknown age: it is listed all the same, at Level 3 when
  serious and Level 2 otherwise, ahead of the known ages of its level, with Why pointing at its Log
  Issue. No open case is ever invisible. A case whose Defect Type is not one of the list still counts, by age only (it cannot be
  known to be serious) and shows a blank Defect Type; Log Issues already reports the defect.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from bot.read import cells
from bot.read.table import ROW_COLUMN

DEFAULT_OWNERS = ("CS Representative", "Complaint Handling Manager", "Senior Management")
HOLIDAY_YEARS = 30   # holidays are skipped for the 30 years up to today; older cases are Level 3 anyway


@dataclass
class EscalationSettings:
    country: str = "US"
    subdivision: str | None = None
    serious: tuple[str, ...] = ("Foreign Object",)
    level_2_after_days: int = 2       # Level 2 when the age is more than this
    level_3_after_days: int = 4       # Level 3 when the age is more than this
    owners: tuple[str, str, str] = DEFAULT_OWNERS
    # (level_1_owner, level_2_owner, level_3_owner)

    def owner(self, level: int) -> str:
        return self.owners[level - 1]


# Each holiday calendar worked out (or kept from an earlier run), by (country, subdivision, first year,
# last year). The cycle keeps them in its cache folder between runs (bot.cycle.holiday_cache): importing
# the `holidays` package and working out 30 years of a country's holidays costs about a tenth of a
# second in every process that ages cases, and `run --once` is a new process each time.
KNOWN_HOLIDAYS: dict[tuple[str, str | None, int, int], np.ndarray] = {}


def holiday_days(country: str, subdivision: str | None, first_year: int, last_year: int) -> np.ndarray:
    """The public holidays of a country (and subdivision) in those years, as datetime64[D]."""
    key = (country, subdivision, first_year, last_year)
    known = KNOWN_HOLIDAYS.get(key)
    if known is None:
        import holidays  # imported here: only a cycle that ages cases needs it
        found = holidays.country_holidays(country, subdiv=subdivision, years=range(first_year, last_year + 1))
        known = KNOWN_HOLIDAYS[key] = np.array(sorted(found), dtype="datetime64[D]")
    return known


def holiday_window(settings: EscalationSettings, today: date) -> tuple[str, str | None, int, int]:
    """The one calendar every age is counted with: the HOLIDAY_YEARS up to today. A holiday before a
    case's logging day changes nothing in its count, so one calendar serves every case."""
    return settings.country, settings.subdivision, today.year - HOLIDAY_YEARS, today.year


def _holidays_for(settings: EscalationSettings, today: date) -> np.ndarray:
    return holiday_days(*holiday_window(settings, today))


def business_age(logged: np.ndarray, today: date, holidays: np.ndarray) -> np.ndarray:
    """Business days from each datetime64[D] in `logged` to `today` (logging day counted, today not,
    a weekend or holiday logging day rolled forward, never below 0)."""
    end = np.datetime64(today, "D")
    calendar = np.busdaycalendar(weekmask="1111100", holidays=holidays)
    start = np.minimum(logged, end)          # a future date has age 0
    return np.busday_count(start, end, busdaycal=calendar).astype(np.int64)


def business_days(start: date, today: date, settings: EscalationSettings) -> int:
    """Business days from `start` up to `today`, counted as a case's age is (start counted when it is a
    business day, today not, never below 0): what follow-ups and corrective actions wait for."""
    holidays = _holidays_for(settings, today)
    day = np.array([np.datetime64(start, "D")])
    return int(business_age(day, today, holidays)[0])


def levels(age: np.ndarray, serious: np.ndarray, settings: EscalationSettings) -> np.ndarray:
    level = np.where(age > settings.level_3_after_days, 3, np.where(age > settings.level_2_after_days, 2, 1))
    return np.where(serious, 3, level).astype(np.int64)


def open_case_ages(log: pd.DataFrame, settings: EscalationSettings, today: date) -> pd.DataFrame:
    """Every Open case with a valid Date Logged: its row, ticket, product, defect, agent, date, day
    number (`day`, for sorting), age, level and whether its defect is serious. Vectorised over the log."""
    cols = [ROW_COLUMN, "ticket_id", "product", "defect_type", "agent", "date_logged"]
    mask = (log["status"] == "Open").to_numpy(dtype=bool) & log["date_logged"].notna().to_numpy(dtype=bool)
    df = log.loc[mask, cols].copy()
    if df.empty:
        return df.assign(day=pd.Series(dtype="int64"), age=pd.Series(dtype="int64"),
                         level=pd.Series(dtype="int64"), serious=pd.Series(dtype=bool))
    # Day numbers (as in recurrence): a date of year 1 or 9999 is out of a pandas Timestamp's range.
    ordinals = cells.day_numbers(df["date_logged"].to_numpy())
    logged = (ordinals - date(1970, 1, 1).toordinal()).astype("datetime64[D]")
    df["day"] = ordinals
    df["age"] = business_age(logged, today, _holidays_for(settings, today))
    df["serious"] = df["defect_type"].isin(settings.serious).to_numpy(dtype=bool)
    df["level"] = levels(df["age"].to_numpy(), df["serious"].to_numpy(), settings)
    return df


def reason(level: int, serious: bool, settings: EscalationSettings) -> str:
    if serious:
        return "serious defect"
    after = settings.level_3_after_days if level == 3 else settings.level_2_after_days
    return f"open more than {after} business days"


AGE_UNKNOWN = "unknown"


def undated_open_cases(log: pd.DataFrame, settings: EscalationSettings) -> pd.DataFrame:
    """Every Open case whose Date Logged is blank or not a date: age unknown, Level 3 when serious and
    Level 2 otherwise (it cannot be shown to be new)."""
    cols = [ROW_COLUMN, "ticket_id", "product", "defect_type", "agent", "date_logged"]
    mask = (log["status"] == "Open").to_numpy(dtype=bool) & log["date_logged"].isna().to_numpy(dtype=bool)
    df = log.loc[mask, cols].copy()
    df["serious"] = df["defect_type"].isin(settings.serious).to_numpy(dtype=bool)
    df["level"] = np.where(df["serious"].to_numpy(dtype=bool), 3, 2).astype(np.int64)
    return df


def open_cases_rows(log: pd.DataFrame, settings: EscalationSettings, today: date) -> list[dict]:
    """The Open Cases tab: the open cases past Level 1, most urgent first (highest level; within a level
    the unknown ages first, then oldest by age, then earliest Date Logged, then sheet row)."""
    df = open_case_ages(log, settings, today)
    df = df[df["level"] > 1]
    undated = undated_open_cases(log, settings)
    if df.empty and undated.empty:
        return []
    # An unknown age sorts as the oldest of its level: nobody can show the case is new.
    df = pd.concat([df.assign(age_sort=df["age"].astype("float64")),
                    undated.assign(age=None, day=0, age_sort=np.inf)], ignore_index=True)
    df = df.sort_values(["level", "age_sort", "day", ROW_COLUMN], ascending=[False, False, True, True],
                        kind="mergesort")
    # Column by column, as plain lists (iterating a pandas column boxes every cell): at 100,000 rows
    # thousands of cases are open.
    col = {k: df[k].tolist() for k in ("ticket_id", "product", "defect_type", "agent", "date_logged", "age",
                                       "level", "serious", ROW_COLUMN)}
    levels, serious, ages = col["level"], col["serious"], col["age"]
    # Each distinct value made once and shared by its rows (the tab is kept until the cycle ends, and
    # thousands of cases share a date, an age and a level).
    reasons = {(lv, se): reason(lv, se, settings) for lv, se in set(zip(levels, serious))}
    owners = {lv: settings.owner(lv) for lv in set(levels)}
    names = {lv: f"Level {lv}" for lv in set(levels)}
    dates = {d: cells.format_date(d) for d in set(col["date_logged"]) if d is not None}
    whole = {a: int(a) for a in set(ages) if a is not None}
    columns = {
        "ticket_id": [v or "" for v in col["ticket_id"]],
        "product": [v or "" for v in col["product"]],
        "defect_type": [v or "" for v in col["defect_type"]],
        "date_logged": [dates[v] if v is not None else "" for v in col["date_logged"]],
        "age": [AGE_UNKNOWN if a is None else whole[a] for a in ages],
        "level": [names[lv] for lv in levels],
        "owner": [owners[lv] for lv in levels],
        "reason": [reasons[key] if a is not None else unknown_age_reason(se, row)
                   for key, se, a, row in zip(zip(levels, serious), serious, ages, col[ROW_COLUMN])],
        "agent": [v or "" for v in col["agent"]],
        "row": col[ROW_COLUMN],
    }
    keys = list(columns)
    return [dict(zip(keys, values)) for values in zip(*(cells.storables(columns[k]) for k in keys))]


def unknown_age_reason(serious: bool, row: int) -> str:
    why = f"age unknown: Date Logged is blank or not a date (see Log Issues, Defective Log row {row})"
    return f"serious defect; {why}" if serious else why


@dataclass(frozen=True)
class NotifyEscalation:
    """When an Escalations flag's Notify also names the Level 3 owner: the flag's defect type is serious,
    or the episode keeps growing, i.e. holds more cases than it took to raise the flag (min_cases)."""

    serious: frozenset[str] = field(default_factory=frozenset)
    level_3_owner: str = DEFAULT_OWNERS[2]
    min_cases: int = 2

    def notify(self, base: str, defect_type: str, cases: int) -> str:
        if defect_type not in self.serious and cases <= self.min_cases:
            return base
        return add_name(base, self.level_3_owner)


def add_name(notify: str, name: str) -> str:
    """Notify (a comma-separated list of who to tell) with `name` added at the end, unless it already
    names them, case ignored. A name may hold a comma itself ("Smith, Dana"): it is found as the same
    run of list items, so it is never added twice."""
    names = _names(notify)
    wanted = [n.casefold() for n in _names(name)]
    folded = [n.casefold() for n in names]
    if any(folded[i:i + len(wanted)] == wanted for i in range(len(folded) - len(wanted) + 1)):
        return notify
    return ", ".join(names + [name.strip()])


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.split(",") if n.strip()]
