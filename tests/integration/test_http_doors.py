"""Every HTTP door holds, against the running services (tests/integration/http_services.py): every
documented endpoint answers the roles it is for and refuses the others; a revoked token ends its
console sessions and live streams; no body is read past its route's limit; bad bytes get a 4xx,
never a 500 or a traceback; the console's sign-in refuses other sites; a BSN is nine ASCII digits.
Each of the seven findings of issue 16 has its test here (the file drop's is in
tests/unit/test_adapter_delivery.py, where it needs no Kafka)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import orjson
import pytest

from gateway.access import Identity, Role, TokenStore
from gateway.settings import Settings
from tests.integration.http_services import Service, Services, remove_from_tokens_file, running_services
from tools.stack import Endpoints

ROOT = Path(__file__).parents[2]
EXPORT = (ROOT / "adapters" / "veiligthuis" / "samples" / "scenario.csv").read_bytes()
SUSPECT_BSN = "111222333"  # fictional; the suspect of the police's sample report
FULL_WIDTH_BSN = "".join(chr(0xFF10 + int(digit)) for digit in SUSPECT_BSN)  # the same in full-width digits
NOT_UTF8 = {"X-Forwarded-For-Note": b"caf\xe9"}  # Latin-1, as an old proxy might add it
MiB = 1024 * 1024


@pytest.fixture(scope="module")
async def services(
    settings: Settings, stack: Endpoints, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Services]:
    async with running_services(settings, stack, tmp_path_factory.mktemp("doors")) as running:
        yield running


def _problems(answer: httpx.Response) -> str:
    return f"{answer.status_code} {answer.text[:200]}"


# Every documented endpoint, for every role: (service, method, path, what to send, who may).
PUBLIC = "everyone"
ENDPOINTS: list[tuple[str, str, str, dict[str, Any], set[str] | str]] = [
    ("gateway", "GET", "/health/live", {}, PUBLIC),
    ("gateway", "GET", "/health/ready", {}, PUBLIC),
    ("gateway", "GET", "/metrics", {}, {"admin"}),
    ("gateway", "POST", "/audit/subject", {"json": {"bsn": SUSPECT_BSN}}, {"privacy_officer"}),
    ("gateway", "GET", "/audit/recipient?org=veiligthuis", {}, {"privacy_officer"}),
    ("gateway", "GET", "/audit/reads", {}, {"privacy_officer"}),
    ("gateway", "GET", f"/involvements?bsn={SUSPECT_BSN}", {}, {"adapter", "oncall"}),
    ("gateway", "POST", "/involvements", {"json": {"bsn": SUSPECT_BSN}}, {"adapter", "oncall"}),
    ("gateway", "POST", "/timeline", {"json": {"bsn": SUSPECT_BSN}}, {"adapter", "oncall"}),
    ("gateway", "POST", "/timeline/conditions", {"json": {"bsn": SUSPECT_BSN}}, {"adapter", "oncall"}),
    ("adapter", "GET", "/health/live", {}, PUBLIC),
    ("adapter", "GET", "/health/ready", {}, PUBLIC),
    (
        "adapter",
        "POST",
        "/adapters/veiligthuis/records",
        {"content": EXPORT, "headers": {"Content-Type": "text/csv"}},
        {"adapter veiligthuis"},
    ),
    ("oncall", "GET", "/health/live", {}, PUBLIC),
    ("oncall", "GET", "/health/ready", {}, PUBLIC),
    ("oncall", "GET", "/console", {}, PUBLIC),
    ("oncall", "GET", "/console/console.js", {}, PUBLIC),
    ("oncall", "GET", "/console/console.css", {}, PUBLIC),
    ("oncall", "GET", "/console/common.js", {}, PUBLIC),
    ("oncall", "GET", "/console/person.js", {}, PUBLIC),
    ("oncall", "GET", "/console/api/alerts", {}, {"oncall"}),
    ("oncall", "GET", "/console/api/events", {"stream": True}, {"oncall"}),
    ("oncall", "POST", "/console/api/alerts/{police_alert}/acknowledge", {}, {"oncall police"}),
    # A person's page, asked of the gateway by the on-call service with the caller's own token.
    (
        "oncall",
        "POST",
        "/console/api/person",
        {"json": {"alert": "{police_alert}", "slot": "suspect"}},
        {"oncall police"},
    ),
    (
        "oncall",
        "POST",
        "/console/api/alerts/{police_alert}/close",
        {"json": {"note": "done"}},
        {"oncall police"},
    ),
]
ROLES = ["none", "unknown", "admin", "privacy_officer", "adapter veiligthuis", "adapter police", "oncall om"]
ROLES_LAST = ["oncall police"]  # acknowledges and closes the police's alert, so it goes after the others


def _allowed(role: str, who: set[str] | str) -> bool:
    return who == PUBLIC or role in who or role.split(" ")[0] in who


def _expected(role: str, who: set[str] | str, path: str) -> int:
    if _allowed(role, who):
        return 200
    if role in ("none", "unknown"):
        return 401
    if role == "oncall om" and ("/console/api/alerts/" in path or path == "/console/api/person"):
        return 404  # another organisation's alert answers as one that does not exist
    return 403


async def _ask(service: Service, token: str | None, method: str, path: str, options: dict[str, Any]) -> int:
    options = dict(options)
    async with service.client(token) as client:
        if options.pop("stream", False):
            async with client.stream(method, path, **options) as answer:
                return answer.status_code
        return (await client.request(method, path, **options)).status_code


async def test_every_documented_endpoint_answers_its_roles_and_refuses_the_others(services: Services) -> None:
    tokens = {**services.tokens, "none": None, "unknown": "not-a-token"}
    alert_id = await services.raise_police_alert()  # one of its own: the police acknowledge and close it
    wrong = []
    for role in [*ROLES, *ROLES_LAST]:
        for name, method, template, options, who in ENDPOINTS:
            path = template.format(police_alert=alert_id)
            if "json" in options:  # an alert named in the body
                filled = orjson.dumps(options["json"]).decode().replace("{police_alert}", str(alert_id))
                options = {**options, "json": orjson.loads(filled)}
            service = getattr(services, name)
            got = await _ask(service, tokens[role], method, path, options)
            if got != _expected(role, who, path):
                wrong.append(
                    f"{role}: {method} {name}{path} answered {got}, not {_expected(role, who, path)}"
                )
    assert not wrong, "\n".join(wrong)


async def test_signing_in_to_the_console_is_for_on_call_tokens_and_lasts_until_signed_out(
    services: Services,
) -> None:
    for role, token in services.tokens.items():
        async with services.oncall.client() as client:
            answer = await client.post("/console/api/session", json={"token": token})
            assert answer.status_code == (200 if role.startswith("oncall") else 403), (
                role,
                _problems(answer),
            )
    async with services.oncall.client() as client:
        assert (await client.post("/console/api/session", json={"token": "not-a-token"})).status_code == 401
        me = (await client.post("/console/api/session", json={"token": services.tokens["oncall om"]})).json()
        assert (await client.get("/console/api/me")).json() == me
        assert (await client.get("/console/api/alerts")).status_code == 200
        assert (
            await client.delete("/console/api/session", headers={"X-CSRF-Token": me["csrf"]})
        ).status_code == 204
        assert (await client.get("/console/api/me")).status_code == 401


# The seven findings, each as it was found.


async def test_finding_1_a_revoked_on_call_token_ends_its_sessions_and_live_streams(
    services: Services,
) -> None:
    name = f"police night desk {uuid4().hex[:8]}"
    identity = Identity(name=name, role=Role.ONCALL, org="police")
    token = TokenStore.load(services.tokens_path).issue(identity, services.tokens_path)
    async with services.oncall.client() as session, services.oncall.client(token) as bearer:
        csrf = (await session.post("/console/api/session", json={"token": token})).json()["csrf"]
        async with (
            session.stream("GET", "/console/api/events") as by_session,
            bearer.stream("GET", "/console/api/events") as by_bearer,
        ):
            assert by_session.status_code == by_bearer.status_code == 200
            lines = [by_session.aiter_lines(), by_bearer.aiter_lines()]
            assert [await anext(stream) for stream in lines] == ["retry: 2000", "retry: 2000"]
            remove_from_tokens_file(services.tokens_path, name)
            async with asyncio.timeout(5):  # both streams end: the server closes them
                for stream in lines:
                    async for _ in stream:
                        pass
        listed = await session.get("/console/api/alerts")
        acknowledged = await session.post(
            f"/console/api/alerts/{services.police_alert}/acknowledge", headers={"X-CSRF-Token": csrf}
        )
        assert (listed.status_code, acknowledged.status_code) == (401, 401)
        assert (await bearer.get("/console/api/alerts")).status_code == 401
    async with services.oncall.client(
        services.tokens["oncall police"]
    ) as desk:  # still open, still escalating
        open_ids = [alert["alert_id"] for alert in (await desk.get("/console/api/alerts")).json()["open"]]
    assert str(services.police_alert) in open_ids


async def test_finding_2_no_body_is_read_past_its_routes_limit(services: Services) -> None:
    before = services.oncall.memory("VmHWM")
    async with services.oncall.client() as client:
        huge = await client.post(
            "/console/api/session", content=b"x" * (64 * MiB), headers={"Content-Type": "application/json"}
        )

        async def chunked() -> AsyncIterator[bytes]:  # no Content-Length: counted as it is read
            for _ in range(64):
                yield b"x" * (128 * 1024)

        unannounced = await client.post(
            "/console/api/session", content=chunked(), headers={"Content-Type": "application/json"}
        )
    assert (huge.status_code, unannounced.status_code) == (413, 413), _problems(huge)
    assert huge.json() == {"error": "this takes a body of 4 KiB at most"}
    grown = services.oncall.memory("VmHWM") - before
    assert grown < 16 * MiB, f"the on-call service grew by {grown // MiB} MiB"

    ten_mib = {"note": "n" * (10 * MiB)}
    async with services.oncall.client(services.tokens["oncall police"]) as desk:
        closing = await desk.post(f"/console/api/alerts/{services.police_alert}/close", json=ten_mib)
        still_open = [alert["alert_id"] for alert in (await desk.get("/console/api/alerts")).json()["open"]]
    async with services.gateway.client(services.tokens["privacy_officer"]) as officer:
        subject = await officer.post("/audit/subject", json={"bsn": SUSPECT_BSN, "padding": "x" * (10 * MiB)})
    async with services.gateway.client(services.tokens["oncall police"]) as desk:
        lookup = await desk.post("/involvements", json={"bsn": SUSPECT_BSN, "padding": "x" * (10 * MiB)})
        timeline = await desk.post("/timeline", json={"bsn": SUSPECT_BSN, "padding": "x" * (10 * MiB)})
    async with services.adapter.client(services.tokens["adapter veiligthuis"]) as system:
        export = await system.post(
            "/adapters/veiligthuis/records", content=b"x" * (17 * MiB), headers={"Content-Type": "text/csv"}
        )
    answers = [closing, subject, lookup, timeline, export]
    assert [answer.status_code for answer in answers] == [413] * 5
    assert export.json() == {"error": "this takes a body of 16 MiB at most"}
    assert str(services.police_alert) in still_open


async def test_finding_3_the_log_of_reads_answers_over_http(services: Services) -> None:
    async with services.gateway.client(services.tokens["privacy_officer"]) as officer:
        answer = await officer.get("/audit/reads")
    assert answer.status_code == 200, _problems(answer)
    mine = [read for read in answer.json()["reads"] if read["reader"] == services.names["privacy_officer"]]
    assert mine and mine[-1]["query"] == "reads"  # the read is recorded before it is answered


async def test_finding_4_bad_bytes_get_a_4xx_and_no_traceback(services: Services) -> None:
    officer, admin = services.tokens["privacy_officer"], services.tokens["admin"]
    asked: list[tuple[Service, str, str, str | None, dict[str, Any]]] = [
        (services.gateway, "GET", "/metrics", admin, {}),
        (services.gateway, "GET", "/metrics", None, {}),
        (services.gateway, "GET", "/audit/reads", officer, {}),
        (services.gateway, "POST", "/involvements", services.tokens["adapter police"],
         {"json": {"bsn": SUSPECT_BSN}}),
        (services.adapter, "POST", "/adapters/veiligthuis/records", services.tokens["adapter veiligthuis"],
         {"content": EXPORT, "headers": {"Content-Type": "text/csv"}}),
        (services.oncall, "GET", "/console/api/alerts", services.tokens["oncall police"], {}),
    ]  # fmt: skip
    for service, method, path, token, options in asked:
        async with service.client(token) as client:
            headers = {**options.pop("headers", {}), **NOT_UTF8}
            answer = await client.request(method, path, headers=headers, **options)
        assert answer.status_code == 400, f"{service.name} {path}: {_problems(answer)}"
        assert "x-forwarded-for-note" in answer.json()["error"]

    # A cell over the csv module's 128 KiB is one rejected record; the records beside it go on.
    header, first, *rest = EXPORT.split(b"\n")
    cells = first.split(b";")
    cells[-1] = b"x" * (200 * 1024)
    async with services.adapter.client(services.tokens["adapter veiligthuis"]) as system:
        answer = await system.post(
            "/adapters/veiligthuis/records",
            content=b"\n".join([header, b";".join(cells), *rest]),
            headers={"Content-Type": "text/csv"},
        )
    assert answer.status_code == 200, _problems(answer)
    summary = answer.json()
    assert summary["records_rejected"] == 1 and summary["rejected"][0]["position"] == "line 2"
    assert summary["records"] == len([line for line in [first, *rest] if line.strip()])
    for service in services.all():
        assert service.alive() and service.tracebacks() == [], service.name


async def test_finding_5_the_console_signs_in_no_browser_for_another_site(services: Services) -> None:
    body = orjson.dumps({"token": services.tokens["oncall police"]})
    own = services.oncall.base
    attempts = {
        "a form's text/plain": {"Content-Type": "text/plain", "Origin": "https://evil.example"},
        "JSON from another origin": {"Content-Type": "application/json", "Origin": "https://evil.example"},
        "JSON sent cross-site": {"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"},
    }
    for what, headers in attempts.items():
        async with services.oncall.client() as client:
            answer = await client.post("/console/api/session", content=body, headers=headers)
        assert answer.status_code in (403, 415), f"{what}: {_problems(answer)}"
        assert "set-cookie" not in answer.headers, what
    async with services.oncall.client() as client:
        answer = await client.post(
            "/console/api/session",
            content=body,
            headers={"Content-Type": "application/json", "Origin": own, "Sec-Fetch-Site": "same-origin"},
        )
    assert answer.status_code == 200 and "set-cookie" in answer.headers


async def test_finding_6_a_bsn_is_nine_ascii_digits_everywhere_it_is_read(services: Services) -> None:
    async with services.gateway.client(services.tokens["privacy_officer"]) as officer:
        subject = await officer.post("/audit/subject", json={"bsn": FULL_WIDTH_BSN})
    async with services.gateway.client(services.tokens["oncall police"]) as desk:
        posted = await desk.post("/involvements", json={"bsn": FULL_WIDTH_BSN})
        asked = await desk.get("/involvements", params={"bsn": FULL_WIDTH_BSN})
    assert (subject.status_code, posted.status_code, asked.status_code) == (400, 400, 400), _problems(subject)
    assert "nine digits 0-9" in subject.json()["error"]
