"""The gateway as a FastStream app: assembly only. The service (gateway/service.py) does the work.

The subscriber reads batches from a fixed set of partitions (static assignment: instance i of n
owns the partitions p with p % n == i), takes the records as sent (gateway/intake.py) and never
commits on its own; the fan-out does, inside the transaction that also holds the batch's outcomes.
Readiness and liveness are served over HTTP beside it (AsgiFastStream), the metrics to an `admin`
token only, the audit to a `privacy_officer` token only (gateway/access.py, gateway/audit/api.py), and
lookups and the case timeline to an organisation's tokens (gateway/involvement_api.py,
gateway/timeline/api.py).
Every route is behind the door of gateway/http.py, with the body it takes at most.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable
from importlib.metadata import version

from faststream import AckPolicy
from faststream.asgi import AsgiFastStream
from faststream.asgi.types import ASGIApp, Receive, Scope, Send
from faststream.kafka import KafkaBroker, KafkaMessage, TopicPartition
from faststream.specification import AsyncAPI
from prometheus_client import make_asgi_app

from gateway.access import RequireRole, Role
from gateway.audit.api import PATHS as AUDIT_PATHS
from gateway.audit.api import AuditApi
from gateway.clock import Clock, now_utc
from gateway.http import NO_BODY, SMALL_JSON, Door, respond
from gateway.intake import Rewinder, no_decoding, raw_batch
from gateway.involvement_api import LookupApi
from gateway.kafka import KafkaConnection
from gateway.service import GatewayService
from gateway.settings import ORGANISATIONS, Settings
from gateway.timeline.api import PATHS as TIMELINE_PATHS
from gateway.timeline.api import TimelineApi
from gateway.topics import TOPICS, signals_topic

COLLECTOR_THRESHOLDS = (10_000, 50, 100)
"""The garbage collector's thresholds in a gateway process (Python's defaults: 700, 10, 10)."""


def tune_collector(app: AsgiFastStream) -> None:
    """For a process that runs one gateway (`ketenpoort gateway run`, each instance of `gateway
    serve`). What the gateway keeps (ids, involvements, open obligations, decisions) is long-lived
    and without cycles, and a signal's own objects are freed as soon as it is routed; yet with the
    defaults the collector scanned the whole heap every 2 s at 200 signals/s, 100-200 ms each time,
    with the event loop stood still (docs/benchmarks.md, "Garbage collection"). Rarer young
    collections, and the state loaded at start-up frozen out of every collection (`gc.freeze`, after
    one last collection, so no garbage is frozen)."""
    gc.set_threshold(*COLLECTOR_THRESHOLDS)

    def freeze() -> None:
        gc.collect()
        gc.freeze()

    app.after_startup(freeze)


def create_app(
    settings: Settings,
    kafka: KafkaConnection,
    opa_url: str,
    *,
    clock: Clock = now_utc,
    on_fenced: Callable[[], None] | None = None,
) -> AsgiFastStream:
    """The gateway, connecting to Kafka as `kafka` (the `gateway` principal) and to OPA at `opa_url`;
    `clock` is the time it routes at (tests set it); `on_fenced` what to do once another process
    took over this instance (gateway/service.py)."""
    service = GatewayService(settings, kafka, opa_url, clock=clock, on_fenced=on_fenced)
    rewinder = Rewinder(lambda: signals.consumer, service.health)  # a failed batch is read again
    broker = KafkaBroker(
        kafka.servers(),
        security=kafka.faststream_security(),
        client_id="ketenpoort-gateway",
        logger=logging.getLogger("faststream"),
        middlewares=[rewinder.middleware()],
    )
    for topic in TOPICS:
        if "gateway" in topic.writers:
            broker.publisher(topic.name, schema=topic.schema, title=topic.name, description=topic.description)
    signals = broker.subscriber(
        partitions=[TopicPartition(signals_topic(org), p) for org in ORGANISATIONS for p in service.owned],
        batch=True,
        max_records=settings.batch_max_records,
        batch_timeout_ms=settings.batch_timeout_ms,
        group_id=settings.gateway_group_id,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        ack_policy=AckPolicy.MANUAL,  # offsets are committed in the fan-out transaction only
        parser=raw_batch,  # nothing decoded before the gateway's own validation
        decoder=no_decoding,
        title="signals",
        description="Signals from the organisations: signals.<org>, written only by that organisation.",
    )

    @signals
    async def on_signals(message: KafkaMessage) -> None:
        await service.handle(message.raw_message, signals.consumer)

    return AsgiFastStream(
        broker,
        asgi_routes=http_routes(settings, kafka, service),
        on_startup=[service.start],
        after_shutdown=[service.stop],  # after the subscriber has stopped and its last batch is done
        specification=AsyncAPI(
            title="Ketenpoort",
            version=version("ketenpoort"),
            description="Signals between the chain partners around (ex-partner) stalking.",
        ),
    )


def http_routes(
    settings: Settings, kafka: KafkaConnection, service: GatewayService
) -> list[tuple[str, ASGIApp]]:
    """Health for everyone; metrics, the audit and lookups each for their role, behind the door."""

    async def ready(scope: Scope, receive: Receive, send: Send) -> None:
        # What holds the next batch back, also while no signal comes: OPA down, or its revision not
        # approved (the decision cache checks every policy_refresh_s).
        problems = service.health.problems
        if service.decisions.problem is not None:
            problems = {**problems, "policy": service.decisions.problem}
        await respond(send, 200 if not problems else 503, {"ready": not problems, "problems": problems})

    async def live(scope: Scope, receive: Receive, send: Send) -> None:
        await respond(send, 200, {"live": True})

    def only(app: ASGIApp, *roles: Role) -> ASGIApp:
        return RequireRole(app, settings.tokens_path(), frozenset(roles))

    key, reads = service.pseudonym_key, service.audit_reads
    audit = only(AuditApi(kafka, settings.cache_path("audit"), key, reads), Role.PRIVACY_OFFICER)
    lookups = only(LookupApi(lambda: service.index, service.decisions, key, reads), Role.ADAPTER, Role.ONCALL)
    timeline = only(TimelineApi(service.timeline, key, reads, clock=service.clock), Role.ADAPTER, Role.ONCALL)
    return [
        ("/health/live", Door(live, max_body=NO_BODY)),
        ("/health/ready", Door(ready, max_body=NO_BODY)),
        ("/metrics", Door(only(make_asgi_app(), Role.ADMIN), max_body=NO_BODY)),
        *((path, Door(audit, max_body=SMALL_JSON)) for path in AUDIT_PATHS),
        ("/involvements", Door(lookups, max_body=SMALL_JSON)),
        *((path, Door(timeline, max_body=SMALL_JSON)) for path in TIMELINE_PATHS),
    ]
