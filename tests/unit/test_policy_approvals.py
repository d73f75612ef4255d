"""Two privacy officers' approvals of a policy revision: what counts and what is named."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway.decisions import DecisionError, PolicyEngine
from gateway.policy_approvals import ApprovalProblem, Approvers, approve, revision_of
from gateway.signing import public_pem
from tools.policy.bundle import add_approval, read_approvals, source_revision

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
REVISION = revision_of(["package ketenpoort.a\n"], {"partners": {}})
KEYS = {name: Ed25519PrivateKey.generate() for name in ("a", "b", "c")}
APPROVERS = Approvers({f"officer-{n}": KEYS[n].public_key() for n in ("a", "b")})


def _approval(name: str, revision: str = REVISION, officer: str | None = None) -> dict[str, object]:
    return approve(KEYS[name], officer or f"officer-{name}", revision, AT).model_dump(mode="json")


def test_two_officers_approvals_of_the_revision_hold() -> None:
    assert APPROVERS.check(REVISION, [_approval("a"), _approval("b")]) == ("officer-a", "officer-b")


@pytest.mark.parametrize(
    ("approvals", "named"),
    [
        ([_approval("a")], "1 valid approval(s) of the 2 required (valid: officer-a)"),
        ([_approval("a"), _approval("a")], "1 valid approval(s)"),
        ([_approval("a"), _approval("c")], "officer-c is not an approving officer"),
        (
            [_approval("a"), _approval("c", officer="officer-b")],
            "officer-b's approval is signed with another key",
        ),
        ([_approval("a"), _approval("b", revision="0" * 64)], "officer-b approved revision 0000000000000000"),
        (
            [_approval("a"), {**_approval("b"), "signature": _approval("a")["signature"]}],
            "officer-b's signature",
        ),
        ([_approval("a"), {"officer": "officer-b"}], "an approval that is not one"),
        ("not a list", "0 valid approval(s) of the 2 required (valid: none)"),
    ],
    ids=[
        "one",
        "the same twice",
        "not an approver",
        "another key",
        "another revision",
        "forged",
        "garbled",
        "none",
    ],
)
def test_fewer_than_two_valid_approvals_are_refused_naming_why(approvals: object, named: str) -> None:
    with pytest.raises(ApprovalProblem, match=None) as refused:
        APPROVERS.check(REVISION, approvals)
    assert named in str(refused.value)


def test_the_approvers_file_names_each_officers_public_key(tmp_path: Path) -> None:
    path = tmp_path / "approvers.json"
    officers = {f"officer-{n}": public_pem(KEYS[n].public_key()).decode() for n in ("a", "b")}
    path.write_bytes(orjson.dumps({"required": 2, "officers": officers}))
    assert Approvers.load(path).check(REVISION, [_approval("a"), _approval("b")]) == (
        "officer-a",
        "officer-b",
    )
    with pytest.raises(ValueError, match="2 approvals required of 1 officers"):
        Approvers({"officer-a": KEYS["a"].public_key()})


def test_the_revision_is_of_the_policies_and_their_configuration_not_their_order() -> None:
    assert revision_of(["b", "a"], {"x": 1}) == revision_of(["a", "b"], {"x": 1})
    assert revision_of(["a", "b"], {"x": 1}) != revision_of(["a", "b"], {"x": 2})
    assert revision_of(["a", "b"], {"x": 1}) != revision_of(["a", "b "], {"x": 1})


def test_a_changed_policy_needs_approving_afresh(tmp_path: Path) -> None:
    policies = tmp_path / "policies"
    (policies / "ketenpoort" / "config").mkdir(parents=True)
    (policies / "a.rego").write_text("package ketenpoort.a\n")
    (policies / "a_test.rego").write_text("package ketenpoort.a_test\n")  # tests are not policy
    (policies / "ketenpoort" / "config" / "p.json").write_text('{"partners": {}}')
    first = source_revision(policies)
    assert first == revision_of(["package ketenpoort.a\n"], {"partners": {}})
    file = tmp_path / "approvals.json"
    add_approval(file, approve(KEYS["a"], "officer-a", first, AT))
    add_approval(file, approve(KEYS["b"], "officer-b", first, AT))
    assert [a.officer for a in read_approvals(file)[1]] == ["officer-a", "officer-b"]
    (policies / "a.rego").write_text("package ketenpoort.a\n\nx := 1\n")
    second = source_revision(policies)
    assert second != first
    add_approval(file, approve(KEYS["a"], "officer-a", second, AT))
    revision, held = read_approvals(file)
    assert revision == second and [a.officer for a in held] == ["officer-a"]


async def test_an_answer_from_another_revision_than_the_approved_one_is_refused() -> None:
    """OPA may activate a new bundle between two checks: each answer must name the approved one."""
    served = {"revision": REVISION}

    def opa(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/policies":
            return httpx.Response(200, json={"result": [{"id": "a", "raw": "package ketenpoort.a\n"}]})
        if request.url.path == "/v1/data/ketenpoort/config":
            return httpx.Response(200, json={"result": {"partners": {}}})
        if request.url.path == "/v1/data/system/bundles":
            approvals = [_approval("a"), _approval("b")]
            manifest = {"revision": REVISION, "metadata": {"approvals": approvals}}
            return httpx.Response(200, json={"result": {"ketenpoort": {"manifest": manifest}}})
        bundles = {"ketenpoort": {"revision": served["revision"]}}
        return httpx.Response(200, json={"result": {"ok": True}, "provenance": {"bundles": bundles}})

    engine = PolicyEngine("http://opa:8181", approvers=APPROVERS)
    engine._http = httpx.AsyncClient(base_url="http://opa:8181", transport=httpx.MockTransport(opa))
    assert (await engine.served()).approvers == ("officer-a", "officer-b")
    assert await engine.evaluate("ketenpoort/x/decisions", {}) == {"ok": True}
    served["revision"] = "f" * 64  # OPA activated another bundle meanwhile
    with pytest.raises(DecisionError, match="the policies changed while deciding"):
        await engine.evaluate("ketenpoort/x/decisions", {})
    await engine._http.aclose()
