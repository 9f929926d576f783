"""One cycle: read everything, compute the plan, apply it in one batch.

If the storage changed between the read and the write (a rep saved the workbook meanwhile), the
cycle starts over from a fresh read instead of overwriting the edit.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from bot.backends.base import ApplyResult, Backend
from bot.config import Settings
from bot.core import Outcome, compute, required_tabs
from bot.drafts import Renderer
from bot.errors import ConcurrentEditError

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3


@dataclass
class CycleReport:
    outcome: Outcome
    applied: ApplyResult | None      # None on a dry run or when nothing changed
    attempts: int
    source: str
    dry_run: bool = False

    @property
    def wrote(self) -> bool:
        return self.applied is not None and self.applied.cells_written > 0


def run_cycle(backend: Backend, settings: Settings, clock: Callable[[], datetime], *,
              dry_run: bool = False, renderer: Renderer | None = None) -> CycleReport:
    renderer = renderer or Renderer(settings.templates_dir, settings.signoff)
    titles = required_tabs(settings)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        snapshot = backend.read(titles)
        outcome = compute(snapshot, settings, clock(), renderer)
        log.info("read %s; %d errors, %d warnings, %d drafts ready, %d flags; plan: %d cells",
                 ", ".join(f"{n} rows of {t}" for t, n in outcome.rows_read.items()),
                 outcome.validation.errors, outcome.validation.warnings, len(outcome.drafts_ready),
                 outcome.flags_total, outcome.plan.cell_count)
        if dry_run or outcome.plan.is_empty:
            return CycleReport(outcome, None, attempt, snapshot.source, dry_run)
        try:
            applied = backend.apply(outcome.plan, snapshot)
        except ConcurrentEditError:
            if attempt == MAX_ATTEMPTS:
                raise
            log.warning("the sheet changed while the cycle ran; starting over (attempt %d)", attempt + 1)
            continue
        log.info("wrote %d cells to %s", applied.cells_written, ", ".join(outcome.plan.tabs_written()))
        return CycleReport(outcome, applied, attempt, snapshot.source)
    raise AssertionError("unreachable")


class QuietGate:
    """In `watch`, skip a cycle when the storage says nothing changed since the last cycle that wrote
    nothing, unless the Bot Status heartbeat is due. The stamp is taken before the read, so an edit
    made during a cycle is never mistaken for the bot's own write."""

    def __init__(self, backend: Backend, heartbeat_minutes: float):
        self.backend = backend
        self.heartbeat = timedelta(minutes=heartbeat_minutes)
        self.quiet_token: str | None = None
        self.last_full: datetime | None = None

    def run(self, settings: Settings, clock: Callable[[], datetime]) -> CycleReport | None:
        token = self.backend.change_token()
        now = clock()
        if (token is not None and token == self.quiet_token and self.last_full is not None
                and now - self.last_full < self.heartbeat):
            log.debug("unchanged since the last cycle; skipped the read")
            return None
        report = run_cycle(self.backend, settings, clock)
        self.last_full = now
        self.quiet_token = None if report.wrote else token
        return report
