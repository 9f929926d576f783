"""Service-account keys and Google's OAuth token endpoint (signed JWT bearer grant)."""
from __future__ import annotations

import base64
import functools
import json
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

if TYPE_CHECKING:
    from .sheets import Logged

TOKEN_URI = "https://oauth2.googleapis.com/token"
DEFAULT_EMAIL = "defective-log-bot@cs-tools-test.iam.gserviceaccount.com"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@functools.lru_cache(maxsize=4)
def _rsa_key(n: int = 0) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class ServiceAccountKey:
    path: Path
    client_email: str
    info: dict
    private_key: rsa.RSAPrivateKey

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self.private_key.public_key()


def make_service_account_key(directory: Path, *, client_email: str | None = DEFAULT_EMAIL,
                             filename: str = "service-account.json", key_number: int = 0,
                             **overrides: Any) -> ServiceAccountKey:
    """Write a service-account key JSON file (a freshly generated RSA key) into `directory`.

    `overrides` replace or (with value None) remove fields of the JSON, e.g. private_key=None;
    client_email=None leaves that field out.
    """
    key = _rsa_key(key_number)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    email = client_email or DEFAULT_EMAIL
    project = email.split("@")[1].split(".")[0] if "@" in email else "cs-tools-test"
    info = {
        "type": "service_account",
        "project_id": project,
        "private_key_id": f"{key_number:040x}",
        "private_key": pem,
        "client_email": client_email,
        "client_id": "109876543210987654321",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": TOKEN_URI,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/"
                                + urllib.parse.quote(email),
        "universe_domain": "googleapis.com",
    }
    if client_email is None:
        del info["client_email"]
    for k, v in overrides.items():
        if v is None:
            info.pop(k, None)
        else:
            info[k] = v
    path = Path(directory) / filename
    path.write_text(json.dumps(info, indent=2), encoding="utf-8")
    return ServiceAccountKey(path, email, info, key)


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


class TokenEndpoint:
    """`POST https://oauth2.googleapis.com/token` (mixed into FakeSheets)."""

    def _token(self, request):
        entry = self._logged(request)
        status, headers, body = self._token_answer(entry)
        entry.status = status
        return status, headers, body

    def _token_answer(self, entry: Logged):
        form = entry.body if isinstance(entry.body, dict) else {}
        if self.token_error:
            error, description = self.token_error
            return self._reply(400, {"error": error, "error_description": description})
        if form.get("grant_type") != JWT_BEARER or "assertion" not in form:
            return self._reply(400, {"error": "unsupported_grant_type", "error_description": "Invalid grant_type: "
                                     + str(form.get("grant_type", ""))})
        try:
            head_b64, payload_b64, sig_b64 = form["assertion"].split(".")
            header = json.loads(_b64decode(head_b64))
            claims = json.loads(_b64decode(payload_b64))
            signature = _b64decode(sig_b64)
        except ValueError:
            return self._reply(400, {"error": "invalid_grant", "error_description": "Invalid JWT: token format"})
        if self.verify_jwt:
            key = self._trusted.get(claims.get("iss", ""))
            if key is None:
                return self._reply(400, {"error": "invalid_grant", "error_description": "Invalid grant: account not found"})
            if header.get("alg") != "RS256":
                return self._reply(400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."})
            try:
                key.verify(signature, f"{head_b64}.{payload_b64}".encode(), padding.PKCS1v15(), hashes.SHA256())
            except InvalidSignature:
                return self._reply(400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."})
            if claims.get("aud") != TOKEN_URI:
                return self._reply(400, {"error": "invalid_grant", "error_description": "Invalid JWT: aud mismatch"})
            now = time.time()
            if not (claims.get("iat", 0) - 300 <= now <= claims.get("exp", 0) + 300):
                return self._reply(400, {"error": "invalid_grant", "error_description":
                                         "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. "
                                         "Check your iat and exp values in the JWT claim."})
            if "https://www.googleapis.com/auth/spreadsheets" not in str(claims.get("scope", "")).split():
                return self._reply(400, {"error": "invalid_scope", "error_description": "Invalid OAuth scope or ID token audience provided."})
        token = f"ya29.fake-{len(self.tokens) + 1:04d}"
        self.tokens.add(token)
        self.token_scopes[token] = set(str(claims.get("scope", "")).split())
        self.token_emails[token] = str(claims.get("iss", ""))
        return self._reply(200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"})

    # -- Drive API: files.get, the only call the bot makes -----------------------------------------
