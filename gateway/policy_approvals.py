"""Two privacy officers' approvals of the policy revision OPA serves.

A policy change takes effect only when two privacy officers, each with an Ed25519 key of their
own, approved its revision (`ketenpoort policy sign`). The revision is a digest of the policies
and their configuration as OPA serves them (`revision_of`), so it can be computed from the policy
directory before a release and checked against what OPA holds after it. The approvals travel in
the signed bundle's manifest (`metadata.approvals`, tools/policy/bundle.py), which OPA verifies
with the release key before it activates a bundle; the gateway then checks the approvals against
the officers it was configured with (`KETENPOORT_POLICY_APPROVERS`) and decides nothing while
fewer than the required number hold (gateway/decisions.py).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from gateway.signing import key_id

REQUIRED = 2


def revision_of(modules: Iterable[str], config: Any) -> str:
    """The digest of the policy modules' sources (in any order: paths do not count, packages do)
    and the policy configuration document."""
    content = [sorted(modules), config]
    return hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _message(revision: str) -> bytes:
    return f"ketenpoort policy approval v1\n{revision}".encode()


class Approval(BaseModel):
    """One privacy officer's approval of one policy revision."""

    model_config = ConfigDict(frozen=True)

    officer: str = Field(description="Who approved: the name the approvers file knows the officer by.")
    key_id: str = Field(description="SHA-256 of the officer's raw public key, first 16 hex digits.")
    revision: str = Field(description="The full policy revision approved.")
    signed_at: AwareDatetime
    signature: str = Field(description="Ed25519 over the approval message of the revision, base64.")


def approve(key: Ed25519PrivateKey, officer: str, revision: str, at: datetime) -> Approval:
    signature = base64.b64encode(key.sign(_message(revision))).decode()
    return Approval(
        officer=officer, key_id=key_id(key.public_key()), revision=revision, signed_at=at, signature=signature
    )


class ApprovalProblem(Exception):
    """The revision lacks the approvals it needs: nothing is decided under it."""


class Approvers:
    """The privacy officers whose approvals count, and how many a revision needs."""

    def __init__(self, officers: dict[str, Ed25519PublicKey], required: int = REQUIRED) -> None:
        if required < 1 or len(officers) < required:
            raise ValueError(f"{required} approvals required of {len(officers)} officers")
        self.officers, self.required = officers, required

    @classmethod
    def load(cls, path: Path) -> Approvers:
        """A JSON file: {"required": 2, "officers": {"<name>": "<public key PEM>", ...}}."""
        document = orjson.loads(path.read_bytes())
        officers = {}
        for name, pem in document["officers"].items():
            key = serialization.load_pem_public_key(pem.encode())
            if not isinstance(key, Ed25519PublicKey):
                raise ValueError(f"{path}: {name}'s key is not an Ed25519 public key")
            officers[name] = key
        return cls(officers, int(document.get("required", REQUIRED)))

    def check(self, revision: str, approvals: object) -> tuple[str, ...]:
        """The officers whose approvals of `revision` hold, in order; ApprovalProblem, saying
        which failed and why, when fewer than required do."""
        valid: list[str] = []
        problems: list[str] = []
        for raw in approvals if isinstance(approvals, list) else []:
            problem, officer = self._problem(revision, raw)
            if problem:
                problems.append(problem)
            elif officer not in valid:
                valid.append(officer)
        if len(valid) < self.required:
            found = ", ".join(valid) or "none"
            why = f"; {'; '.join(problems)}" if problems else ""
            raise ApprovalProblem(
                f"policy revision {revision[:16]} has {len(valid)} valid approval(s) of the "
                f"{self.required} required (valid: {found}){why}"
            )
        return tuple(valid)

    def _problem(self, revision: str, raw: Any) -> tuple[str | None, str]:
        try:
            approval = Approval.model_validate(raw)
        except ValidationError:
            return "an approval that is not one", ""
        key = self.officers.get(approval.officer)
        if key is None:
            return f"{approval.officer} is not an approving officer", ""
        if approval.key_id != key_id(key):
            return f"{approval.officer}'s approval is signed with another key ({approval.key_id})", ""
        if approval.revision != revision:
            return f"{approval.officer} approved revision {approval.revision[:16]}, not this one", ""
        try:
            key.verify(base64.b64decode(approval.signature, validate=True), _message(revision))
        except (InvalidSignature, ValueError):
            return f"{approval.officer}'s signature does not verify", ""
        return None, approval.officer
