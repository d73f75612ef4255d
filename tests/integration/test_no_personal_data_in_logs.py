"""A full flow with planted personal data: none of it appears in any log line of the gateway."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path
from uuid import uuid4

from adapters.publish import send, signal_record
from gateway.kafka import Record, ensure_topics, make_producer
from gateway.schemas import CATALOGUE
from gateway.settings import Settings
from tests.integration.faults import KETENPOORT
from tests.integration.kafka_helpers import skip_history
from tests.integration.test_first_slice import delivery_of
from tools.stack import Endpoints

EXAMPLES = Path(__file__).parents[2] / "docs" / "examples"
PLANTED_BSN = "999990019"  # fictional, passes the 11-test
PLANTED_GIVEN, PLANTED_FAMILY = "Plantina", "Zoekmijnietop"


async def test_planted_bsn_and_name_appear_in_no_log_line(
    settings: Settings, stack: Endpoints, tmp_path: Path
) -> None:
    example = json.loads((EXAMPLES / "breach_of_conditions.json").read_text())
    data = example["data"]
    data["victim"] = {
        **data["victim"],
        "bsn": PLANTED_BSN,
        "given_name": PLANTED_GIVEN,
        "family_name": PLANTED_FAMILY,
    }
    breach = CATALOGUE["breach_of_conditions"].model_validate(data)
    key = settings.pseudonym_key.get_secret_value().encode()
    good, envelope = signal_record("3ro", breach, signal_id=uuid4(), pseudonym_key=key)
    # And a refused one, whose problem is in the very field that holds the BSN.
    broken = json.loads(good.value)
    broken["suspect"]["bsn"] = PLANTED_BSN[:-1] + "8"  # fails the 11-test
    broken["description"] = f"{PLANTED_GIVEN} {PLANTED_FAMILY} ({PLANTED_BSN})"
    headers = [(k, str(uuid4()).encode() if k == "ce_id" else v) for k, v in good.headers]
    refused = Record(good.topic, good.key, json.dumps(broken).encode(), headers)

    group = f"ketenpoort-gateway-test-logs-{time.time_ns()}"
    await ensure_topics(stack.kafka("admin"))
    await skip_history(stack.kafka("admin"), group)
    env_log = tmp_path / "gateway.log"
    env = {
        "PATH": str(KETENPOORT.parent),
        **stack.environment("gateway"),
        "KETENPOORT_CACHE": str(tmp_path / "cache"),
        "KETENPOORT_GATEWAY_GROUP_ID": group,
        "KETENPOORT_HTTP_PORT": "0",
        "KETENPOORT_LOG_LEVEL": "DEBUG",  # the most a gateway ever says
    }
    with env_log.open("wb") as log:
        gateway = subprocess.Popen([str(KETENPOORT), "gateway", "run"], env=env, stdout=log, stderr=log)
    try:
        producer = make_producer(stack.kafka("3ro"), client_id="test-logs")
        await producer.start()
        try:
            await send(producer, good)
            await send(producer, refused)
        finally:
            await producer.stop()
        delivery = await delivery_of(stack, "om", envelope.id, timeout_s=30)
        assert delivery is not None, env_log.read_text()[-3000:]
        assert delivery["body"]["victim"]["bsn"] == PLANTED_BSN  # the data itself did flow
        time.sleep(1)  # let the refused one be logged too
    finally:
        gateway.send_signal(signal.SIGTERM)
        gateway.wait(timeout=30)
    text = env_log.read_text()
    assert '"event":"signal_rejected"' in text and '"event":"signal_routed"' in text, text[-2000:]
    for planted in (PLANTED_BSN, PLANTED_BSN[:-1] + "8", PLANTED_GIVEN, PLANTED_FAMILY):
        assert planted not in text, f"{planted} appears in the gateway's log"
    # Nor does the secret it logs in with, at the most verbose level there is.
    assert "KAFKA_PASSWORD" not in env or env["KAFKA_PASSWORD"] not in text, "the Kafka password is logged"
