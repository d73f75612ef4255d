"""The on-call service: takes the alerts the gateway raises on `alerts.oncall`, delivers them to the
person on call through the channels, escalates what nobody acknowledges in time, and records every
change as an event on the same topic.

The topic is the only state. At start the service reads it whole into an AlertBook, so every open
alert and every running timer survives a restart; then it follows the topic. Its own events are
written first (a transaction of their own) and applied after, so what the console shows has been
recorded; their echo from the topic changes nothing.

It also keeps the chain obligations' clock (oncall/obligations.py): it reads `chain.obligations`
and `chain.obligations.content` the same way, and when an obligation's reminder or due time comes,
writes its `reminded` or `lapsed` event together with the alerts it raises, in one transaction, so
a restarted or replaced instance never reminds twice for the same moment. An escalation of such an
alert is recorded on the obligation too; once the obligation is met, done elsewhere or waived, its
open alerts are closed. The owner's staff record an obligation done elsewhere or waive it here.

One instance works at a time: all use the transactional id `ketenpoort-oncall`, so a starting
instance fences the one before it (a rolling deployment hands over). A fenced instance finds out
at its next write, then stops delivering and escalating and reports itself not ready; it may have
notified once more in between (a webhook receiver sees the same X-Ketenpoort-Delivery).

Delivery of one alert runs in a task of its own, so a slow webhook holds up no other alert. The
`delivered` event names the channels that took it; the console always does.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import orjson
from aiokafka import AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError, KafkaTimeoutError, ProducerFenced
from pydantic import ValidationError

from gateway.clock import Clock, now_utc
from gateway.kafka import KafkaConnection, follow, make_producer, read_whole, stop_within, within
from gateway.logging import get_logger
from gateway.obligation_state import Obligation, event_of
from gateway.schemas.alert import AlertEvent
from gateway.schemas.obligation import CLOSING, ObligationEvent
from gateway.topics import ALERTS, OBLIGATION_CONTENT, OBLIGATIONS
from oncall import i18n
from oncall.channels import Channel, ChannelFailed, Notice
from oncall.config import OnCallConfig
from oncall.lifecycle import Alert, AlertBook, Roster
from oncall.obligations import ObligationClock

log = get_logger("gateway.oncall")

TRANSACTIONAL_ID = "ketenpoort-oncall"
CHANNEL_TIMEOUT_S = 10.0
WRITE_TIMEOUT_S = 30.0  # a transaction of events not completed by then is given up (as the gateway's)
LOOK_AT_LEAST_EVERY_S = 1.0
URGENT_AT_ONCE = 32
OTHERS_AT_ONCE = 8
"""Alerts delivered at once: p1 alerts, and the others, each with places of their own, the most
urgent first. A burst (thousands of obligations found lapsed when the service starts after an
outage, a partner's backlog) started every delivery at once: thousands of webhook calls queued in
the HTTP client's pool, whose handling grows with its queue, timed out, and a p1 raised meanwhile
waited behind them all. The others' places are few so that a p1's delivery shares the service's
loop with few others (`bench.alerts --burst`: docs/benchmarks.md)."""
MOMENTS_PER_TICK = 20
"""Obligations' reminders and lapses written per turn of the timers, in one transaction, so that
alerts raised meanwhile are delivered between them, not after the whole burst is written."""


def urgency(alert: Alert) -> tuple[str, datetime]:
    """Which alert to deliver first: by priority (p1 first), then the longest waiting."""
    return alert.priority, alert.raised_at


Listener = Callable[[Alert], None]


class AlertNotFound(LookupError):
    """No alert with that id for that organisation."""


class AlertClosed(Exception):
    """The alert is closed: nothing more to do."""


class ObligationNotFound(LookupError):
    """No open obligation with that id owned by that organisation."""


Written = AlertEvent | ObligationEvent


def _where(event: Written) -> tuple[str, bytes]:
    """The topic and key an event is written to: its alert's, or its obligation's."""
    if isinstance(event, AlertEvent):
        return ALERTS, str(event.alert_id).encode()
    return OBLIGATIONS, str(event.obligation_id).encode()


class OnCallService:
    def __init__(
        self,
        kafka: KafkaConnection,
        config: OnCallConfig,
        channels: Iterable[Channel] = (),
        *,
        org_channels: Mapping[str, Iterable[Channel]] | None = None,
        clock: Clock = now_utc,
    ) -> None:
        """`channels` serve every organisation (e-mail); `org_channels` one each (its webhook)."""
        self.kafka, self.config, self.clock = kafka, config, clock
        self.channels = list(channels)
        self.org_channels = {org: list(own) for org, own in (org_channels or {}).items()}
        self.rosters: dict[str, Roster] = config.rosters()
        self.book = AlertBook(deadlines=config.deadlines())
        self._listeners: set[Listener] = set()
        self._producer: AIOKafkaProducer | None = None
        self._positions: dict[TopicPartition, int] = {}
        self.obligations = ObligationClock()
        self._obligation_positions: dict[TopicPartition, int] = {}
        self._content_positions: dict[TopicPartition, int] = {}
        self._alerts_of: dict[UUID, set[UUID]] = {}  # obligation id → the alerts it raised
        self._to_settle: set[UUID] = set()  # closed obligations whose alerts may still be open
        self._delivering: dict[UUID, asyncio.Task[None]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._wake = asyncio.Event()
        self._write = asyncio.Lock()
        self.ready = False
        self.fenced = False

    # Start and stop

    async def start(self) -> None:
        """Rebuild every alert from the topic, then follow it and run the timers."""
        # Starting it fences an older instance.
        await self._fresh_producer()
        try:
            await self._rebuild()
        except BaseException:
            await self._stop_producer()  # nothing half-started is left behind
            raise
        open_alerts = sum(alert.open for alert in self.book.alerts.values())
        log.info("oncall_started", alerts=len(self.book.alerts), open=open_alerts)
        clock = self.obligations
        self._tasks = [
            asyncio.create_task(self._follow(), name="oncall-follow"),
            asyncio.create_task(
                follow(self.kafka, self._obligation_positions, self._take_obligation),
                name="oncall-obligations",
            ),
            asyncio.create_task(
                follow(self.kafka, self._content_positions, lambda m: clock.take_content(m.key, m.value)),
                name="oncall-obligation-content",
            ),
            asyncio.create_task(self._timers(), name="oncall-timers"),
        ]
        self.ready = True

    async def _rebuild(self) -> None:
        """The book as the topic holds it now, and where to follow it from."""
        self._positions = await read_whole(self.kafka, ALERTS, lambda message: self._take(message.value))
        if not self._positions:
            raise RuntimeError(f"the topic {ALERTS} does not exist: start the gateway first")
        clock = self.obligations
        self._obligation_positions = await read_whole(self.kafka, OBLIGATIONS, self._take_obligation)
        self._content_positions = await read_whole(
            self.kafka, OBLIGATION_CONTENT, lambda message: clock.take_content(message.key, message.value)
        )

    async def stop(self) -> None:
        self.ready = False
        for task in [*self._tasks, *self._delivering.values()]:
            task.cancel()
        await asyncio.gather(*self._tasks, *self._delivering.values(), return_exceptions=True)
        await self._stop_producer()

    async def _fresh_producer(self) -> None:
        """A new transactional producer: starting it fences an older one under the same id, and
        makes the broker finish or abort the transaction that one left open."""
        await self._stop_producer()
        self._producer = make_producer(
            self.kafka, client_id="ketenpoort-oncall", transactional_id=TRANSACTIONAL_ID, linger_ms=0
        )
        await self._producer.start()

    async def _stop_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            await stop_within(producer)

    # Events in

    def _take(self, value: bytes | None) -> None:
        """Apply one record of the topic. A record that is not an event is logged and passed over:
        nothing but the gateway and this service writes the topic (ACLs), so it cannot be a lost alert."""
        if not value:
            return
        try:
            event = AlertEvent.model_validate_json(value)
        except ValidationError as error:
            log.error("oncall_event_unreadable", error=str(error)[:300])
            return
        self._apply(event)

    def _apply(self, event: AlertEvent) -> None:
        alert = self.book.apply(event)
        if alert is None:
            return
        if alert.obligation_id is not None:
            self._alerts_of.setdefault(alert.obligation_id, set()).add(alert.alert_id)
        if event.kind == "raised":
            log.info("alert_raised", alert_id=str(alert.alert_id), org=alert.org, priority=alert.priority)
            if self.ready and not self.fenced and self._places(alert.priority == "p1") > 0:
                self._start(alert)  # now, not at the timers' next turn, which may wait behind writes
        for listener in list(self._listeners):
            listener(alert)
        self._wake.set()

    def _take_obligation(self, message: ConsumerRecord[bytes, bytes]) -> None:
        """Apply one record of `chain.obligations` (written by the gateway and this service only)."""
        if (event := event_of(message)) is not None:
            self._apply_obligation(event)

    def _apply_obligation(self, event: ObligationEvent) -> None:
        if self.obligations.apply(event) is None:
            return
        if event.event in CLOSING:
            self._to_settle.add(event.obligation_id)
        self._wake.set()

    async def _follow(self) -> None:
        """The topic from where the rebuild stopped; a fetch is answered as soon as records arrive."""
        await follow(self.kafka, self._positions, lambda message: self._take(message.value))

    # Events out

    async def record(self, event: AlertEvent) -> Alert:
        """Write the event to the topic, then apply it. Raises KafkaError when it is not recorded:
        then nothing changed."""
        await self.write([event])
        return self.book.alerts[event.alert_id]

    async def write(self, events: Sequence[Written], *, remove_content: UUID | None = None) -> None:
        """Write alert and obligation events (and remove an obligation's content) in one
        transaction, then apply them. Raises KafkaError when they are not recorded: then nothing
        changed."""
        if self.fenced:
            raise ProducerFenced()
        async with self._write:
            if self._producer is None:  # given up after a stuck transaction
                await self._fresh_producer()
            assert self._producer is not None, "start() first"
            # Given up after WRITE_TIMEOUT_S, its events count as not recorded; should the broker
            # have committed them after all, their echo from the topic applies them.
            writing = self._transact(self._producer, events, remove_content)
            transaction = await within(writing, WRITE_TIMEOUT_S)
            if transaction is None:
                log.warning("oncall_write_stuck", timeout_s=WRITE_TIMEOUT_S, events=len(events))
                await self._stop_producer()
                raise KafkaTimeoutError(f"the events were not recorded within {WRITE_TIMEOUT_S:g} s")
            try:
                transaction.result()
            except ProducerFenced:
                self._fenced()
                raise
        for event in events:
            if isinstance(event, AlertEvent):
                self._apply(event)
            else:
                self._apply_obligation(event)
        if remove_content is not None:
            self.obligations.content.pop(remove_content, None)

    async def _transact(
        self, producer: AIOKafkaProducer, events: Sequence[Written], remove_content: UUID | None
    ) -> None:
        async with producer.transaction():
            for event in events:
                topic, key = _where(event)
                # By alias: an obligation's meeting signals keep their field `from`.
                value = orjson.dumps(event.model_dump(mode="json", by_alias=True))
                await producer.send(topic, value, key=key)
            if remove_content is not None:
                await producer.send(OBLIGATION_CONTENT, None, key=str(remove_content).encode())

    def _fenced(self) -> None:
        if not self.fenced:
            log.error("oncall_fenced", detail="another on-call service instance took over; this one stops")
        self.fenced, self.ready = True, False

    # Timers and delivery

    async def _timers(self) -> None:
        """Deliver what is undelivered and escalate what is overdue; then sleep until the next
        deadline, a new event, or a second at most (a missed wake costs no more than that)."""
        while True:
            self._wake.clear()
            try:
                await self.tick()
            except KafkaError as error:
                log.warning("oncall_tick_failed", error=repr(error))
            now = self.clock()
            moments = [m for m in (self.book.next_due(), self.obligations.next_moment()) if m is not None]
            wait = LOOK_AT_LEAST_EVERY_S
            if moments:
                wait = min(wait, max((min(moments) - now).total_seconds(), 0.01))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)

    async def tick(self) -> None:
        if self.fenced:
            return
        now = self.clock()
        for event in self.book.escalations(now, self.rosters):
            log.warning("alert_escalated", alert_id=str(event.alert_id), org=event.org, tier=event.tier)
            obligation_id = self.book.alerts[event.alert_id].obligation_id
            escalated = self.obligations.escalated(event, obligation_id) if obligation_id else None
            await self.write([event, *([escalated] if escalated is not None else [])])
        self._start_deliveries()  # before this turn's writes: an alert waiting waits no longer
        due = self.obligations.due(now, at_most=MOMENTS_PER_TICK)
        for obligation, moment in due:
            log.info("obligation_" + moment, obligation_id=str(obligation.obligation_id),
                     kind=obligation.first.kind, owner=obligation.first.owner)  # fmt: skip
        if due:  # together: a burst of lapses is a few transactions, not one each
            await self.write(
                [event for o, moment in due for event in self.obligations.events(o, moment, now)]
            )
        await self._settle()
        self._start_deliveries()

    def _start_deliveries(self) -> None:
        """Start delivering what waits, the most urgent first, in the places free: a p1 never waits
        for a place behind a burst of p2."""
        waiting = [alert for alert in self.book.undelivered() if alert.alert_id not in self._delivering]
        for urgent in (True, False):
            mine = (alert for alert in waiting if (alert.priority == "p1") == urgent)
            for alert in heapq.nsmallest(self._places(urgent), mine, key=urgency):
                self._start(alert)

    def _places(self, urgent: bool) -> int:
        """How many more p1 alerts (`urgent`), or others, may be delivered now."""
        busy = sum((self.book.alerts[alert_id].priority == "p1") == urgent for alert_id in self._delivering)
        return (URGENT_AT_ONCE if urgent else OTHERS_AT_ONCE) - busy

    def _start(self, alert: Alert) -> None:
        if alert.alert_id not in self._delivering and not alert.delivered and alert.open:
            task = asyncio.create_task(self._deliver(alert), name=f"deliver-{alert.alert_id}")
            self._delivering[alert.alert_id] = task

    async def _deliver(self, alert: Alert) -> None:
        try:
            now = self.clock()
            tier = alert.tier
            person = self.rosters[alert.org].on_call(now).person(tier)
            lang = self.config.organisations[alert.org].language
            obligation = self.obligations.book.by_id.get(alert.obligation_id) if alert.obligation_id else None
            reason = i18n.alert_reason(alert, lang, obligation.first if obligation is not None else None)
            notice = Notice(
                alert_id=alert.alert_id, org=alert.org, priority=alert.priority, reason=reason,
                signal_id=alert.signal_id, signal_type=alert.signal_type, sender=alert.sender,
                raised_at=alert.raised_at, tier=tier, person=person.name, email=person.email,
                escalation=tier != "primary",
                console_url=self.config.console_url, content=alert.content, language=lang,
            )  # fmt: skip
            taken = await self._notify(notice)
            if not alert.open or alert.tier != tier:
                return  # acknowledged or escalated meanwhile: its delivery no longer applies
            delivered = AlertEvent(
                alert_id=alert.alert_id, kind="delivered", at=self.clock(), org=alert.org,
                priority=alert.priority, signal_id=alert.signal_id, tier=tier, person=person.name,
                channels=["console", *taken],
            )  # fmt: skip
            await self.record(delivered)
        except KafkaError as error:
            log.warning("alert_delivery_not_recorded", alert_id=str(alert.alert_id), error=repr(error))
        except LookupError as error:  # nobody on call: the configuration was checked, so say it loudly
            log.error("alert_not_deliverable", alert_id=str(alert.alert_id), error=str(error))
        finally:
            self._delivering.pop(alert.alert_id, None)
            self._wake.set()

    async def _notify(self, notice: Notice) -> list[str]:
        """Every channel at once; the names of those that took the notice."""

        async def one(channel: Channel) -> str | None:
            try:
                await asyncio.wait_for(channel.notify(notice), CHANNEL_TIMEOUT_S)
            except (ChannelFailed, TimeoutError) as failure:
                log.warning(
                    "alert_channel_failed",
                    alert_id=str(notice.alert_id),
                    channel=channel.name,
                    reason=str(failure) or "timed out",
                )
                return None
            return channel.name

        channels = [*self.channels, *self.org_channels.get(notice.org, [])]
        taken = await asyncio.gather(*(one(channel) for channel in channels))
        return [name for name in taken if name is not None]

    # What people do

    def alert_of(self, alert_id: UUID, org: str) -> Alert:
        alert = self.book.alerts.get(alert_id)
        if alert is None or alert.org != org:
            raise AlertNotFound(f"no alert {alert_id} for {org}")
        return alert

    async def acknowledge(self, alert_id: UUID, org: str, by: str) -> Alert:
        """`by` takes the alert: its escalation stops. Acknowledging it again changes nothing."""
        alert = self.alert_of(alert_id, org)
        if alert.closed_at is not None:
            raise AlertClosed(f"alert {alert_id} is closed")
        if alert.acknowledged_by is not None:
            return alert
        return await self.record(self._event(alert, "acknowledged", by=by))

    async def close(self, alert_id: UUID, org: str, by: str, note: str) -> Alert:
        """Done with: `note` says what was done. Closing also acknowledges."""
        alert = self.alert_of(alert_id, org)
        if alert.closed_at is not None:
            return alert
        return await self.record(self._event(alert, "closed", by=by, note=note))

    def _event(self, alert: Alert, kind: str, *, by: str, note: str | None = None) -> AlertEvent:
        return AlertEvent.model_validate(
            {"alert_id": alert.alert_id, "kind": kind, "at": self.clock(), "org": alert.org,
             "priority": alert.priority, "signal_id": alert.signal_id, "tier": alert.tier,
             "person": alert.person, "by": by, "note": note}
        )  # fmt: skip

    async def _settle(self) -> None:
        """Close the open alerts of obligations that are met, done elsewhere or waived."""
        while self._to_settle:
            obligation_id = next(iter(self._to_settle))
            closing = [
                self._event(alert, "closed", by="ketenpoort", note="the obligation is closed")
                for alert_id in self._alerts_of.get(obligation_id, set())
                if (alert := self.book.alerts[alert_id]).closed_at is None
            ]
            if closing:
                await self.write(closing)
            self._to_settle.discard(obligation_id)

    def due(self, org: str) -> list[Obligation]:
        """What `org` owns and has not done, the lapsed ones too, the soonest due first."""
        owned = [o for o in self.obligations.book.open() if o.first.owner == org]
        return sorted(owned, key=lambda o: o.first.due_at)

    def content_of(self, obligation: Obligation, org: str) -> dict[str, Any]:
        seen = self.obligations.content.get(obligation.obligation_id)
        return seen.content.get(org, {}) if seen is not None else {}

    async def settle_obligation(
        self, obligation_id: UUID, org: str, by: str, how: str, reason: str
    ) -> Obligation:
        """The owner says it was done elsewhere (outside the chain's signals) or waives it, with a
        reason: nothing more is due, and its alerts close."""
        obligation = self.obligations.book.by_id.get(obligation_id)
        if obligation is None or obligation.first.owner != org or not obligation.is_open:
            raise ObligationNotFound(f"no open obligation {obligation_id} owned by {org}")
        event = obligation.first.model_copy(
            update={"event_id": uuid4(), "event": how, "at": self.clock(), "by": by, "reason": reason}
        )
        await self.write([event], remove_content=obligation_id)
        log.info("obligation_" + how, obligation_id=str(obligation_id), org=org, by=by)
        return obligation

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` with every alert that changes; returns how to stop."""
        self._listeners.add(listener)
        return lambda: self._listeners.discard(listener)

    def alerts(self, org: str) -> list[Alert]:
        return [alert for alert in self.book.alerts.values() if alert.org == org]
