"""API tokens: stored hashed, checked in constant time, tied to a role and an organisation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from gateway.access import Identity, Role, TokenStore, bearer
from gateway.cli import app
from gateway.settings import get_settings


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


def test_bearer_header_parsing() -> None:
    assert bearer("Bearer abc") == "abc"
    assert bearer("bearer  abc ") == "abc"
    assert bearer("Basic abc") is None and bearer(None) is None


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
