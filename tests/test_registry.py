"""The registry of tabs (sheet_schema): one TOML file per tab, and everything else derives from it, so a
new bot tab is a TOML file, the module that computes its rows, and one line in bot.cycle.compute.compute."""
from __future__ import annotations

from importlib import resources

import sheet_schema
from bot.backends.base import Snapshot
from bot.cycle.compute import compute
from bot.cycle.quiet import FINGERPRINTED_BOT_TABS
from conftest import NOW
from test_hardening_input import base_tabs


def test_every_toml_file_is_a_tab_and_every_tab_a_toml_file():
    files = {p.name for p in resources.files("sheet_schema").iterdir() if p.name.endswith(".toml")}
    assert set(sheet_schema.TAB_FILES.values()) == files
    assert set(sheet_schema.TAB_FILES) == {f.removesuffix(".toml") for f in files}


def test_each_tab_is_a_rep_tab_a_bot_tab_or_a_report_tab_once():
    groups = [sheet_schema.REP_TABS, sheet_schema.BOT_TABS, sheet_schema.REPORT_TABS]
    assert sorted(n for g in groups for n in g) == sorted(sheet_schema.TAB_FILES)
    orders = [sheet_schema.load(n).order for n in sheet_schema.TAB_FILES]
    assert orders == sorted(orders) and len(set(orders)) == len(orders), "one place each, in order"


def test_a_cycle_computes_and_plans_every_bot_tab(settings, renderer):
    tabs = {**base_tabs(), **{sheet_schema.load(n).tab: None for n in sheet_schema.BOT_TABS}}
    outcome = compute(Snapshot(tabs, "memory"), settings, NOW, renderer)
    assert set(outcome.desired) == set(sheet_schema.BOT_TABS)
    assert {c.title for c in outcome.plan.creates} == {sheet_schema.load(n).tab for n in sheet_schema.BOT_TABS}


def test_the_quiet_check_covers_every_bot_tab_but_those_that_say_otherwise():
    assert set(FINGERPRINTED_BOT_TABS) == {n for n in sheet_schema.BOT_TABS if sheet_schema.load(n).quiet_check}
    assert "bot_status" not in FINGERPRINTED_BOT_TABS     # it has its own heartbeat


def test_tabs_rewritten_whole_are_the_ones_that_say_so():
    whole = {n for n in sheet_schema.BOT_TABS if sheet_schema.load(n).rewritten_whole}
    assert whole == {"log_issues", "open_cases"}
