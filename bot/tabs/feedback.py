"""Customer Feedback in Open Cases: a customer Not Satisfied after the follow-up is an open problem again.

Pure: the caller passes `today`. Whatever the case's Status, a row whose Customer Feedback reads
`Not Satisfied` (any case, spaces ignored) is listed in Open Cases at Level 2 (the Complaint Handling
Manager) with Why "customer not satisfied after follow-up", ahead of the cases Level 2 holds by age
alone. A case already listed at Level 2 or 3 by the escalation matrix keeps its level; its Why gains the
reason.
"""
from __future__ import annotations

from datetime import date

import numpy as np

from bot.read import cells
from bot.tabs.open_cases import AGE_UNKNOWN, EscalationSettings, business_age, _holidays_for
from bot.read.table import ROW_COLUMN

NOT_SATISFIED = cells.choice_key("Not Satisfied")
WHY = "customer not satisfied after follow-up"


def not_satisfied(feedback) -> bool:
    return isinstance(feedback, str) and cells.choice_key(feedback) == NOT_SATISFIED


def with_feedback(rows: list[dict], log, settings: EscalationSettings, today: date) -> list[dict]:
    """Open Cases rows (as escalation.open_cases_rows makes them) with the Not Satisfied cases added."""
    feedback = log["customer_feedback"].tolist()
    at = [i for i, f in enumerate(feedback) if not_satisfied(f)]
    if not at:
        return rows
    listed = {r["row"]: r for r in rows}
    added = []
    for i in at:
        sheet_row = int(log[ROW_COLUMN].iat[i])
        row = listed.get(sheet_row)
        if row is not None:
            row["reason"] = f"{row['reason']}; {WHY}"
            continue
        logged = log["date_logged"].iat[i]
        age = AGE_UNKNOWN
        if logged is not None:
            holidays = _holidays_for(settings, today)
            age = int(business_age(np.array([np.datetime64(logged, "D")]), today, holidays)[0])
        added.append({k: cells.storable(v) for k, v in {
            "ticket_id": log["ticket_id"].iat[i] or "", "product": log["product"].iat[i] or "",
            "defect_type": log["defect_type"].iat[i] or "",
            "date_logged": cells.format_date(logged) if logged is not None else "",
            "age": age, "level": "Level 2", "owner": settings.owner(2), "reason": WHY,
            "agent": log["agent"].iat[i] or "", "row": sheet_row}.items()})
    level_3 = [r for r in rows if r["level"] == "Level 3"]
    return level_3 + added + [r for r in rows if r["level"] != "Level 3"]
