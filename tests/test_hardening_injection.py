"""Injection: text that starts with `=`, `+`, `-` or `@` is stored as text by both backends after a real cycle,
and template syntax a customer typed is shown as typed, never evaluated."""
from __future__ import annotations

from datetime import date, timedelta

import openpyxl
import pytest

from bot.backends.google import GoogleBackend
from bot.backends.workbook import WorkbookBackend
from bot.config import load_settings
from bot.cycle.run import run_cycle
from bot.demo.run import write_workbook
from conftest import NOW, case, comp, rows_of
from fake_sheets import Formula, fake_sheets, sa_key  # noqa: F401  (fixtures)
from hardening import BOT_TABS, REP_TABS, duplicate_rows, normalised

INJECTION = "Injection"
PREFIXES = ("=", "+", "-", "@")
TICKETS = ["=1+1", "+CS-2", "-CS-3", "@CS-4"]
NAMES = ["=Zed Moss", "+Ann Lee", "-Bo Li", "@Cy Ng"]
EMAILS = ["=zed@example.com", "+ann@example.com", "-bo@example.com", "cy@example.com"]  # "@cy@..." has two @
PRODUCT = '=HYPERLINK("http://evil.example","Trail Mix")'
BAD_TICKET = '=IMPORTXML("http://evil.example","//a")'


def injection_tabs() -> dict:
    log = [case(t, customer_name=n, customer_email=e, product=PRODUCT, lot_number=f"{t[0]}LOT-{i}",
                date_logged=date(2026, 11, 1) + timedelta(days=i), agent="@Sam")
           for i, (t, n, e) in enumerate(zip(TICKETS, NAMES, EMAILS))]
    log.append(case(BAD_TICKET, date_logged="=TODAY()", customer_email="-not-an-email"))
    # Template syntax a customer (or a rep) typed: shown as typed in the draft, never evaluated.
    log.append(case("CS-T", customer_name="{{7*7}} Smith", order_number="{{ signoff }}",
                    product="{% for x in range(3) %}boom{% endfor %}", agent="{{ ''.__class__.__mro__ }}",
                    date_logged=date(2026, 11, 20)))
    comps = [comp(t) for t in TICKETS] + [comp("CS-T")]
    return {"Defective Log": rows_of("defective_log", log), "Comp Sheet": rows_of("comp_sheet", comps)}


def make_workbook(path, tabs) -> WorkbookBackend:
    return write_workbook(path, tabs)


def bot_tabs(backend):
    snap = backend.read(list(BOT_TABS))
    return {t: normalised(snap.tabs[t]) for t in BOT_TABS}


@pytest.fixture
def cycled(tmp_path, fake_sheets, sa_key):  # noqa: F811
    tabs = injection_tabs()
    workbook = make_workbook(tmp_path / "team.xlsx", tabs)
    for title, rows in tabs.items():
        fake_sheets.add_tab(title, rows)
    sa_key.path.chmod(0o600)
    google = GoogleBackend(fake_sheets.spreadsheet_id, sa_key.path, sleep=lambda s: None)
    settings = load_settings(environ={})
    run_cycle(workbook, settings, lambda: NOW)
    run_cycle(google, settings, lambda: NOW)
    return workbook, google, fake_sheets, settings


def written_strings(tabs: dict) -> set[str]:
    return {v for rows in tabs.values() for r in rows for v in r if isinstance(v, str)}


def expected_prefixed():
    return {*TICKETS, *EMAILS[:3], PRODUCT, BAD_TICKET, ", ".join(TICKETS),
            ", ".join(f"{t[0]}LOT-{i}" for i, t in enumerate(TICKETS))}


def test_workbook_stores_formula_like_text_as_text(cycled, reliability):
    workbook, *_ = cycled
    wb = openpyxl.load_workbook(workbook.path)   # not data_only: what is really stored
    try:
        seen = {}
        for title in BOT_TABS:
            for row in wb[title].iter_rows():
                for cell in row:
                    assert cell.data_type != "f", f"{title}!{cell.coordinate} became a formula"
                    if isinstance(cell.value, str) and cell.value.startswith(PREFIXES):
                        seen[cell.value] = cell.data_type
        rep_formulas = [c.coordinate for t in REP_TABS for r in wb[t].iter_rows() for c in r if c.data_type == "f"]
    finally:
        wb.close()
    assert expected_prefixed() <= set(seen)
    assert set(seen.values()) == {"s"}
    assert not rep_formulas
    reliability.record(INJECTION, scenario="workbook: = + - @ text written by a real cycle",
                       outcome=f"{len(seen)} bot cells starting with = + - @, all stored as text (type 's'), "
                               "no formulas")


def test_google_receives_and_stores_the_literal_strings_raw(cycled, reliability):
    _, google, fake, _ = cycled
    writes = [e for e in fake.api_log if e.kind == "values:batchUpdate"]
    assert len(writes) == 1 and writes[0].body["valueInputOption"] == "RAW"
    sent = {v for d in writes[0].body["data"] for r in d["values"] for v in r if isinstance(v, str)}
    assert expected_prefixed() <= sent
    rep_writes = sum(1 for _, rng in fake.value_writes() if fake.range_tab(rng) in REP_TABS)
    assert rep_writes == 0
    for title in BOT_TABS:
        assert not [v for v in fake.tab(title).cells.values() if isinstance(v, Formula)]
    stored = written_strings({t: fake.rows(t) for t in BOT_TABS})
    assert expected_prefixed() <= stored
    reliability.record(INJECTION, scenario="google: = + - @ text written by a real cycle",
                       rep_tab_writes=rep_writes,
                       outcome="one RAW values:batchUpdate; the literal strings are stored, no formulas")


def test_both_backends_hold_the_same_bot_tabs_and_a_second_cycle_is_quiet(cycled, reliability):
    workbook, google, fake, settings = cycled
    assert bot_tabs(workbook) == bot_tabs(google)
    assert duplicate_rows(bot_tabs(google)) == 0
    fake.clear_log()
    assert run_cycle(workbook, settings, lambda: NOW + timedelta(minutes=5)).applied is None
    assert run_cycle(google, settings, lambda: NOW + timedelta(minutes=5)).applied is None
    assert [e.kind for e in fake.api_log] == ["metadata", "batchGet"]
    reliability.record(INJECTION, scenario="both backends: identical bot tabs, second cycle writes nothing",
                       outcome="identical; quiet")


@pytest.mark.parametrize("backend_name", ["workbook", "google"])
def test_template_syntax_in_customer_text_is_shown_as_typed(cycled, reliability, backend_name):
    workbook, google, _, _ = cycled
    backend = workbook if backend_name == "workbook" else google
    drafts = {r[0]: r for r in backend.read(["Drafts"]).tabs["Drafts"][1:]}
    body = drafts["CS-T"][4]
    assert body.startswith("Hi {{7*7}},")
    assert "order {{ signoff }}" in body
    assert "{% for x in range(3) %}boom{% endfor %}" in body and "boomboom" not in body
    assert "{{ ''.__class__.__mro__ }}" in body and "<class" not in body
    assert "49" not in body
    assert drafts["=1+1"][4].startswith("Hi =Zed,") and PRODUCT in drafts["=1+1"][4]
    reliability.record(INJECTION, scenario=f"{backend_name}: template syntax in customer text",
                       outcome="shown as typed in the draft, never evaluated")


def test_rep_tabs_are_untouched_by_the_injection_cycle(cycled, reliability):
    workbook, google, fake, _ = cycled
    tabs = injection_tabs()
    for backend in (workbook, google):
        snap = backend.read(list(REP_TABS))
        for t in REP_TABS:
            assert normalised(snap.tabs[t])[0] == normalised(tabs[t])[0]
            assert len(snap.tabs[t]) == len(tabs[t])
    issues = workbook.read(["Log Issues"]).tabs["Log Issues"]
    assert any(r[2] == BAD_TICKET for r in issues[1:])
    reliability.record(INJECTION, scenario="rep tabs after the injection cycle", outcome="unchanged")
