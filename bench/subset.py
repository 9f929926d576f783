"""How much of the log a warm cycle would have to recompute under docs/INCREMENTAL.md's design, measured
on two cycles the bench recorded (not what the bot does today: it recomputes everything).

    python -m bench.run --sizes 100000 --no-caers --backends google,google-replay --keep-work
    python -m bench.subset WORK/rec-100000-cold.pickle WORK/rec-100000-warm-10.pickle

The first recording's rep tabs are what the last cycle read, the second's what this one reads (the
bench's warm edits change cells in place). Prints the rows edited, the tickets and recurrence groups
they touch, the subset (see `closure`), and the CPU of the core (`compute`) on that subset with empty bot tabs
against the same on the whole log: what running the rules on the subset costs, before splicing.
"""
from __future__ import annotations

import argparse
import gc
import time
from operator import ne

import numpy as np


def rep_rows(snapshot, settings) -> dict[str, list]:
    from sheet_schema import REP_TABS
    return {name: snapshot.tabs[settings.title(name)] for name in REP_TABS}


def keys_of(snapshot, settings):
    """Each log row's ticket key and (product key, defect type), each Comp Sheet row's ticket key, by
    sheet row, as the rules read them."""
    from bot.cycle.compute import validated
    from bot.read.table import ROW_COLUMN
    from bot.tabs.log_issues import TICKET_KEY
    v = validated(snapshot, settings)
    key = settings.recurrence.key
    log_rows = v.log[ROW_COLUMN].tolist()
    tickets = dict(zip(log_rows, v.log[TICKET_KEY].tolist()))
    groups = {r: (key(p) if p else "", d or "") for r, p, d in
              zip(log_rows, v.log["product"].tolist(), v.log["defect_type"].tolist())}
    comp = dict(zip(v.comp[ROW_COLUMN].tolist(), v.comp[TICKET_KEY].tolist()))
    return tickets, groups, comp


def closure(changed_log: set[int], changed_comp: set[int], before, now) -> tuple[set[int], set[int], set, set]:
    """(log rows, comp rows, tickets, groups) a recomputation must cover (sheet row numbers): every row
    of a ticket an edited row had or has (its per-ticket results: issues, draft, Open Cases row), every
    row of a group an edited row was or is in (its episodes), and the Comp Sheet rows of those tickets.
    Not closed further: a row brought in by its group keeps its own per-ticket results, and a row
    brought in by its ticket leaves its group's episodes alone (closing over both links brings in most
    of the log as soon as one Ticket ID is repeated across groups: see `--closed`)."""
    return _subset(changed_log, changed_comp, before, now, closed=False)


def _subset(changed_log, changed_comp, before, now, closed: bool):
    tickets: set[str] = set()
    groups: set[tuple] = set()
    for t_log, g_log, t_comp in (before, now):
        tickets |= {t_log.get(r, "") for r in changed_log} | {t_comp.get(r, "") for r in changed_comp}
        groups |= {g_log[r] for r in changed_log if r in g_log}
    tickets.discard("")
    t_log, g_log, t_comp = now
    by_ticket: dict[str, list[int]] = {}
    by_group: dict[tuple, list[int]] = {}
    for r, t in t_log.items():
        if t:
            by_ticket.setdefault(t, []).append(r)
        by_group.setdefault(g_log[r], []).append(r)
    rows: set[int] = set()
    todo_t, todo_g = set(tickets), set(groups)
    while todo_t or todo_g:
        new_rows = {r for t in todo_t for r in by_ticket.get(t, ())} | {r for g in todo_g for r in by_group.get(g, ())}
        new_rows -= rows
        rows |= new_rows
        if not closed:
            break
        todo_t = {t_log[r] for r in new_rows if t_log[r]} - tickets
        todo_g = {g_log[r] for r in new_rows} - groups
        tickets |= todo_t
        groups |= todo_g
    comp_rows = {r for r, t in t_comp.items() if t in tickets}
    return rows, comp_rows, tickets, groups


def sub_snapshot(snapshot, settings, log_rows: set[int], comp_rows: set[int]):
    """The snapshot with only these rep rows (renumbered) and empty bot tabs."""
    from bot.backends.base import Snapshot
    from sheet_schema import BOT_TABS
    tabs = {}
    for name, keep in (("defective_log", log_rows), ("comp_sheet", comp_rows)):
        rows = snapshot.tabs[settings.title(name)]
        tabs[settings.title(name)] = [rows[0]] + [rows[r - 1] for r in sorted(keep)]
    for name in BOT_TABS:
        title = settings.title(name)
        rows = snapshot.tabs.get(title)
        tabs[title] = rows[:1] if rows else rows
    return Snapshot(tabs, snapshot.source)


def cpu(fn, n: int = 3) -> float:
    best = float("inf")
    for _ in range(n):
        gc.collect()
        gc.disable()
        t = time.process_time()
        fn()
        best = min(best, time.process_time() - t)
        gc.enable()
    return best


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.subset", description=__doc__.split("\n\n")[0])
    p.add_argument("previous")
    p.add_argument("now")
    p.add_argument("--closed", action="store_true", help="close the subset over tickets and groups transitively")
    args = p.parse_args(argv)

    from bench import data as bench_data
    from bench.compute_profile import snapshot_of
    from bot.config import load_settings
    from bot.cycle.compute import compute
    from bot.tabs.drafts import Renderer

    settings = load_settings(environ={})
    before, now = snapshot_of(args.previous, settings), snapshot_of(args.now, settings)
    old, new = rep_rows(before, settings), rep_rows(now, settings)
    if any(len(old[n]) != len(new[n]) for n in old):
        print("the rep tabs' lengths differ: this measures edits in place only")
        return 1
    changed = {n: {i + 1 for i, d in enumerate(map(ne, old[n], new[n])) if d} for n in old}
    keys_before, keys_now = keys_of(before, settings), keys_of(now, settings)
    t = time.process_time()
    rows, comp_rows, tickets, groups = _subset(changed["defective_log"], changed["comp_sheet"], keys_before, keys_now,
                                               closed=args.closed)
    closing = time.process_time() - t
    print(f"edited: {len(changed['defective_log'])} log rows, {len(changed['comp_sheet'])} comp rows")
    print(f"subset: {len(rows):,} of {len(new['defective_log']) - 1:,} log rows, {len(comp_rows):,} of "
          f"{len(new['comp_sheet']) - 1:,} comp rows; {len(tickets):,} tickets, {len(groups):,} groups "
          f"(closed in {closing:.3f} s)")
    sizes = np.array([len([1 for g in keys_now[1].values() if g == grp]) for grp in list(groups)[:50]])
    if len(sizes):
        print(f"group sizes (first 50): median {int(np.median(sizes))}, largest {int(sizes.max())}")
    sub = sub_snapshot(now, settings, rows, comp_rows)
    empty = sub_snapshot(now, settings, set(keys_now[0]), set(keys_now[2]))
    t_sub = cpu(lambda: compute(sub, settings, bench_data.NOW, Renderer(settings.templates_dir, settings.signoff)))
    t_all = cpu(lambda: compute(empty, settings, bench_data.NOW, Renderer(settings.templates_dir, settings.signoff)))
    print(f"compute on the subset, bot tabs empty: {t_sub:.3f} s CPU; on the whole log, bot tabs empty: "
          f"{t_all:.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
