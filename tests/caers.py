"""The real FDA CAERS adverse-event extract (2004–2017Q2) as test and benchmark data.

Its "PRI_Reported Brand/Product Name" column holds ~85,000 real, free-text product names typed by
reporters, with real spelling variants; "RA_CAERS Created Date" gives real dates. See SOURCE.md next to
the file. The data directory is $DLB_REAL_DATA, else <repo>/../shared/data/real.

    caers_path()                      -> Path | None
    load_caers(limit=None)            -> DataFrame[report, created (date), product (str)]
    caers_defective_log(n=None, seed) -> (Defective Log rows, Comp Sheet rows), header first, all valid
    variant_groups(min_size, limit)   -> [[name, name, ...], ...] names that share one product key
"""
from __future__ import annotations

import datetime as dt
import functools
import os
import random
import tomllib
from pathlib import Path

import pandas as pd

CAERS_FILE = "CAERS_ASCII_2004_2017Q2.csv"
REPO_ROOT = Path(__file__).resolve().parent.parent
_COLUMNS = {
    "RA_Report #": "report",
    "RA_CAERS Created Date": "created",
    "PRI_Reported Brand/Product Name": "product",
}
DEFECT_TYPES = ("Unsealed Packaging", "Rancid / Off Taste", "Foreign Object", "Clumping",
                "Other Quality Issue")
_FIRST = ("Olivia", "Daniel", "Hannah", "Kevin", "Samantha", "Tyler", "Aisha", "Greg", "Laura", "Brian",
          "Jessica", "Ryan", "Megan", "Carlos", "Natalie", "Jason", "Emily", "Maria", "Andrew", "Rachel")
_LAST = ("Bennett", "Okafor", "Reyes", "Nguyen", "Brooks", "Morrison", "Patel", "Whitfield", "Kim",
         "Fischer", "Sullivan", "Mendoza", "Price", "Wright", "Carter", "Gomez", "Park", "Goldberg")
_DOMAINS = ("gmail.com", "yahoo.com", "outlook.com", "icloud.com", "comcast.net")
_AGENTS = ("Priya", "Jordan", "Tess", "Marcus", "Elena")
_DETAILS = {
    "Unsealed Packaging": "The bag arrived open, the seal along the top was not closed.",
    "Rancid / Off Taste": "It tastes rancid and bitter, nothing like the last one I bought.",
    "Foreign Object": "I found a small piece of cardboard and some black specks inside.",
    "Clumping": "Everything is stuck together in one hard clump.",
    "Other Quality Issue": "The product is soft and discoloured, clearly not right.",
}


def data_dir() -> Path:
    env = os.environ.get("DLB_REAL_DATA")
    if env:
        return Path(env).expanduser()
    return REPO_ROOT.parent / "shared" / "data" / "real"


def caers_path() -> Path | None:
    """The CAERS CSV, or None when it is not there."""
    path = data_dir() / CAERS_FILE
    return path if path.is_file() else None


def product_key(name: str) -> str:
    """The contract's product identity: lower-cased, only letters and digits kept."""
    return "".join(ch for ch in str(name).lower() if ch.isalnum())


@functools.lru_cache(maxsize=2)
def _load_all(path: str) -> pd.DataFrame:
    df = pd.read_csv(path, usecols=list(_COLUMNS), dtype=str, keep_default_na=False, encoding="utf-8")
    df = df.rename(columns=_COLUMNS)[["report", "created", "product"]]
    df["report"] = df["report"].str.strip()
    df["product"] = df["product"].str.strip()
    keep = (df["product"] != "") & (df["product"].str.upper() != "REDACTED")
    df = df[keep].reset_index(drop=True)
    df["created"] = pd.to_datetime(df["created"].str.strip(), format="%m/%d/%Y").dt.date
    return df


def _require_path() -> Path:
    path = caers_path()
    if path is None:
        raise FileNotFoundError(f"{CAERS_FILE} not found in {data_dir()} (set DLB_REAL_DATA)")
    return path


def load_caers(limit: int | None = None) -> pd.DataFrame:
    """CAERS product rows in file order: columns report (str), created (datetime.date), product (str).

    Rows whose product name is "REDACTED" (or blank) are dropped. Returns a copy the caller may change.
    """
    df = _load_all(str(_require_path()))
    if limit is not None:
        df = df.head(limit)
    return df.copy()


@functools.lru_cache(maxsize=1)
def _headers() -> tuple[list[str], list[str]]:
    def read(name: str) -> list[str]:
        raw = tomllib.loads((REPO_ROOT / "sheet_schema" / name).read_text(encoding="utf-8"))
        return [c["header"] for c in raw["columns"] if "letter" in c]   # the contract's columns, A onwards
    return read("defective_log.toml"), read("comp_sheet.toml")


def caers_defective_log(n: int | None = None, seed: int = 7) -> tuple[list[list], list[list]]:
    """Defective Log and Comp Sheet rows (header first) built from the first `n` CAERS rows.

    Date Logged and Product are real; Ticket IDs are "CAERS-<report>-<k>" (k counts a report's rows
    from 1); every other field is synthetic but valid under the contract, and Comp Sheet rows (for ~70%
    of tickets, about half of them with the work done) agree with the log. Deterministic for (n, seed).
    """
    df = load_caers(n)
    rng = random.Random(seed)
    log_headers, comp_headers = _headers()
    log_rows: list[list] = [list(log_headers)]
    comp_rows: list[list] = [list(comp_headers)]
    seen: dict[str, int] = {}
    for i, (report, created, product) in enumerate(zip(df["report"], df["created"], df["product"])):
        seen[report] = seen.get(report, 0) + 1
        ticket = f"CAERS-{report}-{seen[report]}"
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        email = f"{first.lower()}.{last.lower()}{rng.randint(1, 999)}@{rng.choice(_DOMAINS)}"
        order = str(100000 + i)
        defect = DEFECT_TYPES[i % len(DEFECT_TYPES)]
        units = 1 + i % 3
        refund = i % 2 == 0
        amount = round(units * (3.49 + (i % 7)), 2) if refund else ""
        repl = "" if refund else str(500000 + i)
        agent = _AGENTS[i % len(_AGENTS)]
        has_comp = rng.random() < 0.7
        done = has_comp and rng.random() < 0.5
        status = "Closed" if done and i % 4 == 0 else "Open"
        lot = f"L{created:%y%j}{'ABC'[i % 3]}" if i % 5 else ""
        best_by = created + dt.timedelta(days=180) if i % 4 else ""
        log_rows.append([
            created, ticket, f"{first} {last}", email, order if i % 3 else int(order), product,
            lot, best_by, defect, _DETAILS[defect], "Yes" if i % 2 else "No", units,
            "Refund" if refund else "Replacement", amount, repl, agent, status,
        ])
        if has_comp:
            added = created + dt.timedelta(days=1)
            comp_rows.append([
                added, ticket, order, f"{first} {last}", email, "Refund" if refund else "Replacement",
                product, units,
                repl, "" if refund or not done else f"1Z{500000 + i:06d}03{i:08d}",
                amount, added + dt.timedelta(days=1) if refund and done else "",
                agent,
            ])
    return log_rows, comp_rows


@functools.lru_cache(maxsize=8)
def _variant_groups(min_size: int) -> tuple[tuple[str, ...], ...]:
    names = load_caers()["product"].drop_duplicates()
    groups: dict[str, list[str]] = {}
    for name in names:
        key = product_key(name)
        # Keep names whose key is the same whether "letters and digits" means Unicode or ASCII only,
        # so the groups do not depend on that reading of the contract.
        if not key or not key.isascii():
            continue
        groups.setdefault(key, []).append(name)
    found = [sorted(g) for g in groups.values() if len(g) >= min_size]
    found.sort(key=lambda g: (-len(g), product_key(g[0])))
    return tuple(tuple(g) for g in found)


def variant_groups(min_size: int = 3, limit: int | None = 50) -> list[list[str]]:
    """Groups of distinct real product names that share one product key (case, spacing, punctuation
    variants), largest first; each group sorted. At most `limit` groups (None = all)."""
    found = _variant_groups(min_size)
    if limit is not None:
        found = found[:limit]
    return [list(g) for g in found]
