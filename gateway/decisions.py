"""Asking the policy engine (OPA) what each recipient may receive of a signal.

One query per signal answers for all recipients. The input holds envelope-level attributes only,
never free text or identifiers, so a decision depends on little and can be cached (see issue on
the decision cache).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar
from urllib.parse import urlsplit

import httpx
import orjson
from opa_client.opa_async import AsyncOpaClient
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gateway.policy_approvals import ApprovalProblem, Approvers, revision_of
from gateway.settings import RECIPIENTS

POLICY_PACKAGE = "ketenpoort/sharing"
CONFIG_PATH = "ketenpoort/config"  # partners, legal bases, purposes, covenants: data beside the policies
DECISIONS_RULE = "decisions"


class Level(StrEnum):
    FULL = "full"
    FIELDS = "fields"
    DAT = "dat"
    NONE = "none"


class Decision(BaseModel):
    """What one recipient may receive of one signal, and why."""

    model_config = ConfigDict(frozen=True)

    level: Level
    fields: tuple[str, ...] = Field(default=(), description="Dotted paths into the signal body.")
    legal_basis: str | None = None
    purpose: str | None = None
    urgency: str = "none"


DENY = Decision(level=Level.NONE)


class DecisionError(RuntimeError):
    """The policy engine could not be asked or gave no usable answer. Nothing may be delivered."""


def policy_input(
    signal_type: str,
    sender: str,
    version: str,
    attributes: dict[str, Any],
    *,
    region: str | None = None,
    involved: frozenset[str] = frozenset(),
    recipients: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """What policy may decide on: the signal's type, sender, region and attributes, and per
    recipient (by default every known one but the sender) whether it is already involved with the
    subject."""
    asked = recipients if recipients is not None else tuple(org for org in RECIPIENTS if org != sender)
    recipients_input = [{"org": org, "involved": org in involved} for org in asked]
    signal = {"type": signal_type, "source": sender, "region": region, "version": version}
    return {"signal": {**signal, "attributes": attributes}, "recipients": recipients_input}


def parse_decisions(result: Any, requested: list[str]) -> dict[str, Decision]:
    """OPA's answer → one Decision per requested recipient. Anything missing or malformed is an error."""
    if not isinstance(result, dict):
        raise DecisionError(f"policy returned no decisions object: {result!r:.200}")
    decisions: dict[str, Decision] = {}
    for org in requested:
        if org not in result:
            raise DecisionError(f"policy returned no decision for recipient {org!r}")
        try:
            decisions[org] = Decision.model_validate(result[org])
        except ValidationError as error:
            raise DecisionError(f"policy decision for {org!r} is malformed: {error}") from None
    return decisions


T = TypeVar("T")


@dataclass(frozen=True)
class Rule(Generic[T]):
    """One question the gateway asks the policy engine: the policy document (`package/rule`) and how
    its answer is read (raising DecisionError when it is missing or malformed)."""

    path: str
    read: Callable[[Any, dict[str, Any]], T]

    async def of(self, engine: Evaluates, policy_input: dict[str, Any]) -> T:
        """The rule's answer for this input, read and checked; DecisionError when there is none."""
        return self.read(await engine.evaluate(self.path, policy_input), policy_input)


class Evaluates(Protocol):
    """What a rule needs of the policy engine: the value of a policy document for an input."""

    async def evaluate(self, path: str, policy_input: dict[str, Any]) -> Any: ...


SHARING: Rule[dict[str, Decision]] = Rule(
    f"{POLICY_PACKAGE}/{DECISIONS_RULE}",
    lambda result, asked: parse_decisions(result, [recipient["org"] for recipient in asked["recipients"]]),
)


def _held(bundles: dict[str, Any]) -> tuple[str, str] | None:
    """(manifest revision, ETag) of the one bundle OPA holds, when it came with an ETag: the
    bundle server's digest of its bytes."""
    if len(bundles) != 1:
        return None
    (bundle,) = bundles.values()
    revision, etag = (bundle.get("manifest") or {}).get("revision"), bundle.get("etag")
    return (str(revision), str(etag)) if revision and etag else None


@dataclass(frozen=True)
class Served:
    """The policy revision OPA serves, and who approved it (none where approvals are not checked)."""

    revision: str
    approvers: tuple[str, ...]


class PolicyEngine:
    """A thin async client of OPA's data API, built on opa-python-client."""

    def __init__(self, url: str, *, timeout_s: float = 2.0, approvers: Approvers | None = None) -> None:
        """`approvers`: decide only under a revision enough of these privacy officers approved."""
        self.approvers = approvers
        self._approved: str | None = None  # the full revision `served` last found approved
        # The bundle last verified (its manifest revision and ETag) and what was found: the same
        # bundle again needs no second reading of every module.
        self._verified: tuple[tuple[str, str], Served] | None = None
        # OPA's last answers for the policies and their configuration, and the revision they gave.
        self._listed: tuple[tuple[bytes, bytes], str] | None = None
        parts = urlsplit(url)
        self._client = AsyncOpaClient(
            host=parts.hostname or "localhost",
            port=parts.port or (443 if parts.scheme == "https" else 8181),
            ssl=parts.scheme == "https",
            timeout=timeout_s,
            retries=1,
        )
        self.url = url
        # For the policy listing behind `revision`, which opa-python-client reduces to names.
        self._http = httpx.AsyncClient(base_url=url, timeout=timeout_s)

    async def start(self) -> None:
        await self._client._init_session()

    async def close(self) -> None:
        await self._client.close_connection()
        await self._http.aclose()

    async def check_health(self) -> None:
        """Raise DecisionError unless OPA answers its health check now."""
        try:
            response = await self._http.get("/health")
            response.raise_for_status()
        except httpx.HTTPError as error:
            raise DecisionError(f"policy engine at {self.url} unavailable: {error!r:.300}") from error

    async def revision(self) -> str:
        """A fingerprint of the policies and policy data OPA holds right now."""
        return (await self.served()).revision

    async def served(self) -> Served:
        """What OPA serves right now: its revision (the first 16 hex digits of `revision_of` the
        modules' sources and the policy configuration) and, when this engine checks approvals,
        the officers who approved it.

        OPA (re)loads its policies itself (a watched directory, or a signed bundle it polls for);
        hashing what it serves tells the gateway exactly when that happened. With `approvers`,
        the revision must be the one a bundle OPA activated names in its manifest, approved there
        by enough privacy officers, or DecisionError: nothing is decided under it.
        """
        try:
            bundles: dict[str, Any] = {}
            if self.approvers is not None:
                listing = await self._http.get("/v1/data/system/bundles")
                listing.raise_for_status()
                bundles = orjson.loads(listing.content).get("result") or {}
                held = _held(bundles)
                if held is not None and self._verified is not None and held == self._verified[0]:
                    return self._verified[1]  # the same bundle, byte for byte, as last verified
            response = await self._http.get("/v1/policies")
            response.raise_for_status()
            data = await self._http.get(f"/v1/data/{CONFIG_PATH}")
            data.raise_for_status()
            answers = (response.content, data.content)
            if self._listed is not None and self._listed[0] == answers:
                full = self._listed[1]  # the same answers, byte for byte: the same revision
            else:
                # The listing holds every module's source and syntax tree: parsed only when changed.
                modules = [m["raw"] for m in orjson.loads(answers[0]).get("result", [])]
                config = orjson.loads(answers[1]).get("result")
                if not modules:
                    raise DecisionError(f"policy engine at {self.url} has no policies loaded")
                full = revision_of(modules, config)
                self._listed = (answers, full)
        except (httpx.HTTPError, ValueError, KeyError) as error:
            raise DecisionError(f"policy engine at {self.url} unavailable: {error!r:.300}") from error
        self._approved, self._verified = None, None
        if self.approvers is None:
            return Served(full[:16], ())
        manifests = [b.get("manifest") or {} for b in bundles.values() if isinstance(b, dict)]
        named = [m for m in manifests if m.get("revision") == full]
        if not named:
            names = [m.get("revision") for m in manifests]
            raise DecisionError(
                f"the policies OPA serves (revision {full[:16]}) are not a signed bundle's: no "
                f"activated bundle names that revision (they name {names!r:.200})"
            )
        try:
            approvers = self.approvers.check(full, (named[0].get("metadata") or {}).get("approvals"))
        except ApprovalProblem as problem:
            raise DecisionError(str(problem)) from problem
        self._approved = full
        served = Served(full[:16], approvers)
        held = _held(bundles)
        if held is not None:
            self._verified = (held, served)
        return served

    async def _evaluate_approved(self, path: str, policy_input: dict[str, Any]) -> Any:
        """The answer, and proof it was computed under the approved revision: OPA's provenance
        names the revision of the bundle the answer came from. OPA may activate a new bundle
        between two checks of `served`; an answer under any other revision than the one found
        approved is refused (the batch waits for the next check)."""
        try:
            response = await self._http.post(
                f"/v1/data/{path.strip('/')}", params={"provenance": "true"}, json={"input": policy_input}
            )
            response.raise_for_status()
            answer = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise DecisionError(f"policy engine at {self.url} unavailable: {error!r:.300}") from error
        bundles = (answer.get("provenance") or {}).get("bundles") or {}
        revisions = {b.get("revision") for b in bundles.values() if isinstance(b, dict)}
        if self._approved is None or revisions != {self._approved}:
            raise DecisionError(
                f"the answer came from policy revision {sorted(map(str, revisions))!r:.100}, not the "
                f"approved {(self._approved or 'none')[:16]}: the policies changed while deciding"
            )
        return answer.get("result")

    async def decide(self, policy_input: dict[str, Any]) -> dict[str, Decision]:
        """What each requested recipient may receive (the sharing rule), asked without a cache."""
        return await SHARING.of(self, policy_input)

    async def evaluate(self, path: str, policy_input: dict[str, Any]) -> Any:
        """The value of the policy document at `path` (e.g. `ketenpoort/alerts/decisions`) for this
        input; None where OPA leaves it undefined. The caller checks its shape."""
        if self.approvers is not None:
            return await self._evaluate_approved(path, policy_input)
        package, _, rule = path.strip("/").rpartition("/")
        try:
            response = await self._client.query_rule(policy_input, package, rule)
        except Exception as error:  # aiohttp and opa_client raise many kinds; all mean "no decision"
            raise DecisionError(f"policy engine at {self.url} unavailable: {error!r:.300}") from error
        if not isinstance(response, dict):
            raise DecisionError(f"policy engine at {self.url} gave no usable answer: {response!r:.200}")
        return response.get("result")
