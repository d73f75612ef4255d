"""dat-informatie against the real stack: the involvement index behind `ketenpoort gateway run`,
looked up by an organisation over HTTP and from the command line (decided by policy, recorded in
the log of reads, no content), match notices sent once also after a restart, and retention.

Each test uses a pseudonym key of its own, so the persons are new to the index however often the
suite ran on this stack before.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from adapters.ingest import signal_id
from adapters.police import ADAPTER as POLICE
from adapters.registry import adapter
from adapters.scenario import scenario_file
from adapters.veiligthuis import ADAPTER as VEILIG_THUIS
from gateway.access import Identity, Role, TokenStore
from gateway.audit.reads import audit_reads
from gateway.involvements import MATCH_NOTICE
from gateway.kafka import ensure_topics
from gateway.pseudonyms import pseudonym_of_bsn
from gateway.schemas import Signal
from gateway.schemas.involvement import InvolvementRole
from tests.integration.kafka_helpers import read_topic, send_once, skip_history
from tests.integration.test_commands import gateway_environment
from tools.contracts.examples import example
from tools.stack import Endpoints
from tools.stack.process import free_ports

KETENPOORT = Path(sys.executable).parent / "ketenpoort"
ADAPTERS = Path(__file__).parents[2] / "adapters"
POLICE_SAMPLES, VEILIG_THUIS_SAMPLES = ADAPTERS / "police" / "samples", ADAPTERS / "veiligthuis" / "samples"
BRAM = "111222333"  # the fictional suspect of the examples


class Gateway:
    """`ketenpoort gateway run` with its own pseudonym key, and an adapter token per organisation."""

    def __init__(self, stack: Endpoints, workdir: Path) -> None:
        self.stack, self.port = stack, free_ports(1)[0]
        self.key = f"involvements-{uuid4()}"
        self.group = f"ketenpoort-gateway-test-involvements-{uuid4().hex[:8]}"
        tokens = workdir / "tokens.json"
        self.tokens = {
            org: TokenStore.load(tokens).issue(
                Identity(name=f"{org} system", role=Role.ADAPTER, org=org), tokens
            )
            for org in ("police", "veiligthuis", "om", "3ro")
        }
        self.officer = TokenStore.load(tokens).issue(Identity(name="fg", role=Role.PRIVACY_OFFICER), tokens)
        self.env = {
            **gateway_environment(stack, workdir),
            "KETENPOORT_API_TOKENS_FILE": str(tokens),
            "KETENPOORT_GATEWAY_GROUP_ID": self.group,
            "KETENPOORT_HTTP_PORT": str(self.port),
            "KETENPOORT_PSEUDONYM_KEY": self.key,
        }
        self.log = workdir / "gateway.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(KETENPOORT), "gateway", "run"], env=self.env, stdout=log, stderr=log
            )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)

    async def ready(self) -> None:
        async with httpx.AsyncClient() as http:
            for _ in range(240):
                try:
                    if (await http.get(f"http://127.0.0.1:{self.port}/health/ready")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.25)
        raise AssertionError(self.log.read_text()[-3000:])

    async def send(self, org: str, signal_: Signal, signal_id: UUID | None = None) -> UUID:
        return await send_once(self.stack, org, signal_, self.key.encode(), signal_id)

    async def lookup(self, org: str, bsn: str = BRAM, *, post: bool = True) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[org]}"}
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{self.port}", timeout=30) as http:
            if post:
                return await http.post("/involvements", json={"bsn": bsn}, headers=headers)
            return await http.get("/involvements", params={"bsn": bsn}, headers=headers)

    async def involved(self, org: str, expected: set[str], timeout_s: float = 30) -> list[dict[str, Any]]:
        """Look up until the answer names exactly `expected` (the gateway routes asynchronously)."""
        deadline = time.monotonic() + timeout_s
        while True:
            response = await self.lookup(org)
            assert response.status_code == 200, response.text
            found: list[dict[str, Any]] = response.json()["involvements"]
            if {item["organisation"] for item in found} == expected or time.monotonic() > deadline:
                return found
            await asyncio.sleep(0.25)


@pytest.fixture
async def gateway(stack: Endpoints, tmp_path: Path) -> Iterator[Gateway]:
    await ensure_topics(stack.kafka("admin"))
    running = Gateway(stack, tmp_path)
    await skip_history(stack.kafka("admin"), running.group)
    running.start()
    try:
        await running.ready()
        yield running
    finally:
        running.stop()


def opened(org: str, role: str, since: date) -> Signal:
    """An involvement_opened of `org` with Bram, from the fictional example."""
    signal_ = example("involvement_opened").signal
    return signal_.model_copy(update={"role": InvolvementRole(role), "since": since})


def closed(org: str, since: date, until: date) -> Signal:
    """An involvement_closed of `org` with Bram (the example's persons swapped for Bram alone)."""
    base = example("involvement_closed").signal
    bram = example("involvement_opened").signal.suspect
    return base.model_copy(
        update={"suspect": bram, "victim": None, "children": [], "since": since, "until": until}
    )


async def notices_for(stack: Endpoints, org: str, signal_ids: set[str]) -> list[dict[str, Any]]:
    items = await read_topic(stack.kafka("admin"), f"inbox.{org}", timeout_s=30)
    return [i for i in items if i.get("signal_type") == MATCH_NOTICE and i.get("signal_id") in signal_ids]


async def test_an_organisation_looks_up_who_else_is_involved_and_whom_to_call(
    stack: Endpoints, gateway: Gateway, tmp_path: Path
) -> None:
    await gateway.send("3ro", opened("3ro", "supervisor", date(2026, 3, 11)))
    await gateway.send("police", example("new_report").signal)
    found = await gateway.involved("veiligthuis", {"3ro", "police"})
    assert {item["organisation"] for item in found} == {"3ro", "police"}
    for item in found:  # dat-informatie only
        assert set(item) == {"organisation", "role", "since", "closed_on", "contact", "match"}
        assert item["match"] == "bsn" and item["contact"]["phone"]
    assert next(i for i in found if i["organisation"] == "3ro")["role"] == "supervisor"

    by_get = await gateway.lookup("veiligthuis", post=False)
    assert (
        by_get.status_code == 200
        and by_get.json()["involvements"] == (await gateway.lookup("veiligthuis")).json()["involvements"]
    )
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{gateway.port}") as http:
        anonymous = await http.post("/involvements", json={"bsn": BRAM})
        officer = await http.post(
            "/involvements", json={"bsn": BRAM}, headers={"Authorization": f"Bearer {gateway.officer}"}
        )
        bad = await http.post(
            "/involvements",
            json={"bsn": "123456789"},
            headers={"Authorization": f"Bearer {gateway.tokens['om']}"},
        )
    assert (anonymous.status_code, officer.status_code, bad.status_code) == (401, 403, 400)

    # Every lookup is recorded: who, for which organisation, about whom (by pseudonym), what it showed.
    pseudonym = pseudonym_of_bsn(BRAM, gateway.key.encode())
    lookups = [
        r
        for r in await audit_reads(stack.kafka("audit-reader"))
        if r.query == "involvements" and r.subject == pseudonym
    ]
    assert lookups and all(r.org == "veiligthuis" and r.reader == "veiligthuis system" for r in lookups)
    assert set(lookups[-1].shown or []) == {"3ro", "police"}
    assert BRAM not in gateway.log.read_text()

    # The command line asks the same API, with the organisation's token.
    api = f"http://127.0.0.1:{gateway.port}"
    client = {"KETENPOORT_API_URL": api, "KETENPOORT_API_TOKEN": gateway.tokens["om"]}
    cli = subprocess.run(
        [str(KETENPOORT), "involvement", "lookup", "--bsn", BRAM, "--json"],
        env={**gateway.env, **client}, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert cli.returncode == 0, cli.stderr
    assert '"organisation": "3ro"' in cli.stdout and "Verhoef" not in cli.stdout


async def test_match_notices_are_sent_once_also_after_a_restart(stack: Endpoints, gateway: Gateway) -> None:
    police_report = await gateway.send("police", example("new_report").signal)
    supervision = opened("3ro", "supervisor", date(2026, 3, 11))
    opening = await gateway.send("3ro", supervision)
    await gateway.involved("om", {"3ro", "police"})
    sent = {str(police_report), str(opening)}
    to_police = await notices_for(stack, "police", sent)
    to_3ro = await notices_for(stack, "3ro", sent)
    assert len(to_police) == 1 and len(to_3ro) == 1
    named = {i["organisation"] for p in to_3ro[0]["body"]["persons"] for i in p["involved"]}
    assert named == {"police"}
    assert "Verhoef" not in str(to_3ro[0]) and BRAM not in str(to_3ro[0])

    gateway.stop()
    gateway.start()  # the same deployment: the index is read back from chain.involvements
    await gateway.ready()
    again = await gateway.send("3ro", supervision, signal_id=opening)  # the adapter sent it twice
    later = await gateway.send("3ro", supervision)  # and a new signal about the same involvement
    await asyncio.sleep(3)
    sent |= {str(again), str(later)}
    assert len(await notices_for(stack, "police", sent)) == 1
    assert len(await notices_for(stack, "3ro", sent)) == 1


async def test_an_involvement_closed_long_ago_no_longer_matches(stack: Endpoints, gateway: Gateway) -> None:
    today = datetime.now(UTC).date()
    await gateway.send(
        "veiligthuis", closed("veiligthuis", date(2020, 1, 6), today - timedelta(days=3 * 365))
    )
    await gateway.send("om", closed("om", date(2025, 6, 2), today - timedelta(days=30)))
    # Signals on different topics have no order between them: let the index know OM's first.
    await gateway.involved("police", {"om"})
    opening = await gateway.send("3ro", opened("3ro", "supervisor", today))
    found = await gateway.involved("police", {"3ro", "om"})
    assert {item["organisation"] for item in found} == {"3ro", "om"}  # Veilig Thuis's has expired
    assert (
        next(i for i in found if i["organisation"] == "om")["closed_on"]
        == (today - timedelta(days=30)).isoformat()
    )
    (notice,) = await notices_for(stack, "3ro", {str(opening)})
    named = {i["organisation"] for p in notice["body"]["persons"] for i in p["involved"]}
    assert named == {"om"}


NOOR = "234567806"  # the fictional child of the shared scenario


def adapter_signals(org: str, position: int) -> list[Signal]:
    """What the organisation's adapter makes of one record of its scenario export."""
    records = adapter(org).read(scenario_file(org).read_bytes())
    return [mapped.signal for mapped in adapter(org).to_signals(records[position].native)]


async def test_a_child_known_to_the_board_brings_veilig_thuis_and_the_board_together(
    stack: Endpoints, gateway: Gateway
) -> None:
    """The Board's inquiry into Noor, then Veilig Thuis's report naming Noor among the children: both
    learn that the other works with her, and whom to call (dat-informatie for the children)."""
    [inquiry] = adapter_signals("rvdk", 0)
    await gateway.send("rvdk", inquiry)

    async def involved_with_noor(expected: set[str]) -> list[dict[str, Any]]:
        deadline = time.monotonic() + 30
        while True:
            response = await gateway.lookup("veiligthuis", NOOR)
            assert response.status_code == 200, response.text
            found: list[dict[str, Any]] = response.json()["involvements"]
            if {item["organisation"] for item in found} == expected or time.monotonic() > deadline:
                return found
            await asyncio.sleep(0.25)

    [board] = await involved_with_noor({"rvdk"})  # the index knows the Board before Veilig Thuis sends
    assert board["role"] == "child_protection" and board["contact"]["name"] == "S. Koster"

    report = adapter_signals("veiligthuis", 0)  # the report, and Veilig Thuis's involvement
    assert all(NOOR in {child.bsn for child in signal_.children} for signal_ in report)
    sent = {str(await gateway.send("veiligthuis", signal_)) for signal_ in report}
    assert {item["organisation"] for item in await involved_with_noor({"rvdk", "veiligthuis"})} == {
        "rvdk",
        "veiligthuis",
    }

    [to_veiligthuis] = await notices_for(stack, "veiligthuis", sent)
    [child] = [p for p in to_veiligthuis["body"]["persons"] if p["person_role"] == "child"]
    assert child["match"] == "bsn"
    [named] = child["involved"]
    assert (named["organisation"], named["role"]) == ("rvdk", "child_protection")
    assert named["contact"]["name"] == "S. Koster" and named["since"] == str(datetime.now(UTC).date())
    assert to_veiligthuis["level"] == "dat" and to_veiligthuis["legal_basis"] == "bw-1-238-avg-6-1-e"
    assert "Noor" not in str(to_veiligthuis) and NOOR not in str(to_veiligthuis)

    [to_board] = await notices_for(stack, "rvdk", sent)
    named_to_board = {
        i["organisation"]
        for p in to_board["body"]["persons"]
        if p["person_role"] == "child"
        for i in p["involved"]
    }
    assert named_to_board == {"veiligthuis"}

    # Working with the family (its inquiry named the parents), the Board receives the report itself,
    # as its task needs it: children are involved.
    items = await read_topic(stack.kafka("admin"), "inbox.rvdk", timeout_s=30)
    [copy] = [i for i in items if i.get("signal_type") == "new_report" and i.get("signal_id") in sent]
    assert copy["level"] == "fields" and copy["purpose"] == "child-protection"
    assert copy["body"]["children"][0]["bsn"] == NOOR and "description" not in copy["body"]
    assert "bsn" not in copy["body"]["suspect"]


async def test_an_arrest_outside_domestic_violence_brings_police_and_veilig_thuis_together_without_content(
    stack: Endpoints, gateway: Gateway
) -> None:
    """A drugs arrest of someone Veilig Thuis works with: the police adapter sends it as the police's
    involvement only, the index matches it, both get a notice naming the other, and Veilig Thuis
    learns nothing of the arrest itself."""
    namespace = uuid4()  # ids of their own, as the suite may run on this stack before

    # Veilig Thuis registers a report about Bram: its adapter's own mapping of its sample.
    [melding, *_] = VEILIG_THUIS.read((VEILIG_THUIS_SAMPLES / "scenario.csv").read_bytes())
    assert melding.ok and melding.record_id is not None
    for mapped in VEILIG_THUIS.to_signals(melding.native):
        ids = signal_id("veiligthuis", melding.record_id, mapped.part, namespace)
        await gateway.send("veiligthuis", mapped.signal, ids)
    await gateway.involved("om", {"veiligthuis"})

    # The police arrest him for something else: their adapter's own mapping of the sample.
    [arrest] = POLICE.read((POLICE_SAMPLES / "aanhouding-zonder-huiselijk-geweld.json").read_bytes())
    assert arrest.ok and arrest.record_id is not None
    [mapped] = POLICE.to_signals(arrest.native)
    assert (mapped.part, mapped.signal.name) == ("involvement", "involvement_opened")
    arrest_id = await gateway.send(
        "police", mapped.signal, signal_id("police", arrest.record_id, mapped.part, namespace)
    )
    found = await gateway.involved("om", {"veiligthuis", "police"})
    assert next(i for i in found if i["organisation"] == "police")["role"] == "investigator"

    # Each gets one match notice naming the other, and whom to call there.
    (to_police,) = await notices_for(stack, "police", {str(arrest_id)})
    (to_veiligthuis,) = await notices_for(stack, "veiligthuis", {str(arrest_id)})
    named = {(i["organisation"], i["role"]) for p in to_veiligthuis["body"]["persons"] for i in p["involved"]}
    assert named == {("police", "investigator")}
    assert {i["organisation"] for p in to_police["body"]["persons"] for i in p["involved"]} == {"veiligthuis"}
    police_contact = to_veiligthuis["body"]["persons"][0]["involved"][0]["contact"]
    assert police_contact["name"] == "Agent K. de Groot"

    # Veilig Thuis has nothing of the arrest but dat-informatie: no arrest, no offence, no account.
    inbox = await read_topic(stack.kafka("admin"), "inbox.veiligthuis", timeout_s=30)
    about_it = [item for item in inbox if item.get("signal_id") == str(arrest_id)]
    assert {item["signal_type"] for item in about_it} == {"involvement_opened", MATCH_NOTICE}
    for item in about_it:
        assert (item["level"], item["fields"]) == ("dat", [])
    (dat,) = (item for item in about_it if item["signal_type"] == "involvement_opened")
    assert set(dat["body"]) == {"involved_organisation", "since", "contact"}
    text = str(about_it)
    for secret in ("Cellencomplex", "verdovende", "OVERIG", "other", "arrest", "Verhoef", BRAM):
        assert secret not in text, secret
    # and a partner not working with him learns nothing at all
    om_inbox = await read_topic(stack.kafka("admin"), "inbox.om", timeout_s=5)
    assert not [item for item in om_inbox if item.get("signal_id") == str(arrest_id)]
