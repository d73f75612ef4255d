"""Signed policy bundles with two privacy officers' approvals.

The way a policy change reaches OPA:

1. `ketenpoort policy revision`: the revision of the policy directory (`revision_of` its modules,
   tests left out, and its configuration), the thing each officer reviews and approves.
2. `ketenpoort policy sign --key officer.pem --officer NAME`, by two officers, each with an Ed25519
   key of their own: each adds an approval of that revision to the approvals file.
3. `ketenpoort policy release --signing-key release.pem`: the bundle (`opa build`), its manifest
   naming the revision and carrying the approvals, signed with the deployment's release key
   (ECDSA P-256, ES256: what OPA's bundle plugin verifies). OPA polls its bundle server for it and
   activates it only when that signature holds; the gateway then checks the approvals
   (gateway/policy_approvals.py) and decides nothing under a revision lacking them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from gateway.decisions import CONFIG_PATH
from gateway.policy_approvals import Approval, revision_of

BUNDLE_ROOTS = ["ketenpoort"]
SIGNING_ALG = "ES256"
RELEASE_KEY_ID = "ketenpoort-policy"


def _modules(policy_dir: Path) -> list[Path]:
    return sorted(p for p in policy_dir.rglob("*.rego") if not p.name.endswith("_test.rego"))


def _data_files(policy_dir: Path) -> list[Path]:
    return sorted(policy_dir.rglob("*.json"))


def configuration(policy_dir: Path) -> Any:
    """The policy configuration document as OPA serves it: the JSON files of its directory merged."""
    merged: dict[str, Any] = {}
    for path in _data_files(policy_dir / CONFIG_PATH):
        merged.update(orjson.loads(path.read_bytes()))
    return merged


def source_revision(policy_dir: Path) -> str:
    """The revision of the policies in `policy_dir`, as the gateway computes it of what OPA serves."""
    return revision_of([p.read_text() for p in _modules(policy_dir)], configuration(policy_dir))


def read_approvals(path: Path) -> tuple[str | None, list[Approval]]:
    """(the revision they approve, the approvals) of an approvals file; (None, []) when absent."""
    if not path.exists():
        return None, []
    document = orjson.loads(path.read_bytes())
    return document.get("revision"), [Approval.model_validate(a) for a in document.get("approvals", [])]


def write_approvals(path: Path, revision: str, approvals: Sequence[Approval]) -> None:
    document = {"revision": revision, "approvals": [a.model_dump(mode="json") for a in approvals]}
    path.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))


def add_approval(path: Path, approval: Approval) -> list[Approval]:
    """The file's approvals with this one added (replacing the same officer's); approvals of
    another revision are dropped: a change needs approving afresh."""
    revision, approvals = read_approvals(path)
    kept = [a for a in approvals if revision == approval.revision and a.officer != approval.officer]
    updated = [*kept, approval]
    write_approvals(path, approval.revision, updated)
    return updated


def build_bundle(
    opa: Path,
    policy_dir: Path,
    out: Path,
    *,
    approvals: Sequence[Approval | dict[str, Any]] = (),
    signing_key: Path | None = None,
    revision: str | None = None,
) -> str:
    """`opa build` of the policy directory (its tests left out) into `out`, with a manifest naming
    the revision (by default the directory's) and carrying the approvals; signed when a signing key
    is given. Returns the revision."""
    revision = revision or source_revision(policy_dir)
    with tempfile.TemporaryDirectory(prefix="ketenpoort-bundle-") as tmp:
        root = Path(tmp) / "bundle"
        for path in _modules(policy_dir):
            target = root / path.relative_to(policy_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        # A bundle loads data only from files named data.json, at their directory's path; OPA's
        # directory loader merges every JSON file of a directory there. So merge them the same way.
        for directory in sorted({path.parent for path in _data_files(policy_dir)}):
            merged: dict[str, Any] = {}
            for path in _data_files(directory):
                if path.parent == directory:
                    merged.update(orjson.loads(path.read_bytes()))
            target = root / directory.relative_to(policy_dir) / "data.json"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(orjson.dumps(merged))
        metadata = {
            "approvals": [a.model_dump(mode="json") if isinstance(a, Approval) else a for a in approvals]
        }
        manifest = {"revision": revision, "roots": BUNDLE_ROOTS, "metadata": metadata}
        (root / ".manifest").write_text(json.dumps(manifest))
        argv = [str(opa), "build", "--bundle", ".", "--output", str(out.absolute())]
        if signing_key is not None:
            argv += ["--signing-key", str(signing_key.absolute()), "--signing-alg", SIGNING_ALG]
        done = subprocess.run(argv, cwd=root, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"opa build failed: {done.stderr.strip() or done.stdout.strip()}")
    return revision


def make_release_key(path: Path) -> None:
    """An ECDSA P-256 key for signing bundles (PKCS#8 PEM, mode 0600), its public half beside it."""
    key = ec.generate_private_key(ec.SECP256R1())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    path.chmod(0o600)
    path.with_name(f"{path.name}.pub").write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def opa_config(
    bundle_url: str, resource: str, release_public_key: str, *, key_id: str | None = RELEASE_KEY_ID
) -> dict[str, Any]:
    """OPA's configuration to poll `bundle_url/resource` for the policy bundle and activate it only
    when signed with the release key. `key_id=None` leaves the signing configuration without a key
    id (OPA before 1.21.3 then accepted an unsigned bundle, GHSA-g2pf-6v5v-qcc8)."""
    signing: dict[str, Any] = {"keyid": key_id} if key_id is not None else {"scope": "write"}
    return {
        "services": {"policies": {"url": bundle_url}},
        "bundles": {
            "ketenpoort": {
                "service": "policies",
                "resource": resource,
                "polling": {"min_delay_seconds": 1, "max_delay_seconds": 2},
                "signing": signing,
            }
        },
        "keys": {key_id or "release": {"key": release_public_key, "algorithm": SIGNING_ALG}},
    }
