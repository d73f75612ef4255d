"""A chain partner is data: an entry in partners.json, its policies, an on-call roster and an adapter
package named by its code. The Child Protection Board (`rvdk`) came in that way; nothing in the
gateway's code names it."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.registry import adapter
from gateway.involvements import DEFAULT_ROLES
from gateway.principals import Principals
from gateway.schemas.involvement import InvolvementRole
from gateway.settings import ORGANISATIONS, PARTNERS, RECIPIENTS
from gateway.topics import TOPICS, inbox_topic, signals_topic
from oncall.config import OnCallConfig

pytestmark = pytest.mark.unit

GATEWAY = Path(__file__).parents[2] / "gateway"


@pytest.mark.parametrize("org", sorted(PARTNERS))
def test_every_partner_is_wired_from_its_entry(org: str) -> None:
    partner = PARTNERS[org]
    names = {topic.name for topic in TOPICS}
    assert org in RECIPIENTS and inbox_topic(org) in names
    assert (org in ORGANISATIONS) == partner.adapter == (signals_topic(org) in names)
    principal = Principals.load().principals[org]
    assert principal.read == (inbox_topic(org),)
    assert principal.write == ((signals_topic(org),) if partner.adapter else ())
    assert principal.groups == (f"{org}.*",)
    assert DEFAULT_ROLES[org] == partner.involvement_role
    assert partner.involvement_role in set(InvolvementRole)
    if partner.adapter:
        assert adapter(org).org == org
        assert org in OnCallConfig.load().organisations


def test_the_child_protection_board_needs_no_gateway_code() -> None:
    """`rvdk` is named in the policies and their data, never in the gateway's Python or in the
    principals file: a partner without an entry there gets its principal from partners.json."""
    assert PARTNERS["rvdk"].adapter and PARTNERS["rvdk"].involvement_role == "child_protection"
    naming = [
        path.relative_to(GATEWAY)
        for path in [*GATEWAY.rglob("*.py"), GATEWAY / "principals.yaml"]
        if "rvdk" in path.read_text()
    ]
    assert naming == []
