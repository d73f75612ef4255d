"""The conditions in force over the gateway's HTTP API, against the real broker and OPA, as the clock
moves and the measure changes: the prosecution service's behavioural order is in force, lapses on
its end date, is in force again once extended, and is ended; the police's own *huisverbod* stands
beside it and lapses after its ten days. Each step is a signal sent as its organisation, routed by
the gateway, and read back from the police's (and Veilig Thuis's) own copies.

The persons are made up for each run (no BSN: they are asked about by name and birth date), so no
earlier run's measures about them are on the topics.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

from gateway.schemas import ContactPerson, MeasureImposed, Person, Signal
from gateway.schemas.measure import MeasureKind
from gateway.settings import Settings
from tests.integration.kafka_helpers import send_once
from tests.integration.timeline_harness import TimelineGateway, audited, timeline_gateway
from tools.contracts.examples import example
from tools.stack import Endpoints


async def measures_on(
    gateway: TimelineGateway, org: str, day: date, asked: dict[str, Any]
) -> list[dict[str, Any]]:
    """What `org` sees in force on `day` (noon in Amsterdam, by the gateway's clock)."""
    gateway.clock.at = datetime.combine(day, time(11, 0), tzinfo=UTC)
    shown = await gateway.ask(org, "/timeline/conditions", asked)
    assert shown["today"] == day.isoformat()
    measures: list[dict[str, Any]] = shown["measures"]
    return measures


async def test_the_conditions_in_force_follow_the_clock_an_extension_and_an_end(
    settings: Settings, stack: Endpoints, tmp_path: Path
) -> None:
    run = uuid4().hex[:6]
    suspect = Person(given_name="Daan", family_name=f"Vermeulen-{run}", birth_date=date(1988, 5, 3))
    victim = Person(given_name="Eva", family_name=f"Jacobs-{run}", birth_date=date(1991, 9, 14))
    asked = suspect.model_dump(mode="json", include={"given_name", "family_name", "birth_date"})

    def about_them(name: str) -> Signal:
        return example(name).signal.model_copy(update={"suspect": suspect, "victim": victim, "children": []})

    async with timeline_gateway(settings, stack, tmp_path) as gateway:

        async def send(org: str, signal: Signal) -> str:
            signal_id = str(await send_once(stack, org, signal, gateway.key))
            await audited(stack, {signal_id})
            return signal_id

        imposed = await send("om", about_them("measure_imposed"))  # 2026-11-06 up to 2027-02-03
        (order,) = await measures_on(gateway, "police", date(2026, 12, 1), asked)
        assert (order["measure"], order["kind"], order["status"]) == (
            imposed,
            "behavioural_order",
            "in_force",
        )
        assert (order["imposed_by"], order["ends_on"], order["as"]) == ("om", "2027-02-03", ["suspect"])
        assert order["contact"]["role"] == "zaaksofficier" and order["area"]
        assert [
            (m["status"], m["ends_on"])
            for m in await measures_on(gateway, "veiligthuis", date(2026, 12, 1), asked)
        ] == [("in_force", "2027-02-03")]

        (order,) = await measures_on(gateway, "police", date(2027, 2, 4), asked)
        assert order["status"] == "lapsed" and all(c["lapsed"] for c in order["conditions"])

        extended = await send("om", about_them("measure_extended"))  # up to 2027-05-04
        (order,) = await measures_on(gateway, "police", date(2027, 2, 4), asked)
        assert (order["status"], order["ends_on"], order["signals"]) == (
            "in_force",
            "2027-05-04",
            [imposed, extended],
        )
        assert not any(c["lapsed"] for c in order["conditions"])
        (order,) = await measures_on(gateway, "police", date(2027, 5, 5), asked)
        assert order["status"] == "lapsed"

        await send("om", about_them("measure_ended"))  # ended on 2027-03-11, replaced
        (order,) = await measures_on(gateway, "police", date(2027, 3, 12), asked)
        assert (order["status"], order["ended_on"], order["end_reason"]) == (
            "ended",
            "2027-03-11",
            "replaced",
        )

        # The police's own huisverbod: ten days from today, beside the ended order.
        today = date(2027, 3, 12)
        huisverbod = MeasureImposed(
            suspect=suspect, victim=victim, kind=MeasureKind.TEMPORARY_RESTRAINING_ORDER, starts_on=today,
            ends_on=today + timedelta(days=9), contact=ContactPerson(role="vaste contactpersoon",
            name="Brigadier A. Smit", phone="+31 10 000 0105"),
        )  # fmt: skip
        own = await send("police", huisverbod)
        shown = await measures_on(gateway, "police", today, asked)
        assert [(m["measure"], m["imposed_by"], m["status"]) for m in shown] == [
            (own, "police", "in_force"),
            (imposed, "om", "ended"),
        ]
        assert shown[0]["kind"] == "temporary_restraining_order"
        assert [
            m["status"] for m in await measures_on(gateway, "police", today + timedelta(days=10), asked)
        ] == [
            "lapsed",
            "ended",
        ]
