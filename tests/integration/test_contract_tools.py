"""The published contracts, checked with tools nobody on the project wrote, as an integrator would:
docs/asyncapi.yaml with the official AsyncAPI parser (npm, pinned by scripts/asyncapi/), which
resolves every `$ref` and validates the document against the AsyncAPI 3 schema and its rules."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from gateway.settings import Settings

ROOT = Path(__file__).parents[2]
ASYNCAPI = ROOT / "docs" / "asyncapi.yaml"
CHECKER = ROOT / "scripts" / "asyncapi"


def asyncapi_parser(settings: Settings) -> Path:
    """The parser, installed from the lock file into the cache once per lock (`npm ci`)."""
    lock = (CHECKER / "package-lock.json").read_bytes()
    home = settings.cache_path("npm", f"asyncapi-{hashlib.sha256(lock).hexdigest()[:12]}")
    home.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json", "validate.mjs"):
        shutil.copyfile(CHECKER / name, home / name)
    if not (home / "node_modules" / "@asyncapi" / "parser").is_dir():
        npm = shutil.which("npm")
        assert npm is not None, "the contract check needs Node.js 18+ with npm on the PATH"
        install = [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"]
        subprocess.run(install, cwd=home, check=True, timeout=600)
    return home


def test_the_asyncapi_document_validates_with_the_official_parser(settings: Settings) -> None:
    home = asyncapi_parser(settings)
    run = subprocess.run(
        ["node", "validate.mjs", str(ASYNCAPI)], cwd=home, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stdout + run.stderr
    findings = [line for line in run.stdout.splitlines() if line.startswith(("error", "warning"))]
    assert findings == []


def test_every_message_declares_its_headers_and_no_correlation_id_points_at_nothing() -> None:
    document: dict[str, Any] = yaml.safe_load(ASYNCAPI.read_text())
    messages = document["components"]["messages"]
    assert messages
    for name, message in messages.items():
        assert "correlationId" not in message, f"{name}: a correlation id the gateway never sets"
        if name.startswith(("signals:", "inbox.")):
            required = set(message["headers"]["required"])
            assert {"ce_id", "ce_source", "ce_type", "ce_time", "ce_dataschema", "traceparent"} <= required
        if name.startswith("gateway.dlq"):
            assert "kp_error_reason" in message["headers"]["required"]
