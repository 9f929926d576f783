"""The sample's story (bot.demo.sample_data.story), end to end through the CLI with --as-of, on a workbook and on
the Google fake, against expectations worked out by hand below (not by the bot's code, nor by the oracle).

The sample built for Fri 2026-11-20 (REFERENCE_TODAY); the story's earlier day is 14 days before, Fri Nov 6.
US holidays in reach: Veterans Day, Wed Nov 11 (a business day skipped).

- c26 (CS-49072, Sea Salt Kettle Chips, Refund, logged Sun Nov 1, refund processed by Nov 5): drafted
  Nov 6; the rep sets Sent; the second cycle that day writes Sent On 2026-11-06. Follow-up after 5
  business days, counting Sent On and not today: Fri 6 (1), Mon 9 (2), Tue 10 (3), Thu 12 (4), Fri 13
  (5). So on Fri Nov 13 only 4 have passed (no follow-up); on Sat Nov 14, 5 (the follow-up is drafted).
- ESC-0001 Honey Roasted Almonds 8oz / Clumping: n01 Aug 24, n02 Aug 30; Action Date Nov 20 - 75 = Sep 6;
  no case of it since; Sep 6 + 60 = Nov 5 has passed -> "Effective: no recurrence in 60 days".
- ESC-0002 Dark Chocolate Pretzels 6oz / Foreign Object: n03 Oct 4, n04 Oct 10; Action Date Nov 20 - 38 =
  Oct 13; c23 (same product and defect) logged Oct 29, 16 days after -> "Recurred after action: 1 case(s)
  since 2026-10-13". (c23 is 19 days after n04: its own case, not in the flag.)
- ESC-0003 Honey Roasted Almonds 8oz / Rancid: c09 Oct 11, c20 Oct 25, c25 Oct 31, flagged Nov 6, no Root
  Cause; Nov 6..19 hold 9 business days (>= 5) -> "Root cause due".
- ESC-0004 Trail Mix Original 12oz / Foreign Object: c31 Nov 8, c35 Nov 14, c38 Nov 18, all lot TMO + the
  day the lot was made (Nov 20 - 71 = Sep 10, day 253 of 2026) + line B -> Same Lot "TMO26253B ×3"; a
  shared lot names Products & Logistics (and Foreign Object is serious: CS Manager, Senior Management).
  Raised Sat Nov 14 (c35's day); Nov 16..19 are 4 business days, so no root cause is due yet.
- c17 (CS-48760, Honey Roasted Almonds, Other Quality Issue, Closed, logged Thu Oct 22, agent Jordan, row
  18) is Not Satisfied -> Open Cases, Level 2, Complaint Handling Manager, "customer not satisfied after
  follow-up", age: Oct 22-23 (2), Oct 26-30 (5), Nov 2-6 (5), Nov 9-10 and 12-13 (4), Nov 16-19 (4) = 20.
- The November report: 4 flags raised (Nov 6: ESC-0001..3; Nov 14: ESC-0004), 2 with a root cause;
  ESC-0001 verified effective on Nov 5; no recurrence after an action logged in November; 1 follow-up
  drafted (Nov 14), 1 sent (the rep marks it Sent before the Nov 20 cycle).
  The October report: ESC-0002's recurrence (c23, Oct 29); feedback on October's 23 cases: Satisfied c13
  c14, Not Satisfied c17, No Response c19, free text c10; 18 without.
"""
from __future__ import annotations

from datetime import date

import openpyxl
import pytest

from bot.backends.google import GoogleBackend
from bot.backends.workbook import WorkbookBackend
from bot.cli.main import main
from bot.demo.run import write_workbook
from bot.demo.story import apply_edit, replace_rep_tabs
from bot.demo.sample_data import REFERENCE_TODAY, Edit, build_sample, story
from bot.read.table import header_key
from fake_sheets import fake_sheets, sa_key  # noqa: F401  (fixtures)
from hardening import normalised

EARLIER, FRI_13, SAT_14 = date(2026, 11, 6), date(2026, 11, 13), date(2026, 11, 14)
FOLLOW_UP_TICKET, NOT_SATISFIED_TICKET = "CS-49072", "CS-48760"
BOT_TABS = ("Drafts", "Escalations", "Open Cases", "Monthly Report")

EFFECTIVENESS = {
    "ESC-0001": ("Honey Roasted Almonds 8oz", "Clumping", "Effective: no recurrence in 60 days", ""),
    "ESC-0002": ("Dark Chocolate Pretzels 6oz", "Foreign Object",
                 "Recurred after action: 1 case(s) since 2026-10-13", ""),
    "ESC-0003": ("Honey Roasted Almonds 8oz", "Rancid / Off Taste", "Root cause due", ""),
    "ESC-0004": ("Trail Mix Original 12oz", "Foreign Object", "", "TMO26253B ×3"),
}


class Workbook:
    def __init__(self, path):
        self.path = path
        self.args = ["--workbook", str(path)]

    def rep_tabs(self, tabs):
        if not self.path.exists():
            write_workbook(self.path, tabs)
        else:
            replace_rep_tabs(WorkbookBackend(self.path), tabs)

    def edit(self, e: Edit):
        apply_edit(WorkbookBackend(self.path), e)

    def read(self, title):
        return normalised(WorkbookBackend(self.path).read([title]).tabs.get(title))


class Google:
    def __init__(self, fake, key):
        self.fake, self.key = fake, key
        self.args = ["--spreadsheet", fake.spreadsheet_id, "--credentials", str(key.path)]

    def rep_tabs(self, tabs):
        for title, rows in tabs.items():
            if any(t.title == title for t in self.fake.tabs):
                self.fake.person.paste(title, "A1", rows)     # the reps' later rows
            else:
                self.fake.add_tab(title, rows)

    def edit(self, e: Edit):
        """Typed in the UI: a missing header at the right, then the cells of the row found."""
        rows = normalised(self.fake.rows(e.tab))
        header = [header_key(h) for h in rows[0]]
        for name in list(e.find) + list(e.values):
            if header_key(name) not in header:
                header.append(header_key(name))
                self.fake.person.type(e.tab, f"{chr(64 + len(header))}1", name)
        at = {k: header.index(header_key(k)) for k in list(e.find) + list(e.values)}
        (row,) = [i for i, r in enumerate(rows[1:], 2)
                  if all(str(r[at[k]]) == v for k, v in e.find.items() if at[k] < len(r))]
        for name, value in e.values.items():
            typed = value.isoformat() if isinstance(value, date) else value
            self.fake.person.type(e.tab, f"{chr(65 + at[name])}{row}", typed)

    def read(self, title):
        backend = GoogleBackend(self.fake.spreadsheet_id, self.key.path, sleep=lambda s: None)
        return normalised(backend.read([title]).tabs.get(title))


@pytest.fixture(params=["workbook", "google"])
def sheet(request, tmp_path):
    if request.param == "workbook":
        return Workbook(tmp_path / "team.xlsx")
    return Google(request.getfixturevalue("fake_sheets"), request.getfixturevalue("sa_key"))


def cycle(sheet, day: date):
    assert main(["--as-of", day.isoformat(), "run", "--once"] + sheet.args) == 0


def records(sheet, title) -> list[dict]:
    rows = sheet.read(title)
    return [dict(zip(rows[0], r + [""] * (len(rows[0]) - len(r)))) for r in rows[1:]]


def play_until(sheet, today=REFERENCE_TODAY):
    """The story's earlier day, then a cycle on Fri Nov 13 and Sat Nov 14 (the rep tabs as they stood)."""
    earlier, edits = story(today)
    assert earlier == EARLIER
    sheet.rep_tabs(build_sample(today, as_of=earlier))
    cycle(sheet, earlier)
    for e in edits:
        sheet.edit(e)
    cycle(sheet, earlier)


def follow_ups(sheet) -> list[dict]:
    return [d for d in records(sheet, "Drafts") if d["Template"] == "Follow-up"]


def test_the_story_on_both_backends(sheet, tmp_path, capsys):
    play_until(sheet)
    (sent,) = [d for d in records(sheet, "Drafts") if d["Status"] == "Sent"]
    assert (sent["Ticket ID"], sent["Template"]) == (FOLLOW_UP_TICKET, "Refund Processed")
    assert sent["Sent On"] == "2026-11-06"

    sheet.rep_tabs(build_sample(REFERENCE_TODAY, as_of=FRI_13))
    cycle(sheet, FRI_13)
    assert follow_ups(sheet) == []                        # 4 business days since Sent On
    sheet.rep_tabs(build_sample(REFERENCE_TODAY, as_of=SAT_14))
    cycle(sheet, SAT_14)
    (up,) = follow_ups(sheet)
    assert up["Ticket ID"] == FOLLOW_UP_TICKET and up["Status"] == ""
    assert FOLLOW_UP_TICKET in up["Subject"] and str(up["Drafted At"]).startswith("2026-11-14")

    # A rep sends the follow-up; the reps' rows of the week arrive; today's cycle.
    sheet.edit(Edit("Drafts", {"Ticket ID": FOLLOW_UP_TICKET, "Template": "Follow-up"}, {"Status": "Sent"}))
    sheet.rep_tabs(build_sample(REFERENCE_TODAY))
    cycle(sheet, REFERENCE_TODAY)

    flags = {f["Flag ID"]: (f["Product"], f["Defect Type"], f["Effectiveness"], f["Same Lot"])
             for f in records(sheet, "Escalations")}
    assert flags == EFFECTIVENESS
    trail = next(f for f in records(sheet, "Escalations") if f["Flag ID"] == "ESC-0004")
    assert trail["Notify"] == "Products & Logistics, CS Manager, Senior Management"

    unhappy = [r for r in records(sheet, "Open Cases") if r["Ticket ID"] == NOT_SATISFIED_TICKET]
    assert [(r["Level"], r["Owner"], r["Why"], r["Age (business days)"], r["Agent"], r["Log Row"])
            for r in unhappy] == [("Level 2", "Complaint Handling Manager",
                                   "customer not satisfied after follow-up", 20, "Jordan", 18)]

    # The monthly reports, tab and page.
    out = tmp_path / "nov.html"
    assert main(["--as-of", "2026-11-20", "report", "--month", "2026-11", "--out", str(out)] + sheet.args) == 0
    assert main(["--as-of", "2026-11-20", "report", "--month", "2026-10", "--out", str(tmp_path / "oct.html")]
                + sheet.args) == 0
    capsys.readouterr()
    assert main(["--as-of", "2026-11-20", "report", "--month", "2026-11", "--out", str(out)] + sheet.args) == 0
    assert "already holds this report; wrote nothing" in capsys.readouterr().out
    got = {(r["Month"], r["Section"], r["Item"]): r["Cases"] for r in records(sheet, "Monthly Report")}
    assert {k: got.get(k) for k in WANT_REPORT} == WANT_REPORT
    assert got[("2026-10", "Recurrence after action", "ESC-0002 Dark Chocolate Pretzels 6oz")] == 1
    assert got[("2026-11", "Action verified effective", "ESC-0001 Honey Roasted Almonds 8oz")] == ""
    html = out.read_text(encoding="utf-8") + (tmp_path / "oct.html").read_text(encoding="utf-8")
    assert "Corrective actions" in html and "Follow-ups and customer feedback" in html and "TMO26253B" in html
    customers = build_sample(REFERENCE_TODAY)["Defective Log"][1:]
    for row in customers:       # no Ticket ID, name, email, order number or complaint text on the page
        for value in (row[1], row[2], row[3], str(row[4]), row[9]):
            if str(value).strip():                      # c24's email is blank (a deliberate mistake)
                assert str(value) not in html, value
    capsys.readouterr()


WANT_REPORT = {
    ("2026-11", "Follow-ups", "Follow-ups drafted"): 1,
    ("2026-11", "Follow-ups", "Follow-ups sent"): 1,
    ("2026-11", "Corrective actions", "Flags raised"): 4,
    ("2026-11", "Corrective actions", "Flags raised with a root cause"): 2,
    ("2026-11", "Corrective actions", "Flags raised without a root cause"): 2,
    ("2026-11", "Corrective actions", "Actions verified effective"): 1,
    ("2026-11", "Corrective actions", "Recurrences after an action"): 0,
    ("2026-10", "Corrective actions", "Recurrences after an action"): 1,
    ("2026-10", "Corrective actions", "Flags raised"): 0,
    ("2026-10", "Customer feedback", "Satisfied"): 2,
    ("2026-10", "Customer feedback", "Not Satisfied"): 1,
    ("2026-10", "Customer feedback", "No Response"): 1,
    ("2026-10", "Customer feedback", "Other (free text)"): 1,
    ("2026-10", "Customer feedback", "No feedback yet"): 18,
    ("2026-11", "Lot", "TMO26253B"): 3,
}


def test_the_demo_tells_the_story(tmp_path, monkeypatch, capsys):
    """`demo` replays the story for today and says, in a few lines, what came of it."""
    monkeypatch.chdir(tmp_path)
    from datetime import datetime, timezone
    from bot.demo.run import run_demo
    assert run_demo(clock=lambda: datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)) == 0
    out = capsys.readouterr().out
    assert f"follow-up {FOLLOW_UP_TICKET}:" in out
    assert "ESC-0001 Honey Roasted Almonds 8oz - Clumping: Effective: no recurrence in 60 days" in out
    assert "ESC-0002 Dark Chocolate Pretzels 6oz - Foreign Object: Recurred after action" in out
    assert "same lot TMO26253B ×3" in out
    assert f"{NOT_SATISFIED_TICKET}: Level 2, customer not satisfied after follow-up" in out
    wb = openpyxl.load_workbook(tmp_path / "demo-output" / "crunch-and-co-defective-log.xlsx", read_only=True)
    assert {"Root Cause", "Corrective Action", "Action Date"} <= set(next(wb["Escalations"].iter_rows(
        max_row=1, values_only=True)))
