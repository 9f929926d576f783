"""The long-running worker: keeps going through failures, stops cleanly on a signal."""
import os
import signal

import pytest

from bot.errors import AccessError, ConfigError, LayoutError
from bot.cycle.watch import Worker
from fake_sheets import fake_sheets, sa_key  # noqa: F401  (fixtures)


class Clock:
    """Drives schedule's clock forward by each sleep, so a 5-minute interval takes no real time."""

    def __init__(self, monkeypatch):
        import datetime as dt
        import schedule
        self.now = dt.datetime(2026, 11, 23, 9, 0)
        real = dt.datetime

        clock = self

        class FakeDatetime(real):
            @classmethod
            def now(cls, tz=None):
                return clock.now

        monkeypatch.setattr(schedule.datetime, "datetime", FakeDatetime)

    def sleep(self, seconds):
        import datetime as dt
        self.now += dt.timedelta(seconds=seconds)


def test_runs_at_once_then_every_interval_and_stops_on_request(monkeypatch):
    clock = Clock(monkeypatch)
    calls = []

    def cycle():
        calls.append(clock.now)
        if len(calls) == 3:
            worker.stop()

    worker = Worker(cycle, every_minutes=5, sleep=clock.sleep, tick_seconds=30)
    assert worker.run(install_signals=False) == 0
    gaps = [(b - a).total_seconds() for a, b in zip(calls, calls[1:])]
    assert len(calls) == 3 and all(290 <= g <= 330 for g in gaps)


@pytest.mark.parametrize("error", [
    pytest.param(AccessError("sheet", "unreachable"), id="sheet-unreachable"),
    pytest.param(LayoutError("Defective Log", "header renamed"), id="header-missing-mid-edit"),
    pytest.param(RuntimeError("boom"), id="unexpected-error"),
])
def test_failures_back_off_and_the_worker_carries_on(monkeypatch, error):
    clock = Clock(monkeypatch)
    calls = []

    def cycle():
        calls.append(clock.now)
        if len(calls) <= 2:
            raise error
        worker.stop()

    worker = Worker(cycle, every_minutes=5, sleep=clock.sleep, tick_seconds=30)
    assert worker.run(install_signals=False) == 0
    gaps = [(b - a).total_seconds() / 60 for a, b in zip(calls, calls[1:])]
    assert len(calls) == 3 and 4.5 <= gaps[0] <= 6 and 9.5 <= gaps[1] <= 11  # 5 then 10 minutes
    assert worker.failures == 0


def test_bad_configuration_stops_the_worker():
    def cycle():
        raise ConfigError("recurrence.window_days", "bad")
    with pytest.raises(ConfigError):
        Worker(cycle, every_minutes=5, sleep=lambda s: None).run(install_signals=False)


def test_sigterm_lets_the_current_cycle_finish(monkeypatch):
    clock = Clock(monkeypatch)
    finished = []

    def cycle():
        os.kill(os.getpid(), signal.SIGTERM)  # arrives mid-cycle
        finished.append(True)

    old = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    try:
        assert Worker(cycle, every_minutes=5, sleep=clock.sleep).run() == 0
    finally:
        signal.signal(signal.SIGTERM, old[0])
        signal.signal(signal.SIGINT, old[1])
    assert finished == [True]


def test_quiet_gate_skips_unchanged_workbook_until_heartbeat(tmp_path):
    from datetime import timedelta

    import openpyxl

    from bot.backends.workbook import WorkbookBackend
    from bot.config import load_settings
    from bot.cycle.run import QuietGate
    from bot.demo.run import build_workbook
    from conftest import NOW

    path = tmp_path / "team.xlsx"
    build_workbook(path, NOW.date())
    settings = load_settings(environ={})
    backend = WorkbookBackend(path)
    reads = []
    real_read = backend.read
    backend.read = lambda titles, **kw: reads.append(1) or real_read(titles, **kw)
    gate = QuietGate(backend, heartbeat_minutes=60)
    t = [NOW]
    clock = lambda: t[0]  # noqa: E731

    assert gate.run(settings, clock).wrote            # cold: writes
    t[0] += timedelta(minutes=5)
    assert not gate.run(settings, clock).wrote        # after a write: reads again, quiet
    t[0] += timedelta(minutes=5)
    assert gate.run(settings, clock) is None          # unchanged: skipped, no read
    assert len(reads) == 2
    wb = openpyxl.load_workbook(path)                 # a rep edits the log
    wb["Defective Log"]["D2"] = "not-an-email"
    wb.save(path)
    t[0] += timedelta(minutes=5)
    assert gate.run(settings, clock).wrote            # seen at once
    t[0] += timedelta(minutes=5)
    gate.run(settings, clock)
    t[0] += timedelta(minutes=61)
    report = gate.run(settings, clock)                # heartbeat due: reads and refreshes Bot Status
    assert report is not None and report.wrote


def _google_gate(fake_sheets, sa_key):
    from bot.backends.google import GoogleBackend
    from bot.cycle.run import QuietGate
    from bot.demo.sample_data import build_sample
    from conftest import NOW

    for title, rows in build_sample(NOW.date()).items():
        fake_sheets.add_tab(title, rows)
    backend = GoogleBackend(fake_sheets.spreadsheet_id, sa_key.path, sleep=lambda s: None)
    return backend, QuietGate(backend, heartbeat_minutes=60)


def test_quiet_gate_asks_drive_and_skips_an_unchanged_google_sheet(fake_sheets, sa_key):
    from datetime import timedelta

    from bot.config import load_settings
    from conftest import NOW

    backend, gate = _google_gate(fake_sheets, sa_key)
    settings = load_settings(environ={})
    t = [NOW]
    clock = lambda: t[0]  # noqa: E731

    def poll():
        fake_sheets.clear_log()
        t[0] += timedelta(minutes=5)
        report = gate.run(settings, clock)
        return report, [e.kind for e in fake_sheets.drive_log], [e.kind for e in fake_sheets.api_log]

    report, drive, sheets = poll()
    assert report.wrote and drive == ["drive"]                     # cold: writes
    report, drive, sheets = poll()
    assert not report.wrote and sheets == ["metadata", "batchGet"]  # after its own write: reads, quiet
    report, drive, sheets = poll()
    assert report is None and drive == ["drive"] and sheets == []   # unchanged: one Drive request only
    fake_sheets.tab("Defective Log").set(1, 3, "not-an-email")      # a rep edits the log
    report, drive, sheets = poll()
    assert report.wrote                                             # seen at the next poll
    poll()
    t[0] += timedelta(minutes=60)
    report, drive, sheets = poll()
    assert report is not None and report.wrote                      # heartbeat due: Bot Status refreshed
    assert all(e.params.get("fields") == ["modifiedTime"] for e in fake_sheets.drive_log)


def test_quiet_gate_without_the_drive_api_reads_every_poll_and_says_so_once(fake_sheets, sa_key, caplog):
    from datetime import timedelta

    from bot.config import load_settings
    from conftest import NOW

    fake_sheets.drive_enabled = False
    backend, gate = _google_gate(fake_sheets, sa_key)
    settings = load_settings(environ={})
    t = [NOW]
    for _ in range(3):
        t[0] += timedelta(minutes=5)
        assert gate.run(settings, lambda: t[0]) is not None        # no stamp: every poll reads
    assert len(fake_sheets.drive_log) == 1                          # asked once, then stopped asking
    warnings = [r.getMessage() for r in caplog.records if "Drive" in r.getMessage()]
    assert len(warnings) == 1 and "enable the Google Drive API" in warnings[0]
    assert fake_sheets.spreadsheet_id not in warnings[0]


def test_quiet_gate_runs_the_first_poll_of_a_new_day_even_on_an_unchanged_sheet(tmp_path):
    """Open Cases ages move at midnight: the first poll after it reads, heartbeat or not."""
    from datetime import datetime, timedelta

    from bot.backends.workbook import WorkbookBackend
    from bot.config import load_settings
    from bot.cycle.run import QuietGate
    from bot.demo.run import build_workbook

    late = datetime(2026, 11, 30, 23, 40).astimezone()
    path = tmp_path / "team.xlsx"
    build_workbook(path, late.date())
    settings = load_settings(environ={})
    gate = QuietGate(WorkbookBackend(path), heartbeat_minutes=60)
    t = [late]
    clock = lambda: t[0]  # noqa: E731
    assert gate.run(settings, clock).wrote
    t[0] += timedelta(minutes=5)
    gate.run(settings, clock)                      # quiet after its own write
    t[0] += timedelta(minutes=5)
    assert gate.run(settings, clock) is None       # 23:50: unchanged, skipped
    t[0] += timedelta(minutes=15)                  # 00:05, heartbeat not yet due
    report = gate.run(settings, clock)
    assert report is not None and report.wrote    # a new day: ages grew, Open Cases rewritten
