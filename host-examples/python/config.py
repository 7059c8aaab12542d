"""The host's settings, read from the environment once and checked."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass


@dataclass(frozen=True)
class Config:
    port: int
    host: str
    public_url: str
    service_url: str
    internal_url: str
    client_id: str
    # Set when the host is registered as a confidential client: sent to /token as client_secret_basic.
    client_secret: str | None
    # The public client the page's box uses in token mode beside a confidential back end (a page holds no secret).
    box_client_id: str | None
    tls_cert: str | None
    tls_key: str | None
    ca_file: str | None
    # Ask /userinfo on every page, as before back-channel logout (the benchmark's "before"); off by default.
    check_every_page: bool = False

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
        client_secret=env.get("USERBOX_CLIENT_SECRET") or None,
        box_client_id=env.get("USERBOX_BOX_CLIENT_ID") or None,
        tls_cert=cert,
        tls_key=key,
        ca_file=env.get("USERBOX_CA_FILE") or None,
        check_every_page=env.get("USERBOX_CHECK_EVERY_PAGE") == "1",
    )
