"""The Kafka principals file and credentials: what each principal may do, and its password kept safe."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from gateway.principals import Acl, Credentials, Principals, principals_table
from gateway.settings import ORGANISATIONS, RECIPIENTS
from gateway.topics import AUDIT, DLQ, TOPICS, Topic, all_topics, inbox_topic, signals_topic


@pytest.fixture(scope="module")
def principals() -> Principals:
    return Principals.load()


def test_each_organisation_may_write_only_its_signals_and_read_only_its_inbox(principals: Principals) -> None:
    acls = principals.acls()
    for org in RECIPIENTS:
        topics = {
            (acl.operation, acl.name, acl.prefixed)
            for acl in acls
            if acl.principal == org and acl.resource == "TOPIC"
        }
        expected_writes = {("WRITE", signals_topic(org), False)} if org in ORGANISATIONS else set()
        assert topics == {("READ", inbox_topic(org), False), *expected_writes}, org
        groups = {
            (acl.name, acl.prefixed) for acl in acls if acl.principal == org and acl.resource == "GROUP"
        }
        assert groups == {(f"{org}.", True)}, org


def test_only_the_gateway_and_the_audit_reader_read_the_audit(principals: Principals) -> None:
    readers = {acl.principal for acl in principals.acls() if acl.operation == "READ" and _covers(acl, AUDIT)}
    assert readers == {"gateway", "audit-reader"}
    dlq_readers = {
        acl.principal for acl in principals.acls() if acl.operation == "READ" and _covers(acl, DLQ)
    }
    assert dlq_readers == set()


def test_the_gateway_writes_every_topic_but_the_signals(principals: Principals) -> None:
    writes = [acl for acl in principals.acls() if acl.principal == "gateway" and acl.operation == "WRITE"]
    for topic in all_topics():
        assert any(_covers(acl, topic) for acl in writes) == (not topic.startswith("signals.")), topic


@pytest.mark.parametrize("topic", TOPICS, ids=[topic.name for topic in TOPICS])
def test_the_principals_file_grants_each_topic_to_whom_the_topic_table_names(
    principals: Principals, topic: Topic
) -> None:
    """One table says who writes and reads each topic (gateway/topics.py); the principals file, from
    which the broker's ACLs are made, grants exactly that."""
    acls = principals.acls()
    writers = {acl.principal for acl in acls if acl.operation == "WRITE" and _covers(acl, topic.name)}
    readers = {acl.principal for acl in acls if acl.operation == "READ" and _covers(acl, topic.name)}
    assert (writers, readers) == (set(topic.writers), set(topic.readers))


def _covers(acl: Acl, topic: str) -> bool:
    return acl.resource == "TOPIC" and (topic.startswith(acl.name) if acl.prefixed else topic == acl.name)


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"admin": {"description": "x"}}, "super user"),
        ({"police": {"description": "x", "read": ["*"]}}, "not a Kafka resource name"),
        ({"police": {"description": "x", "read": ["inbox police"]}}, "not a Kafka resource name"),
        ({"police": {"description": "x", "delete": ["inbox.police"]}}, "Extra inputs"),
        ({"police": {}}, "description"),
    ],
)
def test_a_wrong_principals_file_is_refused_with_the_reason(entry: dict[str, object], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        Principals.model_validate({"principals": entry})


def test_credentials_are_saved_for_the_owner_only_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "credentials.json"
    credentials = Credentials().with_passwords_for(["police", "om"])
    credentials.save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = Credentials.load(path)
    assert {n: s.get_secret_value() for n, s in loaded.passwords.items()} == {
        n: s.get_secret_value() for n, s in credentials.passwords.items()
    }
    assert loaded.passwords["police"].get_secret_value() != loaded.passwords["om"].get_secret_value()


def test_new_passwords_are_added_and_existing_ones_kept() -> None:
    credentials = Credentials(passwords={"police": SecretStr("kept")}).with_passwords_for(["police", "om"])
    assert credentials.passwords["police"].get_secret_value() == "kept"
    assert len(credentials.passwords["om"].get_secret_value()) >= 32


def test_a_connection_logs_in_as_the_principal_and_an_unknown_one_is_named() -> None:
    credentials = Credentials(passwords={"police": SecretStr("pw")})
    connection = credentials.connection("kafka:9093", "police")
    assert (connection.username, connection.security_protocol, connection.sasl_mechanism) == (
        "police",
        "SASL_PLAINTEXT",
        "SCRAM-SHA-512",
    )
    with pytest.raises(KeyError, match=r"'om'.*known: police"):
        credentials.connection("kafka:9093", "om")


def test_the_table_in_the_security_document_is_the_principals_file(principals: Principals) -> None:
    text = (Path(__file__).parents[2] / "docs" / "security.md").read_text()
    table = text.split("<!-- principals:start -->\n")[1].split("<!-- principals:end -->")[0]
    assert table == principals_table(principals), (
        "docs/security.md: paste principals_table() between the markers"
    )


def test_a_principals_file_naming_topics_to_read_or_write_is_refused(tmp_path: Path) -> None:
    """Who reads and writes a topic is said once, in the topic table; a file that says it again is
    refused, so the two can never disagree."""
    path = tmp_path / "principals.yaml"
    path.write_text('principals:\n  police:\n    description: x\n    read: ["inbox.police"]\n')
    with pytest.raises(ValueError, match=r"topic table \(gateway/topics.py\), not here"):
        Principals.load(path)
