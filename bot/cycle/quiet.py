"""Skipping the work of a cycle whose input is exactly what the bot already handled.

After each cycle the bot remembers, in a small file in its cache folder (never in the sheet), a
fingerprint of the input the *next* cycle should see if nobody edits anything: the rep tabs as read,
the bot tabs as the bot left them, the settings, the templates, the bot's version and the date. When
the next read has the same fingerprint (and the Bot Status heartbeat is not due), the cycle has
nothing to do, so it stops right after the read. Any difference, even a false one (a file re-saved
with identical values), only means the full cycle runs: the skip can be missed, never wrongly taken.
"""
from __future__ import annotations

import hashlib
import json
import logging
import marshal
import os
import pickle
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain
from pathlib import Path
from typing import Callable

from bot import __version__
from bot.read.cells import stored_comparables
from bot.config import Settings
from bot.backends.base import Snapshot
from bot.read.table import ColumnMap, map_columns, schema_columns
from sheet_schema import BOT_TABS, TabSchema, load

log = logging.getLogger(__name__)
# Bot Status has its own heartbeat. Open Cases depends on the date too, which the fingerprint holds,
# so the first cycle of a new day recomputes the ages.
FINGERPRINTED_BOT_TABS = tuple(name for name in BOT_TABS if load(name).quiet_check)


def cache_dir() -> Path:
    base = os.environ.get("DLB_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "defective-log-bot"


def _digest(data, canonical: bool = False) -> bytes:
    """sha256 of a serialisation. Marshal 4 is fastest but shares repeated objects by identity, so
    equal data built differently can serialise differently: fine for two reads of the same sheet (same
    code path), and a mismatch only costs a full cycle. `canonical` (marshal 0: no sharing, no
    interning) is for comparing what the bot computed with what it reads back."""
    return hashlib.sha256(_serialised(data, canonical)).digest()


def _serialised(data, canonical: bool) -> bytes:
    try:
        return marshal.dumps(data, 0 if canonical else 4)  # only plain values (the Google path)
    except ValueError:
        return pickle.dumps(data, protocol=5)  # datetimes from a workbook


def bot_tab_rows(name: str, rows: list[dict], compared: dict[str, list] | None = None) -> list[tuple]:
    """A bot tab reduced to what matters: every schema column, compared the way the plan compares.
    `compared`: columns the plan already reduced so (plan_tabs' `compared`; a column of a tab rewritten
    whole may run past `rows` with blanks, which the reduction drops)."""
    return _reduced(_reduced_columns(name, rows, compared))


def _reduced_columns(name: str, rows: list[dict], compared: dict[str, list] | None = None) -> list[list]:
    """Each schema column of `rows` in its comparable form (taken from `compared` where the plan has it)."""
    compared = compared or {}
    return [compared[c.key] if c.key in compared else stored_comparables([r.get(c.key) for r in rows])
            for c in load(name).columns]


def _reduced(columns: list[list]) -> list[tuple]:
    """Rows of a tab's schema columns, each already in its comparable form (column by column: a tab
    reaches 100,000 rows), without the blank rows at the end."""
    out = list(zip(*columns))
    while out and _blank(out[-1]):
        out.pop()
    return out


def _blank(row: tuple) -> bool:
    return all(v == "" for v in row)


def sheet_tab_rows(name: str, rows: list[list] | None, columns: ColumnMap | None,
                   exact: bool = False, none_free: bool = False) -> list[tuple]:
    """`bot_tab_rows` of a bot tab straight from the rows read (header row first), without making a
    dict of every row first: the same tuples, for the quiet-cycle check. `exact`: each cell as read, only
    a blank (None) made "" (see read_bot_chunks); `none_free`: the rows hold no None (Snapshot.none_free)."""
    if not rows or columns is None:
        return []
    if exact:
        fast = _exact_rows(rows, columns, load(name), none_free)
        if fast is not None:
            return fast
    # Each column as a list first: the checks that follow iterate it several times, and a list iterates
    # faster than the object array's view (the real CAERS log's Open Cases, 77,000 rows: a sixth less).
    reduce = _none_as_empty if exact else stored_comparables
    return _reduced([reduce(c.tolist()) for c in schema_columns(rows[1:], columns, load(name)).values()])


def _exact_rows(rows: list[list], columns: ColumnMap, schema: TabSchema, none_free: bool = False
                ) -> list[tuple] | None:
    """sheet_tab_rows(exact=True) of a tab laid out as the bot makes it (its schema columns from A in
    schema order, any it lacks after them, people's columns further right), straight from the rows:
    each row cut or padded to the schema's width, as a tuple (the column way cost 0.12 s on the real
    CAERS log's 131,000 bot rows, this a third of that). None for any other layout, or a blank read as
    None (a workbook's): the column way does those. `none_free` spares looking for a None (a third of
    the time): one there anyway only makes the digest miss, as any cell not in the reduced form does."""
    k = sum(c.key in columns.index for c in schema.columns)       # the schema columns the tab has
    if [columns.index.get(c.key) for c in schema.columns[:k]] != list(range(k)):
        return None
    data = rows[1:]
    if not none_free and None in chain.from_iterable(data):
        return None
    width = len(schema.columns)
    pad = ("",) * width
    if k == width and all(n == width for n in set(map(len, data))):
        out = list(map(tuple, data))
    else:
        out = [tuple(r[:k]) + pad[k:] if len(r) >= k else (*r, *pad[len(r):]) for r in data]
    while out and _blank(out[-1]):
        out.pop()
    return out


def _none_as_empty(values: list) -> list:
    return ["" if v is None else v for v in values] if None in values else values


def read_bot_digests(snapshot: Snapshot, settings: Settings,
                     matches: Callable[[dict[str, bytes]], bool] | None = None) -> dict[str, bytes]:
    """Each fingerprinted bot tab as read, reduced and digested as the fingerprint compares it: the quiet
    check. `matches`: see read_bot_chunks."""
    return {name: chunks.digest for name, chunks in read_bot_chunks(snapshot, settings, matches).items()}


def read_bot_chunks(snapshot: Snapshot, settings: Settings,
                    matches: Callable[[dict[str, bytes]], bool] | None = None,
                    keep_rows: tuple[str, ...] = ()) -> dict[str, Chunks]:
    """`read_bot_digests` a chunk of rows at a time: the warm cycle's check that the bot tabs are as the
    last cycle left them, whose chunks then stand for the rows it does not change (`patched_digest`).

    A bot tab nobody touched reads back exactly as written (each value as stored, a blank as nothing),
    so with `matches` (whether the caller expects these digests of every tab) the tabs are first
    digested as read, with only a blank made ""; digests it accepts so need no cell reduced (a tenth of
    a second at 100,000 rows). The exact form is stricter than the reduction (each cell it leaves is
    already in the reduced form), so it can miss a match, never make one: when `matches` refuses them,
    the tabs are reduced, and the caller compares again. The tabs in `keep_rows` keep their reduced
    rows (Chunks.rows: a digest of them moved, see patched_digest); an exact digest that matches is of
    rows equal to the reduced ones."""
    if matches is not None:
        exact = _read_bot_chunks(snapshot, settings, True, keep_rows)
        if matches({name: chunks.digest for name, chunks in exact.items()}):
            return exact
    return _read_bot_chunks(snapshot, settings, False, keep_rows)


def _read_bot_chunks(snapshot: Snapshot, settings: Settings, exact: bool, keep_rows: tuple[str, ...] = ()
                     ) -> dict[str, Chunks]:
    out = {}
    for name in FINGERPRINTED_BOT_TABS:
        title = settings.title(name)
        rows = snapshot.tabs.get(title)
        columns = map_columns(title, rows[0], load(name), settings.headers[name], strict=False) if rows else None
        out[name] = Chunks.of(sheet_tab_rows(name, rows, columns, exact, snapshot.none_free), keep=name in keep_rows)
    return out


def settings_digest(settings: Settings, template_dir: Path) -> bytes:
    h = hashlib.sha256(repr(settings).encode())
    h.update(__version__.encode())
    for p in sorted(Path(template_dir).glob("*.j2")):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.digest()


def rep_digest(rep_rows: dict[str, list], known: dict[str, bytes] | None = None) -> bytes:
    """The rep tabs as read. `known`: digests of a tab's bytes the backend took as it read them
    (Google: of the answer up to the end of each range, see Snapshot.tab_digests), used instead of
    serialising the rows again. Otherwise
    taken right after the read, before the core holds references to the cells (marshal's output
    depends on how many references an object has)."""
    known = known or {}
    h = hashlib.sha256()
    for title in sorted(rep_rows):
        h.update(title.encode())
        if title in known:
            h.update(b"bytes:" + known[title])
        else:
            h.update(b"rows:" + _digest(rep_rows[title]))
    return h.digest()


def input_key(rep: bytes, settings_key: bytes, now: datetime) -> str:
    """What the fingerprint covers besides the bot tabs: when it differs from the one remembered, the
    fingerprint cannot match, so a cycle after an edit to a rep tab skips reducing the bot tabs it read
    (at 100,000 rows, a tenth of a second) only to find a mismatch."""
    return hashlib.sha256(settings_key + now.date().isoformat().encode() + rep).hexdigest()


# Rows digested at a time: a whole tab's serialisation would be one of the cycle's largest objects, and
# a warm cycle digests again only the chunks holding rows it changed.
DIGEST_ROWS = 2000


@dataclass(frozen=True)
class Chunks:
    """A reduced bot tab's digest, made of one digest per DIGEST_ROWS rows."""

    length: int                  # reduced rows (the blank rows at the end dropped)
    digests: tuple[bytes, ...]
    rows: list[tuple] | None = field(default=None, compare=False, repr=False)   # the reduced rows, when kept

    @classmethod
    def of(cls, rows: list[tuple], keep: bool = False) -> Chunks:
        return cls(len(rows), tuple(_chunk_digest(rows[i:i + DIGEST_ROWS]) for i in range(0, len(rows), DIGEST_ROWS)),
                   rows if keep else None)

    @property
    def digest(self) -> bytes:
        return hashlib.sha256(b"".join(self.digests)).digest()


def _chunk_digest(rows: list[tuple]) -> bytes:
    return hashlib.sha256(_serialised(rows, canonical=True)).digest()


def tab_digest(rows: list[tuple]) -> bytes:
    """A bot tab reduced by `bot_tab_rows` (what the bot leaves) or `sheet_tab_rows` (what a read found),
    digested as the fingerprint compares it."""
    return Chunks.of(rows).digest


def patched_digest(name: str, rows: list[dict], read: Chunks, changed: list[int],
                   compared: dict[str, list] | None = None, sources: list[int] | None = None) -> bytes:
    """`desired_tab_digest` of `rows`, a bot tab as read (digested to `read`) in which only the rows at
    `changed` (0-based, sorted) may differ or be new: the chunks holding none of them are taken from
    `read`, the others digested again. `compared`: columns the plan already reduced for the rows at
    `changed`, in that order (plan_tabs' `compared`), taken for a chunk whose every row it covers (a
    few edits can move most of a sorted tab's rows). `sources` (rows shifted, plan.Alignment): the row
    as read that each other row is. When `read` kept its rows, a chunk to digest again takes every row
    but the changed ones from them (reduced once already), moved or not."""
    def reduced(part: list[dict], given: dict[str, list] | None = None) -> list[tuple]:
        return list(zip(*_reduced_columns(name, part, given)))    # bot_tab_rows of a part, blank rows kept

    def moved(lo: int, hi: int) -> bool:
        return sources is not None and (sources[lo] != lo or sources[hi - 1] != hi - 1)

    n = len(rows)
    while n and _blank(reduced(rows[n - 1:n])[0]):
        n -= 1
    out = []
    for lo in range(0, n, DIGEST_ROWS):
        hi = min(n, lo + DIGEST_ROWS)
        c = lo // DIGEST_ROWS
        same_rows = c < len(read.digests) and min(read.length, lo + DIGEST_ROWS) == hi
        first, last = bisect_left(changed, lo), bisect_left(changed, hi)
        if same_rows and last == first and not moved(lo, hi):
            out.append(read.digests[c])
            continue
        given = {key: column[first:last] for key, column in (compared or {}).items()}   # the chunk's compared rows
        if compared and last - first == hi - lo:    # sorted and distinct: every row of the chunk compared
            out.append(_chunk_digest(reduced(rows[lo:hi], given)))
        elif read.rows is not None:   # the rows left alone as read: only the changed ones reduced
            at = changed[first:last]
            at_rows = reduced([rows[i] for i in at], given) if at else []
            out.append(_chunk_digest(_moved_rows(read.rows, sources, lo, hi, at, at_rows, len(load(name).columns))))
        else:
            out.append(_chunk_digest(reduced(rows[lo:hi])))
    return hashlib.sha256(b"".join(out)).digest()


def _moved_rows(read_rows: list[tuple], sources: list[int] | None, lo: int, hi: int, at: list[int],
                at_rows: list[tuple], width: int) -> list[tuple]:
    """Rows lo..hi of a tab: the rows at `at` as given (`at_rows`), every other row the reduced row as
    read that `sources` says sits there (None: the row read at the same place, no row shifted)."""
    blank = ("",) * width     # the reduced rows read end at the last filled one: any row past it is blank
    out = []
    j = 0
    for i in range(lo, hi):
        if j < len(at) and at[j] == i:
            out.append(at_rows[j])
            j += 1
        else:
            s = sources[i] if sources is not None else i
            out.append(read_rows[s] if s < len(read_rows) else blank)
    return out


def desired_tab_digest(name: str, rows: list[dict], compared: dict[str, list] | None = None) -> bytes | None:
    """`tab_digest` of a bot tab as a cycle leaves it (see bot_tab_rows); None for a tab the fingerprint
    does not cover."""
    return tab_digest(bot_tab_rows(name, rows, compared)) if name in FINGERPRINTED_BOT_TABS else None


def fingerprint(rep: bytes, tab_digests: dict[str, bytes], settings_key: bytes, now: datetime) -> str:
    """`tab_digests`: each fingerprinted bot tab's `tab_digest` (a tab not given counts as empty)."""
    h = hashlib.sha256(settings_key)
    h.update(now.date().isoformat().encode())  # rules may depend on the date; recheck at least daily
    h.update(rep)
    for name in FINGERPRINTED_BOT_TABS:
        h.update(name.encode())
        h.update(tab_digests.get(name) or tab_digest([]))
    return h.hexdigest()


def steady_state(digest: str | None, settings_key: bytes, now: datetime, last_run: str) -> dict | None:
    """What lets the next cycle skip even the parse: the digest of the bytes read by a cycle that
    wrote nothing, with what else the fingerprint covers (settings, date) and Bot Status's Last run
    as it stands (for the heartbeat)."""
    if digest is None:
        return None
    return {"digest": digest, "settings": settings_key.hex(), "day": now.date().isoformat(),
            "last_run": last_run}


def steady_digest(remembered: dict, settings_key: bytes, now: datetime) -> tuple[str, str] | None:
    """(digest, Last run) a read may stop at, unparsed; None when a full check is due anyway."""
    steady = remembered.get("steady")
    if not isinstance(steady, dict) or steady.get("settings") != settings_key.hex() \
            or steady.get("day") != now.date().isoformat():
        return None
    digest, last_run = steady.get("digest"), steady.get("last_run")
    return (digest, last_run) if isinstance(digest, str) and isinstance(last_run, str) else None


class QuietCache:
    """The remembered fingerprint for one sheet (a workbook path or a spreadsheet id)."""

    def __init__(self, target: str, folder: Path | None = None):
        self.target = target
        digest = hashlib.sha256(target.encode()).hexdigest()[:16]
        self.path = (folder or cache_dir()) / f"state-{digest}.json"

    def load(self) -> dict:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) and data.get("target") == self.target else {}

    def save(self, fingerprint_: str, summary: dict, steady: dict | None = None, inputs: str | None = None) -> None:
        """`steady` (see `steady_state`) when the cycle wrote nothing, so the sheet is still exactly
        the bytes it read. `inputs`: the fingerprint's `input_key`."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps({"target": self.target, "fingerprint": fingerprint_, "summary": summary,
                                       "steady": steady, "inputs": inputs}))
            os.replace(tmp, self.path)
        except OSError as exc:  # a cache that cannot be written only costs speed
            log.debug("could not write the cache file %s (%s)", self.path, exc)

    def forget(self) -> None:
        try:
            self.path.unlink()
        except OSError:
            pass
