"""The batchGet answer splitter must read exactly what json.loads reads, and tell the ranges apart."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, strategies as st

from bot.backends.value_ranges import parse_value_ranges

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
    ranges, digests = parse_value_ranges(GOOGLE_LIKE.encode())
    assert ranges == json.loads(GOOGLE_LIKE)["valueRanges"]
    assert len(digests) == 2 and digests[0] != digests[1]


def test_a_range_digest_changes_only_with_that_range():
    answer = json.loads(GOOGLE_LIKE)
    _, before = parse_value_ranges(json.dumps(answer).encode())
    answer["valueRanges"][1]["values"] = [["Tab"]]
    _, after = parse_value_ranges(json.dumps(answer).encode())
    assert before[0] == after[0] and before[1] != after[1]


_CELL = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=6))
_RANGE = st.fixed_dictionaries({"range": st.text(max_size=8), "majorDimension": st.just("ROWS")},
                               optional={"values": st.lists(st.lists(_CELL, max_size=4), max_size=4)})


@given(st.lists(_RANGE, max_size=4), st.sampled_from([None, 0, 2]), st.booleans(), st.booleans())
def test_any_answer_reads_as_json_loads_reads_it(ranges, indent, ascii_only, id_first):
    answer = {"spreadsheetId": "x", "valueRanges": ranges} if id_first else {"valueRanges": ranges, "spreadsheetId": "x"}
    body = json.dumps(answer, indent=indent, ensure_ascii=ascii_only).encode()
    parsed, digests = parse_value_ranges(body)
    assert parsed == json.loads(body)["valueRanges"] and len(digests) == len(ranges)


@pytest.mark.parametrize("body, parsed", [
    pytest.param(b"{}", [], id="no-value-ranges"),
    pytest.param(b' { "valueRanges" : [ ] } \n', [], id="empty-list-and-spaces"),
])
def test_small_answers(body, parsed):
    assert parse_value_ranges(body)[0] == parsed


@pytest.mark.parametrize("body", [
    pytest.param(b"", id="empty"),
    pytest.param(b"[]", id="not-an-object"),
    pytest.param(b'{"valueRanges": {}}', id="ranges-not-a-list"),
    pytest.param(b'{"valueRanges": [{}]', id="cut-short"),
    pytest.param(b'{"valueRanges": [{}]} x', id="text-after"),
    pytest.param(b'{"valueRanges": [], "valueRanges": []}', id="ranges-twice"),
    pytest.param(b'{"valueRanges": [{} {}]}', id="missing-comma"),
    pytest.param(b'<html>502 Bad Gateway</html>', id="an-html-error-page"),
])
def test_a_malformed_answer_is_a_value_error(body):
    with pytest.raises(ValueError):
        parse_value_ranges(body)


@pytest.mark.parametrize("second", [
    pytest.param('{"values": [["plain"]]}', id="ascii-answer"),
    pytest.param('{"values": [["Café — 😀"]]}', id="utf8-answer"),
])
def test_each_digest_is_of_the_range_text_exactly(second):
    import hashlib
    first = '{"range": "A1", "values": [[1, "x"]]}'
    body = ('{"spreadsheetId": "s",\n "valueRanges": [ ' + first + ' ,\n' + second + ']}').encode()
    _, digests = parse_value_ranges(body)
    assert digests == [hashlib.sha256(first.encode()).digest(), hashlib.sha256(second.encode()).digest()]
