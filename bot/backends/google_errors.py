"""What Google's refusals mean for the user: one sentence each that says what to do.

Pure: reads the attributes of the gspread APIError or google-auth RefreshError it is given, without
importing either library itself (google.py catches the exceptions and calls these).
"""
from __future__ import annotations

from typing import Any, Mapping

import requests

from bot.backends.google_auth import KEY_HELP
from bot.backends.google_cells import ID_HELP
from bot.errors import AccessError, BotError, ConcurrentEditError


def api_error(exc: Any, action: str, sid: str, client_email: str) -> BotError:
    """What a refused Sheets request (gspread's APIError) means for the user, in one sentence."""
    code = exc.response.status_code
    status = google_status(exc)
    message = google_message(exc)
    if code == 403:
        if service_disabled(exc):
            return AccessError(
                sid,
                f"The Google Sheets API is not enabled for the service account's Cloud project ({message}); "
                "enable it in Google Cloud Console > APIs & Services > Library > Google Sheets API.",
            )
        return AccessError(
            sid,
            f"The service account {client_email} cannot {action} (spreadsheet {sid}; Google: {message}); "
            f"share the spreadsheet with {client_email} as Editor.",
        )
    if code == 404:
        return AccessError(
            sid,
            f"Spreadsheet {sid} was not found (Google: {message}); check --spreadsheet: {ID_HELP}.",
        )
    if code == 401:
        return AccessError(
            sid,
            f"Google did not accept the access token for {client_email} ({message}); check the system "
            f"clock and the key file: {KEY_HELP}.",
        )
    if code == 400 and "protected cell or object" in message:
        return AccessError(
            sid,
            f"Google Sheets refused to {action}: a bot tab is protected ({message}); remove the protection "
            f"from the bot tabs or add {client_email} to the editors of the protected range.",
        )
    if code == 400 and ("already exists" in message or message.startswith("Unable to parse range")):
        return ConcurrentEditError(
            sid,
            f"The tabs of spreadsheet {sid} changed while the bot was working ({message}); "
            "the cycle will start over.",
        )
    if 400 <= code < 500 and code != 400:
        return AccessError(sid, f"Google Sheets refused to {action} ({code} {status}: {message}); "
                                "check the spreadsheet's sharing and protection settings.")
    return BotError(f"Google Sheets rejected the request to {action} ({code} {status}: {message}); "
                    "this is a bug in the bot, please report it.")


def retries_error(last: Any, attempts: int, action: str, sid: str) -> AccessError:
    """Google kept answering a retryable status (gspread's APIError `last`) until the attempts ran out."""
    code = last.response.status_code
    detail = f"{code} {google_status(last)}".strip()
    message = google_message(last)
    if code == 429:
        return AccessError(sid, f"Google Sheets kept answering {detail} (quota exceeded: {message}) after {attempts} "
                                f"attempts to {action}; try again later or lower the polling rate.")
    return AccessError(sid, f"Google Sheets kept answering {detail} ({message}) after {attempts} attempts to {action}; "
                            "try again later (see https://www.google.com/appsstatus for outages).")


def key_refused(exc: Any, sid: str, client_email: str) -> AccessError:
    """Google's token endpoint refused the key (google-auth's RefreshError)."""
    return AccessError(sid, f"Google refused the service-account key for {client_email} ({refresh_reason(exc)}); "
                            f"the key may have been deleted or the account disabled: {KEY_HELP}.")


def drive_refusal(exc: Any) -> tuple[str, str]:
    """Drive's reason for a 403 in a few words (no ids), and what makes quiet polls cheap again."""
    try:
        error = exc.response.json().get("error") or {}
        reasons = {d.get("reason") for d in error.get("details") or []} | {e.get("reason") for e in error.get("errors") or []}
    except (ValueError, AttributeError):
        reasons = set()
    if reasons & {"SERVICE_DISABLED", "accessNotConfigured"}:
        return ("the Drive API is not enabled", "to make quiet polls cheap, enable the Google Drive API in the "
                "key's Google Cloud project (APIs & Services > Library > Google Drive API)")
    if reasons & {"ACCESS_TOKEN_SCOPE_INSUFFICIENT", "insufficientPermissions"}:
        return ("the access token lacks the Drive metadata scope", "check that no proxy or policy strips the "
                "drive.metadata.readonly scope the bot asks for")
    return ("403 Forbidden", "check that the service account can open the sheet in Google Drive")


def google_message(exc: Any) -> str:
    """Google's own message, or the HTTP reason when the answer was not Google's JSON (an HTML error page)."""
    message = exc.error.get("message") if isinstance(exc.error, Mapping) else None
    status = str(exc.error.get("status", "")) if isinstance(exc.error, Mapping) else ""
    if not message or status.startswith("invalid JSON") or str(message).lstrip().startswith("<"):
        return str(exc.response.reason or "no message")
    return " ".join(str(message).split())


def google_status(exc: Any) -> str:
    status = str(exc.error.get("status") or "") if isinstance(exc.error, Mapping) else ""
    return "" if status.startswith("invalid JSON") else status


def service_disabled(exc: Any) -> bool:
    for detail in exc.error.get("details") or []:
        if isinstance(detail, Mapping) and detail.get("reason") in {"SERVICE_DISABLED", "ACCESS_NOT_CONFIGURED"}:
            return True
    message = google_message(exc)
    return "has not been used in project" in message or "API has not been used" in message


def refresh_reason(exc: Any) -> str:
    if len(exc.args) > 1 and isinstance(exc.args[1], Mapping):
        data = exc.args[1]
        return ": ".join(str(p) for p in (data.get("error"), data.get("error_description")) if p)
    return str(exc.args[0]) if exc.args else "no reason given"


def network_sentence(exc: BaseException, attempts: int, action: str = "reach the spreadsheet") -> str:
    what = "timed out" if isinstance(exc, requests.Timeout) else "could not connect"
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    return (f"Google Sheets {what} ({type(exc).__name__}){tries} while trying to {action}; "
            "check the network connection and try again later.")
