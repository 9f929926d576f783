"""The monthly report (`report --month YYYY-MM`): numbers, the Monthly Report tab, the HTML page, the CLI."""
from __future__ import annotations

import base64
import io
import re
import struct
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import matplotlib.image
import numpy as np
import openpyxl
import pytest

from bot.backends.base import Snapshot
from bot.backends.google import GoogleBackend
from bot.backends.workbook import WorkbookBackend
from bot.cli.main import main
from bot.config import load_settings
from bot.demo.run import write_workbook
from bot.report.numbers import parse_month, previous_month, report_rows
from bot.report.render import chart_png, render_html
from bot.report.run import make_report, run_report
from bot.demo.sample_data import build_sample
from conftest import case, rows_of
from fake_sheets import fake_sheets, sa_key  # noqa: F401  (fixtures)
from hardening import normalised

SAMPLE_TODAY = date(2026, 11, 20)              # bot.demo.sample_data.REFERENCE_TODAY
CLOCK = datetime(2026, 11, 23, 9, 30, tzinfo=timezone.utc)
OCTOBER = date(2026, 10, 1)
TAB = "Monthly Report"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def settings():
    return load_settings(environ={})


def sample_snapshot(today=SAMPLE_TODAY) -> Snapshot:
    return Snapshot(dict(build_sample(today)), "sample")


def report_of(log: list, month: date, settings, extra: dict | None = None, now=CLOCK):
    """The report for `month` of a log given as rows (header first) or as conftest `case()` dicts."""
    rows = log if log and isinstance(log[0], list) else rows_of("defective_log", list(log))
    tabs = {"Defective Log": rows, "Comp Sheet": rows_of("comp_sheet", [])}
    tabs.update(extra or {})
    return make_report(Snapshot(tabs, "test"), settings, month, now)


# ------------------------------------------------------------------------------------------------
# the numbers, counted by hand on the sample


def test_october_on_the_sample_matches_a_hand_count(settings):
    # build_sample(2026-11-20) dates case cNN `days_ago` days before Nov 20, so October is days_ago 20 (Oct 31)
    # to 50 (Oct 1): cases c04..c25, 22 rows, and the story's n03 (47, Oct 4) and n04 (41, Oct 10). c15 has
    # the impossible date "2/30/2026", so it is left out: 23 received. Closed (Status column of the case
    # table): c04-c14 (11), c17, c19, c20, n03, n04 = 16; Open: c16, c18, c21-c25 = 7. c18 (bad email) and
    # c23-c25 (errors) still count: only the date matters.
    r, _ = report_of(build_sample(SAMPLE_TODAY)["Defective Log"], OCTOBER, settings)
    assert (r.received, r.closed, r.open, r.no_status, r.left_out) == (23, 16, 7, 0, 1)
    # By product: DP c04 c06 c14 c16 c23 n03 n04 (c16, c23 open); HA c05 c09 c17 c20 c25 (c25 open);
    # KC c07 c12 c18; MG c11 c19 c24; TM c08 c13 c21 (the last of each open); PB c10 c22 (c22 open).
    got = {(c.label, c.cases, c.closed, c.open) for c in r.by_product}
    assert got == {("Honey Roasted Almonds 8oz", 5, 4, 1), ("Dark Chocolate Pretzels 6oz", 7, 5, 2),
                   ("Sea Salt Kettle Chips 5oz", 3, 2, 1), ("Maple Pecan Granola 11oz", 3, 2, 1),
                   ("Trail Mix Original 12oz", 3, 2, 1), ("Spicy Peanut Brittle 4oz", 2, 1, 1)}
    assert [c.cases for c in r.by_product] == [7, 5, 3, 3, 3, 2]     # most cases first
    # By defect type: Unsealed c05 c06 c13 c16 c19 c22; Rancid c04 c09 c12 c20 c21 c24 c25;
    # Foreign Object c07 c08 c11 c23 n03 n04; Clumping c10; Other Quality c14 c17 c18. In the list's order.
    assert [(c.label, c.cases, c.closed, c.open) for c in r.by_defect] == [
        ("Unsealed Packaging", 6, 4, 2), ("Rancid / Off Taste", 7, 4, 3), ("Foreign Object", 6, 5, 1),
        ("Clumping", 1, 1, 0), ("Other Quality Issue", 3, 2, 1)]
    # Two episodes overlap October, by first case: Dark Chocolate Pretzels, Foreign Object, n03 Oct 4 ->
    # n04 Oct 10 (c23 on Oct 29 is 19 days later: not in it); Honey Roasted Almonds, Rancid, c09 Oct 11 ->
    # c20 Oct 25 (exactly 14 days, still counts) -> c25 Oct 31. The 15-day pretzel pair (c06, c16) is not one.
    assert [(e.product, e.defect_type, e.cases, e.in_month, e.first_logged, e.last_logged) for e in r.episodes] == [
        ("Dark Chocolate Pretzels 6oz", "Foreign Object", 2, 2, date(2026, 10, 4), date(2026, 10, 10)),
        ("Honey Roasted Almonds 8oz", "Rancid / Off Taste", 3, 3, date(2026, 10, 11), date(2026, 10, 31))]
    # No Date Closed column in the sample: the median is not known, and says why.
    assert r.median_days is None and not r.has_closed_column and "no Date Closed column" in r.median_note
    # Weekly, May 1 - Oct 31 (Mondays): Aug 24: n01 (Mon 24) n02 (Sun 30) Clumping;
    # Sep 21: c01 Unsealed (Sat 26), c02 Clumping (Sun 27); Sep 28: c03 Other, c04 Rancid, c05 Unsealed,
    # n03 Foreign (Sun Oct 4); Oct 5: c06 Unsealed, c07 c08 n04 Foreign, c09 Rancid; Oct 12: c10 Clumping,
    # c11 Foreign, c12 Rancid, c13 Unsealed, c14 Other; Oct 19: c16 c19 Unsealed, c17 c18 Other, c20 Rancid
    # (c15 left out); Oct 26: c21 c24 c25 Rancid, c22 Unsealed, c23 Foreign (c26 on Sun Nov 1 is outside).
    # Counts in the order Unsealed, Rancid, Foreign Object, Clumping, Other.
    weeks = {w.start: w.counts for w in r.weeks if w.total}
    assert weeks == {date(2026, 8, 24): (0, 0, 0, 2, 0),
                     date(2026, 9, 21): (1, 0, 0, 1, 0), date(2026, 9, 28): (1, 1, 1, 0, 1),
                     date(2026, 10, 5): (1, 1, 3, 0, 0), date(2026, 10, 12): (1, 1, 1, 1, 1),
                     date(2026, 10, 19): (2, 1, 0, 0, 2), date(2026, 10, 26): (1, 3, 1, 0, 0)}
    assert sum(w.total for w in r.weeks) == 28 and len(r.weeks) == 27   # Mon Apr 27 .. Mon Oct 26


def test_november_on_the_sample_counts_the_invalid_defect_and_the_trail_mix_flag(settings):
    # November: days_ago 0..19 -> c26..c40, 15 rows, all with a valid date. Closed: only c31. c29 typed
    # "Stale" (not a defect type) and is counted under "(no valid Defect Type)". Episodes overlapping:
    # the Trail Mix Foreign Object flag c31 Nov 8, c35 Nov 14, c38 Nov 18 (three spellings, shown as the
    # first case's), and Honey Roasted Almonds Rancid, whose last case c25 is Oct 31, does not overlap.
    r, _ = report_of(build_sample(SAMPLE_TODAY)["Defective Log"], date(2026, 11, 1), settings)
    assert (r.received, r.closed, r.open) == (15, 1, 14)
    assert ("(no valid Defect Type)", 1, 0, 1) in [(c.label, c.cases, c.closed, c.open) for c in r.by_defect]
    assert [(e.product, e.defect_type, e.cases, e.first_logged) for e in r.episodes] == [
        ("Trail Mix Original 12oz", "Foreign Object", 3, date(2026, 11, 8))]
    trail = next(c for c in r.by_product if c.label.startswith("Trail"))
    assert (trail.label, trail.cases) == ("Trail Mix Original 12oz", 3)   # c31, c35, c38: one product


# ------------------------------------------------------------------------------------------------
# months, invalid dates, the weekly window


@pytest.mark.parametrize("logged, month, counted", [
    pytest.param(date(2026, 10, 1), "2026-10", True, id="first-day-of-month"),
    pytest.param(date(2026, 10, 31), "2026-10", True, id="last-day-of-month"),
    pytest.param(date(2026, 9, 30), "2026-10", False, id="day-before-month"),
    pytest.param(date(2026, 11, 1), "2026-10", False, id="day-after-month"),
    pytest.param(date(2025, 12, 31), "2026-01", False, id="new-year-eve-not-in-january"),
    pytest.param(date(2026, 1, 1), "2026-01", True, id="new-year-in-january"),
    pytest.param(date(2028, 2, 29), "2028-02", True, id="leap-day"),
    pytest.param("10/31/2026", "2026-10", True, id="us-text-date"),
    pytest.param(46326, "2026-10", True, id="serial-number-2026-10-31"),
])
def test_month_boundaries(settings, logged, month, counted):
    r, _ = report_of([case("CS-1", date_logged=logged)], parse_month(month), settings)
    assert r.received == (1 if counted else 0) and r.left_out == 0


@pytest.mark.parametrize("bad", [
    pytest.param("2/30/2026", id="impossible-date"),
    pytest.param("soon", id="words"),
    pytest.param("20261003", id="digits-only-text"),
    pytest.param("", id="blank"),
])
def test_rows_without_a_valid_date_are_left_out_and_counted(settings, bad):
    log = [case("CS-1", date_logged=date(2026, 10, 3)), case("CS-2", date_logged=bad),
           case("CS-3", date_logged=date(2026, 10, 9), status="Closed")]
    r, _ = report_of(log, OCTOBER, settings)
    assert (r.received, r.closed, r.open, r.left_out) == (2, 1, 1, 1)
    assert sum(c.cases for c in r.by_product) == sum(c.cases for c in r.by_defect) == 2
    assert sum(w.total for w in r.weeks) == 2
    summary = {row["item"]: row for row in report_rows(r) if row["section"] == "Summary"}
    assert summary["Left out (Date Logged blank or not a date)"]["cases"] == 1


@pytest.mark.parametrize("month, start, first_monday, weeks", [
    pytest.param("2026-10", date(2026, 5, 1), date(2026, 4, 27), 27, id="may-to-october"),
    pytest.param("2026-01", date(2025, 8, 1), date(2025, 7, 28), 27, id="across-new-year"),
    pytest.param("2026-06", date(2026, 1, 1), date(2025, 12, 29), 27, id="january-to-june"),
    pytest.param("2027-02", date(2026, 9, 1), date(2026, 8, 31), 26, id="ends-in-february"),
])
def test_weekly_window_is_the_six_months_ending_with_the_report_month(settings, month, start, first_monday,
                                                                       weeks):
    first = parse_month(month)
    end = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    log = [case("A", date_logged=start - timedelta(days=1)), case("B", date_logged=start),
           case("C", date_logged=end, defect_type="Clumping"), case("D", date_logged=end + timedelta(days=1))]
    r, _ = report_of(log, first, settings, now=datetime(2027, 12, 1))
    assert (r.window_start, r.window_end) == (start, end)
    assert r.weeks[0].start == first_monday and r.weeks[0].start.weekday() == 0 and len(r.weeks) == weeks
    assert r.weeks[-1].start <= end <= r.weeks[-1].end
    assert sum(w.total for w in r.weeks) == 2          # B and C; A and D are outside the window
    assert r.weeks[-1].counts[r.defect_types.index("Clumping")] == 1


def test_products_are_grouped_by_the_recurrence_key_showing_the_first_spelling(settings):
    settings.recurrence.aliases = {"chobaniyogurt": "chobanigreekyogurt"}
    log = [case("A", date_logged=date(2026, 10, 20), product="CHOBANI GREEK-YOGURT"),
           case("B", date_logged=date(2026, 10, 2), product="Chobani Greek  Yogurt"),
           case("C", date_logged=date(2026, 10, 25), product="Chobani yogurt", status="Closed"),
           case("D", date_logged=date(2026, 10, 5), product="Granola")]
    r, _ = report_of(log, OCTOBER, settings)
    assert [(c.label, c.cases, c.closed) for c in r.by_product] == [("Chobani Greek  Yogurt", 3, 1),
                                                                    ("Granola", 1, 0)]


def test_median_days_to_close_when_the_team_adds_a_date_closed_column(settings):
    rows = rows_of("defective_log", [
        case("A", date_logged=date(2026, 10, 1), status="Closed"),     # 2 days
        case("B", date_logged=date(2026, 10, 3), status="Closed"),     # 4 days
        case("C", date_logged=date(2026, 10, 5), status="Closed"),     # 9 days
        case("D", date_logged=date(2026, 10, 7), status="Closed"),     # 10 days (a serial: Oct 17)
        case("E", date_logged=date(2026, 10, 8), status="Open"),       # open: its date is ignored
        case("F", date_logged=date(2026, 10, 9), status="Closed"),     # closed before logged: not known
        case("G", date_logged=date(2026, 10, 9), status="Closed"),     # not a date: not known
        case("H", date_logged=date(2026, 9, 9), status="Closed"),      # another month
    ])
    closed = ["Closed On", date(2026, 10, 3), "10/7/2026", date(2026, 10, 14), 46312, date(2026, 10, 9),
              date(2026, 10, 1), "whenever", date(2026, 9, 10)]
    rows = [r + [c] for r, c in zip(rows, closed)]
    r, _ = report_of(rows, OCTOBER, settings)
    assert (r.has_closed_column, r.median_days, r.median_over) == (True, 6.5, 4)   # median of 2, 4, 9, 10
    median = next(row for row in report_rows(r) if row["item"].startswith("Median"))
    assert (median["days"], median["cases"]) == (6.5, 4)
    # The two filled-in cells that could not count are named, so a lead can fix them.
    assert r.median_left_out == ((7, "before its Date Logged"), (8, "not a date"))
    assert median["note"] == ("over 4 closed case(s) with a Date Closed; left out: row 7 (before its Date Logged), "
                              "row 8 (not a date)")


@pytest.mark.parametrize("bad, note", [
    pytest.param(3, "left out: row 2 (not a date), row 3 (not a date), row 4 (not a date)", id="all-named"),
    pytest.param(7, "row 6 (not a date) and 2 more", id="the-rest-counted"),
])
def test_left_out_dates_closed_are_named_up_to_five(settings, bad, note):
    rows = rows_of("defective_log", [case(f"T{i}", date_logged=date(2026, 10, 1), status="Closed")
                                     for i in range(bad)])
    rows = [r + [c] for r, c in zip(rows, ["Date Closed"] + ["soon"] * bad)]
    r, _ = report_of(rows, OCTOBER, settings)
    assert r.median_days is None and note in r.median_note and len(r.median_left_out) == bad


def test_median_is_not_known_when_no_closed_case_has_a_date(settings):
    rows = [r + [c] for r, c in zip(rows_of("defective_log", [case("A", status="Open")]), ["Date Closed", ""])]
    r, _ = report_of(rows, date(2026, 11, 1), settings)
    assert r.has_closed_column and r.median_days is None and "not known" in r.median_note


@pytest.mark.parametrize("text, expected", [
    pytest.param("2026-10", date(2026, 10, 1), id="plain"),
    pytest.param(" 2026-1 ", date(2026, 1, 1), id="one-digit-month-and-spaces"),
    pytest.param("2026-13", None, id="month-13"),
    pytest.param("2026-00", None, id="month-0"),
    pytest.param("10/2026", None, id="us-order"),
    pytest.param("October", None, id="name"),
    pytest.param("", None, id="empty"),
])
def test_parse_month(text, expected):
    assert parse_month(text) == expected


@pytest.mark.parametrize("now, expected", [
    pytest.param(datetime(2026, 11, 23), date(2026, 10, 1), id="mid-month"),
    pytest.param(datetime(2026, 1, 1, 0, 5), date(2025, 12, 1), id="new-year"),
    pytest.param(datetime(2026, 3, 31, 23, 59), date(2026, 2, 1), id="end-of-march"),
])
def test_previous_month(now, expected):
    assert previous_month(now) == expected


# ------------------------------------------------------------------------------------------------
# the HTML page and its chart


def embedded_png(html: str) -> bytes:
    m = re.search(r'<img[^>]*src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert m, "no embedded PNG"
    return base64.b64decode(m.group(1), validate=True)


def test_html_embeds_a_real_chart_first(settings):
    r, _ = report_of(build_sample(SAMPLE_TODAY)["Defective Log"], OCTOBER, settings)
    html = render_html(r)
    png = embedded_png(html)
    assert png[:8] == PNG_SIGNATURE and png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    assert width >= 1000 and height >= 450 and len(png) > 20_000
    # matplotlib really drew bars: the Foreign Object colour covers a good number of pixels.
    pixels = (matplotlib.image.imread(io.BytesIO(png))[..., :3] * 255).round().astype(int)
    foreign = np.all(np.abs(pixels - (0xD5, 0x5E, 0x00)) <= 2, axis=-1).sum()
    assert foreign > 500 and len(np.unique(pixels.reshape(-1, 3), axis=0)) > 20
    body = html[html.index("<body>") + len("<body>"):].lstrip()
    assert body.startswith("<img ")                       # the chart is the first thing on the page
    assert "23</strong> cases received" in html


def test_product_names_are_escaped_and_no_customer_data_is_in_the_report(settings):
    evil = "<script>alert('x')</script> & Co"
    log = [case("A", date_logged=date(2026, 10, 2), product=evil, customer_name="Zelda Quux",
                customer_email="zelda.quux@example.com", complaint_details="Secret complaint text")]
    r, plan = report_of(log, OCTOBER, settings)
    html = render_html(r, png=b"\x89PNG fake")
    assert "<script>" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co" in html
    written = " ".join(str(v) for w in plan.writes for row in w.values for v in row)
    assert evil in written                                # the tab holds the product as typed (literal)
    for private in ("Zelda", "Quux", "zelda.quux@example.com", "Secret complaint"):
        assert private not in html and private not in written


@pytest.mark.parametrize("month", [
    pytest.param(OCTOBER, id="october-ends-on-a-saturday"),
    pytest.param(date(2026, 11, 1), id="november-ends-on-a-monday"),
    pytest.param(date(2026, 9, 1), id="september-ends-on-a-wednesday"),
])
def test_every_weekly_bar_sits_inside_the_window_and_the_last_inside_the_shaded_month(settings, month):
    from bot.report.render import bar_spans
    log = [case(f"T{d}", date_logged=month + timedelta(days=d)) for d in range(0, 31, 3)]
    r, _ = report_of(log, month, settings)
    starts, widths = bar_spans(r)
    ends = [s + timedelta(days=w) for s, w in zip(starts, widths)]
    assert all(r.window_start <= s and e <= r.window_end + timedelta(days=1) for s, e in zip(starts, ends))
    assert r.month <= starts[-1] and ends[-1] <= r.last_day + timedelta(days=1)
    assert max(widths) == pytest.approx(5.6)     # a full week keeps its width


@pytest.mark.parametrize("log", [
    pytest.param([], id="empty-log"),
    pytest.param([case("A", date_logged=date(2020, 1, 1))], id="only-old-cases"),
])
def test_chart_with_no_cases_still_renders(settings, log):
    r, _ = report_of(log, OCTOBER, settings)
    assert r.received == 0 and chart_png(r)[:8] == PNG_SIGNATURE
    assert "No cases this month." in render_html(r)


# ------------------------------------------------------------------------------------------------
# the Monthly Report tab through the backends


@pytest.fixture
def workbook(tmp_path) -> WorkbookBackend:
    return write_workbook(tmp_path / "team.xlsx", build_sample(SAMPLE_TODAY))


def tab_rows(backend, title=TAB):
    return normalised(backend.read([title]).tabs[title])


def test_report_twice_writes_nothing_the_second_time(workbook, settings):
    first = run_report(workbook, settings, OCTOBER, lambda: CLOCK)
    assert first.applied is not None and first.plan.creates and first.plan.tabs_written() == [TAB]
    mtime = workbook.path.stat().st_mtime_ns
    again = run_report(workbook, settings, OCTOBER, lambda: CLOCK + timedelta(hours=5))
    assert again.applied is None and again.plan.is_empty
    assert workbook.path.stat().st_mtime_ns == mtime


def test_one_block_per_month_and_the_other_months_stay(workbook, settings):
    run_report(workbook, settings, OCTOBER, lambda: CLOCK)
    october = tab_rows(workbook)
    run_report(workbook, settings, date(2026, 11, 1), lambda: CLOCK)
    both = tab_rows(workbook)
    assert both[: len(october)] == october                       # October's block is untouched
    assert {row[0] for row in both[1:]} == {"2026-10", "2026-11"}
    run_report(workbook, settings, date(2026, 9, 1), lambda: CLOCK)   # an older month goes first
    months = [row[0] for row in tab_rows(workbook)[1:]]
    assert months == sorted(months) and months[0] == "2026-09"
    # November again over unchanged data writes nothing, with other months around it.
    assert run_report(workbook, settings, date(2026, 11, 1), lambda: CLOCK).applied is None


def test_rep_tabs_are_never_written(workbook, settings):
    before = {t: workbook.read([t]).tabs[t] for t in ("Defective Log", "Comp Sheet")}
    done = run_report(workbook, settings, OCTOBER, lambda: CLOCK)
    assert set(done.plan.tabs_written()) == {TAB}
    assert {t: workbook.read([t]).tabs[t] for t in before} == before


def test_both_backends_give_the_same_monthly_report_tab(workbook, settings, fake_sheets, sa_key):  # noqa: F811
    for title, rows in build_sample(SAMPLE_TODAY).items():
        fake_sheets.add_tab(title, rows)
    google = GoogleBackend(fake_sheets.spreadsheet_id, sa_key.path, sleep=lambda s: None)
    for month in (OCTOBER, date(2026, 11, 1)):
        a = run_report(workbook, settings, month, lambda: CLOCK)
        b = run_report(google, settings, month, lambda: CLOCK)
        assert a.plan == b.plan
        assert tab_rows(workbook) == tab_rows(google)
    fake_sheets.clear_log()
    assert run_report(google, settings, OCTOBER, lambda: CLOCK).applied is None
    assert not any(e.is_write for e in fake_sheets.api_log)
    assert not any(fake_sheets.range_tab(rng) in ("Defective Log", "Comp Sheet")
                   for _, rng in fake_sheets.value_writes())


# ------------------------------------------------------------------------------------------------
# the CLI on a workbook


def xlsx_rows(path: Path, title: str) -> list[tuple]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return [tuple(r) for r in wb[title].iter_rows(values_only=True)]
    finally:
        wb.close()


def test_cli_report_on_a_workbook_end_to_end(workbook, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("bot.cli.commands.local_now", lambda: CLOCK)
    assert main(["report", "--workbook", str(workbook.path)]) == 0          # default: the previous month
    out = capsys.readouterr().out
    assert "Monthly report for October 2026" in out and "23 cases received, 16 closed, 7 still open" in out
    assert "Left out 1 row(s)" in out and "Wrote" in out
    html = (tmp_path / "monthly-report-2026-10.html").read_text(encoding="utf-8")
    assert embedded_png(html)[:8] == PNG_SIGNATURE
    rows = xlsx_rows(workbook.path, TAB)
    assert rows[0][:5] == ("Month", "Section", "Item", "Defect Type", "Cases")
    assert rows[1][:7] == ("2026-10", "Summary", "Cases received", None, 23, 16, 7)

    assert main(["report", "--month", "2026-10", "--workbook", str(workbook.path),
                 "--out", str(tmp_path / "again.html")]) == 0
    assert "already holds this report; wrote nothing" in capsys.readouterr().out
    assert (tmp_path / "again.html").exists()


@pytest.mark.parametrize("month, says", [
    pytest.param("2026-13", "'2026-13' is not a month: pass --month YYYY-MM", id="month-13"),
    pytest.param("Oct 2026", "'Oct 2026' is not a month", id="words"),
    pytest.param("2027-01", "2027-01 has not begun yet", id="future"),
])
def test_cli_bad_month_is_exit_2_with_one_sentence(workbook, capsys, monkeypatch, month, says):
    monkeypatch.setattr("bot.cli.commands.local_now", lambda: CLOCK)
    assert main(["report", "--month", month, "--workbook", str(workbook.path)]) == 2
    err = capsys.readouterr().err.strip()
    assert says in err and err.count("\n") == 0 and err.endswith(".")
    assert TAB not in openpyxl.load_workbook(workbook.path, read_only=True).sheetnames


def test_cli_report_dry_run_writes_only_the_html(workbook, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("bot.cli.commands.local_now", lambda: CLOCK)
    out = tmp_path / "dry.html"
    assert main(["report", "--dry-run", "--workbook", str(workbook.path), "--out", str(out)]) == 0
    assert "Dry run" in capsys.readouterr().out and out.exists()
    assert TAB not in openpyxl.load_workbook(workbook.path, read_only=True).sheetnames


def test_cli_report_through_the_google_fake(fake_sheets, sa_key, tmp_path, capsys, monkeypatch):  # noqa: F811
    for title, rows in build_sample(SAMPLE_TODAY).items():
        fake_sheets.add_tab(title, rows)
    monkeypatch.setattr("bot.cli.commands.local_now", lambda: CLOCK)
    args = ["report", "--month", "2026-10", "--out", str(tmp_path / "g.html"),
            "--spreadsheet", fake_sheets.spreadsheet_id, "--credentials", str(sa_key.path)]
    assert main(args) == 0
    assert "23 cases received, 16 closed, 7 still open" in capsys.readouterr().out
    writes = fake_sheets.value_writes()
    assert writes and all(option == "RAW" for option, _ in writes)
    assert {fake_sheets.range_tab(rng) for _, rng in writes} == {TAB}
    assert normalised(fake_sheets.rows(TAB))[1][:7] == ["2026-10", "Summary", "Cases received", "", 23, 16, 7]
    fake_sheets.clear_log()
    assert main(args) == 0
    assert "wrote nothing" in capsys.readouterr().out
    assert [e.kind for e in fake_sheets.api_log] == ["metadata", "batchGet"]
