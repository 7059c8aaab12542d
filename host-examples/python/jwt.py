"""ES256 JWTs with the standard library alone: P-256 signature checks, the service's key set, the ID token's claims.

Checked in test_server.py against the RFC 6979 vector and against signatures made by openssl.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
import time
from collections.abc import Callable


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


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


BACK_CHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"


class SeenTokens:
    """The `jti`s of logout tokens already taken, each kept until the token could no longer pass anyway."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.until: dict[str, float] = {}

    def take(self, jti: str, until: float, now: float) -> bool:
        """True the first time `jti` is given; False for a replay."""
        with self.lock:
            for old in [k for k, t in self.until.items() if t < now]:
                del self.until[old]
            if jti in self.until:
                return False
            self.until[jti] = until
            return True


def check_logout_token(
    token: str, *, keys: Callable[[str], tuple[int, int]], issuer: str, client_id: str, now: float, seen: SeenTokens, max_age: float = 120, tolerance: float = 5
) -> dict:
    """Checks a logout token (OpenID Connect Back-Channel Logout 1.0 §2.6): the ES256 signature under one of the
    service's keys (as for ID tokens), `typ` when present, iss, aud, iat (not older than `max_age`, not in the
    future), exp when present, the back-channel logout event, sid or sub, no nonce, and a jti not seen before.
    Raises ValueError for a token to refuse; answers the claims."""
    segments = token.split(".") if isinstance(token, str) else []
    try:
        header = json.loads(b64url_decode(segments[0])) if len(segments) == 3 else None
    except ValueError:
        header = None
    if not isinstance(header, dict):
        raise ValueError("malformed JWT")
    typ = header.get("typ")
    if typ is not None and str(typ).lower().removeprefix("application/") != "logout+jwt":
        raise ValueError("logout token with another typ")
    claims = verify_jws(token, keys)
    audiences = claims.get("aud") if isinstance(claims.get("aud"), list) else [claims.get("aud")]
    iat, exp = claims.get("iat"), claims.get("exp")
    if claims.get("iss") != issuer:
        raise ValueError("logout token from another issuer")
    if client_id not in audiences:
        raise ValueError("logout token for another client")
    if not isinstance(iat, (int, float)) or iat + max_age + tolerance < now or iat - tolerance > now:
        raise ValueError("logout token too old or from the future")
    if exp is not None and (not isinstance(exp, (int, float)) or exp + tolerance < now):
        raise ValueError("logout token expired")
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(BACK_CHANNEL_LOGOUT_EVENT), dict):
        raise ValueError("logout token without the back-channel logout event")
    if "nonce" in claims:
        raise ValueError("logout token with a nonce")
    sid, sub = claims.get("sid"), claims.get("sub")
    if not isinstance(sid, str) and not isinstance(sub, str):
        raise ValueError("logout token with neither sid nor sub")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti or len(jti) > 256:
        raise ValueError("logout token without jti")
    if not seen.take(jti, max(iat + max_age, exp if isinstance(exp, (int, float)) else 0) + tolerance, now):
        raise ValueError("logout token replayed")
    return claims
