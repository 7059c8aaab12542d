"""The host's side of OpenID Connect with the account service: PKCE, the /authorize and /end_session URLs, and the
back-channel calls (/token, /userinfo, /jwks.json).

Browser-facing URLs use the service's public URL; back-channel calls go to the internal one.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request

from config import Config
from jwt import b64url


def pkce_challenge(verifier: str) -> str:
    """RFC 7636 S256: base64url(SHA-256(verifier))."""
    return b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def pkce_pair() -> tuple[str, str]:
    """A fresh PKCE verifier (32 random bytes, 43 characters) and its S256 challenge."""
    verifier = secrets.token_urlsafe(32)
    return verifier, pkce_challenge(verifier)



def basic_authorization(client_id: str, client_secret: str) -> str:
    """The Authorization header of client_secret_basic: id and secret form-urlencoded, joined, base64."""
    pair = f"{urllib.parse.quote_plus(client_id)}:{urllib.parse.quote_plus(client_secret)}"
    return "Basic " + base64.b64encode(pair.encode()).decode("ascii")


class SignedOut(Exception):
    """The service refused the token or grant: the user must sign in again."""


class Unavailable(Exception):
    """The service could not be reached or answered something unexpected. Nobody is signed out for it."""


class ServiceClient:
    """Browser-facing URLs use the service's public URL; back-channel calls go to the internal one."""

    def __init__(self, config: Config):
        self.config = config
        self.redirect_uri = f"{config.public_url}/callback"
        # The test certificate is self-signed: trust it as the CA for the back channel.
        self.context = ssl.create_default_context(cafile=config.ca_file)

    def _call(self, request: urllib.request.Request) -> tuple[int, dict]:
        try:
            with urllib.request.urlopen(request, timeout=10, context=self.context) as res:
                return res.status, json.loads(res.read() or b"{}")
        except urllib.error.HTTPError as err:
            try:
                body = json.loads(err.read() or b"{}")
            except ValueError:
                body = {}
            return err.code, body if isinstance(body, dict) else {}
        except (urllib.error.URLError, OSError, ValueError) as err:
            raise Unavailable(f"the account service cannot be reached ({type(err).__name__})") from None

    def authorize_url(self, state: str, nonce: str, challenge: str, prompt: str | None, login_hint: str | None = None) -> str:
        query = {
            "response_type": "code",
            "client_id": self.config.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": "openid profile email",
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        if prompt:
            query["prompt"] = prompt
        if login_hint:
            query["login_hint"] = login_hint
        return f"{self.config.service_url}/authorize?{urllib.parse.urlencode(query)}"

    def token(self, form: dict[str, str]) -> dict:
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
        if self.config.client_secret:
            # A confidential client: client_secret_basic, both halves form-urlencoded first (RFC 6749 section 2.3.1).
            headers["Authorization"] = basic_authorization(self.config.client_id, self.config.client_secret)
            fields = form
        else:
            fields = {**form, "client_id": self.config.client_id}
        request = urllib.request.Request(
            f"{self.config.internal_url}/token",
            data=urllib.parse.urlencode(fields).encode(),
            method="POST",
            headers=headers,
        )
        status, answer = self._call(request)
        if status == 400 and answer.get("error") == "invalid_grant":
            raise SignedOut("the grant is no longer valid")
        if status != 200 or not all(isinstance(answer.get(k), str) for k in ("access_token", "id_token", "refresh_token")):
            raise Unavailable(f"/token answered {status}")
        return answer

    def userinfo(self, access_token: str) -> dict:
        request = urllib.request.Request(
            f"{self.config.internal_url}/userinfo",
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
        )
        status, answer = self._call(request)
        if status == 401:
            raise SignedOut("the access token was refused")
        if status != 200 or not isinstance(answer.get("sub"), str):
            raise Unavailable(f"/userinfo answered {status}")
        return answer

    def jwks(self) -> dict:
        """The service's public signing keys, from the back channel like /token."""
        request = urllib.request.Request(f"{self.config.internal_url}/jwks.json", headers={"Accept": "application/json"})
        status, answer = self._call(request)
        if status != 200 or not isinstance(answer, dict) or not isinstance(answer.get("keys"), list):
            raise Unavailable(f"/jwks.json answered {status}")
        return answer

    def end_session_url(self, id_token: str, back: str) -> str:
        query = {"id_token_hint": id_token, "post_logout_redirect_uri": back, "client_id": self.config.client_id}
        return f"{self.config.service_url}/end_session?{urllib.parse.urlencode(query)}"


def token_set(answer: dict) -> dict:
    expires_in = answer.get("expires_in")
    lifetime = expires_in if isinstance(expires_in, int) and expires_in > 0 else 60
    return {
        "access_token": answer["access_token"],
        "refresh_token": answer["refresh_token"],
        "id_token": answer["id_token"],
        "expires_at": time.time() + lifetime,
    }
