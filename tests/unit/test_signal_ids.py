"""What a signal id means, pure: content is body + type + schema + source (not ce_time or
traceparent); the same id with the same content is a duplicate, with other content a refusal; a
batch's ids hold only once committed; old ids are forgotten; delivery ids follow what is received."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from gateway.decisions import Decision, Level
from gateway.kafka import Record
from gateway.pipeline import Accepted, Rejected, delivery_id_of, identify, validate
from gateway.schemas import new_envelope
from gateway.schemas.signal_seen import SignalSeen
from gateway.signal_ids import Duplicate, SignalIds, content_digest
from tools.contracts.examples import example

KEY = b"test"
NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def accepted(signal_id: str, **changes: object) -> tuple[Accepted, Record]:
    case = example("new_report")
    envelope = new_envelope(org=case.sender, signal="new_report", version=case.signal.version, id=signal_id)
    body = case.signal.model_copy(update=changes)
    record = Record(
        f"signals.{case.sender}", None, body.model_dump_json().encode(), envelope.to_headers(), 0, 7
    )
    checked = validate(record)
    assert not isinstance(checked, Rejected), checked
    outcome = identify(*checked, key=KEY)
    assert isinstance(outcome, Accepted)
    return outcome, record


def test_content_is_the_same_for_a_resend_with_another_time_and_traceparent() -> None:
    signal_id = str(uuid4())
    first, _ = accepted(signal_id)
    resend, _ = accepted(signal_id)
    assert first.envelope.traceparent != resend.envelope.traceparent
    assert content_digest(first) == content_digest(resend)
    changed, _ = accepted(signal_id, incident_place="Zwolle")
    assert content_digest(changed) != content_digest(first)
    other_unit = first.envelope.model_copy(update={"source": "urn:ketenpoort:police:rotterdam"})
    assert content_digest(Accepted(other_unit, first.signal, first.pseudonym)) != content_digest(first)


def test_a_copy_is_a_duplicate_and_other_content_is_refused() -> None:
    ids = SignalIds()
    signal_id = str(uuid4())
    first, record = accepted(signal_id)
    view = ids.view()
    seen = view.check(first, record, NOW)
    assert isinstance(seen, SignalSeen) and seen.outcome == "first" and seen.first == "signals.police[0]@7"
    copy, copy_record = accepted(signal_id)
    again = view.check(copy, copy_record, NOW)  # within the same batch
    assert isinstance(again, Duplicate) and again.first == "signals.police[0]@7"
    assert again.seen.outcome == "duplicate"
    changed, changed_record = accepted(signal_id, incident_place="Zwolle")
    refused = view.check(changed, changed_record, NOW)
    assert isinstance(refused, Rejected) and refused.reason == "id_reused"
    assert refused.problems[0].path == "header ce_id" and "signals.police[0]@7" in refused.detail


def test_a_batch_s_ids_hold_only_once_it_is_committed() -> None:
    ids = SignalIds()
    signal_id = str(uuid4())
    first, record = accepted(signal_id)
    ids.view().check(first, record, NOW)  # a batch that was not committed (retried)
    assert isinstance(ids.view().check(first, record, NOW), SignalSeen)
    view = ids.view()
    view.check(first, record, NOW)
    view.commit()
    assert isinstance(ids.view().check(first, record, NOW), Duplicate)


def test_the_memory_is_rebuilt_from_its_records_and_forgets_old_ids() -> None:
    signal_id = str(uuid4())
    first, record = accepted(signal_id)
    seen = SignalIds().view().check(first, record, NOW)
    assert isinstance(seen, SignalSeen)
    rebuilt = SignalIds()
    rebuilt.put(seen)
    rebuilt.put(seen.model_copy(update={"outcome": "duplicate", "offset": 9, "first": "elsewhere"}))
    remembered = rebuilt.get(signal_id)
    assert remembered is not None and remembered.first == "signals.police[0]@7"
    assert isinstance(rebuilt.view().check(first, record, NOW + timedelta(days=89)), Duplicate)
    # After the memory's span the id is new again, and a sweep drops it.
    assert isinstance(rebuilt.view().check(first, record, NOW + timedelta(days=91)), SignalSeen)
    assert rebuilt.sweep((NOW + timedelta(days=91)).timestamp()) == 1
    assert rebuilt.seen == {}


def test_a_delivery_id_changes_exactly_when_what_the_recipient_receives_changes() -> None:
    signal_id = str(uuid4())
    first, _ = accepted(signal_id)
    resend, _ = accepted(signal_id)
    changed, _ = accepted(signal_id, incident_place="Zwolle")
    decision = Decision(level=Level.FULL, legal_basis="wpg-art-19", purpose="p", urgency="none")
    same = delivery_id_of(first, "veiligthuis", decision, first.body)
    assert same == delivery_id_of(resend, "veiligthuis", decision, resend.body)
    assert same != delivery_id_of(changed, "veiligthuis", decision, changed.body)
    assert same != delivery_id_of(first, "om", decision, first.body)
    narrower = decision.model_copy(update={"level": Level.FIELDS, "fields": ("kind",)})
    assert same != delivery_id_of(first, "veiligthuis", narrower, {"kind": first.body["kind"]})
