"""One worker per sheet: `watch` holds an exclusive lock for as long as it runs.

The lock is an flock on a small file, so the operating system releases it when the process dies,
however it dies: a crashed worker never leaves a stale lock behind. The file names the holder, so a
second worker can say who is already watching.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import socket
import time
from datetime import datetime
from pathlib import Path

from bot.errors import BotError


class WorkerLockedError(BotError):
    """Another worker already watches this sheet."""

    exit_code = 3

    def __init__(self, target: str, holder: str, lock_path: Path):
        super().__init__(f"Another worker is already watching {target} ({holder or 'holder unknown'}; "
                         f"lock file {lock_path}): stop that worker first, or leave it running.")
        self.target = target
        self.holder = holder


def lock_path_for(target: str, workbook: Path | None, runtime_dir: Path | None = None) -> Path:
    """Beside the workbook for a local file; in the user's runtime/cache folder for a Google Sheet."""
    if workbook is not None:
        return workbook.with_name(f".{workbook.name}.bot-lock")
    base = runtime_dir or Path(os.environ.get("XDG_RUNTIME_DIR") or Path.home() / ".cache") / "defective-log-bot"
    digest = hashlib.sha256(target.encode()).hexdigest()[:16]
    return base / f"sheet-{digest}.lock"


class WorkerLock:
    def __init__(self, path: Path, target: str):
        self.path = path
        self.target = target
        self._fd: int | None = None

    def acquire(self, wait_seconds: float = 0.0, *, poll: float = 0.25) -> None:
        """Take the lock, trying for up to `wait_seconds` (a `run --once` that meets a cycle in progress
        waits for it to end rather than failing at once)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + wait_seconds
        for _ in range(100):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() < deadline:
                    os.close(fd)
                    time.sleep(poll)
                    continue
                holder = os.pread(fd, 300, 0).decode("utf-8", "replace").strip()
                os.close(fd)
                raise WorkerLockedError(self.target, holder, self.path) from None
            # A worker that stops removes the file (release), so the file locked here may be one another
            # worker just removed: then lock the file now at the path instead.
            if self._still_at_path(fd):
                break
            os.close(fd)
        else:
            raise WorkerLockedError(self.target, "the lock file keeps being replaced", self.path)
        holder = f"pid {os.getpid()} on {socket.gethostname()} since {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}"
        os.ftruncate(fd, 0)
        os.pwrite(fd, holder.encode(), 0)
        self._fd = fd

    def _still_at_path(self, fd: int) -> bool:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return False
        mine = os.fstat(fd)
        return (st.st_dev, st.st_ino) == (mine.st_dev, mine.st_ino)

    def release(self) -> None:
        """Remove the lock file and let go: a worker that stopped cleanly leaves nothing beside the workbook.
        (Removed while still locked, so no other worker can be holding it.)"""
        if self._fd is not None:
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "WorkerLock":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
