"""Corrective action (CAPA) on Escalations: the Effectiveness column, and who hears of a recurrence.

Pure: the caller passes `today`. Leads keep three optional columns on a flag's row (Root Cause,
Corrective Action, Action Date); the bot reads them and never writes them. Each cycle the bot works out,
for each flag not merged into another, from the log, Flagged At and those columns:

- `Watching: N of 60 days without recurrence` once Action Date is set (N calendar days since it);
- `Effective: no recurrence in 60 days` when `verify_after_days` (60) have passed since Action Date with
  no new case of the flag's product and defect logged after it;
- `Recurred after action: N case(s) since <Action Date>` when such a case was logged within those days
  (N counts every case since). A case after an action already verified effective does not undo it: it
  starts a new episode, whose flag says
- `Recurrence of ESC-0003 after its corrective action of <date>` (a flag of the same product and defect
  whose first case came after another flag's Action Date, while it has no action of its own);
- `Root cause due` when Root Cause is still blank `root_cause_due_days` (5) business days after Flagged At
  (counted as a case's age is, with the escalation matrix's holidays);
- blank otherwise.

A flag whose episode has a case logged after an Action Date of its product and defect also names the
Level 3 owner in Notify, and the webhook is told once when a flag first shows a recurrence. A flag whose
cases share a lot shows it in Same Lot and names Products & Logistics in Notify (bot.tabs.lots).
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from bot.read import cells
from bot.tabs.open_cases import EscalationSettings, add_name, business_days
from bot.tabs.lots import PRODUCTS_AND_LOGISTICS, same_lot_text
from bot.tabs.escalations import Episode, FlagChanges, RecurrenceSettings

RECURRED = "Recurred after action"
RECURRENCE_OF = "Recurrence of"
ROOT_CAUSE_DUE = "Root cause due"


@dataclass
class CapaSettings:
    root_cause_due_days: int = 5     # business days after Flagged At
    verify_after_days: int = 60      # calendar days after Action Date


@dataclass(frozen=True)
class Action:
    flag_id: str
    product_key: str
    defect_type: str
    day: date


def parse_day(value) -> date | None:
    if cells.is_blank(value):
        return None
    return cells.parse_date(value)[0]


class Capa:
    def __init__(self, log: pd.DataFrame, recurrence: RecurrenceSettings, calendar: EscalationSettings,
                 settings: CapaSettings, today: date):
        self.recurrence, self.calendar, self.settings, self.today = recurrence, calendar, settings, today
        self.level_3 = calendar.owner(3)
        self._log = log
        self._cases: dict[tuple[str, str], list[date]] | None = None
        self.actions: list[Action] = []
        self.leads: dict[str, dict] = {}

    @property
    def cases(self) -> dict[tuple[str, str], list[date]]:
        """Every valid case's day per (product key, defect type), sorted: "cases since a date" is a bisect.
        Worked out on first use: only a flag with an Action Date asks (most cycles have none, and at
        100,000 rows it costs a twentieth of a second)."""
        if self._cases is None:
            self._cases = {}
            df = self._log[["date_logged", "product", "defect_type"]]
            df = df[df["date_logged"].notna() & df["product"].notna() & df["defect_type"].notna()]
            keys = {p: self.recurrence.key(p) for p in df["product"].unique()}
            for logged, product, defect in df.itertuples(index=False, name=None):
                self._cases.setdefault((keys[product], defect), []).append(logged)
            for days in self._cases.values():
                days.sort()
            self._log = None
        return self._cases

    def bind(self, records: list[dict], rows: list[dict], key_of) -> None:
        """Read the leads' cells (by flag key, from the rows people see) and the actions they record."""
        for r in rows:
            self.leads.setdefault(key_of(r), r)
        for rec in records:
            if not cells.is_blank(rec.get("merged_into")):
                continue
            day = parse_day(self.leads.get(key_of(rec), {}).get("action_date"))
            if day is not None:
                self.actions.append(Action(key_of(rec), self._pkey(rec), cells.as_text(rec.get("defect_type")), day))

    def _pkey(self, rec: dict) -> str:
        return self.recurrence.key(cells.as_text(rec.get("product")))

    def extra(self, ep: Episode) -> dict:
        """Same Lot, and the names Notify gains: Products & Logistics for a shared lot, the Level 3 owner
        for a case logged after a corrective action of the same product and defect."""
        names = []
        lot = same_lot_text(ep.case_lots)
        if lot:
            names.append(PRODUCTS_AND_LOGISTICS)
        if any(a.product_key == ep.product_key and a.defect_type == ep.defect_type
               and (ep.dates[-1] > a.day or self._recurred(a)) for a in self.actions):
            names.append(self.level_3)
        return {"same_lot": lot, "notify": names}

    def _recurred(self, action: "Action") -> bool:
        """A case of the action's product and defect came within the verification days after it (the
        "Recurred after action" state), whether or not it joined the flag's episode."""
        days = self.cases.get((action.product_key, action.defect_type), [])
        since = days[bisect_right(days, action.day):]
        return bool(since) and since[0] <= action.day + timedelta(days=self.settings.verify_after_days)

    def finish(self, records: list[dict], before: dict[str, str], changes: FlagChanges, key_of) -> None:
        """Set each flag's Effectiveness; a flag newly showing a recurrence joins `changes.recurred`.
        `before`: flag key -> Effectiveness as last written."""
        for rec in records:
            if not cells.is_blank(rec.get("merged_into")):
                continue
            key = key_of(rec)
            text = self.effectiveness(rec, self.leads.get(key, {}))
            rec["effectiveness"] = text
            if text.startswith(RECURRED):
                # The recurrence may be a case of its own, outside the flag's episode: Notify still
                # names the Level 3 owner, as the contract asks for any recurrence after an action.
                rec["notify"] = add_name(cells.as_text(rec.get("notify")), self.level_3)
            was = before.get(key, "")
            if text.startswith((RECURRED, RECURRENCE_OF)) and not was.startswith(text.split(":")[0]):
                changes.recurred.append(cells.as_text(rec.get("flag_id")))

    def effectiveness(self, rec: dict, lead: dict) -> str:
        pkey, defect = self._pkey(rec), cells.as_text(rec.get("defect_type"))
        verify = self.settings.verify_after_days
        action = parse_day(lead.get("action_date"))
        if action is not None:
            days = self.cases.get((pkey, defect), [])
            since = days[bisect_right(days, action):]
            if since and since[0] <= action + timedelta(days=verify):
                return f"{RECURRED}: {len(since)} case(s) since {cells.format_date(action)}"
            waited = (self.today - action).days
            if waited >= verify:
                return f"Effective: no recurrence in {verify} days"
            return f"Watching: {max(0, waited)} of {verify} days without recurrence"
        first = parse_day(rec.get("first_logged"))
        earlier = [a for a in self.actions if a.product_key == pkey and a.defect_type == defect
                   and a.flag_id != cells.as_text(rec.get("flag_id")) and first is not None and first > a.day]
        if earlier:
            last = max(earlier, key=lambda a: (a.day, a.flag_id))
            return f"{RECURRENCE_OF} {last.flag_id} after its corrective action of {cells.format_date(last.day)}"
        flagged = parse_day(rec.get("flagged_at"))
        if cells.is_blank(lead.get("root_cause")) and flagged is not None and \
                business_days(flagged, self.today, self.calendar) >= self.settings.root_cause_due_days:
            return ROOT_CAUSE_DUE
        return ""
