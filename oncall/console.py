"""The on-call web console and its API, served by the on-call service.

On-call staff sign in with their organisation's `oncall` token and see only that organisation's
alerts: the open ones live (server-sent events), with an acknowledge and a close button, and the
history; and the chain obligations their organisation owns and has not done (the due list), with
a button to record one done elsewhere or to waive it, each with a reason; and a person's page (the
timeline, the conditions in force, the persons linked), which the gateway's case timeline answers
as the organisation (oncall/person_pages.py). An organisation's own systems may use the same API
with the token as a bearer instead.

A console session is a random id in an HttpOnly, SameSite=Strict cookie, kept in memory for
`SESSION_HOURS` (a restart signs everybody out); a request that changes anything also needs the
session's CSRF token in X-CSRF-Token. A session, like a bearer, holds only while the token it was
made from is in the tokens file: revoking the token ends its sessions at their next request, and
its live streams within `CHECK_S`. Signing in takes JSON only, and from the console's own origin
only, so another site cannot sign a browser in to a session of its choosing. The page loads nothing
from elsewhere, and its Content-Security-Policy says so.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

import orjson
from aiokafka.errors import KafkaError
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response, StreamingResponse
from starlette.routing import Route

from gateway.access import Identity, Role, TokenFile, bearer, token_digest
from gateway.http import SMALL_JSON, KiB, route
from gateway.settings import PARTNERS
from oncall import i18n
from oncall.lifecycle import Alert
from oncall.person_pages import ASK, Refused, TimelineClient, asked_of
from oncall.service import AlertClosed, AlertNotFound, ObligationNotFound, OnCallService
from oncall.views import alert_view, due_view, open_order

PAGES = Path(__file__).with_name("console")
COOKIE = "kp_console"
LANGUAGE_COOKIE = "kp_lang"  # the page's language, once asked for with ?lang=
PERSON_CHARS = 100  # the name of the person signing in, who acknowledges and closes as themselves
SESSION_HOURS = 12
HEARTBEAT_S = 15.0
CHECK_S = 1.0  # how often a live stream checks that its token still holds
HISTORY = 50
NOTE_CHARS = 2000
NOTE_BODY = 16 * KiB  # closing: a note of NOTE_CHARS, however its characters are escaped in JSON
REASON_CHARS = 500  # why an obligation was done elsewhere or waived: a line, kept two years
SETTLING = {"done-elsewhere": "done_elsewhere", "waive": "waived"}
# Each partner's name, as partners.json says it, for the page to name the organisations it shows.
PARTNER_NAMES = {code: partner.name for code, partner in PARTNERS.items()}
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


@dataclass(frozen=True)
class Caller:
    """Who asks, and what that rests on: a token (checked by its SHA-256, as the tokens file keeps
    it) and, for a session, the session and when it ends. A session keeps the token in memory too,
    to ask the gateway's case timeline for its person pages as the organisation, and for no more."""

    identity: Identity
    token_sha256: str
    session_id: str | None = None
    expires: float | None = None
    person: str | None = None  # who signed in with the (desk's) token, by the name they gave
    # The token itself, kept in memory only, to ask the gateway's timeline as the organisation.
    token: str = field(default="", repr=False, compare=False)

    def acting(self) -> str:
        """Who acknowledges, closes or settles: the person with the token's name, else the token's."""
        name = self.identity.name
        return f"{self.person} ({name})" if self.person else name


@dataclass(frozen=True)
class Session:
    caller: Caller
    csrf: str


def _a_name(value: object) -> bool:
    """A person's name as typed: text, not blank, not too long, without control characters."""
    return (
        isinstance(value, str)
        and 0 < len(value.strip()) <= PERSON_CHARS
        and all(character.isprintable() for character in value)
    )


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        orjson.dumps(body), status, {**SECURITY_HEADERS, **(headers or {})}, media_type="application/json"
    )


def _error(status: int, message: str, code: str) -> Response:
    """An error for people and programs: `error` says it in English, `code` names it for the
    console's page, which says it in its own language."""
    return _json({"error": message, "code": code}, status)


class Console:
    def __init__(
        self,
        service: OnCallService,
        tokens: Path,
        *,
        secure_cookie: bool = False,
        timeline: TimelineClient | None = None,
    ) -> None:
        """`timeline` reaches the gateway's case timeline, for the person pages; without it they
        answer 503."""
        self.service, self.tokens, self.secure_cookie = service, TokenFile(tokens), secure_cookie
        self.timeline = timeline
        self.sessions: dict[str, Session] = {}

    # Who is asking

    def holds(self, caller: Caller) -> bool:
        """Whether the caller may still act: its token is in the tokens file, for the same
        identity, and its session (if any) is neither signed out nor expired."""
        if caller.session_id is not None and caller.session_id not in self.sessions:
            return False
        if caller.expires is not None and caller.expires < time.time():
            return False
        return self.tokens.identify_digest(caller.token_sha256) == caller.identity

    def _session(self, request: Request) -> Session | None:
        session_id = request.cookies.get(COOKIE)
        session = self.sessions.get(session_id) if session_id else None
        if session is None:
            return None
        if not self.holds(session.caller):
            self.sessions.pop(session.caller.session_id or "", None)  # expired, or its token revoked
            return None
        return session

    def _caller(self, request: Request, *, changes: bool) -> Caller | Response:
        """The on-call caller of a bearer token or of a session (with its CSRF token when the
        request changes anything), else the error response to give."""
        token = bearer(request.headers.get("authorization"))
        if token is not None:
            identity = self.tokens.identify(token)
            if identity is None:
                return _error(401, "a valid bearer token is required", "token_unknown")
            if identity.role is not Role.ONCALL:
                return _error(403, "only on-call tokens may use the console", "not_oncall")
            return Caller(identity, token_digest(token), token=token)
        session = self._session(request)
        if session is None:
            return _error(401, "sign in first", "signed_out")
        presented = request.headers.get("x-csrf-token", "").encode()
        if changes and not secrets.compare_digest(presented, session.csrf.encode()):
            return _error(403, "the X-CSRF-Token header is missing or wrong", "csrf")
        return session.caller

    def _own_origin(self, request: Request) -> bool:
        """Whether a browser sends this from the console's own page: its Origin is the address the
        request was made to, or the console's configured address. A request without Origin is not
        a browser's cross-site request (browsers send Origin on every cross-origin POST)."""
        fetched_from = request.headers.get("sec-fetch-site")
        if fetched_from is not None and fetched_from not in ("same-origin", "none"):
            return False
        origin = request.headers.get("origin")
        if origin is None:
            return True
        configured = urlsplit(self.service.config.console_url)
        own = {f"{request.url.scheme}://{request.url.netloc}", f"{configured.scheme}://{configured.netloc}"}
        return origin.lower() in own

    # Pages

    async def page(self, request: Request) -> Response:
        name = request.path_params.get("name", "index.html")
        if name == "index.html":
            return self._index(request)
        media = {
            "common.js": "text/javascript",
            "person.js": "text/javascript",
            "console.js": "text/javascript",
            "console.css": "text/css",
        }
        if name not in media:
            return _error(404, "no such page", "no_such_page")
        return FileResponse(PAGES / name, media_type=media[name], headers=SECURITY_HEADERS)

    @staticmethod
    def _index(request: Request) -> Response:
        """The page in Dutch, or in the language asked for with `?lang=` (kept in a cookie)."""
        asked = request.query_params.get("lang")
        lang = i18n.language(asked or request.cookies.get(LANGUAGE_COOKIE))
        page = i18n.render((PAGES / "index.html").read_text(encoding="utf-8"), lang)
        response = HTMLResponse(page, headers={**SECURITY_HEADERS, "content-language": lang})
        if asked is not None:
            response.set_cookie(
                LANGUAGE_COOKIE, lang, max_age=365 * 86400, path="/console", samesite="strict"
            )
        return response

    # Session

    async def sign_in(self, request: Request) -> Response:
        media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
        if media_type != "application/json":
            return _error(415, 'send {"token": "..."} with Content-Type: application/json', "json_only")
        if not self._own_origin(request):
            return _error(403, "sign in from the console's own page", "own_origin")
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return _error(400, 'send {"token": "..."} as JSON', "json_only")
        token = body.get("token") if isinstance(body, dict) else None
        identity = self.tokens.identify(token if isinstance(token, str) else None)
        if identity is None or not isinstance(token, str):
            return _error(401, "this token is not known", "token_unknown")
        if identity.role is not Role.ONCALL:
            return _error(403, "only on-call tokens may use the console", "not_oncall")
        person = body.get("person")
        if person is not None and not _a_name(person):
            return _error(
                400, f"person is the name of who signs in: 1 to {PERSON_CHARS} characters", "person"
            )
        for stale in [sid for sid, s in self.sessions.items() if not self.holds(s.caller)]:
            del self.sessions[stale]
        session_id = secrets.token_urlsafe(32)
        expires = time.time() + SESSION_HOURS * 3600
        caller = Caller(identity, token_digest(token), session_id, expires, person and person.strip(), token)
        session = Session(caller, csrf=secrets.token_urlsafe(32))
        self.sessions[session_id] = session
        response = _json(self._me(session))
        response.set_cookie(
            COOKIE, session_id, max_age=SESSION_HOURS * 3600, path="/console", httponly=True,
            samesite="strict", secure=self.secure_cookie,
        )  # fmt: skip
        return response

    @staticmethod
    def _me(session: Session) -> dict[str, Any]:
        identity = session.caller.identity
        return {
            "name": identity.name,
            "org": identity.org,
            "person": session.caller.person,
            "csrf": session.csrf,
            "partners": PARTNER_NAMES,
        }

    async def me(self, request: Request) -> Response:
        session = self._session(request)
        return _json(self._me(session)) if session is not None else _error(401, "sign in first", "signed_out")

    async def sign_out(self, request: Request) -> Response:
        caller = self._caller(request, changes=True)
        if isinstance(caller, Response):
            return caller
        self.sessions.pop(request.cookies.get(COOKIE, ""), None)
        response = Response(status_code=204, headers=SECURITY_HEADERS)
        response.delete_cookie(COOKIE, path="/console")
        return response

    # Alerts

    async def alerts(self, request: Request) -> Response:
        caller = self._caller(request, changes=False)
        if isinstance(caller, Response):
            return caller
        org = caller.identity.org or ""
        mine = sorted(self.service.alerts(org), key=lambda a: a.raised_at, reverse=True)
        still_open = sorted((a for a in mine if a.closed_at is None), key=open_order(self.service))
        return _json(
            {
                "open": [alert_view(a, self.service) for a in still_open],
                "history": [alert_view(a, self.service) for a in mine if a.closed_at is not None][:HISTORY],
            }
        )

    async def events(self, request: Request) -> Response:
        caller = self._caller(request, changes=False)
        if isinstance(caller, Response):
            return caller
        org = caller.identity.org
        changed: asyncio.Queue[Alert] = asyncio.Queue()
        stop = self.service.subscribe(lambda alert: changed.put_nowait(alert) if alert.org == org else None)

        async def stream() -> AsyncIterator[bytes]:
            """Each change of the organisation's alerts, while the caller's token holds."""
            try:
                yield b"retry: 2000\n\n"
                quiet_since = time.monotonic()
                while self.holds(caller):
                    try:
                        alert = await asyncio.wait_for(changed.get(), CHECK_S)
                    except TimeoutError:
                        if time.monotonic() - quiet_since >= HEARTBEAT_S:
                            quiet_since = time.monotonic()
                            yield b": keep-alive\n\n"
                        continue
                    quiet_since = time.monotonic()
                    yield b"event: alert\ndata: " + orjson.dumps(alert_view(alert, self.service)) + b"\n\n"
            finally:
                stop()

        headers = {**SECURITY_HEADERS, "x-accel-buffering": "no"}
        return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)

    async def act(self, request: Request) -> Response:
        caller = self._caller(request, changes=True)
        if isinstance(caller, Response):
            return caller
        try:
            alert_id = UUID(request.path_params["alert_id"])
        except ValueError:
            return _error(404, "no such alert", "alert_not_found")
        action = request.path_params["action"]
        if action not in ("acknowledge", "close"):
            return _error(404, "an alert can be acknowledged or closed", "alert_not_found")
        org, name = caller.identity.org or "", caller.acting()
        try:
            if action == "acknowledge":
                alert = await self.service.acknowledge(alert_id, org, name)
            else:
                body = orjson.loads(await request.body() or b"{}")
                note = body.get("note") if isinstance(body, dict) else None
                if not isinstance(note, str) or not note.strip():
                    return _error(400, 'closing needs {"note": "what was done"}', "note_needed")
                alert = await self.service.close(alert_id, org, name, note.strip()[:NOTE_CHARS])
        except AlertNotFound:
            return _error(404, "no such alert for your organisation", "alert_not_found")
        except AlertClosed as closed:
            return _error(409, str(closed), "alert_closed")
        except orjson.JSONDecodeError:
            return _error(400, 'closing needs {"note": "what was done"} as JSON', "note_needed")
        except KafkaError:
            return _error(
                503, "not recorded: Kafka cannot be reached; nothing changed, try again", "not_recorded"
            )
        return _json(alert_view(alert, self.service))

    # Chain obligations

    async def due(self, request: Request) -> Response:
        caller = self._caller(request, changes=False)
        if isinstance(caller, Response):
            return caller
        org = caller.identity.org or ""
        return _json({"due": [due_view(o, self.service, org) for o in self.service.due(org)]})

    async def settle(self, request: Request) -> Response:
        """Done elsewhere, or waived: by the owner's staff, with a reason."""
        caller = self._caller(request, changes=True)
        if isinstance(caller, Response):
            return caller
        how = SETTLING.get(request.path_params["action"])
        if how is None:
            return _error(
                404, "an obligation can be marked done-elsewhere or waive(d)", "obligation_not_found"
            )
        try:
            obligation_id = UUID(request.path_params["obligation_id"])
            body = orjson.loads(await request.body() or b"{}")
        except ValueError:  # a malformed id, or a body that is not JSON
            return _error(
                400, 'send {"reason": "..."} as JSON to a /console/api/obligations/<id>/...', "reason_needed"
            )
        reason = body.get("reason") if isinstance(body, dict) else None
        if not isinstance(reason, str) or not reason.strip():
            return _error(
                400, 'this needs {"reason": "why, in a line, without names or case details"}', "reason_needed"
            )
        if len(reason.strip()) > REASON_CHARS:
            return _error(400, f"the reason is at most {REASON_CHARS} characters", "reason_too_long")
        org = caller.identity.org or ""
        try:
            obligation = await self.service.settle_obligation(
                obligation_id, org, caller.acting(), how, reason.strip()
            )
        except ObligationNotFound:
            return _error(404, "no open obligation of your organisation with this id", "obligation_not_found")
        except KafkaError:
            return _error(
                503, "not recorded: Kafka cannot be reached; nothing changed, try again", "not_recorded"
            )
        return _json(due_view(obligation, self.service, org))

    # A person's page

    async def person(self, request: Request) -> Response:
        """A person's timeline and conditions in force, as the gateway gives them to the caller's
        organisation (oncall/person_pages.py). Each is a read recorded in the log of reads, so it
        needs the session's CSRF token as a change does."""
        caller = self._caller(request, changes=True)
        if isinstance(caller, Response):
            return caller
        if self.timeline is None:
            return _error(503, "the case timeline is not configured here", "timeline_unavailable")
        try:
            asked = asked_of(orjson.loads(await request.body()), self.service, caller.identity.org or "")
            return _json(await self.timeline.person(caller.token, asked, caller.person))
        except orjson.JSONDecodeError:
            return _error(400, ASK, "person_asked")
        except Refused as refused:
            return _json({"error": refused.message, "code": refused.code}, refused.status)

    def routes(self) -> list[Route]:
        """Each route with the body it takes at most (gateway/http.py)."""
        return [
            route("/console", self.page, "GET"),
            route("/console/{name:str}", self.page, "GET"),
            route("/console/api/session", self.sign_in, "POST", max_body=SMALL_JSON),
            route("/console/api/session", self.sign_out, "DELETE"),
            route("/console/api/me", self.me, "GET"),
            route("/console/api/alerts", self.alerts, "GET"),
            route("/console/api/events", self.events, "GET"),
            route("/console/api/alerts/{alert_id:str}/{action:str}", self.act, "POST", max_body=NOTE_BODY),
            route("/console/api/due", self.due, "GET"),
            route("/console/api/person", self.person, "POST", max_body=SMALL_JSON),
            route(
                "/console/api/obligations/{obligation_id:str}/{action:str}",
                self.settle,
                "POST",
                max_body=NOTE_BODY,
            ),
        ]
