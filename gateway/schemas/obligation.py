"""The records of `chain.obligations`: what must happen next in the chain, by whom, by when, as
events keyed by obligation id (docs/obligations.md), and of `chain.obligations.content`: what the
organisations it concerns may see of the signal that opened an obligation, kept while it is open.

The gateway opens an obligation in the transaction of the signal that opens it, and records it met
in the transaction of the signal that meets it; the on-call service records it reminded, escalated
and lapsed as its clock runs, and done elsewhere or waived as the owner says. An obligation's state
is the fold of its events (gateway/obligation_state.py)."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, JsonValue

from gateway.schemas.base import ContactPerson

EventKind = Literal["opened", "reminded", "escalated", "lapsed", "met", "done_elsewhere", "waived"]
CLOSING: frozenset[str] = frozenset({"met", "done_elsewhere", "waived"})
"""The events after which nothing more is due."""


def _says(fields: dict[str, Any], where: dict[str, JsonValue]) -> bool:
    return all(fields.get(name) == value for name, value in where.items())


class ItemWhere(BaseModel):
    """What one item of a list field of the meeting signal must say: a plan's task, by its id, done."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: str = Field(description="The list field, e.g. tasks.")
    where: dict[str, JsonValue] = Field(description="The fields of the item and the value each must have.")


class MeetingSignal(BaseModel):
    """A signal that meets an obligation: its type, from which organisation, and what its body must
    say (`where`: top-level fields and the value each must have; null: absent or null; `item`: an
    item of one of its lists and what that must say)."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    type: str
    from_: str = Field(alias="from")
    where: dict[str, JsonValue] = Field(default_factory=dict)
    item: ItemWhere | None = Field(default=None, exclude_if=lambda item: item is None)

    def meets(self, signal_type: str, sender: str, body: dict[str, Any]) -> bool:
        return (
            signal_type == self.type
            and sender == self.from_
            and _says(body, self.where)
            and (self.item is None or self._has_item(body, self.item))
        )

    @staticmethod
    def _has_item(body: dict[str, Any], item: ItemWhere) -> bool:
        items = body.get(item.field)
        return isinstance(items, list) and any(isinstance(i, dict) and _says(i, item.where) for i in items)


class ObligationEvent(BaseModel):
    """One change in an obligation's life. Every event carries the obligation as it was opened, so
    each is readable on its own."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    event_id: UUID = Field(default_factory=uuid4, description="This event's own id: applied once.")
    obligation_id: UUID
    event: EventKind
    at: AwareDatetime
    kind: str = Field(description="e.g. risk_screening, safety_assessment, measure_extension.")
    owner: str = Field(description="The organisation that must act.")
    subject: str = Field(description="The chain pseudonym of the person it is about; never a BSN.")
    subject_keys: list[str] = Field(
        default_factory=list,
        description="Every chain pseudonym of that person (of the BSN, and of name and birth date): a "
        "later signal naming the person either way meets it. Empty: `subject` only.",
    )
    item: str | None = Field(
        default=None,
        exclude_if=lambda item: item is None,
        description="One obligation per item of a list (a case conference's task): the item, as "
        "`<the list's scope>/<the item's key>` (conference id / task id). A signal listing the same "
        "item again while it is open opens no second one.",
    )
    opened_by: UUID = Field(description="The signal that opened it.")
    opened_at: AwareDatetime | None = Field(default=None, description="When it was opened.")
    due_at: AwareDatetime
    remind_at: AwareDatetime
    remind: list[str] = Field(default_factory=list, description="The organisations reminded.")
    met_by: list[MeetingSignal] = Field(description="The signals that meet it.")
    tell_on_lapse: list[str] = Field(description="The organisations told when it lapses.")
    source: str = Field(description="Where the chain agreed on it.")
    met_signal: UUID | None = Field(default=None, description="Met: the signal that met it.")
    told: list[str] | None = Field(
        default=None, description="Reminded, escalated, lapsed: the organisations alerted."
    )
    by: str | None = Field(default=None, description="Done elsewhere, waived: who said so.")
    reason: str | None = Field(
        default=None, max_length=500, description="Done elsewhere, waived: why, in a line (no case content)."
    )


class ObligationContent(BaseModel):
    """What each organisation an obligation concerns may see of the signal that opened it (as the
    sharing policy granted it, or the sender's own signal): the content of its reminders and of its
    line in the console's due list. Kept on a compacted topic and removed (a tombstone) once the
    obligation is met, done elsewhere or waived."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    obligation_id: UUID
    signal_type: str
    sender: str
    content: dict[str, dict[str, Any]] = Field(description="Per organisation, what it may see.")
    owner_contact: ContactPerson | None = Field(
        default=None,
        description="Whom to call at the owner, with their role, where the chain knows it: the "
        "signal's contact when the owner sent it, else the owner's contact in the involvement index.",
    )
