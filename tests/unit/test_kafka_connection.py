"""One KafkaConnection gives every client the same login; a password never shows in a repr."""

from __future__ import annotations

from pathlib import Path

import pytest
from faststream.security import SASLScram512
from pydantic import SecretStr, ValidationError

from gateway.app import create_app
from gateway.kafka import KafkaConnection
from gateway.principals import Credentials
from gateway.settings import Settings
from tools.stack.state import Endpoints

SCRAM = KafkaConnection(
    bootstrap="kafka-1:9093",
    security_protocol="SASL_PLAINTEXT",
    sasl_mechanism="SCRAM-SHA-512",
    username="police",
    password=SecretStr("s3cret-pw"),
)


def test_client_options_carry_the_login() -> None:
    options = SCRAM.client_options()
    assert options == {
        "bootstrap_servers": "kafka-1:9093",
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "police",
        "sasl_plain_password": "s3cret-pw",
    }


def test_several_bootstrap_brokers_reach_faststream_one_by_one() -> None:
    """FastStream takes a string as one address: docker-compose.yml's three brokers would be one."""
    several = SCRAM.model_copy(update={"bootstrap": "kafka-1:9092, kafka-2:9092,kafka-3:9092"})
    assert several.servers() == ["kafka-1:9092", "kafka-2:9092", "kafka-3:9092"]
    app = create_app(Settings(), several, "http://opa:8181")
    assert app.broker is not None
    assert app.broker.config.builder.keywords["bootstrap_servers"] == several.servers()


def test_the_password_is_not_in_the_repr() -> None:
    assert "s3cret-pw" not in repr(SCRAM) and "s3cret-pw" not in str(SCRAM)


def test_faststream_gets_the_same_login() -> None:
    security = SCRAM.faststream_security()
    assert isinstance(security, SASLScram512)
    assert (security.username, security.password, security.use_ssl) == ("police", "s3cret-pw", False)


def test_tls_verifies_the_server() -> None:
    tls = SCRAM.model_copy(update={"security_protocol": "SASL_SSL"})
    context = tls.client_options()["ssl_context"]
    assert context.check_hostname and context.verify_mode.name == "CERT_REQUIRED"


@pytest.mark.parametrize(
    "fields",
    [
        {"security_protocol": "SASL_SSL"},  # no username
        {
            "security_protocol": "PLAINTEXT",
            "username": "police",
            "password": "x",
            "sasl_mechanism": "SCRAM-SHA-512",
        },
    ],
)
def test_an_incomplete_or_contradictory_login_is_refused(fields: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        KafkaConnection(bootstrap="kafka:9093", **fields)


def test_the_environment_it_gives_a_process_is_read_back_by_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in SCRAM.environment().items():
        monkeypatch.setenv(key, value)
    settings = Settings()
    assert settings.kafka_bootstrap == "kafka-1:9093"
    assert (settings.kafka_security_protocol, settings.kafka_sasl_mechanism) == (
        "SASL_PLAINTEXT",
        "SCRAM-SHA-512",
    )
    assert settings.kafka_username == "police"
    assert settings.kafka_password is not None and settings.kafka_password.get_secret_value() == "s3cret-pw"


def test_endpoints_without_credentials_connect_without_login() -> None:
    where = Endpoints(kafka_bootstrap="kafka:9092", opa_url="http://opa:8181")
    assert where.kafka("police") == KafkaConnection(bootstrap="kafka:9092")


def test_a_process_with_one_principal_always_connects_as_it(tmp_path: Path) -> None:
    only_police = Credentials(passwords={"police": SecretStr("pw")})
    where = Endpoints(kafka_bootstrap="kafka:9093", opa_url="http://opa:8181", credentials=only_police)
    assert where.kafka("gateway").username == "police"  # the broker, not the client, decides
    both = Credentials(passwords={"police": SecretStr("a"), "om": SecretStr("b")})
    where = Endpoints(kafka_bootstrap="kafka:9093", opa_url="http://opa:8181", credentials=both)
    assert where.kafka("om").username == "om"
    with pytest.raises(KeyError):
        where.kafka("gateway")
