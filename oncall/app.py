"""The on-call service as an ASGI app: the service (oncall/service.py) running in its
lifespan, the console and its API (oncall/console.py), and health endpoints.

Channels come from the configuration: e-mail when it names a mail server, and a webhook for each
organisation that has one. The service connects to Kafka as the `oncall` principal; the console's
person pages ask the gateway's case timeline at `KETENPOORT_API_URL`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gateway.clock import Clock, now_utc
from gateway.http import route
from gateway.kafka import KafkaConnection
from gateway.settings import Settings
from gateway.webhook import SignedWebhook
from oncall.channels import Channel
from oncall.config import OnCallConfig
from oncall.console import Console
from oncall.email import EmailChannel
from oncall.person_pages import TimelineClient
from oncall.service import OnCallService
from oncall.webhook import WebhookChannel


def channels_of(config: OnCallConfig) -> tuple[list[Channel], dict[str, list[Channel]]]:
    """(channels for every organisation, each organisation's own)."""
    common: list[Channel] = []
    if config.smtp is not None:
        smtp = config.smtp
        password = smtp.password()
        common.append(EmailChannel(smtp.host, smtp.port, smtp.sender, username=smtp.username,
                                   password=password, starttls=smtp.starttls))  # fmt: skip
    own: dict[str, list[Channel]] = {
        org: [WebhookChannel(SignedWebhook(entry.webhook.url, entry.webhook.secret()))]
        for org, entry in config.organisations.items()
        if entry.webhook is not None
    }
    return common, own


def create_oncall_app(
    settings: Settings, kafka: KafkaConnection, config: OnCallConfig, *, clock: Clock = now_utc
) -> Starlette:
    """`clock` is the time the service's timers read (tests move it through weeks)."""
    common, own = channels_of(config)
    service = OnCallService(kafka, config, common, org_channels=own, clock=clock)
    timeline = TimelineClient(settings.api_url)
    console = Console(
        service, settings.tokens_path(), secure_cookie=settings.console_secure_cookie, timeline=timeline
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await service.start()
        try:
            yield
        finally:
            await service.stop()
            await timeline.close()
            for channel in (c for channels in own.values() for c in channels):
                if isinstance(channel, WebhookChannel):
                    await channel.close()

    async def live(request: Request) -> JSONResponse:
        return JSONResponse({"live": True})

    async def ready(request: Request) -> JSONResponse:
        return JSONResponse({"ready": service.ready}, status_code=200 if service.ready else 503)

    async def no_icon(request: Request) -> Response:
        return Response(status_code=204)  # browsers ask; the console has none

    async def not_found(request: Request, error: Exception) -> JSONResponse:
        return JSONResponse({"error": "no such path; the console is at /console"}, status_code=404)

    app = Starlette(
        routes=[
            route("/health/live", live, "GET"),
            route("/health/ready", ready, "GET"),
            route("/favicon.ico", no_icon, "GET"),
            *console.routes(),
        ],
        lifespan=lifespan,
        exception_handlers={404: not_found},
    )
    app.state.service = service
    return app
