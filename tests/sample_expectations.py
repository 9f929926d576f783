"""What the bot should find in the demo sample (`bot.demo.sample_data.build_sample(today)`): an oracle written
for the tests, apart from the builder (issue 17: the shipped package builds the sample and nothing more; a
second copy of the rules in it would be a second product).

`expected(today)` is computed from the builder's case table with a small reading of PRODUCT.md of its own
(its own product identity and 14-day window, not the bot's). `EXPECTED` is `expected(REFERENCE_TODAY)`;
only dates and lot numbers depend on `today`. Row numbers are sheet rows (header = row 1). Keys:
  ready_drafts   {ticket_id: "Refund Processed" | "Replacement Shipped"}
  flags          [{product_key, product (first case's spelling), defect, tickets, lots (date order),
                   first_logged, last_logged}], ordered by first_logged
  not_flagged    [{product_key, defect, gap_days, tickets}]: the 15-day pair and the 30-day-earlier case
  mistakes       [(tab, row, column_letter, description)]; split into errors and warnings
  unprocessed    Open tickets with no error whose comp work is not done (or has no Comp Sheet row)
  closed         Closed tickets; duplicate_ticket; row_counts {tab: data rows}; today
A row with a warning (Best By Date not a date) still gets a draft; a row with an error never does.
The orphan Comp Sheet row is a warning too: it blocks no draft.
"""
from __future__ import annotations

import datetime as _dt

# The contract's product identity, written independently of bot/read/keys.py (one copy for every test oracle).
from caers import product_key  # noqa: F401  (re-exported to the sample tests)

from bot.demo.sample_data import (COMP_SHEET, DEFECT_TYPES, DEFECTIVE_LOG, PRODUCTS, REFERENCE_TODAY, _Case,
                             _build, all_cases)

RECURRENCE_DAYS = 14




# Same product and defect, deliberately NOT one episode: the 15-day pair; the trail-mix case 30 days
# before the flagged trail-mix episode.
_DESIGNED_NEAR_MISSES = [("c06", "c16"), ("c08", "c31")]

# mistake -> (tab, column letter, severity, short description)
_MISTAKES = {
    "impossible_date": (DEFECTIVE_LOG, "A", "error", "Date Logged is an impossible date (Feb 30)"),
    "bad_email": (DEFECTIVE_LOG, "D", "error", "Customer Email has no dot in the domain"),
    "blank_email": (DEFECTIVE_LOG, "D", "error", "Customer Email is blank"),
    "units_text": (DEFECTIVE_LOG, "L", "error", "Units Affected typed as a word ('two')"),
    "refund_no_amount": (DEFECTIVE_LOG, "N", "error", "Refund resolution with no Refund Amount"),
    "comp_amount_mismatch": (DEFECTIVE_LOG, "N", "error", "Comp Sheet refund amount disagrees with the log"),
    "bad_defect": (DEFECTIVE_LOG, "I", "error", "Defect Type 'Stale' is not in the list"),
    "dup_ticket": (DEFECTIVE_LOG, "B", "error", "Ticket ID repeats an earlier row"),
    "best_by_text": (DEFECTIVE_LOG, "H", "warning", "Best By Date is not a date"),
    # A warning: it blocks no draft (PRODUCT.md: "an error is anything that blocks a draft").
    "orphan_comp": (COMP_SHEET, "B", "warning", "Comp Sheet Ticket ID is not in the Defective Log"),
}


def _canonical_defect(typed: str) -> str | None:
    folded = typed.strip().lower()
    return next((d for d in DEFECT_TYPES if d.lower() == folded), None)


def expected(today: _dt.date) -> dict:
    """What the bot should find in `build_sample(today)`; see the module docstring."""
    b = _build(today)
    cases = all_cases()
    by_key = {c.key: c for c in cases}
    mistakes, errors, warnings = [], [], []
    error_cases = set()
    for c in cases:
        if c.mistake:
            tab, col, severity, text = _MISTAKES[c.mistake]
            item = (tab, b.log_row[c.key], col, text)
            mistakes.append(item)
            (errors if severity == "error" else warnings).append(item)
            if severity == "error":
                error_cases.add(c.key)
        if c.extra.get("orphan_comp"):
            tab, col, severity, text = _MISTAKES["orphan_comp"]
            item = (tab, b.orphan_row, col, text)
            mistakes.append(item)
            (errors if severity == "error" else warnings).append(item)

    order = {DEFECTIVE_LOG: 0, COMP_SHEET: 1}
    for items in (mistakes, errors, warnings):
        items.sort(key=lambda m: (order[m[0]], m[1]))

    ready = {}
    for c in cases:
        if c.key in error_cases or c.status.strip().lower() != "open" or c.comp != "done":
            continue
        if c.resolution.strip().lower() == "refund":
            ready[b.ticket[c.key]] = "Refund Processed"
        else:
            ready[b.ticket[c.key]] = "Replacement Shipped"

    # Recurrence, from the true dates: rows whose date, product and defect type are valid count.
    groups: dict[tuple[str, str], list[_Case]] = {}
    for c in cases:
        defect = _canonical_defect(c.defect)
        if defect is None or c.mistake == "impossible_date":
            continue
        groups.setdefault((product_key(c.product or PRODUCTS[c.code][0]), defect), []).append(c)
    flags, near_misses = [], []
    for (pkey, defect), group in groups.items():
        group.sort(key=lambda c: (b.date[c.key], b.log_row[c.key]))
        episode = [group[0]]
        episodes = []
        for prev, cur in zip(group, group[1:]):
            gap = (b.date[cur.key] - b.date[prev.key]).days
            if gap <= RECURRENCE_DAYS:
                episode.append(cur)
            else:
                episodes.append(episode)
                episode = [cur]
                near_misses.append({"product_key": pkey, "defect": defect, "gap_days": gap,
                                    "tickets": [b.ticket[prev.key], b.ticket[cur.key]]})
        episodes.append(episode)
        for ep in episodes:
            if len(ep) >= 2:
                flags.append({
                    "product_key": pkey,
                    "product": ep[0].product or PRODUCTS[ep[0].code][0],
                    "defect": defect,
                    "tickets": [b.ticket[c.key] for c in ep],
                    "lots": [b.lot[c.key] for c in ep if b.lot[c.key]],
                    "first_logged": b.date[ep[0].key],
                    "last_logged": b.date[ep[-1].key],
                })
    flags.sort(key=lambda f: (f["first_logged"], f["product_key"]))
    near_misses = [m for m in near_misses
                   if m["tickets"] in ([b.ticket[x] for x in pair] for pair in _DESIGNED_NEAR_MISSES)]
    near_misses.sort(key=lambda m: m["gap_days"])

    def tickets_where(pred) -> list[str]:
        return [b.ticket[c.key] for c in cases if pred(c)]

    return {
        "today": today,
        "row_counts": {tab: len(rows) - 1 for tab, rows in b.rows.items()},
        "ready_drafts": ready,
        "flags": flags,
        # Same product and defect, NOT flagged: the 15-day pair and the trail-mix case 30 days earlier.
        "not_flagged": near_misses,
        "mistakes": mistakes,
        "errors": errors,
        "warnings": warnings,
        "unprocessed": tickets_where(lambda c: c.key not in error_cases and c.status.strip().lower() == "open"
                                     and c.comp != "done"),
        "closed": tickets_where(lambda c: c.status.strip().lower() == "closed"),
        "duplicate_ticket": b.ticket[by_key["c36"].extra["dup_of"]],
        "warning_row_is_ready_draft": b.ticket["c37"] in ready,
    }


EXPECTED = expected(REFERENCE_TODAY)
