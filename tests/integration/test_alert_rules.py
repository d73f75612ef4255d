"""The on-call alert rules against the real OPA: for every signal type's example (docs/examples),
whose on-call staff it alerts at which priority; and every alerted partner but the sender gets
content of the signal from the sharing policy (the alert carries what sharing grants)."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.alerts.rules import alert_decisions
from gateway.decisions import Level, PolicyEngine, policy_input
from tools.contracts.examples import Example, examples

# signal type → {organisation: priority}; types not named alert nobody.
EXPECTED: dict[str, dict[str, str]] = {
    # An arrest by the police: the prosecutor's 9 hours to hold or release run from it.
    "arrest": {"om": "p2"},
    # Severity high, raised by probation's ankle-tag monitoring: its own supervisor acts too.
    "breach_of_conditions": {"police": "p1", "om": "p1", "veiligthuis": "p1", "3ro": "p1"},
    # Released by the prosecution service, last known risk hoog.
    "release_from_custody": {"police": "p1", "veiligthuis": "p1", "3ro": "p2"},
    # Scored hoog by the police, up from midden.
    "risk_assessment": {"veiligthuis": "p1", "om": "p1", "3ro": "p2"},
    # Veilig Thuis found acute unsafety.
    "safety_assessment": {"police": "p1"},
}

EXAMPLES = examples()


def query(case: Example) -> dict[str, Any]:
    return policy_input(case.name, case.sender, "1.0", case.signal.attributes())


@pytest.mark.parametrize("case", EXAMPLES, ids=[case.name for case in EXAMPLES])
async def test_each_example_alerts_whom_it_must(engine: PolicyEngine, case: Example) -> None:
    decisions = await alert_decisions(engine, query(case))
    priorities = {org: decision.priority for org, decision in decisions.items()}
    assert priorities == EXPECTED.get(case.name, {})
    for org, decision in decisions.items():
        assert decision.reason.strip() and "\n" not in decision.reason, f"{case.name}/{org}: reason"


@pytest.mark.parametrize("case", [c for c in EXAMPLES if c.name in EXPECTED], ids=lambda c: c.name)
async def test_alerted_partners_receive_content_of_the_signal(engine: PolicyEngine, case: Example) -> None:
    alerts = await alert_decisions(engine, query(case))
    sharing = await engine.decide(query(case))
    for org in alerts.keys() - {case.sender}:
        assert sharing[org].level is Level.FIELDS, f"{case.name}: {org} alerted but gets {sharing[org].level}"


async def test_a_release_below_hoog_alerts_nobody(engine: PolicyEngine) -> None:
    case = next(c for c in EXAMPLES if c.name == "release_from_custody")
    attributes = {**case.signal.attributes(), "risk_level": "midden"}
    assert await alert_decisions(engine, policy_input(case.name, case.sender, "1.0", attributes)) == {}
