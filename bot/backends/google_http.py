"""The HTTP client the Google backend sends every request with: gspread's, with a request timeout and a
bounded retry (gspread's own BackOffHTTPClient can retry without end in 6.2.1), and a batchGet answer read
in large pieces and inflated in one go (google_body). The backend (google.py) turns what it raises into
one plain sentence."""
from __future__ import annotations

import random
import time
from typing import Any, Callable, Mapping

import google.auth.exceptions
import requests
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient
from gspread.urls import SPREADSHEET_VALUES_BATCH_UPDATE_URL

from bot.backends.google_body import body_of
from bot.backends.google_cells import backoff_delay, retry_after_seconds

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
MAX_TOTAL_SLEEP = 120.0
BODY_CHUNK = 1 << 20         # bytes per piece when reading a batchGet answer (see get_body)


class RetriesExhausted(Exception):
    """Internal: the last retryable failure after every attempt (the cause is chained)."""

    def __init__(self, attempts: int, last: BaseException):
        super().__init__(f"gave up after {attempts} attempts: {last}")
        self.attempts = attempts
        self.last = last


class BoundedHTTPClient(HTTPClient):
    """gspread's HTTP client with a bounded retry of 408/429/5xx and network errors.

    Full-jitter exponential backoff (base 1 s, cap 32 s) or the server's Retry-After; at most
    `max_attempts` tries and `max_total_sleep` seconds of waiting per request.
    """

    def __init__(self, auth, session=None, *, max_attempts: int = 5, sleep: Callable[[float], Any] = time.sleep,
                 rng: Callable[[], float] = random.random, max_total_sleep: float = MAX_TOTAL_SLEEP) -> None:
        super().__init__(auth, session)
        self.max_attempts = max(1, int(max_attempts))
        self.sleep = sleep
        self.rng = rng
        self.max_total_sleep = max_total_sleep
        self.request_count = 0     # logical Sheets API requests (a retried request counts once)
        self.attempt_count = 0     # HTTP attempts, retries included
        self.slept = 0.0           # seconds waited between attempts, over the client's life

    def request(self, method, endpoint, params=None, data=None, json=None, files=None, headers=None):
        return self._retrying(lambda: super(BoundedHTTPClient, self).request(
            method, endpoint, params=params, data=data, json=json, files=files, headers=headers))

    def values_batch_update(self, id: str, body: Mapping[str, Any] | bytes | None = None) -> Any:
        """gspread's, also taking the body already serialised as JSON (GoogleBackend._write_body)."""
        if not isinstance(body, bytes):
            return super().values_batch_update(id, body)
        return self.request("post", SPREADSHEET_VALUES_BATCH_UPDATE_URL % id, data=body,
                            headers={"Content-Type": "application/json"}).json()

    def get_body(self, endpoint: str, params: Mapping[str, Any]) -> bytes:
        """GET, and the answer's body. requests reads a body in 10 KB pieces, each inflated and joined
        on its own (5,000 of them for a 100,000-row sheet, a fifth of the JSON parse); this reads it the
        same way (same errors, same connection reuse) in pieces of BODY_CHUNK, and inflates a gzip
        body in one go with ISA-L (google_body)."""
        def send() -> bytes:
            response = self.session.request("get", endpoint, params=params, timeout=self.timeout, stream=True)
            if not response.ok:
                raise APIError(response)   # APIError reads the (small) error body itself
            return body_of(response, BODY_CHUNK)
        return self._retrying(send)

    def _retrying(self, send: Callable[[], Any]) -> Any:
        self.request_count += 1
        attempt = 0
        waited = 0.0
        while True:
            attempt += 1
            self.attempt_count += 1
            try:
                return send()
            except APIError as exc:
                if exc.response.status_code not in RETRY_STATUSES:
                    raise
                last: BaseException = exc
                hinted = retry_after_seconds(exc.response)
            except (requests.Timeout, requests.ConnectionError, google.auth.exceptions.TransportError) as exc:
                last = exc
                hinted = None
            if attempt >= self.max_attempts:
                raise RetriesExhausted(attempt, last) from last
            delay = hinted if hinted is not None else backoff_delay(attempt, self.rng)
            if waited + delay > self.max_total_sleep:
                raise RetriesExhausted(attempt, last) from last
            self.sleep(delay)
            waited += delay
            self.slept += delay
