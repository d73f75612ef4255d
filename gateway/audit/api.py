"""The audit over HTTP, for privacy officers: what was shared about one person, what one
organisation received, and who read the audit.

Every request is recorded in the log of audit reads before it is answered; when that log cannot be
written, the answer is 503 and nothing is read (gateway/audit/reads.py). The BSN travels in a POST
body, never in a URL, so it cannot end up in an access log.

    POST /audit/subject     {"bsn": "..."}
    GET  /audit/recipient   ?org=3ro[&since=2026-01-01T00:00:00Z]
    GET  /audit/reads       [?since=...]
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from aiokafka.errors import KafkaError
from faststream.asgi.types import Receive, Scope, Send
from starlette.requests import Request

from gateway.access import IDENTITY_SCOPE_KEY, Identity
from gateway.audit.reads import AuditReadLog, ReadNotRecorded, audit_reads
from gateway.audit.records import summary
from gateway.audit.store import AuditStore
from gateway.http import respond
from gateway.kafka import KafkaConnection, cluster_id
from gateway.logging import get_logger
from gateway.pseudonyms import pseudonym_of_bsn
from gateway.schemas.audit_read import AuditRead
from gateway.schemas.persons import check_bsn
from gateway.settings import RECIPIENTS

log = get_logger("audit_api")

PATHS = ("/audit/subject", "/audit/recipient", "/audit/reads")


class BadRequest(ValueError):
    """The request is not one the API can answer; the message says why."""


class AuditApi:
    def __init__(
        self, kafka: KafkaConnection, store_dir: Path, pseudonym_key: bytes, reads: AuditReadLog
    ) -> None:
        self.kafka, self.store_dir, self.pseudonym_key, self.reads = kafka, store_dir, pseudonym_key, reads
        self._lock = asyncio.Lock()  # one catch-up of the read model at a time

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        identity: Identity = scope[IDENTITY_SCOPE_KEY]
        request = Request(scope, receive)
        try:
            read = await self.parse(scope["path"], request, identity)
        except BadRequest as error:
            await respond(send, 400, {"error": str(error)})
            return
        try:
            await self.reads.record(read)
        except ReadNotRecorded as error:
            log.error("audit_read_not_recorded", query=read.query, reader=read.reader, error=repr(error))
            await respond(
                send, 503, {"error": "the read could not be recorded in the audit log, so it is not answered"}
            )
            return
        log.info("audit_read", query=read.query, reader=read.reader, role=read.role)
        try:
            answer = await self.answer(read)
        except KafkaError as error:
            log.error("audit_not_readable", query=read.query, error=repr(error))
            await respond(send, 503, {"error": "the audit cannot be read from Kafka now; try again"})
            return
        await respond(send, 200, answer)

    async def parse(self, path: str, request: Request, identity: Identity) -> AuditRead:
        who = {"reader": identity.name, "role": identity.role.value, "channel": "api"}
        if path == "/audit/subject":
            if request.method != "POST":
                raise BadRequest('POST {"bsn": "..."}: a BSN never goes in a URL')
            return AuditRead(
                **who, query="subject", subject=pseudonym_of_bsn(await _bsn(request), self.pseudonym_key)
            )
        if request.method != "GET":
            raise BadRequest(f"{path} answers GET")
        since = _since(request)
        if path == "/audit/recipient":
            org = request.query_params.get("org", "")
            if org not in RECIPIENTS:
                raise BadRequest(f"org must be one of {', '.join(RECIPIENTS)}")
            return AuditRead(**who, query="recipient", recipient=org, since=since)
        return AuditRead(**who, query="reads", since=since)

    async def answer(self, read: AuditRead) -> dict[str, Any]:
        if read.query == "reads":
            reads = await audit_reads(self.kafka, read.since)
            return {"reads": [r.model_dump(mode="json") for r in reads]}
        async with self._lock:
            store = AuditStore(self.store_dir / f"{await cluster_id(self.kafka)}.gateway.sqlite")
            try:
                await store.catch_up(self.kafka)
                if read.query == "subject":
                    assert read.subject is not None
                    return {
                        "subject": read.subject,
                        "records": [summary(r) for r in store.about(read.subject)],
                    }
                assert read.recipient is not None
                return {
                    "recipient": read.recipient,
                    "records": [summary(r) for r in store.received_by(read.recipient, read.since)],
                }
            finally:
                store.close()


async def _bsn(request: Request) -> str:
    try:
        body = orjson.loads(await request.body())
        bsn = body.get("bsn") if isinstance(body, dict) else None
        if not isinstance(bsn, str):
            raise ValueError("no BSN as a string")
        return check_bsn(bsn)
    except ValueError as error:  # orjson's JSONDecodeError is one too
        raise BadRequest(f'the body must be {{"bsn": "<a valid BSN>"}}: {error}') from None


def _since(request: Request) -> datetime | None:
    raw = request.query_params.get("since")
    if raw is None:
        return None
    try:
        since = datetime.fromisoformat(raw)
    except ValueError:
        raise BadRequest(f"since must be an ISO 8601 moment, not {raw!r}") from None
    return since if since.tzinfo else since.replace(tzinfo=UTC)
