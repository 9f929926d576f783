"""A person's edit between the bot's requests: fake.before_request / fake.after_request, with the fault queue."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.fakes import FakeSheets, fake_sheets, gc, sa_key  # noqa: F401  (fixtures)

ESCALATIONS = [["Flag ID", "Product"], ["ESC-0001", "Oats"], ["ESC-0002", "Granola"], ["ESC-0003", "Chia"]]


def lead_sorts(fake: FakeSheets) -> None:
    fake.person.sort("Escalations", "Product")


def read_then_write(gc, fake: FakeSheets):
    """What the bot does: read Escalations, then write row 3 (ESC-0002's row when it read)."""
    sh = gc.open_by_key(fake.spreadsheet_id)
    read = sh.values_batch_get(["Escalations"], params={"valueRenderOption": "UNFORMATTED_VALUE"})
    sh.values_batch_update({"valueInputOption": "RAW", "data": [{"range": "Escalations!C3", "values": [["x"]]}]})
    return read["valueRanges"][0]["values"]


@pytest.mark.parametrize("kind", ["values:batchUpdate", "write", lambda e: e.kind == "values:batchUpdate"],
                         ids=["kind", "alias-write", "predicate"])
def test_a_lead_sorts_after_the_read_and_before_the_write(fake_sheets, gc, kind):
    fake_sheets.add_tab("Escalations", ESCALATIONS)
    fake_sheets.before_request(kind, lead_sorts)
    read = read_then_write(gc, fake_sheets)
    assert [r[0] for r in read[1:]] == ["ESC-0001", "ESC-0002", "ESC-0003"]        # the read saw the old order
    rows = fake_sheets.rows("Escalations")
    assert [r[1] for r in rows[1:]] == ["Chia", "Granola", "Oats"]                  # sorted before the write
    assert rows[2] == ["ESC-0002", "Granola", "x"]   # row 3 now holds ESC-0002 by chance of the sort order
    assert not fake_sheets.pending_hooks()
    [write] = [e for e in fake_sheets.api_log if e.kind == "values:batchUpdate"]
    assert write.hooks_run == ["before: predicate"] if callable(kind) else write.hooks_run == [f"before: {kind}"]


@pytest.mark.parametrize("alias,kinds", [("values:batchGet", {"batchGet"}), (":batchUpdate", {"batchUpdate"}),
                                         ("spreadsheets.get", {"metadata"}), ("read", {"metadata", "batchGet"})],
                         ids=["values:batchGet", ":batchUpdate", "spreadsheets.get", "read"])
def test_aliases_name_the_request_kinds(fake_sheets, gc, alias, kinds):
    fake_sheets.add_tab("Escalations", ESCALATIONS)
    seen = []
    fake_sheets.before_request(alias, lambda f, e: seen.append(e.kind), times=50)
    sh = gc.open_by_key(fake_sheets.spreadsheet_id)
    sh.values_batch_get(["Escalations"])
    sh.batch_update({"requests": [{"appendDimension": {"sheetId": 0, "dimension": "ROWS", "length": 1}}]})
    assert seen and set(seen) == kinds


def test_nth_and_times_pick_which_matching_requests_fire(fake_sheets, gc):
    fake_sheets.add_tab("Escalations", ESCALATIONS)
    fired = []
    fake_sheets.before_request("batchGet", lambda f: fired.append(len(f.api_log)), nth=2, times=2)
    sh = gc.open_by_key(fake_sheets.spreadsheet_id)
    for _ in range(4):
        sh.values_batch_get(["Escalations"])
    batch_gets = [n + 1 for n, e in enumerate(fake_sheets.api_log) if e.kind == "batchGet"]
    assert fired == batch_gets[1:3]


def test_a_faulted_and_retried_request_fires_a_times_1_hook_once(fake_sheets, gc):
    fake_sheets.add_tab("Escalations", ESCALATIONS)
    fake_sheets.before_request("values:batchUpdate", lambda f: f.person.insert_rows("Escalations", before_row=2))
    fake_sheets.queue_error(503, match=lambda e: e.kind == "values:batchUpdate")
    sh = gc.open_by_key(fake_sheets.spreadsheet_id)
    body = {"valueInputOption": "RAW", "data": [{"range": "Escalations!C3", "values": [["x"]]}]}
    with pytest.raises(Exception):
        sh.values_batch_update(body)
    sh.values_batch_update(body)                     # the bot's retry
    rows = fake_sheets.rows("Escalations")
    assert rows[1] == [] and rows[2] == ["ESC-0001", "Oats", "x"] and len(rows) == 5   # one row inserted, once
    assert [e.status for e in fake_sheets.api_log if e.kind == "values:batchUpdate"] == [503, 200]


def test_an_after_hook_edits_once_the_answer_is_computed(fake_sheets, gc):
    fake_sheets.add_tab("Escalations", ESCALATIONS)
    fake_sheets.after_request("batchGet", lambda f: f.person.delete_rows("Escalations", 2))
    before = fake_sheets.modified_time
    read = gc.open_by_key(fake_sheets.spreadsheet_id).values_batch_get(["Escalations"])
    assert len(read["valueRanges"][0]["values"]) == 4 and len(fake_sheets.rows("Escalations")) == 3
    assert fake_sheets.modified_time > before


def test_a_hook_fires_inside_a_real_bot_cycle(fake_sheets, sa_key):
    from bot.backends.google import GoogleBackend
    from bot.config import load_settings
    from bot.cycle.run import run_cycle
    from bot.demo.sample_data import build_sample

    for title, rows in build_sample(dt.date(2026, 11, 20)).items():
        fake_sheets.add_tab(title, rows)
    fake_sheets.before_request("values:batchUpdate", lambda f: f.person.type("Defective Log", "Z1", "note"))
    backend = GoogleBackend(fake_sheets.spreadsheet_id, sa_key.path, sleep=lambda s: None)
    run_cycle(backend, load_settings(environ={}), lambda: dt.datetime(2026, 11, 20, 9, tzinfo=dt.timezone.utc))
    assert not fake_sheets.pending_hooks() and fake_sheets.cell("Defective Log", "Z1") == "note"


@pytest.mark.parametrize("queue", ["error", "exception"], ids=["queue_error-by-kind", "queue_exception-by-kind"])
def test_faults_take_the_same_kind_strings(fake_sheets, gc, queue):
    import requests

    fake_sheets.add_tab("Escalations", ESCALATIONS)
    if queue == "error":
        fake_sheets.queue_error(503, match="values:batchUpdate")
    else:
        fake_sheets.queue_exception(requests.ConnectionError("reset"), match="values:batchUpdate")
    sh = gc.open_by_key(fake_sheets.spreadsheet_id)
    sh.values_batch_get(["Escalations"])                                # a read is not matched
    with pytest.raises(Exception):
        read_then_write(gc, fake_sheets)
    read_then_write(gc, fake_sheets)
    assert fake_sheets.cell("Escalations", "C3") == "x"

