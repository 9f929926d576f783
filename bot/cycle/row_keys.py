"""Each rep row's keys, as a cycle parsed them: its ticket, and for a Defective Log row its product
spelling and its recurrence group. A cycle keeps them (bot.cycle.warm.Kept) so the next warm cycle
finds the rows an edit touches, and the product spellings it may change, without parsing every row
of the log again (at 100,000 rows that parse cost a warm cycle about a fifth of its time).

Pure. Row i is the i-th row under the header; a blank row has the blank keys ("", no product, the
group ("", "")), as it has when parsed.
"""
from __future__ import annotations

import marshal
import pickle
from typing import Callable

import numpy as np
import pandas as pd

from bot.read import cells
from bot.read.table import ROW_COLUMN
from bot.tabs.drafts import spellings_by_count
from bot.tabs.escalations import RECURRENCE_COLUMNS
from bot.tabs.log_issues import TICKET_KEY

NO_GROUP = ("", "")


class RowKeys:
    """The texts are kept marshalled (read back on first use): held as lists from the cold cycle's
    parse to its end, the tickets alone kept 16 MB more alive at its peak at 100,000 rows (33 MB on
    the real CAERS log); as bytes they take a tenth of that."""

    def __init__(self, log_tickets: list[str], comp_tickets: list[str], products: np.ndarray,
                 spellings: list[str], groups: np.ndarray, group_list: list[tuple[str, str]],
                 recurrence: Recurrence | None = None, *, packed: bool = True):
        """`packed`: marshal the texts now and let go of the lists (a cycle's keys, kept to its end);
        otherwise keep the lists and marshal them when pickled (a warm cycle's keys, whose lists share
        their strings with the last cycle's). `recurrence`: each log row's recurrence cells as parsed."""
        self.products = products                # each log row's product: its code in `spellings`, -1 when blank
        self.groups = groups                    # each log row's group: its code in `group_list`
        texts = (log_tickets, comp_tickets, spellings, group_list)
        self._packed: bytes | None = marshal.dumps(texts, 2) if packed else None
        self._texts: tuple | None = None if packed else texts
        self.recurrence = recurrence

    def __getstate__(self):
        if self._packed is None:
            self._packed = marshal.dumps(self._texts, 2)
        return self._packed, self.products, self.groups, self.recurrence

    def __setstate__(self, state):
        self._packed, self.products, self.groups, *rest = state
        self.recurrence = rest[0] if rest else None     # kept by a version that did not keep them: None
        self._texts = None

    def _unpacked(self) -> tuple:
        if self._texts is None:
            # The bytes go once read back (marshalled again only if pickled again): not both at the peak.
            self._texts, self._packed = marshal.loads(self._packed), None
        return self._texts

    @property
    def log_tickets(self) -> list[str]:
        """Each Defective Log row's ticket key."""
        return self._unpacked()[0]

    @property
    def comp_tickets(self) -> list[str]:
        """Each Comp Sheet row's ticket key."""
        return self._unpacked()[1]

    @property
    def spellings(self) -> list[str]:
        return self._unpacked()[2]

    @property
    def group_list(self) -> list[tuple[str, str]]:
        """(product key, defect choice key), each "" when blank; distinct."""
        return self._unpacked()[3]

    def product_of(self, i: int) -> str | None:
        code = int(self.products[i])
        return self.spellings[code] if code >= 0 else None

    def group_of(self, i: int) -> tuple[str, str]:
        return self.group_list[int(self.groups[i])]

    def rows_in_groups(self, groups: set[tuple[str, str]]) -> np.ndarray:
        """The log rows (0-based) of these groups."""
        return self._rows_where([g in groups for g in self.group_list])

    def rows_of_products(self, product_keys: set[str]) -> np.ndarray:
        """The log rows (0-based) whose product has one of these keys."""
        return self._rows_where([g[0] in product_keys for g in self.group_list])

    def _rows_where(self, wanted_groups: list[bool]) -> np.ndarray:
        """The log rows whose group is wanted (one flag per group of `group_list`): one look per group,
        not per row."""
        wanted = np.array(wanted_groups, dtype=bool)
        return np.flatnonzero(wanted[self.groups]) if len(self.groups) else np.zeros(0, dtype=np.int64)

    def spellings_of(self, product_keys: set[str], product_key: Callable[[str], str]) -> dict[str, str]:
        """drafts.product_spellings of the whole log, for the spellings of products with these keys (a
        spelling's choice depends only on the rows of its own product)."""
        codes = self.products[self.rows_of_products(product_keys)]
        codes = codes[codes >= 0]
        # Each spelling's count in the order first seen, from the codes (100 edits' products cover most
        # of the generated log: one spelling per row cost 0.05 s).
        distinct, first, count = np.unique(codes, return_index=True, return_counts=True)
        order = np.argsort(first, kind="stable")
        counts: dict[str, int] = {}
        for code, n in zip(distinct[order].tolist(), count[order].tolist()):
            spelling = self.spellings[code]
            if spelling:
                counts[spelling] = counts.get(spelling, 0) + n
        return spellings_by_count(counts, product_key)

    def recurrence_frame(self, rows: list[int]) -> pd.DataFrame | None:
        """log_issues.parsed_columns of the recurrence columns for these log rows (0-based), from the
        values kept (None when none were): what the groups' part of a warm cycle would parse again
        (Recurrence.frame)."""
        return None if self.recurrence is None else self.recurrence.frame(rows)

    def replaced(self, log_at: list[int], log_new: RowKeys, comp_at: list[int], comp_new: RowKeys) -> RowKeys:
        """These keys with the log rows at `log_at` given `log_new`'s rows in turn (and the Comp Sheet's)."""
        log_tickets, comp_tickets = list(self.log_tickets), list(self.comp_tickets)
        products, spellings = self.products.copy(), list(self.spellings)
        groups, group_list = self.groups.copy(), list(self.group_list)
        spelling_codes, group_codes = _Codes(spellings), _Codes(group_list)
        for j, i in enumerate(log_at):
            log_tickets[i] = log_new.log_tickets[j]
            spelling = log_new.product_of(j)
            products[i] = -1 if spelling is None else spelling_codes.of(spelling, int(products[i]))
            groups[i] = group_codes.of(log_new.group_of(j), int(groups[i]))
        for j, i in enumerate(comp_at):
            comp_tickets[i] = comp_new.comp_tickets[j]
        recurrence = None
        if self.recurrence is not None and log_new.recurrence is not None:
            recurrence = self.recurrence.replaced(log_at, log_new.recurrence)
        # Its texts are these lists, which share their strings with ours: read back from bytes, they would
        # be a second copy of every ticket key (36 MB at the real CAERS log's warm peak).
        return RowKeys(log_tickets, comp_tickets, products, spellings, groups, group_list, recurrence, packed=False)


class Recurrence:
    """Each log row's cells of the recurrence columns (escalations.RECURRENCE_COLUMNS) as a cycle parsed
    them: per column, a code per row into its distinct values (-1: blank). A warm cycle's groups' part
    reads them instead of parsing the rows of the groups it touches again (100 edits of the generated
    100,000-row log touch groups of 42,000 rows). The values are pickled (dates) until first read."""

    def __init__(self, codes: dict[str, np.ndarray], values: dict[str, list], packed: bool = False):
        """`packed`: pickle the values now and let go of the lists (a cold cycle's, whose parsed columns
        go before it ends: the lists would keep every ticket's text alive to its end)."""
        self.codes = codes
        self._values: dict[str, list] | None = values
        self._packed: dict[str, bytes] | None = None
        if packed:
            self._packed, self._values = _packed(values), None

    def __getstate__(self):
        if self._packed is None:
            self._packed = _packed(self._values)
        return self.codes, self._packed

    def __setstate__(self, state):
        self.codes, self._packed = state
        self._values = None

    @property
    def values(self) -> dict[str, list]:
        if self._values is None:
            self._values = {key: marshal.loads(b[1:]) if b[:1] == b"M" else pickle.loads(b[1:])
                            for key, b in self._packed.items()}
            self._packed = None
        return self._values

    def frame(self, rows: list[int]) -> pd.DataFrame:
        """The parsed recurrence cells of these log rows (0-based), as log_issues.parsed_columns gives
        them, but for the rows none of whose cells parsed to a value (an unreadable date alone): no rule
        reads such a row (each wants a date, a product and a defect type)."""
        at = np.asarray(rows, dtype=np.int64)
        columns = {}
        for key in RECURRENCE_COLUMNS:
            values = np.empty(len(self.values[key]) + 1, dtype=object)
            values[:-1] = self.values[key]          # code -1 takes the last: None
            columns[key] = values[self.codes[key][at]]
        keep = np.logical_or.reduce([pd.notna(c) for c in columns.values()])
        frame = pd.DataFrame({key: pd.Series(c[keep], dtype=object, copy=False) for key, c in columns.items()},
                             copy=False)
        frame.insert(0, ROW_COLUMN, at[keep] + 2)
        return frame

    def replaced(self, at: list[int], new: Recurrence) -> Recurrence:
        """These values with the rows at `at` given `new`'s rows in turn. A value a row did not have is
        appended, without looking for it among the others (a column of tickets holds 100,000): the values
        are a table codes point into, not a set."""
        codes, values = {}, {}
        for key in RECURRENCE_COLUMNS:
            codes[key], values[key] = self.codes[key].copy(), list(self.values[key])
            for j, i in enumerate(at):
                code, was = int(new.codes[key][j]), int(codes[key][i])
                value = new.values[key][code] if code >= 0 else None
                if code < 0:
                    codes[key][i] = -1
                elif was < 0 or not _same(values[key][was], value):
                    codes[key][i] = len(values[key])
                    values[key].append(value)
        return Recurrence(codes, values)


def _packed(values: dict[str, list]) -> dict[str, bytes]:
    """Each column's values marshalled (texts: a fifth of pickle's time), or pickled (dates)."""
    out = {}
    for key, column in values.items():
        try:
            out[key] = b"M" + marshal.dumps(column, 2)
        except ValueError:
            out[key] = b"P" + pickle.dumps(column, protocol=5)
    return out


def _same(a, b) -> bool:
    return type(a) is type(b) and a == b


class _Codes:
    """Codes into a list of distinct values that grows as new ones come (RowKeys.replaced)."""

    def __init__(self, values: list):
        self.values = values
        self._index: dict | None = None

    def of(self, value, was: int) -> int:
        """The code of `value` for a row whose code was `was`: that one when its value is the same (most
        edits leave a row's product and group alone: the real CAERS log has 45,000 spellings, indexed
        only when an edit brings another)."""
        if 0 <= was < len(self.values) and self.values[was] == value:
            return was
        if self._index is None:
            self._index = {v: c for c, v in enumerate(self.values)}
        return _code(value, self._index, self.values)


def _code(value, codes: dict, values: list) -> int:
    if value not in codes:
        codes[value] = len(values)
        values.append(value)
    return codes[value]


def row_keys(log: pd.DataFrame, log_rows: int, comp: pd.DataFrame, comp_rows: int,
             product_key: Callable[[str], str]) -> RowKeys:
    """The keys of every row from the parsed rep tabs (validate's frames, blank rows dropped, each row
    numbered as in the sheet: row 2 is the first under the header), `log_rows` and `comp_rows` rows in all."""
    log_at = log[ROW_COLUMN].to_numpy(dtype=np.int64) - 2
    comp_at = comp[ROW_COLUMN].to_numpy(dtype=np.int64) - 2
    log_tickets = [""] * log_rows
    for i, t in zip(log_at.tolist(), log[TICKET_KEY].tolist()):
        log_tickets[i] = t
    comp_tickets = [""] * comp_rows
    for i, t in zip(comp_at.tolist(), comp[TICKET_KEY].tolist()):
        comp_tickets[i] = t
    # Codes per distinct value (a log repeats products and defects a lot): each key worked out once.
    product_codes, spellings = pd.factorize(log["product"].to_numpy())          # -1: blank
    defect_codes, defects = pd.factorize(log["defect_type"].to_numpy())
    product_keys = [""] + [product_key(p) if p else "" for p in spellings]     # [0]: blank
    defect_keys = [""] + [cells.choice_key(d) if d else "" for d in defects]
    pair_codes, pairs = pd.factorize((product_codes.astype(np.int64) + 1) * len(defect_keys) + defect_codes + 1)
    group_list = [NO_GROUP]
    code_of = {NO_GROUP: 0}
    pair_group = np.array([_code((product_keys[p // len(defect_keys)], defect_keys[p % len(defect_keys)]),
                                 code_of, group_list) for p in np.asarray(pairs).tolist()] or [0], dtype=np.int32)
    products = np.full(log_rows, -1, dtype=np.int32)
    products[log_at] = product_codes
    groups = np.zeros(log_rows, dtype=np.int32)
    groups[log_at] = pair_group[pair_codes] if len(pair_codes) else []
    return RowKeys(log_tickets, comp_tickets, products, [str(s) for s in spellings], groups, group_list,
                   _recurrence(log, log_at, log_rows, (product_codes, list(spellings))))


# A column nearly every row spells its own way: kept a value per row (coding it would hash every cell
# and keep as many values: 0.025 s more at 100,000 rows).
_PER_ROW = ("ticket_id",)


def _recurrence(log: pd.DataFrame, log_at: np.ndarray, log_rows: int,
                product: tuple[np.ndarray, list]) -> Recurrence | None:
    """The recurrence columns' parsed cells, coded (None when the frame lacks one); `product`: the
    Product column's codes and values, already worked out."""
    if any(key not in log for key in RECURRENCE_COLUMNS):
        return None
    codes, values = {}, {}
    for key in RECURRENCE_COLUMNS:
        if key == "product":
            column_codes, values[key] = product
        elif key in _PER_ROW:      # a blank's value is None, as a code's is -1 (see frame)
            column_codes, values[key] = np.arange(len(log)), log[key].tolist()
        else:
            column_codes, distinct = pd.factorize(log[key].to_numpy(dtype=object), use_na_sentinel=True)
            values[key] = list(distinct)
        codes[key] = np.full(log_rows, -1, dtype=np.int32)
        codes[key][log_at] = column_codes
    return Recurrence(codes, values, packed=True)
