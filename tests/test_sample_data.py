"""The demo sample (bot/demo/sample_data.py) and the real CAERS loader (tests/caers.py).

The sample is checked against a small reference reading of PRODUCT.md written here, independent of the
bot: every deliberate mistake is found exactly where EXPECTED says and nothing else is, the ready drafts
and the recurrence flags are exactly EXPECTED's.
"""
from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
for p in (HERE, HERE.parent):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import caers  # noqa: E402
import sheet_schema  # noqa: E402
from bot.demo import sample_data  # noqa: E402
from bot.demo.sample_data import build_sample  # noqa: E402
from sample_expectations import EXPECTED, expected, product_key  # noqa: E402

LOG, COMP = "Defective Log", "Comp Sheet"
TODAY = sample_data.REFERENCE_TODAY
TODAYS = [TODAY, dt.date(2027, 1, 4), dt.date(2028, 3, 1), dt.date(2026, 12, 31), dt.date(2030, 7, 15)]


# ---------------------------------------------------------------- a reference reading of the contract
_MONTHS = {m.lower(): i for i, m in enumerate(
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1)}
_MONTHS.update({m.lower(): i for i, m in enumerate(
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
     "November", "December"], 1)})


def blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def as_text(v) -> str:
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def parse_date(v) -> dt.date | None:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(v))
    s = str(v).strip()
    try:
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", s):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if m := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})", s):
            year = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
            return dt.date(year, int(m[1]), int(m[2]))
        if m := re.fullmatch(r"([A-Za-z]+)\.? (\d{1,2}), (\d{4})", s):
            if m[1].lower() in _MONTHS:
                return dt.date(int(m[3]), _MONTHS[m[1].lower()], int(m[2]))
    except ValueError:
        return None
    return None


def parse_count(v) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        n = v
    elif isinstance(v, float) and v.is_integer():
        n = int(v)
    elif isinstance(v, str) and v.strip().isdigit():
        n = int(v.strip())
    else:
        return None
    return n if n >= 1 else None


def parse_money(v) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        n = float(v)
    else:
        s = str(v).strip().replace(",", "")
        s = s[1:] if s.startswith("$") else s
        if not re.fullmatch(r"\d+(\.\d{1,2})?", s):
            return None
        n = float(s)
    return round(n, 2) if n > 0 else None


def valid_email(v) -> bool:
    s = as_text(v)
    if s.count("@") != 1 or re.search(r"\s", s):
        return False
    local, domain = s.split("@")
    return bool(local) and "." in domain.strip(".") and not domain.startswith(".") and not domain.endswith(".")


def choice(v, choices) -> str | None:
    s = as_text(v).lower() if not blank(v) else ""
    return next((c for c in choices if c.lower() == s), None)


DEFECTS = sample_data.DEFECT_TYPES


def check(tabs: dict[str, list[list]]) -> dict:
    """Problems, ready drafts and flags, per PRODUCT.md, of two rep tabs (header row first)."""
    log_schema, comp_schema = sheet_schema.load("defective_log"), sheet_schema.load("comp_sheet")
    issues: set[tuple[str, int, str, str]] = set()
    log_rows = [(i, r + [None] * (17 - len(r))) for i, r in enumerate(tabs[LOG][1:], 2)
                if not all(blank(c) for c in r)]
    comp_rows = [(i, r + [None] * (13 - len(r))) for i, r in enumerate(tabs[COMP][1:], 2)
                 if not all(blank(c) for c in r)]

    def check_cell(tab, rownum, col, value, required):
        if blank(value):
            if required:
                issues.add((tab, rownum, col.letter, "error"))
            return
        ok = {
            "date": lambda: parse_date(value) is not None,
            "email": lambda: valid_email(value),
            "count": lambda: parse_count(value) is not None,
            "money": lambda: parse_money(value) is not None,
            "choice": lambda: choice(value, col.choices) is not None,
        }.get(col.type, lambda: True)()
        if not ok:
            issues.add((tab, rownum, col.letter, "error" if required or col.required_when else "warning"))

    for rownum, r in log_rows:
        res = choice(r[12], ("Refund", "Replacement"))
        for idx, col in enumerate(log_schema.columns):
            req = col.required or (col.required_when is not None and res == col.required_when.equals)
            check_cell(LOG, rownum, col, r[idx] if idx < len(r) else "", req)
    for rownum, r in comp_rows:
        for idx, col in enumerate(comp_schema.columns):
            check_cell(COMP, rownum, col, r[idx], col.required)

    first_row: dict[str, int] = {}
    for rownum, r in log_rows:
        t = as_text(r[1])
        if t in first_row:
            issues.add((LOG, rownum, "B", "error"))
        elif t:
            first_row[t] = rownum
    comp_by_ticket: dict[str, list] = {}
    for rownum, r in comp_rows:
        t = as_text(r[1])
        if t and t not in first_row:  # blocks no draft, so a warning
            issues.add((COMP, rownum, "B", "warning"))
        comp_by_ticket.setdefault(t, r)
    for rownum, r in log_rows:
        c = comp_by_ticket.get(as_text(r[1]))
        if c is None:
            continue
        res, typ = choice(r[12], ("Refund", "Replacement")), choice(c[5], ("Refund", "Replacement"))
        if res and typ and res != typ:
            issues.add((LOG, rownum, "M", "error"))
        a, b = parse_money(r[13]), parse_money(c[10])
        if a is not None and b is not None and a != b:
            issues.add((LOG, rownum, "N", "error"))
        if not blank(r[14]) and not blank(c[8]) and as_text(r[14]) != as_text(c[8]):
            issues.add((LOG, rownum, "O", "error"))

    error_rows = {(t, n) for t, n, _, s in issues if s == "error"}
    drafts = {}
    for rownum, r in log_rows:
        if (LOG, rownum) in error_rows or choice(r[16], ("Open", "Closed")) != "Open":
            continue
        c = comp_by_ticket.get(as_text(r[1]))
        if c is None:
            continue
        res, typ = choice(r[12], ("Refund", "Replacement")), choice(c[5], ("Refund", "Replacement"))
        if res == typ == "Replacement" and not blank(c[8]) and not blank(c[9]):
            drafts[as_text(r[1])] = "Replacement Shipped"
        if res == typ == "Refund" and parse_money(c[10]) and parse_date(c[11]):
            drafts[as_text(r[1])] = "Refund Processed"

    groups: dict[tuple[str, str], list] = {}
    for rownum, r in log_rows:
        d, defect, key = parse_date(r[0]), choice(r[8], DEFECTS), product_key(as_text(r[5]))
        if d and defect and key:
            groups.setdefault((key, defect), []).append((d, rownum, as_text(r[1])))
    flags = []
    for (key, defect), cases in groups.items():
        cases.sort()
        episodes = [[cases[0]]]
        for prev, cur in zip(cases, cases[1:]):
            if (cur[0] - prev[0]).days <= 14:
                episodes[-1].append(cur)
            else:
                episodes.append([cur])
        flags += [(key, defect, [c[2] for c in ep]) for ep in episodes if len(ep) >= 2]
    return {"issues": issues, "drafts": drafts, "flags": sorted(flags)}


# ---------------------------------------------------------------- the sample
def test_build_sample_is_deterministic():
    assert build_sample(TODAY) == build_sample(TODAY)
    assert expected(TODAY) == EXPECTED


def test_headers_match_the_schema_files():
    s = build_sample(TODAY)
    assert set(s) == {LOG, COMP}
    assert s[LOG][0] == sheet_schema.load("defective_log").headers
    assert s[COMP][0] == sheet_schema.load("comp_sheet").headers
    assert all(len(r) == 18 for r in s[LOG]) and all(len(r) == 13 for r in s[COMP])


def test_size_and_cell_types():
    s = build_sample(TODAY)
    assert 40 <= len(s[LOG]) - 1 <= 48
    assert EXPECTED["row_counts"] == {LOG: len(s[LOG]) - 1, COMP: len(s[COMP]) - 1}
    allowed = (str, int, float, dt.date, type(None))
    for rows in s.values():
        for r in rows[1:]:
            assert all(isinstance(v, allowed) and not isinstance(v, bool) for v in r)
    # some dates typed as text, some order numbers typed as numbers
    assert sum(isinstance(r[0], str) for r in s[LOG][1:]) >= 3
    assert any(isinstance(r[4], int) for r in s[LOG][1:])


@pytest.mark.parametrize("today", TODAYS)
def test_dates_are_recent_and_not_in_the_future(today):
    s = build_sample(today)
    for r in s[LOG][1:]:
        d = parse_date(r[0])
        if r[0] == f"2/30/{today.year}":
            assert d is None
            continue
        assert d is not None and today - dt.timedelta(days=90) <= d <= today   # the story's older cases: 88 days
    for r in s[COMP][1:]:
        for v in (r[0], r[11]):
            if not blank(v):
                assert today - dt.timedelta(days=90) <= parse_date(v) <= today


@pytest.mark.parametrize("today", TODAYS)
def test_sample_holds_exactly_what_expected_says(today):
    exp = expected(today)
    got = check(build_sample(today))
    want = {(t, n, c, "error") for t, n, c, _ in exp["errors"]}
    want |= {(t, n, c, "warning") for t, n, c, _ in exp["warnings"]}
    assert got["issues"] == want
    assert got["drafts"] == exp["ready_drafts"]
    assert got["flags"] == sorted((f["product_key"], f["defect"], f["tickets"]) for f in exp["flags"])


def test_expected_is_the_same_for_any_today_except_dates():
    def strip(e):
        e = dict(e, today=None)
        # lot numbers encode the production date, so they move with `today` too
        e["flags"] = [dict(f, first_logged=None, last_logged=None, lots=len(f["lots"])) for f in e["flags"]]
        return e
    assert all(strip(expected(t)) == strip(EXPECTED) for t in TODAYS)


def test_expected_contents():
    assert len(EXPECTED["mistakes"]) == len(EXPECTED["errors"]) + len(EXPECTED["warnings"])
    assert 6 <= len(EXPECTED["mistakes"]) <= 10
    rows = [(t, n) for t, n, _, _ in EXPECTED["mistakes"]]
    assert len(rows) == len(set(rows)), "one deliberate mistake per row"
    kinds = list(EXPECTED["ready_drafts"].values())
    assert kinds.count("Refund Processed") >= 2 and kinds.count("Replacement Shipped") >= 2
    assert EXPECTED["unprocessed"] and EXPECTED["closed"]
    assert not set(EXPECTED["ready_drafts"]) & set(EXPECTED["unprocessed"])
    assert not set(EXPECTED["ready_drafts"]) & set(EXPECTED["closed"])
    assert [(f["product_key"], f["defect"], len(f["tickets"])) for f in EXPECTED["flags"]] == [
        ("honeyroastedalmonds8oz", "Clumping", 2),            # the story's older flags (corrective action)
        ("darkchocolatepretzels6oz", "Foreign Object", 2),
        ("honeyroastedalmonds8oz", "Rancid / Off Taste", 3),
        ("trailmixoriginal12oz", "Foreign Object", 3),
    ]
    assert [m["gap_days"] for m in EXPECTED["not_flagged"]] == [15, 30]


def test_error_rows_are_never_ready_drafts():
    s = build_sample(TODAY)
    error_tickets = {as_text(s[LOG][n - 1][1]) for t, n, _, _ in EXPECTED["errors"] if t == LOG}
    # the duplicated ticket's first occurrence is valid and has no Comp Sheet row, so no draft either way
    assert not error_tickets & set(EXPECTED["ready_drafts"])


def test_spelling_variants_normalise_equal():
    s = build_sample(TODAY)
    trail = [r for r in s[LOG][1:] if product_key(r[5]) == "trailmixoriginal12oz"]
    spellings = {r[5] for r in trail}
    assert {"Trail Mix Original 12oz", "trail mix original 12 oz", "TRAIL MIX - ORIGINAL 12OZ"} <= spellings
    assert len({caers.product_key(x) for x in spellings}) == 1
    flag = next(f for f in EXPECTED["flags"] if f["product_key"] == "trailmixoriginal12oz")
    rows = {as_text(r[1]): r for r in s[LOG][1:]}
    assert {rows[t][5] for t in flag["tickets"]} == {
        "Trail Mix Original 12oz", "trail mix original 12 oz", "TRAIL MIX - ORIGINAL 12OZ"}
    assert flag["product"] == "Trail Mix Original 12oz"
    # the flag's cases are not in date order on the sheet (one was logged late)
    sheet_order = [as_text(r[1]) for r in s[LOG][1:] if as_text(r[1]) in flag["tickets"]]
    assert sheet_order != flag["tickets"]


def test_gaps_fifteen_and_fourteen_days():
    s = build_sample(TODAY)
    dates = {as_text(r[1]): parse_date(r[0]) for r in s[LOG][1:]}
    pair = next(m for m in EXPECTED["not_flagged"] if m["gap_days"] == 15)
    a, b = pair["tickets"]
    assert (dates[b] - dates[a]).days == 15
    almonds = next(f for f in EXPECTED["flags"] if f["defect"] == "Rancid / Off Taste")
    gaps = [(dates[y] - dates[x]).days for x, y in zip(almonds["tickets"], almonds["tickets"][1:])]
    assert 14 in gaps and all(g <= 14 for g in gaps)
    trail = next(f for f in EXPECTED["flags"] if f["product_key"] == "trailmixoriginal12oz")
    earlier = next(m for m in EXPECTED["not_flagged"] if m["gap_days"] == 30)
    assert earlier["tickets"][1] == trail["tickets"][0]
    assert (dates[earlier["tickets"][1]] - dates[earlier["tickets"][0]]).days == 30


def test_ticket_ids_unique_except_the_deliberate_duplicate():
    s = build_sample(TODAY)
    ids = [as_text(r[1]) for r in s[LOG][1:]]
    dups = {t for t in ids if ids.count(t) > 1}
    assert dups == {EXPECTED["duplicate_ticket"]} and ids.count(EXPECTED["duplicate_ticket"]) == 2
    assert all(re.fullmatch(r"CS-\d{5}", t) for t in ids)


def test_odd_choice_spellings_are_present():
    s = build_sample(TODAY)
    cells = {v for r in s[LOG][1:] for v in r if isinstance(v, str)}
    assert {"  refund", "YES", "open ", "foreign object"} <= cells


def test_sample_module_is_pure():
    src = Path(sample_data.__file__).read_text(encoding="utf-8")
    assert "openpyxl" not in src and "open(" not in src and "pandas" not in src


# ---------------------------------------------------------------- CAERS
needs_caers = pytest.mark.skipif(caers.caers_path() is None,
                                 reason=f"CAERS file not found in {caers.data_dir()} (set DLB_REAL_DATA)")


@needs_caers
def test_load_caers():
    df = caers.load_caers()
    assert len(df) > 80_000
    assert list(df.columns) == ["report", "created", "product"]
    assert isinstance(df["created"].iloc[0], dt.date)
    assert not (df["product"].str.upper() == "REDACTED").any()
    assert (df["product"].str.strip() != "").all()
    assert len(caers.load_caers(limit=100)) == 100


@needs_caers
def test_caers_defective_log_shapes_and_validity():
    log, comp = caers.caers_defective_log(2000)
    assert log[0] == sheet_schema.load("defective_log").headers
    assert comp[0] == sheet_schema.load("comp_sheet").headers
    assert len(log) == 2001 and all(len(r) == 17 for r in log[1:])   # no Customer Feedback typed
    assert all(len(r) == 13 for r in comp)
    assert 0.6 * 2000 <= len(comp) - 1 <= 0.8 * 2000
    ids = [r[1] for r in log[1:]]
    assert len(set(ids)) == len(ids) and all(i.startswith("CAERS-") for i in ids)
    real = caers.load_caers(2000)
    assert [r[5] for r in log[1:]] == list(real["product"])
    assert [r[0] for r in log[1:]] == list(real["created"])
    got = check({LOG: log, COMP: comp})
    assert got["issues"] == set()
    assert got["drafts"], "some comp work is done"
    assert caers.caers_defective_log(300, seed=3) == caers.caers_defective_log(300, seed=3)


@needs_caers
def test_variant_groups():
    groups = caers.variant_groups()
    assert 10 <= len(groups) <= 50
    for g in groups:
        assert len(g) >= 3 and len(set(g)) == len(g)
        assert len({caers.product_key(x) for x in g}) == 1
    assert len(caers.variant_groups(min_size=5, limit=3)) == 3
    assert all(len(g) >= 5 for g in caers.variant_groups(min_size=5))


RESERVED = ("example.com", "example.org", "example.net")   # RFC 2606: never anyone's mailbox


def test_every_address_in_the_sample_is_on_a_reserved_example_domain():
    from bot.demo.sample_data import build_sample
    tabs = build_sample(dt.date(2026, 11, 30))
    seen = 0
    for tab in ("Defective Log", "Comp Sheet"):
        rows = tabs[tab]
        col = rows[0].index("Customer Email")
        for row in rows[1:]:
            email = row[col] if col < len(row) else None
            if isinstance(email, str) and "@" in email:
                domain = email.rsplit("@", 1)[1]
                assert domain == "example" or domain.endswith(RESERVED), email
                seen += 1
    assert seen > 50


def test_a_messy_team_workbook_gives_exactly_the_samples_problems(tmp_path, capsys):
    """Tab names in another case, dates in every written form, placeholders in the empty optional cells,
    names typed all lower-case: not one spurious warning, the same drafts and flags."""
    from bot.cli.main import main
    from bot.demo.run import write_workbook
    from bot.demo.sample_data import build_messy_sample, build_sample
    import openpyxl
    today = dt.date(2026, 11, 30)
    results = {}
    for name, tabs in (("tidy", build_sample(today)), ("messy", build_messy_sample(today))):
        path = tmp_path / f"{name}.xlsx"
        write_workbook(path, tabs)
        assert main(["run", "--once", "--workbook", str(path)]) == 0
        wb = openpyxl.load_workbook(path, read_only=True)
        rows = {t: [list(r) for r in wb[t].iter_rows(min_row=2, values_only=True)]
                for t in ("Log Issues", "Escalations", "Drafts")}
        results[name] = {
            "issues": sorted((r[0], r[1], r[3], r[6]) for r in rows["Log Issues"]),
            "flags": [(r[0], r[3], r[6]) for r in rows["Escalations"]],
            "drafts": sorted((r[0], r[1]) for r in rows["Drafts"]),
        }
    capsys.readouterr()
    messy = build_messy_sample(today)
    typed = [c for r in messy["Defective log"][1:] + messy["comp sheet"][1:] for c in r if isinstance(c, str)]
    assert sum(c in ("N/A", "n/a", "NA", "-", "\u2014", "none", "TBD") for c in typed) > 40
    assert any(c.startswith(("Monday, ", "Tuesday, ", "Wednesday, ", "Thursday, ", "Friday, ")) for c in typed)
    assert results["messy"] == results["tidy"]
    assert len(results["tidy"]["issues"]) == 10 and results["tidy"]["drafts"]
