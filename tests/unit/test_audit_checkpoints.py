"""Signed audit checkpoints: the signature holds only for the gateway's key and the content it
signed; an adapter keeps each under a name of its own; the key is made once and kept private."""

from __future__ import annotations

import stat
from datetime import UTC, datetime
from pathlib import Path

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from adapters.delivery import InboxItem
from gateway.audit.checkpoints import Checkpointer, from_directory, records, sign, signature_problem
from gateway.audit.records import GENESIS, Head
from gateway.settings import RECIPIENTS
from gateway.signing import key_id, load_or_create_key, load_public_key, public_path
from gateway.topics import AUDIT_CHECKPOINTS, inbox_topic

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
HEADS = {0: Head(41, "a" * 64), 1: Head(-1, GENESIS), 2: Head(7, "b" * 64)}


def test_a_checkpoint_names_the_written_partitions_and_verifies_with_the_gateway_key() -> None:
    key = Ed25519PrivateKey.generate()
    checkpoint = sign(key, "ketenpoort-gateway", 0, HEADS, "interval", AT)
    assert [(h.partition, h.sequence) for h in checkpoint.heads] == [(0, 41), (2, 7)]
    assert checkpoint.key_id == key_id(key.public_key())
    assert signature_problem(checkpoint, key.public_key()) is None


def test_a_changed_head_or_another_key_is_named_forged() -> None:
    key = Ed25519PrivateKey.generate()
    checkpoint = sign(key, "ketenpoort-gateway", 0, HEADS, "interval", AT)
    shorter = checkpoint.model_copy(
        update={"heads": [h.model_copy(update={"sequence": h.sequence - 1}) for h in checkpoint.heads]}
    )
    assert "does not verify" in (signature_problem(shorter, key.public_key()) or "")
    other = Ed25519PrivateKey.generate()
    assert "not the gateway's audit key" in (signature_problem(checkpoint, other.public_key()) or "")
    # Another key that claims the gateway's key id is still refused: the signature decides.
    claimed = sign(other, "ketenpoort-gateway", 0, HEADS, "interval", AT).model_copy(
        update={"key_id": checkpoint.key_id}
    )
    assert "does not verify" in (signature_problem(claimed, key.public_key()) or "")
    garbled = checkpoint.model_copy(update={"signature": "not base64!"})
    assert "does not verify" in (signature_problem(garbled, key.public_key()) or "")


def test_each_checkpoint_goes_to_its_topic_and_every_partners_inbox() -> None:
    checkpoint = sign(Ed25519PrivateKey.generate(), "ketenpoort-gateway", 1, HEADS, "shutdown", AT)
    out = records(checkpoint, AT)
    assert [r.topic for r in out] == [AUDIT_CHECKPOINTS, *(inbox_topic(org) for org in RECIPIENTS)]
    assert {r.value for r in out} == {orjson.dumps(checkpoint.model_dump(mode="json"))}
    headers = dict(out[0].headers)
    assert headers["ce_type"] == b"nl.ketenpoort.audit_checkpoint.v1"
    assert headers["ce_id"] == str(checkpoint.checkpoint_id).encode()


def test_an_adapter_keeps_a_checkpoint_under_its_id_and_verify_reads_those_files(tmp_path: Path) -> None:
    checkpoint = sign(Ed25519PrivateKey.generate(), "ketenpoort-gateway", 0, HEADS, "interval", AT)
    value = orjson.dumps(checkpoint.model_dump(mode="json"))
    item = InboxItem.of(value, partition=2, offset=9, topic="inbox.om")
    assert item.name == f"checkpoint-{checkpoint.checkpoint_id}"
    (tmp_path / f"{item.name}.json").write_bytes(item.body)
    (tmp_path / "delivery-x.json").write_bytes(b'{"delivery_id": "x"}')  # not a checkpoint: passed over
    (tmp_path / "broken.json").write_bytes(b"{")
    [held] = from_directory(tmp_path)
    assert held.checkpoint == checkpoint and held.source.endswith(f"{item.name}.json")


def test_the_checkpointer_signs_only_when_the_heads_moved() -> None:
    checkpointer = Checkpointer(Ed25519PrivateKey.generate(), "ketenpoort-gateway", 0)
    assert not checkpointer.due({0: Head(-1, GENESIS)}), "nothing written yet: nothing to anchor"
    assert checkpointer.due(HEADS)
    checkpointer.written(HEADS)
    assert not checkpointer.due(dict(HEADS))
    assert checkpointer.due({**HEADS, 0: Head(42, "c" * 64)})


def test_the_signing_key_is_made_once_private_with_its_public_half_beside_it(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "audit-signing.pem"
    key = load_or_create_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert key_id(load_or_create_key(path).public_key()) == key_id(key.public_key())
    assert key_id(load_public_key(public_path(path))) == key_id(key.public_key())
    assert key_id(load_public_key(path)) == key_id(key.public_key())
