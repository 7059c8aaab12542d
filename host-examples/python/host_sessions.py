"""The host's own sessions and sign-ins in progress, in memory (a real app would use its database). The browser
holds only random ids in HttpOnly cookies; tokens never leave the server."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field

SIGN_IN_SECONDS = 10 * 60
SESSION_IDLE_SECONDS = 12 * 60 * 60


@dataclass
class HostSession:
    tokens: dict
    user: dict
    # The account session at the service it came from (the ID token's sid): a back-channel logout names it.
    service_sid: str | None = None
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

    def create(self, tokens: dict, user: dict, service_sid: str | None = None) -> str:
        sid = secrets.token_urlsafe(32)  # a new id on every sign-in
        with self.lock:
            self.sessions[sid] = HostSession(tokens, user, service_sid)
        return sid

    def end_from_service(self, service_sid: str | None, sub: str | None) -> int:
        """Ends the host sessions a back-channel logout names: those from account session `service_sid`, or with
        none, every one of user `sub`. Answers how many ended."""
        with self.lock:
            ended = [
                k
                for k, s in self.sessions.items()
                if (s.service_sid == service_sid and (sub is None or s.user.get("sub") == sub) if service_sid is not None else s.user.get("sub") == sub)
            ]
            for key in ended:
                del self.sessions[key]
        return len(ended)

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
