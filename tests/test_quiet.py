"""The quiet-cycle fingerprint's pieces (bot/cycle/quiet.py), one at a time: where its file lives, what
the remembered state holds and when it may be trusted, and what the fingerprint changes with. The
skip itself, end to end on both backends, is in tests/test_parity.py; the warm cycle's patched digests
in tests/test_warm.py. A skip wrongly taken would leave a person's edit unanswered, so every input
the fingerprint covers must change it."""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from bot.backends.base import Snapshot
from bot.config import load_settings
from bot.cycle import quiet
from bot.cycle.plan import aligned
from bot.cycle.quiet import (FINGERPRINTED_BOT_TABS, Chunks, QuietCache, bot_tab_rows, cache_dir, fingerprint,
                             input_key, patched_digest, read_bot_digests, settings_digest, steady_digest,
                             steady_state, tab_digest)

NOW = datetime(2026, 11, 24, 9, 30)


@pytest.mark.parametrize("env, expected", [
    ({"DLB_CACHE_DIR": "/srv/dlb", "XDG_CACHE_HOME": "/xdg"}, "/srv/dlb/defective-log-bot"),
    ({"XDG_CACHE_HOME": "/xdg"}, "/xdg/defective-log-bot"),
    ({"DLB_CACHE_DIR": "", "XDG_CACHE_HOME": "/xdg"}, "/xdg/defective-log-bot"),
    ({}, "HOME/.cache/defective-log-bot"),
], ids=["bot-setting-first", "xdg", "empty-bot-setting-ignored", "home"])
def test_the_cache_folder_is_where_the_admin_says(monkeypatch, tmp_path, env, expected):
    for name in ("DLB_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache_dir() == Path(expected.replace("HOME", str(tmp_path)))


def test_the_remembered_state_is_read_back_for_its_own_sheet_only(tmp_path):
    cache = QuietCache("sheet-1", folder=tmp_path)
    assert cache.load() == {}
    cache.save("fp", {"errors": 2}, steady={"digest": "d"}, inputs="in")
    assert cache.load() == {"target": "sheet-1", "fingerprint": "fp", "summary": {"errors": 2},
                            "steady": {"digest": "d"}, "inputs": "in"}
    assert not list(tmp_path.glob("*.tmp")), "written whole, then moved into place"
    other = QuietCache("sheet-2", folder=tmp_path)
    assert other.path != cache.path and other.load() == {}
    # Two sheets whose names share a file name (a hash clash, or a hand-copied file) are told apart.
    other.path.write_text(cache.path.read_text())
    assert other.load() == {}
    cache.forget()
    assert cache.load() == {} and not cache.path.exists()
    cache.forget()          # nothing to forget: no error


@pytest.mark.parametrize("text", ["not json", "[1, 2]", '"text"', ""], ids=["garbage", "a-list", "a-text", "empty"])
def test_a_damaged_state_file_reads_as_nothing_remembered(tmp_path, text):
    cache = QuietCache("sheet", folder=tmp_path)
    cache.path.write_text(text)
    assert cache.load() == {}


def test_a_state_file_that_cannot_be_written_costs_only_speed(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    cache = QuietCache("sheet", folder=blocker / "cache")     # a folder inside a file: cannot be made
    cache.save("fp", {})
    assert cache.load() == {}


KEY = b"settings"


def remembered(**steady) -> dict:
    state = steady_state("digest", KEY, NOW, "2026-11-24 09:20")
    return {"steady": {**state, **steady}}


def test_a_steady_state_is_trusted_the_same_day_with_the_same_settings():
    assert steady_state(None, KEY, NOW, "x") is None
    assert remembered()["steady"] == {"digest": "digest", "settings": KEY.hex(), "day": "2026-11-24",
                                      "last_run": "2026-11-24 09:20"}
    assert steady_digest(remembered(), KEY, NOW + timedelta(hours=14)) == ("digest", "2026-11-24 09:20")


@pytest.mark.parametrize("state, key, now", [
    (remembered(), b"other settings", NOW),
    (remembered(), KEY, NOW + timedelta(days=1)),
    ({"steady": None}, KEY, NOW),
    ({}, KEY, NOW),
    ({"steady": "digest"}, KEY, NOW),
    (remembered(digest=None), KEY, NOW),
    (remembered(digest=7), KEY, NOW),
    (remembered(last_run=None), KEY, NOW),
    (remembered(day=None), KEY, NOW),
], ids=["settings-changed", "next-day", "none", "absent", "not-a-dict", "no-digest", "digest-not-text",
        "no-last-run", "no-day"])
def test_a_steady_state_is_not_trusted(state, key, now):
    assert steady_digest(state, key, now) is None


DIGESTS = {name: tab_digest([(name, "row")]) for name in FINGERPRINTED_BOT_TABS}


@pytest.mark.parametrize("change", [
    lambda a: {**a, "rep": b"rep tabs edited"},
    lambda a: {**a, "key": b"other settings"},
    lambda a: {**a, "now": NOW + timedelta(days=1)},
    *[(lambda a, n=name: {**a, "tabs": {**a["tabs"], n: tab_digest([(n, "edited")])}}) for name in FINGERPRINTED_BOT_TABS],
    *[(lambda a, n=name: {**a, "tabs": {k: v for k, v in a["tabs"].items() if k != n}}) for name in FINGERPRINTED_BOT_TABS],
], ids=["rep-tabs", "settings", "next-day", *[f"{n}-edited" for n in FINGERPRINTED_BOT_TABS],
        *[f"{n}-emptied" for n in FINGERPRINTED_BOT_TABS]])
def test_the_fingerprint_changes_with_every_input_it_covers(change):
    base = {"rep": b"rep tabs", "tabs": DIGESTS, "key": KEY, "now": NOW}

    def of(a):
        return fingerprint(a["rep"], a["tabs"], a["key"], a["now"])
    assert of(change(base)) != of(base)
    assert of(base) == of({**base, "now": NOW + timedelta(hours=3)}), "the same day, another hour: the same"


def test_a_tab_not_given_counts_as_an_empty_tab():
    empty = {**DIGESTS, FINGERPRINTED_BOT_TABS[0]: tab_digest([])}
    missing = {k: v for k, v in DIGESTS.items() if k != FINGERPRINTED_BOT_TABS[0]}
    assert fingerprint(b"r", empty, KEY, NOW) == fingerprint(b"r", missing, KEY, NOW)


def test_the_input_key_changes_with_each_input_but_not_the_hour():
    key = input_key(b"rep", KEY, NOW)
    assert key != input_key(b"rep2", KEY, NOW) and key != input_key(b"rep", b"other", NOW)
    assert key != input_key(b"rep", KEY, NOW + timedelta(days=1))
    assert key == input_key(b"rep", KEY, NOW + timedelta(hours=2))


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 7])
def test_a_tab_is_digested_a_chunk_of_rows_at_a_time(monkeypatch, n):
    monkeypatch.setattr(quiet, "DIGEST_ROWS", 3)
    rows = [(f"r{i}", i) for i in range(n)]
    chunks = Chunks.of(rows)
    assert chunks.length == n and len(chunks.digests) == -(-n // 3)
    assert chunks.digests == tuple(Chunks.of(rows[i:i + 3]).digests[0] for i in range(0, n, 3))
    assert Chunks.of(rows, keep=True).rows == rows and chunks.rows is None
    assert chunks.digest == tab_digest(rows)
    if n:
        assert tab_digest(rows[:-1] + [("changed", n)]) != tab_digest(rows)
        assert tab_digest(rows + [("", "")]) != tab_digest(rows), "a digest of rows as given: blank rows count"


def issue(n: int) -> dict:
    """A Log Issues row (0: a blank row)."""
    return {"tab": "Defective Log", "row": n, "ticket_id": f"CS-{n}", "problem": "p", "severity": "error"} if n else {}


@pytest.mark.parametrize("keep", [False, True], ids=["rows-reduced-again", "rows-as-read-kept"])
@hsettings(max_examples=150, deadline=None)
@given(read_values=st.lists(st.integers(0, 4), max_size=14), chunk=st.integers(1, 4), data=st.data())
def test_a_patched_digest_of_rows_moved_is_the_digest_of_the_whole_tab(keep, read_values, chunk, data):
    """A warm cycle's tab rewritten whole (Open Cases, Log Issues) moves the rows it keeps instead of
    rewriting them (plan.aligned: rows inserted and deleted above them). patched_digest takes a chunk's
    digest from the tab as read only when no row of it was compared and none moved, and otherwise
    digests the chunk again from the rows as read that now sit there: what a full digest of the tab
    gives, whatever was inserted or deleted where, blank rows included (tests/test_warm.py checks the
    same without moves)."""
    read_rows = [issue(v) for v in read_values]
    kept = data.draw(st.lists(st.booleans(), min_size=len(read_rows), max_size=len(read_rows)))
    rows, origins = [], []
    for i, r in enumerate(read_rows):
        for v in data.draw(st.lists(st.integers(0, 4), max_size=2)):    # new rows above this one
            rows.append(issue(v))
            origins.append(-1)
        if kept[i]:
            rows.append(r)
            origins.append(i)
    for v in data.draw(st.lists(st.integers(0, 4), max_size=3)):        # and at the end
        rows.append(issue(v))
        origins.append(-1)
    assert_patched_digest_is_the_whole_tabs(read_rows, rows, origins, chunk, keep)


def assert_patched_digest_is_the_whole_tabs(read_rows: list[dict], rows: list[dict], origins: list[int],
                                            chunk: int, keep: bool) -> None:
    """`rows`: the tab as a warm cycle leaves it, each row the row as read at `origins` (-1: new); the
    rows' places as plan.aligned moves them, digested `chunk` rows at a time (set here, not through a
    fixture: hypothesis runs many examples in one test call)."""
    alignment = aligned(origins, len(read_rows), shift=True)
    assert alignment.compare == sorted(alignment.compare)
    old = quiet.DIGEST_ROWS
    quiet.DIGEST_ROWS = chunk
    try:
        read = Chunks.of(bot_tab_rows("log_issues", read_rows), keep=keep)
        assert patched_digest("log_issues", rows, read, alignment.compare, None, alignment.sources) == \
            tab_digest(bot_tab_rows("log_issues", rows))
    finally:
        quiet.DIGEST_ROWS = old


@pytest.mark.parametrize("read_values, origins, chunk", [
    ([1, 2, 3, 4], [-1, 0, 1, 3], 2),       # a row inserted above, one deleted below: a chunk's first row moved
    ([1, 2, 3, 4], [0, 2, 3], 3),           # one deleted inside a chunk: its first row stays, its last moved
    ([1, 2, 3, 4, 5], [0, 3, 4], 3),        # two deleted inside a chunk
    ([1, 2, 0], [0, 1, 2, -1], 2),          # a blank last row as read (a person's note beside it), one appended
], ids=["first-row-moved", "last-row-moved-by-one", "last-row-moved-by-two", "blank-row-kept"])
def test_a_patched_digest_of_a_chunk_only_moved(read_values, origins, chunk):
    """The cases the property above finds only now and then: no row of a chunk compared, yet its rows
    are not the rows read there."""
    read_rows = [issue(v) for v in read_values]
    rows = [read_rows[o] if o >= 0 else issue(9) for o in origins]
    for keep in (False, True):
        assert_patched_digest_is_the_whole_tabs(read_rows, rows, origins, chunk, keep)


def test_the_state_file_is_saved_where_no_folder_exists_yet(tmp_path):
    cache = QuietCache("sheet", folder=tmp_path / "not" / "yet")
    cache.save("fp", {})
    assert cache.load()["fingerprint"] == "fp"


def test_the_settings_key_changes_with_each_template_and_setting(tmp_path):
    settings = load_settings(environ={})
    (tmp_path / "refund_processed.txt.j2").write_text("Subject: Refund\nHi {{ first_name }}")
    (tmp_path / "notes.txt").write_text("not a template")
    key = settings_digest(settings, tmp_path)
    assert settings_digest(settings, tmp_path) == key
    (tmp_path / "notes.txt").write_text("still not a template")
    assert settings_digest(settings, tmp_path) == key
    (tmp_path / "refund_processed.txt.j2").write_text("Subject: Your refund\nHi {{ first_name }}")
    edited = settings_digest(settings, tmp_path)
    assert edited != key, "an edited template: the drafts it renders may change"
    (tmp_path / "follow_up.txt.j2").write_text("Subject: How did we do?")
    assert settings_digest(settings, tmp_path) not in (key, edited), "a template added"
    other = load_settings(environ={"DLB_DAY_FIRST": "1"})
    assert settings_digest(other, tmp_path) != settings_digest(settings, tmp_path)


def test_a_bot_tab_someone_deleted_digests_as_an_empty_tab():
    settings = load_settings(environ={})
    assert read_bot_digests(Snapshot({}, "test"), settings) == {name: tab_digest([]) for name in FINGERPRINTED_BOT_TABS}
