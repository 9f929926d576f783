"""Helpers shared by the hardening tests: an in-memory sheet the plan is applied to, and the counters the
reliability table reports (rep-tab writes, duplicate rows)."""
from __future__ import annotations

import contextlib
import copy

from bot.backends.base import Plan
from bot.errors import BotError
from bot.read.cells import as_text, comparable
from bot.read.keys import ticket_key

import sheet_schema

# The default titles, from the registry of tabs (a new bot tab is checked here without editing this file).
REP_TABS = tuple(sheet_schema.load(n).tab for n in sheet_schema.REP_TABS)
BOT_TABS = tuple(sheet_schema.load(n).tab for n in sheet_schema.BOT_TABS)


def trimmed(rows):
    """Rows as a backend returns them: trailing empty cells and trailing empty rows dropped."""
    out = []
    for r in rows or []:
        r = list(r)
        while r and (r[-1] is None or r[-1] == ""):
            r.pop()
        out.append(r)
    while out and not out[-1]:
        out.pop()
    return out


def apply_in_memory(tabs: dict, plan: Plan) -> dict:
    """Apply a plan to {title: rows} the way a backend stores it (None or "" clears a cell)."""
    tabs = copy.deepcopy(tabs)
    for create in plan.creates:
        if tabs.get(create.title) is None:
            tabs[create.title] = []
    for w in plan.writes:
        rows = tabs[w.tab]
        assert rows is not None, f"write to a tab that does not exist: {w.tab}"
        for r, values in enumerate(w.values):
            i = w.row - 1 + r
            while len(rows) <= i:
                rows.append([])
            row = rows[i]
            for c, value in enumerate(values):
                j = w.col - 1 + c
                while len(row) <= j:
                    row.append(None)
                row[j] = None if value == "" else value
        tabs[w.tab] = trimmed(rows)
    return tabs


def rep_tab_writes(plan: Plan) -> int:
    """Cells a plan would write to the rep tabs (must always be 0)."""
    return sum(w.cell_count for w in plan.writes if w.tab in REP_TABS) + sum(
        1 for c in plan.creates if c.title in REP_TABS)


def normalised(rows):
    """Rows compared the way the bot compares cells (3.0 is 3, blank is "")."""
    rows = [[comparable(v) for v in r] for r in rows or []]
    for r in rows:
        while r and r[-1] == "":
            r.pop()
    while rows and not rows[-1]:
        rows.pop()
    return rows


def memory_as_set(tabs: dict) -> dict:
    """The tabs with Bot Memory's records in key order: the memory keeps records in the order they were
    issued, so the same records written over two cycles or in one stand in a different order."""
    out = dict(tabs)
    rows = tabs.get("Bot Memory") or []
    out["Bot Memory"] = rows[:1] + sorted(rows[1:], key=lambda r: [str(v) for v in r[:2]])
    return out


def duplicate_rows(tabs: dict) -> int:
    """Repeated Flag IDs in Escalations plus repeated Ticket IDs in Drafts (both must be unique)."""
    dupes = 0
    for title, header in (("Escalations", "Flag ID"), ("Drafts", "Ticket ID")):
        rows = tabs.get(title) or []
        if not rows:
            continue
        keys = ["".join(as_text(h).split()).casefold() for h in rows[0]]
        want = "".join(header.split()).casefold()
        if want not in keys:
            continue
        col = keys.index(want)
        seen = set()
        for r in rows[1:]:
            key = ticket_key(as_text(r[col])) if col < len(r) else ""
            if not key:
                continue
            dupes += key in seen
            seen.add(key)
    return dupes


@contextlib.contextmanager
def recorded(reliability, category: str, scenario: str, outcome: str):
    """Record one case in the reliability table. The body adds what it measured to the yielded counts
    ("rep_tab_writes", "duplicate_rows"); an exception other than a failed check or one of the bot's own
    errors counts as a crash."""
    counts = {"rep_tab_writes": 0, "duplicate_rows": 0}
    try:
        yield counts
    except BaseException as exc:
        crashed = not isinstance(exc, (AssertionError, BotError))
        reliability.record(category, scenario=scenario, crashed=crashed, outcome=outcome, **counts)
        raise
    reliability.record(category, scenario=scenario, outcome=outcome, **counts)
