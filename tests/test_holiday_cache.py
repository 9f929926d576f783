"""The holiday calendar kept in the cache folder between runs (bot/cycle/holiday_cache.py): a run keeps the
calendar it worked out, the next run ages cases with it, and another install of the `holidays` package,
or a file that cannot be read, only means working it out again."""
from __future__ import annotations

import json
import os
from datetime import date, timedelta

import numpy as np
import pytest

from bot.backends.memory import MemoryBackend
from bot.cycle import holiday_cache
from bot.cycle.quiet import QuietCache
from bot.cycle.run import run_cycle
from bot.demo.sample_data import build_sample
from bot.tabs import open_cases
from bot.tabs.open_cases import EscalationSettings, business_days, holiday_window
from conftest import NOW

TODAY = date(2026, 11, 23)            # a Monday; Thanksgiving is Thursday 2026-11-26
SETTINGS = EscalationSettings()


@pytest.fixture(autouse=True)
def own_calendars():
    """Each test starts with no calendar worked out, and leaves none of its own behind."""
    saved = dict(open_cases.KNOWN_HOLIDAYS)
    open_cases.KNOWN_HOLIDAYS.clear()
    yield
    open_cases.KNOWN_HOLIDAYS.clear()
    open_cases.KNOWN_HOLIDAYS.update(saved)


def kept_files(folder):
    return sorted(folder.glob("holidays-*.json"))


def test_a_cycle_keeps_the_calendar_it_worked_out(settings, tmp_path):
    folder = tmp_path / "cache"
    run_cycle(MemoryBackend(build_sample(NOW.date())), settings, lambda: NOW, cache=QuietCache("t", folder=folder))
    [kept] = kept_files(folder)
    assert np.array_equal(np.array(json.loads(kept.read_text()), dtype="datetime64[D]"),
                          open_cases.holiday_days(*holiday_window(settings.escalation, NOW.date())))
    assert np.datetime64("2026-11-26") in np.array(json.loads(kept.read_text()), dtype="datetime64[D]")


def test_the_next_run_counts_with_the_kept_calendar(tmp_path):
    holiday_cache.save(tmp_path, SETTINGS, TODAY)          # nothing worked out yet: nothing kept
    assert kept_files(tmp_path) == []
    open_cases.holiday_days(*holiday_window(SETTINGS, TODAY))
    holiday_cache.save(tmp_path, SETTINGS, TODAY)
    [kept] = kept_files(tmp_path)
    friday = TODAY + timedelta(days=4)
    assert business_days(TODAY, friday, SETTINGS) == 3      # Mon, Tue, Wed: Thursday is Thanksgiving
    # Another run: the kept file is what it counts with (made to hold no holiday at all).
    kept.write_text(json.dumps([]))
    open_cases.KNOWN_HOLIDAYS.clear()
    assert holiday_cache.load(tmp_path, SETTINGS, TODAY)
    assert business_days(TODAY, friday, SETTINGS) == 4


@pytest.mark.parametrize("content", [
    pytest.param("{not json", id="not-json"),
    pytest.param('["not a date"]', id="not-dates"),
    pytest.param('{"a": 1}', id="not-a-list"),
])
def test_a_file_that_cannot_be_read_means_working_it_out_again(tmp_path, content):
    open_cases.holiday_days(*holiday_window(SETTINGS, TODAY))
    holiday_cache.save(tmp_path, SETTINGS, TODAY)
    [kept] = kept_files(tmp_path)
    kept.write_text(content)
    open_cases.KNOWN_HOLIDAYS.clear()
    assert not holiday_cache.load(tmp_path, SETTINGS, TODAY)
    assert business_days(TODAY, TODAY + timedelta(days=4), SETTINGS) == 3   # Thanksgiving, worked out


def test_another_install_of_the_holidays_package_keeps_its_own_calendar(tmp_path, monkeypatch):
    open_cases.holiday_days(*holiday_window(SETTINGS, TODAY))
    holiday_cache.save(tmp_path, SETTINGS, TODAY)
    real_stat = os.stat

    def newer(path, *args, **kwargs):
        st = real_stat(path, *args, **kwargs)
        return os.stat_result((*st[:8], st.st_mtime + 1, st.st_ctime))
    monkeypatch.setattr(holiday_cache.os, "stat", newer)
    open_cases.KNOWN_HOLIDAYS.clear()
    assert not holiday_cache.load(tmp_path, SETTINGS, TODAY)    # the kept file is the old install's
    open_cases.holiday_days(*holiday_window(SETTINGS, TODAY))
    holiday_cache.save(tmp_path, SETTINGS, TODAY)
    assert len(kept_files(tmp_path)) == 2


def test_other_countries_and_years_keep_their_own_calendars(tmp_path):
    for country, today in (("US", TODAY), ("GB", TODAY), ("US", date(2027, 1, 4))):
        s = EscalationSettings(country=country)
        open_cases.holiday_days(*holiday_window(s, today))
        holiday_cache.save(tmp_path, s, today)
    assert len(kept_files(tmp_path)) == 3


def test_one_calendar_counts_every_case_as_its_own_years_did():
    """Every age is counted with the HOLIDAY_YEARS up to today: a holiday before a case's logging day
    changes nothing, so the count is the one the case's own years give."""
    from bot.tabs.open_cases import business_age
    days = np.array(["2025-12-24", "2026-07-02", "2026-11-20", "1990-05-01"], dtype="datetime64[D]")
    whole = open_cases.holiday_days(*holiday_window(SETTINGS, TODAY))
    for day in days:
        own = open_cases.holiday_days("US", None, max(day.astype(object).year, TODAY.year - 30), TODAY.year)
        assert business_age(np.array([day]), TODAY, whole)[0] == business_age(np.array([day]), TODAY, own)[0]
