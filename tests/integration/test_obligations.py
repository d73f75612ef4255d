"""Chain obligations against the real broker and OPA: a signal opens what the policy says it opens,
due by its clock, in the transaction that routes it; a later signal of the owner about the same
person records it met in its own transaction (docs/obligations.md)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

from pydantic import SecretStr

from adapters.publish import signal_record
from gateway.settings import Settings
from gateway.topics import OBLIGATIONS
from tests.integration.kafka_helpers import Adapters, read_topic
from tests.integration.test_first_slice import running_gateway
from tools.contracts.examples import example
from tools.stack import Endpoints


async def test_signals_open_obligations_and_the_owners_signals_meet_them(
    settings: Settings, stack: Endpoints
) -> None:
    settings = settings.model_copy(update={"pseudonym_key": SecretStr(f"obligations-{uuid4()}")})
    key = settings.pseudonym_key.get_secret_value().encode()
    report = example("new_report").signal
    screening = example("risk_assessment").signal.model_copy(update={"suspect": report.suspect})
    measure = example("measure_imposed").signal.model_copy(
        update={"suspect": report.suspect, "ends_on": date(2027, 6, 30)}
    )
    extension = example("measure_extended").signal.model_copy(update={"suspect": report.suspect})
    sent: dict[str, str] = {}

    async def send(name: str, org: str, signal: Any) -> None:
        record, envelope = signal_record(org, signal, signal_id=uuid4(), pseudonym_key=key)
        async with Adapters(stack, f"test-obligations-{name}") as adapters:
            await adapters.send_and_wait(record)
        sent[name] = str(envelope.id)

    def ours(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            e for e in found if e.get("opened_by") in sent.values() or e.get("met_signal") in sent.values()
        ]

    async def events(done: Callable[[list[dict[str, Any]]], bool]) -> list[dict[str, Any]]:
        """Every event of ours once `done` holds of them. A signal's events are committed together,
        but keyed by obligation they lie on several partitions: wait for the ones asked for."""
        return ours(await read_topic(stack.kafka("admin"), OBLIGATIONS, until=lambda f: done(ours(f))))

    def opened_by(name: str, kinds: set[str]) -> Callable[[list[dict[str, Any]]], bool]:
        return lambda f: (
            kinds <= {e["kind"] for e in f if e["event"] == "opened" and e["opened_by"] == sent[name]}
        )

    def met_by(name: str, kind: str) -> Callable[[list[dict[str, Any]]], bool]:
        return lambda f: any(
            e["event"] == "met" and (e["kind"], e["met_signal"]) == (kind, sent[name]) for e in f
        )

    async with running_gateway(settings, stack, stack.opa_url):
        before = datetime.now(UTC)
        await send("report", "police", report)
        opened = await events(opened_by("report", {"risk_screening", "safety_assessment"}))
        await send("screening", "police", screening)  # hoog: it also brings the case to the conference
        met = await events(met_by("screening", "risk_screening"))
        await send("measure", "om", measure)
        await events(opened_by("measure", {"measure_extension"}))
        await send("extension", "om", extension)
        extended = met_by("extension", "measure_extension")
        final = await events(lambda f: extended(f) and opened_by("extension", {"measure_extension"})(f))

    by_kind = {e["kind"]: e for e in opened}
    assert set(by_kind) == {"risk_screening", "safety_assessment"}
    assert by_kind["risk_screening"]["owner"] == "police"
    due = datetime.fromisoformat(by_kind["risk_screening"]["due_at"])
    assert before + timedelta(hours=24) <= due <= datetime.now(UTC) + timedelta(hours=24)
    assert by_kind["safety_assessment"]["owner"] == "veiligthuis"
    assert [(e["event"], e["kind"], e["met_signal"]) for e in met if e["event"] == "met"] == [
        ("met", "risk_screening", sent["screening"])
    ]
    # Events are keyed by obligation id: in order per obligation, in no order between obligations.
    extensions: dict[str, list[dict[str, Any]]] = {}
    for event in final:
        if event["kind"] == "measure_extension":
            extensions.setdefault(event["opened_by"], []).append(event)
    assert {by: [e["event"] for e in events] for by, events in extensions.items()} == {
        sent["measure"]: ["opened", "met"],
        sent["extension"]: ["opened"],
    }
    first = extensions[sent["measure"]]
    assert first[0]["due_at"] == "2027-06-29T22:00:00Z"  # 30 June, 00:00 in Amsterdam
    assert first[1]["met_signal"] == sent["extension"]
    assert report.suspect is not None
    person = [report.suspect.family_name, *([report.suspect.bsn] if report.suspect.bsn else [])]
    assert not [e for e in final for value in person if value in str(e)], "personal data in obligations"
