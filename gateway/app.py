"""The gateway as a FastStream app: consume `signals.<org>`, run the pipeline, produce the results.

The handler is deliberately thin. Delivery is at least once per record here: results are produced
and confirmed before the offset is committed. When the policy engine cannot be asked the handler
delivers nothing and retries with capped backoff, so signals wait (fail closed).
"""

from __future__ import annotations

import asyncio
import logging
from importlib.metadata import version

import structlog
from aiokafka.structs import ConsumerRecord
from faststream import AckPolicy, FastStream
from faststream.kafka import KafkaBroker, KafkaMessage
from faststream.specification import AsyncAPI

from gateway.decision_cache import DecisionCache
from gateway.decisions import DecisionError, PolicyEngine
from gateway.kafka import ensure_topics
from gateway.logging import get_logger
from gateway.pipeline import Gateway, Record, Rejected
from gateway.schemas.delivery import Delivery, RejectionReceipt
from gateway.settings import ORGANISATIONS, RECIPIENTS, Settings
from gateway.topics import DLQ, DLQ_RECORD_MAX_BYTES, inbox_topic, signals_topic

log = get_logger("gateway")

RETRY_FIRST_S = 0.2
RETRY_MAX_S = 5.0


def record_from(raw: ConsumerRecord[bytes, bytes]) -> Record:
    return Record(
        topic=raw.topic,
        key=raw.key,
        value=raw.value or b"",
        headers=list(raw.headers),
        partition=raw.partition,
        offset=raw.offset,
    )


async def process_until_decided(gateway: Gateway, record: Record) -> list[Record]:
    """Run the pipeline; while policy cannot be asked, wait and try again. Never deliver undecided."""
    delay = RETRY_FIRST_S
    while True:
        try:
            outputs, outcome = await gateway.process(record)
        except DecisionError as error:
            log.warning("policy_unavailable", error=str(error), retry_in_s=delay, topic=record.topic)
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_MAX_S)
            continue
        if isinstance(outcome, Rejected):
            log.info(
                "signal_rejected", reason=outcome.reason, signal_id=outcome.signal_id, topic=record.topic
            )
        else:
            structlog.contextvars.bind_contextvars(trace_id=outcome.envelope.trace_id)
            log.info(
                "signal_routed",
                signal_id=str(outcome.envelope.id),
                type=outcome.envelope.signal,
                sender=outcome.envelope.org,
                deliveries=[out.topic for out in outputs],
            )
            structlog.contextvars.unbind_contextvars("trace_id")
        return outputs


def create_app(settings: Settings, kafka_bootstrap: str, opa_url: str) -> FastStream:
    broker = KafkaBroker(
        kafka_bootstrap,
        client_id="ketenpoort-gateway",
        acks="all",
        enable_idempotence=True,
        max_request_size=DLQ_RECORD_MAX_BYTES + 64 * 1024,  # a refused record goes to the DLQ whole
        logger=logging.getLogger("faststream"),
    )
    engine = PolicyEngine(opa_url, timeout_s=settings.opa_timeout_s)
    decisions = DecisionCache(engine, refresh_s=settings.policy_refresh_s)
    gateway = Gateway(decisions, settings.pseudonym_key.get_secret_value().encode())

    publishers = {
        inbox_topic(org): broker.publisher(
            inbox_topic(org),
            schema=Delivery | RejectionReceipt,
            title=inbox_topic(org),
            description=f"What {org} may receive: redacted copies of signals, and receipts for refused ones.",
        )
        for org in RECIPIENTS
    }
    publishers[DLQ] = broker.publisher(
        DLQ,
        title=DLQ,
        description="Refused records, untouched, with kp_error_reason / kp_error_detail headers.",
    )

    @broker.subscriber(
        *(signals_topic(org) for org in ORGANISATIONS),
        group_id=settings.gateway_group_id,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        ack_policy=AckPolicy.ACK,
        title="signals",
        description="Signals from the organisations: signals.<org>, written only by that organisation.",
    )
    async def on_signal(message: KafkaMessage) -> None:
        for out in await process_until_decided(gateway, record_from(message.raw_message)):
            headers = {name: value.decode() for name, value in out.headers}
            await publishers[out.topic].publish(out.value, key=out.key, headers=headers)

    app = FastStream(
        broker,
        specification=AsyncAPI(
            title="Ketenpoort",
            version=version("ketenpoort"),
            description="Signals between the chain partners around (ex-partner) stalking.",
        ),
    )

    @app.on_startup
    async def prepare() -> None:
        created = await ensure_topics(
            kafka_bootstrap, partitions=settings.topic_partitions, replication=settings.topic_replication
        )
        if created:
            log.info("topics_created", topics=created)
        await engine.start()
        await decisions.start()  # an unreachable OPA is not fatal: signals wait until it answers

    @app.after_shutdown
    async def close() -> None:
        await decisions.close()
        await engine.close()

    return app
