"""The service account: its key file, and reusing its access token between runs.

`read_key_file` checks a key file field by field, so each way a file can be wrong gets its own
sentence (exit 2); `key_credentials` parses the private key.

A bot run from cron (`run --once` every few minutes) would otherwise parse the RSA private key and
trade a signed JWT for a fresh access token at every run: a round trip to Google's token endpoint and,
at 100,000 rows, a twentieth of a quiet cycle's CPU. An access token is good for an hour, so the bot
keeps the last one in its cache folder, readable by its own user only, and uses it while it has more
than a few minutes left. The private key is parsed only when a token is really needed, and if Google
refuses a saved token (401), the usual refresh runs from the key.

The file is named after a digest of the key file's bytes and the scopes, so a new or edited key
never meets an old token.

google-auth only, no gspread (only bot/backends/google.py imports gspread).
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Callable, Sequence

import google.auth.credentials
from google.oauth2 import service_account

from bot.errors import ConfigError

log = logging.getLogger(__name__)
# drive.metadata.readonly lets `watch` ask Drive for the sheet's modifiedTime (change_token), nothing more.
SCOPES = ("https://www.googleapis.com/auth/spreadsheets", "https://www.googleapis.com/auth/drive.metadata.readonly")
# The text credentials.example.json holds where a real key file has its private key.
EXAMPLE_KEY_MARK = "REPLACE-WITH-THE-KEY"
KEY_HELP = ("create a key for a service account in Google Cloud Console > IAM & Admin > Service Accounts > "
            "Keys > Add key > JSON, and pass its path with --credentials or GOOGLE_APPLICATION_CREDENTIALS")
# A saved token is used only with at least this much life left: more than google-auth's own refresh
# threshold (3 min 45 s), so a cycle never starts on a token about to be refreshed anyway.
MIN_LIFE = _dt.timedelta(minutes=5)


def warn_if_readable_by_others(path: Path) -> bool:
    """A private key readable by other users of the machine is a leak waiting to happen."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    if mode & 0o077:
        log.warning("the key file %s can be read by other users; run: chmod 600 %s", path, path)
        return True
    return False


def read_key_file(path: Path) -> tuple[dict, str]:
    """A service-account key file's fields and text, checked for everything but the private key itself
    (see key_credentials); ConfigError (exit 2) if unusable."""
    path = Path(path)
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError("credentials", f"The credentials file {where} does not exist; {KEY_HELP}.") from exc
    except IsADirectoryError as exc:
        raise ConfigError("credentials", f"The credentials path {where} is a folder, not a key file; {KEY_HELP}.") from exc
    except PermissionError as exc:
        raise ConfigError("credentials", f"The credentials file {where} cannot be read (permission denied); "
                                         "let the user that runs the bot read it.") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError("credentials", f"The credentials file {where} is not a JSON key file (not text); {KEY_HELP}.") from exc
    except OSError as exc:
        raise ConfigError("credentials", f"The credentials file {where} cannot be read ({exc.strerror or exc}); "
                                         "check the path and its permissions.") from exc
    try:
        info = json.loads(text)
    except ValueError as exc:
        raise ConfigError("credentials", f"The credentials file {where} is not valid JSON; {KEY_HELP}.") from exc
    if not isinstance(info, dict):
        raise ConfigError("credentials", f"The credentials file {where} is not a service-account key file; {KEY_HELP}.")
    kind = info.get("type")
    if kind != "service_account":
        raise ConfigError(
            "credentials",
            f"The credentials file {where} is not a service-account key file (type is {kind!r}); {KEY_HELP}.",
        )
    missing = [k for k in ("client_email", "private_key", "token_uri") if not isinstance(info.get(k), str) or not info.get(k)]
    if missing:
        raise ConfigError(
            "credentials",
            f"The credentials file {where} lacks {', '.join(missing)}; download a fresh key: {KEY_HELP}.",
        )
    if EXAMPLE_KEY_MARK in info["private_key"]:
        # An admin who copied the example and forgot to paste the key would otherwise read "damaged".
        raise ConfigError("credentials", f"The credentials file {where} is the example key file, whose private "
                                         f"key is a placeholder; {KEY_HELP}.")
    warn_if_readable_by_others(path)    # only a usable key is worth the warning
    return info, text


def key_credentials(info: dict, where: str) -> service_account.Credentials:
    """Credentials from a key file's fields (this parses the RSA private key); ConfigError if it cannot."""
    try:
        return service_account.Credentials.from_service_account_info(info, scopes=list(SCOPES))
    except Exception as exc:  # MalformedError, ValueError from cryptography, ...
        raise ConfigError(
            "credentials",
            f"The private key in {where} cannot be read ({type(exc).__name__}); the file may be damaged "
            f"or edited: {KEY_HELP}.",
        ) from exc


def _utcnow() -> _dt.datetime:
    """Now in UTC without a zone: google-auth compares a token's expiry in that form."""
    return _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None)


class TokenFile:
    """The saved access token for one key file and set of scopes."""

    def __init__(self, folder: Path, key_text: str, scopes: Sequence[str]):
        digest = hashlib.sha256(key_text.encode("utf-8") + b"\0" + " ".join(sorted(scopes)).encode()).hexdigest()
        self.path = Path(folder) / f"token-{digest[:24]}.json"

    def load(self, now: _dt.datetime) -> tuple[str, _dt.datetime] | None:
        """(token, expiry as naive UTC, as google-auth keeps it), or None when there is none worth using."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            token, expiry = data["token"], _dt.datetime.fromisoformat(data["expiry"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if not isinstance(token, str) or not token or expiry.tzinfo is not None or expiry - now < MIN_LIFE:
            return None
        return token, expiry

    def save(self, token: str, expiry: _dt.datetime | None) -> None:
        if not token or expiry is None:
            return
        tmp = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # A temporary file of its own (two runs may save at once), created for the owner only
            # before anything is written into it, then renamed over the old one.
            fd, tmp = tempfile.mkstemp(prefix=self.path.stem + ".", suffix=".tmp", dir=self.path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                # dumps, not dump: json.dump's encoder leaves a reference cycle (run.collector_paused).
                fh.write(json.dumps({"token": token, "expiry": expiry.isoformat()}))
            os.replace(tmp, self.path)
        except OSError as exc:   # a token that cannot be kept only costs a token request next run
            log.debug("could not keep the access token in %s (%s)", self.path, exc)
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)

    def forget(self) -> None:
        try:
            self.path.unlink()
        except OSError:
            pass


class ReusingCredentials(google.auth.credentials.Credentials):
    """Credentials that start from the token saved in `store` if it has life left, and otherwise from
    the service-account key at once (so a damaged key is still reported up front). The key
    (`load_key`, which parses the private key) is used only to refresh, and each new token is saved
    for the next run."""

    def __init__(self, load_key: Callable[[], google.auth.credentials.Credentials], store: TokenFile):
        super().__init__()
        self._load_key = load_key
        self._store = store
        saved = store.load(_utcnow())
        self._key = None if saved else load_key()
        if saved:
            self.token, self.expiry = saved

    @property
    def reused(self) -> bool:
        """Whether the key is still unparsed (the saved token is serving)."""
        return self._key is None

    def refresh(self, request) -> None:
        self._store.forget()   # run out or refused: never offered again, whatever happens next
        if self._key is None:
            self._key = self._load_key()
        self._key.refresh(request)
        self.token, self.expiry = self._key.token, self._key.expiry
        self._store.save(self.token, self.expiry)
