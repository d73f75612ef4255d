"""JSON Schemas of every message Ketenpoort accepts or writes, one file per released version.

`gateway/schemas/json/<name>/<major.minor>.json`. The file of a model's current version must equal
what the model exports (a test fails when it is stale); files of earlier versions stay, so the
compatibility check can compare each minor version with the one before it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar, Protocol

from gateway.schemas import CATALOGUE
from gateway.schemas.delivery import Delivery, RejectionReceipt

SCHEMA_DIR = Path(__file__).parents[2] / "gateway" / "schemas" / "json"


class Versioned(Protocol):
    name: ClassVar[str]
    version: ClassVar[str]

    @classmethod
    def model_json_schema(cls) -> dict[str, Any]: ...


def published_models() -> list[type[Versioned]]:
    """Every signal an organisation may send, and what the gateway writes back."""
    return [*CATALOGUE.values(), Delivery, RejectionReceipt]


def schema_of(model: type[Versioned]) -> dict[str, Any]:
    schema = model.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:ketenpoort:schema:{model.name}:{model.version}",
        **schema,
    }


def schema_path(name: str, version: str, root: Path = SCHEMA_DIR) -> Path:
    return root / name / f"{version}.json"


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def export(root: Path = SCHEMA_DIR) -> list[Path]:
    """Write the current version's schema of every model; returns the files that changed."""
    changed = []
    for model in published_models():
        path = schema_path(model.name, model.version, root)
        text = render(schema_of(model))
        if not path.exists() or path.read_text() != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            changed.append(path)
    return changed


def stale(root: Path = SCHEMA_DIR) -> list[str]:
    """Models whose current version's file is missing or differs from what the model exports."""
    return [
        f"{model.name} {model.version}"
        for model in published_models()
        if not schema_path(model.name, model.version, root).exists()
        or schema_path(model.name, model.version, root).read_text() != render(schema_of(model))
    ]


def versions(name: str, root: Path = SCHEMA_DIR) -> list[tuple[tuple[int, int], dict[str, Any]]]:
    """All stored versions of one message, oldest first."""
    found = []
    for path in (root / name).glob("*.json"):
        major, minor = (int(part) for part in path.stem.split("."))
        found.append(((major, minor), json.loads(path.read_text())))
    return sorted(found, key=lambda item: item[0])
