"""A realistic, deterministic sample workbook for the demo and the end-to-end tests: "Crunch & Co".

`build_sample(today)` returns the two rep tabs as a rep would type them ({"Defective Log": rows,
"Comp Sheet": rows}, row 0 = headers), with every date relative to `today` (the last ~8 weeks, none in
the future, except Best By dates, which are naturally later than the day a bag was bought).

The sample deliberately holds: ready Refund and Replacement drafts, unprocessed cases, closed cases,
one row per deliberate mistake (and no other problem on that row), two recurrence episodes (one with
product spelling variants), a 15-day pair that must not flag, and choice values typed with odd case.

`expected(today)` describes what the bot should find in `build_sample(today)`; it is computed from the
same case table that builds the rows. `EXPECTED` is `expected(REFERENCE_TODAY)`; only dates and lot
numbers depend on `today`. Row numbers are sheet rows (header = row 1). Keys:
  ready_drafts   {ticket_id: "Refund Processed" | "Replacement Shipped"}
  flags          [{product_key, product (first case's spelling), defect, tickets, lots (date order),
                   first_logged, last_logged}], ordered by first_logged
  not_flagged    [{product_key, defect, gap_days, tickets}]: the 15-day pair and the 30-day-earlier case
  mistakes       [(tab, row, column_letter, description)]; split into errors and warnings
  unprocessed    Open tickets with no error whose comp work is not done (or has no Comp Sheet row)
  closed         Closed tickets; duplicate_ticket; row_counts {tab: data rows}; today
A row with a warning (Best By Date not a date) still gets a draft; a row with an error never does.
The orphan Comp Sheet row is a warning too: it blocks no draft.

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
RECURRENCE_DAYS = 14
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


def product_key(name: str) -> str:
    """The recurrence rule's product identity: lower-cased, only letters and digits kept."""
    return "".join(ch for ch in str(name).lower() if ch.isalnum())


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

# Same product and defect, deliberately NOT one episode: the 15-day pair; the trail-mix case 30 days
# before the flagged trail-mix episode.
_DESIGNED_NEAR_MISSES = [("c06", "c16"), ("c08", "c31")]

# mistake -> (tab, column letter, severity, short description)
_MISTAKES = {
    "impossible_date": (DEFECTIVE_LOG, "A", "error", "Date Logged is an impossible date (Feb 30)"),
    "bad_email": (DEFECTIVE_LOG, "D", "error", "Customer Email has no dot in the domain"),
    "blank_email": (DEFECTIVE_LOG, "D", "error", "Customer Email is blank"),
    "units_text": (DEFECTIVE_LOG, "L", "error", "Units Affected typed as a word ('two')"),
    "refund_no_amount": (DEFECTIVE_LOG, "N", "error", "Refund resolution with no Refund Amount"),
    "comp_amount_mismatch": (DEFECTIVE_LOG, "N", "error", "Comp Sheet refund amount disagrees with the log"),
    "bad_defect": (DEFECTIVE_LOG, "I", "error", "Defect Type 'Stale' is not in the list"),
    "dup_ticket": (DEFECTIVE_LOG, "B", "error", "Ticket ID repeats an earlier row"),
    "best_by_text": (DEFECTIVE_LOG, "H", "warning", "Best By Date is not a date"),
    # A warning: it blocks no draft (PRODUCT.md: "an error is anything that blocks a draft").
    "orphan_comp": (COMP_SHEET, "B", "warning", "Comp Sheet Ticket ID is not in the Defective Log"),
}


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


def _build(today: _dt.date) -> _Built:
    rng = random.Random(SEED)
    by_key = {c.key: c for c in _CASES}
    dates = {c.key: today - _dt.timedelta(days=c.days_ago) for c in _CASES}
    chrono = sorted(_CASES, key=lambda c: (dates[c.key], _CASES.index(c)))

    # Ticket IDs come from the help desk in the order customers wrote in.
    tickets: dict[str, str] = {}
    number = 48213
    for c in chrono:
        tickets[c.key] = f"CS-{number}"
        number += rng.randint(9, 61)

    # Order numbers: ascending with the order date, a few days to weeks before the complaint.
    start = today - _dt.timedelta(days=90)
    used: set[int] = set()

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
    for i, c in enumerate(_CASES):
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
            c.extra.get("feedback", ""),
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
    entries = [(e["added"], _CASES.index(by_key[k]), k) for k, e in comp.items()]
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
                  tickets, dates, lots)


def build_sample(today: _dt.date) -> dict[str, list[list]]:
    """The two rep tabs as typed by reps: {"Defective Log": rows, "Comp Sheet": rows}, header first."""
    return _build(today).rows


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


def _canonical_defect(typed: str) -> str | None:
    folded = typed.strip().lower()
    return next((d for d in DEFECT_TYPES if d.lower() == folded), None)


def expected(today: _dt.date) -> dict:
    """What the bot should find in `build_sample(today)`; see the module docstring."""
    b = _build(today)
    by_key = {c.key: c for c in _CASES}
    mistakes, errors, warnings = [], [], []
    error_cases = set()
    for c in _CASES:
        if c.mistake:
            tab, col, severity, text = _MISTAKES[c.mistake]
            item = (tab, b.log_row[c.key], col, text)
            mistakes.append(item)
            (errors if severity == "error" else warnings).append(item)
            if severity == "error":
                error_cases.add(c.key)
        if c.extra.get("orphan_comp"):
            tab, col, severity, text = _MISTAKES["orphan_comp"]
            item = (tab, b.orphan_row, col, text)
            mistakes.append(item)
            (errors if severity == "error" else warnings).append(item)

    order = {DEFECTIVE_LOG: 0, COMP_SHEET: 1}
    for items in (mistakes, errors, warnings):
        items.sort(key=lambda m: (order[m[0]], m[1]))

    ready = {}
    for c in _CASES:
        if c.key in error_cases or c.status.strip().lower() != "open" or c.comp != "done":
            continue
        if c.resolution.strip().lower() == "refund":
            ready[b.ticket[c.key]] = "Refund Processed"
        else:
            ready[b.ticket[c.key]] = "Replacement Shipped"

    # Recurrence, from the true dates: rows whose date, product and defect type are valid count.
    groups: dict[tuple[str, str], list[_Case]] = {}
    for c in _CASES:
        defect = _canonical_defect(c.defect)
        if defect is None or c.mistake == "impossible_date":
            continue
        groups.setdefault((product_key(c.product or PRODUCTS[c.code][0]), defect), []).append(c)
    flags, near_misses = [], []
    for (pkey, defect), cases in groups.items():
        cases.sort(key=lambda c: (b.date[c.key], b.log_row[c.key]))
        episode = [cases[0]]
        episodes = []
        for prev, cur in zip(cases, cases[1:]):
            gap = (b.date[cur.key] - b.date[prev.key]).days
            if gap <= RECURRENCE_DAYS:
                episode.append(cur)
            else:
                episodes.append(episode)
                episode = [cur]
                near_misses.append({"product_key": pkey, "defect": defect, "gap_days": gap,
                                    "tickets": [b.ticket[prev.key], b.ticket[cur.key]]})
        episodes.append(episode)
        for ep in episodes:
            if len(ep) >= 2:
                flags.append({
                    "product_key": pkey,
                    "product": ep[0].product or PRODUCTS[ep[0].code][0],
                    "defect": defect,
                    "tickets": [b.ticket[c.key] for c in ep],
                    "lots": [b.lot[c.key] for c in ep if b.lot[c.key]],
                    "first_logged": b.date[ep[0].key],
                    "last_logged": b.date[ep[-1].key],
                })
    flags.sort(key=lambda f: (f["first_logged"], f["product_key"]))
    near_misses = [m for m in near_misses
                   if m["tickets"] in ([b.ticket[x] for x in pair] for pair in _DESIGNED_NEAR_MISSES)]
    near_misses.sort(key=lambda m: m["gap_days"])

    def tickets_where(pred) -> list[str]:
        return [b.ticket[c.key] for c in _CASES if pred(c)]

    return {
        "today": today,
        "row_counts": {tab: len(rows) - 1 for tab, rows in b.rows.items()},
        "ready_drafts": ready,
        "flags": flags,
        # Same product and defect, NOT flagged: the 15-day pair and the trail-mix case 30 days earlier.
        "not_flagged": near_misses,
        "mistakes": mistakes,
        "errors": errors,
        "warnings": warnings,
        "unprocessed": tickets_where(lambda c: c.key not in error_cases and c.status.strip().lower() == "open"
                                     and c.comp != "done"),
        "closed": tickets_where(lambda c: c.status.strip().lower() == "closed"),
        "duplicate_ticket": b.ticket[by_key["c36"].extra["dup_of"]],
        "warning_row_is_ready_draft": b.ticket["c37"] in ready,
    }


EXPECTED = expected(REFERENCE_TODAY)
