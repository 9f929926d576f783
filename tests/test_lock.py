"""One worker per sheet, and `watch` as a real process: second worker refused, SIGTERM exits 0."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.cycle.lock import WorkerLock, WorkerLockedError, lock_path_for


def test_second_lock_is_refused_with_the_holder_named(tmp_path):
    path = tmp_path / "x.lock"
    with WorkerLock(path, "team.xlsx"):
        with pytest.raises(WorkerLockedError) as err:
            WorkerLock(path, "team.xlsx").acquire()
        assert f"pid {os.getpid()}" in err.value.message and err.value.exit_code == 3
    WorkerLock(path, "team.xlsx").acquire()  # released: free again


def test_lock_paths():
    assert lock_path_for("w", Path("/data/team.xlsx")) == Path("/data/.team.xlsx.bot-lock")
    a = lock_path_for("sheet-a", None, Path("/run/u"))
    assert a.parent == Path("/run/u") and a != lock_path_for("sheet-b", None, Path("/run/u"))


def test_watch_process_refuses_a_second_worker_and_stops_cleanly_on_sigterm(tmp_path):
    from bot.clock import local_now
    from bot.demo.run import build_workbook
    book = tmp_path / "team.xlsx"
    build_workbook(book, local_now().date())
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "bot", "watch", "--every", "60", "--workbook", str(book)]
    first = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert "Watching" in first.stdout.readline()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # wait for the first cycle to write the bot tabs
            from openpyxl import load_workbook
            try:
                if "Drafts" in load_workbook(book, read_only=True).sheetnames:
                    break
            except Exception:
                pass
            time.sleep(0.2)
        second = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
        assert second.returncode == 3
        assert f"pid {first.pid}" in second.stderr and "Traceback" not in second.stderr
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=30) == 0
    finally:
        if first.poll() is None:
            first.kill()


def test_a_lock_freed_while_waiting_is_taken(tmp_path):
    import threading
    path = tmp_path / "x.lock"
    held = WorkerLock(path, "team.xlsx")
    held.acquire()
    threading.Timer(0.3, held.release).start()
    started = time.monotonic()
    waiting = WorkerLock(path, "team.xlsx")
    waiting.acquire(wait_seconds=5, poll=0.05)
    assert 0.2 < time.monotonic() - started < 5
    waiting.release()


def test_run_once_waits_for_the_worker_then_exits_0_with_one_line(tmp_path, capsys, monkeypatch):
    """A cron `run --once` meeting a `watch` on the same sheet does nothing and does not alert."""
    from bot.cli import commands
    from bot.cli.main import main
    from bot.clock import local_now
    from bot.demo.run import build_workbook
    book = tmp_path / "team.xlsx"
    build_workbook(book, local_now().date())
    before = book.read_bytes()
    monkeypatch.setattr(commands, "RUN_LOCK_WAIT_SECONDS", 0.2)
    with WorkerLock(lock_path_for(str(book.resolve()), book), str(book)):
        assert main(["run", "--once", "--workbook", str(book)]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "Another worker is running" in out and f"pid {os.getpid()}" in out
    assert book.read_bytes() == before                      # it wrote nothing
    assert main(["run", "--once", "--workbook", str(book)]) == 0   # the lock is free again: a real cycle
    assert "Wrote" in capsys.readouterr().out and book.read_bytes() != before


def test_a_clean_stop_removes_the_lock_file_and_the_next_worker_takes_a_new_one(tmp_path):
    from bot.cycle.lock import WorkerLock
    path = tmp_path / ".team.xlsx.bot-lock"
    with WorkerLock(path, "team.xlsx"):
        assert path.exists()
    assert not path.exists()
    with WorkerLock(path, "team.xlsx"):
        assert "pid" in path.read_text()


def test_a_lock_on_a_file_removed_meanwhile_is_not_kept(tmp_path, monkeypatch):
    # Worker B opened the file just before worker A removed it on stopping: B must lock the file now at
    # the path, or a third worker could lock that one beside B.
    import bot.cycle.lock
    from bot.cycle.lock import WorkerLock
    path = tmp_path / ".team.xlsx.bot-lock"
    real_open, calls = bot.cycle.lock.os.open, []

    def open_then_lose_the_race(p, flags, mode=0o777):
        fd = real_open(p, flags, mode)
        if not calls:
            bot.cycle.lock.os.unlink(p)          # the stopping worker removes the file under us
        calls.append(fd)
        return fd
    monkeypatch.setattr(bot.cycle.lock.os, "open", open_then_lose_the_race)
    lock = WorkerLock(path, "team.xlsx")
    lock.acquire()
    try:
        assert len(calls) == 2 and path.exists()
        assert lock._still_at_path(lock._fd)
    finally:
        lock.release()
