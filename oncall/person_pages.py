"""The console's person pages: a person's timeline, the conditions in force and the persons linked,
as the signed-in organisation knows them, read from the gateway's case timeline (docs/timeline.md).

The on-call service keeps no copy and decides nothing here. It forwards the request to the
gateway's `POST /timeline` and `POST /timeline/conditions` (at `KETENPOORT_API_URL`) with the
organisation's own token: the one its person signed in with, or the bearer of its own system. So the
gateway names the viewer from the token, records each read in the log of reads (naming the person
who signed in) before it answers, and answers only what that organisation sent and received.

The person never goes in a URL. The page names him by what it already holds: an alert of its
organisation, or an obligation on its due list, and a slot of what that alert or obligation may show
(`suspect`, `victim`, `children.0`), whose identifying fields the service takes from its own books;
or an id a timeline gave the organisation (`p-...`). A slot whose identifying fields the
organisation did not receive opens nobody: no new sharing decision is made here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx

from gateway.logging import get_logger
from gateway.schemas.persons import check_bsn
from oncall.service import OnCallService

log = get_logger("gateway.oncall.persons")

SLOT = re.compile(r"^(suspect|victim|children\.(0|[1-9][0-9]?))$")
PERSON_ID = re.compile(r"^p-[0-9a-f]{32}$")
NAMED_BY = ("given_name", "family_name", "birth_date")
TIMEOUT_S = 30.0  # the gateway builds its read model on the first look after a start


@dataclass(frozen=True)
class Refused(Exception):
    """Why a person page is not answered: the HTTP status, an English message, the console's code."""

    status: int
    message: str
    code: str


def identifying(content: Mapping[str, Any], slot: str) -> dict[str, str] | None:
    """How the gateway finds the person in `slot` of what the organisation may see: by the BSN
    where it holds a valid one, else by name and birth date where it holds all three; None where
    it holds neither (the organisation did not receive who they are)."""
    role, _, index = slot.partition(".")
    person = content.get(role)
    if index:
        person = person[int(index)] if isinstance(person, list) and int(index) < len(person) else None
    if not isinstance(person, dict):
        return None
    bsn = person.get("bsn")
    if isinstance(bsn, str):
        try:
            return {"bsn": check_bsn(bsn)}
        except ValueError:
            pass
    named = {name: person.get(name) for name in NAMED_BY}
    if all(isinstance(value, str) and value.strip() for value in named.values()):
        return {name: str(value) for name, value in named.items()}
    return None


def asked_of(body: object, service: OnCallService, org: str) -> dict[str, str]:
    """What to ask the gateway for: `{"person": "p-..."}` as given, or the identifying fields of a
    slot of an alert of `org`, or of an obligation on its due list. Refused otherwise."""
    if not isinstance(body, dict):
        raise Refused(400, ASK, "person_asked")
    ways = [name for name in ("alert", "obligation", "person") if name in body]
    if len(ways) != 1 or set(body) - {ways[0], "slot"}:
        raise Refused(400, ASK, "person_asked")
    if ways == ["person"]:
        person = body["person"]
        if not isinstance(person, str) or not PERSON_ID.match(person) or "slot" in body:
            raise Refused(400, ASK, "person_asked")
        return {"person": person}
    slot = body.get("slot")
    try:
        named = UUID(str(body[ways[0]]))
    except ValueError:
        raise Refused(400, ASK, "person_asked") from None
    if not isinstance(slot, str) or not SLOT.match(slot):
        raise Refused(400, ASK, "person_asked")
    if ways == ["alert"]:
        alert = next((a for a in service.alerts(org) if a.alert_id == named), None)
        if alert is None:
            raise Refused(404, "no such alert for your organisation", "alert_not_found")
        content: Mapping[str, Any] = alert.content or {}
    else:
        obligation = next((o for o in service.due(org) if o.obligation_id == named), None)
        if obligation is None:
            raise Refused(404, "no open obligation of your organisation with this id", "obligation_not_found")
        content = service.content_of(obligation, org)
    found = identifying(content, slot)
    if found is None:
        raise Refused(404, "your organisation did not receive who this person is", "person_not_received")
    return found


ASK = (
    'send {"alert": "<id>", "slot": "suspect"}, {"obligation": "<id>", "slot": "victim"} (a slot is '
    'suspect, victim or children.<n>) or {"person": "p-..."}'
)


class TimelineClient:
    """Asks the gateway's case timeline, as the organisation whose token it is given."""

    def __init__(self, api_url: str, client: httpx.AsyncClient | None = None) -> None:
        self.api_url = api_url.rstrip("/")
        self.client = client or httpx.AsyncClient(timeout=TIMEOUT_S)

    async def close(self) -> None:
        await self.client.aclose()

    async def person(self, token: str, asked: dict[str, str], by: str | None) -> dict[str, Any]:
        """The person's page: `{"timeline": ..., "conditions": ...}`, each read recorded by the
        gateway before it answered; Refused naming why not."""
        body = {**asked, **({"by": by} if by else {})}
        return {
            "timeline": await self._ask("/timeline", token, body),
            "conditions": await self._ask("/timeline/conditions", token, body),
        }

    async def _ask(self, path: str, token: str, body: dict[str, str]) -> dict[str, Any]:
        try:
            response = await self.client.post(
                self.api_url + path, json=body, headers={"Authorization": f"Bearer {token}"}
            )
        except httpx.HTTPError as error:
            log.error("timeline_unreachable", error=type(error).__name__)
            raise Refused(
                503, "the gateway cannot be reached; nothing was read, try again", "gateway_unreachable"
            ) from None
        if response.status_code == 200:
            answer: dict[str, Any] = response.json()
            return answer
        if response.status_code == 404:
            raise Refused(404, "no person with that id in your organisation's timeline", "person_not_found")
        if response.status_code == 503:
            raise Refused(503, "the gateway could not record or read it; try again", "timeline_unavailable")
        log.error("timeline_refused", status=response.status_code)
        raise Refused(502, f"the gateway answered {response.status_code}", "gateway_refused")
