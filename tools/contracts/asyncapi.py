"""The AsyncAPI 3 document of every Ketenpoort topic, generated from the gateway's FastStream app.

FastStream describes the channels and operations from the app's subscriber and publishers. The
subscriber takes raw records (the front door must see bad input to refuse it), so the payload of
the `signals.<org>` channels is filled in from the signal catalogue here.
"""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import SecretStr

from gateway.app import create_app
from gateway.kafka import KafkaConnection
from gateway.schemas import CATALOGUE
from gateway.settings import Settings
from gateway.topics import DLQ
from tools.contracts.jsonschema import schema_of

# Where the document says the servers are: the production-shaped deployment (docker-compose.yml).
DOCUMENTED_BOOTSTRAP = "kafka-1:9092"
DOCUMENTED_OPA = "http://opa:8181"


def signal_payload(components: dict[str, Any]) -> dict[str, Any]:
    """One of the catalogue's signals; which one is told by the ce_type header."""
    schemas = components.setdefault("schemas", {})
    refs = []
    for _, model in sorted(CATALOGUE.items()):
        schema = schema_of(model)
        for definition, body in schema.pop("$defs", {}).items():
            body = _local_refs(body)  # a definition refers to others as #/$defs/... too
            if schemas.setdefault(definition, body) != body:
                raise ValueError(f"two different schemas are both called {definition}: rename one")
        schema.pop("$schema", None)
        schemas[model.__name__] = _local_refs(schema)
        refs.append({"$ref": f"#/components/schemas/{model.__name__}"})
    return {"oneOf": refs, "description": "The signal body; its type is named by the ce_type header."}


def _local_refs(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: value.replace("#/$defs/", "#/components/schemas/") if key == "$ref" else _local_refs(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_local_refs(item) for item in node]
    return node


def document() -> dict[str, Any]:
    # Connected as the gateway over SASL_SSL, as in docker-compose.yml; the document shows the
    # security scheme, never a password (this one is a placeholder).
    documented = KafkaConnection(
        bootstrap=DOCUMENTED_BOOTSTRAP,
        security_protocol="SASL_SSL",
        sasl_mechanism="SCRAM-SHA-512",
        username="gateway",
        password=SecretStr("not-a-password"),
    )
    app = create_app(Settings(), documented, DOCUMENTED_OPA)
    spec: dict[str, Any] = app.schema.to_specification().to_jsonable()
    components = spec.setdefault("components", {})
    payload = signal_payload(components)
    for name, message in components.get("messages", {}).items():
        # FastStream declares a correlation id in a header the gateway never sets: nothing to point at.
        message.pop("correlationId", None)
        if name.startswith("signals:"):
            message["payload"] = payload
            message["headers"] = CLOUDEVENT_HEADERS
        elif name.startswith("inbox."):
            message["headers"] = INBOX_HEADERS
        elif name.startswith(f"{DLQ}:"):
            message["headers"] = DEAD_LETTER_HEADERS
    components.get("schemas", {}).pop("EmptyPayload", None)
    # FastStream keeps publishers in a set: sort, so the document is the same on every run.
    for section in (spec, components):
        for key in ("channels", "operations", "messages", "schemas"):
            if key in section:
                section[key] = dict(sorted(section[key].items()))
    return spec


CLOUDEVENT_HEADERS: dict[str, Any] = {
    "type": "object",
    "description": "CloudEvents 1.0 in Kafka binary mode. No personal data.",
    "required": [
        "ce_specversion",
        "ce_id",
        "ce_source",
        "ce_type",
        "ce_time",
        "ce_dataschema",
        "traceparent",
    ],
    "properties": {
        "ce_specversion": {"const": "1.0"},
        "ce_id": {
            "type": "string",
            "format": "uuid",
            "description": "Unique per signal; the idempotency key.",
        },
        "ce_source": {"type": "string", "pattern": "^urn:ketenpoort:[a-z0-9]+(:[a-z0-9-]+)?$"},
        "ce_type": {"type": "string", "pattern": "^nl\\.ketenpoort\\.[a-z_]+\\.v[0-9]+$"},
        "ce_time": {"type": "string", "format": "date-time"},
        "ce_dataschema": {"type": "string", "description": "urn:ketenpoort:schema:<signal>:<major.minor>"},
        "traceparent": {"type": "string", "description": "W3C trace context."},
        "content-type": {"const": "application/json"},
    },
}


INBOX_HEADERS: dict[str, Any] = {
    **CLOUDEVENT_HEADERS,
    "description": (
        "CloudEvents 1.0 in Kafka binary mode, from urn:ketenpoort:gateway. A copy or a match notice is "
        "nl.ketenpoort.delivery.v1 (urn:ketenpoort:schema:delivery:1.0), a refusal "
        "nl.ketenpoort.rejection_receipt.v1 (urn:ketenpoort:schema:rejection_receipt:1.0); ce_id is the "
        "delivery id: drop one you have handled. No personal data."
    ),
    "properties": {
        **CLOUDEVENT_HEADERS["properties"],
        "ce_source": {"const": "urn:ketenpoort:gateway"},
        "ce_type": {"enum": ["nl.ketenpoort.delivery.v1", "nl.ketenpoort.rejection_receipt.v1"]},
        "ce_id": {"type": "string", "format": "uuid", "description": "The delivery id."},
    },
}

DEAD_LETTER_HEADERS: dict[str, Any] = {
    "type": "object",
    "description": "The refused record's own headers, whatever they were, and why it was refused.",
    "required": [
        "kp_error_reason",
        "kp_error_detail",
        "kp_source_topic",
        "kp_source_partition",
        "kp_source_offset",
    ],
    "properties": {
        "kp_error_reason": {"type": "string", "description": "The reason code, as in the rejection receipt."},
        "kp_error_detail": {"type": "string", "description": "What is wrong and what is expected."},
        "kp_source_topic": {"type": "string"},
        "kp_source_partition": {"type": "string", "pattern": "^[0-9]+$"},
        "kp_source_offset": {"type": "string", "pattern": "^[0-9]+$"},
    },
}


def render() -> str:
    text: str = yaml.safe_dump(document(), sort_keys=False, allow_unicode=True, width=110)
    return text
