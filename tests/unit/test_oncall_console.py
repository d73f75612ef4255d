"""The console's API without Kafka: who may sign in, and from where; what a session may see and
do, and for how long (no longer than its token); that a change needs the session's CSRF token. The
service records its events to a stand-in producer here; tests/integration/test_oncall.py,
test_console_browser.py and test_http_doors.py run the same against the real broker."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import orjson
import pytest
from aiokafka.errors import KafkaConnectionError
from starlette.applications import Starlette

from gateway.access import Identity, Role, TokenStore
from gateway.kafka import KafkaConnection
from gateway.schemas.alert import AlertEvent
from gateway.settings import PARTNERS
from gateway.topics import ALERTS
from oncall.config import OnCallConfig
from oncall.console import CHECK_S, COOKIE, Console
from oncall.service import OnCallService


class Recorder:
    """Stands in for the transactional producer: keeps what the service writes."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, bytes]] = []

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        yield

    async def send(self, topic: str, value: bytes, key: bytes) -> None:
        self.sent.append((topic, key, value))


def remove_from_tokens_file(path: Path, name: str) -> None:
    """Revoke as an operator does: take the token out of the tokens file."""
    path.write_text(json.dumps([stored for stored in json.loads(path.read_text()) if stored["name"] != name]))


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


JSON = {"Content-Type": "application/json"}


async def sign_in(client: httpx.AsyncClient, token: str) -> dict[str, Any]:
    answer = await client.post("/console/api/session", json={"token": token})
    assert answer.status_code == 200, answer.text
    me: dict[str, Any] = answer.json()
    return me


async def test_only_an_on_call_token_signs_in(client: httpx.AsyncClient, tokens: dict[str, str]) -> None:
    assert (await client.post("/console/api/session", json={"token": "guess"})).status_code == 401
    assert (await client.post("/console/api/session", json={"token": tokens["adapter"]})).status_code == 403
    assert (await client.post("/console/api/session", content=b"not json", headers=JSON)).status_code == 400
    assert (await client.post("/console/api/session", json=["a list"])).status_code == 401
    assert (await client.get("/console/api/me")).status_code == 401
    me = await sign_in(client, tokens["police"])
    assert (me["name"], me["org"]) == ("police desk", "police")
    cookie = client.cookies.get(COOKIE)
    assert cookie and cookie not in orjson.dumps(me).decode()  # the session id is in the cookie only
    assert (await client.get("/console/api/me")).json() == me


async def test_the_session_names_every_partner_as_partners_json_does(
    client: httpx.AsyncClient, tokens: dict[str, str]
) -> None:
    """The page names the organisations it shows (its own, an alert's sender) from the session, so
    a partner added to partners.json is named on the console too."""
    me = await sign_in(client, tokens["police"])
    assert me["partners"] == {code: partner.name for code, partner in PARTNERS.items()}
    assert me["partners"]["rvdk"] == "Raad voor de Kinderbescherming"
    assert me["partners"]["slachtofferhulp"] == "Slachtofferhulp Nederland"


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
    for asset in ("common.js", "person.js", "console.js", "console.css"):
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


async def test_signing_in_takes_json_from_the_consoles_own_origin_only(
    client: httpx.AsyncClient, tokens: dict[str, str]
) -> None:
    """Login CSRF: another site's page cannot sign a staff member's browser in to its session. A
    form can send text/plain cross-site without asking; JSON needs a CORS preflight nobody answers."""
    body = orjson.dumps({"token": tokens["police"]})
    as_form = await client.post("/console/api/session", content=body, headers={"Content-Type": "text/plain"})
    foreign = await client.post(
        "/console/api/session", content=body, headers={**JSON, "Origin": "https://evil.example"}
    )
    cross_site = await client.post(
        "/console/api/session", content=body, headers={**JSON, "Sec-Fetch-Site": "cross-site"}
    )
    null = await client.post("/console/api/session", content=body, headers={**JSON, "Origin": "null"})
    assert (as_form.status_code, foreign.status_code, cross_site.status_code, null.status_code) == (
        415, 403, 403, 403,
    )  # fmt: skip
    assert not client.cookies.get(COOKIE)
    own = await client.post(
        "/console/api/session", content=body, headers={**JSON, "Origin": "http://127.0.0.1"}
    )
    configured = await client.post(  # the address in the configuration, as a proxy in front may serve it
        "/console/api/session", content=body, headers={**JSON, "Origin": "http://127.0.0.1:8082"}
    )
    assert own.status_code == 200 and configured.status_code == 200 and client.cookies.get(COOKIE)


async def test_a_revoked_token_ends_its_sessions_at_the_next_request(
    client: httpx.AsyncClient, service: OnCallService, tokens: dict[str, str], tmp_path: Path
) -> None:
    alert_id = raise_alert(service, "police")
    csrf = {"X-CSRF-Token": (await sign_in(client, tokens["police"]))["csrf"]}
    assert (await client.get("/console/api/alerts")).status_code == 200
    path = tmp_path / "tokens.json"
    remove_from_tokens_file(path, "police desk")
    listed = await client.get("/console/api/alerts")
    acknowledged = await client.post(f"/console/api/alerts/{alert_id}/acknowledge", headers=csrf)
    me = await client.get("/console/api/me")
    assert (listed.status_code, acknowledged.status_code, me.status_code) == (401, 401, 401)
    assert service.book.alerts[alert_id].open and service._producer.sent == []  # type: ignore[union-attr]
    assert (await client.post("/console/api/session", json={"token": tokens["police"]})).status_code == 401
    # Another organisation's session, of a token still in the file, goes on.
    await sign_in(client, tokens["om"])
    assert (await client.get("/console/api/alerts")).status_code == 200


async def test_a_revoked_token_ends_its_live_streams(
    client: httpx.AsyncClient, tokens: dict[str, str], tmp_path: Path
) -> None:
    await sign_in(client, tokens["police"])
    bearer = {"Authorization": f"Bearer {tokens['police']}"}
    # httpx's ASGI transport answers once the stream ends, so each request finishes only if its stream does.
    session_stream = asyncio.create_task(client.get("/console/api/events"))
    bearer_stream = asyncio.create_task(client.get("/console/api/events", headers=bearer))
    await asyncio.sleep(0.3)
    assert not session_stream.done() and not bearer_stream.done()
    path = tmp_path / "tokens.json"
    remove_from_tokens_file(path, "police desk")
    async with asyncio.timeout(CHECK_S * 3):
        ended = await asyncio.gather(session_stream, bearer_stream)
    assert [answer.status_code for answer in ended] == [200, 200]
    assert all(answer.text.startswith("retry:") for answer in ended)
    assert (await client.get("/console/api/events")).status_code == 401


async def test_signing_out_ends_the_live_stream_of_the_session(
    client: httpx.AsyncClient, tokens: dict[str, str]
) -> None:
    csrf = (await sign_in(client, tokens["police"]))["csrf"]
    stream = asyncio.create_task(client.get("/console/api/events"))
    await asyncio.sleep(0.3)
    assert (await client.delete("/console/api/session", headers={"X-CSRF-Token": csrf})).status_code == 204
    async with asyncio.timeout(CHECK_S * 3):
        assert (await stream).status_code == 200


async def test_bodies_are_bounded_per_route_and_bad_bytes_get_a_4xx(
    client: httpx.AsyncClient, service: OnCallService, tokens: dict[str, str]
) -> None:
    big = {"token": "x" * 10_000}
    declared = await client.post("/console/api/session", json=big)

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted while it is read
        for _ in range(64):
            yield b"x" * 1024

    chunked = await client.post("/console/api/session", content=chunks(), headers=JSON)
    assert (declared.status_code, chunked.status_code) == (413, 413)
    assert declared.json() == {"error": "this takes a body of 4 KiB at most"}
    alert_id = raise_alert(service, "police")
    csrf = {"X-CSRF-Token": (await sign_in(client, tokens["police"]))["csrf"]}
    close = f"/console/api/alerts/{alert_id}/close"
    too_long = await client.post(close, headers=csrf, json={"note": "n" * 20_000})
    assert too_long.status_code == 413 and service.book.alerts[alert_id].open
    assert (
        await client.request("GET", "/console/api/alerts", content=b"{}")
    ).status_code == 413  # a read takes no body
    not_ascii = await client.post(
        close, headers={"X-CSRF-Token": "\u00e9t\u00e9".encode()}, json={"note": "done"}
    )
    assert not_ascii.status_code == 400 and "x-csrf-token" in not_ascii.json()["error"]
    assert (
        await client.post(
            close,
            headers=csrf,
            content=b"\xff{",
        )
    ).status_code == 400


async def test_the_person_signing_in_acknowledges_and_closes_as_themselves(
    client: httpx.AsyncClient, service: OnCallService, tokens: dict[str, str]
) -> None:
    """The token is the desk's; who took the alert is the person who signed in with it."""
    first, second = raise_alert(service, "police"), raise_alert(service, "police")
    answer = await client.post(
        "/console/api/session", json={"token": tokens["police"], "person": " Sanne de Boer "}
    )
    me = answer.json()
    assert (me["name"], me["person"]) == ("police desk", "Sanne de Boer")
    csrf = {"X-CSRF-Token": me["csrf"]}
    taken = await client.post(f"/console/api/alerts/{first}/acknowledge", headers=csrf)
    assert taken.json()["acknowledged_by"] == "Sanne de Boer (police desk)"
    closed = await client.post(
        f"/console/api/alerts/{second}/close", headers=csrf, json={"note": "unit sent"}
    )
    assert [e["by"] for e in closed.json()["events"] if e["kind"] == "closed"] == [
        "Sanne de Boer (police desk)"
    ]
    for unfit in ("", "   ", "x" * 101, "tab\there", 7):
        refused = await client.post("/console/api/session", json={"token": tokens["police"], "person": unfit})
        assert (refused.status_code, refused.json()["code"]) == (400, "person"), unfit


async def test_errors_name_a_code_the_page_says_in_its_own_language(
    client: httpx.AsyncClient, tokens: dict[str, str]
) -> None:
    unknown = await client.post("/console/api/session", json={"token": "guess"})
    assert unknown.json() == {"error": "this token is not known", "code": "token_unknown"}
    assert (await client.get("/console/api/alerts")).json()["code"] == "signed_out"


async def test_the_open_list_puts_what_nobody_took_first_then_priority_then_deadline(
    client: httpx.AsyncClient, service: OnCallService, tokens: dict[str, str]
) -> None:
    def raised(priority: str, minutes_ago: int) -> UUID:
        at = datetime.now(UTC) - timedelta(minutes=minutes_ago)
        event = AlertEvent(
            alert_id=uuid4(), kind="raised", at=at, org="police", priority=priority, signal_id=uuid4(),
            tier="primary", signal_type="breach_of_conditions", sender="3ro", reason="act now", content={},
        )  # fmt: skip
        service.book.apply(event)
        delivered = event.model_copy(update={"event_id": uuid4(), "kind": "delivered", "person": "D. Bakker"})
        service.book.apply(delivered)
        return event.alert_id

    taken_p1 = raised("p1", 1)
    p2 = raised("p2", 0)
    older_p1, newer_p1 = raised("p1", 3), raised("p1", 2)
    reminder = raised("p3", 0)
    csrf = {"X-CSRF-Token": (await sign_in(client, tokens["police"]))["csrf"]}
    assert (await client.post(f"/console/api/alerts/{taken_p1}/acknowledge", headers=csrf)).status_code == 200
    listed = [UUID(a["alert_id"]) for a in (await client.get("/console/api/alerts")).json()["open"]]
    # The P1 raised first escalates first; a taken P1 comes after the untaken P3.
    assert listed == [older_p1, newer_p1, p2, reminder, taken_p1]


async def test_the_page_is_dutch_and_english_on_asking(client: httpx.AsyncClient) -> None:
    dutch = await client.get("/console")
    assert dutch.headers["content-language"] == "nl" and '<html lang="nl">' in dutch.text
    assert "Openstaande alarmen" in dutch.text and "Uw naam" in dutch.text
    english = await client.get("/console?lang=en")
    assert english.headers["content-language"] == "en" and "Open alerts" in english.text
    assert (await client.get("/console")).headers["content-language"] == "en"  # kept in a cookie
    assert (await client.get("/console?lang=xx")).headers["content-language"] == "nl"  # unknown: Dutch
