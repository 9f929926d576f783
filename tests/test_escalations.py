"""The episode rule and how flags are kept across cycles."""
from datetime import date, timedelta

import pytest

from bot.backends.base import Snapshot
from bot.config import load_settings
from bot.cycle.compute import compute
from bot.tabs.drafts import Renderer
from conftest import NOW, case, rows_of

D0 = date(2026, 10, 1)


def cases(*days, product="Trail Mix Original 12oz", defect="Foreign Object", start=1, **extra):
    return [case(f"CS-{start + i}", date_logged=D0 + timedelta(days=d), product=product,
                 defect_type=defect, lot_number=f"L{start + i}", **extra) for i, d in enumerate(days)]


def flags(out):
    return [(r["flag_id"], r["cases"], r["ticket_ids"]) for r in out.desired["escalations"]]


@pytest.mark.parametrize("days, expected", [
    pytest.param((0, 14), [("ESC-0001", 2, "CS-1, CS-2")], id="gap-14-days-counts"),
    pytest.param((0, 15), [], id="gap-15-days-does-not"),
    pytest.param((0,), [], id="single-case"),
    pytest.param((0, 0), [("ESC-0001", 2, "CS-1, CS-2")], id="same-day"),
    pytest.param((0, 10, 20, 30), [("ESC-0001", 4, "CS-1, CS-2, CS-3, CS-4")], id="chain-each-within-14"),
    pytest.param((0, 14, 29, 30), [("ESC-0001", 2, "CS-1, CS-2"), ("ESC-0002", 2, "CS-3, CS-4")],
                 id="gap-15-splits-two-episodes"),
])
def test_episode_rule(run, days, expected):
    assert flags(run(cases(*days))) == expected


def test_previous_is_by_date_not_sheet_order(run):
    log = cases(20, 0, 10)  # typed out of order
    (flag,) = run(log).desired["escalations"]
    assert flag["ticket_ids"] == "CS-2, CS-3, CS-1"
    assert flag["lot_numbers"] == "L2, L3, L1"
    assert (flag["first_logged"], flag["last_logged"]) == ("2026-10-01", "2026-10-21")


@pytest.mark.parametrize("other", [
    pytest.param({"product": "Honey Roasted Almonds 8oz"}, id="other-product"),
    pytest.param({"defect": "Clumping"}, id="other-defect"),
])
def test_different_product_or_defect_never_joins(run, other):
    log = cases(0) + cases(3, start=2, **other)
    assert flags(run(log)) == []


@pytest.mark.parametrize("spellings", [
    pytest.param(("Trail Mix Original 12oz", "trail mix original 12 oz", "TRAIL MIX - ORIGINAL 12OZ"),
                 id="demo-variants"),
    pytest.param(("Chobani Greek  Yogurt", "CHOBANI GREEK-YOGURT", "chobani greek yogurt"), id="contract-example"),
])
def test_spelling_variants_merge_and_first_spelling_shows(run, spellings):
    log = [case(f"CS-{i}", date_logged=D0 + timedelta(days=i), product=p) for i, p in enumerate(spellings)]
    (flag,) = run(log).desired["escalations"]
    assert flag["cases"] == 3 and flag["product"] == spellings[0]


def test_the_first_cases_spelling_shows_even_when_the_log_mostly_spells_it_otherwise(run):
    # The contract: "Product shows the spelling of the episode's first case" (drafts name the product
    # as the log spells it most; a flag keeps what the lead first saw).
    log = (cases(0, product="trail mix original 12 oz") + cases(3, 5, start=2)
           + cases(40, defect="Clumping", start=4))
    (flag,) = run(log).desired["escalations"]
    assert (flag["product"], flag["ticket_ids"]) == ("trail mix original 12 oz", "CS-1, CS-2, CS-3")


def test_alias_list_maps_other_spellings(run):
    settings = load_settings(environ={})
    settings.recurrence.aliases = {"tmo12": "trailmixoriginal12oz"}
    log = cases(0) + cases(2, product="TMO 12", start=2)
    assert flags(run(log, settings_=settings)) == [("ESC-0001", 2, "CS-1, CS-2")]
    assert flags(run(log)) == []


def test_closed_rows_and_rows_with_other_problems_still_count(run):
    log = cases(0, status="Closed") + cases(5, start=2, customer_email="broken", units_affected="two")
    out = run(log)
    assert flags(out) == [("ESC-0001", 2, "CS-1, CS-2")]
    assert out.validation.errors == 2


@pytest.mark.parametrize("bad", [
    pytest.param({"date_logged": "2/30/2026"}, id="bad-date"),
    pytest.param({"product": ""}, id="blank-product"),
    pytest.param({"defect_type": "Stale"}, id="bad-defect"),
])
def test_rows_without_valid_date_product_or_defect_do_not_count(run, bad):
    assert flags(run(cases(0) + [case("CS-9", **{**bad})])) == []


def test_notify_by_defect_type(run, settings):
    settings.escalation.serious = ()  # without the escalation matrix's Level 3 (see test_open_cases.py)
    out = run(cases(0, 1) + cases(0, 1, defect="Clumping", start=3))
    notify = {r["defect_type"]: r["notify"] for r in out.desired["escalations"]}
    assert notify == {"Foreign Object": "Products & Logistics, CS Manager", "Clumping": "CS Team Lead"}


def test_notify_names_senior_management_for_a_serious_defect(run):
    out = run(cases(0, 1) + cases(0, 1, defect="Clumping", start=3))
    notify = {r["defect_type"]: r["notify"] for r in out.desired["escalations"]}
    assert notify == {"Foreign Object": "Products & Logistics, CS Manager, Senior Management",
                      "Clumping": "CS Team Lead"}


def esc_table(rows):
    """Escalations rows as they sit in the sheet after an earlier cycle (with lead columns)."""
    from sheet_schema import load
    schema = load("escalations")
    return [schema.headers] + [[r.get(c.key) for c in schema.columns] for r in rows]


def cycle(log, esc_rows, now=NOW):
    snap = Snapshot({"Defective Log": rows_of("defective_log", log), "Comp Sheet": rows_of("comp_sheet", []),
                     "Escalations": esc_table(esc_rows)}, "t")
    return compute(snap, load_settings(environ={}), now, Renderer())


def test_flag_keeps_id_grows_and_keeps_set_once_and_lead_values():
    first = cycle(cases(0, 5), [])
    rows = first.desired["escalations"]
    rows[0].update(lead_status="Investigating", lead_notes="Called the co-packer", flagged_at="2026-10-07 08:00")
    later = NOW + timedelta(days=1)
    grown = cycle(cases(0, 5, 9), rows, now=later)
    (row,) = grown.desired["escalations"]
    assert (row["flag_id"], row["cases"], row["flagged_at"]) == ("ESC-0001", 3, "2026-10-07 08:00")
    assert row["updated_at"] == later.strftime("%Y-%m-%d %H:%M")
    assert (row["lead_status"], row["lead_notes"]) == ("Investigating", "Called the co-packer")
    assert grown.flags.grown == ["ESC-0001"]
    # Lead columns are never in a write range.
    lead_cols = {12, 13}
    for w in grown.plan.writes:
        assert not lead_cols & set(range(w.col, w.last_col + 1)), w


def test_new_flags_are_numbered_after_existing_ones_in_date_order():
    old = cycle(cases(0, 3), []).desired["escalations"]
    log = cases(0, 3) + cases(40, 41, defect="Clumping", start=10) + cases(30, 31, start=20,
                                                                           product="Honey Roasted Almonds 8oz")
    out = cycle(log, old)
    got = [(r["flag_id"], r["product"], r["defect_type"]) for r in out.desired["escalations"]]
    assert got == [("ESC-0001", "Trail Mix Original 12oz", "Foreign Object"),
                   ("ESC-0002", "Honey Roasted Almonds 8oz", "Foreign Object"),
                   ("ESC-0003", "Trail Mix Original 12oz", "Clumping")]


def test_flag_row_is_never_deleted_when_cases_are_corrected():
    rows = cycle(cases(0, 5), []).desired["escalations"]
    corrected = cases(0) + [case("CS-2", date_logged=D0 + timedelta(days=60))]
    out = cycle(corrected, rows)
    filled = lambda rs: [{k: v for k, v in r.items() if v not in (None, "")} for r in rs]  # noqa: E731
    assert filled(out.desired["escalations"]) == filled(rows)
    assert out.plan.writes == () or all(w.tab != "Escalations" for w in out.plan.writes)


def test_backdated_case_merges_two_flags_into_the_older():
    # Two episodes 20 days apart, each already flagged.
    log = cases(0, 3) + cases(23, 26, start=3)
    rows = cycle(log, []).desired["escalations"]
    assert [r["flag_id"] for r in rows] == ["ESC-0001", "ESC-0002"]
    backdated = log + [case("CS-9", date_logged=D0 + timedelta(days=13), product="Trail Mix Original 12oz",
                            defect_type="Foreign Object")]
    out = cycle(backdated, rows)
    first, second = out.desired["escalations"]
    assert first["flag_id"] == "ESC-0001" and first["cases"] == 5
    assert first["ticket_ids"] == "CS-1, CS-2, CS-9, CS-3, CS-4"
    assert second["merged_into"] == "ESC-0001" and second["cases"] == 2
    assert out.flags.merged == ["ESC-0002"]
    # Next cycle: stable, nothing to write for Escalations.
    again = cycle(backdated, out.desired["escalations"])
    assert all(w.tab != "Escalations" for w in again.plan.writes)
    assert (again.flags.merged, again.flags.raised) == ([], [])    # a merged flag is never claimed again


def test_split_episode_keeps_old_id_for_the_earlier_part():
    rows = cycle(cases(0, 5, 10, 15), []).desired["escalations"]
    moved = cases(0, 5) + cases(40, 45, start=3)  # CS-3 and CS-4 corrected to a much later date
    out = cycle(moved, rows)
    got = [(r["flag_id"], r["ticket_ids"]) for r in out.desired["escalations"]]
    assert got == [("ESC-0001", "CS-1, CS-2"), ("ESC-0002", "CS-3, CS-4")]


# ---- a second cycle on the same log keeps every flag as it is (each case from a surviving mutant) -------

def no_ticket(*days, defect="Foreign Object", start=1):
    return [{**c, "ticket_id": ""} for c in cases(*days, defect=defect, start=start)]


@pytest.mark.parametrize("log", [
    pytest.param(cases(0, 3) + cases(40, 43, start=3), id="two-episodes-of-one-product-and-defect"),
    pytest.param(no_ticket(0, 3) + no_ticket(40, 43, start=3), id="two-episodes-without-ticket-ids"),
    pytest.param(cases(0, 3) + [case("CS-1", date_logged=D0, product="Honey Roasted Almonds 8oz", lot_number="H1"),
                                case("CS-9", date_logged=D0 + timedelta(days=2),
                                     product="Honey Roasted Almonds 8oz", lot_number="H9")],
                 id="one-ticket-in-flags-of-two-products"),
    pytest.param(cases(0, 3) + [case("CS-1", date_logged=D0, defect_type="Clumping"),
                                case("CS-9", date_logged=D0 + timedelta(days=2), defect_type="Clumping")],
                 id="one-ticket-in-flags-of-two-defects"),
    pytest.param(cases(0, 3) + cases(0, 3, product="Honey Roasted Almonds 8oz"),
                 id="the-same-tickets-in-flags-of-two-products"),
    pytest.param(cases(0, 3) + cases(0, 3, defect="Clumping"), id="the-same-tickets-in-flags-of-two-defects"),
])
def test_a_second_cycle_keeps_each_flag_to_its_own_episode(log):
    first = cycle(log, []).desired["escalations"]
    assert len(first) == 2
    again = cycle(log, first, now=NOW + timedelta(days=1))
    assert [(r["flag_id"], r["product"], r["defect_type"], r["ticket_ids"], r["first_logged"],
             r.get("merged_into") or "") for r in again.desired["escalations"]] == \
        [(r["flag_id"], r["product"], r["defect_type"], r["ticket_ids"], r["first_logged"], "") for r in first]
    assert (again.flags.raised, again.flags.grown, again.flags.merged) == ([], [], [])


def test_a_flag_follows_its_episode_when_its_first_case_moves_out_and_a_new_one_joins():
    # ESC-0001 listed CS-1, CS-2; CS-1 is corrected to a much later date and CS-3 joins CS-2:
    # the episode shares CS-2 with the flag, so it keeps ESC-0001 (listed as "CS-2, CS-3").
    rows = cycle(cases(0, 5), []).desired["escalations"]
    moved = [case("CS-1", date_logged=D0 + timedelta(days=90), lot_number="L1")] + cases(5, 8, start=2)
    out = cycle(moved, rows)
    assert [(r["flag_id"], r["ticket_ids"]) for r in out.desired["escalations"]] == [("ESC-0001", "CS-2, CS-3")]
    assert out.flags.raised == []


def test_a_corrected_case_that_does_not_add_one_is_not_growth():
    rows = cycle(cases(0, 5, 9), []).desired["escalations"]
    fixed = cases(0, 5, 9)
    fixed[1]["lot_number"] = "L7"          # CS-2's lot corrected: the flag is updated, not grown
    out = cycle(fixed, rows)
    (row,) = out.desired["escalations"]
    assert (row["flag_id"], row["cases"], row["lot_numbers"]) == ("ESC-0001", 3, "L1, L7, L3")
    assert out.flags.grown == []
    shrunk = cycle(cases(0, 5), rows)      # a case corrected away: fewer cases is not growth either
    assert shrunk.desired["escalations"][0]["cases"] == 2 and shrunk.flags.grown == []


def episode(**over):
    from bot.tabs.escalations import Episode
    fields = dict(product_key="trailmixoriginal12oz", product="Trail Mix Original 12oz", defect_type="Clumping",
                  dates=(D0, D0 + timedelta(days=3)), tickets=("CS-1", "CS-2"), lots=("L1",), first_row=2,
                  case_lots=("L1", "L1"))
    return Episode(**{**fields, **over})


@pytest.mark.parametrize("extra, same_lot, notify", [
    pytest.param(None, None, "CS Team Lead", id="without-capa-no-same-lot-cell"),
    pytest.param(lambda ep: {}, "", "CS Team Lead", id="extra-with-nothing-to-add"),
    pytest.param(lambda ep: {"same_lot": "L1", "notify": ["Products & Logistics", "cs team lead"]}, "L1",
                 "CS Team Lead, Products & Logistics", id="extra-names-added-once"),
])
def test_a_flags_cells_with_and_without_extra_cells(extra, same_lot, notify):
    from bot.tabs.escalations import RecurrenceSettings, desired_escalations
    (row,), changes = desired_escalations([], [episode()], RecurrenceSettings(), "2026-10-05 09:00", extra=extra)
    assert (row.get("same_lot"), row["notify"], row["cases"], row["lot_numbers"]) == (same_lot, notify, 2, "L1")
    assert ("same_lot" in row) == (extra is not None)
    assert changes.raised == ["ESC-0001"]


def test_flags_listed_after_a_merged_flag_keep_their_ids():
    log = cases(0, 3) + cases(23, 26, start=3) + cases(50, 52, start=20, product="Honey Roasted Almonds 8oz")
    backdated = log + [case("CS-9", date_logged=D0 + timedelta(days=13))]
    merged = cycle(backdated, cycle(log, []).desired["escalations"], now=NOW + timedelta(days=1)).desired["escalations"]
    assert [(r["flag_id"], r.get("merged_into") or "") for r in merged] == \
        [("ESC-0001", ""), ("ESC-0002", "ESC-0001"), ("ESC-0003", "")]
    assert merged[1]["updated_at"] == (NOW + timedelta(days=1)).strftime("%Y-%m-%d %H:%M")   # merging updates
    again = cycle(backdated, merged, now=NOW + timedelta(days=2))
    assert [(r["flag_id"], r["cases"]) for r in again.desired["escalations"]] == \
        [("ESC-0001", 5), ("ESC-0002", 2), ("ESC-0003", 2)]
    assert (again.flags.raised, again.flags.merged) == ([], [])


def test_a_ticket_id_repeated_in_two_episodes_does_not_raise_a_new_flag_every_cycle():
    # Bug found from the `taken` mutants: CS-4 typed again 34 days later made the second cycle merge
    # ESC-0003 into ESC-0002 and raise ESC-0004 for the same cases, and so on every cycle.
    log = cases(0, 3) + cases(23, 26, start=3) + [case("CS-4", date_logged=D0 + timedelta(days=60)),
                                                  case("CS-5", date_logged=D0 + timedelta(days=62))]
    rows = []
    for day in range(3):
        out = cycle(log, rows, now=NOW + timedelta(days=day))
        rows = out.desired["escalations"]
        assert [(r["flag_id"], r["ticket_ids"], r.get("merged_into") or "") for r in rows] == [
            ("ESC-0001", "CS-1, CS-2", ""), ("ESC-0002", "CS-3, CS-4", ""), ("ESC-0003", "CS-4, CS-5", "")]
        assert out.flags.merged == [] and out.flags.raised == (["ESC-0001", "ESC-0002", "ESC-0003"] if day == 0 else [])


def test_products_without_a_letter_or_digit_never_make_a_flag(run):
    assert flags(run(cases(0, 1, product="--") + cases(0, 1, product="?", start=3))) == []


def test_flags_raised_together_are_numbered_by_first_date_then_sheet_row(run):
    # Two episodes starting the same day: the one whose first case sits higher in the log comes first,
    # whatever the product's name.
    log = cases(0, 2) + cases(0, 2, product="Honey Roasted Almonds 8oz", start=3)
    assert [(f, t) for f, _, t in flags(run(log))] == [("ESC-0001", "CS-1, CS-2"), ("ESC-0002", "CS-3, CS-4")]
    log = cases(0, 2, product="Honey Roasted Almonds 8oz", start=3) + cases(0, 2)
    assert [(f, t) for f, _, t in flags(run(log))] == [("ESC-0001", "CS-3, CS-4"), ("ESC-0002", "CS-1, CS-2")]


def test_cases_without_a_ticket_id_count_and_list_no_ticket(run):
    (flag,) = run(no_ticket(0, 2)).desired["escalations"]
    assert (flag["cases"], flag["ticket_ids"].replace(",", "").strip()) == (2, "")


def test_a_new_episode_sharing_no_ticket_with_a_flag_gets_its_own():
    rows = cycle(cases(0, 5), []).desired["escalations"]
    moved = [case("CS-1", date_logged=D0 + timedelta(days=60)), case("CS-2", date_logged=D0 + timedelta(days=90))]
    out = cycle(moved + cases(30, 33, start=3), rows)
    assert [(r["flag_id"], r["ticket_ids"]) for r in out.desired["escalations"]] == \
        [("ESC-0001", "CS-1, CS-2"), ("ESC-0002", "CS-3, CS-4")]
