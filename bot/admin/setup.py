"""`init`: what setting a sheet up writes (missing tabs and headers) and how its tabs are formatted.
Rep tabs that exist are never written, beyond the optional headers the contract lets init add."""
from __future__ import annotations

from bot.backends.base import CreateTab, Plan, RangeWrite, TabFormat
from bot.config import Settings
from bot.read.table import map_columns
from bot.tabs.formats import bot_tab_format
from sheet_schema import BOT_TABS, REP_TABS, load


def init_plan(settings: Settings, tabs: dict[str, list | None]) -> tuple[Plan, list[str]]:
    """Create missing tabs with their headers; add missing headers to bot tabs. Rep tabs that exist are
    never written: a missing header there is reported for a person to add."""
    creates, writes, notes = [], [], []
    for name in REP_TABS + BOT_TABS:
        title, schema = settings.title(name), load(name)
        headers = [settings.headers[name].get(c.key, c.header) for c in schema.laid_out]
        rows = tabs.get(title)
        if rows is None:
            creates.append(CreateTab(title, hidden=schema.hidden))
            writes.append(RangeWrite(title, 1, 1, (tuple(headers),)))
            notes.append(f"created the '{title}' tab with its headers")
            continue
        # The same header matching as a cycle (case and spaces ignored, blank cells skipped).
        cols = map_columns(title, rows[0] if rows else [], schema, settings.headers[name], strict=False)
        missing = [cols.headers[c.key] for c in schema.laid_out if c.key not in cols.index]
        if not missing:
            continue
        if name in REP_TABS:
            # The optional columns the contract lets init add (Customer Feedback) go after the last
            # header; any other missing header is for a person to add: init writes no other rep-tab cell.
            optional = [cols.headers[c.key] for c in schema.columns if c.key not in cols.index and c.added_by_init]
            missing = [h for h in missing if h not in optional]
            if optional:
                writes.append(RangeWrite(title, 1, cols.width + 1, (tuple(optional),)))
                notes.append(f"added the optional {', '.join(repr(h) for h in optional)} header(s) to the "
                             f"'{title}' tab")
            if missing:
                notes.append(f"the '{title}' tab lacks {', '.join(repr(h) for h in missing)}: add these headers "
                             f"in row 1 (the bot never writes a rep tab)")
        else:
            writes.append(RangeWrite(title, 1, cols.width + 1, (tuple(missing),)))
            notes.append(f"added {len(missing)} header(s) to the '{title}' tab")
    return Plan(tuple(creates), tuple(writes)), notes


def tab_formats(settings: Settings, tabs: dict[str, list | None], titles: dict[str, str] | None = None
                ) -> list[TabFormat]:
    """`titles`: the tabs' names in the sheet where they differ from the configured ones (Snapshot.titles).

    Rep tabs: frozen header, dropdowns, blank-required highlights. Bot tabs: bold frozen header, the
    schema's widths and wrapped columns, a filter, and the [protection] mode for the bot's columns."""
    formats = []
    for name in REP_TABS + BOT_TABS:
        title, schema = settings.title(name), load(name)
        rows = tabs.get(title)
        header = rows[0] if rows else [settings.headers[name].get(c.key, c.header) for c in schema.columns]
        cols = map_columns(title, header, schema, settings.headers[name], strict=False)
        shown = (titles or {}).get(title, title)
        if name in BOT_TABS:
            formats.append(bot_tab_format(shown, schema, cols.index, cols.width, settings.protection))
            continue
        dropdowns, required = {}, []
        for c in schema.columns:
            if c.key not in cols.index:
                continue
            if c.choices:   # a choice column, or suggestions in a free-text one (Customer Feedback)
                dropdowns[cols.index[c.key]] = c.choices
            if c.required:
                required.append(cols.index[c.key])
        formats.append(TabFormat(shown, True, dropdowns, tuple(required)))
    return formats

