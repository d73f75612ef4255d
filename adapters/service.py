"""An organisation's adapter as a service (`ketenpoort adapter <org> serve`): HTTP ingest for the
organisation's systems, and delivery of its inbox, in one process logged in to Kafka as the
organisation.

    POST /adapters/<org>/records   the export as-is (Content-Type: the adapter's media type),
                                   bearer token of role `adapter` for <org>; answers the summary
    GET  /health/live, /health/ready

Every route is behind the door of gateway/http.py: ASCII headers, and a body of at most
`MAX_BODY_BYTES` for the export (none for health); an export of more than `MAX_RECORDS` records is
refused whole, so one request cannot keep the service busy for minutes.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from pathlib import Path

from faststream.asgi.types import ASGIApp, Receive, Scope, Send
from starlette.datastructures import Headers

from adapters.delivery import InboxDelivery
from adapters.exports import Adapter
from adapters.ingest import Ingest
from gateway.access import IDENTITY_SCOPE_KEY, Identity, RequireRole, Role
from gateway.http import NO_BODY, Door, MiB, body_of, respond
from gateway.logging import get_logger

log = get_logger("adapter_service")

MAX_BODY_BYTES = 16 * MiB
MAX_RECORDS = 10_000


class IngestEndpoint:
    """`POST /adapters/<org>/records`, behind RequireRole(adapter): only the organisation's own."""

    def __init__(self, adapter: Adapter, ingest: Ingest) -> None:
        self.adapter, self.ingest = adapter, ingest

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        identity: Identity = scope[IDENTITY_SCOPE_KEY]
        if identity.org != self.adapter.org:
            await respond(
                send, 403, {"error": f"an adapter token of {identity.org} cannot send for {self.adapter.org}"}
            )
            return
        if scope["method"] != "POST":
            await respond(send, 405, {"error": "POST the export"})
            return
        media_type = Headers(scope=scope).get("content-type", "").partition(";")[0].strip().lower()
        if media_type != self.adapter.media_type:
            await respond(send, 415, {"error": f"send Content-Type: {self.adapter.media_type}"})
            return
        body = await body_of(receive)
        if body is None:
            return  # the client went away: nothing of a part of an export is sent
        records = self.adapter.read(body, max_records=MAX_RECORDS)
        summary = await self.ingest.send(records, source=f"http:{identity.name}")
        log.info(
            "records_ingested",
            org=self.adapter.org,
            sent=summary.sent,
            skipped=summary.skipped,
            rejected=len(summary.rejected),
        )
        await respond(send, 200, summary.as_json())


class AdapterService:
    """The ASGI app: routes, and the Kafka producer and inbox delivery started with its lifespan."""

    def __init__(
        self, adapter: Adapter, ingest: Ingest, delivery: InboxDelivery | None, tokens: Path
    ) -> None:
        self.adapter, self.ingest, self.delivery = adapter, ingest, delivery
        self.records_path = f"/adapters/{adapter.org}/records"
        ingest_records = RequireRole(IngestEndpoint(adapter, ingest), tokens, frozenset({Role.ADAPTER}))
        self.routes: dict[str, ASGIApp] = {
            self.records_path: Door(ingest_records, max_body=MAX_BODY_BYTES),
            "/health/live": Door(self.live, max_body=NO_BODY),
            "/health/ready": Door(self.readiness, max_body=NO_BODY),
        }
        self.ready = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.lifespan(receive, send)
        elif scope["type"] == "http" and scope["path"] in self.routes:
            await self.routes[scope["path"]](scope, receive, send)
        else:
            await respond(send, 404, {"error": f"no such path; records go to {self.records_path}"})

    async def live(self, scope: Scope, receive: Receive, send: Send) -> None:
        await respond(send, 200, {"live": True})

    async def readiness(self, scope: Scope, receive: Receive, send: Send) -> None:
        await respond(send, 200 if self.ready else 503, {"ready": self.ready})

    async def lifespan(self, receive: Receive, send: Send) -> None:
        async with AsyncExitStack() as running:
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    try:
                        await running.enter_async_context(self.ingest)
                        if self.delivery is not None:
                            await self.delivery.start()
                            running.push_async_callback(self.delivery.stop)
                    except Exception as error:  # reported to the server, which exits
                        await send({"type": "lifespan.startup.failed", "message": repr(error)})
                        return
                    self.ready = True
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    self.ready = False
                    await running.aclose()  # delivery first, then the producer
                    await send({"type": "lifespan.shutdown.complete"})
                    return
