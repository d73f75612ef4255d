"""The console's due list through its API, on the real Kafka and OPA (docs/oncall.md, "Due"): a
police report opens a risk screening owned by the police and a safety assessment owned by Veilig
Thuis; each organisation lists only its own, with what it may see of the person; the owner records
one done elsewhere or waives it with a reason, which is an event on `chain.obligations` naming who
said so; another organisation, a missing or over-long reason and a session without its CSRF token
are refused, and nothing changes."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

import httpx

from gateway.obligations import obligation_id_of
from gateway.schemas.persons import Person
from gateway.topics import OBLIGATIONS
from tests.integration.kafka_helpers import read_topic, send_once
from tests.integration.oncall_harness import Alerting, known
from tools.contracts.examples import example

POLICE_DESK = "police on-call desk obligations"
VT_DESK = "veilig thuis on-call desk obligations"


def someone() -> Person:
    """A fictional suspect of this run's own, so that no earlier run's obligations are about him."""
    tag = uuid4().hex[:6]
    return Person(given_name="Testpersoon", family_name=f"Termijn-{tag}", birth_date=date(1984, 5, 17))


async def send_report(alerting: Alerting, suspect: Person) -> UUID:
    """The police's example report with `suspect` as its suspect; its signal id."""
    report = example("new_report").signal.model_copy(update={"suspect": suspect})
    key = alerting.settings.pseudonym_key.get_secret_value().encode()
    return await send_once(alerting.stack, "police", report, key)


async def settled(alerting: Alerting, obligation_id: UUID, how: str) -> dict[str, Any]:
    """The `how` event of the obligation, read back from `chain.obligations`."""

    def mine(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [e for e in found if e.get("obligation_id") == str(obligation_id) and e.get("event") == how]

    events = await read_topic(alerting.stack.kafka("admin"), OBLIGATIONS, until=mine, timeout_s=20)
    (event,) = mine(events)
    return event


def listed(client_due: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["obligation_id"]: item for item in client_due["due"]}


async def test_the_owner_settles_its_own_obligation_with_a_reason_and_nobody_else_can(
    alerting: Alerting,
) -> None:
    suspect = someone()
    signal_id = await send_report(alerting, suspect)
    screening = obligation_id_of(signal_id, "risk_screening")
    assessment = obligation_id_of(signal_id, "safety_assessment")
    async with alerting.running(alerting.config()) as (service, base):
        await known(service, screening, assessment)
        police = {"Authorization": f"Bearer {alerting.token('police', POLICE_DESK)}"}
        veiligthuis = {"Authorization": f"Bearer {alerting.token('veiligthuis', VT_DESK)}"}
        async with (
            httpx.AsyncClient(base_url=base, headers=police) as as_police,
            httpx.AsyncClient(base_url=base, headers=veiligthuis) as as_vt,
        ):
            # Each organisation lists what it owns, soonest due first, with what it may see.
            due = (await as_police.get("/console/api/due")).json()
            mine = listed(due)
            item = mine[str(screening)]
            assert str(assessment) not in mine
            assert item["kind"] == "risk_screening" and item["owner"] == "police"
            assert item["status"] == "open" and item["overdue"] is False
            assert item["opened_by"] == str(signal_id) and item["signal_type"] == "new_report"
            assert item["met_by"] == [{"type": "risk_assessment", "from": "police", "where": {}}]
            seen = item["content"]["suspect"]  # the police's own report: the police see it whole
            assert (seen["given_name"], seen["family_name"]) == (suspect.given_name, suspect.family_name)
            due_times = [entry["due_at"] for entry in due["due"]]
            assert due_times == sorted(due_times)
            theirs = listed((await as_vt.get("/console/api/due")).json())
            assert str(screening) not in theirs
            assert theirs[str(assessment)]["sender"] == "police"

            # Not the owner: as if there were no such obligation; the owner's is untouched.
            url = f"/console/api/obligations/{screening}/done-elsewhere"
            refused = await as_vt.post(url, json={"reason": "done by the police, they said"})
            assert refused.status_code == 404, refused.text
            refused = await as_police.post(
                f"/console/api/obligations/{assessment}/waive", json={"reason": "not ours to do"}
            )
            assert refused.status_code == 404, refused.text
            # A reason is required, and a line at most.
            for body in ({}, {"reason": ""}, {"reason": "   "}, {"reason": 5}, {"reason": "x" * 501}):
                answer = await as_police.post(url, json=body)
                assert answer.status_code == 400, (body, answer.text)
            answer = await as_police.post(
                url, content=b"not json", headers={"content-type": "application/json"}
            )
            assert answer.status_code == 400, answer.text
            assert (
                await as_police.post(f"/console/api/obligations/{uuid4()}/waive", json={"reason": "r"})
            ).status_code == 404
            assert str(screening) in listed((await as_police.get("/console/api/due")).json())

            # The owner: recorded, gone from the list, and not to be settled twice.
            reason = "screened in the police's own system; the SASH is there"
            done = await as_police.post(url, json={"reason": f"  {reason}  "})
            assert done.status_code == 200, done.text
            assert (
                done.json()["obligation_id"] == str(screening) and done.json()["status"] == "done_elsewhere"
            )
            assert str(screening) not in listed((await as_police.get("/console/api/due")).json())
            again = await as_police.post(
                f"/console/api/obligations/{screening}/waive", json={"reason": "again"}
            )
            assert again.status_code == 404, again.text

        event = await settled(alerting, screening, "done_elsewhere")
        assert (event["by"], event["reason"]) == (POLICE_DESK, reason)
        assert event["kind"] == "risk_screening" and event["owner"] == "police"

        # In a console session, settling needs the session's CSRF token as well.
        vt_token = alerting.token("veiligthuis", VT_DESK)
        async with httpx.AsyncClient(base_url=base) as browser:
            me = (await browser.post("/console/api/session", json={"token": vt_token})).json()
            url = f"/console/api/obligations/{assessment}/waive"
            reason = "the family moved abroad; no assessment possible here"
            refused = await browser.post(url, json={"reason": reason})
            assert refused.status_code == 403, refused.text
            waived = await browser.post(url, json={"reason": reason}, headers={"X-CSRF-Token": me["csrf"]})
            assert waived.status_code == 200, waived.text
            assert waived.json()["status"] == "waived"
        event = await settled(alerting, assessment, "waived")
        assert (event["by"], event["reason"]) == (VT_DESK, reason)
