"""After the reply: Sent On, the follow-up draft, retention of sent drafts.

Pure: the caller passes `today`. The Drafts tab keeps each ticket's reply and, later, its follow-up; both
are records in the bot's memory (bot.tabs.bot_memory), so Sent On and "a follow-up was already drafted" are known
to whichever machine runs the next cycle.

- Sent On is the day the bot first saw a draft's Status read `Sent` (any case, spaces ignored). It is set
  once and kept, even if Status is changed back later: the customer has the email.
- A follow-up is drafted once per ticket, when its reply has been Sent for at least
  `refund_after_days` (5) business days for a refund, or `replacement_after_days` (7) for a replacement
  (time for the parcel to arrive), counted as a case's age is (Sent On counted, today not, weekends and
  the escalation matrix's holidays skipped); never when the log row already holds Customer Feedback.
- Retention: a draft Sent more than `sent_drafts_days` (365) calendar days ago keeps its Ticket ID,
  Template, Subject, dates and Status; the bot clears its To and Body (also in its memory). 0 keeps all.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, timedelta

from bot.read import cells
# The same Source Hash as the replies: an unchanged follow-up is not rendered again.
from bot.tabs.drafts import Draft, Renderer, _seal, greeting_name
from bot.tabs.open_cases import EscalationSettings, business_days
from bot.tabs.log_issues import TICKET_KEY, Validation

FOLLOW_UP_TITLE = "Follow-up"
_FOLLOW_UP_KEY = cells.choice_key(FOLLOW_UP_TITLE)
FOLLOW_UP_FILE = "follow_up.txt.j2"
FOLLOW_UP_SUFFIX = "#follow-up"     # a follow-up's key: its ticket's key plus this (one per ticket)
SENT = "sent"


@dataclass
class FollowUpSettings:
    refund_after_days: int = 5
    replacement_after_days: int = 7
    sent_drafts_days: int = 365      # [retention]; 0 keeps every draft's To and Body


def is_follow_up(template) -> bool:
    # The usual cell is a template's title, a few kinds of them in a tab: each read once (as_text of a
    # text that as_text gave is that text).
    return _is_follow_up_title(template if type(template) is str else cells.as_text(template))


@functools.lru_cache(maxsize=256)
def _is_follow_up_title(text: str) -> bool:
    return cells.choice_key(cells.as_text(text)) == _FOLLOW_UP_KEY


def is_sent(status) -> bool:
    return cells.choice_key(cells.as_text(status)) == SENT


def sent_on(record: dict) -> date | None:
    if cells.is_blank(record.get("sent_on")):
        return None
    return cells.parse_date(record.get("sent_on"))[0]


def mark_sent(records: list[dict], status_of: dict[int, object], today: date) -> list[dict]:
    """The records with Sent On set today where their row's Status reads Sent for the first time.
    `status_of`: record index -> the Status cell of the row showing it."""
    out = []
    for i, rec in enumerate(records):
        if is_sent(status_of.get(i)) and cells.is_blank(rec.get("sent_on")):
            rec = {**rec, "sent_on": cells.format_date(today)}
        out.append(rec)
    return out


def due(resolution: str, sent: date, today: date, settings: FollowUpSettings,
        calendar: EscalationSettings) -> bool:
    wait = settings.refund_after_days if resolution == "Refund" else settings.replacement_after_days
    return business_days(sent, today, calendar) >= wait


def follow_up_drafts(records: list[dict], key_of, v: Validation, renderer: Renderer, today: date,
                     settings: FollowUpSettings, calendar: EscalationSettings, skip: set[str],
                     spellings: dict[str, str]) -> list[Draft]:
    """A follow-up for each ticket whose reply is due one (see the module's rules), and for each ticket
    that already has an untouched follow-up (kept up to date with the log, like any draft). `skip`: keys of
    drafts a rep has taken over or deleted."""
    have = {key_of(r): r for r in records}
    log = v.log
    first = ~log[TICKET_KEY].duplicated(keep="first").to_numpy()
    by_ticket = {k: i for i, k in enumerate(log[TICKET_KEY].tolist()) if k and first[i]}
    feedback = log["customer_feedback"].tolist()
    # The fields a follow-up reads, as plain lists once: looking a cell up in the frame per record
    # (log[k].iat[at]) cost about a second for 10,000 sent replies.
    columns = {k: log[k].tolist() for k in _ROW_FIELDS} if records else {}
    out = []
    for rec in records:
        key = key_of(rec)
        if key.endswith(FOLLOW_UP_SUFFIX):     # a follow-up's own record (key_of folds its Template in)
            continue
        fkey = key + FOLLOW_UP_SUFFIX
        at = by_ticket.get(key)
        if fkey in skip or at is None:
            continue
        row = {k: columns[k][at] for k in _ROW_FIELDS}
        if fkey not in have:
            sent = sent_on(rec)
            if sent is None or not cells.is_blank(feedback[at]) or row["resolution"] is None \
                    or not due(row["resolution"], sent, today, settings, calendar):
                continue
        elif not cells.is_blank(feedback[at]):
            continue     # the customer answered: the unsent follow-up stays as last written
        draft = _draft(row, renderer, spellings, have.get(fkey), fkey)
        if draft is not None:
            out.append(draft)
    return out


_ROW_FIELDS = ("ticket_id", "customer_name", "customer_email", "order_number", "product", "resolution",
               "refund_amount", "agent")


def _draft(row: dict, renderer: Renderer, spellings: dict[str, str], current: dict | None,
           key: str) -> Draft | None:
    needed = ("ticket_id", "customer_name", "customer_email", "order_number", "product", "agent")
    if any(row[k] is None for k in needed):        # a blank cell parses as None
        return None      # a cell it needs was cleared: the follow-up waits until it is filled again
    if row["resolution"] == "Refund" and row["refund_amount"] is None:
        return None
    fields = {"ticket_id": row["ticket_id"], "customer_name": row["customer_name"],
              "first_name": greeting_name(row["customer_name"]), "order_number": row["order_number"],
              "product": spellings.get(row["product"], row["product"]), "resolution": row["resolution"],
              "refund_amount": cells.format_money(row["refund_amount"]) if row["refund_amount"] is not None else "",
              "agent": row["agent"]}
    made_from = renderer.source_hash(FOLLOW_UP_FILE, fields)
    if current is not None:
        subject, body = cells.as_text(current.get("subject")), cells.as_text(current.get("body"))
        seal = _seal(made_from, subject, body)
        if cells.as_text(current.get("source_hash")) == seal:
            return Draft(row["ticket_id"], FOLLOW_UP_TITLE, row["customer_email"], subject, body, seal, False, key)
    subject, body = renderer.render(FOLLOW_UP_FILE, fields)
    return Draft(row["ticket_id"], FOLLOW_UP_TITLE, row["customer_email"], subject, body,
                 _seal(made_from, subject, body), True, key)


def retain(records: list[dict], today: date, settings: FollowUpSettings) -> tuple[list[dict], set[int]]:
    """The records with To and Body cleared where the draft was Sent more than `sent_drafts_days` ago, and
    the indexes of the records cleared this way (already-cleared ones included)."""
    if settings.sent_drafts_days <= 0:
        return records, set()
    cutoff = today - timedelta(days=settings.sent_drafts_days)
    out, cleared = [], set()
    for i, rec in enumerate(records):
        sent = sent_on(rec)
        if sent is not None and sent < cutoff:
            cleared.add(i)
            if not (cells.is_blank(rec.get("to")) and cells.is_blank(rec.get("body"))):
                rec = {**rec, "to": "", "body": ""}
        out.append(rec)
    return out, cleared
