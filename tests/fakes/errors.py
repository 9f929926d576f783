"""Google's error answers: the JSON bodies of the Sheets API, Drive and the HTML pages of its front end."""
from __future__ import annotations

from typing import Any


def google_error(code: int, message: str, status: str, details: list | None = None) -> dict:
    body: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details:
        body["details"] = details
    return {"error": body}


QUOTA_MESSAGE = ("Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute per user' "
                 "of service 'sheets.googleapis.com' for consumer 'project_number:123456789012'.")
HTML_ERROR = ("<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>Error {code} (Server Error)!!1</title>\n"
              "  <p><b>{code}.</b> <ins>That’s an error.</ins>\n  <p>The server encountered a temporary error and "
              "could not complete your request.<p>Please try again in 30 seconds.  <ins>That’s all we know.</ins>\n")


def error_body(code: int, message: str | None = None) -> dict | str:
    """Google's answer for an HTTP status (JSON for the API's own errors, an HTML page for 408/502)."""
    if code == 400:
        return google_error(400, message or "Request contains an invalid argument.", "INVALID_ARGUMENT")
    if code == 401:
        return google_error(401, message or (
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other "
            "valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project."),
            "UNAUTHENTICATED")
    if code == 403:
        return google_error(403, message or "The caller does not have permission", "PERMISSION_DENIED")
    if code == 404:
        return google_error(404, message or "Requested entity was not found.", "NOT_FOUND")
    if code == 429:
        return google_error(429, message or QUOTA_MESSAGE, "RESOURCE_EXHAUSTED", [{
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "RATE_LIMIT_EXCEEDED",
            "domain": "googleapis.com",
            "metadata": {"quota_limit": "ReadRequestsPerMinutePerUser", "quota_metric": "sheets.googleapis.com/read_requests",
                         "service": "sheets.googleapis.com", "consumer": "projects/123456789012",
                         "quota_location": "global", "quota_limit_value": "60"},
        }, {"@type": "type.googleapis.com/google.rpc.Help",
            "links": [{"description": "Request a higher quota limit.",
                       "url": "https://cloud.google.com/docs/quotas/help/request_increase"}]}])
    if code == 500:
        return google_error(500, message or "Internal error encountered.", "INTERNAL")
    if code == 503:
        return google_error(503, message or "The service is currently unavailable.", "UNAVAILABLE")
    if code == 504:
        return google_error(504, message or "Deadline expired before operation could complete.", "DEADLINE_EXCEEDED")
    if code in (408, 502):
        return HTML_ERROR.format(code=code)
    return google_error(code, message or "Unknown error.", "UNKNOWN")


SERVICE_DISABLED = google_error(
    403,
    "Google Sheets API has not been used in project 123456789012 before or it is disabled. Enable it by visiting "
    "https://console.developers.google.com/apis/api/sheets.googleapis.com/overview?project=123456789012 then retry. "
    "If you enabled this API recently, wait a few minutes for the action to propagate to our systems and retry.",
    "PERMISSION_DENIED",
    [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "SERVICE_DISABLED", "domain": "googleapis.com",
      "metadata": {"service": "sheets.googleapis.com", "consumer": "projects/123456789012"}}],
)


PROTECTED_MESSAGE = ("You are trying to edit a protected cell or object. Please contact the spreadsheet owner to "
                     "remove protection if you need to edit.")


class ApiError(Exception):
    """Raised inside the fake to answer with a Google error."""

    def __init__(self, code: int, message: str | None = None, body: Any = None):
        super().__init__(message)
        self.code = code
        self.body = body if body is not None else error_body(code, message)

