"""Who may call Ketenpoort's HTTP endpoints: bearer tokens with a role (and, for some roles, an
organisation), kept as SHA-256 hashes in one JSON file, never in the repository.

Roles: `adapter` and `oncall` act for one organisation; `privacy_officer` and `admin` for the
chain. Tokens are compared in constant time, and every stored token is compared, so the time a
check takes tells nothing about which token came close.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from enum import StrEnum
from pathlib import Path

from faststream.asgi.types import ASGIApp, Receive, Scope, Send
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from gateway.http import respond
from gateway.settings import RECIPIENTS


class Role(StrEnum):
    ADAPTER = "adapter"
    ONCALL = "oncall"
    PRIVACY_OFFICER = "privacy_officer"
    ADMIN = "admin"


PER_ORGANISATION = frozenset({Role.ADAPTER, Role.ONCALL})


class Identity(BaseModel):
    """Who a token speaks for."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(description="Whose token this is, for the logs: a system or a person's role.")
    role: Role
    org: str | None = Field(default=None, description="The organisation, for adapter and on-call tokens.")

    @model_validator(mode="after")
    def _org_where_needed(self) -> Identity:
        if (self.role in PER_ORGANISATION) != (self.org is not None):
            raise ValueError(
                f"a {self.role} token {'needs' if self.role in PER_ORGANISATION else 'has no'} org"
            )
        if self.org is not None and self.org not in RECIPIENTS:
            raise ValueError(f"unknown organisation {self.org!r}")
        return self


class StoredToken(Identity):
    token_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


TOKENS = TypeAdapter(list[StoredToken])


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenStore:
    def __init__(self, tokens: list[StoredToken]) -> None:
        self.tokens = tokens

    @classmethod
    def load(cls, path: Path | None) -> TokenStore:
        """The tokens in `path`; none at all (every request refused) when there is no file."""
        if path is None or not path.exists():
            return cls([])
        return cls(TOKENS.validate_json(path.read_bytes()))

    def identify(self, presented: str | None) -> Identity | None:
        if not presented:
            return None
        digest = _digest(presented)
        found: Identity | None = None
        for stored in self.tokens:  # no early exit: every check takes as long
            if hmac.compare_digest(stored.token_sha256, digest):
                found = Identity(name=stored.name, role=stored.role, org=stored.org)
        return found

    def issue(self, identity: Identity, path: Path) -> str:
        """A new token for `identity`, stored (hashed) in `path`. The token is shown once, here."""
        token = secrets.token_urlsafe(32)
        self.tokens.append(StoredToken(**identity.model_dump(), token_sha256=_digest(token)))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(TOKENS.dump_json(self.tokens, indent=2))
        path.chmod(0o600)
        return token


def bearer(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header."""
    if authorization is None:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


# Where RequireRole puts the caller's Identity in the ASGI scope, for the app it wraps.
IDENTITY_SCOPE_KEY = "ketenpoort.identity"


class TokenFile:
    """The token file, read again when it changes, so a new token works without a restart."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._store, self._mtime = TokenStore([]), -1.0

    def identify(self, presented: str | None) -> Identity | None:
        mtime = self.path.stat().st_mtime if self.path.exists() else 0.0
        if mtime != self._mtime:
            self._store, self._mtime = TokenStore.load(self.path), mtime
        return self._store.identify(presented)


class RequireRole:
    """ASGI wrapper: the inner app answers only requests whose bearer token has one of `roles`,
    and finds the caller's Identity in `scope[IDENTITY_SCOPE_KEY]`."""

    def __init__(self, inner: ASGIApp, path: Path, roles: frozenset[Role]) -> None:
        self.inner, self.roles = inner, roles
        self.tokens = TokenFile(path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {key.decode().lower(): value.decode() for key, value in scope.get("headers", [])}
        identity = self.tokens.identify(bearer(headers.get("authorization")))
        if identity is None:
            challenge = [(b"www-authenticate", b'Bearer realm="ketenpoort"')]
            await respond(send, 401, {"error": "a valid bearer token is required"}, challenge)
        elif identity.role not in self.roles:
            await respond(send, 403, {"error": "this role may not use this endpoint"})
        else:
            await self.inner({**scope, IDENTITY_SCOPE_KEY: identity}, receive, send)
