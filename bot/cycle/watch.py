"""The long-running worker: a cycle every N minutes with `schedule`, until Ctrl-C or SIGTERM.

A signal lets the current cycle finish, then the worker exits 0. A failed cycle (the sheet could not
be reached, a header is missing while a rep edits) is logged and retried with a growing pause; the
worker never dies from a data problem. Only a bad configuration stops it (exit 2).
"""
from __future__ import annotations

import logging
import signal
import time
from typing import Callable

import schedule

from bot.cycle.run import collect_between_cycles
from bot.errors import BotError, ConfigError, TemplateError

log = logging.getLogger(__name__)
MAX_BACKOFF_MINUTES = 60


class Worker:
    def __init__(self, cycle: Callable[[], None], every_minutes: float, *,
                 sleep: Callable[[float], None] = time.sleep, tick_seconds: float = 1.0):
        self.cycle = cycle
        self.every_minutes = every_minutes
        self.sleep = sleep
        self.tick_seconds = tick_seconds
        self.stopping = False
        self.failures = 0
        self.scheduler = schedule.Scheduler()  # our own, not schedule's global default

    def stop(self, *_args) -> None:
        if not self.stopping:
            log.info("stop requested; finishing the current cycle")
        self.stopping = True

    def run_once(self) -> None:
        """Run one cycle; on failure, log it and push the next cycle back (up to an hour). Then collect
        what the cycle left, while the worker waits anyway (after the failure's traceback is let go)."""
        try:
            self._handled_cycle()
        finally:
            collect_between_cycles()

    def _handled_cycle(self) -> None:
        try:
            self.cycle()
        except (ConfigError, TemplateError):
            raise  # a person must fix the settings; retrying cannot help
        except BotError as exc:
            self.failures += 1
            delay = min(self.every_minutes * 2 ** (self.failures - 1), MAX_BACKOFF_MINUTES)
            log.error("cycle failed (%s); next try in %.1f minutes", exc.message, delay)
            self._reschedule(delay)
            return
        except Exception:
            self.failures += 1
            delay = min(self.every_minutes * 2 ** (self.failures - 1), MAX_BACKOFF_MINUTES)
            log.exception("unexpected error in a cycle; next try in %.1f minutes", delay)
            self._reschedule(delay)
            return
        if self.failures:
            log.info("cycle succeeded again after %d failure(s)", self.failures)
            self.failures = 0
            self._reschedule(self.every_minutes)

    def _reschedule(self, minutes: float) -> None:
        self.scheduler.clear()
        self.scheduler.every(max(minutes * 60, 1)).seconds.do(self.run_once)

    def run(self, install_signals: bool = True) -> int:
        if install_signals:
            signal.signal(signal.SIGTERM, self.stop)
            signal.signal(signal.SIGINT, self.stop)
        self._reschedule(self.every_minutes)
        self.run_once()
        while not self.stopping:
            self.scheduler.run_pending()
            self.sleep(self.tick_seconds)
        log.info("stopped")
        return 0
