"""`redact --email ADDRESS | --ticket ID [--apply]`: a data-subject request.

Lists every cell in every tab that holds the customer's data: the rep tabs' cells (for a person to
clear: the bot never writes a rep tab, even here), the bot's own copies (Drafts To and Body, the drafts'
records in the hidden Bot Memory tab) and Log Issues rows about the customer's tickets (rewritten from
the rep tabs each cycle, so they go once the rep tabs are cleared). With `--apply` the bot clears its own
copies in one write, and deletes the copy of the rep tabs' rows a cycle keeps in the cache folder for
the next (bot.cycle.warm). Until a person clears the rep tabs, an unsent draft is drafted again from them.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from bot.read import cells
from bot.backends.base import Plan, Snapshot
from bot.config import Settings
from bot.cycle.compute import validated
from bot.tabs.bot_memory import KEY, record_text
from bot.cycle.plan import TabTarget, plan_tabs
from bot.read.table import ROW_COLUMN, read_bot_table
from bot.tabs.log_issues import TICKET_KEY
from bot.read.keys import ticket_key
from sheet_schema import load

REP_CELLS = {"defective_log": ("customer_name", "customer_email", "order_number", "complaint_details",
                               "customer_feedback"),
             "comp_sheet": ("customer_name", "customer_email", "order_number")}
CLEARED = ("to", "body")


@dataclass
class Found:
    rep_cells: list[str] = field(default_factory=list)    # "Defective Log!D7 (Customer Email)"
    bot_cells: list[str] = field(default_factory=list)    # what --apply clears
    rebuilt: list[str] = field(default_factory=list)      # Log Issues rows, rewritten each cycle
    tickets: list[str] = field(default_factory=list)
    plan: Plan = field(default_factory=Plan)


def find(snapshot: Snapshot, settings: Settings, email: str | None, ticket: str | None) -> Found:
    v = validated(snapshot, settings)
    want_email = (email or "").strip().casefold()
    want_ticket = ticket_key(ticket) if ticket else ""
    out = Found()
    keys: set[str] = set()
    for name, frame in (("defective_log", v.log), ("comp_sheet", v.comp)):
        _, cols = _columns(snapshot, settings, name)
        for i in range(len(frame)):
            mail = cells.as_text(frame["customer_email"].iat[i]).strip().casefold()
            key = frame[TICKET_KEY].iat[i]
            if not ((want_email and mail == want_email) or (want_ticket and key == want_ticket)):
                continue
            if key:
                keys.add(key)
                if frame["ticket_id"].iat[i] not in out.tickets:
                    out.tickets.append(frame["ticket_id"].iat[i])
            for k in REP_CELLS[name]:
                if k in cols.index and frame[k].iat[i] is not None:
                    out.rep_cells.append(f"{settings.title(name)}!{cols.letter(k)}{frame[ROW_COLUMN].iat[i]} "
                                         f"({cols.headers[k]})")
    targets = []
    drafts = read_bot_table(settings.title("drafts"), snapshot.tabs.get(settings.title("drafts")), load("drafts"),
                            settings.headers["drafts"])
    rows = [dict(r) for r in drafts.rows]
    for pos, r in enumerate(rows):
        mine = ticket_key(cells.as_text(r.get("ticket_id"))) in keys or \
            (want_email and cells.as_text(r.get("to")).strip().casefold() == want_email)
        for k in CLEARED if mine else ():
            if k in drafts.columns.index and not cells.is_blank(r.get(k)):
                out.bot_cells.append(f"{drafts.title}!{drafts.columns.letter(k)}{pos + 2} ({drafts.columns.headers[k]})")
                r[k] = ""
    targets.append(TabTarget(drafts, load("drafts"), rows))
    memory = read_bot_table(settings.title("bot_memory"), snapshot.tabs.get(settings.title("bot_memory")),
                            load("bot_memory"), settings.headers["bot_memory"])
    mem_rows = [dict(r) for r in memory.rows]
    for pos, r in enumerate(mem_rows):
        try:
            record = json.loads(cells.as_text(r.get("record")))
        except ValueError:
            continue
        if cells.as_text(r.get("tab")).strip() != "drafts" or not isinstance(record, dict):
            continue
        mine = ticket_key(cells.as_text(record.get("ticket_id"))) in keys or \
            (want_email and cells.as_text(record.get("to")).strip().casefold() == want_email)
        if mine and any(not cells.is_blank(record.get(k)) for k in CLEARED):
            record.update({k: "" for k in CLEARED})
            r["record"] = record_text({**record, KEY: record.get(KEY, cells.as_text(r.get("key")))})
            out.bot_cells.append(f"{memory.title}!{memory.columns.letter('record')}{pos + 2} (Record, hidden tab)")
    targets.append(TabTarget(memory, load("bot_memory"), mem_rows))
    issues = read_bot_table(settings.title("log_issues"), snapshot.tabs.get(settings.title("log_issues")),
                            load("log_issues"), settings.headers["log_issues"])
    for pos, r in enumerate(issues.rows):
        if ticket_key(cells.as_text(r.get("ticket_id"))) in keys:
            out.rebuilt.append(f"{issues.title} row {pos + 2}")
    out.plan = plan_tabs([t for t in targets if t.table.exists])
    return out


def _columns(snapshot, settings, name):
    from bot.cycle.compute import rep_columns
    return rep_columns(snapshot, settings, name)
