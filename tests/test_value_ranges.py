"""The batchGet answer splitter must read exactly what json.loads reads, and tell the ranges apart."""
from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import given, strategies as st

from bot.backends.value_ranges import PIECE, PrefixDigests, decode, parse_value_ranges

GOOGLE_LIKE = """{
  "spreadsheetId": "1AbC",
  "valueRanges": [
    {
      "range": "'Defective Log'!A1:Q3",
      "majorDimension": "ROWS",
      "values": [
        ["Date Logged", "Ticket ID"],
        [46300, "CS-1", "Café — crème", 3.5, true]
      ]
    },
    {
      "range": "'Log Issues'!A1:G1000",
      "majorDimension": "ROWS"
    }
  ]
}
"""


def test_a_google_shaped_answer_reads_as_json_loads_reads_it():
    text = decode(GOOGLE_LIKE.encode())
    ranges, ends = parse_value_ranges(text)
    assert ranges == json.loads(GOOGLE_LIKE)["valueRanges"]
    assert [text[:e].rstrip().endswith("}") for e in ends] == [True, True]
    assert json.loads(text[text.index("{", 30):ends[0]]) == ranges[0]


def _through_ends(body: bytes) -> list[bytes]:
    text = decode(body)
    _, ends = parse_value_ranges(text)
    prefixes = PrefixDigests(text)
    return [prefixes.through(e) for e in ends]


def test_a_range_digest_moves_with_its_range_and_not_with_a_later_one():
    answer = json.loads(GOOGLE_LIKE)
    before = _through_ends(json.dumps(answer).encode())
    answer["valueRanges"][1]["values"] = [["Tab"]]
    after_second = _through_ends(json.dumps(answer).encode())
    answer["valueRanges"][0]["values"][1][2] = "Cafe"
    after_first = _through_ends(json.dumps(answer).encode())
    assert before[0] == after_second[0] and before[1] != after_second[1]
    assert after_first[0] != after_second[0] and after_first[1] != after_second[1]


_CELL = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=6))
_RANGE = st.fixed_dictionaries({"range": st.text(max_size=8), "majorDimension": st.just("ROWS")},
                               optional={"values": st.lists(st.lists(_CELL, max_size=4), max_size=4)})


@given(st.lists(_RANGE, max_size=4), st.sampled_from([None, 0, 2]), st.booleans(), st.booleans())
def test_any_answer_reads_as_json_loads_reads_it(ranges, indent, ascii_only, id_first):
    answer = {"spreadsheetId": "x", "valueRanges": ranges} if id_first else {"valueRanges": ranges, "spreadsheetId": "x"}
    body = json.dumps(answer, indent=indent, ensure_ascii=ascii_only).encode()
    text = decode(body)
    parsed, ends = parse_value_ranges(text)
    assert parsed == json.loads(body)["valueRanges"] and len(ends) == len(ranges)
    # each offset is just past that range's JSON text: what lies between two offsets (after the
    # separator) is exactly the next range
    starts = [text.index("[", text.index('"valueRanges":')) + 1] + ends[:-1]
    assert [json.loads(text[a:e].lstrip(" \t\r\n,")) for a, e in zip(starts, ends)] == parsed


@pytest.mark.parametrize("body, parsed", [
    pytest.param(b"{}", [], id="no-value-ranges"),
    pytest.param(b' { "valueRanges" : [ ] } \n', [], id="empty-list-and-spaces"),
])
def test_small_answers(body, parsed):
    assert parse_value_ranges(decode(body))[0] == parsed


@pytest.mark.parametrize("body", [
    pytest.param(b"", id="empty"),
    pytest.param(b"[]", id="not-an-object"),
    pytest.param(b'{"valueRanges": {}}', id="ranges-not-a-list"),
    pytest.param(b'{"valueRanges": [{}]', id="cut-short"),
    pytest.param(b'{"valueRanges": [{}]} x', id="text-after"),
    pytest.param(b'{"valueRanges": [], "valueRanges": []}', id="ranges-twice"),
    pytest.param(b'{"valueRanges": [{} {}]}', id="missing-comma"),
    pytest.param(b'<html>502 Bad Gateway</html>', id="an-html-error-page"),
    pytest.param(b'{"valueRanges": [{"values": [["\xff"]]}]}', id="not-utf8"),
])
def test_a_malformed_answer_is_a_value_error(body):
    with pytest.raises(ValueError):
        parse_value_ranges(decode(body))


@pytest.mark.parametrize("first", [
    pytest.param('{"range": "A1", "values": [[1, "x"]]}', id="ascii-answer"),
    pytest.param('{"range": "A1", "values": [["Café — 😀"]]}', id="utf8-answer"),
])
@pytest.mark.parametrize("bom", [pytest.param(b"", id="no-bom"), pytest.param(b"\xef\xbb\xbf", id="utf8-bom")])
def test_each_offset_is_just_past_the_range_text_and_digests_the_bytes_up_to_it(first, bom):
    second = '{"values": [["é"]]}'
    lead = '{"spreadsheetId": "s",\n "valueRanges": [ '
    body = bom + (lead + first + ' ,\n' + second + ']}').encode()
    text = decode(body)
    _, ends = parse_value_ranges(text)
    assert ends == [len(lead + first), len(lead + first + " ,\n" + second)]
    # the same digest as the bytes Google sent up to there (after any byte-order mark)
    prefixes = PrefixDigests(text)
    assert prefixes.through(ends[0]) == hashlib.sha256((lead + first).encode()).digest()
    assert prefixes.digest() == hashlib.sha256(body[len(bom):]).digest()


def test_an_answer_in_utf16_reads_as_json_loads_reads_it():
    body = json.dumps({"valueRanges": [{"values": [["é"]]}]}).encode("utf-16")
    assert parse_value_ranges(decode(body))[0] == [{"values": [["é"]]}]


@pytest.mark.parametrize("size", [0, 1, PIECE - 1, PIECE, PIECE + 1, 3 * PIECE + 17])
def test_every_prefix_digest_is_the_sha256_of_that_prefix(size):
    text = ("".join(map(chr, range(32, 127))) + "é😀") * (size // 97) + "x" * (size % 97)
    prefixes = PrefixDigests(text)
    assert prefixes.digest() == hashlib.sha256(text.encode()).digest()
    for n in sorted({0, 1, size // 2, PIECE - 1, PIECE, PIECE + 1, size - 1, size} & set(range(size + 1))):
        assert prefixes.through(n) == hashlib.sha256(text[:n].encode()).digest(), n
