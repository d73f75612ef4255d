"""`ketenpoort gateway serve` as a process of its own, for the scale and kill tests: several
gateway instances under the supervisor (tools/gateways.py), scaled with `ketenpoort gateway scale`,
each instance's health asked on its own port, and where the gateway group stands per partition."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition

from gateway.kafka import KafkaConnection, make_admin, partition_counts
from gateway.settings import ORGANISATIONS
from gateway.topics import signals_topic
from tests.integration.faults import KETENPOORT
from tests.integration.kafka_helpers import skip_history
from tools.stack import Endpoints


def consecutive_free_ports(count: int) -> int:
    """A base port with `count` ports free from it on (instance i listens on base + i), below
    Linux's ephemeral range (32768 and up): a port there that an instance freed when it was
    killed can be taken by any outgoing connection before its restart binds it again."""
    rng = random.Random()
    for _ in range(200):
        base = rng.randrange(20000, 32768 - count)
        sockets = []
        try:
            for port in range(base, base + count):
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError(f"no {count} consecutive free ports")


class Fleet:
    """`ketenpoort gateway serve --instances N`, logged in as `gateway`, with a group of its own
    that starts at the end of the signals topics."""

    def __init__(self, where: Endpoints, workdir: Path, **settings: str) -> None:
        self.group = f"ketenpoort-gateway-fleet-{uuid4().hex[:8]}"
        self.base_port = consecutive_free_ports(3)
        self.admin = where.kafka("admin")
        self.cache = workdir / "cache"
        self.env = {
            **os.environ,
            **where.environment("gateway"),
            "KETENPOORT_CACHE": str(self.cache),
            "KETENPOORT_GATEWAY_GROUP_ID": self.group,
            "KETENPOORT_HTTP_PORT": str(self.base_port),
            **{f"KETENPOORT_{name.upper()}": value for name, value in settings.items()},
        }
        self.log = workdir / f"{self.group}.log"
        self.process: subprocess.Popen[bytes] | None = None

    async def skip_history(self) -> None:
        await skip_history(self.admin, self.group)

    def start(self, instances: int) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(KETENPOORT), "gateway", "serve", "--instances", str(instances)],
                env=self.env, stdout=log, stderr=log,
            )  # fmt: skip

    def scale(self, instances: int) -> None:
        result = subprocess.run(
            [str(KETENPOORT), "gateway", "scale", str(instances)],
            env=self.env, capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=45)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def state(self) -> dict[str, Any]:
        path = self.cache / "gateways" / f"{self.group}.json"
        try:
            loaded: dict[str, Any] = json.loads(path.read_text())
        except (OSError, ValueError):
            return {}
        return loaded

    def pid_of(self, instance: int) -> int:
        pid: int = self.state()["instances"][instance]["pid"]
        return pid

    async def wait_ready(self, instances: int, timeout_s: float = 60.0) -> float:
        """Until the supervisor runs `instances` and each answers ready; the seconds it took."""
        began = time.monotonic()
        async with httpx.AsyncClient() as client:
            while time.monotonic() - began < timeout_s:
                assert self.process is not None and self.process.poll() is None, self._tail()
                state = self.state()
                started = state.get("running") == instances == len(state.get("instances", []))
                if started and await self._all_ready(client, instances):
                    return time.monotonic() - began
                await asyncio.sleep(0.1)
        raise AssertionError(f"{instances} instances not ready within {timeout_s}s:\n{self._tail()}")

    async def _all_ready(self, client: httpx.AsyncClient, instances: int) -> bool:
        for port in range(self.base_port, self.base_port + instances):
            try:
                response = await client.get(f"http://127.0.0.1:{port}/health/ready", timeout=2)
            except httpx.HTTPError:
                return False
            if response.status_code != 200:
                return False
        return True

    def _tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-40:])


async def positions(admin: KafkaConnection, group: str) -> dict[TopicPartition, tuple[int, int]]:
    """Per signals partition: (the group's committed offset, the partition's end)."""
    topics = [signals_topic(org) for org in ORGANISATIONS]
    counts = await partition_counts(admin, topics)
    partitions = [TopicPartition(t, p) for t in topics for p in range(counts[t])]
    consumer = AIOKafkaConsumer(**admin.client_options())
    client = make_admin(admin)
    await consumer.start()
    await client.start()
    try:
        ends = await consumer.end_offsets(partitions)
        committed = await client.list_consumer_group_offsets(group, partitions=partitions)
    finally:
        await client.close()
        await consumer.stop()
    return {tp: (max(committed[tp].offset if tp in committed else 0, 0), ends[tp]) for tp in partitions}
