"""The rep rows' keys a cycle keeps for the next warm cycle (bot/cycle/row_keys.py), on small frames:
what a row's recurrence cells read back as after an edit (the value with its own type), that an edit
which leaves a value alone adds nothing to the values kept, and keys from a cycle that kept no
recurrence cells. tests/test_warm.py checks them against a full parse of the sample."""
from __future__ import annotations

import pickle
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from bot.cycle.row_keys import Recurrence, RowKeys, row_keys
from bot.read.table import ROW_COLUMN
from bot.tabs.escalations import RECURRENCE_COLUMNS
from bot.tabs.log_issues import TICKET_KEY


def recurrence(values: list) -> Recurrence:
    """One row per value, in every recurrence column (each value its own code; None: code -1)."""
    codes, kept = {}, {}
    for key in RECURRENCE_COLUMNS:
        distinct = [v for v in dict.fromkeys(values) if v is not None]
        codes[key] = np.array([distinct.index(v) if v is not None else -1 for v in values], dtype=np.int32)
        kept[key] = distinct
    return Recurrence(codes, kept)


def column(frame: pd.DataFrame, key: str) -> list:
    return [(type(v), v) for v in frame[key]]


@pytest.mark.parametrize("old, new", [
    (1, 1.0), (1.0, 1), (1, True), (True, 1), (date(2026, 11, 3), datetime(2026, 11, 3)), ("7", 7),
], ids=["int-to-float", "float-to-int", "int-to-true", "true-to-int", "date-to-datetime", "text-to-number"])
def test_a_value_of_another_type_reads_back_with_its_own_type(old, new):
    # The first four are equal in Python (1 == 1.0 == True): only the type tells them apart.
    kept = recurrence([old, "x"])
    replaced = kept.replaced([0], recurrence([new]))
    assert column(replaced.frame([0, 1]), "lot_number") == [(type(new), new), (str, "x")]


@pytest.mark.parametrize("value", [1, 1.5, "Oats", date(2026, 11, 3), True],
                         ids=["int", "float", "text", "date", "true"])
def test_an_edit_that_leaves_a_value_alone_adds_no_value(value):
    kept = recurrence([value, "x"])
    replaced = kept.replaced([0], recurrence([value]))
    assert replaced.values["product"] == kept.values["product"]
    assert replaced.codes["product"].tolist() == kept.codes["product"].tolist()


def test_a_value_cleared_reads_back_as_blank_and_a_new_one_is_added():
    kept = recurrence(["a", "b"])
    replaced = kept.replaced([0, 1], recurrence([None, "c"]))
    assert replaced.codes["defect_type"].tolist() == [-1, 2]
    assert replaced.values["defect_type"] == ["a", "b", "c"]
    assert kept.codes["defect_type"].tolist() == [0, 1], "the keys replaced are a copy"


def test_recurrence_survives_pickling_with_its_types():
    kept = recurrence([date(2026, 11, 3), "x", None, 26062])
    again = pickle.loads(pickle.dumps(kept))
    for key in RECURRENCE_COLUMNS:
        assert column(again.frame([0, 1, 3]), key) == column(kept.frame([0, 1, 3]), key)


def keys_of(products: list, tickets: list[str], recurrence: bool = False) -> RowKeys:
    """Keys of a log of these rows (no blank row between), with every recurrence column when asked
    (otherwise the frame lacks them, and no recurrence cells are kept)."""
    n = len(products)
    log = pd.DataFrame({ROW_COLUMN: range(2, n + 2), "product": products, "defect_type": ["Rancid"] * n,
                        TICKET_KEY: tickets})
    if recurrence:
        log = log.assign(date_logged=[date(2026, 11, 3)] * n, ticket_id=tickets, lot_number=[None] * n)
    return row_keys(log, n, pd.DataFrame({ROW_COLUMN: [], TICKET_KEY: []}), 0, str.lower)


def test_keys_without_recurrence_cells_give_no_frame():
    keys = keys_of(["Oats", "Rice"], ["t1", "t2"])
    assert keys.recurrence is None, "the frame lacks recurrence columns: none kept"
    assert keys.recurrence_frame([0, 1]) is None


def test_replacing_a_rows_keys_keeps_the_others_and_codes_a_new_spelling_once():
    keys = keys_of(["Oats", "Rice", "Oats"], ["t1", "t2", "t3"])
    new = keys_of(["OATS", "Rice"], ["t1b", "t2"])
    replaced = keys.replaced([0, 1], new, [], new)
    assert replaced.log_tickets == ["t1b", "t2", "t3"]
    assert [replaced.product_of(i) for i in range(3)] == ["OATS", "Rice", "Oats"]
    assert replaced.spellings == ["Oats", "Rice", "OATS"]
    assert [replaced.group_of(i)[0] for i in range(3)] == ["oats", "rice", "oats"]
    assert len(replaced.group_list) == len(keys.group_list), "no new group: OATS is Oats's product"
    assert keys.log_tickets == ["t1", "t2", "t3"], "the keys replaced are a copy"


def test_a_product_cleared_by_an_edit_is_no_product_and_no_spelling():
    keys = keys_of(["Oats", "Rice"], ["t1", "t2"])
    new = keys_of([None, "Oats"], ["t1", "t2"])
    replaced = keys.replaced([0, 1], new, [], new)
    assert [replaced.product_of(i) for i in range(2)] == [None, "Oats"]
    assert replaced.spellings == ["Oats", "Rice"]
    assert replaced.group_of(0) == ("", "rancid") and replaced.rows_of_products({"rice"}).tolist() == []


def test_keys_of_an_empty_log_find_no_rows():
    keys = keys_of([], [])
    assert keys.rows_in_groups({("oats", "rancid")}).tolist() == []
    assert keys.rows_of_products({"oats"}).dtype.kind == "i"
    assert keys.spellings_of({"oats"}, str.lower) == {}


def test_keys_kept_across_cycles_keep_their_recurrence_cells():
    keys = keys_of(["Oats", "Rice"], ["t1", "t2"], recurrence=True)
    again = pickle.loads(pickle.dumps(keys))
    assert again.log_tickets == ["t1", "t2"] and again.product_of(1) == "Rice"
    assert column(again.recurrence_frame([0, 1]), "product") == [(str, "Oats"), (str, "Rice")]


def test_keys_kept_by_a_version_without_recurrence_cells_read_back_without_them():
    keys = keys_of(["Oats"], ["t1"], recurrence=True)
    packed, products, groups, _ = keys.__getstate__()
    old = RowKeys.__new__(RowKeys)
    old.__setstate__((packed, products, groups))        # the state such a version pickled
    assert old.log_tickets == ["t1"] and old.recurrence is None and old.recurrence_frame([0]) is None


@pytest.mark.parametrize("kept_has, new_has", [(True, False), (False, True)], ids=["new-lacks", "kept-lacks"])
def test_keys_replaced_keep_recurrence_cells_only_when_both_have_them(kept_has, new_has):
    kept = keys_of(["Oats", "Rice"], ["t1", "t2"], recurrence=kept_has)
    new = keys_of(["Rice"], ["t1"], recurrence=new_has)
    replaced = kept.replaced([0], new, [], new)
    assert replaced.recurrence is None and replaced.recurrence_frame([0, 1]) is None
    assert replaced.product_of(0) == "Rice"


def test_each_rows_keys_with_blank_rows_and_blank_cells():
    """Rows 3 and 6 are blank (parsed frames leave them out); row 4 has neither product nor defect type,
    row 5 no defect type."""
    log = pd.DataFrame({ROW_COLUMN: [2, 4, 5, 7], "product": ["Oats", None, "Rice", "OATS"],
                        "defect_type": ["Rancid", None, None, "rancid "], TICKET_KEY: ["t1", "t2", "t3", "t4"]})
    comp = pd.DataFrame({ROW_COLUMN: [2, 4], TICKET_KEY: ["t1", "t4"]})
    keys = row_keys(log, 6, comp, 3, str.lower)
    assert keys.log_tickets == ["t1", "", "t2", "t3", "", "t4"]
    assert keys.comp_tickets == ["t1", "", "t4"]
    assert [keys.product_of(i) for i in range(6)] == ["Oats", None, None, "Rice", None, "OATS"]
    assert [keys.group_of(i) for i in range(6)] == [("oats", "rancid"), ("", ""), ("", ""), ("rice", ""), ("", ""),
                                                    ("oats", "rancid")]
    assert keys.rows_in_groups({("oats", "rancid")}).tolist() == [0, 5]
    assert keys.rows_in_groups({("", "")}).tolist() == [1, 2, 4]
