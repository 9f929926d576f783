"""From raw rows to named columns: header matching, column letters, and the frames the core works on.

Headers are matched by name, ignoring case and spaces, so a team may reorder or add columns.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import chain

import numpy as np

from bot.read.cells import as_text, is_blank
from bot.read.rows import RowView
from bot.errors import LayoutError
from sheet_schema import TabSchema

ROW_COLUMN = "_row"  # the sheet row number (row 1 holds the headers)


def header_key(value) -> str:
    return "".join(as_text(value).split()).casefold()


def find_title(wanted: str, titles) -> str | None:
    """The tab a configured name means, among `titles`: the same name, else the only one that matches
    it ignoring case and spaces, as headers do ("Defective log", "DefectiveLog "). None when no tab (or
    more than one) matches."""
    titles = list(titles)
    if wanted in titles:
        return wanted
    key = header_key(wanted)
    hits = [t for t in titles if header_key(t) == key]
    return hits[0] if len(hits) == 1 else None


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_number(letters: str) -> int:
    """column_letter's inverse: A -> 0, Z -> 25, AA -> 26 (any case)."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


@dataclass(frozen=True)
class ColumnMap:
    """Where each schema column sits in the sheet as it is."""

    tab: str
    index: dict[str, int]        # column key -> 0-based position
    headers: dict[str, str]      # column key -> header text the bot looks for
    width: int                   # number of header cells in row 1 (filled or not, up to the last filled)

    def letter(self, key: str) -> str:
        return column_letter(self.index[key])


def map_columns(tab: str, header_row: list, schema: TabSchema, renames: dict[str, str],
                *, strict: bool) -> ColumnMap:
    """Find each schema column in row 1.

    strict (rep tabs): a missing header the tab needs, or a header that appears twice, is a
    LayoutError naming it. Not strict (bot tabs): missing columns are left out of the map (the plan
    adds them at the right).
    """
    positions: dict[str, list[int]] = {}
    for i, cell in enumerate(header_row):
        if not is_blank(cell):
            positions.setdefault(header_key(cell), []).append(i)
    index: dict[str, int] = {}
    headers: dict[str, str] = {}
    missing: list[str] = []          # column keys, all of them: one error names every missing header
    for col in schema.columns:
        wanted = renames.get(col.key, col.header)
        found = positions.get(header_key(wanted), [])
        if not found and col.key not in renames:
            # Another name the schema knows for the column (Date Closed / Closed On): the first one present.
            wanted, found = next(((h, positions[header_key(h)]) for h in col.also_headers
                                  if header_key(h) in positions), (wanted, found))
        headers[col.key] = wanted
        if len(found) > 1:
            letters = " and ".join(column_letter(i) for i in found)
            raise LayoutError(tab, f"The '{tab}' tab has the header '{wanted}' twice (columns {letters}): "
                                   f"rename or delete one so the bot knows which to read.", header=wanted)
        if found:
            index[col.key] = found[0]
        elif strict and col.header_required:
            missing.append(col.key)
    if missing:
        raise missing_headers_error(tab, schema.name, [(k, headers[k]) for k in missing])
    width = max((i + 1 for i, c in enumerate(header_row) if not is_blank(c)), default=0)
    return ColumnMap(tab=tab, index=index, headers=headers, width=width)


def missing_headers_error(tab: str, schema_name: str, missing: list[tuple[str, str]]) -> LayoutError:
    """One error naming every missing header of a tab (column key, header text), and how to fix each."""
    names = [f"'{h}'" for _, h in missing]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    # Past three, the settings would drown the sentence: one example shows the form.
    settings = ", ".join(f"{key} = \"<your header>\"" for key, _ in missing[:3]) + (", ..." if len(missing) > 3 else "")
    noun = "header" if len(names) == 1 else "headers"
    return LayoutError(tab, f"The '{tab}' tab has no {listed} {noun} in row 1: add {'it' if len(names) == 1 else 'them'} "
                            f"back, or set [headers.{schema_name}] {settings} in the config file.",
                       header=missing[0][1], headers=tuple(h for _, h in missing))


@dataclass
class RawTab:
    """Raw values of every schema column over every data row (blank rows included), column-wise."""

    values: dict[str, np.ndarray]   # column key -> object array, one entry per data row
    rows: np.ndarray                # sheet row numbers (row 1 holds the headers)

    def __len__(self) -> int:
        return len(self.rows)


def rep_frame(rows: list[list], columns: ColumnMap, schema: TabSchema) -> RawTab:
    """Split the rows read into schema columns. A column the sheet lacks reads as blank."""
    data = rows[1:]
    return RawTab(schema_columns(data, columns, schema), np.arange(2, len(data) + 2))


def schema_columns(data: list[list], columns: ColumnMap, schema: TabSchema) -> dict[str, np.ndarray]:
    """Every schema column of the data rows (header row left out), in schema order: an object array
    per column, all None for a column the sheet lacks.

    Transposes in C rather than indexing row by row (logs reach 100,000 rows): the rows, padded to
    one width where Google left trailing blanks off, become one 2-D object array whose columns are
    views; numpy builds it three times faster than zip_longest transposes, and fills it from one
    iterator over the cells a third faster than np.array discovers the shape of a list of rows.
    """
    n = len(data)
    grid = _grid(data)
    values = {}
    for col in schema.columns:
        i = columns.index.get(col.key)
        if i is None or i >= grid.shape[1]:
            values[col.key] = np.full(n, None, dtype=object)
        else:
            values[col.key] = grid[:, i]
    return values


def _grid(data: list[list]) -> np.ndarray:
    """The rows as an (n, width) object array, short rows padded with None: every cell in row order
    through one C-level iterator (a cell that is itself a sequence stays one cell)."""
    n = len(data)
    widths = set(map(len, data))
    width = max(widths, default=0)
    if not n or not width:
        return np.empty((n, 0), dtype=object)
    if len(widths) > 1:
        data = [r if len(r) == width else [*r, *([None] * (width - len(r)))] for r in data]
    return np.fromiter(chain.from_iterable(data), dtype=object, count=n * width).reshape(n, width)


@dataclass
class BotTable:
    """A bot tab as it is now: where its columns are and its data rows as {column key: value}."""

    title: str
    exists: bool
    columns: ColumnMap
    rows: list[dict] | RowView   # index i is sheet row i + 2; only mapped columns appear
    missing: list[str]           # schema column keys with no header yet (the plan appends them)
    header: tuple = ()           # row 1 as read (the plan's guard checks it is still there)


def cycle_columns(schema: TabSchema) -> list[str]:
    """The columns a cycle gives a bot tab: all but people's optional ones that only `init` adds (a lead
    who does not track corrective actions never sees their headers appear)."""
    return [c.key for c in schema.columns if not c.added_by_init]


def read_bot_table(title: str, rows: list[list] | None, schema: TabSchema,
                   renames: dict[str, str], lazy: bool = False) -> BotTable:
    """`lazy`: the rows as a RowView, each made into a dict when first asked for (a warm cycle, which
    reads few of them and changes none); otherwise a list of dicts the cycle may change."""
    if rows is None:
        columns = ColumnMap(tab=title, index={}, headers={c.key: renames.get(c.key, c.header)
                                                          for c in schema.columns}, width=0)
        return BotTable(title, False, columns, [], cycle_columns(schema))
    header = rows[0] if rows else []
    columns = map_columns(title, header, schema, renames, strict=False)
    missing = [k for k in cycle_columns(schema) if k not in columns.index]
    # A row counts while any of its cells is filled, in a column the bot knows or in a person's own:
    # the bot appends after it, never onto a row someone typed.
    end = len(rows)
    while end > 1 and all(is_blank(v) for v in rows[end - 1]):
        end -= 1
    if lazy:
        return BotTable(title, True, columns, RowView(rows[1:end], columns.index), missing, tuple(header))
    data = []
    for r in rows[1:end]:
        data.append({k: (r[i] if i < len(r) else None) for k, i in columns.index.items()})
    return BotTable(title, True, columns, data, missing, tuple(header))


def update_row(schema: TabSchema, row: dict, changes: dict) -> None:
    """row.update(changes), except that a column the schema marks `set_once` (Flag ID, Flagged At,
    Drafted At) keeps a value it already holds: the one place `set_once` is honoured."""
    row.update({k: v for k, v in changes.items() if not (schema.by_key[k].set_once and not is_blank(row.get(k)))})
