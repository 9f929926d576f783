"""The valueRanges of a values:batchGet answer, with where each one ends in the bytes received.

`json.loads` of the whole answer gives the rows; this gives the same rows (the C scanner parses each
range) and, for free, where each range's text ends in the answer. With `PrefixDigests` (the answer
hashed once, as the steady-state check hashes it anyway) that gives a digest of everything up to the
end of each range at almost no cost, so the quiet-cycle check can fingerprint the rep tabs from the
bytes Google sent instead of serialising 2.5 million parsed cells again (bot/cycle/quiet.py). Standard
library only.
"""
from __future__ import annotations

import hashlib
import json
import re

_WS = re.compile(r"[ \t\n\r]*")          # JSON's whitespace (RFC 8259)
_DECODER = json.JSONDecoder()


PIECE = 1 << 20       # bytes hashed between two kept hash states


class PrefixDigests:
    """The sha256 of `body` and, cheaply, of `body[:n]` for any n: the body is hashed once, in
    pieces, keeping the hash state at the end of each piece, so a prefix costs at most one piece
    more. Holds the body until dropped."""

    def __init__(self, body: bytes):
        h = hashlib.sha256()
        self._body = memoryview(body)
        self._states = [h.copy()]
        for i in range(0, len(body), PIECE):
            h.update(self._body[i:i + PIECE])
            self._states.append(h.copy())
        self._whole = h

    def digest(self) -> bytes:
        return self._whole.digest()

    def through(self, n: int) -> bytes:
        """sha256 of body[:n]."""
        k = n // PIECE
        h = self._states[k].copy()
        h.update(self._body[k * PIECE:n])
        return h.digest()


def parse_value_ranges(body: bytes) -> tuple[list, list[int] | None]:
    """(the answer's "valueRanges", the byte offset in `body` where each range's JSON text ends).
    The offsets are None for an answer not in UTF-8 (JSON allows UTF-16 and -32; Google never sends
    them). Raises ValueError for an answer that is not a JSON object, or whose valueRanges is not a
    list, as json.loads would."""
    encoding = json.detect_encoding(body)
    text = body.decode(encoding, "surrogatepass")   # what json.loads(bytes) does
    found = _Found(text, body.isascii(), 3 if encoding == "utf-8-sig" else 0, encoding.startswith("utf-8"))
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
        item, i = _DECODER.raw_decode(text, i)
        found.add(item, i)
        i = _skip(text, i)
        if text.startswith(",", i):
            i = _skip(text, i + 1)
            continue
        return _expect(text, i, "]")


class _Found:
    """The parsed ranges and the byte offsets where they end."""

    def __init__(self, text: str, ascii_only: bool, bom: int, utf8: bool):
        self.text = text
        self.ascii_only = ascii_only   # one byte per character: a character offset is a byte offset
        self.utf8 = utf8
        self.ranges: list = []
        self.ends: list[int] = []
        self._char, self._byte = 0, bom   # where the last range ended, in characters and in bytes

    def add(self, item, end: int) -> None:
        self.ranges.append(item)
        if self.ascii_only:
            self.ends.append(end)
        elif self.utf8:
            # Each stretch of text is encoded once, in order, to count its bytes.
            self._byte += len(self.text[self._char:end].encode("utf-8", "surrogatepass"))
            self._char = end
            self.ends.append(self._byte)

    def result(self) -> tuple[list, list[int] | None]:
        return self.ranges, (self.ends if self.ascii_only or self.utf8 else None)


def _skip(text: str, i: int) -> int:
    return _WS.match(text, i).end()


def _expect(text: str, i: int, char: str) -> int:
    """Past `char` (after any whitespace) and the whitespace after it."""
    i = _skip(text, i)
    if not text.startswith(char, i):
        raise ValueError(f"expected {char!r} at character {i} of the answer")
    return _skip(text, i + 1)


def _end(text: str, i: int, found: _Found) -> tuple[list, list[int] | None]:
    if _skip(text, i) != len(text):
        raise ValueError(f"unexpected text after the answer at character {i}")
    return found.result()
