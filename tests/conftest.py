"""Shared fixtures: a valid case builder, snapshots, settings and a fixed clock."""
from __future__ import annotations

import socket
from datetime import date, datetime, timezone

import pytest

import sheet_schema
from bot.backends.base import Snapshot
from bot.config import load_settings
from bot.cycle.compute import compute
from bot.tabs.drafts import Renderer

pytest_plugins = ["reliability"]

LOG_HEADERS = sheet_schema.load("defective_log").headers
COMP_HEADERS = sheet_schema.load("comp_sheet").headers
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def private_cache(monkeypatch, tmp_path):
    """The bot's cache folder lives in the test's own temp folder, never in the real home."""
    monkeypatch.setenv("DLB_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any attempt to open a real connection fails loudly (the Google fake uses `responses`)."""
    def refuse(*args, **kwargs):
        raise AssertionError("Must not be called: a test tried to reach the network")
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def case(ticket="CS-1", **fields) -> dict:
    """A valid Defective Log row as a dict of column key -> cell value; override any field."""
    row = {
        "date_logged": date(2026, 11, 2), "ticket_id": ticket, "customer_name": "Ana Lopez",
        "customer_email": "ana.lopez@example.com", "order_number": "10299",
        "product": "Trail Mix Original 12oz", "lot_number": "TMO-2611", "best_by_date": date(2027, 5, 1),
        "defect_type": "Foreign Object", "complaint_details": "Found a piece of cardboard in the bag.",
        "photo_received": "Yes", "units_affected": 1, "resolution": "Refund", "refund_amount": 8.99,
        "replacement_order_number": "", "agent": "Sam", "status": "Open", "customer_feedback": "",
    }
    unknown = set(fields) - set(row)
    assert not unknown, f"unknown fields {unknown}"
    row.update(fields)
    return row


def comp(ticket="CS-1", **fields) -> dict:
    row = {
        "date_added": date(2026, 11, 3), "ticket_id": ticket, "order_number": "10299",
        "customer_name": "Ana Lopez", "customer_email": "ana.lopez@example.com", "type": "Refund",
        "product": "Trail Mix Original 12oz", "units": 1, "replacement_order_number": "",
        "tracking_number": "", "refund_amount": 8.99, "refund_processed_on": date(2026, 11, 4),
        "added_by": "Sam",
    }
    unknown = set(fields) - set(row)
    assert not unknown, f"unknown fields {unknown}"
    row.update(fields)
    return row


def replacement_case(ticket="CS-2", **fields) -> dict:
    base = dict(resolution="Replacement", refund_amount="", replacement_order_number="R-5001")
    base.update(fields)
    return case(ticket, **base)


def replacement_comp(ticket="CS-2", **fields) -> dict:
    base = dict(type="Replacement", refund_amount="", refund_processed_on="",
                replacement_order_number="R-5001", tracking_number="1Z999AA10123456784")
    base.update(fields)
    return comp(ticket, **base)


def rows_of(schema_name: str, dicts: list[dict]) -> list[list]:
    keys = [c.key for c in sheet_schema.load(schema_name).laid_out]
    headers = sheet_schema.load(schema_name).headers
    return [list(headers)] + [[d.get(k) for k in keys] for d in dicts]


def snapshot(log: list[dict], comps: list[dict] = (), extra: dict | None = None) -> Snapshot:
    tabs = {"Defective Log": rows_of("defective_log", log), "Comp Sheet": rows_of("comp_sheet", list(comps))}
    tabs.update(extra or {})
    return Snapshot(tabs, "test")


@pytest.fixture
def settings():
    return load_settings(environ={})


@pytest.fixture
def renderer():
    return Renderer()


@pytest.fixture
def run(settings, renderer):
    """compute() with the default settings and the fixed clock."""
    def _run(log, comps=(), extra=None, now=NOW, settings_=None):
        return compute(snapshot(log, comps, extra), settings_ or settings, now, renderer)
    return _run
