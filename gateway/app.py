"""The gateway as a FastStream app: its share of `signals.<org>` in, exactly-once fan-out out.

The subscriber reads batches from a fixed set of partitions (static assignment: instance i of n
owns the partitions p with p % n == i) and never commits on its own; `Fanout.commit` does, inside
the transaction that also holds the batch's deliveries and audit records. The handler is thin.
Readiness and liveness are served over HTTP beside it (AsgiFastStream), the metrics to an `admin`
token only and the audit to a `privacy_officer` token only (gateway/access.py, gateway/audit/api.py).
Every route is behind the door of gateway/http.py, with the body it takes at most.
"""

from __future__ import annotations

import asyncio
import logging
from importlib.metadata import version
from typing import Any

from faststream import AckPolicy
from faststream.asgi import AsgiFastStream
from faststream.asgi.types import Receive, Scope, Send
from faststream.kafka import KafkaBroker, KafkaMessage, TopicPartition
from faststream.specification import AsyncAPI
from prometheus_client import make_asgi_app
from pydantic import BaseModel

from gateway.access import RequireRole, Role
from gateway.alerts.lifecycle import AlertEvent
from gateway.alerts.raising import RaiseAlerts
from gateway.audit.api import PATHS as AUDIT_PATHS
from gateway.audit.api import AuditApi
from gateway.audit.chain import AuditChain
from gateway.audit.reads import AuditRead, AuditReadLog
from gateway.consequences import deliveries
from gateway.decision_cache import DecisionCache
from gateway.decisions import PolicyEngine
from gateway.fanout import Fanout, owned_partitions
from gateway.health import Health
from gateway.http import NO_BODY, SMALL_JSON, Door, respond
from gateway.intake import Rewinder, no_decoding, raw_batch
from gateway.involvement_api import LookupApi
from gateway.involvements import Involvement, InvolvementIndex, follow, load_index
from gateway.kafka import KafkaConnection, ensure_topics
from gateway.logging import get_logger
from gateway.matches import IndexInvolvements
from gateway.router import Router
from gateway.schemas.delivery import Delivery, RejectionReceipt
from gateway.settings import ORGANISATIONS, RECIPIENTS, Settings
from gateway.signal_ids import SignalSeen, load_ids
from gateway.signal_ids import follow as follow_ids
from gateway.topics import (
    ALERTS,
    AUDIT,
    AUDIT_READS,
    DLQ,
    INVOLVEMENTS,
    SIGNAL_IDS,
    inbox_topic,
    signals_topic,
)

log = get_logger("gateway")


def create_app(settings: Settings, kafka: KafkaConnection, opa_url: str) -> AsgiFastStream:
    """The gateway, connecting to Kafka as `kafka` (the `gateway` principal) and to OPA at `opa_url`."""
    health = Health()
    subscriber_holder: list[Any] = []  # the signals subscriber, whose consumer a failed batch rewinds
    rewinder = Rewinder(lambda: subscriber_holder[0].consumer if subscriber_holder else None, health)
    broker = KafkaBroker(
        kafka.bootstrap,
        security=kafka.faststream_security(),
        client_id="ketenpoort-gateway",
        logger=logging.getLogger("faststream"),
        middlewares=[rewinder.middleware()],
    )
    engine = PolicyEngine(opa_url, timeout_s=settings.opa_timeout_s)
    decisions = DecisionCache(engine, refresh_s=settings.policy_refresh_s)
    instance, instances = settings.gateway_instance, settings.gateway_instances
    owned = owned_partitions(settings.topic_partitions, instance, instances)
    fanout_holder: list[Fanout] = []
    index_holder: list[InvolvementIndex] = []  # the involvement index, once loaded
    background: list[asyncio.Task[None]] = []
    stopping = asyncio.Event()
    audit_reads = AuditReadLog(kafka)
    lookup_api = RequireRole(
        LookupApi(index_holder, decisions, settings.pseudonym_key.get_secret_value().encode(), audit_reads),
        settings.tokens_path(),
        frozenset({Role.ADAPTER, Role.ONCALL}),
    )
    audit_api = RequireRole(
        AuditApi(
            kafka,
            settings.cache_path("audit"),
            settings.pseudonym_key.get_secret_value().encode(),
            audit_reads,
        ),
        settings.tokens_path(),
        frozenset({Role.PRIVACY_OFFICER}),
    )

    for topic, description in [
        *(
            (inbox_topic(org), f"What {org} may receive: redacted copies, and receipts for refused signals.")
            for org in RECIPIENTS
        ),
        (DLQ, "Refused records, untouched, with kp_error_reason / kp_error_detail headers."),
        (AUDIT, "One hash-chained record per (signal, recipient): what was shared or withheld, and why."),
        (
            AUDIT_READS,
            "Every read of the audit or lookup of involvements (who, how, what), before it is answered.",
        ),
        (
            INVOLVEMENTS,
            "The involvement index (compacted): one record per (chain pseudonym, organisation), no content.",
        ),
        (
            SIGNAL_IDS,
            "The memory of signal ids, keyed by signal id: the copy that was routed (first) and each later "
            "copy (duplicate), with the content digest. Kept 90 days.",
        ),
        (
            ALERTS,
            "On-call alerts, keyed by alert id: raised here; delivered, escalated, acknowledged and closed "
            "by the on-call service. An alert's state is the fold of its events.",
        ),
    ]:
        models: dict[str, type[BaseModel]] = {
            AUDIT_READS: AuditRead,
            INVOLVEMENTS: Involvement,
            ALERTS: AlertEvent,
            SIGNAL_IDS: SignalSeen,
        }
        schema = models.get(topic, Delivery | RejectionReceipt if topic.startswith("inbox.") else None)
        broker.publisher(topic, schema=schema, title=topic, description=description)

    signals = broker.subscriber(
        partitions=[TopicPartition(signals_topic(org), p) for org in ORGANISATIONS for p in owned],
        batch=True,
        max_records=settings.batch_max_records,
        batch_timeout_ms=settings.batch_timeout_ms,
        group_id=settings.gateway_group_id,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        ack_policy=AckPolicy.MANUAL,  # offsets are committed in the fan-out transaction only
        parser=raw_batch,  # nothing decoded before the gateway's own validation (gateway/intake.py)
        decoder=no_decoding,
        title="signals",
        description="Signals from the organisations: signals.<org>, written only by that organisation.",
    )
    subscriber_holder.append(signals)

    @signals
    async def on_signals(message: KafkaMessage) -> None:
        await fanout_holder[0].commit(list(message.raw_message), signals.consumer)

    async def prepare() -> None:
        await ensure_topics(
            kafka, partitions=settings.topic_partitions, replication=settings.topic_replication
        )
        await engine.start()
        await decisions.start()  # an unreachable OPA is not fatal: signals wait until it answers
        if decisions.problem:
            health.fail("policy", decisions.problem)
        chain = await AuditChain.load(kafka, settings.gateway_group_id, owned)
        index = await load_index(kafka, settings.involvement_retention_months)
        index_holder.append(index)
        background.append(asyncio.create_task(follow(kafka, index, stopping), name="involvement-follow"))
        key = settings.pseudonym_key.get_secret_value().encode()
        involvements = IndexInvolvements(index, decisions, key)
        ids = await load_ids(kafka)
        background.append(asyncio.create_task(follow_ids(kafka, ids, stopping), name="signal-ids-follow"))
        fanout = Fanout(
            kafka=kafka,
            transactional_id=f"{settings.gateway_group_id}-{instance}",
            group_id=settings.gateway_group_id,
            router=Router(
                decisions,
                key,
                [deliveries, RaiseAlerts(decisions), involvements],
                ids=ids,
                involved=involvements.involved,
            ),
            chain=chain,
            health=health,
        )
        await fanout.start()
        fanout_holder.append(fanout)
        health.recover("gateway")
        log.info("gateway_started", instance=instance, instances=instances, partitions=owned)

    async def close() -> None:
        stopping.set()
        await asyncio.gather(*background, return_exceptions=True)
        if fanout_holder:
            await fanout_holder[0].stop()
        await decisions.close()
        await engine.close()
        await audit_reads.close()

    async def ready(scope: Scope, receive: Receive, send: Send) -> None:
        problems = health.problems
        await respond(send, 200 if not problems else 503, {"ready": not problems, "problems": problems})

    async def live(scope: Scope, receive: Receive, send: Send) -> None:
        await respond(send, 200, {"live": True})

    metrics = RequireRole(make_asgi_app(), settings.tokens_path(), frozenset({Role.ADMIN}))
    app = AsgiFastStream(
        broker,
        asgi_routes=[
            ("/health/live", Door(live, max_body=NO_BODY)),
            ("/health/ready", Door(ready, max_body=NO_BODY)),
            ("/metrics", Door(metrics, max_body=NO_BODY)),
            *((path, Door(audit_api, max_body=SMALL_JSON)) for path in AUDIT_PATHS),
            ("/involvements", Door(lookup_api, max_body=SMALL_JSON)),
        ],
        on_startup=[prepare],
        after_shutdown=[close],  # after the subscriber has stopped and its last batch is done
        specification=AsyncAPI(
            title="Ketenpoort",
            version=version("ketenpoort"),
            description="Signals between the chain partners around (ex-partner) stalking.",
        ),
    )
    return app
