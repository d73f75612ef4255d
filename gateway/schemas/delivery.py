"""What the gateway writes to `inbox.<org>`: a redacted copy of a signal, or a rejection receipt."""

from __future__ import annotations

from typing import Any, ClassVar
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from gateway.schemas.problems import Problem


class Delivery(BaseModel):
    """A recipient's copy of one signal: only the fields policy granted it, and on which basis."""

    model_config = ConfigDict(frozen=True)

    name: ClassVar[str] = "delivery"
    version: ClassVar[str] = "1.0"

    delivery_id: UUID = Field(description="Stable per (signal, recipient): the same on any redelivery.")
    signal_id: UUID = Field(description="The original signal's id (ce_id).")
    signal_type: str = Field(description="The signal type, e.g. 'new_report'.")
    sender: str = Field(description="The organisation that sent the signal.")
    sent_at: AwareDatetime = Field(description="When the sender produced the signal.")
    recipient: str = Field(description="The organisation this copy is for.")
    level: str = Field(description="full | fields | dat: how much of the signal this copy holds.")
    fields: list[str] = Field(description="The granted field paths this copy may hold.")
    legal_basis: str | None = Field(description="Key of the legal basis for sharing (see the policy data).")
    purpose: str | None = Field(description="Key of the purpose this copy may be used for.")
    urgency: str = Field(description="How fast the recipient should act: immediate | normal | none.")
    policy_revision: str = Field(description="Fingerprint of the policies that decided this copy.")
    chain_pseudonym: str = Field(description="Stable pseudonym of the subject, for linking in the chain.")
    body: dict[str, Any] = Field(description="The redacted signal body, or the dat notice.")


class RejectionReceipt(BaseModel):
    """*Afwijzing*: which signal the gateway refused and why. Nothing of it was delivered."""

    model_config = ConfigDict(frozen=True)

    name: ClassVar[str] = "rejection_receipt"
    version: ClassVar[str] = "1.0"

    signal_id: str | None = Field(description="The rejected signal's ce_id, if it had a readable one.")
    reason: str = Field(description="Machine-readable reason code, e.g. 'schema_violation'.")
    detail: str = Field(description="What is wrong and what to send instead, in one line.")
    problems: list[Problem] = Field(description="Each problem: field path, what is wrong, what is expected.")
    topic: str = Field(description="Where the signal was read.")
    partition: int
    offset: int
