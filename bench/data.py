"""Benchmark data: Defective Logs and Comp Sheets as reps type them, at any size, deterministically.

    synthetic(n, seed=SEED, now=NOW) -> Dataset   realistic generated log of n rows (+ ~70% Comp Sheet rows)
    caers()                          -> Dataset   the real FDA CAERS log (tests/caers.py), ~85k rows
    dataset(name)                    -> Dataset   "1000", "10000", "100000" (any integer) or "caers"

A generated log has ~30 products of a snack brand, each with spelling variants that share one product
key (case, spacing, punctuation) and a few real typos that do not; a defect-type mix; dates over the two
years before `now` (a few logged late, out of order; most typed as date cells, some as text in the forms
reps use); ~3% of rows with one deliberate mistake (bad date, email, units, missing amount, unknown
defect, repeated ticket, Comp Sheet disagreement or orphan, ...); a Comp Sheet row for ~70% of tickets,
most of the older ones with the work done; Open and Closed cases.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sheet_schema
from bot.demo.sample_data import _fmt_date as sample_fmt_date

REPO = Path(__file__).resolve().parent.parent
SEED = 20261103
NOW = dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.timezone.utc)
SPAN_DAYS = 730

# name as printed on the bag, unit price, lot prefix, shelf life (days), spellings reps type
_PRODUCTS: list[tuple[str, float, str, int, tuple[str, ...]]] = [
    ("Sea Salt Kettle Chips 5oz", 4.49, "KSC", 180, ("sea salt kettle chips 5 oz", "Sea-Salt Kettle Chips 5oz")),
    ("Honey Roasted Almonds 8oz", 7.99, "HRA", 365, ("Honey-Roasted Almonds 8 oz", "HONEY ROASTED ALMONDS 8OZ")),
    ("Trail Mix Original 12oz", 8.99, "TMO", 270, ("trail mix original 12oz", "Trail Mix - Original 12 oz")),
    ("Dark Chocolate Pretzels 6oz", 5.49, "DCP", 240, ("Dark Choc. Pretzels 6oz",)),
    ("Maple Pecan Granola 11oz", 6.99, "MPG", 270, ("maple pecan granola 11 oz", "Maple-Pecan Granola 11oz")),
    ("Spicy Peanut Brittle 4oz", 5.99, "SPB", 365, ("Spicy Peanut-Brittle 4oz",)),
    ("Cheddar Cheese Crackers 7oz", 3.99, "CCC", 240, ("cheddar cheese crackers 7oz", "Cheddar  Cheese Crackers 7 oz")),
    ("BBQ Potato Chips 8oz", 4.29, "BBQ", 180, ("B.B.Q. Potato Chips 8oz", "bbq potato chips 8 oz")),
    ("Sour Cream & Onion Chips 8oz", 4.29, "SCO", 180, ("Sour Cream Onion Chips 8oz", "sour cream & onion chips 8 oz")),
    ("Cinnamon Apple Chips 3oz", 3.79, "CAC", 300, ("Cinnamon-Apple Chips 3oz",)),
    ("Roasted Cashews 10oz", 9.49, "RCA", 365, ("roasted cashews 10oz", "ROASTED CASHEWS 10 OZ")),
    ("Salted Pistachios 16oz", 11.99, "SPI", 365, ("Salted Pistachios 16 oz",)),
    ("Chocolate Chip Granola Bars 12ct", 6.49, "CGB", 270, ("Chocolate-Chip Granola Bars 12 ct", "choc chip granola bars 12ct")),
    ("Peanut Butter Protein Bites 9oz", 7.49, "PBP", 200, ("Peanut-Butter Protein Bites 9oz",)),
    ("Coconut Cashew Clusters 8oz", 6.99, "CCL", 240, ("coconut cashew clusters 8 oz",)),
    ("Everything Bagel Pretzel Thins 7oz", 3.99, "EBP", 240, ("Everything-Bagel Pretzel Thins 7oz",)),
    ("Wasabi Peas 6oz", 3.49, "WPE", 365, ("WASABI PEAS 6OZ", "wasabi peas 6 oz")),
    ("Yogurt Covered Raisins 7oz", 4.99, "YCR", 240, ("Yogurt-Covered Raisins 7oz",)),
    ("Dried Mango Slices 6oz", 5.99, "DMS", 300, ("dried mango slices 6oz", "Dried Mango  Slices 6 oz")),
    ("Cranberry Almond Mix 10oz", 7.29, "CAM", 270, ("Cranberry-Almond Mix 10oz",)),
    ("Kettle Corn Popcorn 6oz", 3.99, "KCP", 150, ("kettle corn popcorn 6 oz", "Kettle-Corn Popcorn 6oz")),
    ("White Cheddar Popcorn 5oz", 3.99, "WCP", 150, ("White Cheddar Pop-corn 5oz",)),
    ("Sweet Potato Chips 5oz", 4.49, "SPC", 180, ("sweet potato chips 5oz",)),
    ("Veggie Straws 7oz", 3.79, "VST", 200, ("VEGGIE STRAWS 7 OZ",)),
    ("Rice Crackers Sesame 4oz", 3.29, "RCS", 300, ("Rice Crackers - Sesame 4oz",)),
    ("Oatmeal Raisin Cookies 10oz", 4.99, "ORC", 120, ("oatmeal raisin cookies 10 oz", "Oatmeal-Raisin Cookies 10oz")),
    ("Double Chocolate Cookies 10oz", 4.99, "DCC", 120, ("Double Chocolate Cookies 10 oz",)),
    ("Beef Jerky Original 3oz", 7.99, "BJO", 365, ("beef jerky original 3oz", "Beef Jerky (Original) 3oz")),
    ("Turkey Jerky Teriyaki 3oz", 7.99, "TJT", 365, ("Turkey Jerky - Teriyaki 3 oz",)),
    ("Mixed Nuts Unsalted 14oz", 10.99, "MNU", 365, ("mixed nuts unsalted 14oz", "Mixed Nuts, Unsalted 14 oz")),
]
# Real typos: a different product key (a rep would add an alias to the configuration for these).
_TYPOS = {"Sea Salt Kettle Chips 5oz": "Sea Salt Kettle Chip 5oz", "Roasted Cashews 10oz": "Roasted Cashew 10oz",
          "Wasabi Peas 6oz": "Wasabi Pea 6oz", "Trail Mix Original 12oz": "Trail Mix Orignal 12oz"}

DEFECTS = {  # defect type -> weight, complaint details reps paste from the customer's email
    "Unsealed Packaging": (0.24, (
        "The bag arrived open, the seal along the top was not closed.",
        "Zip top was torn open under the outer flap and everything was loose in the box.",
        "Seal peeled apart as soon as I touched it, contents were stale.",
        "Package had a slit in the side, product spilled in the shipping box.")),
    "Rancid / Off Taste": (0.18, (
        "It tastes rancid and bitter, nothing like the last one I bought.",
        "Smelled like old oil as soon as I opened the bag, soapy aftertaste.",
        "Tastes stale and sour, my kids spit it out.",
        "Off flavour, kind of like crayons. The last bag was fine.")),
    "Foreign Object": (0.14, (
        "I found a small piece of cardboard and some black specks inside.",
        "There was a hard piece of clear plastic mixed in, almost bit down on it.",
        "Found what looks like a small stone in the bag.",
        "Black burnt specks all over a handful of pieces, did not eat the rest.")),
    "Clumping": (0.22, (
        "Everything is stuck together in one hard clump.",
        "It all melted together into one solid slab inside the bag.",
        "Clumped into a brick, looks like it got wet.",
        "Pieces fused together, cannot get one out without breaking it.")),
    "Other Quality Issue": (0.22, (
        "The product is soft and discoloured, clearly not right.",
        "Chewy and sticky instead of crunchy, not how it usually is.",
        "Pieces are crushed to powder, only crumbs in the bag.",
        "Colour is much darker than usual and it looks dried out.")),
}
_FIRST = ("Olivia", "Daniel", "Hannah", "Kevin", "Samantha", "Tyler", "Aisha", "Greg", "Laura", "Brian",
          "Jessica", "Ryan", "Megan", "Carlos", "Natalie", "Jason", "Emily", "Maria", "Andrew", "Rachel",
          "Priya", "Omar", "Chloe", "Mateo", "Grace", "Wei", "Fatima", "Liam", "Sofia", "Noah", "Zoe",
          "Ethan", "Ava", "Lucas", "Mia", "Elijah", "Harper", "Kenji", "Ines", "Dmitri")
_LAST = ("Bennett", "Okafor", "Reyes", "Nguyen", "Brooks", "Morrison", "Patel", "Whitfield", "Kim",
         "Fischer", "Sullivan", "Mendoza", "Price", "Wright", "Carter", "Gomez", "Park", "Goldberg",
         "O'Connor", "Alvarez", "Schmidt", "Rossi", "Haddad", "Kowalski", "Tanaka", "Silva", "Dubois",
         "Johansson", "Murphy", "Chen", "Singh", "Lopez", "Novak", "Ibrahim", "Walsh", "Moreau")
_DOMAINS = ("gmail.com", "yahoo.com", "outlook.com", "icloud.com", "hotmail.com", "comcast.net",
            "aol.com", "proton.me")
_AGENTS = ("Priya", "Jordan", "Tess", "Marcus", "Elena", "Sam", "Kim", "Dev")
_AGENT_WEIGHTS = (18, 16, 15, 14, 12, 10, 8, 7)
# mistake -> relative weight; ~MISTAKE_RATE of rows get exactly one
MISTAKES = {
    "impossible_date": 8, "bad_email": 15, "blank_email": 5, "units_text": 8, "refund_no_amount": 10,
    "replacement_no_order": 8, "bad_defect": 8, "dup_ticket": 8, "best_by_text": 10,
    "comp_amount_mismatch": 8, "orphan_comp": 6, "blank_agent": 6,
}
MISTAKE_RATE = 0.03
COMP_RATE = 0.70


@dataclass
class Dataset:
    name: str
    log: list[list[Any]]           # Defective Log, header row first
    comp: list[list[Any]]          # Comp Sheet, header row first
    now: dt.datetime               # the clock the cycles run at
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return len(self.log) - 1


def _fmt_date(d: dt.date, fmt: str) -> Any:
    """A date as a rep types it: the demo's own forms ("cell" is a real date cell)."""
    return sample_fmt_date(d, None if fmt == "cell" else fmt)


def _choice_typed(rng: random.Random, value: str) -> str:
    """Choice cells as reps type them: mostly exact, sometimes odd case or stray spaces."""
    r = rng.random()
    if r < 0.03:
        return value.lower()
    if r < 0.04:
        return value + " "
    return value


def synthetic(n: int, seed: int = SEED, now: dt.datetime = NOW) -> Dataset:
    """A realistic Defective Log of `n` rows and its Comp Sheet (see the module docstring)."""
    rng = random.Random(seed * 1_000_003 + n)
    log_schema, comp_schema = sheet_schema.load("defective_log"), sheet_schema.load("comp_sheet")
    log_keys = [c.key for c in log_schema.laid_out]
    comp_keys = [c.key for c in comp_schema.laid_out]
    today = now.date()
    first_day = today - dt.timedelta(days=SPAN_DAYS)

    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(_PRODUCTS))]
    defect_names = list(DEFECTS)
    defect_weights = [DEFECTS[d][0] for d in defect_names]
    mistake_names = list(MISTAKES)
    mistake_weights = [MISTAKES[m] for m in mistake_names]

    # Reps append as they log: dates ascending, ~2% logged a few days late (out of order).
    offsets = sorted(rng.randrange(SPAN_DAYS) for _ in range(n))
    for i in range(n):
        if rng.random() < 0.02:
            offsets[i] = max(0, offsets[i] - rng.randint(1, 6))

    log_rows: list[list[Any]] = [list(log_schema.headers)]
    comp_entries: list[tuple[dt.date, int, list[Any]]] = []
    tickets: list[str] = []
    mistakes_count: dict[str, int] = {}
    for i in range(n):
        logged = first_day + dt.timedelta(days=offsets[i])
        age = (today - logged).days
        p_idx = rng.choices(range(len(_PRODUCTS)), weights)[0]
        canonical, price, lot_prefix, shelf, variants = _PRODUCTS[p_idx]
        r = rng.random()
        if r < 0.78:
            product = canonical
        elif r < 0.99 or canonical not in _TYPOS:
            product = rng.choice(variants)
        else:
            product = _TYPOS[canonical]
        defect = rng.choices(defect_names, defect_weights)[0]
        details = rng.choice(DEFECTS[defect][1])
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        handle = f"{first}.{last}" if rng.random() < 0.7 else f"{first[0]}{last}"
        email = f"{handle.lower().replace(chr(39), '')}{rng.randint(1, 999)}@{rng.choice(_DOMAINS)}"
        ticket = f"CS-{200000 + i}"
        order = str(1_000_000 + rng.randrange(9_000_000))
        units = rng.choices((1, 2, 3, 4, 5, 6), (70, 20, 7, 1, 1, 1))[0]
        refund = rng.random() < 0.55
        amount = round(units * price, 2)
        repl = "" if refund else f"R-{rng.randrange(10_000_000):07d}"
        made = logged - dt.timedelta(days=rng.randint(20, 120))
        lot = f"{lot_prefix}-{made:%y%m}{'ABCD'[rng.randrange(4)]}" if rng.random() < 0.88 else ""
        best_by: Any = made + dt.timedelta(days=shelf) if rng.random() < 0.8 else ""

        has_comp = rng.random() < COMP_RATE
        p_done = 0.95 if age > 21 else 0.7 if age > 7 else 0.3
        done = has_comp and rng.random() < p_done
        if done and age > 10:
            status = "Closed" if rng.random() < 0.85 else "Open"
        elif not has_comp and age > 60:
            status = "Closed" if rng.random() < 0.5 else "Open"
        else:
            status = "Open"

        date_fmt = rng.choices(("cell", "us", "us2", "mon", "iso"), (88, 5, 3, 2, 2))[0]
        row = {
            "date_logged": _fmt_date(logged, date_fmt), "ticket_id": ticket, "customer_name": f"{first} {last}",
            "customer_email": email, "order_number": int(order) if rng.random() < 0.2 else order,
            "product": product, "lot_number": lot, "best_by_date": best_by,
            "defect_type": _choice_typed(rng, defect), "complaint_details": details,
            "photo_received": _choice_typed(rng, "Yes" if rng.random() < 0.65 else "No"),
            "units_affected": str(units) if rng.random() < 0.03 else units,
            "resolution": _choice_typed(rng, "Refund" if refund else "Replacement"),
            "refund_amount": (f"${amount:.2f}" if rng.random() < 0.1 else amount) if refund else "",
            "replacement_order_number": repl,
            "agent": rng.choices(_AGENTS, _AGENT_WEIGHTS)[0], "status": _choice_typed(rng, status),
        }
        comp_amount: Any = amount
        comp_ticket = ticket
        mistake = rng.choices(mistake_names, mistake_weights)[0] if rng.random() < MISTAKE_RATE else None
        if mistake == "impossible_date":
            row["date_logged"] = f"2/30/{logged.year}"
        elif mistake == "bad_email":
            row["customer_email"] = email.rsplit(".", 1)[0]          # no dot in the domain
        elif mistake == "blank_email":
            row["customer_email"] = ""
        elif mistake == "units_text":
            row["units_affected"] = "two"
        elif mistake == "refund_no_amount" and refund:
            row["refund_amount"] = ""
        elif mistake == "replacement_no_order" and not refund:
            row["replacement_order_number"] = ""
        elif mistake == "bad_defect":
            row["defect_type"] = "Stale"
        elif mistake == "dup_ticket" and tickets:
            row["ticket_id"] = tickets[rng.randrange(max(0, len(tickets) - 50), len(tickets))]
        elif mistake == "best_by_text":
            row["best_by_date"] = "see photo"
        elif mistake == "comp_amount_mismatch" and refund and has_comp:
            a = f"{amount:.2f}"
            comp_amount = float(a[:-2] + a[-1] + a[-2]) if a[-1] != a[-2] else amount + 10
        elif mistake == "orphan_comp" and has_comp:
            comp_ticket = ticket[:-1]                      # a digit dropped when typing
        elif mistake == "blank_agent":
            row["agent"] = ""
        else:
            mistake = None
        if mistake:
            mistakes_count[mistake] = mistakes_count.get(mistake, 0) + 1
        # Customer Feedback (an optional column init adds) is filled only after a follow-up: blank here.
        row.setdefault("customer_feedback", "")
        tickets.append(row["ticket_id"])
        log_rows.append([row.get(k, "") for k in log_keys])   # optional columns nobody typed in: blank

        if has_comp:
            added = min(today, logged + dt.timedelta(days=rng.randint(0, 2)))
            processed = min(today, added + dt.timedelta(days=rng.randint(0, 3)))
            comp = {
                "date_added": added, "ticket_id": comp_ticket, "order_number": row["order_number"],
                "customer_name": f"{first} {last}", "customer_email": email,
                "type": _choice_typed(rng, "Refund" if refund else "Replacement"), "product": product,
                "units": units, "replacement_order_number": repl,
                "tracking_number": f"1Z{rng.randrange(16**6):06X}03{rng.randrange(10**8):08d}" if done and not refund else "",
                "refund_amount": comp_amount if refund else "",
                "refund_processed_on": processed if done and refund else "",
                "added_by": row["agent"] or rng.choice(_AGENTS),
            }
            comp_entries.append((added, i, [comp[k] for k in comp_keys]))

    comp_entries.sort(key=lambda e: (e[0], e[1]))
    comp_rows = [list(comp_schema.headers)] + [e[2] for e in comp_entries]
    info = {"kind": "synthetic", "seed": seed, "products": len(_PRODUCTS),
            "product_spellings": len(_PRODUCTS) + sum(len(p[4]) for p in _PRODUCTS) + len(_TYPOS),
            "mistakes": dict(sorted(mistakes_count.items())), "first_day": first_day.isoformat(),
            "last_day": (first_day + dt.timedelta(days=SPAN_DAYS - 1)).isoformat()}
    return Dataset(f"synthetic-{n}", log_rows, comp_rows, now, info)


def caers(limit: int | None = None) -> Dataset:
    """The log built from the real FDA CAERS extract (tests/caers.py): real dates and product names."""
    from tests import caers as _caers

    if _caers.caers_path() is None:
        raise FileNotFoundError(f"{_caers.CAERS_FILE} not found in {_caers.data_dir()} (set DLB_REAL_DATA)")
    log_rows, comp_rows = _caers.caers_defective_log(limit)
    products = {r[5] for r in log_rows[1:]}
    keys = {_caers.product_key(p) for p in products}
    info = {"kind": "caers", "source": str(_caers.caers_path()), "product_spellings": len(products),
            "product_keys": len(keys), "first_day": str(min(r[0] for r in log_rows[1:])),
            "last_day": str(max(r[0] for r in log_rows[1:]))}
    return Dataset("caers", log_rows, comp_rows, NOW, info)


def dataset(name: str) -> Dataset:
    if name == "caers":
        return caers()
    return synthetic(int(name))
