"""API tokens: stored hashed, checked in constant time, tied to a role and an organisation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from gateway.access import Identity, Role, TokenFile, TokenStore, bearer, token_digest
from gateway.settings import get_settings
from tools.cli import app


def test_an_issued_token_identifies_and_only_its_hash_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    token = TokenStore.load(path).issue(
        Identity(name="police adapter", role=Role.ADAPTER, org="police"), path
    )
    assert token not in path.read_text()
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    identity = TokenStore.load(path).identify(token)
    assert identity == Identity(name="police adapter", role=Role.ADAPTER, org="police")


def test_unknown_and_missing_tokens_identify_nobody(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    token = TokenStore.load(path).issue(Identity(name="ops", role=Role.ADMIN), path)
    store = TokenStore.load(path)
    assert store.identify(token + "x") is None
    assert store.identify("") is None and store.identify(None) is None
    assert TokenStore.load(tmp_path / "none.json").identify(token) is None


@pytest.mark.parametrize(
    ("role", "org"),
    [(Role.ADAPTER, None), (Role.ONCALL, None), (Role.ADMIN, "police"), (Role.ADAPTER, "nobody")],
)
def test_roles_and_organisations_must_fit(role: Role, org: str | None) -> None:
    with pytest.raises(ValidationError):
        Identity(name="x", role=role, org=org)


def test_a_revoked_token_is_refused_at_once_by_a_running_service(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    store = TokenStore.load(path)
    kept = store.issue(Identity(name="ops", role=Role.ADMIN), path)
    revoked = store.issue(Identity(name="police desk", role=Role.ONCALL, org="police"), path)
    running = TokenFile(path)
    assert running.identify(revoked) is not None
    assert TokenStore.load(path).revoke("police desk", path) == 1
    assert running.identify(revoked) is None and running.identify_digest(token_digest(revoked)) is None
    assert running.identify(kept) == Identity(name="ops", role=Role.ADMIN)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert TokenStore.load(path).revoke("police desk", path) == 0


def test_a_tokens_file_that_cannot_be_read_lets_nobody_in(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    token = TokenStore.load(path).issue(Identity(name="ops", role=Role.ADMIN), path)
    running = TokenFile(path)
    assert running.identify(token) is not None
    path.write_text('[{"name": "ops", "role": "admin", "token_sha256": "half a')
    assert running.identify(token) is None


def test_bearer_header_parsing() -> None:
    assert bearer("Bearer abc") == "abc"
    assert bearer("bearer  abc ") == "abc"
    assert bearer("Basic abc") is None and bearer(None) is None


def test_the_command_revokes_the_tokens_of_a_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "tokens.json"
    token = TokenStore.load(path).issue(Identity(name="duty", role=Role.ONCALL, org="3ro"), path)
    monkeypatch.setenv("KETENPOORT_API_TOKENS_FILE", str(path))
    get_settings.cache_clear()
    try:
        revoked = CliRunner().invoke(app, ["access", "revoke", "--name", "duty"])
        again = CliRunner().invoke(app, ["access", "revoke", "--name", "duty"])
    finally:
        get_settings.cache_clear()
    assert revoked.exit_code == 0 and "Revoked 1 token of duty" in revoked.output
    assert again.exit_code == 1 and TokenStore.load(path).identify(token) is None


def test_the_command_issues_a_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "tokens.json"
    monkeypatch.setenv("KETENPOORT_API_TOKENS_FILE", str(path))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            app, ["access", "token", "--role", "oncall", "--org", "3ro", "--name", "duty"]
        )
        refused = CliRunner().invoke(app, ["access", "token", "--role", "oncall", "--name", "duty"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[0]
    assert TokenStore.load(path).identify(token) == Identity(name="duty", role=Role.ONCALL, org="3ro")
    assert json.loads(path.read_text())[0]["role"] == "oncall"
    assert refused.exit_code == 2
