"""Chain obligations as a consequence of each signal (a step, see gateway/consequences.py): what
must happen next, by whom, by when (docs/obligations.md).

Which obligations a signal opens is asked of the policy (gateway/policies/obligations.rego, with
each kind's owner, clock and source in ketenpoort/config/obligations.json), cached like every policy
answer. The due time is computed here from the kind's clock and the signal: a number of hours,
Dutch working days (weekends and public holidays, from the `holidays` library, skipped) or calendar
months, from when the signal was routed or from a date field of the signal (`arrested_at`,
`until`); or before a date field (`release_time`, `ends_on`). A signal that meets an open obligation
about the same person (its suspect or victim; its type, sender and what its body says) records it
met, in the same transaction.

Beside each opened obligation the step keeps, on `chain.obligations.content`, what the
organisations it concerns may see of the signal that opened it (the content of their reminders),
and removes it when the obligation is met. The reminders, escalations and lapses are the on-call
service's (oncall/obligations.py).

The open obligations live in the topic `chain.obligations` (events keyed by obligation id): each
gateway reads it whole at start and follows it; a batch's changes hold once it is committed.
"""

from __future__ import annotations

import asyncio
import calendar
import functools
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from uuid import UUID, uuid5
from zoneinfo import ZoneInfo

import holidays
from pydantic import BaseModel, ConfigDict, JsonValue, ValidationError, model_validator

from gateway.consequences import Decided, Effects
from gateway.decision_cache import DecisionCache
from gateway.decisions import DecisionError, Rule
from gateway.involvements import person_keys
from gateway.kafka import KafkaConnection, Record, read_whole
from gateway.kafka import follow as follow_partitions
from gateway.logging import get_logger
from gateway.open_book import Held, OpenBook, OpenIndex, hold
from gateway.pipeline import Accepted, content_for
from gateway.pseudonyms import chain_pseudonym
from gateway.schemas.base import ContactPerson
from gateway.schemas.obligation import ItemWhere, MeetingSignal, ObligationContent, ObligationEvent
from gateway.schemas.persons import Person
from gateway.settings import PARTNERS
from gateway.topics import OBLIGATION_CONTENT, OBLIGATIONS

log = get_logger("gateway.obligations")

LOCAL = ZoneInfo("Europe/Amsterdam")  # the chain's working days are Dutch ones
END_OF_DAY = time(23, 59, 59)


class Clock(BaseModel):
    """Exactly one of `hours`, `working_days`, `months` (counted from when the signal was routed,
    or from the signal's date or time field `from_field`) or `before_field` (due before that field)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    hours: float | None = None
    working_days: int | None = None
    months: int | None = None
    from_field: str | None = None
    before_field: str | None = None
    by_field: str | None = None
    """Due at the end of the day this date field names (a task's last day), or at the moment a time
    field names."""

    @model_validator(mode="after")
    def _one_rule(self) -> Clock:
        rules = [self.hours, self.working_days, self.months, self.before_field, self.by_field]
        if sum(rule is not None for rule in rules) != 1:
            raise ValueError("a clock has exactly one of hours, working_days, months, before_field, by_field")
        if self.from_field is not None and (self.before_field or self.by_field) is not None:
            raise ValueError("a clock runs before or by one field, or from one, not both")
        return self


OWNER = "$owner"
SENDER = "$sender"


class ForEach(BaseModel):
    """One obligation per item of a list field of the signal (a case conference's tasks): the item
    names its owner and the date its clock reads; `where` says which items open one (an open task).
    An item is known by the signal's `scope` field and its own `key` (conference id, task id): listed
    again while its obligation is open, it opens no second one, and the kind's `met_by` signals meet
    it when they list the same item (their `item.where` gains the key)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: str
    key: str
    scope: str
    owner_field: str
    where: dict[str, JsonValue] = {}

    def items(self, body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        """Each item of the signal that opens an obligation, with its reference `<scope>/<key>`."""
        items = body.get(self.field)
        if not isinstance(items, list):
            return []
        return [
            (f"{body.get(self.scope)}/{item.get(self.key)}", item)
            for item in items
            if isinstance(item, dict) and all(item.get(k) == v for k, v in self.where.items())
        ]

    def meeting(self, met_by: MeetingSignal, body: dict[str, Any], item: dict[str, Any]) -> MeetingSignal:
        """What meets the obligation of this one item: the same signal, naming the same item."""
        listed = met_by.item or ItemWhere(field=self.field, where={})
        return met_by.model_copy(
            update={
                "where": {**met_by.where, self.scope: body.get(self.scope)},
                "item": listed.model_copy(update={"where": {**listed.where, self.key: item.get(self.key)}}),
            }
        )


class ObligationSpec(BaseModel):
    """What the policy says of one kind of obligation a signal opens."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    owner: str
    clock: Clock
    remind_before_hours: float
    remind: list[str] = []
    met_by: list[MeetingSignal]
    tell_on_lapse: list[str]
    source: str
    about_person: Literal["subject", "victim"] = "subject"
    """Whom it is about: the signal's subject (the suspect, else the victim), or its victim."""
    owner_agreed: str | None = None
    """The subject (release, measure, decision) whose informer, as agreed for the victim, owns it
    instead of `owner` (gateway/informing.py). `$owner` in the lists below stands for the owner,
    `$sender` for the organisation that sent the signal opening it."""
    for_each: ForEach | None = None
    """One obligation per item of a list of the signal, instead of one for the signal."""
    once_per_person: bool = False
    """While one of this kind is open about the person, a signal opens no second one (a second hoog
    score, from another partner's tool, while the case waits for the conference)."""

    def resolved(self, owner: str, sender: str) -> ObligationSpec:
        """The specification with `$owner` read as `owner` and `$sender` as `sender`."""
        named = {OWNER: owner, SENDER: sender}

        def orgs(names: list[str]) -> list[str]:
            return list(dict.fromkeys(named.get(name, name) for name in names))

        met_by = [m.model_copy(update={"from_": named.get(m.from_, m.from_)}) for m in self.met_by]
        return self.model_copy(
            update={"owner": owner, "remind": orgs(self.remind), "tell_on_lapse": orgs(self.tell_on_lapse),
                    "met_by": met_by}
        )  # fmt: skip


def _read_opened(result: Any, _: dict[str, Any]) -> dict[str, ObligationSpec]:
    if result is None:
        return {}
    if not isinstance(result, dict):
        raise DecisionError(f"obligations policy returned no object: {result!r:.200}")
    try:
        return {kind: ObligationSpec.model_validate(spec) for kind, spec in result.items()}
    except ValidationError as error:
        raise DecisionError(f"obligation specification is malformed: {error}") from None


OPENED: Rule[dict[str, ObligationSpec]] = Rule("ketenpoort/obligations/opened", _read_opened)


@functools.cache
def _public_holidays(year: int) -> frozenset[date]:
    """The Dutch public holidays of a year, worked out once per year, not once per signal."""
    return frozenset(holidays.country_holidays("NL", years=year))


def _end_of(day: date) -> datetime:
    return datetime.combine(day, END_OF_DAY, tzinfo=LOCAL).astimezone(UTC)


def add_working_days(start: datetime, days: int) -> datetime:
    """The end of the `days`-th Dutch working day after `start` (weekends and public holidays skip)."""
    day = start.astimezone(LOCAL).date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in _public_holidays(day.year):
            counted += 1
    return _end_of(day)


def add_months(start: datetime, months: int) -> datetime:
    """The end of the same day `months` calendar months after `start` (31 August + 3 months is the
    end of 30 November)."""
    day = start.astimezone(LOCAL).date()
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return _end_of(date(year, month, min(day.day, calendar.monthrange(year, month)[1])))


def moment_of(value: object) -> datetime | None:
    """A signal's date or time field as a moment: a time as it is; a date as its start, local time."""
    if not isinstance(value, str):
        return None
    if "T" in value:
        return datetime.fromisoformat(value).astimezone(UTC)
    return datetime.combine(date.fromisoformat(value), time(0, 0), tzinfo=LOCAL).astimezone(UTC)


def due_at(clock: Clock, fields: dict[str, Any], routed_at: datetime) -> datetime | None:
    """When an obligation of this clock, opened by a signal with these fields (its body, or the item
    of one of its lists), is due; None when they lack the date its clock runs to or from (a measure
    without an end date has no extension to decide)."""
    if clock.before_field is not None:
        return moment_of(fields.get(clock.before_field))
    if clock.by_field is not None:
        by = fields.get(clock.by_field)
        return _end_of(date.fromisoformat(by)) if isinstance(by, str) and "T" not in by else moment_of(by)
    start = routed_at if clock.from_field is None else moment_of(fields.get(clock.from_field))
    if start is None:
        return None
    if clock.hours is not None:
        return start + timedelta(hours=clock.hours)
    if clock.working_days is not None:
        return add_working_days(start, clock.working_days)
    assert clock.months is not None
    return add_months(start, clock.months)


def obligation_id_of(signal_id: UUID, kind: str, item: str | None = None) -> UUID:
    return uuid5(signal_id, f"obligation:{kind}" if item is None else f"obligation:{kind}:{item}")


def obligation_record(event: ObligationEvent) -> Record:
    value = event.model_dump_json(by_alias=True).encode()
    return Record(OBLIGATIONS, str(event.obligation_id).encode(), value, [])


def content_record(obligation_id: UUID, content: ObligationContent | None) -> Record:
    """What the organisations may see of an obligation's signal; None: a tombstone, it is closed."""
    value = content.model_dump_json().encode() if content is not None else None
    return Record(OBLIGATION_CONTENT, str(obligation_id).encode(), value, [])


def concerned(spec: ObligationSpec) -> list[str]:
    """The organisations an obligation's reminders and lapse alerts go to."""
    return sorted({spec.owner, *spec.remind, *spec.tell_on_lapse})


def about(signal: Accepted, key: bytes) -> set[str]:
    """The pseudonyms of the persons a signal may meet an obligation about: its suspect and its
    victim, by BSN and by name and birth date. (An obligation is about its signal's subject or its
    victim: Veilig Thuis closes its involvement with the victim, and its follow-up assessment names
    the suspect too; victim support, which keeps no BSN, names her by name and birth date.)"""
    persons = [p for p in (signal.signal.suspect, signal.signal.victim) if p is not None]
    return {signal.pseudonym, *(found for person in persons for found in keys_of(person, key))}


def keys_of(person: Person, key: bytes) -> list[str]:
    """Every chain pseudonym of the person, the one the chain keys it by first."""
    return list(dict.fromkeys([chain_pseudonym(person, key), *(p for p, _ in person_keys(person, key))]))


def person_of(signal: Accepted, which: str) -> Person | None:
    """The person an obligation is about: the signal's subject, or its victim (None: it names none)."""
    return signal.signal.subject() if which == "subject" else signal.signal.victim


def met_event(first: ObligationEvent, signal_id: UUID, at: datetime) -> ObligationEvent:
    event_id = uuid5(first.obligation_id, "met")
    return first.model_copy(update={"event_id": event_id, "event": "met", "at": at, "met_signal": signal_id})


def _meets(signal: Accepted, meeting: MeetingSignal) -> bool:
    return meeting.meets(signal.envelope.signal, signal.envelope.org, signal.body)


ContactOf = Callable[[str, str], ContactPerson | None]
"""An organisation's contact for a person (by chain pseudonym), as the involvement index knows it."""


Informer = Callable[[str, str], str | None]
"""The partner agreed to inform a victim (by chain pseudonym) of a subject: gateway/informing.py."""


def _nobody(pseudonym: str, org: str) -> ContactPerson | None:
    return None


def _no_agreement(victim: str, about: str) -> str | None:
    return None


def owner_contact(signal: Accepted, owner: str, contact_of: ContactOf) -> ContactPerson | None:
    """Whom to call at the owner: the signal's contact when the owner sent it, else the index's."""
    contact = getattr(signal.signal, "contact", None)
    if signal.envelope.org == owner and isinstance(contact, ContactPerson):
        return contact
    return contact_of(signal.pseudonym, owner)


class KeepObligations:
    """The step: record met what this signal meets, and open what it opens."""

    def __init__(
        self,
        book: OpenBook,
        decisions: DecisionCache,
        pseudonym_key: bytes,
        contact_of: ContactOf = _nobody,
        informer: Informer = _no_agreement,
    ) -> None:
        self.book, self.decisions, self.key = book, decisions, pseudonym_key
        self.contact_of, self.informer = contact_of, informer
        self._met: dict[UUID, ObligationEvent] = {}  # what this batch met
        self._batch = OpenBook()  # what this batch opened, over the book

    def begin(self) -> None:
        self._met, self._batch = {}, OpenBook()

    def committed(self) -> None:
        for held in self._batch.open():
            self.book.add(held)
        for event in self._met.values():
            self.book.apply(event)
        self.begin()

    def _open(self, look_up: Callable[[OpenIndex], dict[UUID, Held]]) -> list[Held]:
        """What `look_up` finds open, in the book or opened in this batch, and not met in it."""
        found = {**look_up(self.book.index), **look_up(self._batch.index)}
        return [held for obligation_id, held in found.items() if obligation_id not in self._met]

    def _open_meeting(self, keys: set[str], signal_type: str, sender: str) -> list[Held]:
        """What is open about these persons that a signal of this type from this sender may meet."""
        return self._open(lambda index: index.meeting_about(keys, signal_type, sender))

    def _open_of_kind(self, keys: set[str], kind: str) -> list[Held]:
        return self._open(lambda index: index.of_kind(keys, kind))

    def _record(self, met: list[ObligationEvent], opened: list[ObligationEvent]) -> None:
        """This batch's changes, seen by the signals after it in the batch; the book's at commit."""
        for event in opened:
            self._batch.add(hold(event))
        self._met.update((event.obligation_id, event) for event in met)

    def _instances(
        self, kind: str, spec: ObligationSpec, signal: Accepted, keys: list[str]
    ) -> list[tuple[str | None, dict[str, Any], ObligationSpec]]:
        """What this kind opens for this signal: one obligation (no item; the body's fields), or one
        per item of a list that is not already open (the item; its fields; its owner and meeting)."""
        sender = signal.envelope.org
        owner = spec.owner
        if spec.owner_agreed is not None:
            owner = self.informer(keys[0], spec.owner_agreed) or spec.owner
        if spec.once_per_person and self._open_of_kind(set(keys), kind):
            return []
        if spec.for_each is None:
            return [(None, signal.body, spec.resolved(owner, sender))]
        each = spec.for_each
        already = {o.item for o in self._open_of_kind(set(keys), kind) if o.item is not None}
        found: list[tuple[str | None, dict[str, Any], ObligationSpec]] = []
        for item, fields in each.items(signal.body):
            if item in already or fields.get(each.owner_field) not in PARTNERS:
                continue  # open already, or owned outside the chain (the plan keeps it)
            item_spec = spec.resolved(fields[each.owner_field], sender)
            met_by = [each.meeting(m, signal.body, fields) for m in item_spec.met_by]
            found.append((item, fields, item_spec.model_copy(update={"met_by": met_by})))
        return found

    def _opened(
        self,
        decided: Decided,
        kind: str,
        spec: ObligationSpec,
        keys: list[str],
        item: str | None,
        due: datetime,
    ) -> tuple[ObligationEvent, ObligationContent]:
        signal, now = decided.signal, decided.now
        obligation_id = obligation_id_of(signal.envelope.id, kind, item)
        event = ObligationEvent(
            event_id=uuid5(obligation_id, "opened"),
            obligation_id=obligation_id,
            event="opened",
            at=now,
            kind=kind,
            owner=spec.owner,
            subject=keys[0],
            subject_keys=keys,
            item=item,
            opened_by=signal.envelope.id,
            opened_at=now,
            due_at=due,
            remind_at=due - timedelta(hours=spec.remind_before_hours),
            remind=spec.remind or [spec.owner],
            met_by=spec.met_by,
            tell_on_lapse=spec.tell_on_lapse,
            source=spec.source,
        )
        seen = {org: content_for(signal, org, decided.decisions) for org in concerned(spec)}
        content = ObligationContent(
            obligation_id=obligation_id,
            signal_type=signal.envelope.signal,
            sender=signal.envelope.org,
            content={org: body for org, body in seen.items() if body is not None},
            owner_contact=owner_contact(signal, spec.owner, self.contact_of),
        )
        return event, content

    async def __call__(self, decided: Decided) -> Effects:
        signal, now = decided.signal, decided.now
        meets = functools.partial(_meets, signal)
        envelope = signal.envelope
        met = [
            met_event(held.event(), envelope.id, now)
            for held in self._open_meeting(about(signal, self.key), envelope.signal, envelope.org)
            if any(meets(m) for m in held.terms.met_by)
        ]
        records = [obligation_record(event) for event in met]
        records += [content_record(event.obligation_id, None) for event in met]
        _, opened = await self.decisions.ask(OPENED, decided.asked)
        opened_now: list[ObligationEvent] = []
        for kind, spec in sorted(opened.items()):
            person = person_of(signal, spec.about_person)
            if person is None:
                continue
            keys = keys_of(person, self.key)
            for item, fields, item_spec in self._instances(kind, spec, signal, keys):
                due = due_at(item_spec.clock, fields, now)
                if due is None:
                    continue
                event, content = self._opened(decided, kind, item_spec, keys, item, due)
                opened_now.append(event)
                records += [obligation_record(event), content_record(event.obligation_id, content)]
        self._record(met, opened_now)
        return Effects(records)


async def load_book(
    kafka: KafkaConnection, clock: Callable[[], datetime], horizon: timedelta
) -> tuple[OpenBook, dict[Any, int]]:
    """The open obligations as the topic holds them now, and where to follow it from."""
    book = OpenBook(clock=clock, horizon=horizon)
    positions = await read_whole(kafka, OBLIGATIONS, book.take)
    log.info("obligations_loaded", open=len(book))
    return book, positions


async def follow(
    kafka: KafkaConnection, book: OpenBook, positions: dict[Any, int], stop: asyncio.Event
) -> None:
    """Keep the book current with what other gateway instances and the on-call service record
    (this instance's own events arrive too: applying them again changes nothing)."""
    await follow_partitions(kafka, positions, book.take, stop=stop)
