"""The monthly report's follow-up, feedback and corrective-action sections (bot.report.after), rule by rule,
and the Monthly Report tab staying idempotent with them."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from bot.backends.base import Snapshot
from bot.tabs.capa import CapaSettings
from bot.config import load_settings
from bot.tabs.layout import flag_key
from bot.tabs.escalations import RecurrenceSettings
from bot.report.after import after_reply
from conftest import case, rows_of

NOVEMBER, END = date(2026, 11, 1), date(2026, 11, 30)
TODAY = date(2026, 11, 20)


def log_of(cases: list[dict]):
    from bot.cycle.compute import validated
    tabs = {"Defective Log": rows_of("defective_log", cases), "Comp Sheet": rows_of("comp_sheet", [])}
    return validated(Snapshot(tabs, "test"), load_settings(environ={})).log


def report(cases=(), drafts=(), flags=(), leads=None, today=TODAY):
    leads = leads if leads is not None else {}
    return after_reply(log_of(list(cases) or [case("CS-1")]), list(drafts), list(flags),
                       {k: v for k, v in leads.items()}, flag_key, NOVEMBER, END, today, RecurrenceSettings(),
                       CapaSettings())


def draft(template="Follow-up", drafted="2026-11-10 09:00", sent=None):
    return {"ticket_id": "CS-1", "template": template, "drafted_at": drafted, "sent_on": sent}


@pytest.mark.parametrize("drafts, want", [
    pytest.param([draft()], (1, 0), id="drafted-in-month-not-sent"),
    pytest.param([draft(sent="2026-11-12")], (1, 1), id="drafted-and-sent-in-month"),
    pytest.param([draft(drafted="2026-10-30 17:00", sent="2026-11-02")], (0, 1), id="drafted-october-sent-november"),
    pytest.param([draft(drafted="2026-11-30 23:59", sent="2026-12-01")], (1, 0), id="sent-next-month"),
    pytest.param([draft(template="Refund Processed", sent="2026-11-12")], (0, 0), id="a-reply-is-no-follow-up"),
    pytest.param([draft(drafted="2026-10-31 10:00")], (0, 0), id="drafted-day-before-month"),
])
def test_follow_ups_drafted_and_sent_in_the_month(drafts, want):
    r = report(drafts=drafts)
    assert (r.follow_ups_drafted, r.follow_ups_sent) == want


@pytest.mark.parametrize("typed, value", [
    pytest.param("Satisfied", "Satisfied", id="satisfied"),
    pytest.param("  not satisfied ", "Not Satisfied", id="not-satisfied-any-case-and-spaces"),
    pytest.param("No Response", "No Response", id="no-response"),
    pytest.param("Loved the new bag", "Other (free text)", id="free-text-is-other"),
    pytest.param("", "No feedback yet", id="blank"),
])
def test_feedback_counted_by_value(typed, value):
    cases = [case("CS-1", date_logged=date(2026, 11, 3), customer_feedback=typed),
             case("CS-2", date_logged=date(2026, 10, 31), customer_feedback=typed)]   # October: not counted
    got = dict(report(cases).feedback)
    assert got[value] == 1 and sum(got.values()) == 1


def flag(fid="ESC-0001", flagged="2026-11-05 10:00", product="Trail Mix", defect="Clumping", merged=None):
    return {"flag_id": fid, "product": product, "defect_type": defect, "flagged_at": flagged,
            "merged_into": merged}


@pytest.mark.parametrize("flags, leads, want", [
    pytest.param([flag()], {}, (1, 0), id="raised-no-root-cause"),
    pytest.param([flag()], {"ESC-0001": {"root_cause": "Sealer jaw worn"}}, (1, 1), id="raised-with-root-cause"),
    pytest.param([flag(flagged="2026-10-31 23:00")], {}, (0, 0), id="raised-in-october"),
    pytest.param([flag(), flag("ESC-0002", merged="ESC-0001")], {}, (1, 0), id="merged-flag-not-counted"),
])
def test_flags_raised_with_and_without_a_root_cause(flags, leads, want):
    r = report(flags=flags, leads=leads)
    assert (r.flags_raised, r.with_root_cause) == want
    assert r.without_root_cause == want[0] - want[1]


def clumps(*days):
    return [case(f"CS-{i}", date_logged=d, product="Trail Mix", defect_type="Clumping") for i, d in enumerate(days)]


@pytest.mark.parametrize("action, logged, today, effective, recurred", [
    # Action Sep 6 + 60 days = Nov 5: verified in November when nothing came after the action.
    pytest.param(date(2026, 9, 6), [date(2026, 9, 1)], TODAY, ["2026-11-05"], [], id="verified-in-month"),
    pytest.param(date(2026, 9, 6), [date(2026, 9, 1)], date(2026, 11, 4), [], [], id="not-yet-verified-on-nov-4"),
    pytest.param(date(2026, 8, 1), [date(2026, 7, 30)], TODAY, [], [], id="verified-in-september-not-counted"),
    # A case after the action within 60 days: a recurrence in the month of that case, never effective.
    pytest.param(date(2026, 9, 6), [date(2026, 9, 1), date(2026, 11, 4)], TODAY, [], [("2026-11-04", 1)],
                 id="recurred-in-month"),
    pytest.param(date(2026, 9, 6), [date(2026, 9, 1), date(2026, 10, 20)], TODAY, [], [],
                 id="recurred-in-october-not-counted-in-november"),
    pytest.param(date(2026, 9, 6), [date(2026, 9, 6)], TODAY, ["2026-11-05"], [],
                 id="case-on-the-action-day-is-not-after-it"),
    pytest.param(date(2026, 8, 1), [date(2026, 7, 30), date(2026, 11, 10)], TODAY, [], [],
                 id="case-after-the-60-days-is-a-new-flag-not-a-recurrence"),
])
def test_actions_verified_effective_and_recurrences(action, logged, today, effective, recurred):
    r = report(clumps(*logged), flags=[flag(flagged="2026-08-01 09:00")],
               leads={"ESC-0001": {"action_date": action.isoformat()}}, today=today)
    assert [a.day.isoformat() for a in r.effective] == effective
    assert [(a.day.isoformat(), a.cases) for a in r.recurred] == recurred


def test_the_tab_holds_the_sections_and_a_second_report_writes_nothing(tmp_path):
    from bot.demo.run import write_workbook
    from bot.report.run import run_report
    settings = load_settings(environ={})
    now = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
    cases = clumps(date(2026, 11, 2), date(2026, 11, 3))
    cases[0]["customer_feedback"] = "Satisfied"
    book = write_workbook(tmp_path / "team.xlsx", {
        "Defective Log": rows_of("defective_log", cases), "Comp Sheet": rows_of("comp_sheet", []),
        "Escalations": [["Flag ID", "Product", "Defect Type", "Flagged At", "Root Cause"],
                        ["ESC-0001", "Trail Mix", "Clumping", "2026-11-03 10:00", "Warm packing"]]})
    first = run_report(book, settings, NOVEMBER, lambda: now)
    assert first.applied is not None
    tab = {(r[1], r[2]): r[4] for r in book.read(["Monthly Report"]).tabs["Monthly Report"][1:]}
    assert tab[("Corrective actions", "Flags raised with a root cause")] == 1
    assert tab[("Customer feedback", "Satisfied")] == 1 and tab[("Follow-ups", "Follow-ups drafted")] == 0
    again = run_report(book, settings, NOVEMBER, lambda: now)
    assert again.applied is None and again.plan.is_empty
