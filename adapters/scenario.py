"""The shared fictional scenario, step by step, as each organisation's adapter sends it.

A fictionalised version of the pattern DOMAIN.md describes (the Hümeyra case): a report at Veilig
Thuis, a police complaint with a SASH score of hoog, the safety house's case conference and its
plan, her protection needs at victim support, a behavioural order with a contact ban and an ankle
tag, the Child Protection Board's inquiry into her daughter, a breach she reports herself, the tag's
alarm, an arrest, a release with conditions, and victim support telling her of it before it
happens. Each organisation's part is in its `samples/scenario.*`; `STEPS` puts the records in the
order their times say they happen, so a partner's part is one `Step` line per moment, placed by
its time. Used by `ketenpoort demo` and tests/scenario/.
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


# In the order the records' own times give (all in 2026): a partner's step goes where its day falls.
STEPS = (
    # 2 March, the report; 3 March, the safety assessment
    Step(
        "veiligthuis",
        (0, 1, 2),
        "Veilig Thuis registers Lotte's report, assigns a casusregisseur, finds it unsafe",
    ),
    # 4 March, the complaint and its SASH screening
    Step("police", (0,), "the police take her complaint; the SASH screening says hoog"),
    # 5 March, 10:30
    Step("zvh", (0, 1), "the safety house assigns a process director and puts the case on the actieoverleg"),
    # 5 March, 14:30
    Step(
        "slachtofferhulp",
        (0,),
        "victim support registers her protection needs: no contact, told before any release",
    ),
    # 10 March
    Step("om", (0,), "the OM imposes a behavioural order: contact ban, area ban, ankle tag"),
    # 10 March, 16:30
    Step(
        "zvh",
        (2,),
        "the actieoverleg agrees a plan: tasks for the police, probation, Veilig Thuis and the municipality",
    ),
    # 11 March
    Step("3ro", (0, 1), "probation starts supervising the order"),
    # 12 March
    Step("rvdk", (0,), "the Child Protection Board starts an inquiry: her daughter Noor lives in the family"),
    # 13 March
    Step("zvh", (3,), "the police have talked with Lotte: the process director marks their task done"),
    # 2 April, 19:45
    Step(
        "slachtofferhulp",
        (1,),
        "she reports to victim support that Bram messaged her: a breach of the contact ban",
    ),
    # 18 April, 22:47
    Step("3ro", (2,), "the ankle tag alarms: Bram entered the zone around her home"),
    # 18 April, 23:10
    Step("police", (1,), "the police arrest him near her home"),
    # 21 April, 14:30 and 14:45, for a release at 16:00
    Step("om", (1, 2), "the OM summons him, agrees victim support tells Lotte, releases him with conditions"),
    # 21 April, 15:10
    Step("slachtofferhulp", (2,), "victim support tells Lotte by phone that he will be released"),
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
