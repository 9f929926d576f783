"""The valueRanges of a values:batchGet answer, each with a digest of its own JSON text.

`json.loads` of the whole answer gives the rows; this gives the same rows (the C scanner parses each
range) and, for free, where each range's text starts and ends in the answer, so the quiet-cycle check
can fingerprint the rep tabs from the bytes Google sent instead of serialising 2.5 million parsed
cells again (bot/state.py). Standard library only.
"""
from __future__ import annotations

import hashlib
import json
import re

_WS = re.compile(r"[ \t\n\r]*")          # JSON's whitespace (RFC 8259)
_DECODER = json.JSONDecoder()


def parse_value_ranges(body: bytes) -> tuple[list, list[bytes]]:
    """(the answer's "valueRanges", the sha256 of each range's JSON text). Raises ValueError for an
    answer that is not a JSON object, or whose valueRanges is not a list, as json.loads would."""
    text = body.decode(json.detect_encoding(body), "surrogatepass")   # what json.loads(bytes) does
    # An ASCII answer (Google escapes nothing, but most sheets are ASCII) has one byte per character,
    # so a range's text is hashed straight from the bytes received, without encoding a copy.
    found = _Found(memoryview(body) if body.isascii() else None)
    seen = False
    i = _expect(text, 0, "{")
    if text.startswith("}", i):
        return _end(text, i + 1, found)
    while True:
        if not text.startswith('"', i):
            raise ValueError(f"expected a key at character {i} of the answer")
        key, i = _DECODER.raw_decode(text, i)
        i = _expect(text, i, ":")
        if key == "valueRanges":
            if seen:
                raise ValueError("the answer has valueRanges twice")
            seen = True
            i = _ranges(text, i, found)
        else:
            _, i = _DECODER.raw_decode(text, i)
        i = _skip(text, i)
        if text.startswith(",", i):
            i = _skip(text, i + 1)
            continue
        i = _expect(text, i, "}")
        return _end(text, i, found)


def _ranges(text: str, i: int, found: _Found) -> int:
    i = _expect(text, i, "[")
    if text.startswith("]", i):
        return i + 1
    while True:
        start = i
        item, i = _DECODER.raw_decode(text, i)
        found.add(item, text, start, i)
        i = _skip(text, i)
        if text.startswith(",", i):
            i = _skip(text, i + 1)
            continue
        return _expect(text, i, "]")


class _Found:
    """The parsed ranges and their digests."""

    def __init__(self, raw: memoryview | None):
        self.raw = raw
        self.ranges: list = []
        self.digests: list[bytes] = []

    def add(self, item, text: str, start: int, end: int) -> None:
        self.ranges.append(item)
        if self.raw is not None:
            self.digests.append(hashlib.sha256(self.raw[start:end]).digest())
        else:
            self.digests.append(hashlib.sha256(text[start:end].encode("utf-8", "surrogatepass")).digest())


def _skip(text: str, i: int) -> int:
    return _WS.match(text, i).end()


def _expect(text: str, i: int, char: str) -> int:
    """Past `char` (after any whitespace) and the whitespace after it."""
    i = _skip(text, i)
    if not text.startswith(char, i):
        raise ValueError(f"expected {char!r} at character {i} of the answer")
    return _skip(text, i + 1)


def _end(text: str, i: int, found: _Found) -> tuple[list, list[bytes]]:
    if _skip(text, i) != len(text):
        raise ValueError(f"unexpected text after the answer at character {i}")
    return found.ranges, found.digests
