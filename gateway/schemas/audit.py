"""The records of `gateway.audit`: what was shared with whom, on what basis, and what was withheld
(gateway/audit/ seals, verifies and reads them). Field names follow the Dutch standard *Logboek
Dataverwerkingen* where it fits: `trace_id`, `processing_activity` (the purpose), `data_subjects`
(by chain pseudonym, never the BSN)."""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, PrivateAttr


class DataSubject(BaseModel):
    model_config = ConfigDict(frozen=True)

    role: str = Field(description="suspect, victim or child")
    id: str = Field(description="The person's chain pseudonym.")
    # Logboek Dataverwerkingen: the kind of id, and the child action of this person (one log line each).
    id_type: str | None = Field(default=None, description="dpl.core.data_subject_id_type of `id`.")
    span_id: str | None = Field(default=None, description="This person's child action (W3C span id).")


class ForeignOperation(BaseModel):
    """The action at another organisation that started this one (Logboek Dataverwerkingen)."""

    model_config = ConfigDict(frozen=True)

    trace_id: str
    span_id: str
    entity: str = Field(description="URI of the organisation, e.g. urn:ketenpoort:police.")


class AuditEntry(BaseModel):
    """What was decided for one recipient of one signal, before it is sealed into the chain."""

    model_config = ConfigDict(frozen=True)

    record_id: str = Field(description="Unique: one per (record read, recipient).")
    signal_id: str
    signal_type: str
    sender: str
    recipient: str
    level: str
    fields_delivered: list[str] = Field(description="Granted paths present in the signal.")
    fields_withheld: list[str] = Field(description="Paths present in the signal the recipient did not get.")
    legal_basis: str | None
    processing_activity: str | None = Field(description="The purpose of the sharing.")
    urgency: str
    policy_revision: str
    policy_approvers: list[str] = Field(
        default=[],
        description="The privacy officers who approved the revision (where approvals are checked).",
    )
    decided_at: AwareDatetime
    trace_id: str
    data_subjects: list[DataSubject]
    # Where the signal was read: what `ketenpoort gateway reconcile` accounts by. (Absent in records
    # written before it was recorded.)
    source_topic: str | None = None
    source_partition: int | None = None
    source_offset: int | None = None
    # The Logboek Dataverwerkingen fields of this action (gateway/audit/ldv.py; absent in records
    # written before they were recorded).
    name: str | None = Field(default=None, description="The action: share_signal or withhold_signal.")
    status: str | None = Field(default=None, description="STATUS_CODE_OK: the decision was carried out.")
    started_at: AwareDatetime | None = Field(default=None, description="When routing the signal began.")
    processing_activity_id: str | None = Field(
        default=None, description="dpl.core.processing_activity_id: the activity's URI in the register."
    )
    parent_span_id: str | None = Field(default=None, description="The sender's span that started it.")
    foreign_operation: ForeignOperation | None = None
    # What the policy engine was asked (no personal data: types, organisations, categorical facts),
    # so that a proposed change can be replayed over recorded traffic (`policy diff --history`).
    policy_input: dict[str, Any] | None = None


class AuditRecord(AuditEntry):
    """An entry sealed into its chain: one chain per (gateway deployment, audit partition)."""

    chain: str = Field(description="The gateway deployment (consumer group) that wrote the chain.")
    partition: int
    sequence: int = Field(description="0, 1, 2, ... within the partition.")
    prev_hash: str
    hash: str
    span_id: str | None = Field(default=None, description="This action's W3C span id.")
    ended_at: AwareDatetime | None = Field(default=None, description="When the record was sealed.")
    # The JSON it was sealed as (gateway/audit/records.py `seal`): written as it is, not dumped again.
    _sealed_json: bytes | None = PrivateAttr(default=None)

    def as_json(self) -> bytes:
        """The record as written to `gateway.audit`."""
        return self._sealed_json if self._sealed_json is not None else self.model_dump_json().encode()
