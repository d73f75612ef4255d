"""Signed policy bundles and two privacy officers' approvals, against a real OPA polling a real
bundle server and the real broker: OPA activates only a bundle signed with the release key, and
the gateway decides only under a revision two officers approved, failing closed (signals wait,
/health/ready says why) until they have."""

from __future__ import annotations

import asyncio
import io
import shutil
import tarfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import httpx
import orjson
import pytest
from faststream.asgi import AsgiFastStream
from pydantic import SecretStr
from typer.testing import CliRunner

from gateway.app import create_app
from gateway.kafka import ensure_topics
from gateway.policy_approvals import Approval, approve
from gateway.settings import Settings, get_settings
from gateway.signing import load_or_create_key, public_pem
from gateway.topics import AUDIT
from tests.integration.kafka_helpers import read_topic, skip_history
from tests.integration.test_first_slice import delivery_of, send_police_report
from tools.cli import app
from tools.policy.bundle import RELEASE_KEY_ID, build_bundle, make_release_key, opa_config, source_revision
from tools.stack import Endpoints, bundle_server, ensure_opa, throwaway_opa

RESOURCE = "bundle.tar.gz"
runner = CliRunner()
GRANTED = "description"  # a field of a new report no policy grants Veilig Thuis today


class Keys:
    """A deployment's release key and three privacy officers' keys, of whom a and b approve."""

    def __init__(self, directory: Path) -> None:
        self.release = directory / "release.pem"
        make_release_key(self.release)
        self.release_public = (directory / "release.pem.pub").read_text()
        self.other_release = directory / "other-release.pem"
        make_release_key(self.other_release)
        self.officers = {name: load_or_create_key(directory / f"{name}.pem") for name in ("a", "b", "c")}
        self.approvers = directory / "approvers.json"
        self.approvers.write_bytes(
            orjson.dumps(
                {
                    "required": 2,
                    "officers": {
                        f"officer-{name}": public_pem(self.officers[name].public_key()).decode()
                        for name in ("a", "b")
                    },
                }
            )
        )

    def approvals(self, revision: str, *names: str) -> list[Approval]:
        now = datetime.now(UTC)
        return [approve(self.officers[name], f"officer-{name}", revision, now) for name in names]


@pytest.fixture
def keys(tmp_path: Path) -> Keys:
    return Keys(tmp_path / "keys")


def _policies(settings: Settings, tmp_path: Path) -> Path:
    policies = tmp_path / "policies"
    shutil.copytree(settings.policy_dir, policies)
    return policies


def _grant(policies: Path) -> None:
    """A change: Veilig Thuis also gets a new report's description."""
    rule = policies / "new_report.rego"
    rule.write_text(rule.read_text().replace('\t"contact",\n]', f'\t"contact",\n\t"{GRANTED}",\n]'))


@dataclass(frozen=True)
class Polling:
    """A policy directory of the test's own, the bundle server's directory, and the OPA polling it."""

    opa: Path  # the binary, to build bundles with
    policies: Path
    served: Path
    url: str  # OPA's

    def publish(self, **how: object) -> str:
        """Build a bundle and put it where the bundle server serves it, at once (a rename)."""
        staged = self.served / f".{uuid4().hex}.tar.gz"
        revision = build_bundle(self.opa, self.policies, staged, **how)  # type: ignore[arg-type]
        staged.replace(self.served / RESOURCE)
        return revision


@contextmanager
def _polling(
    settings: Settings, tmp_path: Path, keys: Keys, *, key_id: str | None = RELEASE_KEY_ID
) -> Iterator[Polling]:
    """An OPA polling a bundle server of its own, verifying with the release key (configured
    under `key_id`, or with none)."""
    policies, served = _policies(settings, tmp_path), tmp_path / "served"
    served.mkdir()
    config = opa_config("", RESOURCE, keys.release_public, key_id=key_id)
    with bundle_server(served) as url:
        config["services"]["policies"]["url"] = url
        with throwaway_opa(settings, policies, bundles=config) as opa_url:
            yield Polling(ensure_opa(settings), policies, served, opa_url)


async def _served_revision(opa_url: str) -> str | None:
    async with httpx.AsyncClient(base_url=opa_url, timeout=2.0) as client:
        bundles = (await client.get("/v1/data/system/bundles")).json().get("result") or {}
    revisions = [b.get("manifest", {}).get("revision") for b in bundles.values()]
    return revisions[0] if revisions else None


async def _wait_for_revision(opa_url: str, revision: str, timeout_s: float = 15.0) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if await _served_revision(opa_url) == revision:
            return time.monotonic() - started
        await asyncio.sleep(0.1)
    pytest.fail(f"OPA did not activate revision {revision[:16]} within {timeout_s} s")


def _tampered(signed: Path, policies_change: bytes) -> bytes:
    """The signed bundle with one policy file's content changed after signing, its signature kept."""
    out = io.BytesIO()
    with tarfile.open(signed) as source, tarfile.open(fileobj=out, mode="w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read() if member.isfile() else b""  # type: ignore[union-attr]
            if member.name.endswith("new_report.rego"):
                data = policies_change
                member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    return out.getvalue()


@pytest.mark.parametrize("bad", ["unsigned", "tampered", "signed with another key"])
async def test_opa_activates_a_signed_bundle_and_refuses_a_bad_one(
    settings: Settings, tmp_path: Path, keys: Keys, bad: str
) -> None:
    with _polling(settings, tmp_path, keys) as opa:
        await _wait_for_revision(opa.url, opa.publish(signing_key=keys.release))
        # A signed change is activated: how long that takes is the time a bad one is given.
        _grant(opa.policies)
        second = opa.publish(signing_key=keys.release)
        took = await _wait_for_revision(opa.url, second)

        rule = opa.policies / "new_report.rego"
        rule.write_text(rule.read_text() + "\n# bad\n")
        if bad == "unsigned":
            third = opa.publish()
        elif bad == "signed with another key":
            third = opa.publish(signing_key=keys.other_release)
        else:
            third = source_revision(opa.policies)
            signed = opa.served / ".signed.tar.gz"
            build_bundle(opa.opa, opa.policies, signed, signing_key=keys.release, revision=third)
            # the signed bundle's revision, a file changed after it was signed
            (opa.served / RESOURCE).write_bytes(_tampered(signed, rule.read_bytes() + b"\n# after signing\n"))
        assert third != second
        await asyncio.sleep(max(3 * took, 6.0))
        assert await _served_revision(opa.url) == second, f"OPA activated a bundle {bad}"


async def test_opa_refuses_an_unsigned_bundle_when_the_signing_configuration_has_no_key_id(
    settings: Settings, tmp_path: Path, keys: Keys
) -> None:
    """GHSA-g2pf-6v5v-qcc8: OPA before 1.21.3 activated an unsigned bundle when the bundle's
    signing configuration named no key id. The pinned OPA must not."""
    assert (
        "keyid"
        not in opa_config("", RESOURCE, keys.release_public, key_id=None)["bundles"]["ketenpoort"]["signing"]
    )
    with _polling(settings, tmp_path, keys, key_id=None) as opa:
        opa.publish()  # unsigned
        await asyncio.sleep(6.0)  # three polls at least
        assert await _served_revision(opa.url) is None
        async with httpx.AsyncClient(base_url=opa.url) as client:
            policies_loaded = (await client.get("/v1/policies")).json()["result"]
        assert policies_loaded == [], "OPA serves policies from an unsigned bundle"


@asynccontextmanager
async def _gateway(settings: Settings, stack: Endpoints, opa_url: str) -> AsyncIterator[AsgiFastStream]:
    group = f"ketenpoort-gateway-test-{uuid4()}"
    fast = settings.model_copy(update={"gateway_group_id": group, "policy_refresh_s": 0.2})
    await ensure_topics(stack.kafka("admin"))
    await skip_history(stack.kafka("admin"), group)
    app = create_app(fast, stack.kafka("gateway"), opa_url)
    await app.start()
    try:
        yield app
    finally:
        await app.stop()


async def _readiness(app: AsgiFastStream) -> dict[str, object]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as http:
        return dict((await http.get("/health/ready")).json())


async def test_a_change_with_one_approval_does_not_take_effect_until_the_second(
    settings: Settings, stack: Endpoints, tmp_path: Path, keys: Keys
) -> None:
    settings = settings.model_copy(
        update={"policy_approvers": keys.approvers, "pseudonym_key": SecretStr(f"bundles-{uuid4()}")}
    )
    with _polling(settings, tmp_path, keys) as opa:
        approved = source_revision(opa.policies)
        opa.publish(signing_key=keys.release, approvals=keys.approvals(approved, "a", "b"))
        await _wait_for_revision(opa.url, approved)
        async with _gateway(settings, stack, opa.url) as app:
            before = await send_police_report(settings, stack)
            copy = await delivery_of(stack, "veiligthuis", before)
            assert copy is not None and GRANTED not in copy["body"]

            # The change, released with officer a's approval and officer c's (not an approver).
            _grant(opa.policies)
            change = source_revision(opa.policies)
            one = keys.approvals(change, "a", "c")
            opa.publish(signing_key=keys.release, approvals=one)
            await _wait_for_revision(opa.url, change)
            # The gateway says why it decides nothing, also before a signal comes.
            for _ in range(50):
                if "valid approval" in str((await _readiness(app))["problems"]):
                    break
                await asyncio.sleep(0.1)
            waiting = await send_police_report(settings, stack)
            assert await delivery_of(stack, "veiligthuis", waiting, timeout_s=4.0) is None, (
                "delivered under a revision one officer approved"
            )
            problems = (await _readiness(app))["problems"]
            assert "1 valid approval(s) of the 2 required" in str(problems), problems
            assert "officer-c is not an approving officer" in str(problems)

            # Officer b approves too: the waiting signal is delivered under the change.
            opa.publish(signing_key=keys.release, approvals=[*one, *keys.approvals(change, "b")])
            delivered = await delivery_of(stack, "veiligthuis", waiting, timeout_s=30.0)
            assert delivered is not None and GRANTED in delivered["body"]
            assert delivered["policy_revision"] == change[:16]
            assert (await _readiness(app))["ready"] is True

    records = await read_topic(stack.kafka("admin"), AUDIT)
    ours = [r for r in records if r.get("signal_id") == str(waiting) and r.get("recipient") == "veiligthuis"]
    assert [(r["policy_revision"], r["policy_approvers"]) for r in ours] == [
        (change[:16], ["officer-a", "officer-b"])
    ]


def test_two_officers_sign_and_the_release_carries_their_approvals(
    settings: Settings, tmp_path: Path, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The commands as the officers and the release manager run them."""
    policies = _policies(settings, tmp_path)
    monkeypatch.setenv("KETENPOORT_POLICY_DIR", str(policies))
    get_settings.cache_clear()
    try:
        for name in ("a", "b"):
            made = runner.invoke(app, ["policy", "keygen", "--out", str(tmp_path / f"{name}.pem")])
            assert made.exit_code == 0, made.output
        approvers = tmp_path / "approvers.json"
        approvers.write_bytes(
            orjson.dumps(
                {"officers": {f"officer-{n}": (tmp_path / f"{n}.pem.pub").read_text() for n in ("a", "b")}}
            )
        )
        approvals, bundle = tmp_path / "approvals.json", tmp_path / "bundle.tar.gz"
        revision = runner.invoke(app, ["policy", "revision"]).output.strip()
        assert revision == source_revision(policies)

        def sign(name: str) -> None:
            key = str(tmp_path / f"{name}.pem")
            asked = [
                "policy",
                "sign",
                "--key",
                key,
                "--officer",
                f"officer-{name}",
                "--approvals",
                str(approvals),
            ]
            signed = runner.invoke(app, asked)
            assert signed.exit_code == 0, signed.output

        release = ["policy", "release", "--signing-key", str(keys.release), "--out", str(bundle),
                   "--approvals", str(approvals), "--approvers", str(approvers)]  # fmt: skip
        sign("a")
        refused = runner.invoke(app, release)
        assert refused.exit_code == 2 and "1 valid approval(s) of the 2 required" in refused.output
        assert not bundle.exists()
        sign("b")
        released = runner.invoke(app, release)
        assert released.exit_code == 0, released.output
        assert "approved by officer-a, officer-b" in released.output
        with tarfile.open(bundle) as archive:
            names = archive.getnames()
            manifest = orjson.loads(archive.extractfile("/.manifest").read())  # type: ignore[union-attr]
        assert "/.signatures.json" in names
        assert manifest["revision"] == revision
        assert [a["officer"] for a in manifest["metadata"]["approvals"]] == ["officer-a", "officer-b"]
        assert not any(name.endswith("_test.rego") for name in names)
    finally:
        get_settings.cache_clear()
