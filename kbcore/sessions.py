"""Agents' credentials and signed sessions: who may see internal articles and act on them.

An agent proves who they are with a bearer token (scripts, ``kb search``) or by logging in to the
agents' portal with a token or the configured agent password, which gives a signed session cookie.
Sessions are stateless (any worker verifies them with the shared key) and carry:

* the agent's id: a keyed hash of the token, or of the name given with the password;
* a CSRF token that every change made with the cookie must repeat in a header;
* a fingerprint of the credential used, so a token removed or a password changed ends its
  sessions at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

__all__ = [
    "AGENT_COOKIE",
    "CSRF_HEADER",
    "MAX_NAME",
    "Agent",
    "AgentAuth",
]

AGENT_COOKIE = "kb_agent"
CSRF_HEADER = "X-CSRF-Token"
MAX_NAME = 64
_SALT = "kb-agent-session"


@dataclass(frozen=True)
class Agent:
    """An authenticated agent: a stable pseudonymous id and the name they gave."""

    id: str
    name: str
    csrf: str | None = None  # set for cookie sessions only


class AgentAuth:
    """Check agents' credentials and issue and verify their session cookies."""

    def __init__(
        self, tokens: tuple[str, ...], password: str | None, key: bytes, max_age_s: int
    ) -> None:
        self._tokens = tokens
        self._password = password
        self._key = key
        self.max_age_s = max_age_s
        self._serializer = URLSafeTimedSerializer(key, salt=_SALT)

    @property
    def configured(self) -> bool:
        """Whether any credential is configured (else nobody can log in)."""
        return bool(self._tokens or self._password)

    def _hash(self, label: str, value: str) -> str:
        return hmac.new(self._key, f"{label}:{value}".encode(), hashlib.sha256).hexdigest()[:32]

    def _token_matches(self, token: str) -> bool:
        return any(hmac.compare_digest(token.encode(), t.encode()) for t in self._tokens)

    def _fingerprints(self) -> set[str]:
        found = {self._hash("credential", t) for t in self._tokens}
        if self._password:
            found.add(self._hash("credential", self._password))
        return found

    def bearer(self, token: str) -> Agent | None:
        """The agent a bearer token belongs to, or None if it is not a configured token."""
        if not token or not self._token_matches(token):
            return None
        return Agent(id=self._hash("agent", token), name="")

    def login(self, name: str, secret: str) -> tuple[Agent, str] | None:
        """Check a login; return the agent and their signed session cookie, or None.

        A token logs in on its own; the agent password needs a name, which becomes the agent's
        identity (everyone shares the password, not their links and flags).
        """
        name = name.strip()[:MAX_NAME]
        if secret and self._token_matches(secret):
            agent_id = self._hash("agent", secret)
        elif (
            self._password
            and name
            and hmac.compare_digest(secret.encode(), self._password.encode())
        ):
            agent_id = self._hash("agent-name", name.casefold())
        else:
            return None
        agent = Agent(id=agent_id, name=name, csrf=secrets.token_urlsafe(24))
        payload = {
            "a": agent.id,
            "n": agent.name,
            "c": agent.csrf,
            "f": self._hash("credential", secret),
        }
        return agent, self._serializer.dumps(payload)

    def session(self, cookie: str) -> Agent | None:
        """The agent of a session cookie, or None if it is forged, expired or revoked."""
        try:
            payload = self._serializer.loads(cookie, max_age=self.max_age_s)
        except BadSignature:  # includes SignatureExpired
            return None
        if not isinstance(payload, dict) or payload.get("f") not in self._fingerprints():
            return None
        agent_id, name, csrf = payload.get("a"), payload.get("n"), payload.get("c")
        if not (isinstance(agent_id, str) and isinstance(name, str) and isinstance(csrf, str)):
            return None
        return Agent(id=agent_id, name=name, csrf=csrf)
