"""Kafka principals: who may do what on the cluster (gateway/principals.yaml), their passwords (a
credentials file), and making a cluster match both (`ketenpoort access provision`).

The broker enforces the isolation between the organisations: each organisation's principal may
write only its own `signals.<org>` and read only its own `inbox.<org>`. Provisioning is declarative:
the file is the whole truth about the ACLs, so an ACL it does not name is removed.

aiokafka's admin client has no ACL or SCRAM-credential requests; confluent-kafka's has both, so
provisioning (and only provisioning) uses it.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from gateway.kafka import KafkaConnection, SaslMechanism, SecurityProtocol
from gateway.settings import PARTNERS
from gateway.topics import TOPICS

PRINCIPALS_FILE = Path(__file__).parent / "principals.yaml"
# The brokers' own identities: super users in the broker configuration, never given ACLs.
SUPER_USERS = ("admin", "broker", "controller")
SCRAM_ITERATIONS = 8192

_NAME = re.compile(r"^[A-Za-z0-9._-]+\*?$")

Resource = Literal["TOPIC", "GROUP", "TRANSACTIONAL_ID"]


class Principal(BaseModel):
    """What one principal may do; see the comment at the top of gateway/principals.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str
    read: tuple[str, ...] = ()
    write: tuple[str, ...] = ()
    manage: tuple[str, ...] = ()
    prune: tuple[str, ...] = ()  # topics it deletes the oldest records of (the audit's retention)
    groups: tuple[str, ...] = ()
    transactional_ids: tuple[str, ...] = ()

    @field_validator("read", "write", "manage", "prune", "groups", "transactional_ids")
    @classmethod
    def _names(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        for name in names:
            if not _NAME.match(name) or name == "*":
                raise ValueError(
                    f"{name!r} is not a Kafka resource name (letters, digits, . _ -, optional * at the end)"
                )
        return names


def group_rule(grants: Principal) -> str:
    """The consumer groups a principal may use, as a person reads it: `veiligthuis.<name>`."""
    return ", ".join(f"{group[:-1]}<name>" if group.endswith("*") else group for group in grants.groups)


class Principals(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    principals: dict[str, Principal]

    @field_validator("principals")
    @classmethod
    def _not_super(cls, principals: dict[str, Principal]) -> dict[str, Principal]:
        for name in principals:
            if name in SUPER_USERS:
                raise ValueError(f"{name} is a super user of the brokers; it cannot be given ACLs")
            if not _NAME.match(name) or name.endswith("*"):
                raise ValueError(f"{name!r} is not a principal name")
        return principals

    @classmethod
    def load(cls, path: Path = PRINCIPALS_FILE) -> Self:
        """The file, with what each principal reads and writes taken from the topic table
        (gateway/topics.py): one place says who writes and reads each topic."""
        data = yaml.safe_load(path.read_text())
        named = data.get("principals") or {}
        data["principals"] = {**named, **{k: v for k, v in partner_principals().items() if k not in named}}
        for name, entry in data["principals"].items():
            if isinstance(entry, dict) and ({"read", "write"} & entry.keys()):
                raise ValueError(
                    f"{path}: {name}: who reads and writes a topic is said in the topic table "
                    "(gateway/topics.py), not here"
                )
            if isinstance(entry, dict):
                entry["read"] = [topic.name for topic in TOPICS if name in topic.readers]
                entry["write"] = [topic.name for topic in TOPICS if name in topic.writers]
        return cls.model_validate(data)

    def acls(self) -> set[Acl]:
        """Every ACL the file asks for."""
        return {acl for name, principal in self.principals.items() for acl in _acls_of(name, principal)}


def partner_principals() -> dict[str, dict[str, Any]]:
    """A principal for every chain partner in partners.json, so that a new partner needs no entry
    here: its description, and its consumer groups `<org>.*`. An entry in the file says more and
    takes its place; the topics it reads and writes come from the topic table either way."""
    return {
        code: {
            "description": f"{partner.name}'s adapter. "
            + ("Publishes its signals, reads its inbox." if partner.adapter else "Reads its inbox."),
            "groups": [f"{code}.*"],
        }
        for code, partner in PARTNERS.items()
    }


@dataclass(frozen=True, order=True)
class Acl:
    """One ALLOW rule: `principal` may do `operation` on the resource, from any host."""

    principal: str  # the user name, without "User:"
    resource: Resource
    name: str
    prefixed: bool
    operation: str
    permission: str = "ALLOW"
    host: str = "*"

    def __str__(self) -> str:
        name = f"{self.name}*" if self.prefixed else self.name
        permission = "" if self.permission == "ALLOW" else f" ({self.permission})"
        return f"{self.principal}: {self.operation} {self.resource.lower()} {name}{permission}"


def _acls_of(principal: str, grants: Principal) -> list[Acl]:
    def rules(resource: Resource, names: tuple[str, ...], *operations: str) -> list[Acl]:
        return [
            Acl(principal, resource, name.removesuffix("*"), name.endswith("*"), operation)
            for name in names
            for operation in operations
        ]

    return [
        *rules("TOPIC", grants.read, "READ"),
        *rules("TOPIC", grants.write, "WRITE"),
        *rules("TOPIC", grants.manage, "CREATE", "DESCRIBE_CONFIGS", "ALTER_CONFIGS"),
        *rules("TOPIC", grants.prune, "DELETE"),
        *rules("GROUP", grants.groups, "READ"),
        *rules("TRANSACTIONAL_ID", grants.transactional_ids, "WRITE"),
    ]


class Credentials(BaseModel):
    """A credentials file: how to reach the cluster's SASL listener, and each principal's password.

    The local stack writes one into its stack directory; `access provision` adds a password for any
    principal that has none. The file is written with mode 0600 and belongs in no repository.
    """

    model_config = ConfigDict(frozen=True)

    security_protocol: SecurityProtocol = "SASL_PLAINTEXT"
    sasl_mechanism: SaslMechanism = "SCRAM-SHA-512"
    ssl_cafile: Path | None = None
    passwords: dict[str, SecretStr] = Field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Self:
        return cls.model_validate_json(path.read_bytes())

    def save(self, path: Path) -> None:
        """Write whole or not at all, readable by the owner only."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        descriptor = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as stream:
            stream.write(json.dumps(self.revealed(), indent=2, sort_keys=True) + "\n")
        tmp.replace(path)

    def revealed(self) -> dict[str, Any]:
        """As JSON, passwords included (pydantic would dump each SecretStr as "**********")."""
        plain = self.model_dump(mode="json")
        plain["passwords"] = {name: secret.get_secret_value() for name, secret in self.passwords.items()}
        return plain

    def with_passwords_for(self, names: list[str]) -> Self:
        """These credentials, plus a new random password for each name that has none."""
        added = {name: SecretStr(secrets.token_urlsafe(24)) for name in names if name not in self.passwords}
        return self.model_copy(update={"passwords": {**self.passwords, **added}}) if added else self

    def connection(self, bootstrap: str, principal: str) -> KafkaConnection:
        if principal not in self.passwords:
            known = ", ".join(sorted(self.passwords)) or "none"
            raise KeyError(f"no Kafka credentials for principal {principal!r} (known: {known})")
        return KafkaConnection(
            bootstrap=bootstrap,
            security_protocol=self.security_protocol,
            sasl_mechanism=self.sasl_mechanism,
            username=principal,
            password=self.passwords[principal],
            ssl_cafile=self.ssl_cafile,
        )


@dataclass
class Plan:
    """What provisioning changes (or, in a dry run, would change)."""

    credentials: list[str] = field(default_factory=list)  # principals whose SCRAM credential is set
    added: list[Acl] = field(default_factory=list)
    removed: list[Acl] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            *(f"credential {name}" for name in self.credentials),
            *(f"+ {acl}" for acl in self.added),
            *(f"- {acl}" for acl in self.removed),
        ]


def librdkafka_config(kafka: KafkaConnection) -> dict[str, str | int | float | bool]:
    """The connection as confluent-kafka (librdkafka) takes it."""
    config: dict[str, str | int | float | bool] = {
        "bootstrap.servers": kafka.bootstrap,
        "security.protocol": kafka.security_protocol,
    }
    if kafka.username is not None and kafka.password is not None and kafka.sasl_mechanism:
        config |= {
            "sasl.mechanism": kafka.sasl_mechanism,
            "sasl.username": kafka.username,
            "sasl.password": kafka.password.get_secret_value(),
        }
    if kafka.ssl_cafile is not None:
        config["ssl.ca.location"] = str(kafka.ssl_cafile)
    return config


def provision(
    admin: KafkaConnection,
    principals: Principals,
    credentials: Credentials,
    *,
    dry_run: bool = False,
    timeout_s: float = 30.0,
) -> Plan:
    """Make the cluster match the file: each principal's SCRAM credential set to its password in
    `credentials`, the file's ACLs present and no others. `admin` must be a super user."""
    from confluent_kafka.admin import (
        AclBinding,
        AclBindingFilter,
        AclOperation,
        AclPermissionType,
        AdminClient,
        ResourcePatternType,
        ResourceType,
        ScramCredentialInfo,
        ScramMechanism,
        UserScramCredentialAlteration,
        UserScramCredentialUpsertion,
    )

    missing = [name for name in principals.principals if name not in credentials.passwords]
    if missing:
        raise KeyError(f"no password for {', '.join(missing)} in the credentials file")
    config: dict[str, str | int | float | bool] = {
        **librdkafka_config(admin),
        "socket.timeout.ms": int(timeout_s * 1000),
    }
    client = AdminClient(config)

    everything = AclBindingFilter(
        ResourceType.ANY,
        None,  # type: ignore[arg-type]  # None matches any name, principal and host
        ResourcePatternType.ANY,
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        AclOperation.ANY,
        AclPermissionType.ANY,
    )
    existing = {
        Acl(
            principal=binding.principal.removeprefix("User:"),
            resource=binding.restype.name,
            name=binding.name,
            prefixed=binding.resource_pattern_type == ResourcePatternType.PREFIXED,
            operation=binding.operation.name,
            permission=binding.permission_type.name,
            host=binding.host,
        )
        for binding in client.describe_acls(everything, request_timeout=timeout_s).result(timeout_s)
    }
    wanted = principals.acls()
    plan = Plan(
        credentials=sorted(principals.principals),
        added=sorted(wanted - existing),
        removed=sorted(existing - wanted),
    )
    if dry_run:
        return plan

    mechanism = getattr(ScramMechanism, credentials.sasl_mechanism.replace("-", "_"))
    upserts: list[UserScramCredentialAlteration] = [
        UserScramCredentialUpsertion(
            name,
            ScramCredentialInfo(mechanism, SCRAM_ITERATIONS),
            credentials.passwords[name].get_secret_value().encode(),
        )
        for name in plan.credentials
    ]
    for future in client.alter_user_scram_credentials(upserts, request_timeout=timeout_s).values():
        future.result(timeout_s)

    def binding(acl: Acl) -> Any:
        return AclBinding(
            ResourceType[acl.resource],
            acl.name,
            ResourcePatternType.PREFIXED if acl.prefixed else ResourcePatternType.LITERAL,
            f"User:{acl.principal}",
            acl.host,
            AclOperation[acl.operation],
            AclPermissionType[acl.permission],
        )

    if plan.added:
        for future in client.create_acls(
            [binding(acl) for acl in plan.added], request_timeout=timeout_s
        ).values():
            future.result(timeout_s)
    if plan.removed:
        filters = [binding(acl) for acl in plan.removed]  # an exact binding is a filter matching itself
        as_filters = [
            AclBindingFilter(
                f.restype,
                f.name,
                f.resource_pattern_type,
                f.principal,
                f.host,
                f.operation,
                f.permission_type,
            )
            for f in filters
        ]
        for future in client.delete_acls(as_filters, request_timeout=timeout_s).values():
            future.result(timeout_s)
    return plan


def principals_table(principals: Principals) -> str:
    """The file as a Markdown table, for docs/security.md (kept current by a test)."""

    def names(values: tuple[str, ...]) -> str:
        return ", ".join(f"`{value}`" for value in values) or "-"

    lines = [
        "| principal | writes | reads | consumer groups | also |",
        "|---|---|---|---|---|",
    ]
    for name, grants in principals.principals.items():
        also = []
        if grants.manage:
            also.append(f"creates and configures {names(grants.manage)}")
        if grants.prune:
            also.append(f"deletes the oldest records of {names(grants.prune)} (retention)")
        if grants.transactional_ids:
            also.append(f"transactional ids {names(grants.transactional_ids)}")
        lines.append(
            f"| `{name}` | {names(grants.write)} | {names(grants.read)} | {names(grants.groups)} "
            f"| {'; '.join(also) or '-'} |"
        )
    return "\n".join(lines) + "\n"
