"""The involvement index's rules, without Kafka: who counts as involved, how signals change an
involvement, when two organisations match, and when a closed involvement stops matching."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

from gateway.involvements import InvolvementIndex, merge, person_keys
from gateway.schemas import ContactPerson
from gateway.schemas.chain_involvement import Involvement
from tests.fictional import BRAM

KEY = b"test-key"
NOW = datetime(2026, 4, 18, 22, 47, tzinfo=UTC)
CALL = ContactPerson(role="toezichthouder", name="S. Kuiper", phone="+31 10 555 0131")


def involvement(org: str, pseudonym: str = "kp-bram", **changes: object) -> Involvement:
    fields: dict[str, object] = {
        "pseudonym": pseudonym,
        "strength": "bsn",
        "has_bsn": True,
        "org": org,
        "person_role": "suspect",
        "role": "supervisor",
        "since": date(2026, 3, 11),
        "contact": CALL,
        "signal_id": str(uuid4()),
        "updated_at": NOW,
    }
    return Involvement.model_validate({**fields, **changes})


def test_a_person_is_indexed_by_bsn_and_by_name_and_birth_date() -> None:
    keys = person_keys(BRAM, KEY)
    assert [strength for _, strength in keys] == ["bsn", "name_birth_date"]
    without_bsn = person_keys(BRAM.model_copy(update={"bsn": None}), KEY)
    assert without_bsn == [keys[1]]  # the name key is the same whoever knows the BSN
    assert person_keys(BRAM.model_copy(update={"birth_date": None, "bsn": None}), KEY) == []


def test_the_first_signal_opens_an_involvement_and_later_ones_keep_its_role_and_start() -> None:
    first, opened = merge(None, involvement("3ro"), "involvement_opened")
    assert opened
    later, opened_again = merge(
        first, involvement("3ro", role="investigator", since=date(2026, 4, 18)), "breach_of_conditions"
    )
    assert not opened_again and (later.role, later.since) == ("supervisor", date(2026, 3, 11))


def test_a_contact_signal_changes_whom_to_call_and_a_closing_closes() -> None:
    first, _ = merge(None, involvement("3ro"), "involvement_opened")
    other = CALL.model_copy(update={"name": "P. de Vries"})
    changed, _ = merge(first, involvement("3ro", contact=other), "contact_changed")
    assert changed.contact == other
    closed, _ = merge(changed, involvement("3ro", closed_on=date(2026, 6, 7)), "involvement_closed")
    assert closed.closed_on == date(2026, 6, 7)
    reopened, opened = merge(closed, involvement("3ro", since=date(2026, 9, 1)), "involvement_opened")
    assert opened and reopened.closed_on is None


def test_a_second_organisation_makes_a_match_and_the_first_is_told_only_once() -> None:
    index = InvolvementIndex()
    view = index.view()
    assert view.observe([involvement("police")], "new_report")[1] == []
    _, (match,) = view.observe([involvement("3ro")], "involvement_opened")
    assert match.newcomer.org == "3ro" and [o.org for o in match.others] == ["police"]
    assert view.observe([involvement("3ro")], "breach_of_conditions")[1] == []  # no second match
    assert view.involved("kp-bram") == {"police", "3ro"}


def test_changes_hold_only_once_committed() -> None:
    index = InvolvementIndex()
    view = index.view()
    view.observe([involvement("police")], "new_report")
    assert index.entries == {} and index.view().involved("kp-bram") == frozenset()
    view.commit()
    assert index.view().involved("kp-bram") == {"police"}


def test_by_name_only_where_one_side_lacks_the_bsn() -> None:
    index = InvolvementIndex()
    view = index.view()
    by_name = {"strength": "name_birth_date", "pseudonym": "kp-name"}
    view.observe([involvement("police", **by_name)], "new_report")
    assert view.observe([involvement("om", **by_name)], "measure_imposed")[1] == []  # both knew the BSN
    _, (match,) = view.observe([involvement("3ro", has_bsn=False, **by_name)], "involvement_opened")
    assert {o.org for o in match.others} == {"police", "om"} and match.newcomer.strength == "name_birth_date"


def test_a_long_closed_involvement_no_longer_matches_and_leaves_the_index() -> None:
    today = datetime.now(UTC).date()
    index = InvolvementIndex(retention_months=24)
    index.put(involvement("police", closed_on=date(today.year - 3, 1, 1)))
    index.put(involvement("om", closed_on=date(today.year - 1, today.month, 1)))
    assert [inv.org for inv in index.of(["kp-bram"])] == ["om"]
    assert ("kp-bram", "police") not in index.entries
    _, (match,) = index.view().observe([involvement("3ro")], "involvement_opened")
    assert [o.org for o in match.others] == ["om"]  # closed within the period: still worth a call
    assert index.view().involved("kp-bram") == frozenset()  # but no longer involved for sharing


def test_another_signal_of_a_known_involvement_writes_nothing() -> None:
    index = InvolvementIndex()
    view = index.view()
    (first,), _ = view.observe([involvement("police")], "new_report")
    again, _ = view.observe([involvement("police")], "breach_of_conditions")
    assert again == []  # the index topic does not grow with every signal
    new_contact = CALL.model_copy(update={"phone": "+31 10 555 0199"})
    (changed,), _ = view.observe([involvement("police", contact=new_contact)], "contact_changed")
    assert changed.contact == new_contact and first.contact == CALL


def test_a_sweep_drops_what_expired_while_the_gateway_ran() -> None:
    index = InvolvementIndex(retention_months=24)
    today = datetime.now(UTC).date()
    index.put(involvement("om", closed_on=date(today.year - 1, today.month, 1)))
    index.retention_months = 6  # as if a year had passed
    assert index.sweep() == 1 and index.entries == {} and index.by_person["kp-bram"] == set()


def test_an_expired_involvement_waits_for_its_tombstone_and_a_tombstone_removes_it() -> None:
    today = datetime.now(UTC).date()

    def involvement(org: str, closed_on: date | None) -> Involvement:
        return Involvement(
            pseudonym="p-1", strength="bsn", has_bsn=True, org=org, person_role="victim",
            role="case_holder", since=today - timedelta(days=900), closed_on=closed_on, signal_id="s",
            updated_at=datetime.now(UTC),
        )  # fmt: skip

    index = InvolvementIndex(retention_months=24)
    old, current = involvement("om", today - timedelta(days=800)), involvement("police", None)
    index.put(old)
    index.put(current)
    assert old.key in index.expired and old.key not in index.entries, "read expired: waits for its tombstone"
    assert [i.org for i in index.of(["p-1"])] == ["police"]
    index.remove(old.key)
    assert old.key not in index.expired
    # Reopened before its tombstone: current again, no longer to be removed.
    index.put(old)
    index.put(old.model_copy(update={"closed_on": None}))
    assert old.key in index.entries and old.key not in index.expired
