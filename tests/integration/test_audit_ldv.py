"""The audit as Logboek Dataverwerkingen log lines, from what a real gateway recorded: per audit
record its action, carrying the sender's W3C trace context, and one child action per data subject,
by chain pseudonym; every processing activity named is in the register."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import orjson
from pydantic import SecretStr

from adapters.publish import signal_record
from gateway.audit import ldv
from gateway.pseudonyms import pseudonym_of_bsn
from gateway.settings import RECIPIENTS, Settings
from tests.integration.audit_harness import invoke
from tests.integration.kafka_helpers import Adapters
from tests.integration.test_first_slice import delivery_of, running_gateway
from tools.contracts.examples import example
from tools.stack import Endpoints

ROOT = Path(__file__).parents[2]
SPAN = re.compile(r"^[0-9a-f]{16}$")
SUSPECT_BSN = "111222333"  # the fictional suspect of the breach example (docs/examples)


async def test_each_record_is_an_action_with_a_line_per_data_subject(
    settings: Settings, stack: Endpoints, cli_env: None, tmp_path: Path
) -> None:
    settings = settings.model_copy(update={"pseudonym_key": SecretStr(f"ldv-{uuid4()}")})
    key = settings.pseudonym_key.get_secret_value().encode()
    started = datetime.now(UTC) - timedelta(seconds=5)
    case = example("breach_of_conditions")
    record, envelope = signal_record(case.sender, case.signal, signal_id=uuid4(), pseudonym_key=key)
    async with running_gateway(settings, stack, stack.opa_url):
        async with Adapters(stack, "test-ldv") as adapters:
            await adapters.send_and_wait(record)
        assert await delivery_of(stack, "om", envelope.id, 30) is not None

    out = tmp_path / "ldv.jsonl"
    result = await invoke(
        "audit", "export", "--format", "ldv", "--since", started.isoformat(), "--output", str(out)
    )
    assert result.exit_code == 0, result.output
    text = out.read_text()
    lines = [orjson.loads(line) for line in text.splitlines()]
    ours = [line for line in lines if line["attributes"]["ketenpoort.signal_id"] == str(envelope.id)]
    _, trace_id, sender_span, _ = envelope.traceparent.split("-")

    actions = [line for line in ours if "dpl.core.data_subject_id" not in line["attributes"]]
    asked = [org for org in RECIPIENTS if org != case.sender]
    assert sorted(a["attributes"]["ketenpoort.recipient"] for a in actions) == sorted(asked)
    for action in actions:
        assert action["trace_id"] == trace_id
        assert action["parent_span_id"] == sender_span
        assert action["foreign_operation"] == {
            "trace_id": trace_id, "span_id": sender_span, "entity": envelope.source,
        }  # fmt: skip
        assert SPAN.match(action["span_id"])
        assert action["status_code"] == "STATUS_CODE_OK"
        assert action["start_time"] <= action["end_time"]
        level = action["attributes"]["ketenpoort.level"]
        assert action["name"] == ("withhold_signal" if level == "none" else "share_signal")

    # One child action per data subject per action, naming the person by chain pseudonym only.
    subjects = [line for line in ours if "dpl.core.data_subject_id" in line["attributes"]]
    by_parent: dict[str, list[dict[str, object]]] = {}
    for line in subjects:
        by_parent.setdefault(str(line["parent_span_id"]), []).append(line)
    assert set(by_parent) == {a["span_id"] for a in actions}
    suspect = pseudonym_of_bsn(SUSPECT_BSN, key)
    for action in actions:
        children = by_parent[action["span_id"]]
        assert suspect in {c["attributes"]["dpl.core.data_subject_id"] for c in children}  # type: ignore[index]
        for child in children:
            assert child["trace_id"] == trace_id and SPAN.match(str(child["span_id"]))
            assert child["attributes"]["dpl.core.data_subject_id_type"] == ldv.SUBJECT_ID_TYPE  # type: ignore[index]
    spans = [line["span_id"] for line in ours]
    assert len(spans) == len(set(spans)), "every action has a span of its own"
    assert SUSPECT_BSN not in text, "the export names persons by chain pseudonym, never by BSN"

    # Every processing activity named is in the register (docs/register.md).
    register = (ROOT / "docs" / "register.md").read_text()
    for line in ours:
        assert f"`{line['attributes']['dpl.core.processing_activity_id']}`" in register
