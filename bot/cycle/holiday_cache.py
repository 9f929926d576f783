"""The public-holiday calendar cases are aged with, kept in the cache folder between runs.

`run --once` from cron is a new process each time, and working the calendar out (importing the
`holidays` package, then 30 years of a country's holidays) costs about a tenth of a second, which every
cycle that ages cases would pay again for the same dates. The calendar depends only on the country,
the subdivision, the years and the installed `holidays` package, so it is kept in a small file named
after all four; installing another version of the package makes another file. A file that cannot be
read or written only costs that tenth of a second.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
from datetime import date
from pathlib import Path

import numpy as np

from bot.tabs.open_cases import KNOWN_HOLIDAYS, EscalationSettings, holiday_window

log = logging.getLogger(__name__)


def load(folder: Path, settings: EscalationSettings, today: date) -> bool:
    """Make the calendar kept in `folder` (if any) the one the rules use; whether there was one."""
    key = holiday_window(settings, today)
    if key in KNOWN_HOLIDAYS:
        return True
    path = _path(folder, key)
    if path is None:
        return False
    try:
        days = json.loads(path.read_text())
        KNOWN_HOLIDAYS[key] = np.array(days, dtype="datetime64[D]")
    except (OSError, ValueError, TypeError):
        return False
    return True


def save(folder: Path, settings: EscalationSettings, today: date) -> None:
    """Keep the calendar for the next run, when this one worked it out (a cycle with no open case and
    no flag never needs one) and it is not kept already."""
    key = holiday_window(settings, today)
    if key not in KNOWN_HOLIDAYS:
        return
    path = _path(folder, key)
    if path is None or path.exists():
        return
    days = [str(d) for d in KNOWN_HOLIDAYS[key]]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")   # two runs for two sheets may share the folder
        tmp.write_text(json.dumps(days))
        os.replace(tmp, path)
    except OSError as exc:
        log.debug("could not keep the holiday calendar in %s (%s)", path, exc)


def _path(folder: Path, key: tuple) -> Path | None:
    """The calendar's file: named after the country, subdivision and years, and the installed package
    (its location, size and modification time: a new install changes them), without importing it."""
    spec = importlib.util.find_spec("holidays")
    if spec is None or not spec.origin:
        return None
    try:
        stat = os.stat(spec.origin)
    except OSError:
        return None
    source = hashlib.sha256(repr((key, spec.origin, stat.st_size, stat.st_mtime_ns)).encode()).hexdigest()[:16]
    return Path(folder) / f"holidays-{source}.json"
