"""An organisation's adapter as a service (`ketenpoort adapter <org> serve`): HTTP ingest for the
organisation's systems, and delivery of its inbox, in one process logged in to Kafka as the
organisation.

    POST /adapters/<org>/records   the export as-is (Content-Type: the adapter's media type),
                                   bearer token of role `adapter` for <org>; answers the summary
    GET  /health/live, /health/ready
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from pathlib import Path

from faststream.asgi.types import Receive, Scope, Send

from adapters.delivery import InboxDelivery
from adapters.ingest import Ingest
from adapters.kit import Adapter
from gateway.access import IDENTITY_SCOPE_KEY, Identity, RequireRole, Role
from gateway.http import read_body, respond
from gateway.logging import get_logger

log = get_logger("adapter_service")

MAX_BODY_BYTES = 16 * 1024 * 1024


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
        headers = {key.decode().lower(): value.decode() for key, value in scope.get("headers", [])}
        media_type = headers.get("content-type", "").split(";")[0].strip()
        if media_type != self.adapter.media_type:
            await respond(send, 415, {"error": f"send Content-Type: {self.adapter.media_type}"})
            return
        body = await read_body(receive, MAX_BODY_BYTES)
        if body is None:
            await respond(send, 413, {"error": f"at most {MAX_BODY_BYTES // (1024 * 1024)} MiB per request"})
            return
        summary = await self.ingest.ingest(body, source=f"http:{identity.name}")
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
        self.endpoint = RequireRole(IngestEndpoint(adapter, ingest), tokens, frozenset({Role.ADAPTER}))
        self.ready = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.lifespan(receive, send)
        elif scope["path"] == self.records_path:
            await self.endpoint(scope, receive, send)
        elif scope["path"] == "/health/live":
            await respond(send, 200, {"live": True})
        elif scope["path"] == "/health/ready":
            await respond(send, 200 if self.ready else 503, {"ready": self.ready})
        else:
            await respond(send, 404, {"error": f"no such path; records go to {self.records_path}"})

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
