"""`ketenpoort gateway reconcile` against the real broker: after a clean run every record read has
exactly one outcome; a record the gateway's offsets moved past without an outcome (the failure this
command exists to find, planted here) is named by topic, partition and offset, with exit code 1."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

from aiokafka import AIOKafkaConsumer, TopicPartition

from adapters.police.mapping import to_new_report
from adapters.police.native import PoliceReportRecord
from adapters.publish import signal_record
from gateway.reconcile import reconcile
from gateway.settings import Settings
from tests.integration.faults import wait_until_consumed
from tests.integration.kafka_helpers import Adapters
from tests.integration.test_commands import KETENPOORT, demo_environment
from tests.integration.test_first_slice import SAMPLE, running_gateway
from tools.stack import Endpoints


async def test_reconcile_is_clean_after_a_run_and_names_a_planted_gap(
    settings: Settings, stack: Endpoints, tmp_path: Path
) -> None:
    key = settings.pseudonym_key.get_secret_value().encode()
    report = to_new_report(PoliceReportRecord.model_validate_json(SAMPLE.read_bytes()))
    signal_id = uuid4()
    valid = [signal_record("police", report, signal_id=uuid4(), pseudonym_key=key)[0] for _ in range(3)]
    first, _ = signal_record("police", report, signal_id=signal_id, pseudonym_key=key)
    copy, _ = signal_record("police", report, signal_id=signal_id, pseudonym_key=key)
    bad = replace(valid[0], value=b"{not json")
    admin = stack.kafka("admin")
    since = datetime.now(UTC) - timedelta(seconds=1)
    async with running_gateway(settings, stack, stack.opa_url) as group:
        async with Adapters(stack, "test-reconcile") as adapters:
            for record in [*valid, first, bad, copy]:
                await adapters.send_and_wait(record)
        await wait_until_consumed(admin, group, timeout_s=60)
    clean = await reconcile(admin, group, since)
    assert clean.gaps == []
    # At least this test's six records (a test sending at the same moment on the same stack adds its own).
    assert clean.read == clean.accounted == sum(clean.outcomes.values())
    assert clean.outcomes["accepted"] >= 4 and clean.outcomes["rejected"] >= 1
    assert clean.outcomes["duplicate"] >= 1
    # Plant the failure: a record the gateway never handled, its group's offset moved past it.
    async with Adapters(stack, "test-reconcile") as adapters:
        lost = await adapters.send_and_wait(
            signal_record("police", report, signal_id=uuid4(), pseudonym_key=key)[0]
        )
    tp = TopicPartition(lost.topic, lost.partition)
    mover = AIOKafkaConsumer(**admin.client_options(), group_id=group, enable_auto_commit=False)
    await mover.start()
    try:
        mover.assign([tp])
        await mover.commit({tp: lost.offset + 1})
    finally:
        await mover.stop()
    found = await reconcile(admin, group, since)
    assert [str(gap) for gap in found.gaps] == [
        f"signals.police[{lost.partition}]@{lost.offset}: "
        "no outcome: not routed, not dead-lettered, not recorded as a duplicate"
    ]

    run = subprocess.run(
        [str(KETENPOORT), "gateway", "reconcile", "--group", group, "--since", since.isoformat()],
        env=demo_environment(stack, tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert f"gap signals.police[{lost.partition}]@{lost.offset}: no outcome" in run.stdout
    assert f"{found.read} records read up to the committed offsets" in run.stdout
