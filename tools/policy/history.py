"""`ketenpoort policy diff --history 90d`: a proposed policy change replayed over the traffic the
audit recorded. Each audit record carries the policy input its decision answered (types,
organisations and categorical facts; no personal data); every signal of the period is asked of the
base policies and of the proposed ones, each in a throwaway OPA, and the report counts, per signal
type, recipient and field, how many deliveries would have gained or lost what. Counts only.

A signal's inputs repeat (the same type, sender and facts, the same partners involved), so each
distinct input is asked once of each version and counted as often as it occurred.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from gateway.decisions import Decision, PolicyEngine
from gateway.schemas.audit import AuditRecord


@dataclass
class Impact:
    """What one signal type's deliveries to one recipient would gain or lose."""

    signal_type: str
    recipient: str
    deliveries: int = 0  # decisions replayed
    changed: int = 0  # decisions that come out otherwise
    levels: Counter[tuple[str, str]] = field(default_factory=Counter)  # (before, after) where they differ
    gained: Counter[str] = field(default_factory=Counter)
    lost: Counter[str] = field(default_factory=Counter)

    def as_json(self) -> dict[str, Any]:
        return {
            "signal_type": self.signal_type,
            "recipient": self.recipient,
            "deliveries": self.deliveries,
            "changed": self.changed,
            "levels": [{"before": b, "after": a, "count": n} for (b, a), n in sorted(self.levels.items())],
            "gained_fields": dict(sorted(self.gained.items())),
            "lost_fields": dict(sorted(self.lost.items())),
        }


@dataclass
class Replay:
    """The period's signals replayed: how many, how many could not be (recorded before the audit
    kept their policy input), and the impact where anything changes."""

    signals: int = 0
    distinct_inputs: int = 0
    not_replayable: int = 0
    impacts: dict[tuple[str, str], Impact] = field(default_factory=dict)

    def changed(self) -> list[Impact]:
        return [impact for _, impact in sorted(self.impacts.items()) if impact.changed]

    def as_json(self) -> dict[str, Any]:
        return {
            "signals": self.signals,
            "distinct_inputs": self.distinct_inputs,
            "not_replayable": self.not_replayable,
            "changes": [impact.as_json() for impact in self.changed()],
        }


def recorded_inputs(records: Iterable[AuditRecord]) -> tuple[Counter[bytes], int]:
    """(how often each distinct policy input occurred, signals without one): one occurrence per
    signal read, whatever number of recipients its audit records are for."""
    inputs: dict[tuple[Any, ...], bytes | None] = {}
    for record in records:
        occurrence = (record.signal_id, record.source_topic, record.source_partition, record.source_offset)
        if occurrence in inputs and inputs[occurrence] is not None:
            continue
        asked = record.policy_input
        inputs[occurrence] = orjson.dumps(asked, option=orjson.OPT_SORT_KEYS) if asked else None
    counted = Counter(value for value in inputs.values() if value is not None)
    return counted, sum(1 for value in inputs.values() if value is None)


async def replay(base: PolicyEngine, proposed: PolicyEngine, records: Iterable[AuditRecord]) -> Replay:
    counted, missing = recorded_inputs(records)
    return await replay_counted(base, proposed, counted, missing)


async def replay_counted(
    base: PolicyEngine, proposed: PolicyEngine, counted: Mapping[bytes, int] | Mapping[str, int], missing: int
) -> Replay:
    """Each distinct policy input (JSON) asked of both versions once, counted as often as it occurred."""
    result = Replay(
        signals=sum(counted.values()) + missing, distinct_inputs=len(counted), not_replayable=missing
    )
    impacts: dict[tuple[str, str], Impact] = defaultdict(lambda: Impact("", ""))
    for raw, times in counted.items():
        asked = orjson.loads(raw)
        before, after = await base.decide(asked), await proposed.decide(asked)
        signal_type = asked["signal"]["type"]
        for recipient in before:
            impact = impacts[(signal_type, recipient)]
            impact.signal_type, impact.recipient = signal_type, recipient
            _count(impact, before[recipient], after[recipient], times)
    result.impacts = dict(impacts)
    return result


def _count(impact: Impact, before: Decision, after: Decision, times: int) -> None:
    impact.deliveries += times
    was, now = set(before.fields), set(after.fields)
    summary = ("level", "legal_basis", "purpose", "urgency")
    if was == now and all(getattr(before, key) == getattr(after, key) for key in summary):
        return
    impact.changed += times
    if before.level != after.level:
        impact.levels[(before.level.value, after.level.value)] += times
    for path in now - was:
        impact.gained[path] += times
    for path in was - now:
        impact.lost[path] += times
