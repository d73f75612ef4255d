"""The sharing policies against the real OPA: for every signal type's example (docs/examples), who
receives what, on which legal basis, how urgently; default deny; and every granted field path
exists in the signal's schema."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.decisions import Decision, Level, PolicyEngine, policy_input
from gateway.schemas import CATALOGUE
from gateway.settings import ORGANISATIONS, RECIPIENTS
from tools.contracts.examples import example as load_example
from tools.policy.checks import covers as receives
from tools.stack import Endpoints

EXAMPLES = Path(__file__).parents[2] / "docs" / "examples"
EVERYONE = frozenset(RECIPIENTS)
DATA_API = "/v1/data/ketenpoort"


def example(name: str) -> tuple[str, dict[str, Any]]:
    """(sender, attributes) of the example of a signal type, as the gateway computes them."""
    case = load_example(name)
    return case.sender, case.signal.attributes()


@pytest.fixture
async def config(stack: Endpoints) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=stack.opa_url) as client:
        response = await client.get(f"{DATA_API}/config")
    response.raise_for_status()
    result: dict[str, Any] = response.json()["result"]
    return result


async def decide(
    engine: PolicyEngine,
    name: str,
    *,
    sender: str | None = None,
    attributes: dict[str, Any] | None = None,
    region: str | None = None,
    involved: frozenset[str] = frozenset(),
) -> dict[str, Decision]:
    example_sender, example_attributes = example(name)
    query = policy_input(
        name,
        sender or example_sender,
        "1.0",
        {**example_attributes, **(attributes or {})},
        region=region,
        involved=involved,
    )
    return await engine.decide(query)


@dataclass(frozen=True)
class Expect:
    level: Level
    urgency: str = "normal"
    legal_basis: str | None = None
    receives: tuple[str, ...] = ()
    withholds: tuple[str, ...] = field(default=())


NONE = Expect(Level.NONE, urgency="none")

# What each partner gets of each example, under the shipped (default) covenant, nobody involved yet.
EXPECTED: dict[str, dict[str, Expect]] = {
    "arrest": {
        "om": Expect(
            Level.FIELDS,
            "immediate",
            "wpg-art-19",
            ("arrested_at", "measure", "offence", "held_at", "contact", "suspect.bsn", "victim.address"),
        ),
        "veiligthuis": Expect(
            Level.FIELDS,
            "immediate",
            "wpg-art-19",
            ("arrested_at", "measure", "incident_place", "contact", "suspect", "victim"),
            ("held_at",),
        ),
        "3ro": NONE,  # not on the case yet
        "slachtofferhulp": Expect(
            Level.FIELDS,
            "immediate",
            "wpg-art-19",
            ("arrested_at", "measure", "offence", "contact", "victim", "suspect.family_name"),
            ("suspect.bsn", "suspect.address", "held_at", "incident_place", "children"),
        ),
    },
    "breach_of_conditions": {
        "om": Expect(
            Level.FIELDS,
            "immediate",
            "reclassering-toezicht",
            ("measure", "breach_time", "description", "contact", "suspect.bsn"),
        ),
        "police": Expect(
            Level.FIELDS,
            "immediate",
            "reclassering-toezicht",
            ("measure", "breach_time", "place", "description", "victim.address"),
        ),
        "veiligthuis": Expect(
            Level.FIELDS,
            "immediate",
            "reclassering-toezicht",
            ("measure", "severity", "children"),
            ("description",),
        ),
        "slachtofferhulp": NONE,
    },
    # The Board's inquiry: nobody works with the child yet, so nobody learns of it but through the
    # index's match notice once they do (test_the_boards_inquiry_reaches_partners_on_the_child).
    "child_protection": {org: NONE for org in ("police", "veiligthuis", "om", "3ro", "slachtofferhulp")},
    "case_conference": {
        **{
            org: Expect(
                Level.FIELDS, "normal", "avg-6-1-e-zvh-covenant", ("tasks", "conference_on", "contact")
            )
            for org in ("police", "veiligthuis", "om")
        },
        "3ro": Expect(
            Level.FIELDS, "normal", "avg-6-1-e-zvh-covenant", ("tasks", "suspect"), ("victim.bsn",)
        ),
        "slachtofferhulp": NONE,
        "rvdk": NONE,
    },
    "contact_assigned": {org: NONE for org in ("police", "om", "3ro", "slachtofferhulp")},
    "contact_changed": {org: NONE for org in ("veiligthuis", "om", "3ro", "slachtofferhulp")},
    "involvement_opened": {org: NONE for org in ("police", "veiligthuis", "om", "slachtofferhulp")},
    "involvement_closed": {org: NONE for org in ("police", "om", "3ro", "slachtofferhulp")},
    "measure_imposed": {
        "police": Expect(
            Level.FIELDS,
            "immediate",
            "wjsg-art-39f",
            ("kind", "starts_on", "ends_on", "conditions", "suspect"),
        ),
        "3ro": Expect(
            Level.FIELDS,
            "immediate",
            "wjsg-art-39f",
            ("kind", "ends_on", "conditions.kind"),
            ("victim.address",),
        ),
        "veiligthuis": Expect(
            Level.FIELDS, "normal", "wjsg-art-39f", ("kind", "ends_on", "conditions", "children")
        ),
        "slachtofferhulp": NONE,
    },
    "measure_extended": {
        "police": Expect(
            Level.FIELDS, "normal", "wjsg-art-39f", ("previous_ends_on", "ends_on", "conditions")
        ),
        "3ro": Expect(Level.FIELDS, "normal", "wjsg-art-39f", ("previous_ends_on", "ends_on", "conditions")),
        "veiligthuis": Expect(Level.FIELDS, "normal", "wjsg-art-39f", ("previous_ends_on", "ends_on")),
        "slachtofferhulp": NONE,
    },
    "measure_ended": {
        "police": Expect(Level.FIELDS, "normal", "wjsg-art-39f", ("kind", "ended_on", "reason")),
        "3ro": Expect(Level.FIELDS, "normal", "wjsg-art-39f", ("kind", "ended_on", "reason")),
        "veiligthuis": Expect(Level.FIELDS, "normal", "wjsg-art-39f", ("kind", "ended_on", "reason")),
        "slachtofferhulp": NONE,
    },
    "new_report": {
        "veiligthuis": Expect(
            Level.FIELDS,
            "normal",
            "wpg-art-19",
            ("victim", "suspect", "children", "contact", "stalking_indicators"),
            ("description",),
        ),
        "om": NONE,
        "3ro": NONE,
        "slachtofferhulp": NONE,
    },
    "prosecution_decision": {
        "police": Expect(
            Level.FIELDS, "normal", "wjsg-art-39f", ("decision", "decision_time", "hearing_on", "contact")
        ),
        "veiligthuis": Expect(Level.FIELDS, "normal", "wjsg-art-39f", ("decision", "hearing_on", "children")),
        "3ro": Expect(
            Level.FIELDS, "normal", "wjsg-art-39f", ("decision", "hearing_on"), ("victim.address",)
        ),
        "slachtofferhulp": NONE,
    },
    "protection_needs": {
        "police": Expect(
            Level.FIELDS,
            "immediate",
            "avg-consent-victim",
            ("needs", "changed", "previous_needs", "consent_scope", "contact", "victim.address", "suspect"),
        ),
        "om": Expect(
            Level.FIELDS,
            "immediate",
            "avg-consent-victim",
            ("needs", "previous_needs", "contact", "victim.family_name"),
            ("victim.address",),
        ),
        "veiligthuis": NONE,  # in her consent, but not on the case yet
        "3ro": NONE,
    },
    "release_from_custody": {
        "veiligthuis": Expect(
            Level.FIELDS, "immediate", "wjsg-art-39f", ("release_time", "conditions", "contact", "children")
        ),
        "police": Expect(
            Level.FIELDS,
            "immediate",
            "wjsg-art-39f",
            ("release_time", "conditions.ends_on", "known_risk_level", "victim.address"),
        ),
        "3ro": Expect(
            Level.FIELDS,
            "immediate",
            "wjsg-art-39f",
            ("release_time", "conditions"),
            ("victim.address", "children"),
        ),
        "slachtofferhulp": Expect(
            Level.FIELDS,
            "immediate",
            "wjsg-art-39f",
            ("release_time", "conditions", "contact", "victim", "suspect.family_name"),
            ("suspect.bsn", "suspect.birth_date", "suspect.address", "children", "known_risk_level"),
        ),
    },
    "risk_assessment": {
        "om": Expect(
            Level.FIELDS,
            "immediate",
            "wpg-art-19",
            ("risk_level", "previous_risk_level", "victim_fears_for_life", "contact"),
        ),
        "veiligthuis": Expect(Level.FIELDS, "immediate", "wpg-art-19", ("risk_level", "contact", "children")),
        "3ro": Expect(
            Level.FIELDS,
            "immediate",
            "wpg-art-19",
            ("risk_level", "contact", "children.birth_date"),
            ("victim.address", "children.given_name"),
        ),
        "slachtofferhulp": NONE,
    },
    "safety_assessment": {
        "police": Expect(
            Level.FIELDS,
            "immediate",
            "wmo-art-5-2-6",
            ("acute_unsafety", "safety_conditions", "contact", "follow_up_months"),
            ("monitoring_dates",),
        ),
        "om": Expect(
            Level.FIELDS,
            "immediate",
            "wmo-art-5-2-6",
            ("safety_conditions", "contact", "follow_up_months"),
            ("monitoring_dates",),
        ),
        "3ro": Expect(
            Level.FIELDS,
            "immediate",
            "wmo-art-5-2-6",
            ("safety_conditions", "contact", "follow_up_months"),
            ("victim.address",),
        ),
        "slachtofferhulp": NONE,
    },
    "victim_informed": {
        "police": Expect(
            Level.FIELDS,
            "immediate",
            "sv-art-51ac",
            ("about", "about_signal", "informed_at", "channel", "informed_by", "victim.family_name"),
            ("victim.address", "victim.birth_date"),
        ),
        "om": Expect(Level.FIELDS, "immediate", "sv-art-51ac", ("about", "informed_at", "informed_by")),
        "veiligthuis": NONE,  # not on the case yet
        "3ro": NONE,
    },
    # The OM's agreement names the police and victim support as informers: they get it though not
    # yet on the case; Veilig Thuis and probation, neither named nor on the case, nothing.
    "victim_informing_agreed": {
        "police": Expect(
            Level.FIELDS,
            "normal",
            "wjsg-art-39f",
            ("agreements", "agreed_by", "agreed_on", "contact", "victim.family_name"),
            ("victim.bsn", "victim.address", "suspect.bsn"),
        ),
        "slachtofferhulp": Expect(Level.FIELDS, "normal", "wjsg-art-39f", ("agreements", "contact")),
        "veiligthuis": NONE,
        "3ro": NONE,
    },
}


def test_every_signal_type_has_expectations() -> None:
    assert set(EXPECTED) == set(CATALOGUE)


@pytest.mark.parametrize("name", sorted(EXPECTED))
async def test_the_example_reaches_whom_it_must(
    engine: PolicyEngine, config: dict[str, Any], name: str
) -> None:
    sender, _ = example(name)
    decisions = await decide(engine, name)
    assert set(decisions) == set(RECIPIENTS) - {sender}
    for org, expected in EXPECTED[name].items():
        decision = decisions[org]
        assert decision.level is expected.level, f"{name} → {org}: {decision}"
        assert decision.urgency == expected.urgency, f"{name} → {org}: {decision}"
        if expected.legal_basis is not None:
            assert decision.legal_basis == expected.legal_basis, f"{name} → {org}: {decision}"
        for path in expected.receives:
            assert receives(decision, path), f"{name} → {org} does not receive {path}: {decision.fields}"
        for path in expected.withholds:
            assert not receives(decision, path), f"{name} → {org} receives {path}, which it must not"
    for org, decision in decisions.items():
        assert_well_formed(decision, config, f"{name} → {org}")


def assert_well_formed(decision: Decision, config: dict[str, Any], where: str) -> None:
    if decision.level is Level.NONE:
        assert decision.fields == () and decision.legal_basis is None and decision.purpose is None, where
        assert decision.urgency == "none", where
        return
    assert decision.legal_basis in config["legal_bases"], (
        f"{where}: unknown legal basis {decision.legal_basis}"
    )
    assert decision.purpose in config["purposes"], f"{where}: unknown purpose {decision.purpose}"
    assert decision.urgency in ("immediate", "normal"), where
    if decision.level is Level.DAT:
        assert decision.fields == (), where
    else:
        assert decision.fields, f"{where}: level {decision.level} names no fields"


async def test_partners_on_the_case_get_the_new_contact(engine: PolicyEngine) -> None:
    decisions = await decide(engine, "contact_changed", involved=EVERYONE)
    for org in ("veiligthuis", "om", "3ro", "slachtofferhulp"):
        decision = decisions[org]
        assert decision.level is Level.FIELDS
        assert decision.purpose == "chain-coordination"
        assert receives(decision, "contact") and receives(decision, "previous_contact")
        assert receives(decision, "victim.family_name")
        assert not receives(decision, "victim.address") and not receives(decision, "children")


async def test_involvement_is_dat_for_partners_on_the_case(engine: PolicyEngine) -> None:
    for name in ("involvement_opened", "involvement_closed"):
        sender, _ = example(name)
        decisions = await decide(engine, name, involved=EVERYONE)
        for org in set(RECIPIENTS) - {sender}:
            assert decisions[org].level is Level.DAT, f"{name} → {org}"
            assert decisions[org].purpose == "chain-coordination"


async def test_a_region_whose_covenant_allows_it_gives_uninvolved_partners_dat(engine: PolicyEngine) -> None:
    default = await decide(engine, "new_report")
    assert default["om"].level is Level.NONE
    regional = await decide(engine, "new_report", region="oost-brabant")
    assert regional["om"].level is Level.DAT
    assert regional["om"].legal_basis == "wpg-art-19"
    assert regional["veiligthuis"] == default["veiligthuis"]
    dismissal = await decide(
        engine, "prosecution_decision", attributes={"decision": "dismissal"}, region="oost-brabant"
    )
    assert dismissal["slachtofferhulp"].level is Level.FIELDS
    assert (await decide(engine, "prosecution_decision", attributes={"decision": "dismissal"}))[
        "slachtofferhulp"
    ].level is Level.NONE


async def test_a_lower_risk_reaches_fewer_partners(engine: PolicyEngine) -> None:
    laag = {"risk_level": "laag", "previous_risk_level": None, "risk_rising": False}
    decisions = await decide(engine, "risk_assessment", attributes=laag)
    assert decisions["veiligthuis"].level is Level.FIELDS and decisions["veiligthuis"].urgency == "normal"
    assert decisions["om"].level is Level.NONE
    assert decisions["3ro"].level is Level.NONE
    rising = await decide(
        engine, "risk_assessment", attributes={**laag, "risk_level": "midden", "risk_rising": True}
    )
    assert rising["3ro"].level is Level.FIELDS and rising["3ro"].urgency == "normal"


async def test_probation_on_the_case_gets_the_arrest_at_once(engine: PolicyEngine) -> None:
    decisions = await decide(engine, "arrest", involved=frozenset({"3ro"}))
    probation = decisions["3ro"]
    assert probation.level is Level.FIELDS and probation.urgency == "immediate"
    assert receives(probation, "held_at") and not receives(probation, "victim.address")


async def test_a_minor_breach_still_reaches_everyone_at_once(engine: PolicyEngine) -> None:
    decisions = await decide(engine, "breach_of_conditions", attributes={"severity": "low"})
    for org in ("om", "police", "veiligthuis"):
        assert decisions[org].level is Level.FIELDS and decisions[org].urgency == "immediate"
    assert not receives(decisions["police"], "description")
    assert receives(decisions["om"], "description")


async def test_an_unknown_recipient_gets_nothing(stack: Endpoints) -> None:
    sender, attributes = example("release_from_custody")
    query = policy_input("release_from_custody", sender, "1.0", attributes)
    query["recipients"] += [{"org": "makelaar", "involved": True}, {"org": sender, "involved": True}]
    async with httpx.AsyncClient(base_url=stack.opa_url) as client:
        response = await client.post(f"{DATA_API}/sharing/decisions", json={"input": query})
    response.raise_for_status()
    result = response.json()["result"]
    deny: dict[str, object] = {
        "level": "none",
        "fields": [],
        "legal_basis": None,
        "purpose": None,
        "urgency": "none",
    }
    assert result["makelaar"] == deny
    assert result[sender] == deny
    assert result["police"]["level"] == "fields"


# --- every granted path exists in the signal's schema ---------------------------------------------


def resolve(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """Follow $ref into $defs, and through a nullable anyOf to the schema that is not null."""
    while True:
        if "$ref" in node:
            node = defs[node["$ref"].removeprefix("#/$defs/")]
        elif "anyOf" in node:
            branches = [branch for branch in node["anyOf"] if branch.get("type") != "null"]
            assert len(branches) == 1, f"ambiguous schema {node}"
            node = branches[0]
        else:
            return node


def path_exists(schema: dict[str, Any], path: str) -> bool:
    defs = schema.get("$defs", {})
    node = schema
    for part in path.split("."):
        node = resolve(node, defs)
        while node.get("type") == "array":  # a path into a list applies to every element
            node = resolve(node["items"], defs)
        properties = node.get("properties", {})
        if part not in properties:
            return False
        node = properties[part]
    return True


def test_path_exists_walks_refs_lists_and_nullables() -> None:
    schema = CATALOGUE["release_from_custody"].model_json_schema()
    for path in ("victim.address.city", "conditions.ends_on", "children.birth_date", "known_risk_level"):
        assert path_exists(schema, path), path
    for path in ("victim.phone", "conditions.place", "release", "contact.name.first"):
        assert not path_exists(schema, path), path


# Attributes varied per type, so that every rule branch shows its fields.
VARIANTS: dict[str, list[dict[str, Any]]] = {
    "arrest": [
        {"breach_of_measure": measure, "new_offence": offence}
        for measure, offence in ((True, False), (False, True), (True, True))
    ],
    "risk_assessment": [
        {"risk_level": level, "risk_rising": rising}
        for level in ("laag", "midden", "hoog")
        for rising in (False, True)
    ],
    "breach_of_conditions": [{"severity": severity} for severity in ("low", "medium", "high")],
    "release_from_custody": [{"planned": planned, "risk_level": None} for planned in (False, True)],
    "prosecution_decision": [
        {"decision": decision}
        for decision in (
            "hold_in_custody",
            "investigating_judge_hearing",
            "release",
            "dismissal",
            "summons",
            "penalty_order",
        )
    ],
    "safety_assessment": [
        {"acute_unsafety": acute, "has_safety_conditions": conditions, "follow_up_months": months}
        for acute in (False, True)
        for conditions in (False, True)
        for months in (None, 3)
    ],
}


@pytest.mark.parametrize("name", sorted(CATALOGUE))
async def test_every_granted_path_exists_in_the_schema(
    engine: PolicyEngine, config: dict[str, Any], name: str
) -> None:
    schema = CATALOGUE[name].model_json_schema()
    granted: set[str] = set()
    for sender in ORGANISATIONS:
        for attributes in VARIANTS.get(name, [{}]):
            for involved in (frozenset(), EVERYONE):
                for region in (None, "oost-brabant"):
                    decisions = await decide(
                        engine, name, sender=sender, attributes=attributes, region=region, involved=involved
                    )
                    for org, decision in decisions.items():
                        assert_well_formed(decision, config, f"{name} from {sender} → {org}")
                        granted.update(decision.fields)
    missing = sorted(path for path in granted if not path_exists(schema, path))
    assert not missing, f"{name}: granted paths not in the schema: {missing}"
    if name not in ("involvement_opened", "involvement_closed"):
        assert granted, f"{name}: nobody is ever granted a field"


async def test_her_protection_needs_go_only_where_she_consented(engine: PolicyEngine) -> None:
    on_the_case = frozenset({"veiligthuis", "3ro"})
    decisions = await decide(engine, "protection_needs", involved=on_the_case)
    assert decisions["veiligthuis"].level is Level.FIELDS
    assert not receives(decisions["veiligthuis"], "victim.address")
    assert decisions["3ro"].level is Level.NONE
    granted = {decision.purpose for decision in decisions.values() if decision.level is not Level.NONE}
    assert granted == {"victim-wishes"}
    only_police = await decide(engine, "protection_needs", attributes={"consent_scope": ["police"]})
    assert only_police["police"].level is Level.FIELDS and only_police["om"].level is Level.NONE
    without = await decide(
        engine,
        "protection_needs",
        attributes={"consent_to_share": False, "consent_scope": []},
        involved=EVERYONE,
        region="oost-brabant",  # dat-informatie to everyone there: still nothing without her consent
    )
    assert {decision.level for decision in without.values()} == {Level.NONE}


async def test_a_breach_the_victim_reports_is_shared_as_an_ankle_tag_breach(engine: PolicyEngine) -> None:
    for sender in ("police", "slachtofferhulp", "3ro"):
        ankle_tag = await decide(engine, "breach_of_conditions", sender=sender)
        reported = await decide(
            engine, "breach_of_conditions", sender=sender, attributes={"detected_by": "victim_report"}
        )
        assert reported == ankle_tag, sender
        for org in {"om", "police", "3ro", "veiligthuis"} - {sender}:
            assert reported[org].level is Level.FIELDS and reported[org].urgency == "immediate"


async def test_the_boards_inquiry_reaches_partners_on_the_child(engine: PolicyEngine) -> None:
    decisions = await decide(engine, "child_protection", involved=EVERYONE)
    for org in ("veiligthuis", "police", "om"):
        decision = decisions[org]
        assert decision.level is Level.FIELDS, org
        assert decision.legal_basis == "bw-1-238-avg-6-1-e" and decision.urgency == "normal"
        assert receives(decision, "kind") and receives(decision, "contact"), org
    assert receives(decisions["veiligthuis"], "children.bsn")
    assert not receives(decisions["police"], "children.bsn")
    assert decisions["3ro"].level is Level.DAT and decisions["slachtofferhulp"].level is Level.DAT


async def test_the_board_on_the_case_receives_others_signals_only_where_children_are(
    engine: PolicyEngine,
) -> None:
    on_the_case = frozenset({"rvdk"})
    for name in ("new_report", "risk_assessment", "safety_assessment", "release_from_custody"):
        board = (await decide(engine, name, involved=on_the_case))["rvdk"]
        assert board.level is Level.FIELDS, name
        assert board.purpose == "child-protection" and board.urgency == "normal", name
        assert receives(board, "children.bsn") and not receives(board, "suspect.bsn"), name
        assert not receives(board, "description"), name
        without = await decide(engine, name, involved=on_the_case, attributes={"minors_involved": False})
        assert without["rvdk"].level is Level.DAT, name
        assert (await decide(engine, name))["rvdk"].level is Level.NONE, name
