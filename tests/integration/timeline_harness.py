"""The gateway with its HTTP routes served on loopback in the test's event loop, logged in to the
real Kafka as `gateway` and asking the real OPA, for the case timeline's tests: an adapter token for
every organisation, a pseudonym key and a cache directory of the run's own, and a clock the test
moves (the day the conditions in force are for)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
from pydantic import SecretStr

from gateway.access import Identity, Role, TokenStore
from gateway.app import create_app
from gateway.clock import now_utc
from gateway.kafka import ensure_topics
from gateway.principals import Principals, provision
from gateway.settings import RECIPIENTS, Settings
from tests.integration.kafka_helpers import read_topic, skip_history
from tests.integration.serving import served
from tools.stack import Endpoints
from tools.stack.process import free_ports


@dataclass
class MovableClock:
    """The real time until a test sets `at`."""

    at: datetime | None = None

    def __call__(self) -> datetime:
        return self.at or now_utc()


@dataclass
class TimelineGateway:
    base: str
    settings: Settings
    tokens: dict[str, str]
    names: dict[str, str] = field(default_factory=dict)
    clock: MovableClock = field(default_factory=MovableClock)

    @property
    def key(self) -> bytes:
        return self.settings.pseudonym_key.get_secret_value().encode()

    def client(self, org: str) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {self.tokens[org]}"}
        return httpx.AsyncClient(base_url=self.base, headers=headers, timeout=60)

    async def ask(self, org: str, path: str, asked: dict[str, Any]) -> dict[str, Any]:
        """`org`'s answer at `path` (/timeline, /timeline/conditions) about the person `asked`."""
        async with self.client(org) as http:
            response = await http.post(path, json=asked)
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer


@asynccontextmanager
async def timeline_gateway(
    settings: Settings, stack: Endpoints, work: Path
) -> AsyncIterator[TimelineGateway]:
    run = uuid4().hex[:8]
    tokens_path = work / "tokens.json"
    names = {org: f"{org} system {run}" for org in RECIPIENTS}  # the log of reads outlives a test
    tokens = {
        org: TokenStore.load(tokens_path).issue(
            Identity(name=names[org], role=Role.ADAPTER, org=org), tokens_path
        )
        for org in RECIPIENTS
    }
    group = f"ketenpoort-gateway-test-timeline-{run}"
    # A pseudonym key of the run's own: to the involvement index the persons are new, as on a first
    # run; and a cache of its own, so the timeline's read model is built from the topics here.
    ours = settings.model_copy(
        update={
            "pseudonym_key": SecretStr(f"timeline-{run}"),
            "cache_dir": work / "cache",
            "api_tokens_file": tokens_path,
            "gateway_group_id": group,
            "policy_refresh_s": 0.2,
        }
    )
    # The cluster as gateway/principals.yaml says now (a local stack started before the gateway
    # could read the inboxes has not seen it), as `ketenpoort access provision` makes it.
    assert stack.credentials is not None, "provisioning needs the credentials file of the cluster"
    provision(stack.kafka("admin"), Principals.load(), stack.credentials)
    await ensure_topics(stack.kafka("admin"))
    await skip_history(stack.kafka("admin"), group)
    clock = MovableClock()
    app = create_app(ours, stack.kafka("gateway"), stack.opa_url, clock=clock)
    await app.start()
    try:
        async with served(app, free_ports(1)[0]) as base:
            yield TimelineGateway(base, ours, tokens, names, clock)
    finally:
        await app.stop()


async def audited(stack: Endpoints, signal_ids: set[str], timeout_s: float = 30.0) -> None:
    """Until the gateway has decided on every one of these signals (each leaves audit records, also
    where nobody is granted anything)."""

    def done(found: list[dict[str, Any]]) -> bool:
        return signal_ids <= {item.get("signal_id") for item in found}

    found = await read_topic(stack.kafka("admin"), "gateway.audit", until=done, timeout_s=timeout_s)
    assert done(found), f"the gateway did not handle {len(signal_ids)} signals within {timeout_s:.0f} s"
