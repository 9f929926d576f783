"""When two cells name the same case or the same product: the keys every tab matches by, in one place."""
from __future__ import annotations

import re
from functools import lru_cache

from bot.read import cells

_NOT_ALNUM = re.compile(r"[\W_]+")


@lru_cache(maxsize=1 << 17)
def product_key(name: str) -> str:
    """Two products are the same when their names agree lower-cased with only letters and digits kept.
    Cached: a cycle asks for the key of every spelling three times over (the drafts' spellings, the
    episodes, corrective actions), and the real CAERS log has 45,000 spellings."""
    return _NOT_ALNUM.sub("", name.casefold())


def ticket_key(text: str) -> str:
    """Ticket IDs match ignoring case and surrounding spaces ("cs-100 " is "CS-100"), and as the bot stores
    them (a Ticket ID written to a bot tab must find its case again on the next cycle)."""
    return cells.storable_text(text).strip().casefold()


def ticket_keys(tickets: list[str]) -> list[str]:
    """ticket_key over a column; one check of the whole column spares cleaning each ID."""
    if not tickets:
        return []
    joined = "\x00".join(tickets)     # one NUL between tickets: they split apart again below
    # Printable ASCII: no character to drop, and a ticket is cut only past MAX_STORED_CHARS characters.
    limit = cells.MAX_STORED_CHARS
    if joined.isascii() and joined.count("\x00") == len(tickets) - 1 and joined.replace("\x00", "").isprintable() \
            and (len(joined) <= limit or int(cells.text_lengths(tickets).max()) <= limit):
        # casefold is lower in ASCII, and the only whitespace printable ASCII holds is the space: the
        # column at C speed (a comma-separated list of tickets splits into keys with spaces around them).
        keys = joined.lower().split("\x00")
        return keys if " " not in joined else list(map(str.strip, keys))
    return [ticket_key(t) if t else "" for t in tickets]
