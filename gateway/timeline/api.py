"""The case timeline over HTTP, for an organisation's own systems and staff (an `adapter` or `oncall`
token, which names the organisation: the viewer):

    POST /timeline             → the viewer's timeline of a person, and the persons linked to it
    POST /timeline/conditions  → the measures and conditions that apply to the person today

Both take, in the body (never in a URL), one of `{"bsn": "..."}`, `{"given_name": "...",
"family_name": "...", "birth_date": "YYYY-MM-DD"}`, or `{"person": "p-..."}`: an id the viewer's
own timeline gave it for a linked person; and, optionally, `"by": "..."`: who at the token's
holder looks (the on-call console passes the person signed in with the desk's token). Each read is
written to the log of reads (by chain pseudonym, never the BSN; the reader as the token's name, after
who looked where `by` names them) before anything is read; when that fails, there is no answer (503).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from faststream.asgi.types import Receive, Scope, Send
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request

from gateway.access import IDENTITY_SCOPE_KEY, Identity
from gateway.audit.reads import AuditReadLog, ReadNotRecorded
from gateway.clock import Clock, now_utc
from gateway.http import respond
from gateway.logging import get_logger
from gateway.pseudonyms import chain_pseudonym, pseudonym_of_bsn
from gateway.schemas.audit_read import AuditRead
from gateway.schemas.persons import Person, check_bsn
from gateway.schemas.times import Day
from gateway.timeline.conditions import measures
from gateway.timeline.entries import Strength, person_id
from gateway.timeline.feed import UNAVAILABLE, TimelineFeed
from gateway.timeline.store import TimelineStore
from gateway.timeline.view import timeline

log = get_logger("timeline_api")

PATHS = ("/timeline", "/timeline/conditions")
BY_CHARS = 100  # who looks, as the console's sign-in takes a person's name
LOCAL = ZoneInfo("Europe/Amsterdam")  # a measure's days are Dutch calendar days
ASK = (
    'POST one of {"bsn": "<a valid BSN>"}, {"given_name": ..., "family_name": ..., "birth_date": '
    '"YYYY-MM-DD"} or {"person": "<an id your timeline gave>"}'
)


class BadRequest(ValueError):
    """The request is not one the API can answer; the message says what to send."""


class Asked(BaseModel):
    """Who the viewer asks about: one of the three ways."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    bsn: str | None = None
    given_name: str | None = Field(default=None, min_length=1, max_length=200)
    family_name: str | None = Field(default=None, min_length=1, max_length=200)
    birth_date: Day | None = None
    person: str | None = Field(default=None, pattern=r"^p-[0-9a-f]{32}$")
    by: str | None = Field(default=None, min_length=1, max_length=BY_CHARS)

    def reader(self, identity: Identity) -> str:
        """Who reads, for the log of reads: `Sanne de Boer (police on-call desk)` where the request
        names who at the token's holder looks, else the token's name."""
        return f"{self.by} ({identity.name})" if self.by else identity.name


class TimelineApi:
    def __init__(
        self, feed: TimelineFeed, pseudonym_key: bytes, reads: AuditReadLog, *, clock: Clock = now_utc
    ) -> None:
        """`clock` says which day it is for the conditions in force (tests move it)."""
        self.feed, self.key, self.reads, self.clock = feed, pseudonym_key, reads, clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        identity: Identity = scope[IDENTITY_SCOPE_KEY]
        viewer, path = identity.org, scope["path"]
        if viewer is None or path not in PATHS:
            await respond(send, 404, {"error": f"no such path: {', '.join(PATHS)}"})
            return
        try:
            asked = await _asked(Request(scope, receive))
        except BadRequest as error:
            await respond(send, 400, {"error": str(error)})
            return
        query = "conditions" if path.endswith("/conditions") else "timeline"
        try:
            status, shown = await self.read(identity, viewer, asked, query)
        except UNAVAILABLE as error:
            log.error("timeline_not_readable", org=viewer, error=repr(error))
            await respond(send, 503, {"error": "the timeline cannot be read from Kafka now; try again"})
            return
        if status == 200:
            count = len(shown.get("entries", shown.get("measures", [])))
            log.info("timeline_read", org=viewer, reader=identity.name, query=query, shown=count)
        await respond(send, status, shown)

    async def read(
        self, identity: Identity, viewer: str, asked: Asked, query: str
    ) -> tuple[int, dict[str, Any]]:
        """The answer, once the read is recorded in the log of reads; 503 when it cannot be."""
        async with self.feed.current() as store:
            subject = _subject(store, viewer, asked, self.key)
            if subject is None:
                return 404, {"error": "no person with that id in your timeline"}
            read = AuditRead(reader=asked.reader(identity), role=identity.role.value, channel="api",
                             query=query, subject=subject[0], org=viewer)  # fmt: skip
            try:
                await self.reads.record(read)
            except ReadNotRecorded as error:
                log.error("timeline_read_not_recorded", org=viewer, error=repr(error))
                return 503, {"error": "the read could not be recorded, so it is not answered"}
            return 200, answer(store, viewer, subject, query, self.key, self.today())

    def today(self) -> date:
        return self.clock().astimezone(LOCAL).date()


def answer(
    store: TimelineStore, viewer: str, subject: tuple[str, Strength], query: str, key: bytes, today: date
) -> dict[str, Any]:
    """The viewer's timeline of the person (`query` timeline), or the measures that apply to the
    person `today` (`query` conditions), from what the store holds of the viewer's."""
    keys: Mapping[str, Strength] = store.keys(viewer, *subject)
    shown = timeline(store.found(viewer, keys), viewer, keys, key, person_id(key, viewer, subject[0]))
    if query == "timeline":
        return shown
    return {
        "viewer": viewer,
        "person": shown["person"],
        "today": today.isoformat(),
        "measures": measures(shown["entries"], today),
    }


async def _asked(request: Request) -> Asked:
    if request.method != "POST":
        raise BadRequest(f"{ASK}: a BSN or a name never goes in a URL")
    try:
        asked = Asked.model_validate(orjson.loads(await request.body()))
    except (ValueError, ValidationError) as error:  # orjson's JSONDecodeError is a ValueError too
        raise BadRequest(f"{ASK}: {_first_problem(error)}") from None
    named = (asked.given_name, asked.family_name, asked.birth_date)
    ways = [asked.bsn is not None, any(v is not None for v in named), asked.person is not None]
    if sum(ways) != 1 or (ways[1] and not all(v is not None for v in named)):
        raise BadRequest(f"{ASK}: exactly one of them, whole")
    if asked.by is not None and (not asked.by.strip() or not asked.by.isprintable()):
        raise BadRequest(f"{ASK}: by is who looks, a name of printable characters")
    if asked.bsn is not None:
        try:
            check_bsn(asked.bsn)
        except ValueError as error:
            raise BadRequest(f"{ASK}: {error}") from None
    return asked


def _first_problem(error: Exception) -> str:
    if isinstance(error, ValidationError):
        problem = error.errors()[0]
        where = ".".join(str(part) for part in problem["loc"]) or "(body)"
        return f"{where}: {problem['msg']}"
    return "the body is not a JSON object"


def _subject(store: TimelineStore, viewer: str, asked: Asked, key: bytes) -> tuple[str, Strength] | None:
    """The chain pseudonym the viewer asks about, and of which kind; None for a person id the
    viewer was never given."""
    if asked.bsn is not None:
        return pseudonym_of_bsn(asked.bsn, key), "bsn"
    if asked.person is not None:
        return store.person(viewer, asked.person)
    assert asked.given_name and asked.family_name and asked.birth_date
    person = Person(given_name=asked.given_name, family_name=asked.family_name, birth_date=asked.birth_date)
    return chain_pseudonym(person, key), "name_birth_date"
