"""The valueRanges of a values:batchGet answer, with where each one ends in the answer's text.

`json.loads` of the whole answer gives the rows; this gives the same rows (the C scanner parses each
range) and, for free, where each range's text ends. With `PrefixDigests` (the text hashed once, as the
steady-state check hashes it anyway) that gives a digest of everything up to the end of each range at
almost no cost, so the quiet-cycle check can fingerprint the rep tabs from the text Google sent instead
of serialising 2.5 million parsed cells again (bot/cycle/quiet.py).

Everything works on the decoded text, so the caller can let go of the bytes received before the parse:
at the parse, the bytes, their text and every parsed cell would otherwise be alive at once (the cycle's
peak memory on a large sheet). A digest is the sha256 of the text's UTF-8, which is the bytes Google
sent (UTF-8, no byte-order mark). Standard library only.
"""
from __future__ import annotations

import hashlib
import json
import re

_WS = re.compile(r"[ \t\n\r]*")          # JSON's whitespace (RFC 8259)
_DECODER = json.JSONDecoder()


PIECE = 1 << 20       # characters hashed between two kept hash states


def decode(body: bytes) -> str:
    """The answer's text, as json.loads(bytes) decodes it (UTF-8, or the UTF-16/32 JSON allows; a
    byte-order mark dropped). Raises ValueError (UnicodeDecodeError) for bytes that are not text."""
    return body.decode(json.detect_encoding(body), "surrogatepass")


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


class PrefixDigests:
    """The sha256 of `text`'s UTF-8 and, cheaply, of `text[:n]`'s for any n: the text is hashed once,
    in pieces, keeping the hash state at the end of each piece, so a prefix costs at most one piece
    more. Holds the text until dropped."""

    def __init__(self, text: str):
        h = hashlib.sha256()
        self._text = text
        self._states = [h.copy()]
        for i in range(0, len(text), PIECE):
            h.update(_utf8(text[i:i + PIECE]))
            self._states.append(h.copy())
        self._whole = h

    def digest(self) -> bytes:
        return self._whole.digest()

    def through(self, n: int) -> bytes:
        """sha256 of text[:n] in UTF-8."""
        k = n // PIECE
        h = self._states[k].copy()
        h.update(_utf8(self._text[k * PIECE:n]))
        return h.digest()


def parse_value_ranges(text: str) -> tuple[list, list[int]]:
    """(the answer's "valueRanges", the offset in `text` where each range's JSON text ends). Raises
    ValueError for an answer that is not a JSON object, or whose valueRanges is not a list, as
    json.loads would."""
    ranges: list = []
    ends: list[int] = []
    seen = False
    i = _expect(text, 0, "{")
    if text.startswith("}", i):
        return _end(text, i + 1, ranges, ends)
    while True:
        if not text.startswith('"', i):
            raise ValueError(f"expected a key at character {i} of the answer")
        key, i = _DECODER.raw_decode(text, i)
        i = _expect(text, i, ":")
        if key == "valueRanges":
            if seen:
                raise ValueError("the answer has valueRanges twice")
            seen = True
            i = _ranges(text, i, ranges, ends)
        else:
            _, i = _DECODER.raw_decode(text, i)
        i = _skip(text, i)
        if text.startswith(",", i):
            i = _skip(text, i + 1)
            continue
        i = _expect(text, i, "}")
        return _end(text, i, ranges, ends)


def _ranges(text: str, i: int, ranges: list, ends: list[int]) -> int:
    i = _expect(text, i, "[")
    if text.startswith("]", i):
        return i + 1
    while True:
        item, i = _DECODER.raw_decode(text, i)
        ranges.append(item)
        ends.append(i)
        i = _skip(text, i)
        if text.startswith(",", i):
            i = _skip(text, i + 1)
            continue
        return _expect(text, i, "]")


def _skip(text: str, i: int) -> int:
    return _WS.match(text, i).end()


def _expect(text: str, i: int, char: str) -> int:
    """Past `char` (after any whitespace) and the whitespace after it."""
    i = _skip(text, i)
    if not text.startswith(char, i):
        raise ValueError(f"expected {char!r} at character {i} of the answer")
    return _skip(text, i + 1)


def _end(text: str, i: int, ranges: list, ends: list[int]) -> tuple[list, list[int]]:
    if _skip(text, i) != len(text):
        raise ValueError(f"unexpected text after the answer at character {i}")
    return ranges, ends
