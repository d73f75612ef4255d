from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from adapters.police.mapping import signal_id, to_new_report
from adapters.police.native import PoliceReportRecord
from gateway.schemas.new_report import ReporterRole, ReportKind, StalkingIndicator

SAMPLES = Path(__file__).parents[2] / "adapters" / "police" / "samples"


def sample(name: str = "report-1.json") -> PoliceReportRecord:
    return PoliceReportRecord.model_validate_json((SAMPLES / name).read_bytes())


def test_report_maps_field_by_field() -> None:
    native = sample()
    report = to_new_report(native)
    assert report.kind is ReportKind.AANGIFTE
    assert report.reporter_role is ReporterRole.VICTIM
    assert report.incident_time == native.pleegdatum
    assert report.incident_place == "Rotterdam"
    assert report.stalking_indicators == [
        StalkingIndicator.FOLLOWING,
        StalkingIndicator.UNWANTED_CONTACT,
        StalkingIndicator.THREATS,
    ]
    assert report.suspect is not None and report.suspect.bsn == "111222333"
    assert report.suspect.given_name == "Bram" and report.suspect.family_name == "Verhoef"
    assert report.victim is not None and report.victim.birth_date == date(1993, 8, 30)
    assert [child.given_name for child in report.children] == ["Mila"]
    assert report.description == native.toelichting
    assert report.contact.role == "casusregisseur"
    assert report.contact.phone == "+31 10 000 0001"
    assert report.contact.unit == "Basisteam Rotterdam-Zuid"
    assert report.attributes() == {"minors_involved": True, "report_kind": "aangifte"}


def test_every_sample_maps() -> None:
    for path in SAMPLES.glob("*.json"):
        to_new_report(PoliceReportRecord.model_validate_json(path.read_bytes()))


def test_the_same_record_always_gets_the_same_signal_id() -> None:
    assert signal_id("PL0100-20261104", "new_report") == signal_id("PL0100-20261104", "new_report")
    assert signal_id("PL0100-20261104", "new_report") != signal_id("PL0100-20261105", "new_report")


def test_a_bsn_failing_the_11_test_is_refused_by_the_mapping() -> None:
    native = sample()
    assert native.verdachte is not None
    bad = native.model_copy(update={"verdachte": native.verdachte.model_copy(update={"bsn": "123456789"})})
    with pytest.raises(ValidationError, match="11-test"):
        to_new_report(bad)
