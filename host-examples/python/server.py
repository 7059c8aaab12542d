#!/usr/bin/env python3
"""A Userbox host app in Python's standard library alone: the HTTP side (routes, responses, the server).

The back end signs the user in with the account service's OpenID Connect provider (authorization code flow,
public client, PKCE S256, state, nonce) and asks the service who the user is over HTTPS (/userinfo with the access
token) on every page, so a sign-out at the service shows on the next page load. Pages embed <user-box>.
The rules are in host_app.py, the service calls in oidc_client.py, the ES256 checks in jwt.py, the HTML in pages.py.

Run from this folder: PORT=4003 python3 server.py (see README.md for the other settings).
"""

from __future__ import annotations

import json
import os
import signal
import ssl
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from config import load_config
from host_app import App
from oidc_client import SignedOut, Unavailable
from pages import UNAVAILABLE, confirm_sign_out_page, error_page, home_page, orders_page

HERE = Path(__file__).resolve().parent
# The host examples share one stylesheet.
STATIC = {
    "/page.css": (HERE.parent / "page.css", "text/css; charset=utf-8"),
    # Follows a switch of account in the box (see the file): a script of its own, as the CSP allows.
    "/account-switch.js": (HERE / "account-switch.js", "text/javascript; charset=utf-8"),
}
PROMPTS = (None, "none", "login", "select_account")


def safe_login_hint(values: list[str] | None) -> str | None | bool:
    """The one `login_hint` (the account's sub after a switch in the box, or an email): None when absent, False
    when repeated, too long (over 320) or holding control characters."""
    if not values or values == [""]:
        return None
    if len(values) > 1 or len(values[0]) > 320 or any(ord(c) < 32 or ord(c) == 127 for c in values[0]):
        return False
    return values[0]


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


def parse_cookies(header: str | None) -> dict[str, str]:
    cookies: dict[str, str] = {}
    for part in (header or "").split(";"):
        name, eq, value = part.strip().partition("=")
        if eq and name and name not in cookies:
            cookies[name] = value
    return cookies


def first(query: dict[str, list[str]], name: str) -> str | None:
    """A query parameter's first value, or None."""
    return (query.get(name) or [None])[0]


class Handler(BaseHTTPRequestHandler):
    """Routes a request to one method per page; make_handler binds it to an App."""

    app: App
    server_version = "userbox-python-host"
    timeout = 30

    def version_string(self) -> str:
        return self.server_version

    # The default log line holds the query string (codes, state): log nothing per request.
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    # --- Responses

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
        self.send_header("Content-Security-Policy", self.app.csp)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "same-origin")

    def page_error(self, status: int, title: str, message: str, set_cookies: list[str] | None = None) -> None:
        self.send(status, error_page(title, message, service_url=self.app.config.service_url, box_client_id=self.app.config.box_client_id), set_cookies or [])

    # --- Dispatch

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        cookies = parse_cookies(self.headers.get("Cookie"))
        set_cookies: list[str] = []
        try:
            if url.path in STATIC:
                file, content_type = STATIC[url.path]
                return self.send(200, file.read_text(encoding="utf-8"), [], content_type)
            if url.path == "/favicon.ico":
                return self.send(204, "", [], "image/x-icon")
            page = PAGES.get(url.path)
            if page is None:
                return self.page_error(404, "Not found", "There is no page at this address.")
            page(self, query, cookies, set_cookies)
        except Exception as err:  # noqa: BLE001 - a page for the browser, a line for the operator, no details
            print(f"python host: request failed: {type(err).__name__}", file=sys.stderr)
            self.page_error(500, "Something went wrong", "Please try again.")

    def do_POST(self) -> None:
        if urllib.parse.urlsplit(self.path).path == "/backchannel-logout":
            return self.back_channel_logout()
        if urllib.parse.urlsplit(self.path).path != "/logout":
            return self.page_error(404, "Not found", "There is no page at this address.")
        origin_header = self.headers.get("Origin")
        if (origin_header is not None and origin_header != self.app.config.public_url) or self.headers.get("Sec-Fetch-Site") == "cross-site":
            return self.page_error(403, "Sign-out refused", "Sign out from this site's own pages.")
        self.sign_out(parse_cookies(self.headers.get("Cookie")))

    def back_channel_logout(self) -> None:
        """POST /backchannel-logout: the service says an account session ended (OpenID Connect Back-Channel Logout
        1.0). A server-to-server call with no cookies: the signed token is the proof. 200, or 400 invalid_request."""
        try:
            length = int(self.headers.get("Content-Length") or "0")
            if not 0 < length <= 16_384:
                raise ValueError("no body, or too long")
            tokens = urllib.parse.parse_qs(self.rfile.read(length).decode("utf-8", "replace")).get("logout_token") or []
            if len(tokens) != 1:
                raise ValueError("no single logout_token")
            self.app.back_channel_logout(tokens[0])
        except ValueError as err:
            print(f"python host: logout token refused: {err}", file=sys.stderr)  # the reason, never the token
            return self.send(400, json.dumps({"error": "invalid_request"}), [], "application/json")
        except Unavailable as err:  # the keys could not be fetched: the service retries later
            print(f"python host: logout token not checked: {err}", file=sys.stderr)
            return self.send(503, json.dumps({"error": "temporarily_unavailable"}), [], "application/json")
        self.send(200, "", [], "text/plain; charset=utf-8")

    # --- Pages

    def home(self, query: dict[str, list[str]], cookies: dict[str, str], set_cookies: list[str]) -> None:
        app = self.app
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
        self.send(200, home_page(service_url=app.config.service_url, user=user, notice=notice, box_client_id=app.config.box_client_id), set_cookies)

    def orders(self, query: dict[str, list[str]], cookies: dict[str, str], set_cookies: list[str]) -> None:
        app = self.app
        user, unavailable = app.current_user(cookies, set_cookies)
        if unavailable:
            return self.page_error(503, "Orders are unavailable", UNAVAILABLE, set_cookies)
        if not user:
            return self.redirect(app.start_sign_in("/orders", None, set_cookies), set_cookies)
        self.send(200, orders_page(service_url=app.config.service_url, user=user, box_client_id=app.config.box_client_id), set_cookies)

    # --- Sign-in and sign-out

    def login(self, query: dict[str, list[str]], cookies: dict[str, str], set_cookies: list[str]) -> None:
        app = self.app
        return_to, prompt = safe_return_path(first(query, "return_to")), first(query, "prompt")
        # After a switch in the box (account-switch.js), login_hint names the account to sign in as.
        login_hint = safe_login_hint(query.get("login_hint"))
        if return_to is None or prompt not in PROMPTS or login_hint is False:
            return self.page_error(
                400, "Invalid sign-in link", "return_to must be a path on this site, such as /orders, and login_hint given at most once."
            )
        if prompt == "none":
            set_cookies.append(app.cookie(app.cookie_checked, "1"))
        self.redirect(app.start_sign_in(return_to, prompt, set_cookies, login_hint or None), set_cookies)

    def callback(self, query: dict[str, list[str]], cookies: dict[str, str], set_cookies: list[str]) -> None:
        app, config = self.app, self.app.config
        pending = app.store.take_sign_in(cookies.get(app.cookie_sign_in), first(query, "state") or "")
        if not pending:
            # Never exchange a code this browser did not ask for (login CSRF).
            if first(query, "error") == "login_required" and app.cookie_checked in cookies:
                return self.redirect("/", [])
            return self.page_error(400, "Sign-in expired", "This sign-in was already used, started in another tab, or took too long. Please sign in again.")
        set_cookies.append(app.cookie(app.cookie_sign_in, "", 0))
        # RFC 9207: the service's discovery promises iss on every answer, so a missing one is as foreign as a wrong one.
        if first(query, "iss") != config.service_url:
            return self.page_error(400, "Sign-in failed", "The answer did not come from the expected account service.", set_cookies)
        error = first(query, "error")
        if error is not None:
            if pending.silent:
                return self.redirect(pending.return_to, set_cookies)  # login_required: stay a guest
            return self.page_error(400, "Sign-in failed", f"The account service did not sign you in ({error}).", set_cookies)
        code = first(query, "code")
        if not code:
            return self.page_error(400, "Sign-in failed", "The answer had no code.", set_cookies)
        try:
            tokens, user, service_sid = app.finish_sign_in(pending, code)
        except Unavailable as err:
            print(f"python host: sign-in failed: {err}", file=sys.stderr)
            return self.page_error(503, "Sign-in failed", "The account service cannot be reached just now. Please try again.", set_cookies)
        except (SignedOut, ValueError) as err:
            print(f"python host: sign-in refused: {err}", file=sys.stderr)
            return self.page_error(400, "Sign-in failed", "The sign-in could not be completed. Please try again.", set_cookies)
        app.store.delete(cookies.get(app.cookie_session))
        set_cookies.append(app.cookie(app.cookie_session, app.store.create(tokens, user, service_sid)))
        set_cookies.append(app.cookie(app.cookie_checked, "1"))
        # The box's token mode remembers a silent check that found nobody (widget README); now there is
        # somebody, so let it check again on the next page and show the same user as the server.
        tried = f"userbox_tried_{urllib.parse.quote(config.box_client_id or config.client_id, safe='')}"
        set_cookies.append(f"{tried}=; Path=/; SameSite=Lax; Max-Age=0" + ("; Secure" if config.secure else ""))
        self.redirect(pending.return_to, set_cookies)

    def logout_link(self, query: dict[str, list[str]], cookies: dict[str, str], set_cookies: list[str]) -> None:
        # Typed, or a link on this site: sign out. A link from another site asks first.
        if self.headers.get("Sec-Fetch-Site") in ("same-origin", "none"):
            return self.sign_out(cookies)
        self.send(200, confirm_sign_out_page(service_url=self.app.config.service_url, box_client_id=self.app.config.box_client_id), [])

    def sign_out(self, cookies: dict[str, str]) -> None:
        """Ends the host session, then RP-initiated logout at the service, back to the home page."""
        app = self.app
        sid = cookies.get(app.cookie_session)
        session = app.store.get(sid)
        app.store.delete(sid)
        set_cookies = [app.cookie(app.cookie_session, "", 0), app.cookie(app.cookie_checked, "1")]
        target = app.client.end_session_url(session.tokens["id_token"], f"{app.config.public_url}/") if session else "/"
        self.redirect(target, set_cookies)


# GET (and HEAD) pages, each a Handler method taking (query, cookies, set_cookies).
PAGES = {
    "/": Handler.home,
    "/orders": Handler.orders,
    "/login": Handler.login,
    "/callback": Handler.callback,
    "/logout": Handler.logout_link,
}


def make_handler(app: App) -> type[BaseHTTPRequestHandler]:
    """The request handler class for one app (http.server makes one instance per request)."""
    return type("Handler", (Handler,), {"app": app})


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
        f"({'confidential' if config.client_secret else 'public'} client {config.client_id}, service {config.service_url})",
        flush=True,
    )
    server.serve_forever()
    server.server_close()


if __name__ == "__main__":
    main()
