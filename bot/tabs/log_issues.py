"""Every rule of the contract for the rep tabs, turned into Log Issues rows.

Pure: takes the raw columns read from the Defective Log and the Comp Sheet, returns parsed frames
(one column per schema key, parsed values or None) and the list of issues. An error is anything that
blocks a draft; a warning is worth fixing but blocks nothing.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, fields
from itertools import accumulate
from operator import attrgetter
from typing import NamedTuple

import numpy as np
import pandas as pd

from bot.read import cells, email_column
from bot.read.keys import ticket_key, ticket_keys
from bot.read.table import ROW_COLUMN, ColumnMap, RawTab
from sheet_schema import Column, TabSchema

ERROR, WARNING = "error", "warning"
HAS_ERROR = "_has_error"
TICKET_KEY = "_ticket_key"


@dataclass(frozen=True, order=True)
class Issue:
    """One Log Issues row: where the rep must look, and what is wrong there."""

    tab: str
    row: int
    column_index: int            # 0-based, for ordering; shown as a letter
    ticket_id: str
    column: str                  # the letter the rep sees
    field: str
    problem: str
    severity: str


def _parse_cell(value, col: Column, day_first: bool):
    if cells.is_blank(value):
        return None, None
    kind = col.type
    if kind == "date":
        return cells.parse_date(value, day_first)
    if kind == "money":
        return cells.parse_money(value)
    if kind == "count":
        return cells.parse_count(value)
    if kind == "choice":
        return cells.parse_choice(value, col.choices)
    if kind == "email":
        return cells.parse_email(value)
    return cells.parse_text(value)


class ParsedColumn(NamedTuple):
    """A column read cell by cell as a rep would mean it (parse_column)."""

    values: np.ndarray        # object: the parsed value, None where blank or unreadable
    problems: np.ndarray      # object: what is wrong with the cell, None where fine
    failed: np.ndarray        # bool: where `problems` holds one
    blank: np.ndarray         # bool: empty, only spaces, or a placeholder
    placeholder: np.ndarray   # bool: the blanks that hold a placeholder (`N/A`, `-`, `TBD`: see cells.PLACEHOLDERS)


def parse_column(values: np.ndarray, col: Column, day_first: bool) -> ParsedColumn:
    """Parse a column: a column of text at C speed, any other each distinct value once (logs repeat
    dates, products and choices a lot).

    A placeholder reads as blank, but is worth naming when the cell is required.
    """
    if col.type in ("text", "id", "email"):
        # The common case for names, IDs and complaint text: nearly every value is distinct, so skip
        # the dedupe and read each cell as text directly. An order number typed as digits is a
        # number in the sheet and reads as its digits (as_text: 10299, never 10299.0).
        texts = cells.plain_texts(values.tolist())
        if texts is not None:
            return _text_column(texts, col)
    return _distinct_values(values, col, day_first)


def _text_column(texts: list[str], col: Column) -> ParsedColumn:
    """A column of stripped texts ("" for blank, as cells.plain_texts gives), as parse_column reads it."""
    n = len(texts)
    # fromiter, not `parsed[:] = texts`: numpy looks into each text of a list assigned to a slice, to see
    # whether it is a sequence to unpack (12 ms a column of 100,000 names, against 1).
    parsed = np.fromiter(texts, dtype=object, count=n)
    lengths = cells.text_lengths(texts)
    blank = lengths == 0
    placeholder = np.zeros(n, dtype=bool)
    placeholder[cells.placeholder_positions(texts, lengths)] = True
    blank |= placeholder
    if blank.any():
        parsed[blank] = None
    problems = np.full(n, None, dtype=object)
    failed = np.zeros(n, dtype=bool)
    if col.type == "email":
        bad = [i for i in email_column.bad_emails(texts) if not placeholder[i]]
        problems[bad] = cells.parse_email("")[1]
        failed[bad] = True
        parsed[bad] = None
    return ParsedColumn(parsed, problems, failed, blank, placeholder)


def _distinct_values(values: np.ndarray, col: Column, day_first: bool) -> ParsedColumn:
    """Any column, each distinct value parsed once (`_parse_cell`) and mapped back onto its cells."""
    n = len(values)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)  # None and NaN -> -1 (blank)
    if _may_merge_bools(uniques) and _bools_and_numbers(values):
        # 1, 1.0 and True hash alike but are not one cell: tell them apart by type.
        keys = np.empty(n, dtype=object)
        keys[:] = [(v.__class__, v) for v in values]
        codes, uniques = pd.factorize(keys, use_na_sentinel=False)
        uniques = [u[1] for u in uniques]
    m = len(uniques)
    parsed_u = np.empty(m + 1, dtype=object)
    problem_u = np.empty(m + 1, dtype=object)
    blank_u = np.ones(m + 1, dtype=bool)   # the last slot serves code -1
    placeholder_u = np.zeros(m + 1, dtype=bool)
    for k, u in enumerate(uniques):
        placeholder_u[k] = cells.is_placeholder(u)
        blank_u[k] = placeholder_u[k] or cells.is_blank(u)
        parsed_u[k], problem_u[k] = (None, None) if blank_u[k] else _parse_cell(u, col, day_first)
    failed_u = np.not_equal(problem_u, None)
    failed = failed_u[codes]
    problems = problem_u[codes] if failed_u.any() else np.full(n, None, dtype=object)
    return ParsedColumn(parsed_u[codes], problems, failed, blank_u[codes], placeholder_u[codes])


def _may_merge_bools(uniques) -> bool:
    """Whether a checkbox may hide among these distinct values: True is 1 and False is 0 to a hash table."""
    return any(type(u) in (bool, int, float) and u in (0, 1) for u in uniques)


def _bools_and_numbers(values: np.ndarray) -> bool:
    kinds = set(map(type, values.tolist()))
    return bool in kinds and bool(kinds & {int, float})


# Issue's own order (dataclass order=True: field by field), as a key compared in C: sorting 3,000 issues
# with the dataclass's __lt__ costs ten times as much.
_ISSUE_ORDER = attrgetter(*(f.name for f in fields(Issue)))


class _Collector:
    def __init__(self, tab: str, columns: ColumnMap, tickets: list[str], rows: np.ndarray):
        self.tab, self.columns, self.tickets, self.rows = tab, columns, tickets, rows
        self.issues: list[Issue] = []
        self.has_error = np.zeros(len(rows), dtype=bool)

    def add(self, pos: int, key: str, problem: str, severity: str) -> None:
        index = self.columns.index.get(key, -1)
        letter = self.columns.letter(key) if index >= 0 else ""
        self.issues.append(Issue(self.tab, int(self.rows[pos]), index, self.tickets[pos], letter,
                                 self.columns.headers[key], problem, severity))
        if severity == ERROR:
            self.has_error[pos] = True


def check_tab(raw: RawTab, schema: TabSchema, columns: ColumnMap, day_first: bool,
              problem_severity=None) -> tuple[pd.DataFrame, _Collector]:
    """Parse every column, drop blank rows, and apply the required, conditional and type rules.

    Works column-wise; only cells with a problem are visited one by one.
    """
    read = {col.key: parse_column(raw.values[col.key], col, day_first) for col in schema.columns}
    keep = ~np.logical_and.reduce([c.blank for c in read.values()])
    rows = raw.rows[keep]
    if not keep.all():   # a blank row in the middle (usually none: no copies)
        read = {key: ParsedColumn(*(a[keep] for a in c)) for key, c in read.items()}
    parsed = {key: c.values for key, c in read.items()}
    tickets = [t or "" for t in parsed["ticket_id"]]
    out = _Collector(columns.tab, columns, tickets, rows)
    for col in schema.columns:
        key = col.key
        active = _condition(parsed, col)
        if col.required:
            problem = ("Required, but blank" if key in columns.index
                       else f"Required, but the tab has no '{columns.headers[key]}' column")
            for pos in np.flatnonzero(read[key].blank):
                out.add(pos, key, _placeholder_problem(raw, key, pos, out, columns) if read[key].placeholder[pos]
                        else problem, ERROR)
        elif col.required_when is not None:
            cond = schema.column(col.required_when.column)
            when = f"when {columns.headers[cond.key]} is {col.required_when.equals}"
            for pos in np.flatnonzero(read[key].blank & active):
                out.add(pos, key, f"{_placeholder_problem(raw, key, pos, out, columns)} (required {when})"
                        if read[key].placeholder[pos] else f"Required {when}, but blank", ERROR)
        for pos in np.flatnonzero(read[key].failed):
            problem = read[key].problems[pos]
            if isinstance(problem, cells.CellWarning):   # the cell was read; it only deserves a look
                out.add(pos, key, str(problem), WARNING)
                continue
            severity = ERROR if (col.required or active[pos]) else WARNING
            if problem_severity is not None:
                severity = problem_severity(col, severity)
            out.add(pos, key, problem, severity)
    # dtype=object everywhere: pandas would otherwise turn a column of texts and Nones into strings
    # and NaN, and a blank must stay None. copy=False: each column stays the array parsed (not copied
    # into one 2-D block).
    frame = pd.DataFrame({key: pd.Series(v, dtype=object, copy=False) for key, v in parsed.items()}, copy=False)
    frame.insert(0, ROW_COLUMN, rows)
    frame[TICKET_KEY] = pd.Series(ticket_keys(tickets), dtype=object)   # object, as above: str dtype iterates slowly
    return frame, out


def parsed_columns(raw: RawTab, schema: TabSchema, keys: tuple[str, ...], day_first: bool) -> pd.DataFrame:
    """Only these columns of a tab, each parsed as check_tab parses it (the same values), with the sheet
    row of each row that has any of them filled: what a rule that reads only these needs, without the
    other columns parsed or any rule checked."""
    read = {key: parse_column(raw.values[key], schema.column(key), day_first) for key in keys}
    keep = ~np.logical_and.reduce([c.blank for c in read.values()])
    frame = pd.DataFrame({key: pd.Series(c.values[keep], dtype=object, copy=False) for key, c in read.items()},
                         copy=False)
    frame.insert(0, ROW_COLUMN, raw.rows[keep])
    return frame


def _placeholder_problem(raw: RawTab, key: str, pos: int, out: "_Collector", columns: ColumnMap) -> str:
    """What a required cell holding `N/A` (or another placeholder) says: the text, and what to fill in."""
    at = int(np.searchsorted(raw.rows, out.rows[pos]))    # raw rows keep the blank rows check_tab dropped
    return f"'{cells.shown(raw.values[key][at])}' is a placeholder; fill in the {columns.headers[key]}"


def _condition(parsed: dict[str, np.ndarray], col: Column) -> np.ndarray:
    if col.required_when is None:
        return np.zeros(len(parsed[col.key]), dtype=bool)
    return parsed[col.required_when.column] == col.required_when.equals


def check_unique(parsed: pd.DataFrame, schema: TabSchema, columns: ColumnMap, out: _Collector) -> None:
    """Every column the schema marks `unique` (the Defective Log's Ticket ID): a repeat is an error on every
    occurrence after the first. Values match as IDs do (ticket_key: case and surrounding spaces ignored)."""
    for col in schema.columns:
        if col.unique and col.key in columns.index:
            keys = parsed[TICKET_KEY] if col.key == "ticket_id" else \
                pd.Series(ticket_keys([cells.as_text(v) for v in parsed[col.key]]), index=parsed.index, dtype=object)
            _check_repeats(parsed, keys, col.key, columns.headers[col.key], out)


def _check_repeats(parsed: pd.DataFrame, keys: pd.Series, key: str, header: str, out: _Collector) -> None:
    filled = (keys != "").to_numpy(dtype=bool)
    later = keys.duplicated(keep="first").to_numpy(dtype=bool)
    repeats = filled & later
    if not repeats.any():
        return
    repeated = keys[repeats].unique()
    first = filled & ~later & keys.isin(repeated).to_numpy(dtype=bool)
    first_row = dict(zip(keys.to_numpy()[first].tolist(), parsed[ROW_COLUMN].to_numpy()[first].tolist()))
    for pos in np.flatnonzero(repeats):
        out.add(pos, key, f"{header} {cells.as_text(parsed[key].iat[pos])} is already used on row "
                          f"{first_row[keys.iat[pos]]}", ERROR)


@dataclass
class Validation:
    log: pd.DataFrame            # parsed Defective Log, with HAS_ERROR and "comp_pos" (index into comp or -1)
    comp: pd.DataFrame           # parsed Comp Sheet, with HAS_ERROR
    issues: list[Issue]

    @property
    def errors(self) -> int:
        return sum(1 for i in self.issues if i.severity == ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for i in self.issues if i.severity == WARNING)


def validate(log_raw: RawTab, log_schema: TabSchema, log_cols: ColumnMap,
             comp_raw: RawTab, comp_schema: TabSchema, comp_cols: ColumnMap,
             day_first: bool) -> Validation:
    log, log_out = check_tab(log_raw, log_schema, log_cols, day_first)
    check_unique(log, log_schema, log_cols, log_out)

    # On the Comp Sheet, a cell the draft needs (amount, processed date) blocks it when wrong.
    def comp_severity(col: Column, severity: str) -> str:
        return ERROR if col.header_required else severity

    comp, comp_out = check_tab(comp_raw, comp_schema, comp_cols, day_first, comp_severity)
    comp_pos = _join_comp(log, comp, comp_out)
    log["comp_pos"] = comp_pos
    _cross_check(log, comp, comp_pos, log_out)
    log[HAS_ERROR] = log_out.has_error
    comp[HAS_ERROR] = comp_out.has_error
    issues = sorted(log_out.issues, key=_ISSUE_ORDER) + sorted(comp_out.issues, key=_ISSUE_ORDER)
    return Validation(log, comp, issues)


def _join_comp(log: pd.DataFrame, comp: pd.DataFrame, out: _Collector) -> np.ndarray:
    """For each log row, the position of its Comp Sheet row (the first one for the ticket), or -1.

    Reports Comp Sheet rows that cannot be matched: no Ticket ID, a ticket not in the log, or a
    second row for the same ticket (the bot uses the first).
    """
    log_keys_col = log[TICKET_KEY]
    comp_keys = comp[TICKET_KEY]
    # Column by column: which Comp Sheet rows have no ticket, a ticket the log lacks, or a ticket an
    # earlier row already has (the issues are sorted by row afterwards, so they may be found rule by rule).
    blank = (comp_keys == "").to_numpy(dtype=bool)
    in_log = comp_keys.isin(log_keys_col).to_numpy(dtype=bool) & ~blank
    repeat = in_log & comp_keys.duplicated(keep="first").to_numpy(dtype=bool)
    for pos in np.flatnonzero(blank).tolist():
        out.add(pos, "ticket_id", "No Ticket ID, so this row cannot be matched to a case", WARNING)
    orphans = np.flatnonzero(~blank & ~in_log).tolist()
    if orphans:
        _orphans(log, comp_keys.to_numpy(), orphans, out)
    if repeat.any():
        first_at = dict(zip(comp_keys.to_numpy()[in_log & ~repeat].tolist(), np.flatnonzero(in_log & ~repeat).tolist()))
        for pos in np.flatnonzero(repeat).tolist():
            first = out.rows[first_at[comp_keys.iat[pos]]]
            out.add(pos, "ticket_id", f"Ticket ID {out.tickets[pos]} already has a Comp Sheet row "
                                      f"(row {first}); the bot uses that one", WARNING)
    first_for_ticket = pd.Series(np.flatnonzero(in_log & ~repeat), index=comp_keys[in_log & ~repeat].to_numpy(),
                                 dtype=np.int64)
    # Only the first log row of a ticket joins; a repeat is already an error and would only add noise.
    joins = (log_keys_col != "").to_numpy(dtype=bool) & ~log_keys_col.duplicated(keep="first").to_numpy(dtype=bool)
    comp_pos = np.full(len(log), -1, dtype=np.int64)
    found = pd.Index(first_for_ticket.index).get_indexer(log_keys_col.to_numpy()[joins])
    hit = found >= 0
    comp_pos[np.flatnonzero(joins)[hit]] = first_for_ticket.to_numpy()[found[hit]]
    return comp_pos


def _orphans(log: pd.DataFrame, comp_keys: np.ndarray, orphans: list[int], out: _Collector) -> None:
    """A warning for each Comp Sheet row whose ticket is not in the log, naming the log row that differs
    only in leading zeros when there is one."""
    log_keys = log[TICKET_KEY].tolist()
    log_tickets = set(log_keys)
    padded = _padded_keys(log_keys)
    first_log_at: dict[str, int] = {}
    for pos in orphans:
        key = comp_keys[pos]
        bare = without_leading_zeros(key)
        near = padded.get(bare)           # the log has zeros this ticket lacks (or other zeros)
        if near is None and bare != key and bare in log_tickets:   # this ticket has zeros the log lacks
            if not first_log_at:
                first_log_at.update((k, at) for at, k in reversed(list(enumerate(log_keys))))
            near = first_log_at[bare]
        problem = f"Ticket ID {out.tickets[pos]} is not in the Defective Log"
        if near is not None:
            # Not joined silently: one of the two cells lost (or gained) zeros, most often because a
            # spreadsheet read 00124 as the number 124. A person decides which is right.
            theirs = log["ticket_id"].iat[near]
            problem += (f"; Defective Log row {log[ROW_COLUMN].iat[near]} has {theirs}, which differs only "
                        f"in leading zeros: type the same Ticket ID in both (format the cell as Text so "
                        f"the zeros stay)")
        out.add(pos, "ticket_id", problem, WARNING)


# A run of zeros that starts a number and is followed by a digit: 0 in CS-007, 00 in 00124. Written to start
# with the literal 0 (not with the lookbehind), so the regex engine jumps from one 0 to the next instead of
# trying every character: the same matches as (?<!\d)0+(?=\d), 15 times faster over 100,000 keys.
_LEADING_ZEROS = re.compile(r"0(?<!\d0)0*(?=\d)")


def _padded_keys(keys: list[str]) -> dict[str, int]:
    """{key without its leading zeros: position} for the keys that have any, found with one regex scan of
    the joined keys (a regex call per key costs a tenth of a second at 100,000 rows)."""
    joined = "\n".join(keys)
    hits = [m.start() for m in _LEADING_ZEROS.finditer(joined)]
    if not hits:
        return {}
    starts = list(accumulate((len(k) + 1 for k in keys[:-1]), initial=0))
    out: dict[str, int] = {}
    for at in sorted({bisect_right(starts, h) - 1 for h in hits}):
        out.setdefault(without_leading_zeros(keys[at]), at)
    return out


def without_leading_zeros(key: str) -> str:
    """A ticket key with the leading zeros of each run of digits dropped: 00124 and 124, CS-007 and CS-7."""
    return _LEADING_ZEROS.sub("", key)


def _cross_check(log: pd.DataFrame, comp: pd.DataFrame, comp_pos: np.ndarray, out: _Collector) -> None:
    """Where both sides hold a value, the log and its Comp Sheet row must agree (reported on the log).

    Compared column-wise over the joined rows; only disagreements are visited one by one.
    """
    joined = np.flatnonzero(comp_pos >= 0)     # comp_pos: _join_comp's int64 positions, -1 for none
    if not len(joined):
        return
    other = comp_pos[joined]
    comp_rows = comp[ROW_COLUMN].to_numpy()[other]

    def pair(key: str, comp_key: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        return log[key].to_numpy()[joined], comp[comp_key or key].to_numpy()[other]

    resolution, comp_type = pair("resolution", "type")
    differs = pd.notna(resolution) & pd.notna(comp_type) & (resolution != comp_type)
    for k in np.flatnonzero(differs):
        out.add(joined[k], "resolution", f"Resolution is {resolution[k]}, but Comp Sheet row "
                                         f"{comp_rows[k]} has Type {comp_type[k]}", ERROR)
    amount, comp_amount = (pd.to_numeric(pd.Series(a), errors="coerce").to_numpy(dtype=float)
                           for a in pair("refund_amount"))
    with np.errstate(invalid="ignore"):
        differs = np.abs(amount - comp_amount) >= 0.005   # NaN (a blank side) compares False
    for k in np.flatnonzero(differs):
        out.add(joined[k], "refund_amount", f"Refund Amount {cells.format_money(amount[k])} differs from "
                                            f"{cells.format_money(comp_amount[k])} on Comp Sheet row {comp_rows[k]}",
                ERROR)
    order, comp_order = pair("replacement_order_number")
    both = np.flatnonzero(pd.notna(order) & pd.notna(comp_order) & (order != comp_order))
    for k in both:  # texts differ: they may still be one number typed in another case or with spaces
        if order[k] and comp_order[k] and ticket_key(order[k]) != ticket_key(comp_order[k]):
            out.add(joined[k], "replacement_order_number", f"Replacement Order Number {order[k]} differs "
                                                           f"from {comp_order[k]} on Comp Sheet row {comp_rows[k]}",
                    ERROR)
