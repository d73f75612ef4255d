"""The console's API without Kafka: who may sign in, what a session may see and do, and that a
change needs the session's CSRF token. The service records its events to a stand-in producer here;
tests/integration/test_oncall.py and test_console_browser.py run the same against the real broker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import orjson
import pytest
from aiokafka.errors import KafkaConnectionError
from starlette.applications import Starlette

from gateway.access import Identity, Role, TokenStore
from gateway.alerts.config import OnCallConfig
from gateway.alerts.console import COOKIE, Console
from gateway.alerts.lifecycle import AlertEvent
from gateway.alerts.service import OnCallService
from gateway.kafka import KafkaConnection
from gateway.topics import ALERTS


class Recorder:
    """Stands in for the transactional producer: keeps what the service writes."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, bytes]] = []

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        yield

    async def send(self, topic: str, value: bytes, key: bytes) -> None:
        self.sent.append((topic, key, value))


def raise_alert(service: OnCallService, org: str) -> UUID:
    event = AlertEvent(
        alert_id=uuid4(), kind="raised", at=datetime.now(UTC), org=org, priority="p1", signal_id=uuid4(),
        tier="primary", signal_type="breach_of_conditions", sender="3ro", reason="act now",
        content={"conditions": ["contact ban"]},
    )  # fmt: skip
    service.book.apply(event)
    return event.alert_id


@pytest.fixture
def tokens(tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "tokens.json"
    store = TokenStore.load(path)
    return {
        "police": store.issue(Identity(name="police desk", role=Role.ONCALL, org="police"), path),
        "om": store.issue(Identity(name="om desk", role=Role.ONCALL, org="om"), path),
        "adapter": store.issue(Identity(name="police adapter", role=Role.ADAPTER, org="police"), path),
    }


@pytest.fixture
def service() -> OnCallService:
    service = OnCallService(KafkaConnection(bootstrap="127.0.0.1:9"), OnCallConfig.load())
    service._producer = Recorder()  # type: ignore[assignment]
    return service


@pytest.fixture
async def client(
    service: OnCallService, tokens: dict[str, str], tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    app = Starlette(routes=Console(service, tmp_path / "tokens.json").routes())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        yield client


async def sign_in(client: httpx.AsyncClient, token: str) -> dict[str, Any]:
    answer = await client.post("/console/api/session", content=orjson.dumps({"token": token}))
    assert answer.status_code == 200, answer.text
    me: dict[str, Any] = answer.json()
    return me


async def test_only_an_on_call_token_signs_in(client: httpx.AsyncClient, tokens: dict[str, str]) -> None:
    assert (await client.post("/console/api/session", content=b'{"token": "guess"}')).status_code == 401
    assert (
        await client.post("/console/api/session", content=orjson.dumps({"token": tokens["adapter"]}))
    ).status_code == 403
    assert (await client.post("/console/api/session", content=b"not json")).status_code == 400
    assert (await client.get("/console/api/me")).status_code == 401
    me = await sign_in(client, tokens["police"])
    assert (me["name"], me["org"]) == ("police desk", "police")
    cookie = client.cookies.get(COOKIE)
    assert cookie and cookie not in orjson.dumps(me).decode()  # the session id is in the cookie only
    assert (await client.get("/console/api/me")).json() == me


async def test_a_session_sees_only_its_own_organisations_alerts(
    client: httpx.AsyncClient, service: OnCallService, tokens: dict[str, str]
) -> None:
    mine, theirs = raise_alert(service, "police"), raise_alert(service, "om")
    await sign_in(client, tokens["police"])
    listed = (await client.get("/console/api/alerts")).json()
    assert [a["alert_id"] for a in listed["open"]] == [str(mine)] and listed["history"] == []
    assert listed["open"][0]["content"] == {"conditions": ["contact ban"]}
    me = (await client.get("/console/api/me")).json()
    refused = await client.post(
        f"/console/api/alerts/{theirs}/acknowledge", headers={"X-CSRF-Token": me["csrf"]}
    )
    assert refused.status_code == 404
    assert service.book.alerts[theirs].open


async def test_acknowledging_needs_the_csrf_token_and_is_recorded_before_it_shows(
    client: httpx.AsyncClient, service: OnCallService, tokens: dict[str, str]
) -> None:
    alert_id = raise_alert(service, "police")
    csrf = (await sign_in(client, tokens["police"]))["csrf"]
    path = f"/console/api/alerts/{alert_id}/acknowledge"
    assert (await client.post(path)).status_code == 403
    assert (await client.post(path, headers={"X-CSRF-Token": "forged"})).status_code == 403
    answer = await client.post(path, headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 200
    assert (answer.json()["status"], answer.json()["acknowledged_by"]) == ("acknowledged", "police desk")
    recorded = service._producer.sent  # type: ignore[union-attr]
    ((topic, key, value),) = recorded
    assert (topic, key) == (ALERTS, str(alert_id).encode())
    assert orjson.loads(value)["kind"] == "acknowledged"
    assert (await client.post(path, headers={"X-CSRF-Token": csrf})).status_code == 200  # again: no new event
    assert len(recorded) == 1


async def test_closing_needs_a_note_and_moves_the_alert_to_the_history(
    client: httpx.AsyncClient, service: OnCallService, tokens: dict[str, str]
) -> None:
    alert_id = raise_alert(service, "police")
    csrf = {"X-CSRF-Token": (await sign_in(client, tokens["police"]))["csrf"]}
    path = f"/console/api/alerts/{alert_id}/close"
    assert (await client.post(path, headers=csrf, content=b'{"note": "  "}')).status_code == 400
    closed = await client.post(path, headers=csrf, content=b'{"note": "unit sent"}')
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    listed = (await client.get("/console/api/alerts")).json()
    assert listed["open"] == [] and [a["alert_id"] for a in listed["history"]] == [str(alert_id)]
    ack = await client.post(f"/console/api/alerts/{alert_id}/acknowledge", headers=csrf)
    assert ack.status_code == 409


async def test_a_bearer_token_serves_the_organisations_own_systems(
    client: httpx.AsyncClient, service: OnCallService, tokens: dict[str, str]
) -> None:
    alert_id = raise_alert(service, "police")
    bearer = {"Authorization": f"Bearer {tokens['police']}"}
    answer = await client.post(f"/console/api/alerts/{alert_id}/acknowledge", headers=bearer)
    assert answer.status_code == 200 and answer.json()["acknowledged_by"] == "police desk"
    adapter = {"Authorization": f"Bearer {tokens['adapter']}"}
    assert (await client.get("/console/api/alerts", headers=adapter)).status_code == 403


async def test_signing_out_ends_the_session(client: httpx.AsyncClient, tokens: dict[str, str]) -> None:
    csrf = (await sign_in(client, tokens["police"]))["csrf"]
    assert (await client.delete("/console/api/session", headers={"X-CSRF-Token": csrf})).status_code == 204
    assert (await client.get("/console/api/alerts")).status_code == 401


async def test_the_page_loads_nothing_from_elsewhere(client: httpx.AsyncClient) -> None:
    page = await client.get("/console")
    assert page.status_code == 200 and "default-src 'self'" in page.headers["content-security-policy"]
    for asset in ("console.js", "console.css"):
        assert (await client.get(f"/console/{asset}")).status_code == 200
        assert f"/console/{asset}" in page.text
    assert "http" not in page.text.replace("http-equiv", "")
    assert (await client.get("/console/secrets.txt")).status_code == 404


async def test_an_action_that_cannot_be_recorded_changes_nothing(
    client: httpx.AsyncClient, service: OnCallService, tokens: dict[str, str]
) -> None:
    class Down(Recorder):
        async def send(self, topic: str, value: bytes, key: bytes) -> None:
            raise KafkaConnectionError("broker down")

    service._producer = Down()  # type: ignore[assignment]
    alert_id = raise_alert(service, "police")
    csrf = (await sign_in(client, tokens["police"]))["csrf"]
    answer = await client.post(f"/console/api/alerts/{alert_id}/acknowledge", headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 503 and "nothing changed" in answer.json()["error"]
    assert service.book.alerts[alert_id].open
