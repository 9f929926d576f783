"""The plan: only changed bot cells, never a people's column, nothing when nothing changed."""
from itertools import accumulate

import pytest
from hypothesis import given, strategies as st

from bot.cycle.plan import TabTarget, aligned, plan_tabs
from bot.read.table import read_bot_table
from sheet_schema import load

ESC = load("escalations")
LOG_ISSUES = load("log_issues")


def target(schema, rows, desired, clear_rest=False):
    table = read_bot_table(schema.tab, rows, schema, {})
    return TabTarget(table, schema, desired, clear_rest)


def issue(n):
    return {"tab": "Defective Log", "row": n, "ticket_id": f"CS-{n}", "column": "A", "field": "Date Logged",
            "problem": "Required, but blank", "severity": "error"}


def as_rows(schema, dicts):
    return [schema.headers] + [[d.get(c.key) for c in schema.columns] for d in dicts]


def test_new_tab_is_created_with_header_and_one_block():
    plan = plan_tabs([target(LOG_ISSUES, None, [issue(2), issue(3)])])
    assert [c.title for c in plan.creates] == ["Log Issues"]
    header, block = plan.writes
    assert header.row == 1 and header.values == (tuple(LOG_ISSUES.headers),)
    assert (block.row, block.col, len(block.values)) == (2, 1, 2)


def test_unchanged_tab_plans_nothing():
    rows = as_rows(LOG_ISSUES, [issue(2), issue(3)])
    assert plan_tabs([target(LOG_ISSUES, rows, [issue(2), issue(3)], True)]).is_empty


def test_the_tabs_as_read_are_left_to_the_caller_unless_it_lets_go():
    """A cycle's own compute lets each tab as read go once it is planned (peak memory); any other caller
    keeps them, and the plan is the same either way."""
    rows = as_rows(LOG_ISSUES, [issue(2), issue(3)])
    kept, dropped = target(LOG_ISSUES, rows, [issue(2)], True), target(LOG_ISSUES, rows, [issue(2)], True)
    assert plan_tabs([kept]) == plan_tabs([dropped], let_go=True)
    assert [r["row"] for r in kept.table.rows] == [2, 3] and dropped.table.rows == []


def test_numbers_read_back_as_floats_are_not_rewritten():
    rows = as_rows(LOG_ISSUES, [issue(2)])
    rows[1][1] = 2.0
    assert plan_tabs([target(LOG_ISSUES, rows, [issue(2)], True)]).is_empty


def test_rewritten_tab_clears_rows_past_the_end():
    rows = as_rows(LOG_ISSUES, [issue(2), issue(3), issue(4)])
    plan = plan_tabs([target(LOG_ISSUES, rows, [issue(2)], True)])
    (w,) = plan.writes
    assert (w.row, len(w.values)) == (3, 2) and all(v is None for r in w.values for v in r)


def test_only_changed_cells_in_a_changed_row():
    rows = as_rows(LOG_ISSUES, [issue(2), issue(3)])
    changed = dict(issue(3), severity="warning")
    (w,) = plan_tabs([target(LOG_ISSUES, rows, [issue(2), changed], True)]).writes
    assert (w.row, w.col, w.values) == (3, 7, (("warning",),))


def test_people_columns_split_runs_and_are_never_written():
    flag = {"flag_id": "ESC-0001", "product": "P", "cases": 2, "notify": "x", "merged_into": ""}
    rows = as_rows(ESC, [dict(flag, lead_status="Investigating", lead_notes="n")])
    desired = [dict(flag, product="Q", merged_into="ESC-0009", lead_status="WRONG", lead_notes="WRONG")]
    plan = plan_tabs([target(ESC, rows, desired)])
    cols = sorted((w.col, w.last_col) for w in plan.writes)
    assert cols == [(2, 2), (14, 14)]  # Product and Merged Into; Lead Status (12) and Notes (13) untouched


def test_a_tab_that_never_loses_a_row_is_not_cleared_below_the_rows_it_should_have():
    """Only a tab rewritten whole (Log Issues) is cleared past its end; rows below the bot's on Escalations
    are someone's (a flag row the bot does not know is left alone)."""
    flag = {"flag_id": "ESC-0001", "product": "P", "cases": 2, "notify": "x"}
    rows = as_rows(ESC, [flag, dict(flag, flag_id="ESC-0002")])
    assert plan_tabs([target(ESC, rows, [flag])]).is_empty


def test_changed_bot_cells_with_only_bot_cells_between_them_are_one_write_after_a_persons_column():
    """A person's own column first (A): Product (C) and Cases (E) changed, Defect Type (D) between them
    unchanged: one write of C:E, rewriting D as it is."""
    flag = {"flag_id": "ESC-0001", "product": "P", "defect_type": "Clumping", "cases": 2}
    rows = [["Mine"] + ESC.headers, ["my note"] + as_rows(ESC, [flag])[1]]
    (w,) = plan_tabs([target(ESC, rows, [dict(flag, product="Q", cases=3)])]).writes
    assert (w.row, w.col, w.values) == (2, 3, (("Q", "Clumping", 3),))


def test_a_new_tab_is_created_under_its_title_with_its_format_and_hidden_only_when_its_schema_says():
    from bot.read.table import read_bot_table
    memory = load("bot_memory")
    plan = plan_tabs([TabTarget(read_bot_table("Bot Memory", None, memory, {}), memory, []),
                      TabTarget(read_bot_table("Problems found", None, LOG_ISSUES, {}), LOG_ISSUES, [issue(2)], True)])
    assert [(c.title, c.hidden, c.format.title, c.format.freeze_header, bool(c.format.bold_header))
            for c in plan.creates] == [("Bot Memory", True, "Bot Memory", True, False),
                                       ("Problems found", False, "Problems found", True, True)]


def test_missing_bot_header_is_added_after_the_last_used_column():
    headers = ESC.headers[:13] + ["Our own column"]  # no Merged Into yet, a lead added a column
    plan = plan_tabs([target(ESC, [headers], [])])
    (w,) = plan.writes
    # The bot's further columns; never the leads' optional CAPA columns (only `init` adds those).
    assert (w.row, w.col, w.values) == (1, 15, (("Merged Into", "Same Lot", "Effectiveness"),))


def test_reordered_bot_columns_are_written_where_they_are():
    headers = list(reversed(LOG_ISSUES.headers))
    plan = plan_tabs([target(LOG_ISSUES, [headers], [issue(2)], True)])
    (w,) = plan.writes
    assert w.values[0] == tuple(reversed(list(issue(2).values())))


def test_grid_needed_covers_every_write():
    plan = plan_tabs([target(LOG_ISSUES, None, [issue(n) for n in range(2, 1502)])])
    assert plan.grid_needed() == {"Log Issues": (1501, 7)}


# ---- the guard: what must still be where it was read for the writes to land where planned ----------

DRAFTS = load("drafts")


def draft(ticket, status=None, body="b"):
    return {"ticket_id": ticket, "template": "Refund Processed", "to": "a@example.com", "subject": "s",
            "body": body, "drafted_at": "2026-11-01 09:00", "status": status, "source_hash": "h"}


def test_a_new_tab_needs_no_guard():
    assert plan_tabs([target(DRAFTS, None, [draft("CS-1")])]).guards == ()


def test_a_quiet_tab_needs_no_guard():
    rows = as_rows(DRAFTS, [draft("CS-1")])
    assert plan_tabs([target(DRAFTS, rows, [draft("CS-1")])]).guards == ()


def test_a_changed_row_guards_the_header_the_key_and_the_status_columns():
    rows = as_rows(DRAFTS, [draft("CS-1", "Sent"), draft("CS-2")])
    plan = plan_tabs([target(DRAFTS, rows, [draft("CS-1", "Sent"), draft("CS-2", body="new")])])
    header, keys, status = plan.guards
    assert (header.tab, header.row, header.col, header.values) == ("Drafts", 1, 1, (tuple(DRAFTS.headers),))
    assert (keys.row, keys.col, keys.values) == (2, 1, (("CS-1",), ("CS-2",)))
    assert (status.row, status.col, status.values) == (2, 7, (("Sent",), (None,)))


def test_new_rows_guard_the_rows_they_go_to_as_blank_across_the_tab():
    rows = as_rows(DRAFTS, [draft("CS-1")])
    rows[0] = rows[0] + ["Our notes"]                  # a person's own column: the blank check covers it
    plan = plan_tabs([target(DRAFTS, rows, [draft("CS-1"), draft("CS-2"), draft("CS-3")])])
    below = plan.guards[-1]
    assert (below.tab, below.row, below.col) == ("Drafts", 3, 1)
    width = len(DRAFTS.headers) + 1
    assert below.values == ((None,) * width,) * 2 and (below.last_row, below.last_col) == (4, width)


def test_no_blank_check_when_no_row_is_added():
    rows = as_rows(DRAFTS, [draft("CS-1"), draft("CS-2")])
    plan = plan_tabs([target(DRAFTS, rows, [draft("CS-1", body="new"), draft("CS-2")])])
    assert all(g.row < 3 for g in plan.guards)


def test_a_tab_with_only_a_header_guards_its_header_and_the_new_rows():
    plan = plan_tabs([target(DRAFTS, [DRAFTS.headers], [draft("CS-1")])])
    assert [(g.row, g.col, len(g.values)) for g in plan.guards] == [(1, 1, 1), (2, 1, 1)]


@pytest.mark.parametrize("origins,read,compare,sources,shifts", [
    pytest.param([0, 1, 2], 3, [], [0, 1, 2], (), id="nothing-moved"),
    pytest.param([1, 2, 3], 4, [], [1, 2, 3], ((0, -1),), id="the-first-row-dropped-is-deleted"),
    pytest.param([-1, 0, 1], 2, [0], [-1, 0, 1], ((0, 1),), id="a-row-new-at-the-top-is-inserted"),
    pytest.param([0, -1, 2], 3, [1], [0, 1, 2], (), id="a-row-replaced-in-place-is-written"),
    pytest.param([0, -1, 3], 4, [1], [0, 1, 3], ((2, -1),), id="two-dropped-for-one-new-deletes-one"),
    pytest.param([0, 1], 4, [2, 3], [0, 1, 2, 3], (), id="rows-dropped-at-the-end-are-cleared"),
    pytest.param([0, 1, -1, -1], 2, [2, 3], [0, 1, -1, -1], (), id="rows-new-at-the-end-are-written"),
    pytest.param([1, 0, 2], 3, [1], [1, -1, 2], ((0, -1), (1, 1)), id="a-row-read-above-an-earlier-one-is-new"),
])
def test_aligned_moves_only_the_difference(origins, read, compare, sources, shifts):
    got = aligned(origins, read, shift=True)
    assert (got.compare, got.sources, got.shifts) == (compare, sources, shifts)
    assert sum(b - a for a, b in got.deleted) == -sum(c for _, c in shifts if c < 0)


def test_aligned_without_shifts_compares_every_row_not_in_its_place():
    got = aligned([1, 2, 3], 4, shift=False)
    assert (got.compare, got.sources, got.shifts) == ([0, 1, 2, 3], [0, 1, 2, 3], ())


@given(st.lists(st.booleans(), max_size=30), st.lists(st.integers(-1, 3), max_size=30))
def test_aligned_shifts_put_every_kept_row_where_it_is_wanted(keep, news):
    """Whatever was kept, dropped or added: once the shifts are applied to the rows as read, every row
    not compared is the row wanted there, `sources` says which row as read sits at each place, and
    every new row and every row past the new end is compared (written or cleared)."""
    read = len(keep)
    kept = [i for i, k in enumerate(keep) if k]
    origins = []
    for n, o in zip(news + [0] * len(kept), kept + [None] * len(news)):
        origins += [-1] * max(n, 0)
        if o is not None:
            origins.append(o)
    got = aligned(origins, read, shift=True)
    rows = list(range(read))
    for row, count in got.shifts:
        if count > 0:
            rows[row:row] = [-1] * count
        else:
            del rows[row:row - count]
    compared = set(got.compare)
    assert got.sources == rows + [-1] * (len(got.sources) - len(rows))
    gone = {i for a, b in got.deleted for i in range(a, b)}
    assert gone == set(range(read)) - set(got.sources)
    assert all(rows[i] == o for i, o in enumerate(origins) if i not in compared)
    assert {i for i, o in enumerate(origins) if o == -1} <= compared
    assert set(range(len(origins), len(rows))) <= compared
    assert got.compare == sorted(compared) and len(got.sources) >= max(len(origins), len(rows))


OPEN = load("open_cases")


def open_case(ticket):
    return {c.key: f"{ticket}-{c.key}" for c in OPEN.columns}


def with_mine(rows):
    """Open Cases rows read with a person's column ("Mine") between the second and third bot columns."""
    return [r[:2] + [m] + r[2:] for r, m in zip(rows, ["Mine"] + [f"note {i}" for i in range(1, len(rows))])]


def test_a_row_deleted_moves_each_stretch_of_bot_columns_and_is_guarded():
    read = [open_case(t) for t in ("A", "B", "C")]
    rows = with_mine(as_rows(OPEN, read))
    t = target(OPEN, rows, read[1:], clear_rest=True)
    t = TabTarget(t.table, OPEN, read[1:], True, alignment=aligned([1, 2], 3, shift=True))
    plan = plan_tabs([t])
    width = len(OPEN.columns)
    assert plan.writes == ()
    assert [(s.row, s.count, s.col, s.last_col, s.height) for s in plan.shifts] == [(2, -1, 1, 2, 4),
                                                                                    (2, -1, 4, width + 1, 4)]
    guards = {(g.row, g.col): g.values for g in plan.guards}
    assert guards[(2, 1)] == (("A-ticket_id", "A-product"),)          # the row deleted, still as read
    assert guards[(4, 4)] == (tuple(f"C-{c.key}" for c in OPEN.columns[2:]),)   # the last row as read
    assert guards[(5, 1)] == ((None,) * (width + 1),)                    # and nothing below it


def test_a_row_inserted_is_written_alone_and_grows_the_tab():
    read = [open_case(t) for t in ("A", "B")]
    desired = [open_case("N")] + read
    t = target(OPEN, as_rows(OPEN, read), desired, clear_rest=True)
    t = TabTarget(t.table, OPEN, desired, True, alignment=aligned([-1, 0, 1], 2, shift=True))
    plan = plan_tabs([t])
    assert [(s.row, s.count, s.height) for s in plan.shifts] == [(2, 1, 4)]
    (write,) = plan.writes
    assert (write.row, write.col, write.values) == (2, 1, (tuple(f"N-{c.key}" for c in OPEN.columns),))
    assert plan.grid_needed()["Open Cases"][0] == 4


def _rectangles_row_by_row(at, patterns, runs_of):
    """The rectangles as the plan found them before (bot/cycle/plan.py until fc273cd): row by row."""
    runs_by_row = [runs_of(p) for p in patterns]
    out, i = [], 0
    while i < len(at):
        runs, j = runs_by_row[i], i
        while runs and j + 1 < len(at) and runs_by_row[j + 1] == runs and at[j + 1] == at[j] + 1:
            j += 1
        if runs:
            out.append((i, j, runs))
        i = j + 1
    return out


@given(st.lists(st.tuples(st.integers(1, 3), st.sampled_from([(0, 0, 0), (1, 0, 0), (1, 0, 1), (1, 1, 1), (0, 1, 0)])),
                max_size=25), st.booleans())
def test_rectangles_are_found_as_row_by_row(rows, as_range):
    """Stretches found a pattern at a time give the very rectangles a row-by-row walk gives: gaps on the
    sheet split them, and two patterns with the same runs (the middle bot cell unchanged) join."""
    from bot.cycle.plan import rectangles
    at = list(accumulate(step for step, _ in rows)) if not as_range else range(len(rows))
    patterns = [p for _, p in rows]

    def runs_of(pattern):    # columns 0..2 all bot columns: changed ones join across an unchanged one
        changed = [c for c, d in enumerate(pattern) if d]
        return [(changed[0], changed[-1])] if changed else []
    assert rectangles(at, iter(patterns), runs_of) == _rectangles_row_by_row(at, patterns, runs_of)
