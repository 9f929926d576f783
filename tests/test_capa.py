"""Corrective action on Escalations: each Effectiveness state and its transitions (business days with
holidays for the root cause, calendar days for verification), Notify and the webhook after a recurrence,
Same Lot with mixed spellings of a lot."""
from __future__ import annotations

from datetime import date

import pytest

from after_reply import Sheet
from bot.tabs.lots import lot_key, month_lots, same_lot_text
from bot.notices.flag_notices import notices
from bot.tabs.escalations import FlagChanges
from conftest import case

FLAGGED = date(2026, 11, 2)        # a Monday; US Veterans Day is Wed Nov 11


def pair(*extra) -> list[dict]:
    """Two Clumping cases of one product (a flag), each from its own lot, plus `extra` cases."""
    return [case("CS-1", date_logged=date(2026, 10, 30), defect_type="Clumping", lot_number="A1"),
            case("CS-2", date_logged=date(2026, 11, 2), defect_type="Clumping", lot_number="A2"), *extra]


def clumping(ticket: str, day: date, lot: str = "") -> dict:
    return case(ticket, date_logged=day, defect_type="Clumping", lot_number=lot or ticket)


def flag_sheet(settings, renderer, *extra, root_cause=None, action=None) -> Sheet:
    s = Sheet(pair(*extra))
    s.cycle(FLAGGED, settings, renderer)
    lead = {}
    if root_cause is not None:
        lead["Root Cause"] = root_cause
    if action is not None:
        lead["Action Date"] = action
    if lead:
        s.set("Escalations", {"Flag ID": "ESC-0001"}, **lead)
    return s


def flag(s: Sheet, flag_id: str = "ESC-0001") -> dict:
    return next(r for r in s.rows("Escalations") if r["Flag ID"] == flag_id)


@pytest.mark.parametrize("today, root_cause, expected", [
    pytest.param(date(2026, 11, 6), None, None, id="root-cause-not-due-4-business-days-fri"),
    pytest.param(date(2026, 11, 7), None, "Root cause due", id="root-cause-due-5-business-days-sat"),
    pytest.param(date(2026, 11, 9), "seal bar too cold", None, id="root-cause-given-nothing-due"),
], )
def test_root_cause_due(settings, renderer, today, root_cause, expected):
    s = flag_sheet(settings, renderer, root_cause=root_cause)
    s.cycle(today, settings, renderer)
    assert flag(s)["Effectiveness"] == expected


def test_root_cause_due_skips_holidays(settings, renderer):
    s = Sheet(pair())
    s.cycle(date(2026, 11, 9), settings, renderer)     # flagged Monday Nov 9; Wed Nov 11 is a holiday
    s.cycle(date(2026, 11, 16), settings, renderer)    # Mon 9, Tue 10, Thu 12, Fri 13: 4
    assert flag(s)["Effectiveness"] is None
    s.cycle(date(2026, 11, 17), settings, renderer)    # + Mon 16: 5
    assert flag(s)["Effectiveness"] == "Root cause due"


@pytest.mark.parametrize("today, expected", [
    pytest.param(date(2026, 11, 10), "Watching: 0 of 60 days without recurrence", id="watching-day-0"),
    pytest.param(date(2026, 11, 21), "Watching: 11 of 60 days without recurrence", id="watching-weekend-day-11"),
    pytest.param(date(2027, 1, 8), "Watching: 59 of 60 days without recurrence", id="watching-day-59"),
    pytest.param(date(2027, 1, 9), "Effective: no recurrence in 60 days", id="effective-day-60"),
])
def test_watching_then_effective(settings, renderer, today, expected):
    s = flag_sheet(settings, renderer, root_cause="seal bar", action="2026-11-10")
    s.cycle(today, settings, renderer)
    assert flag(s)["Effectiveness"] == expected
    assert "Senior Management" not in flag(s)["Notify"]


def test_recurred_after_action_names_level_3_and_tells_the_webhook(settings, renderer):
    s = flag_sheet(settings, renderer, root_cause="seal bar", action=date(2026, 11, 10))
    s.cycle(date(2026, 11, 12), settings, renderer)
    assert flag(s)["Effectiveness"].startswith("Watching")
    s = _with_case(s, clumping("CS-3", date(2026, 11, 13)))
    out = s.cycle(date(2026, 11, 16), settings, renderer)
    f = flag(s)
    assert f["Effectiveness"] == "Recurred after action: 1 case(s) since 2026-11-10"
    assert f["Notify"] == "CS Team Lead, Senior Management"
    assert out.flags.recurred == ["ESC-0001"]
    (notice,) = [n for n in notices(out.flags, out.desired["escalations"], "", out_now()) if n.event == "recurred"]
    assert notice.flag_id == "ESC-0001" and "Senior Management" in notice.notify
    # Told once: the next day's cycle keeps the state and raises no second notice.
    again = s.cycle(date(2026, 11, 17), settings, renderer)
    assert again.flags.recurred == [] and flag(s)["Effectiveness"] == f["Effectiveness"]


def test_a_recurrence_outside_the_episode_still_names_level_3(settings, renderer):
    """The case after the action comes more than the window after the flag's last case: it joins no
    episode, yet the flag recurred after its action, and Notify names the Level 3 owner."""
    s = flag_sheet(settings, renderer, root_cause="seal bar", action=date(2026, 11, 10))
    s.cycle(date(2026, 11, 12), settings, renderer)
    s = _with_case(s, clumping("CS-3", date(2026, 11, 30)))
    out = s.cycle(date(2026, 12, 1), settings, renderer)
    f = flag(s)
    assert f["Effectiveness"] == "Recurred after action: 1 case(s) since 2026-11-10"
    assert f["Notify"] == "CS Team Lead, Senior Management" and f["Cases"] == 2
    assert out.flags.recurred == ["ESC-0001"]
    assert s.cycle(date(2026, 12, 1), settings, renderer).plan.is_empty


def test_effective_stays_and_a_later_episode_says_recurrence_of(settings, renderer):
    s = flag_sheet(settings, renderer, root_cause="seal bar", action=date(2026, 11, 10))
    s.cycle(date(2027, 1, 9), settings, renderer)
    assert flag(s)["Effectiveness"] == "Effective: no recurrence in 60 days"
    s = _with_case(s, clumping("CS-3", date(2027, 2, 1)), clumping("CS-4", date(2027, 2, 3)))
    out = s.cycle(date(2027, 2, 4), settings, renderer)
    assert flag(s)["Effectiveness"] == "Effective: no recurrence in 60 days"
    later = flag(s, "ESC-0002")
    assert later["Effectiveness"] == "Recurrence of ESC-0001 after its corrective action of 2026-11-10"
    assert "Senior Management" in later["Notify"] and out.flags.recurred == ["ESC-0002"]


def test_a_sheet_without_capa_columns_gets_no_lead_headers(settings, renderer):
    s = Sheet(pair())
    s.cycle(FLAGGED, settings, renderer)
    header = s.tabs["Escalations"][0]
    assert "Effectiveness" in header and "Same Lot" in header
    assert not {"Root Cause", "Corrective Action", "Action Date"} & set(header)
    assert s.cycle(FLAGGED, settings, renderer).plan.is_empty


def _with_case(s: Sheet, *cases: dict) -> Sheet:
    from conftest import rows_of
    s.tabs["Defective Log"] = [r for r in s.tabs["Defective Log"] if r]
    s.tabs["Defective Log"] += rows_of("defective_log", list(cases))[1:]
    return s


def out_now():
    from conftest import NOW
    return NOW


# ---- lots -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("lots, shown", [
    pytest.param(("l26-062", "L26-062 "), "l26-062 ×2", id="case-and-space-differ"),
    pytest.param(("L26-062", "L26062", "l26 062"), "L26-062 ×3", id="punctuation-differs"),
    pytest.param(("L26-062", "L26-063"), "", id="different-lots"),
    pytest.param(("", "", "L1"), "", id="blank-lots-never-match"),
    pytest.param(("A", "B", "A", "B", "C"), "A ×2, B ×2", id="two-shared-lots"),
])
def test_same_lot_text(lots, shown):
    assert same_lot_text(lots) == shown
    assert lot_key("l26-062") == lot_key(" L26-062 ")


def test_same_lot_flag_names_products_and_logistics(run):
    log = [case("CS-1", date_logged=date(2026, 11, 2), defect_type="Clumping", lot_number="l26-062"),
           case("CS-2", date_logged=date(2026, 11, 3), defect_type="Clumping", lot_number="L26-062 ")]
    (f,) = run(log).desired["escalations"]
    assert f["same_lot"] == "l26-062 ×2"
    assert f["notify"] == "CS Team Lead, Products & Logistics"


def test_month_lots_across_products_and_defects(run):
    log = [case("CS-1", date_logged=date(2026, 11, 2), lot_number="L7", product="Chips"),
           case("CS-2", date_logged=date(2026, 11, 20), lot_number=" l7", product="Granola", defect_type="Clumping"),
           case("CS-3", date_logged=date(2026, 10, 31), lot_number="L7"),          # not in the month
           case("CS-4", date_logged=date(2026, 11, 5), lot_number="L8")]
    v = run(log).validation
    (lot,) = month_lots(v.log, date(2026, 11, 1), date(2026, 11, 30))
    assert lot == {"lot": "L7", "cases": 2, "products": ["Chips", "Granola"],
                   "defects": ["Foreign Object", "Clumping"]}


def test_monthly_report_tab_lists_the_months_lots(tmp_path):
    from bot.backends.base import Snapshot
    from bot.config import load_settings
    from bot.report.run import make_report
    from conftest import NOW, rows_of
    log = [case("CS-1", date_logged=date(2026, 10, 2), lot_number="L7", product="Chips"),
           case("CS-2", date_logged=date(2026, 10, 20), lot_number="l7 ", product="Granola", defect_type="Clumping")]
    snap = Snapshot({"Defective Log": rows_of("defective_log", log), "Comp Sheet": rows_of("comp_sheet", [])}, "t")
    _, plan = make_report(snap, load_settings(environ={}), date(2026, 10, 1), NOW)
    written = [v for w in plan.writes for v in w.values]
    assert any("Lot" in row and "L7" in row and "Chips, Granola" in row for row in written), written


def test_month_lots_counts_the_months_first_and_last_day_and_lists_most_complaints_first(run):
    log = [case("CS-1", date_logged=date(2026, 10, 31), lot_number="B2"),    # the day before: not counted
           case("CS-2", date_logged=date(2026, 11, 1), lot_number="B2"),
           case("CS-3", date_logged=date(2026, 11, 30), lot_number="b-2"),
           case("CS-4", date_logged=date(2026, 12, 1), lot_number="B2"),     # the day after: not counted
           case("CS-5", date_logged=date(2026, 11, 3), lot_number="a1"),
           case("CS-6", date_logged=date(2026, 11, 4), lot_number="A1"),
           case("CS-7", date_logged=date(2026, 11, 5), lot_number="C3"),
           case("CS-8", date_logged=date(2026, 11, 6), lot_number="C3"),
           case("CS-9", date_logged=date(2026, 11, 7), lot_number="C3"),
           case("CS-10", date_logged=date(2026, 11, 8), lot_number=None),   # blank lots are no lot
           case("CS-11", date_logged=date(2026, 11, 9), lot_number="N/A"),
           case("CS-12", date_logged=date(2026, 11, 9), lot_number=None),
           case("CS-13", date_logged="soon", lot_number="C3")]               # no readable date: not counted
    v = run(log).validation
    assert [(e["lot"], e["cases"]) for e in month_lots(v.log, date(2026, 11, 1), date(2026, 11, 30))] == \
        [("C3", 3), ("a1", 2), ("B2", 2)]     # most complaints first, then by lot whatever its case


# ---- the Capa rules one method at a time (each from a surviving mutant) ------------------------------------

ACTION = date(2026, 11, 10)
TMO = "Trail Mix Original 12oz"


def capa_on(*days, today=date(2026, 11, 30), defect="Clumping", product=TMO):
    """A Capa over a log of `days` (cases of one product and defect), today `today`."""
    import pandas as pd

    from bot.tabs.capa import Capa, CapaSettings
    from bot.tabs.escalations import RecurrenceSettings
    from bot.tabs.open_cases import EscalationSettings
    log = pd.DataFrame({"date_logged": list(days), "product": [product] * len(days),
                        "defect_type": [defect] * len(days)})
    return Capa(log, RecurrenceSettings(), EscalationSettings(), CapaSettings(), today)


def record(flag_id, first=date(2026, 11, 2), merged_into="", notify="CS Team Lead", defect="Clumping", product=TMO):
    return {"flag_id": flag_id, "product": product, "defect_type": defect, "first_logged": first.isoformat(),
            "flagged_at": "2026-11-02 09:00", "notify": notify, "merged_into": merged_into}


def lead(flag_id, action=None, root_cause="seal bar too cold"):
    return {"flag_id": flag_id, "action_date": action.isoformat() if action else None, "root_cause": root_cause}


def key_of(row):
    return row["flag_id"]


def test_bind_reads_the_actions_of_flags_not_merged_and_skips_flags_without_a_row():
    from bot.tabs.capa import Action
    capa = capa_on(date(2026, 11, 1))
    records = [record("ESC-0002", merged_into="ESC-0001"), record("ESC-0003"), record("ESC-0001")]
    capa.bind(records, [lead("ESC-0002", date(2026, 11, 12)), lead("ESC-0001", ACTION)], key_of)
    assert capa.actions == [Action("ESC-0001", "trailmixoriginal12oz", "Clumping", ACTION)]


def test_finish_leaves_a_merged_flag_alone_and_sets_every_other():
    capa = capa_on(date(2026, 11, 1), date(2026, 11, 20))
    merged = {**record("ESC-0002", merged_into="ESC-0001"), "effectiveness": "as last written"}
    records = [merged, record("ESC-0001"), record("ESC-0003")]
    capa.bind(records, [lead("ESC-0001", ACTION), lead("ESC-0002", ACTION), lead("ESC-0003")], key_of)
    capa.finish(records, {}, FlagChanges(), key_of)
    assert [r["effectiveness"] for r in records] == \
        ["as last written", "Recurred after action: 1 case(s) since 2026-11-10", ""]


@pytest.mark.parametrize("before, told", [
    pytest.param(None, True, id="first-recurrence-told"),
    pytest.param("Watching: 3 of 60 days without recurrence", True, id="watching-to-recurred-told"),
    pytest.param("Recurred after action: 1 case(s) since 2026-11-10", False, id="more-cases-not-told-again"),
])
def test_the_webhook_hears_of_a_recurrence_once(before, told):
    capa = capa_on(date(2026, 11, 1), date(2026, 11, 20), date(2026, 11, 25))
    records = [record("ESC-0001")]
    capa.bind(records, [lead("ESC-0001", ACTION)], key_of)
    changes = FlagChanges()
    capa.finish(records, {} if before is None else {"ESC-0001": before}, changes, key_of)
    assert records[0]["effectiveness"] == "Recurred after action: 2 case(s) since 2026-11-10"
    assert changes.recurred == (["ESC-0001"] if told else [])


def test_a_recurrence_after_another_flags_newer_action_is_told_again():
    capa = capa_on(date(2026, 11, 1), date(2026, 11, 25))
    records = [record("ESC-0001"), record("ESC-0002", first=date(2026, 11, 25))]
    capa.bind(records, [lead("ESC-0001", ACTION)], key_of)
    changes = FlagChanges()
    capa.finish(records, {"ESC-0002": "Recurrence of ESC-0009 after its corrective action of 2026-10-01"},
                changes, key_of)
    assert records[1]["effectiveness"] == "Recurrence of ESC-0001 after its corrective action of 2026-11-10"
    assert changes.recurred == ["ESC-0001", "ESC-0002"]


@pytest.mark.parametrize("notify, expected", [
    pytest.param("CS Team Lead", "CS Team Lead, Senior Management", id="level-3-added"),
    pytest.param("CS Team Lead, Senior Management", "CS Team Lead, Senior Management", id="not-twice"),
])
def test_a_recurred_flag_names_the_level_3_owner_even_when_no_episode_updates_it(notify, expected):
    capa = capa_on(date(2026, 11, 1), date(2026, 11, 20))
    records = [record("ESC-0001", notify=notify)]
    capa.bind(records, [lead("ESC-0001", ACTION)], key_of)
    capa.finish(records, {}, FlagChanges(), key_of)
    assert records[0]["notify"] == expected


@pytest.mark.parametrize("case_day, expected", [
    pytest.param(ACTION, "Watching: 20 of 60 days without recurrence", id="a-case-on-the-action-day-is-before-it"),
    pytest.param(date(2027, 1, 9), "Recurred after action: 1 case(s) since 2026-11-10", id="day-60-still-recurs"),
    pytest.param(date(2027, 1, 10), "Effective: no recurrence in 60 days", id="day-61-after-effective"),
])
def test_effectiveness_boundaries_of_the_action_and_verification_days(case_day, expected):
    today = date(2026, 11, 30) if case_day == ACTION else date(2027, 1, 12)
    capa = capa_on(date(2026, 11, 1), case_day, today=today)
    records = [record("ESC-0001")]
    capa.bind(records, [lead("ESC-0001", ACTION)], key_of)
    assert capa.effectiveness(records[0], lead("ESC-0001", ACTION)) == expected


def episode_of(*days):
    from bot.tabs.escalations import Episode
    return Episode(product_key="trailmixoriginal12oz", product=TMO, defect_type="Clumping", dates=days,
                   tickets=tuple(f"CS-{i}" for i in range(len(days))), lots=(), first_row=2,
                   case_lots=tuple(f"L{i}" for i in range(len(days))))


@pytest.mark.parametrize("episode_days, other_case, level_3", [
    pytest.param((date(2026, 11, 1), ACTION), None, False, id="last-case-on-the-action-day-not-after"),
    pytest.param((date(2026, 11, 1), date(2026, 11, 11)), None, True, id="last-case-the-day-after"),
    pytest.param((date(2027, 1, 15), date(2027, 1, 20)), None, True, id="an-episode-after-an-effective-action"),
    pytest.param((date(2026, 11, 1), date(2026, 11, 2)), date(2027, 1, 9), True, id="case-on-day-60-outside"),
    pytest.param((date(2026, 11, 1), date(2026, 11, 2)), date(2027, 1, 10), False, id="case-on-day-61-outside"),
])
def test_notify_names_level_3_for_a_case_after_the_action(episode_days, other_case, level_3):
    days = sorted(set(episode_days) | ({other_case} if other_case else set()))
    capa = capa_on(*days, today=date(2027, 1, 12))
    capa.bind([record("ESC-0001")], [lead("ESC-0001", ACTION)], key_of)
    assert ("Senior Management" in capa.extra(episode_of(*episode_days))["notify"]) == level_3


@pytest.mark.parametrize("actions, first, expected", [
    pytest.param({"ESC-0001": ACTION, "ESC-0002": date(2026, 11, 20)}, date(2026, 12, 1),
                 "Recurrence of ESC-0002 after its corrective action of 2026-11-20", id="the-latest-action-named"),
    pytest.param({"ESC-0002": date(2026, 11, 20), "ESC-0001": ACTION}, date(2026, 12, 1),
                 "Recurrence of ESC-0002 after its corrective action of 2026-11-20", id="latest-whatever-the-order"),
    pytest.param({"ESC-0001": ACTION, "ESC-0002": ACTION}, date(2026, 12, 1),
                 "Recurrence of ESC-0002 after its corrective action of 2026-11-10", id="same-day-higher-flag-id"),
    pytest.param({"ESC-0001": ACTION}, ACTION, "", id="first-case-on-the-action-day-is-no-recurrence"),
])
def test_recurrence_of_names_the_latest_earlier_action(actions, first, expected):
    capa = capa_on(date(2026, 11, 1), first, date(2026, 12, 2))
    flags = [record(f) for f in actions] + [record("ESC-0003", first=first)]
    capa.bind(flags, [lead(f, day) for f, day in actions.items()] + [lead("ESC-0003")], key_of)
    assert capa.effectiveness(flags[-1], lead("ESC-0003")) == expected


@pytest.mark.parametrize("other", [
    pytest.param({"product": "Honey Roasted Almonds 8oz"}, id="another-product"),
    pytest.param({"defect": "Foreign Object"}, id="another-defect"),
])
def test_only_an_action_of_the_same_product_and_defect_makes_a_recurrence_of(other):
    capa = capa_on(date(2026, 11, 1), date(2026, 12, 1))
    flags = [record("ESC-0001", **other), record("ESC-0003", first=date(2026, 12, 1))]
    capa.bind(flags, [lead("ESC-0001", ACTION), lead("ESC-0003")], key_of)
    assert capa.effectiveness(flags[-1], lead("ESC-0003")) == ""


def test_a_flag_whose_cases_are_all_gone_from_the_log_still_shows_its_watch():
    capa = capa_on(date(2026, 11, 1), product="Honey Roasted Almonds 8oz")
    records = [record("ESC-0001")]
    capa.bind(records, [lead("ESC-0001", ACTION)], key_of)
    assert capa.effectiveness(records[0], lead("ESC-0001", ACTION)) == "Watching: 20 of 60 days without recurrence"


@pytest.mark.parametrize("level_3_owner, notify_default, notify", [
    pytest.param("Senior Management", "CS Team Lead, senior management", "CS Team Lead, senior management",
                 id="already-named-in-another-case"),
    pytest.param("Smith, Dana", "CS Team Lead", "CS Team Lead, Smith, Dana", id="owner-name-holding-a-comma"),
])
def test_a_recurred_flag_names_the_level_3_owner_once_and_is_not_rewritten_every_cycle(
        settings, renderer, level_3_owner, notify_default, notify):
    """Found in issue 17: `finish` compared names exactly and split a name holding a comma, where the
    episode's Notify had already named the owner: it named them again, and the flag's row (Notify,
    Updated At) was rewritten every cycle."""
    settings.escalation.owners = (*settings.escalation.owners[:2], level_3_owner)
    settings.recurrence.notify_default = notify_default
    s = flag_sheet(settings, renderer, root_cause="seal bar", action=date(2026, 11, 10))
    s = _with_case(s, clumping("CS-3", date(2026, 11, 13)))
    s.cycle(date(2026, 11, 16), settings, renderer)
    assert flag(s)["Effectiveness"] == "Recurred after action: 1 case(s) since 2026-11-10"
    assert flag(s)["Notify"] == notify
    assert "Escalations" not in s.cycle(date(2026, 11, 17), settings, renderer).plan.tabs_written()
