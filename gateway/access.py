"""Who may call Ketenpoort's HTTP endpoints: bearer tokens with a role (and, for some roles, an
organisation), kept as SHA-256 hashes in one JSON file, never in the repository.

Roles: `adapter` and `oncall` act for one organisation; `privacy_officer` and `admin` for the
chain. Tokens are compared in constant time, and every stored token is compared, so the time a
check takes tells nothing about which token came close. The file is read again whenever it
changes: a token removed from it (`ketenpoort access revoke`) is refused from the next request
on, and so is everything made from it (a console session, a live stream).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from enum import StrEnum
from pathlib import Path

from faststream.asgi.types import ASGIApp, Receive, Scope, Send
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator
from starlette.datastructures import Headers

from gateway.http import respond
from gateway.logging import get_logger
from gateway.settings import RECIPIENTS

log = get_logger("access")


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


def token_digest(token: str) -> str:
    """What the tokens file keeps of a token: its SHA-256, in hex."""
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
        return self.identify_digest(token_digest(presented)) if presented else None

    def identify_digest(self, digest: str) -> Identity | None:
        """Whose token has this SHA-256, if it is still in the file."""
        found: Identity | None = None
        for stored in self.tokens:  # no early exit: every check takes as long
            if hmac.compare_digest(stored.token_sha256.encode(), digest.encode()):
                found = Identity(name=stored.name, role=stored.role, org=stored.org)
        return found

    def issue(self, identity: Identity, path: Path) -> str:
        """A new token for `identity`, stored (hashed) in `path`. The token is shown once, here."""
        token = secrets.token_urlsafe(32)
        self.tokens.append(StoredToken(**identity.model_dump(), token_sha256=token_digest(token)))
        self.save(path)
        return token

    def revoke(self, name: str, path: Path) -> int:
        """Remove every token named `name` from `path`; how many there were."""
        kept = [stored for stored in self.tokens if stored.name != name]
        removed, self.tokens = len(self.tokens) - len(kept), kept
        if removed:
            self.save(path)
        return removed

    def save(self, path: Path) -> None:
        """Written whole beside the file (mode 0600 from the start), then renamed over it, so a
        service reading it never sees half a file."""
        path.parent.mkdir(parents=True, exist_ok=True)
        beside = path.with_name(f".{path.name}.tmp")
        descriptor = os.open(beside, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(TOKENS.dump_json(self.tokens, indent=2))
        beside.replace(path)


def bearer(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header."""
    if authorization is None:
        return None
    scheme, _, token = authorization.partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


# Where RequireRole puts the caller's Identity in the ASGI scope, for the app it wraps.
IDENTITY_SCOPE_KEY = "ketenpoort.identity"


class TokenFile:
    """The token file, read again when it changes, so a new token works and a removed one stops
    working without a restart. A file that cannot be read as tokens lets nobody in (and says so in
    the log) until it is fixed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._store, self._version = TokenStore([]), (-1, -1, -1)

    def identify(self, presented: str | None) -> Identity | None:
        return self.current().identify(presented)

    def identify_digest(self, digest: str) -> Identity | None:
        return self.current().identify_digest(digest)

    def current(self) -> TokenStore:
        try:
            stat = self.path.stat()
            version = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        except FileNotFoundError:
            version = (0, 0, 0)
        if version != self._version:
            self._store, self._version = self._load(), version
        return self._store

    def _load(self) -> TokenStore:
        try:
            return TokenStore.load(self.path)
        except (OSError, ValueError, ValidationError) as error:
            log.error("tokens_file_unreadable", path=str(self.path), error=type(error).__name__)
            return TokenStore([])


class RequireRole:
    """ASGI wrapper: the inner app answers only requests whose bearer token has one of `roles`,
    and finds the caller's Identity in `scope[IDENTITY_SCOPE_KEY]`."""

    def __init__(self, inner: ASGIApp, path: Path, roles: frozenset[Role]) -> None:
        self.inner, self.roles = inner, roles
        self.tokens = TokenFile(path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        identity = self.tokens.identify(bearer(Headers(scope=scope).get("authorization")))
        if identity is None:
            challenge = [(b"www-authenticate", b'Bearer realm="ketenpoort"')]
            await respond(send, 401, {"error": "a valid bearer token is required"}, challenge)
        elif identity.role not in self.roles:
            await respond(send, 403, {"error": "this role may not use this endpoint"})
        else:
            await self.inner({**scope, IDENTITY_SCOPE_KEY: identity}, receive, send)
