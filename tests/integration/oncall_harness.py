"""What the on-call tests (and bench/alerts.py) run against: the gateway and the on-call service on
the real Kafka and OPA, with real receivers for its channels: an HTTP server taking the webhook, a
real SMTP server (aiosmtpd) taking the mail, and the console served over HTTP by uvicorn.

Alerts from earlier runs on a shared stack are closed when a service starts here, so that only the
alerts a test raises are delivered and escalated while it runs.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import orjson
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.access import Identity, Role, TokenStore
from gateway.clock import Clock, now_utc
from gateway.settings import Settings
from oncall.app import create_oncall_app
from oncall.config import OnCallConfig, SmtpConfig, WebhookConfig
from oncall.lifecycle import Alert
from oncall.service import OnCallService
from tests.integration.kafka_helpers import send_once
from tests.integration.serving import served
from tests.integration.test_first_slice import running_gateway
from tools.contracts.examples import examples
from tools.stack import Endpoints
from tools.stack.process import LOOPBACK, free_ports

T = TypeVar("T")
WEBHOOK_SECRET_ENV = "KETENPOORT_TEST_ALERT_WEBHOOK_SECRET"
WEBHOOK_SECRET = "fictional-webhook-secret"


async def eventually(find: Callable[[], T | None], timeout_s: float, what: str) -> T:
    """`find()` once it gives something, polling; AssertionError naming `what` after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = find()
        if found is not None and found != []:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {timeout_s} s")
        await asyncio.sleep(0.02)


async def alerts_of(service: OnCallService, sent: UUID, count: int) -> dict[str, Alert]:
    """The alerts raised for a signal, by organisation, once `count` of them are delivered."""

    def find() -> dict[str, Alert] | None:
        found = {a.org: a for a in service.book.alerts.values() if a.signal_id == sent}
        return found if len(found) >= count and all(a.delivered for a in found.values()) else None

    return await eventually(find, 30.0, f"{count} delivered alerts of signal {sent}")


async def known(service: OnCallService, *obligation_ids: UUID) -> None:
    """Once the service holds these obligations open, with what their organisations may see."""

    def found() -> bool | None:
        book, content = service.obligations.book.by_id, service.obligations.content
        return True if all(o in book and o in content for o in obligation_ids) else None

    await eventually(found, 20.0, f"obligations {', '.join(map(str, obligation_ids))} in the on-call service")


@dataclass(frozen=True)
class Hook:
    headers: dict[str, str]
    raw: bytes
    at: float  # time.monotonic() when it arrived

    @property
    def body(self) -> dict[str, Any]:
        parsed: dict[str, Any] = orjson.loads(self.raw)
        return parsed


@dataclass
class WebhookReceiver:
    """An organisation's system taking alerts: answers `status` and keeps what it was sent."""

    received: list[Hook] = field(default_factory=list)
    status: int = 200
    url: str = ""

    async def take(self, request: Request) -> Response:
        self.received.append(Hook(dict(request.headers), await request.body(), time.monotonic()))
        return Response(status_code=self.status)

    def about(self, alert_id: UUID | str) -> list[Hook]:
        return [hook for hook in self.received if hook.body.get("alert_id") == str(alert_id)]

    @asynccontextmanager
    async def running(self) -> AsyncIterator[WebhookReceiver]:
        app = Starlette(routes=[Route("/alerts", self.take, methods=["POST"])])
        async with served(app, free_ports(1)[0]) as base:
            self.url = f"{base}/alerts"
            yield self


@dataclass
class Mailbox:
    """A real SMTP server on 127.0.0.1 keeping every message (in its own thread, as aiosmtpd runs)."""

    messages: list[tuple[float, EmailMessage]] = field(default_factory=list)
    port: int = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        message = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append((time.monotonic(), message))
        return "250 OK"

    def about(self, alert_id: UUID | str) -> list[EmailMessage]:
        return [m for _, m in self.messages if m["X-Ketenpoort-Alert"] == str(alert_id)]

    @asynccontextmanager
    async def running(self) -> AsyncIterator[Mailbox]:
        self.port = free_ports(1)[0]
        controller = Controller(self, hostname=LOOPBACK, port=self.port)
        controller.start()
        try:
            yield self
        finally:
            controller.stop()


def quick_config(mailbox: Mailbox, webhook: WebhookReceiver, *, p1_s: int = 2, p2_s: int = 4) -> OnCallConfig:
    """The default rosters, quick deadlines, the mailbox as mail server, the receiver as the police's
    and probation's webhook."""
    default = OnCallConfig.load()
    hook = WebhookConfig(url=webhook.url, secret_env=WEBHOOK_SECRET_ENV)
    organisations = {
        org: entry.model_copy(update={"webhook": hook}) if org in ("police", "3ro") else entry
        for org, entry in default.organisations.items()
    }
    return default.model_copy(
        update={
            "deadlines_s": {"p1": p1_s, "p2": p2_s},
            "smtp": SmtpConfig(host=LOOPBACK, port=mailbox.port, sender="alerts@ketenpoort.test"),
            "organisations": organisations,
        }
    )


def quiet_config() -> OnCallConfig:
    """The default rosters with no mail server and no webhooks: the console is the only channel."""
    default = OnCallConfig.load()
    return default.model_copy(
        update={
            "smtp": None,
            "organisations": {
                org: entry.model_copy(update={"webhook": None})
                for org, entry in default.organisations.items()
            },
        }
    )


def oncall_token(settings: Settings, org: str, name: str | None = None) -> str:
    """A new on-call token of `org`, in the settings' token file."""
    path = settings.tokens_path()
    identity = Identity(name=name or f"{org} on-call desk", role=Role.ONCALL, org=org)
    return TokenStore.load(path).issue(identity, path)


@dataclass
class MovableClock:
    """The time a service reads, moved on by a test: real time plus however far it was moved."""

    ahead: timedelta = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.ahead

    def move_to(self, moment: datetime) -> None:
        """On to `moment` (never back)."""
        self.ahead = max(self.ahead, moment - datetime.now(UTC))


@asynccontextmanager
async def oncall_running(
    settings: Settings,
    stack: Endpoints,
    config: OnCallConfig,
    *,
    close_before: datetime | None = None,
    clock: Clock = now_utc,
) -> AsyncIterator[tuple[OnCallService, str]]:
    """The on-call service and its console, logged in to Kafka as `oncall`; yields (service, base
    URL). Open alerts raised before `close_before` (by default: before it started) are closed first."""
    cutoff = close_before or datetime.now(UTC) - timedelta(seconds=1)
    app = create_oncall_app(settings, stack.kafka("oncall"), config, clock=clock)
    service: OnCallService = app.state.service
    async with served(app, free_ports(1)[0], lifespan="on") as base:
        earlier = [a for a in service.book.alerts.values() if a.open and a.raised_at < cutoff]
        if earlier:  # in one transaction: a shared stack may hold thousands
            await service.write(
                [service._event(a, "closed", by="test set-up", note="raised earlier") for a in earlier]
            )
        yield service, base


async def send_breach(settings: Settings, stack: Endpoints) -> UUID:
    """Probation's example breach of conditions (severity high), sent as 3RO; its signal id."""
    case = next(c for c in examples() if c.signal.name == "breach_of_conditions")
    key = settings.pseudonym_key.get_secret_value().encode()
    return await send_once(stack, case.sender, case.signal, key)


@pytest.fixture
def oncall_settings(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The session's settings with a token file of the test's own, and the webhook secret set."""
    monkeypatch.setenv(WEBHOOK_SECRET_ENV, WEBHOOK_SECRET)
    return settings.model_copy(update={"api_tokens_file": tmp_path / "tokens.json"})


@pytest.fixture
async def channels() -> AsyncIterator[tuple[Mailbox, WebhookReceiver]]:
    """A real SMTP server and a webhook receiver, for the on-call service's channels."""
    async with Mailbox().running() as mailbox, WebhookReceiver().running() as webhook:
        yield mailbox, webhook


@dataclass
class Alerting:
    """What an on-call test works with: the gateway running (it raises the alerts), the channels'
    receivers, and how to start the on-call service, send a breach and issue a token."""

    settings: Settings
    stack: Endpoints
    mailbox: Mailbox
    webhook: WebhookReceiver

    def config(self, *, p1_s: int = 2, p2_s: int = 4) -> OnCallConfig:
        return quick_config(self.mailbox, self.webhook, p1_s=p1_s, p2_s=p2_s)

    def running(
        self, config: OnCallConfig, *, close_before: datetime | None = None, clock: Clock = now_utc
    ) -> AbstractAsyncContextManager[tuple[OnCallService, str]]:
        return oncall_running(self.settings, self.stack, config, close_before=close_before, clock=clock)

    async def breach(self) -> UUID:
        return await send_breach(self.settings, self.stack)

    def token(self, org: str, name: str | None = None) -> str:
        return oncall_token(self.settings, org, name)


@pytest.fixture
async def alerting(
    oncall_settings: Settings, stack: Endpoints, channels: tuple[Mailbox, WebhookReceiver]
) -> AsyncIterator[Alerting]:
    async with running_gateway(oncall_settings, stack, stack.opa_url):
        yield Alerting(oncall_settings, stack, *channels)
