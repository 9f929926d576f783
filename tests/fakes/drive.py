"""Drive v3 `files.get` (the bot asks it for modifiedTime), mixed into FakeSheets."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .discovery import drive_api, not_found
from .errors import error_body
from .fields import parse_fields

if TYPE_CHECKING:
    from .sheets import Logged

DRIVE_BASE = "https://www.googleapis.com/drive/v3/files"
DRIVE_SCOPES = {"https://www.googleapis.com/auth/drive", "https://www.googleapis.com/auth/drive.readonly",
                "https://www.googleapis.com/auth/drive.metadata.readonly",
                "https://www.googleapis.com/auth/drive.metadata", "https://www.googleapis.com/auth/drive.file"}

DRIVE_DISABLED = {"error": {
    "code": 403,
    "message": "Google Drive API has not been used in project 123456789012 before or it is disabled. Enable it by "
               "visiting https://console.developers.google.com/apis/api/drive.googleapis.com/overview?project=123456789012 "
               "then retry. If you enabled this API recently, wait a few minutes for the action to propagate to our "
               "systems and retry.",
    "errors": [{"message": "Google Drive API has not been used in project 123456789012 before or it is disabled.",
                "domain": "usageLimits", "reason": "accessNotConfigured",
                "extendedHelp": "https://console.developers.google.com"}],
    "status": "PERMISSION_DENIED",
    "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "SERVICE_DISABLED",
                 "domain": "googleapis.com",
                 "metadata": {"service": "drive.googleapis.com", "consumer": "projects/123456789012"}}],
}}
DRIVE_SCOPE_MISSING = {"error": {
    "code": 403, "message": "Request had insufficient authentication scopes.",
    "errors": [{"message": "Insufficient Permission", "domain": "global", "reason": "insufficientPermissions"}],
    "status": "PERMISSION_DENIED",
    "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                 "domain": "googleapis.com",
                 "metadata": {"service": "drive.googleapis.com", "method": "google.apps.drive.v3.DriveFiles.Get"}}],
}}


class DriveApi:
    def _drive(self, request):
        entry = self._logged(request)
        self._run_hooks(entry, "before")
        try:
            faulted = self._fault_for(entry, unmatched_too=False)
            if faulted is not None:
                return faulted
            status, body = self._drive_answer(entry, request)
            entry.status = status
            return self._reply(status, body)
        finally:
            self._run_hooks(entry, "after")

    def _drive_answer(self, entry: Logged, request) -> tuple[int, Any]:
        auth = request.headers.get("Authorization", "")
        token = auth[len("Bearer "):] if auth.startswith("Bearer ") else ""
        if token not in self.tokens:
            return 401, error_body(401)
        if not self.drive_enabled:
            return 403, DRIVE_DISABLED
        if not self.token_scopes.get(token, set()) & DRIVE_SCOPES:
            return 403, DRIVE_SCOPE_MISSING
        found = drive_api().find(entry.method, entry.path.lstrip("/"))
        if found is None:
            return 404, not_found(entry.path).body
        method, _ = found
        entry.method_id = method.id
        fields = (entry.params.get("fields") or [None])[0]
        if fields and fields != "*":
            bad = drive_api().mask_problem(method.response_schema, parse_fields(fields))
            if bad:
                message = f"Invalid field selection {bad}"
                return 400, {"error": {"code": 400, "message": message, "errors": [
                    {"message": message, "domain": "global", "reason": "invalidParameter", "location": "fields",
                     "locationType": "parameter"}]}}
        file_id = entry.path.rsplit("/", 1)[-1]
        if file_id != self.spreadsheet_id or self.access in ("missing", "denied"):
            message = f"File not found: {file_id}."
            return 404, {"error": {"code": 404, "message": message, "errors": [
                {"message": message, "domain": "global", "reason": "notFound", "location": "fileId",
                 "locationType": "parameter"}]}}
        fields = (entry.params.get("fields") or ["*"])[0]
        full = {"kind": "drive#file", "id": self.spreadsheet_id, "name": self.title,
                "mimeType": "application/vnd.google-apps.spreadsheet", "modifiedTime": self.modified_time}
        if fields == "*":
            return 200, full
        return 200, {k: full[k] for k in fields.split(",") if k in full}

    # -- Sheets API --------------------------------------------------------------------------------
