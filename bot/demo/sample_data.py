"""A realistic, deterministic sample workbook for the demo and the end-to-end tests: "Crunch & Co".

`build_sample(today)` returns the two rep tabs as a rep would type them ({"Defective Log": rows,
"Comp Sheet": rows}, row 0 = headers), with every date relative to `today` (the last ~8 weeks, and four older cases up to 88 days back;
none in the future, except Best By dates, which are naturally later than the day a bag was bought).

The sample deliberately holds: ready Refund and Replacement drafts, unprocessed cases, closed cases,
one row per deliberate mistake (and no other problem on that row), recurrence episodes (one with
product spelling variants and a shared lot), a 15-day pair that must not flag, and choice values typed with odd case.

It also shows what happens after the reply and after a flag (issue 18). Those live in the bot's own tabs
(Sent On, the leads' Root Cause and Action Date), which only the bot and people write, so the sample
does not pre-fill them: `STORY` tells what people did on an earlier day, and the demo (and the
end-to-end tests) replay it with the real bot at that day (`--as-of`), on the rep tabs as they stood then
(`build_sample(today, as_of=day)`):
- `EARLIER_DAYS` (14) days ago a cycle drafts the replies; a rep sends c26's refund reply; the leads
  record a root cause and a corrective action on two flags; a second cycle that day notes Sent On.
- Today: c26 is due its follow-up; the Honey Roasted Almonds clumping flag (action 75 days ago, no case
  since) is Effective; the Dark Chocolate Pretzels foreign-object flag recurred after its action (c23);
  the Trail Mix flag's cases share a lot (Same Lot); c17's customer is Not Satisfied (Open Cases).
What the bot should make of it is written by hand in the tests (tests/sample_expectations.py,
tests/test_sample_story.py); this module only builds.

Pure module: standard library only, no I/O.
"""
from __future__ import annotations

import datetime as _dt
import random
from dataclasses import dataclass, field
from typing import Any

DEFECTIVE_LOG = "Defective Log"
COMP_SHEET = "Comp Sheet"

DEFECTIVE_LOG_HEADERS = [
    "Date Logged", "Ticket ID", "Customer Name", "Customer Email", "Order Number", "Product",
    "Lot Number", "Best By Date", "Defect Type", "Complaint Details", "Photo Received",
    "Units Affected", "Resolution", "Refund Amount", "Replacement Order Number", "Agent", "Status",
    "Customer Feedback",
]
COMP_SHEET_HEADERS = [
    "Date Added", "Ticket ID", "Order Number", "Customer Name", "Customer Email", "Type", "Product",
    "Units", "Replacement Order Number", "Tracking Number", "Refund Amount", "Refund Processed On",
    "Added By",
]
DEFECT_TYPES = ("Unsealed Packaging", "Rancid / Off Taste", "Foreign Object", "Clumping",
                "Other Quality Issue")
SEED = 20261103
# The day EXPECTED is computed for. Everything EXPECTED holds except dates is the same for any `today`.
REFERENCE_TODAY = _dt.date(2026, 11, 20)

# code -> (name as printed on the bag, unit price, lot prefix, shelf life in days)
PRODUCTS = {
    "KC": ("Sea Salt Kettle Chips 5oz", 4.49, "KSC", 180),
    "HA": ("Honey Roasted Almonds 8oz", 7.99, "HRA", 365),
    "TM": ("Trail Mix Original 12oz", 8.99, "TMO", 270),
    "DP": ("Dark Chocolate Pretzels 6oz", 5.49, "DCP", 240),
    "MG": ("Maple Pecan Granola 11oz", 6.99, "MPG", 270),
    "PB": ("Spicy Peanut Brittle 4oz", 5.99, "SPB", 365),
}
UP, RT, FO, CL, OQ = DEFECT_TYPES
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Reserved for examples (RFC 2606): a demo draft must never carry an address that could be someone's.
_DOMAINS = ("example.com", "example.org", "example.net", "mail.example.com", "mail.example.org")


@dataclass
class _Case:
    key: str
    days_ago: int
    code: str
    defect: str                 # as typed
    resolution: str             # as typed
    status: str                 # as typed
    comp: str | None            # "done", "pending" or None (no Comp Sheet row)
    name: str
    details: str
    agent: str
    units: Any = 1
    photo: str = "Yes"
    product: str | None = None  # a spelling other than the canonical one
    date_fmt: str | None = None  # "us", "us2", "mon", "iso": Date Logged typed as text
    lot: str | None = "auto"    # "auto", None (blank) or a fixed lot
    best_by: bool = True
    mistake: str | None = None
    extra: dict = field(default_factory=dict)


_A, _B, _C, _D, _E = "Priya", "Jordan", "Tess", "Marcus", "Elena"

# Sheet order (reps append as they log; c35 was logged late, after c38).
_CASES = [
    _Case("c01", 55, "KC", UP, "Replacement", "Closed", "done", "Olivia Bennett",
          "The bag was completely flat when I opened the box, the seal along the top wasn't closed at all. Chips were soft.", _A),
    _Case("c02", 54, "MG", CL, "Refund", "Closed", "done", "Daniel Okafor",
          "The granola is stuck together in one big brick, I had to break it apart with a spoon. Looks like it got wet.", _B, units=2),
    _Case("c03", 52, "PB", OQ, "Refund", "Closed", "done", "Hannah Reyes",
          "The brittle is chewy and sticky instead of crunchy, it pulled out my filling almost. Not how it usually is.", _C),
    _Case("c04", 50, "DP", RT, "Replacement", "Closed", "done", "Kevin Nguyen",
          "These taste off, kind of like old crayons. My kids spit them out. The last bag was totally fine.", _D),
    _Case("c05", 48, "HA", UP, "Refund", "Closed", "done", "Samantha Brooks",
          "Zip top was torn open under the outer flap and the almonds were all loose in the shipping box.", _E, photo="No"),
    _Case("c06", 45, "DP", UP, "Replacement", "Closed", "done", "Tyler Morrison",
          "Bag arrived unsealed, the top seam just peeled apart. Pretzels were stale and the chocolate had a white film.", _A),
    _Case("c07", 44, "KC", FO, "Refund", "Closed", "done", "Aisha Patel",
          "Found black specks all over a handful of chips, they look burnt or like something from the fryer. Didn't eat the rest.", _B),
    _Case("c08", 42, "TM", FO, "Replacement", "Closed", "done", "Greg Whitfield",
          "There was a hard piece of clear plastic mixed in with the raisins. Almost bit down on it.", _C),
    _Case("c09", 40, "HA", RT, "Refund", "Closed", "done", "Laura Kim",
          "The almonds taste rancid, bitter and soapy aftertaste. Smelled like old oil as soon as I opened the bag.", _D, units=2),
    _Case("c10", 39, "PB", CL, "Replacement", "Closed", "done", "Brian O'Connor",
          "All the brittle pieces melted together into one solid slab inside the bag, can't get a piece out.", _E),
    _Case("c11", 37, "MG", FO, "Refund", "Closed", "done", "Jessica Alvarez",
          "I bit down on a small stone in the granola and chipped a tooth. It was grey and hard, definitely not a pecan.", _A),
    _Case("c12", 36, "KC", RT, "Replacement", "Closed", "done", "Ryan Fischer",
          "Chips taste stale and kind of like cardboard, no crunch at all. Best by date is months away.", _B, lot=None),
    _Case("c13", 35, "TM", UP, "Refund", "Closed", "done", "Megan Sullivan",
          "Bag wasn't sealed, the trail mix spilled everywhere in the package when I opened it.", _C, date_fmt="iso"),
    _Case("c14", 33, "DP", OQ, "Refund", "Closed", "done", "Carlos Mendoza",
          "Half the pretzels are broken into crumbs and the chocolate is smeared all over the inside of the bag.", _D, units=3),
    _Case("c15", 31, "PB", RT, "Replacement", "Open", None, "Natalie Price",
          "Brittle tastes burnt and bitter, like the sugar went too far. Whole bag is like that.", _E,
          mistake="impossible_date"),
    _Case("c16", 30, "DP", UP, "Replacement", "Open", "done", "Jason Wright",
          "Outer bag had a split along the side seam, pretzels were soft and stale.", _A,
          extra={"repl_as_number": True}),
    _Case("c17", 29, "HA", OQ, "Refund", "Closed", "done", "Emily Carter",
          "Almonds are soft and chewy instead of crunchy, and some of them are shriveled and dark.", _B),
    _Case("c18", 28, "KC", OQ, "Refund", "Open", "done", "Maria Gomez",
          "Most of the chips are dark brown and taste burnt. Very greasy too.", _C,
          mistake="bad_email"),
    _Case("c19", 27, "MG", UP, "Replacement", "Closed", "done", "Andrew Park",
          "The inner liner wasn't sealed, granola was stale the day it arrived.", _D, best_by=False),
    _Case("c20", 26, "HA", RT, "Refund", "Closed", "done", "Rachel Goldberg",
          "Almonds taste like paint, really rancid. Threw out the rest of the bag.", _E, date_fmt="us",
          extra={"log_amount_text": True}),
    _Case("c21", 24, "TM", RT, "Replacement", "Open", "pending", "Derek Thompson",
          "The peanuts in the mix taste musty and off, like they've been sitting somewhere damp.", _A),
    _Case("c22", 23, "PB", UP, "Refund", "Open", "pending", "Sofia Rossi",
          "The tin was fine but the bag inside was open and the brittle was sticky and soft.", _B),
    _Case("c23", 22, "DP", FO, "Refund", "Open", "done", "Michael Osei",
          "Found a piece of cardboard about the size of a thumbnail stuck to one of the pretzels.", _C,
          mistake="refund_no_amount"),
    _Case("c24", 21, "MG", RT, "Replacement", "Open", "done", "Karen Liu",
          "The granola tastes sour and the pecans are rancid. Smells off right out of the bag.", _D,
          mistake="blank_email"),
    _Case("c25", 20, "HA", RT, "Replacement", "Open", None, "Tom Becker",
          "Two bags from the same order, both taste rancid and bitter. Really disappointed.", _E, units=2,
          mistake="units_text"),
    _Case("c26", 19, "KC", UP, "  refund", "Open", "done", "Lisa Hoffman",
          "The bag had a pinhole and a torn corner, chips were totally stale.", _A),
    _Case("c27", 17, "PB", FO, "Replacement", "Open", "done", "Chris Donovan",
          "There was a strip of brown cardboard baked into one of the brittle pieces.", _B),
    _Case("c28", 16, "HA", FO, "Refund", "Open", "done", "Nina Petrov",
          "Found a small stone in with the almonds, about the size of a pea. Nearly cracked a tooth.", _C, units=2,
          mistake="comp_amount_mismatch"),
    _Case("c29", 15, "MG", "Stale", "Refund", "Open", None, "Victor Huang",
          "Granola is stale and has no crunch at all, tastes like it's been open for weeks.", _D,
          mistake="bad_defect"),
    _Case("c30", 13, "DP", CL, "Refund", "Open", "done", "Amanda Foster",
          "The chocolate pretzels are all fused together in one big clump, like they melted and set again.", _E,
          photo="YES", date_fmt="mon", extra={"processed_text": True}),
    _Case("c31", 12, "TM", FO, "Refund", "Closed", "done", "Ben Sato",
          "There were little black specks in the mix, hard like grit. Some stuck to the chocolate pieces.", _A,
          units="2", lot="flag_tm"),
    _Case("c32", 11, "KC", RT, "Replacement", "open ", "done", "Grace Mitchell",
          "These chips taste rancid, like old fryer oil. Bag was sealed and well before the best by date.", _B),
    _Case("c33", 10, "PB", RT, "Replacement", "Open", None, "Omar Haddad",
          "Brittle has a weird chemical aftertaste, not the normal spicy flavor.", _C),
    _Case("c34", 9, "MG", OQ, "Replacement", "Open", None, "Julia Novak",
          "The bag is about half full, barely any pecans, mostly oat dust at the bottom.", _D,
          extra={"orphan_comp": True}),
    _Case("c36", 5, "HA", UP, "Refund", "Open", None, "Patrick Doyle",
          "Bag arrived already open, the zipper was split and the almonds smelled like the cardboard box.", _E,
          mistake="dup_ticket", extra={"dup_of": "c33"}),
    _Case("c37", 4, "DP", RT, "Refund", "Open", "done", "Zoe Campbell",
          "The pretzels taste like stale oil and the chocolate is chalky. Definitely not fresh.", _A,
          mistake="best_by_text"),
    _Case("c38", 2, "TM", "foreign object", "Refund", "Open", None, "Ethan Rivera",
          "Found a piece of cardboard and some black specks at the bottom of the bag. Not eating this.", _B,
          product="TRAIL MIX - ORIGINAL 12OZ", lot="flag_tm"),
    _Case("c35", 6, "TM", FO, "Replacement", "Open", "done", "Heather Lindqvist",
          "There was a tiny piece of what looks like cardboard in my trail mix, right on top when I opened it.", _C,
          product="trail mix original 12 oz", lot="flag_tm"),
    _Case("c39", 1, "KC", FO, "Replacement", "Open", None, "Sam Whitaker",
          "A piece of what looks like a blue plastic glove was in the bag with the chips.", _D,
          date_fmt="us2"),
    _Case("c40", 1, "MG", UP, "Refund", "Open", None, "Irene Castillo",
          "The bag was not sealed at all, I could tell the granola was stale just from the smell.", _E,
          photo="No", lot=None, best_by=False),
]

# Four older, Closed cases for the corrective-action story (see the module docstring): two recurring
# defects the leads acted on. They are at the end of the sheet (the team pasted them in from the log
# it kept before), so the rows above keep their numbers; the bot reads by Date Logged, not sheet order.
# They draw from their own random stream and Ticket ID range, so the cases above keep their values.
_EARLIER = [
    _Case("n01", 88, "HA", CL, "Refund", "Closed", "done", "Wendy Alvarado",
          "The honey glaze has fused the almonds into clumps the size of a fist. Could not break them apart.", _B),
    _Case("n02", 82, "HA", CL, "Replacement", "Closed", "done", "Oscar Lindgren",
          "Almonds all stuck together in one sticky block, like the bag got warm and set again.", _C),
    _Case("n03", 47, "DP", FO, "Refund", "Closed", "done", "Fatima Rahman",
          "A thin strip of blue plastic was baked onto the bottom of a pretzel.", _D),
    _Case("n04", 41, "DP", FO, "Replacement", "Closed", "done", "George Kowalski",
          "There was a sliver of hard plastic in the bag, the same blue as a glove.", _E),
]
_EARLIER_SEED, _EARLIER_FIRST_TICKET = SEED + 1, 47100

# Customer Feedback the reps recorded after talking to the customer (free text is allowed too).
_FEEDBACK = {"c13": "Satisfied", "c14": "Satisfied", "c17": "Not Satisfied", "c19": "No Response",
             "c10": "Happy with the replacement, asked for a coupon"}


def all_cases() -> list[_Case]:
    """Every case of the sample, in sheet order."""
    return _CASES + _EARLIER


EARLIER_DAYS = 14   # the story's earlier day: 14 days hold at least 7 business days whatever the holidays


@dataclass(frozen=True)
class Edit:
    """A person typing in a bot tab: in `tab`, the row whose cells read `find` (by header), gets `values`."""
    tab: str
    find: dict
    values: dict


def story(today: _dt.date) -> tuple[_dt.date, list[Edit]]:
    """The earlier day, and what people typed in the bot's tabs after that day's first cycle."""
    b = _build(today)
    ticket = b.ticket["c26"]
    return today - _dt.timedelta(days=EARLIER_DAYS), [
        Edit("Drafts", {"Ticket ID": ticket}, {"Status": "Sent"}),
        Edit("Escalations", {"Product": PRODUCTS["HA"][0], "Defect Type": CL},
             {"Lead Status": "Closed", "Root Cause": "Glazing drum ran hot on line B; almonds packed warm",
              "Corrective Action": "Drum temperature alarm fitted; cooling time before packing doubled",
              "Action Date": today - _dt.timedelta(days=75)}),
        Edit("Escalations", {"Product": PRODUCTS["DP"][0], "Defect Type": FO},
             {"Lead Status": "Investigating", "Root Cause": "Torn glove from the enrobing line",
              "Corrective Action": "Blue detectable gloves only; metal detector recalibrated",
              "Action Date": today - _dt.timedelta(days=38)}),
    ]

def _fmt_date(d: _dt.date, fmt: str | None) -> Any:
    if fmt is None:
        return d
    if fmt == "us":
        return f"{d.month}/{d.day}/{d.year}"
    if fmt == "us2":
        return f"{d.month}/{d.day}/{d.year % 100:02d}"
    if fmt == "mon":
        return f"{_MONTHS[d.month - 1]} {d.day}, {d.year}"
    if fmt == "iso":
        return d.isoformat()
    raise ValueError(fmt)


def _email(name: str, rng: random.Random) -> str:
    first, last = name.lower().replace("'", "").split()[:2]
    pattern = rng.randrange(5)
    local = [f"{first}.{last}", f"{first}{last}", f"{first[0]}{last}", f"{first}_{last}{rng.randint(1, 99)}",
             f"{first}.{last}{rng.randint(70, 99)}"][pattern]
    return f"{local}@{rng.choice(_DOMAINS)}"


def _tracking(rng: random.Random) -> str:
    if rng.random() < 0.5:
        alnum = "ABCDEFGHJKLMNPRTVWXY0123456789"
        return "1Z" + "".join(rng.choice(alnum) for _ in range(6)) + "03" + "".join(
            rng.choice("0123456789") for _ in range(8))
    return "9400" + "".join(rng.choice("0123456789") for _ in range(18))


@dataclass
class _Built:
    rows: dict[str, list[list]]
    log_row: dict[str, int]          # case key -> sheet row
    comp_row: dict[str, int]         # case key -> sheet row of its Comp Sheet row
    orphan_row: int
    ticket: dict[str, str]           # case key -> ticket ID as typed
    date: dict[str, _dt.date]        # case key -> true Date Logged
    lot: dict[str, str]              # case key -> lot number ("" when blank)
    added: dict[str, _dt.date] = field(default_factory=dict)   # case key -> Comp Sheet Date Added
    processed: dict[str, _dt.date] = field(default_factory=dict)   # case key -> refund processed on


def _build(today: _dt.date) -> _Built:
    used: set[int] = set()
    first = _build_part(_CASES, today, SEED, 48213, used)
    later = _build_part(_EARLIER, today, _EARLIER_SEED, _EARLIER_FIRST_TICKET, used)
    shift = {tab: len(rows) - 1 for tab, rows in first.rows.items()}
    rows = {tab: first.rows[tab] + later.rows[tab][1:] for tab in first.rows}
    return _Built(rows, {**first.log_row, **{k: n + shift[DEFECTIVE_LOG] for k, n in later.log_row.items()}},
                  {**first.comp_row, **{k: n + shift[COMP_SHEET] for k, n in later.comp_row.items()}},
                  first.orphan_row, {**first.ticket, **later.ticket}, {**first.date, **later.date},
                  {**first.lot, **later.lot}, {**first.added, **later.added},
                  {**first.processed, **later.processed})


def _build_part(cases: list[_Case], today: _dt.date, seed: int, first_ticket: int, used: set[int]) -> _Built:
    rng = random.Random(seed)
    by_key = {c.key: c for c in cases}
    dates = {c.key: today - _dt.timedelta(days=c.days_ago) for c in cases}
    chrono = sorted(cases, key=lambda c: (dates[c.key], cases.index(c)))

    # Ticket IDs come from the help desk in the order customers wrote in.
    tickets: dict[str, str] = {}
    number = first_ticket
    for c in chrono:
        tickets[c.key] = f"CS-{number}"
        number += rng.randint(9, 61)

    # Order numbers: ascending with the order date, a few days to weeks before the complaint.
    start = today - _dt.timedelta(days=90)

    def order_no(d: _dt.date) -> int:
        n = 10234 + (d - start).days * 12 + rng.randint(0, 11)
        while n in used:
            n += 1
        used.add(n)
        return n

    orders = {c.key: order_no(dates[c.key] - _dt.timedelta(days=rng.randint(3, 21))) for c in chrono}

    # Lots and best-by dates.
    lots: dict[str, str] = {}
    best_by: dict[str, _dt.date | None] = {}
    flag_prod = today - _dt.timedelta(days=71)
    for c in chrono:
        _, _, prefix, shelf = PRODUCTS[c.code]
        # made 25 days to a few months before the complaint, with at least 60 days of shelf life left
        age = rng.randint(25, min(140, shelf - 60))
        made = flag_prod if c.lot == "flag_tm" else dates[c.key] - _dt.timedelta(days=age)
        line = "B" if c.lot == "flag_tm" else rng.choice("ABC")
        lot = f"{prefix}{made.year % 100:02d}{made.timetuple().tm_yday:03d}{line}"
        lots[c.key] = "" if c.lot is None else lot
        best_by[c.key] = made + _dt.timedelta(days=shelf) if c.best_by else None

    # Comp Sheet work (dates never in the future).
    comp: dict[str, dict] = {}
    for c in chrono:
        if c.comp is None and not c.extra.get("orphan_comp"):
            continue
        added = min(today, dates[c.key] + _dt.timedelta(days=rng.randint(0, 2)))
        done = c.comp == "done" or c.extra.get("orphan_comp")
        entry = {"added": added}
        if c.resolution.strip().lower() == "replacement":
            entry["repl"] = order_no(added)
            entry["tracking"] = _tracking(rng) if done else ""
        else:
            entry["processed"] = min(today, added + _dt.timedelta(days=rng.randint(0, 2))) if done else None
        comp[c.key] = entry

    log_rows: list[list] = [list(DEFECTIVE_LOG_HEADERS)]
    log_row: dict[str, int] = {}
    amounts: dict[str, float] = {}
    for i, c in enumerate(cases):
        name, price, _, _ = PRODUCTS[c.code]
        units = c.units
        n_units = int(units) if str(units).isdigit() else 2
        is_refund = c.resolution.strip().lower() == "refund"
        amount = round(n_units * price, 2) if is_refund else None
        amounts[c.key] = amount
        order: Any = orders[c.key] if i % 3 == 0 else str(orders[c.key])
        repl: Any = ""
        if not is_refund:
            r = comp[c.key]["repl"] if c.key in comp else order_no(dates[c.key])
            repl = r if c.extra.get("repl_as_number") else str(r)
        row = [
            _fmt_date(dates[c.key], c.date_fmt),
            tickets[c.key],
            c.name,
            _email(c.name, rng),
            order,
            c.product or name,
            lots[c.key],
            best_by[c.key] if best_by[c.key] else "",
            c.defect,
            c.details,
            c.photo,
            units,
            c.resolution,
            (f"${amount:.2f}" if c.extra.get("log_amount_text") else amount) if is_refund else "",
            repl,
            c.agent,
            c.status,
            _FEEDBACK.get(c.key, ""),
        ]
        m = c.mistake
        if m == "impossible_date":
            row[0] = f"2/30/{today.year}"
        elif m == "bad_email":
            row[3] = "maria.gomez@example"
        elif m == "blank_email":
            row[3] = ""
        elif m == "units_text":
            row[11] = "two"
        elif m == "refund_no_amount":
            row[13] = ""
        elif m == "bad_defect":
            pass  # typed "Stale" in the case table
        elif m == "dup_ticket":
            row[1] = tickets[c.extra["dup_of"]]
        elif m == "best_by_text":
            row[7] = "see photo"
        log_rows.append(row)
        log_row[c.key] = len(log_rows)

    # Comp Sheet rows, in the order the work was added.
    comp_rows: list[list] = [list(COMP_SHEET_HEADERS)]
    comp_row: dict[str, int] = {}
    orphan_row = 0
    entries = [(e["added"], cases.index(by_key[k]), k) for k, e in comp.items()]
    for _, _, k in sorted(entries):
        c, e = by_key[k], comp[k]
        log = log_rows[log_row[k] - 1]
        is_refund = c.resolution.strip().lower() == "refund"
        ticket = tickets[k]
        if c.extra.get("orphan_comp"):
            digits = ticket[3:]
            ticket = "CS-" + digits[0] + digits[2] + digits[1] + digits[3:]  # transposed digits
            if ticket == tickets[k] or ticket in tickets.values():
                ticket = tickets[k][:-1]
        amount = amounts[k]
        if c.mistake == "comp_amount_mismatch":  # two digits transposed when typing
            a = f"{amount:.2f}"
            amount = float(a[:-2] + a[-1] + a[-2]) if a[-1] != a[-2] else amount + 10
        processed = e.get("processed")
        comp_rows.append([
            e["added"],
            ticket,
            str(log[4]) if isinstance(log[4], int) and len(comp_rows) % 2 else log[4],
            c.name,
            log[3],
            "Refund" if is_refund else ("replacement" if k == "c32" else "Replacement"),
            log[5],
            int(c.units) if str(c.units).isdigit() else 2,
            "" if is_refund else str(e["repl"]),
            "" if is_refund else e["tracking"],
            amount if is_refund else "",
            ("" if processed is None else _fmt_date(processed, "mon" if c.extra.get("processed_text") else None))
            if is_refund else "",
            c.agent,
        ])
        comp_row[k] = len(comp_rows)
        if c.extra.get("orphan_comp"):
            orphan_row = len(comp_rows)
    return _Built({DEFECTIVE_LOG: log_rows, COMP_SHEET: comp_rows}, log_row, comp_row, orphan_row,
                  tickets, dates, lots, {k: e["added"] for k, e in comp.items()},
                  {k: e["processed"] for k, e in comp.items() if e.get("processed")})


def build_sample(today: _dt.date, as_of: _dt.date | None = None) -> dict[str, list[list]]:
    """The two rep tabs as typed by reps: {"Defective Log": rows, "Comp Sheet": rows}, header first.
    With `as_of`, the tabs as they stood on that day: only the cases logged and the Comp Sheet work added
    by then, a refund processed later not yet processed. (Status and Customer Feedback are as they stand
    today: the sample has no history of them, and the story needs none.)"""
    b = _build(today)
    if as_of is None:
        return b.rows
    row_of = {n: k for k, n in b.log_row.items()}
    comp_of = {n: k for k, n in b.comp_row.items()}
    log = [b.rows[DEFECTIVE_LOG][0]] + [r for n, r in enumerate(b.rows[DEFECTIVE_LOG][1:], 2)
                                        if b.date[row_of[n]] <= as_of]
    comp = [b.rows[COMP_SHEET][0]]
    for n, r in enumerate(b.rows[COMP_SHEET][1:], 2):
        if b.added[comp_of[n]] > as_of:
            continue
        processed = b.processed.get(comp_of[n])
        if processed is not None and processed > as_of:
            r = r[:11] + [""] + r[12:]
        comp.append(r)
    return {DEFECTIVE_LOG: log, COMP_SHEET: comp}


# How a real team types the same facts (issue 16): the messy variant below holds the very cases of the
# sample, so a cycle over it must find exactly the sample's problems and nothing more.
MESSY_TABS = {DEFECTIVE_LOG: "Defective log", COMP_SHEET: "comp sheet"}
_MESSY_DATES = (lambda d: f"{d.day} {d:%b} {d.year}", lambda d: f"{d.year}/{d.month:02d}/{d.day:02d}",
                lambda d: f"{d.month:02d}-{d.day:02d}-{d.year}", lambda d: f"{d.month}.{d.day}.{d.year}",
                lambda d: f"{d:%A}, {d:%B} {d.day}, {d.year}")
_MESSY_PLACEHOLDERS = ("N/A", "n/a", "NA", "-", "\u2014", "none", "TBD")


def build_messy_sample(today: _dt.date) -> dict[str, list[list]]:
    """The sample as a less tidy team types it: tab names in another case, dates in every written form,
    placeholders (N/A, -, TBD, ...) in the optional cells left empty, some names all lower-case. The cases
    and the deliberate mistakes are the sample's."""
    tabs = build_sample(today)
    log, comp = [list(r) for r in tabs[DEFECTIVE_LOG]], [list(r) for r in tabs[COMP_SHEET]]
    optional = {6, 7}      # Lot Number, Best By Date
    for i, row in enumerate(log[1:]):
        if isinstance(row[0], _dt.date):
            row[0] = _MESSY_DATES[i % len(_MESSY_DATES)](row[0])
        if isinstance(row[7], _dt.date) and i % 2:
            row[7] = _MESSY_DATES[(i + 2) % len(_MESSY_DATES)](row[7])
        resolution = str(row[12]).strip().lower()
        cells_left_empty = set(optional) | ({14} if resolution == "refund" else {13})
        for col in sorted(cells_left_empty):
            if row[col] in ("", None):
                row[col] = _MESSY_PLACEHOLDERS[(i + col) % len(_MESSY_PLACEHOLDERS)]
        if i % 3 == 0 and isinstance(row[2], str):
            row[2] = row[2].lower()
    for i, row in enumerate(comp[1:]):
        for col in (8, 9, 10, 11):      # the other type's cells, and work not done yet
            if row[col] in ("", None):
                row[col] = _MESSY_PLACEHOLDERS[(i + col) % len(_MESSY_PLACEHOLDERS)]
    return {MESSY_TABS[DEFECTIVE_LOG]: log, MESSY_TABS[COMP_SHEET]: comp}
