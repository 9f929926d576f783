"""The clock every command runs on: the machine's local time, or an `--as-of` day.

The rules never read a clock: the commands pass one in (so a test, the demo or `--as-of` can run any day).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Callable

from bot.errors import ConfigError


def local_now() -> datetime:
    return datetime.now().astimezone()


def as_of_clock(text: str | None, base: Callable[[], datetime] = local_now) -> Callable[[], datetime]:
    """The clock of a run: the real one, or `--as-of` day at the real time of day (so the Bot Status
    heartbeat and Drafted At still move within the run). A day that is not YYYY-MM-DD is a usage error."""
    if not text:
        return base
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError("--as-of", f"--as-of '{text}' is not a day: pass it as YYYY-MM-DD, for example "
                                     f"--as-of {base():%Y-%m-%d}.") from None

    def clock() -> datetime:
        now = base()
        return datetime.combine(day, now.timetz())
    return clock
