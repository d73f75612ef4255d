"""The shared fictional scenario, step by step, as each organisation's adapter sends it.

A fictionalised version of the pattern DOMAIN.md describes (the Hümeyra case): a report at Veilig
Thuis, a police complaint with a SASH score of hoog, a behavioural order with a contact ban and an
ankle tag, the tag's alarm, an arrest, a release with conditions. Each organisation's part is in
its `samples/scenario.*`; `STEPS` puts the records in the order they happen. Used by `ketenpoort
demo` and tests/scenario/.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from adapters.exports import Mapped, NativeRecord
from adapters.ingest import NAMESPACE, Ingest, Summary, planned
from adapters.registry import adapter
from gateway.kafka import KafkaConnection

ADAPTERS = Path(__file__).parent


@dataclass(frozen=True)
class Step:
    org: str
    records: tuple[int, ...]  # positions (from 0) in the organisation's samples/scenario file
    what: str


STEPS = (
    Step(
        "veiligthuis",
        (0, 1, 2),
        "Veilig Thuis registers Lotte's report, assigns a casusregisseur, finds it unsafe",
    ),
    Step("police", (0,), "the police take her complaint; the SASH screening says hoog"),
    Step("om", (0,), "the OM imposes a behavioural order: contact ban, area ban, ankle tag"),
    Step("3ro", (0, 1), "probation starts supervising the order"),
    Step("3ro", (2,), "the ankle tag alarms: Bram entered the zone around her home"),
    Step("police", (1,), "the police arrest him near her home"),
    Step("om", (1, 2), "the OM summons him and releases him with conditions"),
)


def scenario_file(org: str) -> Path:
    return ADAPTERS / org / "samples" / f"scenario{adapter(org).suffix}"


def steps() -> list[tuple[Step, list[NativeRecord]]]:
    """Each step with its records, read by the organisation's adapter."""
    read = {org: adapter(org).read(scenario_file(org).read_bytes()) for org in {step.org for step in STEPS}}
    return [(step, [read[step.org][n] for n in step.records]) for step in STEPS]


@dataclass(frozen=True)
class Replayed:
    """One step as sent: what the adapter reported, and each signal it means, by signal id."""

    step: Step
    summary: Summary
    signals: list[tuple[str, Mapped]]


async def replay(
    connect: Callable[[str], KafkaConnection],
    ledger_dir: Path,
    pseudonym_key: bytes,
    settle: Callable[[Replayed], Awaitable[None]] | None = None,
    namespace: UUID = NAMESPACE,
) -> list[Replayed]:
    """Send every step through its organisation's adapter, logged in as that organisation
    (`connect(org)`), in order. A fresh `ledger_dir` sends everything; a used one skips what it sent.

    Signals on different organisations' topics have no order between them at the gateway; `settle`,
    awaited with each step once sent, can wait until the gateway has handled it, so the steps happen
    in turn. The signal ids are the adapters' own, in `namespace`: a replay that must be new to a
    stack that saw the scenario before (the demo, the scenario test) gives a namespace of its own."""
    replayed = []
    async with AsyncExitStack() as stack:
        ingests: dict[str, Ingest] = {}
        for step, records in steps():
            if step.org not in ingests:
                ingest = Ingest(adapter(step.org), connect(step.org), ledger_dir, pseudonym_key, namespace)
                ingests[step.org] = await stack.enter_async_context(ingest)
            summary = await ingests[step.org].send(records, source=step.what)
            replayed.append(Replayed(step, summary, planned(adapter(step.org), records, namespace)))
            if settle is not None:
                await settle(replayed[-1])
    return replayed
