"""The host's rules, with no HTTP in them: its cookies, who is signed in (the host session, which the service's
back-channel logout ends), starting and finishing a sign-in, and the token checks every path goes through."""

from __future__ import annotations

import secrets
import sys
import time

from config import Config
from host_sessions import SIGN_IN_SECONDS, HostSession, PendingSignIn, Store
from jwt import KeySet, SeenTokens, check_id_token, check_logout_token
from oidc_client import ServiceClient, SignedOut, Unavailable, pkce_pair, token_set


class App:
    def __init__(self, config: Config, client: ServiceClient | None = None, store: Store | None = None):
        self.config = config
        self.client = client or ServiceClient(config)
        self.keys = KeySet(self.client.jwks)
        self.store = store or Store()
        self.logout_tokens = SeenTokens()
        # Before back-channel logout every page asked /userinfo; kept behind a switch for the benchmark's "before".
        self.check_every_page = config.check_every_page
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
        """(user, unavailable): the host session's user, with no request to the service (a sign-out anywhere ends
        the host session through the back-channel logout before the next page).

        With check_every_page: /userinfo with the access token; on 401 (or an expired token) one refresh and again.
        If that fails too, the host session ends. An unreachable service signs nobody out.
        """
        sid = cookies.get(self.cookie_session)
        session = self.store.get(sid)
        if not session:
            if sid is not None:
                set_cookies.append(self.cookie(self.cookie_session, "", 0))
            return None, False
        if not self.check_every_page:
            return session.user, False
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

    def back_channel_logout(self, logout_token: str) -> None:
        """Ends the host sessions a logout token from the service names. Raises ValueError for a token to refuse."""
        claims = check_logout_token(
            logout_token, keys=self.keys.key, issuer=self.config.service_url, client_id=self.config.client_id, now=time.time(), seen=self.logout_tokens
        )
        sid, sub = claims.get("sid"), claims.get("sub")
        self.store.end_from_service(sid if isinstance(sid, str) else None, sub if isinstance(sub, str) else None)

    def refresh(self, session: HostSession) -> None:
        answer = self.client.token({"grant_type": "refresh_token", "refresh_token": session.tokens["refresh_token"]})
        try:
            claims = self.check_id_token(answer["id_token"], None)
        except ValueError as err:
            raise Unavailable(f"refreshed ID token refused: {err}") from None
        if claims["sub"] != session.user["sub"]:
            raise SignedOut("refreshed tokens are for another user")
        session.tokens = token_set(answer)

    def start_sign_in(self, return_to: str, prompt: str | None, set_cookies: list[str], login_hint: str | None = None) -> str:
        verifier, challenge = pkce_pair()
        state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        pid = self.store.start_sign_in(PendingSignIn(state, nonce, verifier, return_to, silent=prompt == "none"))
        set_cookies.append(self.cookie(self.cookie_sign_in, pid, SIGN_IN_SECONDS))
        return self.client.authorize_url(state, nonce, challenge, prompt, login_hint)

    def finish_sign_in(self, pending: PendingSignIn, code: str) -> tuple[dict, dict, str | None]:
        answer = self.client.token(
            {"grant_type": "authorization_code", "code": code, "redirect_uri": self.client.redirect_uri, "code_verifier": pending.verifier}
        )
        claims = self.check_id_token(answer["id_token"], pending.nonce)
        user = {"sub": claims["sub"], **{k: claims[k] for k in ("name", "email", "picture") if isinstance(claims.get(k), str)}}
        return token_set(answer), user, claims["sid"] if isinstance(claims.get("sid"), str) else None
