"""The monthly report's sections about what happens after the reply and after a flag: follow-ups and
customer feedback, corrective actions. Pure: no I/O; `today` is passed in (an action is verified effective
on a day, and a report made mid-month counts only the days that have passed).

What each count means (so a lead reading the tab and the page reads the same thing):
- Follow-ups drafted: follow-up drafts whose Drafted At falls in the month; sent: those whose Sent On does.
  Counted from the bot's memory of what it drafted (a draft row someone deleted still counts: it was
  drafted), or from the Drafts tab when there is no memory yet.
- Feedback: Customer Feedback as it stands on the cases logged in the month (the month's cases, as every
  other count of the report), by value; free text counts as "Other" and is never shown (it is the
  customer's words).
- Flags raised: flags (not merged into another) whose Flagged At falls in the month, split by whether a
  lead has filled Root Cause.
- Actions verified effective: flags whose Action Date plus `verify_after_days` falls in the month (and not
  after today) with no case of the flag's product and defect logged after the Action Date by then.
- Recurrences after an action: flags with a case of their product and defect logged in the month, after
  their Action Date and within `verify_after_days` of it (what Effectiveness calls "Recurred after action").
Flag IDs, products and defect types are shown; never Ticket IDs or anything a customer wrote.
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from bot.read import cells
from bot.tabs.capa import CapaSettings, parse_day
from bot.tabs.follow_up import is_follow_up, sent_on
from bot.tabs.escalations import RecurrenceSettings

FEEDBACK_VALUES = ("Satisfied", "Not Satisfied", "No Response")
OTHER_FEEDBACK = "Other (free text)"
NO_FEEDBACK = "No feedback yet"


@dataclass(frozen=True)
class ActionLine:
    flag_id: str
    product: str
    defect_type: str
    action_date: date
    day: date            # verified effective on / first recurrence logged on
    cases: int = 0       # recurrences: cases of the month after the action


@dataclass(frozen=True)
class AfterReply:
    follow_ups_drafted: int
    follow_ups_sent: int
    feedback: tuple[tuple[str, int], ...]     # (value, cases) in FEEDBACK_VALUES order, then Other, then none
    flags_raised: int
    with_root_cause: int
    effective: tuple[ActionLine, ...]
    recurred: tuple[ActionLine, ...]

    @property
    def without_root_cause(self) -> int:
        return self.flags_raised - self.with_root_cause


def _in(day: date | None, first: date, last: date) -> bool:
    return day is not None and first <= day <= last


def follow_up_counts(drafts: list[dict], first: date, last: date) -> tuple[int, int]:
    ups = [d for d in drafts if is_follow_up(d.get("template"))]
    drafted = sum(_in(parse_day(d.get("drafted_at")), first, last) for d in ups)
    sent = sum(_in(sent_on(d), first, last) for d in ups)
    return drafted, sent


def feedback_counts(log: pd.DataFrame, first: date, last: date) -> tuple[tuple[str, int], ...]:
    # Read as Open Cases reads Not Satisfied (bot.tabs.feedback): any case, spaces ignored.
    keys = {cells.choice_key(v): v for v in FEEDBACK_VALUES}
    counts = {v: 0 for v in FEEDBACK_VALUES + (OTHER_FEEDBACK, NO_FEEDBACK)}
    for logged, feedback in zip(log["date_logged"], log["customer_feedback"]):
        if not _in(logged, first, last):
            continue
        if cells.is_blank(feedback):
            counts[NO_FEEDBACK] += 1
        else:
            counts[keys.get(cells.choice_key(cells.as_text(feedback)), OTHER_FEEDBACK)] += 1
    return tuple(counts.items())


def after_reply(log: pd.DataFrame, drafts: list[dict], flags: list[dict], leads: dict[str, dict], key_of,
                first: date, last: date, today: date, recurrence: RecurrenceSettings,
                capa: CapaSettings) -> AfterReply:
    """`drafts` and `flags`: the bot's records; `leads`: flag key -> the visible row (Root Cause, Action
    Date are the leads' cells, only on the sheet)."""
    drafted, sent = follow_up_counts(drafts, first, last)
    cases: dict[tuple[str, str], list[date]] = {}
    valid = log[log["date_logged"].notna() & log["product"].notna() & log["defect_type"].notna()]
    for logged, product, defect in zip(valid["date_logged"], valid["product"], valid["defect_type"]):
        cases.setdefault((recurrence.key(product), defect), []).append(logged)
    for days in cases.values():
        days.sort()

    raised = rooted = 0
    effective, recurred = [], []
    for rec in flags:
        if not cells.is_blank(rec.get("merged_into")):
            continue
        lead = leads.get(key_of(rec), {})
        if _in(parse_day(rec.get("flagged_at")), first, last):
            raised += 1
            rooted += not cells.is_blank(lead.get("root_cause"))
        action = parse_day(lead.get("action_date"))
        if action is None:
            continue
        defect = cells.as_text(rec.get("defect_type"))
        days = cases.get((recurrence.key(cells.as_text(rec.get("product"))), defect), [])
        window_end = action + timedelta(days=capa.verify_after_days)
        since = [d for d in days[bisect_right(days, action):] if d <= window_end]
        line = dict(flag_id=cells.as_text(rec.get("flag_id")), product=cells.as_text(rec.get("product")),
                    defect_type=defect, action_date=action)
        if since:
            in_month = [d for d in since if first <= d <= last]
            if in_month:
                recurred.append(ActionLine(**line, day=in_month[0], cases=len(in_month)))
        elif _in(window_end, first, min(last, today)):
            effective.append(ActionLine(**line, day=window_end))
    order = lambda a: (a.day, a.flag_id)   # noqa: E731
    return AfterReply(drafted, sent, feedback_counts(log, first, last), raised, rooted,
                      tuple(sorted(effective, key=order)), tuple(sorted(recurred, key=order)))


FOLLOW_UPS, FEEDBACK, CORRECTIVE, EFFECTIVE, RECURRED = (
    "Follow-ups", "Customer feedback", "Corrective actions", "Action verified effective",
    "Recurrence after action")


def after_rows(a: AfterReply) -> list[dict]:
    """The sections' rows of the Monthly Report tab (without the month; report.report_rows adds it)."""
    d = cells.format_date
    rows = [{"section": FOLLOW_UPS, "item": "Follow-ups drafted", "cases": a.follow_ups_drafted},
            {"section": FOLLOW_UPS, "item": "Follow-ups sent", "cases": a.follow_ups_sent,
             "note": "by Sent On"}]
    rows += [{"section": FEEDBACK, "item": value, "cases": n,
              "note": "on the cases received this month, as it stands"} for value, n in a.feedback]
    rows += [{"section": CORRECTIVE, "item": "Flags raised", "cases": a.flags_raised},
             {"section": CORRECTIVE, "item": "Flags raised with a root cause", "cases": a.with_root_cause},
             {"section": CORRECTIVE, "item": "Flags raised without a root cause", "cases": a.without_root_cause},
             {"section": CORRECTIVE, "item": "Actions verified effective", "cases": len(a.effective)},
             {"section": CORRECTIVE, "item": "Recurrences after an action", "cases": len(a.recurred)}]
    rows += [{"section": EFFECTIVE, "item": f"{e.flag_id} {e.product}", "defect_type": e.defect_type,
              "from": d(e.action_date), "to": d(e.day), "note": "no recurrence since the Action Date"}
             for e in a.effective]
    rows += [{"section": RECURRED, "item": f"{e.flag_id} {e.product}", "defect_type": e.defect_type,
              "cases": e.cases, "from": d(e.action_date), "to": d(e.day),
              "note": f"{e.cases} case(s) this month after the Action Date"} for e in a.recurred]
    return rows
