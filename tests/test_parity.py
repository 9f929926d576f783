"""Both backends give identical bot tabs for the same input, cycle after cycle."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.backends.google import GoogleBackend
from bot.backends.workbook import WorkbookBackend
from bot.config import load_settings
from bot.cycle.describe import describe_cycle
from bot.cycle.run import run_cycle
from bot.demo.run import write_workbook
from bot.demo.sample_data import build_sample
from conftest import NOW

from fake_sheets import fake_sheets, sa_key  # noqa: F401  (fixtures)
from hardening import BOT_TABS, normalised
TODAY = date(2026, 11, 20)


def tricky_rows():
    """The demo sample plus cells that stress literal writing and ID handling."""
    tabs = build_sample(TODAY)
    log = tabs["Defective Log"]
    header = log[0]
    extra = dict.fromkeys(header, "")
    extra.update({"Date Logged": "11/19/26", "Ticket ID": "0123", "Customer Name": "=Zed {{ 7*7 }}",
                  "Customer Email": "zed@example.com", "Order Number": 10299.0,
                  "Product": "+Pretzel Bites 9oz", "Defect Type": "clumping",
                  "Complaint Details": "@mention -dash =SUM(A1:A2) 😀 مرحبا", "Photo Received": "yes",
                  "Units Affected": "3", "Resolution": "Refund", "Refund Amount": "$1,024.50",
                  "Agent": "Kim", "Status": "Open"})
    log.append([extra[h] for h in header])
    comp = tabs["Comp Sheet"]
    cextra = dict.fromkeys(comp[0], "")
    cextra.update({"Ticket ID": "0123", "Type": "Refund", "Refund Amount": 1024.5,
                   "Refund Processed On": "Nov 20, 2026"})
    comp.append([cextra[h] for h in comp[0]])
    return tabs


@pytest.fixture
def both(tmp_path, fake_sheets, sa_key):  # noqa: F811
    tabs = tricky_rows()
    path = tmp_path / "team.xlsx"
    write_workbook(path, tabs)
    for title, rows in tabs.items():
        fake_sheets.add_tab(title, rows)
    google = GoogleBackend(fake_sheets.spreadsheet_id, sa_key.path, sleep=lambda s: None)
    return WorkbookBackend(path), google, fake_sheets


def bot_tabs(backend):
    snap = backend.read(list(BOT_TABS))
    return {t: normalised(snap.tabs[t]) for t in BOT_TABS}


def test_identical_bot_tabs_through_three_cycles(both):
    workbook, google, fake = both
    settings = load_settings(environ={})
    clock = iter([NOW, NOW, NOW + timedelta(minutes=5), NOW + timedelta(minutes=5), NOW + timedelta(hours=2),
                  NOW + timedelta(hours=2)])
    for cycle_no in range(3):
        now = next(clock)
        a = run_cycle(workbook, settings, lambda: now)
        now = next(clock)
        before = google.request_count
        b = run_cycle(google, settings, lambda: now)
        assert google.request_count - before <= 4
        assert bot_tabs(workbook) == bot_tabs(google), f"cycle {cycle_no + 1}"
        assert a.outcome.plan == b.outcome.plan
    first = bot_tabs(google)
    assert first["Log Issues"][0] == ["Tab", "Row", "Ticket ID", "Column", "Field", "Problem", "Severity"]
    drafts = {r[0]: r for r in first["Drafts"][1:]}
    assert drafts["0123"][4].startswith("Hi =Zed,") and "+Pretzel Bites" in drafts["0123"][4]
    assert "$1,024.50" in drafts["0123"][3]


def test_quiet_cycle_writes_nothing_on_either_backend(both):
    workbook, google, fake = both
    settings = load_settings(environ={})
    run_cycle(workbook, settings, lambda: NOW)
    run_cycle(google, settings, lambda: NOW)
    fake.clear_log()
    mtime = workbook.path.stat().st_mtime_ns
    assert run_cycle(workbook, settings, lambda: NOW + timedelta(minutes=10)).applied is None
    assert run_cycle(google, settings, lambda: NOW + timedelta(minutes=10)).applied is None
    assert workbook.path.stat().st_mtime_ns == mtime
    assert [e.kind for e in fake.api_log] == ["metadata", "batchGet"]


@pytest.mark.parametrize("serial", [-5, 2958466], ids=["negative", "past-9999-12-31"])
def test_a_date_cell_no_date_can_hold_gives_the_same_log_issue_on_both_backends(tmp_path, fake_sheets, sa_key,  # noqa: F811
                                                                                serial):
    """A number in a date-formatted Date Logged cell that no date can be: Google's unformatted read gives
    the number; the workbook, read by calamine, gave -5 as a time of day before (bot/backends/xlsx_values.py)."""
    import openpyxl

    tabs = tricky_rows()
    header = tabs["Defective Log"][0]
    at = header.index("Date Logged")
    tabs["Defective Log"][1][at] = serial
    path = tmp_path / "team.xlsx"
    write_workbook(path, tabs)
    wb = openpyxl.load_workbook(path)
    wb["Defective Log"].cell(row=2, column=at + 1).number_format = "yyyy-mm-dd"   # as a rep's date column
    wb.save(path)
    for title, rows in tabs.items():
        fake_sheets.add_tab(title, rows)
    workbook, google = WorkbookBackend(path), GoogleBackend(fake_sheets.spreadsheet_id, sa_key.path,
                                                            sleep=lambda s: None)
    settings = load_settings(environ={})
    run_cycle(workbook, settings, lambda: NOW)
    run_cycle(google, settings, lambda: NOW)
    issues = bot_tabs(workbook)["Log Issues"]
    assert issues == bot_tabs(google)["Log Issues"]
    assert [r[5] for r in issues if r[1] == 2 and r[4] == "Date Logged"] == [f"{serial} is not a date"]


def test_quiet_cycle_is_skipped_after_the_read_on_both_backends(both, tmp_path):
    from bot.cycle.quiet import QuietCache
    workbook, google, fake = both
    settings = load_settings(environ={})
    for backend, name in ((workbook, "w"), (google, "g")):
        cache = QuietCache(name, folder=tmp_path / "cache")
        assert run_cycle(backend, settings, lambda: NOW, cache=cache).wrote
        quiet = run_cycle(backend, settings, lambda: NOW + timedelta(minutes=10), cache=cache)
        assert quiet.skipped and quiet.applied is None and quiet.summary["errors"] > 0
        # A day later the fingerprint changes (date-dependent rules), so the cycle runs in full.
        assert not run_cycle(backend, settings, lambda: NOW + timedelta(days=1), cache=cache).skipped


def _edit_a_rep_cell(backend, fake):
    """A rep clears the Agent of the first case (a new Log Issue)."""
    if isinstance(backend, WorkbookBackend):
        import openpyxl
        wb = openpyxl.load_workbook(backend.path)
        wb["Defective Log"]["P2"] = None
        wb.save(backend.path)
    else:
        fake.tab("Defective Log").set(1, 15, "")


@pytest.mark.parametrize("backend_name", ["workbook", "google"])
@pytest.mark.parametrize("change, full", [
    pytest.param(None, False, id="nothing-changed-stops-before-parsing"),
    pytest.param("rep-edit", True, id="a-rep-edit-is-seen"),
    pytest.param("next-day", True, id="a-new-day-checks-everything"),
    pytest.param("heartbeat-due", True, id="the-heartbeat-still-runs"),
    pytest.param("settings", True, id="changed-settings-check-everything"),
])
def test_steady_quiet_cycle_skips_the_parse_only_when_nothing_could_differ(both, tmp_path, backend_name,
                                                                            change, full):
    from bot.cycle.quiet import QuietCache
    workbook, google, fake = both
    backend = workbook if backend_name == "workbook" else google
    settings = load_settings(environ={})
    cache = QuietCache(backend_name, folder=tmp_path / "cache")
    assert run_cycle(backend, settings, lambda: NOW, cache=cache).wrote
    # The first quiet cycle parses and matches the fingerprint; it remembers the bytes it read.
    assert run_cycle(backend, settings, lambda: NOW + timedelta(minutes=5), cache=cache).skipped_by == "fingerprint"
    when = NOW + timedelta(minutes=10)
    if change == "rep-edit":
        _edit_a_rep_cell(backend, fake)
    elif change == "next-day":
        when = NOW + timedelta(days=1)
    elif change == "heartbeat-due":
        when = NOW + timedelta(minutes=settings.status_every_minutes + 1)
    elif change == "settings":
        settings.signoff = "The Crunch & Co Care Team"
    fake.clear_log()
    report = run_cycle(backend, settings, lambda: when, cache=cache)
    if not full:
        assert report.skipped_by == "digest" and report.applied is None
        assert report.summary["errors"] > 0   # what the last full cycle found, for the printout
        if backend is google:
            assert [e.kind for e in fake.api_log] == ["metadata", "batchGet"]
    else:
        assert report.skipped_by != "digest"
        if change in ("heartbeat-due", "rep-edit"):
            assert report.wrote   # Bot Status's heartbeat / the new Log Issue


def test_open_cases_identical_and_filled_on_both(both):
    workbook, google, _ = both
    settings = load_settings(environ={})
    run_cycle(workbook, settings, lambda: NOW)
    run_cycle(google, settings, lambda: NOW)
    a, b = bot_tabs(workbook)["Open Cases"], bot_tabs(google)["Open Cases"]
    assert a == b and len(a) > 10
    assert a[0][:7] == ["Ticket ID", "Product", "Defect Type", "Date Logged", "Age (business days)", "Level", "Owner"]


@pytest.mark.parametrize("fails", [False, True], ids=["cycle-completes", "read-raises"])
def test_cycle_pauses_the_cycle_collector_and_gives_it_back(tmp_path, fails):
    """The collector is off while a cycle builds its rows and on again after it, even when the cycle fails."""
    import gc

    from bot.errors import BotError

    path = tmp_path / "team.xlsx"
    write_workbook(path, tricky_rows())
    backend = WorkbookBackend(path)
    seen = []
    real_read = backend.read

    def read(titles, **kw):
        seen.append(gc.isenabled())
        if fails:
            raise BotError("the sheet is gone")
        return real_read(titles, **kw)

    backend.read = read
    assert gc.isenabled()
    if fails:
        with pytest.raises(BotError):
            run_cycle(backend, load_settings(environ={}), lambda: NOW)
    else:
        run_cycle(backend, load_settings(environ={}), lambda: NOW)
    assert seen == [False] and gc.isenabled()


@pytest.mark.parametrize("rows", [
    pytest.param(None, id="no-tab"),
    pytest.param([], id="empty-tab"),
    pytest.param([["Tab", "Row", "Ticket ID", "Column", "Field", "Problem", "Severity"],
                  ["Defective Log", 2, "CS-1", "B", "Ticket ID", "Required, but blank", "error"],
                  ["Defective Log", 3.0, "CS-2"],                   # ragged, 3.0 is 3
                  ["", "  ", None], [], [None, ""]], id="ragged-and-trailing-blank-rows"),
    pytest.param([["Severity", "Note", "Problem", "Tab"],           # moved, missing and unknown columns
                  ["error", "lead's note", "Line\r\nbreak", "Comp Sheet"],
                  [None, "only a note"]], id="moved-missing-and-unknown-columns"),
])
def test_quiet_check_reads_bot_tabs_as_the_full_cycle_does(rows):
    """The quiet-cycle check reduces a bot tab straight from the rows read; it must give exactly what
    the full cycle's reading of the tab gives, or a changed tab could be taken for an unchanged one."""
    from bot.cycle.quiet import bot_tab_rows, sheet_tab_rows
    from bot.read.table import map_columns, read_bot_table
    from sheet_schema import load

    schema = load("log_issues")
    table = read_bot_table("Log Issues", rows, schema, {})
    columns = map_columns("Log Issues", rows[0], schema, {}, strict=False) if rows else None
    assert sheet_tab_rows("log_issues", rows, columns) == bot_tab_rows("log_issues", table.rows)


_ISSUES_HEADER = ["Tab", "Row", "Ticket ID", "Column", "Field", "Problem", "Severity"]


@pytest.mark.parametrize("rows, bot_layout", [
    pytest.param([_ISSUES_HEADER] + [["Defective Log", 2, "CS-1", "B", "Ticket ID", "blank", "error"]] * 2, True,
                 id="every-row-full"),
    pytest.param([_ISSUES_HEADER, ["Defective Log", 2, "CS-1"], [], ["Comp Sheet", 3.0, "", "C"]], True,
                 id="short-rows"),
    pytest.param([_ISSUES_HEADER + ["Lead's note"], ["Comp Sheet", 4, "CS-2", "D", "x", "y", "warning", "mine"],
                  ["Comp Sheet", 5]], True, id="a-persons-column-right-of-the-tab"),
    pytest.param([_ISSUES_HEADER[:5], ["Defective Log", 2, "CS-1", "B", "Ticket ID"], ["Defective Log", 3]], True,
                 id="the-last-columns-missing"),
    pytest.param([_ISSUES_HEADER, ["Defective Log", 2, "CS-1"], ["", "", ""], [], [""] * 7], True,
                 id="blank-rows-at-the-end"),
    pytest.param([_ISSUES_HEADER, ["Defective Log", None, "CS-1"], ["Comp Sheet", 3]], True, id="a-blank-read-as-none"),
    pytest.param([_ISSUES_HEADER[::-1], ["error", "p"]], False, id="columns-reordered"),
    pytest.param([["Tab", "Note"] + _ISSUES_HEADER[1:], ["Comp Sheet", "n", 3]], False, id="a-persons-column-between"),
    pytest.param([["Tab"] + _ISSUES_HEADER[2:], ["Comp Sheet", "CS-9"]], False, id="a-middle-column-missing"),
    pytest.param([_ISSUES_HEADER], True, id="no-rows"),
])
@pytest.mark.parametrize("none_free", [False, True], ids=["may-hold-none", "none-free"])
def test_the_exact_bot_tab_check_reads_each_cell_as_read(rows, bot_layout, none_free):
    """The exact form of a bot tab (every schema cell as read, a blank as ""), whether taken row by row
    from a tab laid out as the bot makes it or column by column from any other: the same tuples. A None
    left in by a backend said to give none only makes a tuple that no reduced tab holds."""
    from bot.cycle.quiet import _exact_rows, sheet_tab_rows
    from bot.read.table import map_columns, schema_columns
    from sheet_schema import load

    schema = load("log_issues")
    columns = map_columns("Log Issues", rows[0], schema, {}, strict=False)
    by_column = [["" if v is None else v for v in c.tolist()] for c in schema_columns(rows[1:], columns, schema).values()]
    expected = list(zip(*by_column))
    while expected and all(v == "" for v in expected[-1]):
        expected.pop()
    got = sheet_tab_rows("log_issues", rows, columns, exact=True, none_free=none_free)
    holds_none = any(None in r for r in rows[1:])
    row_wise = _exact_rows(rows, columns, schema, none_free) is not None
    assert row_wise == (bot_layout and (none_free or not holds_none))
    if row_wise and holds_none:
        assert got != expected and [tuple("" if v is None else v for v in r) for r in got] == expected
    else:
        assert got == expected
        assert [list(map(type, r)) for r in got] == [list(map(type, r)) for r in expected]


@pytest.mark.parametrize("tab, cell, value", [
    pytest.param("Log Issues", (1, 5), "someone typed here", id="log-issues-problem-overtyped"),
    pytest.param("Drafts", (1, 4), "", id="draft-body-cleared"),
    pytest.param("Open Cases", (1, 0), "CS-0000", id="open-cases-ticket-changed"),
])
def test_first_quiet_cycle_sees_an_edit_in_a_bot_tab(both, tmp_path, tab, cell, value):
    """Someone edits a bot-owned cell between two cycles: the fingerprint no longer matches, so the
    next cycle runs in full and puts the bot's value back."""
    from bot.cycle.quiet import QuietCache
    _, google, fake = both
    settings = load_settings(environ={})
    cache = QuietCache("g", folder=tmp_path / "cache")
    assert run_cycle(google, settings, lambda: NOW, cache=cache).wrote
    before = fake.tab(tab).cells.get(cell)
    assert before not in ("", None, value)
    fake.tab(tab).set(*cell, value)
    report = run_cycle(google, settings, lambda: NOW + timedelta(minutes=5), cache=cache)
    assert not report.skipped and report.wrote
    assert fake.tab(tab).cells.get(cell) == before


@pytest.mark.parametrize("backend_name", ["workbook", "google"])
def test_first_quiet_cycle_sees_a_rep_edit(both, tmp_path, backend_name):
    """The rep tabs' part of the fingerprint (Google: the digest of each range's JSON text) changes
    with one cell."""
    from bot.cycle.quiet import QuietCache
    workbook, google, fake = both
    backend = workbook if backend_name == "workbook" else google
    settings = load_settings(environ={})
    cache = QuietCache(backend_name, folder=tmp_path / "cache")
    assert run_cycle(backend, settings, lambda: NOW, cache=cache).wrote
    _edit_a_rep_cell(backend, fake)
    report = run_cycle(backend, settings, lambda: NOW + timedelta(minutes=5), cache=cache)
    assert not report.skipped and report.wrote   # the new "Required, but blank" Log Issue


@pytest.mark.parametrize("backend_name", ["workbook", "google"])
def test_after_a_rep_edit_the_bot_tabs_read_are_not_reduced_for_the_quiet_check(both, tmp_path, backend_name,
                                                                                 monkeypatch):
    """The fingerprint cannot match once its rep-tab part changed (state.input_key): the cycle goes
    straight to the rules; with the rep tabs unchanged the quiet check still runs and skips."""
    import bot.cycle.run
    from bot.cycle.quiet import QuietCache
    workbook, google, fake = both
    backend = workbook if backend_name == "workbook" else google
    settings = load_settings(environ={})
    cache = QuietCache(backend_name, folder=tmp_path / "cache")
    assert run_cycle(backend, settings, lambda: NOW, cache=cache).wrote
    assert run_cycle(backend, settings, lambda: NOW + timedelta(minutes=5), cache=cache).skipped
    _edit_a_rep_cell(backend, fake)

    def not_needed(*args):
        raise AssertionError("the bot tabs read were reduced for a quiet check that cannot match")
    monkeypatch.setattr(bot.cycle.run, "read_bot_digests", not_needed)
    report = run_cycle(backend, settings, lambda: NOW + timedelta(minutes=6), cache=cache)
    assert not report.skipped and report.wrote


@pytest.mark.parametrize("second_day", [
    pytest.param(None, id="first-cycle"),
    pytest.param(timedelta(days=3), id="a-later-cycle-over-the-bot-tabs-it-wrote"),
])
def test_the_fingerprint_made_from_the_plans_columns_is_the_one_made_from_the_rows(second_day):
    """The quiet fingerprint of the tabs a cycle leaves is digested from the columns the plan compared, tab
    by tab as the plan goes: it must be exactly what reducing the desired rows gives, or the next cycle
    could miss (or wrongly take) a skip. Tricky cells (formulas as text, a number as text, emoji,
    right-to-left text), and a second cycle in which Log Issues shrinks and Open Cases ages."""
    from bot.backends.memory import MemoryBackend
    from bot.cycle.compute import compute
    from bot.cycle.quiet import FINGERPRINTED_BOT_TABS, bot_tab_rows, desired_tab_digest, tab_digest
    from bot.tabs.drafts import Renderer

    settings = load_settings(environ={})
    tabs = tricky_rows()
    backend = MemoryBackend(tabs)
    now = NOW
    if second_day is not None:
        run_cycle(backend, settings, lambda: NOW)
        log = backend.tabs["Defective Log"]
        log[15] = [c if i != 0 else "2026-11-18" for i, c in enumerate(log[15])]    # a date fixed
        now = NOW + second_day
    outcome = compute(backend.read(list(backend.tabs)), settings, now, Renderer(settings.templates_dir,
                                                                                 settings.signoff),
                      tab_digest=desired_tab_digest)
    assert set(outcome.tab_digests) == set(FINGERPRINTED_BOT_TABS)
    assert outcome.tab_digests == {name: tab_digest(bot_tab_rows(name, outcome.desired[name]))
                                   for name in FINGERPRINTED_BOT_TABS}


@pytest.mark.parametrize("backend_name", ["workbook", "google"])
def test_bot_tabs_nobody_touched_read_back_exactly_as_the_cycle_digested_them(both, backend_name, monkeypatch):
    """The quiet and warm checks first digest the bot tabs as read, each cell as it is (a blank as ""),
    and reduce every cell only when that misses: it must not miss on tabs exactly as the bot left them
    (formulas as text, a number as text, emoji, right-to-left text, line breaks in email bodies), or
    every quiet-full and warm cycle pays for the reduction again."""
    from bot.cycle.compute import compute, required_tabs
    from bot.cycle.quiet import FINGERPRINTED_BOT_TABS, _read_bot_chunks, desired_tab_digest, read_bot_chunks
    from bot.tabs.drafts import Renderer

    workbook, google, fake = both
    backend = workbook if backend_name == "workbook" else google
    settings = load_settings(environ={})
    assert run_cycle(backend, settings, lambda: NOW).wrote
    outcome = compute(backend.read(required_tabs(settings)), settings, NOW + timedelta(minutes=5),
                      Renderer(settings.templates_dir, settings.signoff), tab_digest=desired_tab_digest)
    assert outcome.plan.is_empty
    snapshot = backend.read(required_tabs(settings))
    exact = _read_bot_chunks(snapshot, settings, exact=True)
    assert {n: exact[n].digest for n in FINGERPRINTED_BOT_TABS} == outcome.tab_digests

    def not_needed(values):
        raise AssertionError("a bot tab read back as left was reduced cell by cell")
    monkeypatch.setattr("bot.cycle.quiet.stored_comparables", not_needed)
    read = read_bot_chunks(snapshot, settings, outcome.tab_digests.__eq__)
    assert {n: read[n].digest for n in FINGERPRINTED_BOT_TABS} == outcome.tab_digests


@pytest.mark.parametrize("tab, header, value", [
    pytest.param("Drafts", "Body", "\r\n", id="line-breaks-as-cr-lf"),
    pytest.param("Drafts", "Sent On", "  ", id="spaces-for-a-blank"),
])
def test_a_bot_tab_read_differently_but_reduced_alike_is_still_found_as_left(both, tmp_path, tab, header, value):
    """A cell that reads back in another form the reduction takes for the same (a body's line breaks as
    CR LF, spaces for a blank) misses the exact digest; the quiet check then reduces the tab, finds the
    fingerprint, and skips, as it did before it had an exact form."""
    from bot.cycle.quiet import QuietCache
    _, google, fake = both
    settings = load_settings(environ={})
    cache = QuietCache("g", folder=tmp_path / "cache")
    assert run_cycle(google, settings, lambda: NOW, cache=cache).wrote
    rows = google.read([tab]).tabs[tab]
    cell = (1, rows[0].index(header))
    before = fake.tab(tab).cells.get(cell)
    if value == "\r\n":
        assert "\n" in before
        value = before.replace("\n", "\r\n")
    else:
        assert before in ("", None)
    fake.tab(tab).set(*cell, value)
    report = run_cycle(google, settings, lambda: NOW + timedelta(minutes=5), cache=cache)
    assert report.skipped and report.skipped_by == "fingerprint"


def _warm_cycles_take_the_short_way(monkeypatch) -> list[bool]:
    """Warm cycles on the 60-row sample (where one edit is 2 % of the rows, past warm.MAX_CHANGED); the
    list records whether each took the short way."""
    import bot.cycle.run as run
    from bot.cycle.warm import warm_outcome
    taken: list[bool] = []

    def short_way(*args, **kwargs):
        out = warm_outcome(*args, **{**kwargs, "max_changed": 1.0})
        taken.append(out is not None)
        return out
    monkeypatch.setattr(run, "warm_outcome", short_way)
    return taken


def _first_cycles_with_a_cache(workbook, google, tmp_path):
    """Each backend's first cycle, keeping its state in a cache folder (as `run --once` does), so the
    next cycle after a few edits may take the short way."""
    from bot.cycle.quiet import QuietCache
    settings = load_settings(environ={})
    caches = {b: QuietCache(name, folder=tmp_path / "cache") for b, name in ((workbook, "w"), (google, "g"))}
    for backend in (workbook, google):
        run_cycle(backend, settings, lambda: NOW, cache=caches[backend])
    return settings, caches


def _close_the_most_urgent_case(workbook, google, fake, persons_column=False):
    """Close the case on Open Cases' first row (every row below it moves up) in both; returns Open Cases
    as it was."""
    import openpyxl
    cases = bot_tabs(google)["Open Cases"]
    assert len(cases) > 4
    log_row = int(cases[1][cases[0].index("Log Row")])
    status = build_sample(TODAY)["Defective Log"][0].index("Status")
    wb = openpyxl.load_workbook(workbook.path)
    wb["Defective Log"].cell(row=log_row, column=status + 1).value = "Closed"
    if persons_column:
        for r in range(1, len(cases) + 1):
            wb["Open Cases"].cell(row=r, column=12).value = f"note {r}"
    wb.save(workbook.path)
    fake.tab("Defective Log").set(log_row - 1, status, "Closed")
    if persons_column:
        for r in range(len(cases)):
            fake.tab("Open Cases").set(r, 11, f"note {r + 1}")
    return cases


@pytest.mark.parametrize("persons_column", [False, True], ids=["bot-columns-only", "a-persons-column-beside"])
def test_a_closed_case_leaves_the_same_open_cases_whether_rows_move_or_cells_are_written(
        both, tmp_path, monkeypatch, persons_column):
    """A warm cycle on Google deletes a closed case's Open Cases row (deleteRange over the bot's
    columns) where the workbook rewrites the rows below it: the same tabs either way, a person's own
    column beside the tab stays where it was typed, and the next cycle is quiet on both."""
    taken = _warm_cycles_take_the_short_way(monkeypatch)
    workbook, google, fake = both
    settings, caches = _first_cycles_with_a_cache(workbook, google, tmp_path)
    cases = _close_the_most_urgent_case(workbook, google, fake, persons_column)
    fake.clear_log()
    later = NOW + timedelta(minutes=10)
    reports = [run_cycle(backend, settings, lambda: later, cache=caches[backend]) for backend in (workbook, google)]
    assert taken == [True, True]
    said = [describe_cycle(r)[-1] for r in reports]
    assert "moved rows" not in said[0] and said[1].endswith("; moved rows in Open Cases (1 deleted) instead of "
                                                            "rewriting them.")
    sent = [list(r) for e in fake.api_log if e.kind == "batchUpdate" for r in e.body["requests"]]
    assert [k for r in sent for k in r if k.endswith("Range")] == ["deleteRange"]
    after = bot_tabs(google)
    assert after == bot_tabs(workbook)
    assert after["Open Cases"][1][:10] == cases[2][:10]
    if persons_column:
        assert [r[11] for r in after["Open Cases"]] == [f"note {r}" for r in range(1, len(cases) + 1)]
    for backend in (workbook, google):
        assert run_cycle(backend, settings, lambda: later + timedelta(minutes=1), cache=caches[backend]).skipped


@pytest.mark.parametrize("edit", [
    pytest.param(lambda p: p.sort("Open Cases", "Ticket ID"), id="sorted"),
    pytest.param(lambda p: p.insert_rows("Open Cases", before_row=2), id="a-row-inserted-at-the-top"),
    pytest.param(lambda p: p.delete_rows("Open Cases", first_row=3), id="a-row-below-deleted"),
])
def test_open_cases_moved_while_the_bot_deletes_a_row_is_never_left_wrong(both, tmp_path, monkeypatch, edit):
    """A person moves Open Cases' rows between the bot's read and its write: the rows it would delete
    are no longer the ones it read, so nothing is written and the cycle starts over; the tab ends as
    the workbook's (no person there)."""
    taken = _warm_cycles_take_the_short_way(monkeypatch)
    workbook, google, fake = both
    settings, caches = _first_cycles_with_a_cache(workbook, google, tmp_path)
    _close_the_most_urgent_case(workbook, google, fake)
    fake.after_request("batchGet", lambda f: edit(f.person))
    later = NOW + timedelta(minutes=10)
    run_cycle(workbook, settings, lambda: later, cache=caches[workbook])
    report = run_cycle(google, settings, lambda: later, cache=caches[google])
    assert taken[:2] == [True, True] and report.attempts == 2
    assert not fake.pending_hooks()
    assert bot_tabs(google)["Open Cases"] == bot_tabs(workbook)["Open Cases"]
