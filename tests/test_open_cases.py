"""The escalation matrix (issue 6): business-day ages, levels, the Open Cases tab, and Level 3 in Notify.

Every expected age below is worked out by hand on a calendar: the logging day counts when it is a
business day, today does not, weekends and US public holidays are skipped (November 2026: Veterans
Day Wed 11-11, Thanksgiving Thu 11-26; July 2026: Independence Day Sat 07-04, observed Fri 07-03).
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import openpyxl
import pytest

from bot.cli.main import main
from bot.config import load_settings
from bot.demo.run import build_workbook
from bot.tabs.open_cases import open_case_ages
from conftest import case
from test_cli_workbook import tab_values

MON_1130 = datetime(2026, 11, 30, 9, 30, tzinfo=timezone.utc)   # the Monday after Thanksgiving


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, 30, tzinfo=timezone.utc)


def ages(out, settings, today: date) -> dict[str, tuple[int, int]]:
    """{ticket: (age, level)} of every Open case that counts, Level 1 included."""
    df = open_case_ages(out.validation.log, settings.escalation, today)
    return {t: (int(a), int(lv)) for t, a, lv in zip(df["ticket_id"], df["age"], df["level"])}


@pytest.mark.parametrize("logged, today, defect, age, level", [
    pytest.param(date(2026, 11, 23), date(2026, 11, 23), "Clumping", 0, 1, id="same-day-mon-0"),
    pytest.param(date(2026, 11, 16), date(2026, 11, 18), "Clumping", 2, 1, id="boundary-2-is-level-1"),
    pytest.param(date(2026, 11, 16), date(2026, 11, 19), "Clumping", 3, 2, id="3-is-level-2"),
    pytest.param(date(2026, 11, 16), date(2026, 11, 20), "Clumping", 4, 2, id="boundary-4-is-level-2"),
    pytest.param(date(2026, 11, 16), date(2026, 11, 23), "Clumping", 5, 3, id="5-is-level-3"),
    pytest.param(date(2026, 11, 20), date(2026, 11, 24), "Clumping", 2, 1, id="fri-to-tue-across-weekend-2"),
    pytest.param(date(2026, 11, 19), date(2026, 11, 24), "Clumping", 3, 2, id="thu-to-tue-across-weekend-3"),
    pytest.param(date(2026, 11, 21), date(2026, 11, 23), "Clumping", 0, 1, id="logged-sat-mon-0"),
    pytest.param(date(2026, 11, 22), date(2026, 11, 25), "Clumping", 2, 1, id="logged-sun-wed-2"),
    pytest.param(date(2026, 11, 25), date(2026, 11, 30), "Clumping", 2, 1, id="wed-to-mon-skips-thanksgiving"),
    pytest.param(date(2026, 11, 24), date(2026, 12, 1), "Clumping", 4, 2, id="tue-to-tue-skips-thanksgiving"),
    pytest.param(date(2026, 11, 26), date(2026, 11, 30), "Clumping", 1, 1, id="logged-on-thanksgiving"),
    pytest.param(date(2026, 11, 10), date(2026, 11, 13), "Clumping", 2, 1, id="tue-to-fri-skips-veterans-day"),
    pytest.param(date(2026, 7, 2), date(2026, 7, 7), "Clumping", 2, 1, id="skips-july-4th-observed-fri"),
    pytest.param(date(2026, 11, 30), date(2026, 11, 23), "Clumping", 0, 1, id="future-date-is-0"),
    pytest.param(date(2026, 11, 23), date(2026, 11, 23), "Foreign Object", 0, 3, id="serious-day-0-level-3"),
    pytest.param(date(2026, 11, 16), date(2026, 11, 19), "Foreign Object", 3, 3, id="serious-day-3-level-3"),
])
def test_age_and_level_by_hand(run, settings, logged, today, defect, age, level):
    out = run([case("CS-1", date_logged=logged, defect_type=defect)], now=at(today))
    assert ages(out, settings, today) == {"CS-1": (age, level)}


def test_vectorised_age_agrees_with_a_day_by_day_count():
    """Every logging day of 2025-2026 against today 2026-11-30, counted the slow way."""
    from datetime import timedelta

    import holidays
    import numpy as np

    from bot.tabs.open_cases import business_age, holiday_days
    hol = holidays.country_holidays("US", years=(2025, 2026))
    today = date(2026, 11, 30)
    days = [date(2025, 1, 1) + timedelta(days=i) for i in range((date(2026, 12, 31) - date(2025, 1, 1)).days + 1)]

    def slow(d):
        n = 0
        while d < today:
            n += d.weekday() < 5 and d not in hol
            d += timedelta(days=1)
        return n

    got = business_age(np.array(days, dtype="datetime64[D]"), today, holiday_days("US", None, 2025, 2026))
    assert got.tolist() == [slow(d) for d in days]


def test_closed_cases_do_not_count_but_undated_ones_and_cases_with_other_errors_do(run, settings):
    log = [case("CS-1", date_logged=date(2026, 11, 2), status="Closed"),
           case("CS-2", date_logged="2/30/2026"),
           case("CS-3", date_logged=date(2026, 11, 2), customer_email="broken", defect_type="Clumping"),
           case("CS-4", date_logged=date(2026, 11, 2), defect_type="Stale"),
           case("CS-5", date_logged=date(2026, 11, 2), status="  open ", defect_type="Clumping")]
    out = run(log, now=at(date(2026, 11, 23)))
    # Nov 2 (Mon) .. Nov 23 (Mon): 15 weekdays, less Veterans Day = 14
    assert ages(out, settings, date(2026, 11, 23)) == {"CS-3": (14, 3), "CS-4": (14, 3), "CS-5": (14, 3)}
    rows = out.desired["open_cases"]
    assert [(r["ticket_id"], r["defect_type"], r["age"], r["level"]) for r in rows] == [
        ("CS-2", "Foreign Object", "unknown", "Level 3"),
        ("CS-3", "Clumping", 14, "Level 3"), ("CS-4", "", 14, "Level 3"), ("CS-5", "Clumping", 14, "Level 3")]


@pytest.mark.parametrize("date_logged", [
    pytest.param("Nov 3", id="no-year"),
    pytest.param("2/30/2026", id="impossible"),
    pytest.param(None, id="blank"),
    pytest.param("N/A", id="placeholder"),
])
@pytest.mark.parametrize("defect, level, why", [
    pytest.param("Foreign Object", "Level 3", "serious defect; age unknown", id="serious-level-3"),
    pytest.param("Clumping", "Level 2", "age unknown", id="other-level-2"),
])
def test_an_open_case_whose_date_cannot_be_read_is_listed_with_age_unknown(run, date_logged, defect, level, why):
    log = [case("CS-1", date_logged=date(2026, 11, 23), defect_type="Clumping"),     # Level 1: left out
           case("CS-2", date_logged=date_logged, defect_type=defect),
           case("CS-3", date_logged=date_logged, defect_type=defect, status="Closed")]
    out = run(log, now=at(date(2026, 11, 23)))
    (row,) = out.desired["open_cases"]
    assert (row["ticket_id"], row["age"], row["level"], row["date_logged"], row["row"]) == \
        ("CS-2", "unknown", level, "", 3)
    assert row["reason"] == f"{why}: Date Logged is blank or not a date (see Log Issues, Defective Log row 3)"
    # ... and the Log Issue it points at is there.
    assert [(i.row, i.column) for i in out.validation.issues if i.row == 3] == [(3, "A")]


def test_unknown_ages_come_first_within_their_level(run):
    log = [case("A", date_logged=date(2026, 11, 16), defect_type="Clumping"),     # 5: Level 3
           case("B", date_logged=date(2026, 11, 18), defect_type="Clumping"),     # 3: Level 2
           case("C", date_logged="Nov 3", defect_type="Clumping"),                # unknown: Level 2
           case("D", date_logged="Nov 3", defect_type="Foreign Object")]          # unknown: Level 3
    rows = run(log, now=at(date(2026, 11, 23))).desired["open_cases"]
    assert [(r["ticket_id"], r["age"], r["level"]) for r in rows] == [
        ("D", "unknown", "Level 3"), ("A", 5, "Level 3"), ("C", "unknown", "Level 2"), ("B", 3, "Level 2")]


def test_open_cases_sorted_most_urgent_first_and_level_1_left_out(run):
    today = date(2026, 11, 23)
    log = [case("A", date_logged=date(2026, 11, 19), defect_type="Clumping"),     # 2: Level 1, left out
           case("B", date_logged=date(2026, 11, 18), defect_type="Clumping"),     # 3: Level 2
           case("C", date_logged=date(2026, 11, 23), defect_type="Foreign Object"),  # 0: serious, Level 3
           case("D", date_logged=date(2026, 11, 16), defect_type="Clumping"),     # 5: Level 3
           case("E", date_logged=date(2026, 11, 17), defect_type="Clumping")]     # 4: Level 2
    rows = run(log, now=at(today)).desired["open_cases"]
    assert [(r["ticket_id"], r["age"], r["level"], r["owner"], r["reason"]) for r in rows] == [
        ("D", 5, "Level 3", "Senior Management", "open more than 4 business days"),
        ("C", 0, "Level 3", "Senior Management", "serious defect"),
        ("E", 4, "Level 2", "Complaint Handling Manager", "open more than 2 business days"),
        ("B", 3, "Level 2", "Complaint Handling Manager", "open more than 2 business days"),
    ]


def write_config(tmp_path: Path, text: str) -> Path:
    cfg = tmp_path / "bot.toml"
    cfg.write_text(text)
    return cfg


def test_config_country_serious_boundaries_and_owners(tmp_path):
    s = load_settings(write_config(tmp_path, '[escalation]\ncountry = "gb"\nsubdivision = "sct"\n'
                                             'serious = ["rancid / off taste"]\nlevel_2_after_days = 1\n'
                                             'level_3_after_days = 3\nlevel_3_owner = "Head of Quality"\n'),
                      environ={})
    e = s.escalation
    assert (e.country, e.subdivision, e.serious) == ("GB", "SCT", ("Rancid / Off Taste",))
    assert (e.level_2_after_days, e.level_3_after_days) == (1, 3)
    assert e.owners == ("CS Representative", "Complaint Handling Manager", "Head of Quality")


def test_another_country_has_other_holidays(run, tmp_path):
    gb = load_settings(write_config(tmp_path, '[escalation]\ncountry = "GB"\nserious = []\n'), environ={})
    out = run([case("CS-1", date_logged=date(2026, 11, 25)), case("CS-2", date_logged=date(2026, 11, 23))],
              now=MON_1130, settings_=gb)
    # No Thanksgiving in Britain: Wed 25 .. Mon 30 is Wed, Thu, Fri = 3; and Foreign Object is not serious here
    assert ages(out, gb, MON_1130.date()) == {"CS-1": (3, 2), "CS-2": (5, 3)}


@pytest.mark.parametrize("text, setting", [
    pytest.param('country = "Narnia"', "escalation.country", id="bad-country"),
    pytest.param('subdivision = "ZZ"', "escalation.subdivision", id="bad-subdivision"),
    pytest.param('serious = ["Stale"]', "escalation.serious", id="bad-serious-defect"),
    pytest.param('level_2_after_days = -1', "escalation.level_2_after_days", id="negative-boundary"),
    pytest.param('level_2_after_days = 5', "escalation.level_3_after_days", id="boundaries-out-of-order"),
    pytest.param('level_1_owner = ""', "escalation.level_1_owner", id="blank-owner"),
    pytest.param('owner = "x"', "escalation.owner", id="unknown-key"),
])
def test_bad_escalation_settings_name_the_setting(tmp_path, text, setting):
    from bot.errors import ConfigError
    with pytest.raises(ConfigError) as err:
        load_settings(write_config(tmp_path, f"[escalation]\n{text}\n"), environ={})
    assert err.value.setting == setting


def test_bad_country_exits_2_with_one_sentence(tmp_path, capsys):
    cfg = write_config(tmp_path, '[escalation]\ncountry = "Narnia"\n')
    assert main(["run", "--once", "--workbook", str(tmp_path / "x.xlsx"), "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert "escalation.country 'Narnia'" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


# ---- Escalations: Notify names Level 3 when the flag is serious or keeps growing -------------------------

@pytest.mark.parametrize("defect, n, notify", [
    pytest.param("Clumping", 2, "CS Team Lead", id="pair-not-serious-unchanged"),
    pytest.param("Clumping", 3, "CS Team Lead, Senior Management", id="grew-to-3-level-3"),
    pytest.param("Foreign Object", 2, "Products & Logistics, CS Manager, Senior Management",
                 id="serious-pair-level-3"),
])
def test_notify_names_the_level_3_owner(run, defect, n, notify):
    # Each case from its own lot: a shared lot would also name Products & Logistics (test_capa.py).
    log = [case(f"CS-{i}", date_logged=date(2026, 11, 2 + i), defect_type=defect, lot_number=f"L-{i}")
           for i in range(n)]
    (flag,) = run(log).desired["escalations"]
    assert flag["notify"] == notify


def test_notify_uses_the_configured_level_3_owner(run, tmp_path):
    s = load_settings(write_config(tmp_path, '[escalation]\nlevel_3_owner = "Head of Quality"\n'), environ={})
    log = [case(f"CS-{i}", date_logged=date(2026, 11, 2 + i)) for i in range(2)]
    (flag,) = run(log, settings_=s).desired["escalations"]
    assert flag["notify"] == "Products & Logistics, CS Manager, Head of Quality"


# ---- end to end on the sample workbook, with the clock fixed ------------------------------------------------

S, CHM = "Senior Management", "Complaint Handling Manager"
AGE, SER = "open more than 4 business days", "serious defect"
# The sample built for Mon 2026-11-30, every age counted by hand (see the module docstring for the
# holidays; business days from Nov 2 to Nov 27: 5 + 4 + 5 + 4 = 18). Open cases with age 2 or less and no serious defect (rows 36, 37, 41) are Level 1 and left
# out; row 16 (Feb 30) has no valid date; Closed rows do not count.
OPEN_CASES_1130 = [
    # Ticket ID, Product, Defect Type, Date Logged, Age, Level, Owner, Why, Agent, Log Row
    ["CS-48707", "Dark Chocolate Pretzels 6oz", "Unsealed Packaging", "2026-10-31", 18, "Level 3", S, AGE, "Priya", 17],
    ["CS-48801", "Sea Salt Kettle Chips 5oz", "Other Quality Issue", "2026-11-02", 18, "Level 3", S, AGE, "Tess", 19],
    ["CS-48874", "Trail Mix Original 12oz", "Rancid / Off Taste", "2026-11-06", 14, "Level 3", S, AGE, "Priya", 22],
    ["CS-48931", "Spicy Peanut Brittle 4oz", "Unsealed Packaging", "2026-11-07", 13, "Level 3", S, AGE, "Jordan", 23],
    ["CS-48952", "Dark Chocolate Pretzels 6oz", "Foreign Object", "2026-11-08", 13, "Level 3", S, SER, "Tess", 24],
    ["CS-48981", "Maple Pecan Granola 11oz", "Rancid / Off Taste", "2026-11-09", 13, "Level 3", S, AGE, "Marcus", 25],
    ["CS-49031", "Honey Roasted Almonds 8oz", "Rancid / Off Taste", "2026-11-10", 12, "Level 3", S, AGE, "Elena", 26],
    ["CS-49072", "Sea Salt Kettle Chips 5oz", "Unsealed Packaging", "2026-11-11", 11, "Level 3", S, AGE, "Priya", 27],
    ["CS-49092", "Spicy Peanut Brittle 4oz", "Foreign Object", "2026-11-13", 10, "Level 3", S, SER, "Jordan", 28],
    ["CS-49121", "Honey Roasted Almonds 8oz", "Foreign Object", "2026-11-14", 9, "Level 3", S, SER, "Tess", 29],
    ["CS-49150", "Maple Pecan Granola 11oz", None, "2026-11-15", 9, "Level 3", S, AGE, "Marcus", 30],
    ["CS-49188", "Dark Chocolate Pretzels 6oz", "Clumping", "2026-11-17", 8, "Level 3", S, AGE, "Elena", 31],
    ["CS-49274", "Sea Salt Kettle Chips 5oz", "Rancid / Off Taste", "2026-11-19", 6, "Level 3", S, AGE, "Jordan", 33],
    ["CS-49312", "Spicy Peanut Brittle 4oz", "Rancid / Off Taste", "2026-11-20", 5, "Level 3", S, AGE, "Tess", 34],
    ["CS-49358", "trail mix original 12 oz", "Foreign Object", "2026-11-24", 3, "Level 3", S, SER, "Tess", 39],
    ["CS-49426", "TRAIL MIX - ORIGINAL 12OZ", "Foreign Object", "2026-11-28", 0, "Level 3", S, SER, "Jordan", 38],
    ["CS-49439", "Sea Salt Kettle Chips 5oz", "Foreign Object", "2026-11-29", 0, "Level 3", S, SER, "Marcus", 40],
    # c17, Closed, its customer Not Satisfied: Level 2 whatever its Status, ahead of Level 2 by age alone.
    # Logged Sun Nov 1, so its age counts from Mon Nov 2: 18, like the first rows.
    ["CS-48760", "Honey Roasted Almonds 8oz", "Other Quality Issue", "2026-11-01", 18, "Level 2", CHM,
     "customer not satisfied after follow-up", "Jordan", 18],
    # The sample's impossible Date Logged (Feb 30) on an Open case: listed, age unknown (never invisible).
    ["CS-48655", "Spicy Peanut Brittle 4oz", "Rancid / Off Taste", None, "unknown", "Level 2", CHM,
     "age unknown: Date Logged is blank or not a date (see Log Issues, Defective Log row 16)", "Elena", 16],
    ["CS-49334", "Maple Pecan Granola 11oz", "Other Quality Issue", "2026-11-21", 4, "Level 2", CHM,
     "open more than 2 business days", "Marcus", 35],
]
HEADER = ["Ticket ID", "Product", "Defect Type", "Date Logged", "Age (business days)", "Level", "Owner", "Why",
          "Agent", "Log Row"]


@pytest.fixture
def sample(tmp_path, monkeypatch):
    """The sample workbook built for Mon 2026-11-30, and a CLI clock the test moves."""
    path = tmp_path / "team.xlsx"
    build_workbook(path, MON_1130.date())
    clock = {"now": MON_1130}
    import bot.cli.commands
    monkeypatch.setattr(bot.cli.commands, "local_now", lambda: clock["now"])
    return path, clock


def test_open_cases_tab_on_the_sample_matches_the_hand_worked_rows(sample, capsys):
    path, clock = sample
    assert main(["run", "--once", "--workbook", str(path)]) == 0
    assert "Open Cases: 20 past Level 1 (17 at Level 3)." in capsys.readouterr().out
    rows = tab_values(path, "Open Cases")
    assert rows[0] == HEADER
    assert rows[1:] == OPEN_CASES_1130
    esc = {r[0]: r[8] for r in tab_values(path, "Escalations")[1:]}
    assert esc == {"ESC-0001": "CS Team Lead",                                           # a pair, Clumping
                   "ESC-0002": "Products & Logistics, CS Manager, Senior Management",    # Foreign Object
                   "ESC-0003": "CS Team Lead, Senior Management",                        # grew to 3 cases
                   "ESC-0004": "Products & Logistics, CS Manager, Senior Management"}    # Foreign Object

    # A second cycle the same day writes nothing, not even the file.
    clock["now"] = MON_1130.replace(minute=45)   # within the Bot Status heartbeat
    before, mtime = path.read_bytes(), path.stat().st_mtime_ns
    assert main(["run", "--once", "--workbook", str(path)]) == 0
    assert "Nothing changed since the last cycle; wrote nothing." in capsys.readouterr().out
    assert path.read_bytes() == before and path.stat().st_mtime_ns == mtime

    # The next day, the ages move on: Tue 12-01 adds Mon 11-30 to every age. Row 36 (Wed 11-25:
    # Wed, Fri, Mon = 3) joins at Level 2; row 35 (Sat 11-21: 5) goes up to Level 3.
    clock["now"] = MON_1130.replace(day=1, month=12)
    assert main(["run", "--once", "--workbook", str(path)]) == 0
    assert "Open Cases: 21 past Level 1 (18 at Level 3)." in capsys.readouterr().out
    after = tab_values(path, "Open Cases")[1:]
    assert [(r[0], r[4], r[5], r[9]) for r in after] == [
        ("CS-48707", 19, "Level 3", 17), ("CS-48801", 19, "Level 3", 19), ("CS-48874", 15, "Level 3", 22),
        ("CS-48931", 14, "Level 3", 23), ("CS-48952", 14, "Level 3", 24), ("CS-48981", 14, "Level 3", 25),
        ("CS-49031", 13, "Level 3", 26), ("CS-49072", 12, "Level 3", 27), ("CS-49092", 11, "Level 3", 28),
        ("CS-49121", 10, "Level 3", 29), ("CS-49150", 10, "Level 3", 30), ("CS-49188", 9, "Level 3", 31),
        ("CS-49274", 7, "Level 3", 33), ("CS-49312", 6, "Level 3", 34), ("CS-49334", 5, "Level 3", 35),
        ("CS-49358", 4, "Level 3", 39), ("CS-49426", 1, "Level 3", 38), ("CS-49439", 1, "Level 3", 40),
        ("CS-48760", 19, "Level 2", 18),
        ("CS-48655", "unknown", "Level 2", 16),
        ("CS-49312", 3, "Level 2", 36),  # repeats row 34's Ticket ID (a Log Issue), still its own open case
    ]


def test_a_person_editing_open_cases_is_repaired_and_extra_rows_cleared(sample):
    path, clock = sample
    assert main(["run", "--once", "--workbook", str(path)]) == 0
    wb = openpyxl.load_workbook(path)
    ws = wb["Open Cases"]
    ws["F2"] = "Level 1"
    ws.append(["CS-0", "stray"])
    wb.save(path)
    assert main(["run", "--once", "--workbook", str(path)]) == 0
    assert tab_values(path, "Open Cases")[1:] == OPEN_CASES_1130


def test_init_and_doctor_know_the_open_cases_tab(tmp_path, capsys):
    path = tmp_path / "new.xlsx"
    assert main(["init", "--workbook", str(path)]) == 0
    assert "created the 'Open Cases' tab with its headers" in capsys.readouterr().out
    assert tab_values(path, "Open Cases") == [HEADER]
    assert main(["doctor", "--workbook", str(path)]) == 0
    out = capsys.readouterr().out
    assert "✓ tab 'Open Cases'" in out and "All checks passed." in out
    wb = openpyxl.load_workbook(path)
    del wb["Open Cases"]
    wb.save(path)
    # A bot tab that is not there yet is not a failure: `run` creates it (and exits 0), so doctor says so.
    assert main(["doctor", "--workbook", str(path)]) == 0
    assert "✓ tab 'Open Cases': will be created by `init` or the first cycle" in capsys.readouterr().out


def test_the_matrix_reads_no_clock():
    source = (Path(__file__).resolve().parents[1] / "bot" / "tabs" / "open_cases.py").read_text()
    assert ".now(" not in source and ".today(" not in source and "import time" not in source


# ---- the rules one function at a time (each from a surviving mutant) ---------------------------------------

@pytest.mark.parametrize("start, today, subdivision, days", [
    # Wed 12-24, (Thu 12-25 Christmas), Fri 12-26, Mon 29, Tue 30, Wed 31, (Thu 01-01 New Year's Day) = 5
    pytest.param(date(2025, 12, 24), date(2026, 1, 2), None, 5, id="last-years-holidays-skipped-too"),
    # Fri 04-17, (Mon 04-20 Patriots' Day in Massachusetts), Tue 04-21 = 2; 3 elsewhere in the US
    pytest.param(date(2026, 4, 17), date(2026, 4, 22), "MA", 2, id="the-subdivisions-holiday-skipped"),
    pytest.param(date(2026, 4, 17), date(2026, 4, 22), None, 3, id="no-subdivision-no-patriots-day"),
])
def test_business_days_skip_the_holidays_of_every_year_and_of_the_subdivision(start, today, subdivision, days):
    from bot.tabs.open_cases import EscalationSettings, business_days
    assert business_days(start, today, EscalationSettings(subdivision=subdivision)) == days


@pytest.mark.parametrize("base, defect, cases, expected", [
    pytest.param("CS Team Lead", "Clumping", 2, "CS Team Lead", id="not-serious-not-grown-unchanged"),
    pytest.param("CS Team Lead", "Clumping", 3, "CS Team Lead, Senior Management", id="grown-adds-level-3"),
    pytest.param("CS Team Lead", "Foreign Object", 2, "CS Team Lead, Senior Management", id="serious-adds-level-3"),
    pytest.param("CS Team Lead, senior management", "Foreign Object", 3, "CS Team Lead, senior management",
                 id="already-named-among-others-not-twice"),
    pytest.param(" A ,, B ", "Foreign Object", 2, "A, B, Senior Management", id="blank-names-dropped"),
])
def test_notify_escalation_adds_the_level_3_owner_once(base, defect, cases, expected):
    from bot.tabs.open_cases import NotifyEscalation
    rule = NotifyEscalation(serious=frozenset({"Foreign Object"}), level_3_owner="Senior Management", min_cases=2)
    assert rule.notify(base, defect, cases) == expected


@pytest.mark.parametrize("notify, name, expected", [
    pytest.param("CS Team Lead", "Senior Management", "CS Team Lead, Senior Management", id="added-at-the-end"),
    pytest.param("CS Team Lead, senior management", "Senior Management", "CS Team Lead, senior management",
                 id="named-in-another-case-not-twice"),
    pytest.param("CS Team Lead", "Smith, Dana", "CS Team Lead, Smith, Dana", id="a-name-holding-a-comma-added"),
    pytest.param("CS Team Lead, Smith, Dana", "Smith, Dana", "CS Team Lead, Smith, Dana",
                 id="a-name-holding-a-comma-not-twice"),
    pytest.param("Dana, Smith", "Smith, Dana", "Dana, Smith, Smith, Dana", id="its-parts-in-another-order-are-others"),
    pytest.param("", "Senior Management", "Senior Management", id="blank-notify"),
])
def test_notify_names_each_person_once(notify, name, expected):
    from bot.tabs.open_cases import add_name
    assert add_name(notify, name) == expected


def test_open_case_ages_has_the_same_columns_and_types_with_no_dated_open_case(run, settings):
    today = date(2026, 11, 23)
    some = run([case("CS-1", date_logged=date(2026, 11, 16))], now=at(today)).validation.log
    none = run([case("CS-1", date_logged=date(2026, 11, 16), status="Closed"), case("CS-2", date_logged=None)],
               now=at(today)).validation.log
    expected = {"day": "int64", "age": "int64", "level": "int64", "serious": "bool"}
    for log, n in ((some, 1), (none, 0)):
        df = open_case_ages(log, settings.escalation, today)
        assert len(df) == n
        assert {k: str(df[k].dtype) for k in expected} == expected


def test_cases_of_one_age_are_listed_by_earliest_date_logged_then_row(run):
    # Sat 11-14 and Sun 11-15 both count from Mon 11-16: age 5 on Mon 11-23, Level 3.
    log = [case("A", date_logged=date(2026, 11, 15), defect_type="Clumping"),
           case("B", date_logged=date(2026, 11, 14), defect_type="Clumping"),
           case("C", date_logged=date(2026, 11, 14), defect_type="Clumping")]
    rows = run(log, now=at(date(2026, 11, 23))).desired["open_cases"]
    assert [(r["ticket_id"], r["age"], r["row"]) for r in rows] == [("B", 5, 3), ("C", 5, 4), ("A", 5, 2)]


def test_an_open_case_with_blank_ticket_product_and_agent_is_listed_with_those_cells_blank(run):
    log = [case("", date_logged=date(2026, 11, 16), product="", agent="", defect_type="Clumping")]
    (row,) = run(log, now=at(date(2026, 11, 23))).desired["open_cases"]
    assert (row["ticket_id"], row["product"], row["agent"], row["age"], row["level"]) == ("", "", "", 5, "Level 3")
