"""Chat notifications about recurrence flags: the pure part (what to say, how to shape it, what to keep).

One notice per flag raised and one per flag grown in a cycle. A notice names the Flag ID, the product
(the flag's Product spelling), the defect type, the case count, the first and last logged dates, who to
tell and a link to the sheet. It never carries customer data: no names, emails, complaint details,
order numbers, Ticket IDs (reps may type anything there) or lot numbers.

No I/O and no clock here: bot/notices/webhook.py keeps the outbox file and posts.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from bot.read import cells
from bot.tabs.escalations import FlagChanges

MAX_AGE = timedelta(days=7)     # a notice not delivered within a week is dropped
MAX_PENDING = 100               # and the outbox never holds more than this many (the newest are kept)
MAX_FIELD = 120                 # a cell is cut to this many characters in a message

# Answers that mean "the webhook is there but not now" or "the webhook is gone or forbidden until an
# admin fixes the URL": keep the notice and try again next cycle. Any other 4xx means the webhook
# refused this message itself, and sending it again cannot help: drop it.
RETRY_STATUSES = frozenset({401, 403, 404, 408, 410, 425, 429})


@dataclass(frozen=True)
class Notice:
    key: str            # flag id, event and case count: the same change is never queued twice
    event: str          # "raised" | "grown" | "recurred" (a case after a corrective action)
    flag_id: str
    product: str
    defect_type: str
    cases: str
    first_logged: str
    last_logged: str
    notify: str
    link: str
    queued_at: str      # ISO timestamp

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Notice | None":
        try:
            return cls(**{k: str(data[k]) for k in cls.__dataclass_fields__})
        except (KeyError, TypeError):
            return None


def sheet_link(spreadsheet_id: str | None, workbook_path: str | None) -> str:
    """Where a lead opens the flags: the Google Sheet's URL, or the workbook's file path."""
    if spreadsheet_id:
        return f"https://docs.google.com/spreadsheets/d/{spreadsheet_id}/edit"
    return workbook_path or ""


def notices(changes: FlagChanges, escalation_rows: list[dict], link: str, now: datetime) -> list[Notice]:
    """A notice for each flag raised or grown this cycle, from the Escalations rows as written."""
    by_id = {cells.as_text(r.get("flag_id")): r for r in escalation_rows}
    out = []
    for event, ids in (("raised", changes.raised), ("grown", changes.grown), ("recurred", changes.recurred)):
        for flag_id in ids:
            row = by_id.get(flag_id)
            if row is None:
                continue
            cases = _field(row.get("cases"))
            out.append(Notice(
                key=f"{flag_id}:{event}:{cases}", event=event, flag_id=flag_id,
                product=_field(row.get("product")), defect_type=_field(row.get("defect_type")),
                cases=cases, first_logged=_field(row.get("first_logged")),
                last_logged=_field(row.get("last_logged")), notify=_field(row.get("notify")),
                link=link, queued_at=now.isoformat(timespec="seconds")))
    return out


def _field(value) -> str:
    text = " ".join(cells.as_text(value).split())   # one line: no newlines a rep typed into a cell
    return text if len(text) <= MAX_FIELD else text[:MAX_FIELD - 1] + "…"


def webhook_kind(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    if host == "hooks.slack.com":
        return "slack"
    if host == "chat.googleapis.com":
        return "chat"
    return "other"


def webhook_host(url: str) -> str:
    """The webhook's host, for log lines: the path and query hold the webhook's secret."""
    return urlsplit(url).hostname or "the webhook"


def payload(notice: Notice, kind: str) -> dict:
    """The JSON body for an incoming webhook. Slack and Google Chat both take {"text": ...}; Slack
    gets its link syntax, the others a plain URL. Cell text is escaped so that a product name cannot
    mention @channel or everyone, or fake a link."""
    esc = _slack_escape if kind == "slack" else _plain_escape
    if notice.event == "raised":
        head = f"*Recurrence flag {esc(notice.flag_id)} raised*"
    elif notice.event == "recurred":
        head = f"*Recurrence after a corrective action: flag {esc(notice.flag_id)}*"
    else:
        head = f"*Recurrence flag {esc(notice.flag_id)} grew to {esc(notice.cases)} cases*"
    lines = [
        head,
        f"Product: {esc(notice.product)}",
        f"Defect: {esc(notice.defect_type)}",
        f"Cases: {esc(notice.cases)} (first logged {esc(notice.first_logged)}, "
        f"last logged {esc(notice.last_logged)})",
        f"Notify: {esc(notice.notify)}",
    ]
    if notice.link.startswith("https://") and kind == "slack":
        lines.append(f"<{notice.link}|Open the Escalations tab>")
    elif notice.link:
        lines.append(f"Escalations tab: {esc(notice.link)}")
    return {"text": "\n".join(lines)}


def _slack_escape(text: str) -> str:
    text = " ".join(text.split())
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain_escape(text: str) -> str:
    # Google Chat reads <users/all> as a mention and has no entity escaping: use look-alike brackets.
    return " ".join(text.split()).replace("<", "‹").replace(">", "›")


def outcome_of(status: int | None) -> str:
    """What to do with a notice after a post: "sent", "retry" (keep it) or "drop".
    `status` is None when no answer came (timeout, connection error)."""
    if status is None:
        return "retry"
    if 200 <= status < 300:
        return "sent"
    if 400 <= status < 500 and status not in RETRY_STATUSES:
        return "drop"
    return "retry"


def merge(pending: list[Notice], new: list[Notice], now: datetime, *, max_age: timedelta = MAX_AGE,
          max_pending: int = MAX_PENDING) -> tuple[list[Notice], int]:
    """The outbox after adding `new`: no notice twice, none older than `max_age`, at most
    `max_pending` (the newest). Returns the kept notices (oldest first) and how many were dropped."""
    have = {n.key for n in pending}
    merged = list(pending) + [n for n in new if n.key not in have and not have.add(n.key)]
    kept = [n for n in merged if _age(n, now) <= max_age]
    kept = kept[-max_pending:] if max_pending > 0 else []
    return kept, len(merged) - len(kept)


def _age(notice: Notice, now: datetime) -> timedelta:
    try:
        queued = datetime.fromisoformat(notice.queued_at)
        if (queued.tzinfo is None) != (now.tzinfo is None):
            queued = queued.replace(tzinfo=now.tzinfo)
        return now - queued
    except (ValueError, TypeError):
        return timedelta.max  # an unreadable stamp: too old to trust
