"""Recurrence flags: the same product defect logged again within the window.

Cases with the same product and defect type, each logged within `window_days` of the previous one (by
Date Logged), form one episode; an episode of `min_cases` or more is a flag. Flags keep their IDs
forever: this module reconciles the episodes found now with the Escalations rows already written.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Callable

import numpy as np
import pandas as pd

from bot.read import cells, keys
from bot.tabs.open_cases import NotifyEscalation, add_name
from bot.read.table import ROW_COLUMN, update_row
from bot.read.keys import ticket_keys
from sheet_schema import load

ESCALATIONS = load("escalations")

FLAG_ID = re.compile(r"\s*ESC-(\d+)\s*$", re.I)
CONTENT_KEYS = ("product", "defect_type", "cases", "first_logged", "last_logged", "ticket_ids",
                "lot_numbers", "notify")


@dataclass(frozen=True)
class Episode:
    product_key: str
    product: str                 # the spelling of the episode's first case
    defect_type: str
    dates: tuple[date, ...]
    tickets: tuple[str, ...]     # in date order
    lots: tuple[str, ...]        # distinct, in date order
    first_row: int
    case_lots: tuple[str, ...] = ()   # each case's Lot Number ("" when blank), in date order


@dataclass
class RecurrenceSettings:
    window_days: int = 14
    min_cases: int = 2
    aliases: dict[str, str] = field(default_factory=dict)     # product key -> canonical product key
    notify: dict[str, str] = field(default_factory=dict)      # defect type -> who to tell
    notify_default: str = "CS Team Lead"

    def key(self, product: str) -> str:
        k = keys.product_key(product)
        return self.aliases.get(k, k)


# Every Defective Log column the recurrence rules read (episodes, and bot.tabs.capa.Capa): a warm cycle
# works out the flags of the groups an edit touches from these alone (compute's Part.flags_only).
RECURRENCE_COLUMNS = ("date_logged", "product", "defect_type", "ticket_id", "lot_number")


def episodes(log: pd.DataFrame, settings: RecurrenceSettings) -> list[Episode]:
    """Every flag-sized episode, ordered by first date (then sheet row). Vectorised over the log, on
    plain arrays (a pandas filter or column per step copies 100,000 rows each time)."""
    product_col, defect_col, date_col = (log[k].to_numpy() for k in ("product", "defect_type", "date_logged"))
    valid = pd.notna(date_col) & pd.notna(product_col) & pd.notna(defect_col)
    if not valid.any():
        return []
    # Product keys per distinct spelling; a name with no letter or digit has no key and is never a flag.
    at = np.flatnonzero(valid)
    product_code, spellings = pd.factorize(product_col[at])
    pkeys = np.array([settings.key(p) for p in spellings], dtype=object)[product_code]
    keep = pkeys != ""
    at, pkeys = at[keep], pkeys[keep]
    if not len(at):
        return []
    # Day numbers, not pandas timestamps: a date of year 1 or 9999 is a date, and out of a Timestamp's range.
    day = cells.day_numbers(date_col[at])
    # Sorted by (product, defect, day, row) on integer codes (np.lexsort, last key first): the same order
    # as sorting the texts, without comparing a text per step.
    key_code = pd.factorize(pkeys, sort=True)[0]
    defect_code = pd.factorize(defect_col[at], sort=True)[0]
    rows = log[ROW_COLUMN].to_numpy()[at]
    order = np.lexsort((rows, day, defect_code, key_code))
    at, key_code, defect_code, day, pkeys = at[order], key_code[order], defect_code[order], day[order], pkeys[order]
    # A case starts a new episode when its group changes or it comes more than window_days after the last.
    new = np.ones(len(at), dtype=bool)
    new[1:] = (key_code[1:] != key_code[:-1]) | (defect_code[1:] != defect_code[:-1]) | \
        (np.diff(day) > settings.window_days)
    episode = np.cumsum(new)
    flagged = np.bincount(episode)[episode] >= settings.min_cases    # the episode's size, row by row
    at, episode, pkeys = at[flagged], episode[flagged], pkeys[flagged]
    # The rows are sorted by episode: cut plain lists at each episode's start (hundreds of episodes, and
    # a pandas group costs far more than a slice).
    starts = np.flatnonzero(np.diff(episode, prepend=-1)).tolist() + [len(at)]
    pkeys = pkeys.tolist()
    products, defects, days, tickets, lots_col, rows = (
        log[k].to_numpy()[at].tolist() for k in ("product", "defect_type", "date_logged", "ticket_id",
                                                 "lot_number", ROW_COLUMN))
    found = []
    for a, b in zip(starts, starts[1:]):
        # Lot Numbers are an ID column: parsed, each is text as the cell shows it, or None when blank.
        case_lots = tuple(x or "" for x in lots_col[a:b])
        found.append(Episode(
            product_key=pkeys[a], product=products[a], defect_type=defects[a],
            dates=tuple(days[a:b]), tickets=tuple(t if t is not None else "" for t in tickets[a:b]),
            lots=tuple(dict.fromkeys(x for x in case_lots if x)), first_row=int(rows[a]), case_lots=case_lots,
        ))
    found.sort(key=lambda e: (e.dates[0], e.first_row))
    return found


def flag_number(value) -> int | None:
    m = FLAG_ID.match(cells.as_text(value))
    return int(m.group(1)) if m else None


def format_flag_id(number: int) -> str:
    return f"ESC-{number:04d}"


@dataclass
class FlagChanges:
    raised: list[str] = field(default_factory=list)
    grown: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    recurred: list[str] = field(default_factory=list)   # a recurrence after a corrective action, newly seen


def desired_escalations(current_rows: list[dict], found: list[Episode], settings: RecurrenceSettings,
                        stamp: str, escalate: NotifyEscalation | None = None,
                        extra: Callable[[Episode], dict] | None = None,
                        next_flag: int | None = None) -> tuple[list[dict], FlagChanges]:
    """The Escalations tab as it should be, and which flags were raised, grown or merged.

    An episode takes over the existing flag(s) of the same product and defect that share a ticket with
    it; when it spans several (a backdated case joined two episodes), the oldest keeps the cases and
    the others say which flag they were merged into. Rows no episode claims stay as last written.
    With `escalate`, a serious or growing flag's Notify also names the Level 3 owner. `extra` (bot.tabs.capa)
    gives an episode's further cells: its Same Lot, and more names for Notify.
    """
    rows = [dict(r) for r in current_rows]
    changes = FlagChanges()
    numbers = [flag_number(r.get("flag_id")) for r in rows]
    # `next_flag`: the number a new flag takes when `current_rows` are only part of the tab (a warm cycle).
    next_number = max([n for n in numbers if n is not None] + [(next_flag or 1) - 1], default=0) + 1
    open_flags: dict[tuple[str, str], list] = {}  # (product, defect) -> [(number, position, identity)]
    for pos, (row, number) in enumerate(zip(rows, numbers)):
        if number is None or not cells.is_blank(row.get("merged_into")):
            continue
        identity = _identity(row, settings)
        open_flags.setdefault(identity[:2], []).append((number, pos, identity))
    # Matched on what the bot writes (and so reads back next cycle), never on the raw cells.
    contents = [_content(ep, settings, escalate, extra) for ep in found]
    wanted_of = [_identity(content, settings) for content in contents]
    # Each flag belongs to one episode: of those it matches, the one sharing the most of its tickets (the
    # earliest on a tie). A Ticket ID repeated in two episodes then cannot pull one's flag into the other.
    belongs: dict[int, tuple[int, int]] = {}     # flag position -> (tickets shared, episode index)
    for i, wanted in enumerate(wanted_of):
        for f in open_flags.get(wanted[:2], ()):
            shared = len(f[2][2] & wanted[2])
            if _same_episode(f[2], wanted) and (f[1] not in belongs or shared > belongs[f[1]][0]):
                belongs[f[1]] = (shared, i)
    for i, (ep, content, wanted) in enumerate(zip(found, contents, wanted_of)):
        matches = sorted(f for f in open_flags.get(wanted[:2], ()) if f[1] in belongs and belongs[f[1]][1] == i)
        if not matches:
            flag_id = format_flag_id(next_number)
            next_number += 1
            rows.append({"flag_id": flag_id, **content, "flagged_at": stamp, "updated_at": stamp})
            changes.raised.append(flag_id)
            continue
        keep = matches[0]
        row = rows[keep[1]]
        if any(cells.comparable(row.get(k)) != cells.comparable(v) for k, v in content.items()):
            if len(ep.tickets) > _int(row.get("cases")):
                changes.grown.append(cells.as_text(row.get("flag_id")))
            update_row(ESCALATIONS, row, {**content, "updated_at": stamp})
        update_row(ESCALATIONS, row, {"flagged_at": stamp})
        for other in matches[1:]:
            rows[other[1]].update(merged_into=cells.as_text(row.get("flag_id")), updated_at=stamp)
            changes.merged.append(cells.as_text(rows[other[1]].get("flag_id")))
    return rows, changes


def _identity(row: dict, settings: RecurrenceSettings) -> tuple[str, str, frozenset[str], str]:
    """What ties a flag row to an episode: product and defect keys, the keys of the Ticket IDs listed (split
    as a person reads the list, so a Ticket ID holding a comma still matches itself), and First Logged
    (which identifies an episode whose cases have no Ticket ID at all)."""
    tickets = frozenset(ticket_keys(list(filter(str.strip, cells.as_text(row.get("ticket_ids")).split(",")))))
    return (*flag_group(row, settings), tickets, cells.as_text(row.get("first_logged")))


def flag_group(row: dict, settings: RecurrenceSettings) -> tuple[str, str]:
    """The product and defect keys of a flag row: the recurrence group its episodes come from."""
    return group_of(row.get("product"), row.get("defect_type"), settings)


def group_of(product, defect_type, settings: RecurrenceSettings) -> tuple[str, str]:
    """flag_group of a flag row's Product and Defect Type cells."""
    return settings.key(cells.as_text(product)), cells.choice_key(cells.as_text(defect_type))


def _same_episode(flag: tuple, episode: tuple) -> bool:
    """A flag row belongs to an episode of its product and defect that lists one of its tickets; a flag that
    lists no ticket (its cases had none) belongs to the episode that starts on its First Logged day."""
    (product, defect, tickets, first), (ep_product, ep_defect, ep_tickets, ep_first) = flag, episode
    if (product, defect) != (ep_product, ep_defect):
        return False
    return bool(tickets & ep_tickets) or (not tickets and first == ep_first)


def _content(ep: Episode, settings: RecurrenceSettings, escalate: NotifyEscalation | None = None,
             extra: Callable[[Episode], dict] | None = None) -> dict:
    """The bot's cells of an episode's flag row, as the sheet will store them."""
    notify = settings.notify.get(ep.defect_type, settings.notify_default)
    if escalate is not None:
        notify = escalate.notify(notify, ep.defect_type, len(ep.tickets))
    more = extra(ep) if extra is not None else {}
    for name in more.get("notify", ()):
        notify = add_name(notify, name)
    return {k: cells.storable(v) for k, v in {
        "product": ep.product,
        "defect_type": ep.defect_type,
        "cases": len(ep.tickets),
        "first_logged": cells.format_date(ep.dates[0]),
        "last_logged": cells.format_date(ep.dates[-1]),
        "ticket_ids": ", ".join(ep.tickets),
        "lot_numbers": ", ".join(ep.lots),
        "notify": notify,
        **({"same_lot": more.get("same_lot", "")} if extra is not None else {}),
    }.items()}


def _int(value) -> int:
    try:
        return int(float(cells.as_text(value) or 0))
    except ValueError:
        return 0
