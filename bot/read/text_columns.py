"""A column of text read at once for validation: its plain texts and their lengths from one join.

Validation needs both of every name, ID and email column (`cells.plain_texts`, then `cells.text_lengths`
for blanks and placeholders), and each made its own pass over the column's 100,000 texts: a join to check
their type and printability, another to count their lengths. A log's texts lie scattered in memory (one
JSON answer parsed into them), so each pass over them costs more than the work it does. Joined once with
a NUL between them, the texts give both answers: the join fails on a cell that is not text, the joined
text without its NULs says whether any cell needs cleaning, a NUL beside a space whether any needs
stripping, and where the NULs fall how long each text is.
"""
from __future__ import annotations

import numpy as np

from bot.read import cells

_LONG_TEXT = 24            # characters per text on average, past which the lengths are counted one by one
_MAX_JOINED = 1 << 22      # characters encoded at once (4 bytes each): past this, counted in pieces


def texts_and_lengths(values: list) -> tuple[list[str], np.ndarray] | None:
    """(`cells.plain_texts(values)`, `cells.text_lengths` of those texts), or None when `plain_texts` is
    None (a cell of another kind). The texts may be `values` itself, as `plain_texts`'s may."""
    n = len(values)
    try:
        joined = "\x00".join(values)
    except TypeError:        # an int, a None or another kind among the texts: the usual way
        return _separately(values)
    if not n or len(joined) > min(_MAX_JOINED, (_LONG_TEXT + 1) * n) or joined.count("\x00") != n - 1:
        return _separately(values)    # long texts, or a NUL inside a text
    if not joined.replace("\x00", "").isprintable():
        return _separately(values)    # some text to clean: plain_texts cleans only those
    # Printable text can hold only one character strip removes, the space; none at a text's ends means
    # every text is already stripped.
    if joined.startswith(" ") or joined.endswith(" ") or " \x00" in joined or "\x00 " in joined:
        return _separately(values)
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    bounds = np.empty(n + 1, dtype=np.int64)
    bounds[0], bounds[1:-1], bounds[-1] = -1, np.flatnonzero(codes == 0), len(codes)
    return values, np.diff(bounds) - 1


def _separately(values: list) -> tuple[list[str], np.ndarray] | None:
    texts = cells.plain_texts(values)
    return None if texts is None else (texts, cells.text_lengths(texts))
