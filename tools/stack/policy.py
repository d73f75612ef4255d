"""The local stack's policies as a deployment gets them: a bundle signed with a release key and
approved by two privacy officers, polled by OPA from a bundle server (tools/policy/bundle.py).

The stack plays both officers and the release manager with keys of its own under `<stack>/keys`
(development keys: they say only that the stack released what is in the policy directory). `stack
up` releases the policy directory, and `ketenpoort stack policies` releases it again after an
edit; OPA activates each within about two seconds, and the gateways, checking the approvals with
`<stack>/keys/policy-approvers.json`, decide under it from then on.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson

from gateway.policy_approvals import approve
from gateway.settings import APPROVERS_IN_STACK
from gateway.signing import load_or_create_key, public_pem
from tools.policy.bundle import build_bundle, make_release_key, opa_config, source_revision
from tools.stack.errors import StackError

OFFICERS = ("dev-officer-1", "dev-officer-2")
RESOURCE = "bundle.tar.gz"


class LocalPolicy:
    """The keys, approvals and bundle directory of one stack."""

    def __init__(self, stack_dir: Path) -> None:
        self.keys = stack_dir / "keys"
        self.bundles = stack_dir / "policy-bundles"
        self.release_key = self.keys / "policy-release.pem"
        self.approvers = stack_dir.joinpath(*APPROVERS_IN_STACK)

    def ensure_keys(self) -> None:
        """The release key and both officers' keys, made once; the approvers file naming the officers."""
        if not self.release_key.exists():
            make_release_key(self.release_key)
        officers = {
            name: public_pem(load_or_create_key(self.keys / f"{name}.pem").public_key()).decode()
            for name in OFFICERS
        }
        self.approvers.write_bytes(
            orjson.dumps({"required": 2, "officers": officers}, option=orjson.OPT_INDENT_2)
        )

    def release(self, opa: Path, policy_dir: Path) -> str:
        """Both officers approve the policy directory's revision; its signed bundle replaces the one
        served (at once: a rename). Returns the revision."""
        self.ensure_keys()
        self.bundles.mkdir(parents=True, exist_ok=True)
        revision = source_revision(policy_dir)
        now = datetime.now(UTC)
        approvals = [
            approve(load_or_create_key(self.keys / f"{name}.pem"), name, revision, now) for name in OFFICERS
        ]
        staged = self.bundles / f".{RESOURCE}.tmp"
        build_bundle(opa, policy_dir, staged, approvals=approvals, signing_key=self.release_key)
        staged.replace(self.bundles / RESOURCE)
        return revision

    def opa_config(self, bundle_url: str) -> dict[str, Any]:
        return opa_config(bundle_url, RESOURCE, (self.keys / f"{self.release_key.name}.pub").read_text())


def wait_active(opa_url: str, revision: str | None, log_file: Path, timeout_s: float = 30.0) -> None:
    """Block until OPA has activated the bundle of `revision` (or any, for None); StackError
    naming OPA's log if not."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            bundles = httpx.get(f"{opa_url}/v1/data/system/bundles", timeout=2.0).json().get("result") or {}
        except (httpx.HTTPError, ValueError):
            bundles = {}
        served = [(b.get("manifest") or {}).get("revision") for b in bundles.values()]
        if (revision is None and served) or revision in served:
            return
        time.sleep(0.1)
    raise StackError(
        f"OPA did not activate the policy bundle {(revision or '')[:16]} within {timeout_s:.0f} s "
        f"(does a policy fail to compile?); see {log_file}"
    )
