"""Who informs the victim of what, as a consequence of each signal (a step, see
gateway/consequences.py): a `victim_informing_agreed` signal records, per victim and subject
(release, measure, decision), the partner agreed to inform her; the obligations step then gives a
"victim warned" obligation to that partner instead of the covenant's default (docs/obligations.md).

The agreements live in the compacted topic `chain.victim-informing`, keyed by victim and subject:
each gateway reads it whole at start and follows it; a batch's changes hold once it is committed.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from aiokafka import ConsumerRecord, TopicPartition
from pydantic import ValidationError

from gateway.consequences import Decided, Effects
from gateway.kafka import KafkaConnection, Record, read_whole
from gateway.kafka import follow as follow_partitions
from gateway.logging import get_logger
from gateway.schemas.informing import InformerAgreed
from gateway.schemas.victim_informing import VictimInformingAgreed
from gateway.topics import VICTIM_INFORMING

log = get_logger("gateway.informing")


@dataclass
class Informers:
    """The agreements in memory, by (victim pseudonym, subject)."""

    agreed: dict[tuple[str, str], InformerAgreed] = field(default_factory=dict)
    positions: dict[TopicPartition, int] = field(default_factory=dict)

    def put(self, agreement: InformerAgreed) -> None:
        self.agreed[(agreement.victim, agreement.about)] = agreement

    def take(self, message: ConsumerRecord[bytes, bytes]) -> None:
        """Put one record of the topic; one that is no agreement is logged and passed over (only
        the gateway may write the topic), so that it cannot stop a gateway at start."""
        if not message.value:
            return
        try:
            self.put(InformerAgreed.model_validate_json(message.value))
        except ValidationError as error:
            log.error("informing_record_unreadable", offset=message.offset, error=str(error)[:300])

    def informer(self, victim: str, about: str) -> str | None:
        found = self.agreed.get((victim, about))
        return found.informer if found is not None else None


def informing_record(agreement: InformerAgreed) -> Record:
    key = f"{agreement.victim}/{agreement.about}".encode()
    return Record(VICTIM_INFORMING, key, agreement.model_dump_json().encode(), [])


class KeepInforming:
    """The step: a `victim_informing_agreed` signal's agreements, one record per subject."""

    def __init__(self, informers: Informers) -> None:
        self.informers = informers
        self._changes: list[InformerAgreed] = []

    def begin(self) -> None:
        self._changes = []

    def committed(self) -> None:
        for agreement in self._changes:
            self.informers.put(agreement)
        self._changes = []

    def informer(self, victim: str, about: str) -> str | None:
        """The agreed informer, this batch's agreements included (a release in the same batch as
        its agreement goes to the agreed partner)."""
        for agreement in reversed(self._changes):
            if (agreement.victim, agreement.about) == (victim, about):
                return agreement.informer
        return self.informers.informer(victim, about)

    async def __call__(self, decided: Decided) -> Effects:
        signal = decided.signal
        if not isinstance(signal.signal, VictimInformingAgreed):
            return Effects()
        victim = next(p for role, p in signal.persons if role == "victim")
        agreements = [
            InformerAgreed(
                victim=victim,
                about=agreement.about.value,
                informer=agreement.informer,
                agreed_by=signal.signal.agreed_by.value,
                signal_id=signal.envelope.id,
                at=decided.now,
            )
            for agreement in signal.signal.agreements
        ]
        self._changes += agreements
        return Effects([informing_record(agreement) for agreement in agreements])


async def load_informers(kafka: KafkaConnection) -> Informers:
    informers = Informers()
    informers.positions = await read_whole(kafka, VICTIM_INFORMING, informers.take)
    log.info("informers_loaded", agreements=len(informers.agreed))
    return informers


async def follow(kafka: KafkaConnection, informers: Informers, stop: asyncio.Event) -> None:
    """Keep the agreements current with what other gateway instances record."""
    await follow_partitions(kafka, informers.positions, informers.take, stop=stop)
