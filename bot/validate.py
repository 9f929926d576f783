"""Every rule of the contract for the rep tabs, turned into Log Issues rows.

Pure: takes the raw frames read from the Defective Log and the Comp Sheet, returns parsed frames
(one column per schema key, parsed values or None) and the list of issues. An error is anything that
blocks a draft; a warning is worth fixing but blocks nothing.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from bot import cells
from bot.table import ROW_COLUMN, ColumnMap
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


def ticket_key(text: str) -> str:
    """Ticket IDs match ignoring case and surrounding spaces ("cs-100 " is "CS-100"), and as the bot stores
    them (a Ticket ID written to a bot tab must find its case again on the next cycle)."""
    return cells.storable_text(text).strip().casefold()


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


def parse_column(values: pd.Series, col: Column, day_first: bool) -> tuple[list, list]:
    """Parse a column, each distinct value once (logs repeat dates, products and choices a lot)."""
    cache: dict = {}
    parsed, problems = [], []
    for value in values:
        key = (value.__class__, value)  # 1, 1.0 and True are equal in a dict; they are not one cell
        try:
            result = cache[key]
        except KeyError:
            result = cache[key] = _parse_cell(value, col, day_first)
        except TypeError:  # an unhashable value cannot come from a sheet, but never crash on one
            result = _parse_cell(value, col, day_first)
        parsed.append(result[0])
        problems.append(result[1])
    return parsed, problems


class _Collector:
    def __init__(self, tab: str, columns: ColumnMap, tickets: list[str], rows: list[int]):
        self.tab, self.columns, self.tickets, self.rows = tab, columns, tickets, rows
        self.issues: list[Issue] = []
        self.error_rows: set[int] = set()

    def add(self, pos: int, key: str, problem: str, severity: str) -> None:
        index = self.columns.index.get(key, -1)
        letter = self.columns.letter(key) if index >= 0 else ""
        self.issues.append(Issue(self.tab, self.rows[pos], index, self.tickets[pos], letter,
                                 self.columns.headers[key], problem, severity))
        if severity == ERROR:
            self.error_rows.add(pos)


def check_tab(raw: pd.DataFrame, schema: TabSchema, columns: ColumnMap, day_first: bool,
              problem_severity=None) -> tuple[pd.DataFrame, _Collector]:
    """Parse every column and apply the required, conditional, type and uniqueness rules."""
    rows = raw[ROW_COLUMN].tolist()
    tickets = [cells.as_text(v) for v in raw["ticket_id"]] if len(raw) else []
    out = _Collector(columns.tab, columns, tickets, rows)
    parsed = pd.DataFrame({ROW_COLUMN: rows}, dtype=object)
    problems = {}
    for col in schema.columns:
        values, probs = parse_column(raw[col.key], col, day_first)
        parsed[col.key] = pd.Series(values, dtype=object)
        problems[col.key] = probs
    for col in schema.columns:
        blank = raw[col.key].map(cells.is_blank).tolist()
        active = _condition(parsed, col)
        probs = problems[col.key]
        for pos in range(len(rows)):
            if blank[pos]:
                if col.required and col.key in columns.index:
                    out.add(pos, col.key, "Required, but blank", ERROR)
                elif col.required:
                    out.add(pos, col.key, f"Required, but the tab has no '{columns.headers[col.key]}' column",
                            ERROR)
                elif active[pos]:
                    cond = schema.column(col.required_when.column)
                    out.add(pos, col.key, f"Required when {columns.headers[cond.key]} is "
                                          f"{col.required_when.equals}, but blank", ERROR)
            elif probs[pos] is not None:
                severity = ERROR if (col.required or active[pos]) else WARNING
                if problem_severity is not None:
                    severity = problem_severity(col, severity)
                out.add(pos, col.key, probs[pos], severity)
    parsed[TICKET_KEY] = [ticket_key(t) if t else "" for t in tickets]
    return parsed, out


def _condition(parsed: pd.DataFrame, col: Column) -> list[bool]:
    if col.required_when is None:
        return [False] * len(parsed)
    return (parsed[col.required_when.column] == col.required_when.equals).tolist()


def check_unique_tickets(parsed: pd.DataFrame, out: _Collector) -> None:
    """A repeated Ticket ID is an error on every occurrence after the first."""
    keys = parsed[TICKET_KEY]
    filled = keys != ""
    first_row = parsed[filled].groupby(TICKET_KEY)[ROW_COLUMN].first()
    repeats = filled & keys.duplicated(keep="first")
    for pos in repeats[repeats].index:
        out.add(pos, "ticket_id", f"Ticket ID {out.tickets[pos]} is already used on row "
                                  f"{first_row[keys[pos]]}", ERROR)


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


def validate(log_raw: pd.DataFrame, log_schema: TabSchema, log_cols: ColumnMap,
             comp_raw: pd.DataFrame, comp_schema: TabSchema, comp_cols: ColumnMap,
             day_first: bool = False) -> Validation:
    log, log_out = check_tab(log_raw, log_schema, log_cols, day_first)
    check_unique_tickets(log, log_out)

    # On the Comp Sheet, a cell the draft needs (amount, processed date) blocks it when wrong.
    def comp_severity(col: Column, severity: str) -> str:
        return ERROR if col.header_required else severity

    comp, comp_out = check_tab(comp_raw, comp_schema, comp_cols, day_first, comp_severity)
    comp_pos = _join_comp(log, comp, comp_out)
    log["comp_pos"] = comp_pos
    _cross_check(log, comp, comp_pos, log_out)
    log[HAS_ERROR] = [pos in log_out.error_rows for pos in range(len(log))]
    comp[HAS_ERROR] = [pos in comp_out.error_rows for pos in range(len(comp))]
    issues = sorted(log_out.issues) + sorted(comp_out.issues)
    return Validation(log, comp, issues)


def _join_comp(log: pd.DataFrame, comp: pd.DataFrame, out: _Collector) -> list[int]:
    """For each log row, the position of its Comp Sheet row (the first one for the ticket), or -1.

    Reports Comp Sheet rows that cannot be matched: no Ticket ID, a ticket not in the log, or a
    second row for the same ticket (the bot uses the first).
    """
    first_for_ticket: dict[str, int] = {}
    log_tickets = set(log[TICKET_KEY])
    for pos, key in enumerate(comp[TICKET_KEY]):
        if not key:
            out.add(pos, "ticket_id", "No Ticket ID, so this row cannot be matched to a case", WARNING)
        elif key not in log_tickets:
            out.add(pos, "ticket_id", f"Ticket ID {out.tickets[pos]} is not in the Defective Log", WARNING)
        elif key in first_for_ticket:
            first = out.rows[first_for_ticket[key]]
            out.add(pos, "ticket_id", f"Ticket ID {out.tickets[pos]} already has a Comp Sheet row "
                                      f"(row {first}); the bot uses that one", WARNING)
        else:
            first_for_ticket[key] = pos
    # Only the first log row of a ticket joins; a repeat is already an error and would only add noise.
    first_log = ~log[TICKET_KEY].duplicated(keep="first")
    return [first_for_ticket.get(key, -1) if key and first else -1
            for key, first in zip(log[TICKET_KEY], first_log)]


def _cross_check(log: pd.DataFrame, comp: pd.DataFrame, comp_pos: list[int], out: _Collector) -> None:
    """Where both sides hold a value, the log and its Comp Sheet row must agree (reported on the log)."""
    comp_rows = comp[ROW_COLUMN].tolist()
    for pos, cpos in enumerate(comp_pos):
        if cpos < 0:
            continue
        where = f"Comp Sheet row {comp_rows[cpos]}"
        resolution, comp_type = log.at[pos, "resolution"], comp.at[cpos, "type"]
        if resolution and comp_type and resolution != comp_type:
            out.add(pos, "resolution", f"Resolution is {resolution}, but {where} has Type {comp_type}", ERROR)
        amount, comp_amount = log.at[pos, "refund_amount"], comp.at[cpos, "refund_amount"]
        if amount is not None and comp_amount is not None and abs(amount - comp_amount) >= 0.005:
            out.add(pos, "refund_amount", f"Refund Amount {cells.format_money(amount)} differs from "
                                          f"{cells.format_money(comp_amount)} on {where}", ERROR)
        order, comp_order = log.at[pos, "replacement_order_number"], comp.at[cpos, "replacement_order_number"]
        if order and comp_order and ticket_key(order) != ticket_key(comp_order):
            out.add(pos, "replacement_order_number", f"Replacement Order Number {order} differs from "
                                                     f"{comp_order} on {where}", ERROR)
