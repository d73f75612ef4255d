"""The audit API's front: only privacy officers, no BSN in a URL, and no answer without a record of
the read. Answers from the real audit are tested in tests/integration/test_audit_reads.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.access import Identity, RequireRole, Role, TokenStore
from gateway.audit.api import AuditApi
from gateway.audit.reads import AuditReadLog, ReadNotRecorded
from gateway.kafka import KafkaConnection
from gateway.schemas.audit_read import AuditRead
from tools.stack.process import free_ports

BSN = "111222333"  # fictional, passes the 11-test


class Log(AuditReadLog):
    """Keeps the reads it is given, or fails like an unreachable broker."""

    def __init__(self, broken: bool = False) -> None:
        super().__init__(KafkaConnection(bootstrap="kafka:9092"))
        self.broken, self.recorded = broken, list[AuditRead]()

    async def record(self, read: AuditRead) -> None:
        if self.broken:
            raise ReadNotRecorded("KafkaConnectionError('broker unreachable')")
        self.recorded.append(read)


class Api(AuditApi):
    async def answer(self, read: AuditRead) -> dict[str, Any]:
        return {"answered": read.query}


@pytest.fixture
def tokens(tmp_path: Path) -> tuple[Path, dict[Role, str]]:
    path = tmp_path / "tokens.json"
    issued = {
        role: TokenStore.load(path).issue(Identity(name=f"{role}-1", role=role, org=org), path)
        for role, org in [(Role.PRIVACY_OFFICER, None), (Role.ADMIN, None), (Role.ONCALL, "3ro")]
    }
    return path, issued


async def client(tokens: tuple[Path, dict[Role, str]], log: Log) -> AsyncIterator[httpx.AsyncClient]:
    path, _ = tokens
    api = Api(KafkaConnection(bootstrap="kafka:9092"), path.parent, b"key", log)
    app = RequireRole(api, path, frozenset({Role.PRIVACY_OFFICER}))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as http:
        yield http


def auth(tokens: tuple[Path, dict[Role, str]], role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[1][role]}"}


async def test_a_privacy_officers_read_is_recorded_first_by_pseudonym(tokens: Any) -> None:
    log = Log()
    async for http in client(tokens, log):
        response = await http.post(
            "/audit/subject", json={"bsn": BSN}, headers=auth(tokens, Role.PRIVACY_OFFICER)
        )
    assert response.status_code == 200 and response.json() == {"answered": "subject"}
    (read,) = log.recorded
    assert (read.reader, read.role, read.channel, read.query) == (
        "privacy_officer-1",
        "privacy_officer",
        "api",
        "subject",
    )
    assert read.subject is not None and BSN not in read.model_dump_json()


@pytest.mark.parametrize("role", [Role.ADMIN, Role.ONCALL])
async def test_other_roles_may_not_read_the_audit(tokens: Any, role: Role) -> None:
    log = Log()
    async for http in client(tokens, log):
        response = await http.get("/audit/recipient?org=3ro", headers=auth(tokens, role))
        anonymous = await http.get("/audit/reads")
    assert response.status_code == 403 and anonymous.status_code == 401
    assert log.recorded == []


async def test_an_unrecorded_read_is_not_answered(tokens: Any) -> None:
    async for http in client(tokens, Log(broken=True)):
        response = await http.get("/audit/recipient?org=3ro", headers=auth(tokens, Role.PRIVACY_OFFICER))
    assert response.status_code == 503 and "not answered" in response.json()["error"]


@pytest.mark.parametrize(
    ("method", "url", "body", "problem"),
    [
        ("GET", f"/audit/subject?bsn={BSN}", None, "never goes in a URL"),
        ("POST", "/audit/subject", {"bsn": "123456789"}, "valid BSN"),
        ("POST", "/audit/subject", {"name": "x"}, "valid BSN"),
        ("GET", "/audit/recipient?org=nobody", None, "org must be one of"),
        ("GET", "/audit/recipient?org=3ro&since=yesterday", None, "ISO 8601"),
        ("POST", "/audit/reads", {}, "answers GET"),
    ],
)
async def test_a_bad_request_says_why_and_is_not_recorded(
    tokens: Any, method: str, url: str, body: object, problem: str
) -> None:
    log = Log()
    async for http in client(tokens, log):
        response = await http.request(method, url, json=body, headers=auth(tokens, Role.PRIVACY_OFFICER))
    assert response.status_code == 400 and problem in response.json()["error"]
    assert log.recorded == []
    assert BSN not in response.text


async def test_a_broker_that_cannot_be_reached_means_the_read_is_not_recorded() -> None:
    port = free_ports(1)[0]  # nothing listens there
    log = AuditReadLog(KafkaConnection(bootstrap=f"127.0.0.1:{port}"))
    read = AuditRead(reader="fg", role="privacy_officer", channel="api", query="reads")
    with pytest.raises(ReadNotRecorded):
        await log.record(read)
    await log.close()
