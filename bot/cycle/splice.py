"""How a warm cycle lays its parts' rows into the bot tabs as read (bot.cycle.warm): each desired tab is
the tab as read with a few rows replaced or added, as picks (bot.read.rows.PickedRows) that make only
the rows looked at into dicts, and the positions that may differ from the tab as read (all the plan
compares and the digest patches). Pure: rows in, rows out.
"""
from __future__ import annotations

from bisect import bisect_right
from datetime import date
from typing import Callable, Sequence

from bot.read import cells
from bot.read.rows import PickedRows, column_of
from bot.read.table import column_number
from bot.tabs.feedback import WHY
from bot.tabs.log_issues import Issue
from bot.tabs.open_cases import AGE_UNKNOWN


def recount(count: Callable[[list[dict]], int], rows: list[dict], at: list[int], part: list[dict]) -> int:
    """How much `count` of a tab changes when its rows at `at` are replaced by `part` (and the rest of
    `part` appended)."""
    return count(part) - count([rows[p] for p in at])


def spliced(rows: Sequence, at: list[int], part: list[dict]) -> tuple[PickedRows, list[int]]:
    """`rows` with the rows at `at` replaced by the first len(at) of `part`, and the rest of `part`
    (rows the part appended) after the last row; and the rows that may differ from `rows`. The rows as
    read are picked, not made or copied (nothing changes a desired row)."""
    out: list = list(range(len(rows)))
    for p, r in zip(at, part):
        out[p] = r
    out += part[len(at):]
    return PickedRows(rows, out), sorted(at) + list(range(len(rows), len(out)))


def spliced_memory(rows: Sequence, at_t: list[int], part_t: list[dict], at_g: list[int],
                   part_g: list[dict]) -> tuple[PickedRows, list[int]]:
    """Bot Memory: each part's records on their rows; new records after the last row, the flags' first
    (a full cycle appends the new flags' records, then the new drafts')."""
    out: list = list(range(len(rows)))
    for at, part in ((at_t, part_t), (at_g, part_g)):
        for p, r in zip(at, part):
            out[p] = r
    out += ([r for r in part_g[len(at_g):] if r.get("tab") == "escalations"]
            + [r for r in part_t[len(at_t):] if r.get("tab") == "drafts"])
    return PickedRows(rows, out), sorted(set(at_t) | set(at_g)) + list(range(len(rows), len(out)))


def spliced_open_cases(rows: Sequence, replaced: set[int], part: list[dict]) -> tuple[PickedRows, list[int]]:
    """Open Cases with the replaced log rows' cases taken from `part`, in the tab's order: Level 3, then
    the Not Satisfied cases feedback adds (log order), then the rest; within a level the unknown ages
    first, then oldest, then earliest Date Logged, then sheet row. And each row's place as read (-1: new)."""
    # The tab as read is in that order already (the last cycle left it so): the few new rows are put in
    # their places, rather than every row's order worked out again.
    # Each pick: a row as read (its place) or a new row (bot.read.rows: only the rows looked at are made).
    kept: list = [i for i, v in enumerate(column_of(rows, "row")) if _int(v) not in replaced]

    def order(pick) -> tuple:
        return _open_case_order(rows[pick] if type(pick) is int else pick)
    for r in sorted(part, key=_open_case_order):
        kept.insert(bisect_right(kept, _open_case_order(r), key=order), r)
    return PickedRows(rows, kept), [p if type(p) is int else -1 for p in kept]


def _open_case_order(row: dict) -> tuple:
    level = cells.as_text(row.get("level"))
    sheet_row = _int(row.get("row"))
    if level != "Level 3" and cells.as_text(row.get("reason")) == WHY:
        return (1, 0, 0, sheet_row)
    age = row.get("age")
    age_sort = float("inf") if cells.as_text(age) == AGE_UNKNOWN else float(age)
    text = cells.as_text(row.get("date_logged"))
    day = date.fromisoformat(text).toordinal() if text else 0
    return (0 if level == "Level 3" else 2, -age_sort, day, sheet_row)


def spliced_log_issues(rows: Sequence, log_title: str, comp_title: str, log_rows: set[int], comp_rows: set[int],
                       part: list[dict]) -> tuple[PickedRows, list[int]]:
    """Log Issues with the replaced rows' issues taken from `part`: the Defective Log's by row, then the
    Comp Sheet's (each row's issues in their own order, from one side or the other). And each row's
    place as read (-1: new)."""
    block = {log_title: 0, comp_title: 1}
    replaced = {log_title: log_rows, comp_title: comp_rows}
    both = []
    for i, (tab, row) in enumerate(zip(map(cells.as_text, column_of(rows, "tab")), map(_int, column_of(rows, "row")))):
        if tab in block and row not in replaced[tab]:
            both.append((block[tab], row, 0, i, i))
    both += [(block[cells.as_text(r.get("tab"))], _int(r.get("row")), 1, i, r) for i, r in enumerate(part)]
    both.sort(key=lambda t: t[:4])
    return PickedRows(rows, [pick for *_, pick in both]), [i if side == 0 else -1 for _, _, side, i, _ in both]


def issues_of(rows: Sequence) -> list[Issue]:
    """The Issues that Log Issues rows list, column by column (the rows as read are not made into dicts)."""
    texts = [list(map(cells.as_text, column_of(rows, k))) for k in ("tab", "ticket_id", "column", "field",
                                                                     "problem", "severity")]
    return [Issue(tab, _int(row), column_number(letter) if letter else -1, ticket, letter, field, problem, severity)
            for row, tab, ticket, letter, field, problem, severity in zip(column_of(rows, "row"), *texts)]


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1
