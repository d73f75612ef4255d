"""The timeline API's front: an organisation's token names the viewer, the person goes in the body
(never a URL), every read is recorded (by pseudonym) before it is answered, and no record means no
answer. The read model under it is a prepared store; against the real broker, see
tests/scenario/test_case_timeline.py."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka.errors import KafkaConnectionError

from gateway.access import Identity, RequireRole, Role, TokenStore
from gateway.kafka import KafkaConnection
from gateway.pseudonyms import pseudonym_of_bsn
from gateway.timeline.api import TimelineApi
from gateway.timeline.feed import TimelineFeed
from gateway.timeline.store import TimelineStore
from tests.unit.test_audit_api import Log
from tests.unit.test_timeline import FULL, KEY, fields, routed, signal, stored

BSN = "111222333"  # Bram's: fictional, passes the 11-test
ROLES = [
    (Role.ADAPTER, "police"), (Role.ONCALL, "3ro"), (Role.PRIVACY_OFFICER, None), (Role.ADMIN, None),
]  # fmt: skip


class Feed(TimelineFeed):
    """A store prepared by the test instead of one read from Kafka; or Kafka out of reach."""

    def __init__(self, store: TimelineStore | None) -> None:
        super().__init__(KafkaConnection(bootstrap="kafka:9092"), Path("/nonexistent"), KEY, "test")
        self.prepared = store

    @contextlib.asynccontextmanager
    async def current(self) -> AsyncIterator[TimelineStore]:
        if self.prepared is None:
            raise KafkaConnectionError("broker unreachable")
        yield self.prepared


@pytest.fixture
def store(tmp_path: Path) -> TimelineStore:
    records, _ = routed("om", signal("measure_imposed"), {"police": FULL, "3ro": fields("suspect", "kind")})
    return stored(tmp_path, records)


@pytest.fixture
def tokens(tmp_path: Path) -> tuple[Path, dict[Role, str]]:
    path = tmp_path / "tokens.json"
    issued = {
        role: TokenStore.load(path).issue(Identity(name=f"{role}-1", role=role, org=org), path)
        for role, org in ROLES
    }
    return path, issued


@contextlib.asynccontextmanager
async def client(
    tokens: tuple[Path, dict[Role, str]], store: TimelineStore | None, log: Log, role: Role = Role.ADAPTER
) -> AsyncIterator[httpx.AsyncClient]:
    clock = lambda: datetime(2027, 2, 3, 23, 30, tzinfo=UTC)  # noqa: E731 (in Amsterdam already the 4th)
    api = TimelineApi(Feed(store), KEY, log, clock=clock)
    app = RequireRole(api, tokens[0], frozenset({Role.ADAPTER, Role.ONCALL}))
    headers = {"Authorization": f"Bearer {tokens[1][role]}"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gw", headers=headers) as http:
        yield http


async def test_the_viewers_timeline_is_answered_once_its_read_is_recorded(tokens: Any, store: Any) -> None:
    log = Log()
    async with client(tokens, store, log) as http:
        response = await http.post("/timeline", json={"bsn": BSN})
    assert response.status_code == 200
    shown = response.json()
    assert shown["viewer"] == "police" and [e["signal_type"] for e in shown["entries"]] == ["measure_imposed"]
    assert shown["named"] == {"given_name": "Bram", "family_name": "Verhoef", "birth_date": "1990-04-12"}
    (read,) = log.recorded
    assert (read.query, read.org, read.channel, read.role) == ("timeline", "police", "api", "adapter")
    assert read.subject == pseudonym_of_bsn(BSN, KEY) and BSN not in read.model_dump_json()


async def test_who_looks_is_recorded_with_the_tokens_name(tokens: Any, store: Any) -> None:
    """The on-call console passes the person signed in with the desk's token: the log of reads
    names both, as the console's own records do."""
    log = Log()
    async with client(tokens, store, log, Role.ONCALL) as http:
        answered = await http.post("/timeline/conditions", json={"bsn": BSN, "by": "Sanne de Boer"})
        blank = await http.post("/timeline", json={"bsn": BSN, "by": " "})
        unprintable = await http.post("/timeline", json={"bsn": BSN, "by": "Sanne\n"})
    assert answered.status_code == 200
    assert (blank.status_code, unprintable.status_code) == (400, 400)
    assert [read.reader for read in log.recorded] == [f"Sanne de Boer ({Role.ONCALL}-1)"]


async def test_by_name_and_birth_date_and_by_a_linked_persons_id(tokens: Any, store: Any) -> None:
    log = Log()
    async with client(tokens, store, log) as http:
        named = {"given_name": "Bram", "family_name": "Verhoef", "birth_date": "1990-04-12"}
        by_name = (await http.post("/timeline", json=named)).json()
        (victim,) = by_name["linked"]
        hers = await http.post("/timeline", json={"person": victim["person"]})
    # Found by his name; the copy names him by his BSN too, which is the stronger match.
    assert [e["match"] for e in by_name["entries"]] == ["bsn"]
    assert hers.status_code == 200 and hers.json()["entries"][0]["as"] == ["victim"]
    assert [read.query for read in log.recorded] == ["timeline", "timeline"]
    assert BSN not in str([read.model_dump() for read in log.recorded])


async def test_a_person_id_is_the_viewers_own(tokens: Any, store: Any) -> None:
    """3RO got his fields, not hers: the police's id for her is nothing to 3RO."""
    log = Log()
    async with client(tokens, store, log) as http:
        (victim,) = (await http.post("/timeline", json={"bsn": BSN})).json()["linked"]
    async with client(tokens, store, log, Role.ONCALL) as http:
        probation = (await http.post("/timeline", json={"bsn": BSN})).json()
        theirs = await http.post("/timeline", json={"person": victim["person"]})
    assert probation["viewer"] == "3ro" and probation["linked"] == []
    assert probation["entries"][0]["body"].keys() == {"suspect", "kind"}
    assert probation["named"] == {"given_name": "Bram", "family_name": "Verhoef", "birth_date": "1990-04-12"}
    assert theirs.status_code == 404 and [r.org for r in log.recorded] == ["police", "3ro"]


async def test_the_conditions_in_force_on_the_clocks_day_in_amsterdam(tokens: Any, store: Any) -> None:
    async with client(tokens, store, Log()) as http:
        shown = (await http.post("/timeline/conditions", json={"bsn": BSN})).json()
    assert shown["today"] == "2027-02-04"
    assert [(m["kind"], m["status"]) for m in shown["measures"]] == [("behavioural_order", "lapsed")]


@pytest.mark.parametrize(("role", "status"), [(Role.PRIVACY_OFFICER, 403), (Role.ADMIN, 403)])
async def test_only_an_organisation_reads_its_timeline(
    tokens: Any, store: Any, role: Role, status: int
) -> None:
    log = Log()
    async with client(tokens, store, log, role) as http:
        refused = await http.post("/timeline", json={"bsn": BSN})
        anonymous = await http.post("/timeline", json={"bsn": BSN}, headers={"Authorization": ""})
    assert (refused.status_code, anonymous.status_code) == (status, 401) and log.recorded == []


@pytest.mark.parametrize(
    ("method", "path", "body", "problem"),
    [
        ("GET", f"/timeline?bsn={BSN}", None, "never goes in a URL"),
        ("POST", "/timeline", {"bsn": "123456789"}, "11-test"),
        ("POST", "/timeline", {"bsn": BSN, "person": "p-" + "0" * 32}, "exactly one"),
        ("POST", "/timeline", {"given_name": "Bram", "family_name": "Verhoef"}, "exactly one"),
        ("POST", "/timeline/conditions", {"given_name": "Bram", "birth_date": "12-04-1990"}, "birth_date"),
        ("POST", "/timeline", {"name": "Bram"}, "name"),
        ("POST", "/timeline", [BSN], "(body)"),
        ("POST", "/timeline", "not json", "not a JSON object"),
    ],
)
async def test_a_bad_request_says_what_to_send_and_is_not_recorded(
    tokens: Any, store: Any, method: str, path: str, body: object, problem: str
) -> None:
    log = Log()
    async with client(tokens, store, log) as http:
        content = body if isinstance(body, str) else None
        json = None if isinstance(body, str) else body
        response = await http.request(method, path, json=json, content=content)
    assert response.status_code == 400 and problem in response.json()["error"], response.text
    assert log.recorded == [] and BSN not in response.text


async def test_no_record_of_the_read_no_answer(tokens: Any, store: Any) -> None:
    async with client(tokens, store, Log(broken=True)) as http:
        response = await http.post("/timeline", json={"bsn": BSN})
    assert response.status_code == 503 and "not answered" in response.json()["error"]
    assert "entries" not in response.json()


async def test_no_kafka_no_answer(tokens: Any) -> None:
    log = Log()
    async with client(tokens, None, log) as http:
        response = await http.post("/timeline/conditions", json={"bsn": BSN})
    assert response.status_code == 503 and "try again" in response.json()["error"] and log.recorded == []
