"""A warm cycle: after a few rep edits in place, the rules run on the rows those edits touch and their
results are spliced into the bot tabs as read (docs/INCREMENTAL.md).

Pure, like compute. `warm_outcome` gives the same Outcome a full `compute` would give (the same desired
tabs, the same plan), or None when it cannot be sure of that, and the caller runs the full cycle: a
different day or settings, rows inserted, deleted or sorted, a row blanked or filled, a bot tab not as
the last cycle left it, too many rows changed, a product spelled differently enough to change the name
drafts use. The short way can be missed, never wrongly taken: tests/test_warm.py runs both on the same
edits and compares.

Two small runs of `compute` give every part: one on the rows of the tickets the edits touch (their
Log Issues, drafts, Open Cases rows and the drafts' memory), one on the rows of the recurrence groups
whose recurrence cells they change (their flags and the flags' memory only: core.Part.flags_only, since
100 edits can touch groups holding most of the log; those cells as the last cycle parsed them,
row_keys.Recurrence).
"""
from __future__ import annotations

from itertools import compress
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from bot.backends.base import Snapshot
from bot.config import Settings
from bot.cycle import compute as core
from bot.cycle.kept_rows import Changes
from bot.cycle.plan import aligned
from bot.cycle.row_keys import RowKeys, row_keys
from bot.cycle.splice import (issues_of, recount, spliced, spliced_log_issues, spliced_memory,
                              spliced_open_cases)
from bot.cycle.quiet import FINGERPRINTED_BOT_TABS, patched_digest, read_bot_chunks
from bot.read import cells
from bot.read.keys import ticket_key, ticket_keys
from bot.read.rows import column_of
from bot.tabs.bot_memory import short_key
from bot.tabs.layout import flag_key
from bot.tabs.drafts import Renderer
from bot.tabs.escalations import RECURRENCE_COLUMNS, flag_number, group_of
from bot.tabs.follow_up import FOLLOW_UP_SUFFIX
from bot.tabs.log_issues import ERROR, WARNING, Validation, without_leading_zeros
from sheet_schema import BOT_TABS, REP_TABS, load

# At most this share of a rep tab's rows may have changed for the short way (past it, the subsets are
# most of the log and the full cycle costs about the same).
MAX_CHANGED = 0.01
# The tabs rewritten whole (their order is the contract's, so an edit can move every row below it).
REWRITTEN = tuple(name for name in BOT_TABS if load(name).rewritten_whole)


@dataclass
class Kept:
    """What a cycle leaves for the next one to start from (bot.cycle.run keeps it in the cache folder,
    beside the rep tabs' rows as read, which `write_rows` streams to their own file)."""

    settings: bytes                    # quiet.settings_digest
    day: str                           # the date it ran
    rows: str                          # the token the rows file written with it starts with
    tab_digests: dict[str, bytes]      # each fingerprinted bot tab as the cycle left it (quiet.tab_digest)
    rows_read: dict[str, int]          # Bot Status's row counts
    ready: set[str]                    # the draft keys of the drafts ready
    keys: RowKeys                      # each rep row's keys as read
    waiting: int                       # Bot Status's Drafts waiting and Flags
    flags: int


def _edits(changes: Changes | None, tabs: dict[str, list | None], titles: dict[str, str],
           max_changed: float) -> tuple[dict[str, list[int]], dict[str, dict[int, list]]] | None:
    """For each rep tab, the rows (1-based, under the header) that changed since the last cycle, and
    those rows as they were (the header at 0: as it is); None when there is nothing to compare with, a
    tab is empty or missing, its header changed, or too many rows did."""
    if changes is None:
        return None
    changed: dict[str, list[int]] = {}
    old: dict[str, dict[int, list]] = {}
    for name, title in titles.items():
        rows = tabs.get(title)
        if not rows or title not in changes.rows:
            return None
        changed[name], old[title] = changes.rows[title], dict(changes.before[title])
        if changed[name][:1] == [0] or len(changed[name]) > max(1, max_changed * (len(rows) - 1)):
            return None
        old[title][0] = rows[0]
    return changed, old


def _ready_keys(drafts) -> set[str]:
    return {d.key or short_key(ticket_key(d.ticket_id)) for d in drafts}


def kept_after(outcome: core.Outcome, token: str, settings_key: bytes, now: datetime) -> Kept | None:
    """What a cycle that computed `outcome` leaves (None when it could not digest every bot tab)."""
    if outcome.row_keys is None or any(name not in outcome.tab_digests for name in FINGERPRINTED_BOT_TABS):
        return None
    return Kept(settings_key, now.date().isoformat(), token, dict(outcome.tab_digests), dict(outcome.rows_read),
                _ready_keys(outcome.drafts_ready), outcome.row_keys, outcome.drafts_waiting, outcome.flags_total)


def warm_outcome(snapshot: Snapshot, settings: Settings, now: datetime, renderer: Renderer, kept: Kept,
                 settings_key: bytes, changes: Changes | None, token: str,
                 max_changed: float = MAX_CHANGED, shift_rows: bool = False) -> tuple[core.Outcome, Kept] | None:
    """`changes`: the rep rows that differ from those written with `kept` (kept_rows.write_rows); `token`:
    the one this cycle's rows were written after. `shift_rows`: the backend can move rows of cells
    (base.RowShift), so a closed case deletes its Open Cases row rather than rewriting every row below.
    Returns the outcome and what this cycle leaves, or None. When it returns an outcome, the snapshot
    has let go of its rows (as compute(consume=True) does), and each table's rows once planned."""
    if kept.settings != settings_key or kept.day != now.date().isoformat():
        return None
    titles = {name: settings.title(name) for name in REP_TABS}
    found = _edits(changes, snapshot.tabs, titles, max_changed)
    if found is None:
        return None
    changed, old = found
    if not any(changed.values()):
        return None    # nothing changed in the rep tabs: the quiet check or the full cycle decides
    left = {name: kept.tab_digests.get(name) for name in FINGERPRINTED_BOT_TABS}
    # Each tab's reduced rows are kept: a chunk holding a changed row takes the others from them rather
    # than reducing every row of it again (100 edits of the real CAERS log touch most chunks of Drafts
    # and Bot Memory: 0.23 s).
    read = read_bot_chunks(snapshot, settings, left.__eq__, keep_rows=FINGERPRINTED_BOT_TABS)
    if {name: chunks.digest for name, chunks in read.items()} != left:
        return None
    log_title, comp_title = titles["defective_log"], titles["comp_sheet"]

    touched = _touched(snapshot, settings, kept.keys, changed, old)
    if touched is None:
        return None
    # Each bot tab's rows made into dicts only as they are looked at (bot.read.rows): most are not.
    tables = {name: core._bot_table(snapshot, settings, name, lazy=True) for name in BOT_TABS}
    if any(not t.exists or t.missing for t in tables.values()):
        return None    # a tab or a column to create: the full cycle does it
    bot = _bot_rows(tables, touched, settings)
    t_log, t_comp = touched.log_rows, touched.comp_rows
    drafts_at, flags_at, memory_t, memory_g = bot.drafts, bot.flags, bot.memory_drafts, bot.memory_flags
    memory = tables["bot_memory"].rows
    snap_t, part_t = _part(snapshot, settings, t_log, t_comp, {"drafts": drafts_at, "bot_memory": memory_t},
                           bot.next_flag, touched.spellings)
    snap_g, part_g = _part(snapshot, settings, touched.group_rows, [],
                           {"escalations": flags_at, "bot_memory": memory_g}, bot.next_flag, touched.spellings,
                           flags_only=True, log=touched.keys.recurrence_frame(touched.group_rows))
    out_t = core.compute(snap_t, settings, now, renderer, part=part_t)
    out_g = core.compute(snap_g, settings, now, renderer, part=part_g)
    for out in (out_t, out_g):
        if any(i.tab not in (log_title, comp_title) for i in out.validation.issues):
            return None    # a bot cell put back, a row brought back: the full cycle says so
    # Past the last return of None (the full cycle needs the rows read), and as compute(consume=True)
    # does: the rows read go, so the splice and the plan do not sit on top of them (the bot tabs live on
    # in `tables`; the real CAERS log's peak).
    snapshot.tabs = {}
    del old, snap_t, snap_g

    # Each tab as read with the parts' rows in place, and the rows (0-based) that may differ from it (for
    # the tabs rewritten whole: each row's place as read, -1 for a new one).
    parts = {
        "drafts": spliced(tables["drafts"].rows, drafts_at, out_t.desired["drafts"]),
        "escalations": spliced(tables["escalations"].rows, flags_at, out_g.desired["escalations"]),
        "bot_memory": spliced_memory(memory, memory_t, out_t.desired["bot_memory"],
                                     memory_g, out_g.desired["bot_memory"]),
        "open_cases": spliced_open_cases(tables["open_cases"].rows, {i + 2 for i in t_log},
                                         out_t.desired["open_cases"]),
        "log_issues": spliced_log_issues(tables["log_issues"].rows, log_title, comp_title, {i + 2 for i in t_log},
                                         {i + 2 for i in t_comp}, out_t.desired["log_issues"]),
    }
    desired = {name: rows for name, (rows, _) in parts.items()}
    # The tabs rewritten whole: each row's place as read becomes the plan's shifts (or its rewrites).
    alignments = {name: aligned(parts[name][1], len(tables[name].rows), shift_rows) for name in REWRITTEN}
    changed_at = {name: alignments[name].compare if name in alignments else rows_at
                  for name, (_, rows_at) in parts.items()}
    severities = [cells.as_text(v) for v in column_of(desired["log_issues"], "severity")]
    # The tabs as read are as the last cycle left them: only the replaced and new rows change the counts.
    waiting = kept.waiting + recount(core.drafts_waiting, tables["drafts"].rows, drafts_at, out_t.desired["drafts"])
    flags_total = kept.flags + recount(core.open_flags, tables["escalations"].rows, flags_at,
                                       out_g.desired["escalations"])
    summary = core.status_summary(kept.rows_read[log_title], kept.rows_read[comp_title], severities.count(ERROR),
                                  severities.count(WARNING), waiting, flags_total)
    desired["bot_status"] = core.desired_status(tables["bot_status"].rows, summary, now, settings.status_every_minutes)
    issues = issues_of(desired["log_issues"])
    status_read = core.last_run(tables["bot_status"].rows)
    # The plan compares only the rows that may have changed, and each tab's digest takes the digests of
    # the chunks of rows holding none of them from the tab as read (checked above to be as left), the
    # others from the columns the plan compared, as the plan goes (no tab's columns outlive its plan:
    # the real CAERS log's warm peak).
    digests: dict[str, bytes] = {}

    def patch(name: str, rows: list[dict], compared: dict[str, list]) -> None:
        if name in FINGERPRINTED_BOT_TABS:
            sources = alignments[name].sources if name in alignments else None
            digests[name] = patched_digest(name, rows, read[name], changed_at[name], compared, sources)
    plan, _ = core.planned(tables, desired, None, let_go=True, compare=changed_at, on_compared=patch,
                           alignments=alignments)
    ready = (kept.ready - bot.draft_keys) | _ready_keys(out_t.drafts_ready)
    validation = Validation(out_t.validation.log.iloc[:0], out_t.validation.comp.iloc[:0], issues)
    outcome = core.Outcome(plan, validation, dict(kept.rows_read), out_t.drafts_ready, out_t.drafts_new,
                           waiting, out_g.flags, flags_total, status_read, tables, desired, digests,
                           ready_total=len(ready), row_keys=touched.keys)
    return outcome, Kept(settings_key, kept.day, token, digests, dict(kept.rows_read), ready, touched.keys,
                         waiting, flags_total)


@dataclass
class _Touched:
    """The rep rows a warm cycle works out again."""

    keys: RowKeys                  # every rep row's keys now
    tickets: set[str]              # the ticket keys the edits touch (before and after), and near twins
    groups: set[tuple[str, str]]   # the recurrence groups they touch
    log_rows: list[int]            # the log rows (0-based under the header) of those tickets, and the edited
    comp_rows: list[int]           # the Comp Sheet rows of those tickets, and the edited
    group_rows: list[int]          # the log rows of those groups
    spellings: dict[str, str]      # drafts.product_spellings of the whole log, for the tickets' products


def _touched(snapshot: Snapshot, settings: Settings, kept_keys: RowKeys, changed: dict[str, list[int]],
             old: dict[str, dict[int, list]]) -> _Touched | None:
    """What the edits touch, from the edited rows as they were and as they are (each must stay a row,
    not blank) and every row's keys; None when a product's spelling changes for rows left alone."""
    log_title, comp_title = settings.title("defective_log"), settings.title("comp_sheet")
    log_at, comp_at = [i - 1 for i in changed["defective_log"]], [i - 1 for i in changed["comp_sheet"]]
    before = _row_keys({t: [old[t][i] for i in sorted(old[t])] for t in old}, settings,
                       {n: list(range(1, len(ch) + 1)) for n, ch in changed.items()})
    now_changed = _row_keys(snapshot.tabs, settings, changed)
    if before is None or now_changed is None:
        return None
    keys = kept_keys.replaced(log_at, now_changed, comp_at, now_changed)
    if len(keys.log_tickets) != len(snapshot.tabs[log_title]) - 1 or \
            len(keys.comp_tickets) != len(snapshot.tabs[comp_title]) - 1:
        return None
    tickets = set(before.log_tickets + before.comp_tickets + now_changed.log_tickets + now_changed.comp_tickets) - {""}
    edited_groups = [g for k in (before, now_changed) for g in k.group_list]
    # A group's flags read only the recurrence columns of its rows: an edit elsewhere in a row (its
    # Status, its details) leaves them as they are (3 of the bench's 4 kinds of edit).
    recurring = _recurrence_edited(snapshot, old[log_title], changed["defective_log"], settings)
    groups = {g for g in (k.group_of(j) for k in (before, now_changed) for j in recurring) if g[0] and g[1]}
    tickets |= _near(tickets, keys.log_tickets + keys.comp_tickets)
    t_log = sorted(set(_positions_of(tickets, keys.log_tickets)) | set(log_at))
    t_comp = sorted(set(_positions_of(tickets, keys.comp_tickets)) | set(comp_at))

    # The spellings drafts use: the edits change the counts of their own products only. A spelling of
    # one of those that a row left alone keeps must name its product as before (its draft is not worked
    # out again). The tickets' part drafts: it gets the spellings of its products (a spelling without a
    # product key names itself); the groups' part drafts nothing.
    edited_products = {g[0] for g in edited_groups if g[0]}
    spelled_before = kept_keys.spellings_of(edited_products, settings.recurrence.key)
    spellings = keys.spellings_of(edited_products | {keys.group_of(i)[0] for i in t_log}, settings.recurrence.key)
    if any(spellings.get(s, name) != name for s, name in spelled_before.items()):
        return None
    return _Touched(keys, tickets, groups, t_log, t_comp, keys.rows_in_groups(groups).tolist(), spellings)


def _recurrence_edited(snapshot: Snapshot, old: dict[int, list], changed: list[int], settings: Settings) -> list[int]:
    """Which of the changed log rows (their places in `changed`) changed a cell the recurrence rules read
    (escalations.RECURRENCE_COLUMNS), its type counted (1 and a ticked box are equal in Python only)."""
    rows, columns = core.rep_columns(snapshot, settings, "defective_log")
    at = [columns.index[k] for k in RECURRENCE_COLUMNS if k in columns.index]

    def cells_of(row: list) -> list:
        return [(type(v), v) for v in (row[c] if c < len(row) else None for c in at)]
    return [j for j, i in enumerate(changed) if cells_of(rows[i]) != cells_of(old[i])]


@dataclass
class _BotRows:
    """The rows of the bot tabs (0-based under the header) that hold the touched tickets' and groups'
    records, and the number the next new flag takes."""

    drafts: list[int]
    flags: list[int]
    memory_drafts: list[int]
    memory_flags: list[int]
    draft_keys: set[str]           # Bot Memory's keys of the touched tickets' drafts
    next_flag: int


def _bot_rows(tables: dict, touched: _Touched, settings: Settings) -> _BotRows:
    tickets, groups = touched.tickets, touched.groups
    escalations = tables["escalations"].rows
    drafts_at = _positions_of(tickets, ticket_keys(list(map(cells.as_text, column_of(tables["drafts"].rows, "ticket_id")))))
    cases = zip(column_of(escalations, "product"), column_of(escalations, "defect_type"))
    flags_at = [p for p, (product, defect) in enumerate(cases) if group_of(product, defect, settings.recurrence) in groups]
    draft_keys = {short_key(t) for t in tickets} | {short_key(t) + FOLLOW_UP_SUFFIX for t in tickets}
    flag_keys = {flag_key(escalations[p]) for p in flags_at}
    memory = tables["bot_memory"].rows
    records = list(zip(column_of(memory, "tab"), column_of(memory, "key")))
    memory_t = [p for p, (tab, key) in enumerate(records) if tab == "drafts" and key in draft_keys]
    memory_g = [p for p, (tab, key) in enumerate(records) if tab == "escalations" and key in flag_keys]
    # A new flag takes the highest number in the whole tab + 1 (the groups' part holds only its own).
    numbers = [flag_number(v) for v in column_of(escalations, "flag_id")]
    next_flag = max((n for n in numbers if n is not None), default=0) + 1
    return _BotRows(drafts_at, flags_at, memory_t, memory_g, draft_keys, next_flag)


def _part(snapshot: Snapshot, settings: Settings, log_at: list[int], comp_at: list[int],
          bot_rows: dict[str, list[int]], next_flag: int, spellings: dict[str, str],
          flags_only: bool = False, log: pd.DataFrame | None = None) -> tuple[Snapshot, core.Part]:
    """A snapshot of these rep rows (0-based under the header) and these rows of the bot tabs that carry
    records (the others: their headers only), with the Part that tells compute where they sit.
    `flags_only`: only the part's flags are wanted (core.Part.flags_only), `log` their rows as parsed."""
    tabs = dict(snapshot.tabs)
    rows_of = {}
    for name, at in (("defective_log", log_at), ("comp_sheet", comp_at)):
        rows = snapshot.tabs[settings.title(name)]
        tabs[settings.title(name)] = [rows[0]] + [rows[i + 1] for i in at]
        rows_of[settings.title(name)] = [i + 2 for i in at]
    for name in BOT_TABS:
        rows = snapshot.tabs.get(settings.title(name))
        if rows is not None and name != "bot_status":
            at = bot_rows.get(name, [])
            tabs[settings.title(name)] = [rows[0]] + [rows[p + 1] for p in at]
    return Snapshot(tabs, snapshot.source), core.Part(rows_of, next_flag, spellings, flags_only, log)


def _row_keys(tabs: dict, settings: Settings, changed: dict[str, list[int]]) -> RowKeys | None:
    """The keys of the changed rows in `tabs` (row i of the result: the i-th changed row), parsed as a
    cycle parses them; None when one of them is a blank row (the row counts of Bot Status would change)."""
    mini = {}
    for name in REP_TABS:
        rows = tabs[settings.title(name)]
        mini[settings.title(name)] = [rows[0]] + [rows[i] for i in changed[name]]
    v = core.validated(Snapshot(mini, ""), settings)
    if len(v.log) != len(changed["defective_log"]) or len(v.comp) != len(changed["comp_sheet"]):
        return None
    return row_keys(v.log, len(v.log), v.comp, len(v.comp), settings.recurrence.key)


def _positions_of(wanted: set[str], keys: list[str]) -> list[int]:
    """The positions of the keys that are in `wanted`, one C-level lookup per key."""
    return list(compress(range(len(keys)), map(wanted.__contains__, keys)))


def _near(tickets: set[str], keys: list[str]) -> set[str]:
    """The keys that differ from one of `tickets` only in leading zeros (the Comp Sheet check names them):
    every key's zeros dropped in one regex pass over the keys joined with NULs (a NUL is no digit, so no
    match crosses from one key to the next): half the time of a regex call per key."""
    bare = {without_leading_zeros(t) for t in tickets}      # never "": a key keeps its last digit
    joined = "\x00".join(keys)
    if joined.count("\x00") != len(keys) - 1:      # a key holding a NUL (cleaned keys never do)
        return {k for k in keys if without_leading_zeros(k) in bare}
    bare_keys = without_leading_zeros(joined).split("\x00") if keys else []
    return set(compress(keys, map(bare.__contains__, bare_keys)))
