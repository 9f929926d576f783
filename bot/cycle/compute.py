"""The functional core of one cycle: from the rows read to the desired bot tabs and the plan.

Pure: no I/O, no clock (the caller passes `now`). Both backends feed it the same kind of Snapshot,
so the same sheet gives the same bot tabs whichever storage it lives in.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

import numpy as np
import pandas as pd

from bot import __version__
from bot.read import cells
from bot.backends.base import Plan, Snapshot
from bot.config import Settings
from bot.cycle.row_keys import RowKeys, row_keys
from bot.tabs.drafts import Draft, Renderer, product_spellings
from bot.errors import LayoutError
from bot.tabs.capa import Capa
from bot.tabs.feedback import with_feedback
from bot.tabs.open_cases import NotifyEscalation, open_cases_rows
from bot.tabs.layout import TabLayout, draft_key, drafts_layout, escalations_layout, flag_key
from bot.tabs.bot_memory import memory_rows, parse_memory, read_memory
from bot.cycle.plan import Alignment, TabTarget, plan_tabs
from bot.tabs.escalations import RECURRENCE_COLUMNS, FlagChanges, episodes
from bot.read.table import ROW_COLUMN, BotTable, ColumnMap, map_columns, read_bot_table, rep_frame
from bot.tabs.log_issues import Validation, parsed_columns, validate
from sheet_schema import BOT_TABS, REP_TABS, load

STAMP_FORMAT = "%Y-%m-%d %H:%M"


@dataclass
class Outcome:
    plan: Plan
    validation: Validation
    rows_read: dict[str, int]
    drafts_ready: list[Draft]
    drafts_new: int
    drafts_waiting: int
    flags: FlagChanges
    flags_total: int
    last_run: str            # Bot Status's Last run as read ("" when there is none)
    # The bot tabs as read, and (in `validation`) the parsed frames: compute(consume=True) empties the
    # frames once the rules have read them and each table's rows once it is planned, so only the callers
    # of compute without `consume` may rely on them.
    tables: dict[str, BotTable] = field(repr=False, default_factory=dict)
    desired: dict[str, list[dict]] = field(repr=False, default_factory=dict)
    # Each fingerprinted bot tab as this cycle leaves it, digested (compute's `tab_digest`).
    tab_digests: dict[str, bytes] = field(repr=False, default_factory=dict)
    # Drafts ready in the whole sheet (a warm cycle's drafts_ready holds only those it worked out again).
    ready_total: int = -1
    # Each rep row's keys (compute(keep_keys=True)), for the next warm cycle (bot.cycle.warm).
    row_keys: RowKeys | None = field(repr=False, default=None)

    def __post_init__(self):
        if self.ready_total < 0:
            self.ready_total = len(self.drafts_ready)


def stamp(now: datetime) -> str:
    return now.strftime(STAMP_FORMAT)


def rep_columns(snapshot: Snapshot, settings: Settings, name: str) -> tuple[list[list], ColumnMap]:
    title = settings.title(name)
    rows = snapshot.tabs.get(title)
    if rows is None:
        raise LayoutError(title, f"There is no '{title}' tab in {snapshot.source}: rename the tab to "
                                 f"'{title}', or set [tabs] {name} = \"<your tab name>\" in the config file.")
    if not rows or all(cells.is_blank(c) for c in rows[0]):
        raise LayoutError(title, f"The '{title}' tab has no header row: put the headers in row 1 "
                                 f"(run `defective-log-bot init` on a new sheet to add them).")
    schema = load(name)
    return rows, map_columns(title, rows[0], schema, settings.headers[name], strict=True)


def rep_layout_errors(snapshot: Snapshot, settings: Settings) -> list[LayoutError]:
    """Every problem with the rep tabs' layout (a missing tab, header row or header), at most one per tab;
    `doctor` lists them with the very sentences a cycle stops with."""
    titles = [settings.title(n) for n in REP_TABS]
    if all(snapshot.tabs.get(t) is None for t in titles):
        # An empty or brand-new workbook, most likely: init creates both tabs with their headers.
        return [LayoutError(titles[0], f"{snapshot.source} has no '{titles[0]}' or '{titles[1]}' tab: run "
                                       f"`defective-log-bot init` to create them with their headers (or, if "
                                       f"they are there under other names, set [tabs] {REP_TABS[0]} and "
                                       f"{REP_TABS[1]} in the config file).")]
    errors = []
    for name in REP_TABS:
        try:
            rep_columns(snapshot, settings, name)
        except LayoutError as exc:
            errors.append(exc)
    return errors


@dataclass(frozen=True)
class Part:
    """The snapshot holds only some rows of the sheet (a warm cycle, bot.cycle.warm): the sheet row of
    each rep tab's data rows as given, the number the next new flag takes (the whole tab's highest + 1),
    and the product spellings of the whole log (drafts name a product as the whole log mostly spells it)."""

    rows: dict[str, list[int]]
    next_flag: int
    spellings: dict[str, str]
    # Only the flags (and their memory) are wanted: the other tabs come out as read (Log Issues: only the
    # flags' own issues), and of the Defective Log only the columns the recurrence rules read are parsed,
    # or taken as `log` gives them (log_issues.parsed_columns of the rows given, as the last cycle parsed
    # them: row_keys.Recurrence).
    flags_only: bool = False
    log: pd.DataFrame | None = None


def validated(snapshot: Snapshot, settings: Settings, part: Part | None = None) -> Validation:
    """Both rep tabs of the snapshot, parsed and checked (raises one LayoutError naming every missing
    tab or header)."""
    errors = rep_layout_errors(snapshot, settings)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise LayoutError(errors[0].tab, " Also: ".join(e.message for e in errors),
                          header=next((e.header for e in errors if e.header), None),
                          headers=tuple(h for e in errors for h in e.headers))
    if part is not None and part.flags_only and part.log is not None:
        return Validation(part.log, pd.DataFrame({ROW_COLUMN: np.zeros(0, dtype=np.int64)}), [])
    log_rows, log_cols = rep_columns(snapshot, settings, "defective_log")
    comp_rows, comp_cols = rep_columns(snapshot, settings, "comp_sheet")
    log_schema, comp_schema = load("defective_log"), load("comp_sheet")
    log_raw, comp_raw = rep_frame(log_rows, log_cols, log_schema), rep_frame(comp_rows, comp_cols, comp_schema)
    if part is not None:
        log_raw.rows = np.array(part.rows[settings.title("defective_log")], dtype=np.int64)
        comp_raw.rows = np.array(part.rows[settings.title("comp_sheet")], dtype=np.int64)
        if part.flags_only:
            log = parsed_columns(log_raw, log_schema, RECURRENCE_COLUMNS, settings.day_first)
            return Validation(log, pd.DataFrame({ROW_COLUMN: comp_raw.rows[:0]}), [])
    return validate(log_raw, log_schema, log_cols, comp_raw, comp_schema, comp_cols, settings.day_first)


def compute(snapshot: Snapshot, settings: Settings, now: datetime, renderer: Renderer, *,
            consume: bool = False,
            tab_digest: Callable[[str, list[dict], dict[str, list]], bytes | None] | None = None,
            part: Part | None = None, keep_keys: bool = False) -> Outcome:
    """`consume` (the cycle's own read, which nothing else needs): the snapshot lets go of the rows read
    as soon as they are parsed, each parsed frame goes once the last rule has read it (Outcome.validation
    then holds them empty) and each bot tab's rows once the plan has compared them, so no step sits on
    top of what the steps before it needed (the cycle's peak memory). The plan, the desired tabs and the
    issues are the same either way (tests/test_hardening_input.py checks it on any input).
    `tab_digest` (bot.cycle.quiet.desired_tab_digest, for the quiet-cycle fingerprint): called
    with each bot tab's name, desired rows and the columns the plan compared, as the plan goes; what it
    returns (None: not fingerprinted) is kept in Outcome.tab_digests, so no tab's columns outlive its plan.
    `keep_keys`: Outcome.row_keys holds each rep row's keys."""
    heights = {name: len(snapshot.tabs.get(settings.title(name)) or [None]) - 1 for name in REP_TABS}
    v = validated(snapshot, settings, part)
    keys = row_keys(v.log, heights["defective_log"], v.comp, heights["comp_sheet"],
                    settings.recurrence.key) if keep_keys else None

    # The rules read the bot tabs that carry records (Drafts, Escalations, Bot Memory, Bot Status); a tab
    # rewritten whole (Open Cases, Log Issues) only the plan reads, so it is read after the rules.
    later = [name for name in BOT_TABS if load(name).rewritten_whole]
    tables = {name: _bot_table(snapshot, settings, name) for name in BOT_TABS if name not in later}
    if consume:
        snapshot.tabs = {settings.title(name): snapshot.tabs.get(settings.title(name)) for name in later}
    when = stamp(now)

    # Each step's inputs are let go as soon as nothing else reads them (`del`): the cycle's peak memory
    # is what is alive at once, and the parsed memory and the episodes are among the largest.
    parsed_memory = parse_memory(tables["bot_memory"].rows)
    memory = read_memory(tables["bot_memory"].rows, parsed_memory)
    flags_only = part is not None and part.flags_only
    spellings = part.spellings if part else product_spellings(v.log["product"].tolist(), settings.recurrence.key)
    if flags_only:
        drafts, ready = TabLayout([dict(r) for r in tables["drafts"].rows], []), []
    else:
        drafts, ready = drafts_layout(tables["drafts"], memory.get("drafts"), v, renderer, spellings, when,
                                      now.date(), settings.follow_up, settings.escalation)
    log_rows, comp_rows = len(v.log), len(v.comp)
    if consume:
        v.comp = _emptied(v.comp)   # only the drafts read the Comp Sheet
    drafts_rows = drafts.rows
    drafts_new = drafts.added

    found = episodes(v.log, settings.recurrence)
    esc = settings.escalation
    escalate = NotifyEscalation(frozenset(esc.serious), esc.owner(3), settings.recurrence.min_cases)
    capa = Capa(v.log, settings.recurrence, esc, settings.capa, now.date())
    flags, flag_changes = escalations_layout(tables["escalations"], memory.get("escalations"), found,
                                             settings.recurrence, when, escalate, capa,
                                             part.next_flag if part else None)
    del found, capa
    esc_rows = flags.rows
    memory_tab = memory_rows(tables["bot_memory"].rows, {"escalations": flags.records, "drafts": drafts.records},
                             {"escalations": flag_key, "drafts": draft_key}, parsed_memory)
    # Bot cells people overtyped (and put back) are listed with the rep tabs' problems.
    v.issues = v.issues + flags.issues + drafts.issues
    del parsed_memory, memory, drafts, flags   # the records: only the memory's rows needed them
    open_rows = [] if flags_only else with_feedback(open_cases_rows(v.log, esc, now.date()), v.log, esc, now.date())

    issue_rows = [{"tab": i.tab, "row": i.row, "ticket_id": i.ticket_id, "column": i.column,
                   "field": i.field, "problem": i.problem, "severity": i.severity} for i in v.issues]

    rows_read = {settings.title("defective_log"): log_rows, settings.title("comp_sheet"): comp_rows}
    summary = status_summary(log_rows, comp_rows, v.errors, v.warnings, drafts_waiting(drafts_rows),
                             open_flags(esc_rows))
    waiting, flags_total = summary["Drafts waiting"], summary["Flags"]
    status_rows = desired_status(tables["bot_status"].rows, summary, now, settings.status_every_minutes)

    if consume:
        # The plan is the cycle's largest step (each tab's columns read and desired, compared): the parsed
        # log goes first, so its memory serves the plan (the real CAERS log's peak, bench/results.md).
        v.log = _emptied(v.log)
    tables.update({name: _bot_table(snapshot, settings, name) for name in later})
    if consume:
        snapshot.tabs = {}
    # The registry's one line per bot tab (sheet_schema: every bot tab a cycle writes must be here).
    desired = {"escalations": esc_rows, "drafts": drafts_rows, "log_issues": issue_rows,
               "bot_status": status_rows, "open_cases": open_rows, "bot_memory": memory_tab}
    status_read = last_run(tables["bot_status"].rows)
    plan, digests = planned(tables, desired, tab_digest, let_go=consume)
    return Outcome(plan, v, rows_read, ready, drafts_new, waiting, flag_changes, flags_total, status_read, tables,
                   desired, digests, row_keys=keys)


def planned(tables: dict[str, BotTable], desired: dict[str, list[dict]],
            tab_digest: Callable[[str, list[dict], dict[str, list]], bytes | None] | None,
            let_go: bool, compare: dict[str, list[int]] | None = None,
            on_compared: Callable[[str, list[dict], dict[str, list]], None] | None = None,
            alignments: dict[str, Alignment] | None = None) -> tuple[Plan, dict[str, bytes]]:
    """The plan from every bot tab as read to the tab as desired, and each tab's `tab_digest` (when
    given) as the plan goes. `compare` (a warm cycle, which digests the tabs itself): for a tab, the
    only rows that may differ from the tab as read; the plan compares only those, and hands each tab's
    columns as it compared them (those rows only) to `on_compared`; `alignments`, for a tab rewritten
    whole, where each desired row was read (plan.aligned), in place of `compare`."""
    if compare and tab_digest:
        raise ValueError("a tab's digest needs every row compared")
    # A tab rewritten whole each cycle (Log Issues, Open Cases) loses rows past its new end; the others
    # never lose a row.
    compare, alignments = compare or {}, alignments or {}
    targets = [TabTarget(tables[name], load(name), desired[name], clear_rest=load(name).rewritten_whole,
                         compare=compare.get(name), alignment=alignments.get(name)) for name in BOT_TABS]
    digests: dict[str, bytes] = {}

    def digest(name: str, rows: list[dict], compared: dict[str, list]) -> None:
        d = tab_digest(name, rows, compared)   # type: ignore[misc]
        if d is not None:
            digests[name] = d

    return plan_tabs(targets, digest if tab_digest else on_compared, let_go=let_go), digests


def _bot_table(snapshot: Snapshot, settings: Settings, name: str, lazy: bool = False) -> BotTable:
    title = settings.title(name)
    return read_bot_table(title, snapshot.tabs.get(title), load(name), settings.headers[name], lazy)


def _emptied(frame: pd.DataFrame) -> pd.DataFrame:
    # An empty frame of the same columns (a copy: a slice would keep the parsed columns alive).
    return frame.iloc[:0].copy()


LAST_RUN = "Last run"


def status_summary(log_rows: int, comp_rows: int, errors: int, warnings: int, waiting: int, flags: int) -> dict:
    """Bot Status's figures (below Last run); `waiting` and `flags` as drafts_waiting and open_flags count
    them in the tabs as the cycle leaves them."""
    return {
        "Defective Log rows": log_rows,
        "Comp Sheet rows": comp_rows,
        "Errors": errors,
        "Warnings": warnings,
        "Drafts waiting": waiting,
        "Flags": flags,
        "Bot version": __version__,
    }


# Counted as the sheet will hold the rows: a cell someone overtyped with a value no sheet can keep (inf)
# is stored blank, and counting it as filled now would make the next cycle rewrite Bot Status.
def drafts_waiting(rows: list[dict]) -> int:
    """Drafts rows with a ticket and no Status yet."""
    return sum(1 for r in rows if _stored_blank(r.get("status")) and not _stored_blank(r.get("ticket_id")))


def open_flags(rows: list[dict]) -> int:
    """Escalations rows with a Flag ID, not merged into another."""
    return sum(1 for r in rows if _stored_blank(r.get("merged_into")) and not _stored_blank(r.get("flag_id")))


def _stored_blank(value) -> bool:
    return cells.is_blank(cells.storable(value))


def desired_status(current: list[dict], summary: dict, now: datetime, every_minutes: float) -> list[dict]:
    """Bot Status is rewritten when the results change, and otherwise at most every `every_minutes`
    (a heartbeat), so a quiet cycle writes nothing."""
    have = {cells.as_text(r.get("item")): r.get("value") for r in current}
    same = all(cells.comparable(have.get(k)) == cells.comparable(v) for k, v in summary.items())
    fresh = status_is_fresh(current, now, every_minutes)
    rows = [{"item": LAST_RUN, "value": stamp(now)}] + [{"item": k, "value": v} for k, v in summary.items()]
    if same and fresh and len(current) >= len(rows):
        return [dict(r) for r in current]
    return rows


def status_is_fresh(current: list[dict], now: datetime, every_minutes: float) -> bool:
    """Bot Status says the bot ran less than `every_minutes` ago (so no heartbeat is due)."""
    return last_run_is_fresh(last_run(current), now, every_minutes)


def last_run(status_rows: list[dict]) -> str:
    """Bot Status's Last run, as text ("" when there is none)."""
    have = {cells.as_text(r.get("item")): r.get("value") for r in status_rows}
    return cells.as_text(have.get(LAST_RUN))


def last_run_is_fresh(text: str, now: datetime, every_minutes: float) -> bool:
    last = _parse_stamp(text, now)
    return last is not None and timedelta(0) <= now.replace(second=0, microsecond=0) - last \
        < timedelta(minutes=every_minutes)


def _parse_stamp(text: str, now: datetime) -> datetime | None:
    try:
        return datetime.strptime(text, STAMP_FORMAT).replace(tzinfo=now.tzinfo)
    except ValueError:
        return None


def required_tabs(settings: Settings) -> list[str]:
    # The rep tabs first: on Google a tab's digest covers everything read before it (Snapshot.tab_digests),
    # so this keeps the rep tabs' digests still while the bot rewrites its own tabs.
    return [settings.title(n) for n in REP_TABS + BOT_TABS]
