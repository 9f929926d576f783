"""What a cycle leaves to Python's cycle collector (bot.cycle.run.collector_paused).

A cycle runs with the collector off, and freezes what is still alive when it ends (the report it
returns) instead of letting the collector's next passes scan it. That is only safe when a cycle leaves
(next to nothing) for the collector to free, and when whatever it did leave is given back.
"""
from __future__ import annotations

import gc
import weakref
from collections import Counter
from datetime import timedelta

import holidays  # noqa: F401  (imported once for the process: its first import leaves a reference cycle)
import pytest

from bot.backends.google import GoogleBackend
from bot.backends.memory import MemoryBackend
from bot.config import load_settings
from bot.cycle.run import collect_between_cycles, collector_paused, run_cycle
from bot.cycle.watch import Worker
from bot.demo.sample_data import build_sample
from bot.errors import AccessError
from conftest import NOW
from fake_sheets import fake_sheets, sa_key  # noqa: F401  (fixtures)


@pytest.fixture(autouse=True)
def collector():
    """The collector on and nothing frozen, as a cycle's caller has it; put back as found."""
    was_enabled = gc.isenabled()
    gc.enable()
    gc.unfreeze()
    gc.collect()
    yield
    gc.unfreeze()
    (gc.enable if was_enabled else gc.disable)()


def reference_cycles_left_by(fn) -> Counter:
    """The types of the objects only the collector could free, among what fn() leaves once its result
    is dropped."""
    gc.collect()
    fn()
    gc.unfreeze()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        return Counter(type(o).__name__ for o in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


def test_a_google_cycle_leaves_no_reference_cycle(fake_sheets, sa_key):  # noqa: F811
    settings = load_settings(environ={})
    for title, rows in build_sample(NOW.date()).items():
        fake_sheets.add_tab(title, rows)
    sa_key.path.chmod(0o600)
    backend = GoogleBackend(fake_sheets.spreadsheet_id, sa_key.path, sleep=lambda s: None)
    # The first cycle of a process compiles the email templates, once for the process (drafts._compiled).
    first = run_cycle(backend, settings, lambda: NOW)
    assert first.outcome.drafts_new > 0 and first.wrote

    def next_day():
        report = run_cycle(backend, settings, lambda: NOW + timedelta(days=1))
        assert report.wrote   # it read, worked out and wrote (ages, the status line)

    assert reference_cycles_left_by(next_day) == Counter()


def test_a_cycle_that_renders_leaves_no_reference_cycle():
    settings = load_settings(environ={})
    run_cycle(MemoryBackend(build_sample(NOW.date())), settings, lambda: NOW)   # templates compiled

    def render_again():
        report = run_cycle(MemoryBackend(build_sample(NOW.date())), settings, lambda: NOW)
        assert report.outcome.drafts_new > 0

    assert reference_cycles_left_by(render_again) == Counter()


def test_what_a_cycle_returns_is_frozen_until_the_next_cycle():
    settings = load_settings(environ={})
    backend = MemoryBackend(build_sample(NOW.date()))
    report = run_cycle(backend, settings, lambda: NOW)
    frozen = gc.get_freeze_count()
    assert frozen > 0
    assert not any(o is report.outcome for o in gc.get_objects())   # out of the collector's sight
    with collector_paused():
        assert gc.get_freeze_count() == 0                            # the next cycle gives it back first
    assert gc.get_freeze_count() > 0 and gc.isenabled()


def test_a_caller_that_paused_the_collector_keeps_it_paused_and_unfrozen():
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled() and gc.get_freeze_count() == 0


class Node:
    me: Node


def test_watch_collects_what_a_cycle_left_between_cycles():
    left = []

    def cycle():
        with collector_paused():
            node = Node()
            node.me = node       # a reference cycle: only the collector frees it
            left.append(weakref.ref(node))

    Worker(cycle, 5, sleep=lambda s: None).run_once()
    assert left[0]() is None and gc.get_freeze_count() == 0


def test_watch_collects_even_after_a_failed_cycle():
    left = []

    def cycle():
        with collector_paused():
            node = Node()
            node.me = node
            left.append(weakref.ref(node))
            raise AccessError("the sheet", "The sheet went away.")   # logged as one line (no traceback kept)

    Worker(cycle, 5, sleep=lambda s: None).run_once()   # logged and rescheduled, not raised
    assert left[0]() is None


def test_collecting_between_cycles_does_nothing_after_a_skipped_poll(monkeypatch):
    collected = []
    monkeypatch.setattr(gc, "collect", lambda *a: collected.append(a) or 0)
    collect_between_cycles()       # nothing frozen: the poll found nothing to do and ran no cycle
    assert collected == []
