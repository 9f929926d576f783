"""Webhook notifications of recurrence flags: what is posted, when, and what happens when a post fails.

Every webhook here is a `responses` mock: an unmatched URL fails, and the network is refused anyway.
"""
from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
import requests
import responses

from bot.notices import flag_notices as notify
from bot.cli.main import main
from bot.clock import local_now
from bot.config import load_settings
from bot.demo.run import build_workbook, write_workbook
from bot.notices.flag_notices import Notice
from bot.tabs.escalations import FlagChanges
from bot.demo.sample_data import build_sample
from bot.cycle.quiet import settings_digest
from bot.notices.webhook import Notifier, Outbox
from conftest import case, rows_of
from fake_sheets import FakeSheets, make_service_account_key

SECRET = "T0000AAAA/B0000BBBB/XyZsecretPath123"
SLACK = f"https://hooks.slack.com/services/{SECRET}"
CHAT = "https://chat.googleapis.com/v1/spaces/AAAA/messages?key=chatKEY&token=chatTOKEN"
PRIVATE_COLUMNS = ("Ticket ID", "Customer Name", "Customer Email", "Order Number", "Complaint Details",
                   "Lot Number", "Replacement Order Number", "Tracking Number")


# -- helpers -------------------------------------------------------------------------------------------

@pytest.fixture
def hook(monkeypatch):
    """An active `responses` mock and the webhook URL set through DLB_WEBHOOK_URL."""
    monkeypatch.setenv("DLB_WEBHOOK_URL", SLACK)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.post(SLACK, body="ok")
        yield rsps


def posts(rsps) -> list[str]:
    """The text of every successful post to the webhook so far."""
    return [json.loads(c.request.body)["text"] for c in rsps.calls
            if c.request.url == SLACK and getattr(c.response, "status_code", None) == 200]


def days_ago(n: int):
    return local_now().date() - timedelta(days=n)


def pair(product="Trail Mix Original 12oz", defect="Foreign Object", start=10) -> list[dict]:
    """Two cases of one product defect, four days apart: one flag."""
    return [case(f"CS-{start}", date_logged=days_ago(start), product=product, defect_type=defect),
            case(f"CS-{start + 1}", date_logged=days_ago(start - 4), product=product, defect_type=defect)]


def workbook(tmp_path: Path, log: list[dict]) -> Path:
    path = tmp_path / "team.xlsx"
    write_workbook(path, {"Defective Log": rows_of("defective_log", log),
                          "Comp Sheet": rows_of("comp_sheet", [])})
    return path


def add_case(path: Path, row: dict) -> None:
    wb = openpyxl.load_workbook(path)
    wb["Defective Log"].append(rows_of("defective_log", [row])[1])
    wb.save(path)
    wb.close()


def run_once(path: Path, *extra: str) -> int:
    return main(["run", "--once", "--workbook", str(path), *extra])


def outbox_of(path: Path) -> list[Notice]:
    return Outbox(str(path.resolve())).load()


def set_answer(rsps, answer) -> None:
    """What the webhook answers from now on: a status code or an exception to raise."""
    if isinstance(answer, int):
        rsps.replace(responses.POST, SLACK, status=answer, body="no")
    else:
        rsps.replace(responses.POST, SLACK, body=answer)


# -- which cycles post what ------------------------------------------------------------------------------

def _grown(path):
    add_case(path, case("CS-12", date_logged=days_ago(2)))


def _other_defect(path):  # a single case of another defect: no flag, nothing raised or grown
    add_case(path, case("CS-13", date_logged=days_ago(2), defect_type="Clumping"))


@pytest.mark.parametrize("edit, first_posts, second_posts, expected_head", [
    pytest.param(None, 1, 0, "*Recurrence flag ESC-0001 raised*", id="raised-then-unchanged-posts-once"),
    pytest.param(_grown, 1, 1, "*Recurrence flag ESC-0001 grew to 3 cases*", id="grown-posts-one-more"),
    pytest.param(_other_defect, 1, 0, None, id="unrelated-edit-posts-nothing"),
])
def test_one_message_per_raised_or_grown_flag(tmp_path, hook, capsys, edit, first_posts, second_posts,
                                              expected_head):
    path = workbook(tmp_path, pair())
    assert run_once(path) == 0
    first = posts(hook)
    assert len(first) == first_posts
    assert first[0].splitlines()[0] == "*Recurrence flag ESC-0001 raised*"
    if edit:
        edit(path)
    assert run_once(path) == 0
    second = posts(hook)[len(first):]
    assert len(second) == second_posts
    if expected_head and second:
        assert second[0].splitlines()[0] == expected_head
        assert "Cases: 3" in second[0]
    assert outbox_of(path) == []
    assert "Notifications" not in capsys.readouterr().err  # no warning


def test_message_names_flag_product_defect_cases_dates_notify_and_link(tmp_path, hook):
    path = workbook(tmp_path, pair(product="Chobani Greek  Yogurt") + [
        case("CS-20", date_logged=days_ago(3), product="CHOBANI GREEK-YOGURT")])
    assert run_once(path) == 0
    (text,) = posts(hook)
    assert text.splitlines() == [
        "*Recurrence flag ESC-0001 raised*",
        "Product: Chobani Greek Yogurt",     # the first case's spelling, its spaces collapsed
        "Defect: Foreign Object",
        f"Cases: 3 (first logged {days_ago(10).isoformat()}, last logged {days_ago(3).isoformat()})",
        "Notify: Products &amp; Logistics, CS Manager, Senior Management",  # serious: Level 3 too; Slack escapes &
        f"Escalations tab: {path.resolve()}",
    ]


def test_no_webhook_set_posts_nothing_and_keeps_no_outbox(tmp_path, monkeypatch):
    monkeypatch.delenv("DLB_WEBHOOK_URL", raising=False)
    path = workbook(tmp_path, pair())
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        assert run_once(path) == 0
        assert len(rsps.calls) == 0
    assert not Outbox(str(path.resolve())).path.exists()


@pytest.mark.parametrize("argv", [
    pytest.param(["run", "--dry-run"], id="run-dry-run"),
    pytest.param(["validate"], id="validate"),
])
def test_dry_run_and_validate_never_post(tmp_path, hook, argv):
    path = workbook(tmp_path, pair())
    main([*argv, "--workbook", str(path)])
    assert len(hook.calls) == 0
    assert not Outbox(str(path.resolve())).path.exists()


# -- failed posts ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("answer, reason", [
    pytest.param(500, "HTTP 500", id="http-500"),
    pytest.param(503, "HTTP 503", id="http-503"),
    pytest.param(429, "HTTP 429", id="rate-limited-429"),
    pytest.param(404, "HTTP 404", id="webhook-deleted-404"),
    pytest.param(requests.Timeout("read timed out"), "no answer within 10 s", id="timeout"),
    pytest.param(requests.ConnectionError(f"Max retries exceeded with url: /services/{SECRET}"),
                 "cannot connect", id="connection-error"),
])
def test_failed_post_stays_queued_and_is_delivered_once_by_the_next_quiet_cycle(tmp_path, hook, capsys,
                                                                              answer, reason):
    path = workbook(tmp_path, pair())
    set_answer(hook, answer)
    assert run_once(path) == 0                      # the cycle completes; the failure is not an error
    out = capsys.readouterr()
    assert "Wrote" in out.out
    warnings = [line for line in out.err.splitlines() if "Notifications to" in line]
    assert len(warnings) == 1 and reason in warnings[0] and "hooks.slack.com" in warnings[0]
    assert SECRET not in out.err and "/services/" not in out.err
    assert [n.flag_id for n in outbox_of(path)] == ["ESC-0001"]

    set_answer(hook, 200)
    assert run_once(path) == 0                      # nothing changed: the cycle is skipped ...
    out = capsys.readouterr()
    assert "Nothing changed since the last cycle" in out.out
    assert len(posts(hook)) == 1                    # ... and the queued message goes out
    assert posts(hook)[0].startswith("*Recurrence flag ESC-0001 raised*")
    assert outbox_of(path) == []

    assert run_once(path) == 0
    assert len(posts(hook)) == 1                    # exactly once


def test_refused_message_400_is_dropped_with_a_hint(tmp_path, hook, capsys):
    path = workbook(tmp_path, pair())
    set_answer(hook, 400)
    assert run_once(path) == 0
    err = capsys.readouterr().err
    assert "dropped" in err and "DLB_WEBHOOK_URL" in err
    assert outbox_of(path) == []
    set_answer(hook, 200)
    assert run_once(path) == 0
    assert posts(hook) == []


def test_a_failing_webhook_is_tried_once_per_cycle_not_once_per_message(tmp_path, hook):
    log = pair(start=30) + pair(product="Granola", start=20) + pair(product="Chips", start=10)
    path = workbook(tmp_path, log)
    set_answer(hook, 500)
    assert run_once(path) == 0
    assert len(hook.calls) == 1
    assert [n.flag_id for n in outbox_of(path)] == ["ESC-0001", "ESC-0002", "ESC-0003"]
    set_answer(hook, 200)
    assert run_once(path) == 0
    assert [t.splitlines()[0] for t in posts(hook)] == [
        f"*Recurrence flag ESC-000{i} raised*" for i in (1, 2, 3)]   # oldest first


def notice(flag_id="ESC-0001", event="raised", cases="2", queued_at=None) -> Notice:
    return Notice(key=f"{flag_id}:{event}:{cases}", event=event, flag_id=flag_id, product="Granola",
                  defect_type="Clumping", cases=cases, first_logged="2026-11-01", last_logged="2026-11-05",
                  notify="CS Team Lead", link="https://docs.google.com/spreadsheets/d/abc/edit",
                  queued_at=queued_at or local_now().isoformat(timespec="seconds"))


def test_outbox_drops_notices_older_than_a_week_and_says_so(tmp_path, caplog):
    now = local_now()
    clock = [now]
    notifier = Notifier(SLACK, "sheet-1", "link", lambda: clock[0], folder=tmp_path)
    notifier.outbox.save([notice(queued_at=(now - timedelta(days=8)).isoformat()),
                          notice("ESC-0002", queued_at=now.isoformat())])
    with responses.RequestsMock() as rsps:
        rsps.post(SLACK, status=500)
        notifier.after_cycle(None)          # a cycle the watch gate skipped: only the outbox is retried
    assert [n.flag_id for n in notifier.outbox.load()] == ["ESC-0002"]
    assert "dropped 1 notification(s) older than 7 days" in caplog.text


def test_outbox_never_holds_more_than_the_cap():
    now = local_now()
    pending = [notice(f"ESC-{i:04d}") for i in range(notify.MAX_PENDING)]
    kept, dropped = notify.merge(pending, [notice("ESC-9999"), notice("ESC-0000")], now)
    assert len(kept) == notify.MAX_PENDING and dropped == 1
    assert kept[-1].flag_id == "ESC-9999" and kept[0].flag_id == "ESC-0001"   # the oldest went


def test_an_unwritable_outbox_never_breaks_the_cycle(tmp_path, hook, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("DLB_CACHE_DIR", str(blocker / "cache"))   # a folder inside a file: cannot be made
    path = workbook(tmp_path, pair())
    assert run_once(path) == 0


# -- the pure part ---------------------------------------------------------------------------------------

ROWS = [{"flag_id": "ESC-0001", "product": "Granola", "defect_type": "Clumping", "cases": 2,
         "first_logged": "2026-11-01", "last_logged": "2026-11-05", "ticket_ids": "CS-1, CS-2",
         "lot_numbers": "LOT-1", "notify": "CS Team Lead"},
        {"flag_id": "ESC-0002", "product": "Chips", "defect_type": "Other Quality Issue", "cases": 4,
         "first_logged": "2026-11-02", "last_logged": "2026-11-09", "ticket_ids": "CS-3, CS-4, CS-5, CS-6",
         "lot_numbers": "", "notify": "CS Team Lead"}]


@pytest.mark.parametrize("changes, expected", [
    pytest.param(FlagChanges(raised=["ESC-0001"]), [("raised", "ESC-0001")], id="raised"),
    pytest.param(FlagChanges(grown=["ESC-0002"]), [("grown", "ESC-0002")], id="grown"),
    pytest.param(FlagChanges(raised=["ESC-0001"], grown=["ESC-0002"]),
                 [("raised", "ESC-0001"), ("grown", "ESC-0002")], id="raised-and-grown"),
    pytest.param(FlagChanges(), [], id="unchanged"),
    pytest.param(FlagChanges(merged=["ESC-0002"]), [], id="merged-only"),
])
def test_notices_from_flag_changes(changes, expected):
    got = notify.notices(changes, ROWS, "link", local_now())
    assert [(n.event, n.flag_id) for n in got] == expected
    for n in got:
        text = notify.payload(n, "slack")["text"]
        assert "CS-" not in text and "LOT-1" not in text


@pytest.mark.parametrize("url, kind, link_line", [
    pytest.param(SLACK, "slack", "<https://docs.google.com/spreadsheets/d/abc/edit|Open the Escalations tab>",
                 id="slack-link-syntax"),
    pytest.param(CHAT, "chat", "Escalations tab: https://docs.google.com/spreadsheets/d/abc/edit",
                 id="google-chat-plain-url"),
    pytest.param("https://example.com/hook", "other",
                 "Escalations tab: https://docs.google.com/spreadsheets/d/abc/edit",
                 id="other-host-plain-url"),
])
def test_payload_by_webhook_kind(url, kind, link_line):
    assert notify.webhook_kind(url) == kind
    text = notify.payload(notice(), kind)["text"]
    assert set(notify.payload(notice(), kind)) == {"text"}
    assert text.splitlines()[-1] == link_line


@pytest.mark.parametrize("kind, forbidden", [
    pytest.param("slack", ["<!channel>", "<http"], id="slack"),
    pytest.param("chat", ["<users/all>", "<http"], id="google-chat"),
])
def test_product_text_cannot_mention_everyone_or_fake_a_link(kind, forbidden):
    n = Notice(**{**notice().to_dict(), "product": "<!channel> <users/all> <http://evil|click>\nsecond line"})
    text = notify.payload(n, kind)["text"]
    for bad in forbidden:
        assert bad not in text.replace(notice().link, "")
    assert len(text.splitlines()) == 6


@pytest.mark.parametrize("status, result", [
    (200, "sent"), (204, "sent"), (None, "retry"), (500, "retry"), (502, "retry"), (429, "retry"),
    (404, "retry"), (410, "retry"), (403, "retry"), (400, "drop"), (413, "drop"), (302, "retry"),
])
def test_outcome_of_an_answer(status, result):
    assert notify.outcome_of(status) == result


# -- settings --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [
    pytest.param("http://hooks.slack.com/services/x", id="http-not-https"),
    pytest.param("hooks.slack.com/services/x", id="no-scheme"),
    pytest.param("https://", id="no-host"),
    pytest.param("https://hooks.slack.com/services/a b", id="space"),
    pytest.param("not a url", id="not-a-url"),
])
@pytest.mark.parametrize("where", ["env", "config"])
def test_bad_webhook_url_exits_2_with_one_sentence(tmp_path, monkeypatch, capsys, value, where):
    path = workbook(tmp_path, pair())
    args = ["run", "--once", "--workbook", str(path)]
    if where == "env":
        monkeypatch.setenv("DLB_WEBHOOK_URL", value)
        setting = "DLB_WEBHOOK_URL"
    else:
        monkeypatch.delenv("DLB_WEBHOOK_URL", raising=False)
        config = tmp_path / "bot.toml"
        config.write_text(f"[notify]\nwebhook_url = {json.dumps(value)}\n")
        args += ["--config", str(config)]
        setting = "notify.webhook_url"
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.count(". ") == 0 and err.endswith(".")
    assert setting in err and "https://" in err
    assert "/services/" not in err   # the value (a secret) is never repeated


def test_webhook_url_from_config_and_env(tmp_path):
    config = tmp_path / "bot.toml"
    config.write_text(f'[notify]\nwebhook_url = "{CHAT}"\n')
    assert load_settings(config, environ={}).webhook_url == CHAT
    assert load_settings(config, environ={"DLB_WEBHOOK_URL": SLACK}).webhook_url == SLACK
    assert load_settings(environ={}).webhook_url is None


def test_webhook_url_is_not_in_repr_or_the_quiet_cache_digest(tmp_path):
    plain = load_settings(environ={})
    hooked = load_settings(environ={"DLB_WEBHOOK_URL": SLACK})
    assert SECRET not in repr(hooked)
    assert settings_digest(plain, tmp_path) == settings_digest(hooked, tmp_path)


# -- privacy and the whole path --------------------------------------------------------------------------

def private_values() -> set[str]:
    values = set()
    for rows in build_sample(local_now().date()).values():
        idx = [i for i, h in enumerate(rows[0]) if h in PRIVATE_COLUMNS or h == "Customer Name"]
        for row in rows[1:]:
            for i in idx:
                if i < len(row) and row[i] not in (None, ""):
                    values.add(str(row[i]).strip())
        if "Customer Name" in rows[0]:
            i = rows[0].index("Customer Name")
            values |= {str(r[i]).split()[0] for r in rows[1:] if i < len(r) and r[i]}   # first names too
    return {v for v in values if len(v) > 3}


def test_sample_workbook_posts_no_customer_data(tmp_path, hook):
    path = tmp_path / "sample.xlsx"
    build_workbook(path, local_now().date())
    assert run_once(path) == 0
    texts = posts(hook)
    assert len(texts) == 4                          # the sample's four recurrences
    bodies = [c.request.body.decode() if isinstance(c.request.body, bytes) else c.request.body
              for c in hook.calls]
    # The notice names the workbook's path, which holds pytest's numbered folder (pytest-10515 once matched
    # an order number of the sample): the path is not customer data.
    bodies = [b.replace(json.dumps(str(path))[1:-1], "").replace(str(path), "") for b in bodies]
    leaked = sorted(v for v in private_values() for b in bodies if v in b or json.dumps(v)[1:-1] in b)
    assert leaked == []


def test_google_sheet_link_names_the_spreadsheet_and_posts_no_customer_data(tmp_path, monkeypatch):
    monkeypatch.setenv("DLB_WEBHOOK_URL", CHAT)
    key = make_service_account_key(tmp_path)
    key.path.chmod(0o600)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = FakeSheets(rsps, trusted_keys=[key])
        for title, rows in build_sample(local_now().date()).items():
            fake.add_tab(title, rows)
        rsps.post(CHAT, json={"name": "spaces/AAAA/messages/1"})
        assert main(["run", "--once", "--spreadsheet", f"https://docs.google.com/spreadsheets/d/"
                     f"{fake.spreadsheet_id}/edit#gid=0", "--credentials", str(key.path)]) == 0
        bodies = [json.loads(c.request.body) for c in rsps.calls if c.request.url == CHAT]
    assert len(bodies) == 4
    link = f"https://docs.google.com/spreadsheets/d/{fake.spreadsheet_id}/edit"
    assert all(b["text"].splitlines()[-1] == f"Escalations tab: {link}" for b in bodies)
    assert [v for v in private_values() for b in bodies if v in b["text"]] == []


def test_watch_retries_the_outbox_even_when_the_gate_skips_the_read(tmp_path, hook, monkeypatch):
    """watch: cycle 1 writes and the post fails, cycle 2 is a quiet-cache skip and fails again,
    cycle 3 is skipped by the gate before any read and delivers the message, cycle 4 posts nothing."""
    from bot.cycle import run as cycle_module
    from bot.cycle.watch import Worker
    answers = iter([500, 500, 200, 200])
    hook.remove(responses.POST, SLACK)
    hook.add_callback(responses.POST, SLACK, callback=lambda request: (next(answers), {}, "ok"))
    reports = []
    real_run = cycle_module.QuietGate.run

    def spy(self, *args, **kwargs):
        reports.append(real_run(self, *args, **kwargs))
        return reports[-1]

    monkeypatch.setattr(cycle_module.QuietGate, "run", spy)
    def four_cycles(self, install_signals=True):
        for _ in range(4):
            self.run_once()
        return 0

    monkeypatch.setattr(Worker, "run", four_cycles)
    path = workbook(tmp_path, pair())
    assert main(["watch", "--workbook", str(path)]) == 0
    assert [r is None for r in reports] == [False, False, True, True]
    assert reports[1].skipped
    codes = [c.response.status_code for c in hook.calls]
    assert codes == [500, 500, 200]
    assert outbox_of(path) == []


def test_two_processes_sharing_the_outbox_post_a_waiting_notice_once(tmp_path):
    """A cron `run --once` and a `watch` on one sheet both find the same notice waiting: the outbox lock
    lets only one of them post it (each Notifier opens the lock file itself, as two processes do)."""
    import threading
    import time as _time

    now = local_now()
    first = Notifier(SLACK, "sheet-1", "link", lambda: now, folder=tmp_path)
    second = Notifier(SLACK, "sheet-1", "link", lambda: now, folder=tmp_path)
    first.outbox.save([notice("ESC-0001", queued_at=now.isoformat())])

    def slow_ok(request):
        _time.sleep(0.3)     # long enough for the other one to load the outbox meanwhile, without the lock
        return 200, {}, "ok"

    with responses.RequestsMock() as rsps:
        rsps.add_callback(responses.POST, SLACK, callback=slow_ok)
        threads = [threading.Thread(target=n.after_cycle, args=(None,)) for n in (first, second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        assert len(rsps.calls) == 1
    assert first.outbox.load() == []
