"""A small pytest plugin that turns the hardening tests into the reliability table (docs/RELIABILITY.md).

Tests call the `reliability` fixture: `reliability.record("Google faults", scenario="429 storm",
crashed=False, rep_tab_writes=0, duplicate_rows=0, outcome="AccessError after 5 attempts")`. A test
that records nothing still counts under the category of its `@pytest.mark.reliability("...")` marker.
Whether each case passed comes from the test's own result. At the end of the session, when
DLB_RELIABILITY_REPORT=path is set, the table is written there as markdown.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.errors import BotError

REPORT_ENV = "DLB_RELIABILITY_REPORT"
CATEGORIES = ("Bad input (cell values)", "Sheet shapes", "Injection", "Workbook faults", "Google faults",
              "Concurrency", "Workbooks as Excel makes them", "People in the bot's tabs")
REGENERATE = ("DLB_RELIABILITY_REPORT=docs/RELIABILITY.md .venv/bin/python -m pytest tests/test_hardening_*.py "
              "tests/test_excel_workbooks.py tests/test_people_in_bot_tabs.py -q")


@dataclass
class Scenario:
    category: str
    name: str
    cases: int = 0
    passed: int = 0
    failed: int = 0
    crashes: int = 0
    rep_tab_writes: int = 0
    duplicate_rows: int = 0
    outcomes: dict[str, None] = field(default_factory=dict)


class Recorder:
    """What one test reported (the plugin settles pass/fail once the test is over)."""

    def __init__(self, default_category: str | None, default_scenario: str):
        self.default_category = default_category
        self.default_scenario = default_scenario
        self.entries: list[dict] = []

    def record(self, category: str | None = None, *, scenario: str | None = None, cases: int = 1,
               crashed: bool = False, rep_tab_writes: int = 0, duplicate_rows: int = 0,
               outcome: str = "") -> None:
        category = category or self.default_category
        if category is None:
            raise ValueError("reliability.record needs a category (or a @pytest.mark.reliability marker)")
        self.entries.append(dict(category=category, scenario=scenario or self.default_scenario, cases=cases,
                                 crashed=bool(crashed), rep_tab_writes=int(rep_tab_writes),
                                 duplicate_rows=int(duplicate_rows), outcome=outcome))


class ReliabilityPlugin:
    def __init__(self):
        self.scenarios: dict[tuple[str, str], Scenario] = {}
        self.recorders: dict[str, Recorder] = {}

    # -- collecting --------------------------------------------------------------------------------

    def recorder_for(self, item: pytest.Item) -> Recorder:
        rec = self.recorders.get(item.nodeid)
        if rec is None:
            marker = item.get_closest_marker("reliability")
            category = marker.args[0] if marker and marker.args else None
            scenario = item.originalname.removeprefix("test_")
            if hasattr(item, "callspec"):
                scenario = f"{scenario}[{item.callspec.id}]"
            rec = self.recorders[item.nodeid] = Recorder(category, scenario.replace("_", " "))
        return rec

    def settle(self, item: pytest.Item, passed: bool, crashed: bool = False) -> None:
        rec = self.recorders.pop(item.nodeid, None)
        if rec is None:
            marker = item.get_closest_marker("reliability")
            if not marker:
                return
            rec = self.recorder_for(item)
            self.recorders.pop(item.nodeid)
        if not rec.entries and rec.default_category:
            rec.record(outcome="")
        for e in rec.entries:
            key = (e["category"], e["scenario"])
            s = self.scenarios.setdefault(key, Scenario(*key))
            s.cases += e["cases"]
            if passed:
                s.passed += e["cases"]
            else:
                s.failed += e["cases"]
            s.crashes += e["cases"] if (e["crashed"] or crashed) else 0
            s.rep_tab_writes += e["rep_tab_writes"]
            s.duplicate_rows += e["duplicate_rows"]
            if e["outcome"]:
                s.outcomes.setdefault(e["outcome"], None)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
            if report.skipped:
                self.recorders.pop(item.nodeid, None)
                return
            # A test that failed on anything but an assertion (or one of the bot's own errors) is a crash.
            exc = call.excinfo.value if call.excinfo is not None else None
            crashed = report.failed and exc is not None and not isinstance(exc, (AssertionError, BotError))
            self.settle(item, report.passed, crashed)

    # -- reporting ---------------------------------------------------------------------------------

    def pytest_sessionfinish(self, session):
        path = os.environ.get(REPORT_ENV)
        if path and self.scenarios:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_text(self.markdown(), encoding="utf-8")

    def markdown(self) -> str:
        order = {c: i for i, c in enumerate(CATEGORIES)}
        scenarios = sorted(self.scenarios.values(), key=lambda s: (order.get(s.category, 99), s.category))
        by_cat: dict[str, list[Scenario]] = {}
        for s in scenarios:
            by_cat.setdefault(s.category, []).append(s)
        total = Scenario("Total", "")
        lines = [
            "# Reliability",
            "",
            "Produced by the test suite's hardening tests (`tests/test_hardening_*.py`), its workbooks as",
            "Excel makes them (`tests/test_excel_workbooks.py`: built with XlsxWriter, read back by openpyxl and",
            "python-calamine) and people in the bot's tabs (`tests/test_people_in_bot_tabs.py`: sorts, inserts,",
            "deletes and overtypes between and during cycles, on both backends), counted by the",
            "`tests/reliability.py` plugin; do not edit by hand. Regenerate with:",
            "",
            "```sh",
            REGENERATE,
            "```",
            "",
            "A *case* is one input or one fault scenario the bot was put through (each hypothesis example counts",
            "once). *Crashes* are exceptions other than the bot's own one-sentence errors; *rep-tab writes* are",
            "planned or sent writes that touched the Defective Log or the Comp Sheet; *duplicate rows* are",
            "repeated Flag IDs in Escalations or repeated Ticket IDs in Drafts after the scenario.",
            "",
            "## Summary",
            "",
            "| category | scenarios | cases tried | passed | failed | crashes | rep-tab writes | duplicate rows |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for cat, items in by_cat.items():
            agg = Scenario(cat, "")
            for s in items:
                for attr in ("cases", "passed", "failed", "crashes", "rep_tab_writes", "duplicate_rows"):
                    setattr(agg, attr, getattr(agg, attr) + getattr(s, attr))
                    setattr(total, attr, getattr(total, attr) + getattr(s, attr))
            lines.append(f"| {cat} | {len(items)} | {agg.cases} | {agg.passed} | {agg.failed} | {agg.crashes} | "
                         f"{agg.rep_tab_writes} | {agg.duplicate_rows} |")
        lines.append(f"| **total** | **{len(scenarios)}** | **{total.cases}** | **{total.passed}** | "
                     f"**{total.failed}** | **{total.crashes}** | **{total.rep_tab_writes}** | "
                     f"**{total.duplicate_rows}** |")
        for cat, items in by_cat.items():
            lines += ["", f"## {cat}", "",
                      "| scenario | cases | result | what happened |", "|---|---:|---|---|"]
            for s in items:
                result = "pass" if not s.failed else f"**{s.failed} failed**"
                what = "; ".join(s.outcomes) or ("as expected" if not s.failed else "see the test failure")
                lines.append(f"| {_cell(s.name)} | {s.cases} | {result} | {_cell(what)} |")
        return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


_PLUGIN = ReliabilityPlugin()


def pytest_configure(config):
    config.addinivalue_line("markers", "reliability(category): count this test in the reliability table")
    if not config.pluginmanager.has_plugin("reliability-table"):
        config.pluginmanager.register(_PLUGIN, "reliability-table")


@pytest.fixture
def reliability(request) -> Recorder:
    """Report what a hardening case tried and what happened (see the module docstring)."""
    return _PLUGIN.recorder_for(request.node)
