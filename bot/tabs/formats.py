"""How a bot tab is made readable where people read it, and which of its columns the bot protects. Pure.

The widths and wrapped columns are the schema's (`width`, `wrap` in sheet_schema/*.toml); the header row
is bold and frozen and carries a filter. Used by `init` (every bot tab as it is) and by a cycle that
creates a bot tab (the tab as the bot lays it out). A backend sets each part only where nothing is set
yet, so a person's own formatting is never undone.
"""
from __future__ import annotations

from typing import Mapping

from bot.backends.base import Protection, TabFormat
from sheet_schema import TabSchema


def bot_tab_format(title: str, schema: TabSchema, index: Mapping[str, int], width: int,
                   protection: str | None = None) -> TabFormat:
    """The format of a bot tab whose schema columns sit at `index` (0-based; a column missing from the
    tab is left out) in a header row `width` cells wide. `protection`: a [protection] mode, or None to
    leave the tab's protections as they are (a cycle never changes them)."""
    cols = [(c, index[c.key]) for c in schema.columns if c.key in index]
    guard = None
    if protection is not None:
        bot = tuple(sorted(i for c, i in cols if c.owner == "bot"))
        everything_bot = all(c.owner == "bot" for c in schema.columns)
        guard = Protection(protection, None if everything_bot else bot)
    if schema.hidden:   # nobody reads it: frozen, protected, nothing more
        return TabFormat(title, protection=guard)
    return TabFormat(
        title,
        bold_header=tuple(sorted(i for _, i in cols)),
        widths={i: float(c.width) for c, i in cols if c.width},
        wrap_columns=tuple(sorted(i for c, i in cols if c.wrap)),
        filter_columns=max(width, max((i + 1 for _, i in cols), default=0)) if schema.filter else 0,
        protection=guard,
    )


def new_tab_format(title: str, schema: TabSchema) -> TabFormat:
    """A tab a cycle is creating: its columns in schema order from A, as the cycle writes its header,
    without the people's optional columns only `init` adds (Root Cause ...)."""
    written = [c for c in schema.columns if not c.added_by_init]
    return bot_tab_format(title, schema, {c.key: i for i, c in enumerate(written)}, len(written))
