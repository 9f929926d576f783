"""The workbook file on disk, guarded against the person who may have it open at the same time.

Knows bytes, not spreadsheets (workbook.py parses them with openpyxl):

- every read fingerprints the exact bytes it returns, and a save refuses (ConcurrentEditError) when the
  file no longer matches that fingerprint, checked once more just before the new file replaces the old;
- an office lock file beside the workbook (Excel or LibreOffice has it open) makes a save refuse, since
  the program would later save its own copy over ours and one side's edits would be lost;
- the new file is written to a temp file in the same folder, forced to disk and swapped in with
  os.replace, so a crash or a full disk never leaves a half-written workbook behind.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import AccessError, ConcurrentEditError


@dataclass(frozen=True)
class Fingerprint:
    """What a file was when we read it; any save by anyone changes at least one field."""

    mtime_ns: int
    size: int
    sha256: str


class WorkbookFile:
    def __init__(self, path: Path):
        self.path = path

    def target(self) -> Path:
        # Replace the file a symlink points to, not the symlink itself.
        return Path(os.path.realpath(self.path))

    def read(self) -> tuple[bytes, Fingerprint] | None:
        """The file's bytes and their fingerprint, taken from one open file; None if there is no file."""
        try:
            with open(self.path, "rb") as fh:
                st = os.fstat(fh.fileno())
                data = fh.read()
        except FileNotFoundError:
            return None
        except IsADirectoryError:
            raise AccessError(str(self.path), f"{self.path} is a folder, not a workbook; "
                                              "point --workbook at an .xlsx file.") from None
        except PermissionError:
            raise AccessError(str(self.path), f"The bot may not read {self.path}; check the file permissions "
                                              "so the bot's user can read and write it.") from None
        except OSError as exc:
            raise AccessError(str(self.path), f"Could not read {self.path} ({exc.strerror or exc}); "
                                              "check the disk and the --workbook path.") from None
        return data, Fingerprint(st.st_mtime_ns, st.st_size, hashlib.sha256(data).hexdigest())

    def fingerprint_now(self) -> Fingerprint | None:
        current = self.read()
        return None if current is None else current[1]

    def lock_file(self) -> Path | None:
        """The lock file Excel (`~$name`) or LibreOffice (`.~lock.name#`) keeps beside a workbook it has open."""
        for path in {self.path, self.target()}:
            for lock_name in (f"~${path.name}", f".~lock.{path.name}#"):
                lock = path.with_name(lock_name)
                if lock.exists():
                    return lock
        return None

    def refuse_if_open_elsewhere(self) -> None:
        lock = self.lock_file()
        if lock is not None:
            # A crashed or force-quit Excel leaves its lock file behind; only a person can tell.
            raise AccessError(str(self.path), f"{self.path} is open in another program (Excel or LibreOffice "
                                              f"keeps the lock file {lock}); close it there and the bot will "
                                              f"write on a later cycle (if no program has it open any more, "
                                              f"that lock file was left behind: delete it).")

    def refuse_if_not_writable(self) -> None:
        self.refuse_if_open_elsewhere()
        target = self.target()
        if target.exists() and not os.access(target, os.W_OK):
            raise AccessError(str(self.path), f"{self.path} is read-only; make it writable for the bot's user.")

    def save_bytes(self, data: bytes, expected: Fingerprint | None) -> None:
        """Atomically replace the workbook with `data`, unless someone changed or opened it meanwhile."""
        target = self.target()
        tmp: str | None = None
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            with os.fdopen(fd, "wb") as fh:
                write_and_sync(fh, data)
            # Last look before the swap: a save by someone else since our read would be lost otherwise.
            if self.fingerprint_now() != expected:
                raise self.changed_error()
            self.refuse_if_open_elsewhere()
            os.chmod(tmp, _mode_of(target))
            os.replace(tmp, target)
            tmp = None
        except OSError as exc:
            raise AccessError(str(self.path), _save_failure(self.path, exc)) from None
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
        _fsync_folder(target.parent)

    def changed_error(self) -> ConcurrentEditError:
        return ConcurrentEditError(str(self.path), f"{self.path} changed while the bot was working; "
                                                   "the cycle will start over from a fresh read.")


def write_and_sync(fh: Any, data: bytes) -> None:
    """Write all bytes and force them to disk before the swap (so a crash cannot leave an empty workbook)."""
    fh.write(data)
    fh.flush()
    os.fsync(fh.fileno())


def _mode_of(target: Path) -> int:
    """The permission bits the new file should get: the original's, or the umask default for a new file."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (best effort: not every platform can open a folder)."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _save_failure(path: Path, exc: OSError) -> str:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        why, fix = "the disk is full", "free some disk space"
    elif exc.errno in (errno.EACCES, errno.EPERM):
        why, fix = "permission denied", "let the bot's user write to the file and its folder"
    elif exc.errno == errno.EROFS:
        why, fix = "the file system is read-only", "put the workbook on a writable disk"
    else:
        why, fix = exc.strerror or str(exc), "check the disk and the folder"
    return f"Could not save {path} ({why}); the workbook was left unchanged, {fix} and the bot will write on the next cycle."
