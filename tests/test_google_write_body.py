"""The values:batchUpdate body the Google backend serialises itself, a few thousand rows at a time (for the
cycle's peak memory), is byte for byte the JSON gspread would send for the same writes."""
from __future__ import annotations

import json

import pytest

from bot.backends import google
from bot.backends.base import RangeWrite
from bot.backends.google import GoogleBackend


@pytest.mark.parametrize("rows", [1, google.WRITE_CHUNK_ROWS - 1, google.WRITE_CHUNK_ROWS,
                                  google.WRITE_CHUNK_ROWS * 2 + 7])
def test_the_body_is_the_json_gspread_sends(rows):
    writes = [RangeWrite("Log Issues", 2, 1, tuple((f"x{i}", None, i, 1.5, True, "é\n\"=1") for i in range(rows))),
              RangeWrite("Bot's Status", 1, 3, (("a",),))]
    titles = {"Log Issues": "Log Issues", "Bot's Status": "Bot's Status"}
    body = GoogleBackend.__new__(GoogleBackend)._write_body(titles, writes)
    gspread_body = {"valueInputOption": "RAW", "includeValuesInResponse": False,
                    "data": [GoogleBackend._value_range(titles[w.tab], w) for w in writes]}
    assert body == json.dumps(gspread_body, allow_nan=False).encode("utf-8")   # as requests encodes json=
