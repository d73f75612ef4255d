"""HTTP fuzzing of the three running services (tests/integration/http_services.py): requests drawn by
hypothesis, derandomized so every run sends the same ones, with real headers (every role's token,
cookies, origins, content types, bytes that are not ASCII) and real bodies (JSON, broken JSON,
broken multipart, CSV exports with odd cells, bytes, bodies over a route's limit) to every
documented path and some that are not. No answer is a 5xx, every process lives on, no log line
carries a traceback, and no service's memory grows by more than `MEMORY_BOUND`."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from gateway.settings import Settings
from tests.integration.http_services import Service, Services, running_services
from tools.stack import Endpoints

REQUESTS_PER_SERVICE = 150
MEMORY_BOUND = 64 * 1024 * 1024
READ_AT_MOST = 64 * 1024  # of an answer's body: a live stream never ends by itself
ALERT = "{alert}"  # in a path: the police's open alert
JSON_TYPE, CSV_TYPE = b"application/json", b"text/csv"
# Each service's documented routes, as their clients call them: method, path, content type, role.
ROUTES = {
    "gateway": [("POST", "/audit/subject", JSON_TYPE, "privacy_officer"),
                ("GET", "/audit/recipient", None, "privacy_officer"),
                ("GET", "/audit/reads", None, "privacy_officer"),
                ("POST", "/involvements", JSON_TYPE, "oncall om"),
                ("GET", "/involvements", None, "adapter police"),
                ("POST", "/timeline", JSON_TYPE, "adapter police"),
                ("POST", "/timeline/conditions", JSON_TYPE, "oncall om"),
                ("GET", "/metrics", None, "admin"), ("GET", "/health/ready", None, "admin")],
    "adapter": [("POST", "/adapters/veiligthuis/records", CSV_TYPE, "adapter veiligthuis"),
                ("GET", "/health/ready", None, "adapter veiligthuis")],
    "oncall": [("POST", "/console/api/session", JSON_TYPE, "oncall police"),
               ("GET", "/console/api/alerts", None, "oncall police"),
               ("POST", f"/console/api/alerts/{ALERT}/close", JSON_TYPE, "oncall police"),
               ("POST", f"/console/api/alerts/{ALERT}/acknowledge", None, "oncall om"),
               ("GET", "/console/api/events", None, "oncall om"),
               ("GET", "/console/api/me", None, "oncall police"),
               ("POST", "/console/api/person", JSON_TYPE, "oncall police"),
               ("DELETE", "/console/api/session", None, "oncall police"),
               ("GET", "/console", None, "oncall om")],
}  # fmt: skip
# And paths nobody documented, or documented for another service.
ODD_PATHS = {
    "gateway": ["/", "/audit", "/asyncapi", "/metrics/../audit/reads", "/health/live/", "/involvements%00",
                "/timeline/", "/timeline/conditions/../../metrics"],
    "adapter": ["/adapters/police/records", "/adapters/veiligthuis/records/", "/",
                "/adapters/../health/ready"],
    "oncall": ["/console/..%2f..%2fetc%2fpasswd", "/console/console.js",
               "/console/api/alerts/not-an-id/close", f"/console/api/alerts/{ALERT}/delete", "/favicon.ico",
               "/console/api/"],
}  # fmt: skip
METHODS = ["POST", "GET", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS"]
EXPORT_HEADER = (
    (Path(__file__).parents[2] / "adapters" / "veiligthuis" / "samples" / "scenario.csv")
    .read_bytes()
    .split(b"\n", 1)[0]
)
CONTENT_TYPES = [
    b"application/json; charset=utf-8", b"text/plain", b"multipart/form-data; boundary=kp",
    b"multipart/form-data", b"application/x-www-form-urlencoded", b"", b"APPLICATION/JSON", b"text/csv;;",
]  # fmt: skip
HEADER_NAMES = ["origin", "cookie", "x-csrf-token", "sec-fetch-site", "accept", "user-agent", "referer"]

# Header bytes as HTTP/1.1 can carry them: no control characters, no white space at either end.
ASCII_VALUE = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=48).map(
    lambda text: text.strip().encode()
)
ANY_BYTES_VALUE = st.binary(min_size=1, max_size=48).map(
    lambda raw: b"x" + bytes(b for b in raw if b == 0x09 or 0x20 <= b != 0x7F) + b"\xe9"
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
BSN_LIKE = st.sampled_from(["111222333", "123456789", "", "1" * 10_000]) | st.text(
    alphabet=st.sampled_from("0123456789\uff10\uff11\u0661 -"), max_size=12
)


@dataclass(frozen=True)
class Probe:
    method: str
    path: str
    params: dict[str, str]
    headers: list[tuple[bytes, bytes]]
    body: bytes | None

    def describe(self) -> str:
        body = "no body" if self.body is None else f"{len(self.body)} bytes {self.body[:60]!r}"
        return f"{self.method} {self.path} {self.params} {self.headers} {body}"[:400]


@st.composite
def bodies(draw: st.DrawFn, tokens: list[str]) -> bytes | None:
    kind = draw(
        st.sampled_from(["fields", "csv", "none", "json", "broken json", "bytes", "multipart", "large"])
    )
    if kind == "none":
        return None
    if kind == "bytes":
        return draw(st.binary(max_size=512))
    if kind == "json":
        return json.dumps(draw(JSON)).encode()
    if kind == "fields":
        fields = {
            "bsn": draw(BSN_LIKE),
            "token": draw(st.sampled_from(tokens) | st.text(max_size=50)),
            "note": draw(st.text(max_size=200)),
        }
        chosen = draw(st.sets(st.sampled_from(sorted(fields)), min_size=1))
        return json.dumps({key: fields[key] for key in chosen}).encode()
    if kind == "broken json":
        whole = json.dumps({"bsn": draw(BSN_LIKE), "x": draw(JSON)}).encode()
        return whole[: draw(st.integers(0, max(len(whole) - 1, 0)))] + draw(
            st.sampled_from([b"", b"\xff", b"{" * 3000])
        )
    if kind == "multipart":
        part = b'--kp\r\nContent-Disposition: form-data; name="export"; filename="x.csv"\r\n\r\n'
        whole = part + draw(st.binary(max_size=200)) + b"\r\n--kp--\r\n"
        return whole[: draw(st.integers(0, len(whole)))]
    if kind == "csv":
        cell = st.text(max_size=30) | st.sampled_from(['"', '""', "\n", ";", "x" * 140_000, "\ufeff"])
        rows = draw(st.lists(st.lists(cell, max_size=30), max_size=4))
        return EXPORT_HEADER + b"\n" + b"\n".join(";".join(row).encode() for row in rows)
    size = draw(st.sampled_from([4 * 1024 + 1, 16 * 1024 + 1, 1024 * 1024]))
    return draw(st.sampled_from([b"x", b"{", b"\xff"])) * size


@st.composite
def probes(draw: st.DrawFn, service: str, tokens: dict[str, str]) -> Probe:
    """Half aimed (a documented route as its clients call it, mostly with the token of a role it
    is for) and half wild (any method, path, token and content type); now and then a header of
    bytes that are not ASCII; always a body of some kind."""
    bearer = st.sampled_from(sorted(tokens.values())).map(lambda token: f"Bearer {token}".encode())
    authorization: bytes | None
    if draw(st.booleans()):  # aimed
        method, path, content_type, role = draw(st.sampled_from(ROUTES[service]))
        authorization = f"Bearer {tokens[role]}".encode() if draw(st.integers(0, 3)) < 3 else draw(bearer)
    else:
        method = draw(st.sampled_from(METHODS))
        path = draw(st.sampled_from([route[1] for route in ROUTES[service]] + ODD_PATHS[service]))
        content_type = draw(st.sampled_from([None, JSON_TYPE, CSV_TYPE, *CONTENT_TYPES]) | ASCII_VALUE)
        authorization = draw(bearer | st.none() | ASCII_VALUE)
    headers: list[tuple[bytes, bytes]] = [(b"content-type", content_type)] if content_type is not None else []
    if authorization is not None:
        headers.append((b"authorization", authorization))
    for name in draw(
        st.lists(st.sampled_from(HEADER_NAMES) | st.from_regex(r"\Ax-[a-z0-9-]{1,12}\Z"), max_size=3)
    ):
        headers.append((name.encode(), draw(ASCII_VALUE)))
    if draw(st.integers(0, 4)) == 4:
        name = draw(st.sampled_from(["x-note", "cookie", "x-csrf-token", "origin", "authorization"]))
        headers.append((name.encode(), draw(ANY_BYTES_VALUE)))
    keys = st.sampled_from(["org", "since", "bsn"]) | st.text(min_size=1, max_size=6)
    return Probe(
        method=method,
        path=path,
        params=draw(
            st.dictionaries(keys, st.sampled_from(["veiligthuis", "2026-01-01"]) | BSN_LIKE, max_size=3)
        ),
        headers=headers,
        body=draw(bodies(sorted(tokens.values()))),
    )


def drawn(service: str, tokens: dict[str, str]) -> list[Probe]:
    """`REQUESTS_PER_SERVICE` probes, the same every run (derandomized; the tokens are this run's)."""
    out: list[Probe] = []

    @settings(
        max_examples=REQUESTS_PER_SERVICE,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(probes(service, tokens))
    def collect(probe: Probe) -> None:
        out.append(probe)

    collect()
    return out


@pytest.fixture(scope="module")
async def services(
    settings: Settings, stack: Endpoints, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Services]:
    async with running_services(settings, stack, tmp_path_factory.mktemp("fuzz")) as running:
        yield running


async def _send(client: httpx.AsyncClient, probe: Probe, alert: UUID) -> int:
    path = probe.path.replace(ALERT, str(alert))
    async with client.stream(
        probe.method, path, params=probe.params, headers=probe.headers, content=probe.body
    ) as answer:
        read = 0
        async for chunk in answer.aiter_raw():
            read += len(chunk)
            if read >= READ_AT_MOST or path.endswith("/events"):
                break
        return answer.status_code


async def _fuzz(service: Service, probes_: list[Probe], alert: UUID) -> tuple[list[str], Counter[int]]:
    """What went wrong, and how often each status was answered."""
    failures, statuses = [], Counter[int]()
    async with service.client(cookies=None) as client:
        for probe in probes_:
            try:
                status = await asyncio.wait_for(_send(client, probe, alert), 30)
            except httpx.HTTPError as error:
                failures.append(f"{type(error).__name__}: {probe.describe()}")
                continue
            statuses[status] += 1
            if status >= 500:
                failures.append(f"{status}: {probe.describe()}")
            client.cookies.clear()  # each probe on its own: a session cookie of one is not the next's
    return failures, statuses


async def test_no_request_gets_a_5xx_kills_a_service_or_grows_its_memory(services: Services) -> None:
    tokens = services.tokens
    assert services.police_alert is not None
    before = {service.name: service.memory("VmHWM") for service in services.all()}
    failures, statuses = [], {}
    for service in services.all():
        found, statuses[service.name] = await _fuzz(
            service, drawn(service.name, tokens), services.police_alert
        )
        failures += found
    assert not failures, "\n".join(failures[:20])
    for name, answered in statuses.items():  # the probes reached past the door, and were refused too
        assert {status // 100 for status in answered} >= {2, 4}, (name, answered)
    for service in services.all():
        assert service.alive(), f"{service.name} died:\n{service.log.read_text()[-3000:]}"
        assert service.tracebacks() == [], service.name
        grown = service.memory("VmHWM") - before[service.name]
        assert grown < MEMORY_BOUND, f"{service.name} grew by {grown // (1024 * 1024)} MiB"
        async with service.client() as client:
            assert (await client.get("/health/live")).status_code == 200
