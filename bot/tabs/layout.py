"""Escalations and Drafts as they should be: the records worked out from the bot's memory, laid out on
the rows people see (see bot.tabs.bot_memory for why)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.read import cells
from bot.tabs.drafts import Draft, Renderer, desired_drafts, ready_drafts
from bot.tabs.open_cases import EscalationSettings, NotifyEscalation
from bot.tabs.follow_up import (FOLLOW_UP_SUFFIX, FollowUpSettings, follow_up_drafts, is_follow_up, mark_sent,
                           retain)
from bot.tabs.bot_memory import (KEY, Record, adopt, cell_issue, changed_cells, from_rows, hydrate, overtyped, place,
                        put_back, short_key)
from bot.tabs.escalations import Episode, FlagChanges, RecurrenceSettings, desired_escalations, flag_number, format_flag_id
from bot.read.table import BotTable
from bot.tabs.log_issues import Issue, Validation
from bot.read.keys import ticket_key
from sheet_schema import load

# A row whose key someone overtyped is still recognised by these cells (all filled, all as last written).
FLAG_SIGNATURE = ("defect_type", "first_logged", "ticket_ids")
DRAFT_SIGNATURE = ("source_hash",)
DRAFT_TEXT = ("template", "to", "subject", "body", "source_hash")


def flag_key(row: dict) -> str:
    """ESC-0001, also for a Flag ID typed as "esc-1 "."""
    if isinstance(row.get(KEY), str):
        return row[KEY]
    number = flag_number(row.get("flag_id"))
    return format_flag_id(number) if number is not None else ""


def draft_key(row: dict) -> str:
    """A ticket's reply is keyed by its Ticket ID; its follow-up by the Ticket ID and FOLLOW_UP_SUFFIX."""
    if isinstance(row.get(KEY), str):
        return row[KEY]
    key = short_key(ticket_key(cells.as_text(row.get("ticket_id"))))
    return key + FOLLOW_UP_SUFFIX if is_follow_up(row.get("template")) else key


@dataclass
class TabLayout:
    rows: list[dict]                                   # the tab as it should be (index i is sheet row i + 2)
    records: list[Record]                              # what the memory should hold for the tab
    issues: list[Issue] = field(default_factory=list)  # bot cells put back, rows brought back
    added: int = 0                                     # records new this cycle


def escalations_layout(table: BotTable, remembered: list[Record] | None, found: list[Episode],
                       settings: RecurrenceSettings, stamp: str,
                       escalate: NotifyEscalation | None = None, capa=None,
                       next_flag: int | None = None) -> tuple[TabLayout, FlagChanges]:
    """`capa` (bot.tabs.capa.Capa): Same Lot, Effectiveness and the Notify they add."""
    schema = load("escalations")
    old = hydrate(remembered, table.rows, flag_key) if remembered is not None else \
        from_rows(table.rows, schema, flag_key)
    placement = place(table.rows, old, flag_key, FLAG_SIGNATURE)
    old = adopt(table.rows, placement, old, schema, flag_key)
    if capa is not None:
        capa.bind(old, table.rows, flag_key)
    new, changes = desired_escalations(old, found, settings, stamp, escalate, capa.extra if capa else None, next_flag)
    if capa is not None:
        capa.finish(new, {flag_key(r): cells.as_text(r.get("effectiveness")) for r in old}, changes, flag_key)
    _every_bot_cell(new, schema)
    out = TabLayout([], new, added=len(new) - len(old))
    changed = changed_cells(table.rows, old, placement.record_at, schema.bot_keys)
    for pos, (row, i) in enumerate(zip(table.rows, placement.record_at)):
        if i is None:      # a person's own row, or one the bot does not know: left alone
            out.rows.append(dict(row))
            continue
        if pos in changed:
            out.issues += put_back(table, pos, changed[pos], flag_key(new[i]),
                                   "leads write in Lead Status and Lead Notes")
        out.rows.append({**row, **_bot_cells(new[i], schema.bot_keys)})
    for i in placement.unplaced:   # a deleted flag row comes back: deleting is not dismissing
        out.rows.append(_bot_cells(new[i], schema.bot_keys))
        out.issues.append(cell_issue(table, len(out.rows) + 1, "flag_id", flag_key(new[i]),
                                     "This flag's row was deleted; the bot put it back here. To dismiss a "
                                     "flag, set its Lead Status instead."))
    out.rows.extend(dict(r) for r in new[len(old):])
    return out, changes


def drafts_layout(table: BotTable, remembered: list[Record] | None, v: Validation, renderer: Renderer,
                  spellings: dict[str, str], stamp: str, today: date, follow: FollowUpSettings,
                  calendar: EscalationSettings) -> tuple[TabLayout, list[Draft]]:
    """A draft row whose Status a rep has set is theirs: the bot only puts back its Ticket ID if it was
    overtyped, and its text if the row holds another ticket's draft (a write misfiled while people
    sorted the tab), and writes its own Sent On (and, past retention, clears To and Body). A deleted
    draft is not drafted again. Sent On, follow-ups and retention apply as of `today` (bot.tabs.follow_up)."""
    schema = load("drafts")
    old = hydrate(remembered, table.rows, draft_key) if remembered is not None else \
        from_rows(table.rows, schema, draft_key)
    placement = place(table.rows, old, draft_key, DRAFT_SIGNATURE)
    old = adopt(table.rows, placement, old, schema, draft_key)
    taken_over = {draft_key(old[i]) for pos, i in enumerate(placement.record_at)
                  if i is not None and not cells.is_blank(table.rows[pos].get("status"))}
    deleted = {draft_key(old[i]) for i in placement.unplaced}
    current = {draft_key(r): r for r in old}
    ready = ready_drafts(v, renderer, skip=taken_over | deleted, current=current, spellings=spellings)
    seen = mark_sent(old, {i: table.rows[pos].get("status") for pos, i in enumerate(placement.record_at)
                           if i is not None}, today)
    ready += follow_up_drafts(seen, draft_key, v, renderer, today, follow, calendar, taken_over | deleted, spellings)
    new, cleared = retain(desired_drafts(seen, ready, stamp, key_of=draft_key), today, follow)
    _every_bot_cell(new, schema)
    text_of = dict(zip(_texts(old), map(draft_key, old)))
    changed = changed_cells(table.rows, old, placement.record_at, schema.bot_keys)
    out = TabLayout([], new, added=len(new) - len(old))
    for pos, (row, i) in enumerate(zip(table.rows, placement.record_at)):
        if i is None:
            out.rows.append(dict(row))
            continue
        if cells.is_blank(row.get("status")):
            if pos in changed:
                out.issues += put_back(table, pos, changed[pos], cells.as_text(new[i].get("ticket_id")),
                                       "reps set Status; to change a draft, edit the Defective Log or Comp Sheet")
            out.rows.append({**row, **_bot_cells(new[i], schema.bot_keys)})
            continue
        key, shown = draft_key(new[i]), cells.as_text(new[i].get("ticket_id"))
        fixed = dict(row)
        if pos in placement.rekeyed:
            out.issues += overtyped(table, pos, row, old[i], ("ticket_id",), shown, "the row's Status is kept")
            fixed["ticket_id"] = new[i].get("ticket_id")
        owner = text_of.get(_text(row))
        if owner is not None and owner != key:
            fixed.update({k: old[i].get(k) for k in DRAFT_TEXT})
            out.issues.append(cell_issue(table, pos + 2, "body", shown,
                                         "This row held another ticket's draft (written while the tab was being "
                                         "sorted); the bot put back this ticket's draft. Its Status is kept."))
        # The bot's own cells on a rep's row: the day it saw Sent, and retention's clearing.
        fixed["sent_on"] = new[i].get("sent_on")
        if i in cleared:
            fixed["to"], fixed["body"] = "", ""
        out.rows.append(fixed)
    out.rows.extend(dict(r) for r in new[len(old):])
    return out, ready


def _bot_cells(record: Record, keys: tuple[str, ...]) -> dict:
    """The row's bot cells from its record: only the schema's bot columns (a record from memory also
    carries its KEY, which is no cell)."""
    return {k: record.get(k) for k in keys}


def _every_bot_cell(records: list[Record], schema) -> None:
    """Each record names every bot column (blank when the bot has nothing for it), so a bot cell someone
    typed into (a Sent On of a draft not sent yet) is put back blank, not left beside a warning."""
    for rec in records:
        for k in schema.bot_keys:
            rec.setdefault(k, None)


def _text(row: dict) -> tuple:
    return tuple(cells.comparable(cells.storable(row.get(k))) for k in DRAFT_TEXT)


def _texts(rows: list[dict]) -> list[tuple]:
    """`_text` of every row, column by column."""
    return list(zip(*(cells.stored_comparables([r.get(k) for r in rows]) for k in DRAFT_TEXT)))
