"""The involvement index as a consequence of each signal (a step, see gateway/consequences.py): what
the signal shows about its sender's involvement with each person it names, and, when a second
organisation becomes involved with the same person, a match notice for each organisation the match
concerns, as far as the sharing policy for `involvement_opened` allows (docs/dat-informatie.md).

The index changes wait in a view of the batch and hold once the batch is committed; the index is
also what tells the sharing policy which partners are involved already (`involved`).
"""

from __future__ import annotations

from datetime import datetime
from uuid import uuid5

from gateway.consequences import Decided, Effects
from gateway.decision_cache import DecisionCache
from gateway.decisions import Decision, Level, policy_input
from gateway.involvements import (
    MATCH_NOTICE,
    IndexView,
    InvolvementIndex,
    Match,
    involvement_record,
    observed,
)
from gateway.kafka import Record
from gateway.pipeline import Accepted, delivery_record
from gateway.schemas.audit import AuditEntry, DataSubject
from gateway.schemas.chain_involvement import Involvement
from gateway.schemas.delivery import Delivery


class IndexInvolvements:
    """The step: merge what a signal shows into the index (its records into the batch), and send
    the match notices its newly opened involvements make."""

    def __init__(self, index: InvolvementIndex, decisions: DecisionCache, pseudonym_key: bytes) -> None:
        self.index = index
        self.decisions = decisions
        self.pseudonym_key = pseudonym_key
        self._view: IndexView | None = None

    def begin(self) -> None:
        self._view = self.index.view()

    def committed(self) -> None:
        if self._view is not None:
            self._view.commit()
            self._view = None

    def involved(self, pseudonym: str) -> frozenset[str]:
        """The organisations with an open involvement with this person, as this batch sees it."""
        return self.view.involved(pseudonym)

    @property
    def view(self) -> IndexView:
        if self._view is None:
            self.begin()
        assert self._view is not None
        return self._view

    async def __call__(self, decided: Decided) -> Effects:
        signal = decided.signal
        seen = observed(signal, self.pseudonym_key, decided.now)
        written, matches = self.view.observe(seen, signal.signal.name)
        effects = Effects([involvement_record(involvement) for involvement in written])
        if matches:
            notices, entries = await match_notices(self.decisions, matches, signal, decided.now)
            effects.records += notices
            effects.audit += entries
        return effects


async def match_notices(
    decisions: DecisionCache, matches: list[Match], trigger: Accepted, now: datetime
) -> tuple[list[Record], list[AuditEntry]]:
    """One notice per organisation the signal's matches concern, naming, per person, the other
    organisations involved that it may learn of: what the sharing policy for `involvement_opened`
    grants a partner involved with the same person. Its id is fixed by the signal and the
    recipient, so a replay gives the same notice."""
    told: dict[str, list[tuple[Match, list[Involvement]]]] = {}
    for match in matches:
        told.setdefault(match.newcomer.org, []).append((match, list(match.others)))
        for other in match.others:
            told.setdefault(other.org, []).append((match, [match.newcomer]))
    records, entries = [], []
    for recipient, items in told.items():
        persons, granted, revision = [], [], ""
        for match, candidates in items:
            named = []
            for involvement in candidates:
                revision, decision = await may_learn(decisions, recipient, involvement)
                if decision.level is not Level.NONE:
                    named.append(involvement)
                    granted.append(decision)
            if named:
                persons.append(_person_entry(match.newcomer, named))
        if not persons:
            continue
        notice = Delivery(
            delivery_id=uuid5(trigger.envelope.id, f"match:{recipient}"),
            signal_id=trigger.envelope.id,
            signal_type=MATCH_NOTICE,
            sender="ketenpoort",
            sent_at=now,
            recipient=recipient,
            level="dat",
            fields=[],
            legal_basis=granted[0].legal_basis,
            purpose=granted[0].purpose,
            urgency="normal",
            policy_revision=revision,
            chain_pseudonym=trigger.pseudonym,
            body={"persons": persons},
        )
        records.append(delivery_record(notice, trigger.pseudonym, trigger.envelope.traceparent, now))
        subjects = [
            DataSubject(role=match.newcomer.person_role, id=match.newcomer.pseudonym) for match, _ in items
        ]
        entries.append(
            AuditEntry(
                record_id=str(uuid5(notice.delivery_id, "audit")),
                signal_id=str(trigger.envelope.id),
                signal_type=MATCH_NOTICE,
                sender="ketenpoort",
                recipient=recipient,
                level="dat",
                fields_delivered=[],
                fields_withheld=[],
                legal_basis=notice.legal_basis,
                processing_activity=notice.purpose,
                urgency="normal",
                policy_revision=revision,
                decided_at=now,
                trace_id=trigger.envelope.trace_id,
                data_subjects=list(dict.fromkeys(subjects)),
            )
        )
    return records, entries


async def may_learn(
    decisions: DecisionCache, recipient: str, involvement: Involvement
) -> tuple[str, Decision]:
    """Whether `recipient` may learn of this involvement: the sharing policy's answer for an
    `involvement_opened` of its organisation, with `recipient` involved with the same person."""
    query = policy_input(
        "involvement_opened",
        involvement.org,
        "1.0",
        {"minors_involved": involvement.person_role == "child", "involvement_role": involvement.role},
        involved=frozenset({recipient}),
        recipients=(recipient,),
    )
    revision, decided = await decisions.decide(query)
    return revision, decided[recipient]


def _person_entry(newcomer: Involvement, named: list[Involvement]) -> dict[str, object]:
    """One person of a match notice: how sure the match is, and who else is involved."""
    return {
        "person_role": newcomer.person_role,
        "match": newcomer.strength,
        "involved": [
            {
                "organisation": inv.org,
                "role": inv.role,
                "since": inv.since.isoformat(),
                "closed_on": inv.closed_on.isoformat() if inv.closed_on else None,
                "contact": inv.contact.model_dump(mode="json") if inv.contact else None,
            }
            for inv in named
        ],
    }
