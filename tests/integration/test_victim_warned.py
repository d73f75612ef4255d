"""Who warns the victim, end to end on the real Kafka and OPA (docs/obligations.md): the OM's
decision names victim support as the partner that tells the victim of a release; the OM's planned
release then opens "victim warned" for victim support, before the release, and victim support's
registration that it told her meets it. A release for a victim nobody agreed on goes to the OM, the
covenant's default. Every record is built as the OM's and victim support's systems export it, and
mapped by their adapters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from pydantic import SecretStr

from adapters.om.mapping import to_signals as om_signals
from adapters.om.native import OmRecord
from adapters.slachtofferhulp.mapping import to_signals as victim_support_signals
from adapters.slachtofferhulp.native import InformedRecord
from gateway.settings import Settings
from gateway.topics import OBLIGATIONS
from tests.integration.kafka_helpers import read_topic, send_once
from tests.integration.test_first_slice import running_gateway
from tools.stack import Endpoints

PROSECUTOR = {
    "functie": "zaaksofficier",
    "naam": "mr. A. Visser",
    "telefoon": "+31 10 555 0112",
    "parket": "Arrondissementsparket Rotterdam",
}
CASEMANAGER = {"naam": "S. Yilmaz", "telefoon": "+31 10 000 0052", "team": "regio Rotterdam-Rijnmond"}
SUSPECT = {"voornamen": "Dennis", "geslachtsnaam": "Kok", "geboortedatum": "1983-02-17"}
AGREED = {"voornamen": "Sanne", "geslachtsnaam": "Vermeulen", "geboortedatum": "1987-07-30"}
NOBODY = {"voornamen": "Iris", "geslachtsnaam": "Dekker", "geboortedatum": "1993-04-08"}
BY_VICTIM_SUPPORT = [{"onderwerp": "VRIJLATING", "door": "SLACHTOFFERHULP"}]
RELEASE = "release:release_from_custody"
OTHER_RELEASE = "other:release_from_custody"


def om_record(number: int, kind: str, victim: dict[str, str], **section: Any) -> OmRecord:
    """An OM export record about the suspect and `victim`, as its case system writes it."""
    record = {
        "parketnummer": "10/731555-26",
        "gebeurtenisnummer": number,
        "soort": kind,
        "tijdstip": datetime.now(UTC).isoformat(),
        "verdachte": SUSPECT,
        "slachtoffer": victim,
        "behandelaar": PROSECUTOR,
        **section,
    }
    return OmRecord.model_validate(record)


def told_her_of_the_release() -> InformedRecord:
    """Victim support's registration that it told the agreed victim of the release."""
    now = datetime.now(UTC).isoformat()
    client = {"voornamen": AGREED["voornamen"], "achternaam": AGREED["geslachtsnaam"]}
    return InformedRecord.model_validate(
        {
            "dossiernummer": "SHN-2026-007311",
            "registratienummer": 1,
            "soort": "slachtoffer_geinformeerd",
            "registratietijdstip": now,
            "client": {**client, "geboortedatum": AGREED["geboortedatum"]},
            "casemanager": CASEMANAGER,
            "onderwerp": "VRIJLATING",
            "geinformeerd_op": now,
            "wijze": "TELEFONISCH",
        }
    )


async def test_a_release_warns_the_victim_through_the_agreed_partner_and_its_registration_meets_it(
    settings: Settings, stack: Endpoints
) -> None:
    settings = settings.model_copy(update={"pseudonym_key": SecretStr(f"victim-warned-{uuid4()}")})
    key = settings.pseudonym_key.get_secret_value().encode()
    release_time = datetime.now(UTC) + timedelta(days=1)
    release = {"soort": "HEENZENDING", "status": "GEPLAND", "tijdstip": release_time.isoformat()}
    sent: dict[str, UUID] = {}

    async def send(name: str, org: str, mapped: list[Any]) -> None:
        for item in mapped:
            sent[f"{name}:{item.part}"] = await send_once(stack, org, item.signal, key)

    def warned(found: list[dict[str, Any]], by: str) -> list[dict[str, Any]]:
        """The "victim warned" events of the obligation the signal sent as `by` opened."""
        return [
            e
            for e in found
            if e.get("opened_by") == str(sent.get(by)) and e["kind"] == "victim_warned_release"
        ]

    async def obligations(until: Any) -> list[dict[str, Any]]:
        return await read_topic(stack.kafka("admin"), OBLIGATIONS, until=until)

    async with running_gateway(settings, stack, stack.opa_url):
        decision = {"beslissing": "HEENZENDEN", "slachtoffer_informeren": BY_VICTIM_SUPPORT}
        agreed = om_record(1, "VERVOLGINGSBESLISSING", AGREED, vervolgingsbeslissing=decision)
        await send("decision", "om", om_signals(agreed))
        decided = str(sent["decision:prosecution_decision"])
        await obligations(lambda found: [e for e in found if e.get("opened_by") == decided])
        await send(
            "release",
            "om",
            om_signals(om_record(2, "INVRIJHEIDSTELLING", AGREED, invrijheidstelling=release)),
        )
        await send(
            "other", "om", om_signals(om_record(3, "INVRIJHEIDSTELLING", NOBODY, invrijheidstelling=release))
        )
        found = await obligations(lambda f: warned(f, RELEASE) and warned(f, OTHER_RELEASE))
        (to_victim_support,) = warned(found, RELEASE)
        (to_prosecutor,) = warned(found, OTHER_RELEASE)
        await send("informed", "slachtofferhulp", victim_support_signals(told_her_of_the_release()))
        (informed,) = [signal_id for name, signal_id in sent.items() if name.startswith("informed:")]
        found = await obligations(lambda f: [e for e in warned(f, RELEASE) if e["event"] == "met"])

    assert to_victim_support["owner"] == "slachtofferhulp"  # as the OM agreed with its decision
    due = datetime.fromisoformat(to_victim_support["due_at"])
    assert abs(due - release_time) < timedelta(seconds=1)  # before the release
    assert to_prosecutor["owner"] == "om"  # nothing agreed for this victim: the covenant's default
    assert to_prosecutor["subject"] != to_victim_support["subject"]  # each is about her own victim
    met = [e for e in warned(found, RELEASE) if e["event"] == "met"]
    assert [e["met_signal"] for e in met] == [str(informed)]
    assert [e["event"] for e in warned(found, OTHER_RELEASE)] == ["opened"]
