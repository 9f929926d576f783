"""After the reply: Sent On, the follow-up draft (each boundary, weekends and holidays), Customer
Feedback (no follow-up; Not Satisfied in Open Cases), retention's cut-off day."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from after_reply import Sheet
from bot.config import load_settings
from conftest import case, comp, replacement_case, replacement_comp, rows_of


def sheet_sent_on(sent: date, resolution: str = "Refund") -> Sheet:
    if resolution == "Refund":
        s = Sheet([case("CS-1", date_logged=sent - timedelta(days=3))], [comp("CS-1")])
    else:
        s = Sheet([replacement_case("CS-1", date_logged=sent - timedelta(days=3))], [replacement_comp("CS-1")])
    return s


def follow_ups(s: Sheet) -> list[dict]:
    return [r for r in s.rows("Drafts") if r["Template"] == "Follow-up"]


def reply_sent(s: Sheet, settings, renderer, sent: date = date(2026, 11, 2), status: str = "Sent") -> None:
    """The reply to CS-1 is drafted the day before `sent`, a rep sets its Status, and the cycle of `sent`
    sees it (Sent On is that day)."""
    s.cycle(sent - timedelta(days=1), settings, renderer)
    s.set("Drafts", {"Ticket ID": "CS-1"}, Status=status)
    s.cycle(sent, settings, renderer)


# Sent On is the day of the cycle that first sees Status Sent; US holidays 2026: Veterans Day Wed Nov 11,
# Thanksgiving Thu Nov 26.
@pytest.mark.parametrize("resolution, sent, today, drafted", [
    pytest.param("Refund", date(2026, 11, 2), date(2026, 11, 6), False, id="refund-4-business-days-fri-day-before"),
    pytest.param("Refund", date(2026, 11, 2), date(2026, 11, 7), True, id="refund-5-business-days-sat-day-of"),
    pytest.param("Refund", date(2026, 11, 9), date(2026, 11, 16), False, id="refund-veterans-day-skipped-day-before"),
    pytest.param("Refund", date(2026, 11, 9), date(2026, 11, 17), True, id="refund-veterans-day-skipped-day-of"),
    pytest.param("Replacement", date(2026, 11, 19), date(2026, 11, 30), False,
                 id="replacement-thanksgiving-skipped-day-before"),
    pytest.param("Replacement", date(2026, 11, 19), date(2026, 12, 1), True, id="replacement-7-business-days-day-of"),
    pytest.param("Replacement", date(2026, 11, 2), date(2026, 11, 9), False,
                 id="replacement-5-business-days-is-not-enough"),
])
def test_follow_up_boundaries(settings, renderer, resolution, sent, today, drafted):
    s = sheet_sent_on(sent, resolution)
    reply_sent(s, settings, renderer, sent)
    assert s.rows("Drafts")[0]["Sent On"] == sent.isoformat()
    s.cycle(today, settings, renderer)
    assert len(follow_ups(s)) == int(drafted)
    if drafted:
        (f,) = follow_ups(s)
        assert f["To"] == "ana.lopez@example.com" and "CS-1" in f["Subject"] and f["Body"].startswith("Hi Ana,")
        assert ("refund of $8.99" in f["Body"]) == (resolution == "Refund")
        assert "feedback" in f["Body"] and "{" not in f["Body"]
        # Once per ticket: the next cycle writes nothing, a later day drafts no second one.
        assert s.cycle(today, settings, renderer).plan.is_empty
        s.cycle(today + timedelta(days=30), settings, renderer)
        assert len(follow_ups(s)) == 1


def test_sent_on_is_set_once_and_kept(settings, renderer):
    s = sheet_sent_on(date(2026, 11, 2))
    reply_sent(s, settings, renderer, status=" sent ")
    s.cycle(date(2026, 11, 3), settings, renderer)
    assert s.rows("Drafts")[0]["Sent On"] == "2026-11-02"
    assert s.rows("Drafts")[0]["Status"] == " sent "        # the rep's cell, as typed


@pytest.mark.parametrize("feedback", ["Satisfied", "No Response", "she called, all good"])
def test_no_follow_up_when_the_log_already_holds_feedback(settings, renderer, feedback):
    s = sheet_sent_on(date(2026, 11, 2))
    reply_sent(s, settings, renderer)
    s.set_log("CS-1", "Customer Feedback", feedback)
    s.cycle(date(2026, 11, 20), settings, renderer)
    assert follow_ups(s) == []


def test_follow_up_days_are_settings(tmp_path, renderer):
    cfg = tmp_path / "bot.toml"
    cfg.write_text("[follow_up]\nrefund_after_days = 1\n")
    settings = load_settings(cfg, environ={})
    s = sheet_sent_on(date(2026, 11, 2))
    reply_sent(s, settings, renderer)
    s.cycle(date(2026, 11, 3), settings, renderer)
    assert len(follow_ups(s)) == 1


@pytest.mark.parametrize("status, listed_level, why", [
    pytest.param("Closed", "Level 2", "customer not satisfied after follow-up", id="closed-case-comes-back-level-2"),
    pytest.param("Open", "Level 3", "serious defect; customer not satisfied after follow-up",
                 id="open-serious-keeps-level-3"),
])
def test_not_satisfied_goes_to_open_cases(run, status, listed_level, why):
    out = run([case("CS-1", status=status, customer_feedback=" not satisfied ")])
    (row,) = out.desired["open_cases"]
    assert (row["ticket_id"], row["level"], row["reason"]) == ("CS-1", listed_level, why)
    assert row["owner"] == ("Complaint Handling Manager" if listed_level == "Level 2" else "Senior Management")


def test_satisfied_closed_case_stays_out_of_open_cases(run):
    assert run([case("CS-1", status="Closed", customer_feedback="Satisfied")]).desired["open_cases"] == []


@pytest.mark.parametrize("days_after, cleared", [
    pytest.param(365, False, id="sent-365-days-ago-kept"),
    pytest.param(366, True, id="sent-366-days-ago-cleared"),
])
def test_retention_cut_off_day(settings, renderer, days_after, cleared):
    sent = date(2026, 11, 2)
    s = sheet_sent_on(sent)
    s.set_log("CS-1", "Customer Feedback", "Satisfied")    # no follow-up in the way
    reply_sent(s, settings, renderer, sent)
    s.cycle(sent + timedelta(days=days_after), settings, renderer)
    (row,) = s.rows("Drafts")
    assert (row["To"] is None and row["Body"] is None) == cleared
    assert row["Subject"] and row["Status"] == "Sent" and row["Sent On"] == "2026-11-02"
    memory = " ".join(str(r) for r in s.tabs["Bot Memory"])
    assert ("ana.lopez@example.com" not in memory) == cleared
    assert ('"body":"","' in memory and '"to":""' in memory) == cleared     # the memory's copy, blank
    assert s.cycle(sent + timedelta(days=days_after), settings, renderer).plan.is_empty


def test_every_not_satisfied_case_is_listed_whether_or_not_open_cases_had_it(run):
    out = run([case("CS-1", status="Open", customer_feedback="Not Satisfied"),    # listed already: Level 3
               case("CS-2", status="Closed", customer_feedback="not satisfied"),
               case("CS-3", status="Closed", customer_feedback="Not Satisfied")])
    assert [(r["ticket_id"], r["level"]) for r in out.desired["open_cases"]] == \
        [("CS-1", "Level 3"), ("CS-2", "Level 2"), ("CS-3", "Level 2")]


def test_a_not_satisfied_case_with_cells_missing_is_listed_with_those_cells_blank(run):
    out = run([case("", status="Closed", customer_feedback="Not Satisfied", date_logged="soon", product="",
                    defect_type="Stale", agent="")])
    (row,) = out.desired["open_cases"]
    assert row == {"ticket_id": "", "product": "", "defect_type": "", "date_logged": "", "age": "unknown",
                   "level": "Level 2", "owner": "Complaint Handling Manager",
                   "reason": "customer not satisfied after follow-up", "agent": "", "row": 2}


def test_each_tickets_follow_up_is_judged_on_its_own(settings, renderer):
    """Replies unsent, already followed up, answered or whose log row is gone never stop the others'."""
    log = [case("CS-1"), case("CS-2"), case("CS-3"), case("CS-4")]
    s = Sheet(log, [comp("CS-1"), comp("CS-2"), comp("CS-4")])
    s.cycle(date(2026, 11, 1), settings, renderer)
    s.set("Drafts", {"Ticket ID": "CS-2"}, Status="Sent")
    s.set("Drafts", {"Ticket ID": "CS-4"}, Status="Sent")
    s.cycle(date(2026, 11, 2), settings, renderer)
    s.tabs["Defective Log"] = [r for r in s.tabs["Defective Log"] if r and r[1] != "CS-4"]   # CS-4's row goes
    s.cycle(date(2026, 11, 9), settings, renderer)              # CS-1 unsent, CS-2 due (5 business days)
    assert [f["Ticket ID"] for f in follow_ups(s)] == ["CS-2"]
    s.tabs["Comp Sheet"] += rows_of("comp_sheet", [comp("CS-3")])[1:]
    s.cycle(date(2026, 11, 9), settings, renderer)              # CS-3's reply comes after CS-2's follow-up
    s.set("Drafts", {"Ticket ID": "CS-3", "Template": "Refund Processed"}, Status="Sent")
    s.cycle(date(2026, 11, 9), settings, renderer)
    s.set_log("CS-2", "Customer Feedback", "Satisfied")
    s.set_log("CS-2", "Customer Name", "Bea Lopez")
    s.cycle(date(2026, 11, 17), settings, renderer)             # Veterans Day skipped: CS-3 due
    assert [(f["Ticket ID"], f["Body"].split(",")[0]) for f in follow_ups(s)] == [("CS-2", "Hi Ana"),
                                                                                 ("CS-3", "Hi Ana")]


def test_an_unsent_follow_up_follows_the_log_until_the_customer_answers(settings, renderer):
    s = sheet_sent_on(date(2026, 11, 2))
    reply_sent(s, settings, renderer)
    s.cycle(date(2026, 11, 9), settings, renderer)
    s.set_log("CS-1", "Customer Name", "Bea Lopez")
    s.cycle(date(2026, 11, 10), settings, renderer)
    (f,) = follow_ups(s)
    assert f["Body"].startswith("Hi Bea,")


@pytest.mark.parametrize("header", ["Customer Name", "Product", "Agent", "Refund Amount"])
def test_a_follow_up_waits_while_a_cell_it_needs_is_blank(settings, renderer, header):
    s = sheet_sent_on(date(2026, 11, 2))
    reply_sent(s, settings, renderer)
    s.set_log("CS-1", header, None)
    s.cycle(date(2026, 11, 9), settings, renderer)
    assert follow_ups(s) == []
    s.set_log("CS-1", header, case()[{"Customer Name": "customer_name", "Product": "product", "Agent": "agent",
                                      "Refund Amount": "refund_amount"}[header]])
    s.cycle(date(2026, 11, 10), settings, renderer)
    assert len(follow_ups(s)) == 1


def test_a_follow_up_names_the_product_as_the_log_mostly_spells_it(settings, renderer):
    s = Sheet([case("CS-1", product="trail mix original 12 OZ"), case("CS-8", status="Closed"),
               case("CS-9", status="Closed")], [comp("CS-1")])
    reply_sent(s, settings, renderer)
    s.cycle(date(2026, 11, 9), settings, renderer)
    (f,) = follow_ups(s)
    assert "your Trail Mix Original 12oz (ticket CS-1)" in f["Subject"]


@pytest.mark.parametrize("days, sent_days_ago, cleared", [
    pytest.param(0, 800, False, id="0-keeps-every-draft"),
    pytest.param(1, 1, False, id="1-day-sent-yesterday-kept"),
    pytest.param(1, 2, True, id="1-day-sent-2-days-ago-cleared"),
])
def test_retention_days_are_a_setting(tmp_path, renderer, days, sent_days_ago, cleared):
    cfg = tmp_path / "bot.toml"
    cfg.write_text(f"[retention]\nsent_drafts_days = {days}\n")
    settings = load_settings(cfg, environ={})
    sent = date(2026, 11, 2)
    s = sheet_sent_on(sent)
    s.set_log("CS-1", "Customer Feedback", "Satisfied")
    reply_sent(s, settings, renderer, sent)
    s.cycle(sent + timedelta(days=sent_days_ago), settings, renderer)
    (row,) = s.rows("Drafts")
    assert (row["To"] is None and row["Body"] is None) == cleared


def test_an_unchanged_follow_up_is_not_rendered_again(settings, renderer):
    s = sheet_sent_on(date(2026, 11, 2))
    reply_sent(s, settings, renderer)
    seen = []
    for day in (date(2026, 11, 9), date(2026, 11, 10)):
        out = s.cycle(day, settings, renderer)
        (f,) = [d for d in out.drafts_ready if d.template == "Follow-up"]
        (row,) = follow_ups(s)
        assert f.source_hash and f.source_hash == row["Source Hash"]
        seen.append((f.rendered, f.subject, f.body))
    assert [r for r, *_ in seen] == [True, False] and seen[0][1:] == seen[1][1:]


def test_a_follow_up_reads_the_first_log_row_of_its_ticket(settings, renderer):
    s = Sheet([case("CS-1"), case("CS-1", customer_name="Bea Lopez")], [comp("CS-1")])   # the repeat is an error
    reply_sent(s, settings, renderer)
    s.cycle(date(2026, 11, 9), settings, renderer)
    (f,) = follow_ups(s)
    assert f["Body"].startswith("Hi Ana,")


def test_a_deleted_follow_up_is_not_drafted_again(settings, renderer):
    s = sheet_sent_on(date(2026, 11, 2))
    reply_sent(s, settings, renderer)
    s.cycle(date(2026, 11, 9), settings, renderer)
    (row,) = follow_ups(s)
    drafts = s.tabs["Drafts"]
    del drafts[1 + s.rows("Drafts").index(row)]
    out = s.cycle(date(2026, 11, 10), settings, renderer)
    assert follow_ups(s) == [] and [d.template for d in out.drafts_ready] == []


@pytest.mark.parametrize("template, follow_up", [
    pytest.param("Follow-up", True, id="as-written"),
    pytest.param("  follow - UP ", True, id="case-and-spaces"),
    pytest.param("Follow-up\u0007", True, id="a-control-character-dropped"),
    pytest.param("Followup", False, id="no-hyphen"),
    pytest.param("Replacement Shipped", False, id="a-reply"),
    pytest.param(None, False, id="blank"),
    pytest.param(1, False, id="a-number"),
])
def test_a_draft_row_is_a_follow_up_by_its_template_as_a_choice_reads(template, follow_up):
    from bot.tabs.follow_up import is_follow_up
    assert is_follow_up(template) is follow_up
    assert is_follow_up(template) is follow_up     # the second look comes from the cache: the same answer
