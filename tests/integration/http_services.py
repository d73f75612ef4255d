"""The three HTTP services as deployed, for test_http_doors.py and test_http_fuzz.py: `ketenpoort
gateway run`, `ketenpoort adapter veiligthuis serve` and `ketenpoort oncall serve`, each a process of
its own logged in to the real Kafka as its own principal and asking the real OPA, with one tokens
file holding a token of every role. A probe sees them as an attacker does: over HTTP, with the bytes
it chooses; the test reads their logs and their memory from outside."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import yaml

from gateway.access import Identity, Role, TokenStore
from gateway.alerts.raising import alert_id_of
from gateway.kafka import ensure_topics
from gateway.principals import Principals, provision
from gateway.settings import Settings
from tests.integration.kafka_helpers import skip_history
from tests.integration.oncall_harness import quiet_config, send_breach
from tools.stack import Endpoints
from tools.stack.process import LOOPBACK, free_ports

KETENPOORT = Path(sys.executable).parent / "ketenpoort"
START_TIMEOUT_S = 90.0


def identities(run: str) -> dict[str, Identity]:
    """A token's holder per role, named for this run (the log of reads outlives a test)."""
    return {
        "admin": Identity(name=f"ops {run}", role=Role.ADMIN),
        "privacy_officer": Identity(name=f"fg-noord {run}", role=Role.PRIVACY_OFFICER),
        "adapter veiligthuis": Identity(name=f"vt system {run}", role=Role.ADAPTER, org="veiligthuis"),
        "adapter police": Identity(name=f"police system {run}", role=Role.ADAPTER, org="police"),
        "oncall police": Identity(name=f"police desk {run}", role=Role.ONCALL, org="police"),
        "oncall om": Identity(name=f"om desk {run}", role=Role.ONCALL, org="om"),
    }


def remove_from_tokens_file(path: Path, name: str) -> None:
    """Take the tokens of `name` out of the tokens file, as an operator editing it would."""
    kept = [stored for stored in json.loads(path.read_text()) if stored["name"] != name]
    path.write_text(json.dumps(kept, indent=2))


@dataclass
class Service:
    """One running service: where it answers, its process and its log."""

    name: str
    base: str
    process: subprocess.Popen[bytes]
    log: Path

    def alive(self) -> bool:
        return self.process.poll() is None

    def memory(self, field: str = "VmRSS") -> int:
        """Bytes of the process's resident memory now (VmRSS), or at its peak so far (VmHWM)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) * 1024
        raise AssertionError(f"no {field} for {self.name}")

    def tracebacks(self) -> list[str]:
        """Log lines that carry a traceback: none may, whatever a request holds."""
        return [
            line[:300] for line in self.log.read_text(errors="replace").splitlines() if "Traceback" in line
        ]

    def client(self, token: str | None = None, **options: Any) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.AsyncClient(base_url=self.base, headers=headers, timeout=30, **options)


@dataclass
class Services:
    """The gateway, an adapter service (Veilig Thuis's) and the on-call service, running; a token
    per role; and an open alert of the police's, raised by the gateway for a breach sent as 3RO."""

    gateway: Service
    adapter: Service
    oncall: Service
    tokens: dict[str, str]
    names: dict[str, str]
    tokens_path: Path
    settings: Settings
    stack: Endpoints
    police_alert: UUID | None = None

    def all(self) -> list[Service]:
        return [self.gateway, self.adapter, self.oncall]

    async def raise_police_alert(self) -> UUID:
        """A breach sent as 3RO; the police's alert for it, once the console lists it."""
        alert_id = alert_id_of(await send_breach(self.settings, self.stack), "police")
        deadline = time.monotonic() + 30
        async with self.oncall.client(self.tokens["oncall police"]) as client:
            while time.monotonic() < deadline:
                listed = (await client.get("/console/api/alerts")).json()
                if str(alert_id) in [alert["alert_id"] for alert in listed.get("open", [])]:
                    return alert_id
                await asyncio.sleep(0.2)
        raise AssertionError(
            f"the breach raised no alert for the police:\n{self.oncall.log.read_text()[-3000:]}"
        )


def _quiet_oncall_config(path: Path) -> Path:
    path.write_text(yaml.safe_dump(quiet_config().model_dump(mode="json", exclude_none=True)))
    return path


async def _start(name: str, command: list[str], env: dict[str, str], port: int, tmp: Path) -> Service:
    log = tmp / f"{name}.log"
    with log.open("wb") as stream:
        process = subprocess.Popen([str(KETENPOORT), *command], env=env, stdout=stream, stderr=stream)
    return Service(name, f"http://{LOOPBACK}:{port}", process, log)


async def _ready(service: Service) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    async with service.client() as client:
        while True:
            if not service.alive():
                raise AssertionError(f"{service.name} ended:\n{service.log.read_text()[-3000:]}")
            try:
                if (await client.get("/health/ready")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"{service.name} not ready:\n{service.log.read_text()[-3000:]}")
            await asyncio.sleep(0.2)


def _stop(service: Service) -> None:
    if service.alive():
        service.process.send_signal(signal.SIGTERM)
        try:
            service.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            service.process.kill()
            service.process.wait()


@asynccontextmanager
async def running_services(settings: Settings, stack: Endpoints, tmp: Path) -> AsyncIterator[Services]:
    run = uuid4().hex[:8]
    tokens_path = tmp / "tokens.json"
    holders = identities(run)
    store = TokenStore.load(tokens_path)
    tokens = {role: store.issue(identity, tokens_path) for role, identity in holders.items()}
    group = f"ketenpoort-gateway-test-doors-{run}"
    # The cluster as gateway/principals.yaml says now (a local stack started before it changed has
    # not seen it), as `ketenpoort access provision` makes it.
    assert stack.credentials is not None, "provisioning needs the credentials file of the cluster"
    provision(stack.kafka("admin"), Principals.load(), stack.credentials)
    await ensure_topics(stack.kafka("admin"))
    await skip_history(stack.kafka("admin"), group)
    gateway_port, adapter_port, oncall_port = free_ports(3)
    common = {
        **os.environ,
        "KETENPOORT_CACHE": str(tmp / "cache"),
        "KETENPOORT_API_TOKENS_FILE": str(tokens_path),
        "KETENPOORT_PSEUDONYM_KEY": settings.pseudonym_key.get_secret_value(),
    }
    async with AsyncExitStack() as running:
        gateway = await _start(
            "gateway",
            ["gateway", "run"],
            {**common, **stack.environment("gateway"), "KETENPOORT_GATEWAY_GROUP_ID": group,
             "KETENPOORT_HTTP_PORT": str(gateway_port)},
            gateway_port,
            tmp,
        )  # fmt: skip
        running.callback(_stop, gateway)
        adapter = await _start(
            "adapter",
            ["adapter", "veiligthuis", "serve"],  # no delivery: only its HTTP ingest is probed here
            {**common, **stack.environment("veiligthuis"), "KETENPOORT_ADAPTER_HTTP_PORT": str(adapter_port)},
            adapter_port,
            tmp,
        )
        running.callback(_stop, adapter)
        oncall = await _start(
            "oncall",
            ["oncall", "serve"],
            {**common, **stack.environment("oncall"), "KETENPOORT_ONCALL_HTTP_PORT": str(oncall_port),
             "KETENPOORT_ONCALL_CONFIG": str(_quiet_oncall_config(tmp / "oncall.yaml")),
             "KETENPOORT_API_URL": f"http://{LOOPBACK}:{gateway_port}"},  # the person pages ask it
            oncall_port,
            tmp,
        )  # fmt: skip
        running.callback(_stop, oncall)
        await asyncio.gather(*(_ready(service) for service in (gateway, adapter, oncall)))
        names = {role: identity.name for role, identity in holders.items()}
        services = Services(gateway, adapter, oncall, tokens, names, tokens_path, settings, stack)
        services.police_alert = await services.raise_police_alert()
        yield services
