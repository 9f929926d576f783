"""Faults: a cycle that is killed, refused or interrupted never damages anything, and the next cycle converges to
the state an undisturbed cycle gives. Two cycles at once end in the state of one.

The reference for "the right state" is an undisturbed cycle over the same data: a second workbook for the
workbook backend, and the plan applied to an in-memory copy of what Google returned for the Google fake.
"""
from __future__ import annotations

import errno
import os
from datetime import date, timedelta

import openpyxl
import pytest

import requests

from bot.backends import workbook as workbook_module
from bot.backends import workbook_file
from bot.backends.base import Snapshot
from bot.backends.google import GoogleBackend
from bot.backends.workbook import WorkbookBackend
from bot.config import load_settings
from bot.cycle.compute import compute, required_tabs
from bot.cycle.run import run_cycle
from bot.demo.run import write_workbook
from bot.tabs.drafts import Renderer
from bot.errors import AccessError, BotError, ConcurrentEditError
from bot.demo.sample_data import build_sample
from conftest import NOW
from fake_sheets import fake_sheets, sa_key  # noqa: F401  (fixtures)
from hardening import memory_as_set, BOT_TABS, REP_TABS, apply_in_memory, duplicate_rows, normalised

WB_FAULTS = "Workbook faults"
G_FAULTS = "Google faults"
CONCURRENCY = "Concurrency"
TODAY = date(2026, 11, 20)


class Killed(BaseException):
    """The process dying at this point (not an Exception: nothing in the bot may catch it)."""


@pytest.fixture
def settings():
    return load_settings(environ={})


def sample_tabs() -> dict:
    return build_sample(TODAY)


def make_workbook(path, tabs) -> WorkbookBackend:
    return write_workbook(path, tabs)


def bot_tabs(backend) -> dict:
    snap = backend.read(list(BOT_TABS))
    return {t: normalised(snap.tabs[t]) for t in BOT_TABS}


def rep_cells(path) -> dict:
    wb = openpyxl.load_workbook(path)
    try:
        return {t: [[(c.value, c.data_type) for c in r] for r in wb[t].iter_rows()] for t in REP_TABS}
    finally:
        wb.close()


def wb_counts(backend, baseline: dict | None = None) -> dict:
    """What the table reports for a workbook scenario: rep-tab cells that differ from what the reps typed
    (`baseline`, the sample by default) and duplicate rows in the bot tabs; zero when there is no readable file."""
    try:
        snap = backend.read(list(REP_TABS) + list(BOT_TABS))
    except BotError:
        return {"rep_tab_writes": 0, "duplicate_rows": 0}
    baseline = baseline or sample_tabs()
    changed = 0
    for t in REP_TABS:
        have, want = normalised(snap.tabs[t]), normalised(baseline[t])
        for r in range(max(len(have), len(want))):
            a = have[r] if r < len(have) else []
            b = want[r] if r < len(want) else []
            changed += sum(1 for c in range(max(len(a), len(b)))
                           if (a[c] if c < len(a) else "") != (b[c] if c < len(b) else ""))
    bots = {t: normalised(snap.tabs[t]) for t in BOT_TABS}
    return {"rep_tab_writes": changed, "duplicate_rows": duplicate_rows(bots)}


def shown(error, backend) -> str:
    """An error's message for the table, with the test's temporary path replaced by the file name."""
    return error.message.replace(str(backend.path), backend.path.name)


def folder_names(path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir())


# ---- workbook -------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def workbook_reference(tmp_path_factory):
    """The bot tabs an undisturbed cycle gives on the sample workbook."""
    reference = make_workbook(tmp_path_factory.mktemp("ref") / "team.xlsx", sample_tabs())
    run_cycle(reference, load_settings(environ={}), lambda: NOW)
    return bot_tabs(reference)


@pytest.fixture
def book(tmp_path, workbook_reference):
    """The sample workbook, and the bot tabs an undisturbed cycle gives on an identical copy."""
    (tmp_path / "live").mkdir()
    backend = make_workbook(tmp_path / "live" / "team.xlsx", sample_tabs())
    return backend, workbook_reference


def converges(backend, settings, want, reliability=None, now=NOW):
    """A normal cycle (then a quiet one) gives exactly the undisturbed bot tabs, with no duplicates."""
    run_cycle(backend, settings, lambda: now)
    got = bot_tabs(backend)
    assert got == want
    assert duplicate_rows(got) == 0
    assert run_cycle(backend, settings, lambda: now + timedelta(minutes=5)).applied is None
    return got


@pytest.mark.reliability(WB_FAULTS)
@pytest.mark.parametrize("lock_name", ["~$team.xlsx", ".~lock.team.xlsx#"], ids=["excel-lock", "libreoffice-lock"])
def test_open_in_another_program(book, settings, reliability, lock_name):
    backend, want = book
    lock = backend.path.parent / lock_name
    lock.write_text("a rep")
    before = backend.path.read_bytes()
    with pytest.raises(AccessError, match="open in another program") as info:
        run_cycle(backend, settings, lambda: NOW)
    assert backend.path.read_bytes() == before
    assert folder_names(backend.path) == sorted([lock_name, "team.xlsx"])
    lock.unlink()
    converges(backend, settings, want)
    reliability.record(WB_FAULTS, **wb_counts(backend),
                       scenario=f"file open in another program ({lock_name})",
                       outcome=f"AccessError: {shown(info.value, backend)}; file byte-identical; "
                               "converges once closed")


@pytest.mark.reliability(WB_FAULTS)
def test_changed_between_read_and_write_restarts_and_keeps_the_edit(book, settings, reliability, tmp_path):
    backend, _ = book
    real_read = backend.read
    calls = []

    def read_then_a_rep_saves(titles):
        snap = real_read(titles)
        calls.append(1)
        if len(calls) == 1:   # a rep fixes row 16's date in Excel while the bot computes
            wb = openpyxl.load_workbook(backend.path)
            wb["Defective Log"].append([date(2026, 11, 19), "CS-NEW", "Dee Rao", "dee@example.com", "777",
                                        "Trail Mix Original 12oz", "", None, "Clumping", "Clumps", "Yes", 1,
                                        "Refund", 8.99, None, "Kim", "Open"])
            wb.save(backend.path)
        return snap

    backend.read = read_then_a_rep_saves
    report = run_cycle(backend, settings, lambda: NOW)
    assert report.attempts == 2
    rows = WorkbookBackend(backend.path).read(["Defective Log"]).tabs["Defective Log"]
    assert rows[-1][1] == "CS-NEW"           # the rep's edit survived
    # The right state is the undisturbed cycle over the edited data.
    edited = tmp_path / "edited.xlsx"
    edited.write_bytes(backend.path.read_bytes())
    ref = make_workbook(tmp_path / "ref2.xlsx", WorkbookBackend(edited).read(list(REP_TABS)).tabs)
    run_cycle(ref, settings, lambda: NOW)
    assert bot_tabs(backend) == bot_tabs(ref)
    assert duplicate_rows(bot_tabs(backend)) == 0
    reliability.record(WB_FAULTS, **wb_counts(backend, WorkbookBackend(edited).read(list(REP_TABS)).tabs),
                       scenario="file changed by a person between read and write",
                       outcome="ConcurrentEditError, cycle restarted from a fresh read (2 attempts); "
                               "the edit kept; bot tabs as an undisturbed cycle")


@pytest.mark.reliability(WB_FAULTS)
def test_changed_while_saving_restarts(book, settings, reliability, monkeypatch):
    backend, want = book
    real_write = workbook_file.write_and_sync
    calls = []

    def write_while_a_rep_saves(fh, data):
        real_write(fh, data)
        calls.append(1)
        if len(calls) == 1:
            wb = openpyxl.load_workbook(backend.path)
            wb.save(backend.path)   # Excel saves the file again meanwhile, same content
    monkeypatch.setattr(workbook_file, "write_and_sync", write_while_a_rep_saves)
    report = run_cycle(backend, settings, lambda: NOW)
    assert report.attempts == 2
    assert folder_names(backend.path) == ["team.xlsx"]
    monkeypatch.undo()
    converges(backend, settings, want)
    reliability.record(WB_FAULTS, **wb_counts(backend),
                       scenario="file saved by someone else while the bot was saving",
                       outcome="caught by the last check before the swap; restarted; converged")


def _random_bytes(path):
    return os.urandom(4096)


def _truncated(path):
    return path.read_bytes()[: path.stat().st_size // 2]


@pytest.mark.reliability(WB_FAULTS)
@pytest.mark.parametrize("damage", [_random_bytes, _truncated, lambda p: b""], ids=["random-bytes", "truncated-zip",
                                                                                    "empty-file"])
def test_corrupt_file_is_never_written(book, settings, reliability, damage):
    backend, _ = book
    bad = damage(backend.path)
    backend.path.write_bytes(bad)
    with pytest.raises(AccessError, match="not a readable .xlsx") as info:
        run_cycle(backend, settings, lambda: NOW)
    assert backend.path.read_bytes() == bad and folder_names(backend.path) == ["team.xlsx"]
    reliability.record(WB_FAULTS, **wb_counts(backend),
                       scenario="corrupt file",
                       outcome="AccessError naming the file; file left byte-identical")


@pytest.mark.reliability(WB_FAULTS)
def test_file_corrupted_during_the_cycle_is_left_alone(book, settings, reliability):
    backend, _ = book
    real_read = backend.read
    damaged = b"PK\x03\x04 half a zip"

    def read_then_damage(titles):
        snap = real_read(titles)
        backend.path.write_bytes(damaged)
        backend.read = real_read
        return snap

    backend.read = read_then_damage
    with pytest.raises(AccessError, match="not a readable .xlsx"):
        run_cycle(backend, settings, lambda: NOW)
    assert backend.path.read_bytes() == damaged
    reliability.record(WB_FAULTS, **wb_counts(backend),
                       scenario="file replaced by a damaged one during the cycle",
                       outcome="ConcurrentEditError, restart, then AccessError; the damaged file is not overwritten")


@pytest.mark.reliability(WB_FAULTS)
def test_file_deleted_during_the_cycle_is_not_recreated(book, settings, reliability):
    backend, _ = book
    real_read = backend.read

    def read_then_delete(titles):
        snap = real_read(titles)
        backend.path.unlink()
        backend.read = real_read
        return snap

    backend.read = read_then_delete
    with pytest.raises(AccessError, match="No workbook at"):
        run_cycle(backend, settings, lambda: NOW)
    assert not backend.path.exists()
    reliability.record(WB_FAULTS, **wb_counts(backend),
                       scenario="file deleted during the cycle",
                       outcome="restart, then AccessError 'No workbook at'; nothing recreated")


@pytest.mark.reliability(WB_FAULTS)
@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT, errno.EIO], ids=["disk-full", "quota", "io-error"])
def test_disk_full_leaves_the_original_byte_identical(book, settings, reliability, monkeypatch, code):
    backend, want = book
    before = backend.path.read_bytes(), backend.path.stat().st_mtime_ns

    def disk_full(fh, data):
        fh.write(data[: len(data) // 3])
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(workbook_file, "write_and_sync", disk_full)
    with pytest.raises(AccessError, match="left unchanged") as info:
        run_cycle(backend, settings, lambda: NOW)
    assert (backend.path.read_bytes(), backend.path.stat().st_mtime_ns) == before
    assert folder_names(backend.path) == ["team.xlsx"]
    monkeypatch.undo()
    converges(backend, settings, want)
    reliability.record(WB_FAULTS, **wb_counts(backend),
                       scenario=f"save fails: {errno.errorcode[code]}",
                       outcome=f"AccessError: {shown(info.value, backend)}; original byte-identical, no temp file; "
                               "next cycle converges")


@pytest.mark.reliability(WB_FAULTS)
@pytest.mark.parametrize("where", ["editing-sheet-parts", "writing-temp-file", "before-swap"])
def test_killed_mid_apply_then_the_next_cycle_converges(book, settings, reliability, monkeypatch, where):
    backend, want = book
    before = backend.path.read_bytes()
    if where == "editing-sheet-parts":
        real_patch = workbook_module.patch_workbook

        def patch_then_die(data, plan):
            real_patch(data, plan)  # the edited copy exists only in memory when the process dies
            raise Killed()
        monkeypatch.setattr(workbook_module, "patch_workbook", patch_then_die)
    elif where == "writing-temp-file":
        def write_half_then_die(fh, data):
            fh.write(data[: len(data) // 2])
            raise Killed()
        monkeypatch.setattr(workbook_file, "write_and_sync", write_half_then_die)
    else:
        def die(*args):
            raise Killed()
        monkeypatch.setattr(workbook_file.os, "replace", die)
    with pytest.raises(Killed):
        run_cycle(backend, settings, lambda: NOW)
    monkeypatch.undo()
    assert backend.path.read_bytes() == before
    # A real kill skips clean-up: leave a stale temp file where the bot writes them; it must not matter.
    stale = backend.path.parent / ".team.xlsx.stale.tmp"
    stale.write_bytes(b"half a workbook")
    converges(backend, settings, want)
    assert backend.path.read_bytes() != before
    reliability.record(WB_FAULTS, **wb_counts(backend),
                       scenario=f"killed mid-apply ({where})",
                       outcome="original byte-identical; next cycle converges to the undisturbed state")


@pytest.mark.reliability(WB_FAULTS)
def test_killed_between_read_and_write_workbook(book, settings, reliability):
    backend, want = book
    snap = backend.read(required_tabs(settings))
    compute(snap, settings, NOW, Renderer())      # ...and the process dies before apply
    converges(backend, settings, want)
    reliability.record(WB_FAULTS, **wb_counts(backend),
                       scenario="killed between read and write",
                       outcome="nothing written; next cycle converges")


# ---- Google ---------------------------------------------------------------------------------------------------

def seed(fake, tabs=None):
    for title, rows in (tabs or sample_tabs()).items():
        fake.add_tab(title, rows)


def google_backend(fake, key, **kw):
    key.path.chmod(0o600)
    return GoogleBackend(fake.spreadsheet_id, key.path, sleep=lambda s: None, **kw)


def google_reference(fake, settings, now=NOW) -> dict:
    """The bot tabs an undisturbed cycle gives on the rep tabs as Google holds them now."""
    tabs = {t: fake.rows(t) for t in REP_TABS}
    tabs.update({t: None for t in BOT_TABS})
    outcome = compute(Snapshot(tabs, "ref"), settings, now, Renderer())
    after = apply_in_memory(tabs, outcome.plan)
    return {t: normalised(after[t]) for t in BOT_TABS}


def google_rep_writes(fake) -> int:
    return sum(1 for _, rng in fake.value_writes() if fake.range_tab(rng) in REP_TABS)


@pytest.fixture
def sheet(fake_sheets, sa_key, settings):  # noqa: F811
    seed(fake_sheets)
    return fake_sheets, google_reference(fake_sheets, settings)


def google_converges(fake, key, settings, want):
    backend = google_backend(fake, key)
    run_cycle(backend, settings, lambda: NOW)
    got = bot_tabs(backend)
    assert got == want and duplicate_rows(got) == 0
    fake.clear_log()
    assert run_cycle(backend, settings, lambda: NOW + timedelta(minutes=5)).applied is None
    assert not [e for e in fake.api_log if e.is_write]


STORMS = [
    pytest.param("429", lambda f: f.queue_error(429, times=50), "429", id="429-storm"),
    pytest.param("429-retry-after", lambda f: f.queue_error(429, times=50, retry_after=20), "429",
                 id="429-storm-retry-after"),
    pytest.param("500", lambda f: f.queue_error(500, times=50), "500", id="500-storm"),
    pytest.param("502", lambda f: f.queue_error(502, times=50), "502", id="502-html-storm"),
    pytest.param("503", lambda f: f.queue_error(503, times=50), "503", id="503-storm"),
    pytest.param("read-timeout", lambda f: f.queue_exception(requests.ReadTimeout("read timed out"), times=50),
                 "timed out", id="read-timeouts"),
    pytest.param("connect-timeout", lambda f: f.queue_exception(requests.ConnectTimeout("connect"), times=50),
                 "timed out", id="connect-timeouts"),
    pytest.param("connection-reset", lambda f: f.queue_exception(requests.ConnectionError("reset"), times=50),
                 "could not connect", id="connection-resets"),
]


@pytest.mark.reliability(G_FAULTS)
@pytest.mark.parametrize("name, storm, fragment", STORMS)
def test_storms_give_up_after_bounded_attempts_with_a_plain_error(sheet, sa_key, settings, reliability,  # noqa: F811
                                                                  name, storm, fragment):
    fake, want = sheet
    backend = google_backend(fake, sa_key, max_attempts=5)
    backend.read(["Comp Sheet"])         # the token is fetched; faults hit Sheets requests only
    fake.clear_log()
    storm(fake)
    with pytest.raises(AccessError) as info:
        run_cycle(backend, settings, lambda: NOW)
    message = info.value.message
    assert fragment in message and "\n" not in message and "<" not in message and "Traceback" not in message
    assert info.value.exit_code == 3
    attempts = len(fake.api_log)
    assert attempts <= 5
    assert not [e for e in fake.api_log if e.is_write]
    fake._faults.clear()
    google_converges(fake, sa_key, settings, want)
    reliability.record(G_FAULTS, scenario=f"{name} on every request",
                       rep_tab_writes=google_rep_writes(fake),
                       outcome=f"AccessError after {attempts} attempts: \"{message}\"; next cycle converges")


@pytest.mark.reliability(G_FAULTS)
@pytest.mark.parametrize("status", [429, 500, 503, 504])
def test_a_short_burst_is_retried_and_the_cycle_completes(sheet, sa_key, settings, reliability, status):  # noqa: F811
    fake, want = sheet
    backend = google_backend(fake, sa_key)
    backend.read(["Comp Sheet"])
    fake.queue_error(status, times=2)
    fake.queue_error(status, times=2, match=lambda e: e.kind == "values:batchUpdate")
    run_cycle(backend, settings, lambda: NOW)
    assert bot_tabs(backend) == want
    reliability.record(G_FAULTS, scenario=f"{status} burst on reads and on the write",
                       rep_tab_writes=google_rep_writes(fake), outcome="retried with backoff; cycle completed")


def _values_write(e):
    return e.kind == "values:batchUpdate"


def _structure_write(e):
    return e.kind == "batchUpdate"


@pytest.mark.reliability(G_FAULTS)
@pytest.mark.parametrize("label, fault, error", [
    pytest.param("values:batchUpdate keeps failing (503)",
                 lambda f: f.queue_error(503, times=20, match=_values_write), AccessError, id="values-write-503"),
    pytest.param("values:batchUpdate times out",
                 lambda f: f.queue_exception(requests.ReadTimeout("slow"), times=20, match=_values_write),
                 AccessError, id="values-write-timeout"),
    pytest.param("values:batchUpdate rejected (400)",
                 lambda f: f.queue_error(400, times=1, match=_values_write), BotError, id="values-write-400"),
    pytest.param("creating the bot tabs fails (500)",
                 lambda f: f.queue_error(500, times=20, match=_structure_write), AccessError, id="add-sheet-500"),
])
def test_a_failed_write_then_the_next_cycle_converges(sheet, sa_key, settings, reliability,  # noqa: F811
                                                      label, fault, error):
    fake, want = sheet
    backend = google_backend(fake, sa_key)
    fault(fake)
    with pytest.raises(error) as info:
        run_cycle(backend, settings, lambda: NOW)
    assert "\n" not in info.value.message
    # Nothing half-written: the values batch is all or nothing, so every bot tab is absent or empty.
    for t in BOT_TABS:
        assert not fake.rows(t) if fake._find(t) else True
    fake._faults.clear()
    google_converges(fake, sa_key, settings, want)
    reliability.record(G_FAULTS, scenario=label, rep_tab_writes=google_rep_writes(fake),
                       outcome=f"{type(info.value).__name__}; no bot cell written; next cycle converges")


@pytest.mark.reliability(G_FAULTS)
def test_a_failed_write_on_a_later_cycle_leaves_the_previous_state(sheet, sa_key, settings, reliability):  # noqa: F811
    fake, _ = sheet
    backend = google_backend(fake, sa_key)
    run_cycle(backend, settings, lambda: NOW)
    before = {t: fake.rows(t) for t in BOT_TABS}
    # A rep fixes a case; the write of the next cycle fails.
    log = fake.rows("Defective Log")
    fake.tab("Defective Log").set(len(log), 0, "11/20/2026")
    for i, v in enumerate(["CS-LATE", "Lu Wen", "lu@example.com", "4411", "Trail Mix Original 12oz", "", "",
                           "Clumping", "clumps", "No", 2, "Replacement", "", "R-77", "Kim", "Open"], start=1):
        fake.tab("Defective Log").set(len(log), i, v)
    fake.queue_error(503, times=20, match=_values_write)
    with pytest.raises(AccessError):
        run_cycle(backend, settings, lambda: NOW + timedelta(minutes=5))
    assert {t: fake.rows(t) for t in BOT_TABS} == before
    fake._faults.clear()
    want = google_reference(fake, settings, NOW + timedelta(minutes=10))
    run_cycle(backend, settings, lambda: NOW + timedelta(minutes=10))
    got = bot_tabs(backend)
    # Stamps differ from a first-ever cycle; everything else is the undisturbed state.
    assert _without_stamps(got) == _without_stamps(want) and duplicate_rows(got) == 0
    reliability.record(G_FAULTS, scenario="write fails on a later cycle", rep_tab_writes=google_rep_writes(fake),
                       outcome="bot tabs left exactly as the previous cycle wrote them; next cycle converges")


def _without_stamps(tabs):
    out = dict(tabs)
    out["Bot Status"] = [r for r in tabs["Bot Status"] if r and r[0] != "Last run"]
    out["Drafts"] = [r[:5] for r in tabs["Drafts"]]
    out["Escalations"] = [r[:9] for r in tabs["Escalations"]]
    out["Bot Memory"] = [r[:2] + [_unstamped(r[2:])] for r in tabs.get("Bot Memory", [])]
    return out


def _unstamped(cells):
    import json
    try:
        record = json.loads(cells[0])
    except (ValueError, IndexError):
        return cells
    return {k: v for k, v in record.items() if k not in ("drafted_at", "flagged_at", "updated_at")}


@pytest.mark.reliability(G_FAULTS)
def test_killed_between_read_and_write_google(sheet, sa_key, settings, reliability):  # noqa: F811
    fake, want = sheet
    backend = google_backend(fake, sa_key)
    snap = backend.read(required_tabs(settings))
    compute(snap, settings, NOW, Renderer())     # ...and the process dies before apply
    assert not [e for e in fake.api_log if e.is_write]
    google_converges(fake, sa_key, settings, want)
    reliability.record(G_FAULTS, scenario="killed between read and write", rep_tab_writes=google_rep_writes(fake),
                       outcome="nothing written; next cycle converges")


@pytest.mark.reliability(G_FAULTS)
def test_killed_after_the_tabs_were_created(sheet, sa_key, settings, reliability):  # noqa: F811
    fake, want = sheet
    backend = google_backend(fake, sa_key)

    def die(*args, **kwargs):
        raise Killed()

    backend.http.values_batch_update = die      # the process dies once the tabs exist
    with pytest.raises(Killed):
        run_cycle(backend, settings, lambda: NOW)
    assert all(fake._find(t) for t in BOT_TABS) and not any(fake.rows(t) for t in BOT_TABS)
    google_converges(fake, sa_key, settings, want)
    reliability.record(G_FAULTS, scenario="killed after creating the bot tabs, before the values write",
                       rep_tab_writes=google_rep_writes(fake),
                       outcome="empty bot tabs left; next cycle fills them; converges")


# ---- two cycles at once ---------------------------------------------------------------------------------------

@pytest.mark.reliability(CONCURRENCY)
def test_two_cycles_from_one_snapshot_google(sheet, sa_key, settings, reliability):  # noqa: F811
    fake, want = sheet
    backend = google_backend(fake, sa_key)
    snap = backend.read(required_tabs(settings))
    a = compute(snap, settings, NOW, Renderer())
    b = compute(snap, settings, NOW, Renderer())
    backend.apply(a.plan, snap)
    backend.apply(b.plan, snap)
    got = bot_tabs(backend)
    assert got == want and duplicate_rows(got) == 0
    assert run_cycle(backend, settings, lambda: NOW).applied is None
    reliability.record(CONCURRENCY, scenario="google: two cycles computed from one snapshot, both applied",
                       duplicate_rows=duplicate_rows(got), rep_tab_writes=google_rep_writes(fake),
                       outcome="same final state as one cycle")


@pytest.mark.reliability(CONCURRENCY)
@pytest.mark.parametrize("first_run", [False, True], ids=["new-sheet", "later-cycle"])
def test_two_bots_interleaved_google(sheet, sa_key, settings, reliability, first_run):  # noqa: F811
    """Bot A reads; bot B runs a whole cycle; then A writes what it planned."""
    fake, want = sheet
    if first_run:
        run_cycle(google_backend(fake, sa_key), settings, lambda: NOW)
        _add_recurring_cases(fake)
        want = google_reference(fake, settings)
    a, b = google_backend(fake, sa_key), google_backend(fake, sa_key)
    real_apply = a.apply
    calls = []

    def b_runs_first(plan, snapshot):
        if not calls:
            calls.append(1)
            run_cycle(b, settings, lambda: NOW)
        return real_apply(plan, snapshot)

    a.apply = b_runs_first
    report = run_cycle(a, settings, lambda: NOW)
    got = bot_tabs(a)
    assert memory_as_set(got) == memory_as_set(want)
    assert duplicate_rows(got) == 0
    assert run_cycle(a, settings, lambda: NOW).applied is None
    if first_run:   # the tabs exist: A's guard sees the rows B added where A meant to add its own
        assert report.attempts == 2 and report.applied is None
        what = "A's guard saw B's new rows before writing: A restarted and found nothing to do"
    else:           # A's "create the bot tabs" clashes with B's: ConcurrentEditError, A starts over
        assert report.attempts == 2 and report.applied is None
        what = "A's tab creation clashed with B's: ConcurrentEditError, A restarted and found nothing to do"
    when = "later cycle" if first_run else "new sheet"
    reliability.record(CONCURRENCY, scenario=f"google: two bots interleaved ({when})",
                       duplicate_rows=duplicate_rows(got), rep_tab_writes=google_rep_writes(fake),
                       outcome=f"{what}; state of one cycle, no duplicate rows")


def _add_recurring_cases(fake):
    log = fake.rows("Defective Log")
    n = len(log)
    for k, ticket in enumerate(["CS-R1", "CS-R2"]):
        row = [46345 + k, ticket, "Max Po", "max@example.com", "5150", "Spicy Peanut Brittle 4oz", "", "",
               "Rancid / Off Taste", "stale", "Yes", 1, "Refund", 5.99, "", "Kim", "Open"]
        for c, v in enumerate(row):
            fake.tab("Defective Log").set(n + k, c, v)


@pytest.mark.reliability(CONCURRENCY)
def test_two_cycles_from_one_snapshot_workbook(book, settings, reliability):
    backend, want = book
    snap = backend.read(required_tabs(settings))
    a = compute(snap, settings, NOW, Renderer())
    b = compute(snap, settings, NOW, Renderer())
    backend.apply(a.plan, snap)
    after_first = backend.path.read_bytes()
    with pytest.raises(ConcurrentEditError):
        backend.apply(b.plan, snap)
    assert backend.path.read_bytes() == after_first
    report = run_cycle(backend, settings, lambda: NOW)   # the retried cycle
    assert report.applied is None
    got = bot_tabs(backend)
    assert got == want and duplicate_rows(got) == 0
    reliability.record(CONCURRENCY, **wb_counts(backend),
                       scenario="workbook: two cycles computed from one snapshot, both applied",
                       outcome="second apply refused (ConcurrentEditError); the retried cycle has nothing to do")


@pytest.mark.reliability(CONCURRENCY)
def test_two_bots_interleaved_workbook(book, settings, reliability):
    backend, want = book
    other = WorkbookBackend(backend.path)
    real_apply = backend.apply
    calls = []

    def other_runs_first(plan, snapshot):
        if not calls:
            calls.append(1)
            run_cycle(other, settings, lambda: NOW)
        return real_apply(plan, snapshot)

    backend.apply = other_runs_first
    report = run_cycle(backend, settings, lambda: NOW)
    assert report.attempts == 2 and report.applied is None
    got = bot_tabs(backend)
    assert got == want and duplicate_rows(got) == 0
    reliability.record(CONCURRENCY, **wb_counts(backend),
                       scenario="workbook: two bots interleaved (B writes between A's read and write)",
                       outcome="A's write refused; A restarts and finds nothing to do; state of one cycle")


@pytest.mark.reliability(CONCURRENCY)
@pytest.mark.parametrize("backend_name", ["workbook", "google"])
def test_two_bots_with_different_clocks(book, fake_sheets, sa_key, settings, reliability, backend_name):  # noqa: F811
    if backend_name == "workbook":
        a, _ = book
        b = WorkbookBackend(a.path)
    else:
        seed(fake_sheets)
        a, b = google_backend(fake_sheets, sa_key), google_backend(fake_sheets, sa_key)
    real_apply = a.apply
    calls = []

    def b_runs_first(plan, snapshot):
        if not calls:
            calls.append(1)
            run_cycle(b, settings, lambda: NOW + timedelta(minutes=1))
        return real_apply(plan, snapshot)

    a.apply = b_runs_first
    run_cycle(a, settings, lambda: NOW)
    got = bot_tabs(a)
    assert duplicate_rows(got) == 0
    flags = [r[0] for r in got["Escalations"][1:]]
    assert flags == [f"ESC-{i:04d}" for i in range(1, len(flags) + 1)]
    assert run_cycle(a, settings, lambda: NOW + timedelta(minutes=2)).applied is None
    counts = wb_counts(a) if backend_name == "workbook" else {
        "rep_tab_writes": google_rep_writes(fake_sheets), "duplicate_rows": duplicate_rows(got)}
    reliability.record(CONCURRENCY, **counts, scenario=f"{backend_name}: two bots a minute apart",
                       outcome="no duplicate flags or drafts; next cycle quiet")


def _add_rows(fake, rows):
    n = len(fake.rows("Defective Log"))
    for k, row in enumerate(rows):
        for c, v in enumerate(row):
            fake.tab("Defective Log").set(n + k, c, v)


def _case_row(ticket, serial, product):
    return [serial, ticket, "Max Po", "max@example.com", "5150", product, "", "", "Clumping", "clumps", "Yes", 1,
            "Refund", 5.99, "", "Kim", "Open"]


@pytest.mark.reliability(CONCURRENCY)
def test_two_bots_racing_around_a_reps_edit_google(sheet, sa_key, settings, reliability):  # noqa: F811
    """The worst race Google allows (it has no conditional write): bot A reads, a rep adds cases, bot B reads
    and writes, then A writes its stale plan over B's new flag row. The next cycle heals it: no Flag ID twice,
    every episode has exactly one open flag, and the stale row says which flag it was merged into."""
    fake, _ = sheet
    run_cycle(google_backend(fake, sa_key), settings, lambda: NOW)
    _add_rows(fake, [_case_row("X1", 46340, "Zeta Bar"), _case_row("X2", 46341, "Zeta Bar")])
    a, b = google_backend(fake, sa_key), google_backend(fake, sa_key)
    real_apply = a.apply
    calls = []

    def edit_and_b_run_first(plan, snapshot):
        if not calls:
            calls.append(1)
            _add_rows(fake, [_case_row("Y1", 46330, "Alpha Bar"), _case_row("Y2", 46331, "Alpha Bar")])
            run_cycle(b, settings, lambda: NOW)
        return real_apply(plan, snapshot)

    a.apply = edit_and_b_run_first
    run_cycle(a, settings, lambda: NOW)
    run_cycle(a, settings, lambda: NOW + timedelta(minutes=5))       # the next scheduled cycle
    got = bot_tabs(a)
    assert duplicate_rows(got) == 0
    header = got["Escalations"][0]
    merged_col, tickets_col = header.index("Merged Into"), header.index("Ticket IDs")
    open_flags = [r for r in got["Escalations"][1:] if len(r) <= merged_col or r[merged_col] == ""]
    assert sorted(r[tickets_col] for r in open_flags) == sorted(
        r[tickets_col] for r in google_reference(fake, settings)["Escalations"][1:])
    assert run_cycle(a, settings, lambda: NOW + timedelta(minutes=10)).applied is None
    spurious = len(got["Escalations"]) - len(open_flags) - 1
    reliability.record(CONCURRENCY, scenario="google: two bots racing around a rep's edit (stale write)",
                       duplicate_rows=duplicate_rows(got), rep_tab_writes=google_rep_writes(fake),
                       outcome=f"healed by the next cycle: every episode one open flag, no Flag ID twice; "
                               f"{spurious} extra flag row left marked 'Merged Into' (Google has no conditional "
                               "write; run one bot per sheet)")
