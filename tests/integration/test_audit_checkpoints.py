"""The signed audit checkpoints against the real broker: every partner holds them in its inbox, and
`ketenpoort audit verify` names a cut-off tail, a rewritten partition and a forged checkpoint, from
the checkpoints topic or from a partner's own copies as its adapter delivered them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import uuid4

import orjson
from aiokafka.admin import NewTopic
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from adapters.delivery import FileDrop, InboxItem
from gateway.audit.checkpoints import sign, signature_problem
from gateway.audit.records import Head, seal
from gateway.kafka import KafkaConnection, make_admin, make_producer
from gateway.schemas.audit import AuditEntry
from gateway.schemas.audit_checkpoint import AuditCheckpoint
from gateway.settings import RECIPIENTS, Settings
from gateway.signing import load_public_key, public_path
from gateway.topics import AUDIT, AUDIT_CHECKPOINTS, inbox_topic
from tests.integration.audit_harness import invoke, send_case
from tests.integration.kafka_helpers import read_topic
from tests.integration.test_first_slice import delivery_of, running_gateway
from tools.stack import Endpoints

Chain = dict[int, list[dict[str, Any]]]  # partition -> the chain's records, in order


async def _checkpointed_case(
    settings: Settings, stack: Endpoints, interval_s: float = 0.5
) -> tuple[str, Chain, AuditCheckpoint]:
    """A case routed by a gateway of its own that checkpoints every `interval_s`, stopped; its
    chain's records per partition, and the last checkpoint it left."""
    fast = settings.model_copy(update={"audit_checkpoint_interval_s": interval_s})
    async with running_gateway(fast, stack, stack.opa_url) as group:
        sent = await send_case(fast, stack)
        assert await delivery_of(stack, "om", sent["breach_of_conditions"], 30) is not None
    records = await read_topic(stack.kafka("admin"), AUDIT)
    chain: Chain = defaultdict(list)
    for record in records:
        if record.get("chain") == group:
            chain[record["partition"]].append(_value(record))
    assert chain, "the case was audited"
    ours = [c for c in await read_topic(stack.kafka("admin"), AUDIT_CHECKPOINTS) if c.get("chain") == group]
    return group, chain, AuditCheckpoint.model_validate(_value(ours[-1]))


async def test_every_partner_holds_the_signed_checkpoint_of_the_chain_heads(
    settings: Settings, stack: Endpoints
) -> None:
    # No interval passes while the case is routed: the checkpoint is the one written at shutdown.
    _, chain, last = await _checkpointed_case(settings, stack, interval_s=3600)
    assert last.kind == "shutdown"
    # The checkpoint names each written partition's last record, as the topic holds it.
    assert {h.partition: (h.sequence, h.hash) for h in last.heads} == {
        p: (records[-1]["sequence"], records[-1]["hash"]) for p, records in chain.items()
    }
    key = load_public_key(public_path(settings.audit_key_path()))
    assert signature_problem(last, key) is None
    for org in RECIPIENTS:
        inbox = await read_topic(stack.kafka("admin"), inbox_topic(org))
        copies = [i for i in inbox if i.get("checkpoint_id") == str(last.checkpoint_id)]
        assert len(copies) == 1, f"{org} holds no copy of the checkpoint"
        assert copies[0]["_headers"]["ce_type"] == "nl.ketenpoort.audit_checkpoint.v1"
        assert signature_problem(AuditCheckpoint.model_validate(_value(copies[0])), key) is None


async def test_verify_names_a_cut_off_tail_from_a_partners_own_copies(
    settings: Settings,
    stack: Endpoints,
    admin_cli_env: None,
    tmp_path: Path,
) -> None:
    group, chain, _ = await _checkpointed_case(settings, stack)
    # The probation service's adapter delivers its inbox into its own system, checkpoints included.
    copies = tmp_path / "3ro-inbox"
    copies.mkdir()
    drop = FileDrop(copies)
    for item in await read_topic(stack.kafka("admin"), inbox_topic("3ro")):
        if item.get("chain") == group:
            await drop.deliver(InboxItem.of(orjson.dumps(_value(item)), 0, 0, inbox_topic("3ro")))
    assert list(copies.glob("checkpoint-*.json")), "the adapter kept the checkpoints"

    intact = await _copy(stack.kafka("admin"), chain, lambda records: records)
    result = await invoke(
        "audit", "verify", "--topic", intact, "--chain", group, "--checkpoints", str(copies), *_key(settings)
    )
    assert result.exit_code == 0, result.output
    assert "intact" in result.output and "signed checkpoints" in result.output

    partition = max(chain, key=lambda p: len(chain[p]))
    cut = await _copy(stack.kafka("admin"), chain, lambda records: records[:-2], only=partition)
    result = await invoke(
        "audit", "verify", "--topic", cut, "--chain", group, "--checkpoints", str(copies), *_key(settings)
    )
    assert result.exit_code == 1
    last = chain[partition][-1]["sequence"]
    assert f"partition {partition}, record #{last}: cut off" in result.output, result.output
    assert f"the chain ends at #{last - 2}" in result.output


async def test_verify_names_a_rewritten_partition_that_is_sealed_afresh(
    settings: Settings,
    stack: Endpoints,
    admin_cli_env: None,
) -> None:
    group, chain, _ = await _checkpointed_case(settings, stack)
    partition = max(chain, key=lambda p: len(chain[p]))

    def rewrite(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The first record's recipient changed, and the chain sealed again from there: its own
        hashes hold, only the checkpoint can tell."""
        entries = [AuditEntry.model_validate(r) for r in records]
        entries[0] = entries[0].model_copy(update={"legal_basis": "not-the-basis-it-had"})
        head, out = Head.after(None), []
        for entry in entries:
            record = seal(entry, group, partition, head.sequence + 1, head.hash)
            head = Head(record.sequence, record.hash)
            out.append(record.model_dump(mode="json"))
        return out

    rewritten = await _copy(stack.kafka("admin"), chain, rewrite, only=partition)
    chain_only = await invoke(
        "audit", "verify", "--topic", rewritten, "--chain", group, "--checkpoints", "none"
    )
    assert chain_only.exit_code == 0, "the rewritten chain is whole in itself"
    result = await invoke("audit", "verify", "--topic", rewritten, "--chain", group, *_key(settings))
    assert result.exit_code == 1
    last = chain[partition][-1]["sequence"]
    assert f"partition {partition}, record #{last}: rewritten" in result.output, result.output


async def test_verify_names_a_forged_checkpoint(
    settings: Settings,
    stack: Endpoints,
    admin_cli_env: None,
    tmp_path: Path,
) -> None:
    group, chain, last = await _checkpointed_case(settings, stack)
    intact = await _copy(stack.kafka("admin"), chain, lambda records: records)
    copies = tmp_path / "copies"
    copies.mkdir()
    # One says the chain ended earlier, with the gateway's signature from the real one; one is
    # signed with a key that is not the gateway's.
    shorter = last.model_copy(
        update={"heads": [h.model_copy(update={"sequence": h.sequence - 1}) for h in last.heads]}
    )
    heads = {h.partition: Head(h.sequence, h.hash) for h in last.heads}
    other = sign(Ed25519PrivateKey.generate(), group, 0, heads, "interval", last.signed_at)
    for checkpoint in (last, shorter, other):
        name = f"checkpoint-{uuid4()}.json"
        (copies / name).write_bytes(orjson.dumps(checkpoint.model_dump(mode="json")))

    result = await invoke(
        "audit", "verify", "--topic", intact, "--chain", group, "--checkpoints", str(copies), *_key(settings)
    )
    assert result.exit_code == 1
    assert result.output.count("forged:") == 2, result.output
    assert "its signature does not verify" in result.output
    assert f"signed with key {other.key_id}, not the gateway's audit key" in result.output
    assert "cut off" not in result.output and "rewritten" not in result.output


def _key(settings: Settings) -> list[str]:
    """The gateway's public key, as a partner keeps it."""
    return ["--public-key", str(public_path(settings.audit_key_path()))]


def _value(item: dict[str, Any]) -> dict[str, Any]:
    """A record's value as it was written, without what read_topic adds."""
    return {k: v for k, v in item.items() if not k.startswith("_")}


async def _copy(
    admin: KafkaConnection,
    chain: Chain,
    change: Callable[[list[dict[str, Any]]], list[dict[str, Any]]],
    only: int | None = None,
) -> str:
    """A throwaway audit topic with the chain's records in their partitions, `change` applied to
    one partition's (or each's)."""
    topic = f"test.audit.{uuid4().hex[:8]}"
    client = make_admin(admin)
    await client.start()
    try:
        await client.create_topics([NewTopic(topic, max(chain) + 1, 1)])
    finally:
        await client.close()
    producer = make_producer(admin, client_id="test-audit-copy")
    await producer.start()
    try:
        for partition, records in chain.items():
            for record in change(records) if only in (None, partition) else records:
                await producer.send_and_wait(topic, orjson.dumps(record), partition=partition)
    finally:
        await producer.stop()
    return topic
