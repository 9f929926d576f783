"""The rows a cycle keeps for the next one (bot/cycle/kept_rows.py): compared chunk by chunk as they are
written, they name exactly the rows that differ, and anything they cannot compare means None (the full
cycle), never a wrong answer."""
from __future__ import annotations

import io
from datetime import date

import pytest

import bot.cycle.kept_rows as kept_rows
from bot.cycle.kept_rows import write_rows

LOG, COMP = "Defective Log", "Comp Sheet"


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    monkeypatch.setattr(kept_rows, "ROWS_AT_ONCE", 3)


def tabs(n=10):
    return {LOG: [["Date", "Ticket"]] + [["2026-11-01", f"CS-{i}"] for i in range(n)],
            COMP: [["Ticket", "Amount"]] + [[f"CS-{i}", i * 1.5] for i in range(4)]}


def kept(rep, token="t1") -> io.BytesIO:
    fh = io.BytesIO()
    assert write_rows(fh, token, rep) is None    # nothing to compare with
    fh.seek(0)
    return fh


def compare(before, after, token="t1", previous_token="t1"):
    out = io.BytesIO()
    changes = write_rows(out, "t2", after, kept(before, token), previous_token)
    # What was written is the rows as they are now, and compares as equal with them.
    out.seek(0)
    again = write_rows(None, "t3", after, out, "t2")
    assert again is not None and not any(again.rows.values())
    return changes


def edited(rep, tab, row, col, value):
    rep = {t: [list(r) for r in rows] for t, rows in rep.items()}
    rep[tab][row][col] = value
    return rep


@pytest.mark.parametrize("tab,row,col", [
    pytest.param(LOG, 1, 1, id="first-row"), pytest.param(LOG, 3, 0, id="a-chunks-last-row"),
    pytest.param(LOG, 10, 1, id="last-row"), pytest.param(COMP, 2, 1, id="comp-sheet"),
    pytest.param(LOG, 0, 1, id="the-header"),
])
def test_an_edited_cell_names_its_row_and_what_it_was(tab, row, col):
    before = tabs()
    changes = compare(before, edited(before, tab, row, col, "new"))
    assert changes.rows == {LOG: [], COMP: [], tab: [row]}
    assert changes.before[tab] == {row: before[tab][row]}


def test_equal_rows_that_serialise_otherwise_are_still_equal():
    """A workbook's rows hold dates, so their chunks are pickled, and pickle writes one date object shared
    by several cells otherwise than equal dates built apart: such a chunk is compared row by row."""
    shared = date(2026, 11, 1)
    before = {LOG: [["Date", "Ticket"]] + [[shared, "CS-1"] for _ in range(5)], COMP: [["Ticket"]]}
    after = {LOG: [["Date", "Ticket"]] + [[date(2026, 11, 1), "CS-1"] for _ in range(5)], COMP: [["Ticket"]]}
    assert kept_rows._dumps(before[LOG][1:4]) != kept_rows._dumps(after[LOG][1:4])
    changes = compare(before, after)
    assert changes.rows == {LOG: [], COMP: []}


@pytest.mark.parametrize("was,now", [
    pytest.param(1, True, id="a-1-ticked"), pytest.param(0, False, id="a-0-unticked"),
    pytest.param(2, 2.0, id="a-whole-number-as-a-float"),
])
def test_a_cell_of_another_type_is_a_change_though_python_calls_them_equal(was, now):
    before = tabs()
    changes = compare(edited(before, LOG, 4, 0, was), edited(before, LOG, 4, 0, now))
    assert changes.rows[LOG] == [4]


@pytest.mark.parametrize("after", [
    pytest.param(lambda t: {**t, LOG: t[LOG] + [["2026-11-02", "CS-new"]]}, id="a-row-added"),
    pytest.param(lambda t: {**t, LOG: t[LOG][:-1]}, id="a-row-deleted"),
    pytest.param(lambda t: {"Another Log": t[LOG], COMP: t[COMP]}, id="another-tab"),
])
def test_a_tab_of_another_length_or_name_compares_nothing(after):
    assert compare(tabs(), after(tabs())) is None


@pytest.mark.parametrize("damage", [
    pytest.param(lambda b: b[:len(b) // 2], id="cut-short"),
    pytest.param(lambda b: b[:40] + b"\xff" * 8 + b[48:], id="a-length-overwritten"),
    pytest.param(lambda b: b"\x80\x05" + b[2:], id="an-older-format"),
    pytest.param(lambda b: b"", id="empty"),
])
def test_a_damaged_file_compares_nothing_and_the_rows_are_still_written(damage):
    before = tabs()
    damaged = io.BytesIO(damage(kept(before).getvalue()))
    out = io.BytesIO()
    assert write_rows(out, "t2", edited(before, LOG, 2, 1, "x"), damaged, "t1") is None
    out.seek(0)
    assert write_rows(None, "t3", before, out, "t2").rows[LOG] == [2]


def test_rows_kept_after_another_token_are_not_compared():
    assert compare(tabs(), tabs(), previous_token="another") is None


def test_a_chunk_of_other_rows_than_its_tab_says_compares_nothing():
    """A file whose chunk holds fewer rows than its place (written by another version, or damaged)."""
    before = tabs()
    fh = io.BytesIO()
    kept_rows._put(fh, kept_rows.MAGIC, length=False)
    kept_rows._put(fh, kept_rows._dumps("t1"))
    kept_rows._put(fh, kept_rows._dumps((LOG, len(before[LOG]))))
    kept_rows._put(fh, kept_rows._dumps(before[LOG][:2]))    # 2 rows where 3 belong
    for i in range(3, len(before[LOG]), 3):
        kept_rows._put(fh, kept_rows._dumps(before[LOG][i:i + 3]))
    kept_rows._put(fh, kept_rows._dumps((COMP, len(before[COMP]))))
    for i in range(0, len(before[COMP]), 3):
        kept_rows._put(fh, kept_rows._dumps(before[COMP][i:i + 3]))
    fh.seek(0)
    assert write_rows(None, "t2", before, fh, "t1") is None


def test_a_damaged_length_in_a_file_on_disk_compares_nothing(tmp_path):
    """A record length overwritten with a huge number is not read (a file on disk would try to)."""
    before = tabs()
    blob = kept(before).getvalue()
    at = len(kept_rows.MAGIC)                      # the token's record length
    path = tmp_path / "rows"
    path.write_bytes(blob[:at] + b"\xff" * 8 + blob[at + 8:])
    with open(path, "rb") as fh:
        assert write_rows(None, "t2", before, fh, "t1") is None
    path.write_bytes(blob)
    with open(path, "rb") as fh:
        assert write_rows(None, "t2", before, fh, "t1").rows == {LOG: [], COMP: []}


def test_equal_rows_serialise_to_equal_bytes_however_their_objects_are_shared():
    """The comparison rests on it: a row read again is built from other objects (one text object in two
    cells, or two equal ones), and must still give the bytes of the last cycle's chunk."""
    one = "".join(["Oat", "s"])
    other = "".join(["Oa", "ts"])
    assert one == other and one is not other
    assert kept_rows._dumps([[one, one, 10299]]) == kept_rows._dumps([[one, other, 10299]])
