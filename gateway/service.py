"""The gateway service: what it loads when it starts, what runs while it runs, and what it closes.

At start: the topics, the policy engine and its decision cache (an unreachable OPA is not fatal:
signals wait until it answers), the audit chain heads of the partitions this instance owns, the
involvement index and the memory of signal ids (each read whole, then followed), and the fan-out
with its router and the steps of a signal's consequences; then the signed audit checkpoints, at a
fixed interval. `handle` takes one batch; `stop` closes
everything in reverse. `gateway/app.py` wires it to Kafka and HTTP.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Sequence
from datetime import timedelta
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.structs import ConsumerRecord

from gateway.alerts.raising import RaiseAlerts
from gateway.audit.chain import AuditChain
from gateway.audit.checkpoints import Checkpointer
from gateway.audit.pruning import AuditPruning
from gateway.audit.reads import AuditReadLog
from gateway.clock import Clock, now_utc
from gateway.consequences import Step, deliveries
from gateway.decision_cache import DecisionCache
from gateway.decisions import PolicyEngine
from gateway.fanout import Fanout, Fenced, fence, owned_partitions, retired_instances
from gateway.health import Health
from gateway.informing import KeepInforming, load_informers
from gateway.informing import follow as follow_informers
from gateway.involvements import InvolvementIndex, follow, load_index
from gateway.kafka import KafkaConnection, ensure_topics
from gateway.logging import get_logger
from gateway.matches import IndexInvolvements
from gateway.metrics import OBLIGATION_GAUGES
from gateway.obligations import KeepObligations
from gateway.obligations import follow as follow_obligations
from gateway.obligations import load_book as load_obligations
from gateway.open_book import OpenBook
from gateway.policy_approvals import Approvers
from gateway.retention_sweep import RetentionSweep
from gateway.router import Router
from gateway.settings import Settings
from gateway.signal_ids import SignalIds, load_ids
from gateway.signal_ids import follow as follow_ids
from gateway.signing import load_or_create_key
from gateway.timeline.feed import TimelineFeed

log = get_logger("gateway")


def assemble_router(
    decisions: DecisionCache,
    pseudonym_key: bytes,
    index: InvolvementIndex,
    ids: SignalIds,
    obligations: OpenBook,
    informing: KeepInforming,
    clock: Clock = now_utc,
) -> Router:
    """The router with a signal's consequences, in order: a new one is a module with a step, and an
    entry here."""
    involvements = IndexInvolvements(index, decisions, pseudonym_key)
    steps: list[Step] = [
        deliveries,
        RaiseAlerts(decisions),
        involvements,
        informing,
        KeepObligations(obligations, decisions, pseudonym_key, index.contact_of, informing.informer),
    ]
    return Router(decisions, pseudonym_key, steps, ids=ids, involved=involvements.involved, clock=clock)


class GatewayService:
    def __init__(
        self,
        settings: Settings,
        kafka: KafkaConnection,
        opa_url: str,
        *,
        clock: Clock = now_utc,
        on_fenced: Callable[[], None] | None = None,
    ) -> None:
        """`clock` is the time the gateway routes at (tests set it, to move an obligation's clock).
        `on_fenced` is called when another process took over this instance's transactional id
        (`gateway run` exits then); without it, the instance stays not ready and delivers nothing."""
        self.settings, self.kafka, self.clock, self.on_fenced = settings, kafka, clock, on_fenced
        self.pseudonym_key = settings.pseudonym_key.get_secret_value().encode()
        self.health = Health()
        approvers = Approvers.load(settings.policy_approvers) if settings.policy_approvers else None
        self.engine = PolicyEngine(opa_url, timeout_s=settings.opa_timeout_s, approvers=approvers)
        self.decisions = DecisionCache(self.engine, refresh_s=settings.policy_refresh_s)
        self.audit_reads = AuditReadLog(kafka)
        self.owned = owned_partitions(
            settings.topic_partitions, settings.gateway_instance, settings.gateway_instances
        )
        self.index: InvolvementIndex | None = None  # once loaded
        # The case timeline's read model: built on its first lookup, then kept current.
        self.timeline = TimelineFeed(
            kafka, settings.cache_path("timeline"), self.pseudonym_key,
            f"{settings.gateway_group_id}-{settings.gateway_instance}",
        )  # fmt: skip
        self._fanout: Fanout | None = None
        self._stopping = asyncio.Event()
        self._background: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        settings, kafka = self.settings, self.kafka
        await ensure_topics(
            kafka, partitions=settings.topic_partitions, replication=settings.topic_replication
        )
        # This instance's id first: a process still running under it (a crashed predecessor, or a
        # second copy of this instance) is refused from now on, before anything it committed is
        # read back (the audit chain's head, the consumer's offsets). Then the ids of instances a
        # larger count had: none may leave a transaction open behind it.
        retired = retired_instances(
            settings.topic_partitions, settings.gateway_instance, settings.gateway_instances
        )
        own = [settings.gateway_instance, *retired]
        await fence(kafka, [f"{settings.gateway_group_id}-{j}" for j in own])
        await self.engine.start()
        await self.decisions.start()
        if self.decisions.problem:
            self.health.fail("policy", self.decisions.problem)
        chain = await AuditChain.load(kafka, settings.gateway_group_id, self.owned)
        self.index = await load_index(kafka, settings.involvement_retention_months)
        ids = await load_ids(kafka)
        horizon = timedelta(days=settings.obligation_horizon_days)
        obligations, obligation_positions = await load_obligations(kafka, self.clock, horizon)
        OBLIGATION_GAUGES.watch(obligations, self.clock)  # counted when /metrics is scraped
        informers = await load_informers(kafka)
        self._follow(follow(kafka, self.index, self._stopping), "involvement-follow")
        self._follow(follow_ids(kafka, ids, self._stopping), "signal-ids-follow")
        self._follow(follow_informers(kafka, informers, self._stopping), "informers-follow")
        informing = KeepInforming(informers)
        self._follow(
            follow_obligations(kafka, obligations, obligation_positions, self._stopping), "obligations-follow"
        )
        router = assemble_router(
            self.decisions, self.pseudonym_key, self.index, ids, obligations, informing, self.clock
        )
        instance = settings.gateway_instance
        checkpointer = Checkpointer(
            load_or_create_key(settings.audit_key_path()), settings.gateway_group_id, instance
        )
        self._fanout = Fanout(
            kafka=kafka,
            transactional_id=f"{settings.gateway_group_id}-{instance}",
            group_id=settings.gateway_group_id,
            router=router,
            chain=chain,
            health=self.health,
            transaction_timeout_s=settings.transaction_timeout_s,
            checkpointer=checkpointer,
        )
        await self._fanout.start()
        self._follow(self._checkpoints(self._fanout), "audit-checkpoints")
        if instance == 0:  # one instance removes what retention expires; the others read it
            days = settings.audit_retention_days
            pruning = AuditPruning(kafka, self._fanout.write, checkpointer, days) if days else None
            self._follow(
                self._retention(RetentionSweep(self.index, self._fanout), pruning), "retention-sweep"
            )
        self.health.recover("gateway")
        log.info(
            "gateway_started", instance=instance, instances=settings.gateway_instances, partitions=self.owned
        )

    async def handle(
        self, batch: Sequence[ConsumerRecord[bytes, bytes]], consumer: AIOKafkaConsumer | None
    ) -> None:
        """Route and deliver one batch exactly once; returns when it is committed."""
        assert self._fanout is not None, "the gateway handles batches only once started"
        try:
            await self._fanout.commit(list(batch), consumer)
        except Fenced:
            if self.on_fenced is not None:
                self.on_fenced()
            raise

    async def stop(self) -> None:
        self._stopping.set()
        await asyncio.gather(*self._background, return_exceptions=True)
        if self._fanout is not None:
            await self._fanout.stop()
        await self.decisions.close()
        await self.engine.close()
        await self.timeline.close()
        await self.audit_reads.close()

    async def _checkpoints(self, fanout: Fanout) -> None:
        """A signed checkpoint of the audit chains' heads at a fixed interval, when they moved;
        `Fanout.stop` writes the last one."""
        while not self._stopping.is_set():
            try:
                await asyncio.wait_for(self._stopping.wait(), self.settings.audit_checkpoint_interval_s)
            except TimeoutError:
                await fanout.checkpoint("interval")

    async def _retention(self, sweep: RetentionSweep, pruning: AuditPruning | None) -> None:
        """Remove what retention expired, every `retention_sweep_s`: involvements, and audit records
        where the audit has a retention."""
        while not self._stopping.is_set():
            try:
                await asyncio.wait_for(self._stopping.wait(), self.settings.retention_sweep_s)
            except TimeoutError:
                await sweep.once()
                if pruning is not None:
                    await pruning.once()

    def _follow(self, follower: Coroutine[Any, Any, None], name: str) -> None:
        self._background.append(asyncio.create_task(follower, name=name))
