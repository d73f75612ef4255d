"""A transaction given up on (stuck, or failed by Kafka during its commit) is settled before its
batch is routed again: the broker has finished or aborted it by then, and the group's offsets and
the audit chains' heads tell which, or that another process wrote under the instance meanwhile.
Kafka's answers are set here; the real path is tested on three nodes with a node frozen
(tests/integration/test_three_brokers.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from aiokafka import TopicPartition
from aiokafka.errors import KafkaConnectionError

from gateway import fanout
from gateway.audit.chain import AuditChain
from gateway.audit.records import Head
from gateway.fanout import Fanout, Unsettled
from gateway.health import Health
from gateway.kafka import KafkaConnection

POLICE, OM = TopicPartition("signals.police", 0), TopicPartition("signals.om", 0)
BEFORE = {0: Head(4, "a4"), 1: Head(-1, "genesis")}
SEALED = {0: Head(6, "a6"), 1: Head(0, "b0")}
FIRSTS = {POLICE: 10, OM: 3}
ENDS = {POLICE: 12, OM: 4}  # the batch: police 10 and 11, om 3


@dataclass
class Router:
    commits: int = 0

    def committed(self) -> None:
        self.commits += 1


@dataclass
class Kafka:
    """What the cluster answers once the new producer has started."""

    offsets: dict[TopicPartition, int]
    heads: dict[int, Head] = field(default_factory=lambda: dict(SEALED))
    down: bool = False
    producers: int = 0


@pytest.fixture
def kafka(monkeypatch: pytest.MonkeyPatch) -> Kafka:
    answers = Kafka(offsets={})

    async def committed_offsets(
        connection: KafkaConnection, group_id: str, partitions: list[TopicPartition]
    ) -> dict[TopicPartition, int]:
        if answers.down:
            raise KafkaConnectionError("no node answers")
        return {tp: answers.offsets[tp] for tp in partitions if tp in answers.offsets}

    async def load(
        cls: type[AuditChain], connection: KafkaConnection, name: str, partitions: list[int], **_: int
    ) -> AuditChain:
        return AuditChain(name, {p: answers.heads[p] for p in partitions})

    monkeypatch.setattr(fanout, "committed_offsets", committed_offsets)
    monkeypatch.setattr(AuditChain, "load", classmethod(load))
    return answers


def stuck_fanout(kafka: Kafka) -> tuple[Fanout, Router, Unsettled]:
    router = Router()
    out = Fanout(
        kafka=KafkaConnection(bootstrap="127.0.0.1:9"),
        transactional_id="ketenpoort-gateway-0",
        group_id="ketenpoort-gateway",
        router=router,  # type: ignore[arg-type]
        chain=AuditChain("ketenpoort-gateway", dict(BEFORE)),
        health=Health(),
    )

    async def fresh_producer() -> None:
        kafka.producers += 1

    out._fresh_producer = fresh_producer  # type: ignore[method-assign,assignment]
    last = Unsettled(routed=[], heads=dict(SEALED), firsts=dict(FIRSTS))
    out._unsettled = last
    return out, router, last


async def test_one_the_broker_committed_counts_as_committed_and_is_not_routed_again(kafka: Kafka) -> None:
    kafka.offsets = dict(ENDS)
    out, router, last = stuck_fanout(kafka)
    assert await out._settle(last, dict(ENDS)) == (True, None)
    assert kafka.producers == 1, "the new producer comes first: it makes the broker finish the old"
    assert out.chain.heads == SEALED and router.commits == 1 and out._unsettled is None
    assert not out.fenced


async def test_one_the_broker_aborted_is_routed_again_from_the_same_heads(kafka: Kafka) -> None:
    kafka.offsets = dict(FIRSTS)
    kafka.heads = dict(BEFORE)
    out, router, last = stuck_fanout(kafka)
    assert await out._settle(last, dict(ENDS)) == (False, None)
    assert out.chain.heads == BEFORE and router.commits == 0 and out._unsettled is None
    assert not out.fenced


@pytest.mark.parametrize(
    ("offsets", "heads"),
    [
        pytest.param(ENDS, {0: Head(6, "x6"), 1: Head(0, "b0")}, id="the same offsets, another chain"),
        pytest.param({POLICE: 15, OM: 4}, SEALED, id="past the batch"),
        pytest.param({POLICE: 12, OM: 3}, SEALED, id="part of the batch"),
    ],
)
async def test_another_process_having_written_meanwhile_makes_this_one_step_down(
    kafka: Kafka, offsets: dict[TopicPartition, int], heads: dict[int, Head]
) -> None:
    kafka.offsets, kafka.heads = dict(offsets), dict(heads)
    out, router, last = stuck_fanout(kafka)
    assert await out._settle(last, dict(ENDS)) == (False, ("kafka", "fenced"))
    assert out.fenced, "it must never write again: a fresh start reads back what was committed"
    assert out.chain.heads == BEFORE and router.commits == 0
    assert "fenced" in out.health.problems["kafka"]


async def test_kafka_not_answering_leaves_it_unsettled_to_ask_again(kafka: Kafka) -> None:
    kafka.down = True
    out, router, last = stuck_fanout(kafka)
    committed, problem = await out._settle(last, dict(ENDS))
    assert not committed and problem is not None and problem[0] == "kafka"
    assert "could not learn whether the last transaction committed" in problem[1]
    assert out._unsettled is last and router.commits == 0 and not out.fenced
