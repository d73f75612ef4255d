"""A Kafka cluster of three nodes for the integration tests: the local stack in docker-compose.yml's
shape (`ketenpoort stack up --brokers 3`: every topic three replicas, two in sync for a write), in
a stack directory of its own, started once per session by the first test that asks for it and
stopped at the end. Its `settings` point `pause` and `resume` at it, to crash and restart a node."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from aiokafka.client import AIOKafkaClient, CoordinationType

from gateway.kafka import make_admin
from gateway.settings import APPROVERS_IN_STACK, AUDIT_KEY_IN_STACK, Settings
from tools.stack import Endpoints, StackState, down, status, up


@dataclass(frozen=True)
class ThreeBrokers:
    settings: Settings
    state: StackState
    where: Endpoints

    def name_of(self, node_id: int) -> str:
        (name,) = [node.name for node in self.state.kafka.nodes if node.node_id == node_id]
        return name

    @contextmanager
    def frozen(self, name: str) -> Iterator[None]:
        """Node `name` stopped in its tracks (SIGSTOP) and let go again (SIGCONT): it keeps its
        connections open and answers nothing, as a node does in a long pause or a network that
        drops packets. Clients wait for it; the other nodes fence it once its session lapses."""
        current = status(self.settings)
        assert current is not None, "the cluster is not running"
        (node,) = [node for node in current.kafka.nodes if node.name == name]
        assert node.is_running(), f"{name} is not running"
        os.kill(node.pid, signal.SIGSTOP)
        try:
            yield
        finally:
            os.kill(node.pid, signal.SIGCONT)

    async def leaders(self, topics: list[str]) -> dict[tuple[str, int], str]:
        """Per partition of `topics`: the name of the node that leads it now (kafka-1, -2 or -3)."""
        admin = make_admin(self.where.kafka("admin"))
        await admin.start()
        try:
            described = await admin.describe_topics(topics)
        finally:
            await admin.close()
        return {
            (item["topic"], p["partition"]): self.name_of(p["leader"])
            for item in described
            for p in item["partitions"]
        }

    async def transaction_coordinator(self, transactional_id: str) -> str:
        """The name of the node that coordinates the transactions of `transactional_id` now."""
        client = AIOKafkaClient(**self.where.kafka("admin").client_options())
        await client.bootstrap()
        try:
            node_id = await client.coordinator_lookup(CoordinationType.TRANSACTION, transactional_id)
        finally:
            await client.close()
        return self.name_of(node_id)


@pytest.fixture(scope="session")
def three_brokers(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreeBrokers]:
    # Its own stack whatever KAFKA_BOOTSTRAP / OPA_URL say: the test is about this cluster, with
    # its own keys (the policy approvals its OPA's bundles carry, the audit checkpoints' key).
    stack_dir = tmp_path_factory.mktemp("three-brokers")
    own = settings.model_copy(
        update={
            "stack_dir": stack_dir,
            "kafka_bootstrap": None,
            "opa_url": None,
            "policy_approvers": stack_dir.joinpath(*APPROVERS_IN_STACK),
            "audit_signing_key": stack_dir.joinpath(*AUDIT_KEY_IN_STACK),
        }
    )
    state, _ = up(own, brokers=3)
    try:
        yield ThreeBrokers(own, state, state.endpoints())
    finally:
        last = status(own) or state  # a node crashed and started again has a new pid
        down(own)
        alive = [node.name for node in last.kafka.nodes if node.is_running()]
        assert not alive, f"`down` left {alive} running"
