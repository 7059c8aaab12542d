#!/usr/bin/env python3
"""A Userbox host app in Python's standard library alone.

The back end signs the user in with the account service's OpenID Connect provider (authorization code flow,
public client, PKCE S256, state, nonce) and asks the service who the user is over HTTPS (/userinfo with the access
token) on every page, so a sign-out at the service shows on the next page load. Pages embed <user-box>.

Run from this folder: PORT=4003 python3 server.py (see README.md for the other settings).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import os
import re
import secrets
import signal
import ssl
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIGN_IN_SECONDS = 10 * 60
SESSION_IDLE_SECONDS = 12 * 60 * 60


# --- Pure logic (test_server.py) -------------------------------------------------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def pkce_challenge(verifier: str) -> str:
    """RFC 7636 S256: base64url(SHA-256(verifier))."""
    return b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def pkce_pair() -> tuple[str, str]:
    """A fresh PKCE verifier (32 random bytes, 43 characters) and its S256 challenge."""
    verifier = secrets.token_urlsafe(32)
    return verifier, pkce_challenge(verifier)


def safe_return_path(value: str | None) -> str | None:
    """A path on this site to come back to after sign-in, or None to refuse.

    Missing or empty means "/". Absolute URLs, scheme-relative "//host", backslashes (browsers read "/\\host" as
    "//host"), control characters and anything over 2 KB are refused.
    """
    if value is None or value == "":
        return "/"
    if len(value) > 2048 or not value.startswith("/") or value.startswith("//"):
        return None
    if "\\" in value or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return None
    parts = urllib.parse.urlsplit(value)
    if parts.scheme or parts.netloc:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def escape(value: object) -> str:
    """HTML-escapes text and attribute values (quotes included)."""
    return html.escape(str(value), quote=True)


def parse_cookies(header: str | None) -> dict[str, str]:
    cookies: dict[str, str] = {}
    for part in (header or "").split(";"):
        name, eq, value = part.strip().partition("=")
        if eq and name and name not in cookies:
            cookies[name] = value
    return cookies


def b64url_decode(value: str) -> bytes:
    """Strict base64url without padding, as JOSE writes it."""
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9_-]*", value) or len(value) % 4 == 1:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


# ES256 is ECDSA on NIST P-256 with SHA-256 (RFC 7518 3.4). The standard library has no ECDSA, and verifying
# needs only public values (no secret to leak through timing), so plain Python integers suffice.
P256_P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
P256_A = P256_P - 3
P256_B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
P256_G = (
    0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
    0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5,
)
def _p256_add(p1: tuple[int, int] | None, p2: tuple[int, int] | None) -> tuple[int, int] | None:
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    (x1, y1), (x2, y2) = p1, p2
    if x1 == x2:
        if (y1 + y2) % P256_P == 0:
            return None
        slope = (3 * x1 * x1 + P256_A) * pow(2 * y1, -1, P256_P) % P256_P
    else:
        slope = (y2 - y1) * pow(x2 - x1, -1, P256_P) % P256_P
    x3 = (slope * slope - x1 - x2) % P256_P
    return x3, (slope * (x1 - x3) - y1) % P256_P


def _p256_on_curve(x: int, y: int) -> bool:
    return 0 <= x < P256_P and 0 <= y < P256_P and (y * y - (x * x * x + P256_A * x + P256_B)) % P256_P == 0


def p256_public_key(jwk: dict) -> tuple[int, int]:
    """The point of a P-256 public JWK, refused unless it lies on the curve (P-256 has cofactor 1)."""
    if not isinstance(jwk, dict) or jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        raise ValueError("not a P-256 key")
    x_bytes, y_bytes = b64url_decode(jwk.get("x")), b64url_decode(jwk.get("y"))
    if len(x_bytes) != 32 or len(y_bytes) != 32:
        raise ValueError("not a P-256 key")
    x, y = int.from_bytes(x_bytes, "big"), int.from_bytes(y_bytes, "big")
    if not _p256_on_curve(x, y):
        raise ValueError("the key is not a point on P-256")
    return x, y


def es256_verify(public_key: tuple[int, int], signing_input: bytes, signature: bytes) -> bool:
    """ECDSA verification (SEC 1 4.1.4) of a JWS signature, r || s, over SHA-256 of the signing input."""
    if len(signature) != 64:
        return False
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    if not (0 < r < P256_N and 0 < s < P256_N):
        return False
    e = int.from_bytes(hashlib.sha256(signing_input).digest(), "big")  # 256 bits, as long as n: no truncation
    w = pow(s, -1, P256_N)
    u1, u2 = e * w % P256_N, r * w % P256_N
    # u1·G + u2·Q in one pass over the bits (Shamir's trick).
    both = _p256_add(P256_G, public_key)
    point: tuple[int, int] | None = None
    for bit in range(max(u1.bit_length(), u2.bit_length()) - 1, -1, -1):
        point = _p256_add(point, point)
        pick = ((u1 >> bit) & 1, (u2 >> bit) & 1)
        if pick == (1, 1):
            point = _p256_add(point, both)
        elif pick == (1, 0):
            point = _p256_add(point, P256_G)
        elif pick == (0, 1):
            point = _p256_add(point, public_key)
    return point is not None and point[0] % P256_N == r


def verify_jws(token: str, keys: Callable[[str], tuple[int, int]]) -> dict:
    """The claims of a compact JWS whose ES256 signature verifies under the key its `kid` names.

    `alg` is pinned to ES256 (the only one the service signs with), so `none`, HMAC and the rest are refused
    before any key is looked up. `keys(kid)` raises ValueError for a key it does not know.
    """
    segments = token.split(".") if isinstance(token, str) else []
    if len(segments) != 3:
        raise ValueError("malformed JWT")
    try:
        header = json.loads(b64url_decode(segments[0]))
        claims = json.loads(b64url_decode(segments[1]))
        signature = b64url_decode(segments[2])
    except ValueError as err:
        raise ValueError("malformed JWT") from err
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise ValueError("malformed JWT")
    if header.get("alg") != "ES256":
        raise ValueError("JWT not signed with ES256")
    if "crit" in header:
        raise ValueError("JWT with critical header parameters this app does not know")
    kid = header.get("kid")
    if not isinstance(kid, str):
        raise ValueError("JWT without kid")
    if not es256_verify(keys(kid), f"{segments[0]}.{segments[1]}".encode("ascii"), signature):
        raise ValueError("JWT signature does not verify")
    return claims


class KeySet:
    """The service's signing keys from /jwks.json, kept for ten minutes; a `kid` not among them fetches them again
    (the service rotated), at most every 30 seconds, so tokens with made-up kids cannot hammer the service."""

    def __init__(self, fetch: Callable[[], dict], *, max_age: float = 600, refetch_after: float = 30, clock: Callable[[], float] = time.monotonic):
        self.fetch, self.max_age, self.refetch_after, self.clock = fetch, max_age, refetch_after, clock
        self.lock = threading.Lock()
        self.keys: dict[str, tuple[int, int]] = {}
        self.fetched_at: float | None = None

    def key(self, kid: str) -> tuple[int, int]:
        with self.lock:
            now = self.clock()
            age = None if self.fetched_at is None else now - self.fetched_at
            if age is not None and age < self.max_age and kid in self.keys:
                return self.keys[kid]
            if age is None or age >= self.refetch_after:
                self.keys = self._parse(self.fetch())  # Unavailable passes through: nobody is refused for it
                self.fetched_at = now
            if kid not in self.keys:
                raise ValueError("JWT signed with a key the service does not publish")
            return self.keys[kid]

    @staticmethod
    def _parse(jwks: dict) -> dict[str, tuple[int, int]]:
        keys: dict[str, tuple[int, int]] = {}
        for jwk in jwks.get("keys", []) if isinstance(jwks, dict) else []:
            if not isinstance(jwk, dict) or not isinstance(jwk.get("kid"), str):
                continue
            if jwk.get("alg", "ES256") != "ES256" or jwk.get("use", "sig") != "sig":
                continue
            try:
                keys[jwk["kid"]] = p256_public_key(jwk)
            except ValueError:
                continue
        return keys


def check_id_token(id_token: str, *, keys: Callable[[str], tuple[int, int]], issuer: str, client_id: str, nonce: str | None, now: float) -> dict:
    """Checks the ID token: its ES256 signature under one of the service's keys, then iss, aud, exp, sub and the
    nonce this sign-in sent. Raises ValueError for a token to refuse."""
    claims = verify_jws(id_token, keys)
    audiences = claims.get("aud") if isinstance(claims.get("aud"), list) else [claims.get("aud")]
    exp = claims.get("exp")
    if claims.get("iss") != issuer:
        raise ValueError("ID token from another issuer")
    if client_id not in audiences:
        raise ValueError("ID token for another client")
    if not isinstance(exp, (int, float)) or exp + 5 < now:
        raise ValueError("ID token expired")
    if not isinstance(claims.get("sub"), str):
        raise ValueError("ID token without sub")
    if nonce is not None and not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
        raise ValueError("ID token nonce does not match")
    return claims


# --- Settings ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    port: int
    host: str
    public_url: str
    service_url: str
    internal_url: str
    client_id: str
    tls_cert: str | None
    tls_key: str | None
    ca_file: str | None

    @property
    def secure(self) -> bool:
        return self.public_url.startswith("https:")


def origin(name: str, value: str) -> str:
    trimmed = value.rstrip("/")
    parts = urllib.parse.urlsplit(trimmed)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query or parts.fragment:
        raise SystemExit(f"python host: {name} must be an http(s) origin such as https://py.example.test:5123, got {value!r}")
    return trimmed


def load_config(env: dict[str, str]) -> Config:
    try:
        port = int(env.get("PORT", ""))
    except ValueError:
        raise SystemExit("python host: PORT is required (0-65535)") from None
    if not 0 <= port <= 65535:
        raise SystemExit("python host: PORT is required (0-65535)")
    cert, key = env.get("TLS_CERT_FILE") or None, env.get("TLS_KEY_FILE") or None
    if bool(cert) != bool(key):
        raise SystemExit("python host: TLS_CERT_FILE and TLS_KEY_FILE go together")
    scheme = "https" if cert else "http"
    service_url = origin("USERBOX_SERVICE_URL", env.get("USERBOX_SERVICE_URL") or "http://localhost:4000")
    return Config(
        port=port,
        host=env.get("HOST") or "127.0.0.1",
        public_url=origin("PUBLIC_URL", env.get("PUBLIC_URL") or f"{scheme}://localhost:{port}"),
        service_url=service_url,
        internal_url=origin("USERBOX_SERVICE_INTERNAL_URL", env.get("USERBOX_SERVICE_INTERNAL_URL") or service_url),
        client_id=env.get("USERBOX_CLIENT_ID") or "python",
        tls_cert=cert,
        tls_key=key,
        ca_file=env.get("USERBOX_CA_FILE") or None,
    )


# --- The account service ---------------------------------------------------------------------------------------


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

    def authorize_url(self, state: str, nonce: str, challenge: str, prompt: str | None) -> str:
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
        return f"{self.config.service_url}/authorize?{urllib.parse.urlencode(query)}"

    def token(self, form: dict[str, str]) -> dict:
        body = urllib.parse.urlencode({**form, "client_id": self.config.client_id}).encode()
        request = urllib.request.Request(
            f"{self.config.internal_url}/token",
            data=body,
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
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


# --- Host sessions (in memory; a real app would use its database) ------------------------------------------------


@dataclass
class HostSession:
    tokens: dict
    user: dict
    last_seen: float = field(default_factory=time.time)
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class PendingSignIn:
    state: str
    nonce: str
    verifier: str
    return_to: str
    silent: bool
    created: float = field(default_factory=time.time)


class Store:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sessions: dict[str, HostSession] = {}
        self.pending: dict[str, PendingSignIn] = {}

    def get(self, sid: str | None) -> HostSession | None:
        with self.lock:
            now = time.time()
            for key in [k for k, s in self.sessions.items() if now - s.last_seen > SESSION_IDLE_SECONDS]:
                del self.sessions[key]
            session = self.sessions.get(sid) if sid else None
            if session:
                session.last_seen = now
            return session

    def create(self, tokens: dict, user: dict) -> str:
        sid = secrets.token_urlsafe(32)  # a new id on every sign-in
        with self.lock:
            self.sessions[sid] = HostSession(tokens, user)
        return sid

    def delete(self, sid: str | None) -> None:
        with self.lock:
            self.sessions.pop(sid or "", None)

    def start_sign_in(self, pending: PendingSignIn) -> str:
        pid = secrets.token_urlsafe(32)
        with self.lock:
            now = time.time()
            for key in [k for k, p in self.pending.items() if now - p.created > SIGN_IN_SECONDS]:
                del self.pending[key]
            self.pending[pid] = pending
        return pid

    def take_sign_in(self, pid: str | None, state: str) -> PendingSignIn | None:
        """The sign-in this browser started with this state, once; another state leaves it alone."""
        with self.lock:
            pending = self.pending.get(pid) if pid else None
            if not pending or not hmac.compare_digest(pending.state.encode(), state.encode()):
                return None
            del self.pending[pid]
        return pending if time.time() - pending.created <= SIGN_IN_SECONDS else None


# --- Pages -------------------------------------------------------------------------------------------------------


def layout(title: str, main: str, *, service_url: str, user: dict | None, notice: str | None = None) -> str:
    # Signed out, the box offers Sign in (and pages their own link); signed in, this ends the host session too.
    account = '<form method="post" action="/logout"><button type="submit">Sign out</button></form>\n  ' if user else ""
    notice_html = f'<p class="notice" role="status">{escape(notice)}</p>\n' if notice else ""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} · Python</title>
<link rel="stylesheet" href="/page.css">
<script type="module" src="{escape(service_url)}/userbox-host-sync.js"></script>
</head>
<body data-user-sub="{escape(user["sub"] if user else "")}">
<header>
  <a class="brand" href="/">Python</a>
  <nav><a href="/">Home</a> <a href="/orders">Orders</a></nav>
  {account}<script type="module" src="{escape(service_url)}/userbox.js"></script>
  <user-box></user-box>
</header>
<main>
{notice_html}{main}
</main>
</body>
</html>
"""


def display_name(user: dict) -> str:
    return str(user.get("name") or user.get("email") or "there")


def home_page(*, service_url: str, user: dict | None, notice: str | None = None) -> str:
    if user:
        main = (
            f"<h1>Hello, {escape(display_name(user))}</h1>\n"
            "<p>This page was rendered by Python, which asked the account service who you are.</p>"
        )
    else:
        main = (
            "<h1>Hello, guest</h1>\n"
            '<p>You are not signed in. <a href="/login?return_to=%2F">Sign in</a> to see your '
            '<a href="/orders">orders</a>.</p>'
        )
    return layout("Home", main, service_url=service_url, user=user, notice=notice)


def orders_page(*, service_url: str, user: dict) -> str:
    who = escape(user.get("email") or display_name(user))
    main = f"""<h1>Your orders</h1>
<p>Signed in as {who}.</p>
<table>
<thead><tr><th>Order</th><th>Item</th><th>Total</th></tr></thead>
<tbody>
<tr><td>#2001</td><td>Kettle</td><td>€34.00</td></tr>
</tbody>
</table>"""
    return layout("Orders", main, service_url=service_url, user=user)


def error_page(title: str, message: str, *, service_url: str) -> str:
    main = f'<h1>{escape(title)}</h1>\n<p role="alert">{escape(message)}</p>\n<p><a href="/">Back to the home page</a></p>'
    return layout(title, main, service_url=service_url, user=None)


# --- HTTP ----------------------------------------------------------------------------------------------------------

UNAVAILABLE = "The account service cannot be reached just now, so you appear signed out. Try again in a moment."
# The host examples share one stylesheet.
STATIC = {"/page.css": (HERE.parent / "page.css", "text/css; charset=utf-8")}


class App:
    def __init__(self, config: Config, client: ServiceClient | None = None, store: Store | None = None):
        self.config = config
        self.client = client or ServiceClient(config)
        self.keys = KeySet(self.client.jwks)
        self.store = store or Store()
        prefix = "__Host-" if config.secure else ""  # only this origin may set or read them (needs Secure)
        self.cookie_session = f"{prefix}py_session"
        self.cookie_sign_in = f"{prefix}py_signin"
        self.cookie_checked = f"{prefix}py_checked"
        s = config.service_url
        self.csp = (
            f"default-src 'self'; script-src 'self' {s}; style-src 'self'; connect-src {s}; img-src {s} https:; "
            f"form-action 'self' {s}; frame-ancestors 'none'; base-uri 'none'"
        )

    def cookie(self, name: str, value: str, max_age: int | None = None) -> str:
        parts = [f"{name}={value}", "Path=/", "HttpOnly", "SameSite=Lax"]
        if self.config.secure:
            parts.append("Secure")
        if max_age is not None:
            parts.append(f"Max-Age={max_age}")
        return "; ".join(parts)

    def current_user(self, cookies: dict[str, str], set_cookies: list[str]) -> tuple[dict | None, bool]:
        """(user, unavailable): /userinfo with the access token; on 401 (or an expired token) one refresh and again.

        If that fails too, the host session ends. An unreachable service signs nobody out.
        """
        sid = cookies.get(self.cookie_session)
        session = self.store.get(sid)
        if not session:
            if sid is not None:
                set_cookies.append(self.cookie(self.cookie_session, "", 0))
            return None, False
        with session.lock:  # one refresh at a time per session (refresh tokens rotate)
            refreshed = False
            try:
                if session.tokens["expires_at"] - 5 <= time.time():
                    self.refresh(session)
                    refreshed = True
                try:
                    user = self.client.userinfo(session.tokens["access_token"])
                except SignedOut:
                    if refreshed:
                        raise
                    self.refresh(session)
                    user = self.client.userinfo(session.tokens["access_token"])
                if user["sub"] != session.user["sub"]:
                    raise SignedOut("the service now answers for another user")
                session.user = user
                return user, False
            except SignedOut:
                self.store.delete(sid)
                set_cookies.append(self.cookie(self.cookie_session, "", 0))
                set_cookies.append(self.cookie(self.cookie_checked, "1"))  # no silent sign-in attempt either
                return None, False
            except Unavailable as err:
                print(f"python host: could not confirm the user: {err}", file=sys.stderr)
                return None, True

    def check_id_token(self, id_token: str, nonce: str | None) -> dict:
        """Every ID token this app accepts goes through here: signature, issuer, audience, expiry, nonce."""
        return check_id_token(id_token, keys=self.keys.key, issuer=self.config.service_url, client_id=self.config.client_id, nonce=nonce, now=time.time())

    def refresh(self, session: HostSession) -> None:
        answer = self.client.token({"grant_type": "refresh_token", "refresh_token": session.tokens["refresh_token"]})
        try:
            claims = self.check_id_token(answer["id_token"], None)
        except ValueError as err:
            raise Unavailable(f"refreshed ID token refused: {err}") from None
        if claims["sub"] != session.user["sub"]:
            raise SignedOut("refreshed tokens are for another user")
        session.tokens = token_set(answer)

    def start_sign_in(self, return_to: str, prompt: str | None, set_cookies: list[str]) -> str:
        verifier, challenge = pkce_pair()
        state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        pid = self.store.start_sign_in(PendingSignIn(state, nonce, verifier, return_to, silent=prompt == "none"))
        set_cookies.append(self.cookie(self.cookie_sign_in, pid, SIGN_IN_SECONDS))
        return self.client.authorize_url(state, nonce, challenge, prompt)

    def finish_sign_in(self, pending: PendingSignIn, code: str) -> tuple[dict, dict]:
        answer = self.client.token(
            {"grant_type": "authorization_code", "code": code, "redirect_uri": self.client.redirect_uri, "code_verifier": pending.verifier}
        )
        claims = self.check_id_token(answer["id_token"], pending.nonce)
        user = {"sub": claims["sub"], **{k: claims[k] for k in ("name", "email") if isinstance(claims.get(k), str)}}
        return token_set(answer), user


def token_set(answer: dict) -> dict:
    expires_in = answer.get("expires_in")
    lifetime = expires_in if isinstance(expires_in, int) and expires_in > 0 else 60
    return {
        "access_token": answer["access_token"],
        "refresh_token": answer["refresh_token"],
        "id_token": answer["id_token"],
        "expires_at": time.time() + lifetime,
    }


def make_handler(app: App) -> type[BaseHTTPRequestHandler]:
    config = app.config

    class Handler(BaseHTTPRequestHandler):
        server_version = "userbox-python-host"

        def version_string(self) -> str:
            return self.server_version
        timeout = 30

        # The default log line holds the query string (codes, state): log nothing per request.
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

        def send(self, status: int, body: str, set_cookies: list[str], content_type: str = "text/html; charset=utf-8") -> None:
            data = body.encode()
            self.send_response(status)
            self.send_security_headers()
            self.send_header("Content-Type", content_type)
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(data)))
            for c in set_cookies:
                self.send_header("Set-Cookie", c)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def redirect(self, location: str, set_cookies: list[str]) -> None:
            self.send_response(303)
            self.send_security_headers()
            self.send_header("Location", location)
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", "0")
            for c in set_cookies:
                self.send_header("Set-Cookie", c)
            self.end_headers()

        def send_security_headers(self) -> None:
            self.send_header("Content-Security-Policy", app.csp)
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "same-origin")

        def page_error(self, status: int, title: str, message: str, set_cookies: list[str] | None = None) -> None:
            self.send(status, error_page(title, message, service_url=config.service_url), set_cookies or [])

        def do_HEAD(self) -> None:
            self.do_GET()

        def do_GET(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
            one = lambda name: (query.get(name) or [None])[0]  # noqa: E731
            cookies = parse_cookies(self.headers.get("Cookie"))
            set_cookies: list[str] = []
            try:
                if url.path in STATIC:
                    file, content_type = STATIC[url.path]
                    return self.send(200, file.read_text(encoding="utf-8"), [], content_type)
                if url.path == "/favicon.ico":
                    return self.send(204, "", [], "image/x-icon")
                if url.path == "/":
                    return self.home(query, cookies, set_cookies)
                if url.path == "/orders":
                    user, unavailable = app.current_user(cookies, set_cookies)
                    if unavailable:
                        return self.page_error(503, "Orders are unavailable", UNAVAILABLE, set_cookies)
                    if not user:
                        return self.redirect(app.start_sign_in("/orders", None, set_cookies), set_cookies)
                    return self.send(200, orders_page(service_url=config.service_url, user=user), set_cookies)
                if url.path == "/login":
                    return_to, prompt = safe_return_path(one("return_to")), one("prompt")
                    if return_to is None or prompt not in (None, "none", "login"):
                        return self.page_error(400, "Invalid sign-in link", "return_to must be a path on this site, such as /orders.")
                    if prompt == "none":
                        set_cookies.append(app.cookie(app.cookie_checked, "1"))
                    return self.redirect(app.start_sign_in(return_to, prompt, set_cookies), set_cookies)
                if url.path == "/callback":
                    return self.callback(one, cookies, set_cookies)
                if url.path == "/logout":
                    # Typed, or a link on this site: sign out. A link from another site asks first.
                    if self.headers.get("Sec-Fetch-Site") in ("same-origin", "none"):
                        return self.sign_out(cookies)
                    main = '<h1>Sign out?</h1>\n<form method="post" action="/logout"><button type="submit">Sign out</button></form>'
                    return self.send(200, layout("Sign out", main, service_url=config.service_url, user=None), [])
                self.page_error(404, "Not found", "There is no page at this address.")
            except Exception as err:  # noqa: BLE001 - a page for the browser, a line for the operator, no details
                print(f"python host: request failed: {type(err).__name__}", file=sys.stderr)
                self.page_error(500, "Something went wrong", "Please try again.")

        def home(self, query: dict, cookies: dict[str, str], set_cookies: list[str]) -> None:
            user, unavailable = app.current_user(cookies, set_cookies)
            # Learn the user without a click, at most once per browser session (a session cookie marks it), but not
            # when the URL carries an OAuth answer: the widget's own token mode comes back to this page.
            callback_like = any(name in query for name in ("code", "error", "state"))
            is_document = self.headers.get("Sec-Fetch-Dest") in (None, "document")
            already = app.cookie_checked in cookies or any(c.startswith(f"{app.cookie_checked}=1") for c in set_cookies)
            if not user and not unavailable and not already and not callback_like and is_document:
                set_cookies.append(app.cookie(app.cookie_checked, "1"))
                return self.redirect(app.start_sign_in(safe_return_path(self.path) or "/", "none", set_cookies), set_cookies)
            notice = UNAVAILABLE if unavailable else None
            self.send(200, home_page(service_url=config.service_url, user=user, notice=notice), set_cookies)

        def callback(self, one, cookies: dict[str, str], set_cookies: list[str]) -> None:
            pending = app.store.take_sign_in(cookies.get(app.cookie_sign_in), one("state") or "")
            if not pending:
                # Never exchange a code this browser did not ask for (login CSRF).
                if one("error") == "login_required" and app.cookie_checked in cookies:
                    return self.redirect("/", [])
                return self.page_error(400, "Sign-in expired", "This sign-in was already used, started in another tab, or took too long. Please sign in again.")
            set_cookies.append(app.cookie(app.cookie_sign_in, "", 0))
            # RFC 9207: the service's discovery promises iss on every answer, so a missing one is as foreign as a wrong one.
            if one("iss") != config.service_url:
                return self.page_error(400, "Sign-in failed", "The answer did not come from the expected account service.", set_cookies)
            if one("error") is not None:
                if pending.silent:
                    return self.redirect(pending.return_to, set_cookies)  # login_required: stay a guest
                return self.page_error(400, "Sign-in failed", f"The account service did not sign you in ({one('error')}).", set_cookies)
            code = one("code")
            if not code:
                return self.page_error(400, "Sign-in failed", "The answer had no code.", set_cookies)
            try:
                tokens, user = app.finish_sign_in(pending, code)
            except Unavailable as err:
                print(f"python host: sign-in failed: {err}", file=sys.stderr)
                return self.page_error(503, "Sign-in failed", "The account service cannot be reached just now. Please try again.", set_cookies)
            except (SignedOut, ValueError) as err:
                print(f"python host: sign-in refused: {err}", file=sys.stderr)
                return self.page_error(400, "Sign-in failed", "The sign-in could not be completed. Please try again.", set_cookies)
            app.store.delete(cookies.get(app.cookie_session))
            set_cookies.append(app.cookie(app.cookie_session, app.store.create(tokens, user)))
            set_cookies.append(app.cookie(app.cookie_checked, "1"))
            # The box's token mode remembers a silent check that found nobody (widget README); now there is
            # somebody, so let it check again on the next page and show the same user as the server.
            tried = f"userbox_tried_{urllib.parse.quote(config.client_id, safe='')}"
            set_cookies.append(f"{tried}=; Path=/; SameSite=Lax; Max-Age=0" + ("; Secure" if config.secure else ""))
            self.redirect(pending.return_to, set_cookies)

        def sign_out(self, cookies: dict[str, str]) -> None:
            """Ends the host session, then RP-initiated logout at the service, back to the home page."""
            sid = cookies.get(app.cookie_session)
            session = app.store.get(sid)
            app.store.delete(sid)
            set_cookies = [app.cookie(app.cookie_session, "", 0), app.cookie(app.cookie_checked, "1")]
            target = app.client.end_session_url(session.tokens["id_token"], f"{config.public_url}/") if session else "/"
            self.redirect(target, set_cookies)

        def do_POST(self) -> None:
            if urllib.parse.urlsplit(self.path).path != "/logout":
                return self.page_error(404, "Not found", "There is no page at this address.")
            origin_header = self.headers.get("Origin")
            if (origin_header is not None and origin_header != config.public_url) or self.headers.get("Sec-Fetch-Site") == "cross-site":
                return self.page_error(403, "Sign-out refused", "Sign out from this site's own pages.")
            self.sign_out(parse_cookies(self.headers.get("Cookie")))

    return Handler


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64
    tls: ssl.SSLContext | None = None

    def finish_request(self, request, client_address) -> None:
        if self.tls is None:
            return super().finish_request(request, client_address)
        # The TLS handshake happens here, in the request's own thread, so a slow client cannot hold up accept().
        request.settimeout(30)
        try:
            tls_socket = self.tls.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            super().finish_request(tls_socket, client_address)
        finally:
            tls_socket.close()


def main() -> None:
    config = load_config(dict(os.environ))
    server = Server((config.host, config.port), make_handler(App(config)))
    if config.tls_cert and config.tls_key:
        server.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server.tls.load_cert_chain(config.tls_cert, config.tls_key)

    def stop(_signum, _frame) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    scheme = "https" if server.tls else "http"
    print(
        f"python host listening on {scheme}://{config.host}:{server.server_address[1]} as {config.public_url} "
        f"(client {config.client_id}, service {config.service_url})",
        flush=True,
    )
    server.serve_forever()
    server.server_close()


if __name__ == "__main__":
    main()
