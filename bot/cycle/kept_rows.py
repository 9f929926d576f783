"""The rep tabs' rows as a cycle read them, kept in the cache folder for the next cycle to compare with
(bot.cycle.warm), and compared as they are written.

A cycle writes the rows it read a chunk at a time, each chunk serialised, and compares each chunk's
bytes with the same chunk of the file the last cycle wrote: only a chunk whose bytes differ is loaded
and compared row by row. The last read's rows are never all in memory (at 100,000 rows they would add
about 200 MB to the cycle's peak), and an unchanged chunk costs a comparison of bytes, not of rows.

A chunk is marshalled (version 2: no references between objects, so equal rows give equal bytes
whoever built them; 0.05 s at 100,000 rows against pickle's 0.085), or pickled when it holds what
marshal cannot write (a workbook's dates). Equal bytes mean equal rows; equal rows that serialise
differently are only compared row by row.
"""
from __future__ import annotations

import marshal
import pickle
import struct
from dataclasses import dataclass
from typing import BinaryIO

# Rows serialised at a time. Small enough that a few edits spread over the log leave most chunks' bytes
# equal (100 edits at 100,000 rows touch 100 of 1,000 chunks, where chunks of 2,000 rows had 46 of 50 to
# load and compare: 0.26 s against 0.11 s), large enough that a record's own cost stays small (writing
# every chunk costs the same from 2,000 rows down to 100: bench/results.md, ninth session).
ROWS_AT_ONCE = 100
MAGIC = b"defective-log-bot rows 4\n"
_LENGTH = struct.Struct("<Q")
MAX_RECORD = 1 << 31    # a longer record is a damaged length, not 100 rows


@dataclass
class Changes:
    """What differs between the rows written and the rows the last cycle wrote, by tab title."""

    rows: dict[str, list[int]]          # the rows (0-based, the header is row 0) that differ
    before: dict[str, dict[int, list]]  # those rows as they were


def write_rows(fh: BinaryIO | None, token: str, rep: dict[str, list | None],
               previous: BinaryIO | None = None, previous_token: str | None = None) -> Changes | None:
    """Write each rep tab's rows to `fh` (None: write nothing, only compare) after `token` (the one the
    state kept with them carries). Compare them with `previous`, the file written after `previous_token`:
    the rows that differ, or None when there is nothing to compare with (no file, another token, another
    format) or a tab's title or number of rows changed."""
    old = _Reader.open(previous, previous_token) if previous is not None else None
    _put(fh, MAGIC, length=False)
    _put(fh, _dumps(token))
    changes = Changes({}, {})
    for title, rows in rep.items():
        rows = rows or []
        head = _dumps((title, len(rows)))
        _put(fh, head)
        if old is not None and old.next() != head:
            old = None          # out of step with the old file from here on: compare nothing
        changed, before = changes.rows.setdefault(title, []), changes.before.setdefault(title, {})
        for i in range(0, len(rows), ROWS_AT_ONCE):
            chunk = rows[i:i + ROWS_AT_ONCE]
            blob = _dumps(chunk)
            _put(fh, blob)
            if old is None:
                continue
            was = old.next()
            if was == blob:
                continue
            was_rows = old.rows(was)
            if was_rows is None or len(was_rows) != len(chunk):
                old = None
                continue
            for j, (was_row, row) in enumerate(zip(was_rows, chunk)):
                if _differs(was_row, row):
                    changed.append(i + j)
                    before[i + j] = was_row
    return changes if old is not None else None


def _differs(was: list, row: list) -> bool:
    """Two rows differ in a cell's value or type: 1, 1.0 and True are equal in Python, but a rep who
    ticked a box where a 1 was changed the row (a checkbox reads as Yes, a 1 as a number)."""
    return was != row or list(map(type, was)) != list(map(type, row))


def _dumps(value) -> bytes:
    try:
        return b"M" + marshal.dumps(value, 2)
    except ValueError:    # a type marshal does not write (a date)
        return b"P" + pickle.dumps(value, protocol=5)


def _loads(blob: bytes):
    return marshal.loads(blob[1:]) if blob[:1] == b"M" else pickle.loads(blob[1:])


def _put(fh: BinaryIO | None, blob: bytes, length: bool = True) -> None:
    if fh is not None:
        if length:
            fh.write(_LENGTH.pack(len(blob)))
        fh.write(blob)


class _Reader:
    """The last cycle's file, a record at a time. Anything unreadable reads as a record no new one equals
    (b""), so the comparison stops there: a damaged or older file only costs the full cycle."""

    def __init__(self, fh: BinaryIO):
        self.fh = fh

    @classmethod
    def open(cls, fh: BinaryIO, token: str | None) -> _Reader | None:
        reader = cls(fh)
        if fh.read(len(MAGIC)) != MAGIC or reader.rows(reader.next()) != token:
            return None
        return reader

    def next(self) -> bytes:
        try:
            size = self.fh.read(_LENGTH.size)
            if len(size) != _LENGTH.size or _LENGTH.unpack(size)[0] > MAX_RECORD:
                return b""
            return self.fh.read(_LENGTH.unpack(size)[0])
        except (OSError, ValueError, OverflowError, MemoryError):
            return b""

    @staticmethod
    def rows(blob: bytes):
        try:
            return _loads(blob)
        except Exception:   # noqa: BLE001  (a damaged file)
            return None
