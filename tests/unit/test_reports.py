"""The subject access report and the retention report as pages: what they show, in Dutch by
default, with nothing of the person but the chain pseudonym."""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.audit.chain import AuditChain
from gateway.audit.entries import audit_entries
from gateway.audit.records import Head
from gateway.decisions import Decision, Level
from gateway.pipeline import Accepted, identify
from tools import reports
from tools.audit_cli import subject_report_page
from tools.contracts.examples import example
from tools.retention_cli import Report, report_page

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def test_the_subject_page_shows_what_was_shared_and_counts_what_was_withheld() -> None:
    case = example("breach_of_conditions")
    accepted = identify(case.envelope, case.signal, key=b"test")
    assert isinstance(accepted, Accepted)
    decisions = {
        "om": Decision(level=Level.FIELDS, fields=("measure", "suspect.bsn"), legal_basis="wjsg-art-39f"),
        "rvdk": Decision(level=Level.NONE),
    }
    entries = audit_entries(accepted, decisions, "rev", NOW)
    records, _ = AuditChain("test", {0: Head.after(None)}).seal([(0, entry) for entry in entries])
    page = subject_report_page("ps-123", records, NOW, "nl")
    assert "<h1>Wat Ketenpoort over één persoon heeft gedeeld</h1>" in page
    assert "1 keer gedeeld, 1 keer overwogen en helemaal achtergehouden" in page
    assert "Openbaar Ministerie (om)" in page and "Overtreding van voorwaarden" in page
    assert '<span class="sensitive"' in page, "the BSN field is marked"
    assert "wetten.overheid.nl/jci1.3:c:BWBR0014194&amp;artikel=39f" in page
    assert "111222333" not in page and "Verhoef" not in page, "nothing of the person but the pseudonym"


def test_the_retention_page_shows_what_is_kept_differences_and_removals() -> None:
    report = Report(
        kinds=[{"kind": "alerts", "what": "on-call alerts", "kept": "90 days", "how": "its retention"}],
        differences=["gateway.dlq: retention.ms is 1, Ketenpoort sets 2"],
        removed=[
            {
                "removed_at": "2026-12-01T00:00:00Z", "kind": "involvements", "key": "ps-1/om",
                "reason": "closed on 2024-01-01",
            }
        ],
    )  # fmt: skip
    page = report_page(report, "nl")
    assert "<h1>Bewaartermijnen en wat er is verwijderd</h1>" in page
    assert "gateway.dlq: retention.ms is 1" in page and "Verwijderd door de bewaartermijn (1)" in page
    assert "<code>ps-1/om</code>" in page


def test_a_whole_person_and_identifying_fields_are_sensitive() -> None:
    assert reports.sensitive("suspect") and reports.sensitive("victim.bsn")
    assert reports.sensitive("children[].birth_date") and reports.sensitive("victim.address.city")
    assert not reports.sensitive("measure") and not reports.sensitive("suspect.given_name")
