"""The audit's retention: records decided before the cut-off are removed from each partition only
after a signed retention checkpoint names where each chain then starts; `audit verify` then finds
the chain intact from there, and without that checkpoint (or with a forged one) names the removal
as such."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import orjson
from aiokafka.admin import NewTopic
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway.audit.chain import AuditChain
from gateway.audit.checkpoints import Checkpointer
from gateway.audit.entries import audit_entries
from gateway.audit.pruning import AuditPruning
from gateway.audit.records import Head
from gateway.decisions import Decision, Level
from gateway.kafka import Record, make_admin, make_producer, read_whole
from gateway.pipeline import Accepted, identify
from gateway.schemas.audit_checkpoint import ChainStart
from gateway.signing import load_or_create_key, public_path
from gateway.topics import AUDIT_CHECKPOINTS
from tests.integration.audit_harness import invoke
from tools.contracts.examples import example
from tools.stack import Endpoints

NOW = datetime.now(UTC)
OLD, RECENT = NOW - timedelta(days=400), NOW - timedelta(days=2)


def _entries(count: int, at: datetime) -> list:  # type: ignore[type-arg]
    case = example("breach_of_conditions")
    accepted = identify(case.envelope, case.signal, key=b"test")
    assert isinstance(accepted, Accepted)
    decisions = {"om": Decision(level=Level.FIELDS, fields=("measure",))}
    return [
        audit_entries(accepted, decisions, "rev", at)[0].model_copy(update={"record_id": str(uuid4())})
        for _ in range(count)
    ]


async def test_retention_removes_the_oldest_audit_records_after_a_signed_checkpoint(
    stack: Endpoints, admin_cli_env: None, tmp_path: Path
) -> None:
    admin = stack.kafka("admin")
    topic, chain_name = f"test.audit.{uuid4().hex[:8]}", f"test-pruning-{uuid4().hex[:8]}"
    client = make_admin(admin)
    await client.start()
    try:
        await client.create_topics([NewTopic(topic, 2, 1)])
    finally:
        await client.close()
    # Partition 0: five records a year old, then five of two days ago; partition 1: three old ones.
    chain = AuditChain(chain_name, {0: Head.after(None), 1: Head.after(None)})
    sealed = []
    for partition, entries in ((0, _entries(5, OLD)), (0, _entries(5, RECENT)), (1, _entries(3, OLD))):
        records, heads = chain.seal([(partition, entry) for entry in entries])
        chain.advance(heads)
        sealed += records
    producer = make_producer(admin, client_id="test-pruning")
    await producer.start()
    try:
        for record in sealed:
            await producer.send_and_wait(topic, record.model_dump_json().encode(), partition=record.partition)
    finally:
        await producer.stop()

    key_file = tmp_path / "keys" / "audit.pem"
    key = load_or_create_key(key_file)
    checkpointer = Checkpointer(key, chain_name, 0)
    copies = tmp_path / "copies"  # a partner's own copies of the checkpoints
    copies.mkdir()
    interval = checkpointer.sign(dict(chain.heads), "interval", NOW)
    (copies / f"checkpoint-{interval.checkpoint_id}.json").write_bytes(
        orjson.dumps(interval.model_dump(mode="json"))
    )
    written: list[Record] = []

    async def write(make: Callable[[], list[Record]], what: str) -> int:
        written.extend(make())
        return len(written)

    assert await AuditPruning(admin, write, checkpointer, days=365, topic=topic).once() == 2
    [retention] = [r for r in written if r.topic == AUDIT_CHECKPOINTS]
    starts = orjson.loads(retention.value or b"")["starts"]
    assert {(s["partition"], s["sequence"]) for s in starts} == {(0, 5), (1, 3)}

    left: list[tuple[int, int]] = []
    await read_whole(admin, topic, lambda m: left.append((m.partition, orjson.loads(m.value)["sequence"])))
    assert sorted(left) == [(0, n) for n in range(5, 10)], "only what was decided before the cut-off"

    verify = [
        "audit",
        "verify",
        "--topic",
        topic,
        "--chain",
        chain_name,
        "--public-key",
        str(public_path(key_file)),
    ]
    unexplained = await invoke(*verify, "--checkpoints", str(copies))
    assert unexplained.exit_code == 1 and "removed: record #0..#4 is missing" in unexplained.output, (
        unexplained.output
    )

    (copies / "retention.json").write_bytes(retention.value or b"")
    explained = await invoke(*verify, "--checkpoints", str(copies))
    assert explained.exit_code == 0 and "intact" in explained.output, explained.output

    # One claiming an earlier start, signed with another key, explains nothing.
    forged_start = Checkpointer(Ed25519PrivateKey.generate(), chain_name, 0).sign({}, "retention", NOW, [])
    (copies / "retention.json").unlink()
    claimed = [ChainStart.model_validate(start) for start in orjson.loads(retention.value or b"")["starts"]]
    forged = forged_start.model_copy(update={"starts": claimed})
    (copies / "forged.json").write_bytes(orjson.dumps(forged.model_dump(mode="json")))
    refused = await invoke(*verify, "--checkpoints", str(copies))
    assert (
        refused.exit_code == 1 and "forged" in refused.output and "removed: record #0..#4" in refused.output
    )
