"""Which organisations' on-call staff a signal alerts, and at which priority: asked of the policy
engine (gateway/policies/alerts.rego, with its data in ketenpoort/config/alerts.json), not decided
in code.

The input is the sharing policy's (`gateway.decisions.policy_input`). Fail closed: an unreachable
policy engine or an answer of the wrong shape raises DecisionError, never "no alert".
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from gateway.decisions import DecisionError, Evaluates, Rule

ALERTS_DECISIONS = "ketenpoort/alerts/decisions"


class AlertDecision(BaseModel):
    """That one organisation's on-call staff must be alerted, how urgently, and why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    priority: Literal["p1", "p2"]
    reason: str


def parse_alert_decisions(result: Any) -> dict[str, AlertDecision]:
    """OPA's answer → one AlertDecision per organisation to alert. Anything malformed is an error."""
    if not isinstance(result, dict):
        raise DecisionError(f"alert policy returned no decisions object: {result!r:.200}")
    decisions: dict[str, AlertDecision] = {}
    for org, decision in result.items():
        try:
            decisions[org] = AlertDecision.model_validate(decision)
        except ValidationError as error:
            raise DecisionError(f"alert decision for {org!r} is malformed: {error}") from None
    return decisions


ALERTS: Rule[dict[str, AlertDecision]] = Rule(
    ALERTS_DECISIONS, lambda result, _: parse_alert_decisions(result)
)
"""The organisations whose on-call staff a signal must alert; absent ones are not alerted."""


async def alert_decisions(engine: Evaluates, policy_input: dict[str, Any]) -> dict[str, AlertDecision]:
    """The organisations whose on-call staff this signal must alert, asked without a cache."""
    return await ALERTS.of(engine, policy_input)
