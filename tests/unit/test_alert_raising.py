"""What the gateway writes when the alert policy says to alert: one `raised` event per organisation,
carrying what the sharing policy grants it (the sender: its own signal), with an id fixed by the
signal; and nothing for an organisation that may see nothing. Also: the on-call configuration is
refused whole when a roster is missing or leaves a gap."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import orjson
import pytest
import yaml

from adapters.publish import signal_record
from gateway.alerts.raising import alert_id_of, raised
from gateway.alerts.rules import AlertDecision
from gateway.decisions import Decision, Level
from gateway.pipeline import Accepted, identify, validate
from gateway.schemas.alert import AlertEvent
from gateway.topics import ALERTS
from oncall.config import DEFAULT_CONFIG, OnCallConfig
from tools.contracts.examples import examples

NOW = datetime(2026, 4, 18, 20, 47, tzinfo=UTC)


def breach() -> Accepted:
    case = next(c for c in examples() if c.signal.name == "breach_of_conditions")
    record, _ = signal_record(case.sender, case.signal, signal_id=uuid4(), pseudonym_key=b"k")
    checked = validate(record)
    assert not hasattr(checked, "reason"), checked
    accepted = identify(*checked, key=b"k")  # type: ignore[misc]
    assert isinstance(accepted, Accepted)
    return accepted


def test_each_alert_carries_what_its_organisation_may_see() -> None:
    signal = breach()
    alerts = {org: AlertDecision(priority="p1", reason="act now") for org in ("police", "3ro", "om")}
    decisions = {
        "police": Decision(level=Level.FIELDS, fields=("suspect.family_name", "severity")),
        "om": Decision(level=Level.NONE),
    }
    records = raised(signal, alerts, decisions, NOW)
    events = {e.org: e for e in (AlertEvent.model_validate_json(r.value) for r in records)}
    assert set(events) == {"police", "3ro"}  # the OM may see nothing of it: no alert, not even blind
    police = events["police"]
    assert set(police.content or {}) == {"suspect", "severity"}
    assert set((police.content or {})["suspect"]) == {"family_name"}
    assert events["3ro"].content == signal.body  # the sender's own signal
    assert {r.topic for r in records} == {ALERTS}
    assert [r.key for r in records] == [
        str(alert_id_of(signal.envelope.id, o)).encode() for o in ("3ro", "police")
    ]
    again = raised(signal, alerts, decisions, NOW)
    assert [orjson.loads(r.value)["event_id"] for r in again] == [
        orjson.loads(r.value)["event_id"] for r in records
    ]


def test_the_default_configuration_covers_every_organisation_around_the_clock() -> None:
    config = OnCallConfig.load()
    assert set(config.rosters()) >= {"police", "veiligthuis", "om", "3ro"}
    assert config.deadlines()["p1"].total_seconds() == 300


def test_a_configuration_with_a_gap_or_a_missing_roster_is_refused(tmp_path: Path) -> None:
    data = yaml.safe_load(DEFAULT_CONFIG.read_text())
    del data["organisations"]["om"]
    path = tmp_path / "oncall.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ValueError, match="no on-call roster for om"):
        OnCallConfig.load(path)
    data = yaml.safe_load(DEFAULT_CONFIG.read_text())
    data["organisations"]["police"]["shifts"] = data["organisations"]["police"]["shifts"][:1]  # days only
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ValueError, match="roster of police has nobody at Mon 00:00"):
        OnCallConfig.load(path)
    with pytest.raises(ValueError, match="cannot read the on-call configuration"):
        OnCallConfig.load(tmp_path / "absent.yaml")
