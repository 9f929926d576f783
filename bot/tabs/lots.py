"""Lots: which complaints share a Lot Number.

A lot is the same lot when its numbers agree once lower-cased with every character but letters and digits
removed (`l26-062`, `L26-062 ` and `L26062` are one lot): reps type lot numbers off a bag, in whatever
case and spacing. 21 CFR 111.570 asks that the lot be in the complaint record; two complaints about one
lot may be a lot problem, whatever the product line calls it, so Products & Logistics hear about it.
"""
from __future__ import annotations

from collections import Counter
from datetime import date
from functools import lru_cache

import pandas as pd

from bot.read import cells, keys
PRODUCTS_AND_LOGISTICS = "Products & Logistics"


@lru_cache(maxsize=1 << 16, typed=True)
def lot_key(lot) -> str:
    # Cached: a log repeats its lots, and every flag's Same Lot looks at each of its cases' lots (at
    # 100,000 rows, 800,000 look-ups of a few thousand lots). typed: 1 and 1.0 are different cells.
    return "".join(ch for ch in cells.as_text(lot).casefold() if ch.isalnum())


def shared_lots(case_lots) -> list[tuple[str, int]]:
    """(lot as first typed, number of cases) for each lot two or more of the cases share, in the order the
    lots first appear."""
    # In C over the cases (a flag of a 100,000-row log holds thousands): each case's key, how often
    # each key comes, and each key's first lot (reversed, so the first occurrence is the one kept).
    case_lots = list(case_lots)
    keys = list(map(lot_key, case_lots))
    counts = Counter(keys)
    first = dict(zip(reversed(keys), reversed(case_lots)))
    return [(cells.as_text(first[key]).strip(), counts[key]) for key in dict.fromkeys(keys)
            if key and counts[key] >= 2]


def same_lot_text(case_lots) -> str:
    """The Same Lot cell of a flag: `L26-062 ×3` (several lots: comma-separated), or blank."""
    return ", ".join(f"{lot} ×{n}" for lot, n in shared_lots(case_lots))


def month_lots(log: pd.DataFrame, start: date, end: date) -> list[dict]:
    """Every lot with 2 or more complaints logged from `start` to `end` (inclusive), whatever the product or
    defect: {lot, cases, products, defects}, most complaints first (then by lot). Products and defects are
    listed as first typed, each once."""
    cols = log[["date_logged", "lot_number", "product", "defect_type"]]
    lots: dict[str, dict] = {}
    for logged, lot, product, defect in cols.itertuples(index=False, name=None):
        key = lot_key(lot) if lot else ""
        if not key or logged is None or not start <= logged <= end:
            continue
        entry = lots.setdefault(key, {"lot": cells.as_text(lot).strip(), "cases": 0, "products": {}, "defects": {}})
        entry["cases"] += 1
        if product:
            entry["products"].setdefault(keys.product_key(product), product)
        if defect:
            entry["defects"].setdefault(defect, defect)
    out = [{"lot": e["lot"], "cases": e["cases"], "products": list(e["products"].values()),
            "defects": list(e["defects"].values())} for e in lots.values() if e["cases"] >= 2]
    return sorted(out, key=lambda e: (-e["cases"], e["lot"].casefold()))
