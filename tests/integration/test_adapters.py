"""The adapters against the real broker: each organisation's samples go in once however often they
are ingested, bad records are rejected while the rest goes through, HTTP ingest answers only the
organisation's own token, and the inbox reaches a webhook and a file drop."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest

from adapters.delivery import Deliverer, InboxDelivery, Webhook
from adapters.ingest import Ingest, export_files, signal_id
from adapters.registry import adapter
from gateway.access import Identity, Role, TokenStore
from gateway.kafka import ensure_topics
from gateway.settings import ORGANISATIONS, Settings
from gateway.topics import inbox_topic, signals_topic
from gateway.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER
from tests.integration.kafka_helpers import read_topic, skip_history
from tests.integration.serving import served
from tests.integration.test_first_slice import running_gateway, send_police_report
from tools.stack import Endpoints
from tools.stack.process import free_ports

ROOT = Path(__file__).parents[2]
KETENPOORT = Path(sys.executable).parent / "ketenpoort"


def samples(org: str) -> list[Path]:
    """The organisation's good sample exports (not the bad corpus)."""
    folder = ROOT / "adapters" / org / "samples"
    return [path for path in export_files(folder, adapter(org).suffix) if "bad" not in path.parts]


def ingest(settings: Settings, stack: Endpoints, org: str, cache: Path) -> Ingest:
    return Ingest(adapter(org), stack.kafka(org), cache, settings.pseudonym_key.get_secret_value().encode())


@pytest.mark.parametrize("org", ORGANISATIONS)
async def test_samples_go_in_once_however_often_they_are_ingested(
    settings: Settings, stack: Endpoints, org: str, tmp_path: Path
) -> None:
    await ensure_topics(stack.kafka("admin"))
    expected = {
        str(signal_id(org, record.record_id, mapped.part))
        for path in samples(org)
        for record in adapter(org).read(path.read_bytes())
        for mapped in adapter(org).to_signals(record.native)
        if record.record_id is not None
    }
    before = await _ids_on(stack, org, expected)  # a stack may have run this test before
    first, again = [], []
    async with ingest(settings, stack, org, tmp_path) as once:
        first = [await once.ingest(path.read_bytes(), str(path)) for path in samples(org)]
    async with ingest(settings, stack, org, tmp_path) as twice:
        again = [await twice.ingest(path.read_bytes(), str(path)) for path in samples(org)]
    sent = sum(summary.sent for summary in first)
    assert sent == len(expected) and not any(summary.rejected for summary in first)
    assert sum(summary.sent for summary in again) == 0
    assert sum(summary.skipped for summary in again) == sent

    after = await _ids_on(stack, org, expected)
    added = after.copy()
    added.subtract(before)
    assert dict(added) == dict.fromkeys(expected, 1)  # each once, with the ids the mapping promises


async def _ids_on(stack: Endpoints, org: str, ids: set[str]) -> Counter[str]:
    """How often each of `ids` is on the organisation's signals topic."""
    items = await read_topic(stack.kafka("admin"), signals_topic(org), timeout_s=30)
    return Counter(id_ for item in items if (id_ := item["_headers"].get("ce_id")) in ids)


@pytest.mark.parametrize("org", ORGANISATIONS)
async def test_bad_records_are_rejected_and_the_good_ones_beside_them_still_go(
    settings: Settings, stack: Endpoints, org: str, tmp_path: Path
) -> None:
    await ensure_topics(stack.kafka("admin"))
    bad_files = export_files(ROOT / "adapters" / org / "samples" / "bad", adapter(org).suffix)
    assert len(bad_files) >= 8
    async with ingest(settings, stack, org, tmp_path) as run:
        summaries = [await run.ingest(path.read_bytes(), str(path)) for path in bad_files]
    for path, summary in zip(bad_files, summaries, strict=True):
        assert summary.rejected, f"{path.name}: nothing rejected"
        for outcome in summary.rejected:
            assert outcome.problems and all(problem.path and problem.message for problem in outcome.problems)
        good = [o for o in summary.outcomes if not o.rejected]
        assert all(o.sent or o.skipped for o in good), f"{path.name}: a good record was not sent"


def test_the_ingest_command_summarises_and_sends_nothing_twice(stack: Endpoints, tmp_path: Path) -> None:
    env = {
        "PATH": str(KETENPOORT.parent),
        **stack.environment("police"),
        "KETENPOORT_CACHE": str(tmp_path / "cache"),
    }
    folder = ROOT / "adapters" / "police" / "samples"

    def run() -> dict[str, Any]:
        done = subprocess.run(
            [str(KETENPOORT), "adapter", "police", "ingest", str(folder), "--json"],
            env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        summaries: list[dict[str, Any]] = json.loads(done.stdout)
        rejected = sum(s["records_rejected"] for s in summaries)
        assert done.returncode == (1 if rejected else 0), done.stderr
        return {
            key: sum(s[key] for s in summaries)
            for key in ("signals_sent", "signals_skipped", "records_rejected")
        }

    first, second = run(), run()
    assert first["signals_sent"] > 0 and first["records_rejected"] > 0  # the bad corpus is in samples/bad
    # A good record given twice (the bad corpus repeats its good records) is sent once, skipped after.
    assert second["signals_sent"] == 0 and second["records_rejected"] == first["records_rejected"]
    assert second["signals_skipped"] == first["signals_sent"] + first["signals_skipped"]


@pytest.fixture
async def veiligthuis_service(stack: Endpoints, tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    """`ketenpoort adapter veiligthuis serve` with a file drop; tokens of VT's and the police's adapters."""
    port = free_ports(1)[0]
    tokens = tmp_path / "tokens.json"
    issued = {
        org: TokenStore.load(tokens).issue(Identity(name=f"{org} system", role=Role.ADAPTER, org=org), tokens)
        for org in ("veiligthuis", "police")
    }
    drop = tmp_path / "drop"
    env = {
        "PATH": str(KETENPOORT.parent),
        **stack.environment("veiligthuis"),
        "KETENPOORT_CACHE": str(tmp_path / "cache"),
        "KETENPOORT_API_TOKENS_FILE": str(tokens),
        "KETENPOORT_ADAPTER_HTTP_PORT": str(port),
    }
    log = tmp_path / "adapter.log"
    with log.open("wb") as stream:
        process = subprocess.Popen(
            [str(KETENPOORT), "adapter", "veiligthuis", "serve", "--drop-dir", str(drop)],
            env=env, stdout=stream, stderr=stream,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            for _ in range(120):
                try:
                    if (await http.get("/health/ready")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.25)
            else:
                raise AssertionError(log.read_text())
        yield {"base": base, "tokens": issued, "drop": drop, "log": log}
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


async def test_http_ingest_takes_the_export_from_its_own_organisation_only(
    settings: Settings, stack: Endpoints, veiligthuis_service: dict[str, Any]
) -> None:
    export = (ROOT / "adapters" / "veiligthuis" / "samples" / "scenario.csv").read_bytes()
    tokens = veiligthuis_service["tokens"]
    async with httpx.AsyncClient(base_url=veiligthuis_service["base"], timeout=30) as http:

        def post(token: str | None, content_type: str = "text/csv") -> Any:
            headers = {
                "Content-Type": content_type,
                **({"Authorization": f"Bearer {token}"} if token else {}),
            }
            return http.post("/adapters/veiligthuis/records", content=export, headers=headers)

        answered = await post(tokens["veiligthuis"])
        anonymous, police, json_body = (
            await post(None),
            await post(tokens["police"]),
            await post(tokens["veiligthuis"], "application/json"),
        )
    assert answered.status_code == 200, answered.text
    summary = answered.json()
    assert summary["records_rejected"] == 0 and summary["signals_sent"] + summary["signals_skipped"] > 0
    assert (anonymous.status_code, police.status_code, json_body.status_code) == (401, 403, 415)

    # And the inbox comes back as files: a police report the policies share with Veilig Thuis.
    async with running_gateway(settings, stack, stack.opa_url):
        signal_id_ = str(await send_police_report(settings, stack))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            dropped = [json.loads(p.read_text()) for p in veiligthuis_service["drop"].glob("delivery-*.json")]
            if any(item["signal_id"] == signal_id_ for item in dropped):
                break
            await asyncio.sleep(0.25)
        else:
            raise AssertionError(veiligthuis_service["log"].read_text()[-3000:])


class Receiver:
    """An organisation's webhook endpoint: refuses the first request of each item, then stores it
    if its signature is right."""

    def __init__(self, secret: bytes) -> None:
        self.secret, self.stored, self.refused = secret, list[dict[str, Any]](), set[str]()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        signed = headers[TIMESTAMP_HEADER.lower()].encode() + b"." + body
        good = "sha256=" + hmac.new(self.secret, signed, hashlib.sha256).hexdigest()
        name = headers["x-ketenpoort-delivery"]
        if name not in self.refused:
            self.refused.add(name)
            status = 503
        elif hmac.compare_digest(headers[SIGNATURE_HEADER.lower()], good):
            self.stored.append(json.loads(body))
            status = 204
        else:
            status = 401
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})


async def test_the_inbox_reaches_a_webhook_signed_and_retried(
    settings: Settings, stack: Endpoints, tmp_path: Path
) -> None:
    secret = b"vt-webhook-secret"
    receiver = Receiver(secret)
    # Police reports reach Veilig Thuis (docs/sharing-matrix.md); its system's webhook gets them.
    group = f"veiligthuis.test-{uuid4().hex[:8]}"
    await skip_history(stack.kafka("admin"), group, [inbox_topic("veiligthuis")])
    async with served(receiver, free_ports(1)[0]) as base:
        deliverer = Deliverer(Webhook(f"{base}/ketenpoort", secret), tmp_path / "dead", first_pause_s=0.1)
        delivery = InboxDelivery("veiligthuis", stack.kafka("veiligthuis"), deliverer, group=group)
        try:
            async with running_gateway(settings, stack, stack.opa_url):
                await delivery.start()
                sent = str(await send_police_report(settings, stack))
                deadline = time.monotonic() + 60
                while not any(item.get("signal_id") == sent for item in receiver.stored):
                    assert time.monotonic() < deadline, (
                        f"not delivered; dead letters: {list((tmp_path / 'dead').glob('*'))}"
                    )
                    await asyncio.sleep(0.25)
        finally:
            await delivery.stop()
    assert not (tmp_path / "dead").exists()
