"""A Google answer's body read undecoded and inflated by ISA-L (bot.backends.google_body), against what
requests itself gives for the same bytes, and its errors."""
from __future__ import annotations

import gzip
import zlib

import pytest
import requests
import responses

from bot.backends import google_body
from bot.backends.google import GoogleBackend
from bot.backends.google_body import body_of
from bot.errors import BotError
from fake_sheets import fake_sheets, sa_key  # noqa: F401  (fixtures)

URL = "https://sheets.googleapis.com/v4/spreadsheets/x/values:batchGet"
ANSWER = ('{"spreadsheetId": "x", "valueRanges": [{"range": "\'Defective Log\'!A1:Z3", "values": '
          '[["Ticket ID", "Café"], ["CS-1", "crème brûlée 🍮"]]}]}').encode() * 50


@pytest.fixture(params=["isal", "zlib"])
def inflating(request, monkeypatch):
    """Both the ISA-L inflater and the standard library's, which a platform without isal's wheel uses."""
    if request.param == "zlib":
        monkeypatch.setattr(google_body, "inflating", zlib)
    return request.param


def streamed(body: bytes, headers: dict) -> requests.Response:
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, URL, body=body, headers=headers)
        return requests.get(URL, stream=True)


def requests_own(body: bytes, headers: dict) -> bytes:
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, URL, body=body, headers=headers)
        return requests.get(URL).content


@pytest.mark.parametrize("chunk", [7, 1 << 20], ids=["small-pieces", "one-piece"])
@pytest.mark.parametrize("level", [1, 9])
def test_a_gzip_body_is_what_requests_would_give(inflating, chunk, level):
    headers = {"Content-Encoding": "gzip", "Content-Type": "application/json; charset=UTF-8"}
    sent = gzip.compress(ANSWER, level)
    assert body_of(streamed(sent, headers), chunk) == requests_own(sent, headers) == ANSWER


@pytest.mark.parametrize("sent", [
    pytest.param(gzip.compress(ANSWER[:1000]) + gzip.compress(ANSWER[1000:]), id="two-members"),
    pytest.param(gzip.compress(ANSWER[:1000]) + gzip.compress(ANSWER[1000:]) + b"trailing junk", id="then-junk"),
    pytest.param(gzip.compress(ANSWER) + b"\0\0\0\0", id="then-zeros"),
])
def test_every_gzip_member_is_read_as_requests_reads_them(inflating, sent):
    """A body of several gzip members is their texts one after the other, and what follows them and is
    not gzip is dropped, as urllib3 does: the first member alone would lose the rest of the answer."""
    headers = {"Content-Encoding": "gzip"}
    assert body_of(streamed(sent, headers), 1 << 20) == requests_own(sent, headers)
    assert requests_own(sent, headers) in (ANSWER, ANSWER[:1000] + ANSWER[1000:])


@pytest.mark.parametrize("encoding", [None, "identity", "deflate"])
def test_any_other_body_is_read_as_requests_reads_it(encoding):
    headers = {} if encoding is None else {"Content-Encoding": encoding}
    sent = zlib.compress(ANSWER) if encoding == "deflate" else ANSWER
    assert body_of(streamed(sent, headers), 1 << 20) == requests_own(sent, headers) == ANSWER


@pytest.mark.parametrize("sent", [
    pytest.param(b"\x1f\x8b\x08\x00 not a deflate stream at all", id="corrupt"),
    pytest.param(gzip.compress(ANSWER)[:-40], id="cut-short"),
    pytest.param(b"plain text, said to be gzip", id="not-gzip"),
])
def test_a_bad_gzip_body_is_requests_own_decoding_error(inflating, sent):
    with pytest.raises(requests.exceptions.ContentDecodingError):
        body_of(streamed(sent, {"Content-Encoding": "gzip"}), 1 << 20)


def test_the_fake_answers_compressed_as_google_does_and_the_backend_inflates_it(fake_sheets, sa_key,  # noqa: F811
                                                                                 monkeypatch):
    fake_sheets.add_tab("Defective Log", [["Ticket ID", "Product"], ["CS-1", "Trail Mix"]])
    sa_key.path.chmod(0o600)
    backend = GoogleBackend(fake_sheets.spreadsheet_id, sa_key.path, sleep=lambda s: None)
    inflaters = []
    real = google_body.inflating.decompressobj
    monkeypatch.setattr(google_body.inflating, "decompressobj", lambda *a: inflaters.append(a) or real(*a))
    snap = backend.read(["Defective Log"])
    assert snap.tabs["Defective Log"] == [["Ticket ID", "Product"], ["CS-1", "Trail Mix"]]
    assert len(inflaters) == 1     # the batchGet answer came gzip-compressed, and body_of inflated it


def test_a_corrupt_answer_is_one_plain_sentence_not_a_traceback(fake_sheets, sa_key):  # noqa: F811
    fake_sheets.add_tab("Defective Log", [["Ticket ID"], ["CS-1"]])
    sa_key.path.chmod(0o600)
    backend = GoogleBackend(fake_sheets.spreadsheet_id, sa_key.path, sleep=lambda s: None)
    fake_sheets._compressed = lambda request, status, headers, body: (
        status, {**headers, "Content-Encoding": "gzip"}, b"\x1f\x8b\x08\x00 broken on the way")
    with pytest.raises(BotError) as caught:
        backend.read(["Defective Log"])
    assert "try again" in caught.value.message and "\n" not in caught.value.message
