"""The accounting, pure: each record read has exactly one outcome, and every way of having none,
two, or one twice is named with the record's place."""

from __future__ import annotations

from gateway.reconcile import Outcome, account

A, B, C, D = (("signals.police", 0, n) for n in range(4))


def routed(place: tuple[str, int, int], *recipients: str) -> list[Outcome]:
    return [Outcome(place, "first"), *(Outcome(place, "audit", f"new_report to {r}") for r in recipients)]


def test_one_outcome_each_is_clean() -> None:
    outcomes = [
        *routed(A, "veiligthuis", "om"),
        Outcome(B, "dead_letter"),
        Outcome(C, "duplicate"),
        Outcome(("signals.om", 0, 0), "dead_letter"),  # a record not read here: ignored
    ]
    report = account([A, B, C], outcomes)
    assert report.gaps == []
    assert (report.read, report.accounted) == (3, 3)
    assert dict(report.outcomes) == {"accepted": 1, "rejected": 1, "duplicate": 1}


def test_a_planted_gap_is_named_by_its_place() -> None:
    report = account([A, B, C, D], [*routed(A, "om"), Outcome(B, "dead_letter"), Outcome(D, "duplicate")])
    assert [str(gap) for gap in report.gaps] == [
        "signals.police[0]@2: no outcome: not routed, not dead-lettered, not recorded as a duplicate"
    ]
    assert report.accounted == 3


def test_two_outcomes_or_one_twice_are_gaps() -> None:
    cases = {
        A: [*routed(A, "om"), Outcome(A, "dead_letter")],
        B: [Outcome(B, "dead_letter"), Outcome(B, "dead_letter")],
        C: [*routed(C, "om"), *routed(C, "om")],
        D: [*routed(D, "om"), Outcome(D, "audit", "new_report to om")],
    }
    report = account(list(cases), [o for found in cases.values() for o in found])
    problems = {gap.place: gap.problem for gap in report.gaps}
    assert problems[A] == "more than one outcome: audited and dead-lettered and routed"
    assert problems[B] == "dead-lettered 2 times"
    assert problems[C] == "routed 2 times"
    assert problems[D] == "audited twice for new_report to om"


def test_routed_without_its_audit_or_audited_without_being_routed_are_gaps() -> None:
    report = account([A, B], [Outcome(A, "first"), Outcome(B, "audit", "new_report to om")])
    assert [gap.problem for gap in report.gaps] == [
        "routed, but no audit record of what was delivered or withheld",
        "audited, but not in the memory of signal ids",
    ]


def test_a_notice_and_a_copy_to_the_same_recipient_are_one_outcome() -> None:
    outcomes = [*routed(A, "om"), Outcome(A, "audit", "involvement_match to om")]
    assert account([A], outcomes).gaps == []
