"""The real FDA CAERS product names: scale and real-world spelling variants."""
import pytest

from bot.read.keys import product_key
from caers import caers_defective_log, caers_path, variant_groups
from conftest import NOW

pytestmark = pytest.mark.skipif(caers_path() is None, reason="the CAERS file in ../shared/data/real is absent")


def test_twenty_thousand_real_rows_validate_clean_and_flag(settings, renderer):
    from bot.backends.base import Snapshot
    from bot.cycle.compute import compute
    log, comp = caers_defective_log(20_000)
    out = compute(Snapshot({"Defective Log": log, "Comp Sheet": comp}, "caers"), settings, NOW, renderer)
    assert out.validation.errors == 0 and out.rows_read["Defective Log"] == 20_000
    assert out.flags_total > 0
    # Every flag really is an episode: 2+ cases, same product key and defect.
    products = {r[1]: r[5] for r in log[1:]}
    for row in out.desired["escalations"]:
        tickets = row["ticket_ids"].split(", ")
        assert len(tickets) == row["cases"] >= 2
        assert len({product_key(products[t]) for t in tickets}) == 1
    assert len(out.drafts_ready) > 0


def test_real_spelling_variants_form_one_episode(run):
    from conftest import case
    from datetime import date, timedelta
    for group in variant_groups(min_size=3, limit=10):
        log = [case(f"V-{i}", date_logged=date(2026, 10, 1) + timedelta(days=3 * i), product=name)
               for i, name in enumerate(group)]
        (flag,) = run(log).desired["escalations"]
        assert flag["cases"] == len(group) and flag["product"] == group[0]
