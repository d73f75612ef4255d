"""Reading the alert policy's answer: well-formed answers become AlertDecisions, anything else is a
DecisionError (fail closed). No OPA here: a fake engine answers."""

from __future__ import annotations

from typing import Any, cast

import pytest

from gateway.alerts.rules import ALERTS_DECISIONS, AlertDecision, alert_decisions
from gateway.decisions import DecisionError, PolicyEngine, policy_input

INPUT = policy_input("breach_of_conditions", "3ro", "1.0", {"severity": "high"})


class FakeEngine:
    """Answers `evaluate` with a fixed result, or raises, and remembers what it was asked."""

    def __init__(self, result: Any = None, error: Exception | None = None) -> None:
        self.result = result
        self.error = error
        self.asked: list[tuple[str, dict[str, Any]]] = []

    async def evaluate(self, path: str, given: dict[str, Any]) -> Any:
        self.asked.append((path, given))
        if self.error is not None:
            raise self.error
        return self.result


async def ask(engine: FakeEngine) -> dict[str, AlertDecision]:
    return await alert_decisions(cast(PolicyEngine, engine), INPUT)


async def test_asks_the_alert_policy_with_the_sharing_input() -> None:
    engine = FakeEngine({})
    await ask(engine)
    assert engine.asked == [(ALERTS_DECISIONS, INPUT)]
    assert ALERTS_DECISIONS == "ketenpoort/alerts/decisions"


async def test_parses_one_decision_per_alerted_organisation() -> None:
    answer = {
        "police": {"priority": "p1", "reason": "Breach of conditions (overtreding van voorwaarden)"},
        "veiligthuis": {"priority": "p2", "reason": "r"},
    }
    decisions = await ask(FakeEngine(answer))
    assert decisions == {
        "police": AlertDecision(priority="p1", reason="Breach of conditions (overtreding van voorwaarden)"),
        "veiligthuis": AlertDecision(priority="p2", reason="r"),
    }


async def test_nobody_to_alert_is_an_empty_answer() -> None:
    assert await ask(FakeEngine({})) == {}


@pytest.mark.parametrize(
    "answer",
    [
        None,  # the package or rule is not loaded: OPA leaves it undefined
        [],
        "p1",
        {"police": "p1"},
        {"police": {"priority": "p3", "reason": "r"}},
        {"police": {"priority": "P1", "reason": "r"}},
        {"police": {"priority": "p1"}},
        {"police": {"reason": "r"}},
        {"police": {"priority": "p1", "reason": 7}},
        {"police": {"priority": "p1", "reason": "r", "extra": True}},
    ],
)
async def test_a_malformed_answer_is_an_error(answer: Any) -> None:
    with pytest.raises(DecisionError, match="alert"):
        await ask(FakeEngine(answer))


async def test_an_unreachable_engine_is_an_error() -> None:
    with pytest.raises(DecisionError, match="unavailable"):
        await ask(FakeEngine(error=DecisionError("policy engine at http://opa unavailable: refused")))


async def test_the_real_engine_fails_closed_when_opa_is_unreachable() -> None:
    engine = PolicyEngine("http://127.0.0.1:9", timeout_s=0.5)
    await engine.start()
    try:
        with pytest.raises(DecisionError, match="unavailable"):
            await alert_decisions(engine, INPUT)
    finally:
        await engine.close()
