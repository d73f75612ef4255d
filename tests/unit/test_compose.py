"""docker-compose.yml cannot run here (no Docker engine), so check that it stays true to the code:
real entry points, the real policy directory, the versions the local stack runs, real settings, and
the Kafka security wiring: listeners, certificates, credentials, provisioning. (Its Kafka cluster
runs for real, on loopback, in tests/integration/test_tls.py.)"""

from __future__ import annotations

import base64
import importlib.util
import os
import re
import shlex
import subprocess
import tomllib
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml
from pydantic import AliasChoices
from typer.testing import CliRunner

from gateway.principals import PRINCIPALS_FILE, SUPER_USERS, Credentials, Principals
from gateway.settings import Settings
from tools.cli import app
from tools.stack import KAFKA_VERSION, OPA_VERSION
from tools.stack.kafka_config import NodePorts, render_server_properties

ROOT = Path(__file__).parents[2]


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def services(prefix: str) -> list[dict[str, Any]]:
    return [spec for name, spec in compose()["services"].items() if name.startswith(prefix)]


def service(name: str) -> dict[str, Any]:
    spec: dict[str, Any] = compose()["services"][name]
    return spec


def kafka_nodes() -> dict[str, dict[str, Any]]:
    return {name: spec for name, spec in compose()["services"].items() if re.fullmatch(r"kafka-\d+", name)}


def listeners(value: str) -> dict[str, tuple[str, int]]:
    """`CLIENT://kafka-1:9092,BROKER://:9094` → {"CLIENT": ("kafka-1", 9092), "BROKER": ("", 9094)}."""
    parsed = {}
    for listener in value.split(","):
        name, _, address = listener.partition("://")
        host, _, port = address.rpartition(":")
        parsed[name] = (host, int(port))
    return parsed


def options(argv: list[str], option: str) -> list[str]:
    """Every value given to `option` in an argument list."""
    return [value for flag, value in pairwise(argv) if flag == option]


def mounts(spec: dict[str, Any]) -> dict[str, str]:
    """A service's volumes as {path inside the container: volume name or host path}."""
    return {
        inside: source for source, inside, *_ in (volume.split(":") for volume in spec.get("volumes", []))
    }


def test_the_gateway_command_is_a_real_entry_point() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    gateways = services("gateway")
    assert len(gateways) >= 2, "production runs more than one gateway instance"
    for spec in gateways:
        program, *arguments = spec["command"]
        assert scripts[program] == "tools.cli:app"
        result = CliRunner().invoke(app, [*arguments, "--help"])
        assert result.exit_code == 0, result.output


def setting_variables() -> set[str]:
    """Every environment variable Settings reads: a field's aliases where it has them (KAFKA_* and
    OPA_URL, as other Kafka and OPA tools name them), else KETENPOORT_<FIELD>."""
    names: set[str] = set()
    for name, field in Settings.model_fields.items():
        if isinstance(field.validation_alias, AliasChoices):
            names |= {choice for choice in field.validation_alias.choices if isinstance(choice, str)}
        else:
            names.add(f"KETENPOORT_{name.upper()}")
    return names


def test_the_gateway_environment_names_real_settings() -> None:
    known = setting_variables()
    for spec in services("gateway"):
        for variable in spec["environment"]:
            assert variable in known, f"{variable} is not a Ketenpoort setting"
        assert spec["environment"]["OPA_URL"] == "http://opa:8181"


def test_each_gateway_replica_owns_its_own_share_of_the_partitions() -> None:
    gateways = services("gateway")
    instances = sorted(int(spec["environment"]["KETENPOORT_GATEWAY_INSTANCE"]) for spec in gateways)
    assert instances == list(range(len(gateways)))
    assert {int(spec["environment"]["KETENPOORT_GATEWAY_INSTANCES"]) for spec in gateways} == {len(gateways)}


def test_opa_activates_only_the_released_bundle_signed_with_the_release_key() -> None:
    """OPA polls the bundle server for the released bundle and verifies it with the release key;
    the gateways check its approvals with the approvers file from the same release directory."""
    [opa] = services("opa")
    [bundles] = services("policy-bundles")
    settings = opa["command"][7::2]
    assert opa["command"][6::2] == ["--set"] * 7 + ["--set-file"]
    assert "bundles.ketenpoort.signing.keyid=ketenpoort-policy" in settings
    assert "keys.ketenpoort-policy.algorithm=ES256" in settings
    release_dir = mounts(opa)["/etc/ketenpoort/policy"]
    assert opa["command"][-1] == "keys.ketenpoort-policy.key=/etc/ketenpoort/policy/release.pem.pub"
    assert mounts(bundles)[bundles["command"][-1]] == release_dir
    assert "services.policies.url=http://policy-bundles:8000" in settings
    for gateway in services("gateway"):
        approvers = Path(gateway["environment"]["KETENPOORT_POLICY_APPROVERS"])
        assert mounts(gateway)[str(approvers.parent)] == release_dir
    assert "--watch" not in opa["command"], "a watched bundle file is reloaded unverified"
    assert opa["image"] == f"openpolicyagent/opa:{OPA_VERSION.removeprefix('v')}"


def test_kafka_runs_the_version_of_the_local_stack_with_transaction_settings() -> None:
    kafkas = services("kafka")
    assert len(kafkas) == 3
    for spec in kafkas:
        assert spec["image"] == f"apache/kafka:{KAFKA_VERSION}"
        env = spec["environment"]
        assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
        assert int(env["KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"]) == 3
        assert int(env["KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"]) == 2
        assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
        assert int(env["KAFKA_OFFSETS_RETENTION_MINUTES"]) >= 365 * 24 * 60


def test_the_image_runs_the_gateway() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'CMD ["ketenpoort", "gateway", "run"]' in dockerfile
    assert "FROM python:3.11" in dockerfile


# --- Kafka security: SASL everywhere, TLS for clients, ACLs from gateway/principals.yaml ---------


def test_kafka_nodes_listen_for_clients_over_tls_and_for_each_other_and_the_quorum_apart() -> None:
    nodes = kafka_nodes()
    voters = []
    for number, (name, spec) in enumerate(sorted(nodes.items()), start=1):
        env = spec["environment"]
        assert int(env["KAFKA_NODE_ID"]) == number
        bound = listeners(env["KAFKA_LISTENERS"])
        advertised = listeners(env["KAFKA_ADVERTISED_LISTENERS"])
        assert set(bound) == {"CLIENT", "BROKER", "CONTROLLER"}
        assert advertised == {listener: (name, bound[listener][1]) for listener in ("CLIENT", "BROKER")}
        assert dict(pair.split(":") for pair in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(",")) == {
            "CLIENT": "SASL_SSL",
            "BROKER": "SASL_PLAINTEXT",
            "CONTROLLER": "SASL_PLAINTEXT",
        }
        assert env["KAFKA_INTER_BROKER_LISTENER_NAME"] == "BROKER"
        assert env["KAFKA_CONTROLLER_LISTENER_NAMES"] == "CONTROLLER"
        assert env["KAFKA_SASL_MECHANISM_INTER_BROKER_PROTOCOL"] == "SCRAM-SHA-512"
        assert env["KAFKA_LISTENER_NAME_CLIENT_SASL_ENABLED_MECHANISMS"] == "SCRAM-SHA-512"
        assert env["KAFKA_LISTENER_NAME_BROKER_SASL_ENABLED_MECHANISMS"] == "SCRAM-SHA-512"
        # KRaft controllers cannot do SCRAM; PLAIN, as the local stack does.
        assert env["KAFKA_SASL_MECHANISM_CONTROLLER_PROTOCOL"] == "PLAIN"
        assert env["KAFKA_LISTENER_NAME_CONTROLLER_SASL_ENABLED_MECHANISMS"] == "PLAIN"
        voters.append(f"{number}@{name}:{bound['CONTROLLER'][1]}")
    for spec in nodes.values():
        assert spec["environment"]["KAFKA_CONTROLLER_QUORUM_VOTERS"] == ",".join(voters)


def test_kafka_authorizes_as_the_local_stack_does() -> None:
    credentials = Credentials().with_passwords_for(list(SUPER_USERS))
    local = dict(
        line.split("=", 1)
        for line in render_server_properties(
            1, {1: NodePorts(9092, 9093)}, Path("/data"), credentials
        ).splitlines()
        if "=" in line and not line.startswith("#")
    )
    for spec in kafka_nodes().values():
        env = spec["environment"]
        assert env["KAFKA_AUTHORIZER_CLASS_NAME"] == local["authorizer.class.name"]
        assert env["KAFKA_SUPER_USERS"] == local["super.users"] == ";".join(f"User:{u}" for u in SUPER_USERS)
        assert env["KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND"] == local["allow.everyone.if.no.acl.found"]


def test_kafka_nodes_share_one_valid_cluster_id_and_keep_their_data() -> None:
    ids = {spec["environment"]["CLUSTER_ID"] for spec in kafka_nodes().values()}
    assert len(ids) == 1
    (cluster_id,) = ids
    assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16, "a Kafka cluster id is 16 bytes"
    for name, spec in kafka_nodes().items():
        assert mounts(spec)[spec["environment"]["KAFKA_LOG_DIRS"]] == name


def test_each_broker_has_a_certificate_for_the_name_clients_use(tmp_path: Path) -> None:
    certs = service("certs")
    program, *arguments = certs["command"]
    (out,) = options(arguments, "--out")
    (ca_dir,) = options(arguments, "--ca-dir")
    hosts = options(arguments, "--host")
    for name, spec in kafka_nodes().items():
        env = spec["environment"]
        client_host, _ = listeners(env["KAFKA_ADVERTISED_LISTENERS"])["CLIENT"]
        assert client_host in hosts
        assert env["KAFKA_LISTENER_NAME_CLIENT_SSL_KEYSTORE_TYPE"] == "PEM"
        assert env["KAFKA_LISTENER_NAME_CLIENT_SSL_KEYSTORE_LOCATION"] == f"{out}/{client_host}.pem"
        assert env["KETENPOORT_CA_FILE"] == f"{out}/ca.pem"
        assert mounts(spec)[out] == mounts(certs)[out], f"{name} does not see the certificates"
        assert spec["depends_on"]["certs"] == {"condition": "service_completed_successfully"}
    # The CA's key is in a volume of its own that only `certs` mounts.
    ca_volume = mounts(certs)[ca_dir]
    others = [spec for name, spec in compose()["services"].items() if name != "certs"]
    assert all(ca_volume not in mounts(spec).values() for spec in others)
    # And the command works: here, into a temporary directory.
    here = [
        str(tmp_path / "out") if a == out else str(tmp_path / "ca") if a == ca_dir else a for a in arguments
    ]
    assert program == "ketenpoort"
    result = CliRunner().invoke(app, here)
    assert result.exit_code == 0, result.output
    assert {path.name for path in (tmp_path / "out").iterdir()} == {"ca.pem", *(f"{h}.pem" for h in hosts)}
    assert (tmp_path / "ca" / "ca-key.pem").is_file()


def test_every_gateway_logs_in_over_tls_as_a_provisioned_principal() -> None:
    client_listeners = [
        listeners(spec["environment"]["KAFKA_ADVERTISED_LISTENERS"])["CLIENT"]
        for spec in kafka_nodes().values()
    ]
    (out,) = options(service("certs")["command"], "--out")
    principals = Principals.load().principals
    for name, spec in compose()["services"].items():
        if not name.startswith("gateway"):
            continue
        env = spec["environment"]
        assert [tuple(b.rsplit(":", 1)) for b in env["KAFKA_BOOTSTRAP"].split(",")] == [
            (host, str(port)) for host, port in client_listeners
        ]
        assert env["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
        assert env["KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
        assert env["KAFKA_SSL_CAFILE"] == f"{out}/ca.pem"
        assert mounts(spec)[out] == "certs", f"{name} cannot read the CA"
        assert env["KAFKA_USERNAME"] in principals
        assert re.fullmatch(r"\$\{\w+:\?[^}]+\}", env["KAFKA_PASSWORD"]), "a password comes from .env"
        assert spec["depends_on"]["provision"] == {"condition": "service_completed_successfully"}
        for node in kafka_nodes():
            assert spec["depends_on"][node] == {"condition": "service_healthy"}


def test_provisioning_applies_gateway_principals_yaml_once_kafka_is_healthy() -> None:
    provision = service("provision")
    interpreter, script = provision["entrypoint"]
    assert interpreter == "python"
    script_dir, script_name = script.rsplit("/", 1)
    host_dir = mounts(provision)[script_dir]
    source = (ROOT / host_dir / script_name).read_text()
    # It runs `ketenpoort access provision` with the default file: the packaged gateway/principals.yaml.
    assert '["ketenpoort", "access", "provision", *sys.argv[1:]]' in source
    assert (
        "principals.yaml"
        in tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"][
            "gateway"
        ]
    )
    assert PRINCIPALS_FILE.name == "principals.yaml"
    env = provision["environment"]
    assert env["KAFKA_BOOTSTRAP"] == service("gateway-1")["environment"]["KAFKA_BOOTSTRAP"]
    assert env["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    credentials_dir = env["KETENPOORT_KAFKA_CREDENTIALS"].rsplit("/", 1)[0]
    assert credentials_dir in mounts(provision), "the credentials file must outlive the container"
    for node in kafka_nodes():
        assert provision["depends_on"][node] == {"condition": "service_healthy"}
    seeder = _provision_script(ROOT / host_dir / script_name)
    for principal, variable in seeder.FROM_ENVIRONMENT.items():
        assert variable in env, f"{principal}'s password does not reach provisioning"
    gateway_password = service("gateway-1")["environment"]["KAFKA_PASSWORD"]
    assert env[seeder.FROM_ENVIRONMENT["gateway"]] == gateway_password
    assert (
        env[seeder.FROM_ENVIRONMENT["admin"]]
        == kafka_nodes()["kafka-1"]["environment"]["KETENPOORT_KAFKA_ADMIN_PASSWORD"]
    )


def test_provisioning_keeps_other_principals_passwords_and_takes_the_environments(tmp_path: Path) -> None:
    seeder = _provision_script(ROOT / "deploy" / "provision" / "provision.py")
    path = tmp_path / "credentials" / "kafka.json"
    Credentials().with_passwords_for(["police", "admin"]).save(path)
    police = Credentials.load(path).passwords["police"]
    environment = {
        "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "KAFKA_SSL_CAFILE": "/etc/ketenpoort/certs/ca.pem",
        "KETENPOORT_KAFKA_ADMIN_PASSWORD": "admin-secret",
        "KETENPOORT_KAFKA_GATEWAY_PASSWORD": "gateway-secret",
        "KETENPOORT_KAFKA_ONCALL_PASSWORD": "oncall-secret",
    }
    seeder.seed(path, environment)
    stored = Credentials.load(path)
    assert stored.security_protocol == "SASL_SSL"
    assert stored.ssl_cafile == Path("/etc/ketenpoort/certs/ca.pem")
    assert stored.passwords["police"] == police
    assert stored.passwords["admin"].get_secret_value() == "admin-secret"
    assert stored.passwords["gateway"].get_secret_value() == "gateway-secret"
    assert stored.passwords["oncall"].get_secret_value() == "oncall-secret"
    assert path.stat().st_mode & 0o777 == 0o600


def _provision_script(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location("ketenpoort_compose_provision", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_secret_must_be_set_and_has_no_default() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    references = re.findall(r"\$\{([^}]*)\}", text)
    assert references, "the passwords come from the environment"
    for reference in references:
        assert re.fullmatch(r"\w+:\?.+", reference), f"${{{reference}}} must fail when unset (use :?)"
    example = dict(
        line.split("=", 1)
        for line in (ROOT / ".env.example").read_text().splitlines()
        if re.match(r"\w+=", line)
    )
    assert {reference.split(":")[0] for reference in references} == set(example)
    assert all(value == "" for value in example.values()), ".env.example holds no password"


def test_kafka_nodes_format_with_the_super_users_scram_credentials(tmp_path: Path) -> None:
    """The node entrypoint, run with stand-ins for the apache/kafka scripts that record their
    arguments: the properties it writes, the storage format and the broker start."""
    kafka_1 = kafka_nodes()["kafka-1"]
    interpreter, script = kafka_1["entrypoint"]
    script_dir, script_name = script.rsplit("/", 1)
    entrypoint = ROOT / mounts(kafka_1)[script_dir] / script_name
    calls = tmp_path / "calls"
    (tmp_path / "bin").mkdir()
    for stand_in in ("kafka-storage.sh", "kafka-server-start.sh"):
        path = tmp_path / "bin" / stand_in
        path.write_text(f'#!/bin/sh\necho "{stand_in} $*" >> {shlex.quote(str(calls))}\n')
        path.chmod(0o755)
    passwords = {"ADMIN": "a1", "BROKER": "b2", "CONTROLLER": "c3"}
    env = {
        name: re.sub(
            r"\$\{KETENPOORT_KAFKA_(\w+)_PASSWORD:\?[^}]*\}", lambda m: passwords[m.group(1)], str(value)
        )
        for name, value in kafka_1["environment"].items()
    }
    env |= {"PATH": os.environ["PATH"], "KETENPOORT_KAFKA_DIR": str(tmp_path)}
    env["KETENPOORT_KAFKA_CONFIG_DIR"] = str(tmp_path / "config")
    subprocess.run([interpreter, str(entrypoint)], env=env, check=True, timeout=30)

    storage, start = calls.read_text().splitlines()
    properties_file = tmp_path / "config" / "server.properties"
    assert storage.split() == [
        "kafka-storage.sh",
        "format",
        "--ignore-formatted",
        f"--cluster-id={env['CLUSTER_ID']}",
        "-c",
        str(properties_file),
        "--add-scram=SCRAM-SHA-512=[name=admin,password=a1]",
        "--add-scram=SCRAM-SHA-512=[name=broker,password=b2]",
    ]
    assert start == f"kafka-server-start.sh {properties_file}"
    properties = dict(line.split("=", 1) for line in properties_file.read_text().splitlines())
    assert properties["listener.name.client.ssl.keystore.location"] == "/etc/ketenpoort/certs/kafka-1.pem"
    assert properties["super.users"] == "User:admin;User:broker;User:controller"
    assert properties["node.id"] == "1"
    assert properties["listener.name.broker.scram-sha-512.sasl.jaas.config"].endswith(
        'username="broker" password="b2";'
    )
    assert 'user_controller="c3"' in properties["listener.name.controller.plain.sasl.jaas.config"]
    assert "listener.name.client.scram-sha-512.sasl.jaas.config" in properties
    assert not any(key.startswith(("ketenpoort", "cluster")) for key in properties)
    client = (tmp_path / "config" / "admin-client.properties").read_text()
    assert 'username="admin" password="a1"' in client
    assert "ssl.truststore.location=/etc/ketenpoort/certs/ca.pem" in client
    for written in (properties_file, tmp_path / "config" / "admin-client.properties"):
        assert written.stat().st_mode & 0o077 == 0, f"{written.name} holds passwords"


def test_the_image_has_mount_points_for_the_volumes_its_one_shot_services_write() -> None:
    """A new volume takes over its mount point's owner from the image; without one it belongs to
    root, and `certs` (uid 1000) or `provision` (ketenpoort) could not write it."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    for name in ("certs", "provision"):
        for volume in service(name)["volumes"]:
            source, inside, *mode = volume.split(":")
            if not source.startswith(".") and mode != ["ro"]:
                assert re.search(rf"install -d .*{re.escape(inside)}\b", dockerfile), (
                    f"the image has no mount point {inside} for {name}"
                )
