"""One cycle: read everything, compute the plan, apply it in one batch.

If the storage changed between the read and the write (a rep saved the workbook meanwhile), the
cycle starts over from a fresh read instead of overwriting the edit.
"""
from __future__ import annotations

import gc
import logging
import os
import pickle
import secrets
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable, Iterator

from bot.backends.base import ApplyResult, Backend, Snapshot
from bot.config import Settings
from bot.cycle import holiday_cache
from bot.cycle.kept_rows import Changes, write_rows
from bot.cycle.warm import Kept, kept_after, warm_outcome
from bot.cycle.compute import Outcome, compute, last_run, last_run_is_fresh, required_tabs, status_is_fresh
from bot.tabs.drafts import Renderer
from bot.errors import ConcurrentEditError
from bot.cycle.quiet import (QuietCache, desired_tab_digest, fingerprint, input_key, read_bot_digests, rep_digest,
                             settings_digest, steady_digest, steady_state)
from bot.read.table import read_bot_table
from sheet_schema import REP_TABS, load

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3


@dataclass
class CycleReport:
    outcome: Outcome | None          # None when the cycle was skipped (input unchanged)
    applied: ApplyResult | None      # None on a dry run or when nothing changed
    attempts: int
    source: str
    dry_run: bool = False
    skipped: bool = False
    skipped_by: str = ""             # "fingerprint" (parsed, then matched) or "digest" (bytes matched, unparsed)
    summary: dict = field(default_factory=dict)

    @property
    def wrote(self) -> bool:
        return self.applied is not None and self.applied.cells_written > 0


def summary_of(outcome: Outcome) -> dict:
    return {"rows_read": outcome.rows_read, "errors": outcome.validation.errors,
            "warnings": outcome.validation.warnings, "drafts_waiting": outcome.drafts_waiting,
            "flags": outcome.flags_total}


def run_cycle(backend: Backend, settings: Settings, clock: Callable[[], datetime], *,
              dry_run: bool = False, renderer: Renderer | None = None,
              cache: QuietCache | None = None) -> CycleReport:
    """One cycle. With a `cache`, a cycle whose input is exactly what the last cycle left stops
    right after the read (see bot.cycle.quiet)."""
    with collector_paused():
        return _run_cycle(backend, settings, clock, dry_run, renderer, cache)


def collect_between_cycles() -> None:
    """Give the collector back what the last cycle froze (collector_paused), and collect it: `watch` calls
    this after each cycle, in the time it would spend waiting anyway (and not after a poll that found
    nothing to do, which froze nothing)."""
    if gc.get_freeze_count():
        gc.unfreeze()
        gc.collect()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off for the length of a cycle. A cycle builds millions of lists and
    tuples (the JSON rows, the columns) that all live until it ends, and the collector would scan them
    again and again as they pile up: at 100,000 rows that is half the CPU of parsing the JSON.

    Nearly everything a cycle builds is freed by reference counting alone. What is still alive when it
    ends (the report it returns: the tabs as read and as desired, 137,000 rows on the real CAERS log) is
    frozen out of the collector's sight (gc.freeze) instead of being scanned by the collector's first pass
    once it is back on (0.07 s on that log) and again in each older generation; freed later, those objects
    go as any other. The few reference cycles a cycle leaves (openpyxl's workbook; none on the Google path,
    tests/test_collector.py) are frozen with them: the next cycle gives all of it back to the collector
    first, and `watch` collects it between cycles (collect_between_cycles)."""
    was_enabled = gc.isenabled()
    gc.disable()
    if was_enabled:
        gc.unfreeze()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.enable()


def _run_cycle(backend: Backend, settings: Settings, clock: Callable[[], datetime], dry_run: bool,
               renderer: Renderer | None, cache: QuietCache | None) -> CycleReport:
    renderer = renderer or Renderer(settings.templates_dir, settings.signoff)
    titles = required_tabs(settings)
    settings_key = settings_digest(settings, renderer.template_dir) if cache else b""
    remembered = cache.load() if cache else {}
    kept: Kept | None = None
    kept_loaded = False   # loaded only by a cycle that gets as far as the rules (not by a quiet one)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        skip_at = _skippable_digest(remembered, settings_key, clock(), settings) if cache and attempt == 1 else None
        snapshot = backend.read(titles, unless_digest=skip_at) if skip_at else backend.read(titles)
        now = clock()
        if snapshot.unchanged:
            log.info("the sheet is byte for byte what the last quiet cycle read; nothing to do")
            return CycleReport(None, None, attempt, snapshot.source, skipped=True, skipped_by="digest",
                               summary=remembered.get("summary", {}))
        rep = rep_digest({settings.title(n): snapshot.tabs.get(settings.title(n)) for n in REP_TABS},
                         snapshot.tab_digests) if cache else b""
        inputs = input_key(rep, settings_key, now) if cache else None
        if cache and remembered.get("fingerprint") and remembered.get("inputs") in (None, inputs):
            read = read_bot_digests(snapshot, settings, lambda digests: fingerprint(
                rep, digests, settings_key, now) == remembered["fingerprint"])
            seen = fingerprint(rep, read, settings_key, now)
            status = read_bot_table(settings.title("bot_status"), snapshot.tabs.get(settings.title("bot_status")),
                                    load("bot_status"), settings.headers["bot_status"]).rows
            if seen == remembered["fingerprint"] and status_is_fresh(status, now, settings.status_every_minutes):
                log.info("input unchanged since the last cycle; nothing to do")
                cache.save(seen, remembered.get("summary", {}),
                           steady_state(snapshot.digest, settings_key, now, last_run(status)), inputs)
                return CycleReport(None, None, attempt, snapshot.source, skipped=True, skipped_by="fingerprint",
                                   summary=remembered.get("summary", {}))
        if cache:   # the holiday calendar the last run worked out, instead of working it out again
            holiday_cache.load(cache.path.parent, settings.escalation, now.date())
        # The rep rows as read, for the next cycle to compare with (bot.cycle.warm), written before the
        # rules run so the cycle can let go of them as it goes.
        token = secrets.token_hex(8) if cache else ""
        if cache and not kept_loaded:
            kept, kept_loaded = _load_kept(cache), True
        rows_written, changes = _write_kept_rows(cache, token, snapshot, settings, kept, dry_run) if cache \
            else (None, None)
        warm = (_warm(snapshot, settings, now, renderer, kept, settings_key, changes, token,
                      getattr(backend, "shifts_rows", False)) if kept else None)
        if warm is FAILED:
            kept = None                   # not again in this run
            if not snapshot.tabs:         # it failed after letting go of the rows read: read again
                _drop(rows_written)
                continue
            warm = None
        if warm is not None:
            outcome, leaves = warm
            log.info("a few rep rows changed: worked out again only what they touch")
        else:
            # consume: the rows read are the biggest thing a cycle holds (at 100,000 rows, more than the
            # write it is about to build); the write needs only the snapshot's token, so compute lets them
            # go once parsed.
            outcome = compute(snapshot, settings, now, renderer, consume=True,
                              tab_digest=desired_tab_digest if cache else None, keep_keys=cache is not None)
            leaves = kept_after(outcome, token, settings_key, now) if cache else None
        if cache:
            holiday_cache.save(cache.path.parent, settings.escalation, now.date())
        log.info("read %s; %d errors, %d warnings, %d drafts ready, %d flags; plan: %d cells",
                 ", ".join(f"{n} rows of {t}" for t, n in outcome.rows_read.items()),
                 outcome.validation.errors, outcome.validation.warnings, outcome.ready_total,
                 outcome.flags_total, outcome.plan.cell_count)
        if dry_run:
            return CycleReport(outcome, None, attempt, snapshot.source, dry_run, summary=summary_of(outcome))
        # What the next read should look like if nobody edits (the rep tabs as read, the bot tabs as this
        # cycle leaves them), worked out before the write, which needs none of what it is made from.
        expected = fingerprint(rep, outcome.tab_digests, settings_key, now) if cache else ""
        applied = None
        if not outcome.plan.is_empty:
            try:
                applied = backend.apply(outcome.plan, snapshot)
            except ConcurrentEditError:
                _drop(rows_written)
                if attempt == MAX_ATTEMPTS:
                    raise
                log.warning("the sheet changed while the cycle ran; starting over (attempt %d)", attempt + 1)
                continue
            log.info("wrote %d cells to %s", applied.cells_written, ", ".join(outcome.plan.tabs_written()))
        if cache:
            quiet = applied is None and steady_state(snapshot.digest, settings_key, now, outcome.last_run)
            cache.save(expected, summary_of(outcome), quiet or None, inputs)
            _save_kept(cache, leaves, rows_written)
        return CycleReport(outcome, applied, attempt, snapshot.source, summary=summary_of(outcome))
    raise AssertionError("unreachable")


def _warm(snapshot: Snapshot, settings: Settings, now: datetime, renderer: Renderer, kept: Kept,
          settings_key: bytes, changes: Changes | None, token: str, shift_rows: bool):
    """bot.cycle.warm's short way, or None for the full cycle (also when the short way fails: it only
    ever saves time, so a fault in it must not cost the cycle)."""
    try:
        return warm_outcome(snapshot, settings, now, renderer, kept, settings_key, changes, token,
                            shift_rows=shift_rows)
    except Exception:   # noqa: BLE001
        log.warning("the short way for a few edited rows failed; running the full cycle", exc_info=True)
        return FAILED


FAILED = object()   # what _warm returns when the short way raised


def _kept_path(cache: QuietCache, suffix: str) -> Path:
    return cache.path.with_name(cache.path.stem.replace("state-", "warm-") + suffix)


def _load_kept(cache: QuietCache) -> Kept | None:
    try:
        kept = pickle.loads(_kept_path(cache, ".pickle").read_bytes())
    except Exception:   # noqa: BLE001  (a missing, partial or older file only means the full cycle)
        return None
    return kept if isinstance(kept, Kept) else None


def _write_kept_rows(cache: QuietCache, token: str, snapshot: Snapshot, settings: Settings, kept: Kept | None,
                     dry_run: bool) -> tuple[Path | None, Changes | None]:
    """The rep rows as read, in a file of their own until the cycle has landed (then `_save_kept`), and
    how they differ from the rows the last cycle kept (None: nothing to compare with). A dry run only
    compares."""
    path = None if dry_run else _kept_path(cache, f".rows.{os.getpid()}.tmp")
    rep = {settings.title(n): snapshot.tabs.get(settings.title(n)) for n in REP_TABS}
    try:
        with ExitStack() as files:
            previous = None
            if kept is not None:
                try:
                    previous = files.enter_context(open(_kept_path(cache, ".rows"), "rb"))
                except OSError:
                    pass    # the rows went missing (the cache folder cleaned): the full cycle
            fh = None
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                # Customer data (names, emails, complaints): readable by the bot's own user only, as the
                # token is.
                fh = files.enter_context(os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb"))
            changes = write_rows(fh, token, rep, previous, kept.rows if kept else None)
    except (OSError, pickle.PicklingError) as exc:
        log.debug("could not keep the rows read in %s (%s)", path, exc)
        _drop(path)
        return None, None
    return path, changes


def _save_kept(cache: QuietCache, kept: Kept | None, rows: Path | None) -> None:
    """What this cycle leaves, beside the rows it read; neither when either is missing."""
    meta, kept_rows = _kept_path(cache, ".pickle"), _kept_path(cache, ".rows")
    try:
        if kept is None or rows is None:
            _drop(rows)
            meta.unlink(missing_ok=True)
            return
        os.replace(rows, kept_rows)
        tmp = meta.with_suffix(f".{os.getpid()}.tmp")
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as fh:
            pickle.dump(kept, fh, protocol=5)
        os.replace(tmp, meta)
    except OSError as exc:
        log.debug("could not keep the state for the next cycle in %s (%s)", meta, exc)


def forget_kept(cache: QuietCache) -> bool:
    """Delete what the last cycle left for a warm cycle (it holds a copy of the rep tabs' rows): for a
    data-subject request (`redact --apply`). The next cycle then runs in full. Whether there was any."""
    paths = [_kept_path(cache, ".pickle"), _kept_path(cache, ".rows")]
    found = any(p.exists() for p in paths)
    for p in paths:
        _drop(p)
    return found


def _drop(path: Path | None) -> None:
    if path is not None:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass


def _skippable_digest(remembered: dict, settings_key: bytes, now: datetime, settings: Settings) -> str | None:
    """The digest of the bytes the last quiet cycle read, if reading them again means nothing to do:
    same settings, same day, and no Bot Status heartbeat due."""
    steady = steady_digest(remembered, settings_key, now)
    if steady and last_run_is_fresh(steady[1], now, settings.status_every_minutes):
        return steady[0]
    return None


class QuietGate:
    """In `watch`, skip a cycle when the storage says nothing changed since the last cycle that wrote
    nothing, unless the Bot Status heartbeat is due or the date has changed (ages in Open Cases move
    with the date). The stamp is taken before the read, so an edit made during a cycle is never
    mistaken for the bot's own write."""

    def __init__(self, backend: Backend, heartbeat_minutes: float):
        self.backend = backend
        self.heartbeat = timedelta(minutes=heartbeat_minutes)
        self.quiet_token: str | None = None
        self.last_full: datetime | None = None

    def run(self, settings: Settings, clock: Callable[[], datetime],
            cache: QuietCache | None = None) -> CycleReport | None:
        token = self.backend.change_token()
        now = clock()
        if (token is not None and token == self.quiet_token and self.last_full is not None
                and now - self.last_full < self.heartbeat and now.date() == self.last_full.date()):
            log.debug("unchanged since the last cycle; skipped the read")
            return None
        report = run_cycle(self.backend, settings, clock, cache=cache)
        self.last_full = now
        self.quiet_token = None if report.wrote else token
        return report
