"""The bot's memory of what it issued, and laying its records out on the rows people see.

Escalations and Drafts are tabs people work in: they sort them, insert rows, type beside the bot's
cells, and sometimes overtype or delete them. So the bot does not take those tabs' cells as the truth
about its own flags and drafts. It keeps each record (the bot cells of a flag or a draft, as it last
wrote them) in the hidden Bot Memory tab, in the sheet itself so that any machine running the next
cycle knows the same, and each cycle:

- works out the records from its memory (new cases grow a flag's record, a new ready ticket gets a
  new draft record), never from cells a person may have typed over;
- lays them out on the visible rows by key (Flag ID, Ticket ID), so people's cells stay beside the
  record they were typed for, whatever the order of the rows;
- puts back a bot cell someone overtyped, naming it in Log Issues; recognises a row whose key was
  overtyped by the rest of its bot cells;
- brings back a deleted flag row with its Flag ID and Flagged At; a deleted draft stays deleted and is
  not drafted again (its record stays in memory).

A sheet without memory (the first cycle after an upgrade, or after someone deleted the hidden tab)
starts from the visible rows, as earlier versions did.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
from dataclasses import dataclass, field
from itertools import compress
from operator import ne
from typing import Callable, Iterable

from bot.read import cells
from bot.read.table import BotTable, column_letter
from bot.tabs.log_issues import WARNING, Issue
from sheet_schema import TabSchema

Record = dict            # the bot cells of one flag or draft: column key -> storable value
KeyOf = Callable[[dict], str]

# The tabs whose records the memory keeps, and which record cells recognise a row whose key a person
# overtyped (all must be filled and equal to what the bot last wrote there).
REMEMBERED = ("escalations", "drafts")


def parse_memory(rows: list[dict]) -> list[tuple[str, dict] | None]:
    """Each Bot Memory row as (tab name, record), or None for a row that is not a record (unreadable
    JSON: someone typed in the hidden tab). Parsed once a cycle: `read_memory` and `memory_rows` share it."""
    out: list[tuple[str, dict] | None] = []
    for r in rows:
        try:
            record = json.loads(cells.as_text(r.get("record")))
        except ValueError:
            out.append(None)
            continue
        out.append((cells.as_text(r.get("tab")).strip(), record) if isinstance(record, dict) else None)
    return out


def read_memory(rows: list[dict], parsed: list[tuple[str, dict] | None] | None = None) -> dict[str, list[Record]]:
    """The records in the Bot Memory tab, per tab name, in the order they were issued. A row that is
    not a record (unreadable JSON: someone typed in the hidden tab) is skipped."""
    out: dict[str, list[Record]] = {}
    for found in parse_memory(rows) if parsed is None else parsed:
        if found is not None and found[0] in REMEMBERED:
            out.setdefault(found[0], []).append(found[1])
    return out


# A cell holds at most MAX_STORED_CHARS characters. A record bigger than that (a flag of thousands of
# cases) keeps its longest texts as digests; `hydrate` takes them back from the visible row.
MAX_RECORD_CHARS = cells.MAX_STORED_CHARS - 1000
DIGEST = "sha256"


KEY = "_key"   # each record carries its key as the bot computed it, so a digested Ticket ID still finds its row


def short_key(key: str) -> str:
    """A key as kept in memory: itself, or a digest of it when it is too long to keep beside the rest."""
    return key if len(key) <= 200 else f"{DIGEST}:{_digest(key)}"


def record_text(record: Record) -> str:
    text = _json(record)
    # As a cell counts (an emoji is 2); the first test spares counting the usual record.
    if len(text) * 2 <= MAX_RECORD_CHARS or cells.utf16_length(text) <= MAX_RECORD_CHARS:
        return text
    record = dict(record)
    for key in sorted((k for k, v in record.items() if isinstance(v, str) and k != KEY),
                      key=lambda k: -len(record[k])):
        record[key] = {DIGEST: _digest(record[key])}
        text = _json(record)
        if cells.utf16_length(text) <= MAX_RECORD_CHARS:
            break
    return text


def _json(record: Record) -> str:
    return _ENCODER.encode(record)


# One encoder for every record (json.dumps with options makes one per call: a first cycle writes
# 10,000 records). A record is a flat dict of cell values, so it cannot refer to itself.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, check_circular=False)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def hydrate(records: list[Record], rows: list[dict], key_of: KeyOf) -> list[Record]:
    """Records with every text the memory kept as a digest taken back from the visible row of the same
    key when that row still holds it; otherwise the text is lost (None), and the cycle writes it afresh
    from the log when it can."""
    if not any(isinstance(v, dict) for r in records for v in r.values()):
        return records
    shown: dict[str, dict] = {}
    for r in rows:
        shown.setdefault(key_of(r), r)
    out = []
    for rec in records:
        if any(isinstance(v, dict) for v in rec.values()):
            row = shown.get(key_of(rec), {})
            rec = {k: (v if not isinstance(v, dict) else
                       row.get(k) if isinstance(row.get(k), str) and _digest(row.get(k)) == v.get(DIGEST)
                       else None)
                   for k, v in rec.items()}
        out.append(rec)
    return out


def memory_rows(current: list[dict], records: dict[str, list[Record]], key_of: dict[str, KeyOf],
                parsed: list[tuple[str, dict] | None] | None = None) -> list[dict]:
    """The Bot Memory tab as it should be: each record on the row it already has (so a cycle rewrites
    only the records that changed), new records appended in the order they were issued. A row that
    already holds the very record (same values of the same types, same tab and key cells) is kept as it
    is, without writing its JSON again (`parsed`: parse_memory of `current`, when the caller has it)."""
    rows = [dict(r) for r in current]
    parsed = parse_memory(current) if parsed is None else parsed
    where: dict[tuple[str, str], int] = {}
    for i, found in enumerate(parsed):
        if found is not None and found[0] in key_of:
            where.setdefault((found[0], key_of[found[0]](found[1])), i)
    for tab, recs in records.items():
        for rec, stored in zip(recs, _stored_records(recs)):
            key = key_of[tab](rec)
            stored[KEY] = key
            i = where.get((tab, key))
            if i is not None and rows[i].get("tab") == tab and rows[i].get("key") == key \
                    and parsed[i] is not None and _same_record(parsed[i][1], stored):
                continue
            row = {"tab": tab, "key": key, "record": record_text(stored)}
            if i is None:
                where[(tab, key)] = len(rows)
                rows.append(row)
            else:
                rows[i] = row
    return rows


def _stored_records(records: list[Record]) -> list[dict]:
    """{k: cells.storable(v)} of each record but its KEY, made column by column (records of a tab
    mostly share their keys)."""
    out: list[dict] = [{} for _ in records]
    groups: dict[tuple, list[int]] = {}
    for i, rec in enumerate(records):
        groups.setdefault(tuple(k for k in rec if k != KEY) if KEY in rec else tuple(rec), []).append(i)
    for keys, at in groups.items():
        columns = [cells.storables([records[i][k] for i in at]) for k in keys]
        for i, values in zip(at, zip(*columns)):
            out[i] = dict(zip(keys, values))
    return out


def _same_record(have: dict, want: dict) -> bool:
    """The same JSON: equal values of the same types (1 and 1.0, 1 and True are equal in Python, not in JSON)."""
    return have == want and all(type(have[k]) is type(v) for k, v in want.items())


def from_rows(rows: list[dict], schema: TabSchema, key_of: KeyOf) -> list[Record]:
    """Records from the visible rows, for a sheet with no memory yet: each keyed row's bot cells."""
    out, seen = [], set()
    for r in rows:
        key = key_of(r)
        if key and key not in seen:
            seen.add(key)
            out.append(_from_row(r, schema))
    return out


def _from_row(row: dict, schema: TabSchema) -> Record:
    """A record of a visible row's bot cells as they stand. A person may have typed a date or a time
    there; the memory holds JSON, so those are kept as the text the cell shows."""
    out = {}
    for k in schema.bot_keys:
        v = cells.storable(row.get(k))
        out[k] = cells.as_text(v) if isinstance(v, (_dt.date, _dt.time)) else v
    return out


@dataclass
class Placement:
    """Which record each visible row shows (by index in the record list), and which records no row
    shows (deleted rows)."""

    record_at: list[int | None]                      # per visible row
    unplaced: list[int] = field(default_factory=list)
    rekeyed: set[int] = field(default_factory=set)   # visible rows recognised although their key was overtyped


def place(rows: list[dict], records: list[Record], key_of: KeyOf, recognise: tuple[str, ...]) -> Placement:
    """Match visible rows to records: by key first. When several rows hold one record's key, the first
    whose `recognise` cells equal the record's takes it (someone typed that key over another record's
    row, above or below it), else the first. Then a row no record took whose `recognise` cells all equal
    an unmatched record's is that record (its key was overtyped, with any text or another record's key).
    Other rows are people's own and are left alone."""
    index: dict[str, int] = {}
    for i, rec in enumerate(records):
        index.setdefault(key_of(rec), i)
    rows_of: dict[int, list[int]] = {}
    for pos, r in enumerate(rows):
        i = index.get(key_of(r))
        if i is not None:
            rows_of.setdefault(i, []).append(pos)
    record_at: list[int | None] = [None] * len(rows)
    for i, positions in rows_of.items():
        at = positions[0]
        if len(positions) > 1 and recognise:
            own = _signature(records[i], recognise)
            at = next((p for p in positions if own is not None and _signature(rows[p], recognise) == own), at)
        record_at[at] = i
    taken = set(rows_of)
    placement = Placement(record_at)
    if recognise:
        waiting = {_signature(records[i], recognise): i for i in range(len(records)) if i not in taken}
        waiting.pop(None, None)
        for pos, r in enumerate(rows):
            if record_at[pos] is not None:
                continue
            i = waiting.pop(_signature(r, recognise), None) if waiting else None
            if i is not None:
                taken.add(i)
                record_at[pos] = i
                placement.rekeyed.add(pos)
    placement.unplaced = [i for i in range(len(records)) if i not in taken]
    return placement


def adopt(rows: list[dict], placement: Placement, records: list[Record], schema: TabSchema,
          key_of: KeyOf) -> list[Record]:
    """Records for the keyed rows the memory does not know (its memory row was lost, or the tab was
    filled before the memory existed): each such row becomes the record of its key, as it stands."""
    known = {key_of(r) for r in records}
    out = list(records)
    for pos, row in enumerate(rows):
        key = key_of(row)
        if placement.record_at[pos] is None and key and key not in known:
            known.add(key)
            out.append(_from_row(row, schema))
            placement.record_at[pos] = len(out) - 1
    return out


def _signature(row: dict, keys: tuple[str, ...]) -> tuple | None:
    values = tuple(cells.comparable(cells.storable(row.get(k))) for k in keys)
    return None if any(v == "" for v in values) else values


def overtyped(table: BotTable, pos: int, row: dict, was: Record, keys: Iterable[str], key_text: str,
              what: str) -> list[Issue]:
    """A warning for each bot cell of visible row `pos` that no longer holds what the bot last wrote."""
    changed = [k for k in keys if cells.comparable(cells.storable(row.get(k))) != cells.comparable(was.get(k))]
    return put_back(table, pos, changed, key_text, what)


def changed_cells(rows: list[dict], records: list[Record], record_at: list[int | None],
                  keys: Iterable[str]) -> dict[int, list[str]]:
    """`overtyped`'s comparison over a whole tab, column by column: {row position: the keys (in `keys`
    order) whose cell no longer holds what the bot last wrote there}, for the rows placed on a record."""
    placed = [p for p, i in enumerate(record_at) if i is not None]
    out: dict[int, list[str]] = {}
    for k in keys:
        shown = cells.stored_comparables([rows[p].get(k) for p in placed])
        was = cells.comparables([records[record_at[p]].get(k) for p in placed])
        for j in compress(range(len(placed)), map(ne, shown, was)):
            out.setdefault(placed[j], []).append(k)
    return out


def put_back(table: BotTable, pos: int, changed: Iterable[str], key_text: str, what: str) -> list[Issue]:
    """The warnings for bot cells of visible row `pos` found overtyped (`changed`), and put back."""
    return [cell_issue(table, pos + 2, k, key_text, "The bot writes this cell and someone changed it; it was "
                                                   f"put back as the bot wrote it ({what}).")
            for k in changed if k in table.columns.index]


def cell_issue(table: BotTable, sheet_row: int, key: str, key_text: str, problem: str) -> Issue:
    """A warning about one bot cell, named as a person finds it: the tab, the row, the column's letter and
    header as the tab has them now. A bot column the tab lacks (someone deleted it) is named where the
    plan writes it back: after the last header in use, as bot.cycle.plan places it."""
    col = table.columns.index.get(key)
    if col is None:
        col = table.columns.width + table.missing.index(key)
    return Issue(table.title, sheet_row, col, key_text, column_letter(col), table.columns.headers[key], problem,
                 WARNING)
