"""The plan: the smallest set of writes that turns the bot tabs as they are into the bot tabs as they
should be. Pure. Only bot-owned columns are ever written; people's columns and unknown columns are
never part of a write range. Unchanged cells are not written, so a quiet cycle plans nothing.
"""
from __future__ import annotations

from dataclasses import dataclass

from bot.backends.base import CreateTab, Plan, RangeWrite
from bot.cells import comparable, storable
from bot.table import BotTable
from sheet_schema import TabSchema


@dataclass(frozen=True)
class TabTarget:
    """What one bot tab should hold: its rows (index i is sheet row i + 2), and whether rows past the
    end should be cleared (Log Issues is rewritten each cycle; other tabs never lose a row)."""

    table: BotTable
    schema: TabSchema
    rows: list[dict]
    clear_rest: bool = False


def plan_tabs(targets: list[TabTarget]) -> Plan:
    creates: list[CreateTab] = []
    writes: list[RangeWrite] = []
    for t in targets:
        if not t.table.exists:
            creates.append(CreateTab(t.table.title))
        writes.extend(_plan_tab(t))
    return Plan(tuple(creates), tuple(writes))


def _positions(t: TabTarget) -> dict[str, int]:
    """0-based column of every schema column; missing ones go after the last header in use."""
    index = dict(t.table.columns.index)
    next_free = t.table.columns.width
    for key in t.table.missing:
        index[key] = next_free
        next_free += 1
    return index


def _plan_tab(t: TabTarget) -> list[RangeWrite]:
    index = _positions(t)
    bot_keys = [c.key for c in t.schema.columns if c.owner == "bot"]
    key_at = {index[k]: k for k in bot_keys}
    out: list[RangeWrite] = []
    if t.table.missing:  # missing headers sit side by side after the last header in use
        headers = tuple(storable(t.table.columns.headers[k]) for k in t.table.missing)
        out.append(RangeWrite(t.table.title, 1, index[t.table.missing[0]] + 1, (headers,)))
    current = t.table.rows
    # Compare and write values as the storage will hold them, so a quiet cycle plans nothing.
    wanted = [{k: storable(v) for k, v in row.items()} for row in t.rows]
    height = max(len(t.rows), len(current)) if t.clear_rest else len(t.rows)
    runs_by_row: list[list[tuple[int, int]]] = []
    for i in range(height):
        have = current[i] if i < len(current) else {}
        want = wanted[i] if i < len(wanted) else {}
        changed = sorted(index[k] for k in bot_keys
                         if comparable(have.get(k)) != comparable(want.get(k)))
        runs_by_row.append(_runs(changed, key_at))
    # One rectangle per stretch of consecutive rows that change the same columns.
    i = 0
    while i < height:
        runs = runs_by_row[i]
        j = i
        while j + 1 < height and runs_by_row[j + 1] == runs and runs:
            j += 1
        for start, end in runs:
            block = []
            for r in range(i, j + 1):
                want = wanted[r] if r < len(wanted) else {}
                block.append(tuple(_literal(want.get(key_at[c])) for c in range(start, end + 1)))
            out.append(RangeWrite(t.table.title, i + 2, start + 1, tuple(block)))
        i = j + 1
    return out


def _runs(changed: list[int], key_at: dict[int, str]) -> list[tuple[int, int]]:
    """Group changed columns into spans that contain only bot columns (unchanged bot cells inside a
    span are rewritten with their own value; a people's column always ends a span)."""
    runs: list[tuple[int, int]] = []
    for c in changed:
        if runs and all(x in key_at for x in range(runs[-1][1] + 1, c + 1)):
            runs[-1] = (runs[-1][0], c)
        else:
            runs.append((c, c))
    return runs


def _literal(value):
    if value is None or (isinstance(value, str) and value == ""):
        return None
    return value

