"""The layout of every tab, one TOML file per tab, loaded into small frozen dataclasses.

The files are the single source of headers, default column letters, types, required and conditional
rules, allowed values, and which columns belong to the bot and which to people.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

# The registry of tabs: every *.toml file in this folder is one tab, named after the file. A tab file says
# who owns the tab, where it stands among the others (`order`: the order the bot reads and creates them)
# and, for a bot tab, how a cycle writes it (see TabSchema). A new bot tab is a TOML file here, the module
# that computes its rows, and one line in bot.cycle.compute.compute's `desired`.
TAB_FILES = {p.stem: p.name for p in sorted(resources.files(__name__).iterdir(), key=lambda p: p.name)
             if p.name.endswith(".toml")}


def _tab_names(which) -> tuple[str, ...]:
    found = [(load(name).order, name) for name in TAB_FILES if which(load(name))]
    return tuple(name for _, name in sorted(found))


COLUMN_TYPES = {"date", "id", "text", "email", "choice", "count", "money"}


@dataclass(frozen=True)
class RequiredWhen:
    column: str
    equals: str


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    letter: str = ""
    type: str = "text"
    required: bool = False
    required_when: RequiredWhen | None = None
    choices: tuple[str, ...] = ()
    unique: bool = False
    owner: str = "reps"
    set_once: bool = False
    freezes_row: bool = False      # people's column: once filled, the bot leaves the row's content alone
    header_required: bool = False  # the tab is unusable without this header
    width: float | None = None     # bot tabs: the column's width in characters where nobody set one
    wrap: bool = False             # bot tabs: wrap the column's text (Body, Lead Notes, Ticket IDs, ...)
    added_by_init: bool = False    # an optional people's column: `init` adds its header, a cycle never does
    also_headers: tuple[str, ...] = ()  # other names teams give the column, tried in order after `header`

    @property
    def conditional(self) -> bool:
        return self.required_when is not None


@dataclass(frozen=True)
class TabSchema:
    name: str            # the logical name, e.g. "defective_log"
    tab: str             # the default tab title, e.g. "Defective Log"
    owner: str
    columns: tuple[Column, ...]
    key_column: str | None = None
    hidden: bool = False           # a tab people need not see (created hidden)
    order: int = 99                # where the tab stands among the others (read and created in this order)
    rewritten_whole: bool = False  # a cycle rewrites it from scratch (rows past the new end are cleared)
    quiet_check: bool = True       # counts toward the quiet-cycle fingerprint (bot.cycle.quiet)
    written_by: str = "cycle"      # "cycle", or "report" for a tab only the `report` command writes
    filter: bool = True            # bot tabs: a filter on the header row (init, or the cycle creating the tab)
    by_key: dict[str, Column] = field(default_factory=dict, compare=False, repr=False)

    def column(self, key: str) -> Column:
        return self.by_key[key]

    @property
    def bot_keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns if c.owner == "bot")

    @property
    def guarded_keys(self) -> tuple[str, ...]:
        """The columns that say which record a row is and whether the bot may change it: a write to
        the tab is only safe while they are where the cycle read them."""
        keys = (self.key_column,) if self.key_column else ()
        return keys + tuple(c.key for c in self.columns if c.freezes_row)

    @property
    def laid_out(self) -> tuple[Column, ...]:
        """The columns a new tab is made with, in order: every column of a bot tab; a rep tab's lettered
        columns (the contract's layout). A rep column with no letter (Date Closed) is optional and kept
        wherever a team likes: never created or asked for, read when its header is there."""
        return tuple(c for c in self.columns if c.letter or self.owner != "reps")

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.laid_out]


def _column(raw: dict, tab_owner: str) -> Column:
    when = raw.get("required_when")
    col = Column(
        key=raw["key"],
        header=raw["header"],
        letter=raw.get("letter", ""),
        type=raw.get("type", "text"),
        required=bool(raw.get("required", False)),
        required_when=RequiredWhen(**when) if when else None,
        choices=tuple(raw.get("choices", ())),
        unique=bool(raw.get("unique", False)),
        owner=raw.get("owner", tab_owner),
        set_once=bool(raw.get("set_once", False)),
        freezes_row=bool(raw.get("freezes_row", False)),
        header_required=bool(raw.get("header_required", raw.get("required") or "required_when" in raw)),
        width=raw.get("width"),
        wrap=bool(raw.get("wrap", False)),
        added_by_init=bool(raw.get("added_by_init", False)),
        also_headers=tuple(raw.get("also_headers", ())),
    )
    if col.width is not None and (isinstance(col.width, bool) or not isinstance(col.width, (int, float))
                                  or not 0 < col.width <= 255):
        raise ValueError(f"sheet_schema: column {col.key!r} has width {col.width!r}; use 1 to 255 characters")
    if col.type not in COLUMN_TYPES:
        raise ValueError(f"sheet_schema: column {col.key!r} has unknown type {col.type!r}")
    if col.type == "choice" and not col.choices:
        raise ValueError(f"sheet_schema: choice column {col.key!r} lists no choices")
    return col


@cache
def load(name: str) -> TabSchema:
    """Load one tab's schema by logical name (see TAB_FILES)."""
    text = resources.files(__name__).joinpath(TAB_FILES[name]).read_text(encoding="utf-8")
    raw = tomllib.loads(text)
    owner = raw["owner"]
    columns = tuple(_column(c, owner) for c in raw["columns"])
    return TabSchema(
        name=name,
        tab=raw["tab"],
        owner=owner,
        columns=columns,
        key_column=raw.get("key_column"),
        hidden=bool(raw.get("hidden", False)),
        order=int(raw.get("order", 99)),
        rewritten_whole=bool(raw.get("rewritten_whole", False)),
        quiet_check=bool(raw.get("quiet_check", True)),
        written_by=raw.get("written_by", "cycle"),
        filter=bool(raw.get("filter", True)),
        by_key={c.key: c for c in columns},
    )


def load_all() -> dict[str, TabSchema]:
    return {name: load(name) for name in TAB_FILES}


TAB_FILES = {name: TAB_FILES[name] for _, name in sorted((load(n).order, n) for n in TAB_FILES)}
REP_TABS = _tab_names(lambda t: t.owner == "reps")
BOT_TABS = _tab_names(lambda t: t.owner == "bot" and t.written_by == "cycle")
# Bot tabs written only on request (`report`), never by a cycle, init or doctor.
REPORT_TABS = _tab_names(lambda t: t.owner == "bot" and t.written_by == "report")
