"""The console's person pages without Kafka or a gateway: which person an alert or an obligation on
the due list names (only where the organisation received who they are), and how the request goes on
to the gateway's case timeline: with the organisation's own token, the person who signed in as who
looks, the person in the body and never in a URL. The gateway here is a stand-in that keeps what it
was asked; tests/integration/test_console_person_browser.py runs the same against the real one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import orjson
import pytest
from starlette.applications import Starlette

from gateway.access import Identity, Role, TokenStore
from gateway.kafka import KafkaConnection
from gateway.schemas.alert import AlertEvent
from gateway.schemas.obligation import ObligationContent, ObligationEvent
from oncall.config import OnCallConfig
from oncall.console import Console
from oncall.person_pages import TimelineClient, identifying
from oncall.service import OnCallService
from tests.unit.test_oncall_console import Recorder, sign_in

BSN = "111222333"  # Bram's: fictional, passes the 11-test
BRAM = {"bsn": BSN, "given_name": "Bram", "family_name": "Verhoef", "birth_date": "1990-04-12"}
LOTTE = {"given_name": "Lotte", "family_name": "Dekker", "birth_date": "1993-08-30"}
NOOR = {"given_name": "Noor", "birth_date": "2019-02-14"}  # no family name: not who she is
PERSON_ID = "p-" + "ab" * 16


class Gateway:
    """Stands in for the gateway's timeline API: answers `status`, keeps every request."""

    def __init__(self) -> None:
        self.asked: list[httpx.Request] = []
        self.status = 200

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.asked.append(request)
        if self.status != 200:
            return httpx.Response(self.status, json={"error": "no"})
        if request.url.path == "/timeline/conditions":
            return httpx.Response(200, json={"viewer": "police", "person": PERSON_ID, "measures": []})
        return httpx.Response(
            200, json={"viewer": "police", "person": PERSON_ID, "entries": [], "linked": []}
        )

    def bodies(self) -> list[dict[str, Any]]:
        return [orjson.loads(request.content) for request in self.asked]


def raise_alert(service: OnCallService, org: str, content: dict[str, Any]) -> UUID:
    event = AlertEvent(
        alert_id=uuid4(), kind="raised", at=datetime.now(UTC), org=org, priority="p1", signal_id=uuid4(),
        tier="primary", signal_type="breach_of_conditions", sender="3ro", reason="act now", content=content,
    )  # fmt: skip
    service.book.apply(event)
    return event.alert_id


def open_obligation(service: OnCallService, owner: str, content: dict[str, Any]) -> UUID:
    now = datetime.now(UTC)
    event = ObligationEvent(
        event_id=uuid4(), obligation_id=uuid4(), event="opened", at=now, kind="risk_screening", owner=owner,
        subject="kp-1a2b3c", opened_by=uuid4(), opened_at=now, due_at=now + timedelta(hours=24),
        remind_at=now + timedelta(hours=20), remind=[owner], tell_on_lapse=[],
        met_by=[{"type": "risk_assessment", "from": owner}], source="Landelijk samenwerkingsprotocol, stap 2",
    )  # fmt: skip
    service.obligations.apply(event)
    service.obligations.content[event.obligation_id] = ObligationContent(
        obligation_id=event.obligation_id, signal_type="new_report", sender=owner, content={owner: content}
    )
    return event.obligation_id


@pytest.fixture
def tokens(tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "tokens.json"
    return {
        "police": TokenStore.load(path).issue(
            Identity(name="police desk", role=Role.ONCALL, org="police"), path
        )
    }


@pytest.fixture
def gateway() -> Gateway:
    return Gateway()


@pytest.fixture
def service() -> OnCallService:
    service = OnCallService(KafkaConnection(bootstrap="127.0.0.1:9"), OnCallConfig.load())
    service._producer = Recorder()  # type: ignore[assignment]
    return service


@pytest.fixture
async def client(
    service: OnCallService, gateway: Gateway, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    timeline = TimelineClient(
        "http://gateway.test", httpx.AsyncClient(transport=httpx.MockTransport(gateway))
    )
    app = Starlette(routes=Console(service, tmp_path / "tokens.json", timeline=timeline).routes())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        yield client


async def signed_in(client: httpx.AsyncClient, token: str, person: str = "Sanne de Boer") -> dict[str, str]:
    answer = await client.post("/console/api/session", json={"token": token, "person": person})
    assert answer.status_code == 200, answer.text
    return {"X-CSRF-Token": answer.json()["csrf"]}


def test_a_slot_opens_a_person_only_by_what_was_received() -> None:
    content = {"suspect": BRAM, "victim": LOTTE, "children": [NOOR]}
    assert identifying(content, "suspect") == {"bsn": BSN}
    assert identifying(content, "victim") == LOTTE
    assert identifying(content, "children.0") is None  # a birth date and a given name: not enough
    assert identifying(content, "children.1") is None
    assert identifying({"suspect": {**BRAM, "bsn": "123456789"}}, "suspect") == {
        k: v for k, v in BRAM.items() if k != "bsn"
    }  # a BSN that fails the 11-test is no BSN
    assert identifying({"suspect": {"bsn": None, "given_name": "Bram"}}, "suspect") is None


async def test_an_alerts_person_is_asked_of_the_gateway_as_the_organisation_by_who_signed_in(
    client: httpx.AsyncClient, service: OnCallService, gateway: Gateway, tokens: dict[str, str]
) -> None:
    alert_id = raise_alert(service, "police", {"suspect": BRAM, "victim": LOTTE})
    csrf = await signed_in(client, tokens["police"])
    answer = await client.post(
        "/console/api/person", json={"alert": str(alert_id), "slot": "suspect"}, headers=csrf
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["timeline"]["person"] == PERSON_ID and answer.json()["conditions"]["measures"] == []
    assert [r.url.path for r in gateway.asked] == ["/timeline", "/timeline/conditions"]
    assert gateway.bodies() == [{"bsn": BSN, "by": "Sanne de Boer"}] * 2
    assert {r.headers["authorization"] for r in gateway.asked} == {f"Bearer {tokens['police']}"}
    assert not any(BSN in str(r.url) for r in gateway.asked)
    # The victim, received by name and birth date, is asked by those; a linked person by the id.
    await client.post("/console/api/person", json={"alert": str(alert_id), "slot": "victim"}, headers=csrf)
    await client.post("/console/api/person", json={"person": PERSON_ID}, headers=csrf)
    assert (
        gateway.bodies()[2:]
        == [{**LOTTE, "by": "Sanne de Boer"}] * 2 + [{"person": PERSON_ID, "by": "Sanne de Boer"}] * 2
    )


async def test_an_obligation_on_the_due_list_opens_its_person(
    client: httpx.AsyncClient, service: OnCallService, gateway: Gateway, tokens: dict[str, str]
) -> None:
    mine = open_obligation(service, "police", {"suspect": BRAM})
    theirs = open_obligation(service, "om", {"suspect": BRAM})
    csrf = await signed_in(client, tokens["police"])
    answer = await client.post(
        "/console/api/person", json={"obligation": str(mine), "slot": "suspect"}, headers=csrf
    )
    assert answer.status_code == 200 and gateway.bodies()[0]["bsn"] == BSN
    refused = await client.post(
        "/console/api/person", json={"obligation": str(theirs), "slot": "suspect"}, headers=csrf
    )
    assert (refused.status_code, refused.json()["code"]) == (404, "obligation_not_found")


async def test_nobody_is_opened_who_was_not_received_nor_from_anothers_alert(
    client: httpx.AsyncClient, service: OnCallService, gateway: Gateway, tokens: dict[str, str]
) -> None:
    mine = raise_alert(service, "police", {"suspect": BRAM, "children": [NOOR]})
    theirs = raise_alert(service, "om", {"suspect": BRAM})
    csrf = await signed_in(client, tokens["police"])

    async def ask(body: object) -> tuple[int, str]:
        answer = await client.post("/console/api/person", content=orjson.dumps(body), headers=csrf)
        return answer.status_code, answer.json()["code"]

    assert await ask({"alert": str(mine), "slot": "children.0"}) == (404, "person_not_received")
    assert await ask({"alert": str(theirs), "slot": "suspect"}) == (404, "alert_not_found")
    assert await ask({"alert": str(mine), "slot": "suspect.bsn"}) == (400, "person_asked")
    assert await ask({"bsn": BSN}) == (400, "person_asked")  # the page never asks by BSN
    assert await ask({"person": "p-1", "slot": "suspect"}) == (400, "person_asked")
    assert await ask({"alert": "not-an-id", "slot": "suspect"}) == (400, "person_asked")
    assert gateway.asked == []


async def test_a_read_needs_the_sessions_csrf_token_and_the_gateways_word(
    client: httpx.AsyncClient, service: OnCallService, gateway: Gateway, tokens: dict[str, str]
) -> None:
    alert_id = raise_alert(service, "police", {"suspect": BRAM})
    asked = {"alert": str(alert_id), "slot": "suspect"}
    csrf = await signed_in(client, tokens["police"])
    assert (await client.post("/console/api/person", json=asked)).status_code == 403
    assert (
        await client.post("/console/api/person", json=asked, headers={"X-CSRF-Token": "x"})
    ).status_code == 403
    assert gateway.asked == []
    for status, expected in [(404, (404, "person_not_found")), (503, (503, "timeline_unavailable")),
                             (401, (502, "gateway_refused"))]:  # fmt: skip
        gateway.status = status
        answer = await client.post("/console/api/person", json=asked, headers=csrf)
        assert (answer.status_code, answer.json()["code"]) == expected
        assert "timeline" not in answer.json()


async def test_an_unreachable_gateway_answers_nothing(
    service: OnCallService, tokens: dict[str, str], tmp_path: Path
) -> None:
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    timeline = TimelineClient(
        "http://gateway.test", httpx.AsyncClient(transport=httpx.MockTransport(unreachable))
    )
    app = Starlette(routes=Console(service, tmp_path / "tokens.json", timeline=timeline).routes())
    alert_id = raise_alert(service, "police", {"suspect": BRAM})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as http:
        csrf = {"X-CSRF-Token": (await sign_in(http, tokens["police"]))["csrf"]}
        answer = await http.post(
            "/console/api/person", json={"alert": str(alert_id), "slot": "suspect"}, headers=csrf
        )
    assert (answer.status_code, answer.json()["code"]) == (503, "gateway_unreachable")


async def test_a_bearer_asks_as_its_own_token(
    client: httpx.AsyncClient, service: OnCallService, gateway: Gateway, tokens: dict[str, str]
) -> None:
    alert_id = raise_alert(service, "police", {"suspect": BRAM})
    bearer = {"Authorization": f"Bearer {tokens['police']}"}
    answer = await client.post(
        "/console/api/person", json={"alert": str(alert_id), "slot": "suspect"}, headers=bearer
    )
    assert answer.status_code == 200
    assert gateway.bodies()[0] == {"bsn": BSN}  # no person signed in: the token's name is who looks
    assert gateway.asked[0].headers["authorization"] == f"Bearer {tokens['police']}"
