"""`ketenpoort decide`: what every known recipient would receive of one signal, and why."""

from __future__ import annotations

from typing import Any

from gateway.decisions import PolicyEngine
from gateway.pipeline import Accepted, Rejected, body_for, identify, query, validate
from gateway.settings import RECIPIENTS
from tools.contracts.validate import Outcome, as_record, check

PREVIEW_KEY = b"decide-preview-only"  # the pseudonym is not shown; any key will do


async def decide(message: Any, engine: PolicyEngine) -> dict[str, Any] | Outcome:
    """The decision document for a `{"ce": ..., "data": ...}` message, or why it is not a valid signal."""
    record = as_record(message)
    checked = validate(record) if not isinstance(record, Outcome) else None
    if checked is None or isinstance(checked, Rejected):
        return check(message, "signal")
    accepted = identify(*checked, key=PREVIEW_KEY)
    if not isinstance(accepted, Accepted):
        return check(message, "signal")
    envelope = accepted.envelope
    revision = await engine.revision()
    decisions = await engine.decide(query(accepted, recipients=RECIPIENTS))
    return {
        "signal_id": str(envelope.id),
        "policy_revision": revision,
        "decisions": {
            org: {
                "level": decision.level.value,
                "fields": list(decision.fields),
                "legal_basis": decision.legal_basis,
                "purpose": decision.purpose,
                "urgency": decision.urgency,
                "body": body_for(accepted, decision),
            }
            for org, decision in decisions.items()
        },
    }
