"""A batch the gateway fails to handle, for a reason nobody foresaw, is read again, never skipped:
the consumer goes back to the batch's first records, and every signal of it, and of the batches
after it, is delivered once."""

from __future__ import annotations

from collections import Counter
from typing import Any
from uuid import uuid4

import pytest

from adapters.police.mapping import to_new_report
from adapters.police.native import PoliceReportRecord
from adapters.publish import signal_record
from gateway import metrics
from gateway.router import Routed, Router
from gateway.settings import Settings
from tests.integration.kafka_helpers import Adapters, read_topic
from tests.integration.test_first_slice import SAMPLE, running_gateway
from tools.stack import Endpoints


async def test_a_batch_that_fails_unexpectedly_is_read_again_not_skipped(
    settings: Settings, stack: Endpoints, monkeypatch: pytest.MonkeyPatch
) -> None:
    route_batch = Router.route_batch
    failures = {"left": 2}

    async def failing_twice(self: Router, records: list[Any]) -> list[Routed]:
        if failures["left"]:
            failures["left"] -= 1
            raise RuntimeError("a fault nobody foresaw")
        return await route_batch(self, records)

    monkeypatch.setattr(Router, "route_batch", failing_twice)
    before = metrics.FAIL_CLOSED.labels("intake")._value.get()
    key = settings.pseudonym_key.get_secret_value().encode()
    report = to_new_report(PoliceReportRecord.model_validate_json(SAMPLE.read_bytes()))
    records = [signal_record("police", report, signal_id=uuid4(), pseudonym_key=key)[0] for _ in range(20)]
    ids = {dict(r.headers)["ce_id"].decode() for r in records}

    def copies(found: list[dict[str, Any]]) -> Counter[str]:
        return Counter(m["signal_id"] for m in found if m.get("signal_id") in ids and "delivery_id" in m)

    async with running_gateway(settings, stack, stack.opa_url):
        async with Adapters(stack, "test-intake") as adapters:
            for record in records:
                await adapters.send(record)
            await adapters.flush()
        found = copies(
            await read_topic(
                stack.kafka("admin"), "inbox.veiligthuis", until=lambda f: set(copies(f)) >= ids, timeout_s=60
            )
        )

    assert failures["left"] == 0, "the fault was never hit"
    assert metrics.FAIL_CLOSED.labels("intake")._value.get() - before == 2
    assert set(found) == ids, f"{len(ids - set(found))} signals of the failed batches were skipped"
    assert all(n == 1 for n in found.values()), "a signal was delivered twice"
