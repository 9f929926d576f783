"""Posting flag notices to a Slack or Google Chat incoming webhook, through an outbox file.

After a cycle has written the sheet (never on a dry run or in `validate`), its notices are appended to
an outbox in the bot's cache folder (one file per sheet, next to the quiet cache), then every notice
in the outbox is posted, oldest first. A delivered notice leaves the outbox; one that could not be
posted stays and is tried again after the next cycle, even one skipped because nothing changed.
A post never raises and never changes the exit code: a failure is one warning line that names the
webhook's host only (the URL's path holds its secret). See bot/notices/flag_notices.py for what is kept or dropped.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Callable

import requests

from bot.notices import flag_notices as notify
from bot.notices.flag_notices import Notice

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10.0
MAX_POSTS_PER_CYCLE = 20   # a long backlog drains over a few cycles instead of holding one up


class Outbox:
    """The notices waiting to be posted for one sheet (a workbook path or a spreadsheet id)."""

    def __init__(self, target: str, folder: Path | None = None):
        from bot.cycle.quiet import cache_dir
        self.target = target
        digest = hashlib.sha256(target.encode()).hexdigest()[:16]
        self.path = (folder or cache_dir()) / f"outbox-{digest}.json"

    def load(self) -> list[Notice]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError):
            log.warning("the notification outbox %s could not be read; starting a new one", self.path)
            return []
        if not isinstance(data, dict) or data.get("target") != self.target:
            return []
        found = [Notice.from_dict(d) for d in data.get("pending") or [] if isinstance(d, dict)]
        return [n for n in found if n is not None]

    @contextmanager
    def locked(self):
        """Hold the outbox alone: a cron `run --once` and a `watch` on the same sheet would otherwise
        both load a waiting notice and both post it. The OS drops the lock if the process dies. Without
        a lock file (an unwritable folder) the outbox is used unlocked rather than not at all."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(self.path.with_suffix(".lock"), "a")
        except OSError:
            yield
            return
        with handle:
            fcntl.flock(handle, fcntl.LOCK_EX)   # waits while another process delivers (at most one timeout)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def save(self, pending: list[Notice]) -> bool:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps({"target": self.target, "pending": [n.to_dict() for n in pending]},
                                      ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, self.path)
            return True
        except OSError:
            return False


class Notifier:
    def __init__(self, url: str, target: str, link: str, clock: Callable[[], datetime], *,
                 folder: Path | None = None, timeout: float = TIMEOUT_SECONDS,
                 post: Callable[..., requests.Response] | None = None):
        self.url = url
        self.kind = notify.webhook_kind(url)
        self.host = notify.webhook_host(url)
        self.link = link
        self.clock = clock
        self.outbox = Outbox(target, folder)
        self.timeout = timeout
        self._post = post or requests.post

    def after_cycle(self, report) -> None:
        """Queue the notices of a cycle that wrote the sheet (`report` may be None or a skipped
        cycle: then only the outbox is retried), and post what is waiting. Never raises."""
        try:
            new = []
            outcome = getattr(report, "outcome", None)
            if outcome is not None and not report.dry_run:
                new = notify.notices(outcome.flags, outcome.desired.get("escalations", []), self.link,
                                     self.clock())
            self._deliver(new)
        except Exception as exc:  # a notification must never cost a cycle
            log.warning("notifications to %s failed unexpectedly (%s); the cycle is not affected",
                        self.host, type(exc).__name__)

    def _deliver(self, new: list[Notice]) -> None:
        with self.outbox.locked():
            self._deliver_locked(new)

    def _deliver_locked(self, new: list[Notice]) -> None:
        pending, expired = notify.merge(self.outbox.load(), new, self.clock())
        if not pending and not new and not expired:
            return
        saved = self.outbox.save(pending)
        problems: list[str] = []
        if expired:
            problems.append(f"dropped {expired} notification(s) older than {notify.MAX_AGE.days} days "
                            f"or over the outbox limit of {notify.MAX_PENDING}")
        sent = dropped = 0
        failure = None
        for notice in list(pending[:MAX_POSTS_PER_CYCLE]):
            status, reason = self._send(notice)
            result = notify.outcome_of(status)
            if result == "retry":
                failure = reason
                break
            pending.remove(notice)
            if result == "sent":
                sent += 1
            else:
                dropped += 1
                problems.append(f"the webhook refused a notification ({reason}), which was dropped")
            saved = self.outbox.save(pending)
        if sent:
            log.info("posted %d notification(s) to %s", sent, self.host)
        if failure:
            problems.append(f"{len(pending)} notification(s) could not be posted ({failure}) and stay "
                            f"queued for the next cycle")
        if not saved:
            problems.append(f"the outbox {self.outbox.path} cannot be written, so undelivered ones are lost")
        if problems:
            hint = " (check [notify] webhook_url or DLB_WEBHOOK_URL)" if dropped or _gone(failure) else ""
            log.warning("Notifications to %s: %s%s.", self.host, "; ".join(problems), hint)

    def _send(self, notice: Notice) -> tuple[int | None, str]:
        try:
            answer = self._post(self.url, json=notify.payload(notice, self.kind), timeout=self.timeout,
                                allow_redirects=False)
        except requests.Timeout:
            return None, f"no answer within {self.timeout:g} s"
        except requests.RequestException as exc:  # the exception's text holds the URL: never log it
            return None, f"cannot connect: {type(exc).__name__}"
        return answer.status_code, f"HTTP {answer.status_code}"


def _gone(reason: str | None) -> bool:
    return bool(reason) and any(f"HTTP {s}" == reason for s in (401, 403, 404, 410))


def notifier_for(settings, backend, clock: Callable[[], datetime]) -> Notifier | None:
    """The notifier the settings ask for, or None when no webhook is set."""
    url = getattr(settings, "webhook_url", None)
    if not url:
        return None
    from bot.sheet import target_of
    spreadsheet_id = getattr(backend, "spreadsheet_id", None) if settings.spreadsheet else None
    link = notify.sheet_link(spreadsheet_id, None if settings.spreadsheet else target_of(settings))
    return Notifier(url, target_of(settings), link, clock)
