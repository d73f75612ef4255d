"""The local stack against the real Kafka and OPA: a separate stack in a temporary stack dir.

It shares only the binary cache with any other stack on the machine. The tests run in file order:
the last one takes the stack down.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import NewTopic
from aiokafka.errors import GroupAuthorizationFailedError
from aiokafka.protocol import transaction
from typer.testing import CliRunner

from adapters.preflight import check_sending
from gateway.kafka import KafkaConnection, ensure_topics, make_admin, make_producer, partition_counts
from gateway.settings import ORGANISATIONS, Settings, get_settings
from gateway.topics import all_topics, inbox_topic, signals_topic
from tools.stack import (
    KAFKA_VERSION,
    OPA_VERSION,
    StackError,
    StackState,
    down,
    endpoints,
    kafka,
    stack_session,
    status,
    throwaway_opa,
    tools,
    up,
)
from tools.stack.cli import stack_app
from tools.stack.kafka import is_healthy
from tools.stack.state import StackPaths, save_state

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    stack_dir = tmp_path_factory.mktemp("stack")
    # Ignore KAFKA_BOOTSTRAP / OPA_URL from the environment: these tests are about the local stack.
    return Settings(stack_dir=stack_dir).model_copy(update={"kafka_bootstrap": None, "opa_url": None})


@pytest.fixture(scope="module")
def started(settings: Settings) -> Iterator[tuple[StackState, bool]]:
    result = up(settings)
    try:
        yield result
    finally:
        down(settings)


@pytest.fixture
def cli_env(settings: Settings) -> Iterator[dict[str, str]]:
    get_settings.cache_clear()
    yield {"KETENPOORT_STACK_DIR": str(settings.stack_path()), "KAFKA_BOOTSTRAP": "", "OPA_URL": ""}
    get_settings.cache_clear()


def test_up_twice_reuses_the_running_stack(settings: Settings, started: tuple[StackState, bool]) -> None:
    first, was_started = started
    again, started_again = up(settings)
    assert was_started is True
    assert started_again is False
    assert (again.kafka.nodes[0].pid, again.opa.pid) == (first.kafka.nodes[0].pid, first.opa.pid)
    assert first.stack_dir == settings.stack_path()


def test_cli_up_says_it_reuses(started: tuple[StackState, bool], cli_env: dict[str, str]) -> None:
    state, _ = started
    result = CliRunner().invoke(stack_app, ["up"], env=cli_env)
    assert result.exit_code == 0, result.output
    assert "Reusing" in result.output
    assert state.kafka.bootstrap in result.output
    assert str(state.opa.pid) in result.output


def test_status_shows_the_stack(
    settings: Settings, started: tuple[StackState, bool], cli_env: dict[str, str]
) -> None:
    state, _ = started
    assert status(settings) == state
    result = CliRunner().invoke(stack_app, ["status"], env=cli_env)
    assert result.exit_code == 0, result.output
    assert state.kafka.bootstrap in result.output
    assert state.opa.url in result.output
    assert "not answering" not in result.output


def test_endpoints_prefer_the_environment_each_on_its_own(
    settings: Settings, started: tuple[StackState, bool]
) -> None:
    state, _ = started
    assert endpoints(settings) == state.endpoints()
    only_opa = settings.model_copy(update={"opa_url": "http://opa.example:8181"})
    assert endpoints(only_opa).kafka_bootstrap == state.kafka.bootstrap
    assert endpoints(only_opa).opa_url == "http://opa.example:8181"
    assert endpoints(only_opa).kafka("police") == state.kafka_as("police")


def test_stack_session_leaves_a_running_stack_running(
    settings: Settings, started: tuple[StackState, bool]
) -> None:
    state, _ = started
    with stack_session(settings) as where:
        assert where == state.endpoints()
    assert status(settings) == state


def test_opa_answers_health(started: tuple[StackState, bool]) -> None:
    state, _ = started
    assert httpx.get(f"{state.opa.url}/health", timeout=5).status_code == 200
    assert httpx.get(f"{state.opa.url}/v1/data/system/version", timeout=5).json()["result"]["version"] == (
        OPA_VERSION
    )


def test_kafka_logs_through_log4j2_with_no_stray_lines(
    settings: Settings, started: tuple[StackState, bool]
) -> None:
    """The broker logs (SLF4J reaches Log4j 2), and neither Log4j nor SLF4J complains about their
    setup; the broker knows every setting it is given. The storage tool's output is the owner's
    alone: it prints the SCRAM credentials' salted keys."""
    state, _ = started
    log = state.kafka.nodes[0].log_file.read_text()
    assert f"INFO Kafka version: {KAFKA_VERSION} " in log
    strays = ("No configuration found", "StatusLogger", "SLF4J", "isn't a known config", "were supplied but")
    for stray in (*strays, " ERROR "):
        assert stray not in log, stray
    format_log = StackPaths(settings.stack_path()).logs / "kafka-format.log"
    assert format_log.stat().st_mode & 0o777 == 0o600
    lines = format_log.read_text().splitlines()
    assert [line.split(" ")[0] for line in lines] == ["Bootstrap", "Formatting"], lines


async def test_kafka_carries_a_committed_transaction(started: tuple[StackState, bool]) -> None:
    state, _ = started
    admin, topic = state.kafka_as("admin"), f"stack-test-{uuid.uuid4().hex[:8]}"
    client = make_admin(admin)
    await client.start()
    try:
        await client.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
    finally:
        await client.close()

    producer = AIOKafkaProducer(**admin.client_options(), transactional_id=f"{topic}-tx")
    await producer.start()
    try:
        async with producer.transaction():
            await producer.send_and_wait(topic, b"hallo", key=b"k")
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(
        topic,
        **admin.client_options(),
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        group_id=f"{topic}-group",
    )
    await consumer.start()
    try:
        message = await consumer.getone()
    finally:
        await consumer.stop()
    assert (message.key, message.value) == (b"k", b"hallo")


async def test_kafka_accepts_the_transaction_request_versions_aiokafka_sends(
    settings: Settings, started: tuple[StackState, bool], tmp_path: Path
) -> None:
    """aiokafka 0.14 knows only version 0 of the transaction requests; the broker's own
    `kafka-broker-api-versions` (from the cached jars) says which versions it accepts."""
    state, _ = started
    password = state.credentials().passwords["admin"].get_secret_value()
    login = tmp_path / "admin.properties"
    login.touch(mode=0o600)
    login.write_text(
        "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\n"
        "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
        f'username="admin" password="{password}";\n'
    )
    java, _ = tools.require_java()
    log_config = StackPaths(settings.stack_path()).kafka_dir / "log4j2-tools.properties"
    argv = [str(java), *kafka.jvm_options(log_config), "-cp", f"{kafka.ensure_kafka(settings)}{os.sep}*"]
    argv += ["org.apache.kafka.tools.BrokerApiVersionsCommand", "--bootstrap-server", state.kafka.bootstrap]
    argv += ["--command-config", str(login)]
    answer = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=True).stdout
    accepted = {
        int(key): range(int(low), int(high) + 1)
        for key, low, high in re.findall(r"\((\d+)\): (\d+) to (\d+)", answer)
    }
    requests = [
        transaction.InitProducerIdRequest,
        transaction.AddPartitionsToTxnRequest,
        transaction.AddOffsetsToTxnRequest,
        transaction.EndTxnRequest,
        transaction.TxnOffsetCommitRequest,
    ]
    for request in requests:
        sent = {struct.API_VERSION for struct in request._CLASSES}  # the versions it can send
        assert sent == {0}, (
            f"aiokafka now sends {request.__name__} {sorted(sent)}: update docs/local-stack.md"
        )
        assert 0 in accepted[request.API_KEY], (
            f"{request.__name__}: the broker accepts {accepted[request.API_KEY]}"
        )


async def test_up_creates_every_topic_so_adapters_can_send_at_once(
    settings: Settings, started: tuple[StackState, bool]
) -> None:
    """No gateway runs on this stack, yet every topic exists with the settings' partitions, each
    organisation may write its own, and the gateway's own `ensure_topics` at start has nothing left
    to create (and sets the same configuration again without complaint)."""
    state, _ = started
    admin = state.kafka_as("admin")
    counts = await partition_counts(admin, all_topics())
    assert counts == dict.fromkeys(all_topics(), settings.topic_partitions)
    for org in ORGANISATIONS:
        assert await check_sending(state.kafka_as(org), org) is None, org
    assert await ensure_topics(admin, partitions=settings.topic_partitions) == []


def test_kafka_refuses_a_client_that_does_not_log_in(started: tuple[StackState, bool]) -> None:
    state, _ = started
    assert is_healthy(state.kafka_as("admin"))
    assert not is_healthy(KafkaConnection(bootstrap=state.kafka.bootstrap))


async def test_credentials_let_an_organisation_publish_its_signals(
    settings: Settings, started: tuple[StackState, bool], cli_env: dict[str, str]
) -> None:
    """What `stack credentials police --json` prints is all an adapter needs: with it, the police
    publish to signals.police. The file holding every password is the owner's alone."""
    state, _ = started
    assert (settings.stack_path() / "credentials.json").stat().st_mode & 0o777 == 0o600
    result = CliRunner().invoke(stack_app, ["credentials", "police", "--json"], env=cli_env)
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert set(printed) == {
        "bootstrap",
        "security_protocol",
        "sasl_mechanism",
        "username",
        "password",
        "consumer_groups",
        "consumer_groups_taken",
    }
    assert printed["consumer_groups"] == "police.<name>"
    assert printed["consumer_groups_taken"] == ["police.delivery"]
    assert (printed["bootstrap"], printed["username"]) == (state.kafka.bootstrap, "police")
    assert (printed["security_protocol"], printed["sasl_mechanism"]) == ("SASL_PLAINTEXT", "SCRAM-SHA-512")

    # No gateway has run on this stack: `up` created the topics.
    producer = make_producer(KafkaConnection.model_validate(printed), client_id="stack-test-police")
    await producer.start()
    try:
        written = await producer.send_and_wait(signals_topic("police"), b"{}")
    finally:
        await producer.stop()
    assert written.offset >= 0


async def test_the_consumer_group_rule_the_credentials_print_is_the_one_the_broker_enforces(
    started: tuple[StackState, bool], cli_env: dict[str, str]
) -> None:
    """A partner's own consumer, logged in as printed, may commit in a group under the printed
    prefix, and is refused in a group outside it (the organisation's bare name)."""
    result = CliRunner().invoke(stack_app, ["credentials", "veiligthuis"], env=cli_env)
    assert result.exit_code == 0, result.output
    assert "consumer groups:   veiligthuis.<name> (taken: veiligthuis.delivery)" in result.output
    state, _ = started
    login = state.kafka_as("veiligthuis")
    inbox = TopicPartition(inbox_topic("veiligthuis"), 0)

    async def commits_in(group: str) -> bool:
        consumer = AIOKafkaConsumer(**login.client_options(), group_id=group, enable_auto_commit=False)
        await consumer.start()
        try:
            consumer.assign([inbox])
            await consumer.commit({inbox: 0})
            return True
        except GroupAuthorizationFailedError:
            return False
        finally:
            await consumer.stop()

    assert await commits_in(f"veiligthuis.partner-{uuid.uuid4().hex[:8]}")
    assert not await commits_in("veiligthuis")


def test_credentials_of_an_unknown_principal_are_refused_in_one_line(cli_env: dict[str, str]) -> None:
    result = CliRunner().invoke(stack_app, ["credentials", "nobody"], env=cli_env)
    assert result.exit_code == 2
    assert "no Kafka credentials for principal 'nobody'" in result.output


def test_roll_of_a_single_node_is_refused_naming_the_cluster_it_needs(
    started: tuple[StackState, bool], cli_env: dict[str, str]
) -> None:
    result = CliRunner().invoke(stack_app, ["roll"], env=cli_env)
    assert result.exit_code == 2
    assert "a rolling restart needs a cluster: `ketenpoort stack up --brokers 3`" in result.output


def test_throwaway_opa_serves_its_own_policies_and_stops(
    settings: Settings, started: tuple[StackState, bool], tmp_path: Path
) -> None:
    state, _ = started
    (tmp_path / "probe.rego").write_text("package probe\n\nanswer := 42\n")
    with throwaway_opa(settings, tmp_path) as url:
        assert url != state.opa.url
        assert httpx.get(f"{url}/v1/data/probe/answer", timeout=5).json() == {"result": 42}
        pids = _processes_mentioning(url.removeprefix("http://"))
        assert len(pids) == 1
    assert all(not Path(f"/proc/{pid}").exists() for pid in pids)
    assert httpx.get(f"{state.opa.url}/health", timeout=5).status_code == 200


def test_two_concurrent_ups_start_one_separate_stack(
    settings: Settings, started: tuple[StackState, bool], tmp_path: Path
) -> None:
    main, _ = started
    other = settings.model_copy(update={"stack_dir": tmp_path / "other"})
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: up(other), range(2)))
    try:
        assert sorted(was_started for _, was_started in results) == [False, True]
        (first, _), (second, _) = results
        assert (first.kafka.nodes[0].pid, first.opa.pid) == (second.kafka.nodes[0].pid, second.opa.pid)
        assert first.kafka.bootstrap != main.kafka.bootstrap
        assert first.kafka.nodes[0].data_dir != main.kafka.nodes[0].data_dir
    finally:
        down(other)
    assert status(settings) == main


def test_a_stack_of_other_versions_is_replaced_not_reused(
    settings: Settings, started: tuple[StackState, bool], tmp_path: Path, cli_env: dict[str, str]
) -> None:
    """A stack started before the pins changed (here: its state file says so) runs other versions
    than the tests expect: `up` stops it and starts one of the pinned versions, and says so."""
    other = settings.model_copy(update={"stack_dir": tmp_path / "old"})
    old, _ = up(other)
    try:
        as_if_older = old.model_copy(
            update={
                "kafka": old.kafka.model_copy(
                    update={
                        "version": "3.9.2",
                        "nodes": (old.kafka.nodes[0].model_copy(update={"version": "3.9.2"}),),
                    }
                ),
                "opa": old.opa.model_copy(update={"version": "1.19.1"}),
            }
        )
        save_state(StackPaths(other.stack_path()), as_if_older)
        status_line = CliRunner().invoke(stack_app, ["status"], env=cli_env | _dir(other))
        assert "It runs Kafka 3.9.2 (pinned: " in status_line.output
        result = CliRunner().invoke(stack_app, ["up"], env=cli_env | _dir(other))
        assert result.exit_code == 0, result.output
        assert "Replaced the local stack that ran Kafka 3.9.2" in result.output
        new = status(other)
        assert new is not None and (new.kafka.version, new.opa.version) == (KAFKA_VERSION, OPA_VERSION)
        assert new.kafka.nodes[0].pid != old.kafka.nodes[0].pid and new.opa.pid != old.opa.pid
        assert not old.kafka.nodes[0].is_running() and not old.opa.is_running()
    finally:
        down(other)
    assert status(settings) == started[0]


def _dir(settings: Settings) -> dict[str, str]:
    return {"KETENPOORT_STACK_DIR": str(settings.stack_path())}


def test_down_leaves_no_process_behind(settings: Settings, started: tuple[StackState, bool]) -> None:
    state, _ = started
    credentials = settings.stack_path() / "credentials.json"
    assert credentials.exists()
    lines = down(settings)
    assert any(f"pid {state.kafka.nodes[0].pid}" in line for line in lines)
    assert any(f"pid {state.opa.pid}" in line for line in lines)
    for pid in (state.kafka.nodes[0].pid, state.opa.pid):
        assert not Path(f"/proc/{pid}").exists()
    assert _processes_mentioning(str(settings.stack_path())) == []
    assert not state.kafka.nodes[0].data_dir.exists()
    assert not credentials.exists(), "the passwords outlived the stack they were for"
    assert down(settings) == []
    assert status(settings) is None
    with pytest.raises(StackError, match="KAFKA_BOOTSTRAP"):
        endpoints(settings)


def _processes_mentioning(text: str) -> list[int]:
    """Live java or opa processes whose command line contains `text`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        program = Path(argv[0].decode(errors="replace")).name
        if program in ("java", "opa") and text.encode() in b" ".join(argv):
            found.append(int(entry.name))
    return found


def test_a_cluster_id_beginning_with_a_dash_formats(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One in 64 random cluster ids begins with "-"; the storage tool must not read it as an option."""
    monkeypatch.setattr("tools.stack.kafka.new_cluster_id", lambda: "-AbCdEfGhIjKlMnOpQrStU")
    own = settings.model_copy(update={"stack_dir": tmp_path / "dash"})
    state, started = up(own)
    try:
        assert started and state.kafka.cluster_id.startswith("-")
        assert state.kafka.nodes[0].is_running()
    finally:
        down(own)
