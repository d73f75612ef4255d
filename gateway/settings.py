"""The one settings object. Every knob is an environment variable; nothing else reads the environment.

`KAFKA_BOOTSTRAP` and `OPA_URL` point Ketenpoort at an existing deployment. Left empty, the
commands use the local stack (`ketenpoort stack up`) recorded in the cache directory.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

POLICY_DIR = Path(__file__).parent / "policies"
PARTNERS_FILE = POLICY_DIR / "ketenpoort" / "config" / "partners.json"


class Partner(BaseModel):
    """A chain partner, as `partners.json` (beside the policies, which read it too) describes it.
    Adding a partner is an entry there, its policies and an adapter: no gateway code."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    adapter: bool = Field(description="Whether it sends signals (has an adapter and signals.<org>).")
    provides_under: str = Field(description="The legal basis it shares on.")
    receives_for: str = Field(description="The purpose it receives for.")
    involvement_role: str = Field(description="Its role when a signal, not an involvement signal, shows it.")


def _partners() -> dict[str, Partner]:
    loaded = json.loads(PARTNERS_FILE.read_text())["partners"]
    return {code: Partner.model_validate(entry) for code, entry in loaded.items()}


PARTNERS: dict[str, Partner] = _partners()
# The organisations that publish signals (and read an inbox).
ORGANISATIONS: tuple[str, ...] = tuple(code for code, partner in PARTNERS.items() if partner.adapter)
# Everyone the policies may grant something. A recipient without an adapter still has an inbox,
# where its deliveries wait until it connects.
RECIPIENTS: tuple[str, ...] = tuple(PARTNERS)


AUDIT_KEY_IN_STACK = ("keys", "audit-signing.pem")  # the local stack's audit signing key
APPROVERS_IN_STACK = ("keys", "policy-approvers.json")  # the local stack's policy approvers


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KETENPOORT_", extra="ignore")

    kafka_bootstrap: str | None = Field(
        default=None,
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP", "KETENPOORT_KAFKA_BOOTSTRAP"),
        description="host:port[,host:port] of an existing Kafka; empty means the local stack.",
    )
    opa_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("OPA_URL", "KETENPOORT_OPA_URL"),
        description="Base URL of an existing OPA server; empty means the local stack.",
    )
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] | None = Field(
        default=None,
        validation_alias=AliasChoices("KAFKA_SECURITY_PROTOCOL", "KETENPOORT_KAFKA_SECURITY_PROTOCOL"),
        description="How to reach an existing Kafka; empty means SASL_PLAINTEXT with a username, "
        "else PLAINTEXT.",
    )
    kafka_sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256"] = Field(
        default="SCRAM-SHA-512",
        validation_alias=AliasChoices("KAFKA_SASL_MECHANISM", "KETENPOORT_KAFKA_SASL_MECHANISM"),
    )
    kafka_username: str | None = Field(
        default=None,
        validation_alias=AliasChoices("KAFKA_USERNAME", "KETENPOORT_KAFKA_USERNAME"),
        description="The Kafka principal this process logs in as (with KAFKA_PASSWORD).",
    )
    kafka_password: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("KAFKA_PASSWORD", "KETENPOORT_KAFKA_PASSWORD")
    )
    kafka_ssl_cafile: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("KAFKA_SSL_CAFILE", "KETENPOORT_KAFKA_SSL_CAFILE"),
        description="The CA that signed the brokers' certificates; empty means the system's CAs.",
    )
    kafka_credentials: Path | None = Field(
        default=None,
        description="A credentials file as `ketenpoort access provision` writes it, holding several "
        "principals' passwords (KETENPOORT_KAFKA_CREDENTIALS); empty means the local stack's.",
    )
    cache_dir: Path = Field(
        default=Path("~/.cache/ketenpoort").expanduser(),
        validation_alias=AliasChoices("KETENPOORT_CACHE", "KETENPOORT_CACHE_DIR"),
        description="Where the local stack keeps Kafka's jars, the OPA binary, data and state.",
    )
    stack_dir: Path | None = Field(
        default=None,
        description="One local stack's state, data and logs (KETENPOORT_STACK_DIR); empty means "
        "<cache>/stack. A second directory runs a second, separate stack on the same binaries.",
    )
    policy_dir: Path = Field(default=POLICY_DIR, description="Rego policies and their JSON data.")
    policy_approvers: Path | None = Field(
        default=None, description="The privacy officers whose approvals a policy revision needs (JSON: "
        "required, and each officer's Ed25519 public key; KETENPOORT_POLICY_APPROVERS). Set, the gateway "
        "decides only under a revision OPA serves from a signed bundle approved by enough of them.",
    )  # fmt: skip
    pseudonym_key: SecretStr = Field(
        default=SecretStr("ketenpoort-local-development-key"),
        description="HMAC key for chain pseudonyms. Set a real secret outside development.",
    )
    gateway_group_id: str = "ketenpoort-gateway"
    gateway_instance: int = Field(default=0, ge=0, description="This instance's number, 0 .. instances-1.")
    gateway_instances: int = Field(default=1, ge=1, description="How many gateway instances share the work.")
    batch_max_records: int = Field(default=500, ge=1, description="Records per transaction at most.")
    batch_timeout_ms: int = Field(default=10, ge=0, description="How long to wait to fill a batch.")
    transaction_timeout_s: float = Field(
        default=30.0, gt=0, description="A batch's transaction not completed in this time is given "
        "up: its producer is replaced and the batch tried again, unless it had committed after all.",
    )  # fmt: skip
    audit_signing_key: Path | None = Field(
        default=None, description="The gateway's Ed25519 key that signs the audit checkpoints (PKCS#8 PEM, "
        "KETENPOORT_AUDIT_SIGNING_KEY); empty means <stack>/keys/audit-signing.pem, made on first start.",
    )  # fmt: skip
    audit_checkpoint_interval_s: float = Field(
        default=60.0, gt=0, description="How often the gateway signs a checkpoint of its audit chains' "
        "heads, when they moved (and once more when it stops).",
    )  # fmt: skip
    http_host: str = Field(default="127.0.0.1", description="Where the health and metrics endpoints listen.")
    http_port: int = Field(default=8080, ge=0, description="Port of the health and metrics endpoints.")
    api_tokens_file: Path | None = Field(
        default=None, description="The API tokens (hashed); default <cache>/api-tokens.json."
    )

    def tokens_path(self) -> Path:
        return self.api_tokens_file or self.cache_path("api-tokens.json")

    api_url: str = Field(
        default="http://127.0.0.1:8080",
        description="The gateway's HTTP API: for the command-line clients, and for the on-call "
        "console's person pages (the on-call service asks the case timeline there).",
    )
    api_token: SecretStr | None = Field(
        default=None, description="Bearer token for the command-line clients."
    )
    involvement_retention_months: int = Field(
        default=24, ge=1, description="A closed involvement matches and can be looked up this long; "
        "then the retention sweep removes it from chain.involvements.",
    )  # fmt: skip
    obligation_horizon_days: int = Field(
        default=365, ge=1, description="An open obligation due longer ago than this is no longer met by a "
        "signal: the gateway forgets it (the on-call service reported it lapsed; that record stands).",
    )  # fmt: skip
    audit_retention_days: int | None = Field(
        default=None, ge=1, description="Remove audit records decided longer ago than this, after a signed "
        "retention checkpoint names where each chain then starts (KETENPOORT_AUDIT_RETENTION_DAYS); "
        "empty: the audit is kept until the privacy officers remove it.",
    )  # fmt: skip
    retention_sweep_s: float = Field(
        default=3600.0, gt=0, description="How often gateway instance 0 removes what retention expired."
    )
    delivery_webhook_url: str | None = Field(
        default=None, description="An adapter delivers its inbox by POSTing each item here, signed."
    )
    delivery_webhook_secret: SecretStr | None = Field(
        default=None, description="The HMAC key for the webhook's X-Ketenpoort-Signature."
    )
    delivery_dir: Path | None = Field(
        default=None, description="An adapter delivers its inbox as one JSON file per item here."
    )
    delivery_max_attempts: int = Field(default=8, ge=1, description="Webhook attempts before a dead letter.")
    adapter_http_port: int = Field(default=8081, ge=0, description="Port of an adapter's HTTP ingest.")
    oncall_config: Path | None = Field(
        default=None, description="Rosters, channels and deadlines; default oncall/oncall.yaml."
    )
    oncall_http_port: int = Field(default=8082, ge=0, description="Port of the on-call service and console.")
    console_secure_cookie: bool = Field(
        default=False, description="Mark the console's session cookie Secure (behind HTTPS)."
    )

    topic_partitions: int = Field(
        default=3, ge=1, description="Partitions of each topic the gateway creates."
    )
    topic_replication: int = Field(
        default=1, ge=1, description="Replication factor of the topics it creates."
    )
    opa_timeout_s: float = 2.0
    policy_refresh_s: float = Field(
        default=1.0, gt=0, description="How often the gateway checks whether OPA's policies changed."
    )
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _instance_in_range(self) -> Settings:
        problem = instance_problem(self.gateway_instance, self.gateway_instances, self.topic_partitions)
        if problem:
            raise ValueError(problem)
        return self

    def cache_path(self, *parts: str) -> Path:
        return self.cache_dir.expanduser().joinpath(*parts)

    def audit_key_path(self) -> Path:
        return self.audit_signing_key or self.stack_path(*AUDIT_KEY_IN_STACK)

    def stack_path(self, *parts: str) -> Path:
        """The effective stack directory (`stack_dir`, else `<cache>/stack`), joined with parts."""
        # An empty KETENPOORT_STACK_DIR parses as Path("."), which means "not set" here.
        if self.stack_dir is None or self.stack_dir == Path():
            return self.cache_path("stack", *parts)
        return self.stack_dir.expanduser().joinpath(*parts)


def instance_problem(instance: int, instances: int, partitions: int) -> str | None:
    """Why instance `instance` of `instances` cannot run over topics of `partitions` partitions."""
    if not 0 <= instance < instances:
        return f"gateway instance {instance} of {instances}: the number must be 0 to {instances - 1}"
    if instances > partitions:
        return (
            f"{instances} gateway instances over {partitions} partitions: an instance owns whole "
            f"partitions, so at most {partitions} can share the work"
        )
    return None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
