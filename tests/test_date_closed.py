"""Date Closed, the optional column a team may keep anywhere (sheet_schema/defective_log.toml): found
under the names teams give it, read like every date of the log, never created or asked for by `init`."""
from __future__ import annotations

from datetime import date

import pytest

from bot.admin.setup import init_plan
from bot.backends.base import Snapshot
from bot.config import load_settings
from bot.cycle.compute import compute
from bot.read.table import map_columns
from bot.tabs.drafts import Renderer
from conftest import NOW, case, rows_of
from sheet_schema import load

LOG = load("defective_log")


@pytest.mark.parametrize("header, renames, found_at", [
    pytest.param("Date Closed", {}, 18, id="its-header"),
    pytest.param("  closed on ", {}, 18, id="another-name-case-and-spaces-ignored"),
    pytest.param("Closed Date", {}, 18, id="the-third-name"),
    pytest.param("Finished", {}, None, id="an-unknown-name-is-not-it"),
    pytest.param("Finished", {"date_closed": "Finished"}, 18, id="a-rename-in-the-settings"),
    pytest.param("Closed On", {"date_closed": "Finished"}, None, id="a-rename-replaces-the-other-names"),
])
def test_date_closed_is_found_by_its_names(header, renames, found_at):
    cols = map_columns("Defective Log", [*LOG.headers, header], LOG, renames, strict=True)
    assert cols.index.get("date_closed") == found_at


def test_the_first_of_its_names_in_row_1_wins():
    cols = map_columns("Defective Log", [*LOG.headers, "Closed Date", "Closed On"], LOG, {}, strict=True)
    assert (cols.index["date_closed"], cols.headers["date_closed"]) == (19, "Closed On")


@pytest.mark.parametrize("value, problem", [
    pytest.param(date(2026, 11, 2), None, id="a-date"),
    pytest.param("11/2/2026", None, id="a-typed-date"),
    pytest.param(None, None, id="blank"),
    pytest.param("whenever", "date", id="not-a-date-is-a-warning-as-in-every-optional-column"),
])
def test_a_filled_date_closed_is_read_like_every_date_of_the_log(value, problem):
    settings = load_settings(environ={})
    log = rows_of("defective_log", [case("CS-1", status="Closed")])
    log = [log[0] + ["Closed On"], log[1] + [value]]
    snap = Snapshot({"Defective Log": log, "Comp Sheet": rows_of("comp_sheet", [])}, "t")
    issues = [i for i in compute(snap, settings, NOW, Renderer()).validation.issues if i.field == "Closed On"]
    if problem is None:
        assert issues == []
    else:
        (issue,) = issues
        assert (issue.row, issue.column, issue.severity) == (2, "S", "warning") and problem in issue.problem.lower()


def test_init_neither_creates_nor_asks_for_date_closed():
    settings = load_settings(environ={})
    plan, notes = init_plan(settings, {"Defective Log": [LOG.headers[:-1]]})   # no Customer Feedback either
    log_writes = [w for w in plan.writes if w.tab == "Defective Log"]
    assert [w.values for w in log_writes] == [(("Customer Feedback",),)]
    assert not any("lacks" in n for n in notes)
    created = next(w for w in plan.writes if w.tab == "Comp Sheet")
    assert "Date Closed" not in created.values[0]
    plan, _ = init_plan(settings, {})
    made = next(w for w in plan.writes if w.tab == "Defective Log")
    assert made.values[0] == tuple(LOG.headers) and "Date Closed" not in made.values[0]
