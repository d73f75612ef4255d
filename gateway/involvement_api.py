"""Looking up a person's involvements, for an organisation (`adapter` or `oncall` token):

    GET  /involvements?bsn=...      (as the issue of record names it; the BSN is masked in logs)
    POST /involvements  {"bsn": ...}  (preferred: keeps the BSN out of URLs, proxies and histories)

The answer names the organisations involved with the person, their role, since when (and until
when, if closed), and whom to call; never case content. Which involvements the requester sees is
a policy decision, the same as for a match notice: what the sharing policy for
`involvement_opened` grants a partner involved with the person. Each lookup, with what it showed,
is written to the log of reads before it is answered; if that fails, it is not answered (503).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from faststream.asgi.types import Receive, Scope, Send
from starlette.requests import Request

from gateway.access import IDENTITY_SCOPE_KEY, Identity
from gateway.audit.reads import AuditReadLog, ReadNotRecorded
from gateway.decision_cache import DecisionCache
from gateway.decisions import DecisionError, Level
from gateway.http import respond
from gateway.involvements import InvolvementIndex
from gateway.logging import get_logger
from gateway.matches import may_learn
from gateway.pseudonyms import pseudonym_of_bsn
from gateway.schemas.audit_read import AuditRead
from gateway.schemas.chain_involvement import Involvement
from gateway.schemas.persons import check_bsn

log = get_logger("involvement_api")


class LookupApi:
    def __init__(
        self,
        index: Callable[[], InvolvementIndex | None],
        decisions: DecisionCache,
        pseudonym_key: bytes,
        reads: AuditReadLog,
    ) -> None:
        """`index` gives the involvement index once the gateway has loaded it, None before."""
        self.index, self.decisions, self.pseudonym_key, self.reads = index, decisions, pseudonym_key, reads

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        identity: Identity = scope[IDENTITY_SCOPE_KEY]
        request = Request(scope, receive)
        bsn = await _bsn(request)
        if bsn is None:
            await respond(send, 400, {"error": 'give a valid BSN: POST {"bsn": "..."} (or GET ?bsn=...)'})
            return
        index = self.index()
        if index is None or identity.org is None:
            await respond(send, 503, {"error": "the involvement index is not loaded yet"})
            return
        pseudonym = pseudonym_of_bsn(bsn, self.pseudonym_key)
        try:
            shown = await self.visible(identity.org, index.of([pseudonym]))
        except DecisionError as error:
            await respond(send, 503, {"error": f"policy cannot be asked: {error}"})  # fail closed
            return
        read = AuditRead(
            reader=identity.name,
            role=identity.role.value,
            channel="api",
            query="involvements",
            subject=pseudonym,
            org=identity.org,
            shown=[inv.org for inv in shown],
        )
        try:
            await self.reads.record(read)
        except ReadNotRecorded as error:
            log.error("lookup_not_recorded", org=identity.org, error=repr(error))
            await respond(send, 503, {"error": "the lookup could not be recorded, so it is not answered"})
            return
        log.info("involvements_looked_up", org=identity.org, reader=identity.name, shown=len(shown))
        await respond(send, 200, {"subject": pseudonym, "involvements": [describe(inv) for inv in shown]})

    async def visible(self, requester: str, involvements: list[Involvement]) -> list[Involvement]:
        """The involvements the requester may learn of: its own, and what policy grants it."""
        shown = []
        for involvement in involvements:
            if involvement.org == requester:
                shown.append(involvement)
                continue
            _, decision = await may_learn(self.decisions, requester, involvement)
            if decision.level is not Level.NONE:
                shown.append(involvement)
        return shown


def describe(involvement: Involvement) -> dict[str, Any]:
    """dat-informatie only: who, in which role, since when, until when, whom to call."""
    return {
        "organisation": involvement.org,
        "role": involvement.role,
        "since": involvement.since.isoformat(),
        "closed_on": involvement.closed_on.isoformat() if involvement.closed_on else None,
        "contact": involvement.contact.model_dump(mode="json") if involvement.contact else None,
        "match": involvement.strength,
    }


async def _bsn(request: Request) -> str | None:
    try:
        if request.method == "POST":
            body = orjson.loads(await request.body())
            bsn = body.get("bsn") if isinstance(body, dict) else None
        else:
            bsn = request.query_params.get("bsn")
        return check_bsn(bsn) if isinstance(bsn, str) else None
    except ValueError:  # orjson's JSONDecodeError is one too
        return None
